"""Read raw/: every input document becomes one :class:`RawRecord`, readable or not.

Supported inputs: ``.txt``/``.md`` (one article; the first non-empty line is the title),
JSON lines (``.jsonl``, ``.ndjson``, and ``.json``/``.jsonl``/``.ndjson`` compressed with gzip,
zstd, bzip2 or xz: dolma's ``documents/*.json.gz``, datatrove's ``.jsonl.gz``; one article per
line, its fields read as :func:`pipeline.io.records.from_fields` says), ``.parquet`` (the same
fields) and ``.html``/``.htm`` (the article is extracted with trafilatura, or the page's visible
text where it finds none: :mod:`pipeline.io.html`); a single-document file may be compressed as
JSON lines can (``page.html.gz``). A record that cannot be read carries the status and reason that
say why, so the run accounts for it instead of losing it.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

import zstandard

from pipeline.core.document import Status, site_of
from pipeline.io.encoding import DecodeError, decode, decode_html, plain_utf8
from pipeline.io.html import page_text
from pipeline.io.ids import COMPRESSIONS, HTML_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, SUFFIXES, file_id, record_id
from pipeline.io.records import (
    EMPTY,
    LINE_TOO_LONG,
    MALFORMED_JSON,
    NO_CONTENT,
    OUTSIDE_INPUT,
    TOO_LARGE,
    UNREADABLE,
    Keys,
    Limits,
    Markup,
    RawRecord,
    from_fields,
)

# Rows read from a Parquet input at a time: bounded memory whatever the file size.
PARQUET_BATCH_ROWS = 256
# Compressed bytes decompressed at a time from a .zst input: zstd expands at most ~33,000 times,
# so a crafted file costs at most ~64 MB at once.
ZSTD_INPUT_BYTES = 2048
# Bytes read at a time where a line may be longer than any document (counting, skipping).
READ_CHUNK_BYTES = 1 << 20
# What record_sites says of a record whose URL is known only once its HTML is extracted: any site
# (none is empty: site_of gives None for a URL without a host).
ANY_SITE = ""


def source_name(path: Path, raw_dir: Path) -> str:
    """``path`` relative to ``raw_dir``, as text: a name byte that is not UTF-8 is written ``\\xff``
    (the file system's names are bytes; outputs are UTF-8 and cannot hold the surrogate Python
    decodes such a byte to)."""
    relative = os.fsencode(path.relative_to(raw_dir).as_posix())
    return relative.decode("utf-8", "backslashreplace")


class Found(NamedTuple):
    files: list[Path]  # every supported input, in a stable (sorted) order
    skipped: list[dict[str, str]]  # every other entry met, {"path", "reason"}, for the manifest


def discover(raw_dir: Path, *, exclude: Iterable[Path] = ()) -> Found:
    """The inputs under ``raw_dir``, and what was passed over and why: hidden files and folders,
    files no reader takes, what is not a regular file, links to nothing, folders that cannot be
    listed, and the ``exclude`` folders (the run's own outputs, when they lie inside ``raw_dir``)."""
    outputs = {Path(p).resolve() for p in exclude}
    files: list[Path] = []
    skipped: list[dict[str, str]] = []

    def skip(path: Path, reason: str) -> None:
        skipped.append({"path": source_name(path, raw_dir), "reason": reason})

    for top, dirs, names in os.walk(raw_dir, onerror=lambda e: skip(Path(e.filename), f"cannot list: {e.strerror}")):
        here = Path(top)
        for name in list(dirs):
            path = here / name
            why = ("hidden" if name.startswith(".") else "a link to a folder (not followed)" if path.is_symlink()
                   else "an output folder of this run" if path.resolve() in outputs else None)
            if why:
                dirs.remove(name)
                skip(path, why)
        for name in names:
            path = here / name
            if name.startswith("."):
                skip(path, "hidden")
            elif not name.lower().endswith(SUFFIXES):
                skip(path, "no reader for this kind of file")
            elif not path.exists():
                skip(path, "a link to nothing")
            elif not path.is_file():
                skip(path, "not a regular file")
            else:
                files.append(path)
    files.sort(key=lambda p: p.relative_to(raw_dir).as_posix())
    return Found(files, sorted(skipped, key=lambda s: s["path"]))


def count_records(path: Path) -> int:
    """How many records ``path`` holds, cheaply, for the progress bar."""
    name = path.name.lower()
    try:
        if name.endswith(JSONL_SUFFIXES):
            with open_input(path) as fh:
                return _count_lines(fh)
        if name.endswith(PARQUET_SUFFIXES):
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
    except DECOMPRESSION_ERRORS + (ValueError,):
        return 1
    return 1


def open_input(path: Path) -> IO[bytes]:
    """``path`` opened for reading bytes, decompressed as its suffix says (.gz, .zst, .bz2, .xz)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    if name.endswith(".zst"):
        return io.BufferedReader(_ZstdFrames(open(path, "rb")), READ_CHUNK_BYTES)
    return open(path, "rb")


class _ZstdFrames(io.RawIOBase):
    """A zstd file's frames, decompressed one after the other; a file that ends inside a frame
    raises EOFError, as gzip does (zstandard's own stream reader ends quietly there, and a
    truncated file would lose its last records without a word)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw, self._new = raw, zstandard.ZstdDecompressor().decompressobj
        self._frame, self._in_frame = self._new(), False
        self._pending, self._at = memoryview(b""), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._at == len(self._pending):
            chunk = self._raw.read(ZSTD_INPUT_BYTES)
            if not chunk:
                if self._in_frame:
                    raise EOFError("the zstd file ends inside a frame (truncated)")
                return 0
            self._pending, self._at = memoryview(self._feed(chunk)), 0
        size = min(len(buffer), len(self._pending) - self._at)
        buffer[:size] = self._pending[self._at:self._at + size]
        self._at += size
        return size

    def _feed(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            out.append(self._frame.decompress(chunk))
            self._in_frame = not self._frame.eof
            chunk = b"" if self._in_frame else self._frame.unused_data
            if not self._in_frame:
                self._frame = self._new()
        return b"".join(out)

    def close(self) -> None:
        self._raw.close()
        super().close()


# What a damaged or truncated compressed input raises while it is read.
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)


def _count_lines(fh: IO[bytes]) -> int:
    """The non-blank lines of ``fh``, read a chunk at a time: a line of gigabytes (a gzip bomb
    expands to one) is never held whole."""
    count, content = 0, False
    while chunk := fh.readline(READ_CHUNK_BYTES):
        content = content or bool(chunk.strip())
        if chunk.endswith(b"\n"):
            count, content = count + content, False
    return count + content


def outside(path: Path, raw_dir: Path) -> bool:
    """``path`` is a link to a file outside ``raw_dir`` (or it cannot be resolved)."""
    try:
        return not path.resolve(strict=True).is_relative_to(raw_dir.resolve(strict=True))
    except (OSError, RuntimeError):  # a dangling link or a loop
        return True


def read_records(path: Path, raw_dir: Path, *, max_document_bytes: int | None,
                 max_line_chars: int | None, follow_symlinks: bool = False, text_key: str = "text",
                 id_key: str = "id", url_key: str = "url", defer_html: bool = False) -> Iterator[RawRecord]:
    """The records of one input file, lazily, each readable or rejected with a reason. A link to
    a file outside ``raw_dir`` is not read unless ``follow_symlinks``: its one record fails. The
    ``*_key`` arguments say which field of a JSON or Parquet record holds what (see :class:`Keys`).
    With ``defer_html``, an HTML page's article is not extracted here: the record carries its
    :class:`~pipeline.io.records.Markup` for :func:`extract` (a run's workers extract, in parallel)."""
    source = source_name(path, raw_dir)
    name = path.name.lower()
    if not follow_symlinks and outside(path, raw_dir):
        record = RawRecord(id=file_id(source), source=source, position=0)
        yield record.reject(Status.FAILED, OUTSIDE_INPUT,
                            f"{source} links outside the input folder; not read (--follow-symlinks reads it)")
        return
    limits = Limits(max_document_bytes, max_line_chars)
    keys = Keys(text_key, id_key, url_key)
    if name.endswith(JSONL_SUFFIXES):
        yield from _read_jsonl(path, source, limits, keys)
    elif name.endswith(PARQUET_SUFFIXES):
        yield from _read_parquet(path, source, limits, keys)
    else:
        yield _read_single(path, source, limits, html=name.endswith(HTML_SUFFIXES), defer=defer_html)


def extract(record: RawRecord) -> RawRecord:
    """``record`` with its deferred HTML page's article extracted (or rejected saying why); any
    other record as it is."""
    if record.markup is None:
        return record
    markup, record.markup = record.markup, None
    return _from_html(record, markup.html, markup.limits)


def record_sites(path: Path, raw_dir: Path, *, max_document_bytes: int | None, follow_symlinks: bool = False,
                 url_key: str = "url") -> Iterator[str | None]:
    """The site (:func:`~pipeline.core.document.site_of` its URL) of each record of ``path``,
    from the URL fields alone (a JSON line is parsed, a Parquet file's URL columns read, nothing
    else checked): None for a record without one, :data:`ANY_SITE` for one whose URL is known
    only once its HTML is extracted. A record with a site here may still be rejected by
    :func:`read_records`, but every record it reads with a site has that site here."""
    name = path.name.lower()
    if not follow_symlinks and outside(path, raw_dir):
        yield None
        return
    keys = Keys(url=url_key)
    if name.endswith(JSONL_SUFFIXES):
        try:
            with open_input(path) as fh:
                for _, line in _jsonl_lines(fh, Limits(max_document_bytes, None)):
                    if isinstance(line, int):  # too long: dropped unread
                        yield None
                    elif line.strip():
                        yield _json_site(line, keys)
        except DECOMPRESSION_ERRORS:  # read_records rejects the rest of the file
            yield None
    elif name.endswith(PARQUET_SUFFIXES):
        yield from _parquet_sites(path, keys)
    else:
        yield ANY_SITE if name.endswith(HTML_SUFFIXES) else None


def _json_site(line: bytes, keys: Keys) -> str | None:
    """The site of the JSON line's record, its URL read as :func:`_jsonl_record` reads it; None
    for a line that is no readable record."""
    try:
        text = plain_utf8(line)
        obj = json.loads(decode(line).text if text is None else text)
    except (DecodeError, ValueError, RecursionError):
        return None
    return _fields_site(obj, keys)


def _fields_site(obj: object, keys: Keys) -> str | None:
    """The site of a parsed record's URL, as :func:`~pipeline.io.records.from_fields` reads it."""
    if not isinstance(obj, dict):
        return None
    url = keys.first(obj, keys.urls)
    return site_of(url) if isinstance(url, str) else None


def _parquet_sites(path: Path, keys: Keys) -> Iterator[str | None]:
    """The sites of a Parquet file's records, reading only the columns their URL can be in; the
    rows of a row group that cannot be read so are each of any site."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        names = set(parquet.schema_arrow.names)
        sizes = [parquet.metadata.row_group(group).num_rows for group in range(parquet.num_row_groups)]
    except Exception:  # noqa: BLE001 - read_records rejects the file
        yield None
        return
    columns = sorted(names & {part for key in keys.urls for part in (key, key.split(".")[0])})
    for group, rows in enumerate(sizes):
        if not columns:
            yield from [None] * rows
            continue
        read = 0
        try:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[group], columns=columns):
                for obj in batch.to_pylist():
                    read += 1
                    yield _fields_site(obj, keys)
        except Exception:  # noqa: BLE001 - read_records reads what it can of the group
            yield from [ANY_SITE] * (rows - read)


def _read_single(path: Path, source: str, limits: Limits, *, html: bool, defer: bool = False) -> RawRecord:
    record = RawRecord(id=file_id(source), source=source, position=0)
    try:
        if path.name.lower().endswith(COMPRESSIONS):
            data = _read_compressed(path, limits)
        else:
            size = path.stat().st_size
            data = size if limits.too_large(size) else path.read_bytes()
        if isinstance(data, int):  # too large: its size, and it was not read (or held) whole
            record.input_bytes = data
            return record.reject(Status.DROPPED, TOO_LARGE, limits.too_large(data))
    except DECOMPRESSION_ERRORS as exc:
        return record.reject(Status.FAILED, UNREADABLE,
                             f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}")
    record.input_bytes = len(data)
    record.content_hash = hashlib.sha256(data).hexdigest()
    try:
        decoded = decode_html(data) if html else decode(data)
    except DecodeError as exc:
        return record.reject(Status.FAILED, exc.reason, str(exc))
    record.encoding = decoded.encoding
    text = decoded.text
    if html and defer:
        record.markup = Markup(text, limits)
        return record
    if html:
        return _from_html(record, text, limits)
    if not text.strip():
        return record.reject(Status.DROPPED, EMPTY, "no text: the file is empty or whitespace")
    if (why := limits.long_line(text)) is not None:
        return record.reject(Status.DROPPED, LINE_TOO_LONG, why)
    record.text = text
    return record


def _read_compressed(path: Path, limits: Limits) -> bytes | int:
    """A compressed single-document file's bytes, decompressed; or, over ``max_document_bytes``,
    its decompressed size, read a chunk at a time and never held whole (a gzip bomb costs no memory)."""
    bound = limits.max_document_bytes
    with open_input(path) as fh:
        data = fh.read() if bound is None else fh.read(bound + 1)
        if bound is None or len(data) <= bound:
            return data
        size = len(data)
        while chunk := fh.read(READ_CHUNK_BYTES):
            size += len(chunk)
        return size


def _from_html(record: RawRecord, html: str, limits: Limits) -> RawRecord:
    if not html.strip():
        return record.reject(Status.DROPPED, EMPTY, "no text: the file is empty or whitespace")
    page = page_text(html)
    record.extraction = page.extraction
    if not page.text.strip():
        return record.reject(Status.DROPPED, NO_CONTENT, "no text: trafilatura found none and the page shows none")
    if (why := limits.long_line(page.text)) is not None:
        return record.reject(Status.DROPPED, LINE_TOO_LONG, why)
    record.text, record.title, record.url = page.text, page.title, page.url
    return record


def _read_jsonl(path: Path, source: str, limits: Limits, keys: Keys) -> Iterator[RawRecord]:
    line_no = 0
    try:
        with open_input(path) as fh:
            for line_no, line in _jsonl_lines(fh, limits):
                if isinstance(line, int):
                    yield _too_long_line(source, line_no, line, limits)
                elif line.strip():
                    yield _jsonl_record(line, source, line_no, limits, keys)
    except DECOMPRESSION_ERRORS as exc:
        position = line_no + 1
        record = RawRecord(id=record_id(None, source, position), source=source, position=position)
        yield record.reject(Status.FAILED, UNREADABLE,
                            f"cannot read {source} after line {line_no}: {exc}")


def _jsonl_lines(fh: IO[bytes], limits: Limits) -> Iterator[tuple[int, bytes | int]]:
    """Each line of ``fh`` with its number; a line over ``max_document_bytes`` as its size in
    bytes instead, read past but never held whole (a line is read up to one byte past the limit)."""
    bound = -1 if limits.max_document_bytes is None else limits.max_document_bytes + 1
    line_no = 0
    while raw_line := fh.readline(bound):
        line_no += 1
        if len(raw_line) == bound and not raw_line.endswith(b"\n"):
            yield line_no, len(raw_line) + _skip_line(fh)
        else:
            yield line_no, raw_line


def _skip_line(fh: IO[bytes]) -> int:
    """Read past the rest of the current line, a chunk at a time; how many bytes that was."""
    skipped = 0
    while chunk := fh.readline(READ_CHUNK_BYTES):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _too_long_line(source: str, line_no: int, size: int, limits: Limits) -> RawRecord:
    """The record of a JSONL line over max_document_bytes, read past but never held whole."""
    record = RawRecord(id=record_id(None, source, line_no), source=source, position=line_no, input_bytes=size)
    return record.reject(Status.DROPPED, TOO_LARGE, f"line {line_no}: {limits.too_large(size)}")


def _jsonl_record(raw_line: bytes, source: str, line_no: int, limits: Limits, keys: Keys) -> RawRecord:
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
    return from_fields(record, obj, limits, keys)


def _read_parquet(path: Path, source: str, limits: Limits, keys: Keys) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        sizes = [parquet.metadata.row_group(group).num_rows for group in range(parquet.num_row_groups)]
    except Exception as exc:  # pyarrow raises many types for corrupt files
        record = RawRecord(id=record_id(None, source, 1), source=source, position=1)
        yield record.reject(Status.FAILED, UNREADABLE, f"cannot read {source}: {exc}")
        return
    row = 0
    # Row group by row group: a damaged one costs its own rows (each a failed record), not the file's.
    for group, rows in enumerate(sizes):
        end = row + rows
        try:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[group]):
                for obj in batch.to_pylist():
                    row += 1
                    yield _parquet_record(obj, source, row, limits, keys)
        except Exception as exc:  # noqa: BLE001 - the damage is this group's, the rest is read
            why = f"cannot read row group {group} of {source} (rows {row + 1}-{end}): {type(exc).__name__}: {exc}"
            for position in range(row + 1, end + 1):
                record = RawRecord(id=record_id(None, source, position), source=source, position=position)
                yield record.reject(Status.FAILED, UNREADABLE, why)
            row = end


def _parquet_record(obj: dict, source: str, row: int, limits: Limits, keys: Keys) -> RawRecord:
    record = RawRecord(id=record_id(None, source, row), source=source, position=row)
    text = keys.get(obj, keys.text)
    size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else 0
    record.input_bytes = size
    record.content_hash = hashlib.sha256(
        json.dumps(obj, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
    ).hexdigest()
    if (why := limits.too_large(size)) is not None:
        return record.reject(Status.DROPPED, TOO_LARGE, f"row {row}: {why}")
    return from_fields(record, obj, limits, keys)
