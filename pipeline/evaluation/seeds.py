"""The seed expectations of the foundation issue, measured on the bundled sample corpus."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.config import load_config
from pipeline.io.ingest import read_records
from pipeline.run.processor import Processor
from pipeline.text.words import count_words

RAW = Path(__file__).resolve().parents[2] / "raw"
ABSENT = {
    "000": ("<<:", ">>:", "Recommend"),
    "001": ("<<:", ">>:", "Recommend"),
    "004": ("Click Here For", "Author:", "Copyright", "Add to cart", "1}"),
}

# Seeds 003 and 004 are real spinner output; 000-002 are not.
SPUN = {"000": 0, "001": 0, "002": 0, "003": 1, "004": 1}
KEYPHRASES = {"003": "Pain In Lower Back Calf After Running", "004": "Lower Back Pain Causing Leg Spasms"}


def expectations() -> list[dict]:
    processor = Processor(load_config())
    rows = []
    for path in sorted(RAW.glob("*.txt")):
        number = path.name[:3]
        (record,) = read_records(path, RAW, max_document_bytes=None, max_line_chars=None)
        outcome = processor(record)
        cleaned = outcome.cleaned or ""
        for marker in ABSENT.get(number, ()):
            rows.append({"check": f"seed {number} has no {marker!r}", "value": marker not in cleaned,
                         "ok": marker not in cleaned})
        if number == "002":
            kept = count_words(cleaned) / count_words(path.read_text("utf-8"))
            rows.append({"check": "seed 002 words kept (>= 0.99)", "value": round(kept, 4), "ok": kept >= 0.99})
        if number in KEYPHRASES:
            found = outcome.doc.notes.get("keyphrase", "") if outcome.doc else ""
            rows.append({"check": f"seed {number} keyphrase found", "value": found,
                         "ok": found == KEYPHRASES[number]})
        flagged = int(outcome.doc.signals.get("spun_flagged") or 0) if outcome.doc else None
        rows.append({"check": f"seed {number} {'flagged' if SPUN[number] else 'not flagged'} spun",
                     "value": round(outcome.doc.signals["spun_score"], 3) if outcome.doc else None,
                     "ok": flagged == SPUN[number]})
        status = outcome.doc.status.value if outcome.doc else outcome.record.status.value
        rows.append({"check": f"seed {number} kept", "value": status, "ok": status == "kept"})
    return rows
