"""Keyword stuffing measured on development data: our own stuffer over WCXB dev articles, and the seeds.

The stuffer is deliberately not the detector's mirror image: it draws the keyphrase from the
article's title (3 to 6 words, the way SEO keyphrases are chosen), casts it in Title Case,
lower case or as written, and injects it 3 to 12 times in six ways: after a sentence, at the
end of a paragraph (with or without a period), as a line of its own, glued onto a heading,
wedged mid-sentence (with a comma, with a comma and no space, or with no punctuation at all),
and at the start of a paragraph. Some of those (lower case mid-sentence without punctuation)
leave no surface trace at all: they are in the set so the table shows what is missed. The
stuffer records where it put each copy, so removal is also counted by placement.

Scored with the stuffing stage alone (after segmenting and the title): the keyphrase found,
the share of injected instances gone from the output, the share of the article's own words
still there, and how many clean (unstuffed) articles lose any word to the stage.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from pipeline.core.config import load_config
from pipeline.core.document import Document
from pipeline.core.render import cleaned_text
from pipeline.evaluation.wcxb import Page
from pipeline.io.records import RawRecord
from pipeline.language.nlp import stop_words
from pipeline.run.processor import build_pipeline
from pipeline.stages.normalize import make_document
from pipeline.stages.stuffing import KEYPHRASE_NOTE, STAGE
from pipeline.text.words import PHRASE_WORD

SEED = 20261121
# Articles shorter than this are not what stuffers target, and leave too few places to inject.
MIN_ARTICLE_WORDS = 150
MODES = ("after_sentence", "paragraph_end", "own_line", "heading_glue", "mid_sentence", "paragraph_start")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9][.!?]) (?=[A-Z])")


# How each placement is named in the table; a mid-sentence injection into a line with no gap
# between two lower-case words goes at the paragraph's end instead.
PLACEMENTS = {
    "after_sentence": "after a sentence",
    "paragraph_end": "end of a paragraph",
    "paragraph_end.": "end of a paragraph, with a period",
    "own_line": "a line of its own",
    "heading_glue": "glued onto a heading",
    "mid_comma": "mid-sentence, with a comma",
    "mid_glued": "mid-sentence, comma and no space",
    "mid_bare": "mid-sentence, no punctuation",
    "paragraph_start": "start of a paragraph",
}


@dataclass(frozen=True, slots=True)
class Stuffed:
    text: str
    keyphrase: str
    injected: int
    # (where an injected copy starts in ``text``, its placement) for each copy still whole: a
    # later injection wedged into an earlier copy breaks that one.
    placed: tuple[tuple[int, str], ...] = ()


def articles(pages: list[Page]) -> list[Page]:
    return [p for p in pages if p.page_type == "article" and len(PHRASE_WORD.findall(p.gold)) >= MIN_ARTICLE_WORDS]


def keyphrase_for(page: Page, rng: random.Random) -> str | None:
    """3 to 6 consecutive title words, not starting or ending with a stop word."""
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
        return " ".join(w[:1].upper() + w[1:] for w in phrase.split())
    return phrase.lower() if casing < 0.9 else phrase


class _Lines:
    """The article's lines being stuffed, and where each injected copy is in them."""

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

    def insert(self, i: int, text: str, placement: str) -> None:
        self.lines.insert(i, text)
        for copy in self.copies:
            copy[0] += copy[0] >= i
        self.copies.append([i, 0, placement])

    def stuffed(self, keyphrase: str, injected: int) -> Stuffed:
        starts = list(accumulate((len(line) + 2 for line in self.lines), initial=0))
        text = "\n\n".join(self.lines)
        placed = tuple(sorted((starts[i] + at, placement) for i, at, placement in self.copies
                              if text.startswith(keyphrase, starts[i] + at)))
        return Stuffed(text, keyphrase, injected, placed)


