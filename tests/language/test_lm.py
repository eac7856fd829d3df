"""The compiled trigram model answers every query as pocketsphinx reads the same file: the same
whole LogMath units, unknown words and histories included."""

from __future__ import annotations

import random
from pathlib import Path

import pocketsphinx
import pytest

from pipeline._core import TrigramLm
from pipeline.language.lm import LOG_ZERO, NATS_PER_UNIT, trigram_model
from pipeline.text.words import FIT_WORD

RAW = Path(__file__).resolve().parents[2] / "raw"


@pytest.fixture(scope="module")
def models() -> tuple[pocketsphinx.NGramModel, TrigramLm]:
    path = trigram_model().path
    pocketsphinx.set_loglevel("ERROR")
    return pocketsphinx.NGramModel.readfile(path), trigram_model().compiled


def _queries() -> list[tuple[str, ...]]:
    """Every word of the seed pages with one and two words before it, then random pairs and
    triples of their words (most of which back off), and words the model does not know."""
    words = [w.lower() for page in sorted(RAW.glob("*.txt")) for w in FIT_WORD.findall(page.read_text("utf-8"))]
    queries = [q for i in range(2, len(words)) for q in ((words[i],), (words[i], words[i - 1]),
                                                          (words[i], words[i - 1], words[i - 2]))]
    rng, vocabulary = random.Random(5), sorted(set(words))
    queries += [tuple(rng.choice(vocabulary) for _ in range(rng.choice((2, 3)))) for _ in range(20_000)]
    return queries + [("qzxv",), ("qzxv", "the"), ("the", "qzxv"), ("of", "the", "qzxv"), ("The", "of"),
                      ("of", "the", "end", "of")]


def test_every_query_gets_pocketsphinx_units(models):
    oracle, ours = models
    queries = _queries()
    assert len(queries) > 30_000
    expected = [units if (units := oracle.prob(list(q))) >= LOG_ZERO else None for q in queries]
    assert [ours.units(*q) for q in queries] == expected
    # Seen, backed off and unknown all occur.
    assert expected.count(None) >= 4 and len(set(expected)) > 1_000


def test_probabilities_are_natural_logs(models):
    oracle, _ = models
    lm = trigram_model()
    assert lm.prob("qzxv") is None and not lm.known("qzxv")
    assert lm.prob("of", "end", "the") == oracle.prob(["of", "end", "the"]) * NATS_PER_UNIT
    # "of the" is far likelier after "end" than "the" is alone.
    assert lm.logprob("the", "end", "of") > lm.logprob("the") > lm.logprob("sediment")


def test_a_file_that_is_not_a_trie_model_is_refused(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"Darpa Trigram LM\0")
    with pytest.raises(ValueError, match="not a trie language model"):
        TrigramLm(path, log_zero=LOG_ZERO, nats_per_unit=NATS_PER_UNIT)
    with pytest.raises(OSError):
        TrigramLm(tmp_path / "missing.bin", log_zero=LOG_ZERO, nats_per_unit=NATS_PER_UNIT)
