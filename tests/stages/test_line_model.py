"""The line model's tree walk, its file format, and its features on a hand-made page."""

from __future__ import annotations

import json
import math
import random
import re

import numpy as np
import pytest

from pipeline.language.trees import Trees
from pipeline.stages.boilerplate_model.features import (
    DATE_LETTERS,
    FEATURES,
    LINE_FEATURES,
    NO_TOPIC,
    LexiconRule,
    Vocabulary,
    evidence,
    line_features,
)
from pipeline.stages.boilerplate_model.model import LineModel, ModelError


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture
def two_trees() -> LineModel:
    """Tree 0: x0 <= 0.5 ? +1 : (x1 <= 2 ? -1 : +2). Tree 1: a single leaf, +0.5. Baseline -0.5."""
    leaf = np.inf
    trees = {
        "feature": np.array([[0, 0, 1, 0, 0], [0, 0, 0, 0, 0]], dtype=np.int16),
        "threshold": np.array([[0.5, leaf, 2.0, leaf, leaf], [leaf] * 5]),
        "left": np.array([[1, 1, 3, 3, 4], [0, 1, 2, 3, 4]], dtype=np.int32),
        "right": np.array([[2, 1, 4, 3, 4], [0, 1, 2, 3, 4]], dtype=np.int32),
        "value": np.array([[0, 1.0, 0, -1.0, 2.0], [0.5, 0, 0, 0, 0]]),
        "depth": 2,
        "baseline": -0.5,
    }
    return LineModel(Trees(trees), Vocabulary({"menu": -2.0}, {}), {"data": "hand-made"})


def test_all_trees_are_walked_to_their_leaves(two_trees):
    # A missing value (NaN) is never at most a threshold: it goes right, as in the numpy walk before.
    rows = np.array([[0.2, 9.0], [0.5, 3.0], [0.9, 2.0], [0.9, 5.0], [np.nan, 9.0], [0.2, np.nan]])
    assert two_trees.predict(rows).tolist() == pytest.approx(
        [sigmoid(1.0), sigmoid(1.0), sigmoid(-1.0), sigmoid(2.0), sigmoid(2.0), sigmoid(1.0)], abs=1e-15
    )


def test_a_model_file_round_trips(two_trees, tmp_path):
    path = tmp_path / "model.npz"
    two_trees.save(path)
    loaded = LineModel.load(path)
    rows = np.array([[0.2, 9.0], [0.9, 2.0]])
    assert loaded.predict(rows).tolist() == two_trees.predict(rows).tolist()
    assert loaded.vocabulary.token_odds == {"menu": -2.0}
    assert loaded.meta["data"] == "hand-made"
    again = tmp_path / "again.npz"
    loaded.save(again)
    assert again.read_bytes() == path.read_bytes()  # no timestamps: one model, one digest


def test_a_model_for_other_features_is_refused(two_trees, tmp_path):
    path = tmp_path / "old.npz"
    two_trees.save(path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["meta"] = np.array(json.dumps({"features": list(FEATURES[:-1])}))
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match="other features"):
        LineModel.load(path)


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_text("not a model")
    with pytest.raises(ModelError, match="not a line model file"):
        LineModel.load(path)


def test_vocabulary_log_odds_are_laplace_smoothed_document_frequencies():
    lines = ["Share on Facebook", "Share this", "The river is wide.", "The river flows."]
    vocabulary = Vocabulary.fit(lines, [0, 0, 1, 1], min_count=2)
    # "share": in 0 of 2 content lines and 2 of 2 boilerplate lines (+1 smoothing, 3 lines each side).
    assert vocabulary.token_odds == {"river": math.log(3 / 3) - math.log(1 / 3),
                                     "share": math.log(1 / 3) - math.log(3 / 3),
                                     "the": math.log(3 / 3) - math.log(1 / 3)}
    assert vocabulary.first_odds == {"share": math.log(1 / 3) - math.log(3 / 3),
                                     "the": math.log(3 / 3) - math.log(1 / 3)}


