"""The quality signals against datatrove itself: same verdict and same reason per filter set."""

from __future__ import annotations

from pipeline.core.config import load_config
from pipeline.core.decide import FILTER_SETS, Decide
from pipeline.core.document import Document
from pipeline.stages.quality import web_signals


def datatrove_parity(pages) -> dict[str, dict[str, int]]:
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    theirs = {"gopher_quality": GopherQualityFilter(), "gopher_repetition": GopherRepetitionFilter(),
              "c4": C4QualityFilter(), "fineweb": FineWebQualityFilter()}
    ours = {}
    for name in FILTER_SETS:
        config = load_config()
        config["decide"].update(filters=[name], min_words=None)
        ours[name] = Decide.from_config(config)
    rows = {name: {"agree": 0, "total": 0} for name in FILTER_SETS}
    for page in pages:
        text = (f"{page.title}\n\n{page.gold}" if page.title else page.gold).strip()
        signals = web_signals(text)
        for name in FILTER_SETS:
            verdict = theirs[name].filter(DtDocument(text=text, id=page.id))
            doc = ours[name](Document(id=page.id, source="", text=text, signals=dict(signals)))
            same = (verdict is True and not doc.reasons) or (
                verdict is not True and f"{name}.{verdict[1]}" in doc.reasons
            )
            rows[name]["agree"] += same
            rows[name]["total"] += 1
    return rows
