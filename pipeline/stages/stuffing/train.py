"""Train the stuffing models, ``pipeline/models/stuffing.npz`` (needs the ``train`` extra):
``python -m pipeline.stages.stuffing.train [--lofo]``.

1. Data: WCXB dev's fold-A articles (:func:`pipeline.evaluation.wcxb.fold`), each stuffed
   ``DRAWS`` times by every stuffer family of :mod:`pipeline.evaluation.stuffers` (each stuffed
   article also holds one or two natural uses of its keyphrase, in lower case, and ``COPY_DRAWS``
   more times with them written as the copies are, for the copy model alone), and as negatives the same
   articles clean, clean with two natural uses of a keyphrase planted, and fold A's other pages
   (products, forums, listings, documentation) clean. Fold B is never seen: ``make eval``
   scores on it.
2. Each document goes through the stages the stuffing stage requires, then its candidates and
   features are computed as the stage computes them.
3. Labels: a candidate is positive when its tokens are the keyphrase's; a candidate sharing
   characters with the keyphrase's instances (a sub-span said more often) is left out, every
   other candidate is negative. An instance of the keyphrase is positive when the stuffer
   pasted it there, negative when it is a natural use (planted, or the article's own).
4. Three gradient-boosted tree models (scikit-learn, fixed seed): the placement model over the
   instance's features but the marks beside it (``features.MARKS``), copies against every other
   instance; the candidate model over the candidate's features and the placement model's P of its
   instances (and of the document's other candidates'), taken from models that did not see the
   document (two halves by page), as the stage will see them; the copy model over the
   candidate's and the instance's features, the keyphrases' copies against their natural uses.
5. The candidate threshold, from held-out P too (``CLEAN_DOCS_FLAGGED``): trees rank a stuffer
   they never met well but their P drifts, so the cut is set where the negatives are, averaged
   over ``CUT_SPLITS`` splits of the pages.

``--lofo`` also trains, for each family, the models without it (``pipeline/models/stuffing_lofo/
without-<family>.npz``): ``make eval`` scores each family with the models that never saw it, not
even as a keyphrase planted in a clean article.

``--held-out DIR`` chooses between variants without fold B: it fits those leave-one-out models into
DIR (the shipped ones are left alone) and scores each family's own fold-A documents with the models
fitted without it, deciding as the stage does (:func:`pipeline.stages.stuffing.decide`, each model's
own cuts): keyphrases found, copies removed, natural uses kept, planted documents flagged, and
the candidate threshold each family's models drew (found hangs on it). The articles are the
training articles stuffed by a family the models never saw, so the figures run above ``make
eval``'s; their order between variants is what they are for. It also fits the models on every
family and reports what they take from text with nothing to take (:func:`clean_cost`): the gold
texts of the benchmarks no stuffing model learns from, whose words a variant that finds more
keyphrases may take too.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.core.config import load_config
from pipeline.core.document import Document
from pipeline.evaluation import clean_input
from pipeline.evaluation.stuffers import FAMILIES, NATURAL, Lines, Stuffed, plant_natural
from pipeline.evaluation.stuffing import StuffingOnly, bag
from pipeline.evaluation.wcxb import DEFAULT_WCXB, Page, articles, fold, load_pages
from pipeline.io.records import RawRecord
from pipeline.language.nlp import stop_words
from pipeline.language.trees import Trees
from pipeline.run.processor import build_pipeline
from pipeline.stages.normalize import make_document
from pipeline.stages.stuffing import KeywordStuffing, decide
from pipeline.stages.stuffing.candidates import find_candidates
from pipeline.stages.stuffing.features import (
    CANDIDATE_FEATURES,
    CANDIDATE_MODEL_FEATURES,
    DIRECTIONS,
    INSTANCE_FEATURES,
    PLACEMENT_INPUTS,
    candidate_rows,
    describe,
    instance_rows,
    placement_rows,
)
from pipeline.stages.stuffing.model import BUILTIN_MODEL, LOFO_DIR, StuffingModel
from pipeline.stages.stuffing.text import TOKEN

MODEL_PATH = LOFO_DIR.parent / BUILTIN_MODEL
# ``--held-out``'s models fitted on every family, beside the leave-one-out ones.
ALL_FAMILIES = "all.npz"
# The benchmarks whose gold texts ``--held-out`` asks the models fitted on every family about
# (:func:`clean_cost`): no stuffing model learns from them (WCXB dev's fold B is make eval's).
CLEAN_COST_BENCHMARKS = ("cleaneval", "l3s-gn1")
SEED = 20261202
# Stuffed versions of each fold-A article per family (different keyphrases and placements).
DRAWS = 2
# And this many more whose natural uses are written as the copies are, which only the copy model
# learns from: a writer writes a name with its capitals, so a capital must not mark a copy (the
# shipped models took 0.12 of brand_name's natural uses with its copies). Trained on by the other
# models too, they lowered whole_title's keyphrases found by 0.04, and two clean WCXB dev pages lost
# words where a retrain without them loses one (a game's name on a product page among them).
COPY_DRAWS = 1
# What the stage requires before it runs (its own input), and the candidates' settings it uses.
BEFORE = ["segment", "duplicate_title", "boilerplate"]
# Small trees with large leaves: a family left out is scored by models that must not have learned
# the other families' exact signatures.
PARAMS = {"max_iter": 150, "learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 200,
          "l2_regularization": 1.0, "early_stopping": False, "random_state": 0}
# The share of non-keyphrase candidates whose instances the instance model learns from.
NEGATIVES_KEPT = 0.25
# The share of clean training documents with a candidate above the candidate threshold (held-out P, step 5).
CLEAN_DOCS_FLAGGED = 0.005
# Splits of the pages in two whose cuts the threshold averages: about 4 clean documents set each
# one, so a single split's cut moves with which half a document fell in.
CUT_SPLITS = 5
# The copy model's cut: its natural uses are planted sentences it separates all but perfectly in
# training, so a cut set from them would sit at 0. Higher cuts trade copies for natural uses. With the
# leave-one-out models, each family held out on its fold-A documents, at 0.6 / 0.7 / 0.8: whole_title's
# lower-case natural uses kept 0.918 -> 0.926 / 0.940 / 0.952, long_tail's copies removed
# 0.529 -> 0.493 / 0.445 / 0.396.
COPY_THRESHOLD = 0.5
MONOTONE = [DIRECTIONS.get(name, 0) for name in CANDIDATE_MODEL_FEATURES]
# Where a candidate's length in tokens is in its features.
_TOKENS = CANDIDATE_FEATURES.index("tokens")
# A negative document's id ends with this (a clean article, one with natural uses, another page).
CLEAN = "clean"
# Clean articles with two natural uses of a family's keyphrase planted; their rows' family names it
# ("clean:planted:<family>").
PLANTED = f"{CLEAN}:planted"


def _settings() -> dict:
    defaults = {k: v for k, v in KeywordStuffing.__init__.__kwdefaults__.items()
                if k in ("min_instances", "min_tokens", "max_tokens", "min_content_tokens")}
    return {**defaults, **{k: v for k, v in load_config().get("stuffing", {}).items() if k in defaults}}


@dataclass(slots=True)
class Row:
    """A candidate of a training document: its features, its instances' and their labels."""

    doc: str  # "<page id>:<family or clean kind>:<draw>"
    family: str
    label: int  # the keyphrase (1) or not
    features: np.ndarray
    instances: np.ndarray  # one row of ``INSTANCE_FEATURES`` per instance
    copies: np.ndarray  # 1 for each instance a stuffer pasted
    spans: list[tuple[int, int]]  # each instance's characters in the document
    key: str = ""  # the candidate's tokens (for reading the rows)
    copy_only: bool = False  # of a COPY_DRAWS document: for the copy model alone


