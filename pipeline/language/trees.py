"""Gradient-boosted trees as flat numpy arrays: scikit-learn trains them, the compiled core walks them.

The boilerplate line model and the spun-text word model are both scikit-learn
``HistGradientBoostingClassifier``s exported here, so the pipeline needs scikit-learn only
to train. Their model files are ``.npz`` archives written with fixed timestamps: the same
model gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

import numpy as np

from pipeline._core import Forest
from pipeline.core.config import ConfigError, read_user_file

T = TypeVar("T")

TREE_ARRAYS = ("feature", "threshold", "left", "right", "value", "depth", "baseline")


class Trees:
    """A binary classifier's trees, padded to one width; a leaf's children are itself."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.feature = arrays["feature"]
        self.threshold = arrays["threshold"]
        self.left = arrays["left"]
        self.right = arrays["right"]
        self.value = arrays["value"]
        self.depth = int(arrays["depth"])
        self.baseline = float(arrays["baseline"])
        # What the walk reads: the same arrays, checked and laid out node by node (rust/src/trees.rs).
        self._forest = Forest(*(np.ascontiguousarray(a, dtype=t) for a, t in (
            (self.feature, np.int64), (self.threshold, np.float64), (self.left, np.int64), (self.right, np.int64),
            (self.value, np.float64))))

    @property
    def n_trees(self) -> int:
        return len(self.feature)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"feature": self.feature, "threshold": self.threshold, "left": self.left, "right": self.right,
                "value": self.value, "depth": np.int32(self.depth), "baseline": np.float64(self.baseline)}

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """P(class 1) per row of features (scikit-learn's: a row goes left when its feature is at
        most the node's threshold)."""
        raw = self.baseline + self._forest.leaf_sums(np.ascontiguousarray(rows, dtype=np.float64))
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -500.0, 500.0)))

    @classmethod
    def from_sklearn(cls, classifier) -> Trees:
        """A fitted ``HistGradientBoostingClassifier``'s trees (features without missing values)."""
        trees = [predictors[0].nodes for predictors in classifier._predictors]
        width = max(len(nodes) for nodes in trees)
        shape = (len(trees), width)
        feature = np.zeros(shape, dtype=np.int16)
        threshold = np.zeros(shape)
        left = np.tile(np.arange(width, dtype=np.int32), (len(trees), 1))
        right = left.copy()
        value = np.zeros(shape)
        for t, nodes in enumerate(trees):
            n = len(nodes)
            split = nodes["is_leaf"] == 0
            feature[t, :n] = np.where(split, nodes["feature_idx"], 0)
            threshold[t, :n] = np.where(split, nodes["num_threshold"], np.inf)
            left[t, :n] = np.where(split, nodes["left"], np.arange(n))
            right[t, :n] = np.where(split, nodes["right"], np.arange(n))
            value[t, :n] = np.where(split, 0.0, nodes["value"])
        return cls({"feature": feature, "threshold": threshold, "left": left, "right": right, "value": value,
                    "depth": int(max(nodes["depth"].max() for nodes in trees)),
                    "baseline": float(np.ravel(classifier._baseline_prediction)[0])})

    def check_against(self, classifier, rows: np.ndarray) -> None:
        """Raise if these trees disagree with the scikit-learn model they came from."""
        sample = rows[:: max(1, len(rows) // 5000)]
        drift = np.abs(self.predict(sample) - classifier.predict_proba(sample)[:, 1]).max()
        if drift > 1e-9:
            raise AssertionError(f"exported trees disagree with scikit-learn by {drift}")


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """numpy's zip of arrays, with fixed timestamps and no pickles."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def read_npz(source: str | Path | io.BytesIO) -> dict[str, np.ndarray]:
    with np.load(source, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def write_model(path: Path, trees: Trees, features: tuple[str, ...], meta: dict,
                extra: dict[str, np.ndarray] | None = None) -> None:
    """A model file: the trees, any ``extra`` arrays, and ``meta`` with the feature names it was trained on."""
    write_npz(path, {**trees.arrays(), **(extra or {}),
                     "meta": np.array(json.dumps({**meta, "features": list(features)}, sort_keys=True))})


@dataclass(slots=True)
class ModelFile:
    trees: Trees
    meta: dict
    arrays: dict[str, np.ndarray]  # every array of the file, the trees' and the extra ones
    sha256: str  # the file's digest, recorded in a run's manifest


def load_model(path: str | Path | None, builtin: Traversable, loader: Callable[[str], T]) -> T:
    """``loader`` on the model file at ``path``, or on ``builtin`` (a file of the package) when None."""
    if path is None:
        with resources.as_file(builtin) as found:
            return loader(str(found))
    return loader(str(path))


def read_model(path: str, features: tuple[str, ...], error: type[Exception], kind: str) -> ModelFile:
    """A file of :func:`write_model`; ``error`` when it is no such file or was trained on other features."""
    try:
        data = read_user_file(path, kind, binary=True)  # read once: digested, then loaded
        digest = hashlib.sha256(data).hexdigest()
        arrays = read_npz(io.BytesIO(data))
        meta = json.loads(str(arrays["meta"]))
        trees = Trees({name: arrays[name] for name in TREE_ARRAYS})
    except ConfigError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise error(f"{path}: not a {kind} file ({exc})") from None
    if meta.get("features") != list(features):
        raise error(f"{path}: trained on other features than this version computes; retrain it")
    return ModelFile(trees, meta, arrays, digest)
