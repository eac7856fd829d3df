"""Boilerplate removal measured on WCXB dev, as WCXB defines it.

Each page is rendered to visible text with inscriptis (text full of real menus, footers
and related links); that text is the input, ``main_content`` the gold. Word-F1 is the
bag-of-words F1 of lowercase ``\\w+`` tokens, averaged over pages; ``with`` snippets
must survive and ``without`` snippets must be removed.
"""

from __future__ import annotations

import copy
import gzip
import json
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pipeline.io.html
from pipeline.core.config import Config, load_config
from pipeline.core.decide import Decide
from pipeline.core.document import Document, Status
from pipeline.core.render import cleaned_text
from pipeline.io.encoding import DecodeError, decode_html
from pipeline.io.records import RawRecord
from pipeline.run.processor import Pipeline, build_pipeline
from pipeline.run.sites import RepeatedLines, SiteCounter, map_keys
from pipeline.stages.boilerplate_model.model import BUILTIN
from pipeline.stages.normalize import make_document
from pipeline.text.words import PHRASE_WORD, WORD

# The WCXB dev split, in the shared folder beside the repository.
DEFAULT_WCXB = Path(__file__).resolve().parents[3] / "shared" / "wcxb-dev"
# The boilerplate benchmarks, in WCXB's layout: WCXB dev, and CleanEval and L3S-GN1 beside it.
BENCHMARKS = {"wcxb-dev": DEFAULT_WCXB, "cleaneval": DEFAULT_WCXB.parent / "extra-bench" / "cleaneval",
              "l3s-gn1": DEFAULT_WCXB.parent / "extra-bench" / "l3s-gn1"}
# The line models trained with one fold of sites held out, and which fold each page is in.
DEFAULT_CV = Path(__file__).resolve().parents[1] / "stages" / "boilerplate_model" / "cv"


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    page_type: str
    domain: str
    html: str
    title: str
    gold: str
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]


def load_pages(root: Path, *, page_types: set[str] | None = None, ids: list[str] | None = None) -> list[Page]:
    """The pages of a benchmark in WCXB's layout (``../shared/extra-bench``'s sets have no
    ``metadata.json``: their pages have no type or domain)."""
    metadata = root / "metadata.json"
    files = json.loads(metadata.read_text("utf-8"))["files"] if metadata.exists() else {}
    pages = []
    for gt_path in sorted((root / "ground-truth").glob("*.json")):
        page_id = gt_path.stem
        info = files.get(page_id, {})
        if ids is not None and page_id not in ids:
            continue
        if page_types is not None and info.get("page_type") not in page_types:
            continue
        html_path = root / "html" / f"{page_id}.html.gz"
        if not html_path.exists():
            continue
        gt = json.loads(gt_path.read_text("utf-8"))["ground_truth"]
        if not gt.get("main_content"):
            continue
        pages.append(Page(
            id=page_id, page_type=info.get("page_type", "unknown"), domain=info.get("domain", ""),
            html=_html_text(gzip.decompress(html_path.read_bytes())), title=gt.get("title") or "",
            gold=gt["main_content"], with_snippets=tuple(gt.get("with") or ()),
            without_snippets=tuple(gt.get("without") or ()),
        ))
    return pages


def _html_text(data: bytes) -> str:
    """A page's HTML read as clean-corpus reads an ``.html`` file (binary data as UTF-8, unreadable bytes replaced)."""
    try:
        return decode_html(data).text
    except DecodeError:
        return data.decode("utf-8", errors="replace")


# Rendered pages remembered: all of the dev split's 1,358, so `make eval` renders each page once
# (the counting pass, the scores and the site rows all read it).
VISIBLE_TEXT_CACHE_PAGES = 2048


visible_text = lru_cache(maxsize=VISIBLE_TEXT_CACHE_PAGES)(pipeline.io.html.visible_text)


def word_prf(predicted: str, gold: str) -> tuple[float, float, float]:
    """WCXB's word-level precision, recall and F1 (bags of lowercase \\w+ tokens)."""
    p = Counter(WORD.findall(predicted.lower()))
    g = Counter(WORD.findall(gold.lower()))
    if not p and not g:
        return 1.0, 1.0, 1.0
    overlap = sum((p & g).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _norm(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))


