"""``make bench``: clean-corpus against datatrove's filters and a floor, side by side, in one run.

Usage: python -m pipeline.benchmark [--docs N] [--workers N] [--work DIR] [--json FILE]

On one deterministic corpus (see :mod:`pipeline.benchmark.corpus`), each run is its own
process tree, timed by the wall clock and sampled for resident memory:

* clean-corpus, full pipeline and reports, 1 worker and ``--workers`` (all cores);
* datatrove's heuristic filters with default settings (see :mod:`pipeline.benchmark.peers`),
  with the same worker counts;
* the floor: read the JSONL, one regex word pass, write it back;
* clean-corpus on a Dask LocalCluster of 2 workers;
* clean-corpus, 1 worker, on the corpus's first shard (an eighth of it): peak memory should
  not grow with corpus size.

Then where the 1-worker clean-corpus run's time went per stage, in milliseconds per document,
beside datatrove's whole 1-worker run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from pipeline.benchmark.corpus import DEFAULT_DOCS, STAMP, CorpusSpec, build
from pipeline.io.shards import shard_name

# Resident memory is sampled this often (seconds).
SAMPLE_SECONDS = 0.2
DEFAULT_WORK = Path(".bench")
# Megabytes of text in a terabyte, for the projected core-hours per TB (10^12 bytes).
MB_PER_TB = 1_000_000
# A run's figures made of its seconds (none for a run that failed).
SPEEDS = ("docs_per_second", "mb_per_second", "core_hours_per_tb")
# The run on the corpus's first shard (an eighth of it: corpus.CorpusSpec has 8 shards).
FIRST_SHARD = "clean-corpus-1-first-shard"


@dataclass(slots=True)
class Result:
    name: str
    system: str
    workers: int
    docs: int
    text_mb: float
    seconds: float
    peak_rss_mb: float  # the whole process tree at its largest
    peak_process_rss_mb: float  # the largest single process
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def docs_per_second(self) -> float:
        return self.docs / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.text_mb / self.seconds

    @property
    def core_hours_per_tb(self) -> float:
        """Core-hours to clean a terabyte of text at this run's speed per core (10^6 MB)."""
        return MB_PER_TB / (self.mb_per_second / self.workers) / 3600


