"""Quality signals, measured on the cleaned text; thresholds live in the decide step.

Besides this project's own counts, the stage computes the standard web-text heuristics
exactly as datatrove 0.10 defines them, under the names of datatrove's filter reasons,
so users can reproduce those filters (or tune them) from ``signals.parquet``:

* Gopher quality (Rae et al. 2021, ``GopherQualityFilter``)
* Gopher repetition (``GopherRepetitionFilter``): duplicate lines/paragraphs, top and
  duplicated n-gram character fractions
* C4 (Raffel et al. 2020, ``C4QualityFilter``): sentences left after the line filter,
  "lorem ipsum", curly brackets
* FineWeb (``FineWebQualityFilter``): line punctuation, short lines, duplicate line
  characters, newlines per word

Words are spaCy's English tokenizer tokens (what datatrove uses for English), stripped,
whitespace tokens dropped; sentences are spaCy's rule-based sentencizer.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np

from pipeline.core.decide import DUP_NGRAM_SIZES, TOP_NGRAM_SIZES
from pipeline.core.document import Document
from pipeline.core.registry import Stage, signals, stage
from pipeline.core.render import cleaned_text
from pipeline.text.words import count_words

# Gopher's stop words (the list datatrove uses for English).
GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})
# C4: a line is kept only if it ends in one of these and not in an ellipsis.
C4_END_PUNCTUATION = (".", "?", "!", '"', "'")
C4_ELLIPSIS = "..."
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
C4_POLICY_SUBSTRINGS = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                        "use cookies")
# C4 constants that are parameters in datatrove but never changed in practice.
C4_MIN_WORDS_PER_LINE = 3
C4_MAX_WORD_CHARS = 1000
# FineWeb: a line of at most this many characters is "short".
FINEWEB_SHORT_LINE_CHARS = 30
_PARAGRAPH_SPLIT = re.compile(r"\n{2,}")
_LINE_SPLIT = re.compile("\n+")

# Every signal this stage writes: datatrove's names where datatrove measures the same thing.
SIGNALS = signals(int, {
    "chars_in": "characters of the normalized text",
    "chars_out": "characters of the cleaned text",
    "words_in": "words (runs of \\w, as WCXB counts them) of the normalized text",
    "words_out": "words of the cleaned text",
    "chars_removed": "characters any stage removed",
    "boilerplate_chars": "characters removed as boilerplate",
    "annotations": "annotations of every stage",
    "gopher_doc_words": "Gopher: words that are not only punctuation",
    "gopher_stop_words": "Gopher: distinct Gopher stop words present",
    "c4_sentences": "C4: sentences left after C4's line filter",
    "c4_lorem_ipsum": "C4: 1 when the text holds 'lorem ipsum'",
    "c4_curly_bracket": "C4: 1 when the text holds a curly bracket",
}) + signals(float, {
    "boilerplate_ratio": "boilerplate_chars / chars_in",
    "gopher_avg_word_length": "Gopher: mean length of the words gopher_doc_words counts",
    "gopher_hash_word_ratio": "Gopher: '#' per word",
    "gopher_ellipsis_word_ratio": "Gopher: ellipses per word",
    "gopher_bullet_lines_ratio": "Gopher: share of lines starting with a bullet",
    "gopher_end_ellipsis_lines_ratio": "Gopher: share of lines ending in an ellipsis",
    "gopher_alpha_words_ratio": "Gopher: share of words holding a letter",
    "dup_para_frac": "Gopher repetition: share of duplicated paragraphs",
    "dup_para_char_frac": "Gopher repetition: share of characters in duplicated paragraphs",
    "dup_line_frac": "Gopher repetition: share of duplicated lines",
    "dup_line_char_frac": "Gopher repetition: share of characters in duplicated lines",
    **{f"top_{n}_gram": f"Gopher repetition: share of characters in the most frequent {n}-gram"
       for n in TOP_NGRAM_SIZES},
    **{f"duplicated_{n}_n_grams": f"Gopher repetition: share of characters in duplicated {n}-grams"
       for n in DUP_NGRAM_SIZES},
    "line_punct_ratio": "FineWeb: share of lines ending in terminal punctuation",
    "short_line_ratio": f"FineWeb: share of lines of at most {FINEWEB_SHORT_LINE_CHARS} characters",
    "char_dup_ratio": "FineWeb: characters in duplicated lines",
    "list_ratio": "FineWeb: newlines per word",
    "compression_ratio": "zlib-compressed bytes / bytes of the cleaned text",
})


@lru_cache(maxsize=1)
def _punctuation() -> tuple[frozenset[str], tuple[str, ...]]:
    data = json.loads(resources.files("pipeline").joinpath("lexicons/punctuation.json").read_text("utf-8"))
    controls = {chr(c) for a, b in ((0, 9), (11, 32), (127, 160)) for c in range(a, b)}
    terminal = frozenset(data["terminal_punctuation"])
    return frozenset(data["punctuation"]) | controls | terminal, tuple(terminal)


@lru_cache(maxsize=1)
def _english():
    """spaCy's blank English pipeline with the sentencizer: tokenizer rules only, no model."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


