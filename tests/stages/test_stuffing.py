"""Keyword stuffing: the keyphrase is found untold, each injection is cut, grammatical uses stay."""

from __future__ import annotations

from functools import lru_cache

import pytest

from pipeline.core.config import load_config
from pipeline.core.document import Document
from pipeline.core.render import cleaned_text
from pipeline.evaluation.stuffing import STAGES
from pipeline.io.records import RawRecord
from pipeline.run.processor import Pipeline, build_pipeline
from pipeline.stages.normalize import make_document
from pipeline.stages.stuffing import KEYPHRASE_NOTE
from pipeline.stages.stuffing.surface import ends_sentence
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


def stuffing_reasons(doc: Document) -> list[str]:
    return [a.reason.split(": ", 1)[1] for a in doc.annotations if a.category == "stuffing"]


# The reasons for the two copies ``established`` opens with.
ESTABLISHING = ["a sentence of its own between sentences", "appended after the paragraph's last sentence"]


def established(title: str, kp: str, *lines: str) -> Document:
    """The stage on a body whose first two lines establish ``kp`` with strong evidence (a
    sentence of its own, then a copy trailing a paragraph), then ``lines``, then one of prose:
    its cleaned lines from the third on are ``lines`` as the stage left them, then PROSE[3]."""
    return stuffing_only(title, "\n\n".join([f"{PROSE[0]} {kp}. {PROSE[1]}", f"{PROSE[2]} {kp}", *lines, PROSE[3]]))


def test_every_kind_of_injection_is_cut_with_the_punctuation_that_attached_it():
    kp = "Calf Pain After Running Fast"
    body = "\n\n".join([
        f"{PROSE[0]} {kp}. {PROSE[1]}",               # a sentence of its own between sentences
        f"{PROSE[2]} {kp}",                           # trailing the paragraph's last sentence
        "Why does it hurt? Runners see a doctor or " + kp + ",miss out on training days.",  # glued
        "Rest and recover " + kp,                     # Title Case after a lower-case word
        kp,                                           # a line of its own
        PROSE[3],
        PROSE[5],
    ])
    doc = stuffing_only("Calf Pain After Running Fast: a guide", body)
    assert doc.notes[KEYPHRASE_NOTE] == "Calf Pain After Running Fast"
    assert stuffing_reasons(doc) == [
        "a sentence of its own between sentences", "appended after the paragraph's last sentence",
        "glued to the next word", "in Title Case inside a lower-case sentence", "a line of its own",
    ]
    assert cleaned_text(doc) == "\n\n".join([
        "Calf Pain After Running Fast: a guide",
        f"{PROSE[0]} {PROSE[1]}",
        PROSE[2],
        "Why does it hurt? Runners see a doctor or miss out on training days.",
        "Rest and recover",
        PROSE[3],
        PROSE[5],
    ])
    assert (doc.signals["stuffing_instances"], doc.signals["stuffing_injected"]) == (6, 5)
    assert doc.signals["stuffing_unintegrated_ratio"] == 5 / 6


def test_a_copy_wrapped_in_quotes_brackets_emphasis_or_table_bars_is_judged_outside_them_and_cut_with_them():
    kp = "Calf Pain After Running Fast"
    body = "\n\n".join([
        f"{PROSE[0]} ({kp})",                         # trailing the paragraph's last sentence
        f'{PROSE[1]} "{kp}." {PROSE[2]}',             # a sentence of its own, the period in the quotes
        f"{PROSE[3]} **{kp}**",                       # trailing, in emphasis
        f"| {kp} |",                                  # a line of its own: a table cell
        f"{kp}:",                                     # a line of its own: a heading
        f'"{kp}"',                                    # a line of its own, quoted
        PROSE[4],
    ])
    doc = stuffing_only("Calf Pain After Running Fast: a guide", body)
    assert doc.notes[KEYPHRASE_NOTE] == kp
    assert stuffing_reasons(doc) == [
        "appended after the paragraph's last sentence", "a sentence of its own between sentences",
        "appended after the paragraph's last sentence", "a line of its own", "a line of its own", "a line of its own",
    ]
    assert cleaned_text(doc) == "\n\n".join([
        "Calf Pain After Running Fast: a guide", PROSE[0], f"{PROSE[1]} {PROSE[2]}", PROSE[3], PROSE[4]])


