"""Renderers: apply a document's annotations to produce the cleaned text.

Removals and replacements are applied in one pass over merged spans; a replacement
that overlaps a removal, or an earlier replacement, is moot. The only edit not
described by an annotation is the whitespace an edit leaves at its edges (a double
space, a space at a line's edge, a run of blank lines), tidied where the edit joined two
pieces, so the output keeps the normalized shape and a code line keeps its indentation.
"""

from __future__ import annotations

import re

from pipeline.core.document import Action, Document

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
    if not edits:
        return doc.text
    out: list[str] = []
    pos = 0
    text = doc.text
    for start, end, replacement in [*sorted(edits, key=lambda e: (e[0], e[1])), (len(text), len(text), None)]:
        # A piece that starts where a line of the text starts keeps its indentation (a code line's).
        _join(out, text[pos:start], own_line=pos == 0 or text[pos - 1] == "\n")
        if replacement:
            _join(out, replacement, own_line=False)
        pos = max(pos, end)
    return _BLANK_RUNS.sub("\n\n", "".join(out)).lstrip("\n").rstrip()


def _join(out: list[str], piece: str, *, own_line: bool) -> None:
    """Append ``piece`` where an edit joined it to ``out``, tidying the junction only: one space
    where two met, none at a line's edge or before closing punctuation ("or , miss" becomes
    "or, miss"). ``own_line``: the piece starts a line of the text, its leading spaces are its own."""
    if not piece:
        return
    if out:
        left = out[-1]
        if piece.startswith(" ") and (left.endswith((" ", "\n")) or not left) and not own_line:
            piece = piece.lstrip(" ")
        if piece.startswith(("\n", *_CLOSING_PUNCT)) or not piece:
            out[-1] = left.rstrip(" ")
    elif not own_line:
        piece = piece.lstrip(" ")
    if piece:
        out.append(piece)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    # ``spans`` are few per document; a linear scan is clearer than bisect here.
    return any(s < end and start < e for s, e in spans)
