"""Training FLOPs of a whole run from its phase history, absolute and relative to dense training.

Convention (RigL, Evci et al. 2020, in their FLOPs accounting of sparse training; used by AC/DC,
Peste et al. 2021, Sec. 4):
a training step on one example costs its forward pass ``f`` plus a backward pass of ``2 f`` (the
gradient with respect to the activations and the one with respect to the weights each cost about a
forward pass), so ``3 f`` per example. In a sparse phase both backward products run on the sparse
support, so the step costs ``3 f_S`` where ``f_S`` is the forward FLOPs at the phase's densities; a
dense phase costs ``3 f_D``. A step that also computes the *dense* weight gradient (RigL's mask update
every ``ΔT`` steps) costs ``2 f_S + f_D``, which gives RigL's average per step
``(3 f_S ΔT + 2 f_S + f_D) / (ΔT + 1)``.

The phase history is plain data: a sequence of :class:`PhaseCost`, or, per epoch, a sequence of
``(kind, {layer: density})`` pairs converted by :func:`phases_from_epochs`. Only weight-bearing
operations (convolutions, linear layers, attention projections) get cheaper in a sparse phase;
BatchNorm, activations, pooling, residual adds and biases keep their dense cost, so a run is always
somewhat above the "every FLOP scales with density" estimate. :meth:`TrainingCost.excess_over` and
:meth:`TrainingCost.explain` say which layers account for the difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from acdc.flops.counter import FlopsCount
from iht.validation import check_fraction, check_nonnegative, check_positive

PHASE_KINDS = ("dense", "sparse")
PHASE_ALIASES = {"decompressed": "dense", "compressed": "sparse"}
"""AC/DC's names for the phases (Peste et al. 2021, Sec. 3), accepted by :func:`phases_from_epochs`."""

BACKWARD_OVER_FORWARD = 2
"""Backward pass cost in forward passes (RigL convention): a training step is 3 forward passes."""


def _phase_kind(kind: Any) -> str:
    value = getattr(kind, "value", kind)
    normalized = PHASE_ALIASES.get(value, value) if isinstance(value, str) else value
    if normalized not in PHASE_KINDS:
        allowed = [*PHASE_KINDS, *PHASE_ALIASES]
        raise ValueError(f"kind must be one of {allowed}; got kind={kind!r}")
    return normalized


@dataclass(frozen=True)
class PhaseCost:
    """One phase of a training run, as the FLOPs accounting needs it.

    Attributes
    ----------
    kind : {"dense", "sparse"}
        A dense phase costs ``3 f_D`` per example whatever ``densities`` says.
    examples : float
        Training examples processed in the phase: ``epochs × examples_per_epoch`` (or steps × batch).
    densities : mapping str -> float
        Density (fraction of kept weights) of each pruned weight in a sparse phase, keyed by weight
        name (``"layer1.0.conv1.weight"``) or module name (``"layer1.0.conv1"``); unlisted weights
        are dense.
    dense_gradient_examples : float, default 0
        Examples, among ``examples``, whose step also computes the dense weight gradient (RigL's mask
        updates: update steps × batch size); each costs ``2 f_S + f_D`` instead of ``3 f_S``.
    """

    kind: str
    examples: float
    densities: Mapping[str, float] = field(default_factory=dict)
    dense_gradient_examples: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _phase_kind(self.kind))
        examples = check_positive(self.examples, "examples")
        extra = check_nonnegative(self.dense_gradient_examples, "dense_gradient_examples")
        if extra > examples:
            raise ValueError(
                f"dense_gradient_examples must be in [0, examples={examples}]; "
                f"got dense_gradient_examples={extra}"
            )
        if not isinstance(self.densities, Mapping):
            raise TypeError(
                f"densities must be a mapping of layer name -> density; got {type(self.densities).__name__}"
            )
        for name, density in self.densities.items():
            check_fraction(density, f"densities[{name!r}]")
        object.__setattr__(self, "densities", MappingProxyType(dict(self.densities)))


