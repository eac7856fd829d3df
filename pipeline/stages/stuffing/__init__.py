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
   existed to attach it, its reason code naming its evidence (``stuffing.keyphrase_glued``,
   ``_tail``, ``_own_sentence``, ``_repeated``, ``_own_line``, ``_title_case``, ``_lower_case``,
   ``_parse``, and step 5's ``_misfit``); grammatical uses and the title stay.
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

from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, signals, stage
from pipeline.language.nlp import stop_words
from pipeline.stages.stuffing.candidates import find_candidates
from pipeline.stages.stuffing.fit import recheck_copies
from pipeline.stages.stuffing.parse import parse_undecided
from pipeline.stages.stuffing.spans import removal_span
from pipeline.stages.stuffing.surface import (
    CASE_STEM_CHARS,
    EVIDENCE,
    IN_TITLE,
    PARSE,
    Verdict,
    judge,
    strong_count,
    title_lines,
    weak_kinds_together,
)
from pipeline.text.words import PHRASE_WORD

STAGE = "stuffing"
RULE = "keyphrase"
KEYPHRASE_NOTE = "keyphrase"


# What the stage measures of the keyphrase (the top candidate when none is stuffed).
SIGNALS = signals(int, {
    "stuffing_instances": "instances of the keyphrase (the top candidate when none is stuffed)",
    "stuffing_injected": "injected instances removed",
}) + signals(float, {
    "stuffing_density": "keyphrase words per word of the document",
    "stuffing_unintegrated_ratio": "injected instances / instances",
})


@stage("stuffing", requires={"blocks", "title", "boilerplate"}, after={"site_lines", "boilerplate_model"},
       adds={"stuffing"},
       signals=SIGNALS,
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
        for signal in SIGNALS:
            doc.signals[signal.name] = 0.0
        doc.notes[KEYPHRASE_NOTE] = ""
        # 1. Candidates (candidates.py).
        found = find_candidates(doc, self._stop, min_instances=self.min_instances,
                                min_phrase_words=self.min_phrase_words, max_phrase_words=self.max_phrase_words,
                                min_content_words=self.min_content_words)
        if not found:
            return
        tokens = PHRASE_WORD.findall(doc.text)
        words = len(tokens) or 1
        # Word stems the document writes in lower case somewhere (inflections share CASE_STEM_CHARS).
        lower = {w[:CASE_STEM_CHARS] for w in tokens if w.islower()}
        # 2. Surface evidence (surface.py), 3. the keyphrase stuffed or closest to it.
        judged = {key: judge(doc, insts, lower, self._stop) for key, insts in found.items()}
        stuffed = {key: self._stuffed(verdicts) for key, verdicts in judged.items()}
        key = max(judged, key=lambda k: (stuffed[k], strong_count(judged[k]), len(k.split()), len(judged[k])))
        if not stuffed[key] and (strong_count(judged[key]) >= self.min_strong or title_lines(judged[key])):
            # The surface alone did not establish it: spaCy reads the rest of the closest candidate
            # when it has strong evidence, or the title and lines of its own.
            parse_undecided(doc, judged[key], self._stop)
            stuffed[key] = self._stuffed(judged[key])
        verdicts = judged[key]
        if not stuffed[key]:
            self._record(doc, key, verdicts, words, stuffed=False)
            return
        # 4. Only now, for the one keyphrase established, spaCy reads the sentences the surface could
        # not judge (parse.py), and 5. what it kept is read once more as a copy (fit.py).
        parse_undecided(doc, verdicts, self._stop)
        recheck_copies(doc, verdicts, self._stop)
        self._record(doc, key, verdicts, words, stuffed=True)
        phrase = doc.notes[KEYPHRASE_NOTE]
        covered = 0  # copies said back to back go with the first copy when it is injected
        for verdict in verdicts:
            if verdict.injected and verdict.instance.start >= covered:
                covered = verdict.through
                start, end = removal_span(doc, verdict)
                # The rule names the evidence: stuffing.keyphrase_glued, stuffing.keyphrase_tail, ...
                doc.annotate(start, end, category=STAGE, rule=f"{RULE}_{verdict.kind}", action=Action.REMOVE,
                             reason=f"stuffed keyphrase {phrase!r}: {verdict.why}")

    def _stuffed(self, verdicts: list[Verdict]) -> bool:
        kinds = {v.kind for v in verdicts if v.kind in EVIDENCE or (v.kind == PARSE and v.injected)}
        injected = self.min_injected_in_title if IN_TITLE in kinds else self.min_injected
        return (sum(bool(v.injected) for v in verdicts) >= injected
                and (strong_count(verdicts) >= self.min_strong or weak_kinds_together(verdicts))
                and len(kinds) >= self.min_evidence_kinds)

    def _record(self, doc: Document, key: str, verdicts: list[Verdict], words: int, *, stuffed: bool) -> None:
        injected = sum(bool(v.injected) for v in verdicts)
        doc.signals["stuffing_instances"] = float(len(verdicts))
        doc.signals["stuffing_injected"] = float(injected if stuffed else 0)
        doc.signals["stuffing_density"] = len(verdicts) * len(key.split()) / words
        doc.signals["stuffing_unintegrated_ratio"] = injected / len(verdicts) if stuffed else 0.0
        if stuffed:
            first = verdicts[0].instance
            doc.notes[KEYPHRASE_NOTE] = doc.text[first.start:first.end]
