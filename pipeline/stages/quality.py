"""Quality signals measured on the text before and after cleaning."""

from __future__ import annotations

import re
from typing import ClassVar

from pipeline.document import Document
from pipeline.render import cleaned_text
from pipeline.stages import Stage

# WCXB and the Gopher rules count words as runs of word characters.
WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


class QualitySignals(Stage):
    name: ClassVar[str] = "quality"
    requires: ClassVar[frozenset[str]] = frozenset({"boilerplate"})
    adds: ClassVar[frozenset[str]] = frozenset({"signals.quality"})

    def __call__(self, doc: Document) -> None:
        cleaned = cleaned_text(doc)
        removed = doc.removed_mask().count(1)
        boilerplate = doc.removed_mask(stage="boilerplate").count(1)
        doc.signals.update(
            chars_in=len(doc.text),
            chars_out=len(cleaned),
            words_in=count_words(doc.text),
            words_out=count_words(cleaned),
            chars_removed=removed,
            boilerplate_chars=boilerplate,
            boilerplate_ratio=round(boilerplate / len(doc.text), 6) if doc.text else 0.0,
            annotations=len(doc.annotations),
        )
