"""Normalize raw text, and the first stage that annotates it: a repeated title.

Normalization is the one step that changes text, and it happens before a
:class:`Document` exists, so every annotation is over the normalized text:
ftfy's ``fix_text`` (mojibake, line breaks, control characters), Unicode NFC, one kind
of space, no trailing spaces, one bullet style, direction controls balanced on each line (one left
open runs on into whatever is shown after the line, a report's next cell or a reviewer's terminal:
"Trojan Source"), and one blank line between paragraphs. Preformatted text (code) keeps its lines
as they were, indentation and inner spacing included, one line after the other: a fenced block
(CommonMark: three or more backticks or tildes; an unclosed fence fences nothing), or a run of at
least two lines :data:`CODE_INDENT` deeper than the text's usual indentation, most of them with a
token of code (:data:`CODE_TOKEN`) and not list items. List items follow one another, and so do
a table's rows (lines from ``|`` to ``|``, as Markdown and trafilatura write a table of data),
each list or table one paragraph. In a Markdown file (``.md``) a soft-wrapped paragraph's lines
are joined. The line work is the compiled core's (``rust/src/layout.rs``); ftfy and NFC stay here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy
from ftfy.chardata import HTML_ENTITY_RE

from pipeline._core import LineLayout, ftfy_lines
from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, stage
from pipeline.io.records import RawRecord
from pipeline.stages.segment import block_removal_span

STAGE = "normalize"
DUPLICATE_TITLE = "normalize.duplicate_title"
REPEATED_TITLE = Category(STAGE, "Repeated title", "#e8e8e8", "#4a4a4a")

# Bullet glyphs scrapers leave at the start of list items, and marks that need a space after them
# (the compiled core tells list items from code by the same two). Each becomes "- " with what follows.
BULLET_GLYPHS = "•·▪▫◦‣●○■□▸►⁃∙"
BULLET_MARKS = "-*+"
# Horizontal whitespace of every kind becomes one ASCII space.
HORIZONTAL_SPACES = " \t\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# Invisible characters with no meaning in article text.
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
# A Markdown heading, and a Markdown line that starts a block of its own (a heading, a list item,
# a quote, a table row, a fence): no soft wrap joins it to the line before.
MD_HEADING = r"^#{1,6}\s+"
MD_BLOCK_START = r"^(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||```|~~~)"
_MD_HEADING = re.compile(MD_HEADING)
# The characters besides tab, newline and printable ASCII a line may hold for ftfy to only uncurl
# its quotes: ftfy's mojibake test (its badness regex) never matches them, since each of its
# patterns needs a character outside this set (an accented letter, a currency, numeric,
# box-drawing or C1 character, "Ã", "Â"...), so its encoding fix never starts; and no other step
# of ftfy's touches them, unless an "&" starts an HTML entity.
FTFY_UNCURLS_ONLY = "\xa0\xa9\xae\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u2122"
# ftfy's uncurl_quotes, as (curly, straight) pairs: four str.replace calls are 25x faster than a
# str.translate table, which looks up every character of a non-ASCII line in a dict.
_UNCURL = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'))
# ftfy's max_decode_length: it decodes longer lines piece by piece.
FTFY_MAX_LINE_CHARS = ftfy.TextFixerConfig().max_decode_length
# An indented block is code (CommonMark's indented code block, where most scraped code lands) when
# it sits this much deeper than the text's usual indentation ...
CODE_INDENT = 4
# ... and most of its lines have a token of code: a call, brackets or an operator, a statement
# ending in ";", "{", "}" or ":", a keyword that starts a statement, a shell prompt or a comment.
CODE_TOKEN = (
    r"\w\(|[{}\[\];]|\s(?:=|==|!=|=>|->|\+=|:=|&&|\|\|)\s|:$"
    r"|^\s*(?:def|class|return|import|from|if|elif|else|for|while|try|except|raise|with|var|let|const|"
    r"function|fn|func|public|private|static|void|int|package|use|#include|\$|>>>|//|#)\s"
)


def normalize_text(text: str, *, markdown: bool = False) -> str:
    """The normalized form of ``text``: paragraphs separated by one blank line."""
    return normalize_with_indents(text, markdown=markdown)[0]


def normalize_with_indents(text: str, *, markdown: bool = False) -> tuple[str, list[int]]:
    """The normalized text and, for each of its lines, the indentation it had in ``text``.

    Indentation is layout a line classifier can read (menus nest deeper than the article
    in rendered pages); the normalized text itself carries none.
    """
    text = fix_text(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    # The line work and the paragraphs (the module's docstring): the compiled core's (rust/src/layout.rs).
    return _layout().paragraphs(text, markdown)


@lru_cache(maxsize=1)
def _layout() -> LineLayout:
    return LineLayout(CODE_TOKEN, MD_BLOCK_START, MD_HEADING, BULLET_GLYPHS, BULLET_MARKS, HORIZONTAL_SPACES,
                      CODE_INDENT)


def fix_text(text: str) -> str:
    """``ftfy.fix_text(text)``, without sending it the lines whose fix is known.

    ftfy fixes a text line by line (each with its newline), and a line of printable ASCII
    without ``&`` has nothing it fixes: no mojibake, no HTML entity, no control character,
    no terminal escape, no curly quote. A line that adds only common punctuation (curly
    quotes, dashes, an ellipsis, a bullet, ©, ®, ™, a no-break space) only has its quotes
    uncurled. The one state ftfy carries from line to line is kept: after a line containing
    ``<`` it stops unescaping HTML entities. The compiled core finds those lines
    (``rust/src/layout.rs``)."""
    out = []
    pos = 0
    for start, end, uncurl_only, after_lt in ftfy_lines(text, FTFY_UNCURLS_ONLY, FTFY_MAX_LINE_CHARS):
        out.append(text[pos:start])
        unescape_html = False if after_lt else "auto"
        if end - start > FTFY_MAX_LINE_CHARS:
            # ftfy cuts such a line into pieces of its own; let it see the rest whole.
            out.append(ftfy.fix_text(text[start:], unescape_html=unescape_html))
            return "".join(out)
        line = text[start:end]
        if uncurl_only and not ("&" in line and HTML_ENTITY_RE.search(line)):
            for curly, straight in _UNCURL:
                line = line.replace(curly, straight)
            out.append(line)
        else:
            out.append(ftfy.fix_text(line, unescape_html=unescape_html))
        pos = end
    if not pos:
        return text
    out.append(text[pos:])
    return "".join(out)


def normalize_line(text: str) -> str:
    """A one-line field (a title) normalized like the body."""
    return " ".join(normalize_text(text).split())


def make_document(record: RawRecord) -> Document:
    """The :class:`Document` for a readable record: normalized text, title first."""
    assert record.text is not None, "only readable records become documents"
    markdown = record.source.lower().endswith(".md")
    body, indents = normalize_with_indents(record.text, markdown=markdown)
    if record.title is not None:
        title = normalize_line(record.title)
        text = f"{title}\n\n{body}" if title else body
        indents = [0, *indents] if title else indents
    elif record.position == 0:  # a one-article file: its first line is the title
        first_line = body.split("\n", 1)[0]
        title = _MD_HEADING.sub("", first_line) if markdown else first_line
        text = title + body[len(first_line):]
    else:
        title, text = "", body
    return Document(
        id=record.id,
        text=text,
        source=record.source,
        title=title,
        url=record.url,
        source_metadata=dict(record.metadata),
        indents=indents,
    )


@stage("duplicate_title", requires={"blocks"}, adds={"title"}, category=REPEATED_TITLE)
class DuplicateTitle(Stage):
    """Remove a paragraph that repeats the title right after it (a scraper artifact)."""

    def __call__(self, doc: Document) -> None:
        if doc.first_body_block == 0 or len(doc.blocks) < 2:
            return
        if doc.blocks[1].text == doc.title:
            start, end = block_removal_span(doc, 1, 1)
            doc.annotate(
                start,
                end,
                category=STAGE,
                rule="duplicate_title",
                action=Action.REMOVE,
                reason="the paragraph after the title repeats the title exactly",
            )
