"""Nothing outside the folders given is read or deleted (issue 26, D10, D11)."""

from __future__ import annotations

import pyarrow.parquet as pq

from pipeline.cli import main
from tests.conftest import article, read_manifest, run_cli
from tests.reliability.test_hostile_records import accounted, raw_dir

ARTICLE_TEXT = article("Notes On Rivers")
SECRET = "Secret line that lives outside the input folder, never to be shown."


def test_d10_a_link_out_of_the_input_folder_is_a_failed_row_and_is_not_read(tmp_path):
    raw = raw_dir(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text(article("Private Notes") + "\n\n" + SECRET, encoding="utf-8")
    (raw / "passwd.txt").symlink_to(secret)
    (raw / "inside.txt").symlink_to(raw / "good.txt")  # a link that stays inside is an input like any
    rows = accounted(run_cli(raw, tmp_path / "run"), 3)
    assert rows.loc["passwd", ["status", "error"]].tolist() == [
        "failed", "passwd.txt links outside the input folder; not read (--follow-symlinks reads it)"]
    assert list(rows.loc["passwd", "reasons"]) == ["ingest.outside_input"]
    assert rows.loc["inside", "status"] == "kept"
    reports = tmp_path / "run" / "reports"
    assert not any(SECRET in page.read_text("utf-8") for page in reports.glob("*.html"))
    manifest = read_manifest(reports)
    assert [entry for entry in manifest["inputs"] if entry["path"] == "passwd.txt"] == [
        {"path": "passwd.txt", "error": "links outside the input folder: not read"}]
    assert "3 files, " in (index := (reports / "index.html").read_text("utf-8"))
    assert " bytes (1 not read: passwd.txt)</dd>" in index
    # Asked for, the link is read.
    rows = accounted(run_cli(raw, tmp_path / "followed", "--follow-symlinks"), 3)
    assert rows.loc["passwd", "status"] == "kept"
    assert SECRET in (tmp_path / "followed" / "cleaned" / "passwd.txt").read_text("utf-8")


def test_d11_ids_read_back_from_a_previous_run_never_delete_outside_the_output_folders(tmp_path):
    raw = raw_dir(tmp_path)
    first = run_cli(raw, tmp_path)
    assert first.exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    # A crafted previous table: one more row whose id climbs out of cleaned/ and reports/.
    table = pq.read_table(first.reports / "signals" / "raw.parquet")
    rows = table.to_pylist()
    rows.append({**rows[0], "id": "../victim"})
    pq.write_table(table.from_pylist(rows, schema=table.schema), first.reports / "signals" / "raw.parquet")
    again = run_cli(raw, tmp_path)
    accounted(again, 1)
    assert victim.read_text("utf-8") == "keep me"
    assert read_manifest(again.reports)["incremental"]["reused"] == 1


def test_d17_outputs_inside_the_input_folder_are_not_read_back(tmp_path):
    raw = raw_dir(tmp_path)
    for _ in range(3):
        run = run_cli(raw, raw / "out")
        accounted(run, 1)
    manifest = read_manifest(run.reports)
    assert manifest["skipped"] == [{"path": "out/cleaned", "reason": "an output folder of this run"},
                                   {"path": "out/reports", "reason": "an output folder of this run"}]


def test_d18_what_is_no_input_is_listed_as_skipped_with_why(tmp_path):
    import os

    raw = raw_dir(tmp_path)
    os.mkfifo(raw / "pipe.txt")
    (raw / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (raw / ".draft.txt").write_text(ARTICLE_TEXT, encoding="utf-8")
    (raw / ".git").mkdir()
    (raw / ".git" / "HEAD.txt").write_text(ARTICLE_TEXT, encoding="utf-8")
    (raw / "notes.pdf").write_bytes(b"%PDF-1.4")
    (raw / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    code = main([str(raw), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r")])
    assert code == 0
    manifest = read_manifest(tmp_path / "r")
    assert manifest["skipped"] == [
        {"path": ".draft.txt", "reason": "hidden"},
        {"path": ".git", "reason": "hidden"},
        {"path": "dangling.txt", "reason": "a link to nothing"},
        {"path": "elsewhere", "reason": "a link to a folder (not followed)"},
        {"path": "notes.pdf", "reason": "no reader for this kind of file"},
        {"path": "pipe.txt", "reason": "not a regular file"},
    ]
    assert manifest["counts"]["total"] == 1


def test_d9_a_file_that_cannot_be_read_is_a_failed_row_and_the_manifest_says_why(tmp_path):
    # Root reads any file whatever its mode; /proc/self/mem opens and then fails every read (EIO).
    raw = raw_dir(tmp_path)
    (raw / "mem.txt").symlink_to("/proc/self/mem")
    rows = accounted(run_cli(raw, tmp_path, "--follow-symlinks"), 2)
    assert list(rows.loc["mem", "reasons"]) == ["ingest.unreadable"]
    assert rows.loc["mem", "error"] == "cannot read mem.txt: Input/output error"
    manifest = read_manifest(tmp_path / "reports")
    assert [e for e in manifest["inputs"] if e["path"] == "mem.txt"] == [
        {"path": "mem.txt", "error": "cannot read: Input/output error"}]
