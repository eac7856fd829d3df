"""Spun text measured on development data.

Two sense-blind synonym spinners, so that the model is never scored on the dictionary it
was trained on:

* **training** (:mod:`pipeline.stages.spun.train`): WordNet synonyms (the detector's own
  thesaurus), on the articles of the WCXB dev sites in fold A;
* **evaluation**: the Moby thesaurus as Debian's ``libaiksaurus-1.2-data`` ships it (a
  different, much looser thesaurus), on the articles of the sites in fold B.

Each spinner replaces a share (10%, 20%, 30%) of the content words it has synonyms for with
a random synonym of any sense, the way spinning tools do. Negatives are the same fold's
clean articles; the seeds are checked on their own (003 and 004 are real spun articles,
000-002 are not).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import struct
import sys
from functools import lru_cache
from pathlib import Path

from pipeline.core.config import load_config
from pipeline.evaluation.wcxb import DEFAULT_WCXB, Page, articles, fold, load_pages
from pipeline.io.records import RawRecord
from pipeline.language.nlp import stop_words
from pipeline.language.wordnet import wordnet
from pipeline.run.processor import build_pipeline
from pipeline.stages.normalize import make_document

SEED = 20261121
RATES = (0.1, 0.2, 0.3)
MOBY_DIR = Path("/usr/share/aiksaurus")
_TOKEN = re.compile(r"([A-Za-z]+)")
# A spinner leaves short words, stop words and capitalized words (names, sentence starts) alone.
MIN_SPUN_WORD = 4




class Spinner:
    """Replace ``rate`` of the words it has synonyms for with one of them, of any sense."""

    def __init__(self, synonyms) -> None:
        self.synonyms = synonyms
        self.stop = stop_words()

    def __call__(self, text: str, rate: float, rng: random.Random) -> str:
        return self.marked(text, rate, rng)[0]

    def marked(self, text: str, rate: float, rng: random.Random) -> tuple[str, set[int]]:
        """The spun text and where each swapped word starts in it."""
        out, swapped, at = [], set(), 0
        for piece in _TOKEN.split(text):
            if (len(piece) >= MIN_SPUN_WORD and piece.islower() and piece not in self.stop
                    and rng.random() < rate and (options := self.synonyms(piece))):
                piece = rng.choice(options)
                swapped.add(at)
            out.append(piece)
            at += len(piece)
        return "".join(out), swapped


def wordnet_spinner() -> Spinner:
    from pipeline.language.lm import trigram_model

    lm = trigram_model()
    net = wordnet()

    @lru_cache(maxsize=None)
    def synonyms(word: str) -> tuple[str, ...]:
        return tuple(s for s in net.synonyms(word) if lm.known(s))

    return Spinner(synonyms)


def moby_spinner(root: Path = MOBY_DIR) -> Spinner:
    """Aiksaurus's files: words.dat holds each word and its meaning numbers, meanings.dat each
    meaning's word numbers (two title words first); 16-bit big-endian, 0xFFFF ends a list."""
    words, meanings_of = [], []
    data = (root / "words.dat").read_bytes()
    i = 0
    while i < len(data):
        end = data.index(b"\0", i)
        words.append(data[i:end].decode("latin-1").replace(":", " "))
        ids, i = _ids(data, end + 1)
        meanings_of.append(ids)
    data = (root / "meanings.dat").read_bytes()
    meanings, i = [], 0
    while i < len(data):
        ids, i = _ids(data, i)
        meanings.append([words[x] for x in ids[2:]])
    by_word = dict(zip(words, meanings_of, strict=True))

    @lru_cache(maxsize=None)
    def synonyms(word: str) -> tuple[str, ...]:
        found = {s for m in by_word.get(word, ()) for s in meanings[m] if s != word and " " not in s}
        return tuple(sorted(found))

    return Spinner(synonyms)


def _ids(data: bytes, i: int) -> tuple[list[int], int]:
    ids = []
    while data[i:i + 2] != b"\xff\xff":
        ids.append(struct.unpack(">H", data[i:i + 2])[0])
        i += 2
    return ids, i + 2


class SpunOnly:
    """The spun stage after segmenting, on an article's text."""

    def __init__(self, **overrides) -> None:
        config = load_config()
        config["pipeline"]["stages"] = ["segment", "spun"]
        config["spun"].update(overrides)
        self.pipeline = build_pipeline(config)

    def __call__(self, page: Page, body: str):
        doc = make_document(RawRecord(id=page.id, source=f"{page.id}.txt", position=1, text=body, title=page.title))
        return self.pipeline(doc)


def auc(negatives: list[float], positives: list[float]) -> float:
    """P(a positive scores above a negative), ties counting half."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / max(len(positives) * len(negatives), 1)


def evaluate(pages: list[Page], *, threshold: float | None = None) -> dict:
    threshold = load_config()["spun"]["flag_above"] if threshold is None else threshold
    rng = random.Random(SEED)
    spin = moby_spinner()
    stage = SpunOnly()
    held_out = [p for p in articles(pages) if fold(p) == "B"]
    clean_signals = [stage(p, p.gold).signals for p in held_out]
    clean = [signals["spun_score"] for signals in clean_signals]
    clean_lexicon_hits = sum(signals["spun_tortured_phrases"] > 0 for signals in clean_signals)
    spun = {rate: [stage(p, spin(p.gold, rate, rng)).signals["spun_score"] for p in held_out] for rate in RATES}
    every = [s for rate in RATES for s in spun[rate]]
    flagged_clean = sum(s > threshold for s in clean)
    flagged_spun = sum(s > threshold for s in every)
    return {
        "articles": len(held_out),
        "threshold": threshold,
        "auc": auc(clean, every),
        "auc_by_rate": {str(rate): auc(clean, spun[rate]) for rate in RATES},
        "recall_by_rate": {str(rate): sum(s > threshold for s in spun[rate]) / max(len(held_out), 1)
                           for rate in RATES},
        "precision": flagged_spun / max(flagged_spun + flagged_clean, 1),
        "recall": flagged_spun / max(len(every), 1),
        "clean_flagged": flagged_clean / max(len(clean), 1),
        "clean_with_tortured_phrase": clean_lexicon_hits,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation.spun", description=__doc__)
    parser.add_argument("--wcxb", type=Path, default=DEFAULT_WCXB)
    args = parser.parse_args(argv)
    pages = load_pages(args.wcxb, page_types={"article"})
    print(json.dumps(evaluate(pages), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
