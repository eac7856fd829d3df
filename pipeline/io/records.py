"""A record: one input document as read, readable or rejected with the reason why, and the
checks a record's fields (JSONL and Parquet) must pass."""

from __future__ import annotations

import base64
import datetime
import decimal
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.document import Status
from pipeline.io.ids import record_id

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
OUTSIDE_INPUT = "ingest.outside_input"

# Deepest nesting of a record's metadata kept: deeper is a malformed record, not data (JSON
# encoders and pickling recurse once per level, and Python's recursion limit is 1,000).
MAX_METADATA_DEPTH = 64
# A UTF-16 surrogate on its own: json.loads lets "\ud800" through, but it is no character, and
# no UTF-8 writer (Parquet, JSON, HTML) can encode it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


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
    # The record's place in the run (0, 1, ...), given by the runner: which documents get a page.
    sequence: int = 0
    # With ``previous``: its page, which shows the decision's thresholds, stands if its row does.
    same_page: bool = False

    def reject(self, status: Status, reason: str, error: str) -> RawRecord:
        self.status, self.reason, self.error = status, reason, error
        self.text = None
        return self



@dataclass(frozen=True, slots=True)
class Limits:
    """The config's [ingest] limits, and what a record over one is told."""

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



def from_fields(record: RawRecord, obj: dict[str, Any], limits: Limits) -> RawRecord:
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


