"""The document model: normalized text plus annotations and signals.

Stages never change ``Document.text``. They add :class:`Annotation` objects (character
spans with a category, a rule, an action and a reason) and named numeric signals. The
decide step turns signals into a :class:`Status` with reasons, and the renderers in
:mod:`pipeline.core.render` apply the annotations. One path serves the cleaned text and the
report, so the report can explain every removed character.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


class Action(str, enum.Enum):
    REMOVE = "remove"
    FLAG = "flag"
    REPLACE = "replace"


class Status(str, enum.Enum):
    KEPT = "kept"
    DROPPED = "dropped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Annotation:
    """A span ``[start, end)`` of the normalized text and what a stage says of it. ``category`` is
    the kind of text it marks (``boilerplate``: several stages remove boilerplate), the first part
    of its reason code and its colour in the reports (see :class:`pipeline.core.registry.Category`)."""

    start: int
    end: int
    category: str
    rule: str
    action: Action
    reason: str
    replacement: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")
        if (self.action is Action.REPLACE) != (self.replacement is not None):
            raise ValueError("a replacement is given exactly when the action is 'replace'")

    @property
    def code(self) -> str:
        """The reason code, ``"<category>.<rule>"``."""
        return f"{self.category}.{self.rule}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "category": self.category,
            "rule": self.rule,
            "action": self.action.value,
            "replacement": self.replacement,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Annotation:
        """The annotation :meth:`to_dict` gave ``row`` for (an ``annotations_list`` item)."""
        return cls(row["start"], row["end"], row["category"], row["rule"], Action(row["action"]), row["reason"],
                   row["replacement"])


@dataclass(slots=True)
class Block:
    """A paragraph-level unit (one line of the normalized text), its span and source indentation."""

    start: int
    end: int
    text: str
    indent: int = 0

    def removed_in(self, mask: bytearray) -> bool:
        """Every character of the block is removed in ``mask`` (a :meth:`Document.removed_mask`)."""
        return mask.find(0, self.start, self.end) == -1


@dataclass(slots=True)
class Document:
    id: str
    text: str
    source: str
    title: str = ""
    url: str | None = None
    source_metadata: dict[str, Any] = field(default_factory=dict)
    # The indentation each line of ``text`` had in the raw input (layout, for the line model).
    indents: list[int] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    # What a stage says of its own run on this document (grammar: "ran (...)" / "skipped: why").
    notes: dict[str, str] = field(default_factory=dict)
    # Corpus-level knowledge (pipeline/run/sites.py): the lines of this document that recur across
    # its site (line -> (documents holding it, documents of the site)).
    site_lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Filled by the segment stage; derived from ``text`` only.
    blocks: list[Block] = field(default_factory=list)
    status: Status = Status.KEPT
    reasons: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def site(self) -> str | None:
        """The site the document is on: its URL's host (see :func:`site_of`)."""
        return site_of(self.url)

    @property
    def site_lines_digest(self) -> str | None:
        """What the document's cleaning took from the corpus (its ``site_lines``): a re-run reuses
        its row only while this stays the same."""
        if not self.site_lines:
            return None
        payload = json.dumps(sorted(self.site_lines.items()), ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    @property
    def title_span(self) -> tuple[int, int]:
        """The title is the first line of ``text`` when the document has one."""
        if self.title and self.text.startswith(self.title):
            return (0, len(self.title))
        return (0, 0)

    @property
    def first_body_block(self) -> int:
        """The index of the first block after the title: 1 when block 0 is the title, else 0."""
        return 1 if self.title and self.blocks and self.title_span == (0, self.blocks[0].end) else 0

    def annotate(
        self,
        start: int,
        end: int,
        *,
        category: str,
        rule: str,
        action: Action,
        reason: str,
        replacement: str | None = None,
    ) -> Annotation:
        if end > len(self.text):
            raise ValueError(f"span end {end} is past the text ({len(self.text)} chars)")
        annotation = Annotation(start, end, category, rule, action, reason, replacement)
        self.annotations.append(annotation)
        return annotation

    def removed_mask(self, *, category: str | None = None) -> bytearray:
        """One byte per character: 1 where a remove annotation (of ``category``) covers it."""
        mask = bytearray(len(self.text))
        for a in self.annotations:
            if a.action is Action.REMOVE and category in (None, a.category):
                mask[a.start : a.end] = b"\x01" * (a.end - a.start)
        return mask


def site_of(url: str | None) -> str | None:
    """The host of ``url``, lower case and without ``www.``; None without a URL or a host."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None
