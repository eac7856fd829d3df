"""The evaluation gate: minimum scores on a fixed subset of WCXB dev, so a regression fails CI.

The floors are the scores when the gate was last raised, less a rounding margin; raise
them when the detectors improve (``make eval`` prints the full table). Pages are cleaned
with the line model that never saw their site (``pipeline/stages/boilerplate_model/cv``), so the gate
measures generalization, not memory.
"""

from __future__ import annotations

import pytest

from pipeline.evaluation import wcxb

WCXB = wcxb.DEFAULT_WCXB
# The first 30 article pages of the dev split, in id order.
SUBSET_PAGES = 30
# (word-F1, with kept, without removed) floors for this project's text-only cleaning. Training the
# line model on clean documents too (each page's gold text) cost this subset's `without` snippets
# 0.93 -> 0.9145 (all 1,337 pages: 0.936 -> 0.929) and gave back text that was extracted already
# (WCXB dev's gold texts fed as input: 95.2% -> 99.1% of words kept; see docs/evaluation.md). The
# page-level features and larger leaves (issue 27) moved it to F1 0.9499, with 0.9783, without 0.9487;
# counting the furniture between a line and the article (issue 27: word-F1 up on all three benchmarks
# left out) to F1 0.9506, with 0.9855, without 0.9402 (more of these 30 pages' furniture snippets
# stay; on all 1,337 pages `without` rose, 0.918 -> 0.920). Reading a line's place against the article's
# own region (issue 27: word-F1 up on all three benchmarks left out, and on all 709 articles F1 0.9329 ->
# 0.9335, with 0.9681 -> 0.9700, without 0.9328 -> 0.9335) moved this subset to F1 0.9473, with 0.971,
# without 0.9316: 0030, a listicle of programs between newsletter boxes, loses two of its five content
# snippets, its introduction (P = 0.18) and a program's blurb (P = 0.26).
FLOORS = {"f1": 0.945, "with_kept": 0.965, "without_removed": 0.925}
# The same subset's raw visible text: cleaning must beat it.
RAW_F1 = 0.8129


@pytest.fixture(scope="module")
def scores():
    if not (WCXB / "metadata.json").exists():
        pytest.skip(f"WCXB dev split not found at {WCXB}")
    pages = wcxb.load_pages(WCXB, page_types={"article"})[:SUBSET_PAGES]
    assert len(pages) == SUBSET_PAGES
    ours = wcxb.CleanCorpusTextOnly()
    assert ours.held_out, "the held-out-site line models are missing from pipeline/stages/boilerplate_model/cv"
    return wcxb.evaluate(pages, {"ours": ours, "raw": wcxb.raw_text})


def test_text_only_boilerplate_scores_do_not_regress(scores):
    ours = scores["ours"]["article"]
    for metric, floor in FLOORS.items():
        assert ours[metric] >= floor, f"{metric} fell to {ours[metric]} (floor {floor})"
    assert scores["raw"]["article"]["f1"] == RAW_F1
    assert ours["f1"] > RAW_F1


def test_word_prf_is_wcxb_bag_of_words():
    assert wcxb.word_prf("The cat, the hat.", "the cat sat") == pytest.approx((2 / 4, 2 / 3, 4 / 7))
    assert wcxb.word_prf("", "") == (1.0, 1.0, 1.0)
    assert wcxb.word_prf("", "gold words") == (0.0, 0.0, 0.0)


# Leave one benchmark out: the first 40 pages of CleanEval and of L3S-GN1, each cleaned by the line model
# trained without any page of its benchmark (pipeline/stages/boilerplate_model/lodo). (word-F1 of the
# pages, words kept of their gold texts fed as input) when the gate was set, less a rounding margin.
# These 40 CleanEval pages (long forum threads, reports, blog front pages) score 0.8764, below their raw
# text (0.906): on a blog front page of several posts the main run of prose is one post, and the line
# model removes most of the others (dev-19: recall 0.30); all 730 pages score 0.918, above the raw 0.896.
LODO_PAGES = 40
LODO_FLOORS = {"cleaneval": (0.873, 0.998), "l3s-gn1": (0.800, 0.9995)}


