"""Per-line features for the boilerplate line classifier (text-only input).

A page rendered to text (by inscriptis, a browser's copy, a scraper) keeps traces of its
layout: menus are runs of short, indented, bulleted lines; the article is a run of long
lines at one indentation ending in sentence punctuation; footers repeat the site's name
and the year. These features describe each line and its neighbourhood from the page's own
lines only, so the same page always gives the same features. Indentation is 0 everywhere
when the input had none; the model is trained on both kinds of text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate, repeat
from operator import itemgetter

import numpy as np

from pipeline.stages.boilerplate import LineRules, load_lexicon
from pipeline.text.words import WORD

_BULLET = re.compile(r"^(?:[*+\-•·▪◦‣]\s+|\d{1,3}[.)]\s+)")
_TERMINAL = (".", "!", "?", ":", ";", '"', "”", "’", "'", ")")
_GLUED = re.compile(r"[a-z][A-Z]")
# str.isdigit(): decimal digits (\d) and the other digits (superscripts, circled numbers).
_DIGIT = re.compile(
    "[\\d" + "".join(re.escape(c) for c in map(chr, range(0x110000)) if c.isdigit() and not c.isdecimal()) + "]"
)
# Neither str.isalnum() nor str.isspace(): \w is isalnum() plus "_", \s is isspace().
_SYMBOL = re.compile(r"[^\w\s]|_")
_SEPARATORS = re.compile(r"[|»›«‹→←©®™·•]")
_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
# Function words of English: prose has many, menus and lists few.
STOPWORDS = frozenset(
    """a about after all also an and any are as at be because been before being between both but by can could
    did do does doing down during each few for from further had has have having he her here hers him his how i
    if in into is it its itself just me more most my no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would
    you your yours""".split()
)
# Words that navigation, account, sharing, cookie and footer widgets are made of.
WIDGET_WORDS = frozenset(
    """about account ad ads advertise advertisement all archive archives author blog bookmarks browse buy cart
    categories category checkout click comment comments contact cookie cookies copyright careers download email
    facebook faq feed follow help home instagram join latest linkedin log login logout menu more newsletter news
    next notice older newer page pages pinterest podcast policy popular post posts premium previous print
    privacy profile read recent recommended register related reply reserved rights rss search see share shop
    sign sitemap skip social store subscribe subscription tags terms toggle top trending tweet twitter video
    videos view watch whatsapp youtube""".split()
)
# A line of at least this many words ending in sentence punctuation is prose.
PROSE_MIN_WORDS = 8
# In the main-region search, each non-prose line costs this many words.
REGION_LINE_PENALTY = 6
# Neighbourhood radii (in lines) for context features.
CONTEXT_RADII = (1, 3, 8)
# Distances in lines are counted up to this many: beyond it a line is simply far.
DISTANCE_CAP = 50
# A line's repeats on the page are counted up to this many.
REPEATS_CAP = 5
# Text after (or before) the main region is measured in lengths of the region, up to this many:
# beyond two articles' length it is all "far away".
REGION_SPAN_CAP = 2.0
# A line's topic overlap is averaged with its neighbours' within this many lines (a related
# headline's one-line teaser is as far off-topic as the headline).
TOPIC_RADIUS = 3
# Topic overlap of a line with no content words, or of a page with no other prose: unknown.
NO_TOPIC = -1.0

LINE_FEATURES = (
    # the line itself
    "log_words", "log_chars", "is_bullet", "ends_terminal", "ends_colon", "starts_upper", "stopword_ratio",
    "title_case_ratio", "digit_ratio", "symbol_ratio", "glued_ratio", "has_separator", "separator_count",
    "has_copyright", "has_date", "widget_word_ratio", "lexicon_rule", "repeats", "is_prose",
    # its place against the page's main run of prose (never as a share of the page: a long clean
    # document's second half is not comments)
    "in_region", "region_distance", "words_before_region", "words_after_region", "region_page_share",
    "lines_to_prose_above", "lines_to_prose_below",
    # its topic: the share of its content words the page's other prose uses (a related headline
    # is about something else), alone and around it
    "topic_overlap", "topic_overlap_near",
    # runs of lines that are not sentences, and whether the article introduces them (a list after
    # "You will need:" or a paragraph is content; a menu follows nothing)
    "nonprose_run", "after_colon", "after_prose",
    # the page: how long, how much prose, how much furniture at all (clean input has none)
    "page_log_words", "page_prose_share", "page_nonprose_lines",
    "page_lexicon_rule", "page_widget_words", "page_copyright", "page_repeats", "page_separator",
    "page_bullet", "page_date",
    # layout: indentation and runs of lines at one indentation
    "indent", "indent_rel", "same_indent_prev", "same_indent_next", "indent_word_share",
    "indent_prose_share", "indent_is_prose_indent", "run_lines", "run_words", "run_prose_share",
    "run_page_share",
    # vocabulary: token log-odds of content vs boilerplate lines, learned from labelled pages
    "vocab_mean", "vocab_min", "vocab_max", "vocab_first", "vocab_known",
)
CONTEXT_SOURCES = ("log_words", "ends_terminal", "is_bullet", "stopword_ratio", "is_prose", "vocab_mean")
FEATURES = LINE_FEATURES + tuple(f"{name}_w{radius}" for radius in CONTEXT_RADII for name in CONTEXT_SOURCES)
# page_<name>: the page's mean of the line feature <name> (page_repeats: of repeats > 0).
PAGE_MEANS = {"page_lexicon_rule": "lexicon_rule", "page_widget_words": "widget_word_ratio",
              "page_copyright": "has_copyright", "page_repeats": "repeats", "page_separator": "has_separator",
              "page_bullet": "is_bullet", "page_date": "has_date"}


class Vocabulary:
    """Log-odds that a line containing a token (or starting with it) is content."""

    def __init__(self, token_odds: dict[str, float], first_odds: dict[str, float]) -> None:
        self.token_odds = token_odds
        self.first_odds = first_odds

    @classmethod
    def fit(cls, lines: Sequence[str], labels: Sequence[int], min_count: int = 3) -> Vocabulary:
        """Laplace-smoothed document-frequency log-odds over lines labelled content (1) or not (0)."""
        pos, neg, pos_first, neg_first = Counter(), Counter(), Counter(), Counter()
        for line, label in zip(lines, labels, strict=True):
            tokens = tokens_of(line)
            if tokens:
                (pos if label else neg).update(set(tokens))
                (pos_first if label else neg_first)[tokens[0]] += 1
        n_pos = sum(labels) + 1
        n_neg = len(labels) - sum(labels) + 1

        def odds(p: Counter, n: Counter) -> dict[str, float]:
            return {
                w: math.log((p[w] + 1) / n_pos) - math.log((n[w] + 1) / n_neg)
                for w in sorted(set(p) | set(n))
                if p[w] + n[w] >= min_count
            }

        return cls(odds(pos, neg), odds(pos_first, neg_first))

    def features(self, text: str, tokens: list[str] | None = None) -> tuple[float, float, float, float, float]:
        """The line's vocabulary features; ``tokens``, when given, are ``tokens_of(text)``."""
        if tokens is None:
            tokens = tokens_of(text)
        if not tokens:
            return (0.0, 0.0, 0.0, 0.0, 0.0)
        odds = list(map(self.token_odds.get, tokens, repeat(0.0)))
        known = sum(map(self.token_odds.__contains__, tokens))
        return (sum(odds) / len(odds), min(odds), max(odds), self.first_odds.get(tokens[0], 0.0), known / len(tokens))


