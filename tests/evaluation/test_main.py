"""`make eval`'s entry point: it checks what it needs before the long rows."""

from __future__ import annotations

import pytest

from pipeline.evaluation import wcxb

WCXB = wcxb.DEFAULT_WCXB


def test_make_eval_stops_at_once_without_the_thesaurus_its_spinner_needs(monkeypatch, tmp_path, capsys):
    from pipeline.evaluation import __main__ as evaluation
    from pipeline.language import thesauri

    if not (WCXB / "metadata.json").exists():
        pytest.skip(f"WCXB dev split not found at {WCXB}")
    monkeypatch.setattr(thesauri, "MOBY_DIR", tmp_path)
    assert evaluation.main(["--json", str(tmp_path / "eval.json")]) == 2
    assert "libaiksaurus-1.2-data" in capsys.readouterr().err
    assert not (tmp_path / "eval.json").exists()
