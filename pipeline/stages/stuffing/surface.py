"""Step 2: surface evidence, what an instance's place in its line says of it (see the package
docstring for the kinds), and the helpers the later steps share."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.core.document import Document
from pipeline.stages.stuffing.candidates import Instance
from pipeline.text.sentences import CLOSERS, SENTENCE_PUNCT
from pipeline.text.words import PHRASE_WORD

# Words a period may belong to: "Motor City Electric Co. is ..." is not a sentence "Motor City
# Electric Co", and "34 oz. French Press" does not end at "oz".
ABBREVIATIONS = frozenset({"co", "corp", "inc", "ltd", "bros", "vs", "v", "jr", "sr", "st", "dr", "mr", "mrs", "ms",
                            "no", "etc", "approx", "dept", "est", "fig", "e.g", "i.e", "oz", "lb", "lbs"})
_LEADING_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*$")
# What may separate two copies of a phrase said back to back ("Best Guide Best Guide").
ONLY_PUNCT = re.compile(r"[\s,.;:!?\-–—|]*")
# Nothing after the phrase on its line but a period (a colon or comma would lead somewhere).
TRAILING_PUNCT = re.compile(r"[ ]*[.!?…]*[ ]*$")
# ... or, on a line of its own, a colon: a heading made of the phrase ("Best Running Shoes:").
OWN_LINE_END = re.compile(r"[ ]*[.!?…:]*[ ]*$")
# Marks a copy may be wrapped in: quotes, brackets, emphasis, a table cell's bars ('"Phrase."',
# "(Phrase)", "**Phrase**", "| Phrase |"). A wrapped copy is judged by what is outside the marks
# and removed with them.
_OPENING = re.compile(r"([\"“‘(\[*_|]{1,3})( ?)$")
_MIRROR = str.maketrans("“‘([", "”’)]")
_QUOTES = frozenset({'"', "“", "‘"})
# Lines of its own that, with the title and a third kind of evidence, stand in for strong evidence.
MIN_OWN_LINES = 2
# A word's stem when asking whether the document writes it in lower case elsewhere (its capitals
# then are a stuffer's, not a name's): inflections share this prefix often enough (spasm/spasms,
# cause/causing). Not the spun stage's USAGE_STEM_CHARS (5), a stem for counting a word's uses
# that its model was fitted with: the two were tuned apart, each for its own question.
CASE_STEM_CHARS = 4

# Kinds of evidence. Strong kinds put the phrase where prose cannot have it; weak kinds are what
# a repeated heading (a line of its own) or a name (Title Case mid-sentence) shows too; the
# parse's and the title's are neither (a copy in the title is not injected, but it is where SEO
# puts its keyphrase).
OWN_LINE, GLUED, TAIL, OWN_SENTENCE, REPEATED, TITLE_CASE, LOWER_CASE, PARSE, IN_TITLE = (
    "own_line", "glued", "tail", "own_sentence", "repeated", "title_case", "lower_case", "parse", "in_title")
# What step 5 finds of a copy spaCy kept: the words around it do not take it (the trigram model).
MISFIT = "misfit"
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


def judge(doc: Document, insts: list[Instance], lower: set[str], stop: frozenset[str]) -> list[Verdict]:
    """Each instance's verdict from the surface; ``lower``: the word stems the document writes in lower case."""
    verdicts: list[Verdict] = []
    for i, inst in enumerate(insts):
        if i and _back_to_back(doc, insts[i - 1], inst):
            verdicts.append(Verdict(inst, True, "repeated back to back", REPEATED))
            continue
        # The first of copies said back to back after some text ("... new CRM. Best CRM
        # Software Best CRM Software.") is judged by what follows the last of them. A line
        # of copies alone is a table's row of equal cells, flattened.
        last = i
        if doc.text[doc.blocks[inst.block].start:inst.start].strip():
            while last + 1 < len(insts) and _back_to_back(doc, insts[last], insts[last + 1]):
                last += 1
        verdict = _surface(doc, Instance(inst.start, insts[last].end, inst.block), lower, stop)
        verdict.instance, verdict.through = inst, insts[last].end
        verdicts.append(verdict)
    return verdicts


def _back_to_back(doc: Document, previous: Instance, inst: Instance) -> bool:
    return (previous.block == inst.block and inst.block >= doc.first_body_block and previous.end <= inst.start
            and bool(ONLY_PUNCT.fullmatch(doc.text[previous.end:inst.start])))