@pytest.mark.parametrize("name", sorted(LODO_FLOORS))
def test_leave_one_benchmark_out_scores_do_not_regress(name):
    from pipeline.evaluation import clean_input, lodo

    root = wcxb.BENCHMARKS[name]
    pages = wcxb.load_pages(root)[:LODO_PAGES] if (root / "ground-truth").is_dir() else []
    if len(pages) < LODO_PAGES:
        pytest.skip(f"{name} not found beside the repository")
    ours = lodo.held_out(name)
    assert ours is not None, f"the model without {name} is missing from {lodo.LODO}"
    f1 = wcxb.evaluate(pages, {"ours": ours})["ours"]["all"]["f1"]
    kept = clean_input.evaluate(pages, ours)["words_kept"]
    assert f1 >= LODO_FLOORS[name][0], f"word-F1 fell to {f1:.4f}"
    assert kept >= LODO_FLOORS[name][1], f"clean input: words kept fell to {kept:.4f}"


# HTML input, the whole pipeline (pipeline/evaluation/html_input.py): the first 20 pages of each benchmark
# cleaned from .html files, (pages kept, word-F1 with a page not kept scored as an empty text). Before the
# tables pages are laid out with were unwrapped (pipeline/io/html.py), CleanEval's kept 5 (F1 0.1765) and
# L3S-GN1's 11 (0.5294): trafilatura wrote each article as one table cell's line, and no such line ends
# a sentence for C4's rule. Then CleanEval's 17 (0.7532), before a page in CleanEval's <text> wrapper
# was read as a document when trafilatura found nothing in it; L3S-GN1's F1 0.7638 before a list item's
# source line breaks were read as spaces. Then CleanEval's 18 (0.8019) and L3S-GN1's 16 (0.7639), while
# Gopher repetition and C4 decided by default (now --preset pretraining): short articles were dropped.
HTML_PAGES = 20
HTML_INPUT = {"wcxb-dev": (20, 0.969), "cleaneval": (20, 0.8769), "l3s-gn1": (19, 0.8753)}


def test_html_input_scores():
    from pipeline.evaluation import clean_input, html_input

    if set(clean_input.datasets()) != set(HTML_INPUT):
        pytest.skip("the three benchmarks are not all beside the repository")
    rows = html_input.evaluate(HTML_PAGES)
    assert {name: (row["kept"], row["f1"]) for name, row in rows.items()} == HTML_INPUT


# The 22 pages trafilatura finds no article in (no text, or its baseline's page run together as one
# paragraph), read as their visible text (pipeline/io/html.py), as above. Read as trafilatura's text,
# WCXB dev kept 8 (F1 0.2019), CleanEval 1 (0.4935) and L3S-GN1 1 (0.9735: its one page is better so).
# WCXB dev kept 14 (0.6402) while Gopher repetition and C4 decided by default.
VISIBLE_TEXT_PAGES = {
    "wcxb-dev": {"0044", "0259", "0304", "0485", "0514", "0546", "0570", "0655", "2914", "2961", "3020", "4007",
                 "4111", "4271", "4281", "4377", "4519", "4708", "4858"},
    "cleaneval": {"final-327", "final-345"},
    "l3s-gn1": {"b2b2deaa-e660-4cd7-8dc7-022b15482fe4"},
}
VISIBLE_TEXT_INPUT = {"wcxb-dev": (18, 0.7802), "cleaneval": (2, 0.9775), "l3s-gn1": (1, 0.8064)}


