from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.io.ids import RESERVED_IDS, record_id, safe_id
from pipeline.io.ingest import discover, read_records

LIMITS = {"max_document_bytes": 1_000_000, "max_line_chars": 10_000}
HTML = """<!DOCTYPE html><html><head><title>Growing Tomatoes</title></head><body>
<nav><a href="/">Home</a> <a href="/blog">Blog</a></nav>
<article><h1>Growing Tomatoes</h1>
<p>Tomatoes need six to eight hours of direct sun a day, steady watering and a rich soil.
Plant them after the last frost, deep enough that the stem is buried to the first leaves.</p>
<p>Stake or cage the plants early. Pinch the suckers that grow between the main stem and the
branches if you want fewer, larger fruits, and mulch to keep the soil moist.</p>
</article><footer>Copyright 2024 Garden Site</footer></body></html>"""


def records(path: Path):
    return list(read_records(path, path.parent, **LIMITS))


def test_discover_finds_supported_files_in_sorted_order(tmp_path):
    for name in ["b.txt", "a.md", "sub/c.jsonl", "d.jsonl.gz", "e.parquet", "f.html", "g.HTM", ".hidden.txt", "x.pdf"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == [
        "a.md", "b.txt", "d.jsonl.gz", "e.parquet", "f.html", "g.HTM", "sub/c.jsonl",
    ]
    assert found.skipped == [{"path": ".hidden.txt", "reason": "hidden"},
                             {"path": "x.pdf", "reason": "no reader for this kind of file"}]


def test_text_file(tmp_path):
    (tmp_path / "one.txt").write_text("Title\n\nBody.", encoding="utf-8")
    (record,) = records(tmp_path / "one.txt")
    assert (record.id, record.source, record.position, record.text, record.status) == (
        "one", "one.txt", 0, "Title\n\nBody.", None,
    )


def test_jsonl_and_gzip_records(tmp_path):
    rows = [
        {"id": "x1", "text": "First.", "title": "T1", "url": "https://e.org/1", "metadata": {"lang": "en"}},
        {"text": "Second."},
    ]
    body = "".join(json.dumps(r) + "\n" for r in rows)
    (tmp_path / "a.jsonl").write_text(body + "\n")
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(body.encode()))
    for name, stem in [("a.jsonl", "a"), ("b.jsonl.gz", "b")]:
        first, second = records(tmp_path / name)
        assert (first.id, first.title, first.url, first.metadata) == (
            "x1", "T1", "https://e.org/1", {"lang": "en", "original_id": "x1"},
        )
        assert (second.id, second.position, second.text) == (f"{stem}-000002", 2, "Second.")


def test_parquet_records(tmp_path):
    table = pa.Table.from_pylist([{"id": "p1", "text": "Alpha."}, {"id": None, "text": "Beta."}])
    pq.write_table(table, tmp_path / "t.parquet")
    first, second = records(tmp_path / "t.parquet")
    assert (first.id, first.text, second.id, second.text) == ("p1", "Alpha.", "t-000002", "Beta.")


def test_html_is_extracted_with_trafilatura(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    (record,) = records(tmp_path / "page.html")
    assert record.title == "Growing Tomatoes"
    assert "Tomatoes need six to eight hours" in record.text
    assert "Pinch the suckers" in record.text
    assert "Home" not in record.text and "Copyright" not in record.text


def test_html_without_content_is_dropped(tmp_path):
    (tmp_path / "nav.html").write_text("<html><head><script>var x = 1;</script></head><body><img src='a.png'></body></html>")
    (record,) = records(tmp_path / "nav.html")
    assert (record.status.value, record.reason) == ("dropped", "ingest.no_content")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("plain-id_1.2", "plain-id_1.2"),
        ("../../etc/passwd", "etc_passwd-"),
        ("a/b", "a_b-"),
        ("CON", "CON-"),
        ("index", "index-"),
        (".hidden", "hidden-"),
        ("", "doc-"),
        ("x" * 150, "x" * 89 + "-"),
    ],
)
def test_safe_id(given, expected):
    result = safe_id(given)
    if expected.endswith("-"):
        assert result.startswith(expected) and len(result) == len(expected) + 10
    else:
        assert result == expected
    assert "/" not in result and not result.startswith(".") and result.lower() not in RESERVED_IDS


def test_ids_are_stable_and_distinct():
    assert safe_id("../a") == safe_id("../a") != safe_id("./a")
    assert record_id(None, "dir/f.jsonl", 7) == "dir__f-000007"


DOLMA = {"id": "cc-1", "text": "Body text.", "source": "common-crawl", "added": "2024-03-01T00:00:00Z",
         "created": "2023-12-24", "metadata": {"url": "https://ex.org/a", "lang": {"en": 0.98}}}
# As datatrove's JsonlWriter writes a document: the URL inside metadata, media beside it.
DATATROVE = {"text": "Other text.", "id": "dt-7", "media": [], "metadata": {"url": "https://ex.org/b", "dump": "CC-24"}}


