"""Why AC/DC with one global threshold collapses at 98% on ResNet20, and what each candidate remedy does.

The Table-1 recipe (:mod:`paper_experiments.table1_sparsity_sweep`, ResNet20 on 5k Fashion-MNIST
images at 16×16, 20 epochs) at 98% ends at chance for AC/DC with global magnitude top-k. This analysis
runs that AC/DC run once per remedy with a :class:`CollapseProbe` on the optimiser, which records at
every projection, per prunable weight:

- ``emptied``: output channels that keep no weight (of ``channels``), and ``kept``, the kept fraction;
- at the first dense step after the projection: the mean per-output-channel gradient norm over the
  emptied channels (``grad_emptied``) and over the others (``grad_kept``), and the weight's norm before
  and after that step (``norm_before``, ``norm_after``).

A channel that keeps no weight and feeds batch norm has zero batch variance; batch norm's backward then
scales its gradient by ``γ/√ε`` (:mod:`acdc.remedies`). The remedies (:data:`REMEDIES`):

=================  =====================================================================================
``none``           the paper's AC/DC
``bn-eps``         every batch norm's ``ε`` set to ``bn_eps`` (the factor becomes ``γ/√bn_eps``)
``channel-floor``  every output channel keeps ``min_channel_weights`` weights at each projection
                   (:class:`acdc.remedies.ChannelFloor`, the controller option ``min_channel_weights``)
``reinit``         at the first dense forward after a projection, channels whose weights are all zero
                   are redrawn (Kaiming normal, fan-out, as ResNet20's init) and their batch norm's
                   running statistics reset to (0, 1)
``warmup``         the learning rate ramps linearly from ``1/warmup_steps`` of its value to all of it over
                   the first ``warmup_steps`` steps of every dense phase that follows a projection
=================  =====================================================================================

Outputs: ``results.csv`` (one row per remedy), ``channels.csv`` (one row per remedy, projection and
weight), ``norms.csv`` (per remedy, epoch and weight: the weight's norm after the epoch), ``table.md``
and ``collapse_norms.png`` (per-layer norms against epoch, one panel per remedy).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn

from acdc.controller import LayerCollapseWarning
from acdc.remedies import emptied_channels
from acdc.trainer import Trainer
from iht.validation import check_int, check_known_names, check_real, check_sparsity
from paper_experiments.common import Experiment, log_progress, output_folder, tidy, write_outputs
from paper_experiments.plots import panels, save, shade_phases
from paper_experiments.training import QUICK_IMAGES, TrainingRecipe

REMEDIES = ("none", "bn-eps", "channel-floor", "reinit", "warmup")
"""Candidate remedies, each one AC/DC run (module docstring)."""
COLUMNS = {"final_acc": "top-1 sparse", "finetuned_dense_acc": "top-1 dense-finetuned",
           "emptied_channels_first": "emptied channels (1st projection)",
           "grad_ratio_first": "grad emptied / kept (1st dense step)",
           "max_norm_first_step": "max norm after 1st dense step", "max_norm_end": "max norm at end",
           "max_emptied_layers": "layers emptied (worst projection)", "wall_s": "wall s"}
"""Columns of the markdown table, with their headings."""


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """AC/DC at ``sparsity`` once per remedy (the Table-1 recipe by default)."""

    sparsity: float = 0.98                  # global sparsity of the compressed phases
    remedies: tuple[str, ...] = REMEDIES     # names in REMEDIES
    bn_eps: float = 1e-2                     # bn-eps: batch norm's ε
    min_channel_weights: int = 1             # channel-floor: kept weights per output channel
    warmup_steps: int = 20                   # warmup: steps of the ramp after each projection

    def __post_init__(self) -> None:
        super().__post_init__()
        check_sparsity(self.sparsity)
        check_known_names(self.remedies, "remedies", REMEDIES)
        check_real(self.bn_eps, "bn_eps", 0.0, strict=True)
        check_int(self.min_channel_weights, "min_channel_weights", 1)
        check_int(self.warmup_steps, "warmup_steps", 1)


PRESETS = {
    "quick": Config(**QUICK_IMAGES, warmup_steps=2),
    # the table1 full recipe: 5 runs × (20 + 3 fine-tune) epochs × 40 steps
    "full": Config(subset=5_000, epochs=20, update_interval=40),
}


def _oriented(tensor: torch.Tensor, axis: int) -> torch.Tensor:
    """``tensor`` in the layout ``(out, in, ...)`` (its input axis ``axis`` moved to 1), as projections see
    it (:meth:`acdc.masks.WeightMasks.oriented`)."""
    return tensor.movedim(axis, 1) if tensor.ndim >= 2 else tensor


def _channel_norms(tensor: torch.Tensor) -> torch.Tensor:
    rows = tensor.reshape(tensor.shape[0], -1) if tensor.ndim >= 2 else tensor.reshape(1, -1)
    return rows.norm(dim=1)


def _batch_norms_after(model: nn.Module, sample: torch.Tensor) -> dict[nn.Module, nn.Module]:
    """Module -> the batch norm that normalises its output directly, found by one forward of ``sample``."""
    outputs: dict[int, nn.Module] = {}
    pairs: dict[nn.Module, nn.modules.batchnorm._BatchNorm] = {}

    def record(module: nn.Module, _: Any, output: Any) -> None:
        if isinstance(output, torch.Tensor):
            outputs.setdefault(id(output), module)

    def pair(module: nn.Module, inputs: tuple[Any, ...]) -> None:
        producer = outputs.get(id(inputs[0]))
        if producer is not None:
            pairs[producer] = module

    handles = [m.register_forward_pre_hook(pair) if isinstance(m, nn.modules.batchnorm._BatchNorm)
               else m.register_forward_hook(record) for m in model.modules()]
    try:
        with torch.no_grad():
            was_training = model.training
            model.eval()
            model(sample)
            model.train(was_training)
    finally:
        for handle in handles:
            handle.remove()
    return pairs


class CollapseProbe:
    """Optimiser hooks that record emptied channels, first-dense-step gradients and norms (module docstring),
    and apply the ``reinit`` and ``warmup`` remedies.

    Parameters
    ----------
    trainer : Trainer
        An AC/DC run, before :meth:`Trainer.fit`.
    remedy : str
        One of :data:`REMEDIES`; ``bn-eps`` and ``channel-floor`` are applied by :func:`run_remedy`.
    warmup_steps : int
        Ramp length of ``warmup``.
    """

    def __init__(self, trainer: Trainer, remedy: str, warmup_steps: int) -> None:
        self.trainer = trainer
        self.controller = trainer.controller
        self.remedy = remedy
        self.warmup_steps = warmup_steps
        self.rows: list[dict[str, Any]] = []
        self._version: int | None = None
        self._pending: dict[str, torch.Tensor] | None = None  # emptied channels awaiting the first dense step
        self._current: list[dict[str, Any]] = []
        self._measure_after = False
        self._dense_steps = 0
        self._lrs: list[float] | None = None
        self._pairs: dict[str, nn.modules.batchnorm._BatchNorm] = {}
        if remedy == "reinit":
            sample = trainer.splits.train.tensors[0][:2].to(trainer.process.device)
            modules = _batch_norms_after(trainer.model, sample)
            owners = {name: module for module_name, module in trainer.model.named_modules()
                      for name in self.controller.masks.weights if name.rsplit(".", 1)[0] == module_name}
            self._pairs = {name: modules[m] for name, m in owners.items() if m in modules}
        self._handles = [trainer.optimizer.register_step_pre_hook(lambda *_: self._before_step()),
                         trainer.optimizer.register_step_post_hook(lambda *_: self._after_step()),
                         trainer.model.register_forward_pre_hook(lambda *_: self._before_forward())]

    def close(self) -> None:
        """Remove the hooks."""
        for handle in self._handles:
            handle.remove()

    def _epoch(self) -> int:
        return len(self.trainer.metrics)

    def _oriented_masks(self) -> dict[str, torch.Tensor]:
        masks = self.controller.masks
        return {name: _oriented(mask, masks.axes[name]) for name, mask in masks.as_dict().items()}

    def _before_forward(self) -> None:
        if (self.remedy != "reinit" or not self.trainer.model.training or self.controller.sparse
                or self._pending is None or self._epoch() >= self.trainer.budget_epochs):
            return
        masks = self.controller.masks
        with torch.no_grad():
            for name, weight in masks.weights.items():
                view = _oriented(weight, masks.axes[name])
                zero = _channel_norms(view) == 0
                if not bool(zero.any()):
                    continue
                fresh = torch.empty_like(view)
                nn.init.kaiming_normal_(fresh, mode="fan_out", nonlinearity="relu")
                view[zero] = fresh[zero]
                norm = self._pairs.get(name)
                if norm is not None and norm.running_mean is not None:
                    norm.running_mean[zero] = 0.0
                    norm.running_var[zero] = 1.0

    def _before_step(self) -> None:
        controller = self.controller
        if self._epoch() >= self.trainer.budget_epochs:
            return
        if controller.sparse:
            self._dense_steps = 0
            if controller.masks.version != self._version:
                self._version = controller.masks.version
                self._pending = {n: emptied_channels(m) for n, m in self._oriented_masks().items()}
                self._projected()
            return
        self._warm_up()
        if self._pending is None:
            return
        masks = controller.masks
        for row in self._current:
            weight = masks.weights[row["weight"]]
            grads = _channel_norms(_oriented(weight.grad, masks.axes[row["weight"]]))
            emptied = self._pending[row["weight"]]
            row.update(grad_emptied=float(grads[emptied].mean()) if bool(emptied.any()) else math.nan,
                       grad_kept=float(grads[~emptied].mean()) if not bool(emptied.all()) else math.nan,
                       norm_before=float(weight.detach().norm()))
        self._pending = None
        self._measure_after = True

    def _projected(self) -> None:
        index = len({row["projection"] for row in self.rows})
        density = self.controller.mask_density()[1]
        self._current = [{"projection": index, "epoch": self._epoch(), "weight": name,
                          "channels": int(emptied.numel()), "emptied": int(emptied.sum()),
                          "kept": density[name],
                          "norm_at_projection": float(self.controller.masks.weights[name].detach().norm())}
                         for name, emptied in self._pending.items()]
        self.rows.extend(self._current)

    def _after_step(self) -> None:
        if self._lrs is not None:
            for group, lr in zip(self.trainer.optimizer.param_groups, self._lrs):
                group["lr"] = lr
            self._lrs = None
        if self._measure_after:
            for row in self._current:
                row["norm_after"] = float(self.controller.masks.weights[row["weight"]].detach().norm())
            self._measure_after = False

    def _warm_up(self) -> None:
        """``warmup``: scale this step's learning rate (restored after the step) in the ramp."""
        if self.remedy != "warmup" or self._version is None or self._dense_steps >= self.warmup_steps:
            self._dense_steps += 1
            return
        self._dense_steps += 1
        groups = self.trainer.optimizer.param_groups
        self._lrs = [group["lr"] for group in groups]
        for group in groups:
            group["lr"] *= self._dense_steps / self.warmup_steps