def test_html_pages_with_no_article_are_read_as_their_visible_text():
    from pipeline.evaluation import clean_input, html_input

    if set(clean_input.datasets()) != set(VISIBLE_TEXT_INPUT):
        pytest.skip("the three benchmarks are not all beside the repository")
    rows = html_input.evaluate(ids=VISIBLE_TEXT_PAGES)
    assert {name: (row["kept"], row["f1"]) for name, row in rows.items()} == VISIBLE_TEXT_INPUT


def test_clean_input_comes_back_whole():
    """The first 100 WCXB dev pages' gold texts fed as input, each cleaned by the held-out-site model:
    99.76% of their words come back and 1 loses more than 2% (the model before the page-level features:
    99.48% and 5; trained on pages alone: 98.87% and 13)."""
    from pipeline.evaluation import clean_input

    if not (WCXB / "metadata.json").exists():
        pytest.skip(f"WCXB dev split not found at {WCXB}")
    row = clean_input.evaluate(wcxb.load_pages(WCXB)[:100], wcxb.CleanCorpusTextOnly())
    assert row["words_kept"] >= 0.997 and row["losing_documents"] <= 2, row



def _fold_b(articles: int, per_type: int) -> list:
    """The first ``articles`` fold-B articles and the first ``per_type`` fold-B pages of each other type."""
    fold_b = [p for p in wcxb.load_pages(WCXB) if wcxb.fold(p) == "B"]
    others: dict[str, list] = {}
    for page in fold_b:
        if page.page_type != "article" and len(others.setdefault(page.page_type, [])) < per_type:
            others[page.page_type].append(page)
    return wcxb.articles(fold_b)[:articles] + [p for group in others.values() for p in group]


# Keyword stuffing, leave one family out, on the first 60 fold-B articles (each family's stuffer
# skips an article it cannot stuff, e.g. a title too short) and the first 10 fold-B pages of each
# other type: (articles, keyphrases found, copies removed, AUC of the stuffed articles against the
# 120 clean pages, stuffed articles above what 1% of those reach) for each family, scored with the
# models trained without it. The rules before the learned models found title_span's keyphrase in
# all but 3% of articles (they were written against it) but seo_template's in 9% and whole_title's
# in 10% (all of fold B). The candidate model's reading how many instances stand alone in their
# clause raised the keyphrases found here from 203 to 231 of 404 (mixed_case's from 26 to 22);
# candidates across brackets and a threshold averaged over five splits, to 271; leaving the family's
# keyphrases out of the planted negatives too (they had been training negatives of every model), to 252;
# a placement model that reads no separator, colon, comma or glue beside an instance (and a candidate
# model that never lowers P for more kinds of place), to 286; a retrain on the stages of today (the
# boilerplate stage before it had changed since), to 294 of the seven families' 404.
STUFFING_PAGES, STUFFING_PAGES_PER_TYPE = 60, 10
STUFFING_FOUND = {"title_span": (57, 35, 0.5749, 0.9702, 43), "seo_template": (60, 53, 0.904, 0.9894, 49),
                  "body_ngram": (60, 51, 0.8645, 0.9915, 52), "whole_title": (48, 32, 0.681, 0.9694, 34),
                  "mixed_case": (59, 43, 0.7396, 0.9256, 42), "keyword_lines": (60, 36, 0.563, 0.9693, 30),
                  "long_tail": (60, 44, 0.5495, 0.9756, 48),
                  # No model is trained on these: scored with the shipped models.
                  "brand_name": (60, 34, 0.6566, 0.926, 38), "random_paste": (60, 54, 0.8997, 0.9932, 56)}


