"""The text helpers the stuffing stage's features and removals share: tokens, sentence ends, marks."""

from __future__ import annotations

import re

from pipeline._core import SentenceEnd, stuffing_tokens, stuffing_wrapping
from pipeline.text.sentences import CLOSERS, SENTENCE_PUNCT

# A keyphrase's tokens: words and numbers ("Top 10", "2025", "9.99" and "1,000" whole), and the
# symbols SEO keyphrases carry ("Under $500", "Pros & Cons", "100% Free", "#1"). Compared
# case-insensitively. The candidates are found by the compiled core (``rust/src/candidates.rs``),
# which reads this pattern and ``JOINER`` by hand, as Python's re does.
TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*|[$&+%#]")
# What may sit between two tokens of one instance: spaces, nothing ("$500"), or one mark a title
# holds ("Sleep Training: A Guide", "Pros & Cons | Brand", "Best Laptops (2025) Review"); never a
# sentence's end.
JOINER = re.compile(r" {0,2}[,:;|/–—()\[\]-]? {0,2}")
# Words a period may belong to: "Motor City Electric Co. is ..." is not a sentence "Motor City
# Electric Co", and "34 oz. French Press" does not end at "oz".
ABBREVIATIONS = frozenset({"co", "corp", "inc", "ltd", "bros", "vs", "v", "jr", "sr", "st", "dr", "mr", "mrs", "ms",
                           "no", "etc", "approx", "dept", "est", "fig", "e.g", "i.e", "oz", "lb", "lbs"})
# What may separate two copies said back to back ("Best Guide Best Guide", "a | a").
ONLY_PUNCT = re.compile(r"[\s,.;:!?\-–—|]*")
# A separator between a line's text and what a stuffer appends or prepends (" | ", " - ", " ~ ").
SEPARATOR = re.compile(r"\s*[|~•\-–—]\s*")


# Whether a text ends with a finished sentence, by the compiled core (``rust/src/instances.rs``).
_SENTENCE_END = SentenceEnd(CLOSERS, SENTENCE_PUNCT, sorted(ABBREVIATIONS))


def ends_sentence(text: str) -> bool:
    """``text`` ends with a finished sentence: its last period is not an abbreviation's ("Co.",
    "e.g.", "No. 5"; but "The answer is no." ends one).

    Read from the end: whitespace, then closing marks, then the punctuation, then the word
    before it (letters and digits). The stage asks it of a line's text before a copy."""
    return _SENTENCE_END.ends(text)


def wrapping(before: str, after: str) -> tuple[int, tuple[int, int]]:
    """Marks around a copy ('"Phrase."', "(Phrase)", "**Phrase**", "| Phrase |"): the opening's
    length at the end of ``before`` (up to three of ``"“‘([*_|``, then a space or not), and where
    the closing mark (the opening mirrored) starts and ends in ``after``; only quotes hold the
    sentence's punctuation inside them. (0, (0, 0)) when the copy is not wrapped. By the compiled
    core (``rust/src/instances.rs``)."""
    return stuffing_wrapping(before, after)


def tokens_of(text: str) -> list[str]:
    """``TOKEN.findall(text)``, found by the compiled core (twice as fast on a document)."""
    return [text[a:b] for a, b in stuffing_tokens(text)]
