"""Iterative hard thresholding (IHT), stochastic IHT and AC/DC on synthetic objectives (numpy).

Importing :mod:`iht` never imports torch; the projection core in :mod:`iht.projection` accepts torch
tensors when the caller has torch.
"""

from iht.projection import (
    NM,
    ERKTopK,
    LayerwiseTopK,
    Projection,
    RandomMask,
    TopK,
    hard_threshold,
    k_from_sparsity,
    nm_mask,
    sparsity_from_k,
    topk_mask,
)

__all__ = [
    "NM",
    "ERKTopK",
    "LayerwiseTopK",
    "Projection",
    "RandomMask",
    "TopK",
    "hard_threshold",
    "k_from_sparsity",
    "nm_mask",
    "sparsity_from_k",
    "topk_mask",
]
