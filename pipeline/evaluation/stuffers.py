"""Keyword stuffers of clearly different designs, for training the stuffing models and for
scoring them on a family they never saw (:mod:`pipeline.evaluation.stuffing`).

Each family differs from the others in where its keyphrase comes from, how it is cased, how
many copies it pastes and where it puts them:

- ``title_span``: 3-6 consecutive title words; Title Case, lower case or as written; 3-12 copies by
  length; after a sentence, at a paragraph's end, a line of its own, glued onto a heading,
  mid-sentence (with a comma, a comma and no space, or nothing), at a paragraph's start.
- ``seo_template``: an SEO template over the article's two most frequent content words, with
  numbers, prices, years, ``&``, ``%``, ``#`` ("Top 10 Sleep Training Tips", "Laptops Under $500");
  Title Case or lower case; 4-10 copies; a heading line, a list item, in brackets or emphasis after
  a sentence, a paragraph's lead-in with a colon, after a separator at a paragraph's end.
- ``body_ngram``: one of the article's own most frequent content trigrams (it also occurs
  naturally); lower case; 8-20 copies, dense; between commas, a sentence's lead-in with a dash,
  before a sentence's period.
- ``whole_title``: the whole title (4-12 words), as written or in UPPER CASE; 3-4 copies, sparse;
  after a separator at a paragraph's end, before a heading with a colon, as closing lines.
- ``mixed_case``: a 3-5 word span of the title, each copy cased anew (lower, Title, UPPER); 5-15
  copies inside sentences: after a comma, before a period, glued to a comma, opening a sentence.
- ``keyword_lines``: two topic words and a search modifier ("... near me", "... for sale"), lower
  case; 3-8 copies on lines of keywords: two copies between bars or commas, a "Tags:" line, a
  paragraph's "see also:" tail.
- ``long_tail``: a query around two topic words, with its stop words ("best sleep for toddlers",
  "what is protein intake"); lower case, Title Case or a capital first word; one copy per 80-200
  words (3-16); bare or bold between two words of a sentence, quoted after a sentence, in a call to
  action ("Read more about ..."), at a paragraph's end with no mark.
- ``brand_name`` (no model is trained on it: ``UNSEEN``): a name the article writes in Title Case
  and never in lower case ("Sprint Nextel", "San Jose State"), or an invented brand when it has
  none ("Kestrel Supply Co"); as written or in UPPER CASE; 3-12 copies: a line of its own, after a
  sentence, after a separator, bare or bold between two words, in a call to action ("Brought to you
  by ...").
- ``random_paste`` (nor on this one): no list of placements; a 2-5 word window of one of the
  article's sentences, cased once (lower, Title, as written, UPPER), one copy in five recased;
  3-20 copies at a token boundary drawn at random (or a line of its own), with marks drawn at
  random on each side (none, comma, dash, bar, colon, period, brackets, quotes, bold).

Every stuffed article also gets one or two natural uses of the keyphrase, planted as a sentence
of plain prose (``NATURAL``), in lower case as a writer would put a phrase (a name as it is
written): the stage must keep them. Every stuffer records where each copy
and each natural use went, by the offset in its text.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from pipeline.evaluation.wcxb import Page
from pipeline.language.nlp import stop_words
from pipeline.text.words import PHRASE_WORD

# Where a sentence ends and the next one starts inside a line.
SENTENCE_END = re.compile(r"(?<=[a-z0-9][.!?]) (?=[A-Z])")
# A planted natural use: a keyphrase copy that is an argument of a sentence of plain prose.
NATURAL = "natural"
# Sentences that use a phrase grammatically, in several roles (object, prepositional object, subject).
NATURAL_SENTENCES = (
    "Many readers first came across {} while looking for something else.",
    "We compared {} with the alternatives mentioned above.",
    "That is why {} gets a section of its own here.",
    "Anyone new to {} should start with the basics.",
    "Some of the advice about {} is out of date.",
    "There is more to {} than most guides admit.",
    "The notes on {} below come from our own tests.",
    "Searching for {} brings up thousands of pages.",
    "Not every article on {} agrees with this one.",
    "The rest of this piece looks at {} in more detail.",
)


@dataclass(frozen=True, slots=True)
class Stuffed:
    text: str
    keyphrase: str
    injected: int
    # (where a copy starts in ``text``, its placement) for each copy still whole, injected or
    # planted (``NATURAL``): a later injection wedged into an earlier copy breaks that one.
    placed: tuple[tuple[int, str], ...] = ()

    @property
    def copies(self) -> tuple[tuple[int, str], ...]:
        return tuple(p for p in self.placed if p[1] != NATURAL)

    @property
    def natural(self) -> tuple[int, ...]:
        return tuple(at for at, placement in self.placed if placement == NATURAL)


class Lines:
    """The article's lines being stuffed, and where each copy is in them."""

    def __init__(self, body: str) -> None:
        self.lines = [line for line in body.split("\n") if line.strip()]
        self.copies: list[list] = []  # [line, offset, placement]

    def replace(self, i: int, at: int, cut: int, text: str, copy_at: int, placement: str) -> None:
        """Line ``i``'s characters ``at:at + cut`` become ``text``, which holds a copy at ``copy_at``."""
        line = self.lines[i]
        self.lines[i] = line[:at] + text + line[at + cut:]
        for copy in self.copies:
            if copy[0] == i and copy[1] >= at + cut:
                copy[1] += len(text) - cut
        self.copies.append([i, at + copy_at, placement])

    def insert(self, i: int, text: str, placement: str, copy_at: int = 0) -> None:
        self.lines.insert(i, text)
        for copy in self.copies:
            copy[0] += copy[0] >= i
        self.copies.append([i, copy_at, placement])

    def after_sentence(self, i: int, rng: random.Random) -> int:
        """Where a sentence of line ``i`` ends (its end when it has one sentence)."""
        cuts = [m.start() for m in SENTENCE_END.finditer(self.lines[i])]
        return rng.choice(cuts) if cuts else len(self.lines[i])

    def inline_slots(self, i: int) -> tuple[list[int], list[int], list[int]]:
        """Where in line ``i`` a copy may go inside its sentences: its commas between two lower-case
        words, its sentence-ending periods after a lower-case word, and its sentences' starts."""
        line = self.lines[i]
        commas = [m.start() for m in re.finditer(r"(?<=[a-z]), (?=[a-z])", line)]
        periods = [m.start() for m in re.finditer(r"(?<=[a-z])\.(?= [A-Z]|$)", line)]
        return commas, periods, [0] + [m.end() for m in SENTENCE_END.finditer(line)]

    def word_gaps(self, i: int, size: int) -> list[int]:
        """The spaces between two lower-case words of line ``i``, never inside a copy (``size``
        characters) pasted there already: a copy wedged into another would break it."""
        pasted = [(at, at + size) for k, at, _ in self.copies if k == i]
        return [m.start() for m in re.finditer(r"(?<=[a-z]) (?=[a-z])", self.lines[i])
                if not any(a <= m.start() <= b for a, b in pasted)]

    def between_words(self, i: int, gap: int, keyphrase: str, placement: str) -> None:
        """A copy in line ``i``'s space ``gap``, bare or bold (``placement``: ``bare_inline``, ``bold_inline``)."""
        mark = "" if placement == "bare_inline" else "**"
        self.replace(i, gap, 1, f" {mark}{keyphrase}{mark} ", 1 + len(mark), placement)

    def call_to_action(self, i: int, call: str, keyphrase: str) -> None:
        """A copy in a ``call`` ("Read more about {}.") closing line ``i``."""
        self.replace(i, len(self.lines[i]), 0, " " + call.format(keyphrase), 1 + call.index("{}"), "call_to_action")

    def stuffed(self, keyphrase: str, injected: int) -> Stuffed:
        starts = list(accumulate((len(line) + 2 for line in self.lines), initial=0))
        text = "\n\n".join(self.lines)
        lower, phrase = text.lower(), keyphrase.lower()  # a copy may be cased anew (``MixedCase``)
        placed = tuple(sorted((starts[i] + at, placement) for i, at, placement in self.copies
                              if lower.startswith(phrase, starts[i] + at)))
        return Stuffed(text, keyphrase, injected, placed)


