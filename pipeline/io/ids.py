"""Document ids: safe, portable file names, unique within a run."""

from __future__ import annotations

import hashlib
import re

# The inputs by suffix (read by pipeline/io/ingest.py); a file's id is its path without it. Each
# kind but Parquet, plain or compressed: dolma writes documents/*.json.gz, datatrove .jsonl.gz or
# .zst, and a crawl keeps its pages as .html.gz.
COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")


def _compressed(*bases: str) -> tuple[str, ...]:
    return tuple(base + compression for base in bases for compression in COMPRESSIONS)


TEXT_SUFFIXES = (".txt", ".md") + _compressed(".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson") + _compressed(".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet",)
HTML_SUFFIXES = (".html", ".htm") + _compressed(".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES + HTML_SUFFIXES

# Longest document id kept as given; longer ones are shortened and hashed.
MAX_ID_CHARS = 100
# Hex digits of the hash that makes a rewritten id unique.
ID_HASH_CHARS = 10
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
# File names the outputs use for themselves, and names Windows refuses.
RESERVED_IDS = frozenset(
    {"index", "manifest", "signals", "articles", "con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)


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

