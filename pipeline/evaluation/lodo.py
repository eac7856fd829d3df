"""Boilerplate, leave one benchmark out: each benchmark (WCXB dev, CleanEval, L3S-GN1) cleaned by
the line model trained without any of its pages (``python -m pipeline.stages.boilerplate_model.train
--lodo``), beside its raw visible text and trafilatura and jusText on the same pages' HTML; and the
same model on the benchmark's gold texts fed as input (:mod:`pipeline.evaluation.clean_input`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.core.config import load_config
from pipeline.evaluation import clean_input, wcxb

LODO = Path(__file__).resolve().parents[1] / "stages" / "boilerplate_model" / "lodo"
SYSTEMS = ("raw visible text", "clean-corpus (text-only)", "trafilatura (HTML input)", "jusText (HTML input)")


def held_out(name: str) -> wcxb.CleanCorpusTextOnly | None:
    """The pipeline whose line model never saw benchmark ``name``; None when it was not trained."""
    model = LODO / f"without-{name}.npz"
    if not model.exists():
        return None
    config = load_config()
    config["boilerplate_model"]["model"] = str(model)
    return wcxb.CleanCorpusTextOnly(config, cv=None)


def evaluate(limit: int | None = None, measured: dict[str, dict] | None = None) -> dict[str, dict]:
    """``measured``: rows already scored on a benchmark's same pages, by benchmark and system (the
    main table's WCXB dev rows for the raw text and trafilatura), taken instead of scoring again."""
    results = {}
    for name, pages in clean_input.datasets().items():
        ours = held_out(name)
        if ours is None:
            continue
        pages = pages[:limit] if limit else pages
        known = (measured or {}).get(name, {})
        extractors = dict(zip(SYSTEMS, (wcxb.raw_text, ours, wcxb.trafilatura_html, wcxb.justext_html), strict=True))
        scored = wcxb.evaluate(pages, {system: run for system, run in extractors.items() if system not in known})
        results[name] = {"boilerplate": {system: known.get(system) or scored[system] for system in SYSTEMS},
                         "clean_input": clean_input.evaluate(pages, ours)}
    return results


def minimum(results: dict[str, dict], system: str = SYSTEMS[1]) -> float:
    """The lowest word-F1 (all pages) of ``system`` over the benchmarks left out."""
    return min(row["boilerplate"][system]["all"]["f1"] for row in results.values())
