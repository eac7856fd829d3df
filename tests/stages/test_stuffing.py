"""Keyword stuffing: the keyphrase is found untold, each pasted copy is cut, grammatical uses stay."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from functools import lru_cache

import numpy as np
import pytest

from pipeline._core import stuffing_token_counts, stuffing_tokens
from pipeline.core.config import load_config
from pipeline.core.document import Document
from pipeline.core.render import cleaned_text
from pipeline.evaluation.stuffing import STAGES
from pipeline.io.records import RawRecord
from pipeline.language.nlp import stop_words
from pipeline.run.processor import Pipeline, build_pipeline
from pipeline.stages.normalize import make_document
from pipeline.stages.stuffing import KEYPHRASE_NOTE
from pipeline.stages.stuffing.candidates import find_candidates
from pipeline.stages.stuffing.features import (
    CANDIDATE_FEATURES,
    CANDIDATE_MODEL_FEATURES,
    DOCUMENT_FEATURES,
    INSTANCE_FEATURES,
    candidate_rows,
    describe,
)
from pipeline.stages.stuffing.text import ABBREVIATIONS, TOKEN, ends_sentence, wrapping
from tests.conftest import seed_id

PROSE = [
    "Runners often notice a dull ache after long sessions on hard roads.",
    "The ache usually fades within a day when the muscles get enough rest.",
    "Stretching the hamstrings before a run loosens the lower back as well.",
    "A physiotherapist can check whether the gait puts extra load on the spine.",
    "Most people recover fully once they change their shoes and their route.",
    "Running fast downhill strains the calf, and the pain can last for days.",
]


@lru_cache(maxsize=1)
def stuffing_pipeline() -> Pipeline:
    """The stage after what it requires: the stages ``make eval`` scores it with."""
    config = load_config()
    config["pipeline"]["stages"] = STAGES
    return build_pipeline(config)


def stuffing_only(title: str, body: str) -> Document:
    doc = make_document(RawRecord(id="t", source="t.txt", position=1, text=body, title=title))
    return stuffing_pipeline()(doc)


def stuffing_rules(doc: Document) -> list[str]:
    return [a.rule for a in doc.annotations if a.category == "stuffing"]




def _candidates(body: str, title: str) -> tuple[Document, list]:
    """``body`` after the segment stage, and the stage's candidates in it (its defaults)."""
    config = load_config()
    config["pipeline"]["stages"] = ["segment"]
    doc = build_pipeline(config)(make_document(RawRecord(id="t", source="t.txt", position=1, text=body, title=title)))
    return doc, find_candidates(doc, stop_words(), min_instances=3, min_tokens=2, max_tokens=16, min_content_tokens=2)


def candidates_of(body: str, title: str = "A title") -> dict[str, int]:
    """The stage's candidates in ``body`` and their instance counts."""
    return {c.phrase: len(c.instances) for c in _candidates(body, title)[1]}


def described_of(body: str, title: str = "A title") -> dict[str, np.ndarray]:
    """The stage's candidates in ``body`` and their rows of ``CANDIDATE_FEATURES``."""
    doc, found = _candidates(body, title)
    return {d.candidate.phrase: d.row for d in describe(doc, found, stop_words())}


def test_candidates_are_the_maximal_repeated_spans_of_words_numbers_and_symbols_in_any_case():
    body = "\n\n".join([
        "We list the Top 10 Laptops Under $500 here.",
        "top 10 laptops under $500: what to buy.",
        "Our TOP 10 LAPTOPS UNDER $500, tested.",
        "Laptops under $500 are fine for school.",   # a sub-span said once more is a candidate of its own
        "The title: Sleep Training | A Guide. Sleep Training | A Guide. Sleep Training | A Guide.",
        "It costs $9.99 per month, or $19.99 per month, or $29.99 per month.",  # a price is one token
    ])
    # ("per month" has one word that is no stop word: no keyphrase)
    assert candidates_of(body) == {"top 10 laptops under $ 500": 3, "laptops under $ 500": 4,
                                   "sleep training a guide": 3}


def test_a_span_said_twice_over_and_text_an_earlier_stage_removed_are_no_candidates():
    body = "\n\n".join(["best running shoes | best running shoes"] * 2 + ["best running shoes for flat feet"])
    assert candidates_of(body) == {"best running shoes": 5}


