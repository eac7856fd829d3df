"""Step 1: candidates, the maximal token spans the document's body repeats, and their instances."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain, pairwise

from pipeline.core.document import Document
from pipeline.stages.stuffing.text import JOINER, TOKEN


@dataclass(frozen=True, slots=True)
class Instance:
    start: int
    end: int
    block: int


@dataclass(slots=True)
class Candidate:
    key: tuple[str, ...]  # its tokens, lower case
    instances: list[Instance]

    @property
    def phrase(self) -> str:
        return " ".join(self.key)


def find_candidates(doc: Document, stop: frozenset[str], *, min_instances: int, min_tokens: int, max_tokens: int,
                    min_content_tokens: int) -> list[Candidate]:
    """Every token span of ``min_tokens`` to ``max_tokens`` tokens the body repeats at least
    ``min_instances`` times (case-insensitively, never across clause punctuation or text an
    earlier stage removed), with ``min_content_tokens`` tokens that are neither stop words nor
    symbols, and maximal: a span every instance of which extends by the same token is that
    longer span ("best running shoes" inside "best running shoes for women" said as often is no
    candidate of its own). Instances in document order."""
    removed = doc.removed_mask()
    text = doc.text
    # Runs of tokens joined as one phrase's are: (lower-case token, start, end, block).
    runs: list[list[tuple[str, int, int, int]]] = []
    for b in range(doc.first_body_block, len(doc.blocks)):
        block = doc.blocks[b]
        run: list[tuple[str, int, int, int]] = []
        for m in TOKEN.finditer(block.text):
            start, end = block.start + m.start(), block.start + m.end()
            # (most tokens follow the last one after a single space)
            joined = run and (start - run[-1][2] == 1 and text[start - 1] == " "
                              or JOINER.fullmatch(text, run[-1][2], start))
            if not joined or removed[start]:
                if len(run) >= min_tokens:
                    runs.append(run)
                run = []
            if not removed[start]:
                run.append((m.group().lower().replace("’", "'"), start, end, b))
        if len(run) >= min_tokens:
            runs.append(run)
    # Grow spans a token at a time through the ones repeated often enough (most documents have few),
    # from the word pairs said often enough (counted first: most pairs are said once).
    words = [[t[0] for t in run] for run in runs]
    pairs = Counter(chain.from_iterable(pairwise(w) for w in words))
    spans: dict[tuple[str, ...], list[tuple[int, int]]] = {}  # key -> (run, first token)
    for r, w in enumerate(words):
        for i, pair in enumerate(pairwise(w)):
            if pairs[pair] >= min_instances:
                spans.setdefault(pair, []).append((r, i))
    found: list[Candidate] = []
    size = 2
    while spans:
        spans = {key: places for key, places in spans.items() if len(places) >= min_instances}
        longer: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        for key, places in spans.items():
            following = {runs[r][i + size][0] if i + size < len(runs[r]) else None for r, i in places}
            preceding = {runs[r][i - 1][0] if i else None for r, i in places}
            maximal = (len(following) > 1 or None in following) and (len(preceding) > 1 or None in preceding)
            # (a span said twice over, "a b | a b", is its half's copies back to back)
            if (maximal and size >= min_tokens and (size % 2 or key[:size // 2] != key[size // 2:])
                    and len(content_tokens(key, stop)) >= min_content_tokens):
                found.append(Candidate(key, [Instance(runs[r][i][1], runs[r][i + size - 1][2], runs[r][i][3])
                                             for r, i in places]))
            if size < max_tokens:
                for r, i in places:
                    if i + size < len(runs[r]):
                        longer.setdefault((*key, runs[r][i + size][0]), []).append((r, i))
        spans, size = longer, size + 1
    for candidate in found:
        candidate.instances.sort(key=lambda inst: inst.start)
    return found


def is_symbol(token: str) -> bool:
    return not token[0].isalnum()


def content_tokens(key: tuple[str, ...], stop: frozenset[str]) -> list[str]:
    """The tokens of ``key`` that carry its topic: two characters or more, no stop word, no symbol."""
    return [w for w in key if len(w) > 1 and w not in stop and not is_symbol(w)]


def form(text: str, inst: Instance) -> str:
    """How the document writes ``inst``, its spaces collapsed."""
    return " ".join(text[inst.start:inst.end].split())
