from __future__ import annotations

import pytest

from pipeline.io.records import RawRecord
from pipeline.stages.normalize import make_document, normalize_text, normalize_with_indents


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("a  b\t\tc\xa0\xa0d   ", "a b c d"),
        ("line one\r\nline two\r\n", "line one\n\nline two"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
        ("  • one\n  · two\n▪ three\n- four\n* five\nnot a - bullet", "- one\n- two\n- three\n- four\n- five\n\nnot a - bullet"),
        ("Intro:\n- a\n\n- b", "Intro:\n\n- a\n- b"),
        ("It\u00e2\u20ac\u2122s mojibake", "It's mojibake"),
        ("cafe\u0301", "caf\u00e9"),  # NFC
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("-5 degrees is cold", "-5 degrees is cold"),
        ("", ""),
        ("   \n \n", ""),
    ],
)
def test_normalize_text(raw, normalized):
    assert normalize_text(raw) == normalized


def test_markdown_soft_wraps_are_joined_but_structure_is_kept():
    raw = "# Title\n\nA paragraph that\nwraps here.\n\n- item one\n- item two\n\n```\ncode\nlines\n```"
    assert normalize_text(raw, markdown=True) == (
        "# Title\n\nA paragraph that wraps here.\n\n- item one\n- item two\n\n```\ncode\nlines\n```"
    )


def test_text_file_title_is_its_first_line():
    doc = make_document(RawRecord(id="a", source="a.txt", position=0, text="\n\nMy Title  \nBody text."))
    assert (doc.title, doc.text, doc.title_span) == ("My Title", "My Title\n\nBody text.", (0, 8))


def test_markdown_title_loses_its_heading_marker():
    doc = make_document(RawRecord(id="a", source="a.md", position=0, text="## My Title\n\nBody."))
    assert (doc.title, doc.text) == ("My Title", "My Title\n\nBody.")


def test_a_given_title_goes_first():
    doc = make_document(RawRecord(id="a", source="b.jsonl", position=3, text="Body.", title=" The  Title "))
    assert (doc.title, doc.text) == ("The Title", "The Title\n\nBody.")


def test_a_record_without_title_has_none():
    doc = make_document(RawRecord(id="a", source="b.jsonl", position=3, text="Body line.\nMore."))
    assert (doc.title, doc.text, doc.title_span) == ("", "Body line.\n\nMore.", (0, 0))


def test_each_line_keeps_the_indentation_it_had_in_the_raw_text():
    text, indents = normalize_with_indents("Title\n    * Home\n\n  Body text.\n\tTabbed\n")
    assert text == "Title\n\n- Home\n\nBody text.\n\nTabbed"
    assert indents == [0, 4, 2, 4]


def test_a_joined_markdown_paragraph_has_its_first_lines_indentation():
    text, indents = normalize_with_indents("  A soft-wrapped\nparagraph.\n\n   # Heading", markdown=True)
    assert text == "A soft-wrapped paragraph.\n\n# Heading"
    assert indents == [2, 3]


def test_a_given_title_is_a_line_without_indentation():
    doc = make_document(RawRecord(id="a", source="a.jsonl", position=1, text="    indented body", title="T"))
    assert doc.text == "T\n\nindented body"
    assert doc.indents == [0, 4]


CODE = "    if not x:\n        raise ValueError(x)\n\n    return {\"x\":\tx}"


def test_indented_code_keeps_its_lines_and_indentation():
    raw = f"How to check x\n\nCall it like this:\n\n{CODE}\n\nThat is all."
    assert normalize_text(raw) == f"How to check x\n\nCall it like this:\n\n{CODE}\n\nThat is all."


def test_a_fenced_block_is_kept_as_it_was_in_any_input():
    raw = "Setup:\n~~~\n$ pip install  x\n\tmake   all\n~~~\nDone."
    assert normalize_text(raw) == "Setup:\n\n~~~\n$ pip install  x\n\tmake   all\n~~~\n\nDone."
    # An unclosed fence fences nothing: it would otherwise shelter the rest of the page.
    assert normalize_text("```\nHome  page\nAbout") == "```\n\nHome page\n\nAbout"


@pytest.mark.parametrize("raw, expected", [
    # A nested menu is deeper but has no code: its lines are paragraphs, as before.
    ("Home\n    About us\n    Contact (24/7)\nText body", "Home\n\nAbout us\n\nContact (24/7)\n\nText body"),
    # Text indented throughout is the usual indentation, not code.
    ("    x = 1 is the answer;\n    y = 2 too;\n    the end", "x = 1 is the answer;\n\ny = 2 too;\n\nthe end"),
    # One deeper line alone is not a block.
    ("Text\n    x = 1;\nMore", "Text\n\nx = 1;\n\nMore"),
])
def test_what_is_not_code_is_normalized_as_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalizing_twice_changes_nothing_in_code():
    once = normalize_text(f"Intro\n\n{CODE}\n\n- a\n- b")
    assert normalize_text(once) == once


def test_a_nested_markdown_list_with_links_is_no_code():
    raw = "Intro\n\n- one\n    - two [a](https://a.org)\n    - three [b](https://b.org)"
    assert normalize_text(raw, markdown=True) == "Intro\n\n- one\n- two [a](https://a.org)\n- three [b](https://b.org)"