def _compressed(path: Path, data: bytes) -> None:
    import bz2
    import lzma

    import zstandard

    compress = {".gz": gzip.compress, ".zst": zstandard.ZstdCompressor().compress, ".bz2": bz2.compress,
                ".xz": lzma.compress}.get(path.suffix.lower(), lambda b: b)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compress(data))


@pytest.mark.parametrize("name", ["documents/part-0.json.gz", "part.jsonl.zst", "part.ndjson", "part.ndjson.gz",
                                  "part.jsonl.bz2", "part.json.xz"])
def test_json_lines_in_every_shape_are_read_with_nothing_lost(tmp_path, name):
    path = tmp_path / name
    _compressed(path, (json.dumps(DOLMA) + "\n" + json.dumps(DATATROVE) + "\n").encode("utf-8"))
    assert discover(tmp_path).files == [path]
    first, second = read_records(path, tmp_path, **LIMITS)
    assert (first.id, first.text, first.url, first.origin, first.added, first.created) == (
        "cc-1", "Body text.", "https://ex.org/a", "common-crawl", "2024-03-01T00:00:00Z", "2023-12-24")
    assert first.metadata == {"original_id": "cc-1", "url": "https://ex.org/a", "lang": {"en": 0.98}}
    assert (second.id, second.url, second.origin, second.added) == ("dt-7", "https://ex.org/b", None, None)
    assert second.metadata == {"original_id": "dt-7", "url": "https://ex.org/b", "dump": "CC-24", "media": []}


@pytest.mark.parametrize("name", ["pages/garden.html.gz", "garden.htm.zst", "garden.html.bz2", "garden.HTML.XZ"])
def test_a_compressed_page_is_read_as_the_plain_one(tmp_path, name):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "garden.html").write_text(HTML, encoding="utf-8")
    (plain,) = records(tmp_path / "plain" / "garden.html")
    path = tmp_path / "in" / name
    _compressed(path, HTML.encode("utf-8"))
    assert discover(tmp_path / "in").files == [path]
    (record,) = read_records(path, tmp_path / "in", **LIMITS)
    assert record.id == name.split(".")[0].replace("/", "__")
    assert (record.text, record.title, record.input_bytes, record.content_hash) == (
        plain.text, "Growing Tomatoes", len(HTML.encode("utf-8")), plain.content_hash)


def test_a_compressed_text_is_read_and_a_bomb_is_not_held(tmp_path):
    _compressed(tmp_path / "note.txt.gz", "A Title\n\nThe body of the note.\n".encode())
    _compressed(tmp_path / "bomb.txt.gz", b"a" * 3_000_000)
    _compressed(tmp_path / "cut.md.gz", b"# Title\n\nSome text that was cut short.\n" * 50)
    (tmp_path / "cut.md.gz").write_bytes((tmp_path / "cut.md.gz").read_bytes()[:60])
    (note,) = records(tmp_path / "note.txt.gz")
    assert (note.id, note.text) == ("note", "A Title\n\nThe body of the note.\n")
    (bomb,) = records(tmp_path / "bomb.txt.gz")
    assert (bomb.status.value, bomb.reason, bomb.input_bytes, bomb.error) == (
        "dropped", "ingest.max_document_bytes", 3_000_000, "3000000 bytes, more than max_document_bytes=1000000")
    (cut,) = records(tmp_path / "cut.md.gz")
    assert (cut.status.value, cut.reason) == ("failed", "ingest.unreadable")
    assert cut.error == "cannot read cut.md.gz: Compressed file ended before the end-of-stream marker was reached"


def test_field_names_are_configurable_and_may_be_nested(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"content": {"body": "The text."}, "doc_key": 42, "link": "https://ex.org/c"}) + "\n")
    (record,) = read_records(path, tmp_path, **LIMITS, text_key="content.body", id_key="doc_key", url_key="link")
    assert (record.id, record.text, record.url) == ("42", "The text.", "https://ex.org/c")
    assert record.metadata == {"original_id": "42", "content": {"body": "The text."}}
    (missing,) = read_records(path, tmp_path, **LIMITS)
    assert (missing.reason, missing.error) == ("ingest.missing_text", "record 1: no 'text' field")
    path.write_text(json.dumps({"text": None}) + "\n")  # a Parquet column's null reads the same
    (null,) = read_records(path, tmp_path, **LIMITS)
    assert (null.reason, null.error) == ("ingest.missing_text", "record 1: 'text' is null")
    # and so does a nested field, whichever part of its path is missing
    for body, said in (({"body": None}, "'content.body' is null"), ({}, "no 'content.body' field")):
        path.write_text(json.dumps({"content": body}) + "\n")
        (nested,) = read_records(path, tmp_path, **LIMITS, text_key="content.body")
        assert (nested.reason, nested.error) == ("ingest.missing_text", f"record 1: {said}")


