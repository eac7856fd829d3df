"""Every bad input is accounted for in signals.parquet; every other document is processed."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from tests.conftest import RAW, article, run_cli

ARTICLE = article("A Title For A Good Article")


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "blank.txt").write_bytes(b" \n\t\n  \n")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (raw / "invalid_utf8.txt").write_bytes("Caf\u00e9 society is an old phrase. ".encode() * 20 + b"\xff\xfe broken \xc3\x28 tail")
    (raw / "huge.txt").write_bytes(b"Huge\n\n" + b"word " * (20 * 1024 * 1024 // 5))
    (raw / "long_line.txt").write_bytes(b"Long line\n\n" + b"x" * 1_000_000)
    lines = [
        json.dumps({"id": "good-1", "title": "Gardening", "text": ARTICLE}),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "../../etc/passwd", "text": ARTICLE}),
        json.dumps({"id": "no-text", "title": "nothing"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "good-1", "title": "Cooking Notes", "text": article("Cooking Notes")}),
    ]
    (raw / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_cli(raw, root)
    return run


def test_the_run_completes_and_reports_every_input(bad_run):
    assert bad_run.exit_code == 0
    signals = bad_run.signals
    # 5 seeds + 6 single files + 6 JSONL lines
    assert len(signals) == 17
    assert signals["id"].is_unique


@pytest.mark.parametrize(
    ("source", "position", "status", "reason"),
    [
        ("empty.txt", 0, "dropped", "ingest.empty"),
        ("blank.txt", 0, "dropped", "ingest.empty"),
        ("binary.txt", 0, "failed", "ingest.binary"),
        ("invalid_utf8.txt", 0, "failed", "ingest.invalid_utf8"),
        ("huge.txt", 0, "dropped", "ingest.max_document_bytes"),
        ("long_line.txt", 0, "dropped", "ingest.max_line_chars"),
        ("batch.jsonl", 2, "failed", "ingest.malformed_json"),
        ("batch.jsonl", 4, "failed", "ingest.missing_text"),
        ("batch.jsonl", 5, "failed", "ingest.malformed_json"),
    ],
)
def test_bad_input_has_a_status_and_reason(bad_run, source, position, status, reason):
    signals = bad_run.signals
    rows = signals[(signals["source"] == source) & (signals["position"] == position)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["status"], list(row["reasons"])) == (status, [reason])
    assert row["error"]
    assert not (bad_run.cleaned / f"{row['id']}.txt").exists()
    assert (bad_run.reports / f"{row['id']}.html").exists()


def test_error_messages_say_where(bad_run):
    signals = bad_run.signals.set_index("source")
    assert signals.loc["invalid_utf8.txt", "error"].startswith("invalid UTF-8 at byte 640 (invalid start byte)")
    assert signals.loc["long_line.txt", "error"] == (
        "a line of 1000000 characters, more than max_line_chars=100000"
    )


def test_unsafe_id_becomes_a_safe_file_name(bad_run):
    signals = bad_run.signals
    row = signals[(signals["source"] == "batch.jsonl") & (signals["position"] == 3)].iloc[0]
    assert row["status"] == "kept"
    assert row["id"] == "etc_passwd-" + row["id"].rsplit("-", 1)[1]
    assert len(row["id"].rsplit("-", 1)[1]) == 10
    assert (bad_run.cleaned / f"{row['id']}.txt").exists()
    assert not (bad_run.root / "etc").exists()
    assert {p.parent for p in bad_run.cleaned.rglob("*.txt")} == {bad_run.cleaned}


def test_a_repeated_id_is_kept_under_a_derived_id(bad_run):
    signals = bad_run.signals
    first = signals[(signals["source"] == "batch.jsonl") & (signals["position"] == 1)].iloc[0]
    second = signals[(signals["source"] == "batch.jsonl") & (signals["position"] == 6)].iloc[0]
    assert first["id"] == "good-1"
    assert second["id"].startswith("good-1-") and second["id"] != "good-1"
    assert (bad_run.cleaned / f"{second['id']}.txt").read_text().startswith("Cooking Notes\n\n")


def test_the_seeds_are_processed_normally_beside_bad_inputs(bad_run):
    signals = bad_run.signals
    seeds = signals[signals["source"].str.match(r"^00\d_")]
    assert list(seeds["status"]) == ["kept"] * 5


def test_mojibake_is_repaired_not_failed(tmp_path):
    # The same article twice, once with its curly quotes and dashes in UTF-8 read as latin-1
    # (as a scraper that got the charset wrong stores them), in raw UTF-8 JSON and in escaped JSON.
    text = ARTICLE.replace(" the ", " the “very” ").replace(".", " — it’s so.")
    mojibake = text.encode("utf-8").decode("latin-1")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_text(json.dumps({"id": "right", "text": text}) + "\n"
                                 + json.dumps({"id": "raw", "text": mojibake}, ensure_ascii=False) + "\n"
                                 + json.dumps({"id": "escaped", "text": mojibake}) + "\n", encoding="utf-8")
    run = run_cli(raw, tmp_path)
    assert list(run.signals["status"]) == ["kept"] * 3
    assert run.cleaned_text("raw") == run.cleaned_text("escaped") == run.cleaned_text("right")
    assert "it's so." in run.cleaned_text("right")


def test_a_page_with_a_stray_byte_is_read_as_a_browser_reads_it(tmp_path):
    # The same bytes: an HTML page whose comment holds a byte that is no UTF-8, and a text file.
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
    page = f"<html><head><title>Café Notes</title></head><body><!-- \xff -->{paragraphs}</body></html>"
    data = page.encode("latin-1", "ignore").replace("Café".encode("latin-1"), "Café".encode())
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "page.html").write_bytes(data)
    (raw / "page.txt").write_bytes(data)
    signals = run_cli(raw, tmp_path).signals.set_index("source")
    assert (signals.loc["page.html", "status"], signals.loc["page.html", "encoding"]) == (
        "kept", "utf-8, 1 characters read as U+FFFD")
    assert list(signals.loc["page.txt", "reasons"]) == ["ingest.invalid_utf8"]


def test_nothing_processable_exits_non_zero(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (raw / "bad.jsonl").write_text("{nope\n")
    run = run_cli(raw, tmp_path)
    assert run.exit_code == 1
    assert list(run.signals["status"]) == ["failed", "failed"]


def test_an_empty_raw_directory_exits_non_zero(tmp_path):
    (tmp_path / "raw").mkdir()
    assert run_cli(tmp_path / "raw", tmp_path).exit_code == 1


def test_a_missing_raw_directory_is_a_usage_error(tmp_path, capsys):
    assert run_cli(tmp_path / "nope", tmp_path).exit_code == 2
    assert "raw directory not found" in capsys.readouterr().err


def test_a_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    payload = gzip.compress(
        "".join(json.dumps({"id": f"d{i}", "text": article(f"Article {i}", paragraphs=2 + i % 3)}) + "\n"
                for i in range(200)).encode()
    )
    (raw / "cut.jsonl.gz").write_bytes(payload[: len(payload) * 3 // 4])
    run = run_cli(raw, tmp_path)
    signals = run.signals
    assert run.exit_code == 0
    assert set(signals["status"]) == {"kept", "failed"}
    failed = signals[signals["status"] == "failed"].iloc[0]
    assert list(failed["reasons"]) == ["ingest.unreadable"]
    assert failed["position"] == (signals["status"] == "kept").sum() + 1
