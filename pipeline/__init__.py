"""clean-corpus: a content-quality cleaning pipeline for scraped web articles."""

from __future__ import annotations

import json
from pathlib import Path

__version__ = "0.1.0"
__all__ = ["__version__", "load_annotations", "load_cleaned"]


def load_cleaned(cleaned_dir: str | Path = "cleaned"):
    """The kept articles of a run as a pandas DataFrame, one row per article.

    Columns: ``id``, ``text``, ``title``, ``source``, ``url`` and ``metadata`` (a dict
    with ``decision``, ``reasons``, ``signals``, ``position``, ``encoding`` and the
    input record's own ``source_metadata``).
    """
    import pyarrow.parquet as pq

    path = Path(cleaned_dir) / "articles.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run clean-corpus first")
    frame = pq.read_table(path).to_pandas()
    frame["metadata"] = [
        {**meta, "source_metadata": json.loads(meta["source_metadata"])} for meta in frame["metadata"]
    ]
    return frame


def load_annotations(reports_dir: str | Path = "reports"):
    """Every processed document of a run with the normalized text its annotations point into, as
    a pandas DataFrame: ``id``, ``status``, ``reasons``, ``text`` and ``annotations`` (a list of
    dicts: ``start``, ``end``, ``category``, ``rule``, ``action``, ``replacement``, ``reason``).
    ``text[a["start"]:a["end"]]`` is what annotation ``a`` marks; applying the removals and
    replacements in order gives the document's cleaned text."""
    import pyarrow.parquet as pq

    reports_dir = Path(reports_dir)
    for name in ("documents.parquet", "signals.parquet"):
        if not (reports_dir / name).exists():
            raise FileNotFoundError(f"{reports_dir / name} not found: run clean-corpus first")
    texts = pq.read_table(reports_dir / "documents.parquet").to_pandas()
    signals = pq.read_table(reports_dir / "signals.parquet",
                            columns=["id", "status", "reasons", "annotations_list"]).to_pandas()
    frame = texts.merge(signals, on="id", how="left").rename(columns={"annotations_list": "annotations"})
    frame["annotations"] = [list(a) for a in frame["annotations"]]
    frame["reasons"] = [list(r) for r in frame["reasons"]]
    return frame[["id", "status", "reasons", "text", "annotations"]]
