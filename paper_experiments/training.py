"""Launch reference-trainer runs (:class:`acdc.trainer.Trainer`) of the experiments and read them back.

:class:`TrainingRecipe` holds the training knobs the experiments share (data, model, image size, epochs,
optimiser, runs at once); an experiment config subclasses it and adds its own grid. :func:`train` runs one
:class:`~acdc.config.TrainConfig` into its own folder (resuming, or re-reading, a run already there),
and returns a :class:`TrainedRun`: the summary, the per-epoch metrics and the saved models.
:func:`train_all` runs a list of :class:`PlannedRun` one after another or ``jobs`` at a time, each in its
own process.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd
from torch import nn

from acdc import checkpoint
from acdc.config import TrainConfig
from acdc.data import DEFAULT_ROOT, Splits, load_splits
from acdc.models import build_classifier
from acdc.trainer import CHECKPOINT, Trainer
from iht.validation import check_int
from paper_experiments.common import ExperimentConfig, log_progress

QUICK_IMAGES: dict[str, Any] = {
    "image_size": 8, "subset": 512, "val_subset": 256, "epochs": 4, "width": 8,
    "schedule": "dense:1,compressed:1,dense:1,compressed:1", "update_interval": 4,
}
"""Overrides of :class:`TrainingRecipe` for the quick presets: 8×8 images, 512 of them, 4 epochs."""


@dataclass(frozen=True)
class TrainingRecipe(ExperimentConfig):
    """A model on a data set as the reference trainer runs it (defaults: ResNet20 on Fashion-MNIST, the
    full CPU presets).

    Each field but ``jobs`` is the :class:`~acdc.config.TrainConfig` field of the same name; ``jobs`` is
    how many trainings :func:`train_all` runs at once.
    """

    data: str = "fashion-mnist"         # acdc.data.DATASETS
    model: str = "resnet20"             # acdc.models: resnet20 | mlp | ...
    data_root: str = str(DEFAULT_ROOT)  # folder of the Fashion-MNIST IDX files
    image_size: int = 16                # 16×16: ~0.04 s per ResNet20 step on this CPU (32×32: ~0.2 s)
    subset: int | None = 10_000         # first N training images (None: all 60,000)
    val_subset: int | None = 2_000      # first N test images used for validation (None: all 10,000)
    epochs: int = 30                    # epochs of the AC/DC schedule
    schedule: str = "paper"             # paper (scaled to epochs) | dense:N,compressed:N,...
    width: int = 16                     # ResNet20 first-stage channels (16 in the paper)
    batch_size: int = 128
    lr: float = 0.1                     # peak of the cosine learning rate (SGD, momentum 0.9)
    update_interval: int = 79           # gmp, rigl: optimiser steps between mask updates (1 epoch of 10k)
    threads: int | None = 1             # torch CPU threads per training: 1 on a shared machine
    jobs: int = 1                       # trainings at once, each in its own process (2 on 2 cores)

    def __post_init__(self) -> None:
        """Check the shared knobs with :class:`~acdc.config.TrainConfig`'s own checks, before any run."""
        super().__post_init__()
        check_int(self.jobs, "jobs", 1)
        self.train_config(Path("."))

    def train_config(self, out: Path, **changes: Any) -> TrainConfig:
        """The :class:`~acdc.config.TrainConfig` of this recipe with ``changes``, writing into ``out``."""
        recipe = {knob.name: getattr(self, knob.name) for knob in fields(TrainingRecipe)
                  if knob.name != "jobs"}
        return TrainConfig(**{**recipe, **changes, "out": str(out)})


