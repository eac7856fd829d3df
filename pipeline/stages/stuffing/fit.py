"""Step 5: once the keyphrase is established, a copy the words around it do not take, by the
trigram model of English."""

from __future__ import annotations

import re

from pipeline.core.document import Document
from pipeline.language.lm import trigram_model
from pipeline.stages.stuffing.candidates import Instance
from pipeline.stages.stuffing.parse import BOUND, FREE, role_of
from pipeline.stages.stuffing.surface import (
    MISFIT,
    ONLY_PUNCT,
    OWN_LINE,
    OWN_LINE_END,
    PARSE,
    STRONG,
    TRAILING_PUNCT,
    Verdict,
    is_title_case,
    with_copies,
)
from pipeline.text.words import LM_WORD, PHRASE_WORD

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


def recheck_copies(doc: Document, verdicts: list[Verdict], stop: frozenset[str]) -> None:
    """Step 5: the instances spaCy kept that have the form of a copy with strong evidence."""
    pasted = {doc.text[v.instance.start:v.instance.end] for v in verdicts if v.kind in STRONG}
    for verdict in verdicts:
        inst = verdict.instance
        text = doc.text[inst.start:inst.end]
        if verdict.kind != PARSE or verdict.injected or text not in pasted:
            continue
        block = doc.blocks[inst.block]
        copies = re.compile(rf"(?:{ONLY_PUNCT.pattern}{re.escape(text)})+(?={OWN_LINE_END.pattern})")
        if not doc.text[block.start:inst.start].strip() and (line := copies.match(doc.text, inst.end, block.end)):
            verdict.injected, verdict.why, verdict.kind = True, "a line of only copies", OWN_LINE
            verdict.through = line.end()
        elif why := _misfit(doc, with_copies(verdict), stop):
            verdict.injected, verdict.why, verdict.kind = True, why, MISFIT


def _misfit(doc: Document, inst: Instance, stop: frozenset[str]) -> str | None:
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
    line_end = bool(TRAILING_PUNCT.fullmatch(rest))
    if line_end and not PHRASE_WORD.search(line_before):
        return "alone on its line after marks"  # "} rust gcc backend", "--- Updates At OSSO"
    before = LM_WORD.findall(re.split(r"[^\w\s'’-]", line_before)[-1].lower())[-2:]
    phrase = LM_WORD.findall(doc.text[inst.start:inst.end].lower())
    after = None if line_end else _NEXT_WORD.match(rest)
    if not before or not phrase or not (line_end or after):
        return None
    enter = _fit(phrase[0], before)
    if line_end:
        if (enter is not None and enter >= MIN_CALLED_FIT) or role_of(doc, inst, appended=True) != FREE:
            return None
        called = "its first word unknown" if enter is None else f"fit {enter:.1f}"
        return f"appended to a line whose last words do not call for it ({called}; trigram model)"
    following = after.group(1).lower()
    skip, leave = _fit(following, before), _fit(following, phrase[-2:])
    if skip is None or leave is None:
        return None
    # A first word the model does not know has no fit with the words before it, good or bad.
    score = skip - (enter or 0.0) - leave
    if score < MIN_WEDGE_SCORE:
        return None
    role = role_of(doc, inst, appended=False)
    # A heading is telegraphic ("Best Travel Insurance for Seniors in 2025" reads as "Best in
    # 2025" too): there a copy must leave its neighbours free and far better off without it.
    heading = is_title_case(block.text, stop)
    if role is None or (heading and role != FREE):
        return None
    if score < (MIN_BOUND_WEDGE_SCORE if heading or role == BOUND else MIN_WEDGE_SCORE):
        return None
    return f"wedged between words that read better without it (by {score:.1f}; trigram model)"


def _fit(word: str, history: list[str]) -> float | None:
    """How much likelier ``word`` is after ``history`` than alone (nats); None for an unknown word."""
    lm = trigram_model()
    joined, alone = lm.logprob(word, *history), lm.unigram(word)
    return None if joined is None or alone is None else joined - alone
