"""Spun text: articles rewritten by a synonym-substituting "article spinner".

A spinner swaps words for dictionary synonyms without reading them ("lower back" becomes
"reduced back", "muscles" becomes "muscle mass"). Two kinds of evidence, both marked in
place, give one ``spun_score`` in [0, 1]:

1. **Tortured phrases** from lexicons (the Problematic Paper Screener's list, bundled with
   its licence, and our own, every entry with its source): each match is a ``flag`` naming
   the phrase it most likely replaced, or, with ``repair``, a ``replace`` of it. An entry
   may require or forbid other words in the document or sentence ("neck and back pain" is
   spun only where no neck is meant elsewhere).
2. **Contextual misfit**, which needs no spinner dictionary. A spun word is usually rarer
   than the word it replaced and fits neither the words before it nor the word after it
   under a general-English trigram model (:mod:`pipeline.language.lm`). The word model, gradient-
   boosted trees over how common each lower-case content word is (wordfreq's Zipf scale,
   with its neighbours'), how it fits on each side, and how the rest of the document uses
   it, its stem and its slot (:class:`WordFeatures`), scores each word. A word above the
   99th percentile of clean words' scores is a ``flag``, naming the WordNet synonym that
   fills its slot better where there is one. The document model, a
   logistic regression over the share of the document's words above three such thresholds,
   the mean of its ten highest word scores and its length, gives ``spun_misfit_score``. Both
   are in ``pipeline/models/spun_words.npz``, trained on WCXB dev articles of one half of
   the sites with a WordNet spinner (the evaluation uses the other half and another
   thesaurus) and shifted so that 1% of clean articles score above 0.5
   (:mod:`pipeline.evaluation.spun`).

The score combines both: ``1 - (1 - p_misfit) * (1 - p_lexicon)``, where every distinct
tortured phrase multiplies the clean odds by ``lexicon_hit_keep``.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, signals, stage
from pipeline.core.render import merged_spans, removed_spans
from pipeline.language.lm import trigram_model
from pipeline.language.nlp import stop_words
from pipeline.language.trees import Trees, read_model, write_model
from pipeline.language.wordnet import WordNetMissing, wordnet
from pipeline.text.sentences import SENTENCE_SPACE
from pipeline.text.words import FIT_WORD, LEXICON_WORD

STAGE = "spun"
TORTURED, MISFIT = "tortured_phrase", "misfit"
STATUS_NOTE = "spun_status"
BUILTIN_LEXICONS = ("tortured_phrases.csv", "tortured-phrases.csv")
BUILTIN_MODEL = "spun_words.npz"
LEXICON_COLUMNS = ("phrase", "expected", "requires_in_document", "requires_in_sentence", "unless_in_document",
                   "unless_in_sentence", "source")

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
    return tuple(w.lower().replace("’", "'") for w in LEXICON_WORD.findall(text))


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


# The word model's features of one content word, in this order (a "missing" flag is 1 where
# the value cannot be computed: a word the trigram model does not know, the end of a stretch).
WORD_FEATURES = ("zipf", "unknown", "zipf_before", "zipf_after", "left", "left_missing", "left1", "left1_missing",
                 "right", "right_missing", "right1", "right1_missing", "unigram", "unigram_missing",
                 "document_count", "document_stem_count", "document_slot_others")
# Inflections of one word share their first letters often enough (reduce, reduced, reduces).
STEM_CHARS = 5
# The word thresholds are these quantiles of clean training words' scores; the document
# model reads the share of a document's words above each.
WORD_QUANTILES = (0.98, 0.99, 0.995)
# A word above the middle threshold (1 in 100 clean words) is marked as evidence.
EVIDENCE_QUANTILE = 0.99
# Besides those shares, the document model reads the mean of its TOP_WORDS highest word
# scores and the log of its number of words: a share of 2% is one word in 50 but forty in
# 2,000, and a long clean article has more chances of a few odd words.
TOP_WORDS = 10
DOCUMENT_FEATURES = (*(f"share_above_q{q}" for q in WORD_QUANTILES), f"top{TOP_WORDS}_mean", "log_words")


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    """wordfreq's English words and their Zipf frequency (log10 of the count per billion words), made once."""
    from wordfreq import cB_to_freq, get_frequency_list

    # wordfreq keeps its words in buckets of one frequency each (bucket i: -i centibels).
    table = {}
    for index, bucket in enumerate(get_frequency_list("en")):
        value = round(math.log10(cB_to_freq(-index)) + 9.0, 2)
        table.update(dict.fromkeys(bucket, value))
    return table


