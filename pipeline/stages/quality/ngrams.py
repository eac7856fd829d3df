"""Gopher repetition's n-gram character counts: the most frequent n-gram, and every n-gram that
repeats, found with a rolling hash over the words joined (exact: candidates are checked by text)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np


def top_ngram_chars(words: list[str], n: int, joined: bool) -> int:
    """Characters of the most frequent n-gram (words joined by spaces) times its count; the first wins a tie."""
    if joined:
        gram, count = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1)).most_common(1)[0]
        return len(gram) * count
    grams, count = Counter(zip(*(words[k:] for k in range(n)), strict=False)).most_common(1)[0]
    return (sum(map(len, grams)) + n - 1) * count


def all_duplicate_chars(concat: str, offsets: list[int], n: int) -> int:
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
        """:func:`top_ngram_chars` of words that hold no space: the most frequent n-gram's
        characters (its words joined by spaces) times its count; the first seen wins a tie."""
        count = len(self.words) - n + 1
        if self.vocabulary ** n >= 1 << 63:  # ids too many to pack n of them in 63 bits
            return top_ngram_chars(self.words, n, False)
        key = self.ids[:count].copy()
        for k in range(1, n):
            key = key * self.vocabulary + self.ids[k:k + count]
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
        best = counts.max()
        i = int(first[counts == best].min())
        return (int(self.offsets[i + n] - self.offsets[i]) + n - 1) * int(best)

    def duplicate_chars(self, n: int) -> int:
        """:func:`all_duplicate_chars`: only n-grams whose hash and length another n-gram shares
        are cut out as strings and walked."""
        count = len(self.words) - n + 1
        if count < 2:
            return 0
        if len(self.concat) > MAX_HASHED_CHARS:
            return all_duplicate_chars(self.concat, self.offsets.tolist(), n)
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