def test_a_long_tail_keyphrase_of_ten_words_is_found_and_cut_whole():
    kp = "Best Trail Running Shoes For Flat Feet And Wide Toes"
    doc = established("Trail shoes for wide feet", kp, f"Runners see a doctor or {kp},miss out on training days.", kp)
    assert doc.notes[KEYPHRASE_NOTE] == kp
    assert cleaned_text(doc) == "\n\n".join([
        "Trail shoes for wide feet", f"{PROSE[0]} {PROSE[1]}", PROSE[2],
        "Runners see a doctor or miss out on training days.", PROSE[3]])


def test_a_repeated_aside_in_brackets_with_a_sentence_of_its_own_is_not_a_wrapped_copy():
    # A testimonial's link to the reviews: its own period inside the brackets makes it an aside.
    names = ("Ann B.", "Tom", "Lee C.", "Jo")
    quotes = [f'"{line}" - {name} (Read all reviews.)' for line, name in zip(PROSE[:4], names, strict=True)]
    doc = stuffing_only("What runners say", "\n\n".join([*quotes, PROSE[4], PROSE[5]]))
    assert doc.notes[KEYPHRASE_NOTE] == ""
    assert not doc.annotations


def test_weak_evidence_counts_beside_strong_and_headings_show_two_more_kinds():
    kp = "best trail running shoes"
    body = "\n\n".join([
        f"{PROSE[0]} {kp}. {PROSE[1]}",               # a sentence of its own: strong
        kp,                                           # a line of its own: weak
        f"Why Fit Matters {kp} {kp}",                 # lower case after a Title Case heading, twice: one cut
        PROSE[3],
        PROSE[5],
    ])
    doc = stuffing_only("The best trail running shoes for beginners", body)
    assert doc.notes[KEYPHRASE_NOTE] == kp
    assert stuffing_reasons(doc) == [
        "a sentence of its own between sentences", "a line of its own",
        "in lower case after a Title Case heading",
    ]
    assert (doc.signals["stuffing_instances"], doc.signals["stuffing_injected"]) == (5, 4)  # the title keeps its own
    assert cleaned_text(doc) == "\n\n".join([
        "The best trail running shoes for beginners",
        f"{PROSE[0]} {PROSE[1]}",
        "Why Fit Matters",
        PROSE[3],
        PROSE[5],
    ])


@pytest.mark.parametrize(("title", "stuffed"), [
    ("Calf Pain After Running Fast: a guide", True),  # the title holds the phrase: two injected are enough
    ("A guide to sore calves", False),  # elsewhere it takes three
])
def test_a_keyphrase_the_title_holds_needs_two_injected_instances(title, stuffed):
    kp = "Calf Pain After Running Fast"
    body = "\n\n".join([
        f"{PROSE[0]} {kp}. {PROSE[1]}",               # a sentence of its own: strong
        kp,                                           # a line of its own: weak
        f"Doctors see {kp.lower()} in new runners.",  # a grammatical use
        PROSE[3],
    ])
    doc = stuffing_only(title, body)
    assert doc.notes[KEYPHRASE_NOTE] == (kp if stuffed else "")
    assert stuffing_reasons(doc) == (["a sentence of its own between sentences", "a line of its own"] if stuffed else [])
    assert cleaned_text(doc).split("\n\n")[1:] == (
        [f"{PROSE[0]} {PROSE[1]}", f"Doctors see {kp.lower()} in new runners.", PROSE[3]] if stuffed else body.split("\n\n"))


@pytest.mark.parametrize(("third", "own_lines", "reason", "left"), [
    ("Prices rose fastest in small cities {kp}", 2, "in Title Case inside a lower-case sentence",
     "Prices rose fastest in small cities"),
    ("- Warm Up Drills {kp}", 2, "appended to a line already complete (after noun 'drills'; parse)", "- Warm Up Drills"),
    ("Prices rose fastest in small cities {kp}", 1, None, None),
], ids=["wrong case", "read as appended", "one line of its own"])
def test_without_strong_evidence_the_title_lines_of_its_own_and_a_third_kind_together_establish_it(
        third, own_lines, reason, left):
    kp = "Hottest Real Estate Markets"
    lines = ["The hottest real estate markets this year are in the South.",  # a grammatical use
             kp, PROSE[0], third.format(kp=kp), kp, PROSE[1]]
    if own_lines == 1:
        lines.remove(kp)
    doc = stuffing_only("The Hottest Real Estate Markets in the U.S.", "\n\n".join(lines))
    assert doc.notes[KEYPHRASE_NOTE] == (kp if reason else "")
    assert stuffing_reasons(doc) == (["a line of its own", reason, "a line of its own"] if reason else [])
    if reason:
        assert cleaned_text(doc).split("\n\n")[1:] == [lines[0], PROSE[0], left, PROSE[1]]


