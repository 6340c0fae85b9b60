"""The trainer runs every registered classifier on the registered data sets."""

from __future__ import annotations

import pytest
import torch

from acdc.models import build_classifier
from acdc.trainer import Trainer
from iht.projection import k_from_sparsity
from tests.acdc.helpers import tiny_config


def test_mlp_trains_on_digits_with_exact_sparsity(tmp_path):
    pytest.importorskip("sklearn")
    config = tiny_config(tmp_path, model="mlp", data="digits", width=2, subset=256, val_subset=64)
    trainer = Trainer(config, progress=False)
    summary = trainer.fit()
    weights = trainer.controller.masks.weights
    total = sum(w.numel() for w in weights.values())
    kept = sum(int((w != 0).sum()) for w in weights.values())
    assert kept == k_from_sparsity(total, config.sparsity)
    assert summary is not None
    trainer.close()


@pytest.mark.parametrize(("name", "shape"), [("mlp", (1, 40)), ("resnet20", (3, 16, 16))])
def test_build_classifier_output_shape(name, shape):
    model = build_classifier(name, 7, shape, width=2)
    assert model(torch.zeros(2, *shape)).shape == (2, 7)


def test_unknown_model_is_named():
    with pytest.raises(ValueError, match=r"model must be one of \['mlp', 'resnet20'\]; got"):
        build_classifier("vgg", 10, (3, 32, 32))