def test_features_read_layout_prose_and_vocabulary():
    texts = [
        "- Home",
        "- About us",
        "The river carries sediment from the high mountains down to the sea.",
        "Fish in fast water have streamlined bodies and very strong fins.",
        "Copyright © 2024 River News",
    ]
    indents = [8, 8, 2, 2, 4]
    vocabulary = Vocabulary({"home": -3.0, "river": 1.0}, {"home": -2.5})
    rows = line_features(texts, indents, vocabulary, LexiconRule())
    assert rows.shape == (5, len(FEATURES))
    column = {name: rows[:, i].tolist() for i, name in enumerate(FEATURES)}
    assert column["is_bullet"] == [1, 1, 0, 0, 0]
    assert column["is_prose"] == [0, 0, 1, 1, 0]
    assert column["in_region"] == [0, 0, 1, 1, 0]
    assert column["nonprose_run"] == pytest.approx([math.log1p(2)] * 2 + [0, 0, math.log1p(1)])
    assert column["has_copyright"] == [0, 0, 0, 0, 1]
    assert column["lexicon_rule"] == [0, 0, 0, 0, 1]  # the copyright footer rule
    # The prose sits at indent 2: that indentation holds all the prose words.
    assert column["indent_is_prose_indent"] == [0, 0, 1, 1, 0]
    assert column["indent_prose_share"] == [0, 0, 1, 1, 0]
    assert column["run_lines"] == pytest.approx([math.log1p(2)] * 4 + [math.log1p(1)])
    assert column["vocab_mean"] == pytest.approx([-3.0, 0, 1 / 12, 0, 1 / 4])  # "- Home": one token, "home"
    assert column["vocab_first"] == [-2.5, 0, 0, 0, 0]
    # Context: the mean of is_prose over +-1 line.
    assert column["is_prose_w1"] == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3, 1 / 2])
    assert len(LINE_FEATURES) + 18 == len(FEATURES)


# A page after the fashion of the benchmarks' news pages: menu, article with a list it introduces,
# then a related-headline run about something else and a footer.
PAGE = [
    "Home",
    "World",
    "Sport",
    "The river carries sediment from the high mountains down to the sea.",
    "Anglers on the river report that trout numbers have doubled since the dam came down:",
    "- trout",
    "- grayling",
    "Fish in the river now swim upstream to spawn for the first time in decades.",
    "Ten phones worth buying this winter",
    "Celebrity chef opens a bakery",
    "Why mortgage rates keep climbing",
    "Copyright © 2024 River News",
]


def page_columns(texts: list[str]) -> dict[str, list[float]]:
    rows = line_features(texts, [0] * len(texts), Vocabulary({}, {}), LexiconRule())
    return {name: rows[:, i].round(4).tolist() for i, name in enumerate(FEATURES)}


