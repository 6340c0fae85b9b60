"""Which formula of :mod:`acdc.flops.formulas` each ``torch.nn`` module type uses.

A handler receives the module, its positional and keyword inputs and its output (from a forward
hook) and returns the list of :class:`Cost` terms of that call. Lookup walks the module's class
hierarchy, so subclasses (``NonDynamicallyQuantizableLinear``) inherit their parent's formula.
A module without a handler costs what its own ``forward`` computes with torch functions
(:mod:`acdc.flops.functional_costs`): nothing for containers, reshapes (``Permute``), dropout and
stochastic depth in eval mode; it is *unknown*, and reported by the counter, only when it makes a call
that has no formula and does floating-point work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import Tensor, nn

from acdc.flops.formulas import (
    adaptive_window_elements,
    attention_core_flops,
    attention_product_flops,
    batch_norm_flops,
    convolution_flops,
    elementwise_flops,
    linear_flops,
    normalization_flops,
    pooling_flops,
)
from acdc.weight_axes import CONV1D_TYPES, input_feature_axis, qualified_name


@dataclass(frozen=True)
class Cost:
    """FLOPs of one term of a module call.

    Attributes
    ----------
    weighted : int
        FLOPs that multiply entries of ``weight``: at weight density ``d`` they become ``d · weighted``.
    fixed : int
        FLOPs independent of any weight's density (bias additions, normalisation, activations).
    weight : str or None
        Name of the weight, relative to the module (``"weight"``, ``"out_proj.weight"``).
    part : str
        Label of the term when a module has several (``"in_proj"``, ``"attention"``), else ``""``.
    products : int
        FLOPs of ``fixed`` spent in products of two activations (attention scores ``Q Kᵀ``, weights
        times ``V``, an explicit ``a @ b``). ``weighted + products`` are the multiply-adds of
        convolutions and matrix products, the operations ``torch.utils.flop_counter`` counts.
    """

    weighted: int = 0
    fixed: int = 0
    weight: str | None = None
    part: str = ""
    products: int = 0


Handler = Callable[[nn.Module, tuple, dict, Any], list[Cost]]
"""``handler(module, args, kwargs, output) -> list[Cost]``."""


def _main_output(output: Any) -> Tensor:
    """The result tensor of modules that may also return indices or attention weights."""
    return output[0] if isinstance(output, tuple) else output


def query_key_value(args: tuple, kwargs: dict) -> tuple[Tensor, Tensor, Tensor]:
    """The ``query, key, value`` inputs of an attention call, given positionally or by keyword."""
    names = ("query", "key", "value")
    return tuple(args[i] if i < len(args) else kwargs[name] for i, name in enumerate(names))


def _convolution(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
    weighted, fixed = convolution_flops(
        output.numel(), module.in_channels, module.groups, module.kernel_size, module.bias is not None
    )
    return [Cost(weighted, fixed, "weight")]


def _linear(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
    """``nn.Linear`` (``W (out, in)``) and ``transformers``' ``Conv1D`` (``W (in, out)``): the length of
    each dot product is the weight's size along :func:`~acdc.weight_axes.input_feature_axis`."""
    in_features = module.weight.shape[input_feature_axis(module, "weight")]
    weighted, fixed = linear_flops(output.numel(), in_features, module.bias is not None)
    return [Cost(weighted, fixed, "weight")]


