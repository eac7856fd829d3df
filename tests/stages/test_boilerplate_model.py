"""The line-model stage with the built-in model, on a page rendered the way scrapers render them."""

from __future__ import annotations

import pytest

from pipeline.core.config import load_config
from pipeline.core.render import cleaned_text
from pipeline.io.records import RawRecord
from pipeline.run.processor import build_pipeline
from pipeline.stages.normalize import make_document
from tests.conftest import SENTENCES

MENU = ["Skip to content", "    * Home", "    * News", "    * Sport", "    * Weather", "    * Contact us"]
FOOTER = ["    * Privacy Policy", "    * Terms of Use", "    * Cookie Settings", "Follow us", "    * Facebook",
          "    * Twitter"]
PARAGRAPHS = [" ".join(SENTENCES[i : i + 3]) for i in range(0, 12, 3)]


# WCXB's gold main_content leaves out the page's title (it is metadata) and keeps the
# headings inside the article; the model learned both.
TITLE = "Rivers of the North"
HEADING = "How rivers shape valleys"
ARTICLE = [PARAGRAPHS[0], PARAGRAPHS[1], HEADING, PARAGRAPHS[2], PARAGRAPHS[3]]


def page() -> str:
    lines = MENU + ["", "  " + TITLE, ""]
    for paragraph in ARTICLE:
        lines += ["  " + paragraph, ""]
    return "\n".join(lines + FOOTER)


def clean(text: str, *, position: int = 1, config=None):
    doc = make_document(RawRecord(id="p", source="p.txt", position=position, text=text))
    build_pipeline(config or load_config())(doc)
    return doc


def test_menus_and_footers_go_and_the_article_stays():
    text = page()
    doc = clean(text)
    assert cleaned_text(doc).split("\n\n") == ARTICLE
    removed = {doc.text[a.start : a.end].strip(): a.rule for a in doc.annotations if a.action == "remove"}
    assert removed == {
        "Skip to content": "navigation",  # a lexicon rule comes first
        **{line.strip().replace("*", "-"): "line_model" for line in MENU[1:] + FOOTER},
        TITLE: "line_model",
    }


def test_the_title_line_is_never_removed():
    doc = clean("Home\n\n" + "\n\n".join(PARAGRAPHS), position=0)
    assert doc.title == "Home"
    assert cleaned_text(doc).split("\n\n") == ["Home", *PARAGRAPHS]


def test_the_model_can_be_switched_off(tmp_path):
    config = load_config()
    config["boilerplate_model"]["model"] = None
    text = page()
    doc = clean(text, config=config)
    assert not [a for a in doc.annotations if a.rule == "line_model"]
    assert "- Home" in cleaned_text(doc)


def test_every_line_model_reason_carries_the_probability_and_the_threshold():
    text = page()
    doc = clean(text)
    reasons = [a.reason for a in doc.annotations if a.rule == "line_model"]
    assert reasons
    for reason in reasons:
        p = float(reason.split("= ")[1].split(",")[0])
        assert 0 <= p < 0.32 and reason.endswith("below 0.32")


# Flattened, the page's title is a short line above the prose, as an article's headings are in the
# clean documents the model also learned from: it stays. Indented, it stands apart and goes.
@pytest.mark.parametrize("flat, expected", [(False, ARTICLE), (True, [TITLE, *ARTICLE])])
def test_indentation_is_a_help_not_a_requirement(flat, expected):
    text = page()
    if flat:
        text = "\n".join(line.strip() for line in text.split("\n"))
    assert cleaned_text(clean(text)).split("\n\n") == expected


def test_text_extracted_already_comes_back_whole():
    """A one-line article and a list that belongs to the article: no page furniture, nothing taken."""
    one_line = " ".join(SENTENCES)
    items = ["- Rivers carry sediment.", "- Otters need clean prey.", "- Beavers build dams.", "- Kayakers grade rapids."]
    listed = "\n".join([PARAGRAPHS[0], "", "What to look for on a walk:", *items, "", PARAGRAPHS[1]])
    for text in (one_line, listed):
        doc = clean(text)
        assert [a for a in doc.annotations if a.action == "remove"] == []
        assert cleaned_text(doc) == doc.text
