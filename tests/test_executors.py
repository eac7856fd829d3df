"""Executors: the same bytes from one process, worker processes, and a real Dask cluster."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import sys
import threading

import pytest
from distributed import LocalCluster

from pipeline.cli import main
from pipeline.core.config import load_config
from pipeline.io.ids import disambiguate
from pipeline.run.cluster import WORKER_ENVIRON_UNSET, Dask
from pipeline.run.executors import MAX_BATCH_DOCS, STUCK_SECONDS, LocalProcesses, batch_size
from tests.conftest import RAW, SENTENCES, read_manifest, run_cli
from tests.test_cli import tree_bytes
from tests.test_sites import site_corpus


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """The seeds plus 40 JSONL articles (several batches per worker), a repeated id, a binary file and
    seven pages of two sites (the counting pass runs on the workers)."""
    raw = tmp_path_factory.mktemp("executors") / "raw"
    shutil.copytree(RAW, raw)
    lines = []
    for n in range(40):
        body = " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(8))
        lines.append(json.dumps({"id": f"a{n % 38}", "title": f"Article {n}", "text": f"{body}\n\n{body[::-1]}"}))
    (raw / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)
    site_corpus(raw)
    return raw


def manifest(root):
    found = read_manifest(root / "reports")
    return found.pop("timings"), found


def test_every_executor_writes_the_same_bytes(raw, tmp_path):
    one = run_cli(raw, tmp_path / "one", "--workers", "1")
    local = run_cli(raw, tmp_path / "local", "--workers", "2")
    started = run_cli(raw, tmp_path / "dask", "--executor", "dask", "--workers", "2")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        existing = run_cli(raw, tmp_path / "scheduler", "--executor", "dask", "--scheduler", cluster.scheduler_address)
    runs = [one, local, started, existing]
    assert [r.exit_code for r in runs] == [0, 0, 0, 0]
    expected = tree_bytes(one.root)
    # A .txt per kept document (52), a page per document (53), four tables, the dataset card and the index.
    assert len(expected) == 52 + 53 + 6
    assert one.row("kitchen-0")["site_repeated_lines"] == 2
    for r in runs[1:]:
        assert tree_bytes(r.root) == expected
        assert manifest(r.root)[1] == manifest(one.root)[1]
    assert [manifest(r.root)[0]["executor"] for r in runs] == [
        "local, 1 worker (in process)", "local, 2 worker processes", "dask, LocalCluster of 2 workers",
        f"dask, 2 workers at {cluster.scheduler_address}",
    ]
    # Stage seconds are summed over the workers: every stage ran somewhere.
    for r in runs:
        seconds = manifest(r.root)[0]["stage_seconds"]
        assert set(seconds) == {"ingest", "site_count", "normalize", "segment", "duplicate_title", "boilerplate", "site_lines",
                                "boilerplate_model", "stuffing", "spun", "quality", "grammar"} and seconds["spun"] > 0


def test_the_repeated_id_is_renamed_once_whichever_executor(raw, tmp_path):
    run = run_cli(raw, tmp_path / "local", "--workers", "2")
    ids = run.signals["id"].tolist()
    assert len(ids) == len(set(ids)) == 5 + 40 + 1 + 7
    # Lines 39 and 40 repeat a0 and a1: their ids derive from where they came from (batch.jsonl#39/#40).
    assert ids[5 + 38:5 + 40] == [disambiguate("a0", "batch.jsonl", 39), disambiguate("a1", "batch.jsonl", 40)]


def test_a_started_cluster_leaves_glibc_its_adaptive_mmap_threshold(monkeypatch):
    """distributed's default MALLOC_TRIM_THRESHOLD_ made the line model 2.4x slower on its workers."""
    # A nanny writes its workers' environment into its own process's os.environ too: another
    # test's LocalCluster of distributed's defaults leaves the variable set in this one.
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    config = load_config(None)
    executor = Dask(config, workers=1, scheduler=None, total=1)
    try:
        environ = executor.client.run(lambda: {name: os.environ.get(name) for name in WORKER_ENVIRON_UNSET})
    finally:
        executor.close()
    assert list(environ.values()) == [{"MALLOC_TRIM_THRESHOLD_": None}]