def test_stuffing_leave_one_family_out_scores():
    from pipeline.evaluation import stuffing

    if not (WCXB / "metadata.json").exists():
        pytest.skip(f"WCXB dev split not found at {WCXB}")
    found = stuffing.evaluate(_fold_b(STUFFING_PAGES, STUFFING_PAGES_PER_TYPE))
    assert {name: (row["articles"], round(row["keyphrase_found"] * row["articles"]), round(row["copies_removed"], 4),
                   round(row["auc"], 4), round(row["flagged_at_1pct"] * row["articles"]))
            for name, row in found["families"].items()} == STUFFING_FOUND
    # Every planted natural use kept, names' too: before the copy model learned from natural uses
    # written as the copies are (train.COPY_DRAWS), it took 22 of brand_name's 97 with the copies.
    assert all(row["natural_kept"] == 1.0 for row in found["families"].values())
    # The rows hold the measures, not each stuffed article's P.
    assert all("probabilities" not in row for row in found["families"].values())
    # The same articles clean, with two natural uses of a keyphrase planted, and the 60 other pages
    # lose no word to the shipped models.
    clean = found["clean"]
    assert (clean["losing_words"], clean["planted"], clean["planted_losing_words"], clean["other_pages"],
            clean["other_pages_losing_words"]) == (0, 57, 0, 60, 0)


# Spun text, leave one family out, on the first 60 fold-B articles and the first 10 fold-B pages
# of each other type (120 clean pages): per family and rate, (AUC against the clean articles,
# spun articles above the score that 1% of the clean pages exceed, the word model's AUC of the
# words the spinner put in against the articles' other content words), with the models fitted
# without that family. The phrasal family's words are near chance (0.59 / 0.56 / 0.53): its
# substitutes of several words fit inside themselves (and see train.py's step 1 on their labels).
# Fitting the document model on clean pages of every type, not articles alone, raised the second
# number at 0.1 from wordnet 12, moby 20, frequency_matched 1 to 21, 21, 2 (AUC within 0.007). A
# fifth family (broader) among the others raised three of them at 0.1 (wordnet 0.9492, 21 -> 0.9672,
# 30; moby 0.8914, 21 -> 0.9169, 24; frequency_matched 0.7864, 2 -> 0.8158, 5); the phrasal family
# stays unseen (0.6456 -> 0.6417, issue 29). The writer's baseline in the document model (its
# typical word scores and how rare its vocabulary is) raised wordnet 30 -> 35 and frequency_matched
# 5 -> 11 at 0.1 and lowered moby 24 -> 22: a Moby swap is a rare word, and a rare vocabulary now
# counts as the writer's. Its worst word fits (function words included) raised every family's AUC at
# every rate, phrasal's most (0.6417 / 0.7139 / 0.7911 -> 0.6639 / 0.7569 / 0.8464). A sixth family
# (wordnet_phrases: WordNet's multi-word lemmas of any sense) among the others raised phrasal to
# 0.7783 / 0.915 / 0.9622 (2, 3, 7 -> 3, 7, 22 above the 1% score): a swap that fits its own words
# and not the text is no longer unseen. The single-word families lost some (wordnet 0.9636 -> 0.9497,
# frequency_matched 0.8469 -> 0.7956 at 0.1); its own swaps feed our lexicon's repairs (5 of 7 right).
# A seventh (keyword_safe: the words said twice kept, short words and sentence openings swapped, each
# for a synonym of its likeliest sense, its rate a share of all content words) among the others
# raised the counts above the 1% score at 0.1 of wordnet (26 -> 42) and frequency_matched (0 -> 9),
# and phrasal's at every rate (3, 7, 22 -> 5, 7, 27). Held out, it is found as WordNet's is. Not
# counting a thesaurus's names as phrases put in ("United States": a capitalized word past the first)
# raised phrasal to 0.8839 / 0.9794 / 0.9994 (11, 41, 58 -> 13, 45, 59 above the 1% score) and
# wordnet_phrases' AUC; the others moved by 0.002 at most. Counting each such phrase once (a
# writer's term recurs) moved every number here by 0.004 at most; on all of fold B it raised the
# left-out families' recall at 1% (make eval).
SPUN_ARTICLES, SPUN_PAGES_PER_TYPE = 60, 10
SPUN_LOFO = {"wordnet": {"0.1": (0.9431, 36, 0.8699), "0.2": (0.9894, 49, 0.8415), "0.35": (1.0, 60, 0.812)},
             "moby": {"0.1": (0.9253, 32, 0.8732), "0.2": (0.9842, 52, 0.8667), "0.35": (0.9978, 58, 0.8592)},
             "phrasal": {"0.1": (0.8861, 14, 0.6244), "0.2": (0.9786, 46, 0.5935), "0.35": (0.9994, 59, 0.5641)},
             "frequency_matched": {"0.1": (0.7933, 9, 0.8011), "0.2": (0.905, 24, 0.7539), "0.35": (0.9669, 41, 0.7074)},
             "broader": {"0.1": (0.9542, 29, 0.8017), "0.2": (0.9956, 55, 0.7843), "0.35": (0.9997, 59, 0.7557)},
             "wordnet_phrases": {"0.1": (0.8289, 2, 0.6593), "0.2": (0.9106, 9, 0.633), "0.35": (0.975, 27, 0.6038)},
             "keyword_safe": {"0.1": (0.98, 35, 0.8939), "0.2": (0.9953, 51, 0.9033), "0.35": (0.9925, 58, 0.9071)}}
