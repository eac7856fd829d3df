"""A trigram language model of general US English: CMU Sphinx's ``en-us.lm.bin``, which
the ``pocketsphinx`` wheel on PyPI ships (so nothing is downloaded at run time).

The compiled core (``rust/src/lm.rs``) maps the file (27 MB; its pages are read as queries need
them and shared by the processes of a run) and answers as pocketsphinx does, value for value, in
about half a microsecond per n-gram. Words are
lower case, without punctuation; a word outside its vocabulary has no probability (``None``).
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

from pipeline._core import TrigramLm

# The model's log probabilities are in pocketsphinx's LogMath base, 1.0001: one unit = ln(1.0001) nats.
NATS_PER_UNIT = math.log(1.0001)
# Below this a probability is LogMath's log of zero.
LOG_ZERO = -(1 << 28)
# Words whose unigram log probability is remembered (then the memory starts again).
UNIGRAM_CACHE_WORDS = 200_000


class TrigramModel:
    def __init__(self) -> None:
        import pocketsphinx

        self.path = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")
        self.compiled = TrigramLm(self.path, log_zero=LOG_ZERO, nats_per_unit=NATS_PER_UNIT)
        self._unigrams: dict[str, float | None] = {}

    def logprob(self, word: str, *history: str) -> float | None:
        """ln P(word | history), history in reading order (the last one or two words count)."""
        return self.prob(word, *reversed(history[-2:]))

    def prob(self, word: str, *history: str) -> float | None:
        """``logprob`` with the history nearest first and at most two words long: ``prob(w, b, a)``
        is ln P(w | a b)."""
        return self.compiled.ln_prob(word, *history)

    def unigram(self, word: str) -> float | None:
        """``logprob(word)``, remembered: a corpus asks for the same words again and again."""
        try:
            return self._unigrams[word]
        except KeyError:
            found = self._unigrams[word] = self.logprob(word)
            if len(self._unigrams) > UNIGRAM_CACHE_WORDS:
                self._unigrams.clear()
            return found

    def known(self, word: str) -> bool:
        return self.prob(word) is not None


@lru_cache(maxsize=1)
def trigram_model() -> TrigramModel:
    return TrigramModel()