@dataclass(slots=True)
class Words:
    """The content words of a text a spinner could have swapped, and the word model's features of each."""

    spans: list[tuple[int, int]]
    words: list[str]
    before: list[tuple[str, ...]]  # up to two words before each, in its stretch
    after: list[str | None]  # the word after it
    rows: np.ndarray  # one row of WORD_FEATURES per word


@dataclass(slots=True)
class _Usage:
    """How the whole document uses words: each word and each stem, each pair of words with one
    word between them (a slot), and each slot filled with a given word."""

    words: Counter[str]
    stems: Counter[str]
    slots: Counter[tuple[str, str]]
    filled: Counter[tuple[str, str, str]]


class WordFeatures:
    """How each lower-case content word fits its neighbours under the trigram model, and how common it is.

    A substituted word is usually rarer than the word it replaced and fits neither the words
    before it (``left``: ln P(w | two words before) - ln P(w), ``left1`` with one word) nor
    the word after it (``right``: how much it changes ln P(next | the word before, w),
    ``right1`` with w alone). A spinner also swaps each occurrence on its own, so the word it
    puts in is usually the only one of its kind in the document, while a writer's own rare
    words (a topic's terms) come back: ``document_count`` and ``document_stem_count`` are the
    logs of how often the document uses the word and words of its stem, and
    ``document_slot_others`` how often it puts another word between the same two neighbours
    ("of reduced back" where the rest says "of lower back"; -1 at a stretch's ends).
    Capitalized words (names, sentence starts), short words and stop words are left out:
    spinners leave them alone.
    """

    def __init__(self) -> None:
        self.lm = trigram_model()
        self._stop = stop_words()
        self._zipf = _zipf_table()

    def __call__(self, text: str) -> Words:
        found = Words([], [], [], [], np.zeros((0, len(WORD_FEATURES))))
        rows: list[list[float]] = []
        spans = [m.span() for m in FIT_WORD.finditer(text)]
        lowered = [text[a:b].lower() for a, b in spans]
        # Stretches: runs of words with one space between each.
        stretches, first = [], 0
        for k in range(1, len(spans) + 1):
            if k == len(spans) or spans[k][0] != spans[k - 1][1] + 1 or text[spans[k - 1][1]] != " ":
                if k - first > 1:
                    stretches.append((first, k))
                first = k
        # Word triples inside stretches: the first and last of each is a slot, the middle word fills it.
        triples = [triple for a, b in stretches
                   for triple in zip(lowered[a:b], lowered[a + 1:b], lowered[a + 2:b], strict=False)]
        usage = _Usage(Counter(lowered), Counter([word[:STEM_CHARS] for word in lowered]),
                       Counter([(left, right) for left, _, right in triples]), Counter(triples))
        for a, b in stretches:
            self._stretch(text, spans[a:b], lowered[a:b], usage, found, rows)
        if rows:
            found.rows = np.array(rows, dtype=np.float64)
        return found

    def _stretch(self, text: str, spans: list[tuple[int, int]], t: list[str], usage: _Usage, found: Words,
                 rows: list[list[float]]) -> None:
        prob, unigram, zipf = self.lm.prob, self.lm.unigram, self._zipf.get  # zipf 0 for a word wordfreq has not seen
        n = len(t)
        # ln P(t[j] | two words before) and ln P(t[j] | one word before): word j's left fit and
        # word j - 1's right fit, so each is asked of the model once.
        trigrams: dict[int, float | None] = {}
        bigrams: dict[int, float | None] = {}

        def trigram(j: int) -> float | None:
            if j not in trigrams:
                trigrams[j] = prob(t[j], t[j - 1], t[j - 2]) if j > 1 else prob(t[j], t[0]) if j else prob(t[0])
            return trigrams[j]

        def bigram(j: int) -> float | None:
            if j not in bigrams:
                bigrams[j] = prob(t[j], t[j - 1]) if j else prob(t[0])
            return bigrams[j]

        stop = self._stop
        for i, word in enumerate(t):
            if len(word) < 3 or word in stop or text[spans[i][0]].isupper():
                continue
            row = [zipf(word, 0.0), 0.0, zipf(t[i - 1], 0.0) if i else -1.0, zipf(t[i + 1], 0.0) if i + 1 < n else -1.0,
                   0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0,
                   math.log(usage.words[word]), math.log(usage.stems[word[:STEM_CHARS]]),
                   usage.slots[t[i - 1], t[i + 1]] - usage.filled[t[i - 1], word, t[i + 1]] if 0 < i < n - 1 else -1.0]
            alone = unigram(word)
            if alone is None:
                row[1] = 1.0
            else:
                row[12:14] = alone, 0.0
                row[4:6] = trigram(i) - alone, 0.0
                row[6:8] = bigram(i) - alone, 0.0
                if i + 1 < n:
                    # The next word after this one, against after the word before this one.
                    after, before = trigram(i + 1), prob(t[i + 1], t[i - 1]) if i else prob(t[i + 1])
                    if after is not None and before is not None:
                        row[8:10] = after - before, 0.0
                    after1, before1 = bigram(i + 1), unigram(t[i + 1])
                    if after1 is not None and before1 is not None:
                        row[10:12] = after1 - before1, 0.0
            rows.append(row)
            found.spans.append(spans[i])
            found.words.append(word)
            found.before.append(tuple(t[max(0, i - 2):i]))
            found.after.append(t[i + 1] if i + 1 < n else None)


