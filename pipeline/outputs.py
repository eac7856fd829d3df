"""Output contracts: table schemas, rows, and atomic writers for cleaned/ and reports/.

Every file is written to a temporary name in its directory and renamed into place,
so an interrupted run never leaves a half-written output, and a re-run over the same
input and config writes the same bytes (no clocks, no hash-randomized order).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.document import Document
from pipeline.ingest import RawRecord
from pipeline.sites import digest
from pipeline.stages import quality, site_lines, spun, stuffing
from pipeline.stages.grammar import GRAMMAR_SIGNALS
from pipeline.stages.grammar import STAGE as GRAMMAR
from pipeline.stages.spun import STATUS_NOTE as SPUN_STATUS
from pipeline.stages.stuffing import KEYPHRASE_NOTE

ARTICLES_PARQUET = "articles.parquet"
ARTICLES_JSONL = "articles.jsonl"
SIGNALS_PARQUET = "signals.parquet"
MANIFEST = "manifest.json"
INDEX_HTML = "index.html"

# Rows buffered before a Parquet row group is written: bounded memory on any corpus.
ROW_GROUP_ROWS = 1000

# Signals every processed document carries (None where a document failed, was rejected
# at ingest, or a signal is undefined, such as the average length of no words).
INT_SIGNALS = quality.INT_SIGNALS + site_lines.INT_SIGNALS + stuffing.INT_SIGNALS + spun.INT_SIGNALS
FLOAT_SIGNALS = quality.FLOAT_SIGNALS + stuffing.FLOAT_SIGNALS + spun.FLOAT_SIGNALS
SIGNAL_NAMES = INT_SIGNALS + FLOAT_SIGNALS + GRAMMAR_SIGNALS

# The document notes each signals row carries, by the column they go to.
NOTE_COLUMNS = {KEYPHRASE_NOTE: "keyphrase", SPUN_STATUS: "spun_status", GRAMMAR: "grammar_status"}
ANNOTATION_TYPE = pa.struct([
    ("start", pa.int64()), ("end", pa.int64()), ("stage", pa.string()), ("rule", pa.string()),
    ("action", pa.string()), ("replacement", pa.string()), ("reason", pa.string()),
])
SIGNALS_SCHEMA = pa.schema(
    [
        ("id", pa.string()), ("source", pa.string()), ("position", pa.int64()),
        ("status", pa.string()), ("reasons", pa.list_(pa.string())), ("error", pa.string()),
        ("title", pa.string()), ("url", pa.string()), ("encoding", pa.string()),
        ("input_bytes", pa.int64()), ("content_hash", pa.string()),
    ]
    + [(name, pa.int64()) for name in INT_SIGNALS]
    + [(name, pa.float64()) for name in FLOAT_SIGNALS + GRAMMAR_SIGNALS]
    + [("keyphrase", pa.string()), ("spun_status", pa.string()), ("grammar_status", pa.string()),
       ("annotations_list", pa.list_(ANNOTATION_TYPE)),
       # The document's site (its URL's host), and the digest of what the corpus-level counting
       # told it (pipeline/sites.py): a re-run reuses the row only while that stays the same.
       ("site", pa.string()), ("site_lines_digest", pa.string())]
)
ARTICLE_SIGNALS_TYPE = pa.struct(
    [(name, pa.int64()) for name in INT_SIGNALS]
    + [(name, pa.float64()) for name in FLOAT_SIGNALS + GRAMMAR_SIGNALS]
)
# ``id``/``text``/``metadata`` as datatrove's and dolma's readers expect them.
ARTICLES_SCHEMA = pa.schema([
    ("id", pa.string()), ("text", pa.string()), ("title", pa.string()), ("source", pa.string()),
    ("url", pa.string()),
    ("metadata", pa.struct([
        ("decision", pa.string()), ("reasons", pa.list_(pa.string())),
        ("signals", ARTICLE_SIGNALS_TYPE), ("keyphrase", pa.string()), ("spun_status", pa.string()),
        ("grammar_status", pa.string()),
        ("position", pa.int64()), ("encoding", pa.string()),
        # The input record's own metadata, as JSON: its keys differ from corpus to corpus.
        ("source_metadata", pa.string()),
    ])),
])


def signals_row(record: RawRecord, doc: Document | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": record.id, "source": record.source, "position": record.position,
        "title": record.title, "url": record.url, "encoding": record.encoding,
        "input_bytes": record.input_bytes, "content_hash": record.content_hash,
    }
    if doc is None:
        row.update(status=record.status.value, reasons=[record.reason], error=record.error,
                   annotations_list=[], site=None, site_lines_digest=None, **dict.fromkeys(NOTE_COLUMNS.values()),
                   **{name: None for name in SIGNAL_NAMES})
        return row
    row.update(
        id=doc.id, status=doc.status.value, reasons=list(doc.reasons), error=doc.error,
        title=doc.title, url=doc.url, annotations_list=[a.to_dict() for a in doc.annotations],
        site=doc.site, site_lines_digest=digest(doc.site_lines),
        **_notes(doc), **{name: _signal(doc, name) for name in SIGNAL_NAMES},
    )
    return row


def article_row(record: RawRecord, doc: Document, text: str) -> dict[str, Any]:
    return {
        "id": doc.id, "text": text, "title": doc.title, "source": doc.source, "url": doc.url,
        "metadata": {
            "decision": doc.status.value, "reasons": list(doc.reasons),
            "signals": {name: _signal(doc, name) for name in SIGNAL_NAMES}, **_notes(doc),
            "position": record.position, "encoding": record.encoding,
            "source_metadata": json.dumps(doc.source_metadata, sort_keys=True, ensure_ascii=False),
        },
    }


def _notes(doc: Document) -> dict[str, str | None]:
    return {column: doc.notes.get(note) for note, column in NOTE_COLUMNS.items()}


def _signal(doc: Document, name: str) -> int | float | None:
    value = doc.signals.get(name)
    if value is None:
        return None
    return int(value) if name in INT_SIGNALS else float(value)


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
