"""One IHT iteration on N = 1e6: gradient step on a diagonal quadratic, then hard thresholding (numpy).

``f(x) = 1/2 sum_i d_i (x_i - b_i)^2`` with ``d`` in [1, 10]; one iteration is
``x <- T_k(x - grad f(x) / L)`` with ``L = max d``. Peer: the same iteration thresholding with
``numpy.partition``; floor: the gradient step alone.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import kept
from iht.projection import hard_threshold

SIZE = 1_000_000


class IHTIteration:
    params = (0.9,)
    param_names = ("sparsity",)

    def setup(self, sparsity):
        rng = np.random.default_rng(0)
        self.d = rng.uniform(1.0, 10.0, SIZE)
        self.b = rng.standard_normal(SIZE)
        self.x = np.zeros(SIZE)
        self.step = 1.0 / self.d.max()
        self.k = kept(SIZE, sparsity)

    def _gradient_step(self):
        return self.x - self.step * self.d * (self.x - self.b)

    def time_ours(self, sparsity):
        hard_threshold(self._gradient_step(), self.k)

    def time_peer_numpy_partition(self, sparsity):
        z = self._gradient_step()
        threshold = np.partition(np.abs(z), SIZE - self.k)[SIZE - self.k]
        np.where(np.abs(z) >= threshold, z, 0.0)

    def time_floor_gradient_step(self, sparsity):
        self._gradient_step()
