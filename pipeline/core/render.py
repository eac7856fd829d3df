"""Renderers: apply a document's annotations to produce the cleaned text.

Removals and replacements are applied in one pass over merged spans; a replacement
that overlaps a removal, or an earlier replacement, is moot. The only edit not
described by an annotation is the whitespace a removal leaves at its edges (double
spaces, blank-line runs), tidied so the output keeps the normalized shape.
"""

from __future__ import annotations

import re

from pipeline.core.document import Action, Document

_SPACE_RUNS = re.compile(r" {2,}")
_SPACE_AT_LINE_EDGE = re.compile(r" +\n|\n +")
_BLANK_RUNS = re.compile(r"\n{3,}")
_CLOSING_PUNCT = (",", ".", ";", ":", "!", "?")


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the same characters as ``spans``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def removed_spans(doc: Document) -> list[tuple[int, int]]:
    """The characters remove annotations cover, as sorted non-overlapping spans."""
    return merged_spans([(a.start, a.end) for a in doc.annotations if a.action is Action.REMOVE])


def cleaned_text(doc: Document) -> str:
    removals = removed_spans(doc)
    edits = [(start, end, None) for start, end in removals]
    last_end = -1
    for a in sorted((a for a in doc.annotations if a.action is Action.REPLACE), key=lambda a: (a.start, a.end)):
        if a.start >= last_end and not _overlaps(a.start, a.end, removals):
            edits.append((a.start, a.end, a.replacement))
            last_end = a.end
    out: list[str] = []
    pos = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        _append(out, doc.text[pos:start])
        if replacement:
            _append(out, replacement)
        pos = end
    _append(out, doc.text[pos:])
    return tidy("".join(out))


def _append(out: list[str], piece: str) -> None:
    """Append ``piece``; where an edit joined two pieces, drop the space left before
    punctuation ("or , miss" becomes "or, miss")."""
    if out and piece.startswith(_CLOSING_PUNCT):
        out[-1] = out[-1].rstrip(" ")
    out.append(piece)


def tidy(text: str) -> str:
    """Whitespace left where removals joined text: normalized text has none of these
    patterns itself, so the tidy-up touches nothing but the edges of edits."""
    text = _SPACE_RUNS.sub(" ", text)
    text = _SPACE_AT_LINE_EDGE.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    # ``spans`` are few per document; a linear scan is clearer than bisect here.
    return any(s < end and start < e for s, e in spans)
