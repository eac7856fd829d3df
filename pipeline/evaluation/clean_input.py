"""Clean input stays clean: each benchmark's gold texts fed to the pipeline as its input.

A user who feeds text that was extracted already (by trafilatura, or a cleaned dataset) must get
it back whole. Each gold ``main_content`` goes through the stages as a document of its own
(the pipeline's cleaned text, whatever the decision), after the counting pass a run over them
all makes (their sites' repeated lines); we count the share of its words kept (bags of
lowercase words, as WCXB scores), the documents that lose more than 2%, which rules took the words,
and apart, the documents the configured decision drops (a user gets none of their text). The words
counted are the normalized document's: normalizing repairs characters (HTML entities, mojibake,
soft hyphens inside words), which changes words but takes none away, and no annotation accounts for
it. WCXB dev pages are cleaned with the line model that never saw their site.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

from pipeline.core.document import Action, Status
from pipeline.core.render import cleaned_text
from pipeline.evaluation import wcxb
from pipeline.text.words import WORD

# A document "loses words" past this share.
LOSS = 0.02


@lru_cache(maxsize=1)
def datasets() -> dict[str, list[wcxb.Page]]:
    """Each benchmark found beside the repository, by name (read once: the clean-input and the
    leave-one-out rows read the same pages)."""
    return {name: wcxb.load_pages(root) for name, root in wcxb.BENCHMARKS.items() if (root / "ground-truth").is_dir()}


def evaluate(pages: list[wcxb.Page], ours: wcxb.CleanCorpusTextOnly) -> dict:
    total = kept = losing = dropped = 0
    taken: Counter[str] = Counter()
    # The counting pass a run over these texts makes: their sites' repeated lines.
    repeated = ours.repeated_lines(pages, lambda page: page.gold)
    for page in pages:
        doc = ours.document(page, page.gold, repeated)  # the stages annotate; the text stays as normalized
        dropped += doc.status is Status.DROPPED
        given = Counter(WORD.findall(doc.text.lower()))
        back = Counter(WORD.findall(cleaned_text(doc).lower()))
        words, same = sum(given.values()), sum((given & back).values())
        total, kept = total + words, kept + same
        losing += words > 0 and same < (1 - LOSS) * words
        for a in doc.annotations:
            if a.action is Action.REMOVE:
                taken[a.code] += len(WORD.findall(doc.text[a.start:a.end]))
    return {"documents": len(pages), "words_kept": kept / total if total else 1.0, "losing_documents": losing,
            "losing_share": losing / len(pages) if pages else 0.0, "words_taken_by": dict(taken.most_common(5)),
            "dropped": dropped}


def main_rows(ours: wcxb.CleanCorpusTextOnly, limit: int | None = None) -> dict[str, dict]:
    return {name: evaluate(pages[:limit] if limit else pages, ours) for name, pages in datasets().items()}


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m pipeline.evaluation.clean_input [CV_DIR]
    import sys

    cv = Path(sys.argv[1]) if len(sys.argv) > 1 else wcxb.DEFAULT_CV
    for name, row in main_rows(wcxb.CleanCorpusTextOnly(cv=cv)).items():
        print(f"{name:10} {row['documents']:>5} documents: words kept {row['words_kept']:.4f}, losing more than "
              f"{LOSS:.0%}: {row['losing_documents']} ({row['losing_share']:.1%}); taken by {row['words_taken_by']}; "
              f"dropped by the decision: {row['dropped']}")
