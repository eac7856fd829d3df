"""Read raw/: every input document becomes one :class:`RawRecord`, readable or not.

Supported inputs: ``.txt``/``.md`` (one article; the first non-empty line is the title),
``.jsonl``/``.jsonl.gz`` (one article per line: ``text`` plus optional ``id``, ``title``,
``url``, ``metadata``), ``.parquet`` (the same columns) and ``.html``/``.htm`` (the
article is extracted with trafilatura). A record that cannot be read carries the
status and reason that say why, so the run accounts for it instead of losing it.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import gzip
import hashlib
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline.core.document import Status
from pipeline.io.encoding import DecodeError, decode

STAGE = "ingest"
# Reasons declared by this stage.
EMPTY = "ingest.empty"
TOO_LARGE = "ingest.max_document_bytes"
LINE_TOO_LONG = "ingest.max_line_chars"
MALFORMED_JSON = "ingest.malformed_json"
MISSING_TEXT = "ingest.missing_text"
BAD_FIELD = "ingest.bad_field"
UNREADABLE = "ingest.unreadable"
NO_CONTENT = "ingest.no_content"
INVALID_UNICODE = "ingest.invalid_unicode"

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
PARQUET_SUFFIXES = (".parquet",)
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES + HTML_SUFFIXES

# Rows read from a Parquet input at a time: bounded memory whatever the file size.
PARQUET_BATCH_ROWS = 256
# Longest document id kept as given; longer ones are shortened and hashed.
MAX_ID_CHARS = 100
# Hex digits of the hash that makes a rewritten id unique.
ID_HASH_CHARS = 10
# Deepest nesting of a record's metadata kept: deeper is a malformed record, not data (JSON
# encoders and pickling recurse once per level, and Python's recursion limit is 1,000).
MAX_METADATA_DEPTH = 64
# Bytes read at a time where a line may be longer than any document (counting, skipping).
READ_CHUNK_BYTES = 1 << 20
# A UTF-16 surrogate on its own: json.loads lets "\ud800" through, but it is no character, and
# no UTF-8 writer (Parquet, JSON, HTML) can encode it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
# File names the outputs use for themselves, and names Windows refuses.
RESERVED_IDS = frozenset(
    {"index", "manifest", "signals", "articles", "con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)


@dataclass(slots=True)
class RawRecord:
    """One input document as read, before normalization."""

    id: str
    source: str  # path relative to the raw directory
    position: int  # 0 for a single-document file, else the 1-based line or row
    text: str | None = None
    title: str | None = None
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    input_bytes: int = 0
    content_hash: str = ""
    # None while the record is readable; otherwise dropped or failed, and why.
    status: Status | None = None
    reason: str | None = None
    error: str | None = None
    # The previous run's signals row when it stands for this record (see pipeline/run/incremental.py).
    previous: dict[str, Any] | None = None

    def reject(self, status: Status, reason: str, error: str) -> RawRecord:
        self.status, self.reason, self.error = status, reason, error
        self.text = None
        return self


def source_name(path: Path, raw_dir: Path) -> str:
    """``path`` relative to ``raw_dir``, as text: a name byte that is not UTF-8 is written ``\\xff``
    (the file system's names are bytes; outputs are UTF-8 and cannot hold the surrogate Python
    decodes such a byte to)."""
    relative = os.fsencode(path.relative_to(raw_dir).as_posix())
    return relative.decode("utf-8", "backslashreplace")


def discover(raw_dir: Path) -> list[Path]:
    """Every supported input under ``raw_dir``, in a stable (sorted) order."""
    found = [
        p
        for p in raw_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(SUFFIXES)
    ]
    return sorted(found, key=lambda p: p.relative_to(raw_dir).as_posix())


def count_records(path: Path) -> int:
    """How many records ``path`` holds, cheaply, for the progress bar."""
    name = path.name.lower()
    try:
        if name.endswith(JSONL_SUFFIXES):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as fh:
                return _count_lines(fh)
        if name.endswith(PARQUET_SUFFIXES):
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
    except (OSError, EOFError, zlib.error, ValueError):
        return 1
    return 1


def _count_lines(fh: IO[bytes]) -> int:
    """The non-blank lines of ``fh``, read a chunk at a time: a line of gigabytes (a gzip bomb
    expands to one) is never held whole."""
    count, content = 0, False
    while chunk := fh.readline(READ_CHUNK_BYTES):
        content = content or bool(chunk.strip())
        if chunk.endswith(b"\n"):
            count, content = count + content, False
    return count + content


def read_records(path: Path, raw_dir: Path, *, max_document_bytes: int | None,
                 max_line_chars: int | None) -> Iterator[RawRecord]:
    """The records of one input file, lazily, each readable or rejected with a reason."""
    source = source_name(path, raw_dir)
    name = path.name.lower()
    limits = _Limits(max_document_bytes, max_line_chars)
    if name.endswith(JSONL_SUFFIXES):
        yield from _read_jsonl(path, source, limits)
    elif name.endswith(PARQUET_SUFFIXES):
        yield from _read_parquet(path, source, limits)
    else:
        yield _read_single(path, source, limits, html=name.endswith(HTML_SUFFIXES))


@dataclass(frozen=True, slots=True)
class _Limits:
    max_document_bytes: int | None
    max_line_chars: int | None

    def too_large(self, size: int) -> str | None:
        if self.max_document_bytes is not None and size > self.max_document_bytes:
            return f"{size} bytes, more than max_document_bytes={self.max_document_bytes}"
        return None

    def long_line(self, text: str) -> str | None:
        if self.max_line_chars is None or len(text) <= self.max_line_chars:
            return None
        longest = max(map(len, text.splitlines()), default=0)
        if longest > self.max_line_chars:
            return f"a line of {longest} characters, more than max_line_chars={self.max_line_chars}"
        return None


def _read_single(path: Path, source: str, limits: _Limits, *, html: bool) -> RawRecord:
    record = RawRecord(id=file_id(source), source=source, position=0)
    try:
        size = path.stat().st_size
        record.input_bytes = size
        if (why := limits.too_large(size)) is not None:
            return record.reject(Status.DROPPED, TOO_LARGE, why)
        data = path.read_bytes()
    except OSError as exc:
        return record.reject(Status.FAILED, UNREADABLE, f"cannot read {source}: {exc.strerror or exc}")
    record.content_hash = hashlib.sha256(data).hexdigest()
    try:
        decoded = decode(data)
    except DecodeError as exc:
        return record.reject(Status.FAILED, exc.reason, str(exc))
    record.encoding = decoded.encoding
    text = decoded.text
    if html:
        return _from_html(record, text, limits)
    if not text.strip():
        return record.reject(Status.DROPPED, EMPTY, "no text: the file is empty or whitespace")
    if (why := limits.long_line(text)) is not None:
        return record.reject(Status.DROPPED, LINE_TOO_LONG, why)
    record.text = text
    return record


def _from_html(record: RawRecord, html: str, limits: _Limits) -> RawRecord:
    import trafilatura

    if not html.strip():
        return record.reject(Status.DROPPED, EMPTY, "no text: the file is empty or whitespace")
    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                            favor_precision=False, deduplicate=False)
    body = extracted.text if extracted is not None else None
    if not body or not body.strip():
        return record.reject(Status.DROPPED, NO_CONTENT, "trafilatura found no article text in the HTML")
    if (why := limits.long_line(body)) is not None:
        return record.reject(Status.DROPPED, LINE_TOO_LONG, why)
    record.text = body
    record.title = extracted.title or None
    record.url = extracted.url or None
    return record


def _read_jsonl(path: Path, source: str, limits: _Limits) -> Iterator[RawRecord]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    # A line is read up to one byte past the limit: a longer one is dropped without being held.
    bound = -1 if limits.max_document_bytes is None else limits.max_document_bytes + 1
    line_no = 0
    try:
        with opener(path, "rb") as fh:
            while raw_line := fh.readline(bound):
                line_no += 1
                if len(raw_line) == bound and not raw_line.endswith(b"\n"):
                    size = len(raw_line) + _skip_line(fh)
                    yield _too_long_line(source, line_no, size, limits)
                    continue
                if not raw_line.strip():
                    continue
                yield _jsonl_record(raw_line, source, line_no, limits)
    except (OSError, EOFError, zlib.error) as exc:
        position = line_no + 1
        record = RawRecord(id=record_id(None, source, position), source=source, position=position)
        yield record.reject(Status.FAILED, UNREADABLE,
                            f"cannot read {source} after line {line_no}: {exc}")


def _skip_line(fh: IO[bytes]) -> int:
    """Read past the rest of the current line, a chunk at a time; how many bytes that was."""
    skipped = 0
    while chunk := fh.readline(READ_CHUNK_BYTES):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _too_long_line(source: str, line_no: int, size: int, limits: _Limits) -> RawRecord:
    """The record of a JSONL line over max_document_bytes, read past but never held whole."""
    record = RawRecord(id=record_id(None, source, line_no), source=source, position=line_no, input_bytes=size)
    return record.reject(Status.DROPPED, TOO_LARGE, f"line {line_no}: {limits.too_large(size)}")


def _jsonl_record(raw_line: bytes, source: str, line_no: int, limits: _Limits) -> RawRecord:
    record = RawRecord(id=record_id(None, source, line_no), source=source, position=line_no,
                       input_bytes=len(raw_line), content_hash=hashlib.sha256(raw_line).hexdigest())
    if (why := limits.too_large(len(raw_line))) is not None:
        return record.reject(Status.DROPPED, TOO_LARGE, f"line {line_no}: {why}")
    try:
        line = decode(raw_line).text
        obj = json.loads(line)
    except DecodeError as exc:
        return record.reject(Status.FAILED, exc.reason, f"line {line_no}: {exc}")
    except json.JSONDecodeError as exc:
        return record.reject(Status.FAILED, MALFORMED_JSON, f"line {line_no}: {exc}")
    except ValueError:  # the only other error json.loads raises: an integer Python will not convert
        digits = sys.get_int_max_str_digits()
        return record.reject(Status.FAILED, MALFORMED_JSON,
                             f"line {line_no}: an integer of more digits than can be read ({digits})")
    except RecursionError:
        return record.reject(Status.FAILED, MALFORMED_JSON, f"line {line_no}: nested too deeply to parse")
    if not isinstance(obj, dict):
        return record.reject(Status.FAILED, MALFORMED_JSON,
                             f"line {line_no}: a JSON {type(obj).__name__}, not an object")
    return _from_fields(record, obj, limits)


def _read_parquet(path: Path, source: str, limits: _Limits) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    row = 0
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for obj in batch.to_pylist():
                row += 1
                record = RawRecord(id=record_id(None, source, row), source=source, position=row)
                text = obj.get("text")
                size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else 0
                record.input_bytes = size
                record.content_hash = hashlib.sha256(
                    json.dumps(obj, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
                ).hexdigest()
                if (why := limits.too_large(size)) is not None:
                    yield record.reject(Status.DROPPED, TOO_LARGE, f"row {row}: {why}")
                    continue
                yield _from_fields(record, obj, limits)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        position = row + 1
        record = RawRecord(id=record_id(None, source, position), source=source, position=position)
        yield record.reject(Status.FAILED, UNREADABLE, f"cannot read {source} after row {row}: {exc}")


def _from_fields(record: RawRecord, obj: dict[str, Any], limits: _Limits) -> RawRecord:
    where = f"record {record.position}"
    if (found := _lone_surrogate(obj)) is not None:
        return record.reject(Status.FAILED, INVALID_UNICODE, f"{where}: {found}")
    given_id = obj.get("id")
    if given_id is not None:
        if not isinstance(given_id, (str, int)) or isinstance(given_id, bool):
            return record.reject(Status.FAILED, BAD_FIELD, f"{where}: 'id' must be a string or integer")
        record.id = record_id(str(given_id), record.source, record.position)
        record.metadata["original_id"] = str(given_id)
    text = obj.get("text")
    if text is None:
        return record.reject(Status.FAILED, MISSING_TEXT, f"{where}: no 'text' field")
    if not isinstance(text, str):
        return record.reject(Status.FAILED, BAD_FIELD, f"{where}: 'text' must be a string")
    for key in ("title", "url"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            return record.reject(Status.FAILED, BAD_FIELD, f"{where}: '{key}' must be a string")
    metadata = obj.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return record.reject(Status.FAILED, BAD_FIELD, f"{where}: 'metadata' must be an object")
    if metadata is not None:
        try:
            metadata = _jsonable(metadata, MAX_METADATA_DEPTH)
        except _TooDeep:
            return record.reject(Status.FAILED, BAD_FIELD,
                                 f"{where}: 'metadata' is nested more than {MAX_METADATA_DEPTH} levels deep")
    record.title, record.url = obj.get("title") or None, obj.get("url") or None
    record.metadata.update(metadata or {})
    record.encoding = "utf-8"
    if not text.strip():
        return record.reject(Status.DROPPED, EMPTY, f"{where}: 'text' is empty or whitespace")
    if (why := limits.long_line(text)) is not None:
        return record.reject(Status.DROPPED, LINE_TOO_LONG, f"{where}: {why}")
    record.text = text
    return record


class _TooDeep(ValueError):
    pass


def _lone_surrogate(record: dict[str, Any]) -> str | None:
    """Where a parsed record holds a lone surrogate (in a value or a key, at any depth), said for
    the error; None when it holds none. Walked with a stack: the depth is the input's to choose."""
    stack: list[tuple[str, Any]] = [("the record", record)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if (found := _LONE_SURROGATE.search(value)) is not None:
                return (f"{where} holds a lone surrogate (U+{ord(found.group()):04X}) at character "
                        f"{found.start()}, which is no Unicode character")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = repr(key) if where == "the record" else f"{where}[{key!r}]"
                stack.append((f"a key of {where}", key))
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return None


def _jsonable(value: Any, depth: int) -> Any:
    """``value`` (a Parquet record's metadata) with every leaf JSON can hold: a timestamp or date
    as ISO 8601, a decimal as its exact digits, bytes as base64; raises _TooDeep past ``depth``."""
    if depth < 0:
        raise _TooDeep
    if isinstance(value, dict):
        return {str(key): _jsonable(item, depth - 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, depth - 1) for item in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


# ---------------------------------------------------------------- ids


def file_id(source: str) -> str:
    """The id of a single-document file: its path in raw/, without the suffix."""
    stem = source
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return safe_id(stem.replace("/", "__"))


def record_id(given: str | None, source: str, position: int) -> str:
    """The id of a record: the given id made safe, or the file's id and the position."""
    if given is not None:
        return safe_id(given)
    return safe_id(f"{file_id(source)}-{position:06d}")


def safe_id(candidate: str) -> str:
    """``candidate`` if it is a safe, portable file name; else a readable slug plus a hash.

    The hash keeps distinct unsafe ids distinct ("../a" and "./a" are not the same id).
    """
    if (
        _SAFE_ID.fullmatch(candidate)
        and len(candidate) <= MAX_ID_CHARS
        and not candidate.endswith(".")
        and candidate.lower().split(".")[0] not in RESERVED_IDS
    ):
        return candidate
    digest = hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).hexdigest()[:ID_HASH_CHARS]
    slug = _UNSAFE_ID_CHARS.sub("_", candidate).strip("._-")[: MAX_ID_CHARS - ID_HASH_CHARS - 1]
    return f"{slug}-{digest}" if slug else f"doc-{digest}"


def disambiguate(doc_id: str, source: str, position: int, attempt: int = 0) -> str:
    """A second record with an id already used gets one derived from where it came from (and,
    should that be taken too, from how many derived ids were tried before)."""
    where = f"{source}#{position}" + (f"#{attempt}" if attempt else "")
    digest = hashlib.sha256(where.encode("utf-8", "surrogatepass")).hexdigest()[:ID_HASH_CHARS]
    return f"{doc_id[: MAX_ID_CHARS - ID_HASH_CHARS - 1]}-{digest}"
