"""The decide step: the only place thresholds turn signals into keep or drop.

Every check reads one signal, compares it with one named threshold, and on failure
adds its reason ``"<set>.<rule>"``; all failing reasons are recorded, not just the
first. The Gopher, C4 and FineWeb checks use datatrove's parameter names, defaults
and reason names, so a document is dropped here exactly when datatrove's filter of
the same name would drop the cleaned text.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.config import ConfigError
from pipeline.document import Document, Status
from pipeline.stages.quality import REPETITION_SIGNALS

MIN_WORDS = "decide.min_words"
MAX_BOILERPLATE_RATIO = "decide.max_boilerplate_ratio"
MAX_SPUN_SCORE = "decide.max_spun_score"
FILTER_SETS = ("gopher_quality", "gopher_repetition", "c4", "fineweb")


@dataclass(frozen=True, slots=True)
class Check:
    signal: str
    fails: Callable[[float, float], bool]  # (value, threshold) -> the document fails
    threshold: float | None
    reason: str

    def failed(self, signals: dict[str, float | None]) -> bool:
        value = signals.get(self.signal)
        # A missing value (no words to average, say) fails nothing, as NaN does in datatrove.
        return self.threshold is not None and value is not None and self.fails(value, self.threshold)


_LT, _GT = operator.lt, operator.gt


def gopher_quality_checks(*, min_doc_words, max_doc_words, min_avg_word_length, max_avg_word_length,
                          max_symbol_word_ratio, max_bullet_lines_ratio, max_ellipsis_lines_ratio,
                          max_non_alpha_words_ratio, min_stop_words) -> list[Check]:
    r = "gopher_quality."
    return [
        Check("gopher_doc_words", _LT, min_doc_words, r + "gopher_short_doc"),
        Check("gopher_doc_words", _GT, max_doc_words, r + "gopher_long_doc"),
        Check("gopher_avg_word_length", _LT, min_avg_word_length, r + "gopher_below_avg_threshold"),
        Check("gopher_avg_word_length", _GT, max_avg_word_length, r + "gopher_above_avg_threshold"),
        Check("gopher_hash_word_ratio", _GT, max_symbol_word_ratio, r + "gopher_too_many_hashes"),
        Check("gopher_ellipsis_word_ratio", _GT, max_symbol_word_ratio, r + "gopher_too_many_ellipsis"),
        Check("gopher_bullet_lines_ratio", _GT, max_bullet_lines_ratio, r + "gopher_too_many_bullets"),
        Check("gopher_end_ellipsis_lines_ratio", _GT, max_ellipsis_lines_ratio, r + "gopher_too_many_end_ellipsis"),
        Check("gopher_alpha_words_ratio", _LT, max_non_alpha_words_ratio, r + "gopher_below_alpha_threshold"),
        Check("gopher_stop_words", _LT, min_stop_words, r + "gopher_enough_stop_words"),
    ]


def gopher_repetition_checks(**thresholds: float | None) -> list[Check]:
    if set(thresholds) != set(REPETITION_SIGNALS):
        raise TypeError(f"gopher_repetition thresholds must be exactly: {', '.join(REPETITION_SIGNALS)}")
    return [Check(name, _GT, thresholds[name], f"gopher_repetition.{name}") for name in REPETITION_SIGNALS]


def c4_checks(*, filter_lorem_ipsum: bool, filter_curly_bracket: bool, min_num_sentences: int | None) -> list[Check]:
    return [
        Check("c4_lorem_ipsum", _GT, 0 if filter_lorem_ipsum else None, "c4.lorem_ipsum"),
        Check("c4_curly_bracket", _GT, 0 if filter_curly_bracket else None, "c4.curly_bracket"),
        Check("c4_sentences", _LT, min_num_sentences, "c4.too_few_sentences"),
    ]


def fineweb_checks(*, line_punct_thr, line_punct_exclude_zero: bool, short_line_thr, char_duplicates_ratio,
                   new_line_ratio) -> list[Check]:
    def punct_fails(value: float, threshold: float) -> bool:
        return value < threshold and not (value == 0 and line_punct_exclude_zero)

    return [
        Check("line_punct_ratio", punct_fails, line_punct_thr, "fineweb.line_punct_ratio"),
        Check("short_line_ratio", _GT, short_line_thr, "fineweb.short_line_ratio"),
        Check("char_dup_ratio", _GT, char_duplicates_ratio, "fineweb.char_dup_ratio"),
        Check("list_ratio", _GT, new_line_ratio, "fineweb.list_ratio"),
    ]


_BUILDERS = {
    "gopher_quality": gopher_quality_checks,
    "gopher_repetition": gopher_repetition_checks,
    "c4": c4_checks,
    "fineweb": fineweb_checks,
}


class Decide:
    """Keep a document unless a check fails; record every failing check's reason."""

    def __init__(self, *, min_words: int | None = 50, max_boilerplate_ratio: float | None = None,
                 max_spun_score: float | None = None,
                 filters: list[str] | tuple[str, ...] = (), **filter_thresholds: dict[str, Any]) -> None:
        unknown = set(filters) - set(FILTER_SETS)
        if unknown:
            raise ConfigError(f"unknown filter set(s) {sorted(unknown)}; known: {', '.join(FILTER_SETS)}")
        self.filters = tuple(filters)
        self.checks = [
            Check("words_out", _LT, min_words, MIN_WORDS),
            Check("boilerplate_ratio", _GT, max_boilerplate_ratio, MAX_BOILERPLATE_RATIO),
            Check("spun_score", _GT, max_spun_score, MAX_SPUN_SCORE),
        ]
        for name in self.filters:
            self.checks += _BUILDERS[name](**filter_thresholds[name])

    @classmethod
    def from_config(cls, config: dict[str, dict[str, Any]]) -> Decide:
        return cls(**config["decide"], **{name: config[name] for name in FILTER_SETS})

    @property
    def thresholds(self) -> dict[str, list[tuple[str, float]]]:
        """signal -> the (reason, threshold) pairs that apply to it, for reports."""
        out: dict[str, list[tuple[str, float]]] = {}
        for check in self.checks:
            if check.threshold is not None:
                out.setdefault(check.signal, []).append((check.reason, check.threshold))
        return out

    def __call__(self, doc: Document) -> Document:
        doc.reasons = [check.reason for check in self.checks if check.failed(doc.signals)]
        doc.status = Status.DROPPED if doc.reasons else Status.KEPT
        return doc
