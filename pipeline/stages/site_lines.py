"""Lines repeated across the documents of one site are its template: removed as boilerplate.

Which lines those are is corpus-level knowledge (see :mod:`pipeline.run.sites`): the run counts
them before it cleans and hands each document its own (``Document.site_lines``). This stage
removes them, each with how many of the site's documents hold it; the title line is never
removed, and neither is a line the boilerplate rules removed already.
"""

from __future__ import annotations

from pipeline.core.document import Action, Document
from pipeline.core.registry import Stage, signals, stage
from pipeline.stages.boilerplate import BOILERPLATE, STAGE
from pipeline.stages.segment import block_removal_span

RULE = "site_repeated"
SITE_REPEATED = f"{STAGE}.{RULE}"


@stage("site_lines", requires={"blocks", "title", "boilerplate"}, adds={"site_lines"}, category=BOILERPLATE,
       signals=signals(int, {"site_repeated_lines": "lines removed as the site's template"}),
       report="stages/site_lines.html.j2")
class SiteLines(Stage):

    def __call__(self, doc: Document) -> None:
        if doc.site is None:
            return
        repeated = [(i, held) for i in range(doc.first_body_block, len(doc.blocks))
                    if (held := doc.site_lines.get(doc.blocks[i].text)) is not None]
        # The mask is built only for a document that has repeated lines (most have none).
        removed = doc.removed_mask() if repeated else bytearray()
        count = 0
        for i, held in repeated:
            block = doc.blocks[i]
            if block.removed_in(removed):
                continue
            start, end = block_removal_span(doc, i, i)
            doc.annotate(start, end, category=STAGE, rule=RULE, action=Action.REMOVE,
                         reason=f"a line of the site's template: on {held[0]} of the {held[1]} documents of {doc.site}")
            count += 1
        doc.signals["site_repeated_lines"] = count
