"""The evaluation's stuffer families paste exactly what they report, so the rows count true copies."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from pipeline.evaluation.stuffers import FAMILIES, NATURAL, NATURAL_SENTENCES, STUFFERS, TitleSpan
from pipeline.evaluation.stuffing import occurrences, placed_removed
from pipeline.evaluation.wcxb import Page
from pipeline.io.records import RawRecord
from tests.conftest import gold_page

BODY = "\n\n".join([
    "Rivers carry sediment from the mountains. The sediment settles where the water slows.",
    "Deltas form at the mouth. They grow when floods bring more mud than the sea removes.",
    "Why deltas matter",
    "Farmers have used delta soil for thousands of years, and cities grew on the levees.",
    "River delta farming feeds millions, and river delta farming needs the floods, since river delta "
    "farming depends on the mud. Levees stop the floods. Farmers now add fertilizer instead.",
])


def page(body: str = BODY, title: str = "Best River Delta Farming Guide") -> Page:
    return gold_page(body, title, page_id="delta")


@pytest.mark.parametrize("family", list(STUFFERS))
def test_every_copy_and_natural_use_is_where_the_family_says_and_nothing_else_changes(family):
    stuffer = STUFFERS[family]
    for seed in range(30):
        sample = stuffer(page(), random.Random(seed))
        assert sample is not None
        # Each recorded copy is the keyphrase, whole, at its offset (in any casing where the family
        # cases copies anew), and each natural use the keyphrase in lower case, as a writer would
        # put it (a name as written).
        size = len(sample.keyphrase)
        for at, placement in sample.placed:
            expected = sample.keyphrase
            if (placement == NATURAL and not stuffer.names) or stuffer.recases:
                expected = expected.lower()
            assert (sample.text[at:at + size].lower() if stuffer.recases else sample.text[at:at + size]) == expected
        assert len(sample.copies) == sample.injected  # no copy broken by another on this body
        assert 1 <= len(sample.natural) <= 2
        assert occurrences(sample.keyphrase, sample.text) == (
            occurrences(sample.keyphrase, BODY) + sample.injected + len(sample.natural))
        # The article's own words are all still there.
        assert not Counter(re.findall(r"\w+", BODY)) - Counter(re.findall(r"\w+", sample.text))


def test_the_families_differ_in_phrase_casing_and_count():
    samples = {name: [family(page(), random.Random(seed)) for seed in range(40)] for name, family in FAMILIES.items()}
    # One of the five most frequent content trigrams of a clause ("river delta farming": three times).
    assert {s.keyphrase for s in samples["body_ngram"]} == {"river delta farming", "rivers carry sediment",
                                                             "bring more mud", "grow when floods", "soil for thousands"}
    assert all(s.keyphrase in ("Best River Delta Farming Guide", "BEST RIVER DELTA FARMING GUIDE")
               for s in samples["whole_title"])
    assert any(re.search(r"\d|[$&%#]", s.keyphrase) for s in samples["seo_template"])
    assert {s.injected for s in samples["whole_title"]} == {3, 4}
    assert {s.injected for s in samples["body_ngram"]} == {8}  # 72 words: the fewest it pastes
    assert {s.injected for s in samples["title_span"]} == {3}
    # A query with its stop words, in any of three casings, pasted in five ways.
    assert {"Delta Vs River", "river floods for beginners", "Farming delta explained"} <= {
        s.keyphrase for s in samples["long_tail"]}
    assert {p for s in samples["long_tail"] for _, p in s.copies} == {
        "bare_inline", "bold_inline", "quoted", "call_to_action", "paragraph_tail"}


def test_brand_name_pastes_a_name_the_article_writes_only_with_capitals_or_a_brand_of_its_own():
    from pipeline.evaluation.stuffers import BRAND_KINDS, BRAND_STEMS, BrandName

    prose = ("Farmers along the Mekong Delta sell rice to Saigon Rice Traders, as Delta Farming magazine "
             "reports, and they follow the floods as their parents did before them.")
    body = "\n\n".join([*BODY.split("\n\n"), "Rice Export Figures", prose])
    names = {BrandName().keyphrase(page(body), random.Random(seed)) for seed in range(40)}
    # Not a heading's Title Case ("Rice Export Figures"), a sentence's first words ("Farmers along")
    # or a name the article also writes in lower case ("river delta farming"). Upper case a fifth of
    # the time.
    assert names == {"Mekong Delta", "Saigon Rice Traders", "MEKONG DELTA", "SAIGON RICE TRADERS"}
    invented = {BrandName().keyphrase(page(), random.Random(seed)) for seed in range(40)}
    # An article that names nothing gets a brand of the family's own.
    brands = {f"{stem} {kind}" for stem in BRAND_STEMS for kind in BRAND_KINDS}
    assert invented <= brands | {brand.upper() for brand in brands} and len(invented) == 37
    # Its natural uses keep the name's capitals.
    sample = BrandName()(page(body), random.Random(3))
    assert sample.natural and all(sample.text.startswith(sample.keyphrase, at) for at in sample.natural)


def test_random_paste_pastes_a_window_of_the_article_at_places_and_with_marks_drawn_at_random():
    from pipeline.evaluation.stuffers import RandomPaste

    samples = [RandomPaste()(page(), random.Random(seed)) for seed in range(40)]
    # A window of one of the article's clauses, in some casing.
    clauses = [c.lower() for c in re.split(r"[\n.!?,;:()]", BODY)]
    assert all(any(s.keyphrase.lower() in c for c in clauses) for s in samples)
    # Every kind of place, and every mark the family draws before a copy inside a line.
    assert {p for s in samples for _, p in s.copies} == {"inline", "line_start", "line_end", "own_line"}
    assert {s.text[at - 2:at] for s in samples for at, p in s.copies if p == "inline"} >= {
        ", ", "- ", "| ", ": ", ". ", " (", ' "', "**"}
    # Some copies recased apart from the document's casing.
    assert any(len({s.text[at:at + len(s.keyphrase)] for at, _ in s.copies}) > 1 for s in samples)


@pytest.mark.parametrize("as_written", [False, True])
def test_natural_uses_are_sentences_of_plain_prose(as_written):
    sample = FAMILIES["title_span"](page(), random.Random(1), natural_as_written=as_written)
    # In lower case as a writer puts a phrase, or as the copies are written (train.COPY_DRAWS).
    assert sample.keyphrase == "Best River Delta Farming"
    used = sample.keyphrase if as_written else sample.keyphrase.lower()
    for at in sample.natural:
        line = sample.text[sample.text.rfind("\n", 0, at) + 1:sample.text.find("\n", at) % (len(sample.text) + 1)]
        assert any(template.format(used) in line for template in NATURAL_SENTENCES)


class Scripted:
    """A random source that makes the choices it is given, in order."""

    def __init__(self, *choices: object) -> None:
        self.choices = list(choices)

    def choice(self, options):
        picked = self.choices.pop(0)
        if isinstance(picked, int) and not isinstance(options[0], int):
            return options[picked]  # an index into options of another type (glue strings)
        assert picked in options
        return picked

    def randrange(self, n: int) -> int:
        picked = self.choices.pop(0)
        assert 0 <= picked < n
        return picked


def test_a_copy_another_copy_was_wedged_into_is_not_traced():
    keyphrase = "river delta farming"
    body = "\n\n".join(BODY.split("\n\n")[:4])
    # A line of its own, then a copy wedged with no punctuation between its "river" and "delta".
    rng = Scripted("own_line", 0, "mid_sentence", 1, 5, 2, "heading_glue", 0, 3)
    from pipeline.evaluation.stuffers import Lines

    article = Lines(body)
    assert TitleSpan().inject(article, keyphrase, rng) == 3
    sample = article.stuffed(keyphrase, 3)
    assert sample.text.split("\n\n")[1] == "river river delta farming delta farming"
    assert [(sample.text[at - 6:at + 25], placement) for at, placement in sample.placed] == [
        ("river river delta farming delta", "mid_bare"), ("atter river delta farming\n\nFarm", "heading_glue")]


def test_occurrences_match_whole_words_across_case_hyphens_and_symbols():
    assert occurrences("back pain", "Back pain; back-pain. backpain, back painful") == 2
    assert occurrences("Laptops Under $500", "laptops under $500, Laptops Under 500") == 2


def test_each_traced_copy_is_scored_removed_or_left_by_the_stage():
    from pipeline.core.document import Action
    from pipeline.evaluation.stuffers import Lines
    from pipeline.stages.normalize import make_document
    from pipeline.stages.stuffing import STAGE

    keyphrase = "Best River Delta Farming Guide"
    body = "\n\n".join(["\n\n".join(BODY.split("\n\n")[:4])] * 13)  # 611 words: four copies
    article = Lines(body)
    rng = Scripted("own_line", 0, "mid_sentence", 0, 21, 1, "paragraph_start", 4, "mid_sentence", 6, 6, 2)
    assert TitleSpan().inject(article, keyphrase, rng) == 4
    sample = article.stuffed(keyphrase, 4)
    p = page(body, "River deltas")
    doc = make_document(RawRecord(id=p.id, source=f"{p.id}.txt", position=1, text=sample.text, title=p.title))
    # The first and third copies in the text's order removed whole, the fourth in part, the second not.
    starts = [m.start() for m in re.finditer(keyphrase, doc.text)]
    for start, end in ((starts[0], starts[0] + len(keyphrase)), (starts[2], starts[2] + len(keyphrase)),
                       (starts[3], starts[3] + 4)):
        doc.annotate(start, end, category=STAGE, rule="keyphrase_test", action=Action.REMOVE, reason="test")
    assert placed_removed(sample, doc) == [("mid_glued", True), ("own_line", False), ("paragraph_start", True),
                                           ("mid_bare", False)]
