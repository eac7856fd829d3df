"""Stages register themselves: a detector is one module (issue 24).

A toy detector defined here, and nothing else, reaches every output: its config section, its
signal column, its note column, its reason in signals.parquet and its marks in the report.
"""

from __future__ import annotations

import importlib
import json
import re
import sys

import pytest

from pipeline.core import registry
from pipeline.core.config import ConfigError, default_config, load_config
from pipeline.core.registry import PipelineOrderError
from pipeline.run.processor import build_pipeline
from tests.conftest import article, read_manifest, run_cli

# A stage from outside the package: one module, nothing else.
SHOUTING = "tests.plugins.shouting"

@pytest.fixture
def toy():
    """The stage of tests/plugins/shouting.py (it removes lines written in capitals), registered
    for one test: the module is the only file that declares it."""
    module = importlib.import_module(SHOUTING)
    yield module
    registry.unregister("plugin_shouting")
    sys.modules.pop(SHOUTING)


def test_a_toy_detector_reaches_every_output_from_its_own_module(toy, tmp_path):
    assert default_config()["plugin_shouting"] == {"min_chars": 10}
    stages = [*default_config()["pipeline"]["stages"]]
    stages.insert(stages.index("quality"), "plugin_shouting")
    config = tmp_path / "toy.toml"
    config.write_text(f"[pipeline]\nstages = {json.dumps(stages)}\n\n[plugin_shouting]\nmin_chars = 12\n",
                      encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    text = article("Notes On Rivers")
    (raw / "loud.txt").write_text(text + "\n\nBUY RIVER MAPS NOW!\n", encoding="utf-8")
    run = run_cli(raw, tmp_path, "--config", str(config), "--workers", "1")
    assert run.exit_code == 0
    row = run.row("loud")
    assert (row["plugin_shouts"], row["plugin_note"]) == (1, "min_chars=12")
    toy_annotations = [a for a in row["annotations_list"] if a["category"] == "shouting"]
    assert [(a["rule"], a["action"], a["reason"]) for a in toy_annotations] == [
        ("line", "remove", "a line in capitals (19 characters)")]
    assert "BUY RIVER MAPS" not in run.cleaned_text("loud")
    page = (run.reports / "loud.html").read_text("utf-8")
    assert '<mark class="m c-shouting remove"' in page
    assert ".c-shouting { --bg: #000000; --fg: #ffffff; }" in page
    assert 'id="show-shouting" checked> <span class="swatch c-shouting" aria-hidden="true"></span>Shouting' in page
    manifest = read_manifest(run.reports)
    assert manifest["config"]["plugin_shouting"] == {"min_chars": 12}
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
    assert len({signal.name for signal in declared}) == len(declared) == 62
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
    signals = pd.read_parquet(tmp_path / "r" / "signals")
    assert signals["plugin_shouts"].tolist() == [1] * 40
    assert read_manifest(tmp_path / "r")["timings"]["executor"] == (
        "local, 2 worker processes")
