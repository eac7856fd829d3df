"""The two entry points, the output contracts, determinism and atomicity."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import pipeline
import pipeline.stages.boilerplate_model.model
from pipeline.cli import main
from pipeline.core.config import configured, load_config
from pipeline.io import outputs
from tests.conftest import RAW, REPO, SEEDS, article, read_manifest, run_cli, seed_id

ARTICLE = article("Kept Article")
CAFE = "Café Notes\n\nLe café est très bon, déjà vu à Paris.\n\n" + article("").strip()


def tree_bytes(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.parent.name != "manifests"
    }


def test_console_script_and_module_share_help():
    script = shutil.which("clean-corpus", path=os.path.dirname(sys.executable))
    assert script is not None
    for cmd in ([script, "--help"], [sys.executable, "-m", "pipeline", "--help"]):
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        assert "RAW_DIR" in out and "--cleaned DIR" in out and "--reports DIR" in out and "--config FILE" in out


def test_module_entry_point_runs_the_sample_corpus(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", str(RAW), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "5 documents: 5 kept, 0 dropped, 0 failed" in result.stderr
    assert "-> " in result.stderr and "(shard 'raw')" in result.stderr
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted(
        [f"c/{p.stem}.txt" for p in SEEDS.values()] + ["c/README.md", "c/articles/raw.parquet", "c/documents/raw.jsonl.gz"]
        + [f"r/{p.stem}.html" for p in SEEDS.values()]
        + ["r/index.html", "r/manifests/raw.json", "r/signals/raw.parquet", "r/texts/raw.parquet"]
    )


def test_progress_bar_on_larger_runs_on_a_terminal(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "many.jsonl").write_text("".join(json.dumps({"text": ARTICLE}) + "\n" for _ in range(25)))
    command = [sys.executable, "-m", "pipeline", str(raw), "--cleaned", str(tmp_path / "c"), "--reports",
               str(tmp_path / "r")]
    terminal, stderr = pty.openpty()
    fcntl.ioctl(stderr, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr)
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the other end is closed: all is read
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    assert result.returncode == 0
    assert b"25/25" in shown and b"doc" in shown
    # Not into a pipe or a file: a log would get every redraw.
    piped = subprocess.run(command + ["--force"], capture_output=True, text=True)
    assert "25/25" not in piped.stderr and "\r" not in piped.stderr


def test_articles_contract_and_load_cleaned_round_trip(seed_run):
    frame = pipeline.load_cleaned(seed_run.cleaned)
    assert list(frame.columns) == ["id", "text", "title", "source", "url", "added", "created", "metadata"]
    assert list(frame["id"]) == [seed_id(n) for n in sorted(SEEDS)]
    for _, row in frame.iterrows():
        assert row["text"] + "\n" == seed_run.cleaned_text(row["id"])
        assert row["metadata"]["decision"] == "kept"
        assert row["metadata"]["source_metadata"] == {}
        assert row["metadata"]["signals"]["words_out"] > 0
    jsonl = pd.read_json(seed_run.cleaned / "documents" / "raw.jsonl.gz", lines=True)
    assert list(jsonl["id"]) == list(frame["id"]) and list(jsonl["text"]) == list(frame["text"])
    assert list(jsonl.columns) == ["id", "metadata", "source", "text"]
    assert list(frame["source"]) == [p.name for p in SEEDS.values()]


def test_source_metadata_round_trips(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    meta = {"lang": "en", "crawl": {"date": "2024-01-01", "depth": 2}}
    (raw / "a.jsonl").write_text(json.dumps({"id": "m1", "text": ARTICLE, "url": "https://x.org", "metadata": meta}) + "\n")
    run_cli(raw, tmp_path)
    (row,) = pipeline.load_cleaned(tmp_path / "cleaned").to_dict("records")
    assert row["url"] == "https://x.org"
    assert row["metadata"]["source_metadata"] == meta | {"original_id": "m1"}


def test_signals_has_one_row_per_input_with_every_column(seed_run):
    table = pq.read_table(seed_run.reports / "signals" / "raw.parquet")
    assert table.schema == outputs.Columns(configured(load_config())).signals_schema
    assert table.num_rows == 5


def test_manifest(seed_run):
    manifest = read_manifest(seed_run.reports)
    assert manifest["counts"] == {"total": 5, "kept": 5, "dropped": 0, "failed": 0}
    assert [entry["path"] for entry in manifest["inputs"]] == [p.name for p in SEEDS.values()]
    assert all(len(entry["sha256"]) == 64 for entry in manifest["inputs"])
    assert manifest["config"]["decide"]["min_words"] == 50
    stages = ["segment", "duplicate_title", "boilerplate", "site_lines", "boilerplate_model", "stuffing", "spun",
              "quality", "grammar"]
    assert manifest["stages"] == [*stages, "decide"]
    # Normalizing is a step before the stages (the Document is made of the normalized text).
    assert set(manifest["timings"]["stage_seconds"]) == {"ingest", "site_count", "normalize", *stages}
    # The seeds have no URLs, so no site: the counting pass ran, keyed no document and found nothing.
    assert manifest["site_lines"] == {"counted": True, "documents_keyed": 0, "sites_with_repeated_lines": 0,
                                      "repeated_lines": 0}
    assert manifest["versions"]["spacy"].startswith("3.8")
    builtin = Path(pipeline.stages.boilerplate_model.model.__file__).parent / "boilerplate_lines.npz"
    assert manifest["models"]["boilerplate_model"] == {
        "model": "builtin", "sha256": hashlib.sha256(builtin.read_bytes()).hexdigest()
    }
    assert manifest["models"]["grammar"]["languagetool"].startswith(("ran (", "skipped: "))


def test_rerun_is_byte_identical(tmp_path):
    first = run_cli(RAW, tmp_path / "one")
    again = run_cli(RAW, tmp_path / "one")
    other = run_cli(RAW, tmp_path / "two")
    assert first.exit_code == again.exit_code == other.exit_code == 0
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")
    # 5 articles, 2 article tables, the dataset card; 5 pages, index, signals, texts
    assert len(tree_bytes(tmp_path / "one")) == 16
    # The manifest differs only in its wall-clock timings and in what the re-run reused.
    manifests = [read_manifest(tmp_path / d / "reports") for d in ("one", "two")]
    for manifest in manifests:
        manifest.pop("timings")
    assert [m.pop("incremental") for m in manifests] == [
        {"reused": 5, "cleaned": 0, "why_not_reused": None},
        {"reused": 0, "cleaned": 5, "why_not_reused": "no previous run"},
    ]
    assert manifests[0] == manifests[1]


def test_outputs_of_documents_gone_from_the_input_are_removed(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    run_cli(raw, tmp_path)
    gone = SEEDS["003"].stem
    (raw / SEEDS["003"].name).unlink()
    (tmp_path / "cleaned" / "notes.md").write_text("the user's own file")
    run_cli(raw, tmp_path)
    assert not (tmp_path / "cleaned" / f"{gone}.txt").exists()
    assert not (tmp_path / "reports" / f"{gone}.html").exists()
    assert (tmp_path / "cleaned" / "notes.md").exists()


def test_interrupted_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with outputs.atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with outputs.atomic_open(target) as fh:
            fh.write("new")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    # The path outputs take without a file object: a write that fails leaves the old file alone too,
    # and a first file in a new folder makes the folder.
    with pytest.raises(TypeError):
        outputs.write_bytes(target, "not bytes")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    outputs.write_text(tmp_path / "new" / "folder" / "a.txt", "ü\n")
    assert (tmp_path / "new" / "folder" / "a.txt").read_bytes() == "ü\n".encode()


def test_config_file_overrides_a_threshold(tmp_path):
    config = tmp_path / "strict.toml"
    config.write_text("[decide]\nmin_words = 1000\n")
    run = run_cli(RAW, tmp_path, "--config", str(config))
    assert run.exit_code == 0
    statuses = dict(zip(run.signals["id"], run.signals["status"], strict=True))
    words = dict(zip(run.signals["id"], run.signals["words_out"], strict=True))
    assert statuses == {i: ("kept" if words[i] >= 1000 else "dropped") for i in statuses}
    assert sorted(set(statuses.values())) == ["dropped", "kept"]
    dropped = run.signals[run.signals["status"] == "dropped"]
    assert all(list(r) == ["decide.min_words"] for r in dropped["reasons"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[decide]\nmin_wrds = 3\n", "unknown key decide.min_wrds"),
        ("[nope]\nx = 1\n", "unknown section [nope]"),
        ("[decide]\nmin_words = 'many'\n", "decide.min_words must be int"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_usage_error(tmp_path, capsys, body, message):
    config = tmp_path / "bad.toml"
    config.write_text(body)
    assert run_cli(RAW, tmp_path, "--config", str(config)).exit_code == 2
    assert message in capsys.readouterr().err


def test_makefile_passes_paths_through():
    makefile = (REPO / "Makefile").read_text()
    assert "$(BIN)/clean-corpus $(RAW) --cleaned $(CLEANED) --reports $(REPORTS)" in makefile


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("latin.txt", CAFE.encode("cp1252"), "cp1252"),
        ("wide.txt", CAFE.encode("utf-16"), "utf-16"),
        ("mojibake.txt", CAFE.encode().decode("latin-1").encode(), "utf-8"),
    ],
)
def test_legacy_encodings_and_mojibake_end_to_end(tmp_path, name, data, encoding):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / name).write_bytes(data)
    run = run_cli(raw, tmp_path)
    row = run.row(name[:-4])
    assert (row["status"], row["encoding"]) == ("kept", encoding)
    text = run.cleaned_text(name[:-4])
    assert text.startswith("Café Notes\n\nLe café est très bon, déjà vu à Paris.")


def test_unknown_filter_set_in_config_is_a_usage_error(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('[decide]\nfilters = ["gopher"]\n')
    assert run_cli(RAW, tmp_path, "--config", str(config)).exit_code == 2
    assert "unknown filter set(s) ['gopher']" in capsys.readouterr().err


def test_outputs_get_the_permissions_any_new_file_gets(tmp_path):
    """Not the owner-only mode of a temporary file: a web server must be able to serve the reports."""
    umask = os.umask(0o027)
    try:
        run = run_cli(RAW, tmp_path)
    finally:
        os.umask(umask)
    assert run.exit_code == 0
    assert {p.stat().st_mode & 0o777 for p in tmp_path.rglob("*") if p.is_file()} == {0o640}


def test_config_prints_every_default_as_toml_that_reads_back_the_same(tmp_path, capsys):
    from pipeline.core.config import default_config

    assert main(["config"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith('[pipeline]\nstages = ["segment", "duplicate_title", ')
    assert "[stuffing]\nmodel = \"builtin\"\nmin_instances = 3\n" in printed and '[grammar]\nlanguagetool = "auto"\nlanguagetool_path = "none"\n' in printed
    (tmp_path / "printed.toml").write_text(printed, encoding="utf-8")
    assert load_config(tmp_path / "printed.toml") == default_config()


def test_set_overrides_a_key_without_a_file(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(article(), encoding="utf-8")
    run = run_cli(raw, tmp_path, "--set", "decide.min_words=5000", "--set", "decide.filters=[]")
    assert run.exit_code == 0
    config = read_manifest(run.reports)["config"]
    assert (config["decide"]["min_words"], config["decide"]["filters"]) == (5000, [])
    assert list(run.row("a")["reasons"]) == ["decide.min_words"]
    assert main(["config", "--set", "decide.min_words"]) == 2
    assert capsys.readouterr().err == (
        "clean-corpus: error: --set 'decide.min_words': give SECTION.KEY=VALUE, such as decide.min_words=100\n")


@pytest.fixture(scope="module")
def forty(tmp_path_factory):
    """Forty articles and one binary file: enough for two worker processes and one failure."""
    raw = tmp_path_factory.mktemp("forty") / "raw"
    raw.mkdir()
    for n in range(40):
        (raw / f"a{n:02d}.txt").write_text(article(f"Notes {n}"), encoding="utf-8")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return raw


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO, capture_output=True, text=True,
                          **kwargs)


def test_a_warning_is_said_once_whatever_the_workers_and_quiet_is_quiet(forty, tmp_path):
    done = cli(str(forty), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"), "--workers", "2",
               "--log-file", str(tmp_path / "run.log"))
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    # No LanguageTool here: each of the two workers met that, the run says it once. No progress bar
    # either: stderr is no terminal.
    assert [line for line in lines if "grammar stage skipped" in line] == [lines[0]]
    assert lines[1].startswith("clean-corpus: 41 documents: 40 kept, 0 dropped, 1 failed") and len(lines) == 2
    assert (tmp_path / "run.log").read_text("utf-8") == lines[0] + "\n"
    quiet = cli(str(forty), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"), "-q")
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_failed_documents_can_fail_the_run(forty, tmp_path, capsys):
    args = [str(forty), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"), "-q"]
    assert main([*args, "--max-failed-ratio", "0.05"]) == 0
    assert main([*args, "--strict"]) == 3
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"clean-corpus: 1 of 41 documents failed (2.4%), more than --max-failed-ratio 0 allows; "
        f"see {tmp_path / 'r'}/signals/")


def test_an_unreachable_scheduler_is_one_line(forty, tmp_path, capsys):
    code = main([str(forty), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"), "-q",
                 "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert (code, capsys.readouterr().err) == (2, "clean-corpus: error: no Dask scheduler answers at "
                                                  "tcp://127.0.0.1:9 (OSError)\n")


def test_ctrl_c_ends_with_one_line(forty, tmp_path):
    import signal
    import time

    # The run gets Ctrl-C's default handling even where the tests run in the background (a shell starts a
    # background job with SIGINT ignored, and Python then installs no KeyboardInterrupt for it).
    run = subprocess.Popen([sys.executable, "-m", "pipeline", str(forty), "--cleaned", str(tmp_path / "c"),
                            "--reports", str(tmp_path / "r"), "--workers", "2"], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while not list((tmp_path / "r").glob("a*.html")):
        assert run.poll() is None
        time.sleep(0.01)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    if run.returncode == 0:
        pytest.skip("the run finished before the interrupt reached it")
    assert run.returncode == 130
    assert stderr.splitlines()[-1] == ("clean-corpus: interrupted; every output written is whole, and the next "
                                       "run cleans again what this one did not finish")
    assert not list((tmp_path / "r").glob("manifests/*.json"))


def test_annotations_point_into_the_stored_normalized_text(seed_run):
    """A program can check the reason for every removed character without the HTML."""
    from pipeline.core.document import Annotation, Document
    from pipeline.core.render import cleaned_text

    frame = pipeline.load_annotations(seed_run.reports)
    assert list(frame.columns) == ["id", "status", "reasons", "text", "annotations"]
    assert list(frame["id"]) == [seed_id(n) for n in sorted(SEEDS)]
    for row in frame.itertuples():
        doc = Document(id=row.id, text=row.text, source="", annotations=[Annotation.from_dict(a) for a in row.annotations])
        assert all(0 <= a.start <= a.end <= len(row.text) for a in doc.annotations)
        assert cleaned_text(doc) + "\n" == seed_run.cleaned_text(row.id)
    removed = frame.set_index("id").loc[seed_id("004"), "annotations"]
    assert {a["category"] for a in removed} == {"boilerplate", "stuffing", "spun"}


def test_field_names_from_the_command_line(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.ndjson").write_text(json.dumps({"body": ARTICLE, "key": "k1", "page": {"link": "https://ex.org/k"}}) + "\n")
    run = run_cli(raw, tmp_path, "--text-key", "body", "--id-key", "key", "--url-key", "page.link")
    assert run.exit_code == 0
    (row,) = pipeline.load_cleaned(run.cleaned).to_dict("records")
    assert (row["id"], row["url"]) == ("k1", "https://ex.org/k")
    assert row["metadata"]["source_metadata"] == {"original_id": "k1", "page": {"link": "https://ex.org/k"}}
    assert run.manifest["config"]["ingest"]["text_key"] == "body"


CODE_BLOCK = ("    def check(x):\n        if not x:\n            raise ValueError(x)\n\n"
              "        # Returns {'x': x} when x is set.\n        return {'x':  x}")


def test_a_documentation_page_keeps_its_code_and_c4_drops_it_only_when_it_decides(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    body = article("Checking Values In Python").split("\n\n")
    (raw / "guide.txt").write_text("\n\n".join([*body[:3], "Write the check like this:", CODE_BLOCK, *body[3:]]))
    default = run_cli(raw, tmp_path / "default")
    assert default.row("guide")["status"] == "kept"
    assert f"Write the check like this:\n\n{CODE_BLOCK}\n\n" in default.cleaned_text("guide")
    pretraining = run_cli(raw, tmp_path / "pretraining", "--preset", "pretraining")
    assert pretraining.row("guide")["reasons"].tolist() == ["c4.curly_bracket"]
    code_allowed = run_cli(raw, tmp_path / "code", "--preset", "pretraining", "--set", "c4.filter_curly_bracket=false")
    assert code_allowed.row("guide")["status"] == "kept"
    assert run_cli(raw, tmp_path / "docs", "--preset", "docs").manifest["config"]["c4"]["filter_curly_bracket"] is False


def test_a_preset_goes_under_the_config_file_and_set(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text("[c4]\nfilter_curly_bracket = true\nmin_num_sentences = 3\n")
    assert main(["config", "--preset", "docs"]) == 0
    assert "filter_curly_bracket = false" in capsys.readouterr().out
    assert main(["config", "--preset", "docs", "--config", str(mine), "--set", "c4.min_num_sentences=4"]) == 0
    printed = capsys.readouterr().out
    assert "filter_curly_bracket = true" in printed and "min_num_sentences = 4" in printed


def test_a_library_s_words_on_each_html_page_stay_off_the_terminal(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    # trafilatura finds no article here and says so ("discarding data: None"), three times a page
    (raw / "scripts.html").write_text("<html><body><script>document.write(1)</script></body></html>",
                                      encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", str(raw), "--cleaned", str(tmp_path / "c"), "--reports",
         str(tmp_path / "r"), "--workers", "1"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "1 documents: 0 kept, 1 dropped, 0 failed" in result.stderr
    assert "discarding data" not in result.stderr
    # what came of the page is in its row
    row = pd.read_parquet(tmp_path / "r" / "signals" / "raw.parquet").iloc[0]
    assert (row["reasons"].tolist(), row["error"]) == (
        ["ingest.no_content"], "no text: trafilatura found none and the page shows none")
