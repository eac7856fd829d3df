"""Spun text measured on development data: spinner families over WCXB dev articles.

The word model is fitted (:mod:`pipeline.stages.spun.train`) with the ``wordnet`` and
``broader`` spinners on the articles of the WCXB dev sites in fold A; every family of
:mod:`pipeline.evaluation.spinners` spins the articles of the sites in fold B at 10%, 20% and
35% of the content words it could swap. Negatives are fold B's clean pages of every type
(articles, products, forums, listings, documentation, ...). Per family and rate: AUC against the
clean articles, recall at the shipped threshold, and recall at the threshold that flags 1% of
the clean pages; the minimum over the families the model was not fitted with. Leave one family
out: each family scored so by the model fitted without it, and its word model's AUC of the words
the family put in (:func:`word_auc`). The seeds are checked on their own (003 and 004 are real
spun articles, 000-002 are not).

``--repair-spun`` is measured on the spinners' own swaps (:func:`repair`): each family spins the
held-out articles at every rate, and a replacement is right when it gives back, in any case,
exactly the words the spinner replaced in its span; a replacement in a clean article is wrong.
Precision per built-in lexicon: right replacements over all replacements.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.core.config import load_config
from pipeline.core.document import Action, Annotation, Document
from pipeline.evaluation import clean_input
from pipeline.evaluation.spinners import content_words, families
from pipeline.evaluation.wcxb import DEFAULT_WCXB, Page, articles, fold, load_pages
from pipeline.io.records import RawRecord
from pipeline.run.processor import build_pipeline
from pipeline.stages.normalize import make_document, normalize_text
from pipeline.stages.spun.lexicon import BUILTIN_LEXICONS

SEED = 20261121
# The shares of swappable words the word model's document model is fitted at (train.py) ...
RATES = (0.1, 0.2, 0.3)
# ... and the shares each family spins at here.
EVAL_RATES = (0.1, 0.2, 0.35)
# The families the shipped model is fitted with, both from WordNet: the others are the ones it never
# saw. A looser thesaurus among them (Moby) taught it that a writer's rare words are swaps: with
# wordnet and moby it flagged 8.4% of CleanEval's clean pages, with wordnet and broader 3.2%
# (1.0% once the document model read the writer's baseline and its worst word fits).
FITTED_WITH = ("wordnet", "broader")
# Recall is also read where this share of clean pages is flagged.
MAX_CLEAN_FLAGGED = 0.01
# The models fitted with one spinner family left out (``python -m pipeline.stages.spun.train --lofo``).
LOFO_DIR = Path(__file__).resolve().parents[1] / "models" / "spun_lofo"


class SpunOnly:
    """The spun stage after segmenting, on an article's text."""

    def __init__(self, **overrides) -> None:
        config = load_config()
        config["pipeline"]["stages"] = ["segment", "spun"]
        config["spun"].update(overrides)
        self.pipeline = build_pipeline(config)
        self.stage = self.pipeline.stages[self.pipeline.names.index("spun")]

    def __call__(self, page: Page, body: str):
        doc = make_document(RawRecord(id=page.id, source=f"{page.id}.txt", position=1, text=body, title=page.title))
        return self.pipeline(doc)


def auc(negatives: Sequence[float], positives: Sequence[float]) -> float:
    """P(a positive scores above a negative), ties counting half: the Mann-Whitney U over both
    counts, from each positive's mean rank among all the scores (0 when either side is empty)."""
    if not len(negatives) or not len(positives):
        return 0.0
    ranked = np.sort(np.concatenate([np.asarray(negatives, dtype=np.float64), np.asarray(positives, dtype=np.float64)]))
    mine = np.asarray(positives, dtype=np.float64)
    # A score's mean 1-based rank among equal ones: (those below + those up to it + 1) / 2.
    ranks = (np.searchsorted(ranked, mine, side="left") + np.searchsorted(ranked, mine, side="right") + 1) / 2
    n = len(mine)
    return float((ranks.sum() - n * (n + 1) / 2) / (n * len(negatives)))


