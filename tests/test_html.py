"""HTML pages: tables a page is laid out with read as the paragraphs they hold, and the visible
text read where trafilatura finds no article."""

from __future__ import annotations

from copy import deepcopy
from types import SimpleNamespace

import pytest
import trafilatura
from lxml.etree import fromstring
from trafilatura.xml import xmltotxt

from pipeline.io.html import EXTRACTION, PageText, article_text, extraction, is_layout, page_text
from tests.conftest import SENTENCES, run_cli

PARAGRAPHS = [" ".join(SENTENCES[i * 3:(i + 1) * 3]) for i in range(4)]
# A page of 2007: a layout table (a menu cell beside the article's cell), a nested one for the
# heading and byline, and a table of data inside the article.
LAYOUT_PAGE = f"""<html><head><title>Notes On Rivers</title></head><body>
<table width="760"><tr><td width="160"><a href="/">Home</a><br><a href="/news">News</a></td>
<td><table><tr><td><h1>Notes On Rivers</h1></td></tr><tr><td>By A. Writer, 12 May 2007</td></tr></table>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
<table border="1"><tr><th>River</th><th>Length</th></tr><tr><td>Nile</td><td>6,650 km</td></tr>
<tr><td>Amazon</td><td>6,400 km</td></tr></table>
</td></tr></table></body></html>"""
# A page of 2003 set in <font> and <br>: trafilatura runs its article's paragraphs together.
FONT_PAGE = f"""<html><head><title>Notes On Rivers</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>{"".join(f"<font>{p}</font><br>" for p in PARAGRAPHS)}</article>
<footer>Copyright 2003 Example Press</footer></body></html>"""
DATA_TABLE = "| River | Length | \n|---|---|\n| Nile | 6,650 km | \n| Amazon | 6,400 km | "


def extract(html: str):
    """trafilatura's own extraction, as the pipeline asks for it."""
    return trafilatura.bare_extraction(html, **EXTRACTION)


def test_a_layout_table_becomes_the_blocks_of_its_cells():
    extracted = extract(LAYOUT_PAGE)
    # trafilatura alone: the article is one row's cell, every paragraph on one line ending in "|".
    assert extracted.text.startswith(f"| Home News | {' '.join(PARAGRAPHS)} | \n")
    # Unwrapped, in trafilatura's order: each paragraph a line, the table of data as it was.
    assert article_text(extract(LAYOUT_PAGE)) == "\n".join(
        ["Home", "News", *PARAGRAPHS, "Notes On Rivers", "By A. Writer, 12 May 2007", DATA_TABLE])


@pytest.mark.parametrize("html", [
    "<html><body><p>One paragraph of a page with no table at all, long enough to be the article.</p></body></html>",
    f"<html><body><p>{PARAGRAPHS[0]}</p><table><tr><th>River</th><th>Length</th></tr><tr><td>Nile</td>"
    "<td>6,650 km</td></tr><tr><td>Amazon</td><td>6,400 km</td></tr></table></body></html>",
])
def test_a_page_without_a_layout_table_keeps_trafilaturas_text(html):
    extracted = extract(html)
    assert article_text(extracted) == extracted.text


@pytest.mark.parametrize(("table", "layout"), [
    # data: two rows or more of two cells with text, the words spread over the cells
    ("<table><row><cell>Nile</cell><cell>6,650 km</cell></row><row><cell>Amazon</cell><cell>6,400 km</cell></row>"
     "</table>", False),
    ("<table><row><cell>Nile</cell><cell/></row><row><cell>Amazon</cell></row></table>", True),  # one column
    ("<table><row><cell>Menu</cell><cell><p>Rivers carry sediment.</p></cell></row></table>", True),  # one row
    # the text beside a menu: one cell holds half the table's words or more
    ("<table><row><cell>Home</cell><cell>Rivers carry sediment.</cell></row><row><cell>News</cell>"
     "<cell>Fish live in fast water.</cell></row></table>", True),
    ("<row><cell>Nile</cell><cell>6,650 km</cell></row>", True),  # a row trafilatura kept without its table
])
def test_what_makes_a_table_layout(table, layout):
    assert is_layout(fromstring(table)) is layout


@pytest.mark.parametrize(("body", "expected"), [
    # trafilatura keeps a fragment of some pages: rows in a div, no table around them.
    ("<body><p>Before.</p><div><row><cell>Rivers carry sediment.<lb/>To the sea. <p>Fish live in fast water.</p>"
     "</cell></row></div><p>After.</p></body>",
     "Before.\nRivers carry sediment.\nTo the sea. \nFish live in fast water.\nAfter."),
    # and tables with no rows, their text and paragraphs straight inside.
    # and cells with no row around them.
    ("<body><div><cell>Rivers carry sediment.<lb/>To the sea.<p>Fish live in fast water.</p></cell></div></body>",
     "Rivers carry sediment.\nTo the sea.\nFish live in fast water."),
    ("<body><table><lb/>Rivers carry\n   sediment, <hi>to the sea</hi>.<p>Fish live in fast water.</p>Otters too."
     "</table></body>",
     "Rivers carry sediment, to the sea.\nFish live in fast water.\nOtters too."),
])
def test_rows_and_tables_trafilatura_keeps_in_part_are_unwrapped_where_they_are(body, expected):
    tree = fromstring(body)
    extracted = SimpleNamespace(body=tree, text=xmltotxt(deepcopy(tree), False))
    assert article_text(extracted) == expected