def _batch_norm(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
    return [Cost(fixed=batch_norm_flops(output.numel()))]


def _normalization(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
    affine = bool(getattr(module, "elementwise_affine", False) or getattr(module, "affine", False))
    return [Cost(fixed=normalization_flops(output.numel(), affine))]


def _elementwise(op: str) -> Handler:
    def handler(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
        return [Cost(fixed=elementwise_flops(output.numel(), op))]

    return handler


def _gelu(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
    op = "gelu_tanh" if module.approximate == "tanh" else "gelu"
    return [Cost(fixed=elementwise_flops(output.numel(), op))]


def pooling_window_flops(kernel_size: Any, dims: int, output: Any, mode: str) -> int:
    """Max or average pooling with a fixed ``kernel_size`` (an int or one entry per dimension)."""
    out = _main_output(output)
    window = math.prod(kernel_size) if isinstance(kernel_size, (tuple, list)) else kernel_size**dims
    return pooling_flops(window * out.numel(), out.numel(), mode)


def adaptive_pooling_flops(x: Tensor, dims: int, output: Any, mode: str) -> int:
    """Adaptive max or average pooling of ``x`` over its last ``dims`` dimensions."""
    out = _main_output(output)
    leading = x.numel() // math.prod(x.shape[-dims:])
    window_elements = adaptive_window_elements(leading, x.shape[-dims:], out.shape[-dims:])
    return pooling_flops(window_elements, out.numel(), mode)


def _pooling(mode: str, dims: int) -> Handler:
    def handler(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
        return [Cost(fixed=pooling_window_flops(module.kernel_size, dims, output, mode))]

    return handler


def _adaptive_pooling(mode: str, dims: int) -> Handler:
    def handler(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
        return [Cost(fixed=adaptive_pooling_flops(args[0], dims, output, mode))]

    return handler


def _multihead_attention(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> list[Cost]:
    """Input projections, attention core and output projection of ``nn.MultiheadAttention``.

    The projections are :func:`~acdc.flops.formulas.linear_flops` over the query tokens (``Q``) and
    key/value tokens (``K``, ``V``); the core is :func:`~acdc.flops.formulas.attention_core_flops` with
    ``num_heads`` heads of ``head_dim``. ``bias_k``/``bias_v``/``add_zero_attn`` (one extra key) are
    not counted.
    """
    query, key, _ = query_key_value(args, kwargs)
    embed = module.embed_dim
    batch = (query.shape[0] if module.batch_first else query.shape[1]) if query.dim() == 3 else 1
    query_tokens, key_tokens = query.numel() // embed, key.numel() // module.kdim
    has_bias = module.in_proj_bias is not None
    projections = {
        "q": linear_flops(query_tokens * embed, embed, has_bias),
        "k": linear_flops(key_tokens * embed, module.kdim, has_bias),
        "v": linear_flops(key_tokens * embed, module.vdim, has_bias),
    }
    if module._qkv_same_embed_dim:
        weighted, fixed = (sum(term) for term in zip(*projections.values()))
        costs = [Cost(weighted, fixed, "in_proj_weight", "in_proj")]
    else:
        costs = [Cost(w, f, f"{n}_proj_weight", f"{n}_proj") for n, (w, f) in projections.items()]
    heads, head_dim = batch * module.num_heads, module.head_dim
    shape = (heads, query_tokens // batch, key_tokens // batch, head_dim, head_dim)
    products = attention_product_flops(*shape)
    core = Cost(fixed=attention_core_flops(*shape), part="attention", products=products)
    out_weighted, out_fixed = linear_flops(query_tokens * embed, embed, module.out_proj.bias is not None)
    out_proj = Cost(out_weighted, out_fixed, "out_proj.weight", "out_proj")
    return [*costs, core, out_proj]


MODULE_COSTS: Mapping[type[nn.Module] | str, Handler] = {
    nn.Conv1d: _convolution,
    nn.Conv2d: _convolution,
    nn.Conv3d: _convolution,
    nn.Linear: _linear,
    nn.MultiheadAttention: _multihead_attention,
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.BatchNorm3d: _batch_norm,
    nn.LayerNorm: _normalization,
    nn.GroupNorm: _normalization,
    nn.InstanceNorm1d: _normalization,
    nn.InstanceNorm2d: _normalization,
    nn.InstanceNorm3d: _normalization,
    nn.ReLU: _elementwise("relu"),
    nn.ReLU6: _elementwise("relu6"),
    nn.Hardtanh: _elementwise("hardtanh"),
    nn.LeakyReLU: _elementwise("leaky_relu"),
    nn.Tanh: _elementwise("tanh"),
    nn.Sigmoid: _elementwise("sigmoid"),
    nn.SiLU: _elementwise("silu"),
    nn.GELU: _gelu,
    nn.Hardsigmoid: _elementwise("hardsigmoid"),
    nn.Hardswish: _elementwise("hardswish"),
    nn.Softmax: _elementwise("softmax"),
    nn.MaxPool1d: _pooling("max", 1),
    nn.MaxPool2d: _pooling("max", 2),
    nn.MaxPool3d: _pooling("max", 3),
    nn.AvgPool1d: _pooling("avg", 1),
    nn.AvgPool2d: _pooling("avg", 2),
    nn.AvgPool3d: _pooling("avg", 3),
    nn.AdaptiveMaxPool1d: _adaptive_pooling("max", 1),
    nn.AdaptiveMaxPool2d: _adaptive_pooling("max", 2),
    nn.AdaptiveMaxPool3d: _adaptive_pooling("max", 3),
    nn.AdaptiveAvgPool1d: _adaptive_pooling("avg", 1),
    nn.AdaptiveAvgPool2d: _adaptive_pooling("avg", 2),
    nn.AdaptiveAvgPool3d: _adaptive_pooling("avg", 3),
    **dict.fromkeys(CONV1D_TYPES, _linear),
}
"""Handler of every supported module type (``ReLU6`` is found before its parent ``Hardtanh``); types of
packages that are not imported (``transformers``' ``Conv1D``) are keyed by their qualified class name."""

def handler_for(module: nn.Module, costs: Mapping[type[nn.Module] | str, Handler]) -> Handler | None:
    """The handler of the nearest class in ``type(module).__mro__`` that ``costs`` lists (by the class or
    by its qualified name, :func:`~acdc.weight_axes.qualified_name`), or None."""
    for cls in type(module).__mro__:
        for key in (cls, qualified_name(cls)):
            if key in costs:
                return costs[key]
    return None
