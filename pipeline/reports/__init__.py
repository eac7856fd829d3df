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

import hashlib
import json
import re
import secrets
import tempfile
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from pipeline.core.decide import Check, Decide
from pipeline.core.document import Action, Annotation, Document
from pipeline.core.registry import Category, StageSpec, categories, ordered
from pipeline.core.render import merged_spans
from pipeline.io.outputs import INDEX_HTML, Columns, atomic_open, write_text
from pipeline.reports.charts import Line, histogram
from pipeline.reports.markup import annotated_html, category, tip

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_ENV.filters["num"] = "{:,}".format
# An annotation's text is shown in full up to this many characters in the annotation table.
EXCERPT_CHARS = 240
# The columns of the index table, in order: (key in the signals row, heading, kind).
TABLE_COLUMNS = (
    ("title", "Document", "text"), ("status", "Decision", "text"), ("reasons", "Reasons", "list"),
    ("words_in", "Words in", "int"), ("words_out", "Words out", "int"),
    ("boilerplate_ratio", "Boilerplate", "pct"), ("keyphrase", "Keyphrase", "text"),
    ("stuffing_density", "Keyphrase density", "float"), ("spun_score", "Spun score", "float"),
    ("annotations", "Annotations", "int"),
)


# Where a page's pager goes until its neighbours are known. Autoescaping turns every "<" of a
# document's text into "&lt;", so no document can put this comment on its page.
PAGER = "<!-- clean-corpus: pager -->"
# The pager on a written page: the first <nav class="pager"> (it comes before the document's text).
_WRITTEN_PAGER = re.compile(r'<nav class="pager".*?</nav>', re.DOTALL)


def document_file(doc_id: str) -> str:
    return f"{doc_id}.html"


def document_href(doc_id: str) -> str:
    """The link to a document's page (an id may hold "#" or "%")."""
    return quote(document_file(doc_id))