def word_auc(stage: SpunOnly, spun: list[tuple[str, list[tuple[int, int, str]]]]) -> float:
    """How ``stage``'s word model ranks the words a spinner put in (every word of a substitute of
    several words) above the other content words of the same ``spun`` texts (each with its
    swaps, :meth:`~pipeline.evaluation.spinners.Spinner.swaps`): the word-level AUC, which the
    document's score builds on."""
    put_in, kept = [], []
    for text, swaps in spun:
        words = stage.stage.word_features(text)
        if not len(words):
            continue
        scores = stage.stage.model.word_scores(words.rows)
        starts = np.array([start for start, _, _ in swaps], dtype=np.int64)
        ends = np.array([end for _, end, _ in swaps], dtype=np.int64)
        at = words.offsets[:, 0].astype(np.int64)
        k = np.searchsorted(starts, at, side="right") - 1  # the last swap starting at or before each word
        inside = (k >= 0) & (at < ends[np.maximum(k, 0)]) if len(swaps) else np.zeros(len(at), dtype=bool)
        put_in.append(scores[inside])
        kept.append(scores[~inside])
    return auc(np.concatenate(kept), np.concatenate(put_in)) if put_in else 0.0


def cut_flagging(clean: list[float], share: float = MAX_CLEAN_FLAGGED) -> float:
    """The score that ``share`` of the ``clean`` scores lie above."""
    return sorted(clean)[int(len(clean) * (1 - share))]


def evaluate(pages: list[Page], *, threshold: float | None = None) -> dict:
    threshold = load_config()["spun"]["flag_above"] if threshold is None else threshold
    clean_pages = [p for p in pages if fold(p) == "B"]
    held_out = articles(clean_pages)
    shipped = _scored(SpunOnly(), clean_pages, held_out, families(), threshold)
    by_type: dict[str, list[float]] = {}
    for p in clean_pages:
        by_type.setdefault(p.page_type, []).append(shipped["scores"][p.id]["spun_score"])
    # Each family with the model fitted on the others alone (``python -m pipeline.stages.spun.train --lofo``).
    lofo = {}
    for name, spinner in families().items():
        path = LOFO_DIR / f"without-{name}.npz"
        if path.exists():
            scored = _scored(SpunOnly(model=str(path)), clean_pages, held_out, {name: spinner}, threshold, words=True)
            lofo[name] = {**scored["families"][name], "threshold_at_1pct": scored["threshold_at_1pct"]}
    unseen = [row for name, row in shipped["families"].items() if name not in FITTED_WITH]
    return {
        "articles": len(held_out),
        "clean_pages": len(clean_pages),
        "threshold": threshold,
        "threshold_at_1pct": shipped["threshold_at_1pct"],
        "families": shipped["families"],
        "minimum": _minimum(unseen),
        "leave_one_family_out": lofo,
        "lofo_minimum": _minimum(list(lofo.values())) if lofo else {},
        "clean_flagged": sum(shipped["scores"][p.id]["spun_score"] > threshold for p in held_out)
        / max(len(held_out), 1),
        "clean_flagged_by_type": {t: {"pages": len(v), "flagged": sum(s > threshold for s in v) / len(v)}
                                  for t, v in sorted(by_type.items())},
        "clean_with_tortured_phrase": sum(shipped["scores"][p.id]["spun_tortured_phrases"] > 0 for p in held_out),
        "repair": repair(held_out),
    }


def other_clean_flagged(*, limit: int | None = None, threshold: float | None = None) -> dict[str, dict]:
    """The shipped model's flags on clean pages of other eras and kinds, which it was neither
    fitted nor calibrated on: the gold texts of the other benchmarks found beside the repository
    (CleanEval's 2007 blogs, forums and personal pages; L3S-GN1's 2010 news), the first ``limit``
    of each, read once with the clean-input rows' (:func:`~pipeline.evaluation.clean_input.datasets`)."""
    threshold = load_config()["spun"]["flag_above"] if threshold is None else threshold
    stage, found = SpunOnly(), {}
    for name, pages in clean_input.datasets().items():
        if name != "wcxb-dev":
            chosen = pages[:limit]
            flagged = sum(stage(p, p.gold).signals["spun_score"] > threshold for p in chosen)
            found[name] = {"pages": len(chosen), "flagged": flagged}
    return found


