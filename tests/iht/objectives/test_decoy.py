"""DecoyBlockQuadratic: closed-form constants against brute force, certified α, and the trap."""

import math
from itertools import combinations

import numpy as np
import pytest

from iht.constants.cpl import cpl_certificate, sampled_ratio
from iht.objectives import DecoyBlockQuadratic
from iht.projection import TopK
from iht.solvers import iht

TINY = {"n_blocks": 3, "n_active": 1, "signals": 2, "decoys": 1}


def brute_force_extremes(hessian, t):
    """(min λ_min, max λ_max) over every t × t principal submatrix of the dense Hessian."""
    values = [np.linalg.eigvalsh(hessian[np.ix_(s, s)]) for s in combinations(range(len(hessian)), t)]
    return min(v[0] for v in values), max(v[-1] for v in values)


def closed_form_extremes(objective, t):
    """The docstring's ``1 ∓ c·√(p_t/m)``, ``p_t = max{je : j ≤ m, e ≤ d, j + e ≤ t}``."""
    m, d, c = objective.signals, objective.decoys, objective.correlation
    p = max(j * e for j in range(m + 1) for e in range(d + 1) if j + e <= t)
    return 1 - c * math.sqrt(p / m), 1 + c * math.sqrt(p / m)


@pytest.mark.parametrize(("signals", "decoys", "correlation"), [(2, 1, 0.8), (3, 2, 0.65), (1, 1, 0.5)])
def test_restricted_constants_match_brute_force(signals, decoys, correlation):
    objective = DecoyBlockQuadratic(2, 1, signals=signals, decoys=decoys, correlation=correlation, seed=1)
    hessian = objective.hessian()
    for t in range(1, objective.dim + 1):
        brute = brute_force_extremes(hessian, t)
        np.testing.assert_allclose(closed_form_extremes(objective, t), brute, rtol=1e-12)
    for k in range(1, objective.dim):
        level = min(2 * k + 3 * objective.k_star, objective.dim)
        assert objective.known_constants(k).beta == pytest.approx(brute_force_extremes(hessian, level)[1],
                                                                  rel=1e-12)


def _cpl_ratio_candidates(objective, k, rng):
    """k-sparse points θ* + d with d an eigenvector of a principal submatrix, and random ones."""
    points = []
    for support in combinations(range(objective.dim), k):
        sub = objective.hessian()[np.ix_(support, support)]
        for vector in np.linalg.eigh(sub)[1].T:
            theta = np.zeros(objective.dim)
            theta[list(support)] = vector
            points.append(theta)
        theta = np.zeros(objective.dim)
        theta[list(support)] = rng.standard_normal(k)
        points.append(theta)
    return np.array(points)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_certified_alphas_lower_bound_the_cpl_ratio_everywhere_tried(k):
    objective = DecoyBlockQuadratic(**TINY, correlation=0.8, seed=2)
    rng = np.random.default_rng(0)
    sparse, _, exact = cpl_certificate(objective, objective.k_star, k, "sparse")
    full, _, _ = cpl_certificate(objective, objective.k_star, k, "global")
    assert not exact and 0 < full <= sparse
    sparse_points = _cpl_ratio_candidates(objective, k, rng)
    assert all(np.count_nonzero(p) <= k for p in sparse_points)
    assert sparse <= sampled_ratio(objective, objective.k_star, sparse_points)
    dense = objective.theta_star + np.vstack([np.linalg.eigh(objective.hessian())[1].T,
                                              rng.standard_normal((200, objective.dim))])
    assert full <= sampled_ratio(objective, objective.k_star, dense)
    assert full == pytest.approx(4 * objective.k_star / objective.dim * (1 - objective.correlation))


def test_theta_star_fills_the_signals_of_the_active_blocks():
    objective = DecoyBlockQuadratic(5, 2, signals=3, decoys=2, correlation=0.6, seed=4)
    blocks = objective.theta_star.reshape(5, 5)
    active = np.flatnonzero(np.abs(blocks).sum(axis=1))
    assert len(active) == 2 and objective.k_star == 6
    assert np.all(np.abs(blocks[active, :3]) == 1.0) and np.all(blocks[:, 3:] == 0.0)
    assert objective.trap_ratio == pytest.approx(5 / 3)


def test_decoys_trap_iht_at_k_star_and_not_without_correlation_or_with_room():
    trapped = DecoyBlockQuadratic(6, 2, correlation=0.8, seed=0)
    control = DecoyBlockQuadratic(6, 2, correlation=0.6, seed=0)
    gap = {}
    for name, objective in (("trapped", trapped), ("control", control)):
        for k in (objective.k_star, round(objective.trap_ratio * objective.k_star)):
            theta = iht(objective, TopK(k=k), n_iter=300).theta
            gap[name, k] = objective.value(theta) - objective.f_star
    assert gap["trapped", 4] > 0.1 and gap["trapped", 6] < 1e-12
    assert gap["control", 4] < 1e-12


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"correlation": 1.0},
     r"correlation must be < 1/√decoys = 1 \(H positive definite\); got correlation=1.0"),
    ({"correlation": 0.6, "decoys": 4},
     r"correlation must be finite and > 0.0 and <= 0.5; got correlation=0.6"),
    ({"n_active": 3}, r"n_active must be in \[1, 2\]; got n_active=3"),
    ({"signals": 0}, r"signals must be >= 1; got signals=0"),
])
def test_errors_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DecoyBlockQuadratic(**{**TINY, "correlation": 0.5, **kwargs})