@dataclass(frozen=True, slots=True)
class PagePolicy:
    """Which documents get an HTML page (``[reports]``): a corpus of millions must not write
    millions of pages. The first ``pages`` documents do; past them, a sample drawn by id (the same
    on every run, whatever the executor): ``review_share`` of the dropped, failed, spun-flagged
    or stuffed documents, ``sample_share`` of the others."""

    pages: int | None = 10_000
    review_share: float = 0.1
    sample_share: float = 0.01

    @classmethod
    def from_config(cls, config: dict[str, dict[str, Any]]) -> PagePolicy:
        return cls(**config["reports"])

    def wants(self, sequence: int, row: dict[str, Any]) -> bool:
        if self.pages is None or sequence < self.pages:
            return True
        review = row["status"] != "kept" or bool(row.get("spun_flagged")) or bool(row.get("keyphrase"))
        draw = int(hashlib.sha256(row["id"].encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
        return draw < (self.review_share if review else self.sample_share)


@dataclass(slots=True)
class RuleTotal:
    action: str
    annotations: int = 0
    documents: int = 0
    chars: int = 0


@dataclass(slots=True)
class Tally:
    """One document's share of the overview's totals, counted where it was cleaned."""

    rules: dict[str, tuple[str, int, int]]  # code -> (action, annotations, characters covered)
    removed: dict[str, int]  # category -> characters removed


class Pages:
    """A document's page and tally; runs in the worker that cleaned the document. ``chosen``: the
    run's stages, whose categories colour the marks and whose ``report`` partials add to the page."""

    def __init__(self, decide: Decide, chosen: list[StageSpec]) -> None:
        self.checks = decide.all_checks
        self.signal_names = Columns(chosen).signal_names
        self.categories = categories(chosen)
        self.known = frozenset(c.name for c in self.categories[:-1])
        # Each partial's macros: facts(row, marks) for the facts list, evidence(row, marks) after the checks.
        self.partials = [(spec.category.name if spec.category else spec.name,
                          _ENV.get_template(spec.report).module)
                         for spec in ordered(chosen) if spec.report is not None]

    def page(self, row: dict[str, Any], doc: Document | None, cleaned: str | None) -> str:
        """The page, with :data:`PAGER` for its links to the documents around it (see :func:`with_pager`)."""
        annotations = doc.annotations if doc is not None else []
        # Each category's marks as (index, text, annotation), for the stages' partials.
        marks: dict[str, list[tuple[int, str, Annotation]]] = {}
        for i, a in enumerate(annotations):
            marks.setdefault(a.category, []).append((i, doc.text[a.start:a.end], a))
        # Rows as attributes: jinja2 reads ``row.title`` with getattr first, and a dict's
        # AttributeError before every key lookup was a third of the page's time.
        return _ENV.get_template("document.html.j2").render(
            row=SimpleNamespace(**row),
            url=row["url"] if _is_web_url(row["url"]) else None,
            checks=[_check_row(check, deciding, row) for check, deciding in self.checks],
            signals=[(name, _shown(row[name])) for name in self.signal_names if row.get(name) is not None],
            legend=_legend(doc, self.categories) if doc is not None else [],
            annotated=annotated_html(doc.text, annotations, self.known) if doc is not None else None,
            annotations=[_annotation_row(i, a, doc.text, self.known) for i, a in enumerate(annotations)],
            partials=[(partial, marks.get(name, [])) for name, partial in self.partials],
            categories=self.categories,
            cleaned=cleaned,
            pager=Markup(PAGER),
        )

    def tally(self, doc: Document | None) -> Tally:
        if doc is None:
            return Tally({}, {})
        by_code: dict[str, list[Annotation]] = {}
        for a in doc.annotations:
            by_code.setdefault(a.code, []).append(a)
        rules = {code: (found[0].action.value, len(found), _covered(found)) for code, found in by_code.items()}
        removed = {name: _covered([a for a in doc.annotations if category(a.category, self.known) == name
                                   and a.action is Action.REMOVE])
                   for name in {category(a.category, self.known) for a in doc.annotations}}
        return Tally(rules, removed)


def pager(previous: str | None, next_id: str | None) -> str:
    return _ENV.get_template("pager.html.j2").render(
        index_href=INDEX_HTML,
        previous_href=document_href(previous) if previous else None,
        next_href=document_href(next_id) if next_id else None,
    )


def with_pager(page: str, previous: str | None, next_id: str | None) -> str:
    return page.replace(PAGER, pager(previous, next_id), 1)


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

    def add(self, row: dict[str, Any], page: str | None, tally: Tally,
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

    def _flush(self, next_id: str | None) -> None:
        if self._pending is None:
            return
        doc_id, page, previous, unchanged_page = self._pending
        self._pending = None
        path = self.dir / document_file(doc_id)
        if page is not None:
            write_text(path, with_pager(page, previous, next_id))
        elif unchanged_page != (previous, next_id):
            written = path.read_text("utf-8")
            write_text(path, _WRITTEN_PAGER.sub(lambda _: pager(previous, next_id), written, count=1))

    def document_page(self, row: dict[str, Any], doc: Document | None, cleaned: str | None,
                      previous: str | None = None, next_id: str | None = None) -> str:
        """The whole page of one document (rendered here, not in a worker)."""
        return with_pager(self.pages.page(row, doc, cleaned), previous, next_id)

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

    def finish(self, manifest: dict[str, Any]) -> None:
        """Write the last document's page and the index."""
        started = time.perf_counter()
        self._flush(next_id=None)
        self.write_index(self.dir / INDEX_HTML, manifest)
        self._rows.close()
        self.seconds += time.perf_counter() - started

    def write_index(self, path: Path, manifest: dict[str, Any]) -> None:
        """The index page, its table's rows copied in from the temporary file one at a time."""
        token = secrets.token_hex(16)  # where the rows go: no config or reason can spell it
        head, tail = self._index_page(manifest, token).split(token)
        self._rows.seek(0)
        with atomic_open(path) as out:
            out.write(head + "[")
            for n, line in enumerate(self._rows):
                out.write(", " + line[:-1] if n else line[:-1])  # as json.dumps joins a list
            out.write("]" + tail)
        self._rows.seek(0, 2)

    def _index_page(self, manifest: dict[str, Any], rows_at: str) -> str:
        total = sum(self.counts.values())
        labels = {c.name: c.label for c in self.pages.categories}
        removed = [
            {"label": labels[name], "category": name, "chars": chars,
             "share": chars / self.chars["in"] if self.chars["in"] else 0.0}
            for name, chars in sorted(self.removed_by_category.items(), key=lambda item: -item[1]) if chars
        ]
        rules = sorted(self.rules.items(), key=lambda item: (-item[1].chars, item[0]))
        reasons = sorted(self._reasons)
        return _ENV.get_template("index.html.j2").render(
            counts={"total": total, **{s: self.counts[s] for s in ("kept", "dropped", "failed")}},
            chars=self.chars, removed=removed, rules=rules, max_rule_chars=max((r.chars for _, r in rules), default=0),
            charts=self._charts(total), manifest=manifest,
            config_json=json.dumps(manifest.get("config", {}), indent=2, sort_keys=True, ensure_ascii=False),
            columns=TABLE_COLUMNS, rows_at=rows_at, reasons=reasons, categories=self.pages.categories,
            pages_written=self.pages_written,
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


def _covered(annotations: list[Annotation]) -> int:
    return sum(end - start for start, end in merged_spans([(a.start, a.end) for a in annotations]))


def _legend(doc: Document, known: list[Category]) -> list[dict[str, Any]]:
    """The categories of ``doc``'s annotations in the order of ``known`` (the run's, OTHER last)."""
    names = [c.name for c in known]
    labels = {c.name: c.label for c in known}
    found: dict[str, dict[str, Any]] = {}
    for a in doc.annotations:
        name = category(a.category, names[:-1])
        entry = found.setdefault(name, {"category": name, "label": labels[name],
                                        "removed": 0, "flagged": 0, "replaced": 0})
        entry[{Action.REMOVE: "removed", Action.FLAG: "flagged", Action.REPLACE: "replaced"}[a.action]] += 1
    return sorted(found.values(), key=lambda e: names.index(e["category"]))


def _annotation_row(i: int, a: Annotation, text: str, known: frozenset[str]) -> SimpleNamespace:
    excerpt = text[a.start:a.end].strip()
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rstrip() + " …"
    return SimpleNamespace(i=i, category=category(a.category, known), code=a.code, action=a.action.value, text=excerpt,
                           reason=a.reason, replacement=a.replacement, tip=tip(a))


def _check_row(check: Check, deciding: bool, row: dict[str, Any]) -> SimpleNamespace:
    value = row.get(check.signal)
    result = "no value" if value is None else ("fail" if check.fails(value) else "pass")
    return SimpleNamespace(signal=check.signal, value=_shown(value) if value is not None else "–", rule=check.rule,
                           reason=check.reason, deciding=deciding, result=result)


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _is_web_url(url: str | None) -> bool:
    """Only http(s) URLs become links: a raw record's ``javascript:`` URL stays text."""
    return bool(url) and urlsplit(url).scheme in ("http", "https")