def repair(held_out: list[Page]) -> dict[str, dict]:
    """Per built-in lexicon, how often ``--repair-spun``'s replacements give back what the spinner
    replaced (see the module docstring). The articles are normalized before they are spun, so the
    stage's document is the title, a blank line and the spun text, offsets and all."""
    stages = {name: SpunOnly(model=None, repair=True, lexicons=[name], repair_lexicons=[name])
              for name in BUILTIN_LEXICONS}
    rows = {name: {"replaced": 0, "restored": 0, "clean_replaced": 0, "families": {}} for name in BUILTIN_LEXICONS}
    bodies = [normalize_text(p.gold) for p in held_out]
    for name, stage in stages.items():
        rows[name]["clean_replaced"] = sum(len(_replacements(stage(page, body)))
                                           for page, body in zip(held_out, bodies, strict=True))
    for family, spinner in families().items():
        rng = random.Random(SEED)
        for rate in EVAL_RATES:
            for page, body in zip(held_out, bodies, strict=True):
                spun, swaps = spinner.swaps(body, rate, rng)
                for name, stage in stages.items():
                    doc = stage(page, spun)
                    offset = len(doc.text) - len(spun)
                    found = rows[name]["families"].setdefault(family, {"replaced": 0, "restored": 0})
                    for a in _replacements(doc):
                        right = _restores(spun, swaps, a.start - offset, a.end - offset, a.replacement)
                        for counts in (found, rows[name]):
                            counts["replaced"] += 1
                            counts["restored"] += right
    for row in rows.values():
        row["precision"] = row["restored"] / max(row["replaced"] + row["clean_replaced"], 1)
    return rows


def _replacements(doc: Document) -> list[Annotation]:
    return [a for a in doc.annotations if a.action is Action.REPLACE]


def _restores(spun: str, swaps: list[tuple[int, int, str]], start: int, end: int, replacement: str) -> bool:
    """Whether ``replacement`` of ``spun[start:end]`` is what the spinner replaced there: the
    span holds at least one swap, none crosses its edges, and undoing them gives ``replacement``."""
    pieces, at = [], start
    for swap_start, swap_end, original in swaps:
        if swap_end <= start or swap_start >= end:
            continue
        if swap_start < start or swap_end > end:
            return False
        pieces += [spun[at:swap_start], original]
        at = swap_end
    return bool(pieces) and ("".join(pieces) + spun[at:end]).lower() == replacement.lower()


def _minimum(rows: list[dict[str, dict]]) -> dict[str, dict[str, float]]:
    """Per rate, each measure's lowest value over ``rows`` (families' rows by rate), but the share changed."""
    return {str(rate): {m: min(row[str(rate)][m] for row in rows) for m in rows[0][str(rate)] if m != "changed"}
            for rate in EVAL_RATES}


def _scored(stage: SpunOnly, clean_pages: list[Page], held_out: list[Page], spinners: dict, threshold: float,
            *, words: bool = False) -> dict:
    """``stage``'s scores of the clean pages, and per spinner and rate the share of the articles'
    content words it changed (a substitute of several words is one change), its AUC against the
    clean articles and its recall at ``threshold`` and where 1% of the clean pages (every type) lie
    above; with ``words``, also the :func:`word_auc` of the spun articles."""
    scores = {p.id: stage(p, p.gold).signals for p in clean_pages}
    clean = [scores[p.id]["spun_score"] for p in held_out]
    at_one_percent = cut_flagging([signals["spun_score"] for signals in scores.values()])
    rows: dict[str, dict[str, dict]] = {}
    content = max(1, sum(content_words(p.gold) for p in held_out))
    for name, spinner in spinners.items():
        rng = random.Random(SEED)
        for rate in EVAL_RATES:
            made = [spinner.swaps(p.gold, rate, rng) for p in held_out]
            spun = [stage(p, text).signals["spun_score"] for p, (text, _) in zip(held_out, made, strict=True)]
            rows.setdefault(name, {})[str(rate)] = {
                "changed": sum(len(swaps) for _, swaps in made) / content,
                "auc": auc(clean, spun),
                "recall": sum(s > threshold for s in spun) / max(len(spun), 1),
                "recall_at_1pct": sum(s > at_one_percent for s in spun) / max(len(spun), 1),
                **({"word_auc": word_auc(stage, made)} if words else {}),
            }
    return {"scores": scores, "threshold_at_1pct": at_one_percent, "families": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation.spun", description=__doc__)
    parser.add_argument("--wcxb", type=Path, default=DEFAULT_WCXB)
    args = parser.parse_args(argv)
    pages = load_pages(args.wcxb)
    print(json.dumps(evaluate(pages), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