class LexiconRule:
    """Whether a line rule of the built-in boilerplate lexicon (the one the model was trained with) matches."""

    def __init__(self) -> None:
        self.rules = LineRules(load_lexicon(None))

    def __call__(self, text: str) -> bool:
        return self.rules.first(text) is not None


def tokens_of(text: str) -> list[str]:
    return WORD.findall(text.lower())


def line_features(
    texts: Sequence[str],
    indents: Sequence[int],
    vocabulary: Vocabulary,
    line_rule: Callable[[str], bool] | None = None,
) -> np.ndarray:
    """One row of :data:`FEATURES` per line (float64, shape ``(len(texts), len(FEATURES))``).

    ``texts`` are the lines without their indentation, ``indents`` its width in characters;
    ``line_rule(text)`` says whether a boilerplate lexicon rule matches a whole line.
    """
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    words = [WORD.findall(s) for s in texts]
    n_words = [len(w) for w in words]
    counts = Counter(texts)
    words_total = sum(n_words)
    total_words = words_total or 1
    is_prose = [int(k >= PROSE_MIN_WORDS and s.endswith(_TERMINAL)) for k, s in zip(n_words, texts, strict=True)]
    prose_total = sum(k for k, p in zip(n_words, is_prose, strict=True) if p)
    prose_words = prose_total or 1
    prose_indents = sorted(indents[i] for i in range(n) if is_prose[i])
    content_indent = prose_indents[len(prose_indents) // 2] if prose_indents else 0
    region = _main_region([k if p else -REGION_LINE_PENALTY for k, p in zip(n_words, is_prose, strict=True)])
    nearest_above, nearest_below = _nearest(is_prose)

    words_at, prose_at = Counter(), Counter()
    for i in range(n):
        words_at[indents[i]] += n_words[i]
        if is_prose[i]:
            prose_at[indents[i]] += n_words[i]
    prose_indent = max(prose_at, key=lambda k: (prose_at[k], -k)) if prose_at else None
    run_of = [0] * n
    for i in range(1, n):
        run_of[i] = run_of[i - 1] + (indents[i] != indents[i - 1])
    run_lines, run_words, run_prose = Counter(run_of), Counter(), Counter()
    for i in range(n):
        run_words[run_of[i]] += n_words[i]
        if is_prose[i]:
            run_prose[run_of[i]] += n_words[i]

    # Column by column: each feature of every line in one pass.
    lowered = [[x.lower() for x in w] for w in words]
    lower = [set(lw) for lw in lowered]
    chars = [max(len(s), 1) for s in texts]
    words_before = [0, *accumulate(n_words)]
    lines = range(n)
    first, last = region
    region_words = words_before[last + 1] - words_before[first] if last >= first else 0
    topic = _topic_overlap(lower, is_prose)
    run_length, after_colon, after_prose = _introduced_runs(texts, is_prose)
    columns = {
        "log_words": [math.log1p(k) for k in n_words],
        "log_chars": [math.log1p(len(s)) for s in texts],
        "is_bullet": [bool(_BULLET.match(s)) for s in texts],
        "ends_terminal": [s.endswith(_TERMINAL) for s in texts],
        "ends_colon": [s.endswith(":") for s in texts],
        "starts_upper": [s[:1].isupper() for s in texts],
        "stopword_ratio": [sum(map(STOPWORDS.__contains__, lw)) / k if k else 0.0
                           for lw, k in zip(lowered, n_words, strict=True)],
        "title_case_ratio": [sum(map(str.isupper, map(itemgetter(0), w))) / k if k else 0.0
                             for w, k in zip(words, n_words, strict=True)],
        "digit_ratio": [len(_DIGIT.findall(s)) / c for s, c in zip(texts, chars, strict=True)],
        "symbol_ratio": [len(_SYMBOL.findall(s)) / c for s, c in zip(texts, chars, strict=True)],
        "glued_ratio": [len(_GLUED.findall(s)) / (k or 1) for s, k in zip(texts, n_words, strict=True)],
        "has_separator": [bool(_SEPARATORS.search(s)) for s in texts],
        "separator_count": [s.count("|") + s.count("·") for s in texts],
        "has_copyright": ["©" in s or "(c)" in s.lower() for s in texts],
        "has_date": [bool(_DATE.search(s)) for s in texts],
        "widget_word_ratio": [sum(map(WIDGET_WORDS.__contains__, w)) / len(w) if w else 0.0 for w in lower],
        "lexicon_rule": [bool(line_rule and line_rule(s)) for s in texts],
        "repeats": [min(counts[s] - 1, REPEATS_CAP) for s in texts],
        "is_prose": is_prose,
        "in_region": [first <= i <= last for i in lines],
        "region_distance": [min(first - i if i < first else (i - last if i > last else 0), DISTANCE_CAP)
                            / DISTANCE_CAP for i in lines],
        "words_before_region": [_span(words_before[first] - words_before[i + 1], region_words) if i < first else 0.0
                                for i in lines],
        "words_after_region": [_span(words_before[i] - words_before[last + 1], region_words) if i > last >= first
                               else 0.0 for i in lines],
        "region_page_share": [region_words / total_words] * n,
        "topic_overlap": topic,
        "topic_overlap_near": _valid_mean_near(topic, TOPIC_RADIUS),
        "nonprose_run": [math.log1p(k) for k in run_length],
        "after_colon": after_colon,
        "after_prose": after_prose,
        "page_log_words": [math.log1p(words_total)] * n,
        "page_prose_share": [prose_total / total_words] * n,
        "page_nonprose_lines": [math.log1p(n - sum(is_prose))] * n,
        "lines_to_prose_above": [min(d, DISTANCE_CAP) / DISTANCE_CAP for d in nearest_above],
        "lines_to_prose_below": [min(d, DISTANCE_CAP) / DISTANCE_CAP for d in nearest_below],
        "indent": [min(d, 40) / 40 for d in indents],
        "indent_rel": [max(-20, min(20, d - content_indent)) / 20 for d in indents],
        "same_indent_prev": [i > 0 and indents[i - 1] == indents[i] for i in lines],
        "same_indent_next": [i + 1 < n and indents[i + 1] == indents[i] for i in lines],
        "indent_word_share": [words_at[d] / total_words for d in indents],
        "indent_prose_share": [prose_at[d] / prose_words for d in indents],
        "indent_is_prose_indent": [d == prose_indent for d in indents],
        "run_lines": [math.log1p(run_lines[r]) for r in run_of],
        "run_words": [math.log1p(run_words[r]) for r in run_of],
        "run_prose_share": [run_prose[r] / (run_words[r] or 1) for r in run_of],
        "run_page_share": [run_words[r] / total_words for r in run_of],
    }
    rows = np.zeros((n, len(FEATURES)))
    for name, values in columns.items():
        rows[:, LINE_FEATURES.index(name)] = values
    for name, source in PAGE_MEANS.items():
        values = rows[:, LINE_FEATURES.index(source)]
        rows[:, LINE_FEATURES.index(name)] = (values > 0).mean() if source == "repeats" else values.mean()
    # An ASCII line's words lower-cased are its lower-cased text's words (lower() changes no length).
    rows[:, LINE_FEATURES.index("vocab_mean"):len(LINE_FEATURES)] = [
        vocabulary.features(s, lw if s.isascii() else None) for s, lw in zip(texts, lowered, strict=True)]

    # Context: the mean of a few features over windows of +-1, +-3 and +-8 lines.
    column = {name: LINE_FEATURES.index(name) for name in CONTEXT_SOURCES}
    at = len(LINE_FEATURES)
    for radius in CONTEXT_RADII:
        sizes = _window_sums(np.ones(n), radius)
        for name in CONTEXT_SOURCES:
            rows[:, at] = _window_sums(rows[:, column[name]], radius) / sizes
            at += 1
    return rows


def evidence(rows: np.ndarray) -> list[list[str]]:
    """Facts a reader can check on the page, per row of :data:`FEATURES`: why a line looks like furniture.

    Read off the features the model was given (not an attribution of its trees): where the line is
    against the main run of prose, whether it sits in a run of non-sentences, whether it shares the
    prose's topic, and what it is made of."""
    at = {name: rows[:, LINE_FEATURES.index(name)].tolist() for name in (
        "in_region", "region_distance", "region_page_share", "nonprose_run", "after_colon",
        "topic_overlap", "widget_word_ratio", "repeats", "has_copyright")}
    facts = []
    for i in range(len(rows)):
        found = []
        if at["region_page_share"][i] == 0:
            found.append("the page has no run of prose")
        elif not at["in_region"][i]:
            lines = round(at["region_distance"][i] * DISTANCE_CAP)
            plus = "+" if lines == DISTANCE_CAP else ""
            found.append(f"{lines}{plus} line{'s' * (lines != 1)} from the page's main run of prose")
        run = round(math.expm1(at["nonprose_run"][i]))
        if run >= 3 and not at["after_colon"][i]:
            found.append(f"one of {run} lines in a row that are not sentences")
        topic = at["topic_overlap"][i]
        if topic == 0:
            found.append("none of its words are in the page's prose")
        elif 0 < topic < 0.34:
            found.append(f"{topic:.0%} of its words are in the page's prose")
        if at["widget_word_ratio"][i] >= 0.5:
            found.append(f"{at['widget_word_ratio'][i]:.0%} widget words")
        repeats = int(at["repeats"][i])
        if repeats > 0:
            found.append(f"{'at least ' * (repeats == REPEATS_CAP)}{repeats + 1} times on the page")
        if at["has_copyright"][i]:
            found.append("a copyright notice")
        facts.append(found)
    return facts


def _nearest(flags: list[int]) -> tuple[list[int], list[int]]:
    """For each line, how many lines up (and down) the nearest flagged line is (n+1 if none)."""
    n = len(flags)
    above, below = [n + 1] * n, [n + 1] * n
    last = None
    for i in range(n):
        if last is not None:
            above[i] = i - last
        if flags[i]:
            last = i
    last = None
    for i in range(n - 1, -1, -1):
        if last is not None:
            below[i] = last - i
        if flags[i]:
            last = i
    return above, below


def _span(words: int, region_words: int) -> float:
    """``words`` in lengths of the main region (which has words), capped at :data:`REGION_SPAN_CAP`."""
    return min(words / region_words, REGION_SPAN_CAP)


def _content_words(words: set[str]) -> set[str]:
    return {w for w in words - STOPWORDS if len(w) > 2 and not w.isdigit()}


def _topic_overlap(lower: list[set[str]], is_prose: list[int]) -> list[float]:
    """Per line (its lower-cased words), the share of its content words that at least one other prose
    line of the page uses (:data:`NO_TOPIC` for a line without content words, or when no other line is prose)."""
    content = [_content_words(words) for words in lower]
    in_prose = Counter(w for words, p in zip(content, is_prose, strict=True) if p for w in words)
    # A prose line's word is in other prose when two prose lines have it.
    in_other_prose = (in_prose.__contains__, {w for w, k in in_prose.items() if k > 1}.__contains__)
    prose_lines = sum(is_prose)
    out = []
    for words, p in zip(content, is_prose, strict=True):
        if not words or prose_lines - p == 0:
            out.append(NO_TOPIC)
        else:
            out.append(sum(map(in_other_prose[p], words)) / len(words))
    return out


def _valid_mean_near(values: list[float], radius: int) -> list[float]:
    """The mean of the known values (not :data:`NO_TOPIC`) within ``radius`` lines of each line."""
    known = np.array([v != NO_TOPIC for v in values], dtype=float)
    found = _window_sums(known, radius)
    total = _window_sums(np.where(known > 0, values, 0.0), radius)
    return np.where(found > 0, total / np.maximum(found, 1), NO_TOPIC).tolist()


def _window_sums(values: np.ndarray, radius: int) -> np.ndarray:
    """The sum of ``values`` over each line's window of +-``radius`` lines (cut at the page's ends)."""
    index = np.arange(len(values))
    lo, hi = np.maximum(0, index - radius), np.minimum(len(values), index + radius + 1)
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    return cumulative[hi] - cumulative[lo]


def _introduced_runs(texts: Sequence[str], is_prose: list[int]) -> tuple[list[int], list[bool], list[bool]]:
    """For each line that is not prose: the length of its run of non-prose lines, and whether the
    line before the run (or the run's first line, for the lines after it) ends in ":", and whether
    the line before the run is prose. Prose lines get (0, False, False)."""
    n = len(texts)
    length, colon, prose = [0] * n, [False] * n, [False] * n
    i = 0
    while i < n:
        if is_prose[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and not is_prose[j + 1]:
            j += 1
        before_colon = i > 0 and texts[i - 1].endswith(":")
        before_prose = i > 0 and bool(is_prose[i - 1])
        for k in range(i, j + 1):
            length[k] = j - i + 1
            colon[k] = before_colon or (k > i and texts[i].endswith(":"))
            prose[k] = before_prose
        i = j + 1
    return length, colon, prose


def _main_region(weights: list[int]) -> tuple[int, int]:
    """The run of lines with the largest total weight (Kadane): the article's body."""
    best, best_span = -math.inf, (0, -1)
    current, start = 0.0, 0
    for i, w in enumerate(weights):
        if current <= 0:
            current, start = w, i
        else:
            current += w
        if current > best:
            best, best_span = current, (start, i)
    return best_span if best > 0 else (0, -1)