def plant_natural(article: Lines, keyphrase: str, rng: random.Random, count: int, *, name: bool = False) -> None:
    """``count`` sentences of plain prose using the keyphrase in lower case, as a writer would
    (a stuffer's Title Case is its own; a ``name`` keeps its capitals), each after a sentence of a
    prose line."""
    keyphrase = keyphrase if name else keyphrase.lower()
    prose = [i for i, line in enumerate(article.lines) if SENTENCE_END.search(line) or len(line.split()) > 12]
    for _ in range(count):
        if not prose:
            return
        i = rng.choice(prose)
        template = rng.choice(NATURAL_SENTENCES)
        at = article.after_sentence(i, rng)
        article.replace(i, at, 0, " " + template.format(keyphrase), 1 + template.index("{}"), NATURAL)


def title_case(phrase: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in phrase.split())


class Stuffer:
    """A family: ``keyphrase`` picks the phrase for a page, ``inject`` pastes its copies."""

    name = ""
    # Its keyphrases are names: a writer uses them with their capitals (``plant_natural``).
    names = False
    # It cases copies anew one by one: a copy is the keyphrase in some casing.
    recases = False

    def __call__(self, page: Page, rng: random.Random, *, natural: bool = True,
                 natural_as_written: bool = False) -> Stuffed | None:
        """The page stuffed, with one or two natural uses planted (``natural``), in lower case unless
        the keyphrase is a name or ``natural_as_written``."""
        keyphrase = self.keyphrase(page, rng)
        if keyphrase is None:
            return None
        article = Lines(page.gold)
        injected = self.inject(article, keyphrase, rng)
        if natural:
            plant_natural(article, keyphrase, rng, rng.choice((1, 2)), name=self.names or natural_as_written)
        return article.stuffed(keyphrase, injected)

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        raise NotImplementedError

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        """Paste the copies into ``article``; how many were pasted."""
        raise NotImplementedError


