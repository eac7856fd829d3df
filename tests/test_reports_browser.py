"""The HTML reports in real headless Chromium (Debian's ``chromium``, which ``make test`` installs),
opened from ``file://`` as a user opens them. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.core.config import configured, load_config
from pipeline.core.decide import Decide
from pipeline.reports import ReportWriter
from tests.conftest import RAW, REPO, article, run_cli, seed_id

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")

ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-extensions", "--no-first-run"]
# Markup a scraped page may carry; in a report it must stay text.
HOSTILE = ('<script>window.__xss = 1; alert(1)</script> "onerror=window.__xss=2 </textarea>'
           '<img src=x onerror="window.__xss=3"><svg onload="window.__xss=4">')


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if not found:
        pytest.fail("no chromium: `make test` installs Debian's chromium (apt-get as root or with sudo), "
                    "or set CHROMIUM to a Chromium executable")
    return found


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A page that records every dialog, script error and request leaving file://."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.events = {"dialogs": [], "errors": [], "requests": []}
    page.on("dialog", lambda dialog: (page.events["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.events["errors"].append(str(error)))
    page.on("request", lambda request: None if request.url.startswith("file://")
            else page.events["requests"].append(request.url))
    yield page
    context.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seeds plus a hostile page, a short (dropped) one and a binary (failed) one."""
    root = tmp_path_factory.mktemp("browser")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    (raw / "hostile.txt").write_text(f"Title {HOSTILE}\n\n{HOSTILE}\n\n{article(paragraphs=3)}", encoding="utf-8")
    (raw / "short.txt").write_text("Short note\n\nToo short to keep.", encoding="utf-8")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)
    run = run_cli(raw, root)
    assert run.exit_code == 0
    ARTIFACTS.mkdir(exist_ok=True)
    return run


def table_ids(page) -> list[str]:
    return page.eval_on_selector_all("#docs tbody tr", "rows => rows.map(r => r.dataset.id)")


def test_index_sorts_filters_and_links_to_reports(corpus, page):
    signals = corpus.signals
    page.goto((corpus.reports / "index.html").as_uri())
    assert page.text_content("#table-status") == f"Showing 1–{len(signals)} of {len(signals)} documents."
    assert table_ids(page) == signals["id"].tolist()
    page.screenshot(path=ARTIFACTS / "index.png", full_page=True)

    page.click("#docs th[data-key=words_out] button")
    ascending = signals.sort_values("words_out", kind="stable", na_position="last")["id"].tolist()
    assert table_ids(page) == ascending
    assert page.get_attribute("#docs th[data-key=words_out]", "aria-sort") == "ascending"
    page.click("#docs th[data-key=words_out] button")
    descending = signals.sort_values("words_out", ascending=False, kind="stable", na_position="last")["id"].tolist()
    assert table_ids(page) == descending

    page.select_option("#filter-status", "dropped")
    assert set(table_ids(page)) == set(signals.loc[signals["status"] == "dropped", "id"])
    page.select_option("#filter-status", "")
    page.select_option("#filter-reason", "ingest.binary")
    assert table_ids(page) == signals.loc[signals["reasons"].map(lambda r: "ingest.binary" in r), "id"].tolist()
    page.select_option("#filter-reason", "")
    page.fill("#filter-text", "LOWER BACK")
    matching = signals.loc[signals["title"].fillna("").str.lower().str.contains("lower back")
                           | signals["keyphrase"].fillna("").str.lower().str.contains("lower back"), "id"]
    assert set(table_ids(page)) == set(matching) and len(matching) == 4
    assert page.text_content("#table-status") == f"Showing 1–4 of 4 documents (filtered from {len(signals)})."

    # The filters live in the URL fragment: back from a report, the same view.
    page.click(f"#docs tr[data-id='{seed_id('004')}'] a")
    assert page.url.endswith(f"/{seed_id('004')}.html")
    page.go_back()
    assert page.input_value("#filter-text") == "LOWER BACK" and len(table_ids(page)) == 4
    assert page.events == {"dialogs": [], "errors": [], "requests": []}


