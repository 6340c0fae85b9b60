"""The command line and the configuration: end-to-end run and named errors."""

from __future__ import annotations

import json

import pytest

from acdc.cli import main
from acdc.config import TrainConfig

TINY = ["--data", "synthetic", "--image-size", "8", "--width", "2", "--subset", "32", "--val-subset", "16",
        "--batch-size", "16", "--schedule", "dense:1,compressed:1", "--epochs", "2", "--threads", "1"]


def test_train_command_writes_metrics_plot_and_config(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"sparsity": 0.7, "projection": "layerwise", "exclude": ["conv1"]}))
    assert main(["train", *TINY, "--config", str(config), "--seed", "3", "--out", str(tmp_path / "run"),
                 "--no-progress"]) == 0
    assert '"final_sparse"' in capsys.readouterr().out
    info = json.loads((tmp_path / "run" / "config.json").read_text())
    assert info["config"]["projection"] == "layerwise" and info["config"]["exclude"] == ["conv1"]
    assert info["seed"] == 3
    for name in ("metrics.csv", "sparsity_accuracy.png", "final_sparse.pt", "last_dense.pt"):
        assert (tmp_path / "run" / name).is_file()
    # a run's own config.json starts a variant of it: its values, then the flags
    assert main(["train", "--config", str(tmp_path / "run" / "config.json"), "--sparsity", "0.5",
                 "--out", str(tmp_path / "variant"), "--no-progress"]) == 0
    variant = json.loads((tmp_path / "variant" / "config.json").read_text())["config"]
    assert variant == {**info["config"], "sparsity": 0.5, "out": str(tmp_path / "variant")}


def test_unknown_flags_and_config_keys_are_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--sparsty", "0.9"])
    assert "unrecognized arguments: --sparsty" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"sparsty": 0.9}))
    with pytest.raises(ValueError, match=r"unknown config key\(s\) \['sparsty'\]; allowed: .*'sparsity'"):
        main(["train", "--config", str(bad)])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sparsity": 1.0}, r"sparsity must be in \[0, 1\) \(fraction of zeros\); got sparsity=1\.0"),
        ({"projection": "magnitude"}, r"projection must be one of \['erk', 'global', 'layerwise', 'nm'\]"),
        ({"projection": "nm", "sparsity": 0.9}, r"sparsity must be 0\.5 with projection='nm' \(2:4\)"),
        ({"method": "snip"}, r"method must be one of \['acdc', 'dense', 'gmp', 'rigl', 'static'\]; "
                             r"got method='snip'"),
        ({"device": "tpu"}, r"device must be one of \['auto', 'cpu', 'cuda'\]; got device='tpu'"),
        ({"lr": 0}, r"lr must be a number > 0; got lr=0"),
        ({"epochs": 10}, r"epochs must be in >= 20; got epochs=10"),
        ({"schedule": "dense:5,compressed:5", "epochs": 8}, r"epochs must equal the schedule's 10 epochs"),
    ],
)
def test_invalid_config_values_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**values)
