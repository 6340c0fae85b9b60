"""Errors of the FLOPs counter name the parameter, the allowed values and the value received."""

import warnings

import pytest
import torch
from torch import nn

from acdc.flops import (
    InputShapeError,
    PhaseCost,
    UnknownLayerError,
    UnknownLayerWarning,
    count_flops,
    flops_report,
    phases_from_epochs,
    training_flops,
)


def small():
    return nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.ReLU())


@pytest.mark.parametrize("shape", ["1x3", 3, (), (1, 0, 8, 8), (1, 3.5), (True, 3)])
def test_bad_input_shapes_raise(shape):
    with pytest.raises(InputShapeError, match=r"input_shape must be .*sequence of positive integers"):
        count_flops(small(), shape)


def test_input_shape_the_model_cannot_run_on_raises():
    with pytest.raises(InputShapeError, match=r"cannot run on input_shape=\(1, 4, 8, 8\)"):
        count_flops(small(), (1, 4, 8, 8))


def test_unknown_layers_warn_with_their_types_or_raise_when_strict():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Softplus(), nn.ConvTranspose2d(4, 2, 3))
    with pytest.warns(UnknownLayerWarning, match=r"\['Softplus', 'ConvTranspose2d'\]"):
        count = count_flops(model, (1, 3, 8, 8))
    assert count.unknown_types == ("Softplus", "ConvTranspose2d")
    assert count.rows["layer"].tolist() == ["0"]
    with pytest.raises(
        UnknownLayerError, match=r"module types \['Softplus', 'ConvTranspose2d'\].*strict=True"
    ):
        count_flops(model, (1, 3, 8, 8), strict=True)


class RowSum(nn.Module):
    def forward(self, x):
        return x.sum(-1, keepdim=True).expand_as(x)


def test_one_warning_lists_every_uncounted_type_with_its_calls():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.Softplus(), RowSum(), nn.Softplus(), nn.ConvTranspose2d(4, 2, 3)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        count = count_flops(model, (1, 3, 8, 8))
    assert [type(w.message) for w in caught] == [UnknownLayerWarning]
    assert str(caught[0].message) == (
        "no FLOPs formula for module types ['Softplus', 'RowSum', 'ConvTranspose2d']; their FLOPs are "
        "missing or incomplete (uncounted calls: Softplus: softplus; RowSum: sum; "
        "ConvTranspose2d: conv_transpose2d)"
    )
    assert count.uncounted == {
        "Softplus": ("softplus",), "RowSum": ("sum",), "ConvTranspose2d": ("conv_transpose2d",)
    }


class Permute(nn.Module):
    def forward(self, x):
        return torch.permute(x, (0, 2, 3, 1))


