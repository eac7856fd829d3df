"""Words and sentences as datatrove reads them: spaCy's English tokenizer and sentencizer,
one whitespace-free chunk at a time and remembered (see :class:`ChunkTokenizer`)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from pipeline._core import ChunkCache


@lru_cache(maxsize=1)
def _english():
    """spaCy's blank English pipeline with the sentencizer: tokenizer rules only, no model."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


# Chunks remembered, in two generations of at most half this many each: when the young one is
# full it becomes the old one (a chunk found there is remembered again) and the oldest is dropped.
CHUNK_CACHE_SIZE = 40_000
# spaCy's vocabulary grows with every new string it sees; past this many it is dropped with the
# tokenizer and started afresh (the chunks already remembered stay), so a long run stays flat.
MAX_SPACY_STRINGS = 50_000


class ChunkTokenizer:
    """spaCy's English tokenizer, one whitespace-free chunk at a time, remembered.

    spaCy splits a text at whitespace first and tokenizes each chunk on its own (its own cache
    is keyed by the chunk), so a chunk's tokens are the same alone as in place, with one known
    exception: its matcher of special cases can join quote or emoticon pieces across a space
    ("in' ''fstab''" gives "'", "'", "'" in place but "'", "''" apart). None of the 3,363 real
    texts compared (the bench corpus, WCXB dev, the seeds) has such a pair, nor 3,000 random
    mixes of words, spaces and punctuation; 179 of 100,000 random strings of punctuation pieces
    do. A run of ASCII letters, or of ASCII digits, that is not one of the tokenizer's special
    cases ("Cannot", "dont") is one token: no prefix, suffix or infix rule matches letters alone
    or digits alone; those are taken as they are. Such a run between a few marks ("(word),",
    "word.", "2026,": 45% of the chunks spaCy was asked for, and then numbers 27% of the rest) is
    cut as the first chunk of its shape was: which marks split off depends on the marks and the
    case of the letters next to them (or that they are digits), not on the word, unless the word
    with some of its marks is a special case ("Mr.", "'s"), which is then asked for (the same
    tokens on 4,688 texts of the bench and the three benchmarks' gold; with numbers, on 3,688 of
    them and on every mark sequence of up to three opening and three closing marks around 14
    numbers of 1-7 digits). Runs of ASCII letters joined by single hyphens ("pick-up": a fifth
    of the chunks spaCy was still asked for) are cut at each hyphen, as spaCy's infix rule cuts
    them whatever the letters (the same on 30,000 random compounds and on those 3,688 texts). The
    chunks, the memory and the layout are the compiled core's (``rust/src/chunks.rs``); spaCy
    tokenizes the chunks it has not met."""

    def __init__(self) -> None:
        self.loads = 0  # times spaCy's tokenizer was loaded
        self._load()
        self.cache = ChunkCache(sorted(self.special))

    def _load(self) -> None:
        self.loads += 1
        nlp = _english()
        self.tokenizer = nlp.tokenizer
        self.special = frozenset(self.tokenizer.rules)
        self.sentence_punct = frozenset(nlp.get_pipe("sentencizer").punct_chars)

    def _spacy(self, chunk: str) -> tuple[str, list[int], list[int], list[int]]:
        if len(self.tokenizer.vocab.strings) > MAX_SPACY_STRINGS:
            _english.cache_clear()
            self._load()
        doc = self.tokenizer(chunk)
        return (chunk, [t.idx for t in doc], [t.i for t in doc if t.is_punct],
                [t.i for t in doc if t.text in self.sentence_punct])

    def __call__(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """``text``'s tokens: starts, ends, punctuation, sentence punctuation, words."""
        fresh = [self._spacy(chunk) for chunk in self.cache.missing(text)]
        # A list: another thread's chunks pushed some of this text's out of the memory meanwhile.
        while isinstance(found := self.cache.tokens(text, fresh, CHUNK_CACHE_SIZE), list):
            fresh += [self._spacy(chunk) for chunk in found]
        return found


@lru_cache(maxsize=1)
def chunk_tokenizer() -> ChunkTokenizer:
    return ChunkTokenizer()


class Tokens:
    """spaCy's tokenization of a text: each token's start and end, and whether it is punctuation
    and sentence punctuation (the sentencizer's characters).

    Whitespace tokens are spaCy's too: a run of whitespace is a token, less the one space that
    trails the token before it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.start, self.end, self.is_punct, self.is_sentence_punct, self._words = chunk_tokenizer()(text)

    @property
    def texts(self) -> list[str]:
        """Each token's text, whitespace tokens included."""
        return [self.text[a:b] for a, b in zip(self.start.tolist(), self.end.tolist(), strict=True)]

    def words(self) -> list[str]:
        """The tokens' texts stripped, whitespace tokens dropped."""
        return self._words

    def sentences(self, spans: list[tuple[int, int]]) -> int:
        """How many sentences spaCy's sentencizer finds in each ``[start, end)`` span of the text,
        summed; each span must start and end on token boundaries.

        The sentencizer's rule, on arrays: ignoring tokens that are punctuation but not sentence
        punctuation, a sentence starts at the first token and at every other token right after
        sentence punctuation."""
        if not spans:
            return 0
        starts = np.array([a for a, _ in spans], dtype=np.int64)
        ends = np.array([b for _, b in spans], dtype=np.int64)
        first = np.searchsorted(self.start, starts)
        last = np.searchsorted(self.start, ends)
        in_span = np.zeros(len(self.start) + 1, dtype=np.int64)
        np.add.at(in_span, first, 1)
        np.add.at(in_span, last, -1)
        span_id = np.cumsum(in_span[:-1])
        # Spans don't overlap, so a token is in one when the running count is 1; which one, by its start.
        mask = span_id > 0
        which = np.searchsorted(starts, self.start, side="right") - 1
        sentence_punct = self.is_sentence_punct
        normal = ~self.is_punct & ~sentence_punct
        keep = mask & (normal | sentence_punct)
        cls, owner = sentence_punct[keep], which[keep]
        breaks = (~cls[1:]) & cls[:-1] & (owner[1:] == owner[:-1])
        return int(np.count_nonzero(last > first) + np.count_nonzero(breaks))


def words_of(text: str) -> list[str]:
    return Tokens(text).words()


def sentence_count(text: str) -> int:
    text = text.strip()
    return Tokens(text).sentences([(0, len(text))]) if text else 0

