"""Step 1: candidates, the maximal token spans the document's body repeats, and their instances."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipeline._core import StuffingCandidates
from pipeline.core.document import Document


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
    candidate of its own). Instances in document order; one that opens a bracket it does not
    close takes the closing bracket right after it (and the reverse), so a copy goes whole.

    Tokens are :data:`~pipeline.stages.stuffing.text.TOKEN`'s, joined as
    :data:`~pipeline.stages.stuffing.text.JOINER` allows; spans grow a token at a time from the word
    pairs said often enough. The compiled core finds them (``rust/src/candidates.rs``)."""
    finder = _finder(stop, min_instances, min_tokens, max_tokens, min_content_tokens)
    blocks = [(b, doc.blocks[b].start, doc.blocks[b].start + len(doc.blocks[b].text))
              for b in range(doc.first_body_block, len(doc.blocks))]
    return [Candidate(tuple(key), [Instance(*inst) for inst in instances])
            for key, instances in finder.find(doc.text, blocks, doc.removed_mask())]


@lru_cache(maxsize=4)
def _finder(stop: frozenset[str], min_instances: int, min_tokens: int, max_tokens: int,
            min_content_tokens: int) -> StuffingCandidates:
    return StuffingCandidates(sorted(stop), min_instances=min_instances, min_tokens=min_tokens,
                              max_tokens=max_tokens, min_content_tokens=min_content_tokens)


def is_symbol(token: str) -> bool:
    return not token[0].isalnum()


def content_tokens(key: tuple[str, ...], stop: frozenset[str]) -> list[str]:
    """The tokens of ``key`` that carry its topic: two characters or more, no stop word, no symbol."""
    return [w for w in key if len(w) > 1 and w not in stop and not is_symbol(w)]


def form(text: str, inst: Instance) -> str:
    """How the document writes ``inst``, its spaces collapsed."""
    return " ".join(text[inst.start:inst.end].split())
