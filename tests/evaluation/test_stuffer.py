"""The evaluation's own stuffer injects exactly what it reports, so the eval rows count true injections."""

from __future__ import annotations

import random
import re
from collections import Counter

from pipeline.evaluation.stuffing import PLACEMENTS, StuffingOnly, occurrences, placed_removed, stuff
from pipeline.evaluation.wcxb import Page

BODY = "\n\n".join([
    "Rivers carry sediment from the mountains. The sediment settles where the water slows.",
    "Deltas form at the mouth. They grow when floods bring more mud than the sea removes.",
    "Why deltas matter",
    "Farmers have used delta soil for thousands of years, and cities grew on the levees.",
])


def test_every_injection_is_one_more_occurrence_of_the_keyphrase():
    for seed in range(40):
        sample = stuff(BODY, "Best River Delta Farming Guide", random.Random(seed))
        assert sample.injected == 3
        assert occurrences("Best River Delta Farming Guide", sample.text) == 3
        # The article's own words are all still there, and only the keyphrase's words were added.
        added = Counter(re.findall(r"\w+", sample.text)) - Counter(re.findall(r"\w+", BODY))
        assert added == Counter({w: 3 for w in "Best River Delta Farming Guide".split()})


def test_occurrences_match_whole_words_across_case_and_hyphens():
    assert occurrences("back pain", "Back pain; back-pain. backpain, back painful") == 2


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


def test_the_stuffer_records_where_it_put_each_copy():
    keyphrase = "Best River Delta Farming Guide"
    for seed in range(40):
        sample = stuff(BODY, keyphrase, random.Random(seed))
        assert len(sample.placed) == 3
        assert all(sample.text[at:at + len(keyphrase)] == keyphrase for at, _ in sample.placed)
        assert {placement for _, placement in sample.placed} <= set(PLACEMENTS)
    # A line of its own after the first line, a heading glued, then a copy before the first line.
    sample = stuff(BODY, keyphrase, Scripted("own_line", 0, "heading_glue", 0, 3, "paragraph_start", 0))
    assert sample.text.split("\n\n")[:5] == [
        f"{keyphrase}. {BODY.split(chr(10))[0]}", keyphrase, BODY.split("\n")[2], f"Why deltas matter {keyphrase}",
        BODY.split("\n")[6]]
    assert [placement for _, placement in sample.placed] == ["paragraph_start", "own_line", "heading_glue"]


def test_a_copy_another_copy_was_wedged_into_is_not_traced():
    keyphrase = "river delta farming"
    # A line of its own, then a copy wedged with no punctuation between its "river" and "delta".
    sample = stuff(BODY, keyphrase, Scripted("own_line", 0, "mid_sentence", 1, 5, 2, "heading_glue", 0, 3))
    assert sample.text.split("\n\n")[1] == "river river delta farming delta farming"
    assert sample.injected == 3
    assert [(sample.text[at - 6:at + 25], placement) for at, placement in sample.placed] == [
        ("river river delta farming delta", "mid_bare"), ("atter river delta farming\n\nFarm", "heading_glue")]


def test_each_traced_copy_is_scored_removed_or_left_by_the_stage():
    keyphrase = "Best River Delta Farming Guide"
    body = "\n\n".join([BODY] * 13)  # 611 words: four copies
    page = Page(id="delta", page_type="article", domain="example.org", html="", title="River deltas",
                gold=body, with_snippets=(), without_snippets=())
    # In the order of the text: glued with no space after "sediment", a line of its own, before a
    # paragraph, and wedged with no punctuation after a sentence's first word ("Deltas Best River
    # ... Guide form at the mouth": spaCy reads the phrase as a compound modifying "form", the word
    # after it, and the stage keeps such a phrase unless its neighbours join far better without it).
    sample = stuff(body, keyphrase, Scripted("own_line", 0, "mid_sentence", 0, 21, 1, "paragraph_start", 4,
                                             "mid_sentence", 6, 6, 2))
    doc, _ = StuffingOnly()(page, sample.text)
    assert placed_removed(sample, doc) == [("mid_glued", True), ("own_line", True), ("paragraph_start", True),
                                           ("mid_bare", False)]