class Featurizer:
    def __init__(self) -> None:
        config = load_config()
        config["pipeline"]["stages"] = BEFORE
        self.pipeline = build_pipeline(config)
        self.stop = stop_words()
        self.settings = _settings()

    def document(self, page: Page, body: str) -> Document:
        doc = make_document(RawRecord(id=page.id, source=f"{page.id}.txt", position=1, text=body, title=page.title))
        self.pipeline(doc)
        return doc

    def rows(self, family: str, page: Page, sample: Stuffed | None, body: str, doc_id: str,
             copy_only: bool = False) -> list[Row]:
        doc = self.document(page, body)
        described = describe(doc, find_candidates(doc, self.stop, **self.settings), self.stop)
        key = tuple(t.lower().replace("’", "'") for t in TOKEN.findall(sample.keyphrase)) if sample else None
        copies = _copy_starts(doc, sample) if sample else set()
        keyphrase = next((d for d in described if d.candidate.key == key), None)
        rows = []
        for d in described:
            if keyphrase is not None and d is not keyphrase and any(
                    a.start < b.end and b.start < a.end for a in d.candidate.instances
                    for b in keyphrase.candidate.instances):
                continue  # a sub-span of the keyphrase (or one overlapping it): neither one nor the other
            labels = np.array([d is keyphrase and inst.start in copies for inst in d.candidate.instances], dtype=int)
            spans = [(inst.start, inst.end) for inst in d.candidate.instances]
            rows.append(Row(doc_id, family, int(d is keyphrase), d.row, d.instance_rows, labels, spans,
                            d.candidate.phrase, copy_only))
        return rows


