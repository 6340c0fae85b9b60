"""The reference trainer: one loop that runs any :class:`~acdc.controller.SparsityController`.

Per epoch it asks the controller to start the epoch (phase work at boundaries), trains with the
controller's hooks in place, steps the cosine learning-rate schedule, evaluates, appends a metrics row
and writes an atomic checkpoint. Files in ``config.out``:

=======================  =====================================================================
``config.json``          the configuration, seed, git revision, torch version, and the model's
                         ``num_classes`` and ``sample_shape`` (what :func:`acdc.load_model` rebuilds)
``checkpoint.pt``        latest state: model (with masks), optimiser, scheduler, controller,
                         next epoch, data order generator, metrics, output models so far and
                         training seconds, with its SHA-256 (see :mod:`acdc.checkpoint`)
``checkpoint.prev.pt``   the checkpoint before it (resume falls back to it if the newest is unusable)
``metrics.csv``          one row per epoch (see :meth:`Trainer.run_epoch`)
``history.json``         the controller's phase history (plain data, for FLOPs accounting)
``final_sparse.pt``      the model at the end of the schedule's epochs (AC/DC: of the final
                         compressed phase; GMP, RigL, static: the sparse model; dense: the dense one)
``summary.json``         output models' accuracies and the run's FLOPs (see :meth:`Trainer.summary`)
``best_dense.pt``        the dense-phase model with the best validation accuracy
``last_dense.pt``        the model at the end of the last dense phase
``finetuned_dense.pt``   with ``dense_finetune``: the best dense model fine-tuned over the epochs of
                         the final compressed phase, at their learning rates (Section 4)
``sparsity_accuracy.png``  Figure 1: sparsity and validation accuracy against epoch
=======================  =====================================================================

Model files hold ``{"epoch", "val_acc", "state_dict"}``; the state dict has no mask buffers and
loads into a fresh model of the same architecture.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from acdc import checkpoint
from acdc.analysis import count_stayed_zero, with_corrupt_labels, zero_masks
from acdc.config import PROJECTION_METHODS, TrainConfig, git_revision
from acdc.data import Splits, load_splits
from acdc.distributed import init_from_env
from acdc.finetune import finetune_epochs, start_finetune_epoch
from acdc.flops import RunFlops, count_flops
from acdc.masks import mask_free_state
from acdc.methods import build_controller
from acdc.models import build_classifier
from acdc.optim import build_optimizer
from acdc.plot import plot_metrics
from acdc.remedies import set_batch_norm_eps
from acdc.schedule import Phase
from acdc.sharded import (
    check_layout,
    count,
    full_state_dict,
    gathered,
    is_sharded,
    load_full_state_dict,
    shard_model,
)
from iht.projection import build_projection

CHECKPOINT = "checkpoint.pt"
PREVIOUS_CHECKPOINT = checkpoint.previous_path(CHECKPOINT).name
CHECKPOINT_KEYS = ("config", "epoch", "model", "optimizer", "scheduler", "controller", "loader_rng",
                   "metrics", "outputs", "train_seconds")
"""Entries of a trainer checkpoint."""
FINETUNE = "dense-finetune"
RESUME_INDEPENDENT = ("out", "device", "threads")
"""Config keys that may differ between a checkpoint and the run resuming it."""


def memory_format_for(model: nn.Module, sample_shape: tuple[int, ...]) -> torch.memory_format:
    """``torch.channels_last`` for a model with 2-D convolutions on image samples ``(C, H, W)``.

    oneDNN's CPU convolutions run in channels-last layout without reordering every tensor: a ResNet20
    training step at 16x16 took 0.10 s instead of 0.18 s of CPU time (one thread, batch 128). Other
    models and samples keep ``torch.preserve_format``. The layout changes speed only, not the model's
    values or state-dict keys (checkpoints load into either layout).
    """
    has_conv2d = any(isinstance(module, nn.Conv2d) for module in model.modules())
    return torch.channels_last if has_conv2d and len(sample_shape) == 3 else torch.preserve_format


def _check_entries(state: Any, path: Path) -> None:
    """Reject a loaded checkpoint that is not a dict with every entry of :data:`CHECKPOINT_KEYS`."""
    if not isinstance(state, dict):
        raise checkpoint.CorruptCheckpointError(f"{path} is not a trainer checkpoint: it holds a "
                                                f"{type(state).__name__}, not a dict")
    missing = [key for key in CHECKPOINT_KEYS if key not in state]
    if missing:
        raise checkpoint.CorruptCheckpointError(f"{path} is not a trainer checkpoint: it lacks the entries "
                                                f"{', '.join(missing)}")
    if not isinstance(state["config"], dict):
        raise checkpoint.CorruptCheckpointError(f"{path} is not a trainer checkpoint: its config is a "
                                                f"{type(state['config']).__name__}, not a dict")


def check_projection_fits(config: TrainConfig, weights: Mapping[str, torch.Tensor]) -> None:
    """Check that ``config``'s projection applies to each prunable weight (e.g. N:M to its shape).

    The projection is applied once to every weight alone (the layout of a sharded weight is checked
    instead, :func:`acdc.sharded.check_layout`: N:M groups must not straddle its shards); the weights it
    rejects are named in one ``ValueError`` with the ``exclude`` value (``--exclude``) that keeps them
    dense. A run is thus rejected before its first step, not at its first compressed phase.
    """
    projection = build_projection(config.projection, config.sparsity)
    misfits = {}
    with torch.no_grad():
        for name, weight in weights.items():
            try:
                if is_sharded(weight):
                    check_layout(projection, {name: weight})
                else:
                    projection.masks({name: weight.detach()})
            except ValueError as error:
                misfits[name] = str(error)
    if misfits:
        modules = [name.rsplit(".", 1)[0] for name in misfits]
        reasons = "; ".join(f"{name}: {reason}" for name, reason in misfits.items())
        raise ValueError(
            f"projection={config.projection!r} does not fit {len(misfits)} of the {len(weights)} prunable "
            f"layers ({reasons}); keep them dense with --exclude {' '.join(modules)} "
            f"(exclude={[*config.exclude, *modules]})"
        )


def format_seconds(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` from there on."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def epoch_line(row: Mapping[str, Any], total_epochs: int, elapsed: float, eta: float) -> str:
    """One progress line of a :meth:`Trainer.run_epoch` row: epoch/total (1-based), phase, learning rate,
    train and validation loss and accuracy, sparsity, training time so far and the run's ETA."""
    return (f"epoch {row['epoch'] + 1}/{total_epochs} {row['phase']:<10} lr {row['lr']:.4g} | "
            f"train loss {row['train_loss']:.4f} acc {100 * row['train_acc']:.1f}% | "
            f"val loss {row['val_loss']:.4f} acc {100 * row['val_acc']:.1f}% | "
            f"sparsity {100 * row['sparsity']:.1f}% | {format_seconds(elapsed)} elapsed, "
            f"ETA {format_seconds(eta)}")


