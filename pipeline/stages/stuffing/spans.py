"""What an injected instance takes with it: the punctuation and space that only existed to attach it."""

from __future__ import annotations

import re

from pipeline.core.document import Document
from pipeline.stages.segment import block_removal_span
from pipeline.stages.stuffing.surface import OWN_LINE, Verdict, ends_sentence, with_copies, wrapping
from pipeline.text.words import PHRASE_WORD


def removal_span(doc: Document, verdict: Verdict) -> tuple[int, int]:
    """The instance plus the punctuation and space that only existed to attach it."""
    inst = with_copies(verdict)
    if verdict.kind == OWN_LINE:
        return block_removal_span(doc, inst.block, inst.block)
    block = doc.blocks[inst.block]
    start, end = inst.start, inst.end
    opening, closing = wrapping(doc.text[block.start:start], doc.text[end:block.end])
    if opening:  # the marks go with the copy, and so does punctuation inside them ('"Phrase."')
        start, end = start - opening, end + closing[1]
    before = doc.text[block.start:start]
    after = doc.text[end:block.end]
    trailing = re.match(r"[.!?,;:]?", after).group()
    own_sentence = not PHRASE_WORD.search(before) or ends_sentence(before)
    if trailing and (own_sentence or trailing in ",;:"):
        end += len(trailing)
    rest = doc.text[end:block.end]
    if not rest.strip():
        start -= len(before) - len(before.rstrip(" "))  # nothing follows: take the space before
    elif own_sentence:
        end += len(rest) - len(rest.lstrip(" "))
    return start, end
