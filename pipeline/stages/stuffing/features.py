"""Step 2: what the stuffing models read, per instance and per candidate.

An instance is described by its place (line start or end, a line of its own, a list item, after
a finished sentence, between commas, after a separator, glued to the next word, wrapped in
marks, right after another copy), its casing against its line's and the title's, and how the
words around it take it by a trigram model of English (:mod:`pipeline.language.lm`): a copy
wedged into a clause parts two words that join each other better without it. A candidate is
described by its tokens (numbers, symbols, stop words), how often and how widely the document
repeats it, whether the title holds it (or its words), how often the body says its words outside
it, how many casings it shows, whether the document writes its words in lower case elsewhere, how
varied the words around its instances are, how many kinds of place they sit in, and the shares of
its instances in each place. The placement model reads an instance's features alone, the
candidate model the candidate's and what the placement model says of its instances, the copy
model the candidate's and the instance's.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from pipeline.core.document import Document
from pipeline.language.lm import trigram_model
from pipeline.stages.stuffing.candidates import Candidate, Instance, content_tokens, form, is_symbol
from pipeline.stages.stuffing.text import LIST_MARK, ONLY_PUNCT, TOKEN, ends_sentence, wrapping
from pipeline.text.words import LM_WORD

# Where an instance sits, each a 0/1 feature (see ``_place``).
PLACES = ("wrapped", "line_start", "line_end", "own_line", "list_item", "after_sentence", "before_comma",
          "before_colon", "before_separator", "before_glued", "before_lower", "after_period", "after_comma",
          "after_colon", "after_separator", "after_glued", "after_lower", "after_upper", "own_sentence",
          "integrated", "before_stop", "after_stop", "back_to_back", "line_ends_sentence")
INSTANCE_FEATURES = (*PLACES, "caps_share", "all_upper", "line_caps_share", "title_form", "line_tokens",
                     "other_tokens", "line_share", "fit_in", "fit_out", "fit_bridge", "wedge")
# Instance features a candidate reads as the share (mean) over its instances.
CANDIDATE_MEANS = ("wrapped", "line_start", "line_end", "own_line", "list_item", "after_sentence", "before_comma",
                   "before_separator", "before_glued", "after_period", "after_comma", "after_separator",
                   "after_glued", "own_sentence", "integrated", "before_stop", "after_stop", "back_to_back",
                   "caps_share", "all_upper", "line_caps_share", "title_form", "line_share", "wedge")
CANDIDATE_FEATURES = ("tokens", "content_tokens", "symbols", "numbers", "stop_share", "instances", "per_1k_words",
                      "blocks_share", "in_title", "title_share", "casings", "left_variety", "right_variety",
                      "phrase_fit", "doc_log_words", "doc_lower", "title_words", "outside_use", "place_kinds",
                      *(f"mean_{name}" for name in CANDIDATE_MEANS))
# What the candidate model reads besides: the placement model's P over the instances.
PLACEMENT_FEATURES = ("placement_mean", "placement_max", "placement_min", "placement_share", "placement_count")
# An instance counts as placed like a copy from this P of the placement model.
PLACED_AT = 0.5
# What the candidate model reads: how many instances, the title, how varied and how integrated
# their frames are, whether its words are the page's topic, how many kinds of place its instances
# show, and the placement P; not the phrase's form (its length, numbers, symbols, casings), which
# is each stuffer's own and does not carry to one the model never saw.
DECIDING = ("instances", "per_1k_words", "in_title", "left_variety", "right_variety", "mean_integrated",
            "mean_before_stop", "title_words", "outside_use", "place_kinds")
# The direction each pushes P(stuffed keyphrase) in (trees constrained to it): more copy-like
# placements push it up, more instances in a writer's frames push it down.
DIRECTIONS = {"mean_integrated": -1, "mean_before_stop": -1, "placement_mean": 1, "placement_max": 1,
              "placement_min": 1, "placement_share": 1, "placement_count": 1}
CANDIDATE_MODEL_FEATURES = (*DECIDING, *PLACEMENT_FEATURES)
FEATURES = (tuple(f"candidate:{f}" for f in CANDIDATE_MODEL_FEATURES)
            + tuple(f"placement:{f}" for f in INSTANCE_FEATURES)
            + tuple(f"copy:{f}" for f in (*CANDIDATE_FEATURES, *INSTANCE_FEATURES)))
# A trigram fit (ln P of a word after the words before it, less its ln P alone, nats) where there
# is no neighbour in the clause or the model does not know a word.
NO_FIT = -10.0
# Patterns read from a text's end are matched on the text reversed, at its start: the same
# answer as searching the text for them at its end, without trying every position of a long line.
_SEP_BEFORE_REV = re.compile(r"\s*[|~•\-–—]\s[^\w]*[^\W_]")  # "word | " at the end
_SEP_AFTER = re.compile(r"\s+[|~•\-–—]\s")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+(?:'[^\W\d_]+)?|\d+)")
_LAST_WORD_REV = re.compile(r"\s+([^\W\d_]+)")  # the last word, then spaces, at the end
_CLAUSE_BREAK = re.compile(r"[^\w\s'’-]")
_AFTER_PERIOD = re.compile(r"[.!?…](?:\s|$)")
_AFTER_GLUED = re.compile(r"[,;.:!?][^\W\d_]")
_ALNUM = re.compile(r"[^\W_]")
_OWN_LINE_END = re.compile(r"[ .!?…:]*")
_IDX = {name: i for i, name in enumerate(INSTANCE_FEATURES)}
_MEANS = [_IDX[name] for name in CANDIDATE_MEANS]
# The places that tell kinds of placement apart (``place_kinds``: how many distinct kinds the
# instances show): a page's own repeats (a table's cells, "4.1 out of 5 stars" under each
# product) sit in one kind of place, a stuffer spreads its copies over several.
_KINDS = [_IDX[name] for name in ("wrapped", "line_start", "line_end", "own_line", "list_item", "after_sentence",
                                  "before_comma", "after_comma", "integrated", "after_period")]
_DECIDING = [CANDIDATE_FEATURES.index(name) for name in DECIDING]


class _Line:
    """A block's tokens (document offsets), with running counts of the alphabetic ones and of those
    of them capitalized, so each instance reads the words around it without tokenizing the line."""

    __slots__ = ("alpha_at", "alphas", "ends_sentence", "list_item", "size", "starts", "texts", "uppers")

    def __init__(self, doc: Document, block: int) -> None:
        b = doc.blocks[block]
        found = list(TOKEN.finditer(b.text))
        self.starts = [b.start + m.start() for m in found]
        self.texts = [m.group() for m in found]
        alpha = [t[0].isalpha() for t in self.texts]
        self.alpha_at = [k for k, a in enumerate(alpha) if a]
        self.alphas = [0, *accumulate(alpha)]
        self.uppers = [0, *accumulate(a and t[0].isupper() for a, t in zip(alpha, self.texts, strict=True))]
        self.ends_sentence = ends_sentence(b.text)
        self.list_item = bool(LIST_MARK.match(b.text))
        self.size = math.log1p(len(found))

    def span(self, inst: Instance) -> tuple[int, int]:
        """The instance's tokens: ``[a, b)`` (instances start and end on token boundaries)."""
        return bisect_left(self.starts, inst.start), bisect_left(self.starts, inst.end)


