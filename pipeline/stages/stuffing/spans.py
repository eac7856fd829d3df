"""What a removed copy takes with it: the marks, punctuation and separator that only existed to attach it."""

from __future__ import annotations

import re

from pipeline.core.document import Document
from pipeline.stages.segment import block_removal_span
from pipeline.stages.stuffing.candidates import Instance
from pipeline.stages.stuffing.text import SEPARATOR, ends_sentence, wrapping
from pipeline.text.words import PHRASE_WORD

_SEPARATOR_AT_END = re.compile(SEPARATOR.pattern + "$")


def removal_span(doc: Document, inst: Instance) -> tuple[int, int]:
    """``inst`` (copies said back to back included) with what attached it: a line holding nothing
    else goes whole; a copy's wrapping marks go with it; the punctuation after it goes when it
    was a sentence of its own or led into the line (", : ;" always); a separator or comma before
    it goes when nothing follows it or it ended a sentence (" | Phrase", "text, Phrase.")."""
    block = doc.blocks[inst.block]
    start, end = inst.start, inst.end
    opening, closing = wrapping(doc.text[block.start:start], doc.text[end:block.end])
    if opening:
        start, end = start - opening, end + closing[1]
    before, after = doc.text[block.start:start], doc.text[end:block.end]
    if not PHRASE_WORD.search(before) and not PHRASE_WORD.search(after):
        return block_removal_span(doc, inst.block, inst.block)
    lead_in = not PHRASE_WORD.search(before)
    finished = ends_sentence(before)
    own_sentence = lead_in or finished
    trailing = re.match(r"[.!?]|[,;:]|\s+[-–—|~]", after)
    if trailing and (own_sentence or trailing.group()[-1] in ",;:" or (lead_in and trailing.group().strip())):
        end += trailing.end()
    elif trailing and not own_sentence and (comma := re.search(r",\s*$", before)):
        start -= len(comma.group())  # "the text, Phrase." keeps its period, not the comma
    rest = doc.text[end:block.end]
    if not rest.strip():
        separator = None if finished else _SEPARATOR_AT_END.search(before)
        start -= len(separator.group()) if separator else len(before) - len(before.rstrip(" "))
    elif own_sentence:
        end += len(rest) - len(rest.lstrip(" "))
    elif before.endswith(" ") and rest.startswith(" "):
        end += 1  # "the text,  Phrase, more" would keep two spaces
    return start, end