@pytest.mark.parametrize("key", ["__proto__", "constructor", "toString", "nonesuch"])
def test_a_fragment_naming_no_column_leaves_the_table_unsorted(corpus, page, key):
    page.goto((corpus.reports / "index.html").as_uri() + f"#sort={key}&dir=desc")
    assert table_ids(page) == corpus.signals["id"].tolist()
    assert page.events == {"dialogs": [], "errors": [], "requests": []}


def test_report_marks_every_annotation_and_toggles_removed_and_kept(corpus, page):
    doc_id = seed_id("004")
    row = corpus.row(doc_id)
    page.goto((corpus.reports / f"{doc_id}.html").as_uri())
    marks = page.eval_on_selector_all("#removed-view mark[data-a]", "ms => ms.map(m => m.dataset.a)")
    # 62 until the spun stage marked the phrases of WordNet's that misfit both sides ("slow down",
    # "as needed", "too much", "a couple of": evidence, as a misfit word is).
    assert len(set(marks)) == row["annotations"] == len(row["annotations_list"]) == 66
    tips = page.eval_on_selector_all("#removed-view mark[id]", "ms => ms.map(m => [m.id, m.dataset.tip])")
    assert dict(tips) == {f"a{i}": f"{a['category']}.{a['rule']}: {a['reason']}"
                          for i, a in enumerate(row["annotations_list"])}
    assert page.text_content("#decision") == "kept"
    page.screenshot(path=ARTIFACTS / f"report-{doc_id}.png", full_page=True)

    assert page.is_visible("#removed-view") and not page.is_visible("#kept-view")
    page.click("label[for=view-kept]")
    assert page.is_visible("#kept-view") and not page.is_visible("#removed-view")
    assert page.inner_text("#kept-view").strip() == corpus.cleaned_text(doc_id).strip()
    page.screenshot(path=ARTIFACTS / f"report-{doc_id}-kept.png")
    page.click("label[for=view-removed]")
    assert page.is_visible("#removed-view")
    # From the keyboard: the toggle is a radio group (arrow keys).
    page.focus("#view-removed")
    page.keyboard.press("ArrowRight")
    assert page.is_visible("#kept-view") and not page.is_visible("#removed-view")
    page.keyboard.press("ArrowLeft")
    assert page.is_visible("#removed-view")

    # A legend checkbox hides its category's highlighting, not the text.
    spun_bg = "getComputedStyle(document.querySelector('mark.c-spun')).backgroundColor"
    assert page.evaluate(spun_bg) == "rgb(255, 240, 179)"
    page.uncheck("#show-spun")
    assert page.evaluate(spun_bg) == "rgba(0, 0, 0, 0)" and len(set(page.eval_on_selector_all(
        "#removed-view mark[data-a]", "ms => ms.map(m => m.dataset.a)"))) == row["annotations"]
    page.check("#show-spun")

    # The reason behind a spun phrase shows on keyboard focus, with the phrase it most likely replaced.
    first_tortured = next(i for i, a in enumerate(row["annotations_list"]) if a["rule"] == "tortured_phrase")
    page.focus(f"#a{first_tortured}")
    tip = page.evaluate(f"getComputedStyle(document.getElementById('a{first_tortured}'), '::after').content")
    assert "most likely" in tip
    page.screenshot(path=ARTIFACTS / f"report-{doc_id}-focus.png")
    assert page.events == {"dialogs": [], "errors": [], "requests": []}


def test_every_report_has_as_many_marks_as_signals_has_annotations(corpus, page):
    for doc_id, count in corpus.signals[["id", "annotations"]].itertuples(index=False):
        page.goto((corpus.reports / f"{doc_id}.html").as_uri())
        marks = page.eval_on_selector_all("mark[data-a]", "ms => new Set(ms.map(m => m.dataset.a)).size")
        assert marks == (0 if count is None or count != count else count), doc_id


def test_previous_and_next_walk_the_run_in_order(corpus, page):
    ids = corpus.signals["id"].tolist()
    page.goto((corpus.reports / f"{ids[0]}.html").as_uri())
    visited = [ids[0]]
    while page.query_selector("a[rel=next]"):
        page.click("a[rel=next]")
        visited.append(Path(page.url).stem)
    assert visited == ids
    page.click("text=All documents")
    assert page.url == (corpus.reports / "index.html").as_uri()


