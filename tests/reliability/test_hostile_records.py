"""One hostile record fails (or drops) that record, never the run (issue 26, D1-D6).

Each test feeds a corpus with one hostile input beside a good article and checks what a user
relies on: the run exits 0, every input record has exactly one row in signals.parquet, the
hostile one says why, and the cleaned files, articles.parquet and articles.jsonl agree.
"""

from __future__ import annotations

import datetime
import decimal
import gzip
import json
import os
import tracemalloc

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.document import Status
from pipeline.io import ids, ingest, records
from tests.conftest import Run, article, read_manifest, run_cli

ARTICLE = article("Notes On Rivers")


def accounted(run: Run, records: int) -> pd.DataFrame:
    """The run completed with one row per input record, unique ids, and consistent outputs."""
    assert run.exit_code == 0
    signals = run.signals
    assert len(signals) == records
    assert signals["id"].is_unique
    kept = set(signals.loc[signals["status"] == "kept", "id"])
    assert {p.stem for p in run.cleaned.glob("*.txt")} == kept
    assert set(run.articles["id"]) == kept
    (documents,) = (run.cleaned / "documents").iterdir()
    lines = gzip.decompress(documents.read_bytes()).decode("utf-8").splitlines()
    assert {json.loads(line)["id"] for line in lines} == kept
    assert run.manifest and (run.reports / "index.html").exists()
    return signals.set_index("id")


