"""The seeds' boilerplate is removed, each removal with its exact reason; content stays."""

from __future__ import annotations

import re

import pytest

from pipeline.stages.normalize import normalize_text
from tests.conftest import SEEDS, seed_id

# The related-article titles and teasers of seeds 000 and 001 (first, middle and last).
RELATED = {
    "000": ["Tips for heel rubbing with shoes", "Newly bought shoes often do not fit the feet well...",
            "Will you definitely die if you get melanoma?", "What are the early symptoms of bladder cancer?",
            "When it comes to bladder cancer, many people are ..."],
    "001": ["The cure rate for stage 1 melanoma is 99%", "Neurological deafness",
            "Can routine blood tests detect lung cancer?", "The lungs play a very important role in our breat..."],
}


def paragraphs(number: str) -> list[str]:
    """The article paragraphs of a seed: everything before its navigation lines."""
    text = normalize_text(SEEDS[number].read_text("utf-8"))
    body = text.split("\n\n<<:")[0]
    return body.split("\n\n")[2:]  # the title and its duplicate are not paragraphs


def removed_by(run, number: str) -> dict[str, list[str]]:
    """rule code -> the texts that rule removed, from signals.parquet."""
    row = run.row(seed_id(number))
    text = normalize_text(SEEDS[number].read_text("utf-8"))
    out: dict[str, list[str]] = {}
    for a in row["annotations_list"]:
        if a["action"] != "remove":
            continue
        out.setdefault(f"{a['category']}.{a['rule']}", []).append(text[a["start"] : a["end"]].strip())
    return out


@pytest.mark.parametrize("number", ["000", "001"])
def test_navigation_and_related_lists_are_removed_with_their_reasons(seed_run, number):
    cleaned = seed_run.cleaned_text(seed_id(number))
    for marker in ("<<:", ">>:", "Recommend"):
        assert marker not in cleaned
    for line in RELATED[number]:
        assert line not in cleaned
    removed = removed_by(seed_run, number)
    assert sorted(removed) == [
        "boilerplate.navigation", "boilerplate.related_list", "normalize.duplicate_title",
    ]
    assert [t.split(":")[0] for t in removed["boilerplate.navigation"]] == ["<<", ">>"]
    (related,) = removed["boilerplate.related_list"]
    assert related.startswith("Recommend\n\n" + RELATED[number][0])
    assert related.endswith(RELATED[number][-1])


@pytest.mark.parametrize("number", ["000", "001"])
def test_every_article_paragraph_is_kept(seed_run, number):
    cleaned = seed_run.cleaned_text(seed_id(number))
    kept = cleaned.rstrip("\n").split("\n\n")
    assert kept[1:] == paragraphs(number)
    title = SEEDS[number].read_text("utf-8").split("\n")[0]
    assert kept[0] == title and cleaned.count(title) == 1


def test_seed_004_ads_bio_footer_cart_and_artifact_are_removed(seed_run):
    cleaned = seed_run.cleaned_text(seed_id("004"))
    for marker in ("Click Here For", "Author:", "Copyright", "Add to cart", "1}", "Hi there! I"):
        assert marker not in cleaned
    assert not re.search(r"^X$", cleaned, re.M)
    removed = removed_by(seed_run, "004")
    assert removed == {
        "boilerplate.call_to_action": ["Click Here For Effective Lower Back Pain Relief"] * 4,
        "boilerplate.template_artifact": ["1}"],
        "boilerplate.author_bio": [removed["boilerplate.author_bio"][0]],
        "boilerplate.copyright": ["Copyright © 2023 4thicft.org. All Rights Reserved."],
        "boilerplate.close_button": ["X"],
        "boilerplate.cart_widget": ["Add to cart"],
        # The keyphrase's pasted copies, by where each sat; tests/stages/test_stuffing.py checks them.
        "stuffing.keyphrase_own_sentence": ["Lower Back Pain Causing Leg Spasms"] * 5,
        "stuffing.keyphrase_line_end": ["Lower Back Pain Causing Leg Spasms"] * 5,
    }
    bio = removed["boilerplate.author_bio"][0]
    assert bio.startswith("Author: Sara Riley\n\nHi there! I’m Sara") or bio.startswith("Author: Sara Riley\n\nHi there! I'm Sara")
    assert bio.count("\n\n") == 1
    # The question whose template artifact was cut keeps its question mark.
    assert "What are common reasons of lower neck and back pain?\n" in cleaned
    assert cleaned.endswith("Repeat for 90 seconds, after that change legs.\n")


def test_reasons_are_human_readable(seed_run):
    row = seed_run.row(seed_id("004"))
    reasons = {f"{a['category']}.{a['rule']}": a["reason"] for a in row["annotations_list"]}
    assert reasons["boilerplate.copyright"] == "a copyright footer"
    assert reasons["boilerplate.cart_widget"] == "a shopping-cart widget"
    assert reasons["boilerplate.author_bio"] == (
        "an author bio: the heading 'Author: Sara Riley' and 1 paragraph(s) after it, at the end of the page"
    )


def test_negative_control_keeps_its_words(seed_run):
    row = seed_run.row(seed_id("002"))
    assert row["chars_removed"] == 0
    assert [a["action"] for a in row["annotations_list"] if a["action"] != "flag"] == []
    assert row["words_out"] == row["words_in"] == len(re.findall(r"\w+", SEEDS["002"].read_text("utf-8"))) == 879
    cleaned = seed_run.cleaned_text(seed_id("002"))
    raw_lines = [line for line in SEEDS["002"].read_text("utf-8").splitlines() if line.strip()]
    assert [line for line in cleaned.splitlines() if line] == raw_lines


def test_seeds_are_all_kept(seed_run):
    signals = seed_run.signals
    assert list(signals["status"]) == ["kept"] * 5
    assert list(signals["id"]) == [seed_id(n) for n in sorted(SEEDS)]