def test_a_section_heading_the_title_holds_repeated_on_lines_of_its_own_is_not_stuffing():
    heading = "Different Types of Cameras"
    lines = ["There are many different types of cameras on the market.", heading, PROSE[0], heading, PROSE[1],
             heading, PROSE[2]]
    doc = stuffing_only("Different Types of Cameras Explained", "\n\n".join(lines))
    assert doc.notes[KEYPHRASE_NOTE] == ""
    assert not doc.annotations


def test_a_grammatical_use_of_the_stuffed_phrase_is_kept():
    kp = "lower back pain causing leg spasms"
    doc = established("Running and your back", kp,
                      f"Why does it hurt? Runners see a doctor or {kp},miss out on training days.",
                      f"People with {kp} should stop running for a week.")
    assert doc.notes[KEYPHRASE_NOTE] == kp
    reasons = stuffing_reasons(doc)
    assert len(reasons) == 3
    assert f"People with {kp} should stop running for a week." in cleaned_text(doc)


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


def test_a_line_that_was_complete_before_the_phrase_loses_it_and_a_line_that_needs_it_keeps_it():
    kp = "Calf Pain After Running Fast"
    doc = established("Calf Pain After Running Fast: a guide", kp,
                      f"Warm Up Drills {kp}",           # after a noun: the heading was whole
                      f"Good Shoes for {kp}",           # after a preposition: the phrase completes it
                      f"Rest Well {kp} {kp}.")          # twice, back to back, at the end of a line
    assert stuffing_reasons(doc) == [
        *ESTABLISHING,
        "appended to a line already complete (after noun 'drills'; parse)",
        "appended to a line already complete (after adv 'well'; parse)",
    ]
    assert (doc.signals["stuffing_instances"], doc.signals["stuffing_injected"]) == (7, 5)
    assert cleaned_text(doc).split("\n\n")[3:] == [
        "Warm Up Drills", f"Good Shoes for {kp}", "Rest Well.", PROSE[3]]


def test_once_established_a_copy_the_words_around_it_do_not_take_is_cut_and_grammatical_uses_stay():
    kp = "lower back pain after running"
    doc = established("Lower back pain after running: a guide", kp,
                      f"Runners who see a doctor {kp} miss out on a few days of training.",  # "doctor miss"
                      f"A physiotherapist checks the gait, {kp}, and the shoes.",   # an item of a list
                      f"Stretching every morning eases {kp} for most runners.",     # the object of "eases"
                      f"Ice helps with the {kp}.",      # a line-final "the" wants it (spaCy says pronoun)
                      f"Icing {kp}")                    # "icing lower" does not follow
    assert stuffing_reasons(doc) == [
        *ESTABLISHING,
        "wedged between words that read better without it (by 1.6; trigram model)",
        "appended to a line whose last words do not call for it (fit -1.1; trigram model)",
    ]
    assert cleaned_text(doc).split("\n\n")[3:] == [
        "Runners who see a doctor miss out on a few days of training.",
        f"A physiotherapist checks the gait, {kp}, and the shoes.",
        f"Stretching every morning eases {kp} for most runners.",
        f"Ice helps with the {kp}.",
        "Icing",
        PROSE[3],
    ]


def test_once_established_a_copy_the_parse_binds_to_a_neighbour_goes_only_when_the_neighbours_join_far_better():
    kp = "lower back pain after running"
    long = " ".join(PROSE[4:6] * 6)  # the block is too long to parse whole: its sentence is parsed
    doc = established("Lower back pain after running: a guide", kp,
                      f"Most runners need a background in computer {kp} science to follow the data.",
                      f"Most runners with chronic {kp} recover within weeks.",  # after an adjective
                      f"{long} Runners who see a doctor {kp} miss out on a few days of training. {long}")
    assert stuffing_reasons(doc) == [
        *ESTABLISHING,
        "wedged between words that read better without it (by 12.6; trigram model)",  # "computer science"
        "wedged between words that read better without it (by 1.6; trigram model)",
    ]
    assert cleaned_text(doc).split("\n\n")[3:] == [
        "Most runners need a background in computer science to follow the data.",
        f"Most runners with chronic {kp} recover within weeks.",
        f"{long} Runners who see a doctor miss out on a few days of training. {long}",
        PROSE[3],
    ]