def test_place_is_measured_against_the_main_run_of_prose_not_the_page():
    column = page_columns(PAGE)
    # The main run: lines 3-7 (prose of 12, 15 and 15 words; the 2-line list costs 2 x 6), 44 words of 67.
    assert column["in_region"] == [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert column["region_page_share"] == [round(44 / 67, 4)] * 12
    # Words between the region and the line, in region lengths: "Home" lies 2 words before it,
    # the footer 6 + 5 + 5 words after it.
    assert column["words_before_region"] == [round(2 / 44, 4), round(1 / 44, 4), *[0.0] * 10]
    assert column["words_after_region"] == [*[0.0] * 9, round(6 / 44, 4), round(11 / 44, 4), round(16 / 44, 4)]
    assert column["region_distance"] == [0.06, 0.04, 0.02, 0, 0, 0, 0, 0, 0.02, 0.04, 0.06, 0.08]


def test_topic_overlap_is_the_share_of_content_words_the_other_prose_uses():
    column = page_columns(PAGE)
    # "trout" is in the anglers' sentence; "grayling" in no prose; "river" is in all three
    # prose lines; the headlines share nothing with the article.
    assert column["topic_overlap"][5:7] == [1.0, 0.0]
    assert column["topic_overlap"][3] == round(1 / 6, 4)  # river of river, carries, sediment, high, mountains, sea
    assert column["topic_overlap"][8:11] == [0.0, 0.0, 0.0]
    assert column["topic_overlap"][11] == round(1 / 3, 4)  # river of copyright, river, news (not 2024)
    # The page's only prose line has no other prose to compare with; a line without content words neither.
    assert page_columns(["Home", PAGE[3], "- 2024"])["topic_overlap"] == [0.0, NO_TOPIC, NO_TOPIC]


def test_a_list_the_article_introduces_is_told_from_a_run_that_follows_nothing():
    column = page_columns(PAGE)
    assert column["nonprose_run"] == pytest.approx([math.log1p(3)] * 3 + [0, 0] + [math.log1p(2)] * 2 + [0]
                                                   + [math.log1p(4)] * 4, abs=1e-4)
    assert column["after_colon"] == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    assert column["after_prose"] == [0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1]


def test_furniture_between_a_line_and_the_article_is_counted_outside_and_inside_its_run():
    texts = [
        "Home",
        "Share on Facebook",  # a rule's line
        PAGE[3],
        "Anglers on the river report that trout numbers have doubled since the dam came down.",
        "Leave a reply",  # a rule's line
        "Share this on Facebook and Twitter",  # half its words are widget words
        "Name",
        "Email",  # a rule's line of widget words
        "I fished there last spring and caught nothing at all, sadly.",
        "Reply",
        "Copyright 2024 River News, all rights reserved.",  # a rule's line
    ]
    column = page_columns(texts)
    assert column["in_region"] == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    # The comment has three marks above it, the run under it the same three; the menu's run touches
    # the article: none.
    assert column["marks_to_region"] == [0, 0, 0, 0, 0, 0, 0, 0, *[round(math.log1p(3), 4)] * 3]
    # Within a run, the marks on the article's side of a line: "Home" has "Share on Facebook" below
    # it; "Name" has "Leave a reply" and the sharing line above it; "Copyright" has "Reply".
    assert column["marks_in_run"] == [round(math.log1p(k), 4) for k in (1, 0, 0, 0, 0, 1, 2, 2, 0, 0, 1)]
    facts = evidence(line_features(texts, [0] * len(texts), Vocabulary({}, {}), LexiconRule()))
    assert facts[8] == ["5 lines from the page's main run of prose", "3 lines of page furniture between them",
                        "none of its words are in the page's prose"]
    assert facts[10][:2] == ["7 lines from the page's main run of prose", "4 lines of page furniture between them"]


def test_the_article_ends_where_a_dated_line_or_furniture_interrupts_its_prose():
    texts = [
        PAGE[3],  # 12 words
        "Anglers on the river report that trout numbers have doubled since the dam came down.",  # 15
        "Posted by: Ann Lee on December 30, 2007 04:20 PM",  # dated, not prose
        "I fished there last spring and caught nothing at all, sadly for me.",  # 13
        "Posted by: Bob Ray on December 31, 2007 05:39 PM",
        "The dam should have come down twenty years ago, and everyone here knew it.",  # 14
        "A short note",  # 3 words, not prose: a line of the article would cost 6
        "Fish in the river now swim upstream to spawn for the first time in decades.",  # 15
    ]
    column = page_columns(texts)
    # The main run bridges each non-prose line for 6 words, so it runs through the comments; the
    # article's own region pays 40 for a dated line and stops before the first byline.
    assert column["in_region"] == [1] * 8
    assert column["in_article"] == [1, 1, 0, 0, 0, 0, 0, 0]
    assert column["article_distance"] == [0, 0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12]
    # Words past the article's 27, in article lengths.
    after = [0, 0, 0, 11, 24, 35, 49, 52]
    assert column["words_after_article"] == [round(w / 27, 4) for w in after]
    facts = evidence(line_features(texts, [0] * len(texts), Vocabulary({}, {}), LexiconRule()))
    assert facts[3] == ["2 lines past the article's end, which a dated line or page furniture marks",
                        "none of its words are in the page's prose"]
    assert facts[0] == ["17% of its words are in the page's prose"]  # in the article: no fact of place
    # A comment longer than the article outweighs it: the article's own region is then the comment,
    # and the article's lines lie before its start (the reason can only say where, not what).
    thread = [PAGE[3], "Posted by: Ann Lee on December 30, 2007 04:20 PM", f"{PAGE[7]} {PAGE[3]}"]
    assert page_columns(thread)["in_article"] == [0, 0, 1]
    assert evidence(line_features(thread, [0] * 3, Vocabulary({}, {}), LexiconRule()))[0][0] == (
        "2 lines before the article's start, which a dated line or page furniture marks")
    # Without dates or furniture the two regions are one.
    plain = page_columns([PAGE[3], "A short note", PAGE[7]])
    assert plain["in_article"] == plain["in_region"] == [1, 1, 1]


def test_page_features_say_how_much_furniture_the_page_has():
    column = page_columns(PAGE)
    assert column["page_log_words"] == [round(math.log1p(67), 4)] * 12
    assert column["page_prose_share"] == [round(42 / 67, 4)] * 12
    assert column["page_nonprose_lines"] == [round(math.log1p(9), 4)] * 12
    assert column["page_copyright"] == [round(1 / 12, 4)] * 12
    assert column["page_repeats"] == [0.0] * 12
    assert page_columns(["Share", "Share", "A"])["page_repeats"] == [round(2 / 3, 4)] * 3


def test_evidence_states_facts_a_reader_can_check():
    rows = line_features(PAGE, [0] * len(PAGE), Vocabulary({}, {}), LexiconRule())
    facts = evidence(rows)
    assert facts[0] == ["3 lines from the page's main run of prose",
                        "one of 3 lines in a row that are not sentences",
                        "none of its words are in the page's prose",
                        "100% widget words"]
    # An introduced list's run is no evidence against it.
    assert facts[6] == ["none of its words are in the page's prose"]
    assert facts[11] == ["4 lines from the page's main run of prose", "one of 4 lines in a row that are not sentences",
                         "33% of its words are in the page's prose", "50% widget words", "a copyright notice"]
    assert evidence(line_features(["Home", "Home", "News"], [0] * 3, Vocabulary({}, {})))[0] == [
        "the page has no run of prose", "one of 3 lines in a row that are not sentences",
        "100% widget words", "2 times on the page"]


def test_an_empty_page_has_no_rows():
    assert line_features([], [], Vocabulary({}, {})).shape == (0, len(FEATURES))


# The date pattern as Python's re reads it: the compiled core's date column must say what it says.
DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
                  r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b", re.IGNORECASE)


def test_the_date_letters_are_those_python_matches_with_a_to_z_ignoring_case():
    letters = re.compile("[a-z]", re.IGNORECASE)
    assert [c for c in map(chr, range(128, 0x110000)) if letters.fullmatch(c)] == [c for c, _ in DATE_LETTERS]
    assert all(re.fullmatch(ascii_letter, c, re.IGNORECASE) for c, ascii_letter in DATE_LETTERS)


def test_the_date_column_finds_what_python_finds():
    lines = ["Posted Jan 5, 2024", "SEPTEMBER 12. News", "Sept. 3", "jan 123", "Jan 5th", "xJan 5", "Mayor 12 x",
             "ſep 4", "5/12/2020", "12/5/20", "123/5/2020", "5/12/20201", "in 1999", "in 2105", "19999", "2024a",
             "a_2024", "(2024)", "²2024", "٢٠٢٤ 2024", "Dec\u00a05", "Dec  5", "no date here", "", "Oct.5"]
    rng = random.Random(7)
    pieces = ["Jan", "sept", "ſ", "\u212a", "K", "İ", "ı", "5", "12", "2024", "1999", "/", ".", " ", "_", "x", "²", "٣", "é"]
    lines += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    column = page_columns(lines)["has_date"]
    assert column == [float(bool(DATE.search(s))) for s in lines]
    assert column[:8] == [1, 1, 1, 0, 0, 0, 1, 1]


def test_characters_are_read_as_python_reads_them():
    # Python's \w (letters and numbers of every script), str.isdigit (superscripts too), str.isupper.
    column = page_columns(["Ωmega x² ½ ٣ café_bar", "Ärger über Öl", "aB|cD · ©"])
    assert column["log_words"] == [round(math.log1p(5), 4), round(math.log1p(3), 4), round(math.log1p(2), 4)]
    assert column["digit_ratio"][0] == round(2 / 21, 4)  # "²" and "٣"; "½" is numeric, not a digit
    assert column["symbol_ratio"][0] == round(1 / 21, 4)  # the underscore
    assert column["title_case_ratio"][:2] == [round(1 / 5, 4), round(2 / 3, 4)]
    assert column["glued_ratio"][2] == 1.0  # "aB" and "cD", two words
    assert column["separator_count"][2] == 2.0 and column["has_separator"][2] == 1.0


def test_page_means_are_numpy_means():
    # numpy sums in 8 running partial sums: ten widget ratios of 0.1 average to exactly 0.1, where
    # a sum left to right gives 0.09999999999999999.
    texts = ["home of the river bank fish"] * 10
    rows = line_features(texts, [0] * 10, Vocabulary({}, {}))
    widget = rows[:, LINE_FEATURES.index("widget_word_ratio")]
    assert widget.tolist() == [1 / 6] * 10
    assert rows[0, LINE_FEATURES.index("page_widget_words")] == widget.mean()
