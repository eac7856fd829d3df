"""clean-corpus: a content-quality cleaning pipeline for scraped web articles."""

from __future__ import annotations

import json
from pathlib import Path

__version__ = "0.1.0"
__all__ = ["__version__", "load_annotations", "load_cleaned", "load_signals"]


def load_cleaned(cleaned_dir: str | Path = "cleaned"):
    """The kept articles of every shard in ``cleaned_dir`` as a pandas DataFrame, one row per article.

    Columns: ``id``, ``text``, ``title``, ``source``, ``url``, ``added``, ``created`` and
    ``metadata`` (a dict with ``decision``, ``reasons``, ``signals``, the stages' notes, ``input``,
    ``position``, ``encoding``, ``extraction`` (an HTML page's) and the input record's own
    ``source_metadata``, parsed).
    """
    frame = _tables(Path(cleaned_dir) / "articles")
    frame["metadata"] = [
        {**meta, "source_metadata": json.loads(meta["source_metadata"])} for meta in frame["metadata"]
    ]
    return frame


def load_signals(reports_dir: str | Path = "reports"):
    """Every input document of every shard in ``reports_dir``: its decision, reasons, signals and
    annotations, one row each (pandas DataFrame)."""
    return _tables(Path(reports_dir) / "signals")


def load_annotations(reports_dir: str | Path = "reports"):
    """Every processed document of every shard with the normalized text its annotations point into,
    as a pandas DataFrame: ``id``, ``status``, ``reasons``, ``text`` and ``annotations`` (a list of
    dicts: ``start``, ``end``, ``category``, ``rule``, ``action``, ``replacement``, ``reason``).
    ``text[a["start"]:a["end"]]`` is what annotation ``a`` marks; applying the removals and
    replacements in order gives the document's cleaned text."""
    reports_dir = Path(reports_dir)
    texts = _tables(reports_dir / "texts")
    signals = _tables(reports_dir / "signals", columns=["id", "status", "reasons", "annotations_list"])
    frame = texts.merge(signals, on="id", how="left").rename(columns={"annotations_list": "annotations"})
    frame["annotations"] = [list(a) for a in frame["annotations"]]
    frame["reasons"] = [list(r) for r in frame["reasons"]]
    return frame[["id", "status", "reasons", "text", "annotations"]]


def _tables(folder: Path, columns: list[str] | None = None):
    """The Parquet files of ``folder`` (one per shard, in name order) as one DataFrame."""
    import pandas as pd
    import pyarrow.parquet as pq

    paths = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not paths:
        raise FileNotFoundError(f"no tables in {folder}: run clean-corpus first")
    return pd.concat([pq.read_table(path, columns=columns).to_pandas() for path in paths], ignore_index=True)
