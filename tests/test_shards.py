"""Shard after shard into one pair of output folders adds up to one dataset (pipeline/io/shards.py),
which Hugging Face datasets, datatrove and dolma read as they are."""

from __future__ import annotations

import gzip
import json
import re
import shutil

import pandas as pd
import pytest

import pipeline
from pipeline.cli import main
from tests.conftest import RAW, SEEDS, article, seed_id


def shard(root, name, *seeds):
    folder = root / name
    folder.mkdir()
    for number in seeds:
        shutil.copy(SEEDS[number], folder)
    return folder


def clean(folder, root, *extra):
    return main([str(folder), "--cleaned", str(root / "cleaned"), "--reports", str(root / "reports"), "-q", *extra])


def index_total(root) -> int:
    found = re.search(r'<dd id="count-total">([\d,]+)</dd>', (root / "reports" / "index.html").read_text("utf-8"))
    return int(found.group(1).replace(",", ""))


def index_ids(root) -> list[str]:
    page = (root / "reports" / "index.html").read_text("utf-8")
    rows = re.search(r'<script type="application/json" id="docs-data">(.*?)</script>', page, re.DOTALL).group(1)
    return [row[0] for row in json.loads(rows)]


@pytest.fixture(scope="module")
def two_shards(tmp_path_factory):
    """Seeds 000-002 as shard a, then 003, 004 and 000 again as shard b, into the same folders."""
    root = tmp_path_factory.mktemp("shards")
    assert clean(shard(root, "a", "000", "001", "002"), root) == 0
    assert clean(shard(root, "b", "003", "004", "000"), root) == 0
    return root


def test_a_second_shard_keeps_the_first(two_shards):
    root = two_shards
    frame = pipeline.load_cleaned(root / "cleaned")
    repeated = frame["id"][~frame["id"].isin([seed_id(n) for n in SEEDS])]
    # Seed 000 is in both shards: the second copy gets an id of its own, no file is overwritten.
    assert len(repeated) == 1 and repeated.iloc[0].startswith(seed_id("000") + "-")
    assert sorted(frame["id"]) == sorted([seed_id(n) for n in SEEDS] + [repeated.iloc[0]])
    assert sorted(p.stem for p in (root / "cleaned").glob("*.txt")) == sorted(frame["id"])
    assert sorted(p.stem for p in (root / "reports").glob("*.html") if p.stem != "index") == sorted(frame["id"])
    assert sorted(p.name for p in (root / "cleaned" / "articles").iterdir()) == ["a.parquet", "b.parquet"]
    assert sorted(p.name for p in (root / "reports" / "manifests").iterdir()) == ["a.json", "b.json"]
    # The index covers both shards, a's rows first (the shards in name order).
    assert index_total(root) == 6
    assert index_ids(root)[:3] == [seed_id("000"), seed_id("001"), seed_id("002")]
    assert len(pipeline.load_signals(root / "reports")) == 6
    assert len(pipeline.load_annotations(root / "reports")) == 6


def test_hugging_face_datasets_loads_one_row_per_article(two_shards, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(two_shards / "cleaned"), split="train", cache_dir=str(two_shards / "hf"))
    assert loaded.num_rows == 6
    assert sorted(loaded["id"]) == sorted(pipeline.load_cleaned(two_shards / "cleaned")["id"])
    assert loaded.column_names == ["id", "text", "title", "source", "url", "added", "created", "metadata"]


def test_datatrove_reads_both_tables_without_a_glob(two_shards):
    from datatrove.pipeline.readers import JsonlReader, ParquetReader

    expected = pipeline.load_cleaned(two_shards / "cleaned")
    for reader in (ParquetReader(str(two_shards / "cleaned" / "articles")),
                   JsonlReader(str(two_shards / "cleaned" / "documents"))):
        docs = list(reader())
        assert [d.id for d in docs] == list(expected["id"])
        assert [d.text for d in docs] == list(expected["text"])


