"""Boilerplate: navigation, related-article widgets, ads, bios, footers, cart widgets.

Two kinds of rules, every one named, each removal carrying ``boilerplate.<rule>``:

* **Lexicon rules** (data, ``lexicons/boilerplate.csv``): a ``line`` rule matches a
  whole block (case-insensitive, at most ``max_chars`` long); an ``inline`` rule
  removes a match (or its ``span`` group) inside a block.
* **Structural rules** (code): a run of short titles each followed by a teaser cut
  with "..." is a related-articles list; an author heading near the end of the page
  starts an author bio that runs to the footer.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline._core import BoilerplateLexicon, lexicon_pattern_error
from pipeline.core.config import ConfigError, read_user_file
from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, stage
from pipeline.stages.segment import block_removal_span

STAGE = "boilerplate"
# The report category of every boilerplate removal (these rules, the site's template, the line model).
BOILERPLATE = Category(STAGE, "Boilerplate", "#fde0de", "#b42318")
RELATED_LIST = "boilerplate.related_list"
AUTHOR_BIO = "boilerplate.author_bio"

LINE, INLINE = "line", "inline"
LEXICON_COLUMNS = ("name", "scope", "max_chars", "pattern", "reason", "source")
# The lexicon rule that names related-article headings, and the one for author headings:
# the structural rules build on them.
RELATED_HEADING_RULE = "related_heading"
AUTHOR_HEADING_RULE = "author_heading"
# The kind of furniture each rule names: a structure is of the kind of the heading it builds on.
KIND_OF = {"related_list": RELATED_HEADING_RULE, "author_bio": AUTHOR_HEADING_RULE}
# A teaser is a snippet cut mid-sentence by the widget.
_TEASER_END = re.compile(r"(?:\.\.\.|…)$")
# Titles are headlines, not sentences: they do not end with a period or a colon.
_TITLE_END_OK = re.compile(r"[^.:;,]$")


class LexiconError(ConfigError):
    pass


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    scope: str
    max_chars: int | None
    pattern: str
    reason: str
    source: str

    @property
    def code(self) -> str:
        return f"{STAGE}.{self.name}"


def load_lexicon(path: Path | str | None = None) -> list[Rule]:
    """The rules of a boilerplate lexicon CSV; the built-in one when ``path`` is None."""
    if path is None or path == "builtin":
        text = resources.files("pipeline").joinpath("lexicons/boilerplate.csv").read_text("utf-8")
        where = "built-in boilerplate lexicon"
    else:
        text, where = read_user_file(path, "boilerplate lexicon"), str(path)
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != LEXICON_COLUMNS:
        raise LexiconError(f"{where}: columns must be {','.join(LEXICON_COLUMNS)}")
    rules = []
    for line_no, row in enumerate(reader, start=2):
        if row["scope"] not in (LINE, INLINE):
            raise LexiconError(f"{where}:{line_no}: scope must be '{LINE}' or '{INLINE}'")
        if not row["name"].isidentifier() or not row["reason"] or not row["source"]:
            raise LexiconError(f"{where}:{line_no}: every rule needs a name, a reason and a source")
        if error := lexicon_pattern_error(row["pattern"]):
            raise LexiconError(f"{where}:{line_no}: bad pattern: {error}")
        max_chars = int(row["max_chars"]) if row["max_chars"] else None
        rules.append(Rule(row["name"], row["scope"], max_chars, row["pattern"], row["reason"], row["source"]))
    return rules


class Lexicon:
    """A lexicon's rules, matched by the compiled core (``rust/src/lexicon.rs``).

    A pattern is read as Python's ``re`` reads it ignoring case, but for ``\\b``, the ``regex``
    crate's (``python_syntax`` in ``rust/src/pychars.rs`` says how they differ). Lookarounds and
    backreferences are not read: :func:`load_lexicon` refuses them."""

    def __init__(self, rules: list[Rule]) -> None:
        self.line_rules = [rule for rule in rules if rule.scope == LINE]
        self.inline_rules = [rule for rule in rules if rule.scope == INLINE]
        self._core = BoilerplateLexicon([(rule.pattern, rule.max_chars) for rule in self.line_rules],
                                        [rule.pattern for rule in self.inline_rules])

    def first(self, lines: list[str]) -> list[Rule | None]:
        """For each line, the first line rule that matches all of it (within the rule's length)."""
        return [self.line_rules[k] if k >= 0 else None for k in self._core.first(lines)]

    def inline(self, texts: list[str]) -> list[tuple[int, Rule, int, int]]:
        """Every inline rule's matches (its ``span`` group's, when it has one) in each text, not
        empty: (text, rule, start, end), text by text, then rule by rule, in order."""
        return [(i, self.inline_rules[k], start, end) for i, k, start, end in self._core.inline(texts)]


@stage("boilerplate", requires={"blocks", "title"}, adds={"boilerplate"}, category=BOILERPLATE, config="boilerplate")
class Boilerplate(Stage):

    def __init__(
        self,
        *,
        # The built-in lexicon of line and inline patterns; a path replaces it.
        lexicon: str | Path | None = "builtin",
        # A related-articles list is at least this many (title, "teaser...") pairs.
        min_related_items: int | None = 3,
        # Titles in such lists are short lines; teasers are cut with "..." before this length.
        max_related_title_chars: int = 150,
        max_related_teaser_chars: int = 200,
        # An author heading ("Author: ...") starts a bio only this many blocks from the end.
        max_author_bio_tail_blocks: int | None = 4,
    ) -> None:
        self.lexicon = Lexicon(load_lexicon(lexicon))
        self.min_related_items = min_related_items
        self.max_related_title_chars = max_related_title_chars
        self.max_related_teaser_chars = max_related_teaser_chars
        self.max_author_bio_tail_blocks = max_author_bio_tail_blocks

    def __call__(self, doc: Document) -> None:
        first = doc.first_body_block
        # The rule that matched each block, if any (the title is never boilerplate).
        matched: list[Rule | None] = [None] * first + self.lexicon.first([b.text for b in doc.blocks[first:]])
        taken = [False] * len(doc.blocks)
        for i, j, code, reason in self._structures(doc, matched, first):
            start, end = block_removal_span(doc, i, j)
            category, rule = code.split(".", 1)
            doc.annotate(start, end, category=category, rule=rule, action=Action.REMOVE, reason=reason)
            taken[i : j + 1] = [True] * (j + 1 - i)
        for i, rule in enumerate(matched):
            if rule is not None and not taken[i]:
                start, end = block_removal_span(doc, i, i)
                doc.annotate(start, end, category=STAGE, rule=rule.name, action=Action.REMOVE,
                             reason=rule.reason)
                taken[i] = True
        rest = [i for i in range(first, len(doc.blocks)) if not taken[i]]
        for k, rule, start, end in self.lexicon.inline([doc.blocks[i].text for i in rest]):
            at = doc.blocks[rest[k]].start
            doc.annotate(at + start, at + end, category=STAGE, rule=rule.name, action=Action.REMOVE,
                         reason=rule.reason)

    # ------------------------------------------------------------ rules

    def _structures(self, doc: Document, matched: list[Rule | None], first: int):
        """Runs of blocks that form a widget: (first block, last block, code, reason)."""
        found = []
        if self.min_related_items is not None:
            found += self._related_lists(doc, matched, first)
        if self.max_author_bio_tail_blocks is not None:
            found += self._author_bio(doc, matched, first, found)
        return found

    def _related_lists(self, doc: Document, matched: list[Rule | None], first: int):
        blocks = doc.blocks
        i, n = first, len(blocks)
        while i < n - 1:
            j = i
            while j + 1 < n and self._is_related_title(blocks[j].text) and self._is_teaser(blocks[j + 1].text):
                j += 2
            items = (j - i) // 2
            if items >= self.min_related_items:
                start = i
                if start > first and _named(matched[start - 1], RELATED_HEADING_RULE):
                    start -= 1
                yield (
                    start,
                    j - 1,
                    RELATED_LIST,
                    f"a related-articles list: {items} titles, each followed by a teaser cut with '...'",
                )
                i = j
            else:
                i += 1

    def _is_related_title(self, text: str) -> bool:
        return (
            len(text) <= self.max_related_title_chars
            and not _TEASER_END.search(text)
            and bool(_TITLE_END_OK.search(text))
        )

    def _is_teaser(self, text: str) -> bool:
        return len(text) <= self.max_related_teaser_chars and bool(_TEASER_END.search(text))

    def _author_bio(self, doc: Document, matched: list[Rule | None], first: int, found):
        """An author heading near the end: it and every block after it up to the footer."""
        in_widget = set()
        for i, j, *_ in found:
            in_widget.update(range(i, j + 1))
        content_after = 0
        for i in range(len(doc.blocks) - 1, first - 1, -1):
            if _named(matched[i], AUTHOR_HEADING_RULE):
                end = i
                while end + 1 < len(doc.blocks) and matched[end + 1] is None and end + 1 not in in_widget:
                    end += 1
                if end > i:
                    return [(i, end, AUTHOR_BIO,
                             f"an author bio: the heading {doc.blocks[i].text[:40]!r} and "
                             f"{end - i} paragraph(s) after it, at the end of the page")]
                return []
            if matched[i] is None and i not in in_widget:
                content_after += 1
                if content_after >= self.max_author_bio_tail_blocks:
                    return []
        return []


def _named(rule: Rule | None, name: str) -> bool:
    return rule is not None and rule.name == name
