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
import weakref
from collections import Counter
from collections.abc import Sequence

import numpy as np

from pipeline._core import LineFeatures
from pipeline.stages.boilerplate import Lexicon, load_lexicon
from pipeline.text.words import WORD

# What the columns read in a line (the compiled core matches them with Python's semantics):
# a bullet is one of these marks, or a number of 1-3 digits and "." or ")", then a space.
BULLET_MARKS = "*+-•·▪◦‣"
_TERMINAL = (".", "!", "?", ":", ";", '"', "”", "’", "'", ")")
SEPARATORS = "|»›«‹→←©®™·•"
# str.isdigit() is \d (decimal digits) and these (superscripts, circled numbers).
OTHER_DIGITS = "".join(c for c in map(chr, range(0x110000)) if c.isdigit() and not c.isdecimal())
# A date, as whole words and in any case: a month and a day ("Jan 5", "September 12."), a date
# in digits ("5/12/2020") or a year 19xx or 20xx. The compiled core reads it as Python's re reads
# \b(?:jan|...|dec)[a-z]*\.? \d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b with IGNORECASE.
DATE_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# The letters beside ASCII's that Python's [a-z] matches ignoring case, each with the letter it is.
DATE_LETTERS = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))  # İ ı ſ and the Kelvin sign
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
# The article's own region is searched the same way, but a non-prose line that is page furniture (a
# line a lexicon rule names, of widget words or with a copyright notice) or carries a date costs this
# many: a comment's byline ("Posted by: ... on December 30, 2007 04:20 PM") or a dated teaser ends
# the article, where the main region runs on through the comments and teasers, which are prose too
# (issue 27: of L3S-GN1's furniture words the line model kept, two thirds lay inside the main region).
ARTICLE_MARK_PENALTY = 40
# A line at least this share of whose distinct words are widget words is page furniture (a mark
# between a line and the main run of prose; and a fact a removed line's reason states).
WIDGET_LINE_SHARE = 0.5
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
# Indentation is read up to this many characters, and against the prose's up to this many either way.
INDENT_CAP = 40
INDENT_REL_CAP = 20
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
    # and against the article's own region, which a dated line or page furniture ends
    "in_article", "article_distance", "words_after_article",
    # furniture between it and that run (lines a lexicon rule names, lines of widget words, copyright
    # notices): outside its own run of non-sentences, and inside it (a comment under "Leave a reply"
    # has one and none; the fourth item of a list under "Related stories" none and one)
    "marks_to_region", "marks_in_run",
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


class LexiconRule:
    """Whether a line rule of the built-in boilerplate lexicon (the one the model was trained with) matches."""

    def __init__(self) -> None:
        self.lexicon = Lexicon(load_lexicon(None))

    def __call__(self, texts: Sequence[str]) -> list[bool]:
        """Per line: whether a line rule names it."""
        return [rule is not None for rule in self.lexicon.first(list(texts))]


def tokens_of(text: str) -> list[str]:
    return WORD.findall(text.lower())


def line_features(
    texts: Sequence[str],
    indents: Sequence[int],
    vocabulary: Vocabulary,
    line_rule: LexiconRule | None = None,
) -> np.ndarray:
    """One row of :data:`FEATURES` per line (float64, shape ``(len(texts), len(FEATURES))``).

    ``texts`` are the lines without their indentation, ``indents`` its width in characters;
    ``line_rule(texts)`` says of each line whether a boilerplate lexicon rule matches all of it
    (None: no rule does). The columns are computed by the compiled core
    (``rust/src/linefeatures.rs``) from this module's word lists and constants.
    """
    if not texts:
        return np.zeros((0, len(FEATURES)))
    rule = line_rule(texts) if line_rule else [False] * len(texts)
    return _compiled(vocabulary).rows(list(texts), list(indents), rule)


# The compiled column makers, one per vocabulary (a model's, or a training fold's).
_COMPILED: weakref.WeakKeyDictionary[Vocabulary, LineFeatures] = weakref.WeakKeyDictionary()


