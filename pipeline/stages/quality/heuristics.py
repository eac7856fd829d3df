"""The Gopher, C4 and FineWeb heuristics, as datatrove 0.10 computes them (see the package docstring)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pipeline._core import LineHeuristics, ngram_repetition
from pipeline.core.decide import DUP_NGRAM_SIZES, TOP_NGRAM_SIZES
from pipeline.stages.quality.tokens import Tokens, sentence_count

# Gopher's stop words (the list datatrove uses for English).
GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})
# C4: a line is kept only if it ends in one of these and not in an ellipsis.
C4_END_PUNCTUATION = (".", "?", "!", '"', "'")
C4_ELLIPSIS = "..."
# C4: citation marks a line loses before the rules read it.
C4_CITATION = r"\[\d*]|\[edit]|\[citation needed]"
C4_POLICY_SUBSTRINGS = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                        "use cookies")
# C4 constants that are parameters in datatrove but never changed in practice.
C4_MIN_WORDS_PER_LINE = 3
C4_MAX_WORD_CHARS = 1000
# FineWeb: a line of at most this many characters is "short".
FINEWEB_SHORT_LINE_CHARS = 30


@lru_cache(maxsize=1)
def _lines() -> LineHeuristics:
    """The compiled counter (``rust/src/lines.rs``), with datatrove's punctuation and this module's constants."""
    data = json.loads(resources.files("pipeline").joinpath("lexicons/punctuation.json").read_text("utf-8"))
    controls = "".join(chr(c) for a, b in ((0, 9), (11, 32), (127, 160)) for c in range(a, b))
    terminal = "".join(data["terminal_punctuation"])
    return LineHeuristics("".join(data["punctuation"]) + controls + terminal, terminal, sorted(GOPHER_STOP_WORDS),
                          FINEWEB_SHORT_LINE_CHARS, C4_MAX_WORD_CHARS, C4_MIN_WORDS_PER_LINE,
                          list(C4_END_PUNCTUATION), C4_ELLIPSIS, C4_CITATION, list(C4_POLICY_SUBSTRINGS))


def line_counts(text: str, words: list[str]) -> dict[str, int]:
    """The counts the Gopher, Gopher repetition and FineWeb signals below divide."""
    return _lines().counts(text, words)


def gopher_quality(counts: dict[str, int]) -> dict[str, float | None]:
    n_words, n_lines, doc_words = counts["words"], counts["lines"], counts["doc_words"]
    return {
        "gopher_doc_words": doc_words,
        "gopher_avg_word_length": counts["doc_word_chars"] / doc_words if doc_words else None,
        "gopher_hash_word_ratio": counts["hashes"] / n_words if n_words else None,
        "gopher_ellipsis_word_ratio": counts["ellipses"] / n_words if n_words else None,
        "gopher_bullet_lines_ratio": counts["bullet_lines"] / n_lines if n_lines else None,
        "gopher_end_ellipsis_lines_ratio": counts["end_ellipsis_lines"] / n_lines if n_lines else None,
        "gopher_alpha_words_ratio": counts["alpha_words"] / n_words if n_words else None,
        "gopher_stop_words": counts["stop_words"],
    }


def gopher_repetition(text: str, words: list[str], counts: dict[str, int]) -> dict[str, float | None]:
    if not text:
        return {}
    out: dict[str, float | None] = {
        "dup_para_frac": counts["dup_paragraphs"] / counts["paragraphs"],
        "dup_para_char_frac": counts["dup_paragraph_chars"] / len(text),
        "dup_line_frac": counts["dup_lines"] / counts["newline_lines"],
        "dup_line_char_frac": counts["dup_line_chars"] / len(text),
    }
    # Characters in n-grams, counted in the compiled core (rust/src/ngrams.rs).
    tops, duplicates = ngram_repetition(words, TOP_NGRAM_SIZES, DUP_NGRAM_SIZES)
    for n, top in zip(TOP_NGRAM_SIZES, tops, strict=True):
        out[f"top_{n}_gram"] = None if top is None else top / len(text)
    for n, chars in zip(DUP_NGRAM_SIZES, duplicates, strict=True):
        out[f"duplicated_{n}_n_grams"] = chars / len(text)
    return out


def c4(text: str, tokens: Tokens | None) -> dict[str, float | None]:
    """C4's verdict inputs; lines are filtered in datatrove's order, none removed here.

    Sentences are counted line by line, as datatrove does; ``tokens`` (the text's own; None: made
    here when needed) saves tokenizing each line kept as it is again, since spaCy splits at
    whitespace first and so tokenizes a line alone as it does in place."""
    spans, rewritten, lorem, curly = _lines().c4_lines(text)
    kept = (tokens if tokens is not None else Tokens(text)).sentences(spans) if spans else 0
    sentences = kept + sum(map(sentence_count, rewritten))
    return {"c4_sentences": sentences, "c4_lorem_ipsum": int(lorem), "c4_curly_bracket": int(curly)}


def fineweb(words: list[str], counts: dict[str, int]) -> dict[str, float | None]:
    n_lines, flat_chars = counts["fineweb_lines"], counts["flat_chars"]
    if not n_lines:
        return {"line_punct_ratio": None, "short_line_ratio": None, "char_dup_ratio": None, "list_ratio": None}
    return {
        "line_punct_ratio": counts["fineweb_punct_lines"] / n_lines,
        "short_line_ratio": counts["fineweb_short_lines"] / n_lines,
        "char_dup_ratio": counts["fineweb_dup_line_chars"] / flat_chars if flat_chars else None,
        "list_ratio": counts["newlines"] / len(words) if words else None,
    }
