"""Output analysis: agreement, memorisation of corrupted labels, mask dynamics, FLOPs in the metrics."""

from __future__ import annotations

import csv
import itertools
import json
import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from acdc.analysis import agreement, corrupt_labels, count_stayed_zero, mask_changes, zero_masks
from acdc.data import load_splits
from acdc.trainer import Trainer
from tests.acdc.helpers import tiny_batch, tiny_config, tiny_net


def fixed_logits(rows):
    """A linear model whose logits on the one-hot input e_i are ``rows[i]``."""
    model = nn.Linear(len(rows), len(rows[0]), bias=False)
    model.weight.data = torch.tensor(rows, dtype=torch.float32).T.contiguous()
    return model


ONE_HOT = DataLoader(TensorDataset(torch.eye(2), torch.zeros(2, dtype=torch.long)), batch_size=1)


def test_agreement_of_a_model_with_itself_is_one_and_its_cross_entropy_is_its_entropy():
    model = tiny_net()
    x, y = tiny_batch(n=16)
    result = agreement(model, model, DataLoader(TensorDataset(x, y), batch_size=5))
    assert result["top1_agreement"] == 1.0 and result["samples"] == 16
    assert result["cross_entropy"] == pytest.approx(result["entropy_a"], rel=1e-12)
    assert result["reverse_cross_entropy"] == pytest.approx(result["entropy_b"], rel=1e-12)


def test_agreement_on_hand_made_models():
    a = fixed_logits([[0.0, 0.0], [math.log(3), 0.0]])  # p = (1/2, 1/2), (3/4, 1/4)
    b = fixed_logits([[math.log(3), 0.0], [0.0, math.log(3)]])  # q = (3/4, 1/4), (1/4, 3/4)
    result = agreement(a, b, ONE_HOT)
    assert result["top1_agreement"] == 0.5  # the tie (1/2, 1/2) resolves to class 0, as q's argmax
    log = math.log
    h_pq = (-(0.5 * log(0.75) + 0.5 * log(0.25)) - (0.75 * log(0.25) + 0.25 * log(0.75))) / 2
    h_qp = (-(0.75 * log(0.5) + 0.25 * log(0.5)) - (0.25 * log(0.75) + 0.75 * log(0.25))) / 2
    assert result["cross_entropy"] == pytest.approx(h_pq, rel=1e-6)
    assert result["reverse_cross_entropy"] == pytest.approx(h_qp, rel=1e-6)
    assert result["entropy_a"] == pytest.approx((log(2) - 0.75 * log(0.75) - 0.25 * log(0.25)) / 2)


def test_agreement_needs_data():
    with pytest.raises(ValueError, match="loader must yield at least one batch; got an empty loader"):
        agreement(tiny_net(), tiny_net(), [])


def test_corrupt_labels_are_wrong_for_exactly_n_samples_and_reproducible():
    labels = torch.arange(100) % 10
    corrupted, indices = corrupt_labels(labels, 17, 10, torch.Generator().manual_seed(3))
    assert int((corrupted != labels).sum()) == 17
    assert torch.equal(torch.nonzero(corrupted != labels).flatten(), indices)
    assert bool(((corrupted >= 0) & (corrupted < 10)).all())
    again, _ = corrupt_labels(labels, 17, 10, torch.Generator().manual_seed(3))
    other, _ = corrupt_labels(labels, 17, 10, torch.Generator().manual_seed(4))
    assert torch.equal(again, corrupted) and not torch.equal(other, corrupted)
    with pytest.raises(ValueError, match=r"corrupt_labels must be in \[0, 100\]; got corrupt_labels=101"):
        corrupt_labels(labels, 101, 10, torch.Generator())


def test_mask_changes_over_a_history():
    history = [
        {"epoch": 0, "phase": "dense", "mask_change": None},
        {"epoch": 1, "phase": "compressed", "mask_change": None},
        {"epoch": 2, "phase": "dense", "mask_change": None},
        {"epoch": 3, "phase": "compressed", "mask_change": 0.25},
        {"epoch": 4, "phase": "compressed", "mask_change": 0.25},
        {"epoch": 5, "phase": "dense", "mask_change": None},
        {"epoch": 6, "phase": "compressed", "mask_change": 0.1},
    ]
    assert mask_changes(history) == {3: 0.25, 6: 0.1}


def test_weights_that_stay_zero():
    weights = {"a": torch.tensor([0.0, 1.0, 0.0]), "b": torch.tensor([[0.0, 0.0]])}
    before = zero_masks(weights)
    weights["a"][0] = 2.0
    assert count_stayed_zero(before, weights) == 3


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result = {}
    for method in ("acdc", "dense", "static"):
        trainer = Trainer(tiny_config(out / method, method=method, corrupt_labels=6), progress=False)
        trainer.fit()
        trainer.close()
        result[method] = trainer
    return result


def test_flops_columns_and_summary(runs):
    dense, acdc, static = (runs[m].metrics for m in ("dense", "acdc", "static"))
    assert all(r["train_flops_rel"] == 1.0 and r["inference_flops_rel"] == 1.0 for r in dense)
    assert static[-1]["train_flops_rel"] < acdc[-1]["train_flops_rel"] < 1.0
    assert [r["inference_flops_rel"] == 1.0 for r in acdc] == [r["phase"] == "dense" for r in acdc]
    assert all(r["train_flops"] < s["train_flops"] for r, s in itertools.pairwise(acdc))  # cumulative
    summary = json.loads((runs["acdc"].out / "summary.json").read_text())
    flops = summary["flops"]
    assert flops["final_sparse_inference_rel"] == acdc[-1]["inference_flops_rel"] < 1.0
    relative = acdc[-1]["inference_flops_rel"]
    assert flops["final_sparse_inference"] == pytest.approx(flops["dense_inference"] * relative)
    assert flops["training_rel"] == acdc[-1]["train_flops_rel"] and flops["training"] > 0


def test_memorization_and_stayed_zero_columns(runs):
    with open(runs["acdc"].out / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        assert 0 <= float(row["memorized_true_acc"]) <= 1 and 0 <= float(row["memorized_corrupt_acc"]) <= 1
    assert rows[0]["stayed_zero"] == "0" and int(rows[3]["stayed_zero"]) > 0  # compressed: the pruned ones
    probe = runs["acdc"].memorization
    assert len(probe.inputs) == 6 and bool((probe.true_labels != probe.corrupt_labels).all())
    config = runs["acdc"].config
    clean = load_splits(config.data, image_size=config.image_size, subset=config.subset,
                        val_subset=config.val_subset, seed=config.seed).train.tensors[1]
    assert int((runs["acdc"].splits.train.tensors[1] != clean).sum()) == 6


def test_budget_training_flops_exclude_the_dense_finetune(tmp_path):
    trainer = Trainer(tiny_config(tmp_path, dense_finetune=True), progress=False)
    trainer.fit()
    trainer.close()
    flops = json.loads((tmp_path / "summary.json").read_text())["flops"]
    final_epoch = trainer.budget_epochs - 1
    assert flops["budget_training_rel"] == trainer.metrics[final_epoch]["train_flops_rel"]
    assert flops["budget_training_rel"] < flops["training_rel"] < 1.0  # fine-tune epochs are dense