def test_the_jsonl_tables_follow_dolmas_document_format(tmp_path):
    """dolma's format: id, text, source (strings), optional added and created, metadata an object."""
    raw = tmp_path / "in"
    raw.mkdir()
    records = [
        {"id": "d1", "text": article("First"), "source": "common-crawl", "added": "2024-03-01T00:00:00Z",
         "created": "2023-12-24T10:00:00Z", "metadata": {"url": "https://ex.org/1", "lang": {"en": 0.99}}},
        {"id": "d2", "text": article("Second"), "metadata": {"warc": "CC-MAIN-2024"}, "media": []},
    ]
    (raw / "part.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    assert clean(raw, tmp_path) == 0
    with gzip.open(tmp_path / "cleaned" / "documents" / "in.jsonl.gz", "rt", encoding="utf-8") as fh:
        first, second = (json.loads(line) for line in fh)
    assert sorted(first) == ["added", "created", "id", "metadata", "source", "text"]
    assert (first["id"], first["source"], first["added"], first["created"]) == (
        "d1", "common-crawl", "2024-03-01T00:00:00Z", "2023-12-24T10:00:00Z")
    assert first["metadata"]["lang"] == {"en": 0.99} and first["metadata"]["url"] == "https://ex.org/1"
    assert first["metadata"]["clean_corpus"]["decision"] == "kept"
    # No source of its own: the file it came from; no added or created: none written.
    assert sorted(second) == ["id", "metadata", "source", "text"] and second["source"] == "part.jsonl"
    assert second["metadata"]["warc"] == "CC-MAIN-2024" and second["metadata"]["media"] == []
    # The articles table holds the same: the record's own fields in columns, its metadata as JSON.
    frame = pipeline.load_cleaned(tmp_path / "cleaned").set_index("id")
    assert frame.loc["d1", "url"] == "https://ex.org/1" and frame.loc["d1", "created"] == "2023-12-24T10:00:00Z"
    assert frame.loc["d1", "metadata"]["source_metadata"]["lang"] == {"en": 0.99}
    assert frame.loc["d2", "metadata"]["input"] == "part.jsonl" and pd.isna(frame.loc["d2", "added"])


def test_rerunning_a_shard_replaces_it_alone(tmp_path, capsys):
    a = shard(tmp_path, "a", "000", "001")
    b = shard(tmp_path, "b", "003")
    assert clean(a, tmp_path) == 0 and clean(b, tmp_path) == 0
    (a / SEEDS["001"].name).unlink()
    capsys.readouterr()
    assert main([str(a), "--cleaned", str(tmp_path / "cleaned"), "--reports", str(tmp_path / "reports")]) == 0
    assert (f"clean-corpus: 1 documents of shard 'a' are no longer in its input; removing their outputs: "
            f"{seed_id('001')}") in capsys.readouterr().err.splitlines()
    assert sorted(p.stem for p in (tmp_path / "cleaned").glob("*.txt")) == [seed_id("000"), seed_id("003")]
    assert index_total(tmp_path) == 2


def test_prune_says_what_it_removes_then_removes_it(tmp_path, capsys):
    a = shard(tmp_path, "a", "000", "001")
    b = shard(tmp_path, "b", "003", "000")
    assert clean(a, tmp_path) == 0 and clean(b, tmp_path) == 0
    capsys.readouterr()
    assert main([str(b), "--cleaned", str(tmp_path / "cleaned"), "--reports", str(tmp_path / "reports"),
                 "--prune"]) == 0
    said = capsys.readouterr().err.splitlines()
    assert said[0] == "clean-corpus: --prune: shard 'a' (2 documents) will be removed once this run completes"
    assert sorted(p.name for p in (tmp_path / "cleaned" / "articles").iterdir()) == ["b.parquet"]
    assert sorted(p.stem for p in (tmp_path / "cleaned").glob("*.txt")) == sorted(
        pipeline.load_cleaned(tmp_path / "cleaned")["id"])
    assert index_total(tmp_path) == 2
    assert "| a |" not in (tmp_path / "cleaned" / "README.md").read_text("utf-8")


def test_shard_names_a_run(tmp_path, capsys):
    assert clean(RAW, tmp_path, "--shard", "seeds-2026") == 0
    assert [p.name for p in (tmp_path / "reports" / "signals").iterdir()] == ["seeds-2026.parquet"]
    with pytest.raises(SystemExit):
        clean(RAW, tmp_path, "--shard", "../x")
    assert "--shard: '../x' is not a safe file name" in capsys.readouterr().err
