"""The stuffing models, gradient-boosted trees stored in one ``.npz`` (:mod:`pipeline.language.trees`;
made by :mod:`pipeline.stages.stuffing.train`, described in ``DATA_CARD.md``): the placement model
(P that an instance sits where a pasted copy sits, from the instance's features alone), the
candidate model (P that a candidate is a stuffed keyphrase, from its features and its instances'
placement P) and the copy model (P that an instance of a keyphrase is a pasted copy rather than a
natural use, from the candidate's and the instance's features)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.core.config import ConfigError
from pipeline.language.trees import TREE_ARRAYS, Trees, load_model, read_model, write_model
from pipeline.stages.stuffing.features import FEATURES, placement_rows

BUILTIN_MODEL = "stuffing.npz"
# The models trained without one stuffer family each, ``without-<family>.npz`` (``make eval``'s rows).
LOFO_DIR = Path(__file__).resolve().parents[2] / "models" / "stuffing_lofo"
# The placement and copy models' trees are stored beside the candidate model's under these prefixes.
PLACEMENT, COPY = "placement_", "copy_"


class StuffingModelError(ConfigError):
    pass


class StuffingModel:
    def __init__(self, candidates: Trees, placement: Trees, copies: Trees, meta: dict) -> None:
        self.candidates = candidates
        self.placement = placement
        self.copies = copies
        self.meta = meta
        self.sha256: str | None = None

    def candidate_scores(self, rows: np.ndarray) -> np.ndarray:
        """P(the candidate is a stuffed keyphrase) per row."""
        return self.candidates.predict(rows) if len(rows) else np.zeros(0)

    def placement_scores(self, rows: np.ndarray) -> np.ndarray:
        """P(the instance sits where a pasted copy sits) per row of ``INSTANCE_FEATURES`` (the model
        reads their ``PLACEMENT_INPUTS``)."""
        return self.placement.predict(placement_rows(rows)) if len(rows) else np.zeros(0)

    def copy_scores(self, rows: np.ndarray) -> np.ndarray:
        """P(the instance of a keyphrase is a pasted copy) per row of ``features.instance_rows``."""
        return self.copies.predict(rows) if len(rows) else np.zeros(0)

    def save(self, path: Path) -> None:
        write_model(path, self.candidates, FEATURES, self.meta, {
            **{PLACEMENT + name: array for name, array in self.placement.arrays().items()},
            **{COPY + name: array for name, array in self.copies.arrays().items()}})

    @classmethod
    def load(cls, path: Path | str | None = None) -> StuffingModel:
        """The model at ``path``; the built-in one (``pipeline/models/stuffing.npz``) when None."""
        return load_model(path, resources.files("pipeline") / "models" / BUILTIN_MODEL, _load)


@lru_cache(maxsize=8)
def _load(path: str) -> StuffingModel:
    found = read_model(path, FEATURES, StuffingModelError, "stuffing model")
    try:
        placement, copies = (Trees({name: found.arrays[prefix + name] for name in TREE_ARRAYS})
                             for prefix in (PLACEMENT, COPY))
        float(found.meta["candidate_threshold"]), float(found.meta["instance_threshold"])
    except KeyError as exc:
        raise StuffingModelError(f"{path}: not a stuffing model file (no {exc})") from None
    model = StuffingModel(found.trees, placement, copies, found.meta)
    model.sha256 = found.sha256
    return model
