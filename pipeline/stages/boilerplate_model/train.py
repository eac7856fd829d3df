"""Train the boilerplate line model on WCXB dev: ``python -m pipeline.stages.boilerplate_model.train``.

1. Each page's HTML is rendered to visible text with inscriptis and normalized exactly as
   the pipeline does (:func:`~pipeline.stages.normalize.make_document`).
2. Each line is labelled content (1) or boilerplate (0) by a monotone token alignment of
   the page's words to the gold ``main_content`` (difflib): a line is content when at
   least half its words fall in aligned runs of 3+ words (1+ for lines of 1-2 words).
   Each page's gold text is also a document of its own, every line content: input that was
   extracted already (by trafilatura, or a cleaned dataset) must come back whole, and a model
   that only ever saw whole pages takes the short lines of a clean list for a menu. So are the
   gold text's first 60, 150 and 300 words (whole lines): short clean texts (a news brief, a
   one-paragraph post) have no furniture either, and without them a page-level feature learned
   on long pages reads "short, all prose" as nothing the model has seen.
3. Features (:mod:`pipeline.stages.boilerplate_model.features`) are computed twice per page, with the
   rendered indentation and flattened (every indent 0), so the model serves both kinds
   of input. The vocabulary features are cross-fitted: a page's vocabulary features come
   from a vocabulary learned on the other sites only.
4. scikit-learn's HistGradientBoostingClassifier (fixed seed, no early stopping), each
   line weighted by 1 + sqrt(words); its trees are exported to flat numpy arrays.

``--cv`` also trains one model per fold of a 5-fold split of WCXB dev by site (each one never saw
the sites it is evaluated on), and ``--lodo`` one model per benchmark left out (each trained on
the others alone), for ``make eval`` and the golden test: scores measured with those are
out-of-domain, not in-sample. ``--with-extra`` adds the benchmarks of ``../shared/extra-bench``
(CleanEval, L3S-GN1) to the training data of the shipped model and of the folds. Needs the
``train`` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import bisect
import difflib
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import numpy as np

from pipeline.evaluation import wcxb
from pipeline.language.trees import Trees
from pipeline.stages.boilerplate_model.features import FEATURES, LexiconRule, line_features
from pipeline.stages.boilerplate_model.model import LineModel, Vocabulary
from pipeline.stages.segment import Segment
from pipeline.text.words import WORD, count_words

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "boilerplate_lines.npz"
DEFAULT_CV = HERE / "cv"
DEFAULT_LODO = HERE / "lodo"
FOLDS = 5
# A leaf holds at least 1,000 lines (and leaves are shrunk by l2): the page-level features take one
# value per page, and with scikit-learn's default of 20 the trees isolated single pages and learned
# their quirks (P(content) = 0.00 for plain paragraphs of short clean news). Trained on WCXB dev and
# scored on 250 pages each of CleanEval and L3S-GN1 (never seen): leaves of 20 / 200 / 1,000 / 3,000
# lines gave word-F1 0.903 / 0.899 / 0.903 / 0.902 and 0.816 / 0.826 / 0.841 / 0.834, and of
# L3S-GN1's gold texts as input 0.9932 / 0.9998 / 0.9998 / 0.9998 of the words kept.
PARAMS = {"max_iter": 500, "learning_rate": 0.06, "max_leaf_nodes": 31, "min_samples_leaf": 1000,
          "l2_regularization": 1.0, "early_stopping": False, "random_state": 0}
# An aligned run shorter than this is chance agreement, unless the line itself is that short.
MIN_RUN = 3
# Clean documents are also cut to their first lines of about this many words (see step 2).
SHORT_CLEAN_WORDS = (60, 150, 300)
# Names a clean document's id: "<page id>:gold" (the whole gold text) or "<page id>:gold-60" (cut).
CLEAN = ":gold"
CLEAN_DATA = "each page rendered, its gold text, and the gold text cut short"


@dataclass(slots=True)
class LabelledPage:
    id: str
    page_type: str
    domain: str
    texts: list[str]
    indents: list[int]
    labels: list[int]


def label_page(page: wcxb.Page) -> LabelledPage:
    doc = wcxb.text_document(page, wcxb.visible_text(page.html))
    Segment()(doc)
    texts = [block.text for block in doc.blocks]
    indents = [block.indent for block in doc.blocks]
    tokens, owner = [], []
    for i, line in enumerate(texts):
        for token in WORD.findall(line.lower()):
            tokens.append(token)
            owner.append(i)
    gold = WORD.findall(page.gold.lower())
    run = [0] * len(tokens)
    for a, _, size in difflib.SequenceMatcher(None, tokens, gold, autojunk=False).get_matching_blocks():
        run[a : a + size] = [size] * size
    aligned, total = [0] * len(texts), [0] * len(texts)
    for k, i in enumerate(owner):
        total[i] += 1
        if run[k] >= MIN_RUN or (run[k] and count_words(texts[i]) < MIN_RUN):
            aligned[i] += 1
    labels = [int(t > 0 and a / t >= 0.5) for a, t in zip(aligned, total, strict=True)]
    return LabelledPage(page.id, page.page_type, page.domain, texts, indents, labels)


def clean_pages(page: wcxb.Page) -> list[LabelledPage]:
    """The page's gold text as an input of its own, and its first lines up to each of
    :data:`SHORT_CLEAN_WORDS` words when it is longer: every line is content."""
    doc = wcxb.text_document(page, page.gold)
    Segment()(doc)
    texts = [block.text for block in doc.blocks]
    indents = [block.indent for block in doc.blocks]
    found = [LabelledPage(f"{page.id}{CLEAN}", page.page_type, page.domain, texts, indents, [1] * len(texts))]
    words = [0, *accumulate(count_words(t) for t in texts)]
    for cut in SHORT_CLEAN_WORDS:
        lines = bisect.bisect_left(words, cut)  # the first lines holding at least ``cut`` words
        if lines < len(texts):
            found.append(LabelledPage(f"{page.id}{CLEAN}-{cut}", page.page_type, page.domain, texts[:lines],
                                      indents[:lines], [1] * lines))
    return found


def site_folds(pages: list[LabelledPage], k: int = FOLDS) -> list[int]:
    """A fold per page, all pages of a site in one fold (sites dealt round-robin by size)."""
    sizes: dict[str, int] = {}
    for page in pages:
        sizes[page.domain] = sizes.get(page.domain, 0) + len(page.texts)
    load = [0] * k
    fold_of_site = {}
    for domain in sorted(sizes, key=lambda d: (-sizes[d], d)):
        fold = min(range(k), key=lambda f: (load[f], f))
        fold_of_site[domain] = fold
        load[fold] += sizes[domain]
    return [fold_of_site[page.domain] for page in pages]


def _features(args) -> tuple[np.ndarray, np.ndarray]:
    """A page's features with its indentation and flattened."""
    page, vocabulary = args
    rule = _lexicon_rule()
    indented = line_features(page.texts, page.indents, vocabulary, rule)
    flat = line_features(page.texts, [0] * len(page.texts), vocabulary, rule)
    return indented, flat