def stuff(body: str, keyphrase: str, rng: random.Random) -> Stuffed:
    article = _Lines(body)
    lines = article.lines
    words = len(PHRASE_WORD.findall(body))
    count = min(12, max(3, words // 150))
    injected = 0
    for _ in range(count):
        mode = rng.choice(MODES)
        i = rng.randrange(len(lines))
        line = lines[i]
        if mode == "after_sentence":
            cuts = [m.start() for m in _SENTENCE_END.finditer(line)]
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
        injected += 1
    return article.stuffed(keyphrase, injected)


def words_of(phrase: str) -> list[str]:
    """A phrase's words, lower case, with one apostrophe (normalizing turns ’ into ')."""
    return [w.lower().replace("’", "'") for w in PHRASE_WORD.findall(phrase)]


def occurrences(phrase: str, text: str) -> int:
    pattern = r"(?<![^\W_])" + r"[ \-]+".join(map(re.escape, words_of(phrase))) + r"(?![^\W_])"
    return len(re.findall(pattern, text.lower().replace("’", "'")))


# The stuffing stage and what it requires, not the boilerplate stages it merely runs after.
STAGES = ["segment", "duplicate_title", "boilerplate", "stuffing"]


class StuffingOnly:
    """The stuffing stage after what it requires, with only its own removals applied."""

    def __init__(self) -> None:
        config = load_config()
        config["pipeline"]["stages"] = STAGES
        self.pipeline = build_pipeline(config)

    def __call__(self, page: Page, body: str) -> tuple[Document, str]:
        doc = make_document(RawRecord(id=page.id, source=f"{page.id}.txt", position=1, text=body, title=page.title))
        self.pipeline(doc)
        doc.annotations = [a for a in doc.annotations if a.category == STAGE]
        return doc, cleaned_text(doc)


def casing(phrase: str) -> str:
    return "Title Case" if phrase.istitle() else "lower case" if phrase.islower() else "as in the title"


def bag(text: str) -> Counter[str]:
    """The text's words, lower-cased, with their counts (as the stage tokenizes them)."""
    return Counter(w.lower() for w in PHRASE_WORD.findall(text))


def placed_removed(sample: Stuffed, doc: Document) -> list[tuple[str, bool]]:
    """Each whole injected copy's placement, and whether the stage removed all of its words.

    A copy is found in the document by its words: normalizing changes characters, not words,
    and the document's text is the title, then the stuffed text. A copy whose words the
    document does not have there is left out."""
    words = list(PHRASE_WORD.finditer(doc.text))
    before_body = len(words) - len(PHRASE_WORD.findall(sample.text))
    size = len(words_of(sample.keyphrase))
    removed = doc.removed_mask(category=STAGE)
    found = []
    for at, placement in sample.placed:
        first = before_body + len(PHRASE_WORD.findall(sample.text, 0, at))
        copy = words[first:first + size]
        if words_of(" ".join(w.group() for w in copy)) == words_of(sample.keyphrase):
            found.append((placement, all(all(removed[w.start():w.end()]) for w in copy)))
    return found


def evaluate(pages: list[Page]) -> dict[str, float | int]:
    rng = random.Random(SEED)
    stage = StuffingOnly()
    words_total = words_kept = 0
    clean_docs = clean_losing = 0
    by_casing: dict[str, list[int]] = {}  # casing -> [articles, keyphrase found, injected, removed]
    by_placement: dict[str, list[int]] = {name: [0, 0] for name in PLACEMENTS}  # -> [copies, removed]
    for page in articles(pages):
        clean_doc, clean_out = stage(page, page.gold)
        clean_docs += 1
        original = bag(clean_doc.text)
        clean_losing += bool(original - bag(clean_out))
        keyphrase = keyphrase_for(page, rng)
        if keyphrase is None:
            continue
        sample = stuff(page.gold, keyphrase, rng)
        doc, out = stage(page, sample.text)
        left = max(0, occurrences(keyphrase, out) - occurrences(keyphrase, clean_doc.text))
        for placement, removed in placed_removed(sample, doc):
            by_placement[placement][0] += 1
            by_placement[placement][1] += removed
        row = by_casing.setdefault(casing(keyphrase), [0, 0, 0, 0])
        row[0] += 1
        row[1] += words_of(doc.notes[KEYPHRASE_NOTE]) == words_of(keyphrase)  # "Short-Form" is "Short Form"
        row[2] += sample.injected
        row[3] += sample.injected - min(left, sample.injected)
        words_total += sum(original.values())
        words_kept += sum((original & bag(out)).values())
    stuffed_docs, found, injected, removed = (sum(column) for column in zip(*by_casing.values(), strict=True))
    return {
        "clean_articles": clean_docs,
        "clean_articles_losing_words": clean_losing,
        "stuffed_articles": stuffed_docs,
        "keyphrase_found": found / max(stuffed_docs, 1),
        "injected_instances": injected,
        "injected_removed": removed / max(injected, 1),
        "original_words_kept": words_kept / max(words_total, 1),
        "by_casing": {name: {"articles": a, "keyphrase_found": f / a, "injected_removed": r / max(i, 1)}
                      for name, (a, f, i, r) in sorted(by_casing.items())},
        # Copies traced to their place in the output (a copy another one was wedged into is not).
        "by_placement": {PLACEMENTS[name]: {"injected": n, "removed": r / max(n, 1)}
                         for name, (n, r) in by_placement.items()},
    }
