"""The per-document work: the same code on one core, many, or a cluster (see executors.py)."""

from __future__ import annotations

import gc
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.config import Config, configured
from pipeline.core.decide import Decide
from pipeline.core.document import Annotation, Document, Status
from pipeline.core.registry import Stage, check_order, registered
from pipeline.core.render import cleaned_text
from pipeline.io.ingest import extract
from pipeline.io.outputs import Columns
from pipeline.io.records import RawRecord
from pipeline.reports.pages import PagePolicy, Pages, Tally
from pipeline.run.sites import RepeatedLines
from pipeline.stages.normalize import STAGE as NORMALIZE
from pipeline.stages.normalize import make_document

# A stage that raises on a document fails that document, not the run.
PIPELINE_ERROR = "pipeline.error"
# Processor.seconds' key for the time spent making rows and report pages (not a stage).
PAGES = "report_pages"
# ... and for extracting the HTML pages the reader deferred (the manifest adds it to reading's).
INGEST = "ingest"


class Pipeline:
    """An ordered list of stages, checked once, run per document with timings."""

    def __init__(self, stages: list[Stage]) -> None:
        known = registered()
        self.specs = [known[stage.name] for stage in stages]
        check_order(self.specs)
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


def build_pipeline(config: Config, *, until: str | None = None) -> Pipeline:
    """The configured stages, built from their config sections (see :func:`configured`);
    raises :class:`pipeline.core.registry.PipelineOrderError` when one runs before what it reads."""
    chosen = configured(config, until=until)
    check_order(chosen)  # before any stage loads its models
    return Pipeline([spec.build(config.get(spec.config)) for spec in chosen])


@dataclass(slots=True)
class Outcome:
    record: RawRecord
    doc: Document | None = None
    cleaned: str | None = None
    # Rebuilt from the previous run's row instead of cleaned again.
    reused: bool = False
    # What the writers need, made where the document was processed:
    row: dict[str, Any] = field(default_factory=dict)  # its signals.parquet row
    article: dict[str, Any] | None = None  # its articles row, when kept
    # Its report page (see pipeline.reports.Pages); None when reused with the same row, whose
    # page the previous run wrote, or when it gets no page (has_page, see PagePolicy). UTF-8: a
    # string of this size costs its encoding and decoding again on each side of the pipe.
    page: bytes | None = None
    has_page: bool = True
    tally: Tally | None = None
    # The normalized text its annotations point into (documents.parquet), when it was processed.
    text: str | None = None

    def shipped(self) -> Outcome:
        """This outcome as it travels back from a worker: without the document and the input,
        which the writers do not need (its normalized text is in ``text``)."""
        self.doc = None
        self.record.text = None
        self.record.previous = None
        return self


class Processor:
    """The per-document work: the same code on one core, many, or a cluster."""

    def __init__(self, config: Config) -> None:
        self.pipeline = build_pipeline(config)
        self.columns = Columns(self.pipeline.specs)
        self.decide = Decide.from_config(config)
        self.pages = Pages(self.decide, self.pipeline.specs)
        self.page_policy = PagePolicy.from_config(config)
        # Seconds per stage (the pipeline adds them up), normalizing and PAGES.
        self.seconds = self.pipeline.seconds
        self.seconds[NORMALIZE] = 0.0  # making the Document of the normalized text: a step, not a stage
        self.seconds[PAGES] = 0.0
        self.seconds[INGEST] = 0.0  # extracting the HTML pages the reader deferred
        # The models and lexicons just loaded live as long as the process: frozen, the collector's
        # full collections no longer walk them (they took half of its time; 250 bench documents).
        gc.freeze()

    def __call__(self, record: RawRecord, repeated: RepeatedLines | None = None) -> Outcome:
        """Clean ``record``; ``repeated`` is the run's corpus-level knowledge (None: no counting pass)."""
        outcome = self._clean(record, repeated)
        started = time.perf_counter()
        outcome.row = self.columns.signals_row(record, outcome.doc)
        if outcome.doc is not None and outcome.doc.status is Status.KEPT:
            outcome.article = self.columns.article_row(record, outcome.doc, outcome.cleaned)
        outcome.has_page = self.page_policy.wants(record.sequence, outcome.row)
        if outcome.has_page and not (outcome.reused and record.same_page and outcome.row == record.previous):
            outcome.page = self.pages.page(outcome.row, outcome.doc, outcome.cleaned).encode("utf-8")
        outcome.tally = self.pages.tally(outcome.doc)
        outcome.text = outcome.doc.text if outcome.doc is not None else None
        self.seconds[PAGES] += time.perf_counter() - started
        return outcome

    def _clean(self, record: RawRecord, repeated: RepeatedLines | None) -> Outcome:
        try:
            if record.markup is not None:
                started = time.perf_counter()
                extract(record)
                self.seconds[INGEST] += time.perf_counter() - started
            if record.status is not None:
                return Outcome(record)
            started = time.perf_counter()
            doc = make_document(record)
            # Normalizing (a step before the stages) makes the Document's text.
            self.seconds[NORMALIZE] += time.perf_counter() - started
            doc.site_lines = _site_lines(doc, repeated)
            if record.previous is not None:
                # The row stands for the document only if the corpus still tells it the same.
                if doc.site_lines_digest == record.previous.get("site_lines_digest"):
                    self.restore(doc, record.previous)
                    return Outcome(record, doc, cleaned_text(doc), reused=True)
                record.previous = None
            self.pipeline(doc)
            self.decide(doc)
            return Outcome(record, doc, cleaned_text(doc))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            record.reject(Status.FAILED, PIPELINE_ERROR,
                          f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})")
            return Outcome(record)

    def restore(self, doc: Document, row: dict[str, Any]) -> None:
        """The document as the previous run left it: ``doc`` is its record normalized again (the same
        bytes give the same text); its annotations, signals and notes come from its row, and the
        decision is taken again from them (the run key leaves the thresholds out: a change of
        ``[decide]`` or a filter set re-decides every document without running a stage)."""
        doc.annotations = [Annotation.from_dict(a) for a in row["annotations_list"]]
        self.columns.restore(doc, row)
        doc.error = row["error"]
        self.decide(doc)


def _site_lines(doc: Document, repeated: RepeatedLines | None) -> dict[str, tuple[int, int]]:
    """The document's lines that recur across its site (none when the counting pass is off)."""
    return repeated.of(doc) if repeated is not None else {}
