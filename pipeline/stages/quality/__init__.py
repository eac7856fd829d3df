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
whitespace tokens dropped; sentences are spaCy's rule-based sentencizer (:mod:`.tokens`). The
heuristics are in :mod:`.heuristics`, their counts in the compiled core (``rust/src/lines.rs``,
n-grams in ``rust/src/ngrams.rs``).
"""

from __future__ import annotations

import zlib

from pipeline.core.decide import DUP_NGRAM_SIZES, TOP_NGRAM_SIZES
from pipeline.core.document import Document
from pipeline.core.registry import Stage, signals, stage
from pipeline.core.render import cleaned_text
from pipeline.stages.quality.heuristics import (
    FINEWEB_SHORT_LINE_CHARS,
    c4,
    fineweb,
    gopher_quality,
    gopher_repetition,
    line_counts,
)
from pipeline.stages.quality.tokens import Tokens
from pipeline.text.words import count_words

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



@stage("quality", signals=SIGNALS, adds={"signals.quality"}, requires={"boilerplate"},
       # It measures the cleaned text: every removal and replacement made before it.
       after={"title", "site_lines", "boilerplate_model", "stuffing", "spun"})
class QualitySignals(Stage):

    def __call__(self, doc: Document) -> None:
        cleaned = cleaned_text(doc)
        boilerplate = doc.removed_mask(category="boilerplate").count(1)
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
    counts = line_counts(text, words)
    signals.update(gopher_quality(counts))
    signals.update(gopher_repetition(text, words, counts))
    signals.update(c4(text, tokens))
    signals.update(fineweb(words, counts))
    encoded = text.encode("utf-8")
    signals["compression_ratio"] = len(zlib.compress(encoded)) / len(encoded) if encoded else None
    return signals

