"""Corpus-level knowledge: the lines that recur across the documents of one site.

A line on many pages of one site (a menu entry, a newsletter box, a footer, a "Related posts"
heading) is that site's template, whatever one page alone looks like. Seeing it takes the whole
corpus, so a run counts before it cleans:

0. **census** (here, before the map): how many records each site has at most, from the inputs'
   URL fields alone (:func:`pipeline.io.ingest.record_sites`). A site of fewer than ``min_docs``
   cannot have a repeated line, so the map skips its documents: normalizing them is the map's
   cost, and a corpus of one page per site would pay it for nothing;
1. **map** (on the workers, like the cleaning): each document's distinct body lines (the
   title excepted), as 64-bit keys of (site, line), with the site's key beside each (the
   compiled core's: ``rust/src/sitelines.rs``);
2. **reduce** (here): the keys are counted, one hash bucket at a time from files the map's
   keys were spilled to, so memory does not grow with the corpus; a line on at least
   ``min_docs`` documents of its site, and on at least ``min_docs_ratio`` of them, is repeated;

and the cleaning pass (stage ``site_lines``) removes the repeated lines of each document, but
those that say nothing (:func:`says_something`, asked when a document's lines are looked up). A
document's site is the host of its URL, without ``www.``; a document without a URL has none
and is not counted.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline._core import site_key, site_line_keys, site_lines
from pipeline.core.document import Document, site_of
from pipeline.io.ingest import ANY_SITE, extract
from pipeline.io.records import RawRecord
from pipeline.language.nlp import stop_words
from pipeline.stages.normalize import make_document
from pipeline.text.words import LETTER_RUN

# A (site, line) key and its site's key, as the map spills them.
KEY_DTYPE = np.dtype([("key", "<u8"), ("site", "<u8")])
# Files the map's keys are spread over by key: the reduce holds one at a time (1/64 of the
# corpus's lines at 16 bytes each).
SPILL_BUCKETS = 64
# Slack when comparing a count with a share of a site's documents (floating-point products).
RATIO_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Census:
    """Step 0: how many records each site has at most (a record counted may still be rejected)."""

    sites: Counter[str]
    anywhere: int  # records that may be of any site: HTML files, whose URL is known once extracted

    @classmethod
    def of(cls, sites: Iterable[str | None]) -> Census:
        """From each record's site (None: it has none; :data:`~pipeline.io.ingest.ANY_SITE`: it
        may be of any)."""
        counted = Counter(site for site in sites if site is not None)
        return cls(counted, counted.pop(ANY_SITE, 0))

    def may_repeat(self, site: str | None, min_docs: int) -> bool:
        """Whether ``site`` may have ``min_docs`` documents, so a line on that many of them."""
        return site is not None and self.sites[site] + self.anywhere >= min_docs

    def any_may_repeat(self, min_docs: int) -> bool:
        return max(self.sites.values(), default=0) + self.anywhere >= min_docs


@dataclass(slots=True)
class SiteKeys:
    """The map's output for a batch: documents per site, and each document's (site, line) keys."""

    docs: Counter[str] = field(default_factory=Counter)
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=KEY_DTYPE))


def map_keys(records: Iterable[RawRecord]) -> SiteKeys:
    """The map: each record's site and the keys of its body lines (records without a site add
    nothing; an HTML page is extracted first, here on the worker)."""
    out = SiteKeys()
    parts: list[np.ndarray] = []
    for record in records:
        try:
            extract(record)
        except Exception:  # noqa: BLE001 - the cleaning pass fails the document, saying why
            continue
        site = site_of(record.url)
        if site is None or record.status is not None or record.text is None:
            continue
        out.docs[site] += 1
        doc = make_document(record)
        keys = site_line_keys(site, doc.text, doc.title or "")
        part = np.empty(len(keys), dtype=KEY_DTYPE)
        part["key"], part["site"] = keys, site_key(site)
        parts.append(part)
    out.keys = np.concatenate(parts) if parts else np.zeros(0, dtype=KEY_DTYPE)
    return out


@dataclass(frozen=True, slots=True)
class RepeatedLines:
    """The reduce's result: the repeated (site, line) keys, sorted, with how many documents hold
    each, and how many documents each site has."""

    keys: np.ndarray  # uint64, sorted
    counts: np.ndarray  # uint32, documents holding each key's line
    site_docs: dict[str, int]  # documents per site, for the sites that have repeated lines
    keyed: int = 0  # documents whose lines were counted (the map's)

    def __len__(self) -> int:
        return len(self.keys)

    def of(self, doc: Document) -> dict[str, tuple[int, int]]:
        """The document's repeated lines: line -> (documents of its site holding it, documents of the site)."""
        site = doc.site
        if site is None or not len(self.keys) or site not in self.site_docs:
            return {}
        lines, keys = site_lines(site, doc.text, doc.title or "")
        where = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = self.keys[where] == keys
        docs = self.site_docs[site]
        return {line: (int(self.counts[w]), docs) for line, w, h in zip(lines, where.tolist(), hit.tolist(),
                                                                        strict=True) if h and says_something(line)}


