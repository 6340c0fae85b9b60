"""The projection core shared by :mod:`iht` and :mod:`acdc`.

One semantics for numpy arrays and torch tensors (CPU and CUDA), selected by the input's type:
magnitude top-k (``topk_mask``, ``hard_threshold``), global and per-layer top-k over named arrays,
N:M masks, ERK layer densities, random masks, the ``k``/``sparsity`` conversion, and the
:class:`Projection` interface that solvers and trainers accept.
"""

from iht.projection.erk import erk_counts, erk_densities
from iht.projection.masking import apply_mask_, apply_masks_
from iht.projection.nm import default_nm_axis, nm_mask, nm_masks
from iht.projection.projections import NM, ERKTopK, LayerwiseTopK, Projection, RandomMask, TopK
from iht.projection.random_masks import random_mask
from iht.projection.registry import PROJECTIONS, build_projection, projections_at
from iht.projection.sparsity import k_from_sparsity, sparsity_from_k
from iht.projection.topk import global_topk_masks, hard_threshold, layerwise_topk_masks, topk_mask

__all__ = [
    "NM",
    "PROJECTIONS",
    "ERKTopK",
    "LayerwiseTopK",
    "Projection",
    "RandomMask",
    "TopK",
    "apply_mask_",
    "apply_masks_",
    "build_projection",
    "default_nm_axis",
    "erk_counts",
    "erk_densities",
    "global_topk_masks",
    "hard_threshold",
    "k_from_sparsity",
    "layerwise_topk_masks",
    "nm_mask",
    "nm_masks",
    "projections_at",
    "random_mask",
    "sparsity_from_k",
    "topk_mask",
]