_CHUNK = re.compile(r"\S+")
# Chunks remembered, in two generations of at most half this many each: when the young one is
# full it becomes the old one (a chunk found there is remembered again) and the oldest is dropped.
CHUNK_CACHE_SIZE = 40_000
# spaCy's vocabulary grows with every new string it sees; past this many it is dropped with the
# tokenizer and started afresh (the chunks already remembered stay), so a long run stays flat.
MAX_SPACY_STRINGS = 50_000

_Chunk = tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]


class _ChunkTokenizer:
    """spaCy's English tokenizer, one whitespace-free chunk at a time, remembered.

    spaCy splits a text at whitespace first and tokenizes each chunk on its own (its own cache
    is keyed by the chunk), so a chunk's tokens are the same alone as in place, with one known
    exception: its matcher of special cases can join quote or emoticon pieces across a space
    ("in' ''fstab''" gives "'", "'", "'" in place but "'", "''" apart). None of the 3,363 real
    texts compared (the bench corpus, WCXB dev, the seeds) has such a pair, nor 3,000 random
    mixes of words, spaces and punctuation; 179 of 100,000 random strings of punctuation pieces
    do. A run of ASCII letters that is not one of the tokenizer's special cases ("Cannot",
    "dont") is one token: no prefix, suffix or infix rule matches letters alone; :class:`Tokens`
    takes those as they are."""

    def __init__(self) -> None:
        self.loads = 0  # times spaCy's tokenizer was loaded
        self._load()
        # chunk -> (token texts, their offsets in the chunk, which are punctuation, which sentence punctuation)
        self.young: dict[str, _Chunk] = {}
        self.old: dict[str, _Chunk] = {}

    def _load(self) -> None:
        self.loads += 1
        nlp = _english()
        self.tokenizer = nlp.tokenizer
        self.special = frozenset(self.tokenizer.rules)
        self.sentence_punct = frozenset(nlp.get_pipe("sentencizer").punct_chars)

    def __call__(self, chunk: str) -> _Chunk:
        found = self.young.get(chunk)
        if found is None:
            found = self.old.get(chunk)
            if found is None:
                if len(self.tokenizer.vocab.strings) > MAX_SPACY_STRINGS:
                    _english.cache_clear()
                    self._load()
                doc = self.tokenizer(chunk)
                texts = tuple(t.text for t in doc)
                found = (texts, tuple(t.idx for t in doc), tuple(t.i for t in doc if t.is_punct),
                         tuple(k for k, t in enumerate(texts) if t in self.sentence_punct))
            if len(self.young) >= CHUNK_CACHE_SIZE // 2:
                self.old, self.young = self.young, {}
            self.young[chunk] = found
        return found


@lru_cache(maxsize=1)
def _chunk_tokenizer() -> _ChunkTokenizer:
    return _ChunkTokenizer()


