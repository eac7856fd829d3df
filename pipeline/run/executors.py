"""Executors: where the per-document work runs.

All of them run :func:`process_batch` (the same :class:`~pipeline.run.processor.Processor` code)
and hand outcomes back **in input order**, so the writers, and therefore every output
byte, are the same whichever executor and worker count produced them.

- :class:`InProcess`: this process, one document at a time (small corpora, ``--workers 1``).
- :class:`LocalProcesses`: ``concurrent.futures`` worker processes (``spawn``; each loads
  the models once), fed batches of records.
- :class:`pipeline.run.cluster.Dask`: a ``distributed`` cluster, an existing one
  (``--scheduler tcp://HOST:PORT``) or a ``LocalCluster`` started for the run.

They run the corpus-level counting pass's map too (:func:`pipeline.run.sites.map_keys`, one result
per batch, reduced by the caller); its result goes to every batch of the cleaning pass.

Batches in flight are bounded (``WINDOW_PER_WORKER`` per worker), so memory does not grow
with the corpus: records are read lazily and outcomes are written as they come back.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from pipeline.core.config import Config, ConfigError, config_hash
from pipeline.io.records import RawRecord
from pipeline.run.processor import Outcome, Processor
from pipeline.run.sites import RepeatedLines, SiteKeys, map_keys

# Records per task: large enough that shipping a batch costs little next to cleaning it.
MAX_BATCH_DOCS = 32
# Batches queued per worker beyond the one it is working on.
WINDOW_PER_WORKER = 2
# Times a local batch runs before its worker's death ends the run (a batch that kills every worker
# it meets is not a passing fault).
MAX_TRIES = 3
# How often a local worker checks that the run's main process is still there.
PARENT_POLL_SECONDS = 0.5
# How often the main process, waiting on a batch, looks for a dead worker its pool has not noticed.
WORKER_POLL_SECONDS = 1.0
# How long a pool may go on not noticing a dead worker before it is broken by hand (it notices in
# milliseconds unless its reader is stuck on the dead worker's half-written result).
STUCK_SECONDS = 5.0
EXECUTORS = ("local", "dask")


class Executor(Protocol):
    description: str
    seconds: dict[str, float]  # per stage and for the pages (processor.PAGES), summed over workers
    provenance: dict[str, dict[str, str]]

    def count(self, records: Iterable[RawRecord]) -> Iterator[SiteKeys]:
        """The counting pass's map (pipeline/run/sites.py), one result per batch."""
        ...

    def map(self, records: Iterable[RawRecord], repeated: RepeatedLines | None = None) -> Iterator[Outcome]:
        """Clean ``records``, with the counting pass's result (None: the pass is off)."""
        ...

    def close(self) -> None: ...


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def batch_size(total: int, workers: int) -> int:
    """At least a few batches per worker on a small corpus, at most MAX_BATCH_DOCS."""
    return max(1, min(MAX_BATCH_DOCS, math.ceil(total / (workers * (WINDOW_PER_WORKER + 2)))))


def make_executor(config: Config, *, executor: str, workers: int | None, scheduler: str | None,
                  total: int) -> Executor:
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)}")
    if executor == "dask":
        from pipeline.run.cluster import Dask  # distributed is imported only when asked for

        return Dask(config, workers=workers or default_workers(), scheduler=scheduler, total=total)
    if scheduler:
        raise ConfigError("--scheduler needs --executor dask")
    workers = workers or min(default_workers(), math.ceil(total / MAX_BATCH_DOCS))
    if workers <= 1:
        return InProcess(config)
    return LocalProcesses(config, workers=workers, total=total)


# ---------------------------------------------------------------------- the work


_WORKER: tuple[str, Processor] | None = None


@dataclass(slots=True)
class BatchResult:
    outcomes: list[Outcome]
    seconds: dict[str, float]  # per stage and for the pages, spent on this batch
    provenance: dict[str, dict[str, str]]  # the worker pipeline's models, for the manifest


def process_batch(config: Config, records: list[RawRecord], repeated: RepeatedLines | None) -> BatchResult:
    """Clean ``records`` in this process."""
    processor = _processor(config)
    before = dict(processor.seconds)
    outcomes = [processor(record, repeated).shipped() for record in records]
    spent = {name: seconds - before[name] for name, seconds in processor.seconds.items()}
    return BatchResult(outcomes, spent, processor.pipeline.provenance())


def warm_up(config: Config) -> dict[str, dict[str, str]]:
    """Build this worker's Processor now: a config error surfaces before the run writes anything.
    Its models' provenance comes back (the manifest's, and part of the incremental run key)."""
    return _processor(config).pipeline.provenance()


def _processor(config: Config) -> Processor:
    """One Processor per worker process and config, built on the first batch (models load once)."""
    global _WORKER
    key = config_hash(config)
    if _WORKER is None or _WORKER[0] != key:
        if _WORKER is not None:
            _WORKER[1].pipeline.close()
        _WORKER = (key, Processor(config))
        # Worker processes end without running atexit; this runs at their orderly exit.
        multiprocessing.util.Finalize(_WORKER[1], _WORKER[1].pipeline.close, exitpriority=10)
    return _WORKER[1]