def measure(name: str, system: str, workers: int, command: list[str], docs: int, text_mb: float,
            log: Path) -> Result:
    """Run ``command`` and sample its process tree's memory until it ends."""
    peak = peak_process = 0
    started = time.perf_counter()
    with open(log, "w") as out:
        process = psutil.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        while process.poll() is None:
            rss = []
            for proc in [process, *process.children(recursive=True)]:
                try:
                    rss.append(proc.memory_info().rss)
                except psutil.Error:
                    pass  # it ended between listing and sampling
            peak, peak_process = max(peak, sum(rss)), max(peak_process, max(rss, default=0))
            time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        print(f"bench: {name} exited with {process.returncode}; see {log}", file=sys.stderr)
    return Result(name, system, workers, docs, text_mb, seconds, peak / 1e6, peak_process / 1e6, process.returncode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS, help="documents in the corpus (default 20000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes for the all-cores runs (default: all cores)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where the corpus and outputs go (.bench)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    corpus_dir = args.work / "corpus"
    print(f"bench: building the corpus in {corpus_dir} ...", file=sys.stderr)
    stamp = build(corpus_dir, CorpusSpec(docs=args.docs))
    text_mb = stamp["text_bytes"] / 1e6
    subset_dir = args.work / "corpus-first-shard"
    first_shard = sorted(corpus_dir.glob("*.jsonl"))[0]
    subset_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(first_shard, subset_dir / first_shard.name)
    subset_docs = subset_bytes = 0
    with open(first_shard, encoding="utf-8") as lines:
        for line in lines:
            subset_docs += 1
            subset_bytes += len(json.loads(line)["text"].encode("utf-8"))
    print(f"bench: {stamp['documents']} documents, {text_mb:.1f} MB of text (sha256 {stamp['sha256'][:12]})",
          file=sys.stderr)

    python = sys.executable
    peers = [python, "-m", "pipeline.benchmark.peers"]
    full = (stamp["documents"], text_mb)

    def clean_corpus(source: Path, out: Path, *options: str) -> list[str]:
        return [python, "-m", "pipeline", str(source), "--cleaned", str(out / "cleaned"), "--reports",
                str(out / "reports"), "--quiet", *options]

    # (name, system, workers, (documents, MB of text), command for an output directory)
    plan = []
    for workers in sorted({1, args.workers}):
        for peer in ("floor", "datatrove"):
            plan.append((f"{peer}-{workers}", peer, workers, full,
                         lambda out, p=peer, w=workers: [*peers, p, str(corpus_dir), str(out), str(w)]))
        plan.append((f"clean-corpus-{workers}", "clean-corpus", workers, full,
                     lambda out, w=workers: clean_corpus(corpus_dir, out, "--workers", str(w))))
    plan.append(("clean-corpus-dask-2", "clean-corpus (dask)", 2, full,
                 lambda out: clean_corpus(corpus_dir, out, "--executor", "dask", "--workers", "2")))
    plan.append((FIRST_SHARD, "clean-corpus", 1, (subset_docs, subset_bytes / 1e6),
                 lambda out: clean_corpus(subset_dir, out, "--workers", "1")))
    results = []
    for name, system, workers, (docs, mb), command in plan:
        out = args.work / "runs" / name
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        print(f"bench: {name} ...", file=sys.stderr)
        results.append(measure(name, system, workers, command(out), docs, mb, out.with_suffix(".log")))
        print(f"bench: {name}: {results[-1].seconds:.1f} s", file=sys.stderr)

    summary = report(results, stamp, args.workers)
    manifest = args.work / "runs" / "clean-corpus-1" / "reports" / "manifests" / f"{shard_name(corpus_dir)}.json"
    by_name = {r.name: r for r in results}
    summary["time_per_document"] = (where_time_goes(manifest, _ok(by_name.get("datatrove-1")))
                                    if _ok(by_name.get("clean-corpus-1")) else None)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return 0 if all(r.exit_code == 0 for r in results) else 1


def report(results: list[Result], stamp: dict, all_cores: int) -> dict:
    by_name = {r.name: r for r in results}
    print()
    print(f"Benchmark corpus: {stamp['documents']} documents, {stamp['text_bytes'] / 1e6:.1f} MB of text, "
          f"{os.cpu_count()} cores ({STAMP}: sha256 {stamp['sha256'][:12]})")
    header = (f"{'run':26} {'workers':>7} {'seconds':>8} {'docs/s':>8} {'MB/s':>7} {'MB/s/core':>9} "
              f"{'core-h/TB':>9} {'peak RSS MB':>11} {'per proc':>8} {'vs datatrove':>12} {'vs floor':>8}")
    print(header)
    print("-" * len(header))
    ratios = {}
    for r in results:
        if not r.ok:
            # Its seconds are those it took to fail: no figure is made of them, nor any ratio.
            ratios[r.name] = {"vs_datatrove": None, "vs_floor": None}
            print(f"{r.name:26} {r.workers:>7}  failed (exit {r.exit_code}): its log is {r.name}.log under runs/")
            continue
        datatrove = _ok(by_name.get(f"datatrove-{r.workers}"))
        floor = _ok(by_name.get(f"floor-{r.workers}"))
        vs_dt = r.mb_per_second / datatrove.mb_per_second if datatrove and r.system.startswith("clean") else None
        vs_floor = r.mb_per_second / floor.mb_per_second if floor and r.system != "floor" else None
        ratios[r.name] = {"vs_datatrove": vs_dt, "vs_floor": vs_floor}
        print(f"{r.name:26} {r.workers:>7} {r.seconds:>8.1f} {r.docs_per_second:>8.1f} {r.mb_per_second:>7.3f} "
              f"{r.mb_per_second / r.workers:>9.3f} {r.core_hours_per_tb:>9.0f} {r.peak_rss_mb:>11.0f} "
              f"{r.peak_process_rss_mb:>8.0f} "
              f"{_ratio(vs_dt):>12} {_ratio(vs_floor):>8}")
    dask, one, shard = (_ok(by_name.get(name)) for name in ("clean-corpus-dask-2", "clean-corpus-1", FIRST_SHARD))
    print()
    if dask and one:
        print(f"Dask LocalCluster, 2 workers, vs local, 1 worker: {dask.mb_per_second / one.mb_per_second:.2f}x")
    if one and shard:
        print(f"Peak RSS, 1 worker: {shard.text_mb:.0f} MB corpus {shard.peak_rss_mb:.0f} MB, "
              f"{one.text_mb:.0f} MB corpus {one.peak_rss_mb:.0f} MB ({one.peak_rss_mb / shard.peak_rss_mb - 1:+.1%})")
    return {"corpus": stamp, "cores": os.cpu_count(), "all_cores_workers": all_cores,
            "runs": [{**asdict(r), **{speed: getattr(r, speed) if r.ok else None for speed in SPEEDS},
                      **ratios[r.name]} for r in results]}


def where_time_goes(manifest_path: Path, datatrove: Result | None) -> dict[str, float] | None:
    """Milliseconds per document in each stage of the 1-worker clean-corpus run (its manifest's
    timings), beside datatrove's whole 1-worker run. The quality stage computes the same Gopher,
    C4 and FineWeb signals as datatrove's filters (``make eval`` checks the parity)."""
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    documents = manifest["counts"]["total"]
    timings = manifest["timings"]
    per_document = {name: 1000 * seconds / documents for name, seconds in timings["stage_seconds"].items()}
    per_document["making rows and report pages"] = 1000 * timings["page_seconds"] / documents
    per_document["writing pages and the index"] = 1000 * timings["report_seconds"] / documents
    if "output_seconds" in timings:  # a manifest from before it was measured counts it in the rest
        per_document["writing cleaned/ and the tables"] = 1000 * timings["output_seconds"] / documents
    total = 1000 * timings["total_seconds"] / documents
    per_document["rest (start-up, reading, passing documents)"] = total - sum(per_document.values())
    print()
    print("Where clean-corpus's time goes, 1 worker (ms per document):")
    for name, ms in sorted(per_document.items(), key=lambda item: -item[1]):
        print(f"  {name:44} {ms:7.2f}")
    print(f"  {'total':44} {total:7.2f}")
    if datatrove:
        whole = 1000 * datatrove.seconds / datatrove.docs
        print(f"  datatrove's whole run, 1 worker: {whole:.2f} ms per document; the quality stage, which computes "
              f"the same signals, {whole / per_document['quality']:.1f}x faster")
    return per_document


def _ok(result: Result | None) -> Result | None:
    """``result`` if its run succeeded."""
    return result if result is not None and result.ok else None


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


if __name__ == "__main__":
    sys.exit(main())
