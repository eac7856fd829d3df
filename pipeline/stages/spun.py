"""Spun text: articles rewritten by a synonym-substituting "article spinner".

A spinner swaps words for dictionary synonyms without reading them ("lower back" becomes
"reduced back", "muscles" becomes "muscle mass"). Two kinds of evidence, both marked in
place, give one ``spun_score`` in [0, 1]:

1. **Tortured phrases** from lexicons (the Problematic Paper Screener's list, bundled with
   its licence, and our own, every entry with its source): each match is a ``flag`` naming
   the phrase it most likely replaced, or, with ``repair``, a ``replace`` of it. An entry
   may require or forbid other words in the document or sentence ("neck and back pain" is
   spun only where no neck is meant elsewhere).
2. **Contextual misfit**, which needs no spinner dictionary: a general-English trigram model
   (:mod:`pipeline.lm`) scores how well each content word fits its neighbours. Spun words fit
   badly on both sides, and a WordNet synonym fits the same slot far better ("reduced back
   discomfort": "lower" fits 6 nats better). Each such word is a ``flag`` with the better fit.
   Four document features (mean fit, share of words fitting very badly, share fitting badly
   after their left context, misfits per 100 content words) go through a logistic model
   (``pipeline/models/spun.json``), trained on a different spinner than the eval's and
   shifted so that 0.5 sits at the 98th percentile of clean articles.

The score combines both: ``1 - (1 - p_misfit) * (1 - p_lexicon)``, where every distinct
tortured phrase multiplies the clean odds by ``lexicon_hit_keep``.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import ClassVar

from pipeline.document import Action, Document
from pipeline.lm import trigram_model
from pipeline.nlp import stop_words
from pipeline.render import merged_spans, removed_spans
from pipeline.stages import Stage
from pipeline.wordnet import WordNetMissing, wordnet

STAGE = "spun"
TORTURED, MISFIT = "tortured_phrase", "misfit"
STATUS_NOTE = "spun_status"
INT_SIGNALS = ("spun_flagged", "spun_tortured_phrases", "spun_misfits")
FLOAT_SIGNALS = ("spun_score", "spun_misfit_score", "spun_fit_mean")
BUILTIN_LEXICONS = ("tortured_phrases.csv", "tortured-phrases.csv")
LEXICON_COLUMNS = ("phrase", "expected", "requires_in_document", "requires_in_sentence", "unless_in_document",
                   "unless_in_sentence", "source")

# A lexicon word: letters/digits with inner hyphens or apostrophes ("pre-handling").
LEX_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# A run of words the language model reads as one stretch: letters, inner apostrophes, single spaces.
_STRETCH = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?(?: [A-Za-z]+(?:'[A-Za-z]+)?)*")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?…]\s")
_NOT_NEWLINE = re.compile(r"[^\n]")
# A phrase's words follow each other with nothing but spaces or hyphens between them.
_ONE_STRETCH = re.compile(r"[^\W_]+(?:[-'’ ]+[^\W_]+)*")
# The shared list writes some entries as search queries: '"a" AND "b"', '"a" NOT "b"', 'NOT c'.
_QUERY_TERM = re.compile(r'(AND|NOT)\s+(?:"([^"]+)"|(\S+))')


class SpunLexiconError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Entry:
    words: tuple[str, ...]
    expected: str
    # Each condition is a tuple of alternatives ("a|b" in the CSV); the document needs one
    # alternative of every group in ``requires_in_document`` (the shared list's AND terms).
    requires_in_document: tuple[tuple[str, ...], ...]
    requires_in_sentence: tuple[str, ...]
    unless_in_document: tuple[str, ...]
    unless_in_sentence: tuple[str, ...]
    source: str


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower().replace("’", "'") for w in LEX_WORD.findall(text))


def _alternatives(cell: str) -> tuple[str, ...]:
    return tuple(" ".join(_words(term)) for term in cell.split("|") if _words(term))


def read_lexicon(path: Path | str, *, builtin: bool = False) -> list[Entry]:
    """Entries of our lexicon format, or of the shared tortured-phrases list (detected by its header)."""
    where = f"built-in lexicon {path}" if builtin else str(path)
    text = (resources.files("pipeline").joinpath(f"lexicons/{path}") if builtin else Path(path)).read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    if rows and "tortured_phrase" in rows[0]:
        return [_shared_entry(row, where) for row in rows]
    if not rows or set(LEXICON_COLUMNS) - set(rows[0]):
        raise SpunLexiconError(f"{where}: a spun lexicon needs the columns {', '.join(LEXICON_COLUMNS)}")
    entries = []
    for line, row in enumerate(rows, start=2):
        words = _words(row["phrase"])
        if not words or not row["expected"].strip() or not row["source"].strip():
            raise SpunLexiconError(f"{where} line {line}: phrase, expected and source are required")
        required = _alternatives(row["requires_in_document"])
        entries.append(Entry(words, row["expected"].strip(), (required,) if required else (),
                             _alternatives(row["requires_in_sentence"]), _alternatives(row["unless_in_document"]),
                             _alternatives(row["unless_in_sentence"]), row["source"].strip()))
    return entries


def _shared_entry(row: dict[str, str], where: str) -> Entry:
    query = row["tortured_phrase"]
    first = re.match(r'\s*"([^"]+)"', query)
    if not first:
        raise SpunLexiconError(f"{where}: cannot read the phrase of {query!r}")
    requires, unless = [], []
    for op, quoted, bare in _QUERY_TERM.findall(query[first.end():]):
        term = " ".join(_words(quoted or bare))
        if op == "AND":
            requires.append((term,))
        else:
            unless.append(term)
    papers = row.get("num_papers", "").replace(",", "")
    return Entry(_words(first.group(1)), row["expected_phrase"].strip(), tuple(requires), (), tuple(unless), (),
                 f"Problematic Paper Screener tortured phrases ({papers} papers)")


@lru_cache(maxsize=8)
def _index(lexicons: tuple[str, ...]) -> dict[str, list[Entry]]:
    """Entries by their first word, longest first, so a scan tries 'muscle mass weak point' before 'muscle mass'."""
    by_first: dict[str, list[Entry]] = {}
    for name in lexicons:
        for entry in read_lexicon(name, builtin=name in BUILTIN_LEXICONS):
            by_first.setdefault(entry.words[0], []).append(entry)
    for entries in by_first.values():
        entries.sort(key=lambda e: -len(e.words))
    return by_first


@dataclass(frozen=True, slots=True)
class MisfitModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    meta: dict

    @classmethod
    def load(cls, path: Path | str | None = None) -> MisfitModel:
        source = resources.files("pipeline").joinpath("models/spun.json") if path is None else Path(path)
        data = json.loads(source.read_text("utf-8"))
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]),
                   data["intercept"], data.get("meta", {}))

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(c * (values[f] - m) / s
                                 for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(slots=True)
class Fit:
    """One content word in its stretch of prose and how well it fits there (nats)."""

    start: int
    end: int
    word: str
    left: float  # ln P(w | two words before) - ln P(w)
    right: float  # ln P(next | word before, w) - ln P(next | word before)
    before: tuple[str, ...]  # up to two words before it in its stretch
    after: str | None  # the word after it
    window: float | None  # how well the word fills its slot: ln P(w | before) + ln P(after | before[-1], w)


@dataclass(slots=True)
class Measured:
    values: dict[str, float] | None  # the model's features; None when too few words to fit
    misfits: list[tuple[Fit, str, float]]  # (word, the synonym that fits better, by how many nats)
    words: int


class ContextFit:
    """How well each content word fits its neighbours, and which words a synonym would fit far better."""

    def __init__(self, *, min_gain: float = 3.0, poor_fit: float = -2.0, poor_left_fit: float = -1.0,
                 min_fit_words: int = 30) -> None:
        self.lm = trigram_model()
        self.wordnet = wordnet()  # WordNetMissing when Debian's wordnet-base is not installed
        self.min_gain = min_gain
        self.poor_fit = poor_fit
        self.poor_left_fit = poor_left_fit
        self.min_fit_words = min_fit_words
        self._stop = stop_words()

    def __call__(self, text: str) -> Measured:
        fits = [fit for stretch in _STRETCH.finditer(text) for fit in self._fits(stretch)]
        if len(fits) < self.min_fit_words:
            return Measured(None, [], len(fits))
        misfits = list(self._misfits(fits))
        total = [f.left + f.right for f in fits]
        values = {
            "fit_mean": sum(total) / len(fits),
            "poor_fit_share": sum(t < self.poor_fit for t in total) / len(fits),
            "poor_left_fit_share": sum(f.left < self.poor_left_fit for f in fits) / len(fits),
            "misfits_per_100": 100.0 * len(misfits) / len(fits),
        }
        return Measured(values, misfits, len(fits))

    def _fits(self, stretch: re.Match) -> list[Fit]:
        lm = self.lm
        words = [(m.start() + stretch.start(), m.end() + stretch.start(), m.group().lower())
                 for m in _WORD.finditer(stretch.group())]
        if len(words) == 1:
            return []
        text = [w for _, _, w in words]
        # ln P(text[j] | up to two words before it): the fit of word j is "here" for j and
        # "after" for j - 1, so each is asked of the model once.
        in_context: dict[int, float | None] = {}

        def at(j: int) -> float | None:
            if j not in in_context:
                in_context[j] = lm.logprob(text[j], *text[max(0, j - 2):j])
            return in_context[j]

        out = []
        for i, (start, end, word) in enumerate(words):
            if len(word) < 3 or word in self._stop:
                continue
            unigram = lm.unigram(word)
            if unigram is None:
                continue
            here = at(i)
            right, window = 0.0, here
            if i + 1 < len(words):
                after = at(i + 1)
                before = lm.logprob(text[i + 1], *text[max(0, i - 1):i])
                window = None if after is None else here + after
                if after is not None and before is not None:
                    right = after - before
            out.append(Fit(start, end, word, here - unigram, right, tuple(text[max(0, i - 2):i]),
                           text[i + 1] if i + 1 < len(words) else None, window))
        return out

    def _misfits(self, fits: list[Fit]):
        """Badly fitting words for which a WordNet synonym fits the slot ``min_gain`` nats better."""
        lm = self.lm
        for fit in fits:
            if fit.left + fit.right >= 0:
                continue
            own = fit.window
            if own is None:
                continue
            best, gain = None, self.min_gain
            for synonym in self.wordnet.synonyms(fit.word):
                # A log probability is at most 0: a synonym that does not gain enough on its
                # own words cannot gain it with the next one too.
                here = lm.logprob(synonym, *fit.before)
                if here is None or here - own <= gain:
                    continue
                score = here if fit.after is None else _next(lm, here, fit.before, synonym, fit.after)
                if score is not None and score - own > gain:
                    best, gain = synonym, score - own
            if best:
                yield fit, best, gain


class SpunText(Stage):
    name = "spun"
    requires: ClassVar[frozenset[str]] = frozenset({"blocks"})
    adds: ClassVar[frozenset[str]] = frozenset({"spun"})

    def __init__(self, *, lexicons: list[str] | tuple[str, ...] = BUILTIN_LEXICONS, model: str | None = "builtin",
                 repair: bool = False, min_gain: float = 3.0, poor_fit: float = -2.0, poor_left_fit: float = -1.0,
                 min_fit_words: int = 30, lexicon_hit_keep: float = 0.7, flag_above: float = 0.5) -> None:
        self.lexicons = tuple(lexicons)
        self.index = _index(self.lexicons)
        self.model = None if model is None else MisfitModel.load(None if model == "builtin" else model)
        self.repair = repair
        self.lexicon_hit_keep = lexicon_hit_keep
        self.flag_above = flag_above
        self.context_fit, self.off = None, "misfit model off"
        if self.model is not None:
            try:
                self.context_fit = ContextFit(min_gain=min_gain, poor_fit=poor_fit, poor_left_fit=poor_left_fit,
                                              min_fit_words=min_fit_words)
            except WordNetMissing as exc:
                self.off = str(exc)

    def provenance(self) -> dict[str, str]:
        found = {"lexicons": ", ".join(self.lexicons)}
        if self.model:
            found["model"] = json.dumps(self.model.meta, sort_keys=True)
        if self.context_fit:
            found["language_model"] = self.context_fit.lm.path
        return found

    def __call__(self, doc: Document) -> None:
        kept = _kept_text(doc)
        hits = self._tortured(doc, kept)
        p_lexicon = 1.0 - self.lexicon_hit_keep ** len({(h[2].words, h[2].expected) for h in hits})
        doc.signals["spun_tortured_phrases"] = len(hits)
        p_misfit = self._misfit(doc, kept)
        doc.signals["spun_misfit_score"] = p_misfit
        doc.signals["spun_score"] = score = 1.0 - (1.0 - (p_misfit or 0.0)) * (1.0 - p_lexicon)
        doc.signals["spun_flagged"] = int(score > self.flag_above)

    def _misfit(self, doc: Document, kept: str) -> float | None:
        doc.signals["spun_misfits"] = 0
        doc.signals["spun_fit_mean"] = None
        if self.context_fit is None:
            doc.notes[STATUS_NOTE] = f"lexicons only: {self.off}"
            return None
        measured = self.context_fit(kept)
        if measured.values is None:
            doc.notes[STATUS_NOTE] = (f"lexicons only: {measured.words} content words to fit, "
                                      f"fewer than {self.context_fit.min_fit_words}")
            return None
        for fit, better, gain in measured.misfits:
            doc.annotate(fit.start, fit.end, stage=STAGE, rule=MISFIT, action=Action.FLAG,
                         reason=f'"{doc.text[fit.start:fit.end]}" fits its context {gain:.1f} nats worse than '
                                f'"{better}"')
        doc.signals["spun_misfits"] = len(measured.misfits)
        doc.signals["spun_fit_mean"] = measured.values["fit_mean"]
        doc.notes[STATUS_NOTE] = f"ran ({measured.words} content words fitted)"
        return self.model.probability(measured.values)

    # --- tortured phrases -------------------------------------------------------------

    def _tortured(self, doc: Document, kept: str) -> list[tuple[int, int, Entry]]:
        # Lower-cased word by word: lower() may change a string's length ("İ"), offsets must not move.
        matches = list(LEX_WORD.finditer(kept))
        words = tuple(m.group().lower().replace("’", "'") for m in matches)
        present = " " + " ".join(words) + " "
        hits, i = [], 0
        while i < len(words):
            for entry in self.index.get(words[i], ()):
                n = len(entry.words)
                if words[i:i + n] != entry.words:
                    continue
                start, end = matches[i].start(), matches[i + n - 1].end()
                if not _ONE_STRETCH.fullmatch(kept, start, end):
                    continue
                if self._applies(entry, kept, start, end, present):
                    hits.append((start, end, entry))
                    i += n - 1
                    break
            i += 1
        for start, end, entry in hits:
            found = doc.text[start:end]
            reason = f'tortured phrase "{found}": most likely "{entry.expected}" ({entry.source})'
            if self.repair:
                doc.annotate(start, end, stage=STAGE, rule=TORTURED, action=Action.REPLACE, reason=reason,
                             replacement=_match_case(found, entry.expected))
            else:
                doc.annotate(start, end, stage=STAGE, rule=TORTURED, action=Action.FLAG, reason=reason)
        return hits

    def _applies(self, entry: Entry, kept: str, start: int, end: int, present: str) -> bool:
        phrase = " ".join(entry.words)
        if not all(any(f" {term} " in present for term in group) for group in entry.requires_in_document):
            return False
        # "Elsewhere" in the document: the term occurs more often than the phrase itself contains it.
        for term in entry.unless_in_document:
            if present.count(f" {term} ") > present.count(f" {phrase} ") * f" {phrase} ".count(f" {term} "):
                return False
        if entry.requires_in_sentence or entry.unless_in_sentence:
            sentence = " " + " ".join(_words(_sentence_around(kept, start, end))) + " "
            if entry.requires_in_sentence and not any(f" {t} " in sentence for t in entry.requires_in_sentence):
                return False
            if any(f" {term} " in sentence for term in entry.unless_in_sentence):
                return False
        return True


def _next(lm, here: float, before: tuple[str, ...], word: str, after: str) -> float | None:
    """``here`` + ln P(after | before[-1], word): how well ``word`` fills the slot before ``after``."""
    nxt = lm.logprob(after, *before[-1:], word)
    return None if nxt is None else here + nxt


def _kept_text(doc: Document) -> str:
    """The text with removed characters and the title blanked (offsets stay those of ``doc.text``)."""
    spans = merged_spans(removed_spans(doc) + [doc.title_span])
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [doc.text[pos:start], _NOT_NEWLINE.sub(" ", doc.text[start:end])]
        pos = end
    pieces.append(doc.text[pos:])
    return "".join(pieces)


def _sentence_around(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: len(text) if line_end < 0 else line_end]
    cuts = [0] + [m.end() for m in _SENTENCE_END.finditer(line)] + [len(line)]
    at = start - line_start
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a <= at < b:
            return line[a:b]
    return line


def _match_case(found: str, expected: str) -> str:
    if found[:1].isupper():
        return expected[:1].upper() + expected[1:]
    return expected
