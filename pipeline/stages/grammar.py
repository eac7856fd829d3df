"""Grammar: LanguageTool matches per 100 words, by category, on the kept text.

LanguageTool is a Java program. The stage uses, in this order of preference:
a server at ``languagetool_url`` (``--languagetool-url``); a LanguageTool directory at
``languagetool_path`` (``--languagetool-path``, the unzipped standalone release);
language-tool-python's own install (``languagetool = "auto"``), which downloads
LanguageTool once when the internet is reachable. When none can be used the stage
records ``grammar_status = "skipped: <why>"`` for every document and the run goes on.

Matches are ``flag`` annotations (text is never removed for grammar) over the
normalized text, each naming LanguageTool's rule and message.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.core.config import ConfigError
from pipeline.core.document import Action, Document
from pipeline.core.registry import Category, Stage, signals, stage
from pipeline.core.render import removed_spans

STAGE = "grammar"
# LanguageTool's main category ids; the rest count as "other".
CATEGORIES = (
    "grammar", "typos", "punctuation", "style", "casing", "typography", "confused_words",
    "redundancy", "collocations", "semantics", "misc", "other",
)
# The column of its note: "ran (...)", "off" or "skipped: why".
STATUS_NOTE = "grammar_status"
# Where language-tool-python downloads LanguageTool from (checked before it tries).
DOWNLOAD_HOST = ("github.com", 443)
# Text is sent in pieces of at most this many characters, cut at paragraph breaks.
MAX_REQUEST_CHARS = 20_000
OFF = "off"
RAN = "ran"


@stage(STAGE, adds={"grammar"},
       # It checks the kept text (every removal before it) and counts per 100 of its words.
       requires={"blocks", "boilerplate_model", "signals.quality"},
       after={"title", "boilerplate", "site_lines", "stuffing", "spun"},
       signals=signals(float, {
           "grammar_per_100_words": "LanguageTool matches per 100 words of the kept text",
           **{f"grammar_{c}_per_100_words": f"LanguageTool matches of its {c} category per 100 words"
              for c in CATEGORIES},
       }),
       notes=(STATUS_NOTE,), category=Category(STAGE, "Grammar", "#dceafe", "#1d4ed8"),
       config="grammar", report="stages/grammar.html.j2")
class Grammar(Stage):

    def __init__(
        self,
        *,
        # "auto": language-tool-python's own install (it downloads LanguageTool once, where
        # github.com is reachable); None: off. A server (--languagetool-url) or an unzipped
        # LanguageTool (--languagetool-path) is used instead when given.
        languagetool: str | None = "auto",
        languagetool_path: str | None = None,
        languagetool_url: str | None = None,
        language: str = "en-US",
    ) -> None:
        if languagetool not in (None, "auto"):
            raise ConfigError(f'grammar.languagetool must be "auto" or "none", not {languagetool!r}')
        self.enabled = bool(languagetool or languagetool_path or languagetool_url)
        self.path = languagetool_path
        self.url = languagetool_url
        self.language = language
        self._tool: Any = None
        self._skipped: str | None = None if self.enabled else OFF
        self.where = ""

    # ------------------------------------------------------------ the checker

    def checker(self) -> Any:
        """The LanguageTool handle, started on first use; None once it could not be."""
        if self._tool is None and self._skipped is None:
            try:
                self._tool, self.where = self._start()
            except Exception as exc:  # noqa: BLE001 - any failure to start means "skipped, and why"
                self._skipped = f"skipped: {exc}"  # the run says it once (pipeline/run/runner.py)
        return self._tool

    def _start(self) -> tuple[Any, str]:
        import language_tool_python

        if self.url:
            try:
                tool = language_tool_python.LanguageTool(self.language, remote_server=self.url)
            except Exception as exc:  # noqa: BLE001
                raise RuntimeError(f"the LanguageTool server {self.url} did not answer ({type(exc).__name__})") from exc
            return tool, f"server {self.url}"
        if shutil.which("java") is None:
            raise RuntimeError("Java is not installed (LanguageTool runs on Java 17+)")
        if self.path:
            if not list(Path(self.path).glob("languagetool-server.jar")):
                raise RuntimeError(f"no languagetool-server.jar in {self.path}")
            os.environ["LTP_JAR_DIR_PATH"] = str(Path(self.path).resolve())
            return language_tool_python.LanguageTool(self.language), f"local {self.path}"
        from language_tool_python.utils import get_language_tool_download_path

        installed = list(get_language_tool_download_path().glob("LanguageTool*"))
        if not installed and not _reachable(*DOWNLOAD_HOST):
            raise RuntimeError(
                "LanguageTool is not installed and cannot be downloaded here "
                f"({DOWNLOAD_HOST[0]} is unreachable); give --languagetool-url or --languagetool-path"
            )
        return language_tool_python.LanguageTool(self.language), "language-tool-python's install"

    def status(self) -> str:
        return self._skipped or (f"{RAN} ({self.where})" if self._tool is not None else "not started")

    def provenance(self) -> dict[str, str]:
        """Which LanguageTool ran, or why none did. Asking starts it: the answer is part of the
        incremental run key (a LanguageTool that becomes reachable means documents to check again)."""
        if not self.enabled:
            return {}
        self.checker()
        return {"languagetool": self.status()}

    def close(self) -> None:
        if self._tool is not None:
            self._tool.close()
            self._tool = None

    # ------------------------------------------------------------ per document

    def __call__(self, doc: Document) -> None:
        tool = self.checker()
        if tool is None:
            doc.notes[STATUS_NOTE] = self._skipped or OFF
            return
        text, positions = kept_text(doc)
        try:
            matches = [m for piece, at in pieces(text) for m in _shifted(tool.check(piece), at)]
        except Exception as exc:  # noqa: BLE001 - a server that stops answering skips a document, not the run
            doc.notes[STATUS_NOTE] = f"skipped: LanguageTool failed on this document ({type(exc).__name__}: {exc})"
            return
        record(doc, matches, positions)
        doc.notes[STATUS_NOTE] = self.status()


def record(doc: Document, matches: Iterable[Any], positions: list[int]) -> None:
    """Signals and flag annotations from LanguageTool matches over the kept text.

    ``positions[i]`` is where the kept text's character ``i`` sits in ``doc.text``.
    """
    counts: Counter[str] = Counter()
    for match in matches:
        category = match.category.lower()
        counts[category if category in CATEGORIES else "other"] += 1
        if match.error_length <= 0 or match.offset + match.error_length > len(positions):
            continue
        start = positions[match.offset]
        end = positions[match.offset + match.error_length - 1] + 1
        doc.annotate(
            start, end, category=STAGE, rule=match.rule_id.lower(), action=Action.FLAG,
            reason=f"LanguageTool {match.category}: {match.message}",
        )
    per = 100 / max(doc.signals.get("words_out", 0), 1)
    doc.signals["grammar_per_100_words"] = sum(counts.values()) * per
    for category in CATEGORIES:
        doc.signals[f"grammar_{category}_per_100_words"] = counts[category] * per


def kept_text(doc: Document) -> tuple[str, list[int]]:
    """The text with removed spans left out, and each kept character's position in ``doc.text``."""
    kept: list[str] = []
    positions: list[int] = []
    at = 0
    for start, end in [*removed_spans(doc), (len(doc.text), len(doc.text))]:
        kept.append(doc.text[at:start])
        positions.extend(range(at, start))
        at = end
    return "".join(kept), positions


def pieces(text: str, limit: int = MAX_REQUEST_CHARS) -> Iterable[tuple[str, int]]:
    """``text`` in pieces of at most ``limit`` characters, cut after a newline where there is one."""
    at = 0
    while at < len(text):
        end = min(len(text), at + limit)
        if end < len(text):
            cut = text.rfind("\n", at, end)
            end = cut + 1 if cut > at else end
        yield text[at:end], at
        at = end


def _shifted(matches: list[Any], offset: int) -> list[Any]:
    for match in matches:
        match.offset += offset
    return matches


def _reachable(host: str, port: int, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