def _copy_starts(doc: Document, sample: Stuffed) -> set[int]:
    """Where in ``doc.text`` the stuffer's copies start (by token count: the document is the
    title, then the normalized body, whose tokens are the sample's)."""
    tokens = list(TOKEN.finditer(doc.text))
    before_body = len(tokens) - len(TOKEN.findall(sample.text))
    copies = set()
    for at, placement in sample.placed:
        index = before_body + len(TOKEN.findall(sample.text, 0, at))
        if placement != NATURAL and 0 <= index < len(tokens):
            copies.add(tokens[index].start())
    return copies


_FEATURIZER: Featurizer | None = None


def _job(job: tuple[str, Page, int]) -> list[Row]:
    global _FEATURIZER
    if _FEATURIZER is None:
        _FEATURIZER = Featurizer()
    family, page, draw = job
    doc_id = f"{page.id}:{family}:{draw}"
    rng = random.Random(f"{SEED}:{family}:{page.id}:{draw}")
    if family in FAMILIES:
        as_written = draw >= DRAWS
        sample = FAMILIES[family](page, rng, natural_as_written=as_written)
        return _FEATURIZER.rows(family, page, sample, sample.text, doc_id, as_written) if sample else []
    if family == PLANTED:
        source = list(FAMILIES)[draw % len(FAMILIES)]
        sample = FAMILIES[source](page, rng, natural=False)
        if sample is None:
            return []
        article = Lines(page.gold)
        plant_natural(article, sample.keyphrase, rng, 2)
        return _FEATURIZER.rows(f"{PLANTED}:{source}", page, None, article.stuffed(sample.keyphrase, 0).text, doc_id)
    return _FEATURIZER.rows(family, page, None, page.gold, doc_id)


def collect(pages: list[Page], workers: int = 2) -> list[Row]:
    """Rows of every fold-A document of step 1."""
    training = [p for p in articles(pages) if fold(p) == "A"]
    chosen = {p.id for p in articles(pages)}
    others = [p for p in pages if p.id not in chosen and fold(p) == "A"]
    jobs = [(name, page, draw) for name in FAMILIES for page in training for draw in range(DRAWS + COPY_DRAWS)]
    jobs += [(f"{CLEAN}:article", page, 0) for page in training]
    jobs += [(PLANTED, page, n) for n, page in enumerate(training)]
    jobs += [(f"{CLEAN}:page", page, 0) for page in others]
    with ProcessPoolExecutor(workers) as pool:
        return [row for part in pool.map(_job, jobs, chunksize=16) for row in part]


