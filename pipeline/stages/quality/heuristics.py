"""The Gopher, C4 and FineWeb heuristics, as datatrove 0.10 computes them (see the package docstring)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pipeline._core import ngram_repetition
from pipeline.core.decide import DUP_NGRAM_SIZES, TOP_NGRAM_SIZES
from pipeline.stages.quality.tokens import Tokens, sentence_count

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


@lru_cache(maxsize=1)
def _punctuation() -> tuple[frozenset[str], tuple[str, ...]]:
    data = json.loads(resources.files("pipeline").joinpath("lexicons/punctuation.json").read_text("utf-8"))
    controls = {chr(c) for a, b in ((0, 9), (11, 32), (127, 160)) for c in range(a, b)}
    terminal = frozenset(data["terminal_punctuation"])
    return frozenset(data["punctuation"]) | controls | terminal, tuple(terminal)



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
    # Characters in n-grams, counted in the compiled core (rust/src/ngrams.rs).
    tops, duplicates = ngram_repetition(words, TOP_NGRAM_SIZES, DUP_NGRAM_SIZES)
    for n, top in zip(TOP_NGRAM_SIZES, tops, strict=True):
        out[f"top_{n}_gram"] = None if top is None else top / len(text)
    for n, chars in zip(DUP_NGRAM_SIZES, duplicates, strict=True):
        out[f"duplicated_{n}_n_grams"] = chars / len(text)
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

