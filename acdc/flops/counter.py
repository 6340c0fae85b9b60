"""Forward FLOPs of a model at one input shape, dense and at the density of its masks, per layer.

:func:`count_flops` runs one forward pass on a zero input of ``input_shape`` and ``input_dtype``
(eval mode, no grad; ``torch.long`` zeros are token ids for language models)
and records a row per operation call:

* modules with a formula (:data:`~acdc.flops.module_costs.MODULE_COSTS`) through forward hooks;
  their inner calls are not counted again;
* tensor operations written in a ``forward`` (residual adds, explicit matmul and attention,
  functional activations, ``F.linear`` on a custom layer's parameter) through
  :class:`~acdc.flops.functional_costs.FunctionalCounter`, attributed to the innermost module running,
  as ``<module>.<op>`` (``layer1.0.add``).

A module type is *unknown* when a module of that type, with no formula of its own, makes a call that
does floating-point work and has no formula (``F.softplus``, ``F.conv_transpose2d``, a reduction).
Containers, reshapes, dropout and modules whose work is all counted (a block that owns a layer-scale
parameter and multiplies by it) are not. All unknown types are reported together, in one warning.

Sparse FLOPs: a term that multiplies a weight costs ``density · weighted`` (a zero weight needs no
multiply-add, Hoefler et al. 2021; RigL and AC/DC count sparse inference FLOPs this way);
everything else (biases, BatchNorm, activations, pooling, adds) is unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from acdc.flops.errors import InputShapeError, UnknownLayerError, UnknownLayerWarning, check_input_shape
from acdc.flops.functional_costs import FunctionalCounter
from acdc.flops.module_costs import MODULE_COSTS, Cost, Handler, handler_for
from iht.projection.errors import check_same_shape
from iht.validation import check_fraction

COLUMNS = (
    "layer",
    "type",
    "output_shape",
    "weight",
    "dense_flops",
    "weighted_flops",
    "density",
    "sparse_flops",
    "product_flops",
)
"""Columns of :attr:`FlopsCount.rows`: one row per operation call, in execution order.

