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
from functools import lru_cache
from importlib import resources
from typing import ClassVar

from pipeline.document import Document
from pipeline.render import cleaned_text
from pipeline.stages import Stage

# WCXB counts words as runs of word characters; so do words_in/words_out.
WORD = re.compile(r"\w+")

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
# Gopher repetition n-gram sizes: "top" n-grams and "duplicated" n-grams.
TOP_NGRAM_SIZES = (2, 3, 4)
DUP_NGRAM_SIZES = (5, 6, 7, 8, 9, 10)
_PARAGRAPH_SPLIT = re.compile(r"\n{2,}")
_LINE_SPLIT = re.compile("\n+")
# Gopher repetition's signals, named as datatrove names the checks on them.
REPETITION_SIGNALS = (
    "dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac",
    *(f"top_{n}_gram" for n in TOP_NGRAM_SIZES), *(f"duplicated_{n}_n_grams" for n in DUP_NGRAM_SIZES),
)

# Every signal this stage writes, by type: the schema of signals.parquet follows it.
INT_SIGNALS = (
    "chars_in", "chars_out", "words_in", "words_out", "chars_removed", "boilerplate_chars", "annotations",
    "gopher_doc_words", "gopher_stop_words", "c4_sentences", "c4_lorem_ipsum", "c4_curly_bracket",
)
FLOAT_SIGNALS = (
    "boilerplate_ratio",
    "gopher_avg_word_length", "gopher_hash_word_ratio", "gopher_ellipsis_word_ratio", "gopher_bullet_lines_ratio",
    "gopher_end_ellipsis_lines_ratio", "gopher_alpha_words_ratio",
    *REPETITION_SIGNALS,
    "line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio", "compression_ratio",
)


def count_words(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


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


def words_of(text: str) -> list[str]:
    nlp = _english()
    nlp.max_length = max(nlp.max_length, len(text) + 1)
    return [s for s in (token.text.strip() for token in nlp.tokenizer(text)) if s]


def sentence_count(text: str) -> int:
    nlp = _english()
    nlp.max_length = max(nlp.max_length, len(text) + 1)
    return sum(1 for _ in nlp(text).sents)


class QualitySignals(Stage):
    name: ClassVar[str] = "quality"
    requires: ClassVar[frozenset[str]] = frozenset({"boilerplate"})
    adds: ClassVar[frozenset[str]] = frozenset({"signals.quality"})

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
    words = words_of(text) if text else []
    signals: dict[str, float | None] = {}
    signals.update(gopher_quality(text, words))
    signals.update(gopher_repetition(text, words))
    signals.update(c4(text))
    signals.update(fineweb(text, words))
    encoded = text.encode("utf-8")
    signals["compression_ratio"] = len(zlib.compress(encoded)) / len(encoded) if encoded else None
    return signals


def gopher_quality(text: str, words: list[str]) -> dict[str, float | None]:
    punctuation, _ = _punctuation()
    n_words = len(words)
    non_symbol = [w for w in words if any(ch not in punctuation for ch in w)]
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
            sum(any(c.isalpha() for c in w) for w in words) / n_words if n_words else None
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
    for n in TOP_NGRAM_SIZES:
        grams = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        if grams:
            gram, count = Counter(grams).most_common(1)[0]
            out[f"top_{n}_gram"] = len(gram) * count / len(text)
        else:
            out[f"top_{n}_gram"] = None
    for n in DUP_NGRAM_SIZES:
        out[f"duplicated_{n}_n_grams"] = _all_duplicate_chars(words, n) / len(text)
    return out


def c4(text: str) -> dict[str, float | None]:
    """C4's verdict inputs; lines are filtered in datatrove's order, none removed here."""
    sentences = lorem = curly = 0
    for line in text.splitlines():
        line = line.strip()
        line_words = line.split()
        if any(len(w) > C4_MAX_WORD_CHARS for w in line_words):
            continue
        line = C4_CITATION.sub("", line)
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
        sentences += sentence_count(line)
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


def _all_duplicate_chars(words: list[str], n: int) -> int:
    """Characters in n-grams that repeat an earlier n-gram, skipping past each repeat
    (Gopher's "duplicate n-gram character fraction"; n-grams joined without spaces)."""
    seen: set[str] = set()
    chars = i = 0
    while i < len(words) - n + 1:
        gram = "".join(words[i : i + n])
        if gram in seen:
            chars += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars
