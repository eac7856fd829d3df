"""The decide step: the only place thresholds turn signals into keep or drop."""

from __future__ import annotations

from pipeline.document import Document, Status

STAGE = "decide"
MIN_WORDS = "decide.min_words"
MAX_BOILERPLATE_RATIO = "decide.max_boilerplate_ratio"


class Decide:
    """Keep a document unless a configured threshold says otherwise; record every reason."""

    def __init__(self, *, min_words: int | None = 50, max_boilerplate_ratio: float | None = None) -> None:
        self.min_words = min_words
        self.max_boilerplate_ratio = max_boilerplate_ratio

    @property
    def thresholds(self) -> dict[str, float | None]:
        return {"words_out": self.min_words, "boilerplate_ratio": self.max_boilerplate_ratio}

    def __call__(self, doc: Document) -> Document:
        reasons = []
        words = doc.signals.get("words_out", 0)
        if self.min_words is not None and words < self.min_words:
            reasons.append(MIN_WORDS)
        ratio = doc.signals.get("boilerplate_ratio", 0.0)
        if self.max_boilerplate_ratio is not None and ratio > self.max_boilerplate_ratio:
            reasons.append(MAX_BOILERPLATE_RATIO)
        doc.reasons = reasons
        doc.status = Status.DROPPED if reasons else Status.KEPT
        return doc