def test_a_copy_alone_in_its_clause_is_told_from_a_term_inside_one():
    body = "\n\n".join([
        "We ran all week, trail running shoes, and the hills felt easy.",  # between commas: alone
        "Trail running shoes",  # a line of its own: alone
        "The grip held (trail running shoes) on wet rock.",  # in brackets: alone
        "Good trail running shoes - a dash is no word.",  # the dash bounds it; "Good" shares its clause
        "Buy the trail running shoes today.",  # inside a clause
    ])
    rows = described_of(body)
    assert rows["trail running shoes"][CANDIDATE_FEATURES.index("clause_alone")] == 3 / 5


def test_a_period_an_abbreviation_owns_does_not_end_the_copy_s_sentence():
    body = "\n\n".join([
        "Motor City Electric Co. wired the stadium.",  # the name's own period
        "We called Motor City Electric Co. Then we waited.",  # the name's, though a sentence ends too
        "Motor City Electric Co. is in Detroit.",
        "Motor City Electric. The work took a year.",  # a sentence's period
    ])
    doc, found = _candidates(body, "A title")
    described = {d.candidate.phrase: d for d in describe(doc, found, stop_words())}
    columns = [INSTANCE_FEATURES.index("after_period"), INSTANCE_FEATURES.index("own_sentence")]
    assert described["motor city electric co"].instance_rows[:, columns].tolist() == [[0, 0], [0, 0], [0, 0]]
    assert described["motor city electric"].instance_rows[:, columns].tolist() == [[0, 0], [0, 0], [0, 0], [1, 1]]
    # nor the name's clause: each shares it with other words
    assert described["motor city electric co"].row[CANDIDATE_FEATURES.index("clause_alone")] == 0


def test_a_candidate_is_compared_with_the_document_s_other_repeats_not_its_own_sub_spans():
    # Three candidates: 0 and 1 share characters (a keyphrase and a sub-span of it), 2 stands apart.
    spans = [[(0, 20), (100, 120)], [(5, 20), (105, 120), (300, 310)], [(50, 60), (200, 210)]]
    placed = [np.array([0.9, 0.7]), np.array([0.6, 0.2, 0.1]), np.array([0.3, 0.1])]
    rows = candidate_rows([np.zeros(len(CANDIDATE_FEATURES))] * 3, placed, spans)
    document = rows[:, [CANDIDATE_MODEL_FEATURES.index(name) for name in DOCUMENT_FEATURES]]
    # (log(1 + others), mean P less the others' highest mean P, share of the others it leads)
    assert document.ravel().tolist() == pytest.approx([math.log(2), 0.8 - 0.2, 1.0, math.log(2), 0.3 - 0.2, 1.0,
                                                       math.log(3), 0.2 - 0.8, 0.0])


@pytest.mark.parametrize(("kp", "last"), [
    ("Calf Pain After Running Fast", "wrapped"),
    # Brackets inside the keyphrase: each copy goes whole, its closing bracket with it.
    ("Calf Pain After Running (2025 Guide)", "separator"),
    ("Calf Pain [Running Fast]", "separator"),
])
def test_pasted_copies_of_every_kind_are_cut_with_what_attached_them_and_the_title_is_evidence_only(kp, last):
    body = "\n\n".join([
        f"{PROSE[0]} {kp}. {PROSE[1]}",               # a sentence of its own between sentences
        f"{PROSE[2]} {kp}",                           # after the paragraph's last sentence
        "Why does it hurt? Runners see a doctor or " + kp + ",miss out on training days.",  # glued
        f"{PROSE[4]} | {kp}",                         # after a separator
        kp,                                           # a line of its own
        *([f"{PROSE[3]} ({kp})", PROSE[5]] if last == "wrapped"     # wrapped in brackets
          else [PROSE[3], f"{kp} - {PROSE[5]}"]),                  # before a separator
    ])
    doc = stuffing_only(f"{kp}: a guide", body)
    assert doc.notes[KEYPHRASE_NOTE] == kp
    assert stuffing_rules(doc) == [
        "keyphrase_own_sentence", "keyphrase_own_sentence", "keyphrase_glued", "keyphrase_separator",
        "keyphrase_own_line", f"keyphrase_{last}"]
    assert cleaned_text(doc) == "\n\n".join([
        f"{kp}: a guide",
        f"{PROSE[0]} {PROSE[1]}",
        PROSE[2],
        "Why does it hurt? Runners see a doctor or miss out on training days.",
        PROSE[4],
        PROSE[3],
        PROSE[5],
    ])
    assert (doc.signals["stuffing_instances"], doc.signals["stuffing_injected"]) == (6, 6)


