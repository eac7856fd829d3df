"""Stages: each reads a :class:`~pipeline.document.Document` and adds annotations/signals.

A stage declares what it ``requires`` and what it ``adds`` (capability names such as
``"blocks"``); :class:`Pipeline` checks the order when it is built, so a stage can never
run before the stage whose output it reads.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar

from pipeline.document import Document

# What every document has before any stage runs.
BASE_CAPABILITIES = frozenset({"text"})


class Stage:
    name: ClassVar[str]
    requires: ClassVar[frozenset[str]] = frozenset()
    adds: ClassVar[frozenset[str]] = frozenset()

    def provenance(self) -> dict[str, str]:
        """What this stage's results depend on beyond the config (a model's digest), for the manifest."""
        return {}

    def close(self) -> None:
        """Release what the stage started (a LanguageTool server)."""

    def __call__(self, doc: Document) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class PipelineOrderError(ValueError):
    pass


class Pipeline:
    """An ordered list of stages, checked once, run per document with timings."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        have = set(BASE_CAPABILITIES)
        for stage in stages:
            missing = stage.requires - have
            if missing:
                raise PipelineOrderError(
                    f"stage {stage.name!r} requires {sorted(missing)}, which no earlier stage adds"
                )
            have |= stage.adds
        self.stages = list(stages)
        self.seconds: dict[str, float] = {stage.name: 0.0 for stage in stages}

    @property
    def names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def provenance(self) -> dict[str, dict[str, str]]:
        return {stage.name: found for stage in self.stages if (found := stage.provenance())}

    def close(self) -> None:
        for stage in self.stages:
            stage.close()

    def __call__(self, doc: Document) -> Document:
        for stage in self.stages:
            started = time.perf_counter()
            stage(doc)
            self.seconds[stage.name] += time.perf_counter() - started
        return doc
