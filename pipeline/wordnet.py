"""Single-word synonyms from Princeton WordNet 3.0 as Debian's ``wordnet-base`` installs it.

nltk's reader refuses Debian's layout (it wants a ``lexnames`` file), and the spun-text
detector needs only "which single words share a synset with this one", so this module
reads the four ``index.*``/``data.*`` pairs and the ``*.exc`` exception lists itself, and
undoes inflection with WordNet's own ``morphy`` suffix rules.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

# Where Debian's wordnet-base puts the database; WNSEARCHDIR is WordNet's own variable for it.
DEFAULT_DIR = Path(os.environ.get("WNSEARCHDIR", "/usr/share/wordnet"))
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# WordNet's morphy detachment rules (wn(7) "morphy"): suffix -> replacement, per part of speech.
DETACHMENTS = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
          ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


class WordNetMissing(FileNotFoundError):
    pass


class WordNet:
    """Lemmas, synsets and exceptions for the four parts of speech, loaded once (~1 s)."""

    def __init__(self, root: Path = DEFAULT_DIR) -> None:
        if not (root / "data.noun").is_file():
            raise WordNetMissing(f"WordNet not found in {root} (Debian: apt-get install wordnet-base)")
        self.root = root
        self._synsets: dict[tuple[str, int], tuple[str, ...]] = {}
        self._index: dict[tuple[str, str], tuple[int, ...]] = {}
        self._exceptions: dict[tuple[str, str], str] = {}
        for pos, name in POS_FILES.items():
            self._read_data(pos, root / f"data.{name}")
            self._read_index(pos, root / f"index.{name}")
            self._read_exceptions(pos, root / f"{name}.exc")

    def _read_data(self, pos: str, path: Path) -> None:
        with path.open(encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):  # the licence header
                    continue
                fields = line.split(" ", 5)
                count = int(fields[3], 16)
                words = line.split(" ", 4 + 2 * count)[4 : 4 + 2 * count : 2]
                # Adjectives carry a syntactic marker: "galore(ip)".
                self._synsets[(pos, int(fields[0]))] = tuple(w.split("(")[0].lower() for w in words)

    def _read_index(self, pos: str, path: Path) -> None:
        with path.open(encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                fields = line.split()
                senses = int(fields[2])
                self._index[(fields[0], pos)] = tuple(int(o) for o in fields[-senses:])

    def _read_exceptions(self, pos: str, path: Path) -> None:
        with path.open(encoding="latin-1") as f:
            for line in f:
                inflected, base, *_ = line.split()
                self._exceptions.setdefault((inflected, pos), base)

    def lemmas(self, word: str, pos: str) -> list[tuple[str, str, str]]:
        """The base forms of ``word`` as ``pos`` that WordNet knows (morphy), each with the
        suffix rule that reached it: ("reduced", "v") -> [("reduce", "ed", "e")]."""
        found = []
        if (base := self._exceptions.get((word, pos))) and (base, pos) in self._index:
            found.append((base, "", ""))
        if (word, pos) in self._index:
            found.append((word, "", ""))
        for suffix, replacement in DETACHMENTS[pos]:
            if word.endswith(suffix):
                base = word[: len(word) - len(suffix)] + replacement
                if (base, pos) in self._index:
                    found.append((base, suffix, replacement))
        return list(dict.fromkeys(found))

    @lru_cache(maxsize=200_000)  # noqa: B019 - one WordNet per process, kept for the run
    def synonyms(self, word: str) -> tuple[str, ...]:
        """Single words sharing a synset with ``word`` in any part of speech and sense, as
        WordNet lists them and inflected as ``word`` is ("reduced" -> "shorten", "shortened", ...):
        a spinner swaps words across inflections too."""
        out: dict[str, None] = {}
        for pos in POS_FILES:
            for lemma, suffix, replacement in self.lemmas(word, pos):
                for offset in self._index[(lemma, pos)]:
                    for synonym in self._synsets[(pos, offset)]:
                        if "_" in synonym or "-" in synonym or synonym in (word, lemma):
                            continue
                        out[synonym] = None
                        if suffix:  # and inflected as ``word`` is: lower -> lowered
                            stem = synonym[: len(synonym) - len(replacement)] if replacement and \
                                synonym.endswith(replacement) else synonym
                            out[stem + suffix] = None
        return tuple(out)


@lru_cache(maxsize=1)
def wordnet(root: Path = DEFAULT_DIR) -> WordNet:
    return WordNet(root)