@pytest.mark.parametrize(("title", "lines"), [
    # Natural repetition of a topic term, grammatical every time.
    ("Lower back pain: what helps", [
        "Lower back pain is the most common reason adults miss work.",
        "Most lower back pain gets better within a few weeks of gentle activity.",
        "Doctors rarely order scans for lower back pain without red flags.",
        "If lower back pain spreads down a leg, see a doctor the same week.",
    ]),
    # One kind of evidence alone is a house style: a product named in Title Case mid-sentence.
    ("Our storage bill", [
        "We moved our data to Google Cloud Storage last year.",
        "The bill for Google Cloud Storage fell by a third.",
        "Backups to Google Cloud Storage now finish overnight.",
        "Storage on google cloud hardware is cheap and the cloud team is small.",
    ]),
    # A period after an abbreviation does not make the name a sentence of its own.
    ("Top electrical contractors", [
        "7. Motor City Electric Co.",
        "Motor City Electric Co. is an employee-owned electrical contractor in Detroit.",
        "Motor City Electric Co. wired the new stadium in two years.",
        "Visit Motor City Electric Co.'s website to learn more.",
    ]),
    # Prices end their lines, but "99 per month" is not a phrase: it starts inside "$9.99".
    ("What a subscription costs", [
        "- Monthly subscription: US$9.99 per month",
        "- Annual subscription: US$6.99 per month",
        "- Family subscription: US$14.99 per month",
        "The basic tier costs $4.99 per month. It shows adverts.",
    ]),
    # A name with a determiner of its own is a noun phrase, even where the parser fails to attach it.
    ("Certified coffee grinders", [
        "Baristas trust grinders certified by the Specialty Coffee Association (SCA).",
        "The Specialty Coffee Association of America reviews, tests, and certifies coffee gear.",
        "Specialty Coffee Association. (2019, June 1). Certified Home Brewers.",
        "A coffee grinder with that stamp is a safe choice for specialty beans.",
    ]),
], ids=["topic term", "name in Title Case", "name ending in Co.", "prices", "name with a determiner"])
def test_repetition_that_is_not_stuffing_is_left_alone(title, lines):
    doc = stuffing_only(title, "\n\n".join([*lines, *PROSE]))
    assert doc.notes[KEYPHRASE_NOTE] == ""
    assert doc.signals["stuffing_injected"] == 0
    assert not doc.annotations


def test_a_repeated_aside_in_brackets_with_a_sentence_of_its_own_is_not_a_wrapped_copy():
    # A testimonial's link to the reviews: its own period inside the brackets makes it an aside.
    names = ("Ann B.", "Tom", "Lee C.", "Jo")
    quotes = [f'"{line}" - {name} (Read all reviews.)' for line, name in zip(PROSE[:4], names, strict=True)]
    doc = stuffing_only("What runners say", "\n\n".join([*quotes, PROSE[4], PROSE[5]]))
    assert doc.notes[KEYPHRASE_NOTE] == ""
    assert not doc.annotations


def test_a_section_heading_the_title_holds_repeated_on_lines_of_its_own_is_not_stuffing():
    heading = "Different Types of Cameras"
    lines = ["There are many different types of cameras on the market.", heading, PROSE[0], heading, PROSE[1],
             heading, PROSE[2]]
    doc = stuffing_only("Different Types of Cameras Explained", "\n\n".join(lines))
    assert doc.notes[KEYPHRASE_NOTE] == ""
    assert not doc.annotations


@pytest.mark.parametrize(("number", "keyphrase", "instances", "injected"), [
    # Instances are the body's (the title is evidence, not an instance); one copy stands alone on a
    # line, which the line model leaves and the stage takes.
    ("003", "Pain In Lower Back Calf After Running", 12, 12),
    ("004", "Lower Back Pain Causing Leg Spasms", 10, 10),
])
def test_the_seeds_keyphrases_are_found_and_removed(seed_run, number, keyphrase, instances, injected):
    row = seed_run.row(seed_id(number))
    assert row["keyphrase"] == keyphrase
    assert (row["stuffing_instances"], row["stuffing_injected"]) == (instances, injected)
    assert sum(a["category"] == "stuffing" for a in row["annotations_list"]) == injected
    cleaned = seed_run.cleaned_text(seed_id(number))
    # The title keeps the phrase; the body keeps none of its copies.
    assert cleaned.split("\n", 1)[1].count(keyphrase) == instances - injected
    assert row["status"] == "kept"


def test_the_wedged_instance_of_seed_003_leaves_the_sentence_whole(seed_run):
    cleaned = seed_run.cleaned_text(seed_id("003"))
    assert "people see a doctor or miss out on days at job." in cleaned


