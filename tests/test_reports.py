"""The HTML reports' pieces, without a browser: marks, checks, charts and the overview's totals.
(tests/test_reports_browser.py opens the pages in Chromium.)"""

from __future__ import annotations

import json
import random
import re
from collections import Counter

import pytest
from markupsafe import escape

from pipeline.core.config import configured, load_config
from pipeline.core.decide import Check, Decide
from pipeline.core.document import Action, Annotation
from pipeline.core.registry import categories
from pipeline.io.records import RawRecord
from pipeline.reports import ReportWriter
from pipeline.reports.charts import BINS, Line, histogram
from pipeline.reports.markup import _nested_html, annotated_html, escaped, opening_order
from pipeline.run.processor import Processor
from tests.conftest import article, read_manifest, seed_id

MARK = re.compile(r'<mark class="m c-(\w+) (\w+)" data-a="(\d+)"')
# The report categories of the default pipeline (an annotation of any other stage shows as "other").
KNOWN = {c.name for c in categories(configured(load_config()))} - {"other"}


def writer_for(reports_dir):
    config = load_config()
    return ReportWriter(reports_dir, Decide.from_config(config), configured(config), 0.5)


def ann(start, end, category="boilerplate", action=Action.FLAG, reason="why", replacement=None):
    return Annotation(start, end, category, "r", action, reason, replacement)


def test_marks_nest_split_where_they_cross_and_escape_the_text():
    text = "abcdefghij<b>"
    annotations = [
        ann(0, 6, action=Action.REMOVE),
        ann(4, 9, category="spun", action=Action.REPLACE, reason='said "x"', replacement="Q<"),
        ann(2, 2, category="grammar"),
        ann(10, 13, category="nonesuch"),
    ]
    assert annotated_html(text, annotations, KNOWN) == (
        '<mark class="m c-boilerplate remove" data-a="0" data-tip="boilerplate.r: why" id="a0" tabindex="0">ab'
        '<mark class="m c-grammar flag" data-a="2" data-tip="grammar.r: why" id="a2" tabindex="0"></mark>cd'
        '<mark class="m c-spun replace" data-a="1" data-tip="spun.r: said &#34;x&#34; (replaced by &#34;Q&lt;&#34;)"'
        ' id="a1" tabindex="0">ef</mark></mark>'
        '<mark class="m c-spun replace" data-a="1" data-tip="spun.r: said &#34;x&#34; (replaced by &#34;Q&lt;&#34;)">'
        'ghi</mark><ins class="replacement">Q&lt;</ins>j'
        '<mark class="m c-other flag" data-a="3" data-tip="nonesuch.r: why" id="a3" tabindex="0">&lt;b&gt;</mark>'
    )


def test_marks_one_after_another_close_before_the_next_opens():
    # Given out of order: adjacent spans, an empty marker where one ends, a replacement last.
    annotations = [ann(7, 9, category="spun", action=Action.REPLACE, replacement="&"), ann(0, 3),
                   ann(3, 6, action=Action.REMOVE), ann(6, 6, category="grammar")]
    assert annotated_html("ab<de>ghij", annotations, KNOWN) == (
        '<mark class="m c-boilerplate flag" data-a="1" data-tip="boilerplate.r: why" id="a1" tabindex="0">ab&lt;'
        '</mark><mark class="m c-boilerplate remove" data-a="2" data-tip="boilerplate.r: why" id="a2" tabindex="0">'
        'de&gt;</mark><mark class="m c-grammar flag" data-a="3" data-tip="grammar.r: why" id="a3" tabindex="0">'
        '</mark>g<mark class="m c-spun replace" data-a="0" data-tip="spun.r: why (replaced by &#34;&amp;&#34;)"'
        ' id="a0" tabindex="0">hi</mark><ins class="replacement">&amp;</ins>j'
    )


def test_marks_one_after_another_are_the_marks_the_nesting_walk_makes():
    # annotated_html walks marks that do not nest on a path of their own; the general walk
    # (_nested_html) must give the same page for them.
    rng = random.Random(7)
    for _ in range(300):
        cuts = sorted(rng.sample(range(40), rng.randrange(2, 12)))
        spans = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if rng.random() < 0.7]
        spans += [(c, c) for c in cuts if rng.random() < 0.1]  # empty markers
        actions = [rng.choice(list(Action)) for _ in spans]
        annotations = [ann(a, b, category=rng.choice(["spun", "boilerplate"]), action=action,
                           replacement="<r>" if action is Action.REPLACE else None)
                       for (a, b), action in zip(spans, actions, strict=True)]
        rng.shuffle(annotations)
        text = "".join(rng.choice("ab <&>") for _ in range(40))
        assert annotated_html(text, annotations, KNOWN) == _nested_html(text, annotations, KNOWN,
                                                                        opening_order(annotations))


