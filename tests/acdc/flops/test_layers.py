"""Hand-computed FLOPs of small layers (1 multiply-add = 2 FLOPs), dense and masked."""

import pytest
import torch
from torch import nn

from acdc.flops import UnknownLayerWarning, count_flops


def total(model, shape, **kwargs):
    return count_flops(model, shape, **kwargs).dense_flops


@pytest.mark.parametrize(
    ("layer", "shape", "expected"),
    [
        # out (2, 6, 5, 5) = 300 outputs, each (4 / 2 groups) * 3 * 3 = 18 MACs, plus 300 bias adds
        (nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9, 9), 2 * 300 * 18 + 300),
        # depthwise: out (1, 8, 6, 6) = 288 outputs, each 1 * 3 * 3 MACs, no bias
        (nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), (1, 8, 6, 6), 2 * 288 * 9),
        # out (1, 5, 4) = 20 outputs, each 3 * 4 MACs, plus 20 bias adds
        (nn.Conv1d(3, 5, 4, stride=2), (1, 3, 10), 2 * 20 * 12 + 20),
        # out (3, 7) = 21 outputs of 10 MACs + bias; a 3-D input multiplies the rows
        (nn.Linear(10, 7), (3, 10), 2 * 21 * 10 + 21),
        (nn.Linear(10, 7), (2, 5, 10), 2 * 70 * 10 + 70),
        # 32 windows of 9 positions: 8 comparisons each
        (nn.MaxPool2d(3, stride=2, padding=1), (1, 2, 8, 8), 32 * 8),
        # 32 windows of 4: 3 adds and 1 division each
        (nn.AvgPool2d(2), (1, 2, 8, 8), 32 * 4),
        # 5 -> 2 per dimension: windows [0, 3) and [2, 5), i.e. 4 windows of 3 x 3 per channel
        (nn.AdaptiveAvgPool2d(2), (1, 1, 5, 5), 4 * 9),
        (nn.AdaptiveMaxPool2d(2), (1, 1, 5, 5), 4 * 8),
        (nn.BatchNorm2d(3), (2, 3, 4, 4), 2 * 96),
        (nn.LayerNorm(8), (2, 5, 8), 8 * 80),
        (nn.GroupNorm(2, 4, affine=False), (1, 4, 3, 3), 6 * 36),
        (nn.ReLU(), (2, 3, 4), 24),
        (nn.GELU(approximate="tanh"), (2, 3, 4), 9 * 24),
        (nn.Softmax(dim=-1), (2, 3), 5 * 6),
    ],
)
def test_layer_matches_hand_count(layer, shape, expected):
    assert total(layer, shape) == expected


def test_multihead_attention_matches_hand_count():
    # L = S = 5 tokens, batch 3, E = 8, 2 heads of 4: 15 tokens per projection
    projection = 2 * 15 * 8 * 8 + 15 * 8
    core = (3 * 2) * 5 * 5 * (2 * 4 + 1 + 5 + 2 * 4)  # scores, scaling, softmax, weights @ V

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(8, 2)

        def forward(self, x):
            return self.attn(x, x, x, need_weights=False)[0]

    count = count_flops(SelfAttention(), (5, 3, 8))
    flops = dict(zip(count.rows["layer"], count.rows["dense_flops"]))
    assert flops == {"attn.in_proj": 3 * projection, "attn.attention": core, "attn.out_proj": projection}
    products = dict(zip(count.rows["layer"], count.rows["product_flops"]))
    scores_and_values = (3 * 2) * 5 * 5 * (2 * 4 + 2 * 4)
    assert products == {"attn.in_proj": 3 * 2 * 15 * 8 * 8, "attn.attention": scores_and_values,
                        "attn.out_proj": 2 * 15 * 8 * 8}
    assert set(count.weights) == {"attn.in_proj_weight", "attn.out_proj.weight"}


