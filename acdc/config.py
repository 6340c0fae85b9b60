"""Configuration of one training run: every knob with its default and its allowed values, in one place.

Each field declares its constraint once (``metadata["check"]``: a :class:`Choice`, :class:`Integer`,
:class:`Real` or :class:`Sparsity`) and its help text (``metadata["help"]``); ``__post_init__`` checks
every field against its constraint, then the rules that tie fields together (N:M's fixed sparsity, GMP's
window, the schedule against ``epochs``), so a bad run fails before any data is read. The command line
(:mod:`acdc.cli`) builds one flag per field, typed from the field's annotation, with the constraint in
its ``--help``. ``TrainConfig.from_dict`` (used for ``--config FILE.json``) rejects unknown keys.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from acdc.baselines import MASK_DISTRIBUTIONS
from acdc.data import DATASETS, DEFAULT_ROOT
from acdc.distributed import DEVICES
from acdc.masks import KEEP_DENSE
from acdc.models import CLASSIFIERS
from acdc.optim import OPTIMIZERS
from acdc.schedule import MIN_PAPER_EPOCHS, Schedule, parse_schedule
from iht.projection import PROJECTIONS, build_projection
from iht.provenance import git_revision
from iht.validation import check_choice, check_int, check_known_names, check_real, check_sparsity

__all__ = ["Choice", "Integer", "Names", "Real", "Sparsity", "TrainConfig", "git_revision"]

PROJECTION_METHODS = ("acdc", "gmp")
"""Methods that prune with ``projection`` (the others draw random masks or keep the model dense)."""


class _Methods(Collection[str]):
    """The names of :data:`acdc.methods.CONTROLLERS`, read at each use.

    :mod:`acdc.methods` builds controllers from a :class:`TrainConfig`, so this module imports it only
    when a method name is checked or listed: no import cycle, and a method registered later is known.
    """

    @staticmethod
    def _names() -> Collection[str]:
        from acdc.methods import CONTROLLERS

        return CONTROLLERS

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


@dataclass(frozen=True)
class Choice:
    """One of ``values`` (the keys of a registry, or a tuple of names)."""

    values: Collection[str]

    def check(self, value: Any, name: str) -> None:
        check_choice(value, name, self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(sorted(self.values))


@dataclass(frozen=True)
class Names:
    """Any number of names, from ``values`` when given (a tuple field: one flag with several arguments,
    a JSON list; a single str is one name)."""

    values: Collection[str] | None = None

    def check(self, value: Any, name: str) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"{name} must be a list of names (str); got {name}={value!r}")
        if self.values is not None:
            check_known_names(value, name, self.values)

    def describe(self) -> str:
        return "a list of names" if self.values is None else "any of " + ", ".join(sorted(self.values))

    @staticmethod
    def normalize(value: Any) -> Any:
        """A str as a one-name tuple, another iterable as a tuple; anything else as is (for :meth:`check`
        to reject)."""
        if isinstance(value, str):
            return (value,)
        return tuple(value) if isinstance(value, Iterable) else value


@dataclass(frozen=True)
class Integer:
    """An integer in ``[low, high]`` (``high=None``: unbounded); None too where the default is None."""

    low: int
    high: int | None = None

    def check(self, value: Any, name: str) -> None:
        check_int(value, name, self.low, self.high)

    def describe(self) -> str:
        bounds = f">= {self.low}" if self.high is None else f"in [{self.low}, {self.high}]"
        return f"an integer {bounds}"


@dataclass(frozen=True)
class Real:
    """A finite real number ``>= low`` (``> low`` if ``strict``) and ``<= high`` when given."""

    low: float
    high: float | None = None
    strict: bool = False

    def check(self, value: Any, name: str) -> None:
        check_real(value, name, self.low, self.high, strict=self.strict)

    def describe(self) -> str:
        lower = f"{'>' if self.strict else '>='} {self.low:g}"
        return f"a number {lower}" + ("" if self.high is None else f" and <= {self.high:g}")


@dataclass(frozen=True)
class Sparsity:
    """A fraction of zeros in ``[0, 1)``."""

    def check(self, value: Any, name: str) -> None:
        check_sparsity(value, name)

    def describe(self) -> str:
        return "a fraction of zeros in [0, 1)"


def _knob(default: Any, help: str, check: Choice | Names | Integer | Real | Sparsity | None = None) -> Any:
    """A config field with its default, help text and constraint (``None``: checked in ``__post_init__``)."""
    return field(default=default, metadata={"help": help, "check": check})


@dataclass(frozen=True)
class TrainConfig:
    """One run of the reference trainer (defaults: the paper's recipe on Fashion-MNIST, 30 epochs)."""

    method: str = _knob("acdc", "sparse-training method (acdc.methods.CONTROLLERS)", Choice(_Methods()))
    model: str = _knob("resnet20", "classifier (acdc.models.CLASSIFIERS)", Choice(CLASSIFIERS))
    width: int = _knob(16, "ResNet20's first-stage channels (16 in the paper; more = wide ResNet)",
                       Integer(1))
    data: str = _knob("fashion-mnist", "data set", Choice(DATASETS))
    data_root: str = _knob(str(DEFAULT_ROOT), "folder of the IDX files (of the CIFAR batches for cifar*)")
    image_size: int = _knob(32, "32 pads 28×28 images; other sizes resize (16: fast on CPU)", Integer(1))
    subset: int | None = _knob(None, "first N training images (None: all)", Integer(1))
    val_subset: int | None = _knob(None, "first N validation images (None: all)", Integer(1))
    sparsity: float = _knob(0.9, "target fraction of zeros in compressed phases (nm: 0.5 is 2:4, 0.75 "
                                 "is 1:4)", Sparsity())
    projection: str = _knob("global", "acdc, gmp: compression operator (iht.projection.PROJECTIONS; nm "
                                      "is N:4 at sparsity 1 − N/4)",
                            Choice(PROJECTIONS))
    mask_distribution: str = _knob("erk", "rigl, static: per-layer densities of the random mask",
                                   Choice(MASK_DISTRIBUTIONS))
    update_interval: int = _knob(100, "gmp, rigl: optimiser steps between mask updates (Δt, ΔT)", Integer(1))
    drop_fraction: float = _knob(0.3, "rigl: initial drop/grow fraction α, cosine-decayed to 0",
                                 Real(0.0, 1.0, strict=True))
    rigl_end_fraction: float = _knob(0.75, "rigl: no mask update after this fraction of the steps (T_end)",
                                     Real(0.0, 1.0, strict=True))
    gmp_start_fraction: float = _knob(0.1, "gmp: pruning starts at epoch floor(fraction · epochs)",
                                      Real(0.0, 1.0))
    gmp_end_fraction: float = _knob(0.75, "gmp: target reached at epoch ceil(fraction · epochs), then "
                                          "fine-tune; > gmp_start_fraction", Real(0.0, 1.0, strict=True))
    exclude: tuple[str, ...] = _knob((), "layers kept dense: weight or module names, parent modules or "
                                         "globs, e.g. conv1 fc, layer1 or 'layer1.*'", Names())
    keep_dense: tuple[str, ...] = _knob((), "layers kept dense by position, on any model: the first and last "
                                            "prunable layer, the classifier head (the paper's high-sparsity "
                                            "runs keep first and last)", Names(KEEP_DENSE))
    schedule: str = _knob("paper", f"acdc: paper (the paper's recipe scaled to --epochs >= "
                                   f"{MIN_PAPER_EPOCHS}) | lm (48 epochs) | phase:epochs,... "
                                   "(e.g. dense:3,compressed:2, summing to --epochs)")
    epochs: int = _knob(30, "total epochs of the schedule", Integer(1))
    dense_finetune: bool = _knob(False, "acdc: fine-tune the best dense model over the final compressed "
                                        "phase")
    min_channel_weights: int = _knob(0, "acdc: weights every output channel keeps at each projection "
                                        "(acdc.remedies.ChannelFloor: no channel emptied before batch "
                                        "norm; 0: the paper's projection)", Integer(0))
    bn_eps: float | None = _knob(None, "ε of every batch norm of the model (None: the model's own, 1e-5); "
                                       "1e-2 caps the γ/√ε factor behind AC/DC's collapse at 98% "
                                       "(acdc.remedies.set_batch_norm_eps)", Real(0.0, strict=True))
    corrupt_labels: int = _knob(0, "N training samples (chosen by seed) get random wrong labels (Fig. 2b)",
                                Integer(0))
    optimizer: str = _knob("sgd", "optimiser", Choice(OPTIMIZERS))
    lr: float = _knob(0.1, "peak learning rate of the cosine schedule", Real(0.0, strict=True))
    momentum: float = _knob(0.9, "SGD momentum", Real(0.0))
    weight_decay: float = _knob(5e-4, "weight decay", Real(0.0))
    batch_size: int = _knob(128, "per process", Integer(1))
    seed: int = _knob(0, "model init, data order", Integer(0))
    device: str = _knob("auto", "auto is CUDA when present", Choice(DEVICES))
    fsdp: bool = _knob(False, "shard the parameters over the torchrun processes with FSDP2 (fully_shard; "
                              "acdc, gmp, static, dense; see acdc.sharded)")
    threads: int | None = _knob(None, "torch CPU threads (None: torch's setting; python -m acdc uses the "
                                      "cores available to the process)", Integer(1))
    out: str = _knob("runs/acdc", "output folder")

    def __post_init__(self) -> None:
        for f in fields(self):
            if isinstance(f.metadata["check"], Names):
                object.__setattr__(self, f.name, Names.normalize(getattr(self, f.name)))
        for f in fields(self):
            value, check = getattr(self, f.name), f.metadata["check"]
            if check is not None and not (value is None and f.default is None):
                check.check(value, f.name)
        build_projection(self.projection, self.sparsity)  # a pattern that owns its sparsity (N:M) checks it
        check_real(self.gmp_end_fraction, "gmp_end_fraction", self.gmp_start_fraction, 1.0, strict=True)
        for knob in ("dense_finetune", "min_channel_weights"):
            if getattr(self, knob) and self.method != "acdc":
                raise ValueError(f"{knob} is only for method='acdc'; got method={self.method!r}, "
                                 f"{knob}={getattr(self, knob)!r}")
        if self.fsdp and (self.method == "rigl" or self.dense_finetune or self.min_channel_weights):
            raise ValueError(f"fsdp must be False with method='rigl', dense_finetune or min_channel_weights "
                             f"(RigL's dense gradients, the fine-tune's reload of the best dense model and "
                             f"the channel floor's projection are not sharded); got fsdp=True, "
                             f"method={self.method!r}, dense_finetune={self.dense_finetune!r}, "
                             f"min_channel_weights={self.min_channel_weights!r}")
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
        """The validated :class:`~acdc.schedule.Schedule` of this run.

        Raises
        ------
        ValueError
            For ``schedule='paper'`` with ``epochs < MIN_PAPER_EPOCHS`` (the paper's 16 phases need one
            epoch each), naming the schedule and a custom schedule of ``epochs`` epochs that would run.
        """
        if self.schedule == "paper" and self.epochs < MIN_PAPER_EPOCHS:
            example = f"dense:{self.epochs - 1},compressed:1" if self.epochs > 1 else "compressed:1"
            raise ValueError(
                f"epochs must be >= {MIN_PAPER_EPOCHS} for schedule='paper' (--schedule paper: its 16 "
                f"phases need one epoch each); got epochs={self.epochs}; give more epochs or phase "
                f"lengths, e.g. --schedule {example}"
            )
        return parse_schedule(self.schedule, self.epochs)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Config from a mapping (e.g. a JSON file); unknown keys raise ``ValueError`` naming them."""
        check_known_names(values, "config keys", {f.name for f in fields(cls)})
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (``exclude`` and ``keep_dense`` as lists)."""
        values = asdict(self)
        for f in fields(self):
            if isinstance(f.metadata["check"], Names):
                values[f.name] = list(values[f.name])
        return values
