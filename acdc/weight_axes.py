"""The input-feature axis of each linear-like or convolutional weight, whatever library defined the layer.

A weight ``W`` of a layer computing ``y = x Wᵀ`` (``nn.Linear``: ``W`` of shape ``(out, in)``) sums
over its axis 1; the same layer written as ``y = x W + b`` (``transformers``' ``Conv1D``, GPT-2's
projections: ``W`` of shape ``(in, out)``) sums over its axis 0. The *input-feature axis* is the axis
of ``W`` that each output element's dot product runs over: the axis along which N:M groups are taken
(NVIDIA's 2:4 sparsity keeps 2 of every 4 consecutive weights of one dot product, Mishra et al. 2021,
"Accelerating Sparse Deep Neural Networks", Sec. 2) and whose length is the multiply-adds per output
element in the FLOPs formulas (:func:`acdc.flops.formulas.linear_flops`).

================================  ============================================  ====
layer                             weight shape                                  axis
================================  ============================================  ====
``nn.Linear`` (and subclasses)    ``(out, in)``                                 1
``nn.Conv1d/2d/3d``               ``(out, in / groups, *kernel)``               1
``nn.ConvTranspose1d/2d/3d``      ``(in, out / groups, *kernel)``               0
``transformers`` ``Conv1D``       ``(in, out)``                                 0
``nn.MultiheadAttention``         ``in_proj_weight (3E, E)``, ``q/k/v_proj``    1
================================  ============================================  ====

``transformers`` is never imported: its ``Conv1D`` is recognised by the qualified name of its class
(:data:`CONV1D_TYPES`), so this module works whether or not that package is installed.
"""

from __future__ import annotations

from torch import nn

__all__ = ["CONV1D_TYPES", "input_feature_axis", "is_conv1d_like", "qualified_name"]

CONV1D_TYPES = frozenset({"transformers.pytorch_utils.Conv1D", "transformers.modeling_utils.Conv1D"})
"""Qualified class names of ``transformers``' ``Conv1D`` (``y = x W + b``, ``W`` stored ``(in, out)``);
it moved from ``modeling_utils`` to ``pytorch_utils`` in transformers 4.20."""

_AXES: dict[type[nn.Module], dict[str, int]] = {
    nn.Linear: {"weight": 1},
    nn.modules.conv._ConvTransposeNd: {"weight": 0},
    nn.modules.conv._ConvNd: {"weight": 1},
    nn.MultiheadAttention: {"in_proj_weight": 1, "q_proj_weight": 1, "k_proj_weight": 1, "v_proj_weight": 1},
}
"""Input-feature axis of each weight of the supported ``torch.nn`` types, nearest class first
(``_ConvTransposeNd`` is a subclass of ``_ConvNd``)."""


def qualified_name(cls: type) -> str:
    """``module.QualName`` of a class, e.g. ``"transformers.pytorch_utils.Conv1D"``."""
    return f"{cls.__module__}.{cls.__qualname__}"


def is_conv1d_like(module: nn.Module) -> bool:
    """Whether ``module`` is (a subclass of) ``transformers``' ``Conv1D``: ``y = x W + b``, ``W (in, out)``.
    """
    return any(qualified_name(cls) in CONV1D_TYPES for cls in type(module).__mro__)


def _axes_of(module: nn.Module) -> dict[str, int] | None:
    if is_conv1d_like(module):
        return {"weight": 0}
    for cls in type(module).__mro__:
        if cls in _AXES:
            return _AXES[cls]
    return None


def input_feature_axis(module: nn.Module, param_name: str) -> int:
    """Axis of ``module``'s parameter ``param_name`` that indexes input features (see the module table).

    Parameters
    ----------
    module : torch.nn.Module
        The layer, or any ancestor of it when ``param_name`` is dotted (``"out_proj.weight"`` of an
        ``nn.MultiheadAttention``, ``"h.0.attn.c_attn.weight"`` of a GPT-2).
    param_name : str
        Name of the parameter relative to ``module``.

    Returns
    -------
    int
        A non-negative axis of the parameter.

    Raises
    ------
    TypeError
        If ``module`` is not an ``nn.Module``, ``param_name`` not a str, or the layer owning the
        parameter is not linear-like or convolutional (``nn.Embedding`` included: a look-up table has
        no input-feature axis; a head tied to it is an ``nn.Linear`` and has one).
    ValueError
        If the layer has no parameter ``param_name`` with an input-feature axis (a bias, a norm's scale).
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module; got module of type {type(module).__name__}")
    if not isinstance(param_name, str):
        raise TypeError(f"param_name must be a str; got param_name={param_name!r}")
    owner_name, _, local = param_name.rpartition(".")
    try:
        owner = module.get_submodule(owner_name)
    except AttributeError as err:
        raise ValueError(
            f"param_name must name a parameter of module's submodules; got param_name={param_name!r} ({err})"
        ) from err
    if isinstance(owner, nn.Embedding):
        raise TypeError(
            f"param_name must be the weight of a linear-like or convolutional layer; got "
            f"param_name={param_name!r} of an nn.Embedding, a look-up table with no input-feature axis"
        )
    axes = _axes_of(owner)
    if axes is None:
        raise TypeError(
            "the layer owning param_name must be nn.Linear, nn.ConvNd, nn.ConvTransposeNd, "
            f"nn.MultiheadAttention or transformers' Conv1D; "
            f"got param_name={param_name!r} of a {type(owner).__name__}"
        )
    present = {name: axis for name, axis in axes.items() if getattr(owner, name, None) is not None}
    if local not in present:
        raise ValueError(
            f"param_name must be one of {sorted(present)} on a {type(owner).__name__}; "
            f"got param_name={param_name!r}"
        )
    return present[local]
