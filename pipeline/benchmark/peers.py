"""The runs `make bench` compares clean-corpus with, each started as its own process.

``python -m pipeline.benchmark.peers datatrove IN OUT WORKERS`` runs datatrove's heuristic
filter pipeline with default settings (JsonlReader -> GopherRepetitionFilter ->
GopherQualityFilter -> C4QualityFilter -> FineWebQualityFilter -> JsonlWriter) on a
LocalPipelineExecutor; ``... floor IN OUT WORKERS`` is the floor: read each JSONL line, one
regex pass over its words, write it back.
"""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

_WORD = re.compile(r"\w+")


def datatrove(in_dir: Path, out_dir: Path, workers: int) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    tasks = len(list(in_dir.glob("*.jsonl")))
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(in_dir), glob_pattern="*.jsonl"),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(),
            FineWebQualityFilter(),
            JsonlWriter(str(out_dir / "output"), compression=None),
        ],
        tasks=tasks, workers=workers, logging_dir=str(out_dir / "logs"),
    ).run()


def _floor_file(paths: tuple[Path, Path]) -> int:
    source, target = paths
    words = 0
    with open(source, encoding="utf-8") as fin, open(target, "w", encoding="utf-8") as fout:
        for line in fin:
            doc = json.loads(line)
            doc["words"] = len(_WORD.findall(doc["text"]))
            words += doc["words"]
            fout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return words


def floor(in_dir: Path, out_dir: Path, workers: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(p, out_dir / p.name) for p in sorted(in_dir.glob("*.jsonl"))]
    if workers == 1:
        for job in jobs:
            _floor_file(job)
        return
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_floor_file, jobs))


def main(argv: list[str] | None = None) -> int:
    name, in_dir, out_dir, workers = argv if argv is not None else sys.argv[1:]
    {"datatrove": datatrove, "floor": floor}[name](Path(in_dir), Path(out_dir), int(workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
