"""The misfit model: gradient-boosted trees over each word's features, and a logistic document
model over their scores, stored in one ``.npz`` (:mod:`pipeline.language.trees`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline._core import TorturedIndex
from pipeline.core.config import ConfigError
from pipeline.language.lm import trigram_model
from pipeline.language.thesauri import phrases
from pipeline.language.trees import Trees, load_model, read_model, write_model
from pipeline.stages.spun.features import BASELINE_QUANTILES, TOP_WORDS, WORD_FEATURES, Words

BUILTIN_MODEL = "spun_words.npz"


class SpunModelError(ConfigError):
    pass


@dataclass(frozen=True, slots=True)
class ThesaurusPhrases:
    """A text's phrases of a model's thesaurus."""

    found: int  # the words that start one (in one stretch)
    # Where each of those that fits the words on both sides worse than it would alone starts and ends.
    misfits: list[tuple[int, int]]


class SpunModel:
    """The word model (trees over ``WORD_FEATURES``: P(a spinner put this word here)) and the
    document model (logistic, over :data:`DOCUMENT_FEATURES`), and the thesaurus whose phrases
    the document model counts (``meta["thesaurus"]``, read when first asked for)."""

    def __init__(self, trees: Trees, meta: dict) -> None:
        self.trees = trees
        self.meta = meta
        self.thresholds = tuple(meta["word_thresholds"])
        self.evidence_threshold = float(meta["evidence_threshold"])
        document = meta["document"]
        self.mean, self.scale, self.coef = document["mean"], document["scale"], document["coef"]
        self.intercept = float(document["intercept"])
        self.thesaurus: str = meta.get("thesaurus", "wordnet")
        self._phrases: TorturedIndex | None = None
        self.sha256: str | None = None

    def phrase_index(self) -> TorturedIndex:
        """The thesaurus's phrases, compiled once a model (ThesaurusMissing or WordNetMissing
        when its Debian package is not installed)."""
        if self._phrases is None:
            self._phrases = TorturedIndex([phrase.split(" ") for phrase in phrases(self.thesaurus)])
        return self._phrases

    def thesaurus_phrases(self, words: Words) -> ThesaurusPhrases:
        """The phrases of the thesaurus in the words' text (``TorturedIndex.fits``)."""
        return ThesaurusPhrases(*self.phrase_index().fits(words.text, trigram_model().compiled))

    def word_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.trees.predict(rows) if len(rows) else np.zeros(0)

    def document_features(self, scores: np.ndarray, words: Words,
                          phrases: ThesaurusPhrases | None = None) -> list[float]:
        """The document model's features (:data:`DOCUMENT_FEATURES`) of a document's word scores
        and its words (and its :meth:`thesaurus_phrases`, when they were counted already); a
        model file from before the later ones were added reads the first ones alone."""
        if not len(scores):
            return [0.0] * len(self.coef)
        ranked, n = np.sort(scores), len(scores)
        above = n - np.searchsorted(ranked, self.thresholds, side="right")
        if phrases is None:
            phrases = self.thesaurus_phrases(words)
        misfits = len({words.text[a:b].lower() for a, b in phrases.misfits})  # each phrase once (features.py)
        features = [*(float(k) / n for k in above), float(np.mean(ranked[-TOP_WORDS:])), math.log(n),
                    *(float(q) for q in np.quantile(ranked, BASELINE_QUANTILES)), *words.vocabulary(),
                    words.worst_fits, misfits / n]
        return features[:len(self.coef)]

    def probability(self, features: list[float]) -> float:
        z = self.intercept + sum(c * (v - m) / s for v, m, s, c in zip(features, self.mean, self.scale, self.coef,
                                                                          strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def save(self, path: Path) -> None:
        write_model(path, self.trees, WORD_FEATURES, self.meta)

    @classmethod
    def load(cls, path: Path | str | None = None) -> SpunModel:
        """The model at ``path``; the built-in one (``pipeline/models/spun_words.npz``) when None."""
        return load_model(path, resources.files("pipeline") / "models" / BUILTIN_MODEL, _load_model)


@lru_cache(maxsize=4)
def _load_model(path: str) -> SpunModel:
    found = read_model(path, WORD_FEATURES, SpunModelError, "spun-text model")
    try:
        model = SpunModel(found.trees, found.meta)
    except KeyError as exc:
        raise SpunModelError(f"{path}: not a spun-text model file (no {exc} in its metadata)") from None
    model.sha256 = found.sha256
    return model
