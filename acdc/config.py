"""Configuration of one training run: every knob with its default, in one place.

``TrainConfig.from_dict`` (used for ``--config FILE.json``) rejects unknown keys; ``__post_init__``
validates every value, so a bad run fails before any data is read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from acdc.data import DATASETS, DEFAULT_ROOT
from acdc.distributed import DEVICES
from acdc.errors import check_choice, check_int, check_real, check_sparsity
from acdc.methods import CONTROLLERS, MASK_DISTRIBUTIONS, PROJECTIONS
from acdc.models import CLASSIFIERS
from acdc.optim import OPTIMIZERS
from acdc.schedule import Schedule, parse_schedule
from iht.provenance import git_revision

__all__ = ["TrainConfig", "git_revision"]

NM_SPARSITY = 0.5


@dataclass(frozen=True)
class TrainConfig:
    """One run of the reference trainer (defaults: the paper's recipe on Fashion-MNIST, 30 epochs)."""

    method: str = "acdc"            # acdc | dense | gmp | rigl | static (acdc.methods.CONTROLLERS)
    model: str = "resnet20"         # resnet20 | mlp (acdc.models.CLASSIFIERS)
    width: int = 16                 # ResNet20's first-stage channels (16 in the paper; more = wide ResNet)
    data: str = "fashion-mnist"     # fashion-mnist | cifar10 | cifar100 | digits | mnist1d | synthetic
    data_root: str = str(DEFAULT_ROOT)  # folder of the IDX files (of the CIFAR batches for cifar*)
    image_size: int = 32            # 32 pads 28×28 images; other sizes resize (16: fast on CPU)
    subset: int | None = None       # first N training images (None: all)
    val_subset: int | None = None   # first N validation images (None: all)
    sparsity: float = 0.9           # target fraction of zeros in compressed phases
    projection: str = "global"      # acdc, gmp: global | layerwise | erk | nm (2:4, sparsity 0.5)
    mask_distribution: str = "erk"  # rigl, static: per-layer densities of the random mask, erk | uniform
    update_interval: int = 100      # gmp, rigl: optimiser steps between mask updates (Δt, ΔT)
    drop_fraction: float = 0.3      # rigl: initial drop/grow fraction α, cosine-decayed to 0
    rigl_end_fraction: float = 0.75  # rigl: no mask update after this fraction of the steps (T_end)
    gmp_start_fraction: float = 0.1  # gmp: pruning starts at epoch floor(fraction · epochs)
    gmp_end_fraction: float = 0.75   # gmp: target reached at epoch ceil(fraction · epochs); then fine-tune
    exclude: tuple[str, ...] = ()   # layers kept dense, e.g. ("conv1", "fc")
    schedule: str = "paper"         # acdc: paper (scaled to epochs) | lm | dense:N,compressed:N,...
    epochs: int = 30                # total epochs of the schedule
    dense_finetune: bool = False    # acdc: fine-tune the best dense model over the final compressed phase
    corrupt_labels: int = 0         # N training samples (chosen by seed) get random wrong labels (Fig. 2b)
    optimizer: str = "sgd"          # sgd | adamw
    lr: float = 0.1                 # peak learning rate of the cosine schedule
    momentum: float = 0.9           # SGD momentum
    weight_decay: float = 5e-4
    batch_size: int = 128           # per process
    seed: int = 0                   # model init, data order
    device: str = "auto"            # auto (CUDA when present) | cpu | cuda
    threads: int | None = None      # torch CPU threads (None: torch's default)
    out: str = "runs/acdc"          # output folder

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude", tuple(self.exclude))
        check_choice(self.method, "method", CONTROLLERS)
        check_choice(self.model, "model", CLASSIFIERS)
        check_choice(self.data, "data", DATASETS)
        check_choice(self.projection, "projection", PROJECTIONS)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_choice(self.device, "device", DEVICES)
        check_sparsity(self.sparsity)
        if self.projection == "nm" and self.sparsity != NM_SPARSITY:
            raise ValueError(
                f"sparsity must be {NM_SPARSITY} with projection='nm' (2:4); got sparsity={self.sparsity}"
            )
        for name in ("width", "image_size", "batch_size", "epochs"):
            check_int(getattr(self, name), name, 1)
        for name in ("subset", "val_subset", "threads"):
            if getattr(self, name) is not None:
                check_int(getattr(self, name), name, 1)
        check_int(self.seed, "seed", 0)
        check_int(self.corrupt_labels, "corrupt_labels", 0)
        check_choice(self.mask_distribution, "mask_distribution", MASK_DISTRIBUTIONS)
        check_int(self.update_interval, "update_interval", 1)
        check_real(self.drop_fraction, "drop_fraction", 0.0, 1.0, strict=True)
        check_real(self.rigl_end_fraction, "rigl_end_fraction", 0.0, 1.0, strict=True)
        check_real(self.gmp_start_fraction, "gmp_start_fraction", 0.0, 1.0)
        check_real(self.gmp_end_fraction, "gmp_end_fraction", self.gmp_start_fraction, 1.0, strict=True)
        if self.dense_finetune and self.method != "acdc":
            raise ValueError(f"dense_finetune is only for method='acdc'; got method={self.method!r}")
        for name in ("lr", "momentum", "weight_decay"):
            value, positive = getattr(self, name), name == "lr"
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or value < 0 or (positive and value == 0):
                bound = "> 0" if positive else ">= 0"
                raise ValueError(f"{name} must be a number {bound}; got {name}={value!r}")
        if self.method == "acdc":  # the other methods run for `epochs` and ignore the schedule
            self.build_schedule()

    def gmp_epochs(self) -> tuple[int, int]:
        """GMP's start and end epochs: ``floor(gmp_start_fraction · epochs)``, ``ceil(gmp_end_fraction ·
        epochs)``.

        The defaults (0.1, 0.75) prune from 10% to 75% of the budget and fine-tune the last 25% at the
        final mask (Zhu & Gupta 2017 prune over most of training, then fine-tune).
        """
        start, end = self.gmp_start_fraction * self.epochs, self.gmp_end_fraction * self.epochs
        return math.floor(start), math.ceil(end)

    def build_schedule(self) -> Schedule:
        """The validated :class:`~acdc.schedule.Schedule` of this run."""
        return parse_schedule(self.schedule, self.epochs)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Config from a mapping (e.g. a JSON file); unknown keys raise ``ValueError`` naming them."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValueError(f"unknown config key(s) {unknown}; allowed: {sorted(allowed)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (``exclude`` as a list)."""
        values = asdict(self)
        values["exclude"] = list(self.exclude)
        return values
