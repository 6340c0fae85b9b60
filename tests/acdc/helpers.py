"""Tiny models, batches and run configurations shared by the acdc tests (fast on a 2-core CPU)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from acdc.config import TrainConfig


def tiny_net(seed: int = 0) -> nn.Module:
    """Conv (with bias) + batch norm + linear: prunable conv and linear weights, a bias, norm parameters."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5)
    )


def tiny_batch(seed: int = 0, n: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 6, 6, generator=generator), torch.randint(0, 5, (n,), generator=generator)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, seed: int) -> None:
    x, y = tiny_batch(seed)
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def tiny_config(out: Path, **overrides: Any) -> TrainConfig:
    """A ResNet20 of width 2 on 64 synthetic 8×8 images (about 0.1 s per epoch), written to ``out``."""
    values = dict(data="synthetic", image_size=8, width=2, subset=64, val_subset=32, batch_size=16,
                       schedule="dense:2,compressed:2,dense:2,compressed:2", epochs=8, lr=0.05,
                       sparsity=0.8, threads=1, out=str(out))
    values.update(overrides)
    return TrainConfig(**values)