def test_once_established_a_copy_ending_a_line_goes_unless_the_words_before_it_call_for_it_or_open_it():
    kp = "lower back pain after running"
    doc = established("Lower back pain after running: a guide", kp,
                      f"Stretching {kp}",               # "stretching lower": fit -0.8
                      f"--- {kp}",                      # no word before it
                      f"Founded in 2025 {kp}",          # a year is not a count (the model knows no "2025 lower")
                      f"15 {kp}",                       # a count wants its noun
                      f"With rest the ache gets much {kp}")  # "much lower": fit 3.5, the line calls for it
    assert stuffing_reasons(doc) == [
        *ESTABLISHING,
        "appended to a line whose last words do not call for it (fit -0.8; trigram model)",
        "alone on its line after marks",
        "appended to a line whose last words do not call for it (fit 0.0; trigram model)",
    ]
    assert cleaned_text(doc).split("\n\n")[3:] == [
        "Stretching", "---", "Founded in 2025", f"15 {kp}", f"With rest the ache gets much {kp}", PROSE[3]]


def test_in_a_title_case_heading_a_wedged_copy_goes_only_when_it_leaves_its_neighbours_free_and_far_better_off():
    kp = "Calf Pain After Running Fast"
    doc = established("Calf Pain After Running Fast: a guide", kp,
                      f"Fundamental Principles {kp} of Injury Prevention",
                      f"Best {kp} in 2025",             # the phrase completes "Best": it stays
                      f"Types {kp}, of Running Injuries")
    assert stuffing_reasons(doc) == [
        *ESTABLISHING,
        "wedged between words that read better without it (by 6.9; trigram model)",
        "wedged between words that read better without it (by 9.1; trigram model)",
    ]
    assert cleaned_text(doc).split("\n\n")[3:] == [
        "Fundamental Principles of Injury Prevention", f"Best {kp} in 2025", "Types of Running Injuries", PROSE[3]]


def test_a_line_of_only_copies_goes_whole_and_a_heading_built_around_the_phrase_stays():
    kp = "Calf Pain After Running Fast"
    # A heading's noun phrase takes its root without a determiner, and the phrase completes the
    # adjective "Best": in a heading, neither the root nor the trigram model counts against it.
    doc = established("Calf Pain After Running Fast: a guide", kp, f"{kp} {kp}", f"Best {kp} in 2025")
    assert stuffing_reasons(doc) == [*ESTABLISHING, "a line of only copies"]
    assert cleaned_text(doc).split("\n\n")[3:] == [f"Best {kp} in 2025", PROSE[3]]


def test_the_parser_supplies_a_second_kind_of_evidence_when_the_surface_shows_one():
    kp = "calf pain after running"
    body = "\n\n".join([
        *(f"{line} {kp}" for line in PROSE[:3]),     # one kind of surface evidence, three times
        f"A good physio will {kp} check the gait first.",
        PROSE[3],
    ])
    doc = stuffing_only("Running and your calves", body)
    assert doc.notes[KEYPHRASE_NOTE] == kp
    assert stuffing_reasons(doc)[3] == "takes over the root of a sentence it is not part of (parse)"
    assert cleaned_text(doc).split("\n\n")[1:] == [*PROSE[:3], "A good physio will check the gait first.", PROSE[3]]


@pytest.mark.parametrize(("number", "keyphrase", "instances", "injected"), [
    # One copy stands alone on a line: the line model leaves it, and the stage takes it.
    ("003", "Pain In Lower Back Calf After Running", 13, 12),
    ("004", "Lower Back Pain Causing Leg Spasms", 11, 10),  # all ten in the body (the title keeps its own)
])
def test_the_seeds_keyphrases_are_found_and_removed(seed_run, number, keyphrase, instances, injected):
    row = seed_run.row(seed_id(number))
    assert row["keyphrase"] == keyphrase
    assert (row["stuffing_instances"], row["stuffing_injected"]) == (instances, injected)
    assert sum(a["category"] == "stuffing" for a in row["annotations_list"]) == injected
    cleaned = seed_run.cleaned_text(seed_id(number))
    # The title keeps the phrase; the body keeps none of its injections.
    assert cleaned.split("\n", 1)[1].count(keyphrase) == instances - 1 - injected
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
    import random
    import re

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

    from pipeline.stages.stuffing.surface import ABBREVIATIONS

    rng = random.Random(5)
    pieces = ["Co", "co", "no", "No", "e", "i", "g", "oz", "word", "3", "_", "é", ".", "!", "?", "…", '"', "”", "’", "'", ")",
              "]", " ", "\n", "\u00a0", ",", "-"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    assert [ends_sentence(t) for t in texts] == [reference(t) for t in texts]
