"""Step 4: spaCy's reading of the instances the surface could not judge."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.core.document import Document
from pipeline.language.nlp import parser
from pipeline.stages.stuffing.candidates import Instance
from pipeline.stages.stuffing.surface import PARSE, TRAILING_PUNCT, Verdict, is_title_case, with_copies
from pipeline.text.sentences import SENTENCE_BREAK
from pipeline.text.words import PHRASE_WORD

if TYPE_CHECKING:
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import Span, Token

# Dependency labels that attach a phrase to its sentence as a real argument or modifier.
_INTEGRATING_DEPS = frozenset({
    "nsubj", "nsubjpass", "dobj", "pobj", "iobj", "dative", "attr", "oprd", "conj", "compound",
    "amod", "nmod", "poss", "acomp", "xcomp", "ccomp", "advcl", "acl", "relcl", "pcomp", "csubj",
    "agent", "advmod", "prep",
})
# What the last word of a line may be when the line was complete before the phrase was added.
_COMPLETE_POS = frozenset({"NOUN", "PROPN", "PRON", "ADV", "PUNCT", "SYM", "X"})
# ... except a possessive ("your"), which wants a noun after it, and an article (spaCy tags a
# line-final "a" or "the" as a pronoun: "... integral to becoming a").
_WANTS_HEAD_TAGS = frozenset({"PRP$", "WP$", "POS"})
_ARTICLES = frozenset({"a", "an", "the"})
# A phrase at the root with one of these outside it is a noun phrase of its sentence.
_BUILT_AROUND = frozenset({"det", "poss"})
# A word before a phrase that opens what the phrase completes: an infinitive's "to" ("how to work
# from home"), an adjective wanting its noun ("like most car rental companies"), and a number
# that counts (see ``_opens``) ...
_OPENS = frozenset({"PART", "ADJ"})
# ... and at the end of a line, also a function word left waiting with nothing after the phrase: a
# preposition, a determiner, a conjunction, an auxiliary ("Good Shoes for Calf Pain"; mid-line,
# the word after the copy may be what they want).
_OPENS_LINE_END = frozenset({"ADP", "DET", "CCONJ", "SCONJ", "AUX"})
# How a copy sits with the words around it, by spaCy's parse: bound to them, or free.
BOUND, FREE = "bound", "free"
# Dependencies by which a phrase modifies the word after it (a subject of that word is not bound to
# it: "Time-tracking tools [copy] allow" leaves "tools" with nothing to do).
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
# A block this long is not parsed for step 4 (its reading would be evidence), and for step 5 a
# sentence at a time (its reading only keeps a copy); a sentence this long is not parsed at all:
# the surface cues already decided it or it stays (parsing cost grows with length; real
# sentences are far shorter).
MAX_PARSE_CHARS = 1_000
# A number that counts what follows it ("15 Data Analytics Tools"), unlike a year or a price.
_COUNT = re.compile(r"\d{1,3}")
# Parsed blocks remembered (a document's instances are read block by block, in order).
PARSES_KEPT = 32


def parse_undecided(doc: Document, verdicts: list[Verdict], stop: frozenset[str]) -> None:
    """The instances the surface could not judge, read by spaCy's tagger and parser."""
    for verdict in verdicts:
        if verdict.injected is None:
            inst = with_copies(verdict)
            verdict.injected, verdict.why = _appended(doc, inst) or _parsed(doc, inst, stop)
            verdict.kind = PARSE


def _appended(doc: Document, inst: Instance) -> tuple[bool, str] | None:
    """An instance that ends its line after words that were already complete without it:
    a noun, a name, an adverb, a pronoun or a closing mark before it ("Chill it Lower
    Back Pain ...", "Journal Essentials Gear List"). Words that want what follows (an
    adjective, a determiner, a preposition, a verb) make it part of the line. Read from the
    line in lower case: spaCy tags Title Case adjectives in headings as names."""
    block = doc.blocks[inst.block]
    if not TRAILING_PUNCT.fullmatch(doc.text[inst.end:block.end]) or inst.start - block.start > MAX_PARSE_CHARS:
        return None
    if (tagged := _line_before(doc, inst)) is None:
        return None
    last = tagged[-1]
    if last.pos_ in _COMPLETE_POS and not _wants_head(last):
        return True, f"appended to a line already complete (after {last.pos_.lower()} {last.text!r}; parse)"
    return None