class SpunModelError(ValueError):
    pass


class SpunModel:
    """The word model (trees over ``WORD_FEATURES``: P(a spinner put this word here)) and the
    document model (logistic, over :data:`DOCUMENT_FEATURES`)."""

    def __init__(self, trees: Trees, meta: dict) -> None:
        self.trees = trees
        self.meta = meta
        self.thresholds = tuple(meta["word_thresholds"])
        self.evidence_threshold = float(meta["evidence_threshold"])
        document = meta["document"]
        self.mean, self.scale, self.coef = document["mean"], document["scale"], document["coef"]
        self.intercept = float(document["intercept"])
        self.sha256: str | None = None

    def word_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.trees.predict(rows) if len(rows) else np.zeros(0)

    def document_features(self, scores: np.ndarray) -> list[float]:
        """The document model's features (:data:`DOCUMENT_FEATURES`; a model file from before
        they were added has the shares alone)."""
        if not len(scores):
            return [0.0] * len(self.coef)
        features = [float(np.mean(scores > t)) for t in self.thresholds]
        if len(self.coef) > len(features):
            features += [float(np.mean(np.sort(scores)[-TOP_WORDS:])), math.log(len(scores))]
        return features

    def probability(self, features: list[float]) -> float:
        z = self.intercept + sum(c * (v - m) / s for v, m, s, c in zip(features, self.mean, self.scale, self.coef,
                                                                          strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def save(self, path: Path) -> None:
        write_model(path, self.trees, WORD_FEATURES, self.meta)

    @classmethod
    def load(cls, path: Path | str | None = None) -> SpunModel:
        """The model at ``path``; the built-in one (``pipeline/models/spun_words.npz``) when None."""
        if path is None:
            with resources.as_file(resources.files("pipeline").joinpath(f"models/{BUILTIN_MODEL}")) as builtin:
                return _load_model(str(builtin))
        return _load_model(str(path))


@lru_cache(maxsize=4)
def _load_model(path: str) -> SpunModel:
    found = read_model(path, WORD_FEATURES, SpunModelError, "spun-text model")
    try:
        model = SpunModel(found.trees, found.meta)
    except KeyError as exc:
        raise SpunModelError(f"{path}: not a spun-text model file (no {exc} in its metadata)") from None
    model.sha256 = found.sha256
    return model


@stage("spun", adds={"spun"}, requires={"blocks"},
       # It fits the words of the kept text: every removal made before it.
       after={"title", "boilerplate", "site_lines", "boilerplate_model", "stuffing"},
       signals=signals(int, {
           "spun_flagged": "1 when spun_score is above [spun] flag_above",
           "spun_tortured_phrases": "distinct tortured phrases found",
           "spun_misfits": "content words the misfit model finds unlikely in their context",
       }) + signals(float, {
           "spun_score": "probability that the text is spun (misfit model and tortured phrases)",
           "spun_misfit_score": "the misfit model's probability (none below min_fit_words)",
           "spun_suspect_share": "spun_misfits / content words fitted",
       }),
       notes=(STATUS_NOTE,), category=Category(STAGE, "Spun text", "#fff0b3", "#8a5a00"),
       config="spun", report="stages/spun.html.j2")
class SpunText(Stage):

    def __init__(
        self,
        *,
        # Tortured-phrase lexicons, built-in file names or paths: tortured_phrases.csv is ours (health
        # and SEO spinning), tortured-phrases.csv the Problematic Paper Screener's (MIT, scientific).
        lexicons: list[str] | tuple[str, ...] = BUILTIN_LEXICONS,
        # The misfit model (models/spun_words.npz, from `python -m pipeline.evaluation.spun --train`),
        # a model file, or None (lexicons only).
        model: str | None = "builtin",
        # Replace tortured phrases with the phrase they most likely replaced (--repair-spun).
        repair: bool = False,
        # Fewer content words than this tell nothing about a writer: no misfit score.
        min_fit_words: int = 30,
        # Each distinct tortured phrase keeps this much of the odds that the text is not spun.
        lexicon_hit_keep: float = 0.7,
        # spun_flagged = 1 above this; the model is shifted so 1% of clean WCXB dev articles of
        # the sites it was fitted on score above 0.5.
        flag_above: float = 0.5,
    ) -> None:
        self.lexicons = tuple(lexicons)
        self.index = _index(self.lexicons)
        self.model = None if model is None else SpunModel.load(None if model == "builtin" else model)
        self.repair = repair
        self.min_fit_words = min_fit_words
        self.lexicon_hit_keep = lexicon_hit_keep
        self.flag_above = flag_above
        self.word_features = None if self.model is None else WordFeatures()
        self.wordnet, self.synonyms_off = None, None
        try:
            self.wordnet = wordnet()  # only names the better-fitting synonym of a misfit
        except WordNetMissing as exc:
            self.synonyms_off = str(exc)

    def provenance(self) -> dict[str, str]:
        found = {"lexicons": ", ".join(self.lexicons)}
        if self.model:
            found["model"] = f"sha256 {self.model.sha256}: {self.model.meta.get('trained_on', '')}"
            found["language_model"] = self.word_features.lm.path
        if self.synonyms_off:
            found["synonyms"] = f"misfits are marked without a better-fitting synonym: {self.synonyms_off}"
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
        doc.signals["spun_suspect_share"] = None
        if self.model is None:
            doc.notes[STATUS_NOTE] = "lexicons only: misfit model off"
            return None
        words = self.word_features(kept)
        if len(words.words) < self.min_fit_words:
            doc.notes[STATUS_NOTE] = (f"lexicons only: {len(words.words)} content words to fit, "
                                      f"fewer than {self.min_fit_words}")
            return None
        scores = self.model.word_scores(words.rows)
        suspects = np.flatnonzero(scores > self.model.evidence_threshold)
        for k in suspects.tolist():
            start, end = words.spans[k]
            reason = f'"{doc.text[start:end]}" is unlikely in its context (word model {scores[k]:.2f})'
            better, gain = self._better(words, k)
            if better and gain is None:
                reason += f'; the language model does not know it, "{better}" fits the slot'
            elif better:
                reason += f'; "{better}" fits the slot {gain:.1f} nats better'
            doc.annotate(start, end, stage=STAGE, rule=MISFIT, action=Action.FLAG, reason=reason)
        doc.signals["spun_misfits"] = len(suspects)
        doc.signals["spun_suspect_share"] = len(suspects) / len(words.words)
        doc.notes[STATUS_NOTE] = f"ran ({len(words.words)} content words fitted)"
        return self.model.probability(self.model.document_features(scores))

    def _better(self, words: Words, k: int) -> tuple[str | None, float | None]:
        """The WordNet synonym that fills the word's slot best, if it fills it better, and by how
        many nats (None when the language model does not know the word itself)."""
        if self.wordnet is None:
            return None, None
        lm, before, after = self.word_features.lm, words.before[k], words.after[k]

        def fill(word: str) -> float | None:
            here = lm.logprob(word, *before)
            if here is None or after is None:
                return here
            nxt = lm.logprob(after, *before[-1:], word)
            return None if nxt is None else here + nxt

        own = fill(words.words[k])
        best = None
        for synonym in self.wordnet.synonyms(words.words[k]):
            score = fill(synonym)
            if score is not None and (best is None or score > best[1]):
                best = (synonym, score)
        if best is None or (own is not None and best[1] <= own):
            return None, None
        return best[0], None if own is None else best[1] - own

    # --- tortured phrases -------------------------------------------------------------

    def _tortured(self, doc: Document, kept: str) -> list[tuple[int, int, Entry]]:
        # Lower-cased word by word: lower() may change a string's length ("İ"), offsets must not move.
        matches = list(LEXICON_WORD.finditer(kept))
        words = tuple(m.group().lower().replace("’", "'") for m in matches)
        present = " " + " ".join(words) + " "
        hits, after = [], 0  # a hit's words are not the start of another
        index = self.index
        for i in [i for i, word in enumerate(words) if word in index]:
            if i < after:
                continue
            for entry in index[words[i]]:
                n = len(entry.words)
                if words[i:i + n] != entry.words:
                    continue
                start, end = matches[i].start(), matches[i + n - 1].end()
                if not _ONE_STRETCH.fullmatch(kept, start, end):
                    continue
                if self._applies(entry, kept, start, end, present):
                    hits.append((start, end, entry))
                    after = i + n
                    break
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
    cuts = [0] + [m.end() for m in SENTENCE_SPACE.finditer(line)] + [len(line)]
    at = start - line_start
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a <= at < b:
            return line[a:b]
    return line


def _match_case(found: str, expected: str) -> str:
    if found[:1].isupper():
        return expected[:1].upper() + expected[1:]
    return expected
