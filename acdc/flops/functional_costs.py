"""Counting tensor operations written in a ``forward`` rather than held by a module.

Residual sums (``out + identity`` in a ResNet bottleneck), explicit attention (``q @ k.transpose(-2,
-1)``) and functional activations (``F.relu(x)``) are not modules, so module hooks cannot see them.

Method: a :class:`torch.overrides.TorchFunctionMode` is active during the counting forward pass and
sees every torch function call (``a + b`` arrives as ``Tensor.add``, ``a += b`` as ``Tensor.add_``,
``a @ b`` as ``Tensor.matmul``). Calls listed in :data:`FUNCTIONAL_COSTS` are counted, unless they
happen inside a module that has its own formula (``nn.Conv2d`` calls ``F.conv2d``; that call is
already the module's). Other calls are not counted: views, reshapes, indexing, ``torch.flatten`` and
``torch.cat`` cost nothing; reductions (``sum``, ``mean``) and other arithmetic in a ``forward`` are
left out, so models doing real work that way should wrap it in a module with a formula
(``count_flops(..., module_costs={MyOp: handler})``).

Why not ``torch.fx``: symbolic tracing fails on data-dependent control flow and on many real
``forward`` methods, while a function mode observes an ordinary eager forward pass, so it works on
any model that runs; module hooks give the names. The cost: it only sees the code path taken for the
given input shape, which is the path whose FLOPs are wanted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from acdc.flops.formulas import attention_core_flops, elementwise_flops, matmul_flops
from acdc.flops.module_costs import query_key_value

FunctionalHandler = Callable[[tuple, dict, Any], int]
"""``handler(args, kwargs, output) -> FLOPs`` of one functional call."""


def _elementwise(op: str) -> FunctionalHandler:
    def handler(args: tuple, kwargs: dict, output: Any) -> int:
        return elementwise_flops(output.numel(), op)

    return handler


def _gelu(args: tuple, kwargs: dict, output: Any) -> int:
    return elementwise_flops(output.numel(), "gelu_tanh" if kwargs.get("approximate") == "tanh" else "gelu")


def _matmul(args: tuple, kwargs: dict, output: Any) -> int:
    return matmul_flops(output.numel(), args[0].shape[-1])


def _scaled_dot_product_attention(args: tuple, kwargs: dict, output: Any) -> int:
    """``F.scaled_dot_product_attention``: ``q (..., L, E)``, ``k (..., S, E)``, ``v (..., S, Ev)``."""
    query, key, value = query_key_value(args, kwargs)
    *batch, queries, head_dim = query.shape
    return attention_core_flops(math.prod(batch), queries, key.shape[-2], head_dim, value.shape[-1])


def _table() -> dict[Callable, tuple[str, FunctionalHandler]]:
    table: dict[Callable, tuple[str, FunctionalHandler]] = {}
    for op in ("add", "sub", "mul"):
        for func in (getattr(torch, op), getattr(torch.Tensor, op), getattr(torch.Tensor, f"{op}_")):
            table[func] = (op, _elementwise(op))
    for func in (torch.matmul, torch.Tensor.matmul, torch.mm, torch.Tensor.mm, torch.bmm, torch.Tensor.bmm):
        table[func] = ("matmul", _matmul)
    for func in (F.relu, F.relu_, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_):
        table[func] = ("relu", _elementwise("relu"))
    for op, funcs in {
        "sigmoid": (F.sigmoid, torch.sigmoid, torch.Tensor.sigmoid),
        "tanh": (F.tanh, torch.tanh, torch.Tensor.tanh),
        "silu": (F.silu,),
        "softmax": (F.softmax, torch.softmax, torch.Tensor.softmax),
    }.items():
        for func in funcs:
            table[func] = (op, _elementwise(op))
    table[F.gelu] = ("gelu", _gelu)
    table[F.scaled_dot_product_attention] = ("scaled_dot_product_attention", _scaled_dot_product_attention)
    return table


FUNCTIONAL_COSTS: Mapping[Callable, tuple[str, FunctionalHandler]] = _table()
"""Counted torch functions: function -> (operation label, handler)."""


class FunctionalCounter(TorchFunctionMode):
    """Calls ``record(label, flops, output)`` for every counted functional call while ``active()``.

    Parameters
    ----------
    record : callable
        ``record(label, flops, output)``, called after the operation ran.
    active : callable
        ``active() -> bool``; False while a module with its own formula is running.
    """

    def __init__(self, record: Callable[[str, int, Any], None], active: Callable[[], bool]) -> None:
        super().__init__()
        self.record = record
        self.active = active

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        output = func(*args, **kwargs)
        entry = FUNCTIONAL_COSTS.get(func)
        if entry is not None and self.active():
            label, handler = entry
            self.record(label, handler(args, kwargs, output), output)
        return output