def phases_from_epochs(
    history: Iterable[tuple[Any, Mapping[str, float]]], examples_per_epoch: float
) -> list[PhaseCost]:
    """Turn a per-epoch history ``[(kind, {layer: density}), ...]`` into phases.

    Consecutive epochs with the same kind and densities are merged into one :class:`PhaseCost`;
    dense epochs drop their densities (the AC/DC controller's ``PhaseRecord`` reports them), so
    ``phases_from_epochs([(r.phase, r.layer_density) for r in controller.history], n)`` plugs in.
    ``kind`` is ``"dense"``/``"sparse"`` (or ``"decompressed"``/``"compressed"``, or an enum whose
    ``value`` is one of these), so the AC/DC controller's phase history plugs in directly.
    """
    per_epoch = check_positive(examples_per_epoch, "examples_per_epoch")
    return _merged(PhaseCost(kind, per_epoch, densities) for kind, densities in history)


def phases_from_history(history: Iterable[Any], examples_per_epoch: float) -> list[PhaseCost]:
    """Phases of a controller's per-epoch history, RigL's dense-gradient steps included.

    Parameters
    ----------
    history : iterable of PhaseRecord or dict
        ``controller.history`` or the records of ``history.json``: ``phase``, ``layer_density``
        (averaged over the epoch's steps), ``steps`` and ``dense_gradient_steps``.
    examples_per_epoch : float
        Training examples per epoch (all processes together).

    Returns
    -------
    list of PhaseCost
        Consecutive equal epochs merged; an epoch's ``dense_gradient_examples`` is
        ``examples_per_epoch · dense_gradient_steps / steps``.
    """
    per_epoch = check_positive(examples_per_epoch, "examples_per_epoch")
    phases = []
    for record in history:
        values = record if isinstance(record, Mapping) else vars(record)
        steps = values.get("steps", 0)
        extra = per_epoch * values.get("dense_gradient_steps", 0) / steps if steps else 0.0
        phases.append(PhaseCost(values["phase"], per_epoch, values["layer_density"], extra))
    return _merged(phases)


def _merged(phases: Iterable[PhaseCost]) -> list[PhaseCost]:
    """Consecutive phases of the same kind and densities as one; dense phases drop their densities."""
    merged: list[PhaseCost] = []
    for phase in phases:
        if phase.kind == "dense":  # charged at full cost: its densities must not split a dense run
            phase = PhaseCost("dense", phase.examples, {}, phase.dense_gradient_examples)
        last = merged[-1] if merged else None
        if last is not None and (last.kind, dict(last.densities)) == (phase.kind, dict(phase.densities)):
            merged[-1] = PhaseCost(last.kind, last.examples + phase.examples, last.densities,
                                   last.dense_gradient_examples + phase.dense_gradient_examples)
        else:
            merged.append(phase)
    return merged


