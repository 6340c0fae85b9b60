"""Sample-level agreement between two classifiers, e.g. AC/DC's sparse/dense pair against GMP.

For inputs ``x_i`` with output distributions ``p_i = softmax(a(x_i))`` and ``q_i = softmax(b(x_i))``:

* top-1 agreement: ``mean_i [argmax p_i = argmax q_i]`` (symmetric);
* cross-entropy of ``b`` against ``a``: ``mean_i H(p_i, q_i) = -mean_i Σ_c p_ic log q_ic``, with model
  ``a`` as the target distribution (not symmetric; ``H(p, q) = H(p) + KL(p ‖ q)``), and the reverse
  ``H(q_i, p_i)``. With ``b = a`` both equal the mean entropy ``H(p_i)``.

Peste et al. (2021), Sec. 5, compare the AC/DC sparse and dense models' predictions in this way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from acdc.flops.counter import eval_mode


def _inputs(batch: Any) -> torch.Tensor:
    return batch[0] if isinstance(batch, (tuple, list)) else batch


@torch.no_grad()
def agreement(
    model_a: nn.Module, model_b: nn.Module, loader: Iterable[Any], device: str | torch.device | None = None
) -> dict[str, float]:
    """Top-1 agreement and cross-entropies between the outputs of two classifiers.

    Parameters
    ----------
    model_a, model_b : nn.Module
        Classifiers returning logits ``(batch, classes)``; run in eval mode (modes restored after).
    loader : iterable
        Batches of inputs, or ``(inputs, labels, ...)`` tuples whose first item is the input.
    device : str or torch.device, optional
        Where inputs are moved (default: the device of ``model_a``'s first parameter).

    Returns
    -------
    dict
        ``top1_agreement``; ``cross_entropy`` = mean ``H(p_a, p_b)`` (``a`` the target);
        ``reverse_cross_entropy`` = mean ``H(p_b, p_a)``; ``entropy_a``, ``entropy_b``; ``samples``.
        Cross-entropies and entropies in nats.
    """
    device = device or next(model_a.parameters()).device
    sums, samples = torch.zeros(5, dtype=torch.float64), 0
    with eval_mode(model_a), eval_mode(model_b):
        for batch in loader:
            x = _inputs(batch).to(device)
            log_p, log_q = F.log_softmax(model_a(x).double(), 1), F.log_softmax(model_b(x).double(), 1)
            p, q = log_p.exp(), log_q.exp()
            sums += torch.stack([
                (log_p.argmax(1) == log_q.argmax(1)).sum().double(), -(p * log_q).sum(), -(q * log_p).sum(),
                -(p * log_p).sum(), -(q * log_q).sum(),
            ]).cpu()
            samples += len(x)
    if samples == 0:
        raise ValueError("loader must yield at least one batch; got an empty loader")
    agree, cross, reverse, entropy_a, entropy_b = (float(v) / samples for v in sums)
    return {"top1_agreement": agree, "cross_entropy": cross, "reverse_cross_entropy": reverse,
            "entropy_a": entropy_a, "entropy_b": entropy_b, "samples": samples}
