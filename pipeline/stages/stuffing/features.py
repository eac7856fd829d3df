"""Step 2: what the stuffing models read, per instance and per candidate.

An instance is described by its place (line start or end, a line of its own, a list item, after
a finished sentence, between commas, after a separator, glued to the next word, wrapped in
marks, right after another copy; a period an abbreviation ending it owns, as in "Co.", is its
own), its casing against its line's and the title's, and how the words around it take it by a
trigram model of English (:mod:`pipeline.language.lm`): a copy wedged into a clause parts two
words that join each other better without it. A candidate is
described by its tokens (numbers, symbols, stop words), how often and how widely the document
repeats it, whether the title holds it (or its words), how often the body says its words outside
it, how many casings it shows, whether the document writes its words in lower case elsewhere, how
varied the words around its instances are, the share of them alone in their clause (nothing but
spaces between the instance and the nearest comma, mark, sentence end, dash or line break on
each side: a pasted copy stands apart, a writer's term shares its clause with other words), how
many kinds of place they sit in, and the shares of its instances in each place. The placement
model reads an instance's features but the marks beside it (``MARKS``), the candidate model the
candidate's, what the placement model says of its instances and how that compares with the
document's other candidates, the copy model the candidate's and the instance's.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline._core import StuffingInstances, stuffing_token_counts
from pipeline.core.document import Document
from pipeline.language.lm import trigram_model
from pipeline.stages.stuffing.candidates import Candidate, Instance, content_tokens, form, is_symbol
from pipeline.stages.stuffing.text import ABBREVIATIONS, ONLY_PUNCT, tokens_of
from pipeline.text.sentences import CLOSERS, SENTENCE_PUNCT
from pipeline.text.words import LM_WORD

# Where an instance sits, each a 0/1 feature (computed by ``rust/src/instances.rs``).
PLACES = ("wrapped", "line_start", "line_end", "own_line", "list_item", "after_sentence", "before_comma",
          "before_colon", "before_separator", "before_glued", "before_lower", "after_period", "after_comma",
          "after_colon", "after_separator", "after_glued", "after_lower", "after_upper", "own_sentence",
          "integrated", "before_stop", "after_stop", "back_to_back", "line_ends_sentence")
INSTANCE_FEATURES = (*PLACES, "caps_share", "all_upper", "line_caps_share", "title_form", "line_tokens",
                     "other_tokens", "line_share", "fit_in", "fit_out", "fit_bridge", "wedge")
# The marks beside an instance: which separator, colon, comma or glue a stuffer used is its own
# design. The placement model does not read them; it reads where the instance sits in terms every
# placement has (line and sentence edges, a list item, wrapped in marks, beside another copy, the
# case of the words around it), its casing and how the trigram model takes it with and without
# it, so a placement it never saw is judged by what it does to its sentence. (make eval, each
# family held out: keyphrases found, the fewest of a family 0.415 -> 0.580 and the mean 0.631 ->
# 0.714; dropping "wrapped" too did worse on the training articles.) The copy model reads them.
MARKS = ("before_colon", "before_separator", "before_glued", "after_colon", "after_separator", "after_glued",
         "after_period", "before_comma", "after_comma")
PLACEMENT_INPUTS = tuple(name for name in INSTANCE_FEATURES if name not in MARKS)
# Instance features a candidate reads as the share (mean) over its instances.
CANDIDATE_MEANS = ("wrapped", "line_start", "line_end", "own_line", "list_item", "after_sentence", "before_comma",
                   "before_separator", "before_glued", "after_period", "after_comma", "after_separator",
                   "after_glued", "own_sentence", "integrated", "before_stop", "after_stop", "back_to_back",
                   "caps_share", "all_upper", "line_caps_share", "title_form", "line_share", "wedge")
CANDIDATE_FEATURES = ("tokens", "content_tokens", "symbols", "numbers", "stop_share", "instances", "per_1k_words",
                      "blocks_share", "in_title", "title_share", "casings", "left_variety", "right_variety",
                      "clause_alone", "phrase_fit", "doc_log_words", "doc_lower", "title_words", "outside_use",
                      "place_kinds",
                      *(f"mean_{name}" for name in CANDIDATE_MEANS))
# What the candidate model reads besides: the placement model's P over the instances.
PLACEMENT_FEATURES = ("placement_mean", "placement_max", "placement_min", "placement_share", "placement_count")
# And how the candidate stands against the document's other repeats (those sharing no character
# with it, so not its own sub-spans): how many there are, how far its mean placement P leads
# theirs, and the share of them it leads. A page whose repeats all sit alike (a product page's
# cells, a listing's labels) is laid out that way; a stuffed keyphrase is placed unlike the rest.
DOCUMENT_FEATURES = ("log_others", "placement_lead", "placement_rank")
# An instance counts as placed like a copy from this P of the placement model.
PLACED_AT = 0.5
# What the candidate model reads: how many instances, the title, how varied and how integrated
# their frames are, how many stand alone in their clause, whether its words are the page's topic,
# how many kinds of place its instances show, and the placement P; not the phrase's form (its
# length, numbers, symbols, casings), which is each stuffer's own and does not carry to one the
# model never saw.
DECIDING = ("instances", "per_1k_words", "in_title", "left_variety", "right_variety", "clause_alone",
            "mean_integrated", "mean_before_stop", "title_words", "outside_use", "place_kinds")
# The direction each pushes P(stuffed keyphrase) in (trees constrained to it): more copy-like
# placements and more kinds of place push it up, more instances in a writer's frames push it down.
DIRECTIONS = {"mean_integrated": -1, "mean_before_stop": -1, "place_kinds": 1, "placement_mean": 1, "placement_max": 1,
              "placement_min": 1, "placement_share": 1, "placement_count": 1, "placement_lead": 1,
              "placement_rank": 1}
CANDIDATE_MODEL_FEATURES = (*DECIDING, *PLACEMENT_FEATURES, *DOCUMENT_FEATURES)
FEATURES = (tuple(f"candidate:{f}" for f in CANDIDATE_MODEL_FEATURES)
            + tuple(f"placement:{f}" for f in PLACEMENT_INPUTS)
            + tuple(f"copy:{f}" for f in (*CANDIDATE_FEATURES, *INSTANCE_FEATURES)))
# A trigram fit (ln P of a word after the words before it, less its ln P alone, nats) where there
# is no neighbour in the clause or the model does not know a word.
NO_FIT = -10.0
_IDX = {name: i for i, name in enumerate(INSTANCE_FEATURES)}
_PLACEMENT = [_IDX[name] for name in PLACEMENT_INPUTS]
_MEANS = [_IDX[name] for name in CANDIDATE_MEANS]
# The places that tell kinds of placement apart (``place_kinds``: how many distinct kinds the
# instances show): a page's own repeats (a table's cells, "4.1 out of 5 stars" under each
# product) sit in one kind of place, a stuffer spreads its copies over several.
_KINDS = [_IDX[name] for name in ("wrapped", "line_start", "line_end", "own_line", "list_item", "after_sentence",
                                  "before_comma", "after_comma", "integrated", "after_period")]
_DECIDING = [CANDIDATE_FEATURES.index(name) for name in DECIDING]


@dataclass(slots=True)
class Described:
    """A candidate and its features: one row for it, one row per instance (``INSTANCE_FEATURES``)."""

    candidate: Candidate
    row: np.ndarray
    instance_rows: np.ndarray


def describe(doc: Document, candidates: list[Candidate], stop: frozenset[str]) -> list[Described]:
    """Each candidate's row and its instances' rows. The instances' rows and the variety of the
    words around them come from the compiled core (``rust/src/instances.rs``), which reads this
    module's patterns as Python's re does."""
    if not candidates:
        return []
    title = doc.title or ""
    title_key = [t.lower().replace("’", "'") for t in tokens_of(title)]
    # The body's tokens: how many, and of the candidates' words how often each is said (the
    # title's own uses taken out) and whether the document writes it in lower case.
    asked = sorted({w for candidate in candidates for w in candidate.key})
    tokens, found = stuffing_token_counts(doc.text, asked)
    words = max(1, tokens - len(title_key))
    lower = {w for w, (_, written) in zip(asked, found, strict=True) if written}
    counts = Counter({w: n for w, (n, _) in zip(asked, found, strict=True)})
    counts.subtract(title_key)
    title_set = set(title_key)
    body_blocks = max(1, len(doc.blocks) - doc.first_body_block)
    blocks = sorted({inst.block for candidate in candidates for inst in candidate.instances})
    found = _compiled(stop).describe(
        doc.text, title, [(b, doc.blocks[b].start, doc.blocks[b].start + len(doc.blocks[b].text)) for b in blocks],
        [[(inst.start, inst.end, inst.block) for inst in candidate.instances] for candidate in candidates])
    described = []
    for candidate, (rows, left_variety, right_variety, clause_alone) in zip(candidates, found, strict=True):
        for i in _back_to_back(doc, candidate.instances):
            rows[i, _IDX["back_to_back"]] = 1.0
        key = candidate.key
        n = len(key)
        in_title = _holds(title_key, key)
        forms = {form(doc.text, inst) for inst in candidate.instances}
        count = len(candidate.instances)
        row = [
            n, len(content_tokens(key, stop)), sum(map(is_symbol, key)),
            sum(w.isdigit() for w in key), sum(w in stop for w in key) / n,
            count, 1000 * count / words, len({inst.block for inst in candidate.instances}) / body_blocks,
            float(in_title), n / len(title_key) if in_title else 0.0, len(forms),
            left_variety, right_variety, clause_alone,
            _phrase_fit(key), math.log(words), _lower_elsewhere(key, lower, stop),
            *_topic(key, count, counts, title_set, words, stop),
            len({tuple(r) for r in rows[:, _KINDS]}),
            *rows[:, _MEANS].mean(axis=0),
        ]
        described.append(Described(candidate, np.array(row, dtype=np.float64), rows))
    return described


@lru_cache(maxsize=4)
def _compiled(stop: frozenset[str]) -> StuffingInstances:
    return StuffingInstances(lm=trigram_model().compiled, columns=list(INSTANCE_FEATURES), stop_words=sorted(stop),
                             closers=CLOSERS, sentence_punct=SENTENCE_PUNCT, abbreviations=sorted(ABBREVIATIONS),
                             no_fit=NO_FIT)


def placement_rows(rows: np.ndarray) -> np.ndarray:
    """The placement model's rows (``PLACEMENT_INPUTS``) of rows of ``INSTANCE_FEATURES``."""
    return rows[:, _PLACEMENT]


