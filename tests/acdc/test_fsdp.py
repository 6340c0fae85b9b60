"""Sparse training on models sharded with FSDP2's ``fully_shard`` (issue 18).

The two-process test launches :mod:`tests.acdc.fsdp_worker` under ``torchrun`` (gloo, one thread per
process) and the same runs in one process: AC/DC with global, layerwise, ERK and 2:4 projections, GMP
and static sparse training end with the same weights and masks, bit for bit, when the single process
accumulates the gradients of the same per-process parts of each global batch. The in-process tests use a
one-process gloo group, on which ``fully_shard`` still turns every parameter into a ``DTensor``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from torch import nn

from acdc import checkpoint
from acdc.config import TrainConfig
from acdc.controller import ACDCController
from acdc.distributed import init_from_env
from acdc.masks import WeightMasks
from acdc.schedule import parse_schedule
from acdc.sharded import check_layout, count, project
from acdc.trainer import CHECKPOINT, Trainer
from iht.projection import NM, RandomMask, TopK, k_from_sparsity
from tests.acdc import fsdp_worker
from tests.acdc.helpers import tiny_config

ROOT = Path(__file__).resolve().parents[2]
RANKS = 2


def _run(args: list[str]) -> None:
    """``torchrun --nproc_per_node RANKS args`` with the repository importable, one thread per process."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(RANKS),
               *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]


def test_sharded_runs_equal_single_process_runs(tmp_path):
    _run([fsdp_worker.__file__, str(tmp_path), "sharded"])
    sharded = torch.load(tmp_path / "sharded.pt", weights_only=False)
    single = torch.load(tmp_path / "single.pt", weights_only=False)
    one_backward = torch.load(tmp_path / "single-one-backward.pt", weights_only=False)
    for case in fsdp_worker.CASES:
        ours, theirs = sharded[case], single[case]
        for name, weight in theirs["weights"].items():
            assert torch.equal(ours["weights"][name], weight), (case, name)
        for name, mask in theirs["masks"].items():
            assert torch.equal(ours["masks"][name], mask), (case, name)
        assert ours["history"] == theirs["history"], case
        assert ours["gate mask rows per process"] == [1, 0], case  # the gate's shard on rank 1 is empty
        assert min(r["density"] for r in ours["history"]) < 0.6, case  # the runs did prune
        # one backward pass over the whole global batch sums in another order: rounding differences only
        # (measured 3e-8 to 9e-8 after 24 steps)
        difference = max(float((w - one_backward[case]["weights"][n]).abs().max())
                         for n, w in ours["weights"].items())
        assert difference < 1e-6, (case, difference)
    assert sharded["nm along the sharded rows"] == (
        "ValueError: projection NM(2, 4) must fit the shards of every weight; got body.2.weight of shape "
        "(12, 16) is sharded along axis 0, the axis of its N:M 2:4 groups, with a shard boundary at index 6 "
        "(the shard [0, 6) at mesh coordinate [0]), not a multiple of m=4: a group would straddle two "
        "processes; exclude= it or shard another dimension")
    assert sharded["rigl"].startswith("TypeError: model must hold plain tensors for RigLController: it reads "
                                      "dense gradients in tensor hooks")


@pytest.fixture
def one_process_group(tmp_path):
    dist.init_process_group("gloo", store=dist.FileStore(str(tmp_path / "store"), 1), rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def _sharded_model() -> nn.Module:
    from torch.distributed.fsdp import fully_shard

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 4))
    fully_shard(model)
    return model


def test_masks_are_sharded_buffers_and_survive_a_state_dict_round_trip(one_process_group):
    model = _sharded_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    controller = ACDCController(model, optimizer, parse_schedule("compressed:1,dense:1,compressed:1", 3),
                                TopK(sparsity=0.5))
    mask = controller.masks.get("0.weight")
    assert mask.placements == model[0].weight.placements and mask.dtype == torch.bool
    controller.start_epoch(0)
    controller.start_epoch(1)
    controller.start_epoch(2)
    assert controller.mask_density()[0] == 0.5 and controller.mask_change == 0.0
    state = controller.state_dict()
    assert all(type(m) is torch.Tensor for m in state["previous_masks"].values())  # gathered
    controller.load_state_dict(state)
    assert all(torch.equal(controller._previous_masks[n].full_tensor(), m)
               for n, m in state["previous_masks"].items())
    controller.close()


