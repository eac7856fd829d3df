"""The spinner families swap what their design says, and record where each swap starts."""

from __future__ import annotations

import random

import pytest

from pipeline.evaluation.spinners import families

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
])
def test_each_family_swaps_by_its_design_and_marks_where(family, spun, swaps):
    spinner = families()[family]
    text, starts = spinner.marked(TEXT, 1.0, random.Random(1))
    assert text == spun
    assert [text[s:s + len(w)] for s, w in zip(sorted(starts), swaps, strict=True)] == swaps
    assert spinner(TEXT, 0.0, random.Random(1)) == TEXT
