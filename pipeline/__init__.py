"""clean-corpus: a content-quality cleaning pipeline for scraped web articles."""

from __future__ import annotations

import json
from pathlib import Path

__version__ = "0.1.0"
__all__ = ["__version__", "load_cleaned"]


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
