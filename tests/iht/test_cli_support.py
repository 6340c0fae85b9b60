"""The command lines' shared boundary: one-line user errors, tracebacks for bugs, thread counts."""

from __future__ import annotations

import argparse
import os

import pytest

from iht import cli
from iht.cli_support import (
    THREAD_VARIABLES,
    TRACEBACK_ENV,
    add_threads_argument,
    available_cores,
    check_output_folder,
    default_threads,
    run_cli,
    set_threads,
    user_input,
)


def _raise(error: Exception) -> int:
    raise error


@pytest.mark.parametrize("error", [ValueError("sparsity must be in [0, 1); got sparsity=2"),
                                   TypeError("k must be an integer; got 'a' (str)")])
def test_errors_inside_user_input_are_one_line(error, capsys):
    def command() -> int:
        with user_input():
            _raise(error)
        return 0

    assert run_cli(command) == 2
    assert capsys.readouterr().err == f"error: {error}\n"


def test_os_errors_name_the_path(tmp_path, capsys):
    def command() -> int:
        with user_input():
            (tmp_path / "absent.json").read_text()
        return 0

    assert run_cli(command) == 2
    assert capsys.readouterr().err == f"error: No such file or directory: {tmp_path / 'absent.json'}\n"


def test_errors_outside_user_input_are_bugs_with_a_traceback(monkeypatch):
    with pytest.raises(ValueError, match="a bug"):
        run_cli(lambda: _raise(ValueError("a bug")))
    monkeypatch.setenv(TRACEBACK_ENV, "1")

    def command() -> int:
        with user_input():
            _raise(ValueError("bad input"))
        return 0

    with pytest.raises(ValueError, match="bad input"):
        run_cli(command)


def test_interrupt_is_one_line(capsys):
    assert run_cli(lambda: _raise(KeyboardInterrupt())) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_output_folder_check(tmp_path):
    check_output_folder(tmp_path)
    check_output_folder(tmp_path / "new")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match=r"out must be a folder; got out='.*file', which is a file"):
        check_output_folder(tmp_path / "file")


def test_threads(monkeypatch):
    for variable in THREAD_VARIABLES:
        monkeypatch.setenv(variable, "1")  # restored after the test
    assert available_cores() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(2 * available_cores()))  # torchrun: more processes than cores
    assert default_threads() == 1
    assert set_threads(1) == 1 and os.environ["OMP_NUM_THREADS"] == "1"
    with pytest.raises(ValueError, match=r"threads must be >= 1; got threads=0"):
        set_threads(0)
    parser = argparse.ArgumentParser()
    add_threads_argument(parser)
    assert parser.parse_args(["--threads", "3"]).threads == 3
    assert parser.parse_args([]).threads is None


@pytest.mark.parametrize(("argv", "message"), [
    (["demo", "--sparsity", "1.5"],
     "error: sparsity must be in [0, 1) (fraction of zeros); got sparsity=1.5"),
    (["demo", "--scale", "0"], "error: scale must be >= 1; got scale=0"),
    (["recovery", "--n-instances", "0"], "error: n_instances must be >= 1; got n_instances=0"),
])
def test_iht_cli_bad_values_are_one_line(argv, message, capsys):
    assert cli.main([*argv, "--threads", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == message + "\n"


def test_iht_verify_into_a_file_is_one_line(tmp_path, capsys):
    file = tmp_path / "file"
    file.write_text("")
    assert cli.main(["verify", "--quick", "--out", str(file), "--threads", "1"]) == 2
    assert capsys.readouterr().err == f"error: out must be a folder; got out='{file}', which is a file\n"
