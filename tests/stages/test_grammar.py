"""The grammar stage: LanguageTool matches mapped onto the document, and plain skips without it."""

from __future__ import annotations

import os

import pytest
from language_tool_python import Match

from pipeline.core.config import ConfigError
from pipeline.core.document import Action, Document
from pipeline.stages.grammar import CATEGORIES, Grammar, kept_text, pieces, record
from tests.conftest import RAW, run_cli


def lt_match(offset: int, length: int, rule: str, category: str, message: str, text: str) -> Match:
    """A Match as language-tool-python builds it from LanguageTool's JSON answer."""
    return Match({
        "message": message, "shortMessage": "", "replacements": [], "offset": offset, "length": length,
        "context": {"text": text, "offset": offset, "length": length}, "sentence": text,
        "rule": {"id": rule, "description": "", "issueType": "grammar", "category": {"id": category, "name": ""}},
    }, text)


def test_matches_on_the_kept_text_land_on_the_original_characters():
    doc = Document(id="d", text="Share this!\n\nThey was happy. Their is a dog.", source="d.txt")
    doc.annotate(0, 13, category="boilerplate", rule="share", action=Action.REMOVE, reason="share bar")
    doc.signals["words_out"] = 8
    text, positions = kept_text(doc)
    assert text == "They was happy. Their is a dog."
    matches = [
        lt_match(5, 3, "THEY_WAS", "GRAMMAR", "Did you mean 'were'?", text),
        lt_match(16, 5, "THEIR_IS", "CONFUSED_WORDS", "Did you mean 'There'?", text),
        lt_match(27, 3, "SOME_RULE", "WIKIPEDIA", "A category we do not list.", text),
    ]
    record(doc, matches, positions)
    flags = [(doc.text[a.start : a.end], a.rule, a.action, a.reason) for a in doc.annotations if a.category == "grammar"]
    assert flags == [
        ("was", "they_was", Action.FLAG, "LanguageTool GRAMMAR: Did you mean 'were'?"),
        ("Their", "their_is", Action.FLAG, "LanguageTool CONFUSED_WORDS: Did you mean 'There'?"),
        ("dog", "some_rule", Action.FLAG, "LanguageTool WIKIPEDIA: A category we do not list."),
    ]
    assert doc.signals["grammar_per_100_words"] == 3 * 100 / 8
    assert doc.signals["grammar_grammar_per_100_words"] == 100 / 8
    assert doc.signals["grammar_confused_words_per_100_words"] == 100 / 8
    assert doc.signals["grammar_other_per_100_words"] == 100 / 8
    assert sum(doc.signals[f"grammar_{c}_per_100_words"] for c in CATEGORIES) == 3 * 100 / 8


def test_long_texts_go_to_languagetool_in_pieces_cut_at_line_breaks():
    assert list(pieces("aaaa\nbbbb\ncc", limit=6)) == [("aaaa\n", 0), ("bbbb\n", 5), ("cc", 10)]
    assert list(pieces("abcdefghij", limit=4)) == [("abcd", 0), ("efgh", 4), ("ij", 8)]
    assert list(pieces("")) == []


def test_switched_off_it_says_so():
    doc = Document(id="d", text="Text.", source="d.txt")
    Grammar(languagetool=None)(doc)
    assert doc.notes == {"grammar_status": "off"}
    assert not any(name.startswith("grammar") for name in doc.signals)


def test_an_unreachable_server_skips_the_stage_with_the_reason():
    grammar = Grammar(languagetool_url="http://127.0.0.1:9")
    doc = Document(id="d", text="Text.", source="d.txt")
    grammar(doc)
    assert doc.notes["grammar_status"] == (
        "skipped: the LanguageTool server http://127.0.0.1:9 did not answer (LanguageToolError)"
    )
    assert grammar.provenance() == {"languagetool": doc.notes["grammar_status"]}


def test_a_folder_without_languagetool_skips_the_stage_with_the_reason(tmp_path):
    doc = Document(id="d", text="Text.", source="d.txt")
    Grammar(languagetool_path=str(tmp_path))(doc)
    assert doc.notes["grammar_status"] in (
        f"skipped: no languagetool-server.jar in {tmp_path}",
        "skipped: Java is not installed (LanguageTool runs on Java 17+)",
    )


def test_an_unknown_languagetool_setting_is_a_config_error():
    with pytest.raises(ConfigError, match='must be "auto" or "none"'):
        Grammar(languagetool="yes")


def test_the_run_goes_on_and_every_report_says_grammar_was_skipped(tmp_path):
    run = run_cli(RAW, tmp_path, "--languagetool-url", "http://127.0.0.1:9")
    assert run.exit_code == 0
    signals = run.signals
    assert set(signals["status"]) == {"kept"}
    reason = "skipped: the LanguageTool server http://127.0.0.1:9 did not answer (LanguageToolError)"
    assert signals["grammar_status"].tolist() == [reason] * len(signals)
    assert signals["grammar_per_100_words"].isna().all()
    for doc_id in signals["id"]:
        assert f"<dt>Grammar</dt><dd>LanguageTool {reason}</dd>" in (run.reports / f"{doc_id}.html").read_text()


LANGUAGETOOL_URL = os.environ.get("CLEAN_CORPUS_LANGUAGETOOL_URL")


@pytest.mark.skipif(not LANGUAGETOOL_URL, reason="no LanguageTool reachable: set CLEAN_CORPUS_LANGUAGETOOL_URL "
                    "to a LanguageTool server (LanguageTool cannot be downloaded on this machine)")
def test_a_real_languagetool_flags_a_grammar_error():
    grammar = Grammar(languagetool_url=LANGUAGETOOL_URL)
    doc = Document(id="d", text="He go to school every day.", source="d.txt")
    doc.signals["words_out"] = 6
    grammar(doc)
    assert doc.notes["grammar_status"] == f"ran (server {LANGUAGETOOL_URL})"
    assert [doc.text[a.start : a.end] for a in doc.annotations] == ["go"]
    assert doc.signals["grammar_grammar_per_100_words"] == 100 / 6
