"""Command line, presets and overrides of :mod:`paper_experiments`: bad input gives named errors."""

import pytest

from iht.cli_support import parse_key_value
from paper_experiments import cli
from paper_experiments.common import fashion_mnist_missing
from paper_experiments.registry import EXPERIMENTS, get_experiment, resolve


def test_list_names_every_experiment(capsys):
    assert cli.main(["list"]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in EXPERIMENTS)


def test_run_help_lists_the_experiments(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    assert f"one of {', '.join(EXPERIMENTS)}, or 'all'" in capsys.readouterr().out


def test_unknown_experiment_is_named():
    with pytest.raises(ValueError, match=r"experiment must be one of \[.*'table1'.*\]; "
                                         r"got experiment='tabel1'"):
        get_experiment("tabel1")


def test_unknown_config_key_is_named():
    with pytest.raises(ValueError, match=r"unknown config key\(s\) \['epoch'\] for experiment 'figure1'; "
                                         r"allowed: \[.*'epochs'.*\]"):
        resolve("figure1", "quick", overrides={"epoch": 3})


def test_unknown_preset_is_named():
    with pytest.raises(ValueError, match=r"preset must be one of \['full', 'quick'\]; got preset='medium'"):
        resolve("theory", "medium")


def test_bad_config_value_is_named():
    with pytest.raises(ValueError, match=r"seed must be"):
        resolve("theory", "quick", seed=-1)
    with pytest.raises(ValueError,
                       match=r"methods must be names from \[.*\]; got unknown name\(s\) \['sgd'\]"):
        resolve("table1", "quick", overrides={"methods": ["acdc", "sgd"]})
    with pytest.raises(ValueError, match=r"level must be one of \['char', 'word'\]; got level='byte'"):
        resolve("table4", "quick", overrides={"level": "byte"})
    with pytest.raises(ValueError, match=r"seeds must be >= 1; got seeds=0"):
        resolve("agreement", "quick", overrides={"seeds": 0})
    with pytest.raises(ValueError, match=r"sparsities must be in \[0, 1\) \(fraction of zeros\); "
                                         r"got sparsities=1.0"):
        resolve("figure2b", "quick", overrides={"sparsities": (0.9, 1.0)})


def test_overrides_and_seed_apply():
    config = resolve("table4", "quick", seed=3, overrides={"sparsities": [0.8, 0.9]})[1]
    assert config.seed == 3 and config.sparsities == (0.8, 0.9)


def test_override_parsing():
    assert parse_key_value("sparsities=(0.8, 0.9)", "epochs=30") == ("sparsities", (0.8, 0.9))
    assert parse_key_value("level=word", "epochs=30") == ("level", "word")
    with pytest.raises(ValueError, match=r"--set must be KEY=VALUE \(e.g. epochs=30\); got 'epochs'"):
        parse_key_value("epochs", "epochs=30")


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "nope", "--quick"], "experiment must be one of"),
    (["run", "theory", "--quick", "--set", "bogus=1"], "unknown config key(s) ['bogus']"),
    (["run", "figure2b", "--quick", "--set", "sparsities=(0.9, 1.0)"],
     "sparsities must be in [0, 1) (fraction of zeros); got sparsities=1.0"),
    (["run", "theory", "--quick", "--set", "epochs"], "--set must be KEY=VALUE (e.g. epochs=30)"),
    (["run", "figure1", "--quick", "--set", "epochs=-1"], "epochs must be >= 1; got epochs=-1"),
    (["run", "table1", "--quick", "--set", "lr=0"], "lr must be finite and > 0.0; got lr=0"),
    (["run", "table1-mlp", "--quick", "--set", "jobs=0"], "jobs must be >= 1; got jobs=0"),
    (["run", "table1-resnet", "--quick", "--set", "model=vgg"], "model must be one of ['mlp', 'mlp-bn', "
                                                                "'resnet20']; got model='vgg'"),
])
def test_cli_reports_bad_input_in_one_line(argv, message, capsys):
    """Issue 17: a bad --set value was a 20-line traceback; now one line and status 2, nothing run."""
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("error: ") and message in captured.err


def test_output_folder_that_is_a_file(tmp_path, capsys):
    file = tmp_path / "file"
    file.write_text("")
    assert cli.main(["run", "theory", "--quick", "--out", str(file)]) == 2
    assert capsys.readouterr().err == f"error: out must be a folder; got out='{file}', which is a file\n"


def test_set_with_all_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "all", "--quick", "--set", "seed=1"])
    assert exit_info.value.code == 2
    assert "--set applies to one experiment" in capsys.readouterr().err


def test_cli_runs_an_experiment(tmp_path, capsys):
    assert cli.main(["run", "theory", "--quick", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert "## theory (quick" in capsys.readouterr().out
    assert (tmp_path / "results.csv").is_file()


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path):
    assert "apt-get install -y dataset-fashion-mnist" in fashion_mnist_missing(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"experiment 'figure1' needs Fashion-MNIST: .*train-images"):
        resolve("figure1", "quick", overrides={"data_root": str(tmp_path)})
