"""The text helpers the stuffing stage's features and removals share: tokens, sentence ends, marks."""

from __future__ import annotations

import re

from pipeline.text.sentences import CLOSERS, SENTENCE_PUNCT

# A keyphrase's tokens: words and numbers ("Top 10", "2025", "9.99" and "1,000" whole), and the
# symbols SEO keyphrases carry ("Under $500", "Pros & Cons", "100% Free", "#1"). Compared
# case-insensitively. The candidates are found by the compiled core (``rust/src/candidates.rs``),
# which reads this pattern and ``JOINER`` by hand, as Python's re does.
TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*|[$&+%#]")
# What may sit between two tokens of one instance: spaces, nothing ("$500"), or one mark a title
# holds ("Sleep Training: A Guide", "Pros & Cons | Brand"); never a sentence's end.
JOINER = re.compile(r" {0,2}[,:;|/–—-]? {0,2}")
# Words a period may belong to: "Motor City Electric Co. is ..." is not a sentence "Motor City
# Electric Co", and "34 oz. French Press" does not end at "oz".
ABBREVIATIONS = frozenset({"co", "corp", "inc", "ltd", "bros", "vs", "v", "jr", "sr", "st", "dr", "mr", "mrs", "ms",
                           "no", "etc", "approx", "dept", "est", "fig", "e.g", "i.e", "oz", "lb", "lbs"})
# A list item's mark at the start of a line.
LIST_MARK = re.compile(r"\s*(?:[-*•]|\d+[.)])\s+")
# What may separate two copies said back to back ("Best Guide Best Guide", "a | a").
ONLY_PUNCT = re.compile(r"[\s,.;:!?\-–—|]*")
# A separator between a line's text and what a stuffer appends or prepends (" | ", " - ", " ~ ").
SEPARATOR = re.compile(r"\s*[|~•\-–—]\s*")
# Marks a copy may be wrapped in: quotes, brackets, emphasis, a table cell's bars.
_OPENING = re.compile(r"([\"“‘(\[*_|]{1,3})( ?)$")
# The longest text ``_OPENING`` can match at a text's end (three marks, a space, a final newline).
_OPENING_MAX = 5
_MIRROR = str.maketrans("“‘([", "”’)]")
_QUOTES = frozenset({'"', "“", "‘"})


def ends_sentence(text: str) -> bool:
    """``text`` ends with a finished sentence (its last period is not an abbreviation's).

    Read from the end: whitespace, then closing marks, then the punctuation, then the word
    before it (letters and digits), never scanning the whole text."""
    body = text.rstrip().rstrip(CLOSERS)
    if not body or body[-1] not in SENTENCE_PUNCT:
        return False
    start = len(body) - 1
    while start and body[start - 1].isalnum():
        start -= 1
    word = body[start:-1]
    if body[-1] == "." and word:
        if text[max(0, start - 2):start] in ("e.", "i."):  # "e.g." and "i.e." are one word
            word = text[start - 2:start] + word
        return not abbreviation(word)
    return True


def abbreviation(word: str) -> bool:
    return word.lower() in ABBREVIATIONS and word != "no"  # "No. 5", but "The answer is no."


def wrapping(before: str, after: str) -> tuple[int, tuple[int, int]]:
    """Marks around a copy ('"Phrase."', "(Phrase)", "**Phrase**", "| Phrase |"): the opening's
    length at the end of ``before``, and where the closing mark starts and ends in ``after``
    (punctuation may sit inside quotes). (0, (0, 0)) when the copy is not wrapped."""
    found = _OPENING.search(before, max(0, len(before) - _OPENING_MAX))
    if not found:
        return 0, (0, 0)
    marks, space = found.groups()
    # Only quotes hold the sentence's punctuation: "(Read all reviews.)" is an aside of its own.
    inside = r"[.!?…]?" if marks in _QUOTES else ""
    closing = re.match(inside + "(" + re.escape(space + marks[::-1].translate(_MIRROR)) + ")", after)
    if not closing:
        return 0, (0, 0)
    return len(found.group()), closing.span(1)