@dataclass(slots=True)
class Described:
    """A candidate and its features: one row for it, one row per instance (``INSTANCE_FEATURES``)."""

    candidate: Candidate
    row: np.ndarray
    instance_rows: np.ndarray


def describe(doc: Document, candidates: list[Candidate], stop: frozenset[str]) -> list[Described]:
    if not candidates:
        return []
    title = doc.title or ""
    title_key = [t.group().lower().replace("’", "'") for t in TOKEN.finditer(title)]
    tokens = TOKEN.findall(doc.text)
    words = max(1, len(tokens) - len(title_key))
    lower = {t for t in tokens if t.islower()}
    counts = Counter(map(str.lower, tokens))
    for word in [w for w in counts if "’" in w]:
        counts[word.replace("’", "'")] += counts.pop(word)
    counts.subtract(title_key)
    title_set = set(title_key)
    body_blocks = max(1, len(doc.blocks) - doc.first_body_block)
    described = []
    lines: dict[int, _Line] = {}
    for candidate in candidates:
        for inst in candidate.instances:
            if inst.block not in lines:
                lines[inst.block] = _Line(doc, inst.block)
        rows = np.array([_instance(doc, inst, lines[inst.block], title, stop) for inst in candidate.instances])
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
            _variety(candidate.instances, lines, before=True), _variety(candidate.instances, lines, before=False),
            _phrase_fit(key), math.log(words), _lower_elsewhere(key, lower, stop),
            *_topic(key, count, counts, title_set, words, stop),
            len({tuple(r) for r in rows[:, _KINDS]}),
            *rows[:, _MEANS].mean(axis=0),
        ]
        described.append(Described(candidate, np.array(row, dtype=np.float64), rows))
    return described


def instance_rows(described: Described) -> np.ndarray:
    """The instance model's rows: the candidate's features, then each instance's."""
    return np.hstack([np.tile(described.row, (len(described.instance_rows), 1)), described.instance_rows])


