"""Forward FLOPs of one operation, one formula per operation type, from shapes alone.

Convention
----------
One multiply-add (MAC) is **2 FLOPs**: one multiplication and one addition. This is the convention
of RigL (Evci et al. 2020, whose ResNet-50 table gives the dense model 8.2e9 FLOPs) and of the AC/DC
tables (Peste et al. 2021, Tables 1-3: 8.2 GFLOPs for ResNet-50, 1.1 for MobileNetV1). Counting
1 FLOP per MAC would give 4.1 and 0.57 instead; the MAC counts themselves are He et al. (2016) Table 1
("3.8 x 10^9 FLOPs", which are MACs of the unmodified v1 convolutions) and Howard et al. (2017)
Table 2 ("569 million mult-adds").

Measured with these formulas at 224×224 (tests/acdc/flops/test_models.py): ResNet-50 v1.5 has
4.089e9 MACs in its convolutions and classifier, 8.178 GFLOPs, and 8.217 GFLOPs with BatchNorm,
ReLU, pooling and residual adds (+0.2% over the published 8.2); MobileNetV1 has 568.7e6 MACs,
1.137 GFLOPs, and 1.153 GFLOPs in all (+4.8% over the published 1.1, which is 1.14 rounded).

Every other elementary operation (addition, multiplication, comparison, division) is 1 FLOP, and
a transcendental function (``exp``, ``erf``, ``tanh``) counts as 1 FLOP, as it is evaluated once per
element. Shapes, views, indexing and concatenation cost nothing.

Each function returns ``(weighted, fixed)`` where ``weighted`` is the part that multiplies a weight
entry (it scales with that weight's density when zeros are skipped, Hoefler et al. 2021) and
``fixed`` the part that does not (bias additions, normalisation, activations), or a plain integer
when nothing is weighted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ELEMENTWISE_FLOPS = {
    "relu": 1,  # max(x, 0): one comparison
    "relu6": 2,  # min(max(x, 0), 6): two comparisons
    "hardtanh": 2,  # clamp to [a, b]: two comparisons
    "leaky_relu": 2,  # comparison, then one multiplication on the negative side (counted always)
    "tanh": 1,  # one transcendental
    "sigmoid": 4,  # 1 / (1 + exp(-x)): negate, exp, add, divide
    "silu": 5,  # x * sigmoid(x): sigmoid (4) and one multiplication
    "gelu": 5,  # x/2 * (1 + erf(x/sqrt 2)): divide, erf, add, multiply, halve
    # x/2 * (1 + tanh(c (x + 0.044715 x^3))): cube (2), scale, add, scale, tanh, add, multiply, halve
    "gelu_tanh": 9,
    "hardsigmoid": 4,  # relu6(x + 3) / 6: add, two comparisons, divide
    "hardswish": 5,  # x * hardsigmoid(x)
    "softmax": 5,  # max-subtraction (compare, subtract), exp, sum, divide
    "add": 1,
    "sub": 1,
    "mul": 1,
    "div": 1,
    "neg": 1,
    "pow": 1,  # one transcendental (x ** p = exp(p log x)), whatever the exponent
    "exp": 1,
    "sqrt": 1,
    "rsqrt": 1,
    "erf": 1,
}
"""FLOPs per output element of the element-wise operations, from the formula in each comment."""


def convolution_flops(
    output_numel: int, in_channels: int, groups: int, kernel_size: Sequence[int], bias: bool
) -> tuple[int, int]:
    """Convolution (1-D, 2-D, 3-D; grouped and depthwise included).

    Each output element is a dot product between one kernel of ``(in_channels / groups) · ∏ k``
    weights and the matching input window (Dumoulin & Visin 2016, "A guide to convolution
    arithmetic"; Howard et al. 2017, Sec. 3.1, for the depthwise case ``groups = in_channels`` where
    each output sees one input channel). So::

        weighted = 2 · output_numel · (in_channels / groups) · ∏ kernel_size
        fixed    = output_numel if bias else 0        (one bias addition per output element)

    Zero-padding positions are counted like real inputs (the kernel is applied at full size), as
    every published counter does.

    Parameters
    ----------
    output_numel : int
        Number of elements of the output, ``N · C_out · ∏ spatial_out``.
    in_channels, groups : int
        ``in_channels`` must be divisible by ``groups`` (torch enforces it at construction).
    kernel_size : sequence of int
        One entry per spatial dimension.
    bias : bool
        Whether a bias is added.
    """
    macs = output_numel * (in_channels // groups) * math.prod(kernel_size)
    return 2 * macs, output_numel if bias else 0


def linear_flops(output_numel: int, in_features: int, bias: bool) -> tuple[int, int]:
    """Fully connected layer ``y = x Wᵀ + b`` with ``W`` of shape ``(out_features, in_features)``.

    Each output element is a dot product of length ``in_features``::

        weighted = 2 · output_numel · in_features,    fixed = output_numel if bias else 0
    """
    return 2 * output_numel * in_features, output_numel if bias else 0


def matmul_flops(output_numel: int, inner: int) -> int:
    """Matrix product of two activations (``torch.matmul``, ``@``, ``bmm``), batched or not.

    Every output element of ``A @ B`` with ``A (..., m, k)`` and ``B (..., k, n)`` is a dot product of
    length ``k = inner``, so ``FLOPs = 2 · output_numel · inner`` (the ``2mnk`` of a GEMM per batch
    entry; Golub & Van Loan, Matrix Computations, Ch. 1). Vector cases follow the same
    rule with ``m = 1`` or ``n = 1``.
    """
    return 2 * output_numel * inner


def attention_core_flops(batch_heads: int, queries: int, keys: int, head_dim: int, value_dim: int) -> int:
    """Scaled dot-product attention ``softmax(Q Kᵀ / sqrt(d)) V`` after the projections.

    Per batch entry and head, with ``L = queries``, ``S = keys``, ``d = head_dim``, ``d_v = value_dim``
    (Vaswani et al. 2017, Eq. 1; Kaplan et al. 2020, Table 1 counts the same two products as
    ``2 n_ctx d_attn`` per token, the "12LHQT" term of nanoGPT's ``6N + 12LHQT`` is their training
    cost, 3 × forward)::

        scores Q Kᵀ      2 · L · S · d
        scaling          L · S                     (one multiplication per score)
        softmax          softmax cost · L · S      (see ``ELEMENTWISE_FLOPS["softmax"]``)
        weights · V      2 · L · S · d_v

    Attention masks and dropout are not counted. The two products are
    :func:`attention_product_flops`.
    """
    scores = batch_heads * queries * keys
    return attention_product_flops(batch_heads, queries, keys, head_dim, value_dim) + scores * (
        1 + ELEMENTWISE_FLOPS["softmax"]
    )


def attention_product_flops(batch_heads: int, queries: int, keys: int, head_dim: int, value_dim: int) -> int:
    """The two matrix products of :func:`attention_core_flops`: ``2 · L · S · (d + d_v)`` per batch entry
    and head (scores ``Q Kᵀ`` and weights times ``V``, Vaswani et al. 2017, Eq. 1)."""
    return 2 * batch_heads * queries * keys * (head_dim + value_dim)


def batch_norm_flops(numel: int) -> int:
    """Batch normalisation at inference (running statistics), 2 FLOPs per element.

    With running statistics, ``γ (x - μ) / sqrt(σ² + ε) + β`` is the affine map ``a x + b`` with
    per-channel constants ``a = γ / sqrt(σ² + ε)`` and ``b = β - a μ`` computed once per channel
    (Ioffe & Szegedy 2015, Algorithm 2, step 11); per element: one multiplication and one addition.
    The per-channel constants are not counted (they can be folded into the preceding convolution).
    """
    return 2 * numel


def normalization_flops(numel: int, affine: bool) -> int:
    """Layer, group and instance normalisation: statistics computed on the fly, per element.

    ``y = (x - mean) / sqrt(var + ε) · γ + β`` over each normalised group (Ba et al. 2016, layer
    normalization; Wu & He 2018, group normalization). Per element::

        mean         1 addition
        variance     subtract the mean, square, add      3
        normalise    subtract the mean, multiply by 1/std  2
        affine       multiply by γ, add β                 2 (if affine)

    i.e. ``6`` or ``8`` per element; the one ``sqrt`` and division per group are not counted.
    """
    return numel * (8 if affine else 6)


def elementwise_flops(output_numel: int, op: str) -> int:
    """Activation or element-wise binary operation: ``ELEMENTWISE_FLOPS[op]`` per output element.

    For a broadcasting binary operation (a residual add, a scaling) the count is per element of the
    broadcast output.
    """
    return output_numel * ELEMENTWISE_FLOPS[op]


def pooling_flops(window_elements: int, output_numel: int, mode: str) -> int:
    """Max or average pooling from the total number of input positions read by all windows.

    A window of ``w`` positions costs ``w - 1`` comparisons (max) or ``w - 1`` additions and one
    division (average). Summed over windows::

        max:  window_elements - output_numel        avg:  window_elements

    ``window_elements`` is ``∏ kernel_size · output_numel`` for fixed kernels (border windows that
    overlap the padding are counted at full size), and for adaptive pooling the exact sum of the
    window sizes (:func:`adaptive_window_elements`).
    """
    return window_elements - output_numel if mode == "max" else window_elements


def adaptive_window_elements(leading: int, input_size: Sequence[int], output_size: Sequence[int]) -> int:
    """Total input positions read by adaptive pooling, summed over all windows.

    Output index ``i`` of a dimension of input length ``n`` and output length ``m`` pools the input
    range ``[floor(i n / m), ceil((i + 1) n / m))`` (the rule of ``torch.nn.AdaptiveAvgPool2d``). The
    windows are products of per-dimension ranges, so the sum of window sizes factorises into the
    product over dimensions of the summed range lengths, times ``leading = N · C``.
    """
    total = leading
    for n, m in zip(input_size, output_size):
        total *= sum(-((-(i + 1) * n) // m) - (i * n) // m for i in range(m))
    return total
