"""The ``clean-corpus`` command (also ``python -m pipeline``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.core.config import ConfigError, default_config, dump_config, load_config, presets
from pipeline.io.outputs import OutputsBusy
from pipeline.io.shards import checked_name
from pipeline.run.executors import EXECUTORS, WorkerLost
from pipeline.run.runner import NothingProcessed, run

EXIT_OK = 0
EXIT_NOTHING_PROCESSED = 1
EXIT_USAGE = 2
# The run completed, but more of its documents failed than --max-failed-ratio allows.
EXIT_TOO_MANY_FAILED = 3
# Ended by Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clean-corpus",
        description=(
            "Clean scraped web articles: strip boilerplate (navigation, related-article lists, ads, "
            "author bios, copyright footers, cart widgets), normalize the text, and report a reason "
            "for every removed character."
        ),
        epilog=(
            "Inputs (searched recursively): .txt/.md (one article; first line is the title), "
            "JSON lines: .jsonl, .ndjson, and .jsonl/.ndjson/.json compressed (.gz, .zst, .bz2, .xz; dolma's "
            "documents/*.json.gz), one article per line: text, optional id, title, url (or metadata.url), "
            "source, added, created, metadata, every other field kept in metadata; .parquet (the same "
            "fields), .html/.htm (article extracted with trafilatura, or the page's visible text where it "
            "finds none); .txt, .md, .html and .htm may be compressed too (page.html.gz). A run first counts the "
            "lines of documents with a url by site (the url's host): a line on at least 3 documents of a site, "
            "and 20% of them, is its template and is removed ([site_lines] in the config). "
            "Outputs, a shard per input folder (--shard): CLEANED/<id>.txt, CLEANED/articles/SHARD.parquet, "
            "CLEANED/documents/SHARD.jsonl.gz (dolma's layout) and CLEANED/README.md (a dataset card: "
            "datasets.load_dataset(CLEANED) reads the articles); REPORTS/<id>.html (every document up to "
            "[reports] pages, then a sample), REPORTS/index.html (every shard), REPORTS/signals/SHARD.parquet "
            "(every input document), REPORTS/texts/SHARD.parquet, REPORTS/manifests/SHARD.json. "
            "Exit status: 0 when any document was processed, 1 when none "
            "could be, 2 on a usage or configuration error, 3 when more documents failed than "
            "--max-failed-ratio allows, 130 on Ctrl-C. `clean-corpus config [--config FILE] [--set ...]` "
            "prints the config a run would use; `clean-corpus serve REPORTS` serves a reports folder, every "
            "document's page included, on 127.0.0.1."
        ),
    )
    parser.add_argument("raw_dir", metavar="RAW_DIR", type=Path, help="directory of raw input documents")
    parser.add_argument("--cleaned", metavar="DIR", type=Path, default=Path("cleaned"),
                        help="where cleaned articles go (default: cleaned/)")
    parser.add_argument("--reports", metavar="DIR", type=Path, default=Path("reports"),
                        help="where reports and tables go (default: reports/)")
    parser.add_argument("--config", metavar="FILE", type=Path, default=None,
                        help="TOML file overriding the defaults (`clean-corpus config` prints them all)")
    parser.add_argument("--preset", choices=presets(), default=None,
                        help="a shipped config for a kind of corpus, laid over the defaults before --config: "
                             "pretraining (datatrove's Gopher repetition and C4 verdicts drop documents, as for a "
                             "language-model corpus), docs (documentation and programming articles: C4's "
                             "curly-bracket rule, which would drop any page with code, is off)")
    parser.add_argument("--set", metavar="SECTION.KEY=VALUE", action="append", default=[], dest="overrides",
                        help="override one config key, after --config (repeatable; the value in TOML, "
                             "e.g. --set decide.min_words=100)")
    parser.add_argument("--languagetool-url", metavar="URL", default=None,
                        help="a LanguageTool server for the grammar stage, e.g. http://localhost:8081")
    parser.add_argument("--languagetool-path", metavar="DIR", type=Path, default=None,
                        help="a directory holding an unzipped LanguageTool (languagetool-server.jar)")
    parser.add_argument("--shard", metavar="NAME", type=_shard, default=None,
                        help="the name of this run's shard of the output folders (default: RAW_DIR's name). A run "
                             "replaces the shard of its name and keeps the others: shard after shard adds up to "
                             "one dataset, with one index")
    parser.add_argument("--prune", action="store_true",
                        help="remove every other shard from the output folders once this run completes (each is "
                             "named, with its document count, before the run starts)")
    parser.add_argument("--text-key", metavar="KEY", default=None,
                        help="the field of a JSON or Parquet record that holds the text (default: text; "
                             "dots name a nested field, e.g. content.body)")
    parser.add_argument("--id-key", metavar="KEY", default=None, help="the field that holds the id (default: id)")
    parser.add_argument("--url-key", metavar="KEY", default=None,
                        help="the field that holds the URL (default: url, else metadata.url)")
    parser.add_argument("--follow-symlinks", action="store_true",
                        help="read links in RAW_DIR to files outside it (by default such a link is a failed "
                             "document, ingest.outside_input, and is not read)")
    parser.add_argument("--repair-spun", action="store_true",
                        help="replace the tortured phrases of the lexicons in [spun] repair_lexicons with "
                             "the phrase they most likely replaced (default: flag them only; no built-in lexicon "
                             "is there, none repairs at the 95%% precision this needs: docs/stages.md)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where documents are processed: worker processes on this machine (local, the "
                             "default) or a Dask cluster (dask: --scheduler's, else a LocalCluster started for "
                             "the run). Outputs are byte-identical either way")
    parser.add_argument("--workers", metavar="N", type=_positive, default=None,
                        help="worker processes (default: every core, fewer for a small corpus; 1 runs in this "
                             "process); with --executor dask, the LocalCluster's workers")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    parser.add_argument("--force", action="store_true",
                        help="clean every document again; by default a document the previous run into --reports "
                             "cleaned from the same bytes, with the same code and config, is rebuilt from its "
                             "signals row")
    parser.add_argument("--max-failed-ratio", metavar="R", type=float, default=None,
                        help=f"exit with status {EXIT_TOO_MANY_FAILED} when more than this share of the documents "
                             "failed (the outputs are written all the same)")
    parser.add_argument("--strict", action="store_const", const=0.0, dest="max_failed_ratio",
                        help=f"exit with status {EXIT_TOO_MANY_FAILED} when any document failed")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, summary or warnings (errors only)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say more of what the run does")
    parser.add_argument("--log-file", metavar="FILE", type=Path, default=None,
                        help="also write the warnings (and, with -v, the rest) to FILE")
    parser.add_argument("--version", action="version", version=f"clean-corpus {__version__}")
    return parser


def _shard(text: str) -> str:
    try:
        return checked_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def config_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clean-corpus config",
        description="Print the config a run would use, as TOML: the defaults (every stage's section "
                    "included), with --config FILE and --set laid over them.")
    parser.add_argument("--default", action="store_true", help="the defaults alone (the same as no option)")
    parser.add_argument("--config", metavar="FILE", type=Path, default=None, help="TOML file overriding the defaults")
    parser.add_argument("--preset", choices=presets(), default=None, help="a shipped config, before --config")
    parser.add_argument("--set", metavar="SECTION.KEY=VALUE", action="append", default=[], dest="overrides",
                        help="override one key (repeatable); the value in TOML, e.g. decide.filters='[\"c4\"]'")
    return parser


def config_command(argv: list[str]) -> int:
    args = config_parser().parse_args(argv)
    try:
        config = default_config() if args.default else load_config(args.config, args.overrides, preset=args.preset)
    except ConfigError as exc:
        print(f"clean-corpus: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(dump_config(config))
    return EXIT_OK


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clean-corpus serve",
        description="Serve a reports folder on 127.0.0.1, read-only: its files, and the report page of every "
                    "document of its shards, written or not (a page the run did not write, past [reports] pages, "
                    "is rendered on request from what the run stored: the manifest, the signals row and the "
                    "normalized text; a written page is served as written). In the index, every document "
                    "links to its page.")
    parser.add_argument("reports_dir", metavar="REPORTS_DIR", type=Path, help="a reports folder a run wrote")
    parser.add_argument("--port", metavar="N", type=int, default=8000, help="the port (default: 8000; 0: any free one)")
    return parser


def serve_command(argv: list[str]) -> int:
    from pipeline.reports.serve import server

    args = serve_parser().parse_args(argv)
    try:
        httpd = server(args.reports_dir, args.port)
    except (FileNotFoundError, OSError) as exc:
        print(f"clean-corpus: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    host, port = httpd.server_address[:2]
    print(f"clean-corpus: serving {args.reports_dir} at http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        httpd.server_close()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["config"]:
        return config_command(argv[1:])
    if argv[:1] == ["serve"]:
        return serve_command(argv[1:])
    args = build_parser().parse_args(argv)
    _log_to(args)
    try:
        config = load_config(args.config, args.overrides, preset=args.preset)
        if args.languagetool_url:
            config["grammar"]["languagetool_url"] = args.languagetool_url
        if args.follow_symlinks:
            config["ingest"]["follow_symlinks"] = True
        for key in ("text_key", "id_key", "url_key"):
            if getattr(args, key) is not None:
                config["ingest"][key] = getattr(args, key)
        if args.repair_spun:
            config["spun"]["repair"] = True
        if args.languagetool_path:
            config["grammar"]["languagetool_path"] = str(args.languagetool_path)
        summary = run(args.raw_dir, args.cleaned, args.reports, config, quiet=args.quiet,
                      executor=args.executor, workers=args.workers, scheduler=args.scheduler, force=args.force,
                      shard=args.shard, prune=args.prune)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"clean-corpus: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputsBusy as exc:
        print(f"clean-corpus: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkerLost as exc:
        print(f"clean-corpus: {exc}; the run stopped (no output was half-written)", file=sys.stderr)
        return EXIT_NOTHING_PROCESSED
    except NothingProcessed as exc:
        print(f"clean-corpus: {exc}", file=sys.stderr)
        return EXIT_NOTHING_PROCESSED
    except OSError as exc:  # an output folder that cannot be written: read-only, full, a file
        print(f"clean-corpus: error: cannot write the outputs: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("clean-corpus: interrupted; every output written is whole, and the next run cleans again "
              "what this one did not finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        c = summary.counts
        print(
            f"clean-corpus: {summary.total} documents: {c['kept']} kept, {c['dropped']} dropped, "
            f"{c['failed']} failed ({summary.reused} unchanged since the last run)"
            f"{f', {summary.skipped} files skipped (the manifest says why)' if summary.skipped else ''} "
            f"in {summary.seconds:.1f}s "
            f"-> {args.cleaned}/ and {args.reports}/ (shard {summary.shard!r}"
            f"{f' of {summary.shards}' if summary.shards > 1 else ''})",
            file=sys.stderr,
        )
    failed = summary.counts["failed"] / summary.total
    if args.max_failed_ratio is not None and failed > args.max_failed_ratio:
        print(f"clean-corpus: {summary.counts['failed']} of {summary.total} documents failed ({failed:.1%}), more "
              f"than --max-failed-ratio {args.max_failed_ratio:g} allows; see {args.reports}/signals/",
              file=sys.stderr)
        return EXIT_TOO_MANY_FAILED
    return EXIT_OK


def _log_to(args: argparse.Namespace) -> None:
    """Warnings (once each: workers leave them to this process) to stderr and --log-file; -q keeps
    errors only, -v adds what the run does. The level is the handlers' too: a library that sets
    its own loggers' level (distributed logs its scheduler's and nannies' start-up at INFO) is heard
    only at the run's level, and from warnings up."""
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if args.log_file is not None:
        handlers.append(logging.FileHandler(args.log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setLevel(level)
        handler.addFilter(_ours_or_warning)
    logging.basicConfig(level=level, format="clean-corpus: %(message)s", handlers=handlers, force=True)


# Libraries that speak of each HTML page they read (trafilatura: "discarding data: None" for a page
# it finds no article in, up to three times): what came of each page is in its row (`extraction`,
# the ingest reasons), and the workers of a run of several say nothing below an error, so they are
# not shown.
PER_PAGE_LOGGERS = frozenset({"trafilatura", "htmldate", "courlan", "justext", "readability"})


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """What this program says at any level; what a library says from warnings up, but of a page."""
    if record.name == "pipeline" or record.name.startswith("pipeline."):
        return True
    return record.levelno >= logging.WARNING and record.name.partition(".")[0] not in PER_PAGE_LOGGERS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