def candidate_row(features: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """The candidate model's row (``CANDIDATE_MODEL_FEATURES``): of the candidate's ``features``
    those ``DECIDING``, then ``PLACEMENT_FEATURES`` of the placement model's P per instance."""
    return np.concatenate([features[_DECIDING], placement_features(placed)])


def placement_features(placed: np.ndarray) -> np.ndarray:
    like_copy = placed >= PLACED_AT
    return np.array([placed.mean(), placed.max(), placed.min(), like_copy.mean(), like_copy.sum()])


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


def _instance(doc: Document, inst: Instance, tokens: _Line, title: str, stop: frozenset[str]) -> list[float]:
    block = doc.blocks[inst.block]
    line = block.text
    copy = doc.text[inst.start:inst.end]
    before, after = line[:inst.start - block.start], line[inst.end - block.start:]
    opening, closing = wrapping(before, after)
    if opening:  # judged by what is outside the marks
        before, after = before[:-opening], after[closing[1]:]
    backwards = before[::-1]
    line_start = not _ALNUM.search(before)
    line_end = not _ALNUM.search(after)
    after_sentence = ends_sentence(before)
    last = _LAST_WORD_REV.match(backwards)
    last_word = last.group(1)[::-1] if last else ""
    following = _NEXT_WORD.match(after)
    after_period = bool(_AFTER_PERIOD.match(after))
    trimmed = before.rstrip()
    place = {
        "wrapped": opening > 0,
        "line_start": line_start,
        "line_end": line_end,
        "own_line": line_start and bool(_OWN_LINE_END.fullmatch(after)),
        "list_item": tokens.list_item,
        "after_sentence": after_sentence,
        "before_comma": trimmed.endswith((",", ";")),
        "before_colon": trimmed.endswith(":"),
        "before_separator": bool(_SEP_BEFORE_REV.match(backwards)),
        "before_glued": bool(before) and not before[-1].isspace() and not line_start,
        "before_lower": bool(last) and last_word.islower(),
        "after_period": after_period,
        "after_comma": after[:1] in (",", ";"),
        "after_colon": after[:1] == ":",
        "after_separator": bool(_SEP_AFTER.match(after)),
        "after_glued": bool(_AFTER_GLUED.match(after)),
        "after_lower": bool(following) and following.group(1).islower(),
        "after_upper": bool(following) and following.group(1)[:1].isupper(),
        "own_sentence": (line_start or after_sentence) and (line_end or after_period),
        "integrated": bool(last) and last_word.islower() and bool(following) and following.group(1).islower(),
        # A writer's noun phrase follows "the", "of", "for" and is followed by "is", "and", "to".
        "before_stop": bool(last) and last_word.lower() in stop,
        "after_stop": bool(following) and following.group(1).lower() in stop,
        "back_to_back": False,  # set by the caller, which sees the other instances
        "line_ends_sentence": tokens.ends_sentence,
    }
    # The copy's alphabetic tokens, and the line's others: their number and how many are capitalized
    # (the others' first one aside: a sentence's first word is).
    a, b = tokens.span(inst)
    letters, letters_upper = tokens.alphas[b] - tokens.alphas[a], tokens.uppers[b] - tokens.uppers[a]
    others, others_upper = tokens.alphas[-1] - letters, tokens.uppers[-1] - letters_upper
    if others:
        k = bisect_left(tokens.alpha_at, b) if tokens.alphas[a] == 0 else 0
        others_upper -= tokens.texts[tokens.alpha_at[k]][0].isupper()
    fit_in, fit_out, fit_bridge, wedge = _fits(before, backwards, copy, after)
    return [
        *(float(place[name]) for name in PLACES),
        letters_upper / max(1, letters),
        float(any(c.isalpha() for c in copy) and copy.isupper()),
        others_upper / max(1, others - 1) if others > 1 else -1.0,
        float(copy in title),
        tokens.size,
        math.log1p(others),
        letters / (letters + others) if letters else 0.0,
        fit_in, fit_out, fit_bridge, wedge,
    ]


def _fits(before: str, backwards: str, copy: str, after: str) -> tuple[float, float, float, float]:
    """How the clause around a copy takes it (trigram fits, nats; ``NO_FIT`` when unknown): its
    first word after the words before it, the word after it after its last words, the word after
    it right after the words before it, and how much better the clause reads without it."""
    clause_break = _CLAUSE_BREAK.search(backwards)  # the last one before the copy
    clause = before[len(before) - clause_break.start():] if clause_break else before
    history = LM_WORD.findall(clause.lower())[-2:]
    phrase = LM_WORD.findall(copy.lower())
    following = _NEXT_WORD.match(after)
    nxt = following.group(1).lower() if following else None
    fit_in = _fit(phrase[0], history) if history and phrase else None
    fit_out = _fit(nxt, phrase[-2:]) if nxt and phrase else None
    bridge = _fit(nxt, history) if nxt and history else None
    wedge = bridge - (fit_in or 0.0) - fit_out if bridge is not None and fit_out is not None else 0.0
    return (NO_FIT if fit_in is None else fit_in, NO_FIT if fit_out is None else fit_out,
            NO_FIT if bridge is None else bridge, wedge)


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


def _variety(instances: list[Instance], lines: dict[int, _Line], *, before: bool) -> float:
    """Distinct words next to the instances (or line edges), per instance: a stuffer pastes its
    phrase anywhere, a writer says a term in the same few frames ("the ...", "of ...")."""
    seen = set()
    for i, inst in enumerate(instances):
        tokens = lines[inst.block]
        a, b = tokens.span(inst)
        if before:
            word = tokens.texts[a - 1].lower() if a else None
        else:
            word = tokens.texts[b].lower() if b < len(tokens.texts) else None
        seen.add(i if word is None else word)  # a line's edge is no frame: each counts as a new one
    return len(seen) / len(instances)
