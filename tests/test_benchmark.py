"""The bench's account of where clean-corpus's time goes, read from a run's manifest."""

from __future__ import annotations

import json

import pytest

from pipeline.benchmark.__main__ import Result, where_time_goes


def test_time_per_document_comes_from_the_manifest_and_is_set_beside_datatrove(tmp_path, capsys):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"counts": {"total": 500}, "timings": {
        "stage_seconds": {"quality": 2.5, "spun": 3.0}, "page_seconds": 1.5, "report_seconds": 0.5,
        "total_seconds": 10.0}}))
    datatrove = Result("datatrove-1", "datatrove", 1, 1000, 8.0, 25.0, 100.0, 100.0, 0)
    per_document = where_time_goes(manifest, datatrove)
    assert per_document == pytest.approx({"quality": 5.0, "spun": 6.0, "making rows and report pages": 3.0,
                                          "writing pages and the index": 1.0,
                                          "rest (start-up, reading, passing documents)": 5.0})
    printed = capsys.readouterr().out
    assert "  total                                          20.00" in printed
    assert "datatrove's whole run, 1 worker: 25.00 ms per document" in printed
    assert "the same signals, 5.0x faster" in printed


def test_no_manifest_no_table(tmp_path):
    assert where_time_goes(tmp_path / "missing.json", None) is None