class TitleSpan(Stuffer):
    """3-6 consecutive title words, in Title Case, lower case or as written, 3-12 times in six ways."""

    name = "title_span"
    MODES = ("after_sentence", "paragraph_end", "own_line", "heading_glue", "mid_sentence", "paragraph_start")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        stop = stop_words()
        words = PHRASE_WORD.findall(page.title)
        spans = [(i, j) for i in range(len(words)) for j in range(i + 3, min(i + 6, len(words)) + 1)
                 if words[i].lower() not in stop and words[j - 1].lower() not in stop and not words[i].isdigit()]
        if not spans:
            return None
        i, j = rng.choice(spans)
        phrase = " ".join(words[i:j])
        casing = rng.random()
        if casing < 0.6:
            return title_case(phrase)
        return phrase.lower() if casing < 0.9 else phrase

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        return inject_title_span(article, keyphrase, rng)


def inject_title_span(article: Lines, keyphrase: str, rng: random.Random) -> int:
    lines = article.lines
    words = sum(len(PHRASE_WORD.findall(line)) for line in lines)
    count = min(12, max(3, words // 150))
    for _ in range(count):
        mode = rng.choice(TitleSpan.MODES)
        i = rng.randrange(len(lines))
        line = lines[i]
        if mode == "after_sentence":
            cuts = [m.start() for m in SENTENCE_END.finditer(line)]
            if not cuts:
                mode = "paragraph_end"
            else:
                cut = rng.choice(cuts)
                article.replace(i, cut, 0, f" {keyphrase}.", 1, mode)
        if mode == "paragraph_end":
            end = rng.choice(("", "."))
            article.replace(i, len(line), 0, f" {keyphrase}{end}", 1, mode + end)
        elif mode == "own_line":
            article.insert(i + 1, keyphrase, mode)
        elif mode == "heading_glue":
            headings = [k for k, text in enumerate(lines)
                        if len(PHRASE_WORD.findall(text)) <= 8 and text[-1:].isalnum()]
            k = rng.choice(headings) if headings else i
            article.replace(k, len(lines[k]), 0, f" {keyphrase}", 1, mode)
        elif mode == "mid_sentence":
            gaps = [m.start() for m in re.finditer(r"(?<=[a-z]) (?=[a-z])", line)]
            if not gaps:
                article.replace(i, len(line), 0, f" {keyphrase}", 1, "paragraph_end")
            else:
                gap = rng.choice(gaps)
                glue, placement = rng.choice(((f" {keyphrase}, ", "mid_comma"), (f" {keyphrase},", "mid_glued"),
                                              (f" {keyphrase} ", "mid_bare")))
                article.replace(i, gap, 1, glue, 1, placement)
        elif mode == "paragraph_start":
            article.replace(i, 0, 0, f"{keyphrase}. ", 0, mode)
    return count


def topic_words(text: str, count: int) -> list[str]:
    """The ``count`` most frequent content words of ``text`` (3+ letters, no stop word), most frequent first."""
    stop = stop_words()
    words = Counter(w.lower() for w in PHRASE_WORD.findall(text)
                    if len(w) > 2 and w.isalpha() and w.lower() not in stop)
    return [w for w, _ in words.most_common(count)]


class SeoTemplate(Stuffer):
    """Keyphrases as SEO tools suggest them: counts, prices, years, ``&``, ``%``, ``#``, around the
    article's two most frequent content words; in headings, list items, brackets and lead-ins."""

    name = "seo_template"
    TEMPLATES = (
        "Top {n} {a} {b} Tips", "Best {a} {b} Under ${price}", "{a} & {b} Guide", "{a} {b} Review {year}",
        "How To Choose {a} {b}", "{n} Best {a} {b} Picks", "Cheap {a} {b} Near Me", "{a} {b} Pros & Cons",
        "{a} {b} Cost in {year}", "#1 {a} {b} Service", "{a} {b} 100% Free", "top {n} {a} {b} deals",
    )
    MODES = ("heading", "list_item", "bracketed", "emphasis", "lead_in", "separator")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        topic = topic_words(page.gold, 6)
        if len(topic) < 2:
            return None
        a, b = rng.sample(topic, 2)
        phrase = rng.choice(self.TEMPLATES).format(
            a=a, b=b, n=rng.choice((3, 5, 7, 10, 12, 15, 25)), price=rng.choice((20, 50, 99, 100, 500, 1000)),
            year=rng.choice((2024, 2025, 2026)))
        return title_case(phrase) if rng.random() < 0.7 else phrase.lower()

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        count = rng.randint(4, 10)
        for _ in range(count):
            mode = rng.choice(self.MODES)
            i = rng.randrange(len(article.lines))
            line = article.lines[i]
            if mode == "heading":
                article.insert(i + 1, keyphrase + rng.choice(("", ":")), mode)
            elif mode == "list_item":
                mark = rng.choice(("- ", "* ", "• ", "1. "))
                article.insert(i + 1, mark + keyphrase, mode, len(mark))
            elif mode in ("bracketed", "emphasis"):
                left, right = rng.choice((("(", ")"), ("[", "]"))) if mode == "bracketed" else ("**", "**")
                at = article.after_sentence(i, rng)
                article.replace(i, at, 0, f" {left}{keyphrase}{right}", 1 + len(left), mode)
            elif mode == "lead_in":
                article.replace(i, 0, 0, f"{keyphrase}: ", 0, mode)
            else:
                separator = rng.choice((" | ", " - ", " – "))
                article.replace(i, len(line), 0, separator + keyphrase, len(separator), mode)
        return count


class BodyNgram(Stuffer):
    """One of the article's five most frequent content trigrams (inside a clause), lower case, pasted
    densely inside sentences:
    between commas, as a sentence's lead-in, before a sentence's period. Its natural uses in the
    article must stay."""

    name = "body_ngram"
    MODES = ("between_commas", "dash_lead_in", "before_period")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        stop = stop_words()
        grams: Counter[str] = Counter()
        for clause in re.split(r"[\n.!?,;:()]", page.gold):
            words = [w.lower() for w in PHRASE_WORD.findall(clause)]
            for i in range(len(words) - 2):
                gram = words[i:i + 3]
                if gram[0] not in stop and gram[2] not in stop and sum(w not in stop for w in gram) >= 2 \
                        and all(w.isalpha() and len(w) > 1 for w in gram):
                    grams[" ".join(gram)] += 1
        if not grams:
            return None
        top = grams.most_common(5)
        return rng.choice(top)[0]

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        words = sum(len(PHRASE_WORD.findall(line)) for line in article.lines)
        count = min(20, max(8, words // 60))
        for _ in range(count):
            mode = rng.choice(self.MODES)
            i = rng.randrange(len(article.lines))
            commas, periods, starts = article.inline_slots(i)
            if mode == "between_commas" and commas:
                article.replace(i, rng.choice(commas), 0, f", {keyphrase}", 2, mode)
            elif mode == "before_period" and periods:
                article.replace(i, rng.choice(periods), 0, f" {keyphrase}", 1, mode)
            else:
                article.replace(i, rng.choice(starts), 0, f"{keyphrase} - ", 0, "dash_lead_in")
        return count


class WholeTitle(Stuffer):
    """The whole title as written or in UPPER CASE, three or four times: after a separator at a
    paragraph's end, before a heading with a colon, and among the closing lines."""

    name = "whole_title"
    MODES = ("separator", "heading_prefix", "closing_line")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        words = PHRASE_WORD.findall(page.title)
        if not 4 <= len(words) <= 12 or any(c in page.title for c in "\n"):
            return None
        title = page.title.strip()
        return title.upper() if rng.random() < 0.25 else title

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        count = rng.randint(3, 4)
        for _ in range(count):
            mode = rng.choice(self.MODES)
            if mode == "closing_line":
                article.insert(len(article.lines), keyphrase, mode)
                continue
            if mode == "heading_prefix":
                headings = [k for k, text in enumerate(article.lines) if len(PHRASE_WORD.findall(text)) <= 8]
                if headings:
                    article.replace(rng.choice(headings), 0, 0, f"{keyphrase}: ", 0, mode)
                    continue
            i = rng.randrange(len(article.lines))
            separator = rng.choice((" | ", " - ", " ~ "))
            article.replace(i, len(article.lines[i]), 0, separator + keyphrase, len(separator), "separator")
        return count


class MixedCase(Stuffer):
    """A 3-5 word span of the title, each copy cased anew (lower, Title Case, UPPER CASE), 5-15
    times inside sentences: after a comma, before a sentence's period, glued to a comma with no
    space after it, or opening a sentence with a comma of its own."""

    name = "mixed_case"
    recases = True
    MODES = ("after_comma", "before_period", "glued_comma", "sentence_opening")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        words = PHRASE_WORD.findall(page.title)
        if len(words) < 3:
            return None
        size = rng.randint(3, min(5, len(words)))
        i = rng.randrange(len(words) - size + 1)
        return " ".join(words[i:i + size]).lower()

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        count = rng.randint(5, 15)
        cases = (str.lower, title_case, str.upper)
        for _ in range(count):
            copy = rng.choice(cases)(keyphrase)
            i = rng.randrange(len(article.lines))
            mode = rng.choice(self.MODES)
            commas, periods, starts = article.inline_slots(i)
            if mode == "after_comma" and commas:  # after the comma and its space
                article.replace(i, rng.choice(commas) + 2, 0, f"{copy}, ", 0, mode)
            elif mode == "glued_comma" and commas:
                article.replace(i, rng.choice(commas) + 2, 0, f"{copy},", 0, mode)
            elif mode == "before_period" and periods:
                article.replace(i, rng.choice(periods), 0, f", {copy}", 2, mode)
            else:
                article.replace(i, rng.choice(starts), 0, f"{copy}, ", 0, "sentence_opening")
        return count


class KeywordLines(Stuffer):
    """Two topic words with a search modifier ("sleep training near me", "protein goals for sale"),
    lower case, 3-8 times as lines of keywords: a line of two or three copies between bars or
    commas, a "Tags:" or "Keywords:" line, a copy closing a paragraph after a colon."""

    name = "keyword_lines"
    MODIFIERS = ("near me", "for sale", "online", "2025", "cheap", "best price", "free shipping", "reviews")
    MODES = ("copies_line", "tags_line", "colon_tail")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        topic = topic_words(page.gold, 5)
        if len(topic) < 2:
            return None
        a, b = rng.sample(topic, 2)
        return f"{a} {b} {rng.choice(self.MODIFIERS)}"

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        count = rng.randint(3, 8)
        done = 0
        while done < count:
            mode = rng.choice(self.MODES)
            i = rng.randrange(len(article.lines))
            if mode == "copies_line" and count - done >= 2:
                separator = rng.choice((" | ", ", ", " / "))
                article.insert(i + 1, keyphrase, mode)
                article.replace(i + 1, len(keyphrase), 0, separator + keyphrase, len(separator), mode)
                done += 2
            elif mode == "tags_line":
                label = rng.choice(("Tags: ", "Keywords: ", "Related searches: "))
                article.insert(i + 1, label + keyphrase, mode, len(label))
                done += 1
            else:
                article.replace(i, len(article.lines[i]), 0, f" - see also: {keyphrase}", 13, "colon_tail")
                done += 1
        return done


class LongTail(Stuffer):
    """A long-tail query around two of the article's most frequent content words, cased once for the
    document, pasted bare or bold inside sentences, quoted, in calls to action, at paragraph ends."""

    name = "long_tail"
    QUERIES = ("best {a} for {b}", "{a} vs {b}", "what is {a} {b}", "{a} {b} explained", "how to {a} {b}",
               "{a} and {b} guide", "why {a} {b} matters", "{a} {b} for beginners")
    MODES = ("bare_inline", "bold_inline", "quoted", "call_to_action", "paragraph_tail")
    CALLS = ("Read more about {}.", "Learn more: {}", "See also {}.", "Click here for {}.", "More on {} below.")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        topic = topic_words(page.gold, 4)
        if len(topic) < 2:
            return None
        a, b = rng.sample(topic, 2)
        phrase = rng.choice(self.QUERIES).format(a=a, b=b)
        casing = rng.random()
        if casing < 0.5:
            return phrase
        return title_case(phrase) if casing < 0.8 else phrase[:1].upper() + phrase[1:]

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        words = sum(len(PHRASE_WORD.findall(line)) for line in article.lines)
        count = min(16, max(3, words // rng.randint(80, 200)))
        for _ in range(count):
            mode = rng.choice(self.MODES)
            i = rng.randrange(len(article.lines))
            line = article.lines[i]
            gaps = article.word_gaps(i, len(keyphrase))
            if mode in ("bare_inline", "bold_inline") and gaps:
                article.between_words(i, rng.choice(gaps), keyphrase, mode)
            elif mode == "quoted":
                at = article.after_sentence(i, rng)
                article.replace(i, at, 0, f' "{keyphrase}"', 2, mode)
            elif mode == "call_to_action":
                article.call_to_action(i, rng.choice(self.CALLS), keyphrase)
            else:
                article.replace(i, len(line), 0, f" {keyphrase}", 1, "paragraph_tail")
        return count




# A name the text writes: two to four capitalized words one space apart (a word may hold an
# apostrophe, a hyphen or inner capitals: "O'Neil", "Coca-Cola", "McLaren").
NAME = re.compile(r"\b[A-Z][a-zA-Z'-]*[a-zA-Z](?: [A-Z][a-zA-Z'-]*[a-zA-Z]){1,3}\b")
# Brands for an article that names nothing: what a sponsor pastes is not the article's.
BRAND_STEMS = ("Kestrel", "Northwind", "Bluepeak", "Oakhaven", "Ardent", "Lumina", "Silver Birch", "Redfern",
               "Harbor Point", "Greystone")
BRAND_KINDS = ("Supply Co", "Labs", "Group", "Outfitters", "Health", "Media", "Partners", "Studio", "Home",
               "Insurance")


def _is_prose(line: str) -> bool:
    """A line of a sentence or more: twelve words or more, most of them in lower case."""
    words = line.split()
    return len(words) >= 12 and sum(w[:1].islower() for w in words) * 2 > len(words)


class BrandName(Stuffer):
    """A name the article writes in Title Case and never in lower case, or an invented brand where it
    names nothing; as written or in UPPER CASE, 3-12 times: a line of its own, after a sentence, after a
    separator at a paragraph's end, bare or bold between two words, in a call to action."""

    name = "brand_name"
    names = True
    MODES = ("own_line", "after_sentence", "separator", "bare_inline", "bold_inline", "call_to_action")
    CALLS = ("Brought to you by {}.", "Visit {} today.", "Shop {} now.", "Sponsored by {}.", "Get it at {}.")

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        stop = stop_words()
        prose = [line for line in page.gold.split("\n") if _is_prose(line)]  # not a heading's Title Case
        found = sorted({m.group() for line in prose for m in NAME.finditer(line)
                        # not a sentence's first word, no stop word at either end, not the title's
                        if m.start() > 0 and line[m.start() - 2:m.start()] not in (". ", "! ", "? ")
                        and not {m.group().split()[0].lower(), m.group().split()[-1].lower()} & stop
                        and m.group() not in page.title})
        # and never written in lower case
        found = [name for name in found
                 if not re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", page.gold)]
        name = rng.choice(found) if found else f"{rng.choice(BRAND_STEMS)} {rng.choice(BRAND_KINDS)}"
        return name.upper() if rng.random() < 0.2 else name

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        count = rng.randint(3, 12)
        for _ in range(count):
            mode = rng.choice(self.MODES)
            i = rng.randrange(len(article.lines))
            gaps = article.word_gaps(i, len(keyphrase))
            if mode in ("bare_inline", "bold_inline") and gaps:
                article.between_words(i, rng.choice(gaps), keyphrase, mode)
            elif mode == "after_sentence":
                article.replace(i, article.after_sentence(i, rng), 0, f" {keyphrase}.", 1, mode)
            elif mode == "separator":
                separator = rng.choice((" | ", " - ", " · "))
                article.replace(i, len(article.lines[i]), 0, separator + keyphrase, len(separator), mode)
            elif mode == "call_to_action":
                article.call_to_action(i, rng.choice(self.CALLS), keyphrase)
            else:
                article.insert(i + 1, keyphrase, "own_line")
        return count


class RandomPaste(Stuffer):
    """No list of placements: a 2-5 word window of one of the article's own sentences (from a
    content word to a content word), cased once for the document (lower, Title, as written,
    UPPER) and each copy recased one time in five, 3-20 times at a token boundary drawn at random
    (between two words, a line's start or end, or a line of its own), with marks drawn at random
    on each side (none, a comma, a dash, a bar, a colon, a period, brackets, quotes, bold)."""

    name = "random_paste"
    recases = True
    # What joins a copy to the word before it and to the word after it, drawn independently per
    # copy (at a line's start or end, without the space on that side).
    LEFT = (" ", " ", ", ", " - ", " | ", ": ", ". ", " (", ' "', " **")
    RIGHT = (" ", " ", ", ", ". ", " - ", ": ", ") ", '" ', "** ", "; ")
    CLOSING = {" (": ") ", ' "': '" ', " **": "** "}

    def keyphrase(self, page: Page, rng: random.Random) -> str | None:
        stop = stop_words()
        windows = []
        for clause in re.split(r"[\n.!?,;:()]", page.gold):
            words = PHRASE_WORD.findall(clause)
            windows += [words[i:j] for i in range(len(words)) for j in range(i + 2, min(i + 5, len(words)) + 1)
                        if words[i].lower() not in stop and words[j - 1].lower() not in stop
                        and sum(w.lower() not in stop and len(w) > 1 for w in words[i:j]) >= 2]
        if not windows:
            return None
        phrase = " ".join(rng.choice(windows))
        return rng.choice((str.lower, title_case, str.upper, lambda s: s))(phrase)

    def inject(self, article: Lines, keyphrase: str, rng: random.Random) -> int:
        count = rng.randint(3, 20)
        for _ in range(count):
            copy = rng.choice((str.lower, title_case, str.upper))(keyphrase) if rng.random() < 0.2 else keyphrase
            i = rng.randrange(len(article.lines))
            if rng.random() < 0.15:
                article.insert(i + 1, copy, "own_line")
                continue
            line = article.lines[i]
            # never inside the article's own use of the phrase (a window of its text)
            own = [m.span() for m in re.finditer(re.escape(keyphrase.lower()), line.lower())]
            at = rng.choice([0, len(line), *(g for g in article.word_gaps(i, len(keyphrase))
                                             if not any(a < g < b for a, b in own))])
            left, right = rng.choice(self.LEFT), rng.choice(self.RIGHT)
            if left in self.CLOSING and rng.random() < 0.7:
                right = self.CLOSING[left]  # a mark opened is mostly closed
            if at == 0:
                left, place = left.lstrip(), "line_start"
            elif at == len(line):
                right, place = right.rstrip(), "line_end"
            else:
                place = "inline"
            # between two words the copy takes the place of the space (its marks bring their own)
            article.replace(i, at, int(place == "inline"), f"{left}{copy}{right}", len(left), place)
        return count


FAMILIES: dict[str, Stuffer] = {s.name: s for s in (TitleSpan(), SeoTemplate(), BodyNgram(), WholeTitle(),
                                                      MixedCase(), KeywordLines(), LongTail())}
# Families no model is trained on, scored with the shipped models. A name is what clean pages repeat
# most in Title Case: trained on with the others (held out in turn, train.py --held-out), brand_name
# raised the candidate model's cut from about 0.92 to 0.95 and lowered the keyphrases found of
# whole_title, mixed_case and keyword_lines by about 0.2 each; with a feature of whether the page
# writes the phrase's words in lower case, brand_name's own fell to 0.09.
# A paster with no list of placements (random_paste), trained on with the others, raised four of
# them when each was held out (train.py --held-out: keyphrases found, title_span 0.70 -> 0.80,
# seo_template 0.86 -> 0.94, body_ngram 0.87 -> 0.92, long_tail 0.67 -> 0.83) and lowered three
# (whole_title 0.65 -> 0.51, mixed_case 0.77 -> 0.70, keyword_lines 0.65 -> 0.50): the fewest
# found fell, so it is scored, not trained on. Learned from by the placement model alone, it
# raised long_tail to 0.78 and lowered four (body_ngram 0.81, whole_title 0.59, mixed_case 0.70,
# keyword_lines 0.58).
UNSEEN: dict[str, Stuffer] = {s.name: s for s in (BrandName(), RandomPaste())}
# Every family by name: what make eval scores.
STUFFERS: dict[str, Stuffer] = {**FAMILIES, **UNSEEN}
