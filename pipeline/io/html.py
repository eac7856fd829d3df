"""An HTML page's article text: trafilatura's extraction (of the page as lxml's document when a
wrapper element hid it from trafilatura), with the tables a page is laid out with read as the
paragraphs they hold; or, where trafilatura found no article, the page's visible text.

trafilatura writes a table row on one line, ``| cell | cell |``, the paragraphs of a cell run
together: right for a table of data, wrong for the tables most pages of the 2000s were laid out
with, where the whole article sits in one cell. Such a line is no sentence (it ends in ``|``),
so C4's rule dropped the page with its article. Here a table is layout when fewer than two of
its rows have two cells with text (one column, or one row: a frame), or when one cell holds at
least half its words (the article beside a menu); its rows and cells become the blocks they
hold, in reading order. The rest of the page, tables of data included, is trafilatura's text as
it was, and so is the whole page if unwrapping would change its letters or digits. The line
breaks of the page's source in a list item or an unwrapped cell are spaces, as in a browser and in
trafilatura's paragraphs (it writes them into items, its marker alone on a line). Unwrapping
took the pages clean-corpus keeps from 235 to 596 of CleanEval's 730 and from 355 to 568 of
L3S-GN1's 621; the rows and cells trafilatura keeps without their table (a fragment of the page)
are unwrapped too, which took them to 647 and 577 (``make eval``'s HTML-input row has today's
counts and word scores).

Where trafilatura finds no article, it returns nothing, or the text of the page's ``<article>`` or
whole body run together as one paragraph (its baseline): a line of thousands of words that C4's
rule drops whole, boilerplate and article alike. Such a page is read as its visible text instead
(inscriptis, one block a line, as the line model was trained on), and the stages clean it as they
clean any text. That is 22 of the three benchmarks' 2,688 pages (19 of WCXB dev's), and it took
WCXB dev's HTML-input row from 1,084 pages kept, word-F1 .709, to 1,090, .715.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import lxml.etree
import lxml.html
from lxml.etree import Element, _Element

if TYPE_CHECKING:
    from trafilatura.settings import Document

# What trafilatura is asked for: the article with its metadata (title, URL), no comments, every
# paragraph it finds (the stages decide what goes, with a reason for each). A comment thread is
# furniture here; the benchmarks disagree (with comments, make eval's HTML-input row: WCXB dev
# .715 -> .716, its forums' replies kept; CleanEval .814 -> .817; L3S-GN1 .857 -> .853). Balance
# beats either focus there: favor_recall lets more furniture past the stages (.700, .816, .855),
# favor_precision cuts article text they would have kept (.676, .805, .851).
EXTRACTION = {"with_metadata": True, "include_comments": False, "favor_precision": False, "deduplicate": False}
# libxml2 stops a page at an element nested 256 deep and drops what lies deeper without an error,
# in every lxml parser (trafilatura's and inscriptis's alike); a page of unclosed tags (<font>
# after <font>) nests that deep, and a browser shows it whole. lxml's own parse of the page, which
# a page trafilatura reads as a fragment needs anyway, tells (its error log; about 1.6 ms a WCXB
# dev page, 3% of trafilatura's extraction); trafilatura then reads the page parsed without the
# limit (lxml's huge_tree, with trafilatura's parser settings: 2,048 deep). None of the three
# benchmarks' 2,709 pages is nested that deep.
_DOCUMENT = lxml.html.HTMLParser()  # lxml.html's default settings: document_fromstring's own parse
_DEEP = lxml.html.HTMLParser(huge_tree=True, collect_ids=False, default_doctype=False, remove_comments=True,
                             remove_pis=True)
# An XML declaration before a page's HTML.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# A line break of the page's source with the spaces around it.
_SOURCE_BREAK = re.compile(r"[ \t]*\n\s*")
# trafilatura's block elements (its XML's tags), which stay blocks when their table goes.
BLOCKS = frozenset({"p", "head", "list", "quote", "table"})
# A cell holding this share of its table's words is the page's text in a frame, not a datum: a
# table of data spreads its words over its cells.
LAYOUT_CELL_SHARE = 0.5
# trafilatura's text is its baseline's dump, not an article, when it is at most this many lines
# and one of them holds more than DUMP_WORDS words: the page's text run together (a paragraph of
# its article is rarely over a hundred words, and it comes with the article's others).
DUMP_MAX_LINES = 3
DUMP_WORDS = 100
# What unwrapping may change: the marks trafilatura draws around cells ("|", "\\|", "---") and spaces.
_NOT_TEXT = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class PageText:
    """An HTML page's text, its title and URL, and how the text was read (``extraction``)."""

    text: str
    title: str | None
    url: str | None
    extraction: str


def page_text(html: str) -> PageText:
    """``html``'s article text as trafilatura extracts it, or its visible text where trafilatura
    found no article (the module's docstring); ``text`` is empty when the page shows none."""
    found = extraction(html)
    text, how = (article_text(found) if found is not None else ""), "trafilatura"
    if (why := no_article(text)) is not None and (shown := visible_text(html)).strip():
        text, how = shown, f"visible text ({why})"
        if found is None:  # the title and URL trafilatura reads of a page it finds no article in
            import trafilatura

            found = trafilatura.extract_metadata(html)
    if found is None:
        return PageText(text, None, None, how)
    return PageText(text, found.title or None, found.url or None, how)


