"""Step 1: candidates, word n-grams repeated often enough, and their instances."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.core.document import Document
from pipeline.text.words import PHRASE_WORD

# What may sit between two words of one phrase: spaces or a hyphen, never clause punctuation.
_JOINER = re.compile(r"[ \-]{1,3}")
# A word right after one of these marks continues a token ("$9.99", "5.2", "ps:tc"): no phrase starts there.
_CONTINUES_TOKEN = re.compile(r"[^\W_][.,:/]")


@dataclass(frozen=True, slots=True)
class Instance:
    start: int
    end: int
    block: int


def find_candidates(doc: Document, stop: frozenset[str], *, min_instances: int, min_phrase_words: int,
                    max_phrase_words: int, min_content_words: int) -> dict[str, list[Instance]]:
    """Each phrase (lower case, words joined by a space) and its instances, in order."""
    removed = doc.removed_mask()
    blocks = [(list(PHRASE_WORD.finditer(block.text)), block) for block in doc.blocks]
    lowered = [[w.group().lower() for w in words] for words, _ in blocks]
    # A phrase with enough instances has every pair of adjacent words that often: phrases
    # are grown only through pairs the document repeats (most documents have few).
    pairs = Counter(pair for words in lowered for pair in zip(words, words[1:], strict=False))
    repeated = {pair for pair, count in pairs.items() if count >= min_instances}
    if not repeated:
        return {}
    found: dict[str, list[Instance]] = {}
    for b, ((words, block), lower) in enumerate(zip(blocks, lowered, strict=True)):
        for i, first in enumerate(words):
            if i + 1 == len(words) or (lower[i], lower[i + 1]) not in repeated or lower[i] in stop:
                continue  # (the first test of the loop below, done before the costlier ones)
            at = first.start()
            if _CONTINUES_TOKEN.fullmatch(block.text, max(0, at - 2), at):
                continue
            for j in range(i + 1, min(i + max_phrase_words, len(words))):
                if (lower[j - 1], lower[j]) not in repeated:
                    break
                if not _JOINER.fullmatch(block.text[words[j - 1].end():words[j].start()]):
                    break
                last = lower[j]
                if last in stop or j + 1 - i < min_phrase_words:
                    continue
                phrase = lower[i:j + 1]
                if sum(len(w) > 1 and w not in stop for w in phrase) < min_content_words:
                    continue
                start, end = block.start + first.start(), block.start + words[j].end()
                if any(removed[start:end]) and b != 0:
                    continue  # already gone with a boilerplate line
                found.setdefault(" ".join(phrase), []).append(Instance(start, end, b))
    return {k: v for k, v in found.items() if len(v) >= min_instances}