def instance_rows(row: np.ndarray, instances: np.ndarray) -> np.ndarray:
    """The copy model's rows: the candidate's features (``row``), then each instance's."""
    return np.hstack([np.tile(row, (len(instances), 1)), instances])


def candidate_rows(features: list[np.ndarray], placed: list[np.ndarray],
                   spans: list[list[tuple[int, int]]]) -> np.ndarray:
    """The candidate model's rows (``CANDIDATE_MODEL_FEATURES``) for one document's candidates:
    of each candidate's ``features`` those ``DECIDING``, ``PLACEMENT_FEATURES`` of the placement
    model's P over its instances (``placed``), and ``DOCUMENT_FEATURES`` against the document's
    other candidates whose instances (``spans``, character ranges) share no character with its own."""
    sizes = np.array([len(p) for p in placed])
    starts = np.cumsum(sizes) - sizes
    flat = np.concatenate(placed)
    like_copy = np.add.reduceat((flat >= PLACED_AT).astype(np.float64), starts)
    means = np.add.reduceat(flat, starts) / sizes
    placement = np.column_stack([means, np.maximum.reduceat(flat, starts), np.minimum.reduceat(flat, starts),
                                 like_copy / sizes, like_copy])
    order = np.argsort(-means, kind="stable")  # the best placed first
    ascending = np.sort(means)
    document = np.empty((len(placed), len(DOCUMENT_FEATURES)))
    for i, excluded in enumerate(_overlapping(spans)):
        excluded.append(i)
        others = len(means) - len(excluded)
        best = next((means[j] for j in order if j not in excluded), 0.0)  # the first or one of the next few
        # the others it leads: all it leads, less those excluded that it leads
        led = np.searchsorted(ascending, means[i]) - int((means[excluded] < means[i]).sum())
        document[i] = math.log1p(others), means[i] - best, led / others if others else 1.0
    return np.hstack([np.array(features).reshape(len(placed), -1)[:, _DECIDING], placement, document])