def fit(rows: list[Row], families: tuple[str, ...], out: Path) -> dict:
    """Fit the three models on the rows of ``families`` and the negative documents (see :func:`_trains`);
    save to ``out``."""
    rows = [r for r in rows if _trains(r.family, families)]
    keyphrases = [r for r in rows if r.label]  # the copy model's, of every draw
    rows = [r for r in rows if not r.copy_only]
    half = np.array([zlib.crc32(r.doc.split(":")[0].encode()) % 2 for r in rows])
    sizes = [len(r.instances) for r in rows]
    owner = np.repeat(np.arange(len(rows)), sizes)
    labels = np.array([r.label for r in rows])
    places = placement_rows(np.vstack([r.instances for r in rows]))
    copies = np.concatenate([r.copies for r in rows])
    # The placement model learns copies against every other instance, the keyphrases' natural uses
    # and a share of the other candidates' instances (weighted back up: most are alike).
    sampled = np.array([r.label == 1 or zlib.crc32(f"{r.doc}:{i}".encode()) % 1000 < NEGATIVES_KEPT * 1000
                        for i, r in enumerate(rows)], dtype=bool)[owner]
    weight = np.where(labels[owner] == 1, 1.0, 1 / NEGATIVES_KEPT)
    held = np.zeros(len(copies))
    for part in (0, 1):
        train = (half[owner] != part) & sampled
        held[half[owner] == part] = _trees(places[train], copies[train], weight[train]).predict(
            places[half[owner] == part])
    placed = np.split(held, np.cumsum(sizes)[:-1])
    candidates = np.zeros((len(rows), len(CANDIDATE_MODEL_FEATURES)))
    for members in _by_document(rows).values():
        candidates[members] = candidate_rows([rows[i].features for i in members], [placed[i] for i in members],
                                             [rows[i].spans for i in members])
    # The copy model learns the keyphrases' copies against their natural uses.
    x = np.vstack([instance_rows(r.features, r.instances) for r in keyphrases])
    y = np.concatenate([r.copies for r in keyphrases])
    # The layouts the stage hands the models (features.instance_rows and candidate_rows).
    if (places.shape[1], x.shape[1], candidates.shape[1]) != (
            len(PLACEMENT_INPUTS), len(CANDIDATE_FEATURES) + len(INSTANCE_FEATURES),
            len(CANDIDATE_MODEL_FEATURES)):
        raise AssertionError(f"training rows of {places.shape[1]}, {x.shape[1]} and {candidates.shape[1]} features")
    # 5. The candidate threshold, from held-out P too: what all but CLEAN_DOCS_FLAGGED of the clean
    # documents' candidates score, averaged over CUT_SPLITS splits of the pages in two.
    pages = sorted({r.doc.split(":")[0] for r in rows})
    page_of = np.searchsorted(pages, [r.doc.split(":")[0] for r in rows])
    cuts = []
    for split in range(CUT_SPLITS):
        # A seeded draw per page: CRC-32 is affine, so the CRC of a salted id of one length would
        # part the pages as the first split does, or as its mirror.
        part_of = half if split == 0 else np.random.default_rng(SEED + split).integers(2, size=len(pages))[page_of]
        chance = np.zeros(len(rows))
        for part in (0, 1):
            chance[part_of == part] = _trees(candidates[part_of != part], labels[part_of != part],
                                             monotone=MONOTONE).predict(candidates[part_of == part])
        by_doc: dict[str, float] = {}
        for r, p in zip(rows, chance, strict=True):
            if r.family.startswith(CLEAN):
                by_doc[r.doc] = max(by_doc.get(r.doc, 0.0), p)
        cuts.append(float(np.quantile(list(by_doc.values()), 1 - CLEAN_DOCS_FLAGGED)))
    candidate_threshold = float(np.mean(cuts))
    meta = {
        "trained_on": f"WCXB dev fold-A articles stuffed by {', '.join(families)} ({DRAWS} draws each, "
                      f"{COPY_DRAWS} more for the copy model), "
                      "clean, with natural uses, and fold A's other pages clean",
        "families": list(families), "params": PARAMS,
        "candidate_threshold": candidate_threshold, "candidate_cuts": cuts, "instance_threshold": COPY_THRESHOLD,
        "rows": {"candidates": len(labels), "keyphrases": int(labels.sum()), "instances": len(copies),
                 "copies": int(copies.sum()), "natural_uses": int(len(y) - y.sum()), "clean_documents": len(by_doc)},
    }
    StuffingModel(_trees(candidates, labels, monotone=MONOTONE),
                  _trees(places[sampled], copies[sampled], weight[sampled]), _trees(x, y), meta).save(out)
    return meta


