"""Output analysis of Peste et al. (NeurIPS 2021, Section 4): sample agreement of sparse/dense pairs.

AC/DC co-trains a sparse and a dense model; GMP prunes a model that started dense. The paper (ResNet50,
80% sparsity) finds the AC/DC pair (sparse model, dense-finetuned model) agreeing on the top-1 class of
90% of validation samples against 86% for the GMP model and the dense baseline, with a lower
cross-entropy between their outputs. Here: ResNet20 on Fashion-MNIST at 80% and 90% sparsity,
:func:`acdc.analysis.agreement` on the validation set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from torch.utils.data import DataLoader

from acdc.analysis import agreement
from paper_experiments.common import Experiment, mean_std, output_folder, seeds_of, tidy, write_outputs
from paper_experiments.plots import figure, save
from paper_experiments.training import QUICK_IMAGES, TrainingRecipe, train_method, validation_splits

PAIRS = ("acdc sparse vs acdc dense-finetuned", "gmp vs dense")
COLUMNS = ("top1_agreement", "cross_entropy", "acc_a", "acc_b")


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """AC/DC and GMP at each sparsity, and a dense baseline, per seed."""

    sparsities: tuple[float, ...] = (0.8, 0.9)
    seeds: int = 3                   # seeds: seed, seed + 1, ...


PRESETS = {
    "quick": Config(**QUICK_IMAGES, sparsities=(0.8,), seeds=1),
    "full": Config(seeds=2),  # 5 runs per seed, 10k images, 30 epochs: 26k steps
}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Train the runs, then measure each pair's agreement on the validation set.

    Returns
    -------
    pandas.DataFrame
        One row per (pair, sparsity, seed): ``pair``, ``sparsity``, ``seed``, ``top1_agreement``,
        ``cross_entropy`` (mean ``H(p_a, p_b)``, nats), ``reverse_cross_entropy``, ``acc_a``, ``acc_b``
        (validation accuracy of the two models), ``git_revision``, ``config``.
    """
    out = output_folder(out)
    rows = []
    for seed in seeds_of(config, config.seeds):
        dense = train_method(config, out, "dense", 0.0, seed)
        splits = validation_splits(dense.config)
        loader = DataLoader(splits.val, batch_size=256)
        for sparsity in config.sparsities:
            acdc, gmp = (train_method(config, out, method, sparsity, seed) for method in ("acdc", "gmp"))
            pairs = {PAIRS[0]: (acdc, "final_sparse", acdc, "finetuned_dense"),
                     PAIRS[1]: (gmp, "final_sparse", dense, "final_sparse")}
            for pair, (run_a, output_a, run_b, output_b) in pairs.items():
                model_a, model_b = run_a.load_model(output_a, splits), run_b.load_model(output_b, splits)
                measured = agreement(model_a, model_b, loader)
                rows.append({"pair": pair, "sparsity": sparsity, "seed": seed,
                             "top1_agreement": measured["top1_agreement"],
                             "cross_entropy": measured["cross_entropy"],
                             "reverse_cross_entropy": measured["reverse_cross_entropy"],
                             "acc_a": run_a.val_acc(output_a), "acc_b": run_b.val_acc(output_b)})
    results = tidy(rows, config)
    plot_agreement(results, out / "agreement.png")
    write_outputs(out, EXPERIMENT.name, config, results, mean_std(results, ["pair", "sparsity"], COLUMNS),
                  "Output analysis: top-1 agreement and cross-entropy of sparse/dense pairs (ResNet20, "
                  "Fashion-MNIST)",
                  "Model a is the sparse one (AC/DC's sparse model, or GMP's); model b the dense one. "
                  f"Mean ± std over {config.seeds} seed(s).")
    return results


def plot_agreement(results: pd.DataFrame, path: Path) -> Path:
    """Mean top-1 disagreement (1 − agreement) per sparsity, one bar per pair."""
    means = results.groupby(["sparsity", "pair"], sort=False)["top1_agreement"].mean().unstack("pair")
    fig, ax = figure()
    (1 - means).plot.bar(ax=ax, rot=0)
    ax.set(xlabel="sparsity", ylabel="top-1 disagreement (fraction)", ylim=(0, 1.3 * (1 - means).max().max()))
    ax.legend(fontsize=8, loc="upper left")
    return save(fig, path)


EXPERIMENT = Experiment("agreement", "Output analysis: agreement of AC/DC's sparse/dense pair vs GMP/dense",
                        PRESETS, run, needs_fashion_mnist=True)