@lru_cache(maxsize=1)
def _lexicon_rule() -> LexiconRule:
    return LexiconRule()


def train(pages: list[LabelledPage], pool: ProcessPoolExecutor, meta: dict) -> LineModel:
    """A model trained on ``pages`` (vocabulary features cross-fitted by site)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    inner = site_folds(pages)
    jobs = []
    for fold in range(FOLDS):
        others = [p for p, f in zip(pages, inner, strict=True) if f != fold]
        vocabulary = Vocabulary.fit([t for p in others for t in p.texts], [y for p in others for y in p.labels])
        jobs += [(p, vocabulary) for p, f in zip(pages, inner, strict=True) if f == fold]
    rows, labels, weights = [], [], []
    for (page, _), (indented, flat) in zip(jobs, pool.map(_features, jobs, chunksize=16), strict=True):
        w = [1 + np.sqrt(count_words(t)) for t in page.texts]
        rows += [indented, flat]
        labels += page.labels * 2
        weights += w * 2
    X = np.vstack(rows)
    classifier = HistGradientBoostingClassifier(**PARAMS)
    classifier.fit(X, np.array(labels), sample_weight=np.array(weights))
    vocabulary = Vocabulary.fit([t for p in pages for t in p.texts], [y for p in pages for y in p.labels])
    model = export(classifier, vocabulary, {**meta, "pages": len(pages), "lines": len(labels) // 2})
    model.trees.check_against(classifier, X)
    return model


def export(classifier, vocabulary: Vocabulary, meta: dict) -> LineModel:
    return LineModel(Trees.from_sklearn(classifier), vocabulary, {**meta, "params": PARAMS})


def labelled_pages(name: str, pages: list[wcxb.Page], pool: ProcessPoolExecutor) -> list[LabelledPage]:
    """A benchmark's pages, rendered and labelled, then their gold texts. A page of a benchmark
    that names no sites is a site of its own (vocabulary cross-fitting needs sites)."""
    pages = [page if page.domain else replace(page, domain=f"{name}:{page.id}") for page in pages]
    return (list(pool.map(label_page, pages, chunksize=8))
            + [clean for found in pool.map(clean_pages, pages, chunksize=8) for clean in found])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.stages.boilerplate_model.train",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--wcxb", type=Path, default=wcxb.DEFAULT_WCXB, help="WCXB dev folder (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model file (default: %(default)s)")
    parser.add_argument("--cv", type=Path, nargs="?", const=DEFAULT_CV, default=None,
                        help="also write one model per site fold and folds.json here (default: %(const)s)")
    parser.add_argument("--lodo", type=Path, nargs="?", const=DEFAULT_LODO, default=None,
                        help="also write one model per benchmark left out, without-<name>.npz (default: %(const)s)")
    parser.add_argument("--with-extra", action="store_true",
                        help="train the shipped model and the folds on ../shared/extra-bench's benchmarks too")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    try:
        import sklearn
    except ImportError:
        parser.error("training needs scikit-learn: pip install -e '.[train]'")
    started = time.perf_counter()
    pages = wcxb.load_pages(args.wcxb)
    extra = {name: wcxb.load_pages(root) for name, root in wcxb.BENCHMARKS.items()
             if name != "wcxb-dev" and (root / "ground-truth").is_dir()} if args.with_extra or args.lodo else {}
    data = "WCXB v1.0 dev split" + (f" and {', '.join(extra)}" if args.with_extra else "")
    meta = {"data": f"{data}: {CLEAN_DATA}", "sklearn": sklearn.__version__}
    with ProcessPoolExecutor(args.jobs) as pool:
        by_set = {"wcxb-dev": labelled_pages("wcxb-dev", pages, pool)}
        by_set.update({name: labelled_pages(name, found, pool) for name, found in extra.items()})
        rendered = [p for p in by_set["wcxb-dev"] if CLEAN not in p.id]
        more = [p for name, found in by_set.items() if name != "wcxb-dev" for p in found] if args.with_extra else []
        labelled = by_set["wcxb-dev"] + more
        lines = sum(len(p.texts) for p in labelled)
        content = sum(sum(p.labels) for p in labelled)
        print(f"labelled {len(labelled)} pages, {lines} lines ({content} content) in "
              f"{time.perf_counter() - started:.0f}s", file=sys.stderr)
        model = train(labelled, pool, meta)
        model.save(args.out)
        print(f"wrote {args.out} ({len(FEATURES)} features, {model.trees.n_trees} trees) at "
              f"{time.perf_counter() - started:.0f}s", file=sys.stderr)
        if args.cv:
            args.cv.mkdir(parents=True, exist_ok=True)
            # The folds of the rendered pages; a gold text goes with its page's site.
            fold_of_site = {p.domain: f for p, f in zip(rendered, site_folds(rendered), strict=True)}
            folds = [fold_of_site[p.domain] for p in by_set["wcxb-dev"]]
            for fold in range(FOLDS):
                train_pages = [p for p, f in zip(by_set["wcxb-dev"], folds, strict=True) if f != fold] + more
                train(train_pages, pool, {**meta, "held_out_fold": fold}).save(args.cv / f"fold-{fold}.npz")
                print(f"wrote fold {fold} at {time.perf_counter() - started:.0f}s", file=sys.stderr)
            (args.cv / "folds.json").write_text(json.dumps(
                {p.id: f for p, f in zip(by_set["wcxb-dev"], folds, strict=True) if CLEAN not in p.id},
                indent=0, sort_keys=True) + "\n")
        if args.lodo:
            args.lodo.mkdir(parents=True, exist_ok=True)
            for left_out in by_set:
                train_pages = [p for name, found in by_set.items() if name != left_out for p in found]
                kept = [name for name in by_set if name != left_out]
                data = f"{' and '.join(kept)}: {CLEAN_DATA}"
                model = train(train_pages, pool, {**meta, "data": data, "left_out": left_out})
                model.save(args.lodo / f"without-{left_out}.npz")
                print(f"wrote the model without {left_out} at {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