class Tokens:
    """spaCy's tokenization of a text: each token's text, start, and whether it is punctuation
    and sentence punctuation (the sentencizer's characters).

    Whitespace tokens are spaCy's too: a run of whitespace is a token, less the one space that
    trails the token before it."""

    def __init__(self, text: str) -> None:
        chunks = _chunk_tokenizer()
        special = chunks.special
        texts: list[str] = []
        starts: list[int] = []
        # Few tokens are punctuation: the indices of those that are.
        punct_at: list[int] = []
        sentence_at: list[int] = []
        add_text, add_start = texts.append, starts.append
        end = 0
        for match in _CHUNK.finditer(text):
            start = match.start()
            if start > end:
                if end and text[end] == " ":
                    end += 1
                if start > end:  # a whitespace token
                    add_text(text[end:start])
                    add_start(end)
            chunk = match.group()
            end = match.end()
            if chunk.isascii() and chunk.isalpha() and chunk not in special:  # a plain word
                add_text(chunk)
                add_start(start)
                continue
            pieces, offsets, punct, sentence = chunks(chunk)
            first = len(texts)
            texts.extend(pieces)
            starts.extend([start + o for o in offsets] if len(offsets) > 1 else (start,))
            if punct:
                punct_at.extend([first + k for k in punct])
            if sentence:
                sentence_at.extend([first + k for k in sentence])
        if end < len(text):
            if end and text[end] == " ":
                end += 1
            if end < len(text):
                add_text(text[end:])
                add_start(end)
        self.texts = texts
        self.start = np.array(starts, dtype=np.int64)
        self.is_punct = np.zeros(len(texts), dtype=bool)
        self.is_punct[punct_at] = True
        self.is_sentence_punct = np.zeros(len(texts), dtype=bool)
        self.is_sentence_punct[sentence_at] = True

    def words(self) -> list[str]:
        """The tokens' texts stripped, whitespace tokens dropped."""
        return [s for s in (t.strip() for t in self.texts) if s]

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


@stage("quality", signals=SIGNALS, adds={"signals.quality"}, requires={"boilerplate"},
       # It measures the cleaned text: every removal and replacement made before it.
       after={"title", "site_lines", "boilerplate_model", "stuffing", "spun"})
class QualitySignals(Stage):

    def __call__(self, doc: Document) -> None:
        cleaned = cleaned_text(doc)
        boilerplate = doc.removed_mask(stage="boilerplate").count(1)
        doc.signals.update(
            chars_in=len(doc.text),
            chars_out=len(cleaned),
            words_in=count_words(doc.text),
            words_out=count_words(cleaned),
            chars_removed=doc.removed_mask().count(1),
            boilerplate_chars=boilerplate,
            boilerplate_ratio=round(boilerplate / len(doc.text), 6) if doc.text else 0.0,
            annotations=len(doc.annotations),
        )
        doc.signals.update(web_signals(cleaned))


def web_signals(text: str) -> dict[str, float | None]:
    """Every Gopher, C4 and FineWeb signal of ``text``, plus its compression ratio."""
    tokens = Tokens(text) if text else None
    words = tokens.words() if tokens else []
    signals: dict[str, float | None] = {}
    signals.update(gopher_quality(text, words))
    signals.update(gopher_repetition(text, words))
    signals.update(c4(text, tokens))
    signals.update(fineweb(text, words))
    encoded = text.encode("utf-8")
    signals["compression_ratio"] = len(zlib.compress(encoded)) / len(encoded) if encoded else None
    return signals


def gopher_quality(text: str, words: list[str]) -> dict[str, float | None]:
    punctuation, _ = _punctuation()
    n_words = len(words)
    non_symbol = [w for w in words if not punctuation.issuperset(w)]
    alphabetic = {w: any(c.isalpha() for c in w) for w in set(words)}
    lines = text.splitlines()
    out: dict[str, float | None] = {
        "gopher_doc_words": len(non_symbol),
        "gopher_avg_word_length": sum(map(len, non_symbol)) / len(non_symbol) if non_symbol else None,
        "gopher_hash_word_ratio": text.count("#") / n_words if n_words else None,
        "gopher_ellipsis_word_ratio": (text.count("...") + text.count("…")) / n_words if n_words else None,
        "gopher_bullet_lines_ratio": (
            sum(s.lstrip().startswith(("•", "-")) for s in lines) / len(lines) if lines else None
        ),
        "gopher_end_ellipsis_lines_ratio": (
            sum(s.rstrip().endswith(("...", "…")) for s in lines) / len(lines) if lines else None
        ),
        "gopher_alpha_words_ratio": (
            sum(map(alphabetic.__getitem__, words)) / n_words if n_words else None
        ),
        "gopher_stop_words": len(GOPHER_STOP_WORDS.intersection(words)),
    }
    return out


