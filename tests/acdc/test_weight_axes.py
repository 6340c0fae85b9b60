"""Each linear-like or convolutional weight knows the axis its dot products run over (its input features)."""

import pytest
import torch
from torch import nn

from acdc.weight_axes import input_feature_axis, is_conv1d_like


class Conv1D(nn.Module):
    """The layout of ``transformers.pytorch_utils.Conv1D`` (``y = x W + b``, ``W (in, out)``)."""

    def __init__(self, nf: int, nx: int) -> None:
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.randn(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))


Conv1D.__module__ = "transformers.pytorch_utils"  # recognised by its qualified name, no import needed


class GPT2Attention(nn.Module):
    """A Conv1D and an nn.Linear side by side, as in one GPT-2 model (issue 20, item 2)."""

    def __init__(self) -> None:
        super().__init__()
        self.c_attn = Conv1D(24, 8)
        self.head = nn.Linear(8, 5)


@pytest.mark.parametrize(
    ("module", "name", "axis"),
    [
        (nn.Linear(3, 4), "weight", 1),
        (nn.Conv1d(3, 4, 2), "weight", 1),
        (nn.Conv2d(4, 8, 3, groups=2), "weight", 1),
        (nn.Conv3d(2, 4, 1), "weight", 1),
        (nn.ConvTranspose2d(3, 4, 2), "weight", 0),
        (Conv1D(6, 3), "weight", 0),
        (nn.MultiheadAttention(8, 2), "in_proj_weight", 1),
        (nn.MultiheadAttention(8, 2), "out_proj.weight", 1),
        (nn.MultiheadAttention(8, 2, kdim=3, vdim=5), "k_proj_weight", 1),
        (GPT2Attention(), "c_attn.weight", 0),
        (GPT2Attention(), "head.weight", 1),
    ],
)
def test_axis_of_each_weight(module, name, axis):
    assert input_feature_axis(module, name) == axis


def apply(module, x):
    return x @ module.weight if isinstance(module, Conv1D) else module(x)


@pytest.mark.parametrize(
    ("module", "x"),
    [
        (nn.Linear(3, 4), torch.randn(2, 3)),
        (Conv1D(4, 3), torch.randn(2, 3)),
        (nn.Conv1d(3, 4, 1), torch.randn(2, 3, 1)),
        (nn.ConvTranspose1d(3, 4, 1), torch.randn(2, 3, 1)),
    ],
)
def test_zeroing_a_slice_along_the_axis_is_zeroing_that_input_feature(module, x):
    x_cut = x.clone()
    x_cut[:, 1] = 0
    with torch.no_grad():
        expected = apply(module, x_cut)
        module.weight.index_fill_(input_feature_axis(module, "weight"), torch.tensor([1]), 0.0)
        assert torch.allclose(apply(module, x), expected)


def test_conv1d_is_recognised_by_its_qualified_name():
    assert is_conv1d_like(Conv1D(2, 2))
    assert not is_conv1d_like(nn.Conv1d(2, 2, 1))


def test_embedding_has_no_input_feature_axis():
    with pytest.raises(TypeError, match=r"weight of a linear-like.*got param_name='weight'.*look-up"):
        input_feature_axis(nn.Embedding(5, 3), "weight")


@pytest.mark.parametrize(
    ("module", "name", "error", "match"),
    [
        (nn.LayerNorm(3), "weight", TypeError, r"must be nn.Linear.*got param_name='weight' of a LayerNorm"),
        (nn.Linear(3, 4), "bias", ValueError, r"one of \['weight'\] on a Linear; got param_name='bias'"),
        (nn.Linear(3, 4), "fc.weight", ValueError, r"must name a parameter.*got param_name='fc.weight'"),
        (nn.MultiheadAttention(8, 2), "q_proj_weight", ValueError, r"one of \['in_proj_weight'\]"),
        ("linear", "weight", TypeError, r"module must be a torch.nn.Module; got module of type str"),
        (nn.Linear(3, 4), 0, TypeError, r"param_name must be a str; got param_name=0"),
    ],
)
def test_errors_name_the_parameter(module, name, error, match):
    with pytest.raises(error, match=match):
        input_feature_axis(module, name)
