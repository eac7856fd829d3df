"""A stage from outside the package (tests/test_registry.py): registered by importing this module,\nas [pipeline] plugins does in every process."""

from __future__ import annotations

import re

from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, signals, stage

SHOUT = re.compile(r"^[A-Z][A-Z !]{9,}$", re.MULTILINE)


@stage("plugin_shouting", requires={"blocks"}, adds={"plugin_shouting"}, after={"boilerplate"},
       signals=signals(int, {"plugin_shouts": "lines in capitals removed"}), notes=("plugin_note",),
       category=Category("shouting", "Shouting", "#000000", "#ffffff"), config="plugin_shouting")
class Shouting(Stage):
    def __init__(self, *, min_chars: int = 10) -> None:
        self.min_chars = min_chars

    def __call__(self, doc: Document) -> None:
        found = [m for m in SHOUT.finditer(doc.text) if len(m.group()) >= self.min_chars]
        for m in found:
            doc.annotate(m.start(), m.end(), category="shouting", rule="line", action=Action.REMOVE,
                         reason=f"a line in capitals ({len(m.group())} characters)")
        doc.signals["plugin_shouts"] = len(found)
        doc.notes["plugin_note"] = f"min_chars={self.min_chars}"
