"""Boilerplate the lexicon cannot name: a line classifier over layout, prose and vocabulary.

After the rules of :mod:`pipeline.stages.boilerplate`, every other line gets a probability
of being article content from :class:`pipeline.stages.boilerplate_model.model.LineModel` (trained on WCXB dev;
see ``pipeline/stages/boilerplate_model/DATA_CARD.md``). Lines below the threshold are removed, each with
its probability in the reason. The title line is never removed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.document import Action, Document
from pipeline.core.registry import Stage, stage
from pipeline.stages.boilerplate import BOILERPLATE, STAGE
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
        # Lines whose probability of being content is below this are removed. On held-out-site
        # predictions for WCXB dev's articles, 0.32 gives word-F1 0.932, `with` snippets kept 97.1%,
        # `without` removed 94.0% (0.30: 0.930 / 97.2% / 93.7%; 0.35: 0.934 / 96.8% / 94.6%).
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
        probabilities = self.model.probabilities([b.text for b in doc.blocks], [b.indent for b in doc.blocks],
                                                 np.array(lines))
        for i, p in zip(lines, probabilities.tolist(), strict=True):
            if p >= self.threshold:
                continue
            start, end = block_removal_span(doc, i, i)
            doc.annotate(
                start, end, category=STAGE, rule=RULE, action=Action.REMOVE,
                reason=f"line model: P(content) = {p:.2f}, below {self.threshold:g}",
            )
