"""HTML reports: one page per document and the corpus overview, rendered with jinja2.

Autoescaping is on and document text reaches the page only through :mod:`.markup` or as
template variables, so a document's markup is always shown as text. Pages are
self-contained (inline CSS, inline SVG charts, a small inline script for the index
table) and open from ``file://`` with no network.

The per-document page is rendered where the document was cleaned (:class:`Pages`, in the
worker), with a placeholder where the "previous / next document" links go.
:class:`ReportWriter` receives pages in run order in the main process and writes each one
document late, once it knows the next document's id for the page's "next" link. It keeps
only what the overview needs: running totals, the four charted signals' values (8 bytes each),
and one short row per document for the index's table, written to a temporary file as it comes
and copied into the index at the end, so the main process does not grow with the corpus.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.utils import htmlsafe_json_dumps

from pipeline.core.decide import Decide
from pipeline.core.document import Annotation, Document
from pipeline.core.registry import StageSpec
from pipeline.io.outputs import INDEX_HTML, atomic_open, write_bytes, write_text
from pipeline.reports.charts import Line, histogram
from pipeline.reports.pages import ENV, Pages, Tally, document_file, pager, with_pager

# The columns of the index table, in order: (key in the signals row, heading, kind).
TABLE_COLUMNS = (
    ("title", "Document", "text"), ("status", "Decision", "text"), ("reasons", "Reasons", "list"),
    ("words_in", "Words in", "int"), ("words_out", "Words out", "int"),
    ("boilerplate_ratio", "Boilerplate", "pct"), ("keyphrase", "Keyphrase", "text"),
    ("stuffing_density", "Keyphrase density", "float"), ("spun_score", "Spun score", "float"),
    ("annotations", "Annotations", "int"),
)

# The pager on a written page: the first <nav class="pager"> (it comes before the document's text).
_WRITTEN_PAGER = re.compile(r'<nav class="pager".*?</nav>', re.DOTALL)


@dataclass(slots=True)
class RuleTotal:
    action: str
    annotations: int = 0
    documents: int = 0
    chars: int = 0


class ReportWriter:
    """Writes ``<id>.html`` per document as documents arrive and ``index.html`` at the end."""

    def __init__(self, reports_dir: Path, decide: Decide, chosen: list[StageSpec], spun_flag_above: float) -> None:
        self.dir = Path(reports_dir)
        self.checks = decide.all_checks
        self.pages = Pages(decide, chosen)
        self.spun_flag_above = spun_flag_above
        # The index table's rows, one JSON array per line (as the template's tojson writes them).
        self._rows = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._reasons: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.chars: Counter[str] = Counter()
        self.removed_by_category: Counter[str] = Counter()
        self.rules: dict[str, RuleTotal] = {}
        self.chart_values: dict[str, dict[str, array]] = {
            name: {"kept": array("d"), "dropped": array("d")}
            for name in ("spun_score", "boilerplate_ratio", "stuffing_density", "words_out")
        }
        self.seconds = 0.0
        self._pending: tuple[str, str | None, str | None, Any] | None = None
        self._previous: str | None = None
        self.pages_written = 0

    # ------------------------------------------------------------------ per document

    def add(self, row: dict[str, Any], page: bytes | None, tally: Tally,
            unchanged_page: tuple[str | None, str | None] | None = None, *, has_page: bool = True) -> None:
        """``page`` from :meth:`Pages.page`; None when the page on disk is the one the previous run
        wrote for the same row, whose previous and next documents were ``unchanged_page``: if they
        changed, only its pager is rewritten. A document without a page (``has_page`` False, see
        :class:`PagePolicy`) is in the index only; the pages around it link past it."""
        started = time.perf_counter()
        self._tally(row, tally, has_page)
        self.pages_written += has_page
        if has_page:
            self._flush(next_id=row["id"])
            self._pending = (row["id"], page, self._previous, unchanged_page)
            self._previous = row["id"]
        else:  # a page an earlier run wrote (with other [reports] settings) goes
            (self.dir / document_file(row["id"])).unlink(missing_ok=True)
        self.seconds += time.perf_counter() - started

    def add_other(self, row: dict[str, Any], *, has_page: bool) -> None:
        """A document of another shard (its signals ``row``): in the index and the totals; its
        page, if it has one, stays as its own run wrote it."""
        annotations = [Annotation.from_dict(a) for a in row["annotations_list"] or ()]
        self._tally(row, self.pages.tally_of(annotations), has_page)
        self.pages_written += has_page

    def _flush(self, next_id: str | None) -> None:
        if self._pending is None:
            return
        doc_id, page, previous, unchanged_page = self._pending
        self._pending = None
        path = self.dir / document_file(doc_id)
        if page is not None:
            write_bytes(path, with_pager(page, previous, next_id))
        elif unchanged_page != (previous, next_id):
            written = path.read_text("utf-8")
            write_text(path, _WRITTEN_PAGER.sub(lambda _: pager(previous, next_id), written, count=1))

    def document_page(self, row: dict[str, Any], doc: Document | None, cleaned: str | None,
                      previous: str | None = None, next_id: str | None = None) -> str:
        """The whole page of one document (rendered here, not in a worker)."""
        return with_pager(self.pages.page(row, doc, cleaned).encode("utf-8"), previous, next_id).decode("utf-8")

    def _tally(self, row: dict[str, Any], tally: Tally, has_page: bool) -> None:
        status = row["status"]
        self.counts[status] += 1
        self.add_row([row["id"], *(row.get(key) for key, _, _ in TABLE_COLUMNS), has_page])
        if row["words_in"] is None:
            return
        self.chars["in"] += row["chars_in"] or 0
        self.chars["out"] += row["chars_out"] or 0
        for name, values in self.chart_values.items():
            if row.get(name) is not None:
                values["kept" if status == "kept" else "dropped"].append(float(row[name]))
        for code, (action, count, chars) in tally.rules.items():
            total = self.rules.setdefault(code, RuleTotal(action=action))
            total.annotations += count
            total.documents += 1
            total.chars += chars
        self.removed_by_category.update(tally.removed)

    def add_row(self, values: list[Any]) -> None:
        """One row of the index's documents table: the id, then :data:`TABLE_COLUMNS`' values."""
        self._rows.write(htmlsafe_json_dumps(values, sort_keys=True) + "\n")
        self._reasons.update(values[1 + _column("reasons")] or ())

    # ------------------------------------------------------------------ the overview

    def finish(self, manifest: dict[str, Any], shards: list[tuple[str, dict[str, int]]] = ()) -> None:
        """Write the last document's page and the index; ``shards``: every shard's name and counts."""
        started = time.perf_counter()
        self._flush(next_id=None)
        self.write_index(self.dir / INDEX_HTML, manifest, shards)
        self._rows.close()
        self.seconds += time.perf_counter() - started

    def write_index(self, path: Path, manifest: dict[str, Any], shards: list[tuple[str, dict[str, int]]] = ()) -> None:
        """The index page, its table's rows copied in from the temporary file one at a time."""
        token = secrets.token_hex(16)  # where the rows go: no config or reason can spell it
        head, tail = self._index_page(manifest, token, list(shards)).split(token)
        self._rows.seek(0)
        with atomic_open(path) as out:
            out.write(head + "[")
            for n, line in enumerate(self._rows):
                out.write(", " + line[:-1] if n else line[:-1])  # as json.dumps joins a list
            out.write("]" + tail)
        self._rows.seek(0, 2)

    def _index_page(self, manifest: dict[str, Any], rows_at: str, shards: list[tuple[str, dict[str, int]]]) -> str:
        total = sum(self.counts.values())
        labels = {c.name: c.label for c in self.pages.categories}
        removed = [
            {"label": labels[name], "category": name, "chars": chars,
             "share": chars / self.chars["in"] if self.chars["in"] else 0.0}
            for name, chars in sorted(self.removed_by_category.items(), key=lambda item: -item[1]) if chars
        ]
        rules = sorted(self.rules.items(), key=lambda item: (-item[1].chars, item[0]))
        reasons = sorted(self._reasons)
        return ENV.get_template("index.html.j2").render(
            counts={"total": total, **{s: self.counts[s] for s in ("kept", "dropped", "failed")}},
            chars=self.chars, removed=removed, rules=rules, max_rule_chars=max((r.chars for _, r in rules), default=0),
            charts=self._charts(total), manifest=manifest,
            config_json=json.dumps(manifest.get("config", {}), indent=2, sort_keys=True, ensure_ascii=False),
            columns=TABLE_COLUMNS, rows_at=rows_at, reasons=reasons, categories=self.pages.categories,
            pages_written=self.pages_written, shards=shards,
        )

    def _charts(self, documents: int) -> list:
        def lines(signal: str) -> list[Line]:
            return [Line(check.threshold, f"{check.reason.split('.')[-1]} {check.op} {check.threshold:g}",
                         f"{check.reason} ({check.rule}){'' if deciding else ', reported only'}", deciding)
                    for check, deciding in self.checks if check.signal == signal]

        v = self.chart_values
        return [
            histogram("spun_score", "Spun score", "Probability that the text was run through an article spinner.",
                      v["spun_score"]["kept"], v["spun_score"]["dropped"], documents,
                      [Line(self.spun_flag_above, f"flagged > {self.spun_flag_above:g}",
                            f"spun.flag_above (flagged if > {self.spun_flag_above:g}, reported only)", False),
                       *lines("spun_score")], upper=1.0),
            histogram("boilerplate_ratio", "Boilerplate fraction", "Share of each document's characters removed.",
                      v["boilerplate_ratio"]["kept"], v["boilerplate_ratio"]["dropped"], documents,
                      lines("boilerplate_ratio"), upper=1.0),
            histogram("stuffing_density", "Keyphrase density",
                      "Share of words taken by each document's most repeated keyphrase candidate, stuffed or not; "
                      "stuffing is judged by where instances sit, not by density, so no threshold.",
                      v["stuffing_density"]["kept"], v["stuffing_density"]["dropped"], documents,
                      lines("stuffing_density")),
            histogram("words_out", "Words kept", "Words in the cleaned text.",
                      v["words_out"]["kept"], v["words_out"]["dropped"], documents, lines("words_out")),
        ]


# ---------------------------------------------------------------------- helpers


def _column(key: str) -> int:
    return next(i for i, (name, _, _) in enumerate(TABLE_COLUMNS) if name == key)