def run_remedy(config: Config, out: Path, remedy: str) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """One AC/DC run with ``remedy`` into ``out/runs/<remedy>``; its results row, channel rows and norms."""
    changes = ({"min_channel_weights": config.min_channel_weights} if remedy == "channel-floor" else
               {"bn_eps": config.bn_eps} if remedy == "bn-eps" else {})
    train_config = config.train_config(out / "runs" / remedy, method="acdc", sparsity=config.sparsity,
                                       seed=config.seed, dense_finetune=True, **changes)
    log_progress(f"collapse {remedy}: training AC/DC at sparsity {config.sparsity:g}")
    trainer = Trainer(train_config, progress=False)
    probe = CollapseProbe(trainer, remedy, config.warmup_steps)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LayerCollapseWarning)  # the probe counts emptied layers itself
            summary = trainer.fit()
    finally:
        probe.close()
        trainer.close()
    channels = pd.DataFrame(probe.rows).assign(remedy=remedy)
    metrics = pd.DataFrame(trainer.metrics)
    norm_columns = [c for c in metrics.columns if c.startswith("norm/")]
    norms = metrics.melt(id_vars=["epoch", "phase"], value_vars=norm_columns, var_name="weight",
                         value_name="norm").assign(weight=lambda f: f["weight"].str.removeprefix("norm/"),
                                                   remedy=remedy)
    row = {"remedy": remedy, "seed": config.seed, **summarize(channels, norms, summary)}
    log_progress(f"collapse {remedy}: final {row['final_acc']:.4f}, dense-finetuned "
                 f"{row['finetuned_dense_acc']:.4f}, worst projection emptied {row['max_emptied_layers']} "
                 f"layer(s), {row['wall_s']:.0f} s")
    return row, channels, norms


