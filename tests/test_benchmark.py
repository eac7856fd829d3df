"""The bench's account of where clean-corpus's time goes, read from a run's manifest."""

from __future__ import annotations

import json

import pytest

from pipeline.benchmark.__main__ import Result, report, where_time_goes


def test_time_per_document_comes_from_the_manifest_and_is_set_beside_datatrove(tmp_path, capsys):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"counts": {"total": 500}, "timings": {
        "stage_seconds": {"quality": 2.5, "spun": 3.0}, "page_seconds": 1.5, "report_seconds": 0.5,
        "output_seconds": 0.75, "total_seconds": 10.0}}))
    datatrove = Result("datatrove-1", "datatrove", 1, 1000, 8.0, 25.0, 100.0, 100.0, 0)
    per_document = where_time_goes(manifest, datatrove)
    assert per_document == pytest.approx({"quality": 5.0, "spun": 6.0, "making rows and report pages": 3.0,
                                          "writing pages and the index": 1.0, "writing cleaned/ and the tables": 1.5,
                                          "rest (start-up, reading, passing documents)": 3.5})
    printed = capsys.readouterr().out
    assert "  total                                          20.00" in printed
    assert "datatrove's whole run, 1 worker: 25.00 ms per document" in printed
    assert "the same signals, 5.0x faster" in printed


def test_no_manifest_no_table(tmp_path):
    assert where_time_goes(tmp_path / "missing.json", None) is None


def test_a_run_projects_the_core_hours_a_terabyte_would_take():
    # 360 MB in 100 s on 2 workers: 1.8 MB/s per core, 10^6 MB in 555,556 core-seconds.
    run = Result("clean-corpus-2", "clean-corpus", 2, 1000, 360.0, 100.0, 100.0, 100.0, 0)
    assert run.core_hours_per_tb == pytest.approx(1_000_000 / 1.8 / 3600)
    assert round(run.core_hours_per_tb, 1) == 154.3


def test_a_run_that_failed_is_reported_failed_and_no_ratio_is_made_of_it(capsys):
    # clean-corpus-1 failed after 1.6 s (it refused its model): its 100 MB/s is no speed, and the Dask
    # run is not compared with it.
    results = [Result("datatrove-1", "datatrove", 1, 1000, 8.0, 20.0, 100.0, 100.0, 0),
               Result("clean-corpus-1", "clean-corpus", 1, 1000, 8.0, 1.6, 160.0, 160.0, 2),
               Result("clean-corpus-dask-2", "clean-corpus (dask)", 2, 1000, 8.0, 5.0, 400.0, 180.0, 0)]
    summary = report(results, {"documents": 1000, "text_bytes": 8_000_000, "sha256": "0" * 64}, 2)
    printed = capsys.readouterr().out
    assert "clean-corpus-1                   1  failed (exit 2): its log is clean-corpus-1.log under runs/" in printed
    assert "vs local, 1 worker" not in printed
    ratios = {run["name"]: run["vs_datatrove"] for run in summary["runs"]}
    assert ratios == {"datatrove-1": None, "clean-corpus-1": None, "clean-corpus-dask-2": None}
    failed = summary["runs"][1]
    assert (failed["exit_code"], failed["mb_per_second"], failed["core_hours_per_tb"]) == (2, None, None)
    assert summary["runs"][2]["mb_per_second"] == 1.6
