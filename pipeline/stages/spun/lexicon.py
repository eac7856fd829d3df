"""Tortured phrases: the lexicons (each entry with its source) and where their entries apply."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline._core import TorturedIndex
from pipeline.core.config import ConfigError, read_user_file
from pipeline.text.sentences import SENTENCE_SPACE
from pipeline.text.words import LEXICON_WORD

BUILTIN_LEXICONS = ("tortured_phrases.csv", "tortured-phrases.csv")
LEXICON_COLUMNS = ("phrase", "expected", "requires_in_document", "requires_in_sentence", "unless_in_document",
                   "unless_in_sentence", "source")
# The shared list writes some entries as search queries: '"a" AND "b"', '"a" NOT "b"', 'NOT c'.
_QUERY_TERM = re.compile(r'(AND|NOT)\s+(?:"([^"]+)"|(\S+))')


class SpunLexiconError(ConfigError):
    pass


@dataclass(frozen=True, slots=True)
class Entry:
    words: tuple[str, ...]
    expected: str
    # Each condition is a tuple of alternatives ("a|b" in the CSV); the document needs one
    # alternative of every group in ``requires_in_document`` (the shared list's AND terms).
    requires_in_document: tuple[tuple[str, ...], ...]
    requires_in_sentence: tuple[str, ...]
    unless_in_document: tuple[str, ...]
    unless_in_sentence: tuple[str, ...]
    source: str


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower().replace("’", "'") for w in LEXICON_WORD.findall(text))


def _alternatives(cell: str) -> tuple[str, ...]:
    return tuple(" ".join(_words(term)) for term in cell.split("|") if _words(term))


def read_lexicon(path: Path | str, *, builtin: bool = False) -> list[Entry]:
    """Entries of our lexicon format, or of the shared tortured-phrases list (detected by its header)."""
    where = f"built-in lexicon {path}" if builtin else str(path)
    text = (resources.files("pipeline").joinpath(f"lexicons/{path}").read_text("utf-8") if builtin
            else read_user_file(path, "spun lexicon"))
    rows = list(csv.DictReader(text.splitlines()))
    if rows and "tortured_phrase" in rows[0]:
        return [_shared_entry(row, where) for row in rows]
    if not rows or set(LEXICON_COLUMNS) - set(rows[0]):
        raise SpunLexiconError(f"{where}: a spun lexicon needs the columns {', '.join(LEXICON_COLUMNS)}")
    entries = []
    for line, row in enumerate(rows, start=2):
        words = _words(row["phrase"])
        if not words or not row["expected"].strip() or not row["source"].strip():
            raise SpunLexiconError(f"{where} line {line}: phrase, expected and source are required")
        required = _alternatives(row["requires_in_document"])
        entries.append(Entry(words, row["expected"].strip(), (required,) if required else (),
                             _alternatives(row["requires_in_sentence"]), _alternatives(row["unless_in_document"]),
                             _alternatives(row["unless_in_sentence"]), row["source"].strip()))
    return entries


def _shared_entry(row: dict[str, str], where: str) -> Entry:
    query = row["tortured_phrase"]
    first = re.match(r'\s*"([^"]+)"', query)
    if not first:
        raise SpunLexiconError(f"{where}: cannot read the phrase of {query!r}")
    requires, unless = [], []
    for op, quoted, bare in _QUERY_TERM.findall(query[first.end():]):
        term = " ".join(_words(quoted or bare))
        if op == "AND":
            requires.append((term,))
        else:
            unless.append(term)
    papers = row.get("num_papers", "").replace(",", "")
    return Entry(_words(first.group(1)), row["expected_phrase"].strip(), tuple(requires), (), tuple(unless), (),
                 f"Problematic Paper Screener tortured phrases ({papers} papers)")


@dataclass(frozen=True, slots=True)
class Index:
    """The lexicons' entries, and where they may apply found by the compiled core
    (``rust/src/tortured.rs``): entries sharing a first word are tried longest first, so a scan
    tries 'muscle mass weak point' before 'muscle mass'."""

    entries: list[Entry]
    compiled: TorturedIndex


@lru_cache(maxsize=8)
def index_of(lexicons: tuple[str, ...]) -> Index:
    by_first: dict[str, list[Entry]] = {}
    for name in lexicons:
        for entry in read_lexicon(name, builtin=name in BUILTIN_LEXICONS):
            by_first.setdefault(entry.words[0], []).append(entry)
    entries = [entry for found in by_first.values() for entry in sorted(found, key=lambda e: -len(e.words))]
    return Index(entries, TorturedIndex([list(entry.words) for entry in entries]))


def find_tortured(kept: str, index: Index) -> list[tuple[int, int, Entry]]:
    """Where lexicon entries of ``index`` (see :func:`index_of`) apply in ``kept``: (start, end, entry).

    At each word (``LEXICON_WORD``, lower case) that starts entries, the longest entry whose words
    follow in one stretch (spaces, hyphens, apostrophes between them) and whose conditions hold;
    a hit's words start no other hit."""
    options, present = index.compiled.options(kept)
    hits, after = [], 0
    for i, found in options:
        if i < after:
            continue
        for entry_id, start, end, n in found:
            entry = index.entries[entry_id]
            if _applies(entry, kept, start, end, present):
                hits.append((start, end, entry))
                after = i + n
                break
    return hits


def _applies(entry: Entry, kept: str, start: int, end: int, present: str) -> bool:
    phrase = " ".join(entry.words)
    if not all(any(f" {term} " in present for term in group) for group in entry.requires_in_document):
        return False
    # "Elsewhere" in the document: the term occurs more often than the phrase itself contains it.
    for term in entry.unless_in_document:
        if present.count(f" {term} ") > present.count(f" {phrase} ") * f" {phrase} ".count(f" {term} "):
            return False
    if entry.requires_in_sentence or entry.unless_in_sentence:
        sentence = " " + " ".join(_words(_sentence_around(kept, start, end))) + " "
        if entry.requires_in_sentence and not any(f" {t} " in sentence for t in entry.requires_in_sentence):
            return False
        if any(f" {term} " in sentence for term in entry.unless_in_sentence):
            return False
    return True


def _sentence_around(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: len(text) if line_end < 0 else line_end]
    cuts = [0] + [m.end() for m in SENTENCE_SPACE.finditer(line)] + [len(line)]
    at = start - line_start
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a <= at < b:
            return line[a:b]
    return line


def match_case(found: str, expected: str) -> str:
    if found[:1].isupper():
        return expected[:1].upper() + expected[1:]
    return expected
