"""Stages register themselves: a detector is one module (issue 24).

A toy detector defined here, and nothing else, reaches every output: its config section, its
signal column, its note column, its reason in signals.parquet and its marks in the report.
"""

from __future__ import annotations

import json
import re

import pytest

from pipeline.core import registry
from pipeline.core.config import ConfigError, default_config, load_config
from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, PipelineOrderError, Stage, signals, stage
from pipeline.run.processor import build_pipeline
from tests.conftest import article, run_cli

SHOUT = re.compile(r"^[A-Z][A-Z !]{9,}$", re.MULTILINE)


@pytest.fixture
def toy():
    """A stage that removes lines written in capitals, registered for one test."""

    @stage("toy", requires={"blocks"}, adds={"toy"}, after={"boilerplate"},
           signals=signals(int, {"toy_shouts": "lines in capitals removed"}), notes=("toy_note",),
           category=Category("toy", "Shouting", "#000000", "#ffffff"), config="toy")
    class Shouting(Stage):
        def __init__(self, *, min_chars: int = 10) -> None:
            self.min_chars = min_chars

        def __call__(self, doc: Document) -> None:
            found = [m for m in SHOUT.finditer(doc.text) if len(m.group()) >= self.min_chars]
            for m in found:
                doc.annotate(m.start(), m.end(), category="toy", rule="shout", action=Action.REMOVE,
                             reason=f"a line in capitals ({len(m.group())} characters)")
            doc.signals["toy_shouts"] = len(found)
            doc.notes["toy_note"] = f"min_chars={self.min_chars}"

    yield Shouting
    registry.unregister("toy")


def test_a_toy_detector_reaches_every_output_from_its_own_module(toy, tmp_path):
    assert default_config()["toy"] == {"min_chars": 10}
    stages = [*default_config()["pipeline"]["stages"]]
    stages.insert(stages.index("quality"), "toy")
    config = tmp_path / "toy.toml"
    config.write_text(f"[pipeline]\nstages = {json.dumps(stages)}\n\n[toy]\nmin_chars = 12\n", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    text = article("Notes On Rivers")
    (raw / "loud.txt").write_text(text + "\n\nBUY RIVER MAPS NOW!\n", encoding="utf-8")
    run = run_cli(raw, tmp_path, "--config", str(config), "--workers", "1")
    assert run.exit_code == 0
    row = run.row("loud")
    assert (row["toy_shouts"], row["toy_note"]) == (1, "min_chars=12")
    toy_annotations = [a for a in row["annotations_list"] if a["category"] == "toy"]
    assert [(a["rule"], a["action"], a["reason"]) for a in toy_annotations] == [
        ("shout", "remove", "a line in capitals (19 characters)")]
    assert "BUY RIVER MAPS" not in run.cleaned_text("loud")
    page = (run.reports / "loud.html").read_text("utf-8")
    assert '<mark class="m c-toy remove"' in page
    assert ".c-toy { --bg: #000000; --fg: #ffffff; }" in page
    assert 'id="show-toy" checked> <span class="swatch c-toy" aria-hidden="true"></span>Shouting' in page
    manifest = json.loads((run.reports / "manifest.json").read_text("utf-8"))
    assert manifest["config"]["toy"] == {"min_chars": 12}
    assert manifest["stages"] == [*stages, "decide"]


def test_a_stage_moved_before_what_it_reads_fails_at_build_time_naming_both(tmp_path):
    config = load_config()
    stages = config["pipeline"]["stages"]
    stages.remove("quality")
    stages.insert(stages.index("stuffing"), "quality")
    with pytest.raises(PipelineOrderError) as raised:
        build_pipeline(config)
    assert str(raised.value) == ("stage 'quality' reads ['spun', 'stuffing'], but stage 'spun' adds 'spun' after it; "
                                 "stage 'stuffing' adds 'stuffing' after it")
    path = tmp_path / "moved.toml"
    path.write_text(f"[pipeline]\nstages = {json.dumps(stages)}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: pipeline.stages: stage 'quality' reads ['spun', ")):
        load_config(path)


def test_an_unknown_or_repeated_stage_is_a_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[pipeline]\nstages = ["segment", "nonesuch"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown stage 'nonesuch'; registered stages: segment, duplicate_title, "):
        load_config(path)
    path.write_text('[pipeline]\nstages = ["segment", "segment"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="names a stage twice"):
        load_config(path)


def test_a_pipeline_can_stop_after_a_stage():
    assert build_pipeline(load_config(), until="boilerplate").names == ["segment", "duplicate_title", "boilerplate"]


def test_every_registered_signal_says_what_it_measures_once():
    declared = [signal for spec in registry.registered().values() for signal in spec.signals]
    assert len({signal.name for signal in declared}) == len(declared) == 61
    assert all(signal.kind in (int, float) and signal.meaning for signal in declared)


def test_a_stage_of_ones_own_runs_in_every_worker_through_plugins(tmp_path):
    """Worker processes are spawned afresh: they import [pipeline] plugins as the main process does."""
    import subprocess
    import sys

    import pandas as pd

    from tests.conftest import REPO

    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [json.dumps({"id": f"d{n}", "text": article("Notes On Rivers") + "\n\nBUY RIVER MAPS NOW!"})
             for n in range(40)]
    (raw / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    stages = [*default_config()["pipeline"]["stages"]]
    stages.insert(stages.index("quality"), "plugin_shouting")
    config = tmp_path / "plugin.toml"
    config.write_text(f'[pipeline]\nplugins = ["tests.plugins.shouting"]\nstages = {json.dumps(stages)}\n'
                      "\n[plugin_shouting]\nmin_chars = 12\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipeline", str(raw), "--cleaned", str(tmp_path / "c"),
                           "--reports", str(tmp_path / "r"), "-q", "--workers", "2", "--config", str(config)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    signals = pd.read_parquet(tmp_path / "r" / "signals.parquet")
    assert signals["plugin_shouts"].tolist() == [1] * 40
    assert json.loads((tmp_path / "r" / "manifest.json").read_text("utf-8"))["timings"]["executor"] == (
        "local, 2 worker processes")
