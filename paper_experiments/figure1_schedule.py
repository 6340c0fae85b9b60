"""Figures 1 and 2a of Peste et al. (NeurIPS 2021): sparsity and validation accuracy against epoch.

One AC/DC run of ResNet20 on Fashion-MNIST with the paper's schedule scaled to ``epochs`` (dense
warm-up, alternating compressed/decompressed phases, a longer last dense phase, a final compressed
phase), followed by the dense fine-tune. The figure shows the sawtooth of Figure 2a: accuracy drops
at each compression and recovers during the phase, and climbs above the sparse level in each dense
phase.

Outputs: ``epochs.csv`` (one row per epoch), ``results.csv`` (one row per run: accuracy of the
final sparse, best dense and dense-finetuned models), ``table.md``, ``figure1_sparsity_accuracy.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from acdc.plot import plot_metrics
from paper_experiments.common import Experiment, output_folder, tidy, write_outputs
from paper_experiments.training import QUICK_IMAGES, TrainingRecipe, train_method

EPOCH_COLUMNS = ("epoch", "phase", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "sparsity",
                 "mask_change")


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """One AC/DC run (ResNet20 recipe of :class:`~paper_experiments.training.TrainingRecipe`)."""

    sparsity: float = 0.9        # target sparsity of the compressed phases (global magnitude)
    projection: str = "global"   # global | layerwise | erk


PRESETS = {
    "quick": Config(**QUICK_IMAGES),
    # ResNet20 steps (16×16, batch 128): ~0.05 s each on an idle core, 3-5× that on a loaded machine
    "full": Config(subset=20_000, val_subset=5_000, epochs=40),  # 48 epochs × 157 steps = 7.5k steps
}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Train one AC/DC run with its dense fine-tune; write the per-epoch table and Figure 1.

    Returns
    -------
    pandas.DataFrame
        One row: ``seed``, ``sparsity``, ``epochs``, the columns of
        :meth:`~paper_experiments.training.TrainedRun.row`, ``git_revision``, ``config``.
    """
    out = output_folder(out)
    trained = train_method(config, out, "acdc", config.sparsity, config.seed, projection=config.projection)
    epochs = trained.metrics[list(EPOCH_COLUMNS)].assign(seed=config.seed)
    epochs.to_csv(out / "epochs.csv", index=False)
    plot_metrics(epochs.to_dict("records"), out / "figure1_sparsity_accuracy.png",
                 title=f"AC/DC ResNet20 Fashion-MNIST {config.image_size}×{config.image_size}, "
                       f"{config.sparsity:.0%} sparsity")
    results = tidy([{"seed": config.seed, "sparsity": config.sparsity, "epochs": config.epochs,
                     **trained.row()}], config)
    table = results[["sparsity", "epochs", "final_acc", "final_sparsity", "best_dense_acc",
                     "finetuned_dense_acc", "wall_s"]]
    write_outputs(out, EXPERIMENT.name, config, results, table,
                  "Figure 1 / 2a analogue: one AC/DC run (ResNet20, Fashion-MNIST)",
                  "Per-epoch values: `epochs.csv`; figure: `figure1_sparsity_accuracy.png` "
                  "(compressed epochs shaded, dense fine-tune hatched).")
    return results


EXPERIMENT = Experiment("figure1", "Figures 1 and 2a: sparsity and validation accuracy against epoch",
                        PRESETS, run, needs_fashion_mnist=True)