class LayerScale(nn.Module):
    """Owns a parameter and a child; its only arithmetic, the scaling, is a counted mul."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))
        self.inner = nn.Sequential(nn.Identity())

    def forward(self, x):
        return self.scale * self.inner(x)


class MaskedPositions(nn.Module):
    """Integer and boolean arithmetic on positions is no floating-point work."""

    def forward(self, x):
        positions = torch.arange(x.shape[-1])
        causal = positions[None, :] <= positions[:, None]
        return x.masked_fill(~causal, 0.0)


def test_modules_without_floating_point_work_of_their_own_do_not_warn():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 1), Permute(), LayerScale(), nn.Dropout(), nn.Unflatten(1, (2, 2)), nn.Flatten(1, 2),
        MaskedPositions(), nn.Sequential(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        count = count_flops(model, (1, 3, 4, 4), strict=True)
    assert count.rows["layer"].tolist() == ["0", "2.mul"]


def test_known_models_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        count_flops(nn.Sequential(nn.Flatten(), nn.Dropout(), nn.Linear(12, 2)), (2, 3, 4))


def test_custom_formula_makes_a_layer_known():
    from acdc.flops import Cost

    model = nn.Sequential(nn.Softplus())
    count = count_flops(
        model, (2, 5), strict=True, module_costs={nn.Softplus: lambda m, a, k, out: [Cost(fixed=out.numel())]}
    )
    assert count.dense_flops == 10


def test_bad_masks_raise():
    with pytest.raises(KeyError, match=r"masks names parameters that do not exist: \['0.bias'\]"):
        count_flops(small(), (1, 3, 8, 8), masks={"0.bias": torch.ones(4, dtype=torch.bool)})
    with pytest.raises(
        ValueError, match=r"masks\['0.weight'\] must have the shape of x \(4, 3, 3, 3\); got \(4,\)"
    ):
        count_flops(small(), (1, 3, 8, 8), masks={"0.weight": torch.ones(4, dtype=torch.bool)})
    with pytest.raises(TypeError, match="masks must be a mapping"):
        count_flops(small(), (1, 3, 8, 8), masks=[1])


def test_bad_densities_raise():
    count = count_flops(small(), (1, 3, 8, 8))
    with pytest.raises(KeyError, match=r"densities names no counted weight: \['1'\]"):
        count.forward_flops({"1": 0.5})
    with pytest.raises(
        ValueError, match=r"densities\['0'\] must be finite and >= 0.0 and <= 1.0; got densities\['0'\]=1.5"
    ):
        count.forward_flops({"0": 1.5})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"kind": "warmup", "examples": 1},
            ValueError,
            r"kind must be one of \['dense', 'sparse', 'decompressed', 'compressed'\]; got kind='warmup'",
        ),
        (
            {"kind": "sparse", "examples": 0},
            ValueError,
            r"examples must be finite and > 0.0; got examples=0",
        ),
        ({"kind": "sparse", "examples": "2"}, TypeError, r"examples must be a real number; got '2' \(str\)"),
        (
            {"kind": "sparse", "examples": 2, "dense_gradient_examples": None},
            TypeError,
            r"dense_gradient_examples must be a real number; got None \(NoneType\)",
        ),
        (
            {"kind": "sparse", "examples": 2, "dense_gradient_examples": 3},
            ValueError,
            r"dense_gradient_examples must be in \[0, examples=2.0\]",
        ),
        (
            {"kind": "sparse", "examples": 2, "densities": {"w": -0.1}},
            ValueError,
            r"densities\['w'\] must be finite and >= 0.0 and <= 1.0",
        ),
        ({"kind": "sparse", "examples": 2, "densities": {"w": True}}, TypeError,
         r"densities\['w'\] must be a real number; got True \(bool\)"),
        ({"kind": "sparse", "examples": 2, "densities": [0.1]}, TypeError, r"densities must be a mapping"),
    ],
)
def test_bad_phases_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        PhaseCost(**kwargs)


def test_empty_histories_raise():
    count = count_flops(small(), (1, 3, 8, 8))
    with pytest.raises(ValueError, match="phases must contain at least one PhaseCost"):
        training_flops(count, [])
    with pytest.raises(
        ValueError, match=r"examples_per_epoch must be finite and > 0.0; got examples_per_epoch=-1"
    ):
        phases_from_epochs([("dense", {})], -1)


def test_flops_report_is_a_markdown_table_with_totals():
    mask = torch.zeros(4, 3, 3, 3, dtype=torch.bool)
    mask[0] = True
    report = flops_report(small(), (1, 3, 6, 6), masks={"0.weight": mask})
    lines = report.splitlines()
    assert lines[0] == "| layer | type | output shape | dense MFLOPs | density | sparse MFLOPs |"
    assert lines[1] == "|---|---|---|---|---|---|"
    assert lines[2] == f"| 0 | Conv2d | 1×4×4×4 | {2 * 64 * 27 / 1e6:.4g} | 0.250 | {2 * 64 * 27 / 4e6:.4g} |"
    assert lines[3] == f"| 1 | ReLU | 1×4×4×4 | {64 / 1e6:.4g} | 1.000 | {64 / 1e6:.4g} |"
    assert lines[-1].startswith("total: ")
