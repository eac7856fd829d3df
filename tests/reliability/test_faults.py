"""Kills, interruptions and concurrent runs (issue 26: D7, D8, D12, D13, D14, D19).

Each run here is a real ``python -m pipeline`` process with two local workers, killed from
outside as a user or the OOM killer would, and compared byte for byte with a run nobody touched.
"""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO, article, read_manifest

DOCS = 160
# How long a killed run's workers may take to notice (they look twice a second).
ORPHAN_WAIT_SECONDS = 10


def corpus(raw: Path) -> None:
    """DOCS distinct articles in one JSONL file, each kept by the default config."""
    raw.mkdir(parents=True)
    lines = [json.dumps({"id": f"doc{n:03d}", "title": f"River Notes {n}", "text": article(f"River Notes {n}")})
             for n in range(DOCS)]
    (raw / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def command(raw: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", str(raw), "--cleaned", str(out / "cleaned"), "--reports",
            str(out / "reports"), "-q", "--workers", "2", *extra]


def start(raw: Path, out: Path, token: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "CLEAN_CORPUS_TEST_TOKEN": token}
    return subprocess.Popen(command(raw, out, *extra), cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(raw: Path, out: Path, *extra: str) -> None:
    done = subprocess.run(command(raw, out, *extra), cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def wait_for_pages(out: Path, count: int, run: subprocess.Popen) -> None:
    """Until the run has written ``count`` report pages (it is then well into its work)."""
    while len(list((out / "reports").glob("doc*.html"))) < count:
        assert run.poll() is None, f"the run ended before it was killed: {run.communicate()[1]}"
        time.sleep(0.02)


def processes_with(token: str) -> list[int]:
    """The processes (workers included: they inherit the environment) of runs started with ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"CLEAN_CORPUS_TEST_TOKEN={token}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def workers_of(pid: int) -> list[int]:
    """The worker processes of run ``pid`` (its children running multiprocessing's spawn_main)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
            and b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


def same_outputs(a: Path, b: Path) -> list[str]:
    """The files that differ between two runs' outputs (the manifest's timings aside)."""
    differ = []
    for folder in ("cleaned", "reports"):
        left, right = ([p.relative_to(x / folder).as_posix() for p in sorted((x / folder).rglob("*")) if p.is_file()]
                       for x in (a, b))
        if left != right:
            differ.append(f"{folder}: {sorted(set(left) ^ set(right))}")
            continue
        for name in left:
            if name.startswith("manifests/"):
                ma, mb = (json.loads((x / folder / name).read_text("utf-8")) for x in (a, b))
                for m in (ma, mb):
                    m.pop("timings"), m.pop("incremental")
                if ma != mb:
                    differ.append(name)
            elif not filecmp.cmp(a / folder / name, b / folder / name, shallow=False):
                differ.append(f"{folder}/{name}")
    return differ


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The corpus, cleaned once by a run nobody touched."""
    root = tmp_path_factory.mktemp("faults")
    corpus(root / "raw")
    finish(root / "raw", root / "reference")
    return root / "raw", root / "reference"


def test_killed_main_then_another_config_then_the_first_gives_an_untouched_runs_bytes(reference, tmp_path):
    raw, untouched = reference
    out, token = tmp_path / "out", uuid.uuid4().hex
    other = tmp_path / "other.toml"
    other.write_text("[decide]\nmin_words = 400\n", encoding="utf-8")
    run = start(raw, out, token, "--config", str(other))
    wait_for_pages(out, DOCS // 3, run)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    # D13: its workers end with it (they are not left running, adopted by init).
    deadline = time.monotonic() + ORPHAN_WAIT_SECONDS
    while processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(token) == []
    # D7: a run with another config, then one with the first: the interrupted run's files are not trusted.
    finish(raw, out)
    finish(raw, out, "--config", str(other))
    finish(raw, out)
    assert same_outputs(out, untouched) == []
    # D14: no temporary file or spill folder is left.
    assert [p.name for folder in ("cleaned", "reports") for p in (out / folder).glob(".*")] == []
    manifest = read_manifest(out / "reports")
    assert manifest["counts"] == {"total": DOCS, "kept": DOCS, "dropped": 0, "failed": 0}


def test_an_interrupted_run_leaves_nothing_the_next_run_trusts(reference, tmp_path):
    raw, _ = reference
    out, token = tmp_path / "out", uuid.uuid4().hex
    finish(raw, out)
    first = out / "cleaned" / "doc000.txt"
    written = first.stat().st_mtime_ns
    run = start(raw, out, token, "--force")
    while first.stat().st_mtime_ns == written:  # until the run has rewritten its first article
        assert run.poll() is None
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert not list((out / "reports").glob("manifests/*.json"))
    finish(raw, out)
    incremental = read_manifest(out / "reports")["incremental"]
    assert incremental == {"reused": 0, "cleaned": DOCS, "why_not_reused": "the previous run did not complete"}


def test_d12_a_killed_worker_costs_a_retry_not_the_run(reference, tmp_path):
    raw, untouched = reference
    out, token = tmp_path / "out", uuid.uuid4().hex
    run = start(raw, out, token)
    wait_for_pages(out, 10, run)
    os.kill(workers_of(run.pid)[0], signal.SIGKILL)
    _, stderr = run.communicate()
    assert run.returncode == 0, stderr
    assert same_outputs(out, untouched) == []


def test_d8_a_document_now_dropped_loses_its_cleaned_file(reference, tmp_path):
    raw, _ = reference
    out = tmp_path / "out"
    finish(raw, out)
    strict = tmp_path / "strict.toml"
    strict.write_text("[decide]\nmin_words = 400\n", encoding="utf-8")
    assert len(list((out / "cleaned").glob("doc*.txt"))) == DOCS
    finish(raw, out, "--config", str(strict))
    assert sorted((out / "cleaned").glob("doc*.txt")) == []


def test_d19_a_second_run_into_the_same_folders_stops_naming_the_first(reference, tmp_path):
    raw, _ = reference
    out, token = tmp_path / "out", uuid.uuid4().hex
    run = start(raw, out, token)
    try:
        wait_for_pages(out, 1, run)
        second = subprocess.run(command(raw, out), cwd=REPO, capture_output=True, text=True)
        assert second.returncode == 2
        assert second.stderr.strip() == (f"clean-corpus: error: {(out / 'cleaned').resolve()} is being written "
                                         f"by another clean-corpus run (pid {run.pid})")
    finally:
        run.communicate()
    assert run.returncode == 0
