from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import load_signals
from pipeline.cli import main
from pipeline.evaluation.wcxb import Page

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
        return load_signals(self.reports)

    @property
    def manifest(self) -> dict:
        return read_manifest(self.reports)

    @property
    def articles(self) -> pd.DataFrame:
        return pd.read_parquet(self.cleaned / "articles")

    def row(self, doc_id: str) -> pd.Series:
        rows = self.signals[self.signals["id"] == doc_id]
        assert len(rows) == 1, f"{doc_id} appears {len(rows)} times in signals.parquet"
        return rows.iloc[0]

    def cleaned_text(self, doc_id: str) -> str:
        return (self.cleaned / f"{doc_id}.txt").read_text("utf-8")


def read_manifest(reports: Path) -> dict:
    """The manifest of the one shard in ``reports``."""
    found = sorted((reports / "manifests").glob("*.json"))
    assert len(found) == 1, f"{len(found)} manifests in {reports}"
    return json.loads(found[0].read_text("utf-8"))


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


SENTENCES = [
    "Rivers carry sediment from the mountains down to the sea.",
    "Fish that live in fast water have streamlined bodies and strong fins.",
    "In the spring, melting snow raises the level of most northern rivers.",
    "Farmers have used river floods to enrich their fields for thousands of years.",
    "A delta forms where a slow river drops its load of sand and silt.",
    "Dams change the temperature of the water below them, which affects insects.",
    "Otters are a sign of a healthy river because they need plenty of clean prey.",
    "Beavers build dams that slow the current and create ponds for other animals.",
    "Some rivers flow only after heavy rain and are dry for most of the year.",
    "The longest rivers cross several countries, so they are managed by treaties.",
    "Water quality is measured by oxygen, temperature, acidity and clarity.",
    "Kayakers grade rapids from one to six according to their difficulty.",
]


def gold_page(gold: str, title: str = "", page_id: str = "page") -> Page:
    """A benchmark page with no HTML: its gold text is the input the evaluations clean."""
    return Page(id=page_id, page_type="article", domain="example.org", html="", title=title, gold=gold,
                with_snippets=(), without_snippets=())


def article(title: str = "Notes On Rivers", paragraphs: int = 4) -> str:
    """A plain, non-repetitive article that every default filter keeps."""
    body = [" ".join(SENTENCES[(i * 3 + j) % len(SENTENCES)] for j in range(3)) for i in range(paragraphs)]
    return "\n\n".join([title, *body])