def gopher_repetition(text: str, words: list[str]) -> dict[str, float | None]:
    if not text:
        return {}
    out: dict[str, float | None] = {}
    paragraphs = _PARAGRAPH_SPLIT.split(text.strip())
    dup_paragraphs, dup_paragraph_chars = _duplicates(paragraphs)
    out["dup_para_frac"] = dup_paragraphs / len(paragraphs)
    out["dup_para_char_frac"] = dup_paragraph_chars / len(text)
    lines = _LINE_SPLIT.split(text)
    dup_lines, dup_line_chars = _duplicates(lines)
    out["dup_line_frac"] = dup_lines / len(lines)
    out["dup_line_char_frac"] = dup_line_chars / len(text)
    # Words never hold a space (they are stripped tokens), so a tuple of words stands for the
    # n-gram datatrove joins with spaces; a word that does hold one takes the joined way.
    grams = NGrams(words)
    joined = " " in grams.concat
    for n in TOP_NGRAM_SIZES:
        if len(words) < n:
            out[f"top_{n}_gram"] = None
        else:
            top = _top_ngram_chars(words, n, joined) if joined else grams.top_chars(n)
            out[f"top_{n}_gram"] = top / len(text)
    for n in DUP_NGRAM_SIZES:
        out[f"duplicated_{n}_n_grams"] = grams.duplicate_chars(n) / len(text)
    return out


def c4(text: str, tokens: Tokens | None = None) -> dict[str, float | None]:
    """C4's verdict inputs; lines are filtered in datatrove's order, none removed here.

    Sentences are counted line by line, as datatrove does; ``tokens`` (the text's own) saves
    tokenizing each line again, since spaCy splits at whitespace first and so tokenizes a
    line alone as it does in place."""
    lorem = curly = 0
    spans: list[tuple[int, int]] = []
    rewritten: list[str] = []
    offset = 0
    for raw_line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(raw_line)
        original = raw_line.strip()
        line_words = original.split()
        if any(len(w) > C4_MAX_WORD_CHARS for w in line_words):
            continue
        line = C4_CITATION.sub("", original)
        if not line.endswith(C4_END_PUNCTUATION) or line.endswith(C4_ELLIPSIS):
            continue
        if len(line_words) < C4_MIN_WORDS_PER_LINE:
            continue
        lowered = line.lower()
        lorem = lorem or "lorem ipsum" in lowered
        if "javascript" in lowered:
            continue
        curly = curly or "{" in line
        if any(p in lowered for p in C4_POLICY_SUBSTRINGS):
            continue
        if line == original and tokens is not None:
            begin = start + len(raw_line) - len(raw_line.lstrip())
            spans.append((begin, begin + len(line)))
        else:
            rewritten.append(line)
    sentences = (tokens.sentences(spans) if spans else 0) + sum(map(sentence_count, rewritten))
    return {"c4_sentences": sentences, "c4_lorem_ipsum": int(lorem), "c4_curly_bracket": int(curly)}


def fineweb(text: str, words: list[str]) -> dict[str, float | None]:
    _, terminal = _punctuation()
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return {"line_punct_ratio": None, "short_line_ratio": None, "char_dup_ratio": None, "list_ratio": None}
    flat_chars = len(text.replace("\n", ""))
    return {
        "line_punct_ratio": sum(line.endswith(terminal) for line in lines) / len(lines),
        "short_line_ratio": sum(len(line) <= FINEWEB_SHORT_LINE_CHARS for line in lines) / len(lines),
        "char_dup_ratio": _duplicates(lines)[1] / flat_chars if flat_chars else None,
        "list_ratio": text.count("\n") / len(words) if words else None,
    }


def _duplicates(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and their characters."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


def _top_ngram_chars(words: list[str], n: int, joined: bool) -> int:
    """Characters of the most frequent n-gram (words joined by spaces) times its count; the first wins a tie."""
    if joined:
        gram, count = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1)).most_common(1)[0]
        return len(gram) * count
    grams, count = Counter(zip(*(words[k:] for k in range(n)), strict=False)).most_common(1)[0]
    return (sum(map(len, grams)) + n - 1) * count


def _all_duplicate_chars(concat: str, offsets: list[int], n: int) -> int:
    """Characters in n-grams that repeat an earlier n-gram, skipping past each repeat
    (Gopher's "duplicate n-gram character fraction"; n-grams joined without spaces).

    ``concat`` is the words joined, ``offsets`` where each word starts in it. Only n-grams that
    occur more than once can be a repeat, so the walk visits those alone. (:class:`NGrams`
    finds those by hash first; this is the plain way, for a text too long for its tables.)"""
    grams = [concat[a:b] for a, b in zip(offsets, offsets[n:], strict=False)]
    counts = Counter(grams)
    if len(counts) == len(grams):
        return 0
    return _walk(range(len(grams)), grams, counts, n)