def snippet_rates(predicted: str, page: Page) -> tuple[int, int, int, int]:
    """(with kept, with total, without removed, without total); snippets without words don't count."""
    text = _norm(predicted)
    with_snippets = [s for s in map(_norm, page.with_snippets) if s]
    without_snippets = [s for s in map(_norm, page.without_snippets) if s]
    kept = sum(s in text for s in with_snippets)
    removed = sum(s not in text for s in without_snippets)
    return kept, len(with_snippets), removed, len(without_snippets)


def page_url(page: Page) -> str:
    """A URL on the page's site (WCXB gives its domain)."""
    return f"https://{page.domain}/{page.id}"


def page_record(page: Page, text: str) -> RawRecord:
    """A page's rendered text as one record of a batch (no title line), with a URL on its site."""
    return RawRecord(id=page.id, source=f"{page.id}.txt", position=1, text=text, url=page_url(page))


def text_document(page: Page, text: str) -> Document:
    """The Document the pipeline makes of a page's rendered text."""
    return make_document(page_record(page, text))


class CleanCorpusTextOnly:
    """This project on inscriptis text: the pipeline's cleaned text, whatever the decision.

    The built-in line model was trained on these very pages, so scoring it here would be
    in-sample. When the cross-validation models exist (``python -m pipeline.stages.boilerplate_model.train
    --cv``), each page is cleaned by the model trained without its site instead.
    """

    name = "clean-corpus (text-only)"

    def __init__(self, config: Config | None = None, cv: Path | None = DEFAULT_CV) -> None:
        config = copy.deepcopy(config or load_config())
        # Only the cleaned text is scored: the grammar stage would spend LanguageTool time for nothing.
        config["grammar"].update(languagetool=None, languagetool_path=None, languagetool_url=None)
        self.pipeline = build_pipeline(config)
        # The configured decision: which documents a run would drop (the clean-input rows count them).
        self.decide = Decide.from_config(config)
        # The page cleaned last: its id, its input text, its cleaned text, whether the decision drops it.
        self.last: tuple[str, str, str, bool] | None = None
        self.fold_of: dict[str, int] = {}
        self.fold_pipelines: dict[int, Pipeline] = {}
        if cv is not None and (cv / "folds.json").exists() and config["boilerplate_model"]["model"] == BUILTIN:
            self.fold_of = json.loads((cv / "folds.json").read_text())
            for fold in sorted(set(self.fold_of.values())):
                held_out = copy.deepcopy(config)
                held_out["boilerplate_model"]["model"] = str(cv / f"fold-{fold}.npz")
                self.fold_pipelines[fold] = build_pipeline(held_out)

        self.site_settings = config["site_lines"]
        # The counting pass's result over the evaluated pages (see count_sites); None: no pass.
        self.repeated: RepeatedLines | None = None

    @property
    def held_out(self) -> bool:
        return bool(self.fold_pipelines)

    def count_sites(self, pages: list[Page]) -> None:
        """Run the corpus-level counting pass over ``pages`` (their site is their WCXB domain), as
        a run over them all would."""
        self.repeated = self.repeated_lines(pages, lambda page: visible_text(page.html))

    def repeated_lines(self, pages: list[Page], text_of: Callable[[Page], str]) -> RepeatedLines | None:
        """The counting pass over ``pages`` read as ``text_of`` gives them; None when it is off."""
        if self.site_settings["min_docs"] is None:
            return None
        with SiteCounter(min_docs=self.site_settings["min_docs"],
                         min_docs_ratio=self.site_settings["min_docs_ratio"]) as counter:
            for page in pages:
                counter.add(map_keys([page_record(page, text_of(page))]))
            return counter.result()

    def pipeline_for(self, page: Page) -> Pipeline:
        """The pipeline whose line model never saw ``page``'s site (the shipped one for a page of
        another benchmark)."""
        fold = self.fold_of.get(page.id)
        return self.pipeline if fold is None else self.fold_pipelines[fold]

    def document(self, page: Page, text: str, repeated: RepeatedLines | None) -> Document:
        """``page`` read as ``text`` through the stages (its site's lines as ``repeated`` counts
        them) and the decision."""
        doc = text_document(page, text)
        if repeated is not None:
            doc.site_lines = repeated.of(doc)
        self.pipeline_for(page)(doc)
        return self.decide(doc)

    def __call__(self, page: Page, text: str) -> str:
        doc = self.document(page, text, self.repeated)
        self.last = (page.id, text, cleaned_text(doc), doc.status is Status.DROPPED)
        return self.last[2]