@pytest.mark.parametrize("wrapper", ["<doc>\n{}</doc>", '<text id="http://example.org/rivers" encoding="unset">\n{}</text>'])
def test_a_page_wrapped_in_a_corpus_element_is_read_as_a_document(wrapper):
    # trafilatura alone finds no article in a fragment wrapped so (CleanEval's pages are).
    page = wrapper.format(f"<div>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}</div>")
    assert extract(page) is None
    assert article_text(extraction(page)) == "\n".join(PARAGRAPHS)


def test_a_list_items_source_line_breaks_are_spaces():
    # trafilatura keeps them, and writes an item's marker alone on a line when its text starts with one.
    body = fromstring("<body><list rend='ul'><item>\n   100% authentic\n   </item><item>Shipping weight:\n\n"
                      "      0.16 kg</item><item>Dairy free</item></list><p>After.</p></body>")
    extracted = SimpleNamespace(body=body, text=xmltotxt(deepcopy(body), False))
    assert extracted.text == "- \n   100% authentic\n   \n- Shipping weight:\n      0.16 kg\n- Dairy free\nAfter."
    assert article_text(extracted) == "-  100% authentic \n- Shipping weight: 0.16 kg\n- Dairy free\nAfter."


def test_a_page_laid_out_with_tables_is_cleaned_not_dropped(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "rivers.html").write_text(LAYOUT_PAGE, encoding="utf-8")
    run = run_cli(raw, tmp_path)
    (row,) = run.signals.itertuples()
    # Before: dropped, c4.too_few_sentences (no line ended in a sentence's punctuation).
    assert (row.status, row.c4_sentences) == ("kept", 12)
    assert run.cleaned_text(row.id).split("\n\n")[3:7] == PARAGRAPHS


def test_a_page_trafilatura_runs_together_is_read_as_its_visible_text():
    # trafilatura's text: the four paragraphs on one line, which C4's rule would drop whole.
    assert extract(FONT_PAGE).text == " ".join(PARAGRAPHS)
    page = page_text(FONT_PAGE)
    assert page.extraction == "visible text (trafilatura's text is a paragraph of 149 words)"
    assert (page.text, page.title) == ("\n".join(["Home News", *PARAGRAPHS, "Copyright 2003 Example Press"]),
                                       "Notes On Rivers")


def test_a_page_trafilatura_finds_nothing_in_is_read_as_its_visible_text():
    html = (f'<html><head><title>Opening Hours</title><link rel="canonical" href="https://ex.org/hours"></head>'
            f"<body><footer><p>{PARAGRAPHS[0]}</p></footer></body></html>")
    assert extract(html) is None
    assert page_text(html) == PageText(f"{PARAGRAPHS[0]}\n", "Opening Hours", "https://ex.org/hours",
                                       "visible text (trafilatura found no text)")


@pytest.mark.parametrize("html", [LAYOUT_PAGE, "<html><body><p>One paragraph, short.</p></body></html>"])
def test_a_page_trafilatura_finds_an_article_in_keeps_its_text(html):
    assert page_text(html).extraction == "trafilatura"


def test_a_page_that_shows_no_text_is_dropped_saying_so(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "blank.html").write_text("<html><body><img src='a.png'><script>var a = 1;</script></body></html>", "utf-8")
    (raw / "rivers.html").write_text(FONT_PAGE, encoding="utf-8")
    signals = run_cli(raw, tmp_path).signals.set_index("source")
    assert (signals.loc["blank.html", "status"], list(signals.loc["blank.html", "reasons"])) == (
        "dropped", ["ingest.no_content"])
    assert signals.loc["rivers.html", "extraction"] == "visible text (trafilatura's text is a paragraph of 149 words)"
    assert signals.loc["rivers.html", "status"] == "kept"


def _nested(html: str, depth: int) -> str:
    """``html`` with ``depth`` unclosed ``<font>`` tags after its first paragraph."""
    first_end = html.index("</p>") + len("</p>")
    return html[:first_end] + "<font>" * depth + html[first_end:]


@pytest.mark.parametrize("depth", [300, 2000])
def test_a_page_nested_past_libxml2_s_default_depth_is_read_whole(depth):
    # libxml2 stops at 256 and drops what lies deeper without an error; a browser shows it all.
    article = ("<html><head><title>Notes On Rivers</title></head><body><article>"
               + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>")
    assert extract(_nested(article, depth)).text == PARAGRAPHS[0]
    assert page_text(_nested(article, depth)) == page_text(article)
