"""Output contracts: table schemas, rows, and atomic writers for cleaned/ and reports/.

Every file is written to a temporary name in its directory and renamed into place,
so an interrupted run never leaves a half-written output, and a re-run over the same
input and config writes the same bytes (no clocks, no hash-randomized order).
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.document import Document
from pipeline.core.registry import StageSpec, ordered
from pipeline.io.records import RawRecord
from pipeline.io.shards import TABLE_FOLDERS

# Every processed document's normalized text (reports/texts/): what the annotations' offsets point into.
TEXTS_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string())])
INDEX_HTML = "index.html"

# Rows buffered before a Parquet row group is written: bounded memory on any corpus.
ROW_GROUP_ROWS = 1000
# The dolma documents' gzip level: the gzip tool's and zlib's default. Python's own, 9, took 1.7x
# as long for 0.5% fewer bytes (on the bench corpus's JSON lines).
GZIP_LEVEL = 6

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
                ("extraction", pa.string()), ("input_bytes", pa.int64()), ("content_hash", pa.string()),
            ]
            + signal_fields
            + [(note, pa.string()) for note in self.notes]
            + [("annotations_list", pa.list_(ANNOTATION_TYPE)),
               # The document's site (its URL's host), and the digest of what the corpus-level counting
               # told it (pipeline/run/sites.py): a re-run reuses the row only while that stays the same.
               ("site", pa.string()), ("site_lines_digest", pa.string())]
        )
        # ``id``/``text``/``source``/``added``/``created``/``metadata`` as datatrove's and dolma's
        # readers expect them; ``source``, ``added`` and ``created`` are the input record's own when
        # it has them (``source`` is otherwise its file in the input folder, ``metadata.input``).
        self.articles_schema = pa.schema([
            ("id", pa.string()), ("text", pa.string()), ("title", pa.string()), ("source", pa.string()),
            ("url", pa.string()), ("added", pa.string()), ("created", pa.string()),
            ("metadata", pa.struct([
                ("decision", pa.string()), ("reasons", pa.list_(pa.string())),
                ("signals", pa.struct(signal_fields)), *[(note, pa.string()) for note in self.notes],
                ("input", pa.string()), ("position", pa.int64()), ("encoding", pa.string()),
                ("extraction", pa.string()),
                # The input record's own metadata, as JSON: one Parquet schema holds every row, and
                # its keys differ from record to record (dolma_row nests it; load_cleaned parses it).
                ("source_metadata", pa.string()),
            ])),
        ])

    def signals_row(self, record: RawRecord, doc: Document | None) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": record.id, "source": record.source, "position": record.position,
            "title": record.title, "url": record.url, "encoding": record.encoding,
            "extraction": record.extraction, "input_bytes": record.input_bytes, "content_hash": record.content_hash,
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
            "id": doc.id, "text": text, "title": doc.title, "source": record.origin or doc.source, "url": doc.url,
            "added": record.added, "created": record.created,
            "metadata": {
                "decision": doc.status.value, "reasons": list(doc.reasons),
                "signals": self._signals(doc), **self._notes(doc),
                "input": doc.source, "position": record.position, "encoding": record.encoding,
                "extraction": record.extraction,
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


def dolma_row(article: dict[str, Any]) -> dict[str, Any]:
    """An articles row in dolma's document format (id, text, source, added, created, metadata):
    ``metadata`` is the input record's own, nested as it came, with the article's ``title`` and
    ``url``, and what clean-corpus found under ``clean_corpus``. ``added``/``created`` only when
    the record had them (they are optional in dolma's format, and no clock goes into an output)."""
    ours = dict(article["metadata"])
    own = json.loads(ours.pop("source_metadata"))
    row = {"id": article["id"], "text": article["text"], "source": article["source"]}
    row.update({key: article[key] for key in ("added", "created") if article[key] is not None})
    row["metadata"] = {**own, "title": article["title"], "url": article["url"], "clean_corpus": ours}
    return row


# ------------------------------------------------------------------ the output folders

# Held (flock) in each output folder while a run writes it, naming the run's process; removed when
# the run ends.
LOCK_FILE = ".clean-corpus.lock"
# What atomic_open leaves while it writes ``.<name>.<pid>.<tag>.<n>.tmp``, and the counting pass's spill
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
    tables = [folder / name for name in TABLE_FOLDERS if (folder / name).is_dir() and not (folder / name).is_symlink()]
    for pattern, where in itertools.product(LEFTOVERS, [folder, *tables]):
        for path in where.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


# ------------------------------------------------------------------ atomic files


# A file being written is ``.<name>.<pid>.<tag>.<n>.tmp`` beside its final path: the process, a tag
# drawn at import (processes of other machines writing one shared folder), a count.
_TAG = os.urandom(3).hex()
_COUNT = itertools.count()
# Created new or not at all; the mode 0o666 less the umask, as any new file gets (mkstemp's are
# owner-only, and setting them costs two more calls a file: a web server must read the reports).
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _temporary(path: Path) -> tuple[int, Path]:
    """A new file beside ``path`` and its descriptor, open for writing (its folder made if needed)."""
    while True:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{_TAG}.{next(_COUNT)}.tmp")
        try:
            return os.open(tmp, _CREATE, 0o666), tmp
        except FileExistsError:
            continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def _replacing(path: Path) -> Iterator[int]:
    """A descriptor of a new temporary file beside ``path``, renamed to ``path`` once the block
    ends, removed if it raises; the block closes the descriptor."""
    fd, tmp = _temporary(path)
    try:
        yield fd
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file that appears at ``path`` only once it is completely written, with the permissions
    any new file gets here."""
    encoding = None if "b" in mode else "utf-8"
    newline = None if "b" in mode else "\n"
    with _replacing(path) as fd, os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
        yield fh


def write_bytes(path: Path, data: bytes) -> None:
    """``data`` at ``path``, as :func:`atomic_open` writes it, without a file object: the path of
    a document's cleaned text and report page (an 18 KB text: 58 µs a file on ext4, against 95
    through ``mkstemp``, ``fchmod`` and a text file)."""
    with _replacing(path) as fd:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


class JsonlGzSink:
    """JSON lines in, one gzip file out (no name or time in its header: a re-run writes the same
    bytes), renamed into place on close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._context = atomic_open(path, "wb")
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._context.__enter__(), mtime=0,
                                   compresslevel=GZIP_LEVEL)
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self._gzip.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        self.count += 1

    def close(self) -> None:
        self._gzip.close()
        self._context.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        self._gzip.close()
        self._context.__exit__(type(exc), exc, exc.__traceback__)


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
