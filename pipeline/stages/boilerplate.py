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

import bisect
import csv
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
# A teaser is a snippet cut mid-sentence by the widget.
_TEASER_END = re.compile(r"(?:\.\.\.|…)$")
# Titles are headlines, not sentences: they do not end with a period or a colon.
_TITLE_END_OK = re.compile(r"[^.:;,]$")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


class LexiconError(ConfigError):
    pass


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    scope: str
    max_chars: int | None
    pattern: re.Pattern[str]
    reason: str
    source: str

    @property
    def code(self) -> str:
        return f"{STAGE}.{self.name}"

    def matches_line(self, text: str) -> bool:
        """Whether this rule matches the whole line ``text`` (within its length limit)."""
        return (self.max_chars is None or len(text) <= self.max_chars) and bool(self.pattern.fullmatch(text))


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
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise LexiconError(f"{where}:{line_no}: bad pattern: {exc}") from None
        max_chars = int(row["max_chars"]) if row["max_chars"] else None
        rules.append(Rule(row["name"], row["scope"], max_chars, pattern, row["reason"], row["source"]))
    return rules


class LineRules:
    """A lexicon's line rules, tried in order: the first that matches a line names it.

    Most lines match none, so before trying rules one by one a line meets one regex, the
    rules that admit its length joined as alternatives (``fullmatch`` of ``a|b`` is true
    exactly when ``a`` or ``b`` matches the whole line)."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [rule for rule in rules if rule.scope == LINE]
        self._limits = sorted({rule.max_chars for rule in self.rules if rule.max_chars is not None})
        # A back-reference would point at another rule's group once the patterns are joined.
        joinable = not any(_BACKREFERENCE.search(rule.pattern.pattern) for rule in self.rules)
        # _any[k]: the rules that admit a line longer than _limits[k - 1], joined (None: no rule does).
        self._any: list[re.Pattern[str] | None] | None = None
        if joinable:
            self._any = [self._joined([r for r in self.rules if r.max_chars is None or r.max_chars >= limit])
                         for limit in [0, *(limit + 1 for limit in self._limits)]]

    @staticmethod
    def _joined(rules: list[Rule]) -> re.Pattern[str] | None:
        if not rules:
            return None
        return re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in rules), re.IGNORECASE)

    def first(self, text: str) -> Rule | None:
        if self._any is not None:
            joined = self._any[bisect.bisect_left(self._limits, len(text))]
            if joined is None or not joined.fullmatch(text):
                return None
        return next((rule for rule in self.rules if rule.matches_line(text)), None)


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
        rules = load_lexicon(lexicon)
        self.line_rules = LineRules(rules)
        self.inline_rules = [r for r in rules if r.scope == INLINE]
        self.min_related_items = min_related_items
        self.max_related_title_chars = max_related_title_chars
        self.max_related_teaser_chars = max_related_teaser_chars
        self.max_author_bio_tail_blocks = max_author_bio_tail_blocks

    def __call__(self, doc: Document) -> None:
        first = doc.first_body_block
        # The rule that matched each block, if any (the title is never boilerplate).
        matched: list[Rule | None] = [None] * len(doc.blocks)
        for i in range(first, len(doc.blocks)):
            matched[i] = self.line_rules.first(doc.blocks[i].text)
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
        for i in range(first, len(doc.blocks)):
            if not taken[i]:
                self._inline(doc, i)

    # ------------------------------------------------------------ rules

    def _inline(self, doc: Document, i: int) -> None:
        block = doc.blocks[i]
        for rule in self.inline_rules:
            for match in rule.pattern.finditer(block.text):
                group = "span" if "span" in rule.pattern.groupindex else 0
                start, end = match.span(group)
                if start < end:
                    doc.annotate(block.start + start, block.start + end, category=STAGE, rule=rule.name,
                                 action=Action.REMOVE, reason=rule.reason)

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
