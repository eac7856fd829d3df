"""The decide step: the only place thresholds turn signals into keep or drop.

Every check reads one signal, compares it with one named threshold, and on failure
adds its reason ``"<set>.<rule>"``; all failing reasons are recorded, not just the
first. The Gopher, C4 and FineWeb checks use datatrove's parameter names, defaults
and reason names, so a document is dropped here exactly when datatrove's filter of
the same name would drop the cleaned text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.core.config import ConfigError
from pipeline.core.document import Document, Status

MIN_WORDS = "decide.min_words"
MAX_BOILERPLATE_RATIO = "decide.max_boilerplate_ratio"
MAX_SPUN_SCORE = "decide.max_spun_score"
FILTER_SETS = ("gopher_quality", "gopher_repetition", "c4", "fineweb")
# Gopher repetition's n-gram sizes ("top" n-grams and "duplicated" n-grams) and its signals, named
# as datatrove names the checks on them (the quality stage measures them under these names).
TOP_NGRAM_SIZES = (2, 3, 4)
DUP_NGRAM_SIZES = (5, 6, 7, 8, 9, 10)
REPETITION_SIGNALS = (
    "dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac",
    *(f"top_{n}_gram" for n in TOP_NGRAM_SIZES), *(f"duplicated_{n}_n_grams" for n in DUP_NGRAM_SIZES),
)


@dataclass(frozen=True, slots=True)
class Check:
    """A document fails when ``signal <op> threshold`` ("<" or ">"); a threshold of None is off."""

    signal: str
    op: str
    threshold: float | None
    reason: str
    # FineWeb's line_punct_exclude_zero: a value of exactly 0 passes.
    zero_passes: bool = False

    def __post_init__(self) -> None:
        if self.op not in ("<", ">"):
            raise ValueError(f"a check compares with '<' or '>', not {self.op!r}")

    def fails(self, value: float) -> bool:
        if self.zero_passes and value == 0:
            return False
        return value < self.threshold if self.op == "<" else value > self.threshold

    def failed(self, signals: dict[str, float | None]) -> bool:
        value = signals.get(self.signal)
        # A missing value (no words to average, say) fails nothing, as NaN does in datatrove.
        return self.threshold is not None and value is not None and self.fails(value)

    @property
    def rule(self) -> str:
        """The failing condition as a reader sees it: "fails if < 50"."""
        return f"fails if {self.op} {self.threshold:g}" + (" (0 passes)" if self.zero_passes else "")


_LT, _GT = "<", ">"


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
    return [
        Check("line_punct_ratio", _LT, line_punct_thr, "fineweb.line_punct_ratio", zero_passes=line_punct_exclude_zero),
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
        self.checks: list[Check] = [
            Check("words_out", _LT, min_words, MIN_WORDS),
            Check("boilerplate_ratio", _GT, max_boilerplate_ratio, MAX_BOILERPLATE_RATIO),
            Check("spun_score", _GT, max_spun_score, MAX_SPUN_SCORE),
        ]
        # The filter sets that do not decide are still measured; reports show how they would judge.
        self.advisory: list[Check] = []
        for name in FILTER_SETS:
            if name in self.filters:
                self.checks += _BUILDERS[name](**filter_thresholds[name])
            elif name in filter_thresholds:
                self.advisory += _BUILDERS[name](**filter_thresholds[name])

    @classmethod
    def from_config(cls, config: dict[str, dict[str, Any]]) -> Decide:
        return cls(**config["decide"], **{name: config[name] for name in FILTER_SETS})

    @property
    def all_checks(self) -> list[tuple[Check, bool]]:
        """Every check with a threshold, and whether it decides (False: a filter set not listed)."""
        return [(check, deciding) for checks, deciding in ((self.checks, True), (self.advisory, False))
                for check in checks if check.threshold is not None]

    def __call__(self, doc: Document) -> Document:
        doc.reasons = [check.reason for check in self.checks if check.failed(doc.signals)]
        doc.status = Status.DROPPED if doc.reasons else Status.KEPT
        return doc