def summarize(channels: pd.DataFrame, norms: pd.DataFrame, summary: dict[str, Any]) -> dict[str, Any]:
    """The results columns of one run from its channel rows, per-epoch norms and trainer summary.

    ``emptied_channels_first``: output channels emptied by the first projection (all weights);
    ``grad_ratio_first``: at the first dense step after it, the mean per-channel gradient norm of the
    emptied channels over that of the other channels (pooled over weights; NaN if none was emptied or the
    others got no gradient, as when an emptied layer cuts the output off the input);
    ``max_norm_first_step``: the largest weight norm after that step; ``max_norm_end``: the largest weight
    norm at the end of the schedule; ``max_emptied_layers``: the most weights a single projection emptied
    entirely.
    """
    first = channels[channels["projection"] == 0]
    emptied, kept = first["emptied"], first["channels"] - first["emptied"]
    ratio = math.nan
    if int(emptied.sum()) and "grad_emptied" in first:
        pooled_emptied = (first["grad_emptied"].fillna(0) * emptied).sum() / emptied.sum()
        pooled_kept = (first["grad_kept"].fillna(0) * kept).sum() / kept.sum()
        ratio = float(pooled_emptied / pooled_kept) if pooled_kept > 0 else math.nan
    last = norms[norms["epoch"] == summary["final_sparse"]["epoch"]]
    whole = channels["emptied"] == channels["channels"]
    return {"final_acc": summary["final_sparse"]["val_acc"],
            "finetuned_dense_acc": summary.get("finetuned_dense", {}).get("val_acc", math.nan),
            "best_dense_acc": summary["best_dense"]["val_acc"],
            "final_sparsity": summary["final_sparse"]["sparsity"],
            "emptied_channels_first": int(emptied.sum()), "grad_ratio_first": ratio,
            "max_norm_first_step": float(first["norm_after"].max()) if "norm_after" in first else math.nan,
            "max_norm_end": float(last["norm"].max()),
            "max_emptied_layers": int(whole.groupby(channels["projection"]).sum().max()),
            "wall_s": float(summary["train_seconds"])}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Every remedy of ``config.remedies`` once; write the tables and the figure (module docstring)."""
    out = output_folder(out)
    rows, channels, norms = [], [], []
    for remedy in config.remedies:
        row, channel_rows, norm_rows = run_remedy(config, out, remedy)
        rows.append(row)
        channels.append(channel_rows)
        norms.append(norm_rows)
    results = tidy(rows, config)
    pd.concat(channels).to_csv(out / "channels.csv", index=False)
    norms_frame = pd.concat(norms)
    norms_frame.to_csv(out / "norms.csv", index=False)
    plot_norms(norms_frame, out / "collapse_norms.png")
    table = results[["remedy", *COLUMNS]].rename(columns=COLUMNS)
    write_outputs(out, EXPERIMENT.name, config, results, table,
                  f"AC/DC at {config.sparsity:.0%}: the collapse and its candidate remedies",
                  f"One run per remedy (seed {config.seed}); per-projection channel counts, gradient "
                  "norms and weight norms in channels.csv, per-epoch norms in norms.csv.")
    return results


def plot_norms(norms: pd.DataFrame, path: Path) -> Path:
    """Per-layer weight norm against epoch (log scale), one panel per remedy, compressed epochs shaded."""
    remedies = list(dict.fromkeys(norms["remedy"]))
    fig, axes = panels(len(remedies), width=4.0, height=3.5)
    for ax, remedy in zip(axes, remedies):
        frame = norms[norms["remedy"] == remedy]
        phases = frame.drop_duplicates("epoch").sort_values("epoch")
        shade_phases(ax, phases["epoch"].tolist(), phases["phase"].tolist())
        for _, curve in frame.groupby("weight", sort=False):
            ax.plot(curve["epoch"], curve["norm"], lw=0.8)
        ax.set(title=remedy, xlabel="epoch", ylabel="weight norm", yscale="log")
    return save(fig, path)


EXPERIMENT = Experiment("collapse", "AC/DC's collapse at 98% (Table 1): diagnosis and candidate remedies",
                        PRESETS, run, needs_fashion_mnist=True)