def _surface(doc: Document, inst: Instance, lower: set[str], stop: frozenset[str]) -> Verdict:
    block = doc.blocks[inst.block]
    if inst.block < doc.first_body_block:
        return Verdict(inst, False, "the title", IN_TITLE)
    before = doc.text[block.start:inst.start]
    after = doc.text[inst.end:block.end]
    opening, closing = wrapping(before, after)
    if opening:
        before, after = before[:-opening], after[:closing[0]] + after[closing[1]:]
    line_start = not before.strip() or bool(_LEADING_LIST_MARK.match(before))
    after_sentence = ends_sentence(before)
    line_end = bool(TRAILING_PUNCT.fullmatch(after))
    text = doc.text[inst.start:inst.end]
    # A period after an abbreviation ("Electric Co. is ...") does not end the phrase's sentence.
    period_ends = not (after.startswith(".") and _abbreviation(PHRASE_WORD.findall(text)[-1]))
    if line_start and OWN_LINE_END.fullmatch(after):
        return Verdict(inst, True, "a line of its own", OWN_LINE)
    if re.match(r"[,;]?[^\W\d_]", after) and not re.match(r"[-'’]", after):
        return Verdict(inst, True, "glued to the next word", GLUED)
    if after_sentence and line_end:
        return Verdict(inst, True, "appended after the paragraph's last sentence", TAIL)
    if period_ends and ((after_sentence and re.match(r"[.!?]\s+[A-Z0-9\"“]", after))
                        or (line_start and re.match(r"[.!?]\s", after))):
        return Verdict(inst, True, "a sentence of its own between sentences", OWN_SENTENCE)
    previous = PHRASE_WORD.findall(before)
    if (previous and previous[-1].islower() and not after_sentence and is_title_case(text, stop)
            and _lowercase_elsewhere(text, lower, stop)):
        return Verdict(inst, True, "in Title Case inside a lower-case sentence", TITLE_CASE)
    heading = PHRASE_WORD.findall(re.split(r"[.!?:;,()|]", before)[-1])
    if (text.islower() and sum(w.lower() not in stop for w in heading) >= 2 and heading[-1][0].isupper()
            and is_title_case(" ".join(heading), stop)):
        return Verdict(inst, True, "in lower case after a Title Case heading", LOWER_CASE)
    return Verdict(inst, None, "")


def _lowercase_elsewhere(phrase: str, lower: set[str], stop: frozenset[str]) -> bool:
    """Half the content words of ``phrase`` or more also appear in lower case in the
    document (any inflection), so its capitals are a stuffer's, not a name's ("Rosetta Stone")."""
    content = [w.lower()[:CASE_STEM_CHARS] for w in PHRASE_WORD.findall(phrase) if w.lower() not in stop]
    return 2 * sum(w in lower for w in content) >= len(content)


def ends_sentence(text: str) -> bool:
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


def wrapping(before: str, after: str) -> tuple[int, tuple[int, int]]:
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
    return word.lower() in ABBREVIATIONS and word != "no"  # "No. 5", but "The answer is no."


def with_copies(verdict: Verdict) -> Instance:
    """The instance with the copies said back to back after it."""
    inst = verdict.instance
    return Instance(inst.start, max(inst.end, verdict.through), inst.block)


def strong_count(verdicts: list[Verdict]) -> int:
    return sum(v.kind in STRONG for v in verdicts)


def title_lines(verdicts: list[Verdict]) -> bool:
    """The title holds the phrase and it stands on lines of its own (``MIN_OWN_LINES`` times or
    more): what a stuffer leaves, and what a section heading repeated from the title shows too."""
    kinds = Counter(v.kind for v in verdicts)
    return bool(kinds[IN_TITLE]) and kinds[OWN_LINE] >= MIN_OWN_LINES


def weak_kinds_together(verdicts: list[Verdict]) -> bool:
    """No strong evidence, but ``title_lines`` and a third kind a repeated heading does not
    show: the phrase takes the wrong case inside text, or spaCy reads an instance as injected
    (a heading keeps to its lines, and elsewhere the words are grammar)."""
    return title_lines(verdicts) and any(v.injected and v.kind in (TITLE_CASE, LOWER_CASE, PARSE) for v in verdicts)


def is_title_case(text: str, stop: frozenset[str]) -> bool:
    content = [w for w in PHRASE_WORD.findall(text) if w.lower() not in stop and not w.isdigit()]
    return bool(content) and all(w[0].isupper() for w in content)
