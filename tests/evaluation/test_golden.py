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
# (word-F1, with kept, without removed) floors for this project's text-only cleaning.
FLOORS = {"f1": 0.94, "with_kept": 0.98, "without_removed": 0.93}
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
