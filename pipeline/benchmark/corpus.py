"""The benchmark corpus: deterministic JSONL shards built from WCXB dev's visible text and the seeds.

Every document starts from one WCXB dev page rendered to visible text (inscriptis: menus,
footers and related links included, as a scraper sees them): a run of its blocks, with a few
blocks from other pages mixed in, so no two documents are the same. Every
``SEED_EVERY``-th document is one of the seeds (the five real scraped articles) whole. The
same arguments give the same bytes on every machine.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.evaluation import wcxb

# Blocks of visible text are separated by blank lines.
_BLOCKS = re.compile(r"\n\s*\n")
# Each document is this many characters of its page on average (drawn per document, within the bounds).
MEAN_DOC_CHARS = 8_000
MIN_DOC_CHARS = 1_500
MAX_DOC_CHARS = 40_000
# Share of documents with blocks of other pages mixed in, and how many at most.
MIX_SHARE = 0.4
MAX_MIXED_BLOCKS = 3
# One document in this many is a seed article.
SEED_EVERY = 50
DEFAULT_SEEDS = wcxb.DEFAULT_WCXB.parent / "seeds"
# Written beside the shards: the arguments, so a directory is rebuilt only when they change.
STAMP = "corpus.json"
DEFAULT_DOCS = 20_000


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    docs: int = DEFAULT_DOCS
    shards: int = 8
    seed: int = 20261121

    def as_dict(self) -> dict:
        return {"docs": self.docs, "shards": self.shards, "seed": self.seed, "version": 2}


def source_texts(wcxb_dir: Path, seeds_dir: Path) -> tuple[list[list[str]], list[str]]:
    """Each WCXB dev page's visible text as blocks, and the seed articles' texts."""
    pages = []
    for page in wcxb.load_pages(wcxb_dir):
        blocks = [b.strip() for b in _BLOCKS.split(wcxb.visible_text(page.html)) if b.strip()]
        if blocks:
            pages.append(blocks)
    seeds = [p.read_text("utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    return pages, seeds


def documents(spec: CorpusSpec, pages: list[list[str]], seeds: list[str]):
    """The corpus's documents in order: dicts with ``id``, ``url`` and ``text``.

    Each document is on a site of its own, so the corpus-level counting pass does all its work
    (normalize, hash, spill, count) but finds no template: documents made from one page's blocks
    share that page's article lines, which on one site would read as a template."""
    rng = random.Random(spec.seed)
    for i in range(spec.docs):
        if seeds and i % SEED_EVERY == SEED_EVERY - 1:
            text = seeds[(i // SEED_EVERY) % len(seeds)]
        else:
            text = "\n\n".join(_mixed_blocks(rng, pages))
        yield {"id": f"bench-{i:06d}", "url": f"https://bench-{i:06d}.example/", "text": text}


def _mixed_blocks(rng: random.Random, pages: list[list[str]]) -> list[str]:
    blocks = rng.choice(pages)
    target = min(MAX_DOC_CHARS, max(MIN_DOC_CHARS, int(rng.expovariate(1 / MEAN_DOC_CHARS))))
    start = rng.randrange(len(blocks))
    out, size = [], 0
    for block in blocks[start:] + blocks[:start]:
        if size >= target:
            break
        out.append(block)
        size += len(block) + 2
    if rng.random() < MIX_SHARE:
        for _ in range(rng.randint(1, MAX_MIXED_BLOCKS)):
            other = rng.choice(pages)
            out.insert(rng.randint(0, len(out)), rng.choice(other))
    return out


def build(out_dir: Path, spec: CorpusSpec, *, wcxb_dir: Path = wcxb.DEFAULT_WCXB,
          seeds_dir: Path = DEFAULT_SEEDS) -> dict:
    """Write the corpus as ``spec.shards`` JSONL files in ``out_dir`` (unless it is already there)
    and return its description: documents, bytes of text, and a digest of the files."""
    stamp_path = out_dir / STAMP
    if stamp_path.exists():
        stamp = json.loads(stamp_path.read_text("utf-8"))
        if stamp.get("spec") == spec.as_dict():
            return stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.jsonl"):
        old.unlink()
    pages, seeds = source_texts(wcxb_dir, seeds_dir)
    handles = [open(out_dir / f"shard-{k:02d}.jsonl", "w", encoding="utf-8") for k in range(spec.shards)]
    digest = hashlib.sha256()
    text_bytes = 0
    try:
        for i, doc in enumerate(documents(spec, pages, seeds)):
            line = json.dumps(doc, ensure_ascii=False) + "\n"
            handles[i * spec.shards // spec.docs].write(line)
            digest.update(line.encode("utf-8"))
            text_bytes += len(doc["text"].encode("utf-8"))
    finally:
        for handle in handles:
            handle.close()
    stamp = {"spec": spec.as_dict(), "documents": spec.docs, "text_bytes": text_bytes,
             "file_bytes": sum(p.stat().st_size for p in out_dir.glob("*.jsonl")), "sha256": digest.hexdigest(),
             "sources": {"wcxb_pages": len(pages), "seeds": len(seeds)}}
    stamp_path.write_text(json.dumps(stamp, indent=2) + "\n", "utf-8")
    return stamp