def no_article(text: str) -> str | None:
    """Why trafilatura's ``text`` is no article (no text, or its baseline's dump), or None when it
    is one."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return "trafilatura found no text"
    words = max(len(line.split()) for line in lines)
    if len(lines) <= DUMP_MAX_LINES and words > DUMP_WORDS:
        return f"trafilatura's text is a paragraph of {words:,} words"
    return None


def visible_text(html: str) -> str:
    """The text a browser shows of ``html``, a block a line (inscriptis's rendering). It stops at
    libxml2's default depth: inscriptis walks the tree by recursion, which Python's recursion
    limit ends not far below it."""
    import inscriptis

    try:
        return inscriptis.get_text(without_xml_declaration(html))
    except (lxml.etree.ParserError, ValueError):
        return ""


def extraction(html: str) -> Document | None:
    """trafilatura's ``bare_extraction`` of a page (None: no article text found). trafilatura reads
    a page whose root is not ``<html>`` as a fragment, and of a fragment wrapped in an element of
    a corpus's own (CleanEval's ``<text id=...>``, a ``<doc>``) it finds nothing; such a page is
    read again as the document lxml makes of it, as a browser would show it. A page nested past
    libxml2's default depth (``_DOCUMENT``) is read from its whole tree."""
    import trafilatura

    source = without_xml_declaration(html)
    try:
        document = lxml.html.document_fromstring(source, parser=_DOCUMENT)
    except (lxml.etree.ParserError, ValueError):
        document = None
    if document is not None and any(e.type_name == "ERR_RESOURCE_LIMIT" for e in _DOCUMENT.error_log):
        try:
            return trafilatura.bare_extraction(lxml.html.document_fromstring(source, parser=_DEEP), **EXTRACTION)
        except (lxml.etree.ParserError, ValueError):
            pass  # then as any page
    found = trafilatura.bare_extraction(html, **EXTRACTION)
    if (found is not None and found.text and found.text.strip()) or document is None:
        return found
    return trafilatura.bare_extraction(document, **EXTRACTION) or found


def without_xml_declaration(html: str) -> str:
    """``html`` without an XML declaration before it (CleanEval's pages have one): lxml refuses
    one in a str."""
    return _XML_DECLARATION.sub("", html, count=1)


def article_text(extracted: Document) -> str:
    """The text of trafilatura's ``bare_extraction`` result, layout tables unwrapped and list items
    read as a browser shows them."""
    body = extracted.body
    # Tables, and rows and cells trafilatura kept without their table (it keeps a fragment of some pages).
    tables = [] if body is None else [element for element in body.iter("table", "row", "cell")
                                      if element.tag == "table" or element.getparent().tag not in ("table", "row")]
    layout = [table for table in reversed(tables) if is_layout(table)]
    # A list item's text as the page's source wrapped it: trafilatura writes its marker alone on a
    # line when the text starts with a line break ("-" then "    100% authentic").
    collapsed = False
    for item in [] if body is None else body.iter("item"):
        collapsed |= _collapse(item)
    if not layout and not collapsed:
        return extracted.text
    from trafilatura.xml import xmltotxt

    for table in layout:  # innermost first: an outer table then holds the inner one's blocks
        _unwrap(table)
    text = xmltotxt(body, False)
    same = _NOT_TEXT.sub("", text) == _NOT_TEXT.sub("", extracted.text)
    return text if same else extracted.text


def is_layout(table: _Element) -> bool:
    """A table (or a row or cell alone) that lays a page out rather than holding data (the module's docstring)."""
    rows = [[_words(cell) for cell in row.findall("cell")] for row in _rows(table)]
    if sum(sum(words > 0 for words in cells) >= 2 for cells in rows) < 2:
        return True
    total = sum(map(sum, rows))
    return max(max(cells, default=0) for cells in rows) >= LAYOUT_CELL_SHARE * total


def _collapse(element: _Element) -> bool:
    """Make each line break in ``element``'s own text and its inline children's tails, with the
    spaces around it, one space, as a browser shows it (and trafilatura writes a paragraph);
    whether anything changed."""
    changed = False
    for holder, attribute in ((element, "text"), *((child, "tail") for child in element if child.tag not in BLOCKS)):
        value = getattr(holder, attribute)
        if value and "\n" in value:
            setattr(holder, attribute, _SOURCE_BREAK.sub(" ", value))
            changed = True
    return changed


def _rows(table: _Element) -> list[_Element]:
    return [table] if table.tag == "row" else table.findall("row")


def _words(element: _Element) -> int:
    return sum(len(piece.split()) for piece in element.itertext())


def _unwrap(table: _Element) -> None:
    """Put the blocks ``table`` holds where it was."""
    blocks = _blocks(table)
    parent, tail = table.getparent(), table.tail
    at = parent.index(table)
    parent.remove(table)
    for offset, block in enumerate(blocks):
        parent.insert(at + offset, block)
    if blocks:
        blocks[-1].tail = tail
    elif tail:
        previous = parent[at - 1] if at else None
        if previous is None:
            parent.text = (parent.text or "") + tail
        else:
            previous.tail = (previous.tail or "") + tail


def _blocks(container: _Element) -> list[_Element]:
    """A table's, row's or cell's content as blocks: the blocks of its rows and cells, its own
    blocks, and each run of text and inline elements between them (a line break ends one) as a
    paragraph."""
    out: list[_Element] = []
    run: _Element | None = None

    def text_run(text: str | None) -> None:
        nonlocal run
        run = None
        if text and text.strip():
            run = Element("p")
            run.text = _SOURCE_BREAK.sub(" ", text)
            out.append(run)

    text_run(container.text)
    for child in list(container):
        if child.tag in BLOCKS or child.tag in ("lb", "row", "cell"):
            tail, child.tail = child.tail, None
            if child.tag in ("row", "cell"):
                out += _blocks(child)
            elif child.tag != "lb":
                out.append(child)
            text_run(tail)
        else:
            if run is None:
                run = Element("p")
                out.append(run)
            run.append(child)  # with its tail, which is part of the run
            if child.tail:
                child.tail = _SOURCE_BREAK.sub(" ", child.tail)
    return out