def _walk(positions: Iterable[int], grams: list[str], counts: Counter[str], n: int) -> int:
    """Gopher's walk over the n-grams at ``positions`` (in order; every n-gram occurring more
    than once is among them): a repeat of an earlier n-gram counts its characters, and the
    walk goes on after it."""
    seen: set[str] = set()
    chars = next_visited = 0
    for i, gram in zip(positions, grams, strict=True):
        if i < next_visited or counts[gram] == 1:
            continue
        if gram in seen:
            chars += len(gram)
            next_visited = i + n
        else:
            seen.add(gram)
    return chars


# Polynomial hashing of substrings modulo a prime below 2**31, so a product of two residues fits
# in 63 bits. A hash only says which n-grams may be equal: those are compared as strings.
_HASH_PRIME = 2_147_483_647
_HASH_BASE = 1_000_003
# Longer texts (in characters) take the plain way rather than grow the power tables further.
MAX_HASHED_CHARS = 1 << 21
_powers = np.ones(1, dtype=np.int64)  # _HASH_BASE**j mod the prime
_inverse_powers = np.ones(1, dtype=np.int64)  # its inverse**j


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """The base's powers and its inverse's, at least ``length`` of each (doubled as needed)."""
    global _powers, _inverse_powers
    while len(_powers) < length:
        m = len(_powers)
        _powers = np.concatenate((_powers, _powers * pow(_HASH_BASE, m, _HASH_PRIME) % _HASH_PRIME))
        inverse = pow(_HASH_BASE, -m, _HASH_PRIME)
        _inverse_powers = np.concatenate((_inverse_powers, _inverse_powers * inverse % _HASH_PRIME))
    return _powers, _inverse_powers


class NGrams:
    """A text's words as arrays, for Gopher's n-gram signals: each word's id (equal words, equal
    ids) and where each word starts in the words joined without spaces."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        index = {w: i for i, w in enumerate(dict.fromkeys(words))}
        self.ids = np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
        self.vocabulary = len(index)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.offsets = np.concatenate(([0], np.cumsum(lengths)))
        self.concat = "".join(words)
        self._prefix: np.ndarray | None = None

    def top_chars(self, n: int) -> int:
        """:func:`_top_ngram_chars` of words that hold no space: the most frequent n-gram's
        characters (its words joined by spaces) times its count; the first seen wins a tie."""
        count = len(self.words) - n + 1
        if self.vocabulary ** n >= 1 << 63:  # ids too many to pack n of them in 63 bits
            return _top_ngram_chars(self.words, n, False)
        key = self.ids[:count].copy()
        for k in range(1, n):
            key = key * self.vocabulary + self.ids[k:k + count]
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
        best = counts.max()
        i = int(first[counts == best].min())
        return (int(self.offsets[i + n] - self.offsets[i]) + n - 1) * int(best)

    def duplicate_chars(self, n: int) -> int:
        """:func:`_all_duplicate_chars`: only n-grams whose hash and length another n-gram shares
        are cut out as strings and walked."""
        count = len(self.words) - n + 1
        if count < 2:
            return 0
        if len(self.concat) > MAX_HASHED_CHARS:
            return _all_duplicate_chars(self.concat, self.offsets.tolist(), n)
        starts, ends = self.offsets[:count], self.offsets[n:]
        key = (self._hash(starts, ends) << 32) | (ends - starts)
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        candidates = np.flatnonzero(counts[inverse] > 1)
        if not len(candidates):
            return 0
        grams = [self.concat[a:b] for a, b in zip(starts[candidates].tolist(), ends[candidates].tolist(),
                                                  strict=True)]
        # Equal strings have equal keys, so every occurrence of a candidate is a candidate too.
        return _walk(candidates.tolist(), grams, Counter(grams), n)

    def _hash(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Each substring [start, end) of the joined words: sum of c_j * base**(j - start) mod the prime."""
        if self._prefix is None:
            codes = np.frombuffer(self.concat.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
            powers, _ = _power_tables(len(codes))
            self._prefix = np.concatenate(([0], np.cumsum(codes * powers[:len(codes)] % _HASH_PRIME))) % _HASH_PRIME
        _, inverse_powers = _power_tables(len(self.concat))
        return (self._prefix[ends] - self._prefix[starts]) % _HASH_PRIME * inverse_powers[starts] % _HASH_PRIME
