"""Counting tensor operations written in a ``forward`` rather than held by a module.

Residual sums (``out + identity`` in a ResNet bottleneck), explicit attention (``q @ k.transpose(-2,
-1)``) and functional activations (``F.relu(x)``) are not modules, so module hooks cannot see them.

Method: a :class:`torch.overrides.TorchFunctionMode` is active during the counting forward pass and
sees every torch function call (``a + b`` arrives as ``Tensor.add``, ``a += b`` as ``Tensor.add_``,
``a @ b`` as ``Tensor.matmul``). Calls listed in :data:`FUNCTIONAL_COSTS` are counted, unless they
happen inside a module that has its own formula (``nn.Conv2d`` calls ``F.conv2d``; that call is
already the module's). Other calls are not counted: views, reshapes, indexing, ``torch.flatten`` and
``torch.cat`` cost nothing (:data:`FREE_OPERATIONS`), and so does any call whose outputs hold no
floating-point numbers (index and mask arithmetic). Any other call (a reduction, ``F.softplus``,
``F.conv_transpose2d``) is *uncounted*: the counter names it with the module type that made it, so a
model doing real work that way can wrap it in a module with a formula
(``count_flops(..., module_costs={MyOp: handler})``).

A product whose operand is a parameter of the model (``F.linear(x, self.weight)`` in a custom layer,
``torch.addmm(b, x, W)`` in ``transformers``' ``Conv1D``, ``x @ self.weight``) is a weighted term of
that parameter: its FLOPs scale with the parameter's density, as a module's weight would.

Why not ``torch.fx``: symbolic tracing fails on data-dependent control flow and on many real
``forward`` methods, while a function mode observes an ordinary eager forward pass, so it works on
any model that runs; module hooks give the names. The cost: it only sees the code path taken for the
given input shape, which is the path whose FLOPs are wanted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from acdc.flops.formulas import (
    attention_core_flops,
    attention_product_flops,
    elementwise_flops,
    linear_flops,
    matmul_flops,
)
from acdc.flops.module_costs import Cost, adaptive_pooling_flops, pooling_window_flops, query_key_value

FunctionalHandler = Callable[[tuple, dict, Any], tuple[int, int]]
"""``handler(args, kwargs, output) -> (products, other)``: FLOPs of multiply-add products and the rest."""


@dataclass(frozen=True)
class FunctionalCost:
    """How one torch function is counted.

    Attributes
    ----------
    label : str
        Operation label of its rows (``"add"``, ``"matmul"``).
    handler : FunctionalHandler
        ``(products, other)`` FLOPs of one call.
    operands : tuple of (int, str)
        ``(position, keyword)`` of the operands that may be a model parameter; the first that is makes
        the products a weighted term of that parameter.
    """

    label: str
    handler: FunctionalHandler
    operands: tuple[tuple[int, str], ...] = ()


def argument(args: tuple, kwargs: dict, position: int, keyword: str) -> Any:
    """Argument ``position`` of a call, given positionally or as ``keyword`` (None if absent)."""
    return args[position] if position < len(args) else kwargs.get(keyword)


def _elementwise(op: str) -> FunctionalHandler:
    def handler(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
        return 0, elementwise_flops(output.numel(), op)

    return handler


def _gelu(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
    op = "gelu_tanh" if kwargs.get("approximate") == "tanh" else "gelu"
    return 0, elementwise_flops(output.numel(), op)


def _matmul(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
    return matmul_flops(output.numel(), args[0].shape[-1]), 0


def _addmm(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
    """``input + mat1 @ mat2`` (``addmm``, ``baddbmm``): the product and one addition per output."""
    return matmul_flops(output.numel(), args[1].shape[-1]), output.numel()


def _linear(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
    """``F.linear(input, weight (out, in), bias)``: :func:`~acdc.flops.formulas.linear_flops`."""
    weight, bias = argument(args, kwargs, 1, "weight"), argument(args, kwargs, 2, "bias")
    return linear_flops(output.numel(), weight.shape[1], bias is not None)


def _convolution(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
    """``F.convNd(input, weight (out, in / groups, *kernel), bias, ...)``: a dot product of
    ``(in / groups) · ∏ kernel`` per output element (:func:`~acdc.flops.formulas.convolution_flops`)."""
    weight, bias = argument(args, kwargs, 1, "weight"), argument(args, kwargs, 2, "bias")
    return 2 * output.numel() * math.prod(weight.shape[1:]), output.numel() if bias is not None else 0


def _pooling(mode: str, dims: int) -> FunctionalHandler:
    """``F.max_poolNd`` / ``F.avg_poolNd(input, kernel_size, ...)``, as the pooling modules."""

    def handler(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
        return 0, pooling_window_flops(argument(args, kwargs, 1, "kernel_size"), dims, output, mode)

    return handler


def _adaptive_pooling(mode: str, dims: int) -> FunctionalHandler:
    """``F.adaptive_max_poolNd`` / ``F.adaptive_avg_poolNd(input, output_size)``."""

    def handler(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
        return 0, adaptive_pooling_flops(args[0], dims, output, mode)

    return handler


def _scaled_dot_product_attention(args: tuple, kwargs: dict, output: Any) -> tuple[int, int]:
    """``F.scaled_dot_product_attention``: ``q (..., L, E)``, ``k (..., S, E)``, ``v (..., S, Ev)``."""
    query, key, value = query_key_value(args, kwargs)
    *batch, queries, head_dim = query.shape
    shape = (math.prod(batch), queries, key.shape[-2], head_dim, value.shape[-1])
    products = attention_product_flops(*shape)
    return products, attention_core_flops(*shape) - products


def _table() -> dict[Callable, FunctionalCost]:
    T = torch.Tensor
    weights = ((1, "weight"),)
    table: dict[Callable, FunctionalCost] = {}
    elementwise = {
        "add": (torch.add, T.add, T.add_),
        "sub": (torch.sub, T.sub, T.sub_, T.__rsub__),
        "mul": (torch.mul, T.mul, T.mul_),
        "div": (torch.div, T.div, T.div_, T.__rdiv__),
        "pow": (torch.pow, T.pow, T.pow_, T.__pow__, T.__rpow__),
        "neg": (torch.neg, T.neg, T.neg_),
        "exp": (torch.exp, T.exp, T.exp_),
        "sqrt": (torch.sqrt, T.sqrt, T.sqrt_),
        "rsqrt": (torch.rsqrt, T.rsqrt, T.rsqrt_),
        "erf": (torch.erf, T.erf, T.erf_),
        "relu": (F.relu, F.relu_, torch.relu, torch.relu_, T.relu, T.relu_),
        "sigmoid": (F.sigmoid, torch.sigmoid, T.sigmoid),
        "tanh": (F.tanh, torch.tanh, T.tanh),
        "silu": (F.silu,),
        "softmax": (F.softmax, torch.softmax, T.softmax),
    }
    for op, funcs in elementwise.items():
        for func in funcs:
            table[func] = FunctionalCost(op, _elementwise(op))
    for func in (torch.matmul, T.matmul, torch.mm, T.mm, torch.bmm, T.bmm):
        table[func] = FunctionalCost("matmul", _matmul, ((0, "input"), (1, "other")))
    for func in (torch.addmm, T.addmm, torch.baddbmm, T.baddbmm):
        table[func] = FunctionalCost("addmm", _addmm, ((2, "mat2"), (1, "mat1")))
    table[F.linear] = FunctionalCost("linear", _linear, weights)
    for func in (F.conv1d, F.conv2d, F.conv3d):
        table[func] = FunctionalCost(func.__name__, _convolution, weights)
    for dims in (1, 2, 3):
        for mode in ("max", "avg"):
            for prefix, handler in (("", _pooling), ("adaptive_", _adaptive_pooling)):
                func = getattr(F, f"{prefix}{mode}_pool{dims}d")
                table[func] = FunctionalCost(func.__name__, handler(mode, dims))
    table[F.gelu] = FunctionalCost("gelu", _gelu)
    table[F.scaled_dot_product_attention] = FunctionalCost(
        "scaled_dot_product_attention", _scaled_dot_product_attention
    )
    return table


FUNCTIONAL_COSTS: Mapping[Callable, FunctionalCost] = _table()
"""Counted torch functions: function -> :class:`FunctionalCost`."""

FREE_OPERATIONS = frozenset(
    {
        # tensor attributes and metadata: .shape, .device, .dtype arrive as getset_descriptor.__get__
        "__get__", "size", "dim", "numel", "stride", "is_floating_point", "is_contiguous", "__len__",
        "__iter__", "__format__", "__repr__", "__bool__", "__index__", "__int__", "__float__", "item",
        "tolist", "data_ptr", "get_device", "element_size", "requires_grad_", "detach",
        # views, reshapes, data movement, indexing and concatenation
        "view", "view_as", "reshape", "reshape_as", "permute", "transpose", "t", "contiguous", "flatten",
        "unflatten", "squeeze", "unsqueeze", "expand", "expand_as", "split", "chunk", "unbind", "narrow",
        "select", "movedim", "moveaxis", "__getitem__", "__setitem__", "gather", "index_select",
        "masked_fill", "masked_fill_", "where", "cat", "concat", "concatenate", "stack", "repeat",
        "repeat_interleave", "flip", "roll", "pad", "clone", "copy_", "fill_", "zero_", "to", "type",
        "type_as", "float", "half", "double", "bfloat16", "triu", "tril",
        # factories
        "tensor", "as_tensor", "arange", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
        "empty_like", "full_like", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor",
        # table look-up; dropout is the identity in the eval mode of the counting pass
        "embedding", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
        "feature_alpha_dropout",
    }
)
"""Names of the torch functions that do no floating-point arithmetic."""


def is_free(func: Callable, output: Any) -> bool:
    """Whether a call of ``func`` that returned ``output`` does no floating-point arithmetic: a
    :data:`FREE_OPERATIONS` name, or no floating-point tensor among its outputs."""
    if getattr(func, "__name__", None) in FREE_OPERATIONS:
        return True
    outputs = output if isinstance(output, (tuple, list)) else (output,)
    return not any(isinstance(t, torch.Tensor) and (t.is_floating_point() or t.is_complex()) for t in outputs)


class FunctionalCounter(TorchFunctionMode):
    """Reports every functional call made while ``active()``: counted ones as a :class:`Cost`, the
    others that do floating-point work by name.

    Parameters
    ----------
    record : callable
        ``record(label, cost, output)``, called after a counted operation ran; ``cost.weight`` is the
        full name of the parameter operand of a weighted product, else None.
    active : callable
        ``active() -> bool``; False while a module with its own formula is running.
    parameter_name : callable
        ``parameter_name(tensor) -> str or None``: the model's name for a parameter tensor.
    uncounted : callable
        ``uncounted(name)`` for a call that is neither counted nor free (:func:`is_free`).
    """

    def __init__(
        self,
        record: Callable[[str, Cost, Any], None],
        active: Callable[[], bool],
        parameter_name: Callable[[Any], str | None],
        uncounted: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.record = record
        self.active = active
        self.parameter_name = parameter_name
        self.uncounted = uncounted

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        output = func(*args, **kwargs)
        if not self.active():
            return output
        entry = FUNCTIONAL_COSTS.get(func)
        if entry is not None:
            self.record(entry.label, self._cost(entry, args, kwargs, output), output)
        elif not is_free(func, output):
            self.uncounted(getattr(func, "__name__", repr(func)))
        return output

    def _cost(self, entry: FunctionalCost, args: tuple, kwargs: dict, output: Any) -> Cost:
        products, other = entry.handler(args, kwargs, output)
        for position, keyword in entry.operands:
            name = self.parameter_name(argument(args, kwargs, position, keyword))
            if name is not None:
                return Cost(weighted=products, fixed=other, weight=name)
        return Cost(fixed=products + other, products=products)
