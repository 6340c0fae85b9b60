"""Applying boolean masks in place to ResNet-50 weights (AC/DC's step post-hook in a sparse phase).

Peers: multiplying in place by the bool mask (``mul_`` / ``*=``) and by the mask already in the
weight's dtype. Floor: one ``sum``.
"""

from __future__ import annotations

import torch

from benchmarks.common import kept, resnet50_weights
from iht.projection import apply_masks_, global_topk_masks


class ApplyMasksResNet50:
    params = ("numpy", "torch")
    param_names = ("backend",)

    def setup(self, backend):
        weights = resnet50_weights()
        if backend == "torch":
            weights = {name: torch.from_numpy(w) for name, w in weights.items()}
        self.weights = weights
        self.masks = global_topk_masks(weights, kept(sum(w.size if backend == "numpy" else w.numel()
                                                         for w in weights.values()), 0.9))
        self.dtype_masks = {n: m * 1.0 for n, m in self.masks.items()}

    def time_ours(self, backend):
        apply_masks_(self.weights, self.masks)

    def time_peer_mul_bool(self, backend):
        for name, w in self.weights.items():
            w *= self.masks[name]

    def time_peer_mul_dtype_mask(self, backend):
        for name, w in self.weights.items():
            w *= self.dtype_masks[name]

    def time_floor_sum(self, backend):
        for w in self.weights.values():
            w.sum()
