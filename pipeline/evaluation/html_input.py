"""HTML input, the whole pipeline: each benchmark's pages written as ``.html`` files and cleaned by
clean-corpus as a user runs it (trafilatura extracts the article, :mod:`pipeline.io.html` unwraps
the tables a page is laid out with or reads the visible text where trafilatura finds no article,
then the stages and the quality filters decide).

Per benchmark: the pages, how many were kept, and WCXB's word P/R/F1 of each page's cleaned text
against its gold, a page not kept counting as an empty text (what a user gets from it). The line
model is the shipped one, trained on WCXB dev alone (its data card): WCXB dev's row is in-sample,
CleanEval's and L3S-GN1's pages are new to it. The row measures what the road through HTML keeps
and loses, not the line model (the leave-one-out rows do that).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from pipeline.evaluation import lodo, wcxb

# Report pages are not what this row measures: none are written.
NO_PAGES = ("reports.pages=0", "reports.review_share=0", "reports.sample_share=0")


def evaluate(limit: int | None = None, workers: int = 2, ids: dict[str, set[str]] | None = None) -> dict[str, dict]:
    """Benchmark -> its pages, pages kept, and word scores (all pages; not kept = empty text); with
    ``ids``, only those pages of each benchmark it names."""
    benchmarks = [(name, pages if ids is None else [page for page in pages if page.id in ids[name]])
                  for name, pages in lodo.benchmarks(limit) if ids is None or name in ids]
    with tempfile.TemporaryDirectory(prefix="clean-corpus-html-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        for name, pages in benchmarks:
            (raw / name).mkdir(parents=True)
            for page in pages:
                (raw / name / f"{page.id}.html").write_text(page.html, "utf-8")
        settings = [option for setting in NO_PAGES for option in ("--set", setting)]
        # Its own process, as a user runs it (and as make bench does).
        run = subprocess.run([sys.executable, "-m", "pipeline", str(raw), "--cleaned", str(out / "cleaned"),
                              "--reports", str(out / "reports"), "--quiet", "--workers", str(workers), *settings],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"clean-corpus exited with {run.returncode} on the benchmarks' HTML pages: "
                               f"{run.stderr[-2000:]}")
        signals = pd.read_parquet(out / "reports" / "signals").set_index("source")
        results = {}
        for name, pages in benchmarks:
            scores, kept = wcxb.Scores(), 0
            for page in pages:
                row = signals.loc[f"{name}/{page.id}.html"]
                text = ""
                if row["status"] == "kept":
                    kept += 1
                    text = (out / "cleaned" / f"{row['id']}.txt").read_text("utf-8")
                scores.add(wcxb.word_prf(text, page.gold), wcxb.snippet_rates(text, page))
            results[name] = {"kept": kept, **scores.row()}
    return results
