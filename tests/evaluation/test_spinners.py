"""The spinner families swap what their design says, and record where each swap starts."""

from __future__ import annotations

import random

import pytest

from pipeline.evaluation.spinners import content_words, families
from pipeline.evaluation.spun import _restores

TEXT = "Stretching relieves the pain because the muscles of the back often need rest."


@pytest.mark.parametrize(("family", "spun", "swaps"), [
    # Lower-case content words of 4+ letters, no stop word, to a WordNet synonym of any sense.
    ("wordnet", "Stretching assuage the hurt because the brawn of the back often motive remainder.",
     ["assuage", "hurt", "brawn", "motive", "remainder"]),
    # Plain words to wordy phrases ("because", "often", "need": stop words too), other content
    # words to Moby substitutes of several words.
    ("phrasal", "Stretching relieves the bad news owing to the fact that the muscles of the back on a frequent "
                "basis have a requirement for buoy up.",
     ["bad news", "owing to the fact that", "on a frequent basis", "have a requirement for", "buoy up"]),
    # Each word to the WordNet synonym closest to it in frequency, when one is close enough: "muscles"
    # (ln P -11.5) has only "brawn" (-14.1) and stays; "need" (-7.0) takes "take", "pain" "trouble".
    ("frequency_matched", "Stretching salve the trouble because the muscles of the back often take stay.",
     ["salve", "trouble", "take", "stay"]),
    # Content words to a broader term or a phrase (WordNet's hypernyms and multi-word lemmas).
    ("broader", "Stretching amends the negative stimulus because the rowdies of the back often essential portion.",
     ["amends", "negative stimulus", "rowdies", "essential", "portion"]),
    # Content words to a phrase of their WordNet synsets, any sense: "relieves" as "takes over".
    ("wordnet_phrases", "Stretching takes over the pain in the ass because the muscular tissues of the back often "
                        "call for rest period.",
     ["takes over", "pain in the ass", "muscular tissues", "call for", "rest period"]),
    # Words said once to a synonym of their likeliest sense, inflected as they are: "relieves" as
    # "alleviates"; "Stretching" and "muscles" have none the trigram model knows.
    ("keyword_safe", "Stretching alleviates the trouble because the muscles of the back often involve residue.",
     ["alleviates", "trouble", "involve", "residue"]),
])
def test_each_family_swaps_by_its_design_and_marks_where(family, spun, swaps):
    spinner = families()[family]
    text, starts = spinner.marked(TEXT, 1.0, random.Random(1))
    assert text == spun
    assert [text[s:s + len(w)] for s, w in zip(sorted(starts), swaps, strict=True)] == swaps
    assert spinner(TEXT, 0.0, random.Random(1)) == TEXT


def test_keyword_safe_keeps_the_words_said_twice_and_swaps_short_words_and_sentence_openings():
    text = "Dogs need rest. Big dogs need more rest than small dogs."
    spun, swaps = families()["keyword_safe"].swaps(text, 1.0, random.Random(1))
    assert spun == "Dogs need rest. Large dogs need more rest than little dogs."
    assert swaps == [(16, 21, "Big"), (47, 53, "small")]
    # The rate is the share of its 9 content words it changes: 0.1 is one of the two it can swap.
    # ("more" and "than" are stop words; "Big" opens a sentence, "Dogs" the text; a name inside one is none.)
    assert content_words(text) == 9 and content_words("Ask Big Tom. the end") == 2  # "Ask" and "end"
    assert [len(families()["keyword_safe"].swaps(text, rate, random.Random(1))[1]) for rate in (0.1, 0.04)] == [1, 0]


@pytest.mark.parametrize("family", ["wordnet", "phrasal", "frequency_matched", "broader", "wordnet_phrases",
                                    "keyword_safe"])
def test_undoing_every_swap_gives_the_text_back(family):
    spun, swaps = families()[family].swaps(TEXT, 0.6, random.Random(3))
    assert spun != TEXT
    pieces, at = [], 0
    for start, end, original in swaps:
        pieces += [spun[at:start], original]
        at = end
    assert "".join(pieces) + spun[at:] == TEXT


def test_a_repair_is_right_only_where_it_undoes_the_swaps_in_its_span():
    spun, swaps = "the reduced back hurts", [(4, 11, "lower")]
    assert _restores(spun, swaps, 4, 16, "Lower Back")  # any case
    assert not _restores(spun, swaps, 4, 16, "lumbar back")
    assert not _restores(spun, swaps, 12, 22, "back hurts")  # no swap in it: the writer's words
    assert not _restores(spun, swaps, 6, 16, "wer back")  # a swap crossing its edge
