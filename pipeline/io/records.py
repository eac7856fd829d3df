"""A record: one input document as read, readable or rejected with the reason why, and the
checks a record's fields (JSONL and Parquet) must pass."""

from __future__ import annotations

import base64
import datetime
import decimal
import json
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


@dataclass(frozen=True, slots=True)
class Markup:
    """An HTML page read but not yet extracted: the worker that cleans it runs trafilatura
    (:func:`pipeline.io.ingest.extract`), so the reading process does not."""

    html: str
    limits: Limits


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
    # The record's own ``source``, ``added`` and ``created`` (dolma's fields), kept for the outputs.
    origin: str | None = None
    added: str | None = None
    created: str | None = None
    encoding: str | None = None
    # An HTML page's: how its text was read ("trafilatura", or "visible text (why)"; pipeline.io.html).
    extraction: str | None = None
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
    # An HTML page's markup until its article is extracted (then its text, title and URL are set).
    markup: Markup | None = None

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



@dataclass(frozen=True, slots=True)
class Keys:
    """Which field of a JSON or Parquet record holds the text, the id and the URL ([ingest]
    ``text_key``, ``id_key``, ``url_key``; ``--text-key`` ...). A key may name a nested field with
    dots (``metadata.url``). The URL is also looked for in ``metadata.url`` (where datatrove
    writes it), and the title in ``title`` or ``metadata.title``."""

    text: str = "text"
    id: str = "id"
    url: str = "url"

    @property
    def urls(self) -> tuple[str, ...]:
        return (self.url, "metadata.url") if self.url == "url" else (self.url,)

    @staticmethod
    def get(obj: dict[str, Any], key: str, absent: Any = None) -> Any:
        """``obj[key]``, or with a dotted key the nested field it names; ``absent`` when there is
        no such field (a field that holds null gives None)."""
        if key in obj or "." not in key:
            return obj.get(key, absent)
        value: Any = obj
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return absent
            value = value[part]
        return value

    def first(self, obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
        return next((value for key in keys if (value := self.get(obj, key)) is not None), None)


# What Keys.get gives for a field a record does not have, told apart from one that holds null.
_NO_FIELD = object()
# A record's fields with a place of their own in the outputs; every other top-level field is kept
# in its metadata, as datatrove's readers keep it.
OWN_FIELDS = ("source", "added", "created")
_READ_FIELDS = frozenset({"title", "metadata", *OWN_FIELDS})


def from_fields(record: RawRecord, obj: dict[str, Any], limits: Limits, keys: Keys = Keys()) -> RawRecord:
    """``record`` filled from a parsed JSON or Parquet record ``obj``, or rejected saying which field
    is wrong. The record's own ``source``, ``added``, ``created`` and ``metadata`` (a nested object)
    reach the outputs as they are; other top-level fields join its metadata; nothing is dropped."""
    where = f"record {record.position}"
    if (found := _lone_surrogate(obj)) is not None:
        return record.reject(Status.FAILED, INVALID_UNICODE, f"{where}: {found}")
    given_id = keys.get(obj, keys.id)
    if given_id is not None:
        if not isinstance(given_id, (str, int)) or isinstance(given_id, bool):
            return record.reject(Status.FAILED, BAD_FIELD, f"{where}: {keys.id!r} must be a string or integer")
        record.id = record_id(str(given_id), record.source, record.position)
        record.metadata["original_id"] = str(given_id)
    text = keys.get(obj, keys.text, absent=_NO_FIELD)
    if text is None or text is _NO_FIELD:
        said = f"no {keys.text!r} field" if text is _NO_FIELD else f"{keys.text!r} is null"
        return record.reject(Status.FAILED, MISSING_TEXT, f"{where}: {said}")
    if not isinstance(text, str):
        return record.reject(Status.FAILED, BAD_FIELD, f"{where}: {keys.text!r} must be a string")
    url, title = keys.first(obj, keys.urls), keys.first(obj, ("title", "metadata.title"))
    for name, value in ((keys.url, url), ("title", title)):
        if value is not None and not isinstance(value, str):
            return record.reject(Status.FAILED, BAD_FIELD, f"{where}: {name!r} must be a string")
    metadata = obj.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return record.reject(Status.FAILED, BAD_FIELD, f"{where}: 'metadata' must be an object")
    extra = {key: value for key, value in obj.items()
             if key not in _READ_FIELDS and key not in (keys.text, keys.id, keys.url)}
    try:
        own = _jsonable({**extra, **(metadata or {})}, MAX_METADATA_DEPTH)
        fields = {name: _jsonable(obj.get(name), MAX_METADATA_DEPTH) for name in OWN_FIELDS}
    except _TooDeep:
        return record.reject(Status.FAILED, BAD_FIELD,
                             f"{where}: 'metadata' is nested more than {MAX_METADATA_DEPTH} levels deep")
    record.origin, record.added, record.created = (
        None if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        for value in (fields["source"], fields["added"], fields["created"]))
    record.title, record.url = title or None, url or None
    record.metadata.update(own)
    record.encoding = "utf-8"
    if not text.strip():
        return record.reject(Status.DROPPED, EMPTY, f"{where}: {keys.text!r} is empty or whitespace")
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


