from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"
SEEDS = {path.name[:3]: path for path in sorted(RAW.glob("*.txt"))}


class Run:
    """The outputs of one clean-corpus run, as a user would read them."""

    def __init__(self, root: Path, raw: Path, exit_code: int) -> None:
        self.root, self.raw, self.exit_code = root, raw, exit_code
        self.cleaned, self.reports = root / "cleaned", root / "reports"

    @property
    def signals(self) -> pd.DataFrame:
        return pd.read_parquet(self.reports / "signals.parquet")

    def row(self, doc_id: str) -> pd.Series:
        rows = self.signals[self.signals["id"] == doc_id]
        assert len(rows) == 1, f"{doc_id} appears {len(rows)} times in signals.parquet"
        return rows.iloc[0]

    def cleaned_text(self, doc_id: str) -> str:
        return (self.cleaned / f"{doc_id}.txt").read_text("utf-8")


def run_cli(raw: Path, root: Path, *extra: str) -> Run:
    code = main([str(raw), "--cleaned", str(root / "cleaned"), "--reports", str(root / "reports"), "-q", *extra])
    return Run(root, raw, code)


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory) -> Run:
    """The bundled sample corpus (the five seeds), cleaned once for the session."""
    root = tmp_path_factory.mktemp("seeds")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    run = run_cli(raw, root)
    assert run.exit_code == 0
    return run


def seed_id(number: str) -> str:
    return SEEDS[number].stem
