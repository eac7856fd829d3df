"""Boilerplate, leave one benchmark out: each benchmark (WCXB dev, CleanEval, L3S-GN1) cleaned by
the line model trained without any of its pages (``python -m pipeline.stages.boilerplate_model.train
--lodo``), beside its raw visible text and trafilatura and jusText on the same pages' HTML, and again
with a page the decision drops scored as empty (what a run hands over); and the same model on the
benchmark's gold texts fed as input (:mod:`pipeline.evaluation.clean_input`).

``python -m pipeline.evaluation.lodo --thresholds 0.25,0.32,0.4`` scores the same models at other line
model thresholds, to tell a change of calibration from a better model (``DATA_CARD.md``'s limits).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from pipeline.core.config import load_config
from pipeline.evaluation import clean_input, wcxb

LODO = Path(__file__).resolve().parents[1] / "stages" / "boilerplate_model" / "lodo"
# The last is clean-corpus's text as a run hands it over: a page the decision drops scores as empty.
SYSTEMS = ("raw visible text", "clean-corpus (text-only)", "trafilatura (HTML input)", "jusText (HTML input)",
           wcxb.AsDecided.name)


def held_out(name: str, threshold: float | None = None) -> wcxb.CleanCorpusTextOnly | None:
    """The pipeline whose line model never saw benchmark ``name`` (at ``threshold``, or the configured
    one); None when it was not trained."""
    model = LODO / f"without-{name}.npz"
    if not model.exists():
        return None
    config = load_config()
    config["boilerplate_model"]["model"] = str(model)
    if threshold is not None:
        config["boilerplate_model"]["threshold"] = threshold
    return wcxb.CleanCorpusTextOnly(config, cv=None)


def evaluate(limit: int | None = None, measured: dict[str, dict] | None = None) -> dict[str, dict]:
    """``measured``: rows already scored on a benchmark's same pages, by benchmark and system (the
    main table's WCXB dev rows for the raw text and trafilatura), taken instead of scoring again."""
    results = {}
    for name, pages in benchmarks(limit):
        ours = held_out(name)
        if ours is None:
            continue
        known = (measured or {}).get(name, {})
        extractors = dict(zip(SYSTEMS, (wcxb.raw_text, ours, wcxb.trafilatura_html, wcxb.justext_html,
                                        wcxb.AsDecided(ours)), strict=True))
        scored = wcxb.evaluate(pages, {system: run for system, run in extractors.items() if system not in known})
        results[name] = {"boilerplate": {system: known.get(system) or scored[system] for system in SYSTEMS},
                         "clean_input": clean_input.evaluate(pages, ours)}
    return results


def sweep(thresholds: list[float], limit: int | None = None) -> dict[str, dict[float, dict]]:
    """Each benchmark left out, at each line model threshold: clean-corpus's word scores (all pages)
    and the clean-input row, by benchmark and threshold."""
    results: dict[str, dict[float, dict]] = {}
    for name, pages in benchmarks(limit):
        for threshold in thresholds:
            ours = held_out(name, threshold)
            if ours is None:
                break
            results.setdefault(name, {})[threshold] = {
                "boilerplate": wcxb.evaluate(pages, {"ours": ours})["ours"]["all"],
                "clean_input": clean_input.evaluate(pages, ours)}
    return results


def benchmarks(limit: int | None) -> Iterator[tuple[str, list[wcxb.Page]]]:
    """Each benchmark found beside the repository, by name, with its pages (its first ``limit``)."""
    for name, pages in clean_input.datasets().items():
        yield name, pages[:limit] if limit else pages


def minimum(results: dict[str, dict], system: str = SYSTEMS[1]) -> float:
    """The lowest word-F1 (all pages) of ``system`` over the benchmarks left out."""
    return min(row["boilerplate"][system]["all"]["f1"] for row in results.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation.lodo", description=(
        "Each benchmark cleaned by the line model trained without it, at several thresholds: word-F1 "
        "of its pages and the share of its gold texts' words kept when they are the input."))
    parser.add_argument("--thresholds", type=_thresholds, default=None,
                        help="comma-separated line model thresholds (default: the configured one; about 2 "
                             "minutes each on 2 cores)")
    parser.add_argument("--limit", type=int, default=None, help="the first N pages of each benchmark")
    args = parser.parse_args(argv)
    results = sweep(args.thresholds or [load_config()["boilerplate_model"]["threshold"]], args.limit)
    if not results:
        print(f"no leave-one-benchmark-out model in {LODO} (python -m pipeline.stages.boilerplate_model.train --lodo)",
              file=sys.stderr)
        return 1
    print(f"{'benchmark':12} {'threshold':>9} {'pages':>5} {'P':>7} {'R':>7} {'F1':>7} {'gold kept':>9} {'losing':>6}")
    for name, by_threshold in results.items():
        for threshold, row in by_threshold.items():
            b, c = row["boilerplate"], row["clean_input"]
            print(f"{name:12} {threshold:>9g} {b['pages']:>5} {b['precision']:>7.4f} {b['recall']:>7.4f} "
                  f"{b['f1']:>7.4f} {c['words_kept']:>9.4f} {c['losing_documents']:>6}")
    return 0


def _thresholds(text: str) -> list[float]:
    try:
        found = [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not all(0 <= t <= 1 for t in found):
        raise argparse.ArgumentTypeError(f"a threshold is a probability, from 0 to 1: {text!r}")
    return found


if __name__ == "__main__":
    raise SystemExit(main())
