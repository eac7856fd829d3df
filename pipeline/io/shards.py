"""The output folders hold a dataset of shards: each run writes its own, and the others stay.

A run's shard is named after its input folder (``--shard`` names it otherwise). A run replaces
the shard of its own name, so re-running over the same inputs updates it (incrementally, see
:mod:`pipeline.run.incremental`); a run under another name adds a shard. ``--prune`` removes
every other shard; what it removes is logged before the run starts and removed once it ends.
Ids are unique across the dataset: a record whose id another shard holds gets a derived one.

::

    cleaned/README.md                   dataset card: datasets.load_dataset("cleaned/") reads articles/
    cleaned/articles/<shard>.parquet    kept articles: datatrove's ParquetReader("cleaned/articles")
    cleaned/documents/<shard>.jsonl.gz  the same articles in dolma's layout: JsonlReader("cleaned/documents")
    cleaned/<id>.txt
    reports/index.html, <id>.html       every shard's documents
    reports/signals/<shard>.parquet     one row per input document
    reports/texts/<shard>.parquet       each processed document's normalized text
    reports/manifests/<shard>.json      the shard's last run: config, inputs, counts, timings
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.io.ids import safe_id

log = logging.getLogger(__name__)

ARTICLES = "articles"
DOCUMENTS = "documents"
SIGNALS = "signals"
TEXTS = "texts"
MANIFESTS = "manifests"
CARD = "README.md"
# A shard's files, by kind: (in the cleaned or the reports folder, the folder, the file's suffix).
TABLES = {
    "articles": ("cleaned", ARTICLES, ".parquet"),
    "documents": ("cleaned", DOCUMENTS, ".jsonl.gz"),
    "signals": ("reports", SIGNALS, ".parquet"),
    "texts": ("reports", TEXTS, ".parquet"),
    "manifest": ("reports", MANIFESTS, ".json"),
}
TABLE_FOLDERS = tuple(folder for _, folder, _ in TABLES.values())


def shard_name(raw_dir: Path) -> str:
    """The default shard of a run over ``raw_dir``: the folder's name, as a safe file name."""
    return safe_id(Path(raw_dir).resolve().name or "root")


def checked_name(name: str) -> str:
    """``name`` if it can name a shard (a safe file name); else ValueError, with one that can."""
    if safe_id(name) != name:
        raise ValueError(f"{name!r} is not a safe file name (letters, digits, '.', '_' and '-'), "
                         f"e.g. {safe_id(name)!r}")
    return name


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard's files in the output folders."""

    name: str
    cleaned_dir: Path
    reports_dir: Path

    def _path(self, kind: str) -> Path:
        root, folder, suffix = TABLES[kind]
        return (self.cleaned_dir if root == "cleaned" else self.reports_dir) / folder / f"{self.name}{suffix}"

    articles = property(lambda self: self._path("articles"))
    documents = property(lambda self: self._path("documents"))
    signals = property(lambda self: self._path("signals"))
    texts = property(lambda self: self._path("texts"))
    manifest = property(lambda self: self._path("manifest"))

    @property
    def tables(self) -> tuple[Path, ...]:
        return tuple(self._path(kind) for kind in TABLES)

    def others(self) -> list[Shard]:
        """The dataset's other shards, by name."""
        return [Shard(name, self.cleaned_dir, self.reports_dir)
                for name in shard_names(self.cleaned_dir, self.reports_dir) if name != self.name]

    def ids(self) -> list[str]:
        """Its documents' ids, in run order (an id this program would not write is left out)."""
        return [doc_id for row in self.rows(["id"]) if safe_id(doc_id := row["id"]) == doc_id]

    def rows(self, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Its signals rows, a row group at a time; none when its table is missing or unreadable."""
        if not self.signals.exists():
            return
        try:
            table = pq.ParquetFile(self.signals)
        except Exception as exc:  # noqa: BLE001 - a damaged table costs its shard's rows in the index only
            log.warning("the signals table of shard %r is unreadable (%s): its documents are left out of the "
                        "index", self.name, exc)
            return
        for group in range(table.num_row_groups):
            yield from table.read_row_group(group, columns=columns).to_pylist()

    def manifest_data(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest.read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def remove(self, keep: set[str] = frozenset()) -> None:
        """Its documents' files (but those whose lower-cased id is in ``keep``: a later run took it) and its tables."""
        for doc_id in self.ids():
            if doc_id.lower() in keep:
                continue
            (self.cleaned_dir / f"{doc_id}.txt").unlink(missing_ok=True)
            (self.reports_dir / f"{doc_id}.html").unlink(missing_ok=True)
        for path in self.tables:
            path.unlink(missing_ok=True)


def shard_names(cleaned_dir: Path, reports_dir: Path) -> list[str]:
    """The shards the output folders hold: those with any of their tables."""
    roots = {"cleaned": Path(cleaned_dir), "reports": Path(reports_dir)}
    found = {path.name.removesuffix(suffix)
             for root, folder, suffix in TABLES.values() if (roots[root] / folder).is_dir()
             for path in (roots[root] / folder).iterdir()
             if path.name.endswith(suffix) and not path.name.startswith(".")}
    return sorted(name for name in found if safe_id(name) == name)


def card(shards: dict[str, dict[str, Any]]) -> str:
    """The dataset card (cleaned/README.md): its ``configs`` front matter makes Hugging Face
    ``datasets.load_dataset("cleaned/")`` read the articles tables, one row per article, not the
    ``.txt`` files line by line. ``shards``: each shard's manifest."""
    lines = [
        "---",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {ARTICLES}/*.parquet",
        "---",
        "",
        "# Cleaned articles",
        "",
        "Written by clean-corpus: one row per kept article (`id`, `text`, `title`, `source`, `url`, `added`,",
        "`created`, `metadata`) in `articles/<shard>.parquet`, the same articles in dolma's layout in",
        "`documents/<shard>.jsonl.gz`, and each article's text in `<id>.txt`. The reports folder says",
        "why each removed character went.",
        "",
        "| shard | documents | kept | dropped | failed |",
        "|---|---|---|---|---|",
    ]
    for name, manifest in sorted(shards.items()):
        counts = manifest.get("counts", {})
        lines.append(f"| {name} | {counts.get('total', '?')} | {counts.get('kept', '?')} | "
                     f"{counts.get('dropped', '?')} | {counts.get('failed', '?')} |")
    return "\n".join(lines) + "\n"
