"""A document's report page, rendered where the document was cleaned (in the worker), with a
placeholder where the "previous / next document" links go (:data:`PAGER`), and which documents
get one (:class:`PagePolicy`). Autoescaping is on: a document's text reaches the page only through
:mod:`.markup` or as template variables, so its markup is always shown as text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from pipeline.core.decide import Check, Decide
from pipeline.core.document import Action, Annotation, Document
from pipeline.core.registry import Category, StageSpec, categories, ordered
from pipeline.core.render import merged_spans
from pipeline.io.outputs import INDEX_HTML, Columns
from pipeline.reports.markup import annotated_html, category, escaped

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    auto_reload=False,  # the package's templates do not change under a run: no stat of them per page
)
ENV.filters["num"] = "{:,}".format
# An annotation's text is shown in full up to this many characters in the annotation table.
EXCERPT_CHARS = 240

# Where a page's pager goes until its neighbours are known. Autoescaping turns every "<" of a
# document's text into "&lt;", so no document can put this comment on its page.
PAGER = "<!-- clean-corpus: pager -->"
_PAGER_BYTES = PAGER.encode("utf-8")


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
class Tally:
    """One document's share of the overview's totals, counted where it was cleaned."""

    rules: dict[str, tuple[str, int, int]]  # code -> (action, annotations, characters covered)
    removed: dict[str, int]  # category -> characters removed


class Pages:
    """A document's page and tally; runs in the worker that cleaned the document. ``chosen``: the
    run's stages, whose categories colour the marks and whose ``report`` partials add to the page."""

    def __init__(self, decide: Decide, chosen: list[StageSpec]) -> None:
        self.checks = decide.all_checks
        columns = Columns(chosen)
        self.signal_names = columns.signal_names
        # The signals table's columns: a row read back (``clean-corpus serve``) has each of them.
        self.fields = tuple(columns.signals_schema.names)
        self.categories = categories(chosen)
        self.known = frozenset(c.name for c in self.categories[:-1])
        # The tables' cells that are the same on every page, escaped once (see markup.escaped).
        self.check_cells = [(escaped(check.signal), escaped(check.rule), escaped(check.reason), deciding)
                            for check, deciding in self.checks]
        self.signal_cells = [(name, escaped(name)) for name in self.signal_names]
        # Each partial's macros: facts(row, marks) for the facts list, evidence(row, marks) after the checks.
        self.partials = [(spec.category.name if spec.category else spec.name,
                          ENV.get_template(spec.report).module)
                         for spec in ordered(chosen) if spec.report is not None]

    def page(self, row: dict[str, Any], doc: Document | None, cleaned: str | None) -> str:
        """The page, with :data:`PAGER` for its links to the documents around it (see :func:`with_pager`)."""
        annotations = doc.annotations if doc is not None else []
        # Each category's marks as (index, text, annotation), for the stages' partials.
        marks: dict[str, list[tuple[int, str, Annotation]]] = {}
        for i, a in enumerate(annotations):
            marks.setdefault(a.category, []).append((i, doc.text[a.start:a.end], a))
        checks = [_check_row(check, deciding, row) for check, deciding in self.checks]
        # Rows as attributes: jinja2 reads ``row.title`` with getattr first, and a dict's
        # AttributeError before every key lookup was a third of the page's time.
        return ENV.get_template("document.html.j2").render(
            row=SimpleNamespace(**row),
            url=row["url"] if _is_web_url(row["url"]) else None,
            checks=checks,
            check_rows=[(signal, escaped(c.value), rule, reason, deciding, c.result)
                        for (signal, rule, reason, deciding), c in zip(self.check_cells, checks, strict=True)],
            signals=[(cell, escaped(_shown(row[name]))) for name, cell in self.signal_cells
                     if row.get(name) is not None],
            legend=_legend(doc, self.categories) if doc is not None else [],
            annotated=annotated_html(doc.text, annotations, self.known) if doc is not None else None,
            annotations=[_annotation_row(i, a, doc.text, self.known) for i, a in enumerate(annotations)],
            partials=[(partial, marks.get(name, [])) for name, partial in self.partials],
            categories=self.categories,
            cleaned=cleaned,
            pager=Markup(PAGER),
        )

    def tally(self, doc: Document | None) -> Tally:
        return self.tally_of(doc.annotations) if doc is not None else Tally({}, {})

    def tally_of(self, annotations: list[Annotation]) -> Tally:
        by_code: dict[str, list[Annotation]] = {}
        for a in annotations:
            by_code.setdefault(a.code, []).append(a)
        rules = {code: (found[0].action.value, len(found), _covered(found)) for code, found in by_code.items()}
        removed = {name: _covered([a for a in annotations if category(a.category, self.known) == name
                                   and a.action is Action.REMOVE])
                   for name in {category(a.category, self.known) for a in annotations}}
        return Tally(rules, removed)


def pager(previous: str | None, next_id: str | None) -> str:
    return ENV.get_template("pager.html.j2").render(
        index_href=INDEX_HTML,
        previous_href=document_href(previous) if previous else None,
        next_href=document_href(next_id) if next_id else None,
    )


def with_pager(page: bytes, previous: str | None, next_id: str | None) -> bytes:
    """``page`` (:meth:`Pages.page`, UTF-8 encoded, as it travels from a worker: bytes are copied
    where a string is decoded) with its links to the documents around it."""
    return page.replace(_PAGER_BYTES, pager(previous, next_id).encode("utf-8"), 1)


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


def _annotation_row(i: int, a: Annotation, doc_text: str, known: frozenset[str]) -> tuple:
    """The cells the template's annotation table unpacks (escaped: see markup.escaped)."""
    excerpt = doc_text[a.start:a.end].strip()
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rstrip() + " …"
    return (i, escaped(category(a.category, known)), escaped(a.code), a.action.value, escaped(excerpt),
            escaped(a.reason), None if a.replacement is None else escaped(a.replacement))


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
