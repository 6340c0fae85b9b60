"""Export and load: masks folded in, no mask keys, the stated sparsity, identical logits to the trainer's."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

import acdc
from acdc.checkpoint import CorruptCheckpointError
from acdc.cli import main
from acdc.masks import MASK_SUFFIX
from acdc.trainer import Trainer

from .helpers import tiny_config


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny AC/DC run (ends compressed: final_sparse is the trainer's model) and a batch."""
    out = tmp_path_factory.mktemp("run")
    trainer = Trainer(tiny_config(out, schedule="dense:1,compressed:1", epochs=2, exclude=("conv1",)),
                      progress=False)
    try:
        trainer.fit()
    finally:
        trainer.close()
    x = trainer.splits.val.tensors[0][:16].to(memory_format=trainer.memory_format)
    with torch.no_grad():
        trainer.model.eval()
        logits = trainer.model(x)
    return out, trainer, x, logits


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_export_then_load_gives_the_trainers_logits(finished, tmp_path, suffix, capsys):
    out, trainer, x, logits = finished
    target = tmp_path / f"model{suffix}"
    assert main(["export", str(out), "--which", "final_sparse", "--out", str(target)]) == 0
    assert capsys.readouterr().out == f"wrote {target} and {target.with_suffix('.json')}\n"
    state = load_file(target) if suffix == ".safetensors" else torch.load(target, weights_only=True)
    assert not [key for key in state if key.endswith(MASK_SUFFIX)]
    described = json.loads(target.with_suffix(".json").read_text())
    pruned = [name for name in trainer.controller.masks.weights]
    zeros = sum(int((state[name] == 0).sum()) for name in pruned)
    assert described["sparsity"] == zeros / sum(state[name].numel() for name in pruned)
    assert described["sparsity"] == pytest.approx(0.8, abs=1e-3)  # the configured target, in the file
    assert described["layer_sparsity"]["conv1.weight"] == 0.0  # excluded: dense
    assert described["config"] == trainer.config.to_dict() and described["which"] == "final_sparse"
    assert 0 < described["flops"]["sparse"] < described["flops"]["dense"]
    model = acdc.load_model(target)
    assert not model.training
    with torch.no_grad():
        assert torch.equal(model(x), logits)


def test_load_model_from_the_run_folder(finished):
    out, _, x, logits = finished
    with torch.no_grad():
        assert torch.equal(acdc.load_model(out)(x), logits)
        assert acdc.load_model(out, which="last_dense")(x).shape == logits.shape


def test_export_errors_are_one_line(finished, tmp_path, capsys):
    out = finished[0]
    assert main(["export", str(out), "--which", "finetuned_dense"]) == 2
    assert capsys.readouterr().err == (f"error: {out} has no finetuned_dense.pt (finetuned_dense needs "
                                       "dense_finetune; a run writes its models when it ends); it has: "
                                       "final_sparse, best_dense, last_dense\n")
    assert main(["export", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path} is not a run folder of python -m acdc train: it "
                                       "has no config.json\n")
    assert main(["export", str(out), "--out", str(tmp_path / "model.bin")]) == 2
    assert ("suffix must be one of ['.pt', '.pth', '.safetensors']; got suffix='.bin'"
            in capsys.readouterr().err)
    with pytest.raises(FileNotFoundError, match=r"the JSON is missing"):
        (tmp_path / "lonely.pt").write_bytes(b"")
        acdc.load_model(tmp_path / "lonely.pt")


def test_a_damaged_model_file_is_named(finished, tmp_path):
    out = finished[0]
    copy = tmp_path / "run"
    copy.mkdir()
    (copy / "config.json").write_text((out / "config.json").read_text())
    (copy / "final_sparse.pt").write_bytes(b"garbage")
    with pytest.raises(CorruptCheckpointError, match=r"final_sparse\.pt"):
        acdc.load_model(copy)
