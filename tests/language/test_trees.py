"""The compiled tree walk gives, bit for bit, what walking the model files' arrays by hand gives,
and refuses arrays that are not trees."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from pipeline._core import Forest
from pipeline.language.trees import Trees, read_npz


def _walk(arrays: dict[str, np.ndarray], row: np.ndarray) -> float:
    """The leaf values of one row summed tree after tree, as scikit-learn walks its trees."""
    total = 0.0
    for feature, threshold, left, right, value in zip(*(arrays[k] for k in ("feature", "threshold", "left", "right",
                                                                             "value")), strict=True):
        node = 0
        while left[node] != node:
            node = left[node] if row[feature[node]] <= threshold[node] else right[node]
        total += value[node]
    return total


@pytest.mark.parametrize("model", ["models/spun_words.npz", "stages/boilerplate_model/boilerplate_lines.npz"])
def test_the_shipped_models_walk_as_by_hand(model):
    with resources.as_file(resources.files("pipeline").joinpath(model)) as path:
        arrays = read_npz(path)
    rng = np.random.default_rng(5)
    columns = int(arrays["feature"].max()) + 1
    # Values drawn from the thresholds land on them exactly (a row goes left at equality); some are NaN.
    rows = rng.choice(arrays["threshold"][np.isfinite(arrays["threshold"])], size=(60, columns))
    rows[rng.random(rows.shape) < 0.1] = np.nan
    expected = np.array([float(arrays["baseline"]) + _walk(arrays, row) for row in rows])
    assert np.array_equal(Trees(arrays).predict(rows), 1.0 / (1.0 + np.exp(-expected)))


def _arrays(left: list[int], right: list[int]) -> list[np.ndarray]:
    n = len(left)
    return [np.zeros((1, n), dtype=np.int64), np.zeros((1, n)), np.array([left], dtype=np.int64),
            np.array([right], dtype=np.int64), np.zeros((1, n))]


def test_arrays_that_are_not_trees_are_refused():
    # Node 1 sends rows back to node 0: a walk would never end.
    with pytest.raises(ValueError, match="tree 0 node 1: not a split of this tree"):
        Forest(*_arrays([1, 0, 2], [2, 2, 2]))
    forest = Forest(*_arrays([1, 1, 2], [2, 1, 2]))
    assert forest.trees == 1
    with pytest.raises(ValueError, match="rows have 0 features; the trees read 1"):
        forest.leaf_sums(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="C-contiguous"):
        forest.leaf_sums(np.zeros((4, 2))[::2])
