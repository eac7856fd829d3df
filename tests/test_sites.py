"""The corpus-level counting pass: lines repeated across a site's documents are its template."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.io.ingest import ANY_SITE
from pipeline.io.records import RawRecord
from pipeline.run.sites import SPILL_BUCKETS, Census, SiteCounter, map_keys, site_of
from pipeline.stages.normalize import make_document
from tests.conftest import SENTENCES, read_manifest, run_cli
from tests.test_cli import tree_bytes

NAV = "Home | Recipes | Contact"
NEWSLETTER = "Get one recipe a week in your inbox, every Friday morning."
SHARED = "Rivers are older than the roads that follow them."


@pytest.mark.parametrize(("url", "site"), [
    ("https://www.Example.com/tips/1", "example.com"),
    ("http://blog.example.com:8080/a?b=c", "blog.example.com"),
    ("example.com/no-scheme", None),
    ("", None),
    (None, None),
    ("http://[::1/broken", None),
])
def test_a_site_is_the_host_of_the_url_without_www(url, site):
    assert site_of(url) == site


def test_the_census_bounds_the_documents_of_each_site():
    census = Census.of(["a.example", None, "a.example", "b.example", ANY_SITE])  # ANY_SITE: an HTML page
    assert census.may_repeat("a.example", 3) and not census.may_repeat("b.example", 3)
    assert census.may_repeat("b.example", 2) and census.may_repeat("c.example", 1)
    assert not census.may_repeat("c.example", 2) and not census.may_repeat(None, 1)
    assert census.any_may_repeat(3) and not census.any_may_repeat(4)


def body(n: int, sentences: int = 9) -> str:
    """A different plain article body for each n."""
    picked = [SENTENCES[(n * 5 + k) % len(SENTENCES)] for k in range(sentences)]
    return "\n\n".join(" ".join(picked[i:i + 3]) for i in range(0, sentences, 3))


def record(doc_id: str, url: str | None, lines: list[str]) -> RawRecord:
    return RawRecord(id=doc_id, source="docs.jsonl", position=1, text="\n\n".join(lines), title=f"Title {doc_id}",
                     url=url)


def counted(records: list[RawRecord], *, min_docs=3, min_docs_ratio=0.2, batch=2):
    with SiteCounter(min_docs=min_docs, min_docs_ratio=min_docs_ratio) as counter:
        for i in range(0, len(records), batch):
            counter.add(map_keys(records[i:i + batch]))
        return counter.result(), counter.spilled


def test_a_line_on_enough_documents_of_its_own_site_is_repeated():
    small = [record(f"s{n}", f"https://small.example/{n}",
                    ["Home page", *(["Contact us"] if n < 3 else []), *(["Sign in"] if n < 2 else []), f"own {n}"])
             for n in range(5)]
    # 20 documents: one line on 3 of them (15%, under 20%), one on 4 (20% exactly), and the small site's first on 5.
    large = [record(f"b{n}", f"https://large.example/{n}",
                     [*(["Weekly newsletter"] if n < 3 else []), *(["Privacy policy"] if n < 4 else []),
                      *(["Home page"] if n < 5 else []), f"own {n}"])
             for n in range(20)]
    no_site = [record(f"x{n}", None, ["Home page", "Contact us"]) for n in range(4)]
    repeated, spilled = counted(small + large + no_site)
    # Each document's distinct body lines, once each: 5 + 3 + 2 + 5 (small), 3 + 4 + 5 + 20 (large); none without a site.
    assert spilled == 47
    assert repeated.site_docs == {"large.example": 20, "small.example": 5}
    assert len(repeated) == 4
    doc = make_document(small[0])
    assert repeated.of(doc) == {"Home page": (5, 5), "Contact us": (3, 5)}
    assert repeated.of(make_document(large[0])) == {"Privacy policy": (4, 20), "Home page": (5, 20)}
    # The same line on another site, or on no site, is not that site's.
    assert repeated.of(make_document(no_site[0])) == {}
    elsewhere = record("e0", "https://elsewhere.example/", ["Home page", "Contact us", "Sign in", "own 0"])
    assert repeated.of(make_document(elsewhere)) == {}


def test_the_title_is_not_counted_and_a_line_counts_once_per_document():
    docs = [RawRecord(id=f"d{n}", source="docs.jsonl", position=1, text=f"Shared Title\n\nSubscribe today\n\nSubscribe today\n\nown {n}",
                      url="https://a.example/") for n in range(3)]
    docs[0].position = 0  # a one-article file: its first line is its title, never counted
    repeated, spilled = counted(docs, min_docs=2, min_docs_ratio=None)
    # d0: Subscribe today, own 0; d1 and d2 (no title): Shared Title, Subscribe today, own n.
    assert spilled == 2 + 3 + 3
    assert repeated.of(make_document(docs[1])) == {"Shared Title": (2, 3), "Subscribe today": (3, 3)}
    assert repeated.of(make_document(docs[0])) == {"Subscribe today": (3, 3)}


def test_the_reduce_counts_exactly_across_every_spill_bucket():
    lines = [f"line {k}" for k in range(400)]
    docs = [record(f"d{n}", "https://many.example/", lines[: 300 + n * 25]) for n in range(4)]
    repeated, spilled = counted(docs, min_docs=3, min_docs_ratio=None, batch=1)
    assert spilled == 300 + 325 + 350 + 375
    # Lines 0-299 are on all four documents, 300-324 on three, 325-349 on two: 325 repeated lines.
    assert len(repeated) == 325
    assert np.all(np.diff(repeated.keys.astype(np.float64)) > 0)
    assert sorted(np.unique(repeated.keys % SPILL_BUCKETS).tolist()) == list(range(SPILL_BUCKETS))
    found = repeated.of(make_document(docs[3]))
    assert found == {f"line {k}": (4 if k < 300 else 3, 4) for k in range(325)}


def site_corpus(raw, *, others: int = 2) -> None:
    """Five kitchen articles sharing a menu and a newsletter box; ``others`` pages of another site
    sharing one sentence; and a file without URLs."""
    lines = [json.dumps({"id": f"kitchen-{n}", "url": f"https://www.kitchen.example/tips/{n}", "title": f"Tip {n}",
                         "text": f"{NAV}\n\n{body(n)}\n\n{NEWSLETTER}"}) for n in range(5)]
    lines += [json.dumps({"id": f"river-{n}", "url": f"https://rivers.example/{n}", "title": f"River {n}",
                          "text": f"{body(n + 1)}\n\n{SHARED}"}) for n in range(others)]
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "sites.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_run_removes_a_sites_template_lines_with_their_counts(tmp_path):
    site_corpus(tmp_path / "raw")
    run = run_cli(tmp_path / "raw", tmp_path / "out", "--workers", "1")
    assert run.exit_code == 0
    assert run.cleaned_text("kitchen-0") == f"Tip 0\n\n{body(0)}\n"
    row = run.row("kitchen-0")
    assert row["site"] == "kitchen.example" and row["site_repeated_lines"] == 2
    site = [(a["rule"], a["reason"]) for a in row["annotations_list"] if a["rule"] == "site_repeated"]
    assert site == [("site_repeated", "a line of the site's template: on 5 of the 5 documents of kitchen.example")] * 2
    assert "boilerplate.site_repeated" not in row["reasons"]  # removing lines drops nothing
    # Two pages of rivers.example share a sentence: under min_docs = 3, it stays.
    assert run.cleaned_text("river-0") == f"River 0\n\n{body(1)}\n\n{SHARED}\n"
    assert run.row("river-0")["site_repeated_lines"] == 0
    found = read_manifest(run.reports)
    # The census skips rivers.example's two pages: a site of 2 documents has no line on 3.
    assert found["site_lines"] == {"counted": True, "documents_keyed": 5, "sites_with_repeated_lines": 1,
                                   "repeated_lines": 2}


def test_min_docs_none_switches_the_counting_pass_off(tmp_path):
    site_corpus(tmp_path / "raw")
    (tmp_path / "config.toml").write_text("[site_lines]\nmin_docs = \"none\"\n", encoding="utf-8")
    run = run_cli(tmp_path / "raw", tmp_path / "out", "--config", str(tmp_path / "config.toml"))
    # Without it, the line model keeps the menu and the newsletter box: one page alone does not
    # show that they are the site's template.
    assert run.cleaned_text("kitchen-0") == f"Tip 0\n\n{NAV}\n\n{body(0)}\n\n{NEWSLETTER}\n"
    assert run.row("kitchen-0")["site_repeated_lines"] == 0
    found = read_manifest(run.reports)
    assert found["site_lines"] == {"counted": False}


def test_a_new_page_that_makes_a_line_repeated_cleans_its_sites_pages_again(tmp_path):
    site_corpus(tmp_path / "raw")
    assert run_cli(tmp_path / "raw", tmp_path / "out").exit_code == 0
    site_corpus(tmp_path / "raw", others=3)  # a third rivers.example page with the shared sentence
    again = run_cli(tmp_path / "raw", tmp_path / "out")
    incremental = read_manifest(again.reports)["incremental"]
    # The kitchen pages are reused; the rivers pages are cleaned again (two changed, one new).
    assert incremental == {"reused": 5, "cleaned": 3, "why_not_reused": None}
    assert again.cleaned_text("river-0") == f"River 0\n\n{body(1)}\n"
    full = run_cli(tmp_path / "raw", tmp_path / "full", "--force")
    assert tree_bytes(again.root) == tree_bytes(full.root)


def html_page(n: int) -> str:
    """A kitchen.example article as HTML: its URL in the canonical link, a shared newsletter line in its body."""
    paragraphs = "".join(f"<p>{part}</p>" for part in body(n).split("\n\n"))
    return (f'<!DOCTYPE html><html><head><title>Tip {n}</title>'
            f'<link rel="canonical" href="https://www.kitchen.example/tips/{n}"></head><body>'
            f"<article><h1>Tip {n}</h1>{paragraphs}<p>{NEWSLETTER}</p></article></body></html>")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_html_pages_are_extracted_by_the_workers_and_counted_by_their_url(tmp_path, workers):
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(3):
        (raw / f"tip-{n}.html").write_text(html_page(n), encoding="utf-8")
    (raw / "empty.html").write_text("<html><head><title>Nothing</title></head><body></body></html>", encoding="utf-8")
    run = run_cli(raw, tmp_path / "out", "--workers", workers)
    assert run.exit_code == 0
    # The URL trafilatura reads from each page puts the three on one site: the newsletter line is its template.
    row = run.row("tip-0")
    assert (row["site"], row["site_repeated_lines"]) == ("kitchen.example", 1)
    assert run.cleaned_text("tip-0") == f"Tip 0\n\n{body(0)}\n"
    empty = run.row("empty")
    assert (empty["status"], list(empty["reasons"])) == ("dropped", ["ingest.no_content"])
    assert read_manifest(run.reports)["site_lines"] == {
        "counted": True, "documents_keyed": 3, "sites_with_repeated_lines": 1, "repeated_lines": 1}


def test_a_page_trafilatura_cannot_read_fails_alone(tmp_path, monkeypatch):
    import trafilatura

    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(3):
        (raw / f"tip-{n}.html").write_text(html_page(n), encoding="utf-8")
    extract = trafilatura.bare_extraction

    def breaks_on_tip_1(html, **options):
        if "Tip 1<" in html:
            raise ValueError("unreadable markup")
        return extract(html, **options)

    monkeypatch.setattr(trafilatura, "bare_extraction", breaks_on_tip_1)
    run = run_cli(raw, tmp_path / "out", "--workers", "1")
    assert run.exit_code == 0
    failed = run.row("tip-1")
    assert (failed["status"], list(failed["reasons"])) == ("failed", ["pipeline.error"])
    assert failed["error"].startswith("ValueError: unreadable markup")
    # The other two are still a site of 2 documents: under min_docs, nothing is its template.
    assert run.row("tip-0")["site_repeated_lines"] == 0
    assert read_manifest(run.reports)["site_lines"]["documents_keyed"] == 2


def test_a_repeated_line_that_says_nothing_is_not_the_sites_template():
    # Code the site's pages share, and a fragment where inline code broke a sentence: removing them
    # would break the code and the sentence, and takes no furniture away.
    lines = ["}", "});", "and", "...", "Subscribe to our newsletter"]
    docs = [record(f"d{n}", "https://docs.example/", [f"own {n}", *lines]) for n in range(3)]
    repeated, _ = counted(docs, min_docs=3, min_docs_ratio=None)
    assert len(repeated) == 5
    assert repeated.of(make_document(docs[0])) == {"Subscribe to our newsletter": (3, 3)}
