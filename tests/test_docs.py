"""The README is the front door (at most 10 KB) and every link in it and in docs/ resolves inside
the repository, anchors included."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

LINK = re.compile(r"\]\(([^)\s]+)\)")
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text("utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def broken_links() -> list[str]:
    broken = []
    for page in PAGES:
        for link in LINK.findall(page.read_text("utf-8")):
            if link.startswith(("http://", "https://")):
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if REPO.resolve() not in target.parents or not target.exists():
                broken.append(f"{page.name}: {link}")
            elif anchor and anchor not in anchors(target):
                broken.append(f"{page.name}: {link} (no such heading)")
    return broken


def test_every_link_resolves_inside_the_repository():
    assert broken_links() == []
    assert len(PAGES) == 7


def test_the_readme_is_a_front_door():
    assert len((REPO / "README.md").read_bytes()) <= 10 * 1024
