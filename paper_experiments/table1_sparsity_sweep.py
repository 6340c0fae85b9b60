"""Tables 1 and 2 of Peste et al. (NeurIPS 2021): sparse training methods at 80–98% global sparsity.

AC/DC against the dense baseline, GMP (gradual magnitude pruning), RigL (1× budget) and static sparse
training, ResNet20 on Fashion-MNIST (the paper: ResNet50 on ImageNet), with several seeds: top-1
accuracy mean ± std, inference FLOPs of the final model and training FLOPs of the run, both relative to
the dense model, and AC/DC's dense-finetuned model beside its sparse model. Every method trains for the
same epochs at the same learning-rate schedule (the dense fine-tune replaces AC/DC's final compressed
phase, as in the paper). The uncertainty of each cell is its 95% Student-t interval over seeds, and at
each sparsity every pair of models is compared by its seed-paired difference
(:mod:`paper_experiments.seed_statistics`). The same sweep runs the settings of
:mod:`paper_experiments.table1_separating`, where the methods separate.

At high sparsity, AC/DC also runs in the variants of :data:`ACDC_VARIANTS`: first and last layer kept
dense, as the paper's high-sparsity follow-up does ("we additionally trained AC/DC at high sparsity
without pruning the first and last layers", Section 4), and ERK per-layer densities instead of one global
threshold. Global magnitude top-k can empty whole layers at 98% (the controller then warns with
:class:`~acdc.controller.LayerCollapseWarning`); on ResNet20 keeping the first and last layer dense does
not prevent it, ERK does (measured: ``paper_experiments/results/README.md``). The trigger is output
channels emptied before batch norm (:mod:`paper_experiments.collapse_diagnosis`); the variant
``acdc-channel-floor`` keeps one weight per output channel (:class:`acdc.remedies.ChannelFloor`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from acdc.methods import CONTROLLERS
from iht.validation import check_known_names
from paper_experiments.common import (
    Experiment,
    markdown_table,
    mean_std,
    output_folder,
    seeds_of,
    tidy,
    write_outputs,
)
from paper_experiments.plots import figure, save
from paper_experiments.seed_statistics import cell_intervals, paired_differences, separation
from paper_experiments.training import QUICK_IMAGES, PlannedRun, TrainedRun, TrainingRecipe, train_all

DENSE = "dense"
FINETUNED = " dense-finetuned"
"""Suffix of the label of AC/DC's dense-finetuned model in the uncertainty tables."""
COLUMNS = {"final_acc": "top-1 sparse", "finetuned_dense_acc": "top-1 dense-finetuned",
           "final_sparsity": "sparsity reached", "inference_flops_rel": "inference FLOPs (× dense)",
           "train_flops_rel": "training FLOPs (× dense)"}
"""Results columns of the markdown table, with their headings."""
ACDC_VARIANTS: dict[str, dict[str, Any]] = {
    "acdc-keep-first-last": {"exclude": ("conv1", "fc")},
    "acdc-erk": {"projection": "erk"},
    "acdc-channel-floor": {"min_channel_weights": 1},
}
"""AC/DC variants run at ``Config.variant_sparsities``: name -> further ``TrainConfig`` fields."""


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """Methods × sparsities × seeds (the dense baseline once per seed)."""

    methods: tuple[str, ...] = ("dense", "gmp", "rigl", "static", "acdc")  # acdc.methods.CONTROLLERS
    sparsities: tuple[float, ...] = (0.8, 0.9, 0.95, 0.98)  # global sparsity targets
    acdc_variants: tuple[str, ...] = tuple(ACDC_VARIANTS)  # names in ACDC_VARIANTS
    variant_sparsities: tuple[float, ...] = (0.95, 0.98)   # sparsities the AC/DC variants run at
    seeds: int = 3                     # seeds per run: seed, seed + 1, ...

    def __post_init__(self) -> None:
        super().__post_init__()
        check_known_names(self.methods, "methods", CONTROLLERS)
        check_known_names(self.acdc_variants, "acdc_variants", ACDC_VARIANTS)

    def runs(self) -> list[PlannedRun]:
        """Every training of the table: the dense baseline once per seed, each method and AC/DC variant at
        each of its sparsities per seed."""
        cells = [(method, method, sparsity, {}) for method in self.methods
                 for sparsity in ((0.0,) if method == DENSE else self.sparsities)]
        cells += [(label, "acdc", sparsity, ACDC_VARIANTS[label]) for label in self.acdc_variants
                  for sparsity in self.variant_sparsities]
        return [PlannedRun(label, method, sparsity, seed, changes)
                for label, method, sparsity, changes in cells for seed in seeds_of(self, self.seeds)]


