"""A config value or an output folder that points at the wrong thing is one line and exit 2, not a
traceback, a hang or an out-of-memory kill (issue 26, D16)."""

from __future__ import annotations

import os

import pytest

from pipeline.cli import main
from tests.reliability.test_hostile_records import raw_dir


def run(tmp_path, capsys, *extra: str) -> tuple[int, str]:
    raw = raw_dir(tmp_path) if not (tmp_path / "raw").exists() else tmp_path / "raw"
    code = main([str(raw), "--cleaned", str(tmp_path / "c"), "--reports", str(tmp_path / "r"), "-q", *extra])
    return code, capsys.readouterr().err


def config(tmp_path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_folder_or_a_fifo_given_as_the_config_file(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for name in ("folder", "fifo"):
        code, err = run(tmp_path, capsys, "--config", str(tmp_path / name))
        assert (code, err) == (2, f"clean-corpus: error: config file {tmp_path / name}: not a regular file "
                                  "(a folder, a FIFO or a device)\n")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("section", "key", "value", "why"), [
    ("spun", "lexicons", '["/dev/zero"]', "spun lexicon /dev/zero: not a regular file (a folder, a FIFO or a device)"),
    ("boilerplate", "lexicon", '"{tmp}"', "boilerplate lexicon {tmp}: not a regular file (a folder, a FIFO or a device)"),
    ("boilerplate_model", "model", '"{tmp}/none.npz"', "line model {tmp}/none.npz: no such file"),
    ("spun", "model", '"{tmp}"', "spun-text model {tmp}: not a regular file (a folder, a FIFO or a device)"),
    ("boilerplate", "lexicon", '"{tmp}/latin1.csv"', "boilerplate lexicon {tmp}/latin1.csv: not UTF-8 text (byte 3)"),
])
def test_a_file_a_stage_reads_that_is_no_such_file(tmp_path, capsys, section, key, value, why):
    (tmp_path / "latin1.csv").write_bytes(b"caf\xe9")
    code, err = run(tmp_path, capsys, "--config", config(tmp_path, f"[{section}]\n{key} = {value.format(tmp=tmp_path)}\n"))
    assert (code, err) == (2, f"clean-corpus: error: {why.format(tmp=tmp_path)}\n")


def test_none_for_a_key_that_has_no_off(tmp_path, capsys):
    path = config(tmp_path, '[stuffing]\nmin_instances = "none"\n')
    code, err = run(tmp_path, capsys, "--config", path)
    assert (code, err) == (2, f'clean-corpus: error: {path}: stuffing.min_instances cannot be "none" (it has no off)\n')


def test_an_output_folder_that_is_a_file(tmp_path, capsys):
    (tmp_path / "r").write_text("a file, not a folder", encoding="utf-8")
    code, err = run(tmp_path, capsys)
    assert code == 2
    assert err.startswith("clean-corpus: error: cannot write the outputs: [Errno 17] File exists: ")
    assert err.count("\n") == 1
