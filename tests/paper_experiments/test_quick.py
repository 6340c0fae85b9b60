"""Every experiment of :mod:`paper_experiments` in quick mode: tidy CSV, finite numbers, figures, table.

Experiments reading Fashion-MNIST are skipped, with the reason, where its files are missing
(``apt-get install -y dataset-fashion-mnist``).
"""

import math

import numpy as np
import pandas as pd
import pytest

from paper_experiments.common import fashion_mnist_missing
from paper_experiments.registry import EXPERIMENTS, run_experiment

PROVENANCE = ("seed", "git_revision", "config")
FINITE = {
    **dict.fromkeys(("table1", "table1-mlp", "table1-mlp-bn", "table1-resnet"),
                    ("sparsity", "final_acc", "final_sparsity", "inference_flops_rel", "train_flops_rel")),
    "figure1": ("final_acc", "final_sparsity", "best_dense_acc", "finetuned_dense_acc"),
    "figure2b": ("final_acc", "final_true_acc", "final_corrupt_acc", "dense_corrupt_acc",
                 "compressed_corrupt_acc"),
    "agreement": ("sparsity", "top1_agreement", "cross_entropy", "acc_a", "acc_b"),
    "semistructured": ("final_acc", "final_sparsity", "inference_flops_rel", "train_flops_rel"),
    "table4": ("sparsity", "ppl_dense", "final_sparsity", "pruned_share"),
    "theory": ("verified", "violated", "vacuous"),
    "projections": ("sparsity",),
    "collapse": ("final_acc", "final_sparsity", "emptied_channels_first", "max_emptied_layers"),
}
"""Columns each experiment's ``results.csv`` must have, finite in every row."""
FIGURES = {
    **dict.fromkeys(("table1", "table1-mlp", "table1-mlp-bn", "table1-resnet"),
                    ("table1_accuracy.png", "differences.csv", "acdc_layers.csv")),
    "figure1": ["figure1_sparsity_accuracy.png"],
    "figure2b": ["figure2b_memorization.png"], "agreement": ["agreement.png"],
    "semistructured": ["semistructured_accuracy.png"], "table4": ["table4_val_perplexity.png"],
    "theory": ["verify/convergence.png", "verify/phase_transition.png"],
    "projections": ["projection_gaps.png"],
    "collapse": ["collapse_norms.png"],
}


def test_every_experiment_is_checked():
    assert set(FINITE) == set(EXPERIMENTS) == set(FIGURES)


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_quick_run_writes_tidy_results(name, tmp_path):
    experiment = EXPERIMENTS[name]
    missing = fashion_mnist_missing() if experiment.needs_fashion_mnist else None
    if missing:
        pytest.skip(f"experiment {name!r} needs Fashion-MNIST: {missing}")
    returned = run_experiment(name, "quick", tmp_path, seed=0)
    results = pd.read_csv(tmp_path / "results.csv")
    assert list(results.columns) == list(returned.columns)
    assert len(results) >= 1
    assert set(FINITE[name]) | set(PROVENANCE) <= set(results.columns)
    assert np.isfinite(results[list(FINITE[name])].to_numpy(dtype=float)).all()
    numeric = results.select_dtypes("number")
    assert not np.isinf(numeric.to_numpy(dtype=float)).any()
    assert (results["seed"] >= 0).all() and results["config"].str.startswith("{").all()
    assert (tmp_path / "table.md").read_text().startswith("# ")
    assert (tmp_path / "config.json").is_file()
    for figure in FIGURES[name]:
        assert (tmp_path / figure).stat().st_size > 0


def test_projection_rows_have_their_metric(tmp_path):
    if fashion_mnist_missing():
        pytest.skip(f"needs Fashion-MNIST: {fashion_mnist_missing()}")
    results = run_experiment("projections", "quick", tmp_path, overrides={"instances": 1, "n_iter": 5})
    iht_rows, acdc_rows = results[results["part"] == "iht"], results[results["part"] == "acdc"]
    assert set(iht_rows["projection"]) == set(acdc_rows["projection"]) == {"global", "layerwise", "erk", "nm"}
    assert all(math.isfinite(v) for v in iht_rows["final_gap"])
    assert all(0 <= v <= 1 for v in acdc_rows["val_acc"])


def test_memorization_is_read_at_the_final_sparse_epoch(tmp_path):
    if fashion_mnist_missing():
        pytest.skip(f"needs Fashion-MNIST: {fashion_mnist_missing()}")
    results = run_experiment("figure2b", "quick", tmp_path, seed=0)
    epochs = pd.read_csv(tmp_path / "epochs.csv")
    for row in results.itertuples():
        run_epochs = epochs[epochs["sparsity_target"] == row.sparsity]
        final = run_epochs[run_epochs["phase"] == "compressed"].iloc[-1]
        assert row.final_true_acc == pytest.approx(final["memorized_true_acc"])
        assert row.final_corrupt_acc == pytest.approx(final["memorized_corrupt_acc"])