def _overlapping(spans: list[list[tuple[int, int]]]) -> list[list[int]]:
    """For each candidate, the others with an instance sharing a character with one of its own
    (a sweep over the instances in text order: time and memory grow with the instances and the
    overlaps, not with their square)."""
    found: list[set[int]] = [set() for _ in spans]
    ranges = sorted((start, end, c) for c, instances in enumerate(spans) for start, end in instances)
    begun: list[tuple[int, int]] = []  # (end, candidate) of the ranges begun before, still open
    for start, end, c in ranges:
        begun = [(e, d) for e, d in begun if e > start]
        for _, d in begun:
            if d != c:
                found[c].add(d)
                found[d].add(c)
        begun.append((end, c))
    return [sorted(f) for f in found]


def _topic(key: tuple[str, ...], count: int, counts: Counter, title: set[str], words: int,
           stop: frozenset[str]) -> tuple[float, float]:
    """The share of the phrase's content words the title holds, and how often the body says them
    outside the phrase (per 1,000 words, log): a stuffer targets what the page is about."""
    content = content_tokens(key, stop)
    if not content:
        return 0.0, 0.0
    outside = [max(0, counts[w] - key.count(w) * count) for w in content]
    return (sum(w in title for w in content) / len(content),
            sum(math.log1p(1000 * n / words) for n in outside) / len(content))


