"""The phrases of several words two thesauri list, for the spun-text detector's document model
(a phrase spinner swaps a word for one: "quickly" -> "in no time"), and the Moby thesaurus's
meanings, which the evaluation's spinners draw on.

- ``wordnet``: WordNet 3.0's lemmas of several words (Debian's ``wordnet-base``, which the
  pipeline reads anyway), about 60,000: "take care", "in no time", "mathematical product".
- ``moby``: the Moby thesaurus's entries of several words as Aiksaurus packs it (Debian's
  ``libaiksaurus-1.2-data``, which ``make eval`` installs), about 3,200. The shipped model never
  reads it: the leave-one-family-out models of WordNet's spinner families do, so that a model
  scored on a spinner never counts the phrases of that spinner's own dictionary.
"""

from __future__ import annotations

import re
import struct
from functools import lru_cache
from pathlib import Path

from pipeline.language.wordnet import wordnet

MOBY_DIR = Path("/usr/share/aiksaurus")
# Longer entries are names of things ("united states air force academy"), not a spinner's swaps.
MAX_PHRASE_WORDS = 4
# Each thesaurus by its key (a model's ``thesaurus``) and its name.
THESAURI = {"wordnet": "WordNet", "moby": "Moby"}
# An entry: 2 to MAX_PHRASE_WORDS lower-case ASCII words, "_" (WordNet) or " " (Moby) between them.
_ENTRY = re.compile(rf"[a-z]+(?:[_ ][a-z]+){{1,{MAX_PHRASE_WORDS - 1}}}")


class ThesaurusMissing(FileNotFoundError):
    pass


def _ids(data: bytes, i: int) -> tuple[list[int], int]:
    ids = []
    while data[i:i + 2] != b"\xff\xff":
        ids.append(struct.unpack(">H", data[i:i + 2])[0])
        i += 2
    return ids, i + 2


@lru_cache(maxsize=2)
def moby_meanings(root: Path | None = None) -> tuple[dict[str, list[int]], list[list[str]]]:
    """Aiksaurus's files: words.dat holds each word and its meaning numbers, meanings.dat each
    meaning's word numbers (two title words first); 16-bit big-endian, 0xFFFF ends a list. Read
    once a process. ``root``: :data:`MOBY_DIR` when None."""
    root = MOBY_DIR if root is None else root
    if not (root / "words.dat").is_file():
        raise ThesaurusMissing(f"the Moby thesaurus is not in {root} (Debian: apt-get install libaiksaurus-1.2-data)")
    words, meanings_of = [], []
    data = (root / "words.dat").read_bytes()
    i = 0
    while i < len(data):
        end = data.index(b"\0", i)
        words.append(data[i:end].decode("latin-1").replace(":", " "))
        ids, i = _ids(data, end + 1)
        meanings_of.append(ids)
    data = (root / "meanings.dat").read_bytes()
    meanings, i = [], 0
    while i < len(data):
        ids, i = _ids(data, i)
        meanings.append([words[x] for x in ids[2:]])
    return dict(zip(words, meanings_of, strict=True)), meanings


@lru_cache(maxsize=2)
def phrases(name: str) -> tuple[str, ...]:
    """The thesaurus ``name``'s entries of several words (one of :data:`THESAURI`), their words
    joined by spaces, sorted."""
    if name == "wordnet":
        entries = wordnet().lemma_names()
    elif name == "moby":
        entries = list(moby_meanings()[0])
    else:
        raise ValueError(f"no thesaurus {name!r}: one of {', '.join(THESAURI)}")
    return tuple(sorted({entry.replace("_", " ") for entry in entries if _ENTRY.fullmatch(entry)}))
