"""The misfit model's features of each content word: how common it is, how it fits the words on
each side under the trigram model, and how the rest of the document uses it (see the package docstring)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.language.lm import trigram_model
from pipeline.language.nlp import stop_words
from pipeline.text.words import FIT_WORD

# The word model's features of one content word, in this order (a "missing" flag is 1 where
# the value cannot be computed: a word the trigram model does not know, the end of a stretch).
WORD_FEATURES = ("zipf", "unknown", "zipf_before", "zipf_after", "left", "left_missing", "left1", "left1_missing",
                 "right", "right_missing", "right1", "right1_missing", "unigram", "unigram_missing",
                 "document_count", "document_stem_count", "document_slot_others")
# A word's stem when counting how the document uses it (a spinner swaps each occurrence on its
# own): inflections share their first letters often enough (reduce, reduced, reduces). The model
# was fitted with this value; stuffing's CASE_STEM_CHARS (4) answers another question.
USAGE_STEM_CHARS = 5
# The word thresholds are these quantiles of clean training words' scores; the document
# model reads the share of a document's words above each.
WORD_QUANTILES = (0.98, 0.99, 0.995)
# A word above the middle threshold (1 in 100 clean words) is marked as evidence.
EVIDENCE_QUANTILE = 0.99
# Besides those shares, the document model reads the mean of its TOP_WORDS highest word
# scores and the log of its number of words: a share of 2% is one word in 50 but forty in
# 2,000, and a long clean article has more chances of a few odd words.
TOP_WORDS = 10
DOCUMENT_FEATURES = (*(f"share_above_q{q}" for q in WORD_QUANTILES), f"top{TOP_WORDS}_mean", "log_words")


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    """wordfreq's English words and their Zipf frequency (log10 of the count per billion words), made once."""
    from wordfreq import cB_to_freq, get_frequency_list

    # wordfreq keeps its words in buckets of one frequency each (bucket i: -i centibels).
    table = {}
    for index, bucket in enumerate(get_frequency_list("en")):
        value = round(math.log10(cB_to_freq(-index)) + 9.0, 2)
        table.update(dict.fromkeys(bucket, value))
    return table


@dataclass(slots=True)
class Words:
    """The content words of a text a spinner could have swapped, and the word model's features of each."""

    spans: list[tuple[int, int]]
    words: list[str]
    before: list[tuple[str, ...]]  # up to two words before each, in its stretch
    after: list[str | None]  # the word after it
    rows: np.ndarray  # one row of WORD_FEATURES per word


@dataclass(slots=True)
class _Usage:
    """How the whole document uses words: each word and each stem, each pair of words with one
    word between them (a slot), and each slot filled with a given word."""

    words: Counter[str]
    stems: Counter[str]
    slots: Counter[tuple[str, str]]
    filled: Counter[tuple[str, str, str]]


class WordFeatures:
    """How each lower-case content word fits its neighbours under the trigram model, and how common it is.

    A substituted word is usually rarer than the word it replaced and fits neither the words
    before it (``left``: ln P(w | two words before) - ln P(w), ``left1`` with one word) nor
    the word after it (``right``: how much it changes ln P(next | the word before, w),
    ``right1`` with w alone). A spinner also swaps each occurrence on its own, so the word it
    puts in is usually the only one of its kind in the document, while a writer's own rare
    words (a topic's terms) come back: ``document_count`` and ``document_stem_count`` are the
    logs of how often the document uses the word and words of its stem, and
    ``document_slot_others`` how often it puts another word between the same two neighbours
    ("of reduced back" where the rest says "of lower back"; -1 at a stretch's ends).
    Capitalized words (names, sentence starts), short words and stop words are left out:
    spinners leave them alone.
    """

    def __init__(self) -> None:
        self.lm = trigram_model()
        self._stop = stop_words()
        self._zipf = _zipf_table()

    def __call__(self, text: str) -> Words:
        found = Words([], [], [], [], np.zeros((0, len(WORD_FEATURES))))
        rows: list[list[float]] = []
        spans = [m.span() for m in FIT_WORD.finditer(text)]
        lowered = [text[a:b].lower() for a, b in spans]
        # Stretches: runs of words with one space between each.
        stretches, first = [], 0
        for k in range(1, len(spans) + 1):
            if k == len(spans) or spans[k][0] != spans[k - 1][1] + 1 or text[spans[k - 1][1]] != " ":
                if k - first > 1:
                    stretches.append((first, k))
                first = k
        # Word triples inside stretches: the first and last of each is a slot, the middle word fills it.
        triples = [triple for a, b in stretches
                   for triple in zip(lowered[a:b], lowered[a + 1:b], lowered[a + 2:b], strict=False)]
        usage = _Usage(Counter(lowered), Counter([word[:USAGE_STEM_CHARS] for word in lowered]),
                       Counter([(left, right) for left, _, right in triples]), Counter(triples))
        for a, b in stretches:
            self._stretch(text, spans[a:b], lowered[a:b], usage, found, rows)
        if rows:
            found.rows = np.array(rows, dtype=np.float64)
        return found

    def _stretch(self, text: str, spans: list[tuple[int, int]], t: list[str], usage: _Usage, found: Words,
                 rows: list[list[float]]) -> None:
        prob, unigram, zipf = self.lm.prob, self.lm.unigram, self._zipf.get  # zipf 0 for a word wordfreq has not seen
        n = len(t)
        # ln P(t[j] | two words before) and ln P(t[j] | one word before): word j's left fit and
        # word j - 1's right fit, so each is asked of the model once.
        trigrams: dict[int, float | None] = {}
        bigrams: dict[int, float | None] = {}

        def trigram(j: int) -> float | None:
            if j not in trigrams:
                trigrams[j] = prob(t[j], t[j - 1], t[j - 2]) if j > 1 else prob(t[j], t[0]) if j else prob(t[0])
            return trigrams[j]

        def bigram(j: int) -> float | None:
            if j not in bigrams:
                bigrams[j] = prob(t[j], t[j - 1]) if j else prob(t[0])
            return bigrams[j]

        stop = self._stop
        for i, word in enumerate(t):
            if len(word) < 3 or word in stop or text[spans[i][0]].isupper():
                continue
            row = [zipf(word, 0.0), 0.0, zipf(t[i - 1], 0.0) if i else -1.0, zipf(t[i + 1], 0.0) if i + 1 < n else -1.0,
                   0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0,
                   math.log(usage.words[word]), math.log(usage.stems[word[:USAGE_STEM_CHARS]]),
                   usage.slots[t[i - 1], t[i + 1]] - usage.filled[t[i - 1], word, t[i + 1]] if 0 < i < n - 1 else -1.0]
            alone = unigram(word)
            if alone is None:
                row[1] = 1.0
            else:
                row[12:14] = alone, 0.0
                row[4:6] = trigram(i) - alone, 0.0
                row[6:8] = bigram(i) - alone, 0.0
                if i + 1 < n:
                    # The next word after this one, against after the word before this one.
                    after, before = trigram(i + 1), prob(t[i + 1], t[i - 1]) if i else prob(t[i + 1])
                    if after is not None and before is not None:
                        row[8:10] = after - before, 0.0
                    after1, before1 = bigram(i + 1), unigram(t[i + 1])
                    if after1 is not None and before1 is not None:
                        row[10:12] = after1 - before1, 0.0
            rows.append(row)
            found.spans.append(spans[i])
            found.words.append(word)
            found.before.append(tuple(t[max(0, i - 2):i]))
            found.after.append(t[i + 1] if i + 1 < n else None)
