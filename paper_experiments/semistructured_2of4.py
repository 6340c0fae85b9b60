"""Semi-structured 2:4 sparsity (Peste et al., NeurIPS 2021, Section 4, "Semi-structured Sparsity").

AC/DC with the 2:4 projection (two of every four consecutive input-channel weights kept, NVIDIA
Ampere's pattern) against a dense baseline and against AC/DC with global magnitude pruning at the
same 50% sparsity, ResNet20 on Fashion-MNIST. The paper (ResNet50/ImageNet) finds the 2:4 sparse model
slightly below the dense baseline, its dense-finetuned model back at the baseline, and global 50%
slightly above it. The first convolution (one input channel, not a multiple of 4) stays dense in both
AC/DC variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from iht.validation import check_known_names
from paper_experiments.common import Experiment, mean_std, output_folder, seeds_of, tidy, write_outputs
from paper_experiments.plots import figure, save
from paper_experiments.training import QUICK_IMAGES, TrainingRecipe, train_method

SPARSITY = 0.5
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "dense": ("dense", {}),
    "acdc-2of4": ("acdc", {"projection": "nm", "exclude": ("conv1",)}),
    "acdc-global": ("acdc", {"projection": "global", "exclude": ("conv1",)}),
}
"""Runs compared at sparsity 0.5: name -> (method, further :class:`~acdc.config.TrainConfig` fields)."""
COLUMNS = {"final_acc": "top-1 final model", "finetuned_dense_acc": "top-1 dense-finetuned",
           "final_sparsity": "sparsity", "inference_flops_rel": "inference FLOPs (× dense)",
           "wall_s": "seconds"}
"""Results columns of the markdown table, with their headings."""


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """The runs of :data:`VARIANTS`, each with ``seeds`` seeds."""

    variants: tuple[str, ...] = tuple(VARIANTS)  # names in VARIANTS
    seeds: int = 3                                # seeds per variant: seed, seed + 1, ...

    def __post_init__(self) -> None:
        super().__post_init__()
        check_known_names(self.variants, "variants", VARIANTS)


PRESETS = {
    "quick": Config(**QUICK_IMAGES, seeds=1),
    "full": Config(),  # 3 variants × 3 seeds, 10k images, 30 epochs (+7 fine-tune): 25k steps
}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Train every variant with every seed; tabulate mean ± std accuracy of the sparse and finetuned models.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``variant``, ``seed``, the columns of
        :meth:`~paper_experiments.training.TrainedRun.row`, ``git_revision``, ``config``.
    """
    out = output_folder(out)
    rows = []
    for variant in config.variants:
        method, changes = VARIANTS[variant]
        for seed in seeds_of(config, config.seeds):
            trained = train_method(config, out, method, SPARSITY, seed, label=variant, **changes)
            rows.append({"variant": variant, "seed": seed, **trained.row()})
    results = tidy(rows, config)
    plot_accuracy(results, out / "semistructured_accuracy.png")
    table = mean_std(results, ["variant"], list(COLUMNS)).rename(columns=COLUMNS)
    write_outputs(out, EXPERIMENT.name, config, results, table,
                  "2:4 semi-structured AC/DC vs dense (ResNet20, Fashion-MNIST)",
                  f"Mean ± std over {config.seeds} seed(s). The final model of AC/DC is its sparse model; "
                  "'dense' is the dense baseline trained for the same epochs.")
    return results


def plot_accuracy(results: pd.DataFrame, path: Path) -> Path:
    """Mean top-1 (std error bars) per variant: the final model, and AC/DC's dense-finetuned model."""
    stats = results.groupby("variant", sort=False)[["final_acc", "finetuned_dense_acc"]].agg(["mean", "std"])
    fig, ax = figure()
    bars = {"final_acc": "final model (sparse for AC/DC)", "finetuned_dense_acc": "dense-finetuned"}
    for offset, (column, label) in zip((-0.2, 0.2), bars.items(), strict=True):
        positions = [i + offset for i in range(len(stats))]
        ax.bar(positions, stats[(column, "mean")], width=0.4, yerr=stats[(column, "std")].fillna(0),
               capsize=3, label=label)
    ax.set_xticks(range(len(stats)), stats.index)
    ax.set(ylabel="top-1 validation accuracy", ylim=(max(0.0, results["final_acc"].min() - 0.1), None))
    ax.legend(loc="lower right")
    return save(fig, path)


EXPERIMENT = Experiment("semistructured", "Section 4 semi-structured: AC/DC with 2:4 sparsity vs dense",
                        PRESETS, run, needs_fashion_mnist=True)