def _lower_elsewhere(key: tuple[str, ...], lower: set[str], stop: frozenset[str]) -> float:
    """The share of the phrase's content words the document also writes in lower case: then its
    capitals are a stuffer's, not a name's ("Rosetta Stone")."""
    content = [w for w in key if w not in stop and w[0].isalpha()]
    return sum(w in lower for w in content) / len(content) if content else -1.0


def _fit(word: str, history: list[str]) -> float | None:
    """How much likelier ``word`` is after ``history`` than alone (nats); None for an unknown word."""
    lm = trigram_model()
    joined, alone = lm.logprob(word, *history), lm.unigram(word)
    return None if joined is None or alone is None else joined - alone


def _phrase_fit(key: tuple[str, ...]) -> float:
    """The mean fit of the phrase's words after the ones before them: "lower back pain" is English,
    "sleep training tips 2025 review" less so."""
    words = [w for w in key if LM_WORD.fullmatch(w)]
    fits = [f for i in range(1, len(words)) if (f := _fit(words[i], words[max(0, i - 2):i])) is not None]
    return sum(fits) / len(fits) if fits else NO_FIT


def _holds(tokens: list[str], key: tuple[str, ...]) -> bool:
    n = len(key)
    return any(tuple(tokens[i:i + n]) == key for i in range(len(tokens) - n + 1))


def _back_to_back(doc: Document, instances: list[Instance]) -> set[int]:
    """The instances said right after another one, or right before one, apart only by marks."""
    found = set()
    for i in range(1, len(instances)):
        a, b = instances[i - 1], instances[i]
        if a.block == b.block and a.end <= b.start and ONLY_PUNCT.fullmatch(doc.text, a.end, b.start):
            found |= {i - 1, i}
    return found