def says_something(line: str) -> bool:
    """Whether ``line`` has a word of two letters or more that is no stop word. A site's template
    line does (a menu entry, a heading, a notice); one that does not is code ("}", "});") or a
    sentence's fragment (a lone "and" where inline code broke a line), repeated because the site's
    pages share code and phrasing: removing it would break them and takes no furniture away."""
    return any(len(word) > 1 and word.lower() not in stop_words() for word in LETTER_RUN.findall(line))


class SiteCounter:
    """The reduce: adds up the map's outputs, spilled to hash buckets on disk, and counts them
    bucket by bucket at the end. Use as a context manager (the spill files are removed)."""

    def __init__(self, *, min_docs: int, min_docs_ratio: float | None, spill_dir: Path | None = None) -> None:
        self.min_docs, self.min_docs_ratio = min_docs, min_docs_ratio
        self.docs: Counter[str] = Counter()
        self._dir = tempfile.TemporaryDirectory(prefix=".site-lines-", dir=spill_dir)
        self._files = [open(Path(self._dir.name) / f"{b:02d}.keys", "wb") for b in range(SPILL_BUCKETS)]  # noqa: SIM115
        self.spilled = 0  # keys written

    def __enter__(self) -> SiteCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for fh in self._files:
            fh.close()
        self._dir.cleanup()

    def add(self, part: SiteKeys) -> None:
        self.docs.update(part.docs)
        if not len(part.keys):
            return
        bucket = part.keys["key"] % SPILL_BUCKETS
        order = np.argsort(bucket, kind="stable")
        keys, bucket = part.keys[order], bucket[order]
        bounds = np.searchsorted(bucket, np.arange(SPILL_BUCKETS + 1))
        for b in range(SPILL_BUCKETS):
            if bounds[b] < bounds[b + 1]:
                keys[bounds[b]:bounds[b + 1]].tofile(self._files[b])
        self.spilled += len(keys)

    def result(self) -> RepeatedLines:
        """The repeated lines of every site."""
        site_by_key = {site_key(site): site for site, n in self.docs.items() if n >= self.min_docs}
        keys: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        sites: set[str] = set()
        for fh in self._files:
            fh.close()
            spilled = np.fromfile(fh.name, dtype=KEY_DTYPE)
            if not len(spilled):
                continue
            unique, first, count = np.unique(spilled["key"], return_index=True, return_counts=True)
            candidate = count >= self.min_docs  # most lines are on one document: no site lookup for them
            unique, count, site_keys = unique[candidate], count[candidate], spilled["site"][first[candidate]]
            owners = [site_by_key.get(s) for s in site_keys.tolist()]
            keep = count >= np.array([self._needed(site) for site in owners], dtype=np.float64)
            keys.append(unique[keep])
            counts.append(count[keep].astype(np.uint32))
            sites.update(site for site, kept in zip(owners, keep.tolist(), strict=True) if kept)
        keyed = sum(self.docs.values())
        if not keys:
            return RepeatedLines(np.zeros(0, np.uint64), np.zeros(0, np.uint32), {}, keyed)
        all_keys, all_counts = np.concatenate(keys), np.concatenate(counts)
        order = np.argsort(all_keys)
        return RepeatedLines(all_keys[order], all_counts[order], {site: self.docs[site] for site in sorted(sites)},
                             keyed)

    def _needed(self, site: str | None) -> float:
        """Documents of ``site`` a line must be on to be repeated (infinity for a site with too few)."""
        if site is None:
            return float("inf")
        ratio = 0.0 if self.min_docs_ratio is None else self.min_docs_ratio * self.docs[site]
        # 0.2 * 15 is 3.0000000000000004 in floating point: a line on 3 of 15 documents is on 20% of them.
        return max(self.min_docs, ratio - RATIO_TOLERANCE)
