"""Keyword stuffing: find the pasted keyphrase without being told it, and cut each copy.

A stuffer pastes a keyphrase ("Top 10 Toddler Sleep Training Tips") where it does not belong,
many times; a writer repeats a topic term grammatically, in the same few frames.

1. Candidates (``candidates.py``): the maximal token spans (words, numbers, ``$ & + % #``) the
   body repeats ``min_instances`` times or more, case-insensitively. The title is evidence only.
2. Features (``features.py``): each instance's place, casing and trigram fit; each candidate's
   count, frames, topic and title evidence, kinds of place, and its placement against the
   document's other repeats.
3. Three gradient-boosted tree models (``train.py``, ``DATA_CARD.md``; trained on seven stuffer
   designs): placement P per instance (from all but the marks beside it); the candidate model,
   over the candidate and those P, picks the stuffed keyphrases (P ≥ ``candidate_threshold``; of
   overlapping ones the longest); the copy model keeps the natural uses (a copy goes at P ≥
   ``instance_threshold``).
4. Each copy is cut with what only attached it (``spans.py``), coded by its place
   (``stuffing.keyphrase_own_line``, ...) and with the facts the models read as its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, signals, stage
from pipeline.language.nlp import stop_words
from pipeline.stages.stuffing.candidates import Instance, find_candidates, form
from pipeline.stages.stuffing.features import INSTANCE_FEATURES, Described, candidate_rows, describe, instance_rows
from pipeline.stages.stuffing.model import StuffingModel
from pipeline.stages.stuffing.spans import removal_span
from pipeline.stages.stuffing.text import ONLY_PUNCT

STAGE = "stuffing"
RULE = "keyphrase"
KEYPHRASE_NOTE = "keyphrase"

# What the stage measures of its keyphrase (the likeliest candidate when none is stuffed).
SIGNALS = signals(int, {
    "stuffing_instances": "instances of the keyphrase in the body (of the likeliest candidate when none is stuffed)",
    "stuffing_injected": "pasted copies removed",
}) + signals(float, {
    "stuffing_density": "keyphrase tokens (over its instances) per whitespace-separated word of the document",
    "stuffing_unintegrated_ratio": "pasted copies / instances",
    "stuffing_probability": "the candidate model's P that the likeliest candidate is a stuffed keyphrase",
})

# An instance's place, named by the first of these it shows: its rule code and its words in the reason.
PLACES = (
    ("own_line", "a line of its own"),
    ("back_to_back", "right beside another copy"),
    ("after_glued", "glued to the next word"),
    ("wrapped", "wrapped in marks"),
    ("own_sentence", "a sentence of its own"),
    ("after_sentence", "after a finished sentence"),
    ("before_separator", "after a separator"),
    ("after_separator", "before a separator"),
    ("line_start", "leading its line"),
    ("line_end", "ending its line"),
    ("before_comma", "after a comma"),
    ("after_comma", "before a comma"),
)
_RULES = {"own_line": "own_line", "back_to_back": "repeated", "after_glued": "glued", "wrapped": "wrapped",
          "own_sentence": "own_sentence", "after_sentence": "after_sentence", "before_separator": "separator",
          "after_separator": "separator", "line_start": "lead_in", "line_end": "line_end",
          "before_comma": "commas", "after_comma": "commas"}
_IDX = {name: i for i, name in enumerate(INSTANCE_FEATURES)}


@dataclass(slots=True)
class Decided:
    described: Described
    probability: float
    copies: np.ndarray  # P(pasted copy) per instance


@stage("stuffing", requires={"blocks", "title", "boilerplate"}, after={"site_lines", "boilerplate_model"},
       adds={"stuffing"},
       signals=SIGNALS,
       notes=(KEYPHRASE_NOTE,), category=Category(STAGE, "Keyword stuffing", "#ece2fb", "#6b2fb3"),
       config="stuffing", report="stages/stuffing.html.j2")
class KeywordStuffing(Stage):
    def __init__(
        self,
        *,
        # The models (models/stuffing.npz, from `python -m pipeline.stages.stuffing.train`) or a model file.
        model: str = "builtin",
        # A candidate is a token span repeated at least this many times: stuffers paste 3 to 20 copies.
        min_instances: int = 3,
        # Candidate length in tokens: two-word keyphrases exist; at 16 a whole long title still fits.
        min_tokens: int = 2,
        max_tokens: int = 16,
        # Tokens that are neither stop words nor symbols ("of the" or "$ %" is no keyphrase).
        min_content_tokens: int = 2,
        # P(stuffed keyphrase) from which a candidate's copies are looked for, and P(pasted copy)
        # from which an instance goes; none: the model's own (train.py: 0.5% of clean training
        # documents have a candidate above the first, held out; the second is 0.5).
        candidate_threshold: float | None = None,
        instance_threshold: float | None = None,
    ) -> None:
        self.model = StuffingModel.load(None if model == "builtin" else model)
        meta = self.model.meta
        candidate_threshold = meta["candidate_threshold"] if candidate_threshold is None else candidate_threshold
        instance_threshold = meta["instance_threshold"] if instance_threshold is None else instance_threshold
        self.min_instances = min_instances
        self.min_tokens = min_tokens
        self.max_tokens = max_tokens
        self.min_content_tokens = min_content_tokens
        self.candidate_threshold = candidate_threshold
        self.instance_threshold = instance_threshold
        self._stop = stop_words()

    def provenance(self) -> dict[str, str]:
        return {"model": f"sha256 {self.model.sha256}: {self.model.meta.get('trained_on', '')}"}

    def __call__(self, doc: Document) -> None:
        for signal in SIGNALS:
            doc.signals[signal.name] = 0.0
        doc.notes[KEYPHRASE_NOTE] = ""
        # 1. Candidates.
        found = find_candidates(doc, self._stop, min_instances=self.min_instances, min_tokens=self.min_tokens,
                                max_tokens=self.max_tokens, min_content_tokens=self.min_content_tokens)
        if not found:
            return
        # 2. Features, 3. the placement model on every instance, the candidate model, then the copy
        # model on the stuffed candidates' instances.
        described = describe(doc, found, self._stop)
        scores, chosen, copies = decide(
            self.model, [d.row for d in described], [d.instance_rows for d in described],
            [[(inst.start, inst.end) for inst in d.candidate.instances] for d in described],
            [len(d.candidate.key) for d in described], self.candidate_threshold)
        stuffed = [Decided(described[i], float(scores[i]), p) for i, p in zip(chosen, copies, strict=True)]
        best = int(np.argmax(scores))
        top = stuffed[0] if stuffed else Decided(described[best], float(scores[best]), np.zeros(0))
        self._record(doc, top, words=len(doc.text.split()) or 1)
        # 4. Each copy, with what attached it.
        for decided in stuffed:
            self._remove(doc, decided)

    def _record(self, doc: Document, top: Decided, *, words: int) -> None:
        candidate = top.described.candidate
        copies = int((top.copies >= self.instance_threshold).sum())
        doc.signals["stuffing_instances"] = float(len(candidate.instances))
        doc.signals["stuffing_injected"] = float(copies)
        doc.signals["stuffing_density"] = len(candidate.instances) * len(candidate.key) / words
        doc.signals["stuffing_unintegrated_ratio"] = copies / len(candidate.instances)
        doc.signals["stuffing_probability"] = top.probability
        if copies:
            doc.notes[KEYPHRASE_NOTE] = _form(doc, candidate.instances)

    def _remove(self, doc: Document, decided: Decided) -> None:
        candidate = decided.described.candidate
        phrase = _form(doc, candidate.instances)
        paragraphs = len({inst.block for inst in candidate.instances})
        rows = decided.described.instance_rows
        instances = candidate.instances
        i = 0
        while i < len(instances):
            if decided.copies[i] < self.instance_threshold:
                i += 1
                continue
            # Copies said back to back after this one go with it.
            last = i
            while (last + 1 < len(instances) and decided.copies[last + 1] >= self.instance_threshold
                   and instances[last + 1].block == instances[i].block
                   and ONLY_PUNCT.fullmatch(doc.text, instances[last].end, instances[last + 1].start)):
                last += 1
            rule, where = _place(rows[i])
            start, end = removal_span(doc, Instance(instances[i].start, instances[last].end, instances[i].block))
            doc.annotate(start, end, category=STAGE, rule=f"{RULE}_{rule}", action=Action.REMOVE,
                         reason=f"copy of {phrase!r} ({where}, {len(instances)} copies in {paragraphs} "
                                f"paragraphs, P = {decided.probability:.2f} / {decided.copies[i]:.2f})")
            i = last + 1


def decide(model: StuffingModel, rows: list[np.ndarray], instances: list[np.ndarray],
           spans: list[list[tuple[int, int]]], lengths: list[int],
           threshold: float) -> tuple[np.ndarray, list[int], list[np.ndarray]]:
    """Step 3 for one document's candidates (each one's row, its instances' rows and character
    ranges, its length in tokens): the placement model on every instance, the candidate model,
    :func:`choose`, then the copy model on the chosen. Each candidate's P, the chosen ones'
    positions, and P(pasted copy) per instance of each of them."""
    flat = model.placement_scores(np.vstack(instances))
    placed = np.split(flat, np.cumsum([len(r) for r in instances])[:-1])
    scores = model.candidate_scores(candidate_rows(rows, placed, spans))
    chosen = choose(scores, lengths, spans, threshold)
    return scores, chosen, [model.copy_scores(instance_rows(rows[i], instances[i])) for i in chosen]


def choose(scores: np.ndarray, lengths: list[int], spans: list[list[tuple[int, int]]],
           threshold: float) -> list[int]:
    """Step 3's choice among a document's candidates (their P, lengths in tokens and instances'
    character ranges): those at P ≥ ``threshold``, and of overlapping ones the longest (then the
    likeliest): its sub-spans are said more often only by the natural uses they add ("lower back
    pain" beside "lower back pain causing leg spasms"). Their positions, in that order."""
    chosen: list[int] = []
    taken: list[tuple[int, int]] = []
    above = [i for i in range(len(scores)) if scores[i] >= threshold]
    for i in sorted(above, key=lambda i: (-lengths[i], -scores[i])):
        if any(a < d and c < b for a, b in spans[i] for c, d in taken):
            continue  # a sub-span or an overlapping span of a keyphrase already taken
        chosen.append(i)
        taken += spans[i]
    return chosen


def _place(row: np.ndarray) -> tuple[str, str]:
    """An instance's rule code and its place in words, with its casing when that stands out."""
    rule, where = next(((_RULES[name], words) for name, words in PLACES if row[_IDX[name]]),
                       ("inline", "inside a sentence"))
    if row[_IDX["all_upper"]]:
        where += ", in capitals"
    elif row[_IDX["caps_share"]] == 1 and 0 <= row[_IDX["line_caps_share"]] < 0.5 and not row[_IDX["line_start"]]:
        where += ", in Title Case among lower-case words"
    return rule, where


def _form(doc: Document, instances: list[Instance]) -> str:
    """The keyphrase as the document says it most often (the first such instance)."""
    forms = [form(doc.text, inst) for inst in instances]
    return max(forms, key=forms.count)