class Trainer:
    """Train ``config``'s model with its sparse-training method; resume from ``config.out`` on request.

    Parameters
    ----------
    config : TrainConfig
    splits : Splits, optional
        Data to use instead of loading ``config.data`` (tests pass tiny in-memory sets).
    resume : bool
        Continue from ``config.out/checkpoint.pt`` (from ``checkpoint.prev.pt``, with a
        :class:`~acdc.checkpoint.CheckpointFallbackWarning`, if the newest is missing or unusable).
        Without it an existing checkpoint is an error.
    progress : bool
        Show a tqdm progress bar per epoch (main process only).
    log : callable, optional
        Called (main process only) with one line at the start of :meth:`fit` (epochs, device, threads)
        and one line per epoch (:func:`epoch_line`: phase, learning rate, losses and accuracies,
        sparsity, elapsed time and the run's ETA). None: silent.

    Raises
    ------
    ValueError
        If the configuration does not fit the model (see :func:`check_projection_fits`), before any
        training.
    """

    def __init__(self, config: TrainConfig, splits: Splits | None = None, resume: bool = False,
                 progress: bool = True, log: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.out = Path(config.out)
        self.progress = progress
        self.log = log
        if config.threads is not None:
            torch.set_num_threads(config.threads)
        self.process = init_from_env(config.device, always=config.fsdp)
        self.splits = splits or load_splits(config.data, config.data_root, config.image_size,
                                            config.subset, config.val_subset, config.seed)
        self.memorization = None
        if config.corrupt_labels:
            self.splits, self.memorization = with_corrupt_labels(self.splits, config.corrupt_labels,
                                                                 config.seed)
        self.budget_epochs = config.epochs
        finetune = len(finetune_epochs(config.build_schedule())) if config.dense_finetune else 0
        self.total_epochs = self.budget_epochs + finetune
        sample_shape = tuple(self.splits.train.tensors[0].shape[1:])
        with torch.random.fork_rng(devices=[]):  # seeded initialisation; the caller's global RNG untouched
            torch.manual_seed(config.seed)
            model = build_classifier(config.model, self.splits.num_classes, sample_shape, config.width)
        if config.bn_eps is not None:
            set_batch_norm_eps(model, config.bn_eps)
        # fully_shard takes contiguous parameters only: a sharded run keeps the default layout
        self.memory_format = (torch.contiguous_format if config.fsdp
                              else memory_format_for(model, sample_shape))
        self.model = model.to(self.process.device, memory_format=self.memory_format)
        self.flops = RunFlops(count_flops(self.model, (1, *sample_shape)), len(self.splits.train))
        if config.fsdp:
            shard_model(self.model)
        self.optimizer = build_optimizer(config.optimizer, self.model.parameters(), config.lr,
                                         config.momentum, config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, self.budget_epochs)
        self.loader_generator = torch.Generator().manual_seed(config.seed)
        self.train_loader = self._loader(self.splits.train, shuffle=True)
        self.val_loader = self._loader(self.splits.val, shuffle=False)
        self.controller = build_controller(config, self.model, self.optimizer, len(self.train_loader))
        if config.method in PROJECTION_METHODS:
            check_projection_fits(config, self.controller.masks.oriented())
        self.net: nn.Module = self.model
        if self.process.distributed and not config.fsdp:
            self.net = nn.parallel.DistributedDataParallel(self.model)
        self.epoch = 0
        self.metrics: list[dict[str, Any]] = []
        self.outputs: dict[str, dict[str, Any]] = {}
        self.train_seconds = 0.0
        """Seconds spent in :meth:`fit` up to its last checkpoint, summed over resumed runs (stored in each
        checkpoint; on the main process, which writes them)."""
        self._clock: tuple[float, float] | None = None  # (train_seconds, perf_counter()) at fit's start
        self._unusable: Path | None = None  # newest checkpoint skipped at resume: replaced, not kept
        self._start(resume)

    def _loader(self, dataset: Any, shuffle: bool) -> DataLoader:
        # Every loader has a generator: without one, each pass over it draws a base seed (for worker
        # processes, of which there are none) from the caller's global torch generator.
        if self.process.distributed and shuffle:
            sampler = DistributedSampler(dataset, self.process.world_size, self.process.rank, shuffle=True,
                                         seed=self.config.seed)
            return DataLoader(dataset, self.config.batch_size, sampler=sampler, generator=torch.Generator())
        return DataLoader(dataset, self.config.batch_size, shuffle=shuffle,
                          generator=self.loader_generator if shuffle else torch.Generator())

    def _start(self, resume: bool) -> None:
        path = self.out / CHECKPOINT
        if resume:
            self.load_checkpoint(path)
        elif checkpoint.exists(path):
            found = path if path.exists() else checkpoint.previous_path(path)
            raise FileExistsError(f"{found} exists: pass resume=True (CLI: --resume) to continue that run, "
                                  f"or choose another output folder")
        if self.process.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            info = {"config": self.config.to_dict(), "seed": self.config.seed, "git_revision": git_revision(),
                    "torch": torch.__version__, "device": str(self.process.device),
                    "world_size": self.process.world_size, "num_classes": self.splits.num_classes,
                    "sample_shape": list(self.splits.train.tensors[0].shape[1:])}
            (self.out / "config.json").write_text(json.dumps(info, indent=2) + "\n")

    def fit(self, until: int | None = None) -> dict[str, Any]:
        """Run the remaining epochs (those before ``until`` when given); return :meth:`summary`.

        Stopping at ``until`` and resuming in a fresh trainer gives the same result, bit for bit,
        as an uninterrupted run on the same device.
        """
        stop = self.total_epochs if until is None else min(until, self.total_epochs)
        self._clock = (self.train_seconds, time.perf_counter())
        first, started = self.epoch, time.perf_counter()
        self._say(f"{self.config.method} {self.config.model} on {self.config.data}: epochs {first + 1}-"
                  f"{stop} of {self.total_epochs}, {self.process.device}, "
                  f"{torch.get_num_threads()} CPU thread(s)")
        try:
            for epoch in range(first, stop):
                row = self.run_epoch(epoch)
                per_epoch = (time.perf_counter() - started) / (epoch + 1 - first)
                self._say(epoch_line(row, self.total_epochs, self._seconds(), per_epoch * (stop - epoch - 1)))
        finally:
            self._clock = None
        if self.epoch == self.total_epochs and self.process.is_main:
            self._write_outputs()
        return self.summary()

    def run_epoch(self, epoch: int) -> dict[str, Any]:
        """Train and evaluate one epoch; append and return its metrics row.

        Row keys: ``epoch``, ``phase`` (``dense``, ``compressed`` or ``dense-finetune``), ``lr``,
        ``train_loss``, ``train_acc`` (running averages over the epoch), ``val_loss``, ``val_acc`` (after
        the epoch), ``sparsity`` (fraction of exact zeros in the prunable weights after the epoch),
        ``mask_change`` (see :class:`~acdc.controller.PhaseRecord`), ``stayed_zero`` (prunable weights
        zero at the epoch's start and still zero at its end: in a dense epoch, the pruned weights it did
        not revive), ``inference_flops`` / ``inference_flops_rel`` (forward FLOPs per example at the
        masks after the epoch, and relative to dense), ``train_flops`` / ``train_flops_rel`` (training
        FLOPs of the epochs so far, and relative to dense training of those epochs; see
        :mod:`acdc.flops.run`), ``memorized_true_acc`` / ``memorized_corrupt_acc`` (with
        ``corrupt_labels``: accuracy on the corrupted samples against their true and corrupted labels,
        after the epoch; empty otherwise), and per layer ``sparsity/<weight>`` and ``norm/<weight>`` (the
        weight's L2 norm after the epoch: weights before batch norm are scale-invariant, and their norms
        drifting apart is what lets a global magnitude threshold empty whole layers, see
        :class:`~acdc.controller.LayerCollapseWarning`).
        """
        if epoch < self.budget_epochs:
            record = self.controller.start_epoch(epoch)
            phase = record.phase
        else:
            lrs = [row["lr"] for row in self.metrics]
            start_finetune_epoch(self.controller, epoch - self.budget_epochs, lrs,
                                 self.outputs["best_dense"]["state_dict"])
            record, phase = self.controller.record(epoch), FINETUNE
        lr = self.optimizer.param_groups[0]["lr"]
        zeros_at_start = zero_masks(self.controller.masks.weights)
        train_loss, train_acc = self._train(epoch, phase)
        if epoch < self.budget_epochs:
            self.scheduler.step()
        val_loss, val_acc = self.evaluate()
        overall, layers = self.weight_sparsity()
        weights = self.controller.masks.weights
        row = {"epoch": epoch, "phase": phase, "lr": lr, "train_loss": train_loss, "train_acc": train_acc,
               "val_loss": val_loss, "val_acc": val_acc, "sparsity": overall,
               "mask_change": record.mask_change,
               "stayed_zero": count_stayed_zero(zeros_at_start, self.controller.masks.weights),
               **self.flops.inference(self.controller.mask_density()[1]),
               **self.flops.training(self.controller.history),
               **self._memorization(),
               **{f"sparsity/{name}": value for name, value in layers.items()},
               **{f"norm/{name}": float(gathered(w.detach().norm())) for name, w in weights.items()}}
        self.metrics.append(row)
        self._keep_outputs(epoch, phase, val_acc)
        self.epoch = epoch + 1
        if self.process.is_main or self.config.fsdp:  # a sharded model is gathered by every process
            self.save_checkpoint(self.out / CHECKPOINT)
        if self.process.is_main:
            self._write_tables()
        return row

    def _say(self, line: str) -> None:
        if self.log is not None and self.process.is_main:
            self.log(line)

    def _memorization(self) -> dict[str, float | None]:
        if self.memorization is None:
            return {"memorized_true_acc": None, "memorized_corrupt_acc": None}
        return self.memorization.accuracy(self.model)

    def _train(self, epoch: int, phase: str) -> tuple[float, float]:
        self.net.train()
        if isinstance(self.train_loader.sampler, DistributedSampler):
            self.train_loader.sampler.set_epoch(epoch)
        totals = torch.zeros(3, dtype=torch.float64, device=self.process.device)
        bar = tqdm(self.train_loader, desc=f"epoch {epoch} {phase}", leave=False,
                   disable=not (self.progress and self.process.is_main))
        for x, y in bar:
            x, y = x.to(self.process.device, memory_format=self.memory_format), y.to(self.process.device)
            self.optimizer.zero_grad(set_to_none=True)
            logits = self.net(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            self.optimizer.step()
            totals += torch.stack([loss.detach().double() * len(y), (logits.argmax(1) == y).sum().double(),
                                   torch.tensor(len(y), dtype=torch.float64, device=totals.device)])
        if self.process.distributed:
            dist.all_reduce(totals)
            for buffer in self.model.buffers():  # DDP syncs buffers before each forward; do it after the last
                if not is_sharded(buffer):  # sharded masks are each process's own
                    dist.broadcast(buffer, src=0)
        return float(totals[0] / totals[2]), float(totals[1] / totals[2])

    @torch.no_grad()
    def evaluate(self) -> tuple[float, float]:
        """Mean cross-entropy and accuracy of the current model on the validation set."""
        self.model.eval()
        loss_sum, correct = 0.0, 0
        for x, y in self.val_loader:
            x, y = x.to(self.process.device, memory_format=self.memory_format), y.to(self.process.device)
            logits = self.model(x)
            loss_sum += float(F.cross_entropy(logits, y, reduction="sum"))
            correct += int((logits.argmax(1) == y).sum())
        n = len(self.val_loader.dataset)
        return loss_sum / n, correct / n

    def weight_sparsity(self) -> tuple[float, dict[str, float]]:
        """Fraction of exact zeros over all prunable weights, and per weight."""
        zeros = {name: count(w == 0) for name, w in self.controller.masks.weights.items()}
        sizes = {name: w.numel() for name, w in self.controller.masks.weights.items()}
        return sum(zeros.values()) / sum(sizes.values()), {n: zeros[n] / sizes[n] for n in zeros}

    def _keep_outputs(self, epoch: int, phase: str, val_acc: float) -> None:
        snapshot = {"epoch": epoch, "val_acc": val_acc, "state_dict": mask_free_state(self.model)}
        if phase == Phase.DENSE.value:
            self.outputs["last_dense"] = snapshot
            best = self.outputs.get("best_dense")
            if best is None or val_acc > best["val_acc"]:
                self.outputs["best_dense"] = snapshot
        if epoch == self.budget_epochs - 1:
            self.outputs["final_sparse"] = snapshot
        if phase == FINETUNE and epoch == self.total_epochs - 1:
            self.outputs["finetuned_dense"] = snapshot

    def _seconds(self) -> float:
        """:attr:`train_seconds` at the start of the running :meth:`fit` call plus the seconds since."""
        if self._clock is None:
            return self.train_seconds
        before, started = self._clock
        return before + time.perf_counter() - started

    def save_checkpoint(self, path: str | Path) -> None:
        """Everything needed to continue exactly, written atomically with its SHA-256.

        The checkpoint already at ``path`` becomes ``checkpoint.prev.pt`` (:func:`acdc.checkpoint.
        save_checkpoint`), except a newest checkpoint that resuming found unusable: that one is replaced.

        A sharded run (``fsdp``) saves a gathered state dict: every process calls this method, the
        model (masks included), the optimiser state (keyed by parameter name) and the controller's
        masks are gathered into full tensors (:func:`acdc.sharded.full_state_dict`), and the main
        process writes them. Such a checkpoint resumes a sharded run bit for bit
        (:meth:`load_checkpoint` gives each process its shards).
        """
        path = Path(path)
        self.train_seconds = self._seconds()
        if self.config.fsdp:
            model_state, optimizer_state = full_state_dict(self.model, self.optimizer)
        else:
            model_state, optimizer_state = self.model.state_dict(), self.optimizer.state_dict()
        controller_state = self.controller.state_dict()
        if not self.process.is_main:
            return
        checkpoint.save_checkpoint({
            "config": self.config.to_dict(),
            "epoch": self.epoch,
            "model": model_state,
            "optimizer": optimizer_state,
            "scheduler": self.scheduler.state_dict(),
            "controller": controller_state,
            "loader_rng": self.loader_generator.get_state(),
            "metrics": self.metrics,
            "outputs": self.outputs,
            "train_seconds": self.train_seconds,
        }, path, keep_previous=path != self._unusable)
        if path == self._unusable:
            self._unusable = None

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a :meth:`save_checkpoint` file written with the same configuration.

        Falls back to the previous checkpoint (``checkpoint.prev.pt`` beside ``path``) with a
        :class:`~acdc.checkpoint.CheckpointFallbackWarning` when ``path`` is missing or unusable.

        Raises
        ------
        FileNotFoundError
            If neither ``path`` nor its previous checkpoint exists.
        CorruptCheckpointError
            If no checkpoint is usable: each file is a directory, empty, truncated, damaged (content hash
            mismatch), not a checkpoint, or lacks entries of :data:`CHECKPOINT_KEYS`.
        ValueError
            If the checkpoint's configuration differs (other than output folder, device and threads).
        """
        path = Path(path)
        if not checkpoint.exists(path):
            raise FileNotFoundError(f"cannot resume: no checkpoint at {path}")
        state, used = checkpoint.load_latest(path, map_location=self.process.device, check=_check_entries)
        mine = self.config.to_dict()
        saved = {**TrainConfig().to_dict(), **state["config"]}  # knobs added since it was written: defaults
        changed = [f"{k}={saved[k]!r} (checkpoint) vs {mine[k]!r} (now)" for k in mine
                   if k not in RESUME_INDEPENDENT and saved[k] != mine[k]]
        if changed:
            raise ValueError(f"cannot resume from {used}: the configuration differs: {'; '.join(changed)}")
        if self.config.fsdp:
            load_full_state_dict(self.model, self.optimizer, state["model"], state["optimizer"])
        else:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.controller.load_state_dict(state["controller"])
        self.loader_generator.set_state(state["loader_rng"])
        self.epoch, self.metrics, self.outputs = state["epoch"], state["metrics"], state["outputs"]
        self.train_seconds = float(state["train_seconds"])
        self._unusable = path if used != path else None

    def _write_tables(self) -> None:
        columns = list(self.metrics[0])
        tmp = self.out / "metrics.csv.tmp"
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, columns)
            writer.writeheader()
            writer.writerows(self.metrics)
        tmp.replace(self.out / "metrics.csv")
        history = [asdict(r) for r in self.controller.history]
        (self.out / "history.json").write_text(json.dumps(history, indent=1) + "\n")

    def _write_outputs(self) -> None:
        for name, snapshot in self.outputs.items():
            checkpoint.save_atomic(snapshot, self.out / f"{name}.pt")
        plot_metrics(self.metrics, self.out / "sparsity_accuracy.png",
                     title=f"{self.config.method} {self.config.model} {self.config.data}, "
                           f"sparsity {self.config.sparsity}")
        (self.out / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")

    def summary(self) -> dict[str, Any]:
        """Epochs run, training seconds, epoch / validation accuracy (and sparsity) of each output model so
        far, and FLOPs.

        ``train_seconds``: :attr:`train_seconds` (the one entry that differs between identical runs).

        ``flops``: ``dense_inference`` (forward FLOPs per example of the dense model),
        ``final_sparse_inference`` and ``final_sparse_inference_rel`` (of ``final_sparse``, the model at
        the end of the method's epochs), ``budget_training`` and ``budget_training_rel`` (training FLOPs
        up to that epoch: the method's budget, as the paper's tables report it), and ``training`` and
        ``training_rel`` (all epochs run, a dense fine-tune included; absolute and relative to dense
        training of the same epochs).
        """
        result: dict[str, Any] = {"epochs_run": self.epoch, "total_epochs": self.total_epochs,
                                  "train_seconds": self.train_seconds}
        for name, snapshot in self.outputs.items():
            result[name] = {"epoch": snapshot["epoch"], "val_acc": snapshot["val_acc"],
                            "sparsity": self.metrics[snapshot["epoch"]]["sparsity"]}
        flops: dict[str, float] = {"dense_inference": self.flops.count.dense_flops}
        if "final_sparse" in self.outputs:
            final = self.metrics[self.outputs["final_sparse"]["epoch"]]
            flops.update(final_sparse_inference=final["inference_flops"],
                         final_sparse_inference_rel=final["inference_flops_rel"],
                         budget_training=final["train_flops"], budget_training_rel=final["train_flops_rel"])
        if self.metrics:
            last = self.metrics[-1]
            flops.update(training=last["train_flops"], training_rel=last["train_flops_rel"])
        result["flops"] = flops
        return result

    def close(self) -> None:
        """Remove the controller's hooks and leave the process group this trainer joined."""
        self.controller.close()
        if self.process.distributed and dist.is_initialized():
            dist.destroy_process_group()
