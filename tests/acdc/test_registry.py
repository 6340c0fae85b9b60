"""The registries: the trainer runs every registered classifier on the registered data sets; a projection
registered in the core is usable by acdc's configuration, controllers and command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
import torch

from acdc.cli import build_parser
from acdc.methods import build_controller
from acdc.models import build_classifier
from acdc.trainer import Trainer
from iht.projection import PROJECTIONS, Projection, k_from_sparsity
from tests.acdc.helpers import tiny_config, tiny_net


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
    with pytest.raises(ValueError, match=r"model must be one of \['mlp', 'mlp-bn', 'resnet20'\]; got"):
        build_classifier("vgg", 10, (3, 32, 32))


@dataclass(frozen=True)
class FirstEntries(Projection):
    """Keeps the first entries (row-major) of every array: a projection that only this test defines."""

    sparsity: float

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        masks = {}
        for name, x in arrays.items():
            mask = torch.zeros(x.numel(), dtype=torch.bool)
            mask[:k_from_sparsity(x.numel(), self.sparsity)] = True
            masks[name] = mask.view(x.shape)
        return masks


def test_a_projection_registered_in_the_core_is_usable_from_acdc(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(PROJECTIONS, "first", FirstEntries)
    config = tiny_config(tmp_path, projection="first", sparsity=0.5, schedule="dense:1,compressed:1",
                         epochs=2)
    model = tiny_net()
    controller = build_controller(config, model, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    controller.start_epoch(0)
    controller.start_epoch(1)
    for name, weight in controller.masks.weights.items():
        assert torch.equal(controller.masks.get(name), FirstEntries(0.5).mask(weight))
    controller.close()
    model = tiny_net()
    gmp = build_controller(replace(config, method="gmp"), model, torch.optim.SGD(model.parameters()), 1)
    assert gmp.projection(0.3) == FirstEntries(0.3)
    gmp.close()
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    assert "one of erk, first, global, layerwise, nm" in " ".join(capsys.readouterr().out.split())


def test_the_config_does_not_import_the_method_registry_which_reads_it():
    code = ("import sys, acdc.config; assert 'acdc.methods' not in sys.modules; "
            "acdc.config.TrainConfig(method='gmp'); assert 'acdc.methods' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
