"""Mask dynamics over a run: how the support moves between compressed phases, and which weights
dense phases leave at zero (Peste et al. 2021, Sec. 5: mask changes shrink as training converges)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch

from acdc.sharded import count


def mask_changes(history: Iterable[Any]) -> dict[int, float]:
    """First epoch of each compressed phase after the first -> its ``mask_change``.

    Parameters
    ----------
    history : iterable of PhaseRecord or dict
        ``controller.history`` or the records of ``history.json``.

    Returns
    -------
    dict of int to float
        ``|M_t \\ M_{t-1}| / |M_t|`` between consecutive compressed phases (see
        :class:`~acdc.controller.PhaseRecord`), in epoch order.
    """
    changes, previous = {}, None
    for record in history:
        values = record if isinstance(record, Mapping) else vars(record)
        if values["phase"] == "compressed" and previous != "compressed" and values["mask_change"] is not None:
            changes[values["epoch"]] = values["mask_change"]
        previous = values["phase"]
    return changes


def zero_masks(weights: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Where each weight is exactly zero (take at an epoch's start)."""
    return {name: w.detach() == 0 for name, w in weights.items()}


def count_stayed_zero(before: Mapping[str, torch.Tensor], weights: Mapping[str, torch.Tensor]) -> int:
    """Weights zero in ``before`` (from :func:`zero_masks`) and still exactly zero now.

    After a dense epoch this counts the pruned weights that training did not revive.
    """
    return sum(count(before[name] & (w.detach() == 0)) for name, w in weights.items())  # DTensor: all shards
