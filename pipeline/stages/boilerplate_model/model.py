"""The boilerplate line classifier: gradient-boosted trees over per-line features.

The model file (``boilerplate_lines.npz``, made by :mod:`pipeline.stages.boilerplate_model.train`) holds
the trees as flat arrays (:mod:`pipeline.language.trees`), the token vocabulary and its metadata;
numpy evaluates all trees at once, so scikit-learn is needed only to train. See ``DATA_CARD.md``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.core.config import ConfigError
from pipeline.language.trees import Trees, load_model, read_model, write_model
from pipeline.stages.boilerplate_model.features import FEATURES, LexiconRule, Vocabulary, line_features

BUILTIN = "builtin"


class ModelError(ConfigError):
    pass


class LineModel:
    """P(line is article content) for every line of a page."""

    def __init__(self, trees: Trees, vocabulary: Vocabulary, meta: dict) -> None:
        self.trees = trees
        self.vocabulary = vocabulary
        self.meta = meta
        # The model file's digest (set when loaded from a file), recorded in the run's manifest.
        self.sha256: str | None = None
        self.line_rule = LexiconRule()

    def features(self, texts: list[str], indents: list[int]) -> np.ndarray:
        return line_features(texts, indents, self.vocabulary, self.line_rule)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Content probability per row of features."""
        return self.trees.predict(rows)

    def save(self, path: Path) -> None:
        """An ``.npz`` file with fixed timestamps: the same model, the same bytes."""
        write_model(path, self.trees, FEATURES, self.meta, {
            "vocab_tokens": np.array(list(self.vocabulary.token_odds), dtype=str),
            "vocab_odds": np.array(list(self.vocabulary.token_odds.values()), dtype=np.float64),
            "first_tokens": np.array(list(self.vocabulary.first_odds), dtype=str),
            "first_odds": np.array(list(self.vocabulary.first_odds.values()), dtype=np.float64),
        })

    @classmethod
    def load(cls, path: str | Path | None = None) -> LineModel:
        """The model at ``path``; the built-in one when ``path`` is None or "builtin"."""
        return load_model(None if path == BUILTIN else path, resources.files(__package__) / "boilerplate_lines.npz",
                          _load)


@lru_cache(maxsize=4)
def _load(path: str) -> LineModel:
    found = read_model(path, FEATURES, ModelError, "line model")
    arrays = found.arrays
    vocabulary = Vocabulary(
        dict(zip(arrays["vocab_tokens"].tolist(), arrays["vocab_odds"].tolist(), strict=True)),
        dict(zip(arrays["first_tokens"].tolist(), arrays["first_odds"].tolist(), strict=True)),
    )
    model = LineModel(found.trees, vocabulary, found.meta)
    model.sha256 = found.sha256
    return model
