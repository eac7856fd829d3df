"""HTML reports, rendered with jinja2 (autoescaping on: document text is never markup)."""

from __future__ import annotations

from typing import Any

import jinja2

from pipeline.document import Document
from pipeline.outputs import INDEX_HTML, SIGNAL_NAMES

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def document_report(row: dict[str, Any], doc: Document | None, cleaned: str | None,
                    thresholds: dict[str, list[tuple[str, float]]]) -> str:
    removed = []
    if doc is not None:
        for a in sorted(doc.annotations, key=lambda a: (a.start, a.end)):
            removed.append({**a.to_dict(), "text": doc.text[a.start : a.end].strip()})
    signals = [
        (name, _shown(row[name]), ", ".join(f"{reason}: {limit}" for reason, limit in thresholds.get(name, [])) or None)
        for name in SIGNAL_NAMES
        if row.get(name) is not None
    ]
    return _ENV.get_template("document.html.j2").render(
        row=row, removed=removed, signals=signals, cleaned=cleaned, index_name=INDEX_HTML,
    )


def _shown(value: float) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def index_report(rows: list[dict[str, Any]], counts: dict[str, int]) -> str:
    return _ENV.get_template("index.html.j2").render(rows=rows, counts=counts)
