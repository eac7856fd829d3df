"""Split the normalized text into blocks: one per non-empty line, with its span and indentation."""

from __future__ import annotations

import re

from pipeline.core.document import Block, Document
from pipeline.core.registry import Stage, stage

_LINE = re.compile(r"[^\n]+")


@stage("segment", adds={"blocks"})
class Segment(Stage):

    def __call__(self, doc: Document) -> None:
        doc.blocks = [Block(m.start(), m.end(), m.group()) for m in _LINE.finditer(doc.text)]
        if len(doc.indents) == len(doc.blocks):
            for block, indent in zip(doc.blocks, doc.indents, strict=True):
                block.indent = indent


def block_removal_span(doc: Document, first: int, last: int) -> tuple[int, int]:
    """The span that removes blocks ``first..last`` with the separator that follows them.

    Spans of different runs never overlap, and removing them leaves well-formed
    paragraphs (a run at the very end leaves a separator the renderer trims).
    """
    end = doc.blocks[last + 1].start if last + 1 < len(doc.blocks) else doc.blocks[last].end
    return doc.blocks[first].start, end