class Batched:
    """Batches out to workers, outcomes back in input order; subclasses say how to submit."""

    config: Config
    workers: int
    size: int
    description: str

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.provenance: dict[str, dict[str, str]] = {}

    def call(self, function: Callable[..., Any], *args: Any) -> Any:  # pragma: no cover - interface
        """Run ``function(*args)`` on a worker; a future."""
        raise NotImplementedError

    def share(self, repeated: RepeatedLines | None) -> Any:
        """``repeated`` as each batch is given it (by value; a cluster holds it once per worker)."""
        return repeated

    def _warm_up(self) -> None:
        """One worker builds the pipeline (and raises any config error) before the run starts."""
        try:
            self.provenance = self.call(warm_up, self.config).result()
        except BaseException:
            self.close()
            raise

    def count(self, records: Iterable[RawRecord]) -> Iterator[SiteKeys]:
        return _ordered(records, lambda batch: self.call(map_keys, batch), self.size, self._window,
                        lambda future: [future.result()])

    def map(self, records: Iterable[RawRecord], repeated: RepeatedLines | None = None) -> Iterator[Outcome]:
        shared = self.share(repeated)
        return _ordered(records, lambda batch: self.call(process_batch, self.config, batch, shared), self.size,
                        self._window, self._collect)

    @property
    def _window(self) -> int:
        return self.workers * (WINDOW_PER_WORKER + 1)

    def _collect(self, future: Any) -> list[Outcome]:
        result: BatchResult = future.result()
        for name, value in result.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + value
        self.provenance = result.provenance
        return result.outcomes


def _ordered(records: Iterable[RawRecord], submit: Callable[[list[RawRecord]], Any], size: int, window: int,
             collect: Callable[[Any], list[Any]]) -> Iterator[Any]:
    """Submit batches, at most ``window`` in flight, and yield outcomes in input order."""
    pending: deque[Any] = deque()
    records = iter(records)

    while batch := list(islice(records, size)):
        pending.append(submit(batch))
        if len(pending) >= window:
            yield from collect(pending.popleft())
    while pending:
        yield from collect(pending.popleft())


# ---------------------------------------------------------------------- executors


class InProcess:
    def __init__(self, config: Config) -> None:
        self.processor = Processor(config)
        self.description = "local, 1 worker (in process)"

    def count(self, records: Iterable[RawRecord]) -> Iterator[SiteKeys]:
        records = iter(records)
        while batch := list(islice(records, MAX_BATCH_DOCS)):
            yield map_keys(batch)

    def map(self, records: Iterable[RawRecord], repeated: RepeatedLines | None = None) -> Iterator[Outcome]:
        return (self.processor(record, repeated) for record in records)

    @property
    def seconds(self) -> dict[str, float]:
        return dict(self.processor.seconds)

    @property
    def provenance(self) -> dict[str, dict[str, str]]:
        return self.processor.pipeline.provenance()

    def close(self) -> None:
        self.processor.pipeline.close()


class LocalProcesses(Batched):
    """Worker processes on this machine. A worker that dies (killed, out of memory) breaks the
    pool: the batches it held are run again on a fresh pool, each at most ``MAX_TRIES`` times.
    Workers end themselves when this process is gone (:func:`_watch_parent`)."""

    def __init__(self, config: Config, *, workers: int, total: int) -> None:
        super().__init__()
        self.config, self.workers = config, workers
        self.size = batch_size(total, workers)
        self.generation = 0  # how many pools broke before this one
        self.pool = self._new_pool()
        self.description = f"local, {workers} worker processes"
        self._warm_up()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(os.getpid(),))

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        return _Retried(self, function, args)

    def renew(self, broken: int) -> None:
        """A fresh pool in place of pool number ``broken`` (once, however many batches it broke)."""
        if broken == self.generation:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            self.generation += 1

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Retried:
    """A batch submitted to a :class:`LocalProcesses` pool, submitted again if its worker died."""

    def __init__(self, owner: LocalProcesses, function: Callable[..., Any], args: tuple) -> None:
        self.owner, self.function, self.args, self.tries = owner, function, args, 0
        self._submit()

    def _submit(self) -> None:
        self.tries += 1
        self.generation = self.owner.generation
        self.pool = self.owner.pool
        self.future = self.pool.submit(self.function, *self.args)

    def result(self) -> Any:
        while True:
            try:
                return _watched(self.pool, self.future)
            except BrokenProcessPool:
                if self.tries >= MAX_TRIES:
                    raise WorkerLost(f"a worker process died {self.tries} times on the same batch") from None
                self.owner.renew(self.generation)
                self._submit()


def _watched(pool: ProcessPoolExecutor, future: Any) -> Any:
    """``future``'s result, or BrokenProcessPool when a worker of ``pool`` died, even where
    the pool would never say so.

    A worker killed while it writes a result leaves half a message in the pool's result pipe.
    CPython's pool reads that message before it looks at its workers, and waits for the rest
    forever: every other worker still holds the pipe's write end, and the dead one its write
    lock. So a worker that stays dead for STUCK_SECONDS without the pool breaking is taken to
    mean a stuck reader, and the pool is broken by hand: its other workers are killed and the
    main process's own write end is closed, so the read ends in end-of-file and the pool fails
    every pending batch with BrokenProcessPool, as for any worker's death.
    """
    dead_since: float | None = None
    while True:
        try:
            return future.result(timeout=WORKER_POLL_SECONDS)
        except TimeoutError:
            processes = pool._processes  # None once the pool has shut down
            if not processes or all(process.exitcode is None for process in list(processes.values())):
                dead_since = None
                continue
            dead_since = dead_since or time.monotonic()
            if time.monotonic() - dead_since >= STUCK_SECONDS:
                for process in list(processes.values()):
                    process.kill()
                if (results := pool._result_queue) is not None:  # None once shut down
                    results._writer.close()


class WorkerLost(RuntimeError):
    """A batch's worker died every time it ran."""


def _start_worker(parent: int) -> None:
    """In a new worker process: it says nothing below an error (the main process reports once what
    every worker would say), and it ends when ``parent``, the run's main process, is gone."""
    import logging

    logging.disable(logging.WARNING)
    _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """End this worker when ``parent`` is gone, so that a killed run leaves no workers behind
    (they would be adopted by init and live on)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