PRESETS = {
    "quick": Config(**QUICK_IMAGES, sparsities=(0.9,), acdc_variants=("acdc-erk",), variant_sparsities=(0.9,),
                    seeds=1),
    # 23 runs per seed × 3 seeds, 5k images, 20 epochs (+3 fine-tune for AC/DC): 59k steps
    "full": Config(subset=5_000, epochs=20, update_interval=40),
}


def sweep(config: Config, out: Path, name: str) -> pd.DataFrame:
    """Train every run of :meth:`Config.runs` for experiment ``name``; tabulate each (method, sparsity)
    cell with its 95% interval, the seed-paired differences per sparsity, and plot.

    Writes, besides the common outputs, ``differences.csv`` (:func:`accuracy_differences`) and
    ``acdc_layers.csv`` (:func:`layer_health` of the AC/DC runs).

    Returns
    -------
    pandas.DataFrame
        One row per run: ``method`` (the table label: method or AC/DC variant name), ``sparsity`` (0 for
        dense), ``seed``, the columns of
        :meth:`~paper_experiments.training.TrainedRun.row`, ``git_revision``, ``config``.
    """
    out = output_folder(out)
    planned = config.runs()
    trained = train_all(config, out, planned)
    results = tidy(({"method": p.label, "sparsity": p.sparsity, "seed": p.seed, **t.row()}
                    for p, t in zip(planned, trained)), config)
    plot_accuracy(results, out / "table1_accuracy.png")
    accuracies = accuracy_cells(results)
    differences = accuracy_differences(accuracies)
    differences.to_csv(out / "differences.csv", index=False)
    layer_health([(p, t) for p, t in zip(planned, trained) if p.method == "acdc"]).to_csv(
        out / "acdc_layers.csv", index=False)
    table = mean_std(results, ["method", "sparsity"], list(COLUMNS)).rename(columns=COLUMNS)
    intervals = cell_intervals(accuracies, ["model", "sparsity"], "acc")
    write_outputs(out, name, config, results, table,
                  f"Tables 1–2 analogue: {config.model} on {config.data}, sparse training methods",
                  f"Mean ± std over {config.seeds} seed(s); FLOPs relative to the dense model (training: "
                  "the schedule's epochs, AC/DC's dense fine-tune excluded).\n\n"
                  + uncertainty_section(intervals, differences))
    return results