def _trains(family: str, families: tuple[str, ...]) -> bool:
    """Whether rows of ``family`` train the models of ``families``: a stuffed document of one of
    them, or a clean one, unless its planted natural uses are of a keyphrase a family outside
    them chose (a leave-one-out model sees no keyphrase of the family it is scored on)."""
    if not family.startswith(CLEAN):
        return family in families
    return not family.startswith(f"{PLANTED}:") or family.removeprefix(f"{PLANTED}:") in families


def _by_document(rows: list[Row]) -> dict[str, list[int]]:
    """The positions of each document's rows (its candidates, as the stage sees them together)."""
    members: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        members.setdefault(r.doc, []).append(i)
    return members


def _trees(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, monotone: list[int] | None = None) -> Trees:
    from sklearn.ensemble import HistGradientBoostingClassifier

    classifier = HistGradientBoostingClassifier(**PARAMS, monotonic_cst=monotone).fit(x, y, sample_weight=weight)
    trees = Trees.from_sklearn(classifier)
    trees.check_against(classifier, x)
    return trees


def held_out(rows: list[Row], out: Path, workers: int = 2) -> dict[str, dict[str, float]]:
    """``--held-out``: each family's fold-A documents scored by the models fitted without it
    (written to ``out``, with the models fitted on every family, ``ALL_FAMILIES``); per family, the
    measures of :func:`held_out_scores` and the models' candidate threshold (``cut``: what found
    hangs on, and it moves from one variant to the next)."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(name, tuple(n for n in FAMILIES if n != name), out / f"without-{name}.npz") for name in FAMILIES]
    for _ in fit_all(rows, [*jobs, ("all", tuple(FAMILIES), out / ALL_FAMILIES)], workers):
        pass
    scores = {}
    for name, _, path in jobs:
        model = StuffingModel.load(path)
        scores[name] = {**held_out_scores(model, [r for r in rows if r.family == name and not r.copy_only],
                                          [r for r in rows if r.family == f"{PLANTED}:{name}"]),
                        "cut": model.meta["candidate_threshold"]}
    return scores


def clean_cost(model: Path | str | None, benchmarks: dict[str, list[Page]]) -> dict[str, dict[str, int]]:
    """What the stage with the models at ``model`` (the shipped ones: None) takes from each benchmark's
    gold texts, text extracted already with nothing pasted: per benchmark, the texts, those losing a
    word to it, and the words lost."""
    stage = StuffingOnly("builtin" if model is None else str(model))
    found = {}
    for name, pages in benchmarks.items():
        lost = [sum((bag(doc.text) - bag(cleaned)).values()) for doc, cleaned in (stage(p, p.gold) for p in pages)]
        found[name] = {"texts": len(pages), "losing": sum(n > 0 for n in lost), "words": sum(lost)}
    return found


def held_out_scores(model: StuffingModel, stuffed: list[Row], planted: list[Row]) -> dict[str, float]:
    """How ``model`` decides on the rows of stuffed documents and of clean documents with natural
    uses planted: the share of stuffed documents (with a candidate) whose keyphrase it takes, of
    the copies it removes, of the keyphrases' natural uses it keeps, and of planted documents it
    takes a candidate of."""
    found = removed = lost = 0
    decisions = _decisions(model, stuffed)
    for chosen in decisions:
        for row, cut in chosen:
            if row.label:  # another candidate's instances are neither copies nor natural uses
                found += 1
                removed += int((cut & (row.copies == 1)).sum())
                lost += int((cut & (row.copies == 0)).sum())
    copies = sum(int(r.copies.sum()) for r in stuffed)
    natural = sum(int((r.copies == 0).sum()) for r in stuffed if r.label)
    flagged = _decisions(model, planted)
    return {"documents": len(decisions), "found": found / max(1, len(decisions)),
            "removed": removed / max(1, copies), "natural_kept": 1 - lost / max(1, natural),
            "planted_flagged": sum(map(bool, flagged)) / max(1, len(flagged))}


def _decisions(model: StuffingModel, rows: list[Row]) -> list[list[tuple[Row, np.ndarray]]]:
    """Per document of ``rows``, the candidates the stage takes (:func:`pipeline.stages.stuffing.decide`
    on the same features), each with its instances' cut (copy P at the model's instance threshold)."""
    decisions = []
    cut = model.meta["instance_threshold"]
    for members in _by_document(rows).values():
        found = [rows[i] for i in members]
        _, chosen, copies = decide(model, [r.features for r in found], [r.instances for r in found],
                                   [r.spans for r in found], [int(r.features[_TOKENS]) for r in found],
                                   model.meta["candidate_threshold"])
        decisions.append([(found[i], p >= cut) for i, p in zip(chosen, copies, strict=True)])
    return decisions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.stages.stuffing.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wcxb", type=Path, default=DEFAULT_WCXB)
    parser.add_argument("--lofo", action="store_true",
                        help="also train, for each stuffer family, the models without it "
                             "(pipeline/models/stuffing_lofo/without-<family>.npz)")
    parser.add_argument("--held-out", type=Path, metavar="DIR",
                        help="instead, fit each family's leave-one-out models into DIR and score each family's "
                             "fold-A documents with the models fitted without it, and count what models fitted "
                             "on every family take from CleanEval's and L3S-GN1's gold texts (the shipped "
                             "models stay)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes that make the rows, then fit the models side by side")
    args = parser.parse_args(argv)
    pages = load_pages(args.wcxb)
    rows = collect(pages, args.workers)
    if args.held_out:
        print(_held_out_table(held_out(rows, args.held_out, args.workers)))
        cost = clean_cost(args.held_out / ALL_FAMILIES, {name: pages for name, pages in clean_input.datasets().items()
                                                         if name in CLEAN_COST_BENCHMARKS})
        print("gold texts losing words to the models fitted on every family: " + "; ".join(
            f"{name} {row['losing']} of {row['texts']} ({row['words']} words)" for name, row in cost.items()))
        return 0
    jobs = [("all", tuple(FAMILIES), MODEL_PATH)]
    if args.lofo:
        LOFO_DIR.mkdir(exist_ok=True)
        jobs += [(name, tuple(n for n in FAMILIES if n != name), LOFO_DIR / f"without-{name}.npz")
                 for name in FAMILIES]
    for name, meta in fit_all(rows, jobs, args.workers):
        print(name, json.dumps(meta["rows"]), flush=True)
    return 0


def _held_out_table(scores: dict[str, dict[str, float]]) -> str:
    measures = ("found", "removed", "natural_kept", "planted_flagged")
    lines = [f"{'family held out':16s} {'documents':>9s} {'cut':>6s} " + " ".join(f"{m:>15s}" for m in measures)]
    lines += [f"{name:16s} {row['documents']:9d} {row['cut']:6.3f} " + " ".join(f"{row[m]:15.3f}" for m in measures)
              for name, row in scores.items()]
    worst = {m: (max if m == "planted_flagged" else min)(row[m] for row in scores.values()) for m in measures}
    lines.append(f"{'worst':16s} {'':9s} {'':6s} " + " ".join(f"{worst[m]:15.3f}" for m in measures))
    return "\n".join(lines)


# The rows the fitting processes read: inherited when they fork, not pickled (about 270 MB).
_ROWS: list[Row] = []


def fit_all(rows: list[Row], jobs: list[tuple[str, tuple[str, ...], Path]], workers: int):
    """:func:`fit` for each (name, families, out) of ``jobs``, ``workers`` at a time; (name, meta) in
    the jobs' order. Each fit is seeded, so the files are the same however many run at once."""
    global _ROWS
    _ROWS = rows
    try:
        if workers <= 1:
            yield from map(_fit_job, jobs)
            return
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_fit_job, jobs)
    finally:
        _ROWS = []


def _fit_job(job: tuple[str, tuple[str, ...], Path]) -> tuple[str, dict]:
    name, families, out = job
    return name, fit(_ROWS, families, out)


if __name__ == "__main__":
    sys.exit(main())
