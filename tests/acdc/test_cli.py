"""The command line and the configuration: end-to-end run, re-runs, one-line errors, help, progress."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import torch

from acdc import checkpoint, cli
from acdc.cli import main
from acdc.config import TrainConfig
from acdc.masks import prunable_weights
from acdc.methods import CONTROLLERS, build_controller
from acdc.models import build_classifier
from acdc.trainer import Trainer, epoch_line, format_seconds
from iht.cli_support import THREAD_VARIABLES, TRACEBACK_ENV


@pytest.fixture(autouse=True)
def restore_threads(monkeypatch):
    """The commands set torch's and the environment's thread counts: restore them after each test."""
    for variable in THREAD_VARIABLES:
        monkeypatch.setenv(variable, os.environ.get(variable, "1"))
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


TINY = ["--data", "synthetic", "--image-size", "8", "--width", "2", "--subset", "32", "--val-subset", "16",
        "--batch-size", "16", "--schedule", "dense:1,compressed:1", "--epochs", "2", "--threads", "1"]


def test_train_command_writes_metrics_plot_and_config(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"sparsity": 0.7, "projection": "layerwise", "exclude": ["conv1"]}))
    assert main(["train", *TINY, "--config", str(config), "--seed", "3", "--out", str(tmp_path / "run"),
                 "--quiet"]) == 0
    assert '"final_sparse"' in capsys.readouterr().out
    info = json.loads((tmp_path / "run" / "config.json").read_text())
    assert info["config"]["projection"] == "layerwise" and info["config"]["exclude"] == ["conv1"]
    assert info["seed"] == 3
    for name in ("metrics.csv", "sparsity_accuracy.png", "final_sparse.pt", "last_dense.pt"):
        assert (tmp_path / "run" / name).is_file()
    # every file the trainer wrote is one that --overwrite knows to delete
    assert {p.name for p in (tmp_path / "run").iterdir()} <= set(cli.RUN_FILES)
    # a run's own config.json starts a variant of it: its values, then the flags
    assert main(["train", "--config", str(tmp_path / "run" / "config.json"), "--sparsity", "0.5",
                 "--out", str(tmp_path / "variant"), "--quiet"]) == 0
    variant = json.loads((tmp_path / "variant" / "config.json").read_text())["config"]
    assert variant == {**info["config"], "sparsity": 0.5, "out": str(tmp_path / "variant")}


def test_keep_dense_and_exclude_globs_keep_those_layers_dense_in_the_saved_model(tmp_path):
    """Issue 20: ``--keep-dense first last`` (conv1, fc) and ``--exclude 'layer1.*'`` through the command
    line; the saved model has no zero in those layers and 80% zeros over the others."""
    out = tmp_path / "run"
    assert main(["train", *TINY, "--sparsity", "0.8", "--keep-dense", "first", "last", "--exclude",
                 "layer1.*", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["config"]["keep_dense"] == ["first", "last"]
    state = checkpoint.load(out / "final_sparse.pt")["state_dict"]
    weights = {name: w for name, w in state.items() if name.endswith("weight") and w.ndim >= 2}
    dense = {name for name in weights if name in ("conv1.weight", "fc.weight") or name.startswith("layer1.")}
    assert len(dense) == 8 and all(bool(weights[name].ne(0).all()) for name in dense)
    pruned = [w for name, w in weights.items() if name not in dense]
    zeros = sum(int((w == 0).sum()) for w in pruned) / sum(w.numel() for w in pruned)
    assert zeros == pytest.approx(0.8, abs=0.01)


@pytest.mark.parametrize("method", sorted(CONTROLLERS))
def test_every_method_keeps_the_configured_layers_dense(method):
    config = TrainConfig(method=method, keep_dense=["first", "heads"], exclude="layer1", epochs=20)
    model = build_classifier("resnet20", 10, (1, 8, 8), 2)
    controller = build_controller(config, model, torch.optim.SGD(model.parameters(), lr=0.1), 4)
    every = list(prunable_weights(model))
    assert list(controller.masks.weights) == [n for n in every[1:-1] if not n.startswith("layer1.")]


def one_error_line(capsys) -> str:
    """The one line a rejected command printed (nothing on stdout)."""
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


@pytest.mark.parametrize(("argv", "message"), [
    (["--epochs", "3"], "epochs must be >= 20 for schedule='paper' (--schedule paper: its 16 phases need "
                        "one epoch each); got epochs=3; give more epochs or phase lengths, e.g. --schedule "
                        "dense:2,compressed:1"),
    (["--sparsity", "1.5"], "sparsity must be in [0, 1) (fraction of zeros); got sparsity=1.5"),
    (["--method", "snip"], "method must be one of ['acdc', 'dense', 'gmp', 'rigl', 'static']; "
                           "got method='snip'"),
    (["--data", "synthetic", "--schedule", "dense:1,compressed:1", "--epochs", "3"],
     "epochs must equal the schedule's 2 epochs for schedule='dense:1,compressed:1'; got epochs=3"),
    (["--data-root", "/nonexistent"], "/nonexistent"),
    (["--keep-dense", "first", "middle"], "keep_dense must be names from ['first', 'heads', 'last']; got "
                                          "unknown name(s) ['middle'] in keep_dense=['first', 'middle']"),
])
def test_bad_values_give_one_line_and_status_2(tmp_path, capsys, argv, message):
    assert main(["train", *argv, "--out", str(tmp_path / "run")]) == 2
    assert message in one_error_line(capsys)
    assert not (tmp_path / "run").exists()


def test_nm_projection_fails_before_the_first_step_naming_exclude(tmp_path, capsys):
    """Issue 17: N:M on a one-channel first convolution used to fail after a whole dense epoch."""
    out, nm = tmp_path / "run", [*TINY, "--width", "4", "--projection", "nm", "--sparsity", "0.5"]
    assert main(["train", *nm, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert "projection='nm' does not fit 1 of the 22 prunable layers (conv1.weight: " in line
    assert line.endswith("keep them dense with --exclude conv1 (exclude=['conv1'])")
    assert not (out / "checkpoint.pt").exists() and not (out / "metrics.csv").exists()
    # the suggested flag runs
    assert main(["train", *nm, "--exclude", "conv1", "--out", str(out), "--quiet"]) == 0


def test_output_folders(tmp_path, capsys):
    file = tmp_path / "file"
    file.write_text("")
    assert main(["train", *TINY, "--out", str(file)]) == 2
    assert one_error_line(capsys) == f"error: out must be a folder; got out='{file}', which is a file"
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["train", *TINY, "--out", str(out)]) == 2
    assert one_error_line(capsys) == (f"error: {out} holds a run (its checkpoint): pass --resume to continue "
                                      f"it, --overwrite to replace it, or another --out")
    (out / "notes.txt").write_text("mine")
    assert main(["train", *TINY, "--out", str(out), "--overwrite", "--quiet", "--seed", "1"]) == 0
    assert json.loads((out / "config.json").read_text())["seed"] == 1
    assert (out / "notes.txt").read_text() == "mine"  # only the run's own files are replaced
    assert main(["train", *TINY, "--out", str(out), "--resume", "--quiet", "--seed", "1"]) == 0  # finished


def test_missing_and_corrupt_inputs_give_one_line(tmp_path, capsys):
    assert main(["train", "--config", str(tmp_path / "absent.json")]) == 2
    assert one_error_line(capsys) == f"error: No such file or directory: {tmp_path / 'absent.json'}"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"sparsty": 0.9}))
    assert main(["train", "--config", str(bad)]) == 2
    assert re.fullmatch(r"error: config keys must be names from \[.*'sparsity'.*\]; "
                        r"got unknown name\(s\) \['sparsty'\] in config keys=\['sparsty'\]",
                        one_error_line(capsys))
    assert main(["train", *TINY, "--out", str(tmp_path / "none"), "--resume"]) == 2
    missing = tmp_path / "none" / "checkpoint.pt"
    assert one_error_line(capsys) == f"error: cannot resume: no checkpoint at {missing}"
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "checkpoint.pt").write_bytes(b"not a checkpoint")
    assert main(["train", *TINY, "--out", str(corrupt), "--resume"]) == 2
    assert str(corrupt / "checkpoint.pt") in one_error_line(capsys)


def test_traceback_for_bugs_and_on_request(tmp_path, monkeypatch, capsys):
    def broken(self, until=None):
        raise ValueError("a bug inside training")

    monkeypatch.setattr(Trainer, "fit", broken)
    with pytest.raises(ValueError, match="a bug inside training"):  # raised after validation: a traceback
        main(["train", *TINY, "--out", str(tmp_path / "run")])
    monkeypatch.setenv(TRACEBACK_ENV, "1")
    with pytest.raises(ValueError, match=r"sparsity must be in \[0, 1\)"):
        main(["train", "--sparsity", "1.5"])


def test_unknown_flags_are_named(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--sparsty", "0.9"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --sparsty" in capsys.readouterr().err


def test_help_lists_allowed_values_and_flags_are_typed(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # no line breaks inside names
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for allowed in ("one of acdc, dense, gmp, rigl, static", "one of mlp, mlp-bn, resnet20",
                    "one of cifar10, cifar100, digits, fashion-mnist, mnist1d, synthetic",
                    "one of erk, global, layerwise, nm", "one of adamw, sgd", "one of auto, cpu, cuda",
                    "paper (the paper's recipe scaled to --epochs >= 20) | lm (48 epochs) | phase:epochs",
                    "a fraction of zeros in [0, 1) (default: 0.9)", "an integer >= 1 (default: None)",
                    "a number > 0 (default: 0.1)", "any of first, heads, last (default: ())"):
        assert allowed in text
    train = cli.build_parser()._subparsers._group_actions[0].choices["train"]
    kinds = {action.dest: action.type for action in train._actions}
    assert kinds["subset"] is int and kinds["sparsity"] is float and kinds["threads"] is int
    assert cli._value_type(float | None) is float and cli._value_type(str) is str


def test_demo_reruns_into_the_same_folder_and_reports_progress(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "DEMO", {**cli.DEMO, "subset": 32, "val_subset": 16, "width": 2,
                                      "schedule": "dense:2,compressed:1", "epochs": 3})
    out = str(tmp_path / "demo")
    assert main(["demo", "--out", out]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "acdc resnet20 on synthetic: epochs 1-3 of 3, cpu, 1 CPU thread(s)"
    assert len(err) == 4 and err[-1].startswith("epoch 3/3 compressed lr ")
    assert main(["demo", "--out", out, "--quiet", "--threads", "2"]) == 0  # re-run: replaced, not refused
    assert capsys.readouterr().err == ""
    assert json.loads((tmp_path / "demo" / "config.json").read_text())["config"]["threads"] == 2


def test_epoch_line():
    row = {"epoch": 4, "phase": "compressed", "lr": 0.05, "train_loss": 1.23456, "train_acc": 0.5,
           "val_loss": 2.0, "val_acc": 0.25, "sparsity": 0.9}
    assert epoch_line(row, 30, 65.0, 3725.0) == (
        "epoch 5/30 compressed lr 0.05 | train loss 1.2346 acc 50.0% | val loss 2.0000 acc 25.0% | "
        "sparsity 90.0% | 1:05 elapsed, ETA 1:02:05")
    assert format_seconds(59.6) == "1:00"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sparsity": 1.0}, r"sparsity must be in \[0, 1\) \(fraction of zeros\); got sparsity=1\.0"),
        ({"projection": "magnitude"}, r"projection must be one of \['erk', 'global', 'layerwise', 'nm'\]"),
        ({"projection": "nm", "sparsity": 0.9},
         r"sparsity must be one of 0, 0\.25, 0\.5, 0\.75 for N:4 \(N = 4·\(1 − sparsity\) kept in every 4\); "
         r"got sparsity=0\.9"),
        ({"method": "snip"}, r"method must be one of \['acdc', 'dense', 'gmp', 'rigl', 'static'\]; "
                             r"got method='snip'"),
        ({"device": "tpu"}, r"device must be one of \['auto', 'cpu', 'cuda'\]; got device='tpu'"),
        ({"lr": 0}, r"lr must be finite and > 0.0; got lr=0"),
        ({"subset": 0}, r"subset must be >= 1; got subset=0"),
        ({"gmp_end_fraction": 0.05}, r"gmp_end_fraction must be finite and > 0.1 and <= 1.0"),
        ({"epochs": 10}, r"epochs must be >= 20 for schedule='paper'"),
        ({"schedule": "dense:5,compressed:5", "epochs": 8}, r"epochs must equal the schedule's 10 epochs"),
    ],
)
def test_invalid_config_values_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**values)


def test_name_lists_take_one_name_or_several_and_refuse_other_types():
    config = TrainConfig(exclude="conv1", keep_dense="last")   # one name, not its letters
    assert config.exclude == ("conv1",) and config.keep_dense == ("last",)
    assert config.to_dict()["exclude"] == ["conv1"]
    with pytest.raises(TypeError, match=r"^exclude must be a list of names \(str\); got exclude=3$"):
        TrainConfig(exclude=3)
    with pytest.raises(TypeError, match=r"^keep_dense must be a list of names \(str\); got keep_dense=\(1,"):
        TrainConfig(keep_dense=[1])


def test_paper_schedule_runs_from_its_minimum():
    assert TrainConfig(epochs=20).build_schedule().epochs == 20


def test_without_torch_iht_works_and_acdc_says_how_to_install(tmp_path):
    """Packaging: `pip install .` gives the numpy-only iht; acdc needs the `torch` extra."""
    script = tmp_path / "no_torch.py"
    script.write_text(
        "import sys\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "from iht import cli\n"
        "assert cli.main(['demo', '--threads', '1', '--sparsity', '2']) == 2\n"
        "try:\n"
        "    import acdc\n"
        "except ModuleNotFoundError as error:\n"
        "    print(error)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert done.stdout == ("acdc needs torch, which is not installed: pip install 'acdc-iht[torch]' (in a "
                           "clone, ./dev setup installs the pinned CPU build)\n")
    assert done.stderr == "error: sparsity must be in [0, 1) (fraction of zeros); got sparsity=2.0\n"
