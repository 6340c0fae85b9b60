"""The reference trainer: exact resume, outputs, metrics and checkpoint rules."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from acdc import checkpoint
from acdc.models import resnet20
from acdc.trainer import CHECKPOINT, Trainer, memory_format_for
from iht.projection import k_from_sparsity
from tests.acdc.helpers import tiny_config, tiny_net


def run(config, until=None, resume=False):
    trainer = Trainer(config, resume=resume, progress=False)
    trainer.fit(until)
    trainer.close()
    return trainer


def assert_same_state(a: Trainer, b: Trainer) -> None:
    state_a, state_b = a.model.state_dict(), b.model.state_dict()
    assert list(state_a) == list(state_b)
    for key in state_a:  # weights, batch-norm statistics and mask buffers, bit for bit
        assert torch.equal(state_a[key], state_b[key]), key
    assert a.metrics == b.metrics
    assert a.controller.history == b.controller.history
    opt_a, opt_b = a.optimizer.state_dict()["state"], b.optimizer.state_dict()["state"]
    assert opt_a.keys() == opt_b.keys()
    for i in opt_a:
        for name in opt_a[i]:
            assert torch.equal(torch.as_tensor(opt_a[i][name]), torch.as_tensor(opt_b[i][name]))
    for name in a.outputs:
        assert a.outputs[name]["epoch"] == b.outputs[name]["epoch"]
        for key, value in a.outputs[name]["state_dict"].items():
            assert torch.equal(value, b.outputs[name]["state_dict"][key])


@pytest.mark.parametrize("stop_after", [3, 8])  # mid compressed phase; first epoch of the dense fine-tune
def test_kill_and_resume_is_bit_identical(tmp_path, stop_after):
    whole = run(tiny_config(tmp_path / "whole", dense_finetune=True))
    killed = run(tiny_config(tmp_path / "killed", dense_finetune=True), until=stop_after)
    assert killed.epoch == stop_after and len(killed.metrics) == stop_after
    resumed = run(tiny_config(tmp_path / "killed", dense_finetune=True), resume=True)
    assert resumed.epoch == whole.epoch == 10
    assert_same_state(whole, resumed)
    with open(tmp_path / "whole" / "metrics.csv") as a, open(tmp_path / "killed" / "metrics.csv") as b:
        assert a.read() == b.read()


def test_outputs_metrics_and_exact_final_sparsity(tmp_path):
    config = tiny_config(tmp_path / "run", dense_finetune=True)
    trainer = run(config)
    out = tmp_path / "run"
    for name in ("final_sparse", "best_dense", "last_dense", "finetuned_dense"):
        saved = checkpoint.load(out / f"{name}.pt")
        model = resnet20(10, 1, config.width)
        model.load_state_dict(saved["state_dict"])  # no mask buffers: loads into a fresh model
        assert saved["epoch"] == {"final_sparse": 7, "best_dense": saved["epoch"], "last_dense": 5,
                                  "finetuned_dense": 9}[name]
    sparse = checkpoint.load(out / "final_sparse.pt")["state_dict"]
    weights = {name: sparse[name] for name in trainer.controller.masks.weights}
    total = sum(w.numel() for w in weights.values())
    kept = k_from_sparsity(total, config.sparsity)
    assert sum(int(torch.count_nonzero(w)) for w in weights.values()) == kept
    best = checkpoint.load(out / "best_dense.pt")
    dense_rows = [r for r in trainer.metrics if r["phase"] == "dense"]
    assert best["val_acc"] == max(r["val_acc"] for r in dense_rows)
    with open(out / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["phase"] for r in rows] == ["dense"] * 2 + ["compressed"] * 2 + ["dense"] * 2 + \
        ["compressed"] * 2 + ["dense-finetune"] * 2
    assert float(rows[7]["sparsity"]) == 1 - k_from_sparsity(total, config.sparsity) / total
    assert rows[2]["mask_change"] == "" and 0 <= float(rows[6]["mask_change"]) <= 1
    assert all(f"sparsity/{name}" in rows[0] for name in trainer.controller.masks.weights)
    final_weights = trainer.controller.masks.weights  # the fine-tune's last epoch leaves them as they are
    for name, w in final_weights.items():
        assert float(rows[-1][f"norm/{name}"]) == pytest.approx(float(w.detach().norm()), rel=1e-6)
    # the fine-tune reuses the learning rates of the final compressed phase
    assert [r["lr"] for r in rows[8:]] == [r["lr"] for r in rows[6:8]]
    info = json.loads((out / "config.json").read_text())
    assert info["seed"] == 0 and "git_revision" in info and info["config"]["sparsity"] == 0.8
    history = json.loads((out / "history.json").read_text())
    assert [h["phase"] for h in history][:4] == ["dense", "dense", "compressed", "compressed"]
    assert (out / "sparsity_accuracy.png").stat().st_size > 0


def test_checkpoint_rules_are_named(tmp_path):
    config = tiny_config(tmp_path / "run")
    run(config, until=1)
    with pytest.raises(FileExistsError, match=r"checkpoint\.pt exists: pass resume=True"):
        Trainer(config, progress=False)
    differs = r"configuration differs: sparsity=0\.8 \(checkpoint\) vs 0\.9 \(now\)"
    with pytest.raises(ValueError, match=differs):
        Trainer(tiny_config(tmp_path / "run", sparsity=0.9), resume=True, progress=False)
    with pytest.raises(FileNotFoundError, match=r"cannot resume: no checkpoint at .*other"):
        Trainer(tiny_config(tmp_path / "other"), resume=True, progress=False)
    state = checkpoint.load(tmp_path / "run" / CHECKPOINT)  # weights_only=True loads it
    assert state["epoch"] == 1 and not (tmp_path / "run" / (CHECKPOINT + ".tmp")).exists()


def test_convolutional_image_models_train_in_channels_last_layout(tmp_path):
    assert memory_format_for(tiny_net(), (1, 6, 6)) == torch.channels_last
    assert memory_format_for(torch.nn.Sequential(torch.nn.Linear(4, 2)), (4,)) == torch.preserve_format
    trainer = Trainer(tiny_config(tmp_path, epochs=2, schedule="dense:1,compressed:1"), progress=False)
    try:
        conv = next(w for w in trainer.model.parameters() if w.dim() == 4 and w.shape[1] > 1)
        assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
        trainer.fit()
    finally:
        trainer.close()
    fresh = resnet20(in_channels=trainer.splits.train.tensors[0].shape[1], width=2)
    fresh.load_state_dict(checkpoint.load(tmp_path / "final_sparse.pt")["state_dict"])  # any layout loads
