"""Data-parallel training through torchrun: 2 CPU processes (gloo) hold identical masks, and DDP finds the
masked gradients of channels-last weights in the layout of its buckets."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import torch
from torch import nn

from acdc import checkpoint
from acdc.masks import WeightMasks
from iht.projection import k_from_sparsity

SCRIPT = textwrap.dedent("""
    import sys
    import torch.distributed as dist
    from acdc import checkpoint
    from acdc.trainer import Trainer
    from tests.acdc.helpers import tiny_config

    out = sys.argv[1]
    trainer = Trainer(tiny_config(out, schedule="dense:1,compressed:1,dense:1,compressed:1", epochs=4),
                      progress=False)
    trainer.fit()
    rank = dist.get_rank()
    checkpoint.save_atomic({"masks": trainer.controller.masks.as_dict(), "model": trainer.model.state_dict(),
                            "metrics": trainer.metrics, "world_size": dist.get_world_size()},
                           f"{out}/rank{rank}.pt")
    trainer.close()
""")


def test_two_rank_ddp_run_has_identical_masks(tmp_path):
    script = tmp_path / "ddp_run.py"
    script.write_text(SCRIPT)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script),
         str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Grad strides do not match bucket view strides" not in result.stderr  # issue 15
    ranks = [checkpoint.load(tmp_path / "out" / f"rank{r}.pt") for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    masks0, masks1 = ranks[0]["masks"], ranks[1]["masks"]
    assert masks0.keys() == masks1.keys()
    for name in masks0:
        assert torch.equal(masks0[name], masks1[name]), name
    total = sum(m.numel() for m in masks0.values())
    assert sum(int(m.sum()) for m in masks0.values()) == k_from_sparsity(total, 0.8)
    for key, value in ranks[0]["model"].items():  # DDP keeps weights and buffers in sync as well
        assert torch.equal(value, ranks[1]["model"][key]), key
    assert ranks[0]["metrics"] == ranks[1]["metrics"]


def test_masked_gradients_keep_the_strides_of_channels_last_weights():
    """A 1×1 convolution's weight (and one with a single input channel) has two equivalent stride sets in
    channels-last; the masked gradient must keep the weight's, which DDP's bucket views copy exactly."""
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 8, 1)).to(memory_format=torch.channels_last)
    masks = WeightMasks(model, {"0.weight": model[0].weight, "1.weight": model[1].weight})
    for name, weight in masks.weights.items():
        grad = torch.ones_like(weight)  # the strides autograd gives the gradient of ``weight``
        masked = masks.mask_gradient(name, grad)
        assert masked.stride() == grad.stride() == weight.stride() and torch.equal(masked, grad), name
    assert model[1].weight.stride() == (4, 1, 4, 4)  # the ambiguous layout this guards
