"""Keyword stuffing: find the injected keyphrase without being told it, and cut each injection.

SEO stuffers paste one keyphrase ("Pain In Lower Back Calf After Running") into an article
many times where it does not belong: after a sentence, glued onto a heading, alone on a
line, wedged mid-sentence ("see a doctor or Pain In ... Running,miss out"). Natural
repetition of a topic term ("back pain") is grammatical every time.

1. Candidates: word n-grams (``min_phrase_words`` to ``max_phrase_words`` words, inside one
   clause, not starting or ending with a stop word nor inside a token such as "$9.99")
   repeated at least ``min_instances`` times.
2. Each instance is judged on surface evidence first. Strong evidence puts the phrase where
   prose cannot have it: glued to the next word with no space (``Running,miss``), trailing a
   finished sentence at the end of a paragraph, a sentence of its own between sentences, right
   after another copy of itself ("Best Guide Best Guide": the second copy is the stuffer's, and
   the first is judged by what follows the last). Weak evidence is what a name or a heading
   also shows: a line of its own (a repeated heading), Title Case right after a lower-case
   word of the same sentence (a product name), lower case after the Title Case words of a
   heading. A copy wrapped in quotes, brackets, emphasis or table bars ('"Phrase."',
   "(Phrase)", "**Phrase**", "| Phrase |") is judged by what is outside the marks.
3. A candidate is stuffed when at least ``min_injected`` instances are not integrated, at
   least ``min_strong`` of them with strong evidence, showing ``min_evidence_kinds`` kinds of
   evidence (one kind alone is a house style: a product name always in Title Case, a price
   always trailing its line). A candidate the title holds is where SEO puts its focus
   keyphrase (both stuffed seeds' titles hold theirs): the title counts as one more kind, and
   ``min_injected_in_title`` injected instances are enough. Strong evidence may be missing when
   the weak kinds come together as a heading's never do: a phrase the title holds, on lines of
   its own twice or more, and elsewhere in the wrong case inside text or read by spaCy as
   injected (step 4). The keyphrase is the stuffed
   candidate with the most strong evidence (ties: the longer phrase), or when none is stuffed
   the candidate closest to it; then, if it has strong evidence (or the title holds it and it
   stands on lines of its own twice or more), spaCy reads its undecided instances (step 4), and
   what it finds injected counts as one more kind.
4. spaCy reads the instances the surface could not judge. One that ends its line after words
   that were complete without it (a noun, a name, an adverb: "Chill it Lower Back Pain ...")
   was appended; one after words that want it (a preposition, an adjective, a verb: "Shoes
   for Calf Pain ...") belongs to its line. Elsewhere the dependency parse decides: an injected
   phrase does not hang from its sentence as an argument or modifier (it takes over the root
   without a determiner of its own, or attaches as ``dep``/``appos``/``npadvmod``); a
   grammatical use does. Each injected instance is removed with the punctuation that only
   existed to attach it; grammatical uses and the title stay.
5. Once the keyphrase is established, a stuffer's copies are one pasted string: an instance
   spaCy kept that has the very form of a copy with strong evidence is read once more. A line
   of only copies goes (a line of its own, said twice). So does a copy the words around it do
   not take, by a trigram model of English: wedged between two words of prose that join each
   other better than the phrase joins them (far better when spaCy reads it as completing the
   word before it, an infinitive's "to", an adjective, a count, or modifying the word after it:
   "how to work from home successfully" stays, and "the fold-and-cut problem" reads fine as
   "the problem" too; in a Title Case heading, far better and only when it is neither), or
   ending a line whose last words neither call for its first word ("Icing Lower Back Pain")
   nor open what it completes (a preposition, an article, an adjective: "Shoes for Calf
   Pain"), or with only marks before it on its line ("} rust gcc backend").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, signals, stage
from pipeline.language.lm import trigram_model
from pipeline.language.nlp import parser, stop_words
from pipeline.stages.segment import block_removal_span
from pipeline.text.sentences import CLOSERS, SENTENCE_BREAK, SENTENCE_PUNCT
from pipeline.text.words import LM_WORD, PHRASE_WORD

if TYPE_CHECKING:
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import Span, Token

STAGE = "stuffing"
RULE = "keyphrase"
KEYPHRASE_NOTE = "keyphrase"
# Instances of the keyphrase (the top candidate when nothing is stuffed) and how many were injected.
INT_SIGNALS = ("stuffing_instances", "stuffing_injected")
# Words in its instances per word of the document; share of its instances not integrated.
FLOAT_SIGNALS = ("stuffing_density", "stuffing_unintegrated_ratio")
SIGNALS = INT_SIGNALS + FLOAT_SIGNALS

# What may sit between two words of one phrase: spaces or a hyphen, never clause punctuation.
_JOINER = re.compile(r"[ \-]{1,3}")
# Words a period may belong to: "Motor City Electric Co. is ..." is not a sentence "Motor City
# Electric Co", and "34 oz. French Press" does not end at "oz".
_ABBREVIATIONS = frozenset({"co", "corp", "inc", "ltd", "bros", "vs", "v", "jr", "sr", "st", "dr", "mr", "mrs", "ms",
                            "no", "etc", "approx", "dept", "est", "fig", "e.g", "i.e", "oz", "lb", "lbs"})
_LEADING_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*$")
# What may separate two copies of a phrase said back to back ("Best Guide Best Guide").
_ONLY_PUNCT = re.compile(r"[\s,.;:!?\-–—|]*")
# Nothing after the phrase on its line but a period (a colon or comma would lead somewhere).
_TRAILING_PUNCT = re.compile(r"[ ]*[.!?…]*[ ]*$")
# ... or, on a line of its own, a colon: a heading made of the phrase ("Best Running Shoes:").
_OWN_LINE_END = re.compile(r"[ ]*[.!?…:]*[ ]*$")
# Marks a copy may be wrapped in: quotes, brackets, emphasis, a table cell's bars ('"Phrase."',
# "(Phrase)", "**Phrase**", "| Phrase |"). A wrapped copy is judged by what is outside the marks
# and removed with them.
_OPENING = re.compile(r"([\"“‘(\[*_|]{1,3})( ?)$")
_MIRROR = str.maketrans("“‘([", "”’)]")
_QUOTES = frozenset({'"', "“", "‘"})
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
# A word right after one of these marks continues a token ("$9.99", "5.2", "ps:tc"): no phrase starts there.
_CONTINUES_TOKEN = re.compile(r"[^\W_][.,:/]")
# A phrase at the root with one of these outside it is a noun phrase of its sentence.
_BUILT_AROUND = frozenset({"det", "poss"})
# Lines of its own that, with the title and a third kind of evidence, stand in for strong evidence.
MIN_OWN_LINES = 2
# Inflections of one word share this prefix (spasm/spasms, cause/causing) often enough.
STEM_CHARS = 4
# Step 5's trigram fits (ln P of a word after the words before it, less its ln P alone, in nats).
# A copy wedged between two words parts them by this much: their fit with each other less the
# phrase's fit with them ...
MIN_WEDGE_SCORE = 1.0
# ... or by this much when spaCy reads the copy as completing the word before it or modifying the
# word after it ("computer [copy] science": the words around it must want each other clearly).
MIN_BOUND_WEDGE_SCORE = 4.0
# A copy at the end of its line stays when its first word fits the line's last words this well:
# they call for it ("Austin Social" + "Media Marketing Agencies").
MIN_CALLED_FIT = 1.0
# The word after a copy wedged mid-line (past a comma).
_NEXT_WORD = re.compile(r",?\s*([^\W\d_]+(?:'[^\W\d_]+)?|\d+)")
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


@dataclass(frozen=True, slots=True)
class Instance:
    start: int
    end: int
    block: int


# Kinds of evidence. Strong kinds put the phrase where prose cannot have it; weak kinds are what
# a repeated heading (a line of its own) or a name (Title Case mid-sentence) shows too; the
# parse's and the title's are neither (a copy in the title is not injected, but it is where SEO
# puts its keyphrase).
OWN_LINE, GLUED, TAIL, OWN_SENTENCE, REPEATED, TITLE_CASE, LOWER_CASE, PARSE, IN_TITLE = (
    "own_line", "glued", "tail", "own_sentence", "repeated", "title_case", "lower_case", "parse", "in_title")
STRONG = frozenset({GLUED, TAIL, OWN_SENTENCE, REPEATED})
SURFACE = STRONG | {OWN_LINE, TITLE_CASE, LOWER_CASE}
# Kinds of evidence counted towards ``min_evidence_kinds`` as they stand (the parse's only where it found injection).
EVIDENCE = SURFACE | {IN_TITLE}


@dataclass(slots=True)
class Verdict:
    instance: Instance
    injected: bool | None  # None: surface cues cannot tell; the parse decides
    why: str
    kind: str = ""
    through: int = 0  # the end of the last copy said back to back with this one


@stage("stuffing", requires={"blocks", "title", "boilerplate"}, after={"site_lines", "boilerplate_model"},
       adds={"stuffing"},
       signals=signals(int, {
           "stuffing_instances": "instances of the keyphrase (the top candidate when none is stuffed)",
           "stuffing_injected": "injected instances removed",
       }) + signals(float, {
           "stuffing_density": "keyphrase words per word of the document",
           "stuffing_unintegrated_ratio": "injected instances / instances",
       }),
       notes=(KEYPHRASE_NOTE,), category=Category(STAGE, "Keyword stuffing", "#ece2fb", "#6b2fb3"),
       config="stuffing", report="stages/stuffing.html.j2")
class KeywordStuffing(Stage):

    def __init__(
        self,
        *,
        # A keyphrase is a word n-gram repeated at least this many times ...
        min_instances: int = 3,
        # ... of which at least this many are not integrated (the module docstring's kinds) ...
        min_injected: int = 3,
        # ... or this many when the title holds it: SEO puts its focus keyphrase in the title.
        min_injected_in_title: int = 2,
        # Keyphrase length in words: a two-word term repeated is an article's topic; at 12 words a
        # sentence a site repeats on its pages is cut from a WCXB dev article, at 10 it is not.
        min_phrase_words: int = 3,
        max_phrase_words: int = 10,
        # Words of two letters or more that are no stop words ("of the" is no keyphrase).
        min_content_words: int = 2,
        # Kinds of evidence shown: one kind alone is a house style, a stuffer scatters its phrase.
        min_evidence_kinds: int = 2,
        # Instances with strong evidence (or none in the title's case, see the module docstring).
        min_strong: int = 1,
    ) -> None:
        self.min_instances = min_instances
        self.min_injected = min_injected
        self.min_injected_in_title = min_injected_in_title
        self.min_phrase_words = min_phrase_words
        self.max_phrase_words = max_phrase_words
        self.min_content_words = min_content_words
        self.min_evidence_kinds = min_evidence_kinds
        self.min_strong = min_strong
        self._stop = stop_words()

    def __call__(self, doc: Document) -> None:
        for name in SIGNALS:
            doc.signals[name] = 0.0
        doc.notes[KEYPHRASE_NOTE] = ""
        candidates = self._candidates(doc)
        if not candidates:
            return
        tokens = PHRASE_WORD.findall(doc.text)
        words = len(tokens) or 1
        # Word stems the document writes in lower case somewhere (inflections share STEM_CHARS).
        lower = {w[:STEM_CHARS] for w in tokens if w.islower()}
        judged = {key: self._judge(doc, insts, lower) for key, insts in candidates.items()}
        stuffed = {key: self._stuffed(verdicts) for key, verdicts in judged.items()}
        key = max(judged, key=lambda k: (stuffed[k], _strong(judged[k]), len(k.split()), len(judged[k])))
        if not stuffed[key] and (_strong(judged[key]) >= self.min_strong or _title_lines(judged[key])):
            # The surface alone did not establish it: spaCy reads the rest of the closest candidate
            # when it has strong evidence, or the title and lines of its own.
            self._read_rest(doc, judged[key])
            stuffed[key] = self._stuffed(judged[key])
        verdicts = judged[key]
        if not stuffed[key]:
            self._record(doc, key, verdicts, words, stuffed=False)
            return
        # Only now, for the one keyphrase the surface evidence established, the parser reads the
        # sentences the surface could not judge, and what it kept is read once more as a copy.
        self._read_rest(doc, verdicts)
        self._read_kept(doc, verdicts)
        self._record(doc, key, verdicts, words, stuffed=True)
        phrase = doc.notes[KEYPHRASE_NOTE]
        covered = 0  # copies said back to back go with the first copy when it is injected
        for verdict in verdicts:
            if verdict.injected and verdict.instance.start >= covered:
                covered = verdict.through
                start, end = self._removal_span(doc, verdict)
                doc.annotate(start, end, stage=STAGE, rule=RULE, action=Action.REMOVE,
                             reason=f"stuffed keyphrase {phrase!r}: {verdict.why}")

    # -- candidates --------------------------------------------------------------------------

    def _candidates(self, doc: Document) -> dict[str, list[Instance]]:
        removed = doc.removed_mask()
        blocks = [(list(PHRASE_WORD.finditer(block.text)), block) for block in doc.blocks]
        lowered = [[w.group().lower() for w in words] for words, _ in blocks]
        # A phrase with enough instances has every pair of adjacent words that often: phrases
        # are grown only through pairs the document repeats (most documents have few).
        pairs = Counter(pair for words in lowered for pair in zip(words, words[1:], strict=False))
        repeated = {pair for pair, count in pairs.items() if count >= self.min_instances}
        if not repeated:
            return {}
        found: dict[str, list[Instance]] = {}
        for b, ((words, block), lower) in enumerate(zip(blocks, lowered, strict=True)):
            for i, first in enumerate(words):
                if i + 1 == len(words) or (lower[i], lower[i + 1]) not in repeated or lower[i] in self._stop:
                    continue  # (the first test of the loop below, done before the costlier ones)
                at = first.start()
                if _CONTINUES_TOKEN.fullmatch(block.text, max(0, at - 2), at):
                    continue
                for j in range(i + 1, min(i + self.max_phrase_words, len(words))):
                    if (lower[j - 1], lower[j]) not in repeated:
                        break
                    if not _JOINER.fullmatch(block.text[words[j - 1].end():words[j].start()]):
                        break
                    last = lower[j]
                    if last in self._stop or j + 1 - i < self.min_phrase_words:
                        continue
                    phrase = lower[i:j + 1]
                    if sum(len(w) > 1 and w not in self._stop for w in phrase) < self.min_content_words:
                        continue
                    start, end = block.start + first.start(), block.start + words[j].end()
                    if any(removed[start:end]) and b != 0:
                        continue  # already gone with a boilerplate line
                    found.setdefault(" ".join(phrase), []).append(Instance(start, end, b))
        return {k: v for k, v in found.items() if len(v) >= self.min_instances}

    def _stuffed(self, verdicts: list[Verdict]) -> bool:
        kinds = {v.kind for v in verdicts if v.kind in EVIDENCE or (v.kind == PARSE and v.injected)}
        injected = self.min_injected_in_title if IN_TITLE in kinds else self.min_injected
        return (sum(bool(v.injected) for v in verdicts) >= injected
                and (_strong(verdicts) >= self.min_strong or _weak_kinds_together(verdicts))
                and len(kinds) >= self.min_evidence_kinds)

    # -- judging one instance ----------------------------------------------------------------

    def _judge(self, doc: Document, insts: list[Instance], lower: set[str]) -> list[Verdict]:
        verdicts: list[Verdict] = []
        for i, inst in enumerate(insts):
            if i and self._back_to_back(doc, insts[i - 1], inst):
                verdicts.append(Verdict(inst, True, "repeated back to back", REPEATED))
                continue
            # The first of copies said back to back after some text ("... new CRM. Best CRM
            # Software Best CRM Software.") is judged by what follows the last of them. A line
            # of copies alone is a table's row of equal cells, flattened.
            last = i
            if doc.text[doc.blocks[inst.block].start:inst.start].strip():
                while last + 1 < len(insts) and self._back_to_back(doc, insts[last], insts[last + 1]):
                    last += 1
            verdict = self._surface(doc, Instance(inst.start, insts[last].end, inst.block), lower)
            verdict.instance, verdict.through = inst, insts[last].end
            verdicts.append(verdict)
        return verdicts

    @staticmethod
    def _back_to_back(doc: Document, previous: Instance, inst: Instance) -> bool:
        return (previous.block == inst.block and inst.block >= doc.first_body_block and previous.end <= inst.start
                and bool(_ONLY_PUNCT.fullmatch(doc.text[previous.end:inst.start])))

    def _surface(self, doc: Document, inst: Instance, lower: set[str]) -> Verdict:
        block = doc.blocks[inst.block]
        if inst.block < doc.first_body_block:
            return Verdict(inst, False, "the title", IN_TITLE)
        before = doc.text[block.start:inst.start]
        after = doc.text[inst.end:block.end]
        opening, closing = _wrapping(before, after)
        if opening:
            before, after = before[:-opening], after[:closing[0]] + after[closing[1]:]
        line_start = not before.strip() or bool(_LEADING_LIST_MARK.match(before))
        after_sentence = _ends_sentence(before)
        line_end = bool(_TRAILING_PUNCT.fullmatch(after))
        text = doc.text[inst.start:inst.end]
        # A period after an abbreviation ("Electric Co. is ...") does not end the phrase's sentence.
        period_ends = not (after.startswith(".") and _abbreviation(PHRASE_WORD.findall(text)[-1]))
        if line_start and _OWN_LINE_END.fullmatch(after):
            return Verdict(inst, True, "a line of its own", OWN_LINE)
        if re.match(r"[,;]?[^\W\d_]", after) and not re.match(r"[-'’]", after):
            return Verdict(inst, True, "glued to the next word", GLUED)
        if after_sentence and line_end:
            return Verdict(inst, True, "appended after the paragraph's last sentence", TAIL)
        if period_ends and ((after_sentence and re.match(r"[.!?]\s+[A-Z0-9\"“]", after))
                            or (line_start and re.match(r"[.!?]\s", after))):
            return Verdict(inst, True, "a sentence of its own between sentences", OWN_SENTENCE)
        previous = PHRASE_WORD.findall(before)
        if (previous and previous[-1].islower() and not after_sentence and _is_title_case(text, self._stop)
                and self._lowercase_elsewhere(text, lower)):
            return Verdict(inst, True, "in Title Case inside a lower-case sentence", TITLE_CASE)
        heading = PHRASE_WORD.findall(re.split(r"[.!?:;,()|]", before)[-1])
        if (text.islower() and sum(w.lower() not in self._stop for w in heading) >= 2 and heading[-1][0].isupper()
                and _is_title_case(" ".join(heading), self._stop)):
            return Verdict(inst, True, "in lower case after a Title Case heading", LOWER_CASE)
        return Verdict(inst, None, "")

    def _lowercase_elsewhere(self, phrase: str, lower: set[str]) -> bool:
        """Half the content words of ``phrase`` or more also appear in lower case in the
        document (any inflection), so its capitals are a stuffer's, not a name's ("Rosetta Stone")."""
        content = [w.lower()[:STEM_CHARS] for w in PHRASE_WORD.findall(phrase) if w.lower() not in self._stop]
        return 2 * sum(w in lower for w in content) >= len(content)

    def _read_rest(self, doc: Document, verdicts: list[Verdict]) -> None:
        """The instances the surface could not judge, read by spaCy's tagger and parser."""
        for verdict in verdicts:
            if verdict.injected is None:
                inst = _with_copies(verdict)
                verdict.injected, verdict.why = self._appended(doc, inst) or self._parsed(doc, inst)
                verdict.kind = PARSE

    def _appended(self, doc: Document, inst: Instance) -> tuple[bool, str] | None:
        """An instance that ends its line after words that were already complete without it:
        a noun, a name, an adverb, a pronoun or a closing mark before it ("Chill it Lower
        Back Pain ...", "Journal Essentials Gear List"). Words that want what follows (an
        adjective, a determiner, a preposition, a verb) make it part of the line. Read from the
        line in lower case: spaCy tags Title Case adjectives in headings as names."""
        block = doc.blocks[inst.block]
        if not _TRAILING_PUNCT.fullmatch(doc.text[inst.end:block.end]) or inst.start - block.start > MAX_PARSE_CHARS:
            return None
        if (tagged := _line_before(doc, inst)) is None:
            return None
        last = tagged[-1]
        if last.pos_ in _COMPLETE_POS and not _wants_head(last):
            return True, f"appended to a line already complete (after {last.pos_.lower()} {last.text!r}; parse)"
        return None

    def _parsed(self, doc: Document, inst: Instance) -> tuple[bool, str]:
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
                if len(outside) >= 2 and not built and not _is_title_case(root.sent.text, self._stop):
                    return True, "takes over the root of a sentence it is not part of (parse)"
            elif root.dep_ not in _INTEGRATING_DEPS:
                return True, f"attached to its sentence only as {root.dep_!r} (parse)"
        return False, ", ".join(f"{r.dep_} of {r.head.text!r}" for r in roots) + " (parse)"

    def _read_kept(self, doc: Document, verdicts: list[Verdict]) -> None:
        """Step 5: the instances spaCy kept that have the form of a copy with strong evidence."""
        pasted = {doc.text[v.instance.start:v.instance.end] for v in verdicts if v.kind in STRONG}
        for verdict in verdicts:
            inst = verdict.instance
            text = doc.text[inst.start:inst.end]
            if verdict.kind != PARSE or verdict.injected or text not in pasted:
                continue
            block = doc.blocks[inst.block]
            copies = re.compile(rf"(?:{_ONLY_PUNCT.pattern}{re.escape(text)})+(?={_OWN_LINE_END.pattern})")
            if not doc.text[block.start:inst.start].strip() and (line := copies.match(doc.text, inst.end, block.end)):
                verdict.injected, verdict.why, verdict.kind = True, "a line of only copies", OWN_LINE
                verdict.through = line.end()
            elif why := self._misfit(doc, _with_copies(verdict)):
                verdict.injected, verdict.why = True, why

    def _misfit(self, doc: Document, inst: Instance) -> str | None:
        """Why the words around ``inst`` do not take it, by the trigram model (each fit is a
        word's ln P after the words before it less its ln P alone), or None.

        Between two words of a clause (a comma after the copy is passed over): the words around
        it join each other better than the phrase joins them, by ``MIN_WEDGE_SCORE``, or by
        ``MIN_BOUND_WEDGE_SCORE`` when the parse binds the phrase to one of them; in a Title Case
        heading (telegraphic: "Best Travel Insurance for Seniors in 2025" reads as "Best in 2025"
        too), only by that and only when the parse leaves it free. Never next to a word the model
        does not know, except that the phrase's own first word may be unknown.

        At the end of its line: the line's last words do not call for its first word (fit below
        ``MIN_CALLED_FIT``, or a word the model does not know) and do not open what it
        completes; or the line has no words before it, only marks."""
        block = doc.blocks[inst.block]
        line_before, rest = doc.text[block.start:inst.start], doc.text[inst.end:block.end]
        line_end = bool(_TRAILING_PUNCT.fullmatch(rest))
        if line_end and not PHRASE_WORD.search(line_before):
            return "alone on its line after marks"  # "} rust gcc backend", "--- Updates At OSSO"
        before = LM_WORD.findall(re.split(r"[^\w\s'’-]", line_before)[-1].lower())[-2:]
        phrase = LM_WORD.findall(doc.text[inst.start:inst.end].lower())
        after = None if line_end else _NEXT_WORD.match(rest)
        if not before or not phrase or not (line_end or after):
            return None
        enter = _fit(phrase[0], before)
        if line_end:
            if (enter is not None and enter >= MIN_CALLED_FIT) or self._role(doc, inst, appended=True) != FREE:
                return None
            fit = "its first word unknown" if enter is None else f"fit {enter:.1f}"
            return f"appended to a line whose last words do not call for it ({fit}; trigram model)"
        following = after.group(1).lower()
        skip, leave = _fit(following, before), _fit(following, phrase[-2:])
        if skip is None or leave is None:
            return None
        # A first word the model does not know has no fit with the words before it, good or bad.
        score = skip - (enter or 0.0) - leave
        if score < MIN_WEDGE_SCORE:
            return None
        role = self._role(doc, inst, appended=False)
        # A heading is telegraphic ("Best Travel Insurance for Seniors in 2025" reads as "Best in
        # 2025" too): there a copy must leave its neighbours free and far better off without it.
        heading = _is_title_case(block.text, self._stop)
        if role is None or (heading and role != FREE):
            return None
        if score < (MIN_BOUND_WEDGE_SCORE if heading or role == BOUND else MIN_WEDGE_SCORE):
            return None
        return f"wedged between words that read better without it (by {score:.1f}; trigram model)"

    @staticmethod
    def _role(doc: Document, inst: Instance, *, appended: bool) -> str | None:
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

    # -- outputs -----------------------------------------------------------------------------

    def _record(self, doc: Document, key: str, verdicts: list[Verdict], words: int, *, stuffed: bool) -> None:
        injected = sum(bool(v.injected) for v in verdicts)
        doc.signals["stuffing_instances"] = float(len(verdicts))
        doc.signals["stuffing_injected"] = float(injected if stuffed else 0)
        doc.signals["stuffing_density"] = len(verdicts) * len(key.split()) / words
        doc.signals["stuffing_unintegrated_ratio"] = injected / len(verdicts) if stuffed else 0.0
        if stuffed:
            first = verdicts[0].instance
            doc.notes[KEYPHRASE_NOTE] = doc.text[first.start:first.end]

    def _removal_span(self, doc: Document, verdict: Verdict) -> tuple[int, int]:
        """The instance plus the punctuation and space that only existed to attach it."""
        inst = _with_copies(verdict)
        if verdict.kind == OWN_LINE:
            return block_removal_span(doc, inst.block, inst.block)
        block = doc.blocks[inst.block]
        start, end = inst.start, inst.end
        opening, closing = _wrapping(doc.text[block.start:start], doc.text[end:block.end])
        if opening:  # the marks go with the copy, and so does punctuation inside them ('"Phrase."')
            start, end = start - opening, end + closing[1]
        before = doc.text[block.start:start]
        after = doc.text[end:block.end]
        trailing = re.match(r"[.!?,;:]?", after).group()
        own_sentence = not PHRASE_WORD.search(before) or _ends_sentence(before)
        if trailing and (own_sentence or trailing in ",;:"):
            end += len(trailing)
        rest = doc.text[end:block.end]
        if not rest.strip():
            start -= len(before) - len(before.rstrip(" "))  # nothing follows: take the space before
        elif own_sentence:
            end += len(rest) - len(rest.lstrip(" "))
        return start, end