def _compiled(vocabulary: Vocabulary) -> LineFeatures:
    found = _COMPILED.get(vocabulary)
    if found is None:
        found = _COMPILED[vocabulary] = LineFeatures(
            columns=list(FEATURES), stopwords=sorted(STOPWORDS), widget_words=sorted(WIDGET_WORDS),
            terminal="".join(_TERMINAL), separators=SEPARATORS, bullet_marks=BULLET_MARKS,
            other_digits=OTHER_DIGITS, prose_min_words=PROSE_MIN_WORDS, region_line_penalty=REGION_LINE_PENALTY,
            article_mark_penalty=ARTICLE_MARK_PENALTY,
            widget_line_share=WIDGET_LINE_SHARE,
            context_radii=list(CONTEXT_RADII), context_sources=list(CONTEXT_SOURCES), distance_cap=DISTANCE_CAP,
            repeats_cap=REPEATS_CAP, region_span_cap=REGION_SPAN_CAP, topic_radius=TOPIC_RADIUS, no_topic=NO_TOPIC,
            indent_cap=INDENT_CAP, indent_rel_cap=INDENT_REL_CAP, page_means=list(PAGE_MEANS.items()),
            months=list(DATE_MONTHS), date_letters=list(DATE_LETTERS),
            token_odds=vocabulary.token_odds, first_odds=vocabulary.first_odds)
    return found


def _lines_away(distance: float) -> str:
    """A ``*_distance`` feature (lines from a region as a share of :data:`DISTANCE_CAP`) as a reader reads it."""
    lines = round(distance * DISTANCE_CAP)
    return f"{lines}{'+' if lines == DISTANCE_CAP else ''} line{'s' * (lines != 1)}"


def evidence(rows: np.ndarray) -> list[list[str]]:
    """Facts a reader can check on the page, per row of :data:`FEATURES`: why a line looks like furniture.

    Read off the features the model was given (not an attribution of its trees): where the line is
    against the main run of prose and how much furniture lies between them (or, inside that run, how
    far past the article's end or before its start), whether it sits in a run of non-sentences,
    whether it shares the prose's topic, and what it is made of."""
    at = {name: rows[:, LINE_FEATURES.index(name)].tolist() for name in (
        "in_region", "region_distance", "region_page_share", "marks_to_region", "marks_in_run", "nonprose_run",
        "after_colon", "topic_overlap", "widget_word_ratio", "repeats", "has_copyright", "in_article",
        "article_distance", "words_after_article")}
    facts = []
    for i in range(len(rows)):
        found = []
        if at["region_page_share"][i] == 0:
            found.append("the page has no run of prose")
        elif not at["in_region"][i]:
            found.append(f"{_lines_away(at['region_distance'][i])} from the page's main run of prose")
            if marks := round(math.expm1(at["marks_to_region"][i]) + math.expm1(at["marks_in_run"][i])):
                found.append(f"{marks} line{'s' * (marks != 1)} of page furniture between them")
        elif not at["in_article"][i]:
            where = "past the article's end" if at["words_after_article"][i] > 0 else "before the article's start"
            away = _lines_away(at["article_distance"][i])
            found.append(f"{away} {where}, which a dated line or page furniture marks")
        run = round(math.expm1(at["nonprose_run"][i]))
        if run >= 3 and not at["after_colon"][i]:
            found.append(f"one of {run} lines in a row that are not sentences")
        topic = at["topic_overlap"][i]
        if topic == 0:
            found.append("none of its words are in the page's prose")
        elif 0 < topic < 0.34:
            found.append(f"{topic:.0%} of its words are in the page's prose")
        if at["widget_word_ratio"][i] >= WIDGET_LINE_SHARE:
            found.append(f"{at['widget_word_ratio'][i]:.0%} widget words")
        repeats = int(at["repeats"][i])
        if repeats > 0:
            found.append(f"{'at least ' * (repeats == REPEATS_CAP)}{repeats + 1} times on the page")
        if at["has_copyright"][i]:
            found.append("a copyright notice")
        facts.append(found)
    return facts
