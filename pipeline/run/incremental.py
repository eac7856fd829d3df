"""Incremental runs: a document cleaned before, from the same bytes, by the same code and config,
is not cleaned again.

A run records in its shard's manifest a ``run_key``: the digest of the config, the code and
data of the ``pipeline`` package, the models' digests and the versions of the libraries that
shape the output. Each row of the shard's signals table carries the ``content_hash`` of the
document's input bytes. When the shard's next run has the same run key, every
document whose id and content hash match a row of the previous run (and that did not fail)
is rebuilt from that row, its annotations, signals and decision, instead of going through
the stages again; documents that are new or changed are cleaned. The outputs are the same
bytes as a full run's (tested). Files whose content cannot have changed, a reused document's
``cleaned/<id>.txt`` and its report page when its neighbours in the run are the same, are
left as they are. ``--force`` cleans everything.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.core.config import Config, config_hash
from pipeline.core.decide import FILTER_SETS
from pipeline.core.document import Status
from pipeline.io.ids import safe_id
from pipeline.io.records import RawRecord

# Row groups of the previous signals.parquet kept decoded at once (documents mostly come in
# the order they came last time, so one or two are enough).
CACHED_ROW_GROUPS = 2


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of every file of the ``pipeline`` package (code, lexicons, models, templates)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith((".pyc", ".egg-info")):
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# Config sections the stages never read: what the decision and the reports do with their results.
# A run that changes only these reuses every row and takes the decision again (Processor.restore).
DECISION_SECTIONS = frozenset({"decide", *FILTER_SETS, "reports"})


def _decision(config: Config) -> dict:
    return {section: values for section, values in config.items() if section in DECISION_SECTIONS}


def run_key(config: Config, versions: dict[str, str], models: dict[str, dict[str, str]]) -> str:
    """What a document's annotations and signals depend on besides its own bytes."""
    detectors = {section: values for section, values in config.items() if section not in DECISION_SECTIONS}
    payload = {"config": config_hash(detectors), "code": code_digest(), "versions": versions, "models": models}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


class Previous:
    """The previous run's rows, looked up by document id."""

    def __init__(self, signals_path: Path, manifest_path: Path, key: str, *, force: bool = False,
                 config: Config | None = None) -> None:
        self._file: pq.ParquetFile | None = None
        # The previous run took its decisions with the same thresholds (``config``'s DECISION_SECTIONS):
        # a reused document's page, which shows them, stands as written.
        self.same_decision = False
        self._where: dict[str, tuple[int, int, str]] = {}  # id -> (row group, row, content hash)
        self._order: list[str] = []
        self._position: dict[str, int] = {}
        self._cache: dict[int, list[dict[str, Any]]] = {}
        unreadable = self._read_ids(signals_path)
        why, previous = self._manifest(manifest_path, key)
        # Why no row can be reused ("" when they can).
        self.reason = "--force" if force else unreadable or why
        self.same_decision = not self.reason and config is not None and _decision(previous) == _decision(config)

    def _read_ids(self, signals_path: Path) -> str:
        """Every previous document's id, its place, and (unless it failed) its row and content hash;
        why there are none, if so."""
        if not signals_path.exists():
            return "no previous run"
        try:
            self._file = pq.ParquetFile(signals_path)
            for group in range(self._file.num_row_groups):
                table = self._file.read_row_group(group, columns=["id", "content_hash", "status"])
                for row, (doc_id, content, status) in enumerate(zip(
                        table.column("id").to_pylist(), table.column("content_hash").to_pylist(),
                        table.column("status").to_pylist(), strict=True)):
                    if not isinstance(doc_id, str) or safe_id(doc_id) != doc_id:
                        continue  # not an id this program writes ("../x"): never reused, never removed
                    self._position[doc_id] = len(self._order)
                    self._order.append(doc_id)
                    if status != Status.FAILED.value:
                        self._where[doc_id] = (group, row, content)
        except Exception as exc:  # noqa: BLE001 - an unreadable old table only means a full run and no cleanup
            self._file, self._where, self._order, self._position = None, {}, [], {}
            return f"the previous signals.parquet is unreadable ({type(exc).__name__})"
        return ""

    @staticmethod
    def _manifest(manifest_path: Path, key: str) -> tuple[str, Config]:
        """Why the previous run's rows cannot be reused ("" when they can), and its config (read once)."""
        if not manifest_path.exists():
            return "the previous run did not complete", {}
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
        except (OSError, ValueError):
            return "the previous manifest is unreadable", {}
        if manifest.get("run_key") != key:
            return "the config, code, models or library versions changed", {}
        return "", manifest.get("config", {})

    @property
    def ids(self) -> set[str]:
        """The previous run's document ids (to remove the outputs of those gone from the input)."""
        return set(self._order)

    def row(self, record: RawRecord) -> dict[str, Any] | None:
        """The previous run's row for ``record`` if it can stand for it now."""
        where = None if self.reason else self._where.get(record.id)
        if where is None or record.status is not None or where[2] != record.content_hash:
            return None
        group, row, _ = where
        if group not in self._cache:
            if len(self._cache) >= CACHED_ROW_GROUPS:
                self._cache.pop(next(iter(self._cache)))
            assert self._file is not None
            self._cache[group] = self._file.read_row_group(group).to_pylist()
        return self._cache[group][row]

    def neighbours(self, doc_id: str) -> tuple[str | None, str | None] | None:
        """The document's neighbours in the previous run's order (its report page links to them)."""
        i = self._position.get(doc_id)
        if i is None:
            return None
        return (self._order[i - 1] if i else None, self._order[i + 1] if i + 1 < len(self._order) else None)