SPUN_REPAIR = {"tortured_phrases.csv": (5, 7, 0), "tortured-phrases.csv": (22, 28, 0)}


def test_spun_leave_one_family_out_scores():
    from pipeline.evaluation import spun

    if not (WCXB / "metadata.json").exists():
        pytest.skip(f"WCXB dev split not found at {WCXB}")
    found = spun.evaluate(_fold_b(SPUN_ARTICLES, SPUN_PAGES_PER_TYPE))
    assert (found["articles"], found["clean_pages"]) == (SPUN_ARTICLES, 120)
    assert {name: {rate: (round(row["auc"], 4), round(row["recall_at_1pct"] * SPUN_ARTICLES), round(row["word_auc"], 4))
                   for rate, row in rows.items() if rate != "threshold_at_1pct"}
            for name, rows in found["leave_one_family_out"].items()} == SPUN_LOFO
    # At the shipped threshold none of the 120 clean pages is flagged (a coffee's 131-word product
    # copy was, "the yin to your yang", "arabica", "robusta", "the midday crash", until the document
    # model counted WordNet's phrases; none before it read the writer's baseline).
    assert {t: round(row["flagged"] * row["pages"]) for t, row in found["clean_flagged_by_type"].items()
            if row["flagged"]} == {}
    # --repair-spun: (replacements restoring what the spinner replaced, in spun articles, in clean ones).
    assert {name: (row["restored"], row["replaced"], row["clean_replaced"])
            for name, row in found["repair"].items()} == SPUN_REPAIR


# The shipped spun model on the gold texts of the other benchmarks (first 100 of each): clean pages
# of other eras that it was neither fitted nor calibrated on. On all of them, 5 of 730 CleanEval
# pages (0.7%; the flag's bound is 1%, issue 29) and 3 of 621 L3S-GN1 pages (0.5%); 23 and 8 (5 and 0
# of these 100) before the document model read the writer's baseline, 11 and 3 before it read the
# worst word fits, 7 and 3 before it counted WordNet's phrases.
SPUN_OTHER_CLEAN_PAGES = 100


def test_spun_flags_on_clean_pages_of_other_benchmarks():
    from pipeline.evaluation import spun

    if not all((wcxb.BENCHMARKS[name] / "ground-truth").is_dir() for name in ("cleaneval", "l3s-gn1")):
        pytest.skip("CleanEval and L3S-GN1 not found beside the repository")
    found = spun.other_clean_flagged(limit=SPUN_OTHER_CLEAN_PAGES)
    assert {name: (row["pages"], row["flagged"]) for name, row in found.items()} == {
        "cleaneval": (100, 1), "l3s-gn1": (100, 0)}
