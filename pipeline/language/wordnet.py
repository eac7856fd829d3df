"""Single-word synonyms from Princeton WordNet 3.0 as Debian's ``wordnet-base`` installs it.

nltk's reader refuses Debian's layout (it wants a ``lexnames`` file), and the spun-text
detector needs only "which single words share a synset with this one", so this module
reads the four ``index.*``/``data.*`` pairs and the ``*.exc`` exception lists itself, and
undoes inflection with WordNet's own ``morphy`` suffix rules.
"""

from __future__ import annotations

import mmap
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
    """Lemmas, synsets and exceptions for the four parts of speech, read as they are asked for.

    The ``data.*`` files are mapped, not parsed: a synset's offset is its line's byte offset
    there, and its line is read when first asked for. The ``index.*`` lines are kept by lemma and
    split when first asked for. Loading takes about a sixth of the time parsing everything did
    (0.11 s against 0.63 s), and the mapped pages are shared by every process."""

    def __init__(self, root: Path = DEFAULT_DIR) -> None:
        if not (root / "data.noun").is_file():
            raise WordNetMissing(f"WordNet not found in {root} (Debian: apt-get install wordnet-base)")
        self.root = root
        self._data: dict[str, mmap.mmap] = {}
        self._index: dict[tuple[str, str], bytes | tuple[int, ...]] = {}  # its line until first asked for
        self._synsets: dict[tuple[str, int], tuple[str, ...]] = {}
        self._exceptions: dict[tuple[str, str], str] = {}
        for pos, name in POS_FILES.items():
            with (root / f"data.{name}").open("rb") as f:
                self._data[pos] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            for line in (root / f"index.{name}").read_bytes().split(b"\n"):
                if line and line[:1] != b" ":  # the licence header's lines start with spaces
                    self._index[(line[:line.index(b" ")].decode("latin-1"), pos)] = line
            self._read_exceptions(pos, root / f"{name}.exc")

    def _offsets(self, lemma: str, pos: str) -> tuple[int, ...] | None:
        """The synset offsets of ``lemma`` as ``pos`` (None when WordNet does not have it)."""
        found = self._index.get((lemma, pos))
        if isinstance(found, bytes):
            fields = found.split()
            found = self._index[(lemma, pos)] = tuple(int(o) for o in fields[-int(fields[2]):])
        return found

    def _synset(self, pos: str, offset: int) -> tuple[str, ...]:
        """The words of the synset at ``offset`` of ``pos``'s data file."""
        found = self._synsets.get((pos, offset))
        if found is None:
            data = self._data[pos]
            line = data[offset:data.find(b"\n", offset)].decode("latin-1")
            fields = line.split(" ", 5)
            count = int(fields[3], 16)
            words = line.split(" ", 4 + 2 * count)[4 : 4 + 2 * count : 2]
            # Adjectives carry a syntactic marker: "galore(ip)".
            found = self._synsets[(pos, offset)] = tuple(w.split("(")[0].lower() for w in words)
        return found

    def _read_exceptions(self, pos: str, path: Path) -> None:
        with path.open(encoding="latin-1") as f:
            for line in f:
                inflected, base, *_ = line.split()
                self._exceptions.setdefault((inflected, pos), base)

    def lemmas(self, word: str, pos: str) -> list[tuple[str, str, str]]:
        """The base forms of ``word`` as ``pos`` that WordNet knows (morphy), each with the
        suffix rule that reached it: ("reduced", "v") -> [("reduce", "ed", "e")]."""
        found = []
        if (base := self._exceptions.get((word, pos))) and self._offsets(base, pos):
            found.append((base, "", ""))
        if self._offsets(word, pos):
            found.append((word, "", ""))
        for suffix, replacement in DETACHMENTS[pos]:
            if word.endswith(suffix):
                base = word[: len(word) - len(suffix)] + replacement
                if self._offsets(base, pos):
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
                for offset in self._offsets(lemma, pos):
                    for synonym in self._synset(pos, offset):
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
