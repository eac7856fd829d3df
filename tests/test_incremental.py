"""Incremental runs: unchanged documents are rebuilt from the previous run's rows, and the
outputs are the same bytes as a full run's."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import RAW, SENTENCES, read_manifest, run_cli
from tests.test_cli import tree_bytes

SEED = "003_c8638e245657b42c.txt"


@pytest.fixture
def raw(tmp_path):
    """The five seeds, six JSONL articles and a binary file (rejected at ingest every time)."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    lines = [json.dumps({"id": f"j{n}", "title": f"Article {n}",
                         "text": " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(9))})
             for n in range(6)]
    (raw / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return raw


def manifest(root):
    found = read_manifest(root / "reports")
    found.pop("timings")
    return found.pop("incremental"), found


def mtimes(root):
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*.txt")} | {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in (root / "reports").glob("*.html")
        if p.name != "index.html"}


def test_a_rerun_reuses_every_document_and_rewrites_no_page(raw, tmp_path):
    first = run_cli(raw, tmp_path / "out")
    assert first.exit_code == 0
    assert manifest(first.root)[0] == {"reused": 0, "cleaned": 12, "why_not_reused": "no previous run"}
    before, times = tree_bytes(first.root), mtimes(first.root)

    again = run_cli(raw, tmp_path / "out")
    assert again.exit_code == 0
    # 11 documents reused; the binary file is rejected at ingest again (that costs nothing).
    assert manifest(again.root)[0] == {"reused": 11, "cleaned": 1, "why_not_reused": None}
    assert tree_bytes(again.root) == before
    # Only the binary file's page is written again.
    again_times = mtimes(again.root)
    assert {name for name in times if again_times[name] != times[name]} == {"reports/binary.html"}


def test_a_document_whose_page_was_deleted_is_cleaned_again(raw, tmp_path):
    first = run_cli(raw, tmp_path / "out")
    before = tree_bytes(first.root)
    (first.root / "reports" / "j1.html").unlink()
    again = run_cli(raw, tmp_path / "out")
    # A reused document's page is not rendered again, so without its page it is not reused.
    assert manifest(again.root)[0] == {"reused": 10, "cleaned": 2, "why_not_reused": None}
    assert tree_bytes(again.root) == before


def test_changed_added_and_removed_documents_give_a_full_runs_bytes(raw, tmp_path):
    assert run_cli(raw, tmp_path / "out").exit_code == 0
    seed = raw / SEED
    seed.write_text(seed.read_text("utf-8") + "\n\nA closing paragraph written after the first run.\n",
                    encoding="utf-8")
    lines = (raw / "batch.jsonl").read_text("utf-8").splitlines()
    (raw / "batch.jsonl").write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")  # j2 removed
    (raw / "new.txt").write_text("A New Article\n\n" + " ".join(SENTENCES[:10]) + "\n", encoding="utf-8")

    incremental = run_cli(raw, tmp_path / "out")
    full = run_cli(raw, tmp_path / "full", "--force")
    assert incremental.exit_code == full.exit_code == 0
    # 12 documents: the changed seed, the new article and the binary file are cleaned, 9 reused.
    assert manifest(incremental.root)[0] == {"reused": 9, "cleaned": 3, "why_not_reused": None}
    assert manifest(full.root)[0] == {"reused": 0, "cleaned": 12, "why_not_reused": "--force"}
    assert tree_bytes(incremental.root) == tree_bytes(full.root)
    assert manifest(incremental.root)[1] == manifest(full.root)[1]
    assert not (incremental.root / "reports" / "j2.html").exists()


def test_a_config_change_or_force_cleans_everything(raw, tmp_path):
    assert run_cli(raw, tmp_path / "out").exit_code == 0
    config = tmp_path / "strict.toml"
    config.write_text("[boilerplate_model]\nthreshold = 0.5\n", encoding="utf-8")
    changed = run_cli(raw, tmp_path / "out", "--config", str(config))
    assert manifest(changed.root)[0] == {
        "reused": 0, "cleaned": 12, "why_not_reused": "the config, code, models or library versions changed"}
    forced = run_cli(raw, tmp_path / "out", "--config", str(config), "--force")
    assert manifest(forced.root)[0] == {"reused": 0, "cleaned": 12, "why_not_reused": "--force"}
    assert tree_bytes(forced.root) == tree_bytes(changed.root)


def test_a_decision_only_change_re_decides_without_running_a_stage(raw, tmp_path):
    assert run_cli(raw, tmp_path / "out").exit_code == 0
    strict = ("--set", "decide.min_words=120", "--set", 'decide.filters=["gopher_quality", "c4"]')
    changed = run_cli(raw, tmp_path / "out", *strict)
    assert manifest(changed.root)[0] == {"reused": 11, "cleaned": 1, "why_not_reused": None}  # the binary file
    full = run_cli(raw, tmp_path / "full", *strict)
    assert tree_bytes(changed.root) == tree_bytes(full.root)
    assert manifest(changed.root)[1] == manifest(full.root)[1]
    # The decision did change: documents kept before are dropped now, with their reasons.
    assert sorted(changed.signals["status"]) != sorted(run_cli(raw, tmp_path / "default")
                                                      .signals["status"])