def raw_dir(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text(ARTICLE, encoding="utf-8")
    return raw


def test_d1_a_file_name_that_is_not_utf8_is_cleaned_under_an_escaped_name(tmp_path):
    raw = raw_dir(tmp_path)
    with open(os.path.join(os.fsencode(raw), b"bad\xff.txt"), "w", encoding="utf-8") as fh:
        fh.write(ARTICLE)
    rows = accounted(run_cli(raw, tmp_path), 2)
    assert rows.loc["bad_xff-efdc3fe6f2", ["source", "status"]].tolist() == ["bad\\xff.txt", "kept"]
    manifest = read_manifest(tmp_path / "reports")
    assert [entry["path"] for entry in manifest["inputs"]] == ["bad\\xff.txt", "good.txt"]


def test_d2_a_lone_surrogate_in_url_id_or_metadata_fails_that_record(tmp_path):
    raw = raw_dir(tmp_path)
    text = json.dumps(ARTICLE)
    (raw / "batch.jsonl").write_text(
        '{"text": %s, "url": "https://x.org/\\ud800"}\n' % text
        + '{"text": %s, "id": "a\\udc00b"}\n' % text
        + '{"text": "", "metadata": {"k\\ud801": "v"}}\n'  # would be dropped as empty
        + '{"text": %s, "metadata": {"tags": ["fine", "v\\udfff"]}}\n' % text,
        encoding="utf-8")
    rows = accounted(run_cli(raw, tmp_path), 5)
    hostile = rows[rows["source"] == "batch.jsonl"]
    assert hostile["status"].tolist() == ["failed"] * 4
    assert hostile["reasons"].map(list).tolist() == [["ingest.invalid_unicode"]] * 4
    assert hostile["error"].tolist() == [
        "record 1: 'url' holds a lone surrogate (U+D800) at character 14, which is no Unicode character",
        "record 2: 'id' holds a lone surrogate (U+DC00) at character 1, which is no Unicode character",
        "record 3: a key of 'metadata' holds a lone surrogate (U+D801) at character 1, which is no Unicode character",
        "record 4: 'metadata'['tags'][1] holds a lone surrogate (U+DFFF) at character 1, which is no Unicode character",
    ]
    assert hostile["url"].isna().all()


def test_d3_parquet_metadata_with_timestamps_bytes_and_decimals_reaches_the_outputs_as_json(tmp_path):
    raw = raw_dir(tmp_path)
    metadata = {"crawled": datetime.datetime(2020, 1, 2, 3, 4, 5), "day": datetime.date(2020, 1, 2),
                "digest": b"\x00\x01\xff", "price": decimal.Decimal("12.50")}
    pq.write_table(pa.table({"id": ["p1"], "text": [ARTICLE], "metadata": [metadata]}), raw / "rows.parquet")
    run = run_cli(raw, tmp_path)
    accounted(run, 2)
    articles = run.articles.set_index("id")
    assert json.loads(articles.loc["p1", "metadata"]["source_metadata"]) == {
        "crawled": "2020-01-02T03:04:05", "day": "2020-01-02", "digest": "AAH/", "original_id": "p1",
        "price": "12.50"}


def test_d4_huge_integers_and_deep_nesting_fail_their_line(tmp_path):
    raw = raw_dir(tmp_path)
    deep_metadata = {"text": ARTICLE, "metadata": {}}
    node = deep_metadata["metadata"]
    for _ in range(records.MAX_METADATA_DEPTH + 1):
        node["x"] = {}
        node = node["x"]
    (raw / "batch.jsonl").write_text(
        '{"text": %s, "n": %s}\n' % (json.dumps(ARTICLE), "9" * 5000)
        + '{"text": "x", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        + json.dumps(deep_metadata) + "\n",
        encoding="utf-8")
    rows = accounted(run_cli(raw, tmp_path), 4)
    hostile = rows[rows["source"] == "batch.jsonl"]
    assert hostile["reasons"].map(list).tolist() == [["ingest.malformed_json"]] * 2 + [["ingest.bad_field"]]
    assert hostile["error"].tolist() == [
        "line 1: an integer of more digits than can be read (4300)",
        "line 2: nested too deeply to parse",
        f"record 3: 'metadata' is nested more than {records.MAX_METADATA_DEPTH} levels deep",
    ]


def gzip_bomb(path, line_bytes: int) -> None:
    """One JSONL record whose text is ``line_bytes`` of one letter: a few kB compressed."""
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'{"text": "')
        chunk = b"a" * (1 << 20)
        for _ in range(line_bytes // len(chunk)):
            fh.write(chunk)
        fh.write(b'"}\n')
        fh.write(json.dumps({"id": "after", "text": ARTICLE}).encode() + b"\n")


def test_d5_a_gzip_bomb_is_counted_and_read_past_without_holding_its_line(tmp_path):
    raw = raw_dir(tmp_path)
    bomb = raw / "bomb.jsonl.gz"
    gzip_bomb(bomb, 64 << 20)
    limit = 1 << 20
    tracemalloc.start()
    try:
        assert ingest.count_records(bomb) == 2
        read = list(ingest.read_records(bomb, raw, max_document_bytes=limit, max_line_chars=None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Reading the 64 MiB line whole (as before) peaks above 64 MiB; bounded, a few 1 MiB chunks
    # (the limit, and ingest.READ_CHUNK_BYTES) are all it holds (4.1 MiB measured).
    assert peak < 8 << 20
    assert [(r.id, r.status, r.reason, r.input_bytes) for r in read] == [
        ("bomb-000001", Status.DROPPED, records.TOO_LARGE, (64 << 20) + 13),
        ("after", None, None, len(json.dumps({"id": "after", "text": ARTICLE})) + 1),
    ]
    rows = accounted(run_cli(raw, tmp_path), 3)
    assert rows.loc["bomb-000001", "error"] == (
        f"line 1: {(64 << 20) + 13} bytes, more than max_document_bytes={ingest_default_limit()}")


def ingest_default_limit() -> int:
    from pipeline.core.config import default_config

    return default_config()["ingest"]["max_document_bytes"]


def test_d6_a_derived_id_never_takes_an_id_already_given(tmp_path):
    raw = raw_dir(tmp_path)
    # The id the third record would derive from "x" is given by the first: by chance or by craft.
    taken = ids.disambiguate("x", "batch.jsonl", 3)
    lines = [{"id": taken, "text": ARTICLE}, {"id": "x", "text": ARTICLE}, {"id": "x", "text": article("Other")}]
    (raw / "batch.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    rows = accounted(run_cli(raw, tmp_path), 4)
    derived = ids.disambiguate("x", "batch.jsonl", 3, attempt=1)
    assert sorted(rows.index) == sorted(["good", taken, "x", derived])
    assert (tmp_path / "cleaned" / f"{derived}.txt").read_text("utf-8").startswith("Other\n")


def test_d21_a_damaged_parquet_row_group_costs_only_its_own_rows(tmp_path):
    raw = raw_dir(tmp_path)
    texts = [article(f"Row {n}") for n in range(6)]
    path = raw / "rows.parquet"
    pq.write_table(pa.table({"id": [f"r{n}" for n in range(6)], "text": texts}), path, row_group_size=2,
                   compression="zstd")
    chunk = pq.ParquetFile(path).metadata.row_group(1).column(1)  # the middle group's text column
    data = bytearray(path.read_bytes())
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    size = chunk.total_compressed_size
    data[start:start + size] = b"\xff" * size  # its pages, headers and all
    path.write_bytes(bytes(data))
    rows = accounted(run_cli(raw, tmp_path), 7)
    assert rows["status"].to_dict() == {"good": "kept", "r0": "kept", "r1": "kept", "rows-000003": "failed",
                                        "rows-000004": "failed", "r4": "kept", "r5": "kept"}
    assert rows.loc["rows-000003", "error"].startswith("cannot read row group 1 of rows.parquet (rows 3-4): ")


def test_d21_direction_controls_are_balanced_in_text_and_title(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    body = article("Notes On Rivers").split("\n\n", 1)[1]
    (raw / "bidi.jsonl").write_text(json.dumps({
        "id": "b", "title": "Invoice \u202efdp.exe", "text": "Dear reader \u2067see this\n\n" + body}) + "\n",
        encoding="utf-8")
    rows = accounted(run_cli(raw, tmp_path), 1)
    assert rows.loc["b", "title"] == "Invoice \u202efdp.exe\u202c"
    cleaned = (tmp_path / "cleaned" / "b.txt").read_text("utf-8")
    assert cleaned.startswith("Invoice \u202efdp.exe\u202c\n\nDear reader \u2067see this\u2069\n\n")


def test_d15_many_tiny_records_write_a_bounded_number_of_pages(tmp_path):
    from pipeline.reports.pages import PagePolicy

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "tiny.jsonl").write_text("".join(json.dumps({"id": f"t{n:04d}", "text": "hi"}) + "\n"
                                            for n in range(2000)), encoding="utf-8")
    config = tmp_path / "pages.toml"
    config.write_text("[reports]\npages = 100\n", encoding="utf-8")
    rows = accounted(run_cli(raw, tmp_path, "--config", str(config)), 2000)
    assert set(rows["status"]) == {"dropped"}
    policy = PagePolicy(pages=100)
    wanted = [doc_id for n, doc_id in enumerate(rows.index) if policy.wants(n, {"id": doc_id, "status": "dropped"})]
    pages = sorted(p.stem for p in (tmp_path / "reports").glob("t*.html"))
    assert pages == wanted and len(pages) == 100 + 206  # the first 100, and about 10% of the rest by id
    # Each page's "next" link goes to the next document that has a page.
    page = (tmp_path / "reports" / f"{wanted[100]}.html").read_text("utf-8")
    assert f'href="{wanted[101]}.html"' in page and f'href="{wanted[99]}.html"' in page
    index = (tmp_path / "reports" / "index.html").read_text("utf-8")
    assert "<dt>Pages</dt><dd>306 documents have a page" in index
    # A re-run reuses every document, with a page or without.
    again = run_cli(raw, tmp_path, "--config", str(config))
    assert read_manifest(again.reports)["incremental"]["reused"] == 2000
    assert sorted(p.stem for p in (tmp_path / "reports").glob("t*.html")) == wanted
