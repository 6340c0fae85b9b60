"""Figure 2b of Peste et al. (NeurIPS 2021): memorisation of corrupted labels, dense vs sparse phases.

AC/DC on Fashion-MNIST (the paper: ResNet20 on CIFAR-10) whose training set has ``corrupt_labels``
samples relabelled at random (1000 in the paper), at 90% and 95% sparsity. After every epoch the
trainer measures the accuracy on those samples against their true labels and against their corrupted
labels. The paper: during early training and sparse phases the model classifies them to their true
class; dense phases and the lower learning rate late in training memorise the corrupted labels, less so
at 95% sparsity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from paper_experiments.common import Experiment, output_folder, seeds_of, tidy, write_outputs
from paper_experiments.plots import COMPRESSED, panels, save, shade_phases
from paper_experiments.training import QUICK_IMAGES, TrainingRecipe, train_method

EPOCH_COLUMNS = ("epoch", "phase", "lr", "val_acc", "sparsity", "memorized_true_acc", "memorized_corrupt_acc")


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """AC/DC runs with corrupted training labels, one per (sparsity, seed)."""

    corrupt_labels: int = 1000                # training samples with a random wrong label
    sparsities: tuple[float, ...] = (0.9, 0.95)
    seeds: int = 1                            # seeds per sparsity


PRESETS = {
    "quick": Config(**QUICK_IMAGES, corrupt_labels=50),
    # 1000 of 20k labels corrupted (5%; the paper: 2% of CIFAR-10); 2 runs × 30 × 157 = 9.4k steps
    "full": Config(subset=20_000),
}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Train each run; write the per-epoch accuracies on the corrupted samples and Figure 2b.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``sparsity``, ``seed``, ``corrupt_labels``, ``final_acc``,
        ``final_true_acc`` / ``final_corrupt_acc`` (on the corrupted samples, for the final sparse
        model: the last compressed epoch, before any dense fine-tune),
        ``dense_corrupt_acc`` / ``compressed_corrupt_acc`` (mean accuracy against the corrupted labels
        over the dense and the compressed epochs), ``wall_s``, ``git_revision``, ``config``.
    """
    out = output_folder(out)
    rows, epochs = [], []
    for sparsity in config.sparsities:
        for seed in seeds_of(config, config.seeds):
            trained = train_method(config, out, "acdc", sparsity, seed, corrupt_labels=config.corrupt_labels)
            metrics = trained.metrics[list(EPOCH_COLUMNS)].assign(sparsity_target=sparsity, seed=seed)
            epochs.append(metrics)
            by_phase = metrics.groupby("phase")["memorized_corrupt_acc"].mean()
            final = metrics[metrics["phase"] == COMPRESSED].iloc[-1]
            rows.append({"sparsity": sparsity, "seed": seed, "corrupt_labels": config.corrupt_labels,
                         "final_acc": trained.row()["final_acc"],
                         "final_true_acc": final["memorized_true_acc"],
                         "final_corrupt_acc": final["memorized_corrupt_acc"],
                         "dense_corrupt_acc": by_phase.get("dense"),
                         "compressed_corrupt_acc": by_phase.get(COMPRESSED), "wall_s": trained.wall_s})
    epoch_table = pd.concat(epochs, ignore_index=True)
    epoch_table.to_csv(out / "epochs.csv", index=False)
    plot_memorization(epoch_table, out / "figure2b_memorization.png")
    results = tidy(rows, config)
    write_outputs(out, EXPERIMENT.name, config, results, results.drop(columns=["config", "git_revision"]),
                  f"Figure 2b analogue: accuracy on {config.corrupt_labels} corrupted training samples",
                  "Per-epoch values: `epochs.csv`; figure: `figure2b_memorization.png` (compressed "
                  "epochs shaded).")
    return results


def plot_memorization(epochs: pd.DataFrame, path: Path) -> Path:
    """One panel per sparsity (first seed): accuracy on the corrupted samples, true vs corrupted labels."""
    targets = list(dict.fromkeys(epochs["sparsity_target"]))
    fig, axes = panels(len(targets))
    for ax, target in zip(axes, targets, strict=True):
        run_epochs = epochs[(epochs["sparsity_target"] == target) & (epochs["seed"] == epochs["seed"].min())]
        shade_phases(ax, run_epochs["epoch"].tolist(), run_epochs["phase"].tolist())
        ax.plot(run_epochs["epoch"], run_epochs["memorized_true_acc"], marker=".", label="true label")
        ax.plot(run_epochs["epoch"], run_epochs["memorized_corrupt_acc"], marker=".", label="corrupted label")
        ax.set(xlabel="epoch", ylabel="accuracy on corrupted samples", ylim=(0, 1),
               title=f"AC/DC {target:.0%} sparsity")
        ax.legend()
    return save(fig, path)


EXPERIMENT = Experiment("figure2b", "Figure 2b: memorisation of 1000 corrupted labels at 90/95% sparsity",
                        PRESETS, run, needs_fashion_mnist=True)
