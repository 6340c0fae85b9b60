"""N:M (2:4) masks on a 4096x4096 linear weight and on ResNet-50's 3x3 convolutions.

Peer: torch ``topk`` along groups of 4 and ``scatter`` of the winners (its tie rule may differ; only
the time is compared). Floor: one ``sum``.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.common import resnet50_weights
from iht.projection import NM, nm_mask


def _topk_scatter(t, n=2, m=4):
    groups = t.abs().movedim(1, -1).reshape(-1, m)
    winners = groups.topk(n, dim=1).indices
    return torch.zeros_like(groups, dtype=torch.bool).scatter_(1, winners, True)


class NM24Linear:
    """2:4 along the input features of a 4096x4096 float32 weight."""

    repeat = (1, 7, 10.0)

    def setup(self):
        self.x = np.random.default_rng(0).standard_normal((4096, 4096), dtype=np.float32)
        self.t = torch.from_numpy(self.x)

    def time_ours_numpy(self):
        nm_mask(self.x)

    def time_ours_torch(self):
        nm_mask(self.t)

    def time_peer_torch_topk_scatter(self):
        _topk_scatter(self.t)

    def time_floor_numpy_sum(self):
        self.x.sum()

    def time_floor_torch_sum(self):
        self.t.sum()

    def peakmem_ours_numpy(self):
        nm_mask(self.x)



class NM24Conv:
    """2:4 along input channels of every 3x3 convolution of ResNet-50 (16 weights, 11.2M float32)."""

    def setup(self):
        weights = resnet50_weights()
        self.weights = {n: w for n, w in weights.items() if w.ndim == 4 and w.shape[2:] == (3, 3)}
        self.tensors = {n: torch.from_numpy(w) for n, w in self.weights.items()}

    def time_ours_numpy(self):
        NM(2, 4).masks(self.weights)

    def time_ours_torch(self):
        NM(2, 4).masks(self.tensors)

    def time_peer_torch_topk_scatter(self):
        for t in self.tensors.values():
            _topk_scatter(t)

    def time_floor_numpy_sum(self):
        for w in self.weights.values():
            w.sum()
