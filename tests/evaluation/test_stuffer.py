"""The evaluation's own stuffer injects exactly what it reports, so the eval rows count true injections."""

from __future__ import annotations

import random
import re
from collections import Counter

from pipeline.evaluation.stuffing import occurrences, stuff

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