@pytest.mark.parametrize("number", ["000", "001", "002"])
def test_clean_seeds_have_no_stuffing(seed_run, number):
    row = seed_run.row(seed_id(number))
    assert row["keyphrase"] == ""
    assert row["stuffing_injected"] == 0
    assert not [a for a in row["annotations_list"] if a["category"] == "stuffing"]


@pytest.mark.parametrize(("text", "ends"), [
    ("Rest helps.", True), ("Does it help?", True), ('He said "no." ', True), ("It costs 3.", True),
    ("nothing better than a hot drink this time of year!'", True), ("the runners'", False),
    ("Motor City Electric Co.", False), ("Coffee Gator 34 oz.", False), ("tools, e.g.", False), ("No.", False),
    ("Rest helps", False), ("Note:", False),
])
def test_a_sentence_ends_at_terminal_punctuation_unless_an_abbreviation_owns_the_period(text, ends):
    assert ends_sentence(text) is ends


def test_a_sentence_end_is_read_from_the_end_as_the_pattern_reads_it():
    """Read backwards, ``ends_sentence`` finds what this pattern (what it was before) finds."""
    pattern = re.compile(r"([^\W_]+)?([.!?…])[\"”’')\]]*\s*$")

    def reference(text: str) -> bool:
        end = pattern.search(text)
        if end is None:
            return False
        word = end.group(1)
        if end.group(2) == "." and word is not None:
            start = end.start(1)
            if text[max(0, start - 2):start] in ("e.", "i."):
                word = text[start - 2:start] + word
            return word.lower() not in ABBREVIATIONS or word == "no"
        return True

    rng = random.Random(5)
    pieces = ["Co", "co", "no", "No", "e", "i", "g", "oz", "word", "3", "_", "é", ".", "!", "?", "…", '"', "”", "’", "'", ")",
              "]", " ", "\n", "\u00a0", ",", "-"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    assert [ends_sentence(t) for t in texts] == [reference(t) for t in texts]


def test_the_document_s_token_counts_are_the_tokens_counted_in_python():
    """How often each word is said in any case ("’" as "'") and whether it is written in lower
    case, as counting ``TOKEN``'s matches with ``str.lower`` and ``str.islower`` gives them."""
    rng = random.Random(6)
    pieces = ["Stop", "STOP", "stop", "Don’t", "don't", "DON'T", "İstanbul", "istanbul", "ΣΟΦΟΣ", "σοφος", "DŽungla",
              "ǅ", "ẞ", "ß", "10", "$", "&", " ", " ", ", ", ". "]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(2000)]
    asked = ["stop", "don't", "istanbul", "i̇stanbul", "σοφος", "σοφοσ", "džungla", "ǆ", "ß", "10", "$", "go"]
    for text in texts:
        tokens = TOKEN.findall(text)
        said = Counter(t.lower().replace("’", "'") for t in tokens)
        lower = {t for t in tokens if t.islower()}
        assert stuffing_token_counts(text, asked) == (len(tokens), [(said[w], w in lower) for w in asked]), text


def test_the_compiled_tokens_are_the_token_pattern_s_matches():
    # The candidates are found by the compiled core; its tokens must be TOKEN's, as Python's re reads it.
    rng = random.Random(4)
    pieces = ["Best", "shoes", "1", "1,000", "9.99", "3.", ".5", "12,5,6", "١٢٣", "٫", "$", "&", "+", "%", "#", "_",
              "Lion’s", "rock'n'roll", "x'", "'y", "über", "ÜBER", "½", "²", "漢字", " ", "-", "|", ",", ".", "\n"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    assert [stuffing_tokens(t) for t in texts] == [[m.span() for m in TOKEN.finditer(t)] for t in texts]
    assert stuffing_tokens("Top 10: $1,000.50 Lion’s 100%") == [(0, 3), (4, 6), (8, 9), (9, 17), (18, 24), (25, 28),
                                                                 (28, 29)]


def test_wrapping_marks_are_found_as_the_opening_pattern_finds_them():
    """The compiled ``wrapping`` finds what this pattern (what it was before) finds."""
    opening = re.compile(r"([\"“‘(\[*_|]{1,3})( ?)$")
    mirror = str.maketrans("“‘([", "”’)]")

    def reference(before: str, after: str) -> tuple[int, tuple[int, int]]:
        found = opening.search(before, max(0, len(before) - 5))
        if not found:
            return 0, (0, 0)
        marks, space = found.groups()
        inside = r"[.!?…]?" if marks in ('"', "“", "‘") else ""
        closing = re.match(inside + "(" + re.escape(space + marks[::-1].translate(mirror)) + ")", after)
        return (len(found.group()), closing.span(1)) if closing else (0, (0, 0))

    rng = random.Random(6)
    pieces = ['"', "“", "”", "‘", "’", "(", ")", "[", "]", "*", "_", "|", " ", ".", "!", "…", "a", "Best Shoes"]
    pairs = [("".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))),
              "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))) for _ in range(20_000)]
    assert [wrapping(b, a) for b, a in pairs] == [reference(b, a) for b, a in pairs]
    assert wrapping("He said “", ".” Then") == (1, (1, 2))