``weight`` is the full parameter name whose density scales ``weighted_flops`` (None for operations
without a weight); ``sparse_flops = dense_flops - weighted_flops · (1 - density)``;
``product_flops`` are the dense FLOPs of the row's convolutions and matrix products (weighted ones and
products of two activations, see :attr:`FlopsCount.product_flops`).
"""


@dataclass(frozen=True)
class FlopsCount:
    """Result of :func:`count_flops`.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per operation call, columns :data:`COLUMNS`.
    input_shape : tuple of int
        The counted input shape; ``input_shape[0]`` is the batch size.
    unknown_types : tuple of str
        Type names of the modules that made uncounted calls (their FLOPs are missing or incomplete).
    uncounted : mapping str -> tuple of str
        For each of ``unknown_types``, the names of its uncounted calls (``{"Softplus": ("softplus",)}``).
    """

    rows: pd.DataFrame
    input_shape: tuple[int, ...]
    unknown_types: tuple[str, ...] = ()
    uncounted: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def dense_flops(self) -> int:
        """Forward FLOPs with every weight dense, for the whole input batch."""
        return int(self.rows["dense_flops"].sum())

    @property
    def sparse_flops(self) -> float:
        """Forward FLOPs at the counted densities, for the whole input batch."""
        return float(self.rows["sparse_flops"].sum())

    @property
    def product_flops(self) -> int:
        """Dense forward FLOPs of convolutions and matrix products (2 per multiply-add), weights' and
        activations' (attention scores): the operations ``torch.utils.flop_counter.FlopCounterMode``
        counts, biases, normalisation and activations excluded."""
        return int(self.rows["product_flops"].sum())

    @property
    def weights(self) -> tuple[str, ...]:
        """Names of the weights whose density scales some FLOPs (the prunable weights)."""
        return tuple(dict.fromkeys(self.rows["weight"].dropna()))

    def row_densities(self, densities: Mapping[str, float]) -> np.ndarray:
        """Density of each row's weight under ``densities``; 1.0 for rows whose weight is not listed.

        Parameters
        ----------
        densities : mapping str -> float
            Keys are weight names (``"layer1.0.conv1.weight"``) or the names of modules whose weight is
            ``<module>.weight`` (``"layer1.0.conv1"``); values in ``[0, 1]``.

        Raises
        ------
        KeyError
            If a key names no weight of :attr:`weights`.
        """
        weights = set(self.weights)
        resolved = {}
        unknown = []
        for key, value in densities.items():
            name = key if key in weights else f"{key}.weight"
            if name not in weights:
                unknown.append(key)
            resolved[name] = check_fraction(value, f"densities[{key!r}]")
        if unknown:
            raise KeyError(
                f"densities names no counted weight: {sorted(unknown)}; "
                f"known weights are e.g. {sorted(weights)[:3]}"
            )
        return self.rows["weight"].map(lambda w: resolved.get(w, 1.0)).to_numpy(dtype=float)

    def row_flops(self, densities: Mapping[str, float]) -> np.ndarray:
        """Forward FLOPs of each row with the weights at ``densities`` (see :meth:`row_densities`)."""
        weighted = self.rows["weighted_flops"].to_numpy(dtype=float)
        dense = self.rows["dense_flops"].to_numpy(dtype=float)
        return dense - weighted * (1.0 - self.row_densities(densities))

    def forward_flops(self, densities: Mapping[str, float]) -> float:
        """Total forward FLOPs with the weights at ``densities`` (unlisted weights dense)."""
        return float(self.row_flops(densities).sum())


class _Recorder:
    """Forward hooks that track the running module and turn module calls into rows."""

    def __init__(self, model: nn.Module, costs: Mapping[type[nn.Module] | str, Handler]) -> None:
        self.model = model
        self.costs = costs
        self.stack: list[tuple[str, str]] = []  # (name, type name) of the running modules
        self.counted_depth = 0
        self.entries: list[tuple[str, str, tuple[int, ...], Cost]] = []
        self.uncounted: dict[str, dict[str, None]] = {}
        self.parameters = {id(p): name for name, p in reversed(_all_parameters(model).items())}

    @contextmanager
    def hooks(self) -> Iterator[None]:
        handles = []
        for name, module in self.model.named_modules():
            handler = handler_for(module, self.costs)
            handles.append(module.register_forward_pre_hook(self._enter(name, handler)))
            handles.append(module.register_forward_hook(self._leave(name, handler), with_kwargs=True))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _enter(self, name: str, handler: Handler | None):
        def hook(module: nn.Module, args: tuple) -> None:
            self.stack.append((name, type(module).__name__))
            self.counted_depth += handler is not None

        return hook

    def _leave(self, name: str, handler: Handler | None):
        def hook(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
            self.stack.pop()
            if handler is None:
                return
            self.counted_depth -= 1
            if self.counted_depth == 0:
                costs = handler(module, args, kwargs, output)
                shape = _shape(output)
                for cost in costs:
                    layer = _join(name, cost.part)
                    self.entries.append((layer, type(module).__name__, shape, _qualify(name, cost)))

        return hook

    def record_functional(self, label: str, cost: Cost, output: Any) -> None:
        owner = self.stack[-1][0] if self.stack else ""
        self.entries.append((_join(owner, label), label, _shape(output), cost))

    def record_uncounted(self, operation: str) -> None:
        owner = self.stack[-1][1] if self.stack else type(self.model).__name__
        self.uncounted.setdefault(owner, {})[operation] = None

    def parameter_name(self, tensor: Any) -> str | None:
        return self.parameters.get(id(tensor)) if isinstance(tensor, nn.Parameter) else None

    def outside_counted_modules(self) -> bool:
        return self.counted_depth == 0


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix and name else prefix or name or "(model)"


def _qualify(module_name: str, cost: Cost) -> Cost:
    if cost.weight is None or not module_name:
        return cost
    return Cost(cost.weighted, cost.fixed, f"{module_name}.{cost.weight}", cost.part, cost.products)


def _shape(output: Any) -> tuple[int, ...]:
    tensor = output[0] if isinstance(output, tuple) else output
    return tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else ()


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Context: ``model`` in eval mode, every module's training flag restored afterwards."""
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        yield
    finally:
        for module, training in modes.items():
            module.training = training


def _all_parameters(model: nn.Module) -> dict[str, nn.Parameter]:
    """Every name of every parameter: a shared one (a tied output head) appears under each name."""
    return dict(model.named_parameters(remove_duplicate=False))


def _weight_densities(
    model: nn.Module, names: tuple[str, ...], masks: Mapping[str, Any], skip_zero_weights: bool
) -> dict[str, float]:
    params = _all_parameters(model)
    masks_by_tensor = {id(params[name]): mask for name, mask in masks.items()}  # a mask covers every alias
    densities = {}
    for name in names:
        if id(params[name]) in masks_by_tensor:
            source = masks_by_tensor[id(params[name])]
        elif skip_zero_weights:
            source = params[name]
        else:
            densities[name] = 1.0
            continue
        densities[name] = float(torch.count_nonzero(source)) / source.numel()
    return densities


def _check_masks(model: nn.Module, masks: Any) -> Mapping[str, Any]:
    if masks is None:
        return {}
    if not isinstance(masks, Mapping):
        raise TypeError(
            f"masks must be a mapping of parameter name -> mask, or None; got {type(masks).__name__}"
        )
    params = _all_parameters(model)
    unknown = sorted(set(masks) - set(params))
    if unknown:
        raise KeyError(f"masks names parameters that do not exist: {unknown}")
    for name, mask in masks.items():
        check_same_shape(mask, params[name], name=f"masks[{name!r}]")
    return masks