class AsDecided:
    """``ours`` as a user gets each page: its cleaned text, or none when the decision drops it. It
    reads the page ``ours`` cleaned last when that is this page (``evaluate`` calls ``ours`` first)."""

    name = "clean-corpus, a dropped page empty"

    def __init__(self, ours: CleanCorpusTextOnly) -> None:
        self.ours = ours

    def __call__(self, page: Page, text: str) -> str:
        if self.ours.last is None or self.ours.last[:2] != (page.id, text):
            self.ours(page, text)
        _, _, cleaned, dropped = self.ours.last
        return "" if dropped else cleaned


def raw_text(page: Page, text: str) -> str:
    return text


def c4_line_filter(page: Page, text: str) -> str:
    """datatrove's C4 line filter (its line rules only; no page-level drop)."""
    from datatrove.data import Document
    from datatrove.pipeline.filters import C4QualityFilter

    doc = Document(text=text, id=page.id)
    C4QualityFilter(min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False).filter(doc)
    return doc.text


def trafilatura_html(page: Page, text: str) -> str:
    import trafilatura

    return trafilatura.extract(page.html) or ""


Extractor = Callable[[Page, str], str]


@dataclass
class Scores:
    pages: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    with_kept: int = 0
    with_total: int = 0
    without_removed: int = 0
    without_total: int = 0

    def add(self, prf: tuple[float, float, float], snippets: tuple[int, int, int, int]) -> None:
        self.pages += 1
        self.precision += prf[0]
        self.recall += prf[1]
        self.f1 += prf[2]
        self.with_kept += snippets[0]
        self.with_total += snippets[1]
        self.without_removed += snippets[2]
        self.without_total += snippets[3]

    def row(self) -> dict[str, float | int | None]:
        n = self.pages or 1
        return {
            "pages": self.pages,
            "precision": round(self.precision / n, 4),
            "recall": round(self.recall / n, 4),
            "f1": round(self.f1 / n, 4),
            "with_kept": round(self.with_kept / self.with_total, 4) if self.with_total else None,
            "without_removed": round(self.without_removed / self.without_total, 4) if self.without_total else None,
        }


def site_pass(pages: list[Page], ours: CleanCorpusTextOnly) -> dict[str, dict]:
    """On the pages of sites with enough pages for the counting pass: our scores without and with it."""
    if ours.repeated is None:
        return {}
    per_site = Counter(page.domain for page in pages)
    sited = [page for page in pages if per_site[page.domain] >= ours.site_settings["min_docs"]]
    if not sited:  # `--limit` small enough that no site has pages enough
        return {}
    repeated, ours.repeated = ours.repeated, None
    try:
        without = evaluate(sited, {"without": ours})["without"]["all"]
    finally:
        ours.repeated = repeated
    return {"sites": len({page.domain for page in sited}), "without": without,
            "with": evaluate(sited, {"with": ours})["with"]["all"]}


def evaluate(pages: list[Page], extractors: dict[str, Extractor]) -> dict[str, dict[str, dict]]:
    """extractor -> page type (and "all") -> scores."""
    scores: dict[str, dict[str, Scores]] = {name: {} for name in extractors}
    for page in pages:
        text = visible_text(page.html)
        for name, extract in extractors.items():
            predicted = extract(page, text)
            prf = word_prf(predicted, page.gold)
            snippets = snippet_rates(predicted, page)
            for key in (page.page_type, "all"):
                scores[name].setdefault(key, Scores()).add(prf, snippets)
    return {name: {key: s.row() for key, s in sorted(by_type.items())} for name, by_type in scores.items()}


def justext_html(page: Page, text: str) -> str:
    """jusText (Pomikálek 2011) on the page's HTML: its paragraphs that are not boilerplate."""
    import justext

    try:
        paragraphs = justext.justext(page.html.encode("utf-8"), justext.get_stoplist("English"))
    except Exception:  # noqa: BLE001 - a page jusText cannot parse scores as an empty extraction
        return ""
    return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)


# Articles shorter than this are not what stuffers and spinners target (too few places to work on).
MIN_ARTICLE_WORDS = 150


def articles(pages: list[Page]) -> list[Page]:
    """The article pages of ``MIN_ARTICLE_WORDS`` gold words or more: what the stuffing and spun rows use."""
    return [p for p in pages if p.page_type == "article" and len(PHRASE_WORD.findall(p.gold)) >= MIN_ARTICLE_WORDS]


def fold(page: Page) -> str:
    """Sites, not pages, are split: a site's articles share a style the model must not learn."""
    return "A" if zlib.crc32(page.domain.encode()) % 2 == 0 else "B"
