"""The Dask executor: batches on a ``distributed`` cluster, an existing one (``--scheduler``) or a
``LocalCluster`` started for the run (see :mod:`pipeline.run.executors` for what every executor does)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack, suppress
from typing import Any

from pipeline.core.config import Config, ConfigError
from pipeline.run.executors import Batched, batch_size
from pipeline.run.sites import RepeatedLines

# How long to wait for a --scheduler to answer (distributed's default is 30 s).
SCHEDULER_TIMEOUT_SECONDS = 5
# What a LocalCluster started for the run changes in distributed's defaults for its workers:
# no MALLOC_TRIM_THRESHOLD_ in their environment. Setting that variable at all turns off glibc's
# adaptive mmap threshold, so every numpy temporary over 128 KiB is mapped, zeroed and unmapped
# again: the line model ran 2.4x slower on such a worker than in a local worker process.
WORKER_ENVIRON_UNSET = ("MALLOC_TRIM_THRESHOLD_",)
# Nor the statistical profiler distributed's dashboard shows (a run's cluster has no dashboard):
# every 10 ms it walks the running task's stack on the worker's event loop, holding the GIL.
WORKER_CONFIG = {
    **{f"distributed.nanny.pre-spawn-environ.{name}": None for name in WORKER_ENVIRON_UNSET},
    "distributed.worker.profile.enabled": False,
    # The memory limits (pause, spill, restart) are checked every 0.5 s instead of 0.1 s: a batch
    # of documents grows a worker by tens of megabytes, its limit is gigabytes.
    "distributed.worker.memory.monitor-interval": "500ms",
}
# Every process of a LocalCluster started for the run (this one, its scheduler, and the workers)
# wakes its event loop less often for what only a dashboard shows: the loop's own latency (every
# 20 ms by default) and the host's metrics (every 0.5 s, disks included). Each wake-up takes the
# GIL from the thread cleaning documents: with them, the stages took 3-6% longer in a worker
# than in a local worker process.
QUIET_LOOP = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
}
# The scheduler of a LocalCluster started for the run serves its HTTP routes (health, metrics) on a
# free port of 127.0.0.1: without a dashboard distributed still asks for 8787, and warns on stderr
# when another run or the user's own cluster has it.
SCHEDULER_KWARGS = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
# What this process (the client, and the scheduler of a LocalCluster) changes in distributed's
# defaults while the executor is open: no log of the last 1,000 messages sent on each connection.
# Each task message carries its batch of records, so that log held about 1 GB of documents on a
# 20,000-document run (the main process grew all through the counting pass).
CLIENT_CONFIG = {"distributed.admin.low-level-log-length": 0}


def retire_quietly(dask_worker: Any) -> None:
    """On each worker of a LocalCluster started for the run, once its results are in: no more
    heartbeats, and nothing logged while it shuts down. A heartbeat the scheduler is answering when
    the worker closes logs a traceback at ERROR (dask/distributed#7105), rarely, and after a run
    that succeeded."""
    dask_worker.periodic_callbacks["heartbeat"].stop()
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


class Dask(Batched):
    def __init__(self, config: Config, *, workers: int, scheduler: str | None, total: int) -> None:
        import dask
        from distributed import Client, LocalCluster

        super().__init__()
        self.config = config
        # Closed in reverse: the client, the cluster started for the run, then CLIENT_CONFIG.
        self._open = ExitStack()
        self._open.enter_context(dask.config.set(CLIENT_CONFIG))
        try:
            if scheduler:
                try:
                    self.client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_SECONDS)
                except (OSError, TimeoutError) as exc:
                    raise ConfigError(f"no Dask scheduler answers at {scheduler} ({type(exc).__name__})") from None
                workers = max(1, len(self.client.scheduler_info().get("workers", {})))
                self.description = f"dask, {workers} workers at {scheduler}"
            else:
                with dask.config.set({**QUIET_LOOP, **WORKER_CONFIG}):
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR,
                                           scheduler_kwargs=SCHEDULER_KWARGS)
                self._open.callback(cluster.close)
                self.client = Client(cluster)
                self.description = f"dask, LocalCluster of {workers} workers"
            self._open.callback(self.client.close)
            if not scheduler:  # the workers of an existing cluster are not ours to quiet
                self._open.callback(self._retire_quietly)
        except BaseException:
            self._open.close()
            raise
        self.workers = workers
        self.size = batch_size(total, workers)
        self._warm_up()

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(function, *args, pure=False)

    def share(self, repeated: RepeatedLines | None) -> Any:
        return None if repeated is None else self.client.scatter(repeated, broadcast=True)

    def _retire_quietly(self) -> None:
        with suppress(Exception):  # a worker that cannot be reached has nothing more to say either
            self.client.run(retire_quietly, on_error="ignore")

    def close(self) -> None:
        self._open.close()