def test_hostile_markup_is_shown_never_run(corpus, page):
    hostile_id = corpus.signals.loc[corpus.signals["source"] == "hostile.txt", "id"].item()
    for url in ((corpus.reports / "index.html").as_uri(), (corpus.reports / f"{hostile_id}.html").as_uri()):
        page.goto(url)
        assert page.evaluate("window.__xss") is None
    assert page.text_content("h1") == f"Title {HOSTILE}"
    page.click("label[for=view-kept]")
    assert HOSTILE in page.inner_text("#kept-view")
    page.screenshot(path=ARTIFACTS / "report-hostile.png")
    assert page.events == {"dialogs": [], "errors": [], "requests": []}


def test_sort_headers_work_from_the_keyboard(corpus, page):
    page.goto((corpus.reports / "index.html").as_uri())
    page.focus("#docs th[data-key=spun_score] button")
    page.keyboard.press("Enter")
    scores = corpus.signals.sort_values("spun_score", kind="stable", na_position="last")["id"].tolist()
    assert table_ids(page) == scores


def test_ten_thousand_documents_page_fifty_at_a_time(tmp_path, page):
    config = load_config()
    writer = ReportWriter(tmp_path, Decide.from_config(config), configured(config), 0.5)
    for n in range(10_000):
        writer.add_row([f"doc{n:05d}", f"Title {n}", "kept" if n % 3 else "dropped",
                            [] if n % 3 else ["decide.min_words"], n, n % 997, 0.1, None, 0.0, (n % 100) / 100, 1, True])
    writer.write_index(tmp_path / "index.html", _manifest())
    page.goto((tmp_path / "index.html").as_uri())
    assert len(table_ids(page)) == 50 and page.text_content("#page-label") == "Page 1 of 200"
    page.click("#page-last")
    assert table_ids(page)[-1] == "doc09999" and page.text_content("#page-label") == "Page 200 of 200"
    page.click("#docs th[data-key=words_out] button")
    page.click("#docs th[data-key=words_out] button")
    first = table_ids(page)[0]
    assert page.text_content("#page-label") == "Page 1 of 200" and int(first[3:]) % 997 == 996
    page.select_option("#filter-status", "dropped")
    assert page.text_content("#table-status") == "Showing 1–50 of 3,334 documents (filtered from 10,000)."
    assert page.events["errors"] == []


def _manifest() -> dict:
    return {"config": {}, "config_hash": "0" * 64, "versions": {"clean-corpus": "test"}, "stages": [],
            "inputs": []}


# WCAG 2 contrast of every element that holds text, against the first opaque background behind it.
CONTRAST_JS = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll("body *:not(svg *)")) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text || !el.checkVisibility()) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push([el.tagName + "." + el.className, ratio.toFixed(2)]);
  }
  return worst;
}"""


def test_all_text_has_enough_contrast(corpus, page):
    for name in ("index.html", f"{seed_id('004')}.html", f"{seed_id('003')}.html"):
        page.goto((corpus.reports / name).as_uri())
        assert page.evaluate(CONTRAST_JS) == [], name


def test_served_reports_open_a_page_the_run_did_not_write_with_every_mark(tmp_path, page):
    """`clean-corpus serve`: the index links every document, and a page past [reports] pages opens
    with one mark per annotation."""
    import threading

    from pipeline.reports.serve import server

    run = run_cli(RAW, tmp_path, "--set", "reports.pages=1", "--set", "reports.review_share=0.0",
                  "--set", "reports.sample_share=0.0")
    doc_id = seed_id("004")
    assert not (run.reports / f"{doc_id}.html").exists()
    httpd = server(run.reports, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = "http://{}:{}/".format(*httpd.server_address[:2])
        page.goto(base)
        assert page.eval_on_selector_all("#docs tbody tr td a", "links => links.length") == len(run.signals)
        page.click(f"#docs tr[data-id='{doc_id}'] a")
        assert page.url == f"{base}{doc_id}.html"
        row = run.signals.set_index("id").loc[doc_id]
        marks = page.eval_on_selector_all("mark[data-a]", "ms => new Set(ms.map(m => m.dataset.a)).size")
        assert marks == row["annotations"] == len(row["annotations_list"]) > 0
        assert page.text_content("h1") == row["title"]
        assert page.events["dialogs"] == [] and page.events["errors"] == []
    finally:
        httpd.shutdown()
        httpd.server_close()