def test_bad_layouts_and_projections_are_named(one_process_group):
    model = _sharded_model()
    arrays = WeightMasks(model, {"0.weight": model[0].weight, "2.weight": model[2].weight}).oriented()
    with pytest.raises(ValueError, match=r"projection NM\(2, 4\) must fit the shards of every weight; "
                                         r"got 2\.weight of shape \(4, 6\): N:M 2:4 groups run along axis 1, "
                                         r"whose length 6 is not divisible by m=4"):
        project(NM(2, 4), arrays)
    check_layout(NM(1, 2), arrays)
    with torch.no_grad():
        model[2].weight.to_local()[1, 1] = float("nan")
    with pytest.raises(ValueError, match=r"arrays must hold no NaN \(the N:M mask of NaN is undefined\); "
                                         r"got NaN in \['2\.weight'\]"):
        project(NM(1, 2), arrays)
    with pytest.raises(TypeError, match=r"projection must be one of \['TopK', 'LayerwiseTopK', 'ERKTopK', "
                                        r"'NM', 'RandomMask'\] on a model sharded by fully_shard; got "
                                        r"projection=Odd\(\)"):
        project(type("Odd", (), {"__repr__": lambda self: "Odd()"})(), arrays)
    masks = project(RandomMask(0.5, torch.Generator().manual_seed(0)), arrays)
    assert [count(m) for m in masks.values()] == [24, 12]
    with pytest.raises(TypeError, match=r"weights must be all DTensors \(fully_shard the model\) or all "
                                        r"plain tensors; got DTensor weights \['0\.weight'\] and plain "
                                        r"weights \['x'\]"):
        WeightMasks(model, {"0.weight": model[0].weight, "x": nn.Parameter(torch.ones(2, 2))}, axes={"x": 1})


@pytest.mark.slow  # three launches of two processes: about a minute on a shared machine
def test_sharded_trainer_run_resumes_bit_for_bit_through_the_command_line(tmp_path):
    """``torchrun -m acdc train --fsdp --resume`` continues a run stopped after epoch 2 (in a compressed
    phase: masks, momentum and the controller's previous masks come from the gathered checkpoint) to
    the checkpoint of the uninterrupted run."""
    _run([fsdp_worker.__file__, str(tmp_path), "trainer"])
    flags = [f"--{key.replace('_', '-')}={value}" for key, value in fsdp_worker.TRAINER.items()
             if key != "fsdp"]
    _run(["-m", "acdc", "train", "--fsdp", "--resume", "--quiet", *flags, f"--out={tmp_path / 'resumed'}"])
    whole = checkpoint.load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    resumed = checkpoint.load_checkpoint(tmp_path / "resumed" / "checkpoint.pt")
    assert whole["epoch"] == resumed["epoch"] == fsdp_worker.TRAINER["epochs"]
    for part in ("model", "optimizer", "scheduler", "controller", "outputs"):
        _assert_equal(whole[part], resumed[part], part)
    assert whole["metrics"] == resumed["metrics"]
    masks = [v for k, v in whole["model"].items() if k.endswith("_mask")]
    assert masks and sum(int(m.sum()) for m in masks) == k_from_sparsity(sum(m.numel() for m in masks), 0.8)
    assert any(bool(v.ne(0).any()) for v in whole["optimizer"]["state"].values() for v in v.values())


def _assert_equal(a, b, where: str) -> None:
    """Nested dicts, lists and tensors equal, tensors bit for bit."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_equal(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_equal(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_configurations_that_cannot_shard_are_named(monkeypatch):
    with pytest.raises(ValueError, match=r"fsdp must be False with method='rigl', dense_finetune or "
                                         r"min_channel_weights \(RigL's dense gradients, .*; got fsdp=True, "
                                         r"method='rigl', dense_finetune=False, min_channel_weights=0"):
        TrainConfig(method="rigl", fsdp=True)
    with pytest.raises(ValueError, match=r"got fsdp=True, method='acdc', dense_finetune=False, "
                                         r"min_channel_weights=2"):
        TrainConfig(min_channel_weights=2, fsdp=True)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(ValueError, match=r"fsdp must run under torchrun \(torchrun --nproc_per_node R -m "
                                         r"acdc train --fsdp \.\.\.\); got fsdp=True in a process that "
                                         r"torchrun did not start \(no WORLD_SIZE\)"):
        init_from_env("cpu", always=True)


def test_a_checkpoint_written_before_the_fsdp_knob_resumes(tmp_path):
    """A configuration key added later (``fsdp``) takes its default in older checkpoints."""
    config = tiny_config(tmp_path / "run", schedule="dense:1,compressed:1", epochs=2)
    trainer = Trainer(config, progress=False)
    trainer.fit(until=1)
    trainer.close()
    path = tmp_path / "run" / CHECKPOINT
    state = checkpoint.load_checkpoint(path)
    del state["config"]["fsdp"]
    checkpoint.save_checkpoint(state, path)
    resumed = Trainer(config, resume=True, progress=False)
    assert resumed.epoch == 1
    resumed.close()