def test_functional_adds_matmul_and_attention_are_counted_in_their_module():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(4, 4, bias=False)

        def forward(self, x):
            y = torch.relu(self.proj(x)) + x  # residual add of (2, 3, 4)
            scores = y @ y.transpose(-2, -1)  # (2, 3, 3) from inner dimension 4
            attended = nn.functional.scaled_dot_product_attention(y, y, y)
            return scores.sum() + attended.sum()

    with pytest.warns(UnknownLayerWarning, match=r"uncounted calls: Block: sum\)"):
        rows = count_flops(nn.Sequential(Block()), (2, 3, 4)).rows.set_index("layer")
    assert rows.loc["0.proj", "dense_flops"] == 2 * 24 * 4
    assert rows.loc["0.relu", "dense_flops"] == 24
    assert rows.loc["0.add", "dense_flops"].tolist() == [24, 1]  # the residual, then sum + sum
    assert rows.loc["0.matmul", "dense_flops"] == 2 * 18 * 4
    assert rows.loc["0.scaled_dot_product_attention", "dense_flops"] == 2 * 3 * 3 * (2 * 4 + 1 + 5 + 2 * 4)


def test_masked_weights_scale_only_the_multiply_adds():
    layer = nn.Linear(10, 7)
    mask = torch.zeros(7, 10, dtype=torch.bool)
    mask[:, :3] = True  # density 0.3
    count = count_flops(layer, (3, 10), masks={"weight": mask})
    row = count.rows.iloc[0]
    assert row["density"] == pytest.approx(0.3)
    assert row["sparse_flops"] == pytest.approx(0.3 * 2 * 21 * 10 + 21)
    assert count.dense_flops == 2 * 21 * 10 + 21


def test_zero_weights_are_skipped_only_when_asked():
    layer = nn.Conv2d(2, 4, 3, bias=False)
    with torch.no_grad():
        layer.weight[:3].zero_()  # 3 of 4 filters zero: density 0.25
    assert count_flops(layer, (1, 2, 5, 5)).sparse_flops == count_flops(layer, (1, 2, 5, 5)).dense_flops
    skipped = count_flops(layer, (1, 2, 5, 5), skip_zero_weights=True)
    assert skipped.sparse_flops == pytest.approx(0.25 * skipped.dense_flops)


def test_training_modes_are_restored():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.Dropout())
    model[2].eval()
    count_flops(model, (1, 3))  # batch 1 would fail BatchNorm1d in training mode
    assert [m.training for m in model.modules()] == [True, True, True, False]


class CustomLayers(nn.Module):
    """Plain parameters used through functions (issue 20, item 3): ``F.linear``, ``addmm`` with ``W`` stored
    (in, out) as in ``transformers``' Conv1D, ``x @ W``, and ``F.conv1d``."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(6, 4))
        self.b = nn.Parameter(torch.zeros(6))
        self.w_in_out = nn.Parameter(torch.randn(6, 5))
        self.w_right = nn.Parameter(torch.randn(5, 3))
        self.kernel = nn.Parameter(torch.randn(2, 3, 2))

    def forward(self, x):
        x = nn.functional.linear(x, self.w, self.b)  # (2, 6)
        x = torch.addmm(self.b[:5], x, self.w_in_out)  # (2, 5)
        x = x @ self.w_right  # (2, 3)
        return nn.functional.conv1d(x.unsqueeze(-1).expand(2, 3, 4), self.kernel)  # (2, 2, 3)


def test_products_with_a_parameter_are_weighted_terms_of_that_parameter():
    model = CustomLayers()
    count = count_flops(model, (2, 4), strict=True)
    rows = count.rows.set_index("layer")
    assert rows["weight"].tolist() == ["w", "w_in_out", "w_right", "kernel"]
    assert rows["weighted_flops"].tolist() == [2 * 12 * 4, 2 * 10 * 6, 2 * 6 * 5, 2 * 12 * 3 * 2]
    assert rows["dense_flops"].tolist() == [2 * 12 * 4 + 12, 2 * 10 * 6 + 10, 2 * 6 * 5, 2 * 12 * 3 * 2]
    mask = torch.zeros(6, 5, dtype=torch.bool)
    mask[:3] = True  # density 0.5
    masked = count_flops(model, (2, 4), {"w_in_out": mask})
    assert masked.rows.set_index("layer").loc["addmm", "sparse_flops"] == 0.5 * 2 * 10 * 6 + 10
