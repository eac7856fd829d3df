"""Output contracts: table schemas, rows, and atomic writers for cleaned/ and reports/.

Every file is written to a temporary name in its directory and renamed into place,
so an interrupted run never leaves a half-written output, and a re-run over the same
input and config writes the same bytes (no clocks, no hash-randomized order).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.document import Document
from pipeline.core.registry import StageSpec, ordered
from pipeline.io.records import RawRecord

ARTICLES_PARQUET = "articles.parquet"
ARTICLES_JSONL = "articles.jsonl"
SIGNALS_PARQUET = "signals.parquet"
# Every processed document's normalized text: what the annotations' offsets point into.
DOCUMENTS_PARQUET = "documents.parquet"
DOCUMENTS_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string())])
MANIFEST = "manifest.json"
INDEX_HTML = "index.html"

# Rows buffered before a Parquet row group is written: bounded memory on any corpus.
ROW_GROUP_ROWS = 1000

ANNOTATION_TYPE = pa.struct([
    ("start", pa.int64()), ("end", pa.int64()), ("category", pa.string()), ("rule", pa.string()),
    ("action", pa.string()), ("replacement", pa.string()), ("reason", pa.string()),
])
_ARROW_TYPES = {int: pa.int64(), float: pa.float64()}


class Columns:
    """What the configured stages write into the tables: their signals (integer columns first,
    then float ones, each in the order of registration) and their notes, and the schemas and rows
    made of them. A signal is None where a document failed, was rejected at ingest, or the signal
    is undefined (the average length of no words)."""

    def __init__(self, chosen: list[StageSpec]) -> None:
        chosen = ordered(chosen)
        declared = [signal for spec in chosen for signal in spec.signals]
        self.signals = [s for s in declared if s.kind is int] + [s for s in declared if s.kind is not int]
        self.signal_names = [signal.name for signal in self.signals]
        self._ints = frozenset(signal.name for signal in self.signals if signal.kind is int)
        self.notes = [note for spec in chosen for note in spec.notes]
        signal_fields = [(signal.name, _ARROW_TYPES[signal.kind]) for signal in self.signals]
        self.signals_schema = pa.schema(
            [
                ("id", pa.string()), ("source", pa.string()), ("position", pa.int64()),
                ("status", pa.string()), ("reasons", pa.list_(pa.string())), ("error", pa.string()),
                ("title", pa.string()), ("url", pa.string()), ("encoding", pa.string()),
                ("input_bytes", pa.int64()), ("content_hash", pa.string()),
            ]
            + signal_fields
            + [(note, pa.string()) for note in self.notes]
            + [("annotations_list", pa.list_(ANNOTATION_TYPE)),
               # The document's site (its URL's host), and the digest of what the corpus-level counting
               # told it (pipeline/run/sites.py): a re-run reuses the row only while that stays the same.
               ("site", pa.string()), ("site_lines_digest", pa.string())]
        )
        # ``id``/``text``/``metadata`` as datatrove's and dolma's readers expect them.
        self.articles_schema = pa.schema([
            ("id", pa.string()), ("text", pa.string()), ("title", pa.string()), ("source", pa.string()),
            ("url", pa.string()),
            ("metadata", pa.struct([
                ("decision", pa.string()), ("reasons", pa.list_(pa.string())),
                ("signals", pa.struct(signal_fields)), *[(note, pa.string()) for note in self.notes],
                ("position", pa.int64()), ("encoding", pa.string()),
                # The input record's own metadata, as JSON: its keys differ from corpus to corpus.
                ("source_metadata", pa.string()),
            ])),
        ])

    def signals_row(self, record: RawRecord, doc: Document | None) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": record.id, "source": record.source, "position": record.position,
            "title": record.title, "url": record.url, "encoding": record.encoding,
            "input_bytes": record.input_bytes, "content_hash": record.content_hash,
        }
        if doc is None:
            row.update(status=record.status.value, reasons=[record.reason], error=record.error,
                       annotations_list=[], site=None, site_lines_digest=None, **dict.fromkeys(self.notes),
                       **dict.fromkeys(self.signal_names))
            return row
        row.update(
            id=doc.id, status=doc.status.value, reasons=list(doc.reasons), error=doc.error,
            title=doc.title, url=doc.url, annotations_list=[a.to_dict() for a in doc.annotations],
            site=doc.site, site_lines_digest=doc.site_lines_digest,
            **self._notes(doc), **self._signals(doc),
        )
        return row

    def article_row(self, record: RawRecord, doc: Document, text: str) -> dict[str, Any]:
        return {
            "id": doc.id, "text": text, "title": doc.title, "source": doc.source, "url": doc.url,
            "metadata": {
                "decision": doc.status.value, "reasons": list(doc.reasons),
                "signals": self._signals(doc), **self._notes(doc),
                "position": record.position, "encoding": record.encoding,
                "source_metadata": json.dumps(doc.source_metadata, sort_keys=True, ensure_ascii=False),
            },
        }

    def restore(self, doc: Document, row: dict[str, Any]) -> None:
        """Set ``doc``'s signals and notes from its signals ``row`` (a previous run's)."""
        doc.signals = {name: row[name] for name in self.signal_names if row.get(name) is not None}
        doc.notes = {note: row[note] for note in self.notes if row.get(note) is not None}

    def _notes(self, doc: Document) -> dict[str, str | None]:
        return {note: doc.notes.get(note) for note in self.notes}

    def _signals(self, doc: Document) -> dict[str, int | float | None]:
        out: dict[str, int | float | None] = {}
        for name in self.signal_names:
            value = doc.signals.get(name)
            out[name] = None if value is None else int(value) if name in self._ints else float(value)
        return out


# ------------------------------------------------------------------ the output folders

# Held (flock) in each output folder while a run writes it, naming the run's process; removed when
# the run ends.
LOCK_FILE = ".clean-corpus.lock"
# What atomic_open leaves while it writes ``.<name>.<random>.tmp``, and the counting pass's spill
# folders: a run killed midway leaves them, the next run into the folder removes them.
LEFTOVERS = (".*.tmp", ".site-lines-*")


class OutputsBusy(RuntimeError):
    """Another run is writing the same output folder."""


@contextmanager
def output_lock(*folders: Path) -> Iterator[None]:
    """Hold each output folder for this run (a second run into one of them fails at once, naming
    the first), and remove what a killed run left there: it is ours alone while we hold it."""
    import fcntl

    with ExitStack() as held:
        for folder in dict.fromkeys(Path(f).resolve() for f in folders):
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / LOCK_FILE
            while True:
                fh = open(path, "a+", encoding="utf-8")
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    fh.seek(0)
                    holder = fh.read().strip() or "a process"
                    fh.close()
                    raise OutputsBusy(f"{folder} is being written by another clean-corpus run ({holder})") from None
                try:  # the file we hold is still the one at the path (not one a finishing run removed)
                    same = os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    break
                fh.close()
            held.callback(fh.close)
            held.callback(path.unlink, missing_ok=True)  # while still held: runs before the close
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}\n")
            fh.flush()
            _remove_leftovers(folder)
        yield


def _remove_leftovers(folder: Path) -> None:
    for pattern in LEFTOVERS:
        for path in folder.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


# ------------------------------------------------------------------ atomic files


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file that appears at ``path`` only once it is completely written, with the permissions
    any new file gets here (mkstemp's own are owner-only: a web server could not serve a report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
            os.fchmod(fd, 0o666 & ~_umask())
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else "\n"
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


class ParquetSink:
    """Rows in, one Parquet file out, written in row groups, renamed into place on close."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema = path, schema
        self._context = atomic_open(path, "wb")
        self._fh = self._context.__enter__()
        self._writer = pq.ParquetWriter(self._fh, schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()
        self._context.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        self._writer.close()
        self._context.__exit__(type(exc), exc, exc.__traceback__)