@dataclass(frozen=True)
class TrainedRun:
    """A finished trainer run: its configuration, ``summary.json``, ``metrics.csv``, folder and training time.

    ``wall_s`` is the trainer's ``train_seconds``: seconds spent training, summed over a run and its
    resumptions (stored in each checkpoint), not the seconds of the last call.
    """

    config: TrainConfig
    summary: dict[str, Any]
    metrics: pd.DataFrame
    out: Path
    wall_s: float

    def val_acc(self, output: str) -> float:
        """Validation accuracy of output model ``output`` (``final_sparse``, …); NaN if the run has none."""
        return float(self.summary[output]["val_acc"]) if output in self.summary else float("nan")

    def row(self) -> dict[str, float]:
        """The run's results as table columns.

        ``final_acc`` and ``final_sparsity``: the model at the end of the schedule (``final_sparse``, the
        sparse model of AC/DC, GMP, RigL and static; the dense model of ``dense``); ``best_dense_acc``:
        the best dense-phase model; ``finetuned_dense_acc``: the dense-finetuned model (NaN for outputs the
        run has not got); ``inference_flops_rel``: forward FLOPs of the final model relative to dense;
        ``train_flops_rel``: training FLOPs of the schedule's epochs (dense fine-tune excluded) relative
        to dense training; ``wall_s``: training seconds, kept across resumption.
        """
        last = self.metrics[self.metrics["epoch"] == self.config.epochs - 1].iloc[0]
        return {"final_acc": self.val_acc("final_sparse"),
                "final_sparsity": float(self.summary["final_sparse"]["sparsity"]),
                "best_dense_acc": self.val_acc("best_dense"),
                "finetuned_dense_acc": self.val_acc("finetuned_dense"),
                "inference_flops_rel": float(self.summary["flops"]["final_sparse_inference_rel"]),
                "train_flops_rel": float(last["train_flops_rel"]), "wall_s": self.wall_s}

    def load_model(self, output: str, splits: Splits) -> nn.Module:
        """Output model ``output`` (``<output>.pt``) in a fresh classifier for ``splits``, in eval mode."""
        model = build_classifier(self.config.model, splits.num_classes,
                                 tuple(splits.val.tensors[0].shape[1:]), self.config.width)
        model.load_state_dict(checkpoint.load(self.out / f"{output}.pt")["state_dict"])
        return model.eval()


def validation_splits(config: TrainConfig) -> Splits:
    """The :class:`~acdc.data.Splits` of ``config`` (its validation set is what the runs report on)."""
    return load_splits(config.data, config.data_root, config.image_size, config.subset, config.val_subset,
                       config.seed)


def train(config: TrainConfig) -> TrainedRun:
    """Run ``config`` into ``config.out`` (resuming a checkpoint there) and read its outputs back.

    A finished run in ``config.out`` is not trained again; one with another configuration raises the
    trainer's ``ValueError`` naming the differing keys.
    """
    out = Path(config.out)
    resume = checkpoint.exists(out / CHECKPOINT)
    log_progress(f"{out.name}: {'resuming' if resume else 'training'} {config.method} at sparsity "
                 f"{config.sparsity:g}, {config.epochs} epochs")
    trainer = Trainer(config, resume=resume, progress=sys.stderr.isatty())
    try:
        trainer.fit()
    finally:
        trainer.close()
    summary = json.loads((out / "summary.json").read_text())
    wall_s = float(summary["train_seconds"])
    final_acc = summary["final_sparse"]["val_acc"]
    log_progress(f"{out.name}: done, {wall_s:.0f} s of training{' in all' if resume else ''}, final model "
                 f"val acc {final_acc:.4f}")
    return TrainedRun(config, summary, pd.read_csv(out / "metrics.csv"), out, wall_s)


def train_method(recipe: TrainingRecipe, out: Path, method: str, sparsity: float, seed: int, label: str = "",
                 **changes: Any) -> TrainedRun:
    """Train ``method`` at ``sparsity`` with ``seed`` (AC/DC with its dense fine-tune) under ``out/runs``.

    The run's folder is ``<label>-<sparsity>-seed<seed>``, ``label`` defaulting to ``method``; ``changes``
    are further :class:`~acdc.config.TrainConfig` fields (``projection``, ``exclude``, ``corrupt_labels``, …).
    """
    folder = out / "runs" / f"{label or method}-{sparsity:g}-seed{seed}"
    return train(recipe.train_config(folder, method=method, sparsity=sparsity, seed=seed,
                                     dense_finetune=method == "acdc", **changes))


@dataclass(frozen=True)
class PlannedRun:
    """One training of an experiment: the arguments of :func:`train_method` beside the recipe."""

    label: str
    method: str
    sparsity: float
    seed: int
    changes: dict[str, Any] = field(default_factory=dict)

    def train(self, recipe: TrainingRecipe, out: Path) -> TrainedRun:
        """:func:`train_method` of this run."""
        return train_method(recipe, out, self.method, self.sparsity, self.seed, label=self.label,
                            **self.changes)


def train_all(recipe: TrainingRecipe, out: Path, runs: Sequence[PlannedRun]) -> list[TrainedRun]:
    """Train ``runs`` in order, or ``recipe.jobs`` at a time in fresh processes; their results in order.

    Each run has its own folder and seed, so running them at once changes nothing but the wall time
    (one torch thread each: the same floating-point operations as one after another). The first failure
    cancels the runs not yet started and is raised.
    """
    if recipe.jobs == 1 or len(runs) <= 1:
        return [run.train(recipe, out) for run in runs]
    # spawn: a forked child would inherit the parent's torch thread pools and locks
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(recipe.jobs, len(runs)), mp_context=context) as pool:
        futures = [pool.submit(run.train, recipe, out) for run in runs]
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
