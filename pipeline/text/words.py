"""What counts as a word, one pattern per purpose. They differ on purpose, each line says why."""

from __future__ import annotations

import re

from pipeline._core import count_words as _count_words

# A word as WCXB counts it (its word-F1 is over lower-case \w+ tokens): words_in and words_out,
# and the line model's word counts, stay comparable with the benchmark.
WORD = re.compile(r"\w+")
# A word of a keyphrase: letters or digits with inner apostrophes ("Lion's"); an underscore or a
# hyphen separates words, so "Short-Form" is two words of a phrase, as a stuffer's copies write it.
PHRASE_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A word of a tortured-phrase lexicon: also with inner hyphens, since entries are matched as
# written ("pre-handling" for "preprocessing").
LEXICON_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# A word the trigram model scores next to a keyphrase copy: letters with an inner apostrophe, or
# digits (a count before a copy, "15 Data Analytics Tools", is a word of the context).
LM_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
# A word the spun-text word model fits: ASCII letters with an inner apostrophe only, the model's
# vocabulary (numbers and other scripts carry no sign of a synonym swap).
FIT_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# A run of letters: what decoded legacy bytes must mostly be made of to read as text.
LETTER_RUN = re.compile(r"[^\W\d_]+")


def count_words(text: str) -> int:
    """``len(WORD.findall(text))``, counted by the compiled core (``rust/src/pychars.rs``)."""
    return _count_words(text)