def _ends_sentence(text: str) -> bool:
    """``text`` ends with a finished sentence (its last period is not an abbreviation's).

    Read from the end: whitespace, then closing marks, then the punctuation, then the word
    before it (letters and digits), never scanning the whole text."""
    body = text.rstrip().rstrip(CLOSERS)
    if not body or body[-1] not in SENTENCE_PUNCT:
        return False
    start = len(body) - 1
    while start and body[start - 1].isalnum():
        start -= 1
    word = body[start:-1]
    if body[-1] == "." and word:
        if text[max(0, start - 2):start] in ("e.", "i."):  # "e.g." and "i.e." are one word
            word = text[start - 2:start] + word
        return not _abbreviation(word)
    return True


def _wrapping(before: str, after: str) -> tuple[int, tuple[int, int]]:
    """Marks around a copy: the opening's length at the end of ``before``, and where the
    closing mark starts and ends in ``after`` (punctuation may sit inside quotes: '"Phrase."').
    (0, (0, 0)) when the copy is not wrapped."""
    found = _OPENING.search(before)
    if not found:
        return 0, (0, 0)
    marks, space = found.groups()
    # Only quotes hold the sentence's punctuation: "(Read all reviews.)" is an aside of its own.
    inside = r"[.!?…]?" if marks in _QUOTES else ""
    closing = re.match(inside + "(" + re.escape(space + marks[::-1].translate(_MIRROR)) + ")", after)
    if not closing:
        return 0, (0, 0)
    return len(found.group()), closing.span(1)


