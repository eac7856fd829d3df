"""Spun text: tortured phrases from the lexicons, contextual misfits, the score and the repair."""

from __future__ import annotations

import pytest

from pipeline.document import Action, Document
from pipeline.evaluation.spun import SpunOnly, auc, moby_spinner
from pipeline.evaluation.wcxb import Page
from pipeline.render import cleaned_text
from pipeline.stages.spun import ContextFit, SpunLexiconError, read_lexicon
from pipeline.wordnet import wordnet
from tests.conftest import seed_id

CLEAN = [
    "Most severe lower back pain results from injury to the muscles, tendons, joints, or discs.",
    "The body reacts to the injury with inflammation, which can cause severe pain.",
    "Rest for a day or two, then walk a little more each day as the pain allows.",
]


def page(text: str) -> Page:
    return Page(id="t", page_type="article", domain="example.org", html="", title="Back pain", gold=text,
                with_snippets=(), without_snippets=())


def spun(text: str, **overrides) -> Document:
    return SpunOnly(**overrides)(page(text), text)


def flagged(doc: Document, rule: str = "tortured_phrase") -> list[str]:
    return [doc.text[a.start:a.end] for a in doc.annotations if a.stage == "spun" and a.rule == rule]


def test_seeds_003_and_004_are_flagged_spun_and_000_to_002_are_not(seed_run):
    rows = {n: seed_run.row(seed_id(n)) for n in ("000", "001", "002", "003", "004")}
    assert {n: int(r["spun_flagged"]) for n, r in rows.items()} == {"000": 0, "001": 0, "002": 0, "003": 1, "004": 1}
    assert {n: int(r["spun_tortured_phrases"]) for n, r in rows.items()} == {
        "000": 0, "001": 0, "002": 0, "003": 39, "004": 19}
    assert all(r["spun_status"].startswith("ran (") for r in rows.values())
    # Flags only: spinning is reported, nothing is cut or dropped by default.
    assert all(r["status"] == "kept" for r in rows.values())
    seed_004 = [a for a in rows["004"]["annotations_list"] if a["rule"] == "tortured_phrase"]
    assert {a["action"] for a in seed_004} == {"flag"}
    assert 'most likely "lower back pain"' in seed_004[0]["reason"]


def test_a_tortured_phrase_is_flagged_with_the_phrase_it_replaced():
    doc = spun(" ".join(CLEAN) + " Severe reduced back discomfort needs a physician.")
    assert flagged(doc) == ["reduced back"]
    (reason,) = [a.reason for a in doc.annotations if a.rule == "tortured_phrase"]
    assert reason.startswith('tortured phrase "reduced back": most likely "lower back" (seed 003')
    assert doc.signals["spun_tortured_phrases"] == 1
    assert doc.signals["spun_score"] == pytest.approx(0.3, abs=0.02)  # one phrase alone: 1 - 0.7


@pytest.mark.parametrize(("text", "expected"), [
    # "neck and back pain" stands for "back pain" only where the text speaks of no neck elsewhere.
    ("Stretching eases neck and back pain after a long day.", ["neck and back pain"]),
    ("Stretching eases neck and back pain. A stiff neck also needs a good pillow.", []),
    # "muscle mass" is spun where it means the tissue, not body composition.
    ("These muscle mass are truly key in supporting your back.", ["muscle mass"]),
    ("Older adults lose muscle mass unless they train twice a week.", []),
    # A phrase's words must follow each other: punctuation between them is no match.
    ("The tree splits on data; gain is computed per split.", []),
    # The shared list's query syntax: '"bosom" AND "breast"' needs "breast" in the document too.
    ("She held the letter to her bosom for a long time.", []),
    ("Bosom screening finds breast tumours early.", ["Bosom"]),
])
def test_lexicon_conditions(text, expected):
    assert flagged(spun(text)) == expected


def test_repair_replaces_tortured_phrases_keeping_the_case():
    doc = spun("Reduced back pain is common. Severe reduced back pain needs a physician.", repair=True)
    replaced = [(a.replacement, a.action) for a in doc.annotations if a.rule == "tortured_phrase"]
    assert replaced == [("Lower back", Action.REPLACE), ("lower back", Action.REPLACE)]
    assert cleaned_text(doc).endswith("Lower back pain is common. Severe lower back pain needs a physician.")


def test_a_lexicon_without_its_columns_is_an_error(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("phrase,expected\nreduced back,lower back\n", "utf-8")
    with pytest.raises(SpunLexiconError, match="needs the columns phrase, expected"):
        read_lexicon(path)


def test_shared_list_queries_are_read_as_conditions():
    entries = {e.words: e for e in read_lexicon("tortured-phrases.csv", builtin=True)}
    assert len(entries) > 7000
    surface = entries[("surface", "region")]
    assert (surface.expected, surface.requires_in_document) == ("surface area", (("surface area",),))
    assert entries[("highlight", "extraction")].unless_in_document == ("specular",)


def test_a_misfit_names_the_synonym_that_fits_far_better():
    fit = ContextFit(min_fit_words=1)
    spun_sentence = fit("Most severe reduced back discomfort results from injury to the muscular tissues.")
    assert [(f.word, better) for f, better, _ in spun_sentence.misfits] == [("reduced", "cut")]
    assert fit(CLEAN[0]).misfits == []
    assert fit(CLEAN[0]).values["fit_mean"] > spun_sentence.values["fit_mean"]


def test_too_few_words_get_no_misfit_score():
    doc = spun(CLEAN[0])
    assert doc.signals["spun_misfit_score"] is None
    assert doc.notes["spun_status"] == "lexicons only: 7 content words to fit, fewer than 30"


def test_wordnet_reader_undoes_inflection():
    net = wordnet()
    assert net.lemmas("reduced", "v") == [("reduce", "ed", "e")]
    assert net.synonyms("spasms") == ("cramp", "cramps")
    assert {"cut", "shortened", "shorten"} <= set(net.synonyms("reduced"))


def test_eval_spinner_uses_its_own_thesaurus_and_auc_counts_ties_half():
    import random

    text = "Stretching relieves the pain in the muscles of the back."
    # Only lower-case base forms of 4+ letters that are no stop words ("back" is one) are swapped.
    assert moby_spinner()(text, 1.0, random.Random(1)) == "Stretching relieves the asphyxiation in the muscles of the back."
    assert moby_spinner()(text, 0.0, random.Random(1)) == text
    assert auc([0.1, 0.5], [0.5, 0.9]) == pytest.approx(0.875)
