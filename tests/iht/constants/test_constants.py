"""β and α: exact values match brute force on tiny instances; certified bounds bracket it."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.constants import cpl_alpha, restricted_smoothness
from iht.constants.cpl import sampled_ratio
from iht.constants.eigen import certified_restricted_max, truncated_power_method
from iht.objectives import CompressedSensing, CPLQuadratic, DiagonalQuadratic
from iht.projection import hard_threshold
from tests.iht.instances import FAMILIES


def brute_force_restricted_max(matrix, t):
    """max over all t-subsets S of λ_max(H_SS)."""
    t = min(t, len(matrix))
    return max(np.linalg.eigvalsh(matrix[np.ix_(s, s)])[-1]
               for s in map(list, combinations(range(len(matrix)), t)))


@pytest.mark.parametrize("family", ["diagonal", "block", "cpl"])
@pytest.mark.parametrize("k", [1, 2])
def test_known_beta_matches_brute_force(family, k):
    objective = FAMILIES[family](11)
    t = 2 * k + 3 * objective.k_star
    expected = brute_force_restricted_max(objective.hessian(None), t)
    assert objective.known_constants(k).beta == pytest.approx(expected, rel=1e-12)
    bracket = restricted_smoothness(objective, t)
    assert bracket.exact and bracket.upper == pytest.approx(expected, rel=1e-12)


@given(seed=st.integers(0, 2**16), t=st.integers(1, 6))
def test_power_method_and_certificate_bracket_brute_force(seed, t):
    matrix = CompressedSensing(6, 10, 2, seed=seed).hessian_bound()
    exact = brute_force_restricted_max(matrix, t)
    rng = np.random.default_rng(seed)
    assert truncated_power_method(matrix, t, rng) <= exact * (1 + 1e-12)
    assert certified_restricted_max(matrix, t) >= exact * (1 - 1e-12)


def test_sensing_bracket_without_enumeration_contains_the_sampled_curvatures():
    objective = CompressedSensing(40, 60, 3, seed=0)
    bracket = restricted_smoothness(objective, 15, rng=0)
    assert not bracket.exact and bracket.lower <= bracket.upper
    assert "truncated power method" in bracket.method
    rng = np.random.default_rng(1)
    for _ in range(50):
        delta = hard_threshold(rng.standard_normal(60), 15)
        quotient = delta @ objective.hessian_bound() @ delta / (delta @ delta)
        assert quotient <= bracket.upper * (1 + 1e-12)


def test_logistic_bracket_lower_end_is_a_curvature_of_the_hessian_at_theta_star():
    objective = FAMILIES["logistic"](0)
    bracket = restricted_smoothness(objective, 3, rng=0)
    at_star = brute_force_restricted_max(objective.hessian(objective.theta_star), 3)
    bound = brute_force_restricted_max(objective.hessian_bound(), 3)
    assert bracket.lower == pytest.approx(at_star, rel=1e-12)
    assert bracket.upper == pytest.approx(bound, rel=1e-12)


def brute_force_diagonal_alpha(curvatures, r):
    """Minimum of 2‖T_r(g)‖²/(½ Σ g²/h) over the vertex directions: equal |g| on j coordinates."""
    best = np.inf
    for j in range(1, len(curvatures) + 1):
        for subset in map(list, combinations(range(len(curvatures)), j)):
            top = min(r, j)
            best = min(best, 2.0 * top / (0.5 * np.sum(1.0 / curvatures[subset])))
    return best


@pytest.mark.parametrize("r", [1, 2, 3])
def test_global_alpha_of_a_diagonal_quadratic_is_exact(r):
    objective = DiagonalQuadratic(8, 2, mu=0.5, L=6.0, seed=2)
    bracket = cpl_alpha(objective, r, 3, kind="global")
    assert bracket.exact
    assert bracket.lower == pytest.approx(brute_force_diagonal_alpha(objective.curvatures, r))


@given(seed=st.integers(0, 2**16))
def test_cpl_quadratic_has_exactly_the_chosen_alpha(seed):
    objective = CPLQuadratic(12, 2, 0.3, beta=2.0, seed=seed)
    assert objective.known_constants(3).alpha_global == pytest.approx(0.3, rel=1e-12)
    worst = np.sign(np.random.default_rng(seed).standard_normal(12)) / objective.curvatures
    assert sampled_ratio(objective, 2, (objective.theta_star + worst)[None]) == pytest.approx(0.3)


@pytest.mark.parametrize("family", ["diagonal", "block", "cpl"])
@given(seed=st.integers(0, 2**16), scale=st.floats(0.01, 10.0))
def test_certified_alpha_is_below_the_ratio_at_every_sparse_point(family, seed, scale):
    objective = FAMILIES[family](seed % 7)
    k = 3
    known = objective.known_constants(k)
    rng = np.random.default_rng(seed)
    theta = hard_threshold(objective.theta_star + scale * rng.standard_normal(objective.dim), k)
    ratio = sampled_ratio(objective, objective.k_star, theta[None])
    lower = cpl_alpha(objective, objective.k_star, k, kind="sparse", rng=0, n_samples=5).lower
    assert known.alpha_sparse <= lower * (1 + 1e-12)
    assert lower <= ratio * (1 + 1e-12)
    dense = objective.theta_star + scale * rng.standard_normal(objective.dim)
    assert known.alpha_global <= sampled_ratio(objective, objective.k_star, dense[None]) * (
        1 + 1e-12)


def test_diagonal_alpha_sparse_is_theory_formula():
    objective = DiagonalQuadratic(20, 3, mu=0.5, L=4.0, seed=0)
    assert objective.known_constants(5).alpha_sparse == pytest.approx(4 * 0.5 * 3 / 8)


def test_sampled_upper_end_is_labelled_and_above_the_certificate():
    objective = FAMILIES["sensing"](0)
    bracket = cpl_alpha(objective, 2, 3, kind="sparse", rng=0, n_samples=50)
    assert bracket.lower <= bracket.upper
    assert "sampled" in bracket.method
