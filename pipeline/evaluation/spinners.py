"""Article spinners of clearly different construction, for scoring the spun-text detector on
spinners it was not fitted with (:mod:`pipeline.evaluation.spun`).

- ``wordnet``: a content word becomes a WordNet synonym of any sense that the trigram model
  knows (the detector's own thesaurus; its model is fitted with this spinner and ``broader``).
- ``moby``: a content word becomes a Moby-thesaurus synonym of any sense, one word (Debian's
  ``libaiksaurus-1.2-data``: a different, much looser thesaurus).
- ``phrasal``: a word or phrase becomes a wordy phrase of the same meaning ("because" -> "due to
  the fact that", ``data/phrase_swaps.csv``), and other content words a Moby substitute of several
  words ("quickly" -> "in no time"), the phrase-level swaps commercial spinners make.
- ``frequency_matched``: only words rarer than the most frequent ones, each to the WordNet synonym
  closest to it in frequency (the trigram model's unigram probability): the spinner that picks
  the likeliest-looking synonym and keeps common words untouched.
- ``broader``: a content word becomes a broader term or a phrase ("dogs" -> "canines", "domestic
  animals"; WordNet's hypernyms and multi-word lemmas): the spinner with another kind of thesaurus.
- ``wordnet_phrases``: a content word becomes a phrase of its WordNet synsets of any sense
  ("company" -> "keep company", "products" -> "mathematical products"), and a word with none stays:
  a phrase spinner over another dictionary than ``phrasal``'s, whose every swap fits its own words.
- ``keyword_safe``: a commercial spinner's choices (:class:`KeywordSafeSpinner`): the words the
  document says more than once stay, short words ("big" -> "large") and sentence openings
  ("Studies" -> "Surveys") are swapped too, each for a synonym of its likeliest sense only, and
  its rate is the share of the content words it changes (as many as it can), not a draw per word.

Each replaces a share of the content words it could swap (lower case, ``MIN_SPUN_WORD`` letters
or more, no stop word; ``keyword_safe`` counts otherwise), at random, and records where each swap
starts in the spun text.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from pipeline.language.nlp import stop_words
from pipeline.language.thesauri import moby_meanings
from pipeline.language.wordnet import wordnet

PHRASE_SWAPS = Path(__file__).resolve().parent / "data" / "phrase_swaps.csv"
_TOKEN = re.compile(r"([A-Za-z]+)")
# A spinner leaves short words, stop words and capitalized words (names, sentence starts) alone.
MIN_SPUN_WORD = 4
# ``frequency_matched`` leaves words at least this likely alone (ln P of the trigram model's
# unigram: about the 300 most frequent English words) ...
COMMON_LOGPROB = -6.0
# ... and swaps a word only for a synonym at most this far from it in ln P.
MAX_FREQUENCY_GAP = 1.5
# ``keyword_safe`` swaps words from this length ("big" -> "large")...
KEYWORD_SAFE_MIN = 3
# ... and capitalized ones after a sentence's end or a line break (a sentence's first word).
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+$|\n\s*$")


class Spinner:
    """Replace ``rate`` of the words it has synonyms for with one of them, of any sense."""

    def __init__(self, synonyms) -> None:
        self.synonyms = synonyms
        self.stop = stop_words()

    def __call__(self, text: str, rate: float, rng: random.Random) -> str:
        return self.marked(text, rate, rng)[0]

    def marked(self, text: str, rate: float, rng: random.Random) -> tuple[str, set[int]]:
        """The spun text and where each swapped word starts in it."""
        spun, swaps = self.swaps(text, rate, rng)
        return spun, {start for start, _, _ in swaps}

    def swaps(self, text: str, rate: float, rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
        """The spun text and each swap, in order: where its substitute starts and ends in the spun
        text, and the word it replaced."""
        out, swaps, at = [], [], 0
        for piece in _TOKEN.split(text):
            if options := self.drawn(piece, rate, rng):
                substitute = rng.choice(options)
                swaps.append((at, at + len(substitute), piece))
                piece = substitute
            out.append(piece)
            at += len(piece)
        return "".join(out), swaps

    def drawn(self, piece: str, rate: float, rng: random.Random) -> tuple[str, ...]:
        """What ``piece`` (a word or the text between words) becomes when it is drawn for a swap: a
        lower-case word of ``MIN_SPUN_WORD`` letters or more and no stop word is drawn at ``rate``
        (whether it has synonyms or not: the draws the shipped model was trained with)."""
        if len(piece) >= MIN_SPUN_WORD and piece.islower() and piece not in self.stop and rng.random() < rate:
            return self.synonyms(piece)
        return ()


def wordnet_spinner(terms: str = "synonyms") -> Spinner:
    """A word's ``terms`` in WordNet (:class:`~pipeline.language.wordnet.WordNet`'s ``synonyms``,
    ``broader`` terms and phrases, or ``phrases``), those whose words the trigram model knows."""
    from pipeline.language.lm import trigram_model

    lm = trigram_model()
    terms_of = getattr(wordnet(), terms)

    @lru_cache(maxsize=None)
    def synonyms(word: str) -> tuple[str, ...]:
        return tuple(t for t in terms_of(word) if all(map(lm.known, t.split())))

    return Spinner(synonyms)


class KeywordSafeSpinner(Spinner):
    """A commercial spinner's choices: its content words are the words of ``KEYWORD_SAFE_MIN``
    letters or more that are no stop word, in lower case or capitalized at a sentence's start; of
    them, the words the document says more than once are its keywords and stay, and ``rate`` of
    all of them (or as many as it can) are swapped, drawn among the others, each for a synonym of
    its likeliest sense (:meth:`~pipeline.language.wordnet.WordNet.likeliest`) that the trigram
    model knows, its capital kept: the rate is the share of content words it changes, not a draw
    per word."""

    def __init__(self) -> None:
        from pipeline.language.lm import trigram_model

        lm = trigram_model()
        net = wordnet()

        @lru_cache(maxsize=None)
        def synonyms(word: str) -> tuple[str, ...]:
            return tuple(t for t in net.likeliest(word) if lm.known(t))

        super().__init__(synonyms)

    def swaps(self, text: str, rate: float, rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
        pieces = _TOKEN.split(text)  # text between words at even places, words at odd ones
        said = Counter(piece.lower() for piece in pieces[1::2])
        content = _content_words(pieces, self.stop)
        swappable = [i for i in content if said[pieces[i].lower()] == 1 and self.synonyms(pieces[i].lower())]
        chosen = set(rng.sample(swappable, min(len(swappable), round(rate * len(content)))))
        out, swaps, at = [], [], 0
        for i, piece in enumerate(pieces):
            if i in chosen:  # in text order: each substitute drawn after the sample
                substitute = rng.choice(self.synonyms(piece.lower()))
                substitute = substitute[0].upper() + substitute[1:] if piece[0].isupper() else substitute
                swaps.append((at, at + len(substitute), piece))
                piece = substitute
            out.append(piece)
            at += len(piece)
        return "".join(out), swaps


def content_words(text: str) -> int:
    """How many content words ``text`` has: words of ``KEYWORD_SAFE_MIN`` letters or more that
    are no stop word, in lower case or capitalized at a sentence's start. What a spinner's share
    of changed words is counted against (``make eval``'s "changed" column)."""
    return len(_content_words(_TOKEN.split(text), stop_words()))


def _content_words(pieces: list[str], stop: frozenset[str]) -> list[int]:
    """The places of the content words among ``_TOKEN.split``'s ``pieces`` (words at odd places)."""
    return [i for i in range(1, len(pieces), 2)
            if len(pieces[i]) >= KEYWORD_SAFE_MIN and pieces[i].lower() not in stop
            and (pieces[i].islower() or (pieces[i][0].isupper() and pieces[i][1:].islower()
                                         and (i == 1 or _SENTENCE_END.search(pieces[i - 1]) is not None)))]


def moby_spinner(root: Path | None = None, *, words: int = 1) -> Spinner:
    """Moby synonyms of one word (``words=1``) or of several words only (``words=2``: "in no time")."""
    by_word, meanings = moby_meanings(root)

    @lru_cache(maxsize=None)
    def synonyms(word: str) -> tuple[str, ...]:
        found = {s for m in by_word.get(word, ()) for s in meanings[m]
                 if s != word and (" " not in s) == (words == 1)}
        return tuple(sorted(found))

    return Spinner(synonyms)


class PhrasalSpinner(Spinner):
    """A plain word becomes a wordy phrase (``PHRASE_SWAPS``, stop words included: "because",
    "often"), another content word a Moby substitute of several words; each at the rate."""

    def __init__(self) -> None:
        super().__init__(moby_spinner(words=2).synonyms)
        with PHRASE_SWAPS.open(encoding="utf-8") as f:
            self.wordy: dict[str, list[str]] = {}
            for row in csv.DictReader(f):
                self.wordy.setdefault(row["plain"], []).append(row["wordy"])

    def drawn(self, piece: str, rate: float, rng: random.Random) -> tuple[str, ...]:
        options = tuple(self.wordy.get(piece, ())) or (
            self.synonyms(piece) if len(piece) >= MIN_SPUN_WORD and piece.islower() and piece not in self.stop
            else ())
        return options if options and rng.random() < rate else ()


def frequency_matched_spinner() -> Spinner:
    from pipeline.language.lm import trigram_model

    lm = trigram_model()
    net = wordnet()

    @lru_cache(maxsize=None)
    def synonyms(word: str) -> tuple[str, ...]:
        own = lm.unigram(word)
        if own is None or own > COMMON_LOGPROB:
            return ()
        scored = [(abs(p - own), s) for s in net.synonyms(word) if (p := lm.unigram(s)) is not None]
        close = [s for gap, s in sorted(scored) if gap <= MAX_FREQUENCY_GAP]
        return tuple(close[:1])

    return Spinner(synonyms)


# The thesaurus each family draws its substitutes from (of :data:`pipeline.language.thesauri.THESAURI`):
# a model scored on a family left out counts the phrases of another (``train.py``'s ``--lofo``).
DICTIONARIES = {"wordnet": "wordnet", "moby": "moby", "phrasal": "moby", "frequency_matched": "wordnet",
                "broader": "wordnet", "wordnet_phrases": "wordnet", "keyword_safe": "wordnet"}


@lru_cache(maxsize=1)
def families() -> dict[str, Spinner]:
    """Every spinner family, by name (built once: thesauri take a few seconds to read)."""
    return {"wordnet": wordnet_spinner(), "moby": moby_spinner(), "phrasal": PhrasalSpinner(),
            "frequency_matched": frequency_matched_spinner(), "broader": wordnet_spinner("broader"),
            "wordnet_phrases": wordnet_spinner("phrases"), "keyword_safe": KeywordSafeSpinner()}
