"""``clean-corpus serve REPORTS_DIR``: every document's report page, written or not.

A run writes the pages ``[reports]`` asks for (every document up to ``pages``, then a sample);
the others can be opened here, rendered on request from what each shard's run stored: its
manifest (the config, so the same stages and checks), its signals row (the annotations and
signals) and its normalized text (``texts/<shard>.parquet``). A page is rendered exactly as the
run would have written it, its "previous / next" links going to the written pages around it, so
a page served for a document that has a written page is that page, byte for byte.

The server listens on 127.0.0.1 only and reads only: files inside the reports folder, and pages
of the documents the folder's shards hold. Any other path is refused.
"""

from __future__ import annotations

import json
import mimetypes
import os
import sys
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.config import configured
from pipeline.core.decide import Decide
from pipeline.core.document import Annotation, Document
from pipeline.core.render import cleaned_text
from pipeline.io.outputs import INDEX_HTML
from pipeline.io.shards import TABLES
from pipeline.reports.pages import Pages, document_file, with_pager

HOST = "127.0.0.1"
PAGE_SUFFIX = ".html"


class StoredReports:
    """The documents of a reports folder's shards, and their pages on request."""

    def __init__(self, reports_dir: Path) -> None:
        self.dir = Path(reports_dir).resolve()
        # Where each document is: its shard, its place in the shard's order (the order the run
        # wrote it in), and the row group of the shard's tables that holds its row.
        self.where: dict[str, tuple[str, int, dict[str, int]]] = {}
        self.order: dict[str, list[str]] = {}
        manifests = sorted((self.dir / TABLES["manifest"][1]).glob("*" + TABLES["manifest"][2]))
        if not manifests:
            raise FileNotFoundError(f"{reports_dir}: no run's manifest in it (not a reports folder)")
        # The pages on disk, read once: the server serves the folder as the run left it.
        self.written = {entry.name for entry in os.scandir(self.dir) if entry.name.endswith(PAGE_SUFFIX)}
        for manifest in manifests:
            shard = manifest.name[: -len(TABLES["manifest"][2])]
            groups = {kind: _row_groups(self._table(kind, shard)) for kind in ("signals", "texts")}
            ids = list(groups["signals"])
            self.order[shard] = ids
            for at, doc_id in enumerate(ids):
                self.where[doc_id] = (shard, at, {kind: found[doc_id] for kind, found in groups.items()
                                                  if doc_id in found})

    def _table(self, kind: str, shard: str) -> Path:
        _, folder, suffix = TABLES[kind]
        return self.dir / folder / f"{shard}{suffix}"

    def page(self, doc_id: str) -> bytes | None:
        """The report page of ``doc_id`` (UTF-8), or None when no shard holds it."""
        if doc_id not in self.where:
            return None
        shard, at, groups = self.where[doc_id]
        pages = self._pages(shard)
        (stored,) = _rows(self._table("signals", shard), groups["signals"], doc_id)
        # A folder an earlier version wrote lacks the columns added since: not recorded, as a
        # signal a stage did not compute is.
        row = {**dict.fromkeys(pages.fields), **stored}
        text = _rows(self._table("texts", shard), groups["texts"], doc_id)[0]["text"] if "texts" in groups else None
        doc = None
        if text is not None:
            doc = Document(id=doc_id, text=text, source=row["source"],
                           annotations=[Annotation.from_dict(a) for a in row["annotations_list"] or ()])
        previous, following = self._neighbours(shard, at)
        cleaned = cleaned_text(doc) if doc is not None else None
        return with_pager(pages.page(row, doc, cleaned).encode("utf-8"), previous, following)

    def _neighbours(self, shard: str, at: int) -> tuple[str | None, str | None]:
        """The documents with a written page before and after the ``at``-th of ``shard``."""
        ids = self.order[shard]
        previous = next((ids[i] for i in range(at - 1, -1, -1) if document_file(ids[i]) in self.written), None)
        following = next((ids[i] for i in range(at + 1, len(ids)) if document_file(ids[i]) in self.written), None)
        return previous, following

    @lru_cache(maxsize=None)  # noqa: B019 - one per shard, for the server's life
    def _pages(self, shard: str) -> Pages:
        manifest = json.loads(self._table("manifest", shard).read_text("utf-8"))
        config = manifest["config"]
        return Pages(Decide.from_config(config), configured(config))

    def resolve(self, url_path: str) -> tuple[HTTPStatus, bytes, str]:
        """What a GET of ``url_path`` returns: a file inside the folder, a document's page, or a refusal."""
        name = unquote(urlsplit(url_path).path).lstrip("/") or INDEX_HTML
        if "\0" in name or not (target := (self.dir / name).resolve()).is_relative_to(self.dir):
            return HTTPStatus.FORBIDDEN, b"outside the reports folder\n", "text/plain; charset=utf-8"
        if target.is_file():
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return HTTPStatus.OK, target.read_bytes(), kind + ("; charset=utf-8" if kind.startswith("text/") else "")
        if name.endswith(PAGE_SUFFIX):
            try:
                page = self.page(name[: -len(PAGE_SUFFIX)])
            except Exception as exc:  # noqa: BLE001 - a row this version cannot render: say which, serve on
                message = f"could not render {name} from what its run stored: {type(exc).__name__}: {exc}"
                print(f"clean-corpus serve: {message}", file=sys.stderr)
                return HTTPStatus.INTERNAL_SERVER_ERROR, f"{message}\n".encode(), "text/plain; charset=utf-8"
            if page is not None:
                return HTTPStatus.OK, page, "text/html; charset=utf-8"
        return HTTPStatus.NOT_FOUND, b"no such file or document\n", "text/plain; charset=utf-8"


def _row_groups(path: Path) -> dict[str, int]:
    """Each id of a table and the row group that holds its row (only the ids are read)."""
    found: dict[str, int] = {}
    table = pq.ParquetFile(path)
    for group in range(table.num_row_groups):
        found.update(dict.fromkeys(table.read_row_group(group, columns=["id"]).column("id").to_pylist(), group))
    return found


def _rows(path: Path, group: int, doc_id: str) -> list[dict[str, Any]]:
    """The rows of ``doc_id`` in row group ``group`` of a table (one, where ids are unique)."""
    table = pq.ParquetFile(path).read_row_group(group)
    return table.filter(pc.field("id") == doc_id).to_pylist()


def server(reports_dir: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``reports_dir`` on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    stored = StoredReports(reports_dir)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            self._answer(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(body=False)

        def _answer(self, *, body: bool) -> None:
            status, data, kind = stored.resolve(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
            pass  # quiet: the terminal shows where to look, not every request

    return ThreadingHTTPServer((HOST, port), Handler)
