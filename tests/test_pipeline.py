from __future__ import annotations

import pytest

from pipeline.core import registry
from pipeline.core.config import load_config
from pipeline.core.decide import Decide
from pipeline.core.document import Document
from pipeline.core.registry import PipelineOrderError, Stage, stage
from pipeline.io.records import RawRecord
from pipeline.run.processor import Pipeline, Processor, build_pipeline
from pipeline.stages.boilerplate import Boilerplate
from pipeline.stages.segment import Segment


def test_stage_order_is_checked_when_the_pipeline_is_built():
    with pytest.raises(PipelineOrderError, match="stage 'boilerplate' reads \\['title'\\], but stage 'duplicate_title' "
                                                 "adds 'title' and is not in the pipeline"):
        Pipeline([Segment(), Boilerplate()])
    assert build_pipeline(load_config()).names == [
        "segment", "duplicate_title", "boilerplate", "site_lines", "boilerplate_model", "stuffing", "spun", "quality",
        "grammar",
    ]


@pytest.mark.parametrize(
    ("signals", "status", "reasons"),
    [
        ({"words_out": 50, "boilerplate_ratio": 0.5}, "kept", []),
        ({"words_out": 49, "boilerplate_ratio": 0.5}, "dropped", ["decide.min_words"]),
        ({"words_out": 10, "boilerplate_ratio": 0.9}, "dropped", ["decide.min_words", "decide.max_boilerplate_ratio"]),
    ],
)
def test_decide_records_every_reason(signals, status, reasons):
    doc = Document(id="d", source="s", text="x", signals=signals)
    Decide(min_words=50, max_boilerplate_ratio=0.8)(doc)
    assert (doc.status.value, doc.reasons) == (status, reasons)


def test_decide_thresholds_can_be_disabled():
    doc = Document(id="d", source="s", text="x", signals={"words_out": 0, "boilerplate_ratio": 1.0})
    Decide(min_words=None, max_boilerplate_ratio=None)(doc)
    assert (doc.status.value, doc.reasons) == ("kept", [])


@pytest.fixture
def crashing():
    @stage("crashing", requires={"blocks"})
    class Crashing(Stage):
        def __call__(self, doc):
            raise RuntimeError("kaboom")

    yield
    registry.unregister("crashing")


def test_a_stage_crash_fails_only_that_document(crashing):
    config = load_config()
    config["pipeline"]["stages"].insert(2, "crashing")
    processor = Processor(config)
    outcome = processor(RawRecord(id="x", source="x.txt", position=0, text="T\n\nbody"))
    assert outcome.doc is None
    assert (outcome.record.status.value, outcome.record.reason) == ("failed", "pipeline.error")
    assert outcome.record.error.startswith("RuntimeError: kaboom (test_pipeline.py:")