def test_a_damaged_zstd_file_fails_its_remaining_records(tmp_path):
    import zstandard

    path = tmp_path / "a.jsonl.zst"
    data = zstandard.ZstdCompressor().compress((json.dumps(DOLMA) + "\n").encode() * 3)
    path.write_bytes(data[: len(data) // 2] + b"\0" * 40)
    found = list(read_records(path, tmp_path, **LIMITS))
    assert found[-1].reason == "ingest.unreadable" and found[-1].error.startswith("cannot read a.jsonl.zst after line")


def sites_read(path: Path, root: Path, **keys) -> list[str]:
    """The sites of the records read_records reads from ``path`` with a site."""
    from pipeline.core.document import site_of

    return [site for r in read_records(path, root, **LIMITS, **keys) if r.status is None and (site := site_of(r.url))]


def test_the_site_census_reads_the_url_fields_as_the_reader_does(tmp_path):
    from pipeline.io.ingest import ANY_SITE, record_sites

    lines = [
        json.dumps({"text": "One.", "url": "https://www.A.example/1"}),
        "",
        json.dumps({"text": "Two.", "metadata": {"url": "https://b.example/2"}}),  # where datatrove writes it
        json.dumps({"text": "Three.", "url": "http://a.example:8080/3"}),
        json.dumps({"text": "No URL."}),
        json.dumps({"text": "A URL with no host.", "url": "a.example/4"}),
        json.dumps({"text": "Not a string.", "url": 5}),
        '{"text": "broken", "url": "https://c.example/',
        json.dumps(["not", "an", "object"]),
        # Read by the census, rejected by the reader (no text): a site's count is an upper bound.
        json.dumps({"url": "https://d.example/5"}),
    ]
    body = "\n".join(lines) + "\n"
    (tmp_path / "a.jsonl").write_text(body, encoding="utf-8")
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(body.encode()))
    # One answer a record (the blank line is none), as the progress bar counts them.
    for name in ("a.jsonl", "b.jsonl.gz"):
        assert list(record_sites(tmp_path / name, tmp_path, max_document_bytes=LIMITS["max_document_bytes"])) == [
            "a.example", "b.example", "a.example", None, None, None, None, None, "d.example"]
        assert sites_read(tmp_path / name, tmp_path) == ["a.example", "b.example", "a.example"]
    # A line over max_document_bytes is dropped unread: of these, only the last is not over 40 bytes.
    assert list(record_sites(tmp_path / "a.jsonl", tmp_path, max_document_bytes=40)) == [None] * 8 + ["d.example"]
    # Another URL field, and a Parquet file's URL columns (a nested one among them).
    rows = [{"text": "P1.", "link": "https://e.example/1", "metadata": {"url": "https://f.example/1"}},
            {"text": "P2.", "link": None, "metadata": {"url": "https://f.example/2"}},
            {"text": "P3.", "link": "https://www.e.example/3", "metadata": None}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c.parquet")
    assert list(record_sites(tmp_path / "c.parquet", tmp_path, max_document_bytes=None)) == [
        "f.example", "f.example", None]
    assert sites_read(tmp_path / "c.parquet", tmp_path) == ["f.example"] * 2
    assert list(record_sites(tmp_path / "c.parquet", tmp_path, max_document_bytes=None, url_key="link")) == [
        "e.example", None, "e.example"]
    assert sites_read(tmp_path / "c.parquet", tmp_path, url_key="link") == ["e.example", "e.example"]
    # An HTML page's URL is known once trafilatura has read it: it may be of any site. A text file has none.
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "one.txt").write_text("Title\n\nBody.", encoding="utf-8")
    assert list(record_sites(tmp_path / "page.html", tmp_path, max_document_bytes=None)) == [ANY_SITE]
    assert list(record_sites(tmp_path / "one.txt", tmp_path, max_document_bytes=None)) == [None]


def test_an_html_page_can_be_read_now_and_extracted_where_it_is_cleaned(tmp_path):
    from pipeline.io.ingest import extract

    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    (eager,) = records(tmp_path / "page.html")
    (deferred,) = read_records(tmp_path / "page.html", tmp_path, **LIMITS, defer_html=True)
    # Read, hashed and decoded, but not extracted: a run's workers run trafilatura, not its reader.
    assert (deferred.text, deferred.title, deferred.status, deferred.markup.html) == (None, None, None, HTML)
    assert deferred.content_hash == eager.content_hash
    assert extract(deferred) is deferred and deferred.markup is None
    assert deferred == eager
    # What extraction rejects, it rejects where it runs.
    (tmp_path / "empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    (empty,) = read_records(tmp_path / "empty.html", tmp_path, **LIMITS, defer_html=True)
    assert empty.status is None
    assert (extract(empty).status.value, empty.reason) == ("dropped", "ingest.no_content")
