"""The boilerplate line classifier: gradient-boosted trees over per-line features.

The model file (``boilerplate_lines.npz``, made by :mod:`pipeline.linemodel.train`) holds
the trees as flat arrays, the token vocabulary and its metadata; numpy evaluates all
trees at once, so scikit-learn is needed only to train. See ``DATA_CARD.md``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.linemodel.features import FEATURES, LexiconRule, Vocabulary, line_features

BUILTIN = "builtin"


class ModelError(ValueError):
    pass


class LineModel:
    """P(line is article content) for every line of a page."""

    def __init__(
        self,
        trees: dict[str, np.ndarray],
        baseline: float,
        vocabulary: Vocabulary,
        meta: dict,
    ) -> None:
        self.feature = trees["feature"]
        self.threshold_at = trees["threshold"]
        self.left = trees["left"]
        self.right = trees["right"]
        self.value = trees["value"]
        self.depth = int(trees["depth"])
        n_trees, width = self.feature.shape
        self._tree_offset = np.arange(n_trees, dtype=np.int64) * width
        self._feature = self.feature.astype(np.int64).ravel()
        self._threshold = self.threshold_at.ravel()
        self._left = (self.left + self._tree_offset[:, None]).ravel()
        self._right = (self.right + self._tree_offset[:, None]).ravel()
        self._value = self.value.ravel()
        self._is_leaf = self._left == np.arange(n_trees * width)
        self.baseline = baseline
        self.vocabulary = vocabulary
        self.meta = meta
        # The model file's digest (set when loaded from a file), recorded in the run's manifest.
        self.sha256: str | None = None
        self.line_rule = LexiconRule()

    def features(self, texts: list[str], indents: list[int]) -> np.ndarray:
        return line_features(texts, indents, self.vocabulary, self.line_rule)

    def probabilities(self, texts: list[str], indents: list[int], lines: np.ndarray | None = None) -> np.ndarray:
        """P(content) of every line, or of the ``lines`` given (indices; their features still
        look at every line around them)."""
        rows = self.features(texts, indents)
        return self.predict(rows if lines is None else rows[lines])

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Content probability per row of features.

        All trees walk together over flat arrays (node ids offset by tree); a (tree, row)
        pair leaves the walk as soon as it reaches a leaf, whose children are itself.
        """
        n_rows, n_features = rows.shape
        flat_rows = rows.ravel()
        node = np.repeat(self._tree_offset, n_rows)
        row_offset = np.tile(np.arange(n_rows) * n_features, len(self._tree_offset))
        active = np.flatnonzero(~self._is_leaf.take(node))
        while active.size:
            current = node.take(active)
            x = flat_rows.take(row_offset.take(active) + self._feature.take(current))
            go_left = x <= self._threshold.take(current)
            following = np.where(go_left, self._left.take(current), self._right.take(current))
            node[active] = following
            active = active[~self._is_leaf.take(following)]
        raw = self.baseline + self._value.take(node).reshape(len(self._tree_offset), n_rows).sum(axis=0)
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -500.0, 500.0)))

    def save(self, path: Path) -> None:
        """An ``.npz`` file (numpy's zip of arrays) with fixed timestamps: the same model, the same bytes."""
        arrays = {
            "feature": self.feature,
            "threshold": self.threshold_at,
            "left": self.left,
            "right": self.right,
            "value": self.value,
            "depth": np.int32(self.depth),
            "baseline": np.float64(self.baseline),
            "vocab_tokens": np.array(list(self.vocabulary.token_odds), dtype=str),
            "vocab_odds": np.array(list(self.vocabulary.token_odds.values()), dtype=np.float64),
            "first_tokens": np.array(list(self.vocabulary.first_odds), dtype=str),
            "first_odds": np.array(list(self.vocabulary.first_odds.values()), dtype=np.float64),
            "meta": np.array(json.dumps({**self.meta, "features": list(FEATURES)}, sort_keys=True)),
        }
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as member:
                    np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)

    @classmethod
    def load(cls, path: str | Path | None = None) -> LineModel:
        """The model at ``path``; the built-in one when ``path`` is None or "builtin"."""
        if path is None or path == BUILTIN:
            with resources.as_file(resources.files(__package__).joinpath("boilerplate_lines.npz")) as builtin:
                return _load(str(builtin))
        return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> LineModel:
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: not a line model file ({exc})") from None
    meta = json.loads(str(arrays["meta"]))
    if meta.get("features") != list(FEATURES):
        raise ModelError(f"{path}: trained on other features than this version computes; retrain it")
    vocabulary = Vocabulary(
        dict(zip(arrays["vocab_tokens"].tolist(), arrays["vocab_odds"].tolist(), strict=True)),
        dict(zip(arrays["first_tokens"].tolist(), arrays["first_odds"].tolist(), strict=True)),
    )
    trees = {name: arrays[name] for name in ("feature", "threshold", "left", "right", "value", "depth")}
    model = LineModel(trees, float(arrays["baseline"]), vocabulary, meta)
    model.sha256 = digest
    return model
