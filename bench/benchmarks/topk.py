"""Magnitude top-k masks: one array, global over ResNet-50 weights, per-layer, ERK.

Peers do only the selection (no mask) on the concatenated magnitudes, which they need: numpy's
``partition`` / ``argpartition`` and torch's ``topk`` / ``kthvalue``. The floor is one ``sum`` over the
same arrays. ``ours_torch`` runs on CPU tensors sharing the numpy data's memory.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.common import SPARSITIES, kept, resnet50_shapes, resnet50_weights, signed_uniform
from iht.projection import ERKTopK, erk_counts, global_topk_masks, layerwise_topk_masks, topk_mask

#: (size, sparsity) cases: every sparsity at 1e6, the extreme sizes at 0.9 (keeps quick runs short)
CASES = ((10_000, 0.9), (1_000_000, 0.5), (1_000_000, 0.9), (1_000_000, 0.98), (50_000_000, 0.9))


class TopKMask:
    """``topk_mask`` on one float32 array."""

    params = ([f"{size:.0e} {sparsity}" for size, sparsity in CASES],)
    param_names = ("size sparsity",)
    repeat = (1, 5, 10.0)
    timeout = 300

    def setup(self, case):
        size, sparsity = (float(part) for part in case.split())
        size = int(size)
        self.x = signed_uniform(size)
        self.t = torch.from_numpy(self.x)
        self.k = kept(size, sparsity)

    def time_ours_numpy(self, case):
        topk_mask(self.x, self.k)

    def time_ours_torch(self, case):
        topk_mask(self.t, self.k)

    def time_peer_numpy_partition(self, case):
        np.abs(self.x).partition(self.x.size - self.k)

    def time_peer_numpy_argpartition(self, case):
        np.argpartition(np.abs(self.x), self.x.size - self.k)

    def time_peer_torch_topk(self, case):
        torch.topk(self.t.abs(), self.k)

    def time_peer_torch_kthvalue(self, case):
        torch.kthvalue(self.t.abs(), self.x.size - self.k + 1)

    def time_floor_numpy_sum(self, case):
        self.x.sum()

    def time_floor_torch_sum(self, case):
        self.t.sum()

    def peakmem_ours_numpy(self, case):
        topk_mask(self.x, self.k)


class GlobalTopKResNet50:
    """One global threshold over ResNet-50's 54 weights (25.5M float32), AC/DC's projection."""

    params = SPARSITIES
    param_names = ("sparsity",)
    repeat = (1, 7, 10.0)
    timeout = 300

    def setup(self, sparsity):
        self.weights = resnet50_weights()
        self.tensors = {name: torch.from_numpy(w) for name, w in self.weights.items()}
        self.size = sum(w.size for w in self.weights.values())
        self.k = kept(self.size, sparsity)

    def _magnitudes_numpy(self):
        return np.abs(np.concatenate([w.reshape(-1) for w in self.weights.values()]))

    def _magnitudes_torch(self):
        return torch.cat([t.reshape(-1) for t in self.tensors.values()]).abs()

    def time_ours_numpy(self, sparsity):
        global_topk_masks(self.weights, self.k)

    def time_ours_torch(self, sparsity):
        global_topk_masks(self.tensors, self.k)

    def time_peer_numpy_partition(self, sparsity):
        self._magnitudes_numpy().partition(self.size - self.k)

    def time_peer_numpy_argpartition(self, sparsity):
        np.argpartition(self._magnitudes_numpy(), self.size - self.k)

    def time_peer_torch_topk(self, sparsity):
        torch.topk(self._magnitudes_torch(), self.k)

    def time_peer_torch_kthvalue(self, sparsity):
        torch.kthvalue(self._magnitudes_torch(), self.size - self.k + 1)

    def time_floor_numpy_sum(self, sparsity):
        for w in self.weights.values():
            w.sum()

    def time_floor_torch_sum(self, sparsity):
        for t in self.tensors.values():
            t.sum()

    def peakmem_ours_numpy(self, sparsity):
        global_topk_masks(self.weights, self.k)

    def peakmem_peer_numpy_partition(self, sparsity):
        self._magnitudes_numpy().partition(self.size - self.k)

    def peakmem_peer_torch_topk(self, sparsity):
        torch.topk(self._magnitudes_torch(), self.k)


class LayerwiseResNet50:
    """The same sparsity in each ResNet-50 weight; peers select layer by layer."""

    params = (0.9,)
    param_names = ("sparsity",)

    def setup(self, sparsity):
        self.weights = resnet50_weights()
        self.tensors = {name: torch.from_numpy(w) for name, w in self.weights.items()}
        self.kept = {name: kept(w.size, sparsity) for name, w in self.weights.items()}

    def time_ours_numpy(self, sparsity):
        layerwise_topk_masks(self.weights, sparsity)

    def time_ours_torch(self, sparsity):
        layerwise_topk_masks(self.tensors, sparsity)

    def time_peer_numpy_partition(self, sparsity):
        for name, w in self.weights.items():
            np.abs(w.reshape(-1)).partition(w.size - self.kept[name])

    def time_peer_torch_topk(self, sparsity):
        for name, t in self.tensors.items():
            torch.topk(t.reshape(-1).abs(), self.kept[name])

    def time_floor_numpy_sum(self, sparsity):
        for w in self.weights.values():
            w.sum()


class ERKResNet50:
    """ERK layer densities (RigL) over ResNet-50, and the masks they give."""

    params = (0.9,)
    param_names = ("sparsity",)

    def setup(self, sparsity):
        self.weights = resnet50_weights()
        self.tensors = {name: torch.from_numpy(w) for name, w in self.weights.items()}
        self.shapes = resnet50_shapes()

    def time_erk_counts(self, sparsity):
        erk_counts(self.shapes, sparsity)

    def time_ours_numpy(self, sparsity):
        ERKTopK(sparsity).masks(self.weights)

    def time_ours_torch(self, sparsity):
        ERKTopK(sparsity).masks(self.tensors)

    def time_floor_numpy_sum(self, sparsity):
        for w in self.weights.values():
            w.sum()
