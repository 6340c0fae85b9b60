"""Hypothesis strategies drawing instances whose constants are known exactly."""

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from iht.objectives import BlockDiagonalQuadratic, CPLQuadratic, DiagonalQuadratic


@dataclass(frozen=True)
class Instance:
    """An objective, a projection size ``k`` and its exact restricted smoothness ``beta`` (level 2k+3k*)."""

    objective: object
    k: int
    beta: float


@st.composite
def exact_quadratics(draw):
    """Diagonal or block-diagonal quadratics (β exact by enumeration) with ``k* <= k < N``."""
    seed = draw(st.integers(0, 2**32 - 1))
    k_star = draw(st.integers(1, 3))
    mu = draw(st.floats(0.05, 2.0))
    L = mu * draw(st.floats(1.0, 20.0))
    if draw(st.booleans()):
        dim = draw(st.integers(k_star + 2, 40))
        objective = DiagonalQuadratic(dim, k_star, mu=mu, L=L, seed=seed)
    else:
        block_size = draw(st.integers(2, 5))
        n_blocks = draw(st.integers(max(2, -(-(k_star + 2) // block_size)), 6))
        objective = BlockDiagonalQuadratic(n_blocks, block_size, k_star, mu=mu, L=L, seed=seed)
    k = draw(st.integers(k_star, objective.dim - 1))
    return Instance(objective, k, objective.known_constants(k).beta)


@st.composite
def sparse_starts(draw, instance):
    """A k-sparse starting point of ``instance`` with entries of the scale of θ*."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    theta0 = np.zeros(instance.objective.dim)
    support = rng.choice(instance.objective.dim, size=draw(st.integers(0, instance.k)), replace=False)
    theta0[support] = 2.0 * rng.standard_normal(support.size)
    return theta0


@dataclass(frozen=True)
class CPLInstance:
    """A CPLQuadratic with Theorem 1's hypotheses holding for the constant ``C`` used."""

    objective: CPLQuadratic
    k: int
    sigma2: float
    C: float


@st.composite
def theorem1_instances(draw, C=1.0):
    """CPLQuadratic instances (β, global α exact) with ``C·k*·(β/α)² <= k < N``.

    Global CPL gives ``β/α >= N/(4k*)``, so the requirement fits under ``N`` only when
    ``N <= 16k*/C``; drawing ``N <= 8k*/C`` and ``β/α <= √((N − 1)/(C·k*))`` (when that exceeds
    the floor ``N/(4k*)``) keeps ``k = ⌈C·k*·(β/α)²⌉ < N``.
    """
    k_star = draw(st.integers(1, 3))
    dim = draw(st.integers(k_star + 2, max(k_star + 2, int(8 * k_star / C))))
    low = max(1.0, dim / (4 * k_star) * (1 + 1e-9))
    high = max(low, np.sqrt((dim - 1) / (C * k_star)))
    condition = draw(st.floats(low, high))
    k = int(np.ceil(C * k_star * condition**2 * (1 - 1e-12)))  # the product is rounded
    beta = draw(st.floats(0.5, 4.0))
    objective = CPLQuadratic(dim, k_star, beta / condition, beta=beta, amplitudes="pm1",
                             seed=draw(st.integers(0, 2**32 - 1)))
    return CPLInstance(objective, k, draw(st.sampled_from([0.0, 0.01, 0.1, 0.5])), C)