def count_flops(
    model: nn.Module,
    input_shape: Any,
    masks: Mapping[str, Any] | None = None,
    *,
    skip_zero_weights: bool = False,
    strict: bool = False,
    module_costs: Mapping[type[nn.Module] | str, Handler] | None = None,
    input_dtype: torch.dtype = torch.float32,
) -> FlopsCount:
    """Count the forward FLOPs of ``model`` on an input of ``input_shape``, per operation call.

    Convention: 1 multiply-add = 2 FLOPs (see :mod:`acdc.flops.formulas`); ResNet-50 at 224×224
    counts 8.2 GFLOPs, MobileNetV1 1.1 (AC/DC Tables 1 and 3).

    Parameters
    ----------
    model : torch.nn.Module
        Run once in eval mode under ``torch.no_grad()`` on zeros of ``input_shape`` (the modes of its
        modules are restored afterwards). A weight shared under several names (a head tied to the
        embedding) is counted under the name of each module that uses it.
    input_shape : sequence of int
        Batch first; counts are for the whole batch, so use batch size 1 for per-example FLOPs.
    masks : mapping str -> bool tensor, optional
        Keep-masks keyed by parameter name (any of the names of a shared parameter); the density of a
        masked weight is its fraction of True entries.
    skip_zero_weights : bool, default False
        If True, a weight without a mask has the density of its nonzero entries; otherwise 1.
    strict : bool, default False
        If True, unknown module types (module calls that do floating-point work without a formula,
        see the module docstring) raise :class:`UnknownLayerError`; otherwise one
        :class:`UnknownLayerWarning` lists them with their uncounted calls, and those FLOPs are left out.
    module_costs : mapping type or str -> handler, optional
        Extra or overriding formulas, ``handler(module, args, kwargs, output) -> list[Cost]``, keyed by
        module type or by qualified class name (see :mod:`acdc.flops.module_costs`).
    input_dtype : torch.dtype, default torch.float32
        dtype of the zero input; ``torch.long`` for models that take token ids
        (e.g. :class:`~acdc.models.transformer_lm.TransformerLM` at ``input_shape=(1, T)``).

    Returns
    -------
    FlopsCount

    Raises
    ------
    InputShapeError
        If ``input_shape`` is not a sequence of positive ints, or the forward pass fails on it.
    KeyError, ValueError, TypeError
        If ``masks`` names unknown parameters, has wrong shapes or is not a mapping.
    """
    shape = check_input_shape(input_shape)
    masks = _check_masks(model, masks)
    recorder = _Recorder(model, {**MODULE_COSTS, **(module_costs or {})})
    parameter = next(model.parameters(), None)
    x = torch.zeros(shape, dtype=input_dtype, device=parameter.device if parameter is not None else None)
    counter = FunctionalCounter(
        recorder.record_functional, recorder.outside_counted_modules, recorder.parameter_name,
        recorder.record_uncounted,
    )
    with eval_mode(model), torch.no_grad(), recorder.hooks(), counter:
        try:
            model(x)
        except RuntimeError as err:
            raise InputShapeError(f"the model cannot run on input_shape={shape}: {err}") from err
    uncounted = {kind: tuple(operations) for kind, operations in recorder.uncounted.items()}
    if uncounted:
        calls = "; ".join(f"{kind}: {', '.join(operations)}" for kind, operations in uncounted.items())
        message = (
            f"no FLOPs formula for module types {list(uncounted)}; their FLOPs are missing or incomplete "
            f"(uncounted calls: {calls})"
        )
        if strict:
            raise UnknownLayerError(message + " (strict=True); pass module_costs={type: handler} to add them")
        warnings.warn(message, UnknownLayerWarning, stacklevel=2)
    rows = _rows(model, recorder.entries, masks, skip_zero_weights)
    return FlopsCount(rows, shape, tuple(uncounted), uncounted)


def _rows(
    model: nn.Module,
    entries: list[tuple[str, str, tuple[int, ...], Cost]],
    masks: Mapping[str, Any],
    skip_zero_weights: bool,
) -> pd.DataFrame:
    names = tuple(dict.fromkeys(cost.weight for *_, cost in entries if cost.weight is not None))
    densities = _weight_densities(model, names, masks, skip_zero_weights)
    records = []
    for layer, kind, shape, cost in entries:
        density = densities.get(cost.weight, 1.0)
        dense = cost.weighted + cost.fixed
        sparse = dense - cost.weighted * (1.0 - density)
        products = cost.weighted + cost.products
        records.append((layer, kind, shape, cost.weight, dense, cost.weighted, density, sparse, products))
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))
