"""Single-word synonyms from Princeton WordNet 3.0 as Debian's ``wordnet-base`` installs it
(and broader terms, for an evaluation spinner).

nltk's reader refuses Debian's layout (it wants a ``lexnames`` file), and the spun-text
detector needs only "which single words share a synset with this one", so this module
reads the four ``index.*``/``data.*`` pairs and the ``*.exc`` exception lists itself, and
undoes inflection with WordNet's own ``morphy`` suffix rules.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
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
        self._forms: dict[tuple[str, str], list[str]] | None = None  # base -> inflected, when first asked for
        for pos, name in POS_FILES.items():
            with (root / f"data.{name}").open("rb") as f:
                self._data[pos] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            for line in (root / f"index.{name}").read_bytes().split(b"\n"):
                if line and line[:1] != b" ":  # the licence header's lines start with spaces
                    self._index[(line[:line.index(b" ")].decode("latin-1"), pos)] = line
            self._read_exceptions(pos, root / f"{name}.exc")

    def lemma_names(self) -> list[str]:
        """Every lemma of every part of speech, once, "_" between the words of a phrase."""
        return list(dict.fromkeys(lemma for lemma, _ in self._index))

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
        for pos, lemma, suffix, replacement, offset in self._senses(word, POS_FILES):
            for synonym in self._synset(pos, offset):
                if "_" in synonym or "-" in synonym or synonym in (word, lemma):
                    continue
                out[synonym] = None
                if suffix:  # and inflected as ``word`` is: lower -> lowered
                    stem = synonym[: len(synonym) - len(replacement)] if replacement and \
                        synonym.endswith(replacement) else synonym
                    out[stem + suffix] = None
        return tuple(out)

    @lru_cache(maxsize=200_000)  # noqa: B019 - one WordNet per process, kept for the run
    def broader(self, word: str) -> tuple[str, ...]:
        """Broader terms and phrases for ``word``: the words of the synsets one step above its
        senses (hypernyms, nouns and verbs) and the multi-word lemmas of its own synsets, spaces
        for WordNet's underscores, inflected as ``word`` is ("dogs" -> "canines", "domestic
        animals"). What the evaluation's ``broader`` spinner swaps in."""
        out: dict[str, None] = {}
        for pos, lemma, suffix, _, offset in self._senses(word, ("n", "v")):
            above = [w for target in self._hypernyms(pos, offset) for w in self._synset(pos, target)]
            for term in above + [w for w in self._synset(pos, offset) if "_" in w]:
                if "-" not in term and term != lemma:
                    out[self._inflected(term, pos, suffix)] = None
        return tuple(out)

    @lru_cache(maxsize=200_000)  # noqa: B019 - one WordNet per process, kept for the run
    def phrases(self, word: str) -> tuple[str, ...]:
        """The lemmas of several words in ``word``'s own synsets, any part of speech and sense,
        spaces for WordNet's underscores, inflected as ``word`` is ("company" -> "keep company",
        "products" -> "mathematical products"). What the evaluation's ``wordnet_phrases`` spinner swaps in."""
        out: dict[str, None] = {}
        for pos, _, suffix, _, offset in self._senses(word, POS_FILES):
            for term in self._synset(pos, offset):
                if "_" in term and "-" not in term and "'" not in term:
                    out[self._inflected(term, pos, suffix)] = None
        return tuple(out)

    @lru_cache(maxsize=200_000)  # noqa: B019 - one WordNet per process, kept for the run
    def likeliest(self, word: str) -> tuple[str, ...]:
        """Single words sharing ``word``'s likeliest sense of each part of speech (WordNet lists
        a word's senses most frequent first), inflected as ``word`` is, by the exception lists or
        by spelling ("reduced" -> "trimmed", "decreased", and "cuted": spelling does not know an
        irregular verb the lists leave out). What the evaluation's ``keyword_safe`` spinner draws on."""
        out: dict[str, None] = {}
        for pos, lemma, suffix, _, offset in self._senses(word, POS_FILES, first_sense=True):
            for term in self._synset(pos, offset):
                if "_" not in term and "-" not in term and term != lemma:
                    out[self._inflected(term, pos, suffix)] = None
        out.pop(word, None)
        return tuple(out)

    def _senses(self, word: str, parts_of_speech, *, first_sense: bool = False
                ) -> Iterator[tuple[str, str, str, str, int]]:
        """Each sense of ``word`` as each of ``parts_of_speech`` (or its first, the likeliest):
        (part of speech, base form, the morphy rule's suffix and replacement that reached it, its
        synset's offset), in WordNet's order."""
        for pos in parts_of_speech:
            for lemma, suffix, replacement in self.lemmas(word, pos):
                for offset in self._offsets(lemma, pos)[:1 if first_sense else None]:
                    yield pos, lemma, suffix, replacement, offset

    def _inflected(self, term: str, pos: str, suffix: str) -> str:
        """``term`` (a lemma, "_" between its words) with ``suffix`` (a morphy rule's, "" for
        none) put back: on a verb's first word ("bring_out" + "ing" -> "bringing out"), a noun's
        last, by WordNet's exception lists where they have the word ("bring" + "ed" -> "brought")
        and else by spelling ("produce" + "ing" -> "producing")."""
        words = term.split("_")
        at = 0 if pos == "v" else len(words) - 1
        if suffix:
            words[at] = self._irregular(words[at], pos, suffix) or _spelled(words[at], suffix)
        return " ".join(words)

    def _irregular(self, base: str, pos: str, suffix: str) -> str | None:
        """The form of ``base`` with ``suffix`` that the exception lists give, if any."""
        if self._forms is None:
            self._forms = {}
            for (inflected, of_pos), of_base in self._exceptions.items():
                self._forms.setdefault((of_base, of_pos), []).append(inflected)
        ending = "s" if suffix.endswith("s") else suffix
        for inflected in self._forms.get((base, pos), ()):
            # The past of a verb is the form ending neither in -s nor in -ing ("cut" -> "cut").
            if inflected.endswith(ending) if ending != "ed" else not inflected.endswith(("s", "ing")):
                return inflected
        return None

    def _hypernyms(self, pos: str, offset: int) -> list[int]:
        """The offsets of the synsets one step above the one at ``offset`` (``@`` and ``@i`` pointers)."""
        data = self._data[pos]
        fields = data[offset:data.find(b"\n", offset)].decode("latin-1").split(" ")
        at = 4 + 2 * int(fields[3], 16)
        pointers = int(fields[at])
        return [int(fields[at + 2 + 4 * i]) for i in range(pointers)
                if fields[at + 1 + 4 * i] in ("@", "@i") and fields[at + 3 + 4 * i] == pos]


def _spelled(base: str, suffix: str) -> str:
    """English spelling of ``base`` + ``suffix`` ("s", "es", "ed", "ing", "er", "est", "ies", ...)."""
    if suffix in ("s", "es", "ies"):
        if base.endswith(("s", "x", "z", "ch", "sh")):
            return base + "es"
        return base[:-1] + "ies" if base.endswith("y") and base[-2:-1] not in "aeiou" else base + "s"
    if suffix[0] == "e" and base.endswith("e"):  # ed, er, est
        return base + suffix[1:]
    if suffix[0] == "e" and base.endswith("y") and base[-2:-1] not in "aeiou":
        return base[:-1] + "i" + suffix
    if suffix == "ing" and base.endswith("e") and not base.endswith("ee") and len(base) > 2:
        return base[:-1] + "ing"
    return base + suffix


@lru_cache(maxsize=1)
def wordnet(root: Path = DEFAULT_DIR) -> WordNet:
    return WordNet(root)