def test_a_started_cluster_keeps_no_copy_of_the_batches_it_sent(raw):
    """distributed logs the last 1,000 messages of each connection, and a task's message holds its
    batch of documents: the main process grew by about 1 GB on a 20,000-document run."""
    import dask

    from pipeline.io.ingest import read_records

    default = dask.config.get("distributed.admin.low-level-log-length")
    records = list(read_records(raw / "batch.jsonl", raw, max_document_bytes=None, max_line_chars=None))
    executor = Dask(load_config(None), workers=1, scheduler=None, total=len(records))
    try:
        outcomes = list(executor.map(records))
        scheduler = executor.client.cluster.scheduler
        logged = [len(stream.recent_message_log) for stream in scheduler.stream_comms.values()]
        client_logged = len(executor.client.scheduler_comm.recent_message_log)
    finally:
        executor.close()
    assert len(outcomes) == 40
    assert logged == [0] and client_logged == 0
    assert dask.config.get("distributed.admin.low-level-log-length") == default  # restored when closed


def test_a_scheduler_without_the_dask_executor_is_a_usage_error(tmp_path, capsys):
    code = main([str(RAW), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"),
                 "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and "--scheduler needs --executor dask" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "0"], "must be at least 1, not 0"),
    (["--executor", "spark"], "invalid choice: 'spark'"),
])
def test_bad_executor_options_are_rejected_by_the_parser(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main([str(RAW), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"), *args])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(("total", "workers", "size"), [(5, 2, 1), (40, 2, 5), (1000, 2, MAX_BATCH_DOCS), (0, 4, 1)])
def test_batches_spread_a_small_corpus_over_the_workers(total, workers, size):
    assert batch_size(total, workers) == size


@pytest.mark.parametrize(("flag", "expected"), [("-q", ""), ("-v", "input files")])
def test_a_started_cluster_says_nothing_of_its_own_start(tmp_path, capfd, flag, expected):
    """distributed logs its scheduler's and nannies' start-up at INFO (about 30 lines): -q prints
    nothing, and -v says what the run does, not what distributed does."""
    code = main([str(RAW), "--cleaned", str(tmp_path / "cleaned"), "--reports", str(tmp_path / "reports"), flag,
                 "--executor", "dask", "--workers", "1"])
    err = capfd.readouterr().err
    assert code == 0
    assert expected in err and "Scheduler" not in err and "Nanny" not in err
    if flag == "-q":
        assert err == ""


def test_a_started_cluster_says_nothing_of_its_own_end(capfd):
    """A worker that closes while its heartbeat awaits the scheduler's answer logged a traceback at
    ERROR after a run that succeeded (dask/distributed#7105): here the scheduler answers heartbeats
    two seconds late, so the one in flight always meets the close."""
    import asyncio

    executor = Dask(load_config(None), workers=1, scheduler=None, total=1)
    scheduler = executor.client.cluster.scheduler
    answer = scheduler.handlers["heartbeat_worker"]
    asked = threading.Event()

    async def answer_late(*args, **kwargs):
        asked.set()
        await asyncio.sleep(2)
        return answer(*args, **kwargs)

    scheduler.handlers["heartbeat_worker"] = answer_late
    try:
        assert asked.wait(10)
    finally:
        executor.close()
    assert capfd.readouterr().err == ""


def test_two_started_clusters_at_once_say_nothing(capfd, recwarn):
    """Without a dashboard distributed still serves a scheduler's HTTP routes on port 8787, and
    warned (on stderr, outside pytest) when another run or the user's own cluster had it."""
    first = Dask(load_config(None), workers=1, scheduler=None, total=1)
    try:
        second = Dask(load_config(None), workers=1, scheduler=None, total=1)
        second.close()
    finally:
        first.close()
    assert [str(w.message) for w in recwarn if issubclass(w.category, UserWarning)] == []
    assert capfd.readouterr().err == ""


def die_writing_half_a_result(marker: str) -> str:
    """In a pool's worker: the first time, die as a worker killed while it writes its result does,
    holding the result pipe's write lock with half a message in the pipe; then answer."""
    if os.path.exists(marker):
        return "answered"
    open(marker, "w").close()
    frame = sys._getframe()
    while frame.f_code.co_name != "_process_worker":  # concurrent.futures' worker loop
        frame = frame.f_back
    results = frame.f_locals["result_queue"]
    results._wlock.acquire()
    os.write(results._writer.fileno(), struct.pack("!i", 1 << 20) + bytes(100))  # 100 of 2**20 bytes
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_while_it_writes_its_result_costs_a_retry_not_a_hang(tmp_path):
    # CPython's pool alone waits forever for the rest of that message (see executors._watched).
    executor = LocalProcesses(load_config(None), workers=2, total=64)
    answer: list[object] = []
    try:
        batch = executor.call(die_writing_half_a_result, str(tmp_path / "died-once"))
        waiter = threading.Thread(target=lambda: answer.append(batch.result()), daemon=True)
        waiter.start()
        waiter.join(timeout=STUCK_SECONDS + 60)
        assert answer == ["answered"]
        assert (batch.tries, executor.generation) == (2, 1)
    finally:
        if answer:
            executor.close()
