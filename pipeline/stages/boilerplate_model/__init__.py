"""Boilerplate the lexicon cannot name: a line classifier over layout, prose and vocabulary.

After the rules of :mod:`pipeline.stages.boilerplate`, every other line gets a probability
of being article content from :class:`pipeline.stages.boilerplate_model.model.LineModel` (trained on WCXB dev;
see ``pipeline/stages/boilerplate_model/DATA_CARD.md``). Lines below the threshold are removed, each with
its probability and the facts of the page that speak against it in the reason
(:func:`~pipeline.stages.boilerplate_model.features.evidence`). The title line is never removed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.document import Action, Document
from pipeline.core.registry import Stage, stage
from pipeline.stages.boilerplate import BOILERPLATE, STAGE
from pipeline.stages.boilerplate_model.features import evidence
from pipeline.stages.boilerplate_model.model import LineModel
from pipeline.stages.segment import block_removal_span

RULE = "line_model"


@stage("boilerplate_model", requires={"blocks", "title", "boilerplate"}, after={"site_lines"},
       adds={"boilerplate_model"}, category=BOILERPLATE, config="boilerplate_model")
class BoilerplateModel(Stage):

    def __init__(
        self,
        *,
        # "builtin" (trained on WCXB dev, see pipeline/stages/boilerplate_model/DATA_CARD.md), a model file from
        # `python -m pipeline.stages.boilerplate_model.train`, or None (off).
        model: str | Path | None = "builtin",
        # Lines whose probability of being content is below this are removed. On the held-out-site
        # models' predictions for WCXB dev, 0.25 / 0.32 / 0.40 give word-F1 0.841 / 0.842 / 0.838 on all
        # pages and 0.929 / 0.930 / 0.932 on articles (`with` snippets kept 97.5 / 96.8 / 95.7%,
        # `without` removed 92.3 / 93.3 / 94.7%).
        threshold: float = 0.32,
    ) -> None:
        self.source = model
        self.model = None if model is None else LineModel.load(model)
        self.threshold = threshold

    def provenance(self) -> dict[str, str]:
        if self.model is None:
            return {}
        return {"model": str(self.source), "sha256": self.model.sha256 or ""}

    def __call__(self, doc: Document) -> None:
        if self.model is None or not doc.blocks:
            return
        removed = doc.removed_mask()
        # Lines the rules removed whole need no probability.
        lines = [i for i in range(doc.first_body_block, len(doc.blocks))
                 if not doc.blocks[i].removed_in(removed)]
        if not lines:
            return
        # Features look at every line around a line, the rules' removals included.
        rows = self.model.features([b.text for b in doc.blocks], [b.indent for b in doc.blocks])[lines]
        probabilities = self.model.predict(rows)
        below = np.flatnonzero(probabilities < self.threshold)
        for k, facts in zip(below.tolist(), evidence(rows[below]), strict=True):
            start, end = block_removal_span(doc, lines[k], lines[k])
            reason = f"line model: P(content) = {probabilities[k]:.2f}, below {self.threshold:g}"
            doc.annotate(start, end, category=STAGE, rule=RULE, action=Action.REMOVE,
                         reason=f"{reason}: {'; '.join(facts)}" if facts else reason)