def test_a_leave_one_out_model_sees_no_keyphrase_of_its_family_not_even_planted():
    from pipeline.stages.stuffing.train import CLEAN, PLANTED, _trains

    without = ("title_span", "seo_template")  # the models a family other than these is scored with
    assert [_trains(family, without) for family in (
        "title_span", "whole_title", f"{CLEAN}:article", f"{CLEAN}:page", f"{PLANTED}:seo_template",
        f"{PLANTED}:whole_title")] == [True, False, True, True, True, False]


def test_of_overlapping_candidates_above_the_threshold_the_longest_is_taken():
    from pipeline.stages.stuffing import choose

    spans = [[(0, 10), (20, 30)], [(0, 20)], [(40, 50)], [(20, 25)], [(60, 70)]]
    # 1 is the longest above 0.9; 0 overlaps it; 2 is below; 3 only touches 1's end; 4 overlaps nothing.
    assert choose(np.array([0.95, 0.97, 0.5, 0.99, 0.93]), [3, 5, 4, 2, 2], spans, 0.9) == [1, 3, 4]
    assert choose(np.array([0.95, 0.97, 0.5, 0.99, 0.93]), [3, 5, 4, 2, 2], spans, 0.999) == []


def calf_pain_pasted() -> tuple[str, str, str]:
    """A keyphrase, its article's title, and the article: a writer's own use of it (in lower case)
    and four pasted copies (after a sentence, at a paragraph's end, after a bar, on a line of its own)."""
    kp, title = "Calf Pain After Running Fast", "Calf Pain After Running Fast: a guide"
    natural = "New runners often get calf pain after running fast on hills."
    body = "\n\n".join([f"{PROSE[0]} {kp}. {PROSE[1]}", f"{PROSE[2]} {kp}", natural, f"{PROSE[4]} | {kp}", kp,
                        PROSE[3], PROSE[5]])
    return kp, title, body


def test_the_held_out_proxy_decides_on_training_rows_as_the_stage_does_on_the_document():
    from pipeline.evaluation.stuffers import NATURAL, Stuffed
    from pipeline.evaluation.wcxb import Page
    from pipeline.stages.stuffing.model import StuffingModel
    from pipeline.stages.stuffing.train import Featurizer, held_out_scores

    kp, title, body = calf_pain_pasted()
    starts = [m.start() for m in re.finditer(re.escape(kp), body, re.IGNORECASE)]
    at_natural = body.index("calf pain after")
    sample = Stuffed(body, kp, 4, tuple((at, NATURAL if at == at_natural else "pasted") for at in starts))
    page = Page("t", "article", "example.org", "", title, body, (), ())
    rows = Featurizer().rows("title_span", page, sample, body, "t:title_span:0")
    assert [len(r.spans) for r in rows if r.label] == [5]
    scores = held_out_scores(StuffingModel.load(), rows, [])
    # The stage on the same document: which of the five instances it cuts.
    doc = stuffing_only(title, body)
    cut = [any(a.start <= m.start() < a.end for a in doc.annotations if a.category == "stuffing")
           for m in re.finditer(re.escape(kp), doc.text, re.IGNORECASE)][1:]  # the title's is no instance
    assert cut == [True, True, False, True, True]
    assert scores == {"documents": 1, "found": 1.0, "removed": 1.0, "natural_kept": 1.0, "planted_flagged": 0.0}


def test_the_held_out_proxy_counts_what_the_models_take_from_text_with_nothing_pasted():
    from pipeline.evaluation.wcxb import Page
    from pipeline.stages.stuffing.train import clean_cost

    _, title, pasted = calf_pain_pasted()
    clean = "\n\n".join(PROSE)
    pages = [Page(f"p{n}", "article", "example.org", "", title, text, (), ()) for n, text in enumerate([clean, pasted])]
    # The clean text loses nothing; the one with the keyphrase pasted four times loses the four
    # copies' words, and keeps the writer's own use.
    assert clean_cost(None, {"bench": pages}) == {"bench": {"texts": 2, "losing": 1, "words": 20}}
