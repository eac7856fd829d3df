"""``clean-corpus serve``: every document's page, written or not, from what the run stored."""

from __future__ import annotations

import http.client
import shutil
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import EXIT_USAGE, main
from pipeline.reports import _WRITTEN_PAGER
from pipeline.reports.serve import server
from tests.conftest import RAW, run_cli, seed_id

# Two written pages; the other three are past [reports] pages, and no sample is drawn.
FEW_PAGES = ("--set", "reports.pages=2", "--set", "reports.review_share=0.0", "--set", "reports.sample_share=0.0")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)  # failed: a page without text
    every, few = run_cli(raw, root / "every"), run_cli(raw, root / "few", *FEW_PAGES)
    assert every.exit_code == few.exit_code == 0
    (root / "few" / "secret.txt").write_text("beside the reports folder", encoding="utf-8")
    return every, few


def served(reports, path: str) -> tuple[int, bytes]:
    httpd = server(reports, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection(*httpd.server_address[:2], timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        httpd.shutdown()
        httpd.server_close()


def ids(run) -> list[str]:
    return run.signals["id"].tolist()


def test_a_written_page_is_served_byte_for_byte(runs):
    every, few = runs
    for run in (every, few):
        written = [i for i in ids(run) if (run.reports / f"{i}.html").is_file()]
        assert len(written) == (len(ids(run)) if run is every else 2)
        for doc_id in written:
            assert served(run.reports, f"/{doc_id}.html") == (200, (run.reports / f"{doc_id}.html").read_bytes())


def test_a_page_the_run_did_not_write_is_the_one_it_would_have_written_linked_to_the_written_ones(runs):
    every, few = runs
    unwritten = [i for i in ids(few) if not (few.reports / f"{i}.html").is_file()]
    assert unwritten == ids(few)[2:]
    for doc_id in unwritten:
        status, body = served(few.reports, f"/{doc_id}.html")
        whole = (every.reports / f"{doc_id}.html").read_text("utf-8")
        assert status == 200
        assert _WRITTEN_PAGER.sub("", body.decode("utf-8")) == _WRITTEN_PAGER.sub("", whole)
        # Its "previous" link goes to the last written page, and there is no "next" one.
        pager = _WRITTEN_PAGER.search(body.decode("utf-8")).group()
        assert f'href="{ids(few)[1]}.html"' in pager and pager.count('.html"') == 2  # index, previous


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/signals/../../secret.txt",
                                  "/..%2fsecret.txt", "/%00.html"])
def test_a_path_outside_the_reports_folder_is_refused(runs, path):
    _, few = runs
    assert served(few.reports, path) == (403, b"outside the reports folder\n")


def test_an_unknown_document_is_not_found_and_the_root_is_the_index(runs):
    _, few = runs
    assert served(few.reports, "/nonesuch.html")[0] == 404
    assert served(few.reports, "/") == (200, (few.reports / "index.html").read_bytes())
    assert served(few.reports, f"/{seed_id('000')}.html?x=1")[0] == 200


def test_serving_a_folder_no_run_wrote_is_a_usage_error(tmp_path, capsys):
    assert main(["serve", str(tmp_path), "--port", "0"]) == EXIT_USAGE
    assert "no run's manifest in it (not a reports folder)" in capsys.readouterr().err


def _rewrite_signals(reports, change) -> None:
    """Each shard's signals table replaced by ``change`` of it."""
    for path in (reports / "signals").glob("*.parquet"):
        table = pq.read_table(path)
        pq.write_table(change(table), path)


def test_a_folder_an_earlier_version_wrote_is_served_its_missing_columns_not_recorded(runs, tmp_path):
    every, _ = runs
    old = tmp_path / "old"
    shutil.copytree(every.reports, old)
    # "extraction" came with HTML input: a text run records none, so its pages read the same without it.
    _rewrite_signals(old, lambda table: table.drop_columns(["extraction"]))
    for doc_id in ids(every):  # rendered on request, then
        (old / f"{doc_id}.html").unlink()
    for doc_id in ids(every):
        status, body = served(old, f"/{doc_id}.html")
        whole = (every.reports / f"{doc_id}.html").read_text("utf-8")
        assert (status, _WRITTEN_PAGER.sub("", body.decode("utf-8"))) == (200, _WRITTEN_PAGER.sub("", whole))


def test_a_row_that_cannot_be_rendered_is_a_server_error_naming_it_and_serving_goes_on(runs, tmp_path, capsys):
    every, _ = runs
    broken = tmp_path / "broken"
    shutil.copytree(every.reports, broken)
    doc_id = seed_id("003")

    def unknown_action(table):
        rows = table.to_pylist()
        for row in rows:
            if row["id"] == doc_id:
                row["annotations_list"][0]["action"] = "shred"
        return pa.Table.from_pylist(rows, schema=table.schema)

    _rewrite_signals(broken, unknown_action)
    other = seed_id("000")
    for written in (doc_id, other):  # rendered on request, then
        (broken / f"{written}.html").unlink()
    message = (f"could not render {doc_id}.html from what its run stored: "
               "ValueError: 'shred' is not a valid Action")
    assert served(broken, f"/{doc_id}.html") == (500, f"{message}\n".encode())
    assert f"clean-corpus serve: {message}\n" in capsys.readouterr().err
    status, body = served(broken, f"/{other}.html")
    whole = (every.reports / f"{other}.html").read_text("utf-8")
    assert (status, _WRITTEN_PAGER.sub("", body.decode("utf-8"))) == (200, _WRITTEN_PAGER.sub("", whole))