def _abbreviation(word: str) -> bool:
    return word.lower() in _ABBREVIATIONS and word != "no"  # "No. 5", but "The answer is no."


def _fit(word: str, history: list[str]) -> float | None:
    """How much likelier ``word`` is after ``history`` than alone (nats); None for an unknown word."""
    lm = trigram_model()
    joined, alone = lm.logprob(word, *history), lm.unigram(word)
    return None if joined is None or alone is None else joined - alone


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


def _with_copies(verdict: Verdict) -> Instance:
    """The instance with the copies said back to back after it."""
    inst = verdict.instance
    return Instance(inst.start, max(inst.end, verdict.through), inst.block)


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


def _strong(verdicts: list[Verdict]) -> int:
    return sum(v.kind in STRONG for v in verdicts)


def _title_lines(verdicts: list[Verdict]) -> bool:
    """The title holds the phrase and it stands on lines of its own (``MIN_OWN_LINES`` times or
    more): what a stuffer leaves, and what a section heading repeated from the title shows too."""
    kinds = Counter(v.kind for v in verdicts)
    return bool(kinds[IN_TITLE]) and kinds[OWN_LINE] >= MIN_OWN_LINES


def _weak_kinds_together(verdicts: list[Verdict]) -> bool:
    """No strong evidence, but ``_title_lines`` and a third kind a repeated heading does not
    show: the phrase takes the wrong case inside text, or spaCy reads an instance as injected
    (a heading keeps to its lines, and elsewhere the words are grammar)."""
    return _title_lines(verdicts) and any(v.injected and v.kind in (TITLE_CASE, LOWER_CASE, PARSE) for v in verdicts)


def _is_title_case(text: str, stop: frozenset[str]) -> bool:
    content = [w for w in PHRASE_WORD.findall(text) if w.lower() not in stop and not w.isdigit()]
    return bool(content) and all(w[0].isupper() for w in content)