def test_same_start_marks_nest_longest_outside_and_same_span_marks_both_show():
    html = annotated_html("one two", [ann(0, 3), ann(0, 7), ann(0, 3, category="spun")], KNOWN)
    assert [m.group(3) for m in MARK.finditer(html)] == ["1", "0", "2"]
    assert html.endswith("one</mark></mark> two</mark>")


def test_check_rules_read_as_the_decide_step_applies_them():
    assert Check("words_out", "<", 50, "decide.min_words").rule == "fails if < 50"
    punct = Check("line_punct_ratio", "<", 0.12, "fineweb.line_punct_ratio", zero_passes=True)
    assert (punct.rule, punct.fails(0.0), punct.fails(0.05), punct.fails(0.2)) == (
        "fails if < 0.12 (0 passes)", False, True, False)
    with pytest.raises(ValueError, match="'<' or '>'"):
        Check("x", "<=", 1, "r")


def test_filter_sets_not_deciding_are_reported_as_advisory():
    decide = Decide.from_config(load_config())
    deciding = {check.reason for check, decides in decide.all_checks if decides}
    advisory = {check.reason for check, decides in decide.all_checks if not decides}
    # The default config decides with min_words alone (max_* are "none"); every filter set is advisory.
    assert deciding == {"decide.min_words"}
    assert {reason.split(".")[0] for reason in advisory} == {"gopher_quality", "gopher_repetition", "c4", "fineweb"}
    assert len(advisory) == 10 + 13 + 3 + 4
    strict = Decide.from_config(load_config(preset="pretraining"))
    deciding = {check.reason for check, decides in strict.all_checks if decides}
    assert {reason.split(".")[0] for reason in deciding} == {"decide", "gopher_repetition", "c4"}
    assert len(deciding) == 1 + 13 + 3


def test_histogram_counts_kept_and_dropped_per_bin_with_an_overflow_bin():
    chart = histogram("words_out", "Words", "", kept=[0, 4, 5, 99, 1000], dropped=[1, 2], documents=8,
                      lines=[Line(50, "min", "decide.min_words", True), Line(500, "off chart", "", False)],
                      upper=100)
    counts = [(round(bar.kept_height / chart.plot[3] * chart.y_max), round(bar.dropped_height / chart.plot[3]
               * chart.y_max)) for bar in chart.bars]
    assert len(counts) == BINS and chart.y_max == 4
    assert counts[0] == (2, 2) and counts[1] == (1, 0) and counts[-1] == (2, 0)
    assert sum(k for k, _ in counts) == 5 and sum(d for _, d in counts) == 2
    assert chart.bars[-1].title == "words_out 95 or more: 2 kept, 0 dropped"
    assert [(m.label, m.x) for m in chart.markers] == [("min", chart.plot[0] + chart.plot[2] / 2)]
    assert chart.summary == "Histogram of words_out over 7 documents; decide.min_words."


def hostile_outcome():
    hostile = '<script>alert(1)</script> "onerror=alert(2) </textarea><img src=x onerror=alert(3)>'
    record = RawRecord(id="x", source="x.txt", position=0, text=f"Title {hostile}\n\n{hostile} " + "word " * 60,
                       url="javascript:alert(4)")
    outcome = Processor(load_config())(record)
    return outcome, outcome.row


def test_table_cells_are_escaped_as_markupsafe_escapes():
    for value in ['<a href="x">&amp;</a>', "it's", "plain", "", "&&<<>>\"\"''", "€ <ü>"]:
        assert escaped(value) == str(escape(value))


def test_every_cell_of_the_annotation_table_renders_as_text(tmp_path):
    # The long tables are rendered with autoescaping off, from cells escaped in Python.
    outcome, row = hostile_outcome()
    doc = outcome.doc
    start = doc.text.index("<script>")
    doc.annotate(start, start + 40, category="<b>cat</b>", rule="<i>rule</i>", action=Action.REPLACE,
                 reason="<u>why</u> & \"so\"", replacement="<img src=y>")
    html = writer_for(tmp_path).document_page(row, doc, outcome.cleaned)
    table = html[html.index('id="annotations-heading"'):]
    assert "<script>" not in table and "<img" not in table and "<u>" not in table and "<i>" not in table
    assert ("<td>replace → &lt;img src=y&gt;</td><td><code>&lt;b&gt;cat&lt;/b&gt;.&lt;i&gt;rule&lt;/i&gt;</code></td>"
            "<td>&lt;u&gt;why&lt;/u&gt; &amp; &#34;so&#34;</td></tr>") in table
    assert '<span class="swatch c-other" aria-hidden="true"></span>&lt;script&gt;alert(1)&lt;/script&gt;' in table


def test_document_text_renders_as_text_in_the_report(tmp_path):
    outcome, row = hostile_outcome()
    writer = writer_for(tmp_path)
    html = writer.document_page(row, outcome.doc, outcome.cleaned)
    assert "<script>alert" not in html and "<img" not in html and "</textarea>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # A URL that is not http(s) is shown, never linked.
    assert 'href="javascript:' not in html and "<code>javascript:alert(4)</code>" in html


