"""The clean-input rows of `make eval`: what the stages take from text that has nothing to take."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.core.config import load_config
from pipeline.evaluation import clean_input, wcxb
from tests.conftest import SENTENCES, gold_page

PROSE = (
    "The council met on Tuesday evening to discuss the new budget for the town library.\n\n"
    "Members agreed that the reading room needs more light, and that the children's corner should "
    "stay open on weekends through the summer.\n\n"
    "A final vote on the plan is expected next month, after residents have had time to comment."
)


@pytest.fixture(scope="module")
def ours() -> wcxb.CleanCorpusTextOnly:
    return wcxb.CleanCorpusTextOnly(cv=None)


def test_normalizing_repairs_are_not_losses(ours):
    # An entity, mojibake and a soft hyphen inside a word: normalizing changes these words
    # ("quot", "donâ", "assis" + "tance") and takes none away.
    gold = PROSE + ("\n\nThe mayor said: &quot;We don\u00e2\u20ac\u2122t close on Sundays&quot;, "
                    "and the assis\u00adtance desk agreed.")
    row = clean_input.evaluate([gold_page(gold)], ours)
    assert (row["words_kept"], row["losing_documents"], row["words_taken_by"]) == (1.0, 0, {})


def test_words_a_stage_removes_are_counted(ours):
    # Two kinds of furniture: a rendered page's (one kind alone could be the extracted text's own).
    footer = "Share this article\n\nCopyright 2008 The Associated Press. All rights reserved."
    row = clean_input.evaluate([gold_page(PROSE + "\n\n" + footer)], ours)
    # The footer's 3 + 8 words of 66 (PROSE's 55 and its own).
    assert row["words_taken_by"] == {"boilerplate.copyright": 8, "boilerplate.share_bar": 3}
    assert (row["losing_documents"], row["words_kept"]) == (1, pytest.approx(55 / 66))


def test_a_footer_the_extracted_text_kept_comes_back(ours):
    footer = "Copyright 2008 The Associated Press. All rights reserved."
    row = clean_input.evaluate([gold_page(PROSE + "\n\n" + footer)], ours)
    assert (row["words_taken_by"], row["losing_documents"], row["words_kept"]) == ({}, 0, 1.0)


def test_the_documents_the_decision_drops_are_counted(ours):
    # PROSE is three sentences and 55 words: kept by default, dropped where C4 decides (five sentences).
    assert clean_input.evaluate([gold_page(PROSE)], ours)["dropped"] == 0
    strict = wcxb.CleanCorpusTextOnly(load_config(preset="pretraining"), cv=None)
    row = clean_input.evaluate([gold_page(PROSE)], strict)
    assert (row["dropped"], row["words_kept"]) == (1, 1.0)


def test_a_page_the_decision_drops_scores_as_empty_as_decided(ours):
    # Under 50 words: the same cleaned text, but a run drops the document, so a user gets none of it.
    def page(text: str, page_id: str) -> wcxb.Page:
        html = "<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")) + "</body></html>"
        return dataclasses.replace(gold_page(text, page_id=page_id), html=html)

    short, kept = page("The council met on Tuesday and agreed to keep the library open.", "short"), page(PROSE, "kept")
    as_decided = wcxb.AsDecided(ours)
    scores = wcxb.evaluate([short, kept], {"ours": ours, "as decided": as_decided})
    assert (scores["ours"]["all"]["f1"], scores["as decided"]["all"]["f1"]) == (1.0, 0.5)
    assert [as_decided(p, p.gold) for p in (short, kept)] == ["", ours(kept, kept.gold)]


def test_the_counting_pass_runs_over_the_texts_as_a_run_over_them_would(ours):
    # Three texts of one site (gold_page's example.org) with one line in common: the site's template.
    def text(n: int) -> str:
        picked = [SENTENCES[(n * 5 + k) % len(SENTENCES)] for k in range(6)]
        return f"{' '.join(picked[:3])}\n\nLifetime guarantee on every part\n\n{' '.join(picked[3:])}"

    row = clean_input.evaluate([gold_page(text(n), page_id=f"p{n}") for n in range(3)], ours)
    assert row["words_taken_by"] == {"boilerplate.site_repeated": 3 * 5}