def _parsed(doc: Document, inst: Instance, stop: frozenset[str]) -> tuple[bool, str]:
    # What the parse reads here is evidence, so it reads no run of text longer than a block
    # may be and still be parsed whole (spaCy's attachments are least sure there).
    span = None if len(doc.blocks[inst.block].text) > MAX_PARSE_CHARS else _parsed_span(doc, inst)
    if span is None:
        return False, "not parsed (a block too long, or the phrase inside a token)"
    roots = [t for t in span if t.head.i < span.start or t.head.i >= span.end or t.head.i == t.i]
    for root in roots:
        if root.dep_ == "ROOT":
            outside = [t for t in root.sent if t.is_alpha and not span.start <= t.i < span.end]
            # A determiner of its own ("The Specialty Coffee Association of ...") makes it
            # a noun phrase the parser failed to attach, not a phrase dropped in; so does a
            # heading, whose noun phrases go without one ("Best Travel Insurance for Seniors
            # in 2025").
            built = any(c.dep_ in _BUILT_AROUND and not span.start <= c.i < span.end for c in root.children)
            if len(outside) >= 2 and not built and not is_title_case(root.sent.text, stop):
                return True, "takes over the root of a sentence it is not part of (parse)"
        elif root.dep_ not in _INTEGRATING_DEPS:
            return True, f"attached to its sentence only as {root.dep_!r} (parse)"
    return False, ", ".join(f"{r.dep_} of {r.head.text!r}" for r in roots) + " (parse)"


def role_of(doc: Document, inst: Instance, *, appended: bool) -> str | None:
    """``BOUND`` when spaCy's parse makes ``inst`` the completion of the word before it (see
    ``_opens``; at the end of a line tagged from the line in lower case, as in step 4) or,
    mid-line, a modifier of the word after it; ``FREE`` otherwise; None when not parsed."""
    span = _parsed_span(doc, inst)
    if span is None:
        return None
    if appended:
        tagged = _line_before(doc, inst)
        return None if tagged is None else BOUND if _opens(tagged[-1], line_end=True) else FREE
    if span.start and _opens(span.doc[span.start - 1], line_end=False):
        return BOUND
    last = span[-1]
    return BOUND if last.head.i == span.end and last.dep_ not in _SUBJECTS else FREE


def _parsed_span(doc: Document, inst: Instance) -> Span | None:
    """``inst`` in spaCy's parse of its block (of its sentence when the block is long), or None
    when the sentence is too long or the phrase's bounds fall inside a token."""
    block = doc.blocks[inst.block]
    start, end = _sentence_window(block.text, inst.start - block.start, inst.end - block.start)
    if end - start > MAX_PARSE_CHARS:
        return None
    at = block.start + start
    return _parse(block.text[start:end]).char_span(inst.start - at, inst.end - at, alignment_mode="expand")


def _line_before(doc: Document, inst: Instance) -> SpacyDoc | None:
    """spaCy's reading of the words before ``inst`` on its line (of their last sentence when the
    line is long), in lower case: spaCy tags Title Case adjectives in headings as names. None
    when there is no word before it or the sentence is too long."""
    before = doc.text[doc.blocks[inst.block].start:inst.start]
    if not PHRASE_WORD.search(before):
        return None
    start, _ = _sentence_window(before, len(before), len(before))
    return None if len(before) - start > MAX_PARSE_CHARS else _parse(before[start:].lower())


def _sentence_window(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentences holding ``text[start:end]`` start and end; all of ``text`` when it is
    short enough to parse (a block is parsed once for all the instances in it)."""
    if len(text) <= MAX_PARSE_CHARS:
        return 0, len(text)
    left = max((m.end() for m in SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    right = SENTENCE_BREAK.search(text, end)
    return left, right.start() + 1 if right else len(text)


@lru_cache(maxsize=PARSES_KEPT)
def _parse(text: str) -> SpacyDoc:
    """spaCy's parse of one block (or of a line's start in lower case), kept for the next
    instance in it: step 4 and step 5 read the same text, and a block may hold several instances."""
    return parser()(text)


def _opens(token: Token, *, line_end: bool) -> bool:
    """``token`` opens what a phrase after it completes: an infinitive's "to", an adjective, a
    number that counts (a whole number below 1000, not a price: "15 Data Analytics Tools", not
    "for 2025" or "$10.99"); at the end of a line, with nothing after the phrase for it, also a
    preposition, a determiner, a conjunction, an auxiliary, a possessive or an article."""
    if token.pos_ == "NUM":  # "seven", "15"
        digits = token.text[:1].isdigit()
        return not digits or (bool(_COUNT.fullmatch(token.text)) and not (token.i and token.nbor(-1).tag_ == "$"))
    return token.pos_ in _OPENS or (line_end and (token.pos_ in _OPENS_LINE_END or _wants_head(token)))


def _wants_head(token: Token) -> bool:
    """A possessive ("your") or an article (spaCy tags a line-final "a" or "the" as a pronoun)."""
    return token.tag_ in _WANTS_HEAD_TAGS or token.lower_ in _ARTICLES
