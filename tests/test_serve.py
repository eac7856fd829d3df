"""``clean-corpus serve``: every document's page, written or not, from what the run stored."""

from __future__ import annotations

import http.client
import shutil
import threading

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
