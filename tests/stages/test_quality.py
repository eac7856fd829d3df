"""Gopher, C4 and FineWeb signals, checked against values computed by hand.

Each document's expected verdicts are datatrove 0.10.1's (GopherQualityFilter,
GopherRepetitionFilter, C4QualityFilter, FineWebQualityFilter at default settings),
which also agree on all 1,337 WCXB dev gold texts (`make eval` re-checks that).
"""

from __future__ import annotations

import pytest

from pipeline.core.config import load_config
from pipeline.core.decide import Decide
from pipeline.core.document import Document, Status
from pipeline.stages.quality import web_signals


def verdicts(text: str) -> dict[str, list[str]]:
    """filter set -> the reasons it drops ``text`` for (empty: kept)."""
    out = {}
    for name in ("gopher_quality", "gopher_repetition", "c4", "fineweb"):
        config = load_config()
        config["decide"].update(filters=[name], min_words=None)
        doc = Document(id="d", source="s", text=text, signals=web_signals(text))
        out[name] = Decide.from_config(config)(doc).reasons
    return out


def test_short_document():
    # Tokens: "Hello", "world", "." -> 3 words, 2 of them not symbols, both 5 letters long.
    s = web_signals("Hello world.")
    assert (s["gopher_doc_words"], s["gopher_avg_word_length"], s["gopher_stop_words"]) == (2, 5.0, 0)
    assert s["gopher_alpha_words_ratio"] == pytest.approx(2 / 3)
    # One line, 12 characters: short (<= 30) and ending in a terminal mark.
    assert (s["short_line_ratio"], s["line_punct_ratio"]) == (1.0, 1.0)
    # "Hello world." has 2 words: below C4's 3 words per line, so no sentence survives.
    assert s["c4_sentences"] == 0
    # The only 2-gram, "Hello world", is 11 characters of a 12-character text.
    assert s["top_2_gram"] == pytest.approx(11 / 12)
    assert verdicts("Hello world.") == {
        "gopher_quality": ["gopher_quality.gopher_short_doc", "gopher_quality.gopher_below_alpha_threshold",
                           "gopher_quality.gopher_enough_stop_words"],
        "gopher_repetition": ["gopher_repetition.top_2_gram", "gopher_repetition.top_3_gram"],
        "c4": ["c4.too_few_sentences"],
        "fineweb": ["fineweb.short_line_ratio"],
    }


def test_duplicate_lines():
    text = "alpha beta gamma.\nalpha beta gamma.\ndelta epsilon zeta."
    s = web_signals(text)
    # 3 lines, 1 repeats an earlier one: 1/3 > 0.3. Its 17 characters of 55: 0.309 > 0.2.
    assert s["dup_line_frac"] == pytest.approx(1 / 3)
    assert s["dup_line_char_frac"] == pytest.approx(17 / 55)
    # FineWeb counts duplicate line characters against the 53 non-newline characters.
    assert s["char_dup_ratio"] == pytest.approx(17 / 53)
    # 12 words (9 + 3 periods), 2 newlines.
    assert s["list_ratio"] == pytest.approx(2 / 12)
    assert verdicts(text)["gopher_repetition"][:2] == [
        "gopher_repetition.dup_line_frac", "gopher_repetition.dup_line_char_frac",
    ]


def test_navigation_menu_fails_fineweb_short_lines():
    text = "Home\nAbout us\nContact\nThis is a sentence that ends properly."
    s = web_signals(text)
    # 3 of 4 lines are at most 30 characters (0.75 > 0.67); 1 of 4 ends in punctuation (0.25 >= 0.12).
    assert (s["short_line_ratio"], s["line_punct_ratio"]) == (0.75, 0.25)
    assert verdicts(text)["fineweb"] == ["fineweb.short_line_ratio"]


def test_lorem_ipsum_drops_the_page_under_c4():
    text = "This line has enough words.\nShort.\nlorem ipsum dolor sit amet."
    s = web_signals(text)
    # "Short." has one word and is skipped; the other two lines are one sentence each.
    assert (s["c4_lorem_ipsum"], s["c4_curly_bracket"], s["c4_sentences"]) == (1, 0, 2)
    assert verdicts(text)["c4"] == ["c4.lorem_ipsum", "c4.too_few_sentences"]


def test_five_sentences_pass_c4():
    text = ("The first line has a sentence. It has two.\nA second line ends here.\nThird line, one sentence!\n"
            "Fourth line asks a question?\nNo period here")
    s = web_signals(text)
    # 2 + 1 + 1 + 1 sentences; the last line has no terminal punctuation and is not counted.
    assert s["c4_sentences"] == 5
    assert verdicts(text)["c4"] == [] and verdicts(text)["gopher_repetition"] == []


def test_compression_ratio_is_low_for_repetitive_text():
    varied = web_signals("Rivers carry sediment from the mountains down to the sea, slowly.")["compression_ratio"]
    repeated = web_signals("spam " * 200)["compression_ratio"]
    assert repeated < 0.05 < 0.5 < varied


def test_empty_text_has_no_undefined_ratios():
    s = web_signals("")
    assert s["gopher_doc_words"] == 0 and s["gopher_avg_word_length"] is None and s["compression_ratio"] is None


def test_default_policy_keeps_the_seeds_and_decides_by_length_alone(seed_run):
    assert load_config()["decide"]["filters"] == []
    assert load_config(preset="pretraining")["decide"]["filters"] == ["gopher_repetition", "c4"]
    assert list(seed_run.signals["status"]) == ["kept"] * 5
    assert seed_run.signals["c4_sentences"].min() >= 5


def test_a_short_clean_article_comes_back_and_the_pretraining_preset_drops_it():
    # A news brief: four sentences, 66 words; C4 wants five sentences.
    text = ("The town council met on Tuesday evening to discuss the budget for the coming year. Members agreed "
            "that the library and the public swimming pool will stay open on weekends. The mayor said the plan "
            "keeps property taxes where they are for at least another year. A final vote is planned for the "
            "second week of March, after a public hearing in the old town hall.")
    signals = {**web_signals(text), "words_out": len(text.split())}
    assert (signals["words_out"], signals["c4_sentences"]) == (66, 4)
    default = Decide.from_config(load_config())(Document(id="d", source="s", text=text, signals=dict(signals)))
    assert (default.status, default.reasons) == (Status.KEPT, [])
    strict = Decide.from_config(load_config(preset="pretraining"))(
        Document(id="d", source="s", text=text, signals=dict(signals)))
    assert (strict.status, strict.reasons) == (Status.DROPPED, ["c4.too_few_sentences"])


def test_unknown_filter_set_is_refused():
    config = load_config()
    config["decide"]["filters"] = ["gopher", "c4"]
    with pytest.raises(ValueError, match="unknown filter set"):
        Decide.from_config(config)