@dataclass(frozen=True)
class TrainingCost:
    """Result of :func:`training_flops`.

    Attributes
    ----------
    phases : pandas.DataFrame
        One row per phase: ``phase``, ``kind``, ``examples``, ``forward_flops`` (per example, at the
        phase's densities), ``training_flops``, ``dense_training_flops`` (same examples, dense) and
        ``relative``.
    layers : pandas.DataFrame
        One row per counted operation: ``layer``, ``type``, ``weight``, ``training_flops`` and
        ``dense_training_flops`` over the whole run.
    """

    phases: pd.DataFrame
    layers: pd.DataFrame

    @property
    def total(self) -> float:
        """Training FLOPs of the run."""
        return float(self.phases["training_flops"].sum())

    @property
    def dense_total(self) -> float:
        """Training FLOPs of dense training on the same examples."""
        return float(self.phases["dense_training_flops"].sum())

    @property
    def relative(self) -> float:
        """``total / dense_total``: the "EFLOPs Train ×" column of AC/DC Tables 1-3."""
        return self.total / self.dense_total

    def excess_over(self, reference: float) -> pd.DataFrame:
        """Each layer's share of ``relative - reference``, largest first.

        ``reference`` is the relative cost if every FLOP scaled with the density, e.g.
        ``0.5 · 1 + 0.5 · 0.1 = 0.55`` for half the epochs at uniform 90% sparsity. A layer's
        ``dense_share`` is its fraction of the dense cost, ``relative`` its cost over the dense total
        (summing to :attr:`relative`), and ``excess = relative - reference · dense_share`` (summing to
        ``self.relative - reference``): positive for layers that stay denser than the reference.
        """
        dense_total = self.dense_total
        table = self.layers[["layer", "type", "weight"]].copy()
        table["dense_share"] = self.layers["dense_training_flops"] / dense_total
        table["relative"] = self.layers["training_flops"] / dense_total
        table["excess"] = table["relative"] - reference * table["dense_share"]
        return table.sort_values("excess", ascending=False, kind="stable").reset_index(drop=True)

    def explain(self, reference: float, top: int = 5) -> str:
        """One paragraph: the relative cost, its difference from ``reference``, by type and top layers."""
        excess = self.excess_over(reference)
        by_type = excess.groupby("type")["excess"].sum().sort_values(ascending=False)
        types = ", ".join(f"{kind} {value:+.4f}" for kind, value in by_type.items() if value > 0)
        layers = ", ".join(f"{row.layer} {row.excess:+.4f}" for row in excess.head(top).itertuples())
        return (
            f"training cost {self.relative:.4f} of dense vs reference {reference:.4f} "
            f"({self.relative - reference:+.4f}). Operations whose cost does not scale with a weight "
            f"density (BatchNorm, activations, pooling, adds, biases) and weights kept denser than the "
            f"reference account for it. By type: {types or 'none'}. Largest layers: {layers}."
        )


def training_flops(count: FlopsCount, phases: Sequence[PhaseCost]) -> TrainingCost:
    """Training FLOPs of a run, per phase and per layer, under the RigL convention.

    Per example of a phase with forward cost ``f_S`` (``f_D`` if dense or at full density)::

        regular step              3 f_S
        dense-gradient step       2 f_S + f_D
        dense training reference  3 f_D

    Parameters
    ----------
    count : FlopsCount
        Forward FLOPs of the model, e.g. ``count_flops(model, (1, 3, 224, 224))``; the counted FLOPs
        are divided by its batch size ``count.input_shape[0]`` to get per-example costs.
    phases : sequence of PhaseCost
        The run's phases in order (see :func:`phases_from_epochs` for per-epoch histories).

    Returns
    -------
    TrainingCost
    """
    if not phases:
        raise ValueError("phases must contain at least one PhaseCost; got an empty sequence")
    batch = count.input_shape[0]
    dense = count.rows["dense_flops"].to_numpy(dtype=float) / batch
    layer_cost = np.zeros_like(dense)
    layer_dense_cost = np.zeros_like(dense)
    records = []
    for index, phase in enumerate(phases):
        forward = dense if phase.kind == "dense" else count.row_flops(phase.densities) / batch
        regular = phase.examples - phase.dense_gradient_examples
        cost = (1 + BACKWARD_OVER_FORWARD) * forward * regular + (
            BACKWARD_OVER_FORWARD * forward + dense
        ) * phase.dense_gradient_examples
        reference = (1 + BACKWARD_OVER_FORWARD) * dense * phase.examples
        layer_cost += cost
        layer_dense_cost += reference
        records.append(
            (
                index,
                phase.kind,
                phase.examples,
                forward.sum(),
                cost.sum(),
                reference.sum(),
                cost.sum() / reference.sum(),
            )
        )
    columns = [
        "phase",
        "kind",
        "examples",
        "forward_flops",
        "training_flops",
        "dense_training_flops",
        "relative",
    ]
    layers = count.rows[["layer", "type", "weight"]].copy()
    layers["training_flops"] = layer_cost
    layers["dense_training_flops"] = layer_dense_cost
    return TrainingCost(pd.DataFrame.from_records(records, columns=columns), layers)