def layer_health(runs: Sequence[tuple[PlannedRun, TrainedRun]]) -> pd.DataFrame:
    """Per run and epoch: ``phase``, ``val_acc``, the largest weight norm (``max_norm``, of weight
    ``max_norm_weight``) and ``emptied_layers``, the prunable weights with no weight kept: how AC/DC's
    collapse shows (a layer's norm blown up at a dense phase, whole layers emptied at the next projection;
    :mod:`acdc.remedies`). Read from each run's ``metrics.csv`` (``norm/<weight>``, ``sparsity/<weight>``)."""
    frames = []
    for planned, trained in runs:
        metrics = trained.metrics
        norms = metrics.filter(like="norm/")
        frames.append(pd.DataFrame({
            "method": planned.label, "sparsity": planned.sparsity, "seed": planned.seed,
            "epoch": metrics["epoch"], "phase": metrics["phase"], "val_acc": metrics["val_acc"],
            "max_norm": norms.max(axis=1), "max_norm_weight": norms.idxmax(axis=1).str.removeprefix("norm/"),
            "emptied_layers": (metrics.filter(like="sparsity/") >= 1.0).sum(axis=1)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def accuracy_cells(results: pd.DataFrame) -> pd.DataFrame:
    """Top-1 per run and output model, long: ``model`` (the method's label; ``<label> dense-finetuned`` for
    AC/DC's fine-tuned model), ``sparsity``, ``seed``, ``acc``."""
    sparse = results.assign(model=results["method"], acc=results["final_acc"])
    finetuned = results.dropna(subset=["finetuned_dense_acc"])
    finetuned = finetuned.assign(model=finetuned["method"] + FINETUNED, acc=finetuned["finetuned_dense_acc"])
    return pd.concat([sparse, finetuned])[["model", "sparsity", "seed", "acc"]].reset_index(drop=True)


def accuracy_differences(cells: pd.DataFrame) -> pd.DataFrame:
    """:func:`~paper_experiments.seed_statistics.paired_differences` of the models of
    :func:`accuracy_cells` at each sparsity, the dense baseline (trained once per seed) compared at every
    sparsity."""
    dense, sparse = cells[cells["model"] == DENSE], cells[cells["model"] != DENSE]
    dense_at = [dense.assign(sparsity=sparsity) for sparsity in sparse["sparsity"].unique()]
    return paired_differences(pd.concat([sparse, *dense_at]), "sparsity", "model", "acc")


def uncertainty_section(intervals: pd.DataFrame, differences: pd.DataFrame) -> str:
    """Markdown: each cell's mean ± std and 95% interval, the separation of the sparse models per
    sparsity, and the resolved seed-paired differences."""
    cells = intervals.assign(**{
        "top-1 (mean ± std)": [f"{m:.4f}" + ("" if math.isnan(s) else f" ± {s:.4f}")
                               for m, s in zip(intervals["mean"], intervals["std"])],
        "95% interval": _intervals(intervals)})
    grid = cells.pivot(index="model", columns="sparsity", values="top-1 (mean ± std)")
    grid = grid.loc[cells["model"].unique()].fillna("").rename(columns=lambda sparsity: f"{sparsity:g}")
    lines = ["## Top-1 by sparsity (mean ± std over seeds)", "", markdown_table(grid.reset_index()),
             "## Top-1 with 95% intervals (Student t over seeds)", "",
             markdown_table(cells[["model", "sparsity", "n", "top-1 (mean ± std)", "95% interval"]]),
             "## Separation of the sparse models", "",
             "Best and worst final sparse model per sparsity (dense and dense-finetuned models aside); the "
             "gap in units of the larger seed std of the two.", ""]
    for sparsity, group in intervals[intervals["sparsity"] > 0].groupby("sparsity"):
        sparse = group[~group["model"].str.endswith(FINETUNED)].set_index("model")
        best, worst, gap, ratio = separation(sparse)
        lines.append(f"- {sparsity:g}: {best} − {worst} = {gap:.4f} ({ratio:.1f} seed stds)")
    resolved = differences[differences["resolved"]]
    lines += ["", "## Seed-paired differences resolved at 95%", "",
              f"{len(resolved)} of {len(differences)} pairs (all pairs, with their intervals: "
              "`differences.csv`; no multiple-comparison correction).", ""]
    if not resolved.empty:
        shown = resolved.assign(interval=_intervals(resolved))
        lines.append(markdown_table(shown[["sparsity", "better", "worse", "n", "difference", "interval"]]))
    return "\n".join(lines)


def _intervals(frame: pd.DataFrame) -> list[str]:
    """``[low, high]`` of each row of ``frame`` (``–`` where one seed leaves it unknown)."""
    return ["–" if math.isnan(lo) else f"[{lo:.4f}, {hi:.4f}]" for lo, hi in zip(frame["low"], frame["high"])]


def plot_accuracy(results: pd.DataFrame, path: Path) -> Path:
    """Top-1 against sparsity per method (mean ± std); dense as a line, AC/DC dense-finetuned dashed."""
    fig, ax = figure()
    grouped = results.groupby(["method", "sparsity"], sort=False)
    for column, style in (("final_acc", "-"), ("finetuned_dense_acc", "--")):
        stats = grouped[column].agg(["mean", "std"]).dropna(subset=["mean"]).reset_index()
        for method, curve in stats.groupby("method", sort=False):
            if method == DENSE:
                ax.axhline(curve["mean"].iloc[0], color="black", lw=1, label="dense")
                continue
            label = method if column == "final_acc" else f"{method} dense-finetuned"
            ax.errorbar(100 * curve["sparsity"], curve["mean"], yerr=curve["std"].fillna(0), linestyle=style,
                        marker="o", capsize=3, label=label)
    ax.set(xlabel="sparsity (%)", ylabel="top-1 validation accuracy")
    ax.legend(fontsize=8)
    return save(fig, path)


EXPERIMENT = Experiment("table1", "Tables 1–2: AC/DC vs dense, GMP, RigL, static at 80–98% sparsity",
                        PRESETS, partial(sweep, name="table1"), needs_fashion_mnist=True)
