"""The spaCy model: explosion's en_core_web_sm 3.8.0, whichever package brings it."""

from __future__ import annotations

import importlib.util

from pipeline.language.nlp import MODELS, model_package, parser


def test_the_model_is_en_core_web_sm_3_8_0_from_the_first_package_installed():
    installed = [name for name in MODELS if importlib.util.find_spec(name) is not None]
    assert model_package() == installed[0]
    meta = parser().meta
    assert (meta["lang"], meta["name"], meta["version"]) == ("en", model_package().removeprefix("en_"), "3.8.0")
    assert "ner" not in parser().pipe_names and "parser" in parser().pipe_names