def test_a_dropped_document_names_the_failing_check(tmp_path):
    record = RawRecord(id="short", source="short.txt", position=0, text="Short\n\nOnly a few words here.")
    outcome = Processor(load_config())(record)
    row = outcome.row
    html = writer_for(tmp_path).document_page(row, outcome.doc,
                                                                                       outcome.cleaned)
    assert ('<code class="reason">decide.min_words</code> (words_out = 6, fails if &lt; 50)' in html)
    assert re.search(r"<td><code>decide.min_words</code></td><td>yes</td><td><span class=\"result fail\">", html)


def test_the_overview_totals_match_signals_parquet(seed_run):
    signals = seed_run.signals
    html = (seed_run.reports / "index.html").read_text("utf-8")
    rules = dict(re.findall(r"<tr><td><code>([\w.]+)</code></td><td>\w+</td><td class=\"num\">([\d,]+)</td>", html))
    expected = Counter(f"{a['category']}.{a['rule']}" for anns in signals["annotations_list"] for a in anns)
    assert {code: int(n.replace(",", "")) for code, n in rules.items()} == dict(expected)
    data = json.loads(re.search(r'<script type="application/json" id="docs-data">(.*?)</script>', html).group(1))
    assert [row[0] for row in data] == signals["id"].tolist()
    assert len(re.findall(r'<svg class="chart"', html)) == 4


def test_each_report_links_to_its_neighbours_in_run_order(seed_run):
    ids = seed_run.signals["id"].tolist()
    for i, doc_id in enumerate(ids):
        html = (seed_run.reports / f"{doc_id}.html").read_text("utf-8")
        links = dict((rel, href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', html))
        expected = {}
        if i > 0:
            expected["prev"] = f"{ids[i - 1]}.html"
        if i < len(ids) - 1:
            expected["next"] = f"{ids[i + 1]}.html"
        assert links == expected


def test_report_time_is_in_the_manifest(seed_run):
    timings = read_manifest(seed_run.reports)["timings"]
    # Pages are made in the workers (page_seconds), written and indexed here (report_seconds), as
    # are cleaned/ and the tables (output_seconds).
    assert 0 < timings["page_seconds"] < timings["total_seconds"]
    assert 0 < timings["report_seconds"] < timings["total_seconds"]
    assert 0 < timings["output_seconds"] < timings["total_seconds"]


def test_every_annotation_is_one_mark_in_its_report(seed_run):
    for doc_id in (seed_id("003"), seed_id("004")):
        html = (seed_run.reports / f"{doc_id}.html").read_text("utf-8")
        row = seed_run.row(doc_id)
        marks = {int(m.group(3)) for m in MARK.finditer(html)}
        assert marks == set(range(len(row["annotations_list"]))) and len(marks) == row["annotations"]


def test_an_unannotated_document_says_so(tmp_path):
    record = RawRecord(id="plain", source="plain.txt", position=0, text=article())
    processor = Processor(load_config())
    outcome = processor(record)
    outcome.doc.annotations.clear()
    row = processor.columns.signals_row(outcome.record, outcome.doc)
    html = writer_for(tmp_path).document_page(row, outcome.doc,
                                                                                       outcome.cleaned)
    assert "No stage annotated this document" in html and "<mark" not in html


def test_the_index_table_rows_wait_in_a_file_not_in_memory(tmp_path):
    """A long run's main process must not grow with the corpus: 5,000 rows of 2 KB titles (10 MB)
    leave the writer's memory almost where it was, and all reach the index, in order."""
    import tracemalloc

    def row(n: int) -> list:
        return [f"doc{n:05d}", f"Title {n} " + "é<x>" * 500, "kept" if n % 3 else "dropped",
                [] if n % 3 else ["decide.min_words"], n, n % 997, 0.1, None, 0.0, (n % 100) / 100, 1]

    writer = writer_for(tmp_path)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(5_000):
        writer.add_row(row(n))
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 200_000
    manifest = {"config": {}, "config_hash": "0" * 64, "versions": {"clean-corpus": "test"}, "stages": [],
                "inputs": []}
    writer.write_index(tmp_path / "index.html", manifest)
    page = (tmp_path / "index.html").read_text("utf-8")
    data = re.search(r'<script type="application/json" id="docs-data">(.*?)</script>', page, re.DOTALL).group(1)
    assert "<x>" not in data  # escaped for a script element, as jinja's tojson does
    assert json.loads(data) == [row(n) for n in range(5_000)]
    reasons = re.search(r'<select id="filter-reason">(.*?)</select>', page).group(1)
    assert re.findall(r"<option>([^<]*)</option>", reasons) == ["decide.min_words"]
