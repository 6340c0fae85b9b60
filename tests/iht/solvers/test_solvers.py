"""IHT, stochastic IHT, NIHT and HTP: descent, recovery, and agreement between solvers."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.constants import restricted_smoothness
from iht.objectives import CompressedSensing, DiagonalQuadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle
from iht.projection import TopK
from iht.solvers import htp, iht, niht, stochastic_iht


@given(seed=st.integers(0, 2**16), k=st.integers(2, 6))
def test_iht_with_step_one_over_beta_never_increases_f(seed, k):
    """Blumensath & Davies (2008): with η <= 1/β_{2k}, f(θ_{t+1}) <= f(θ_t)."""
    objective = DiagonalQuadratic(20, 2, mu=0.2, L=5.0, seed=seed)
    theta0 = np.random.default_rng(seed).standard_normal(20)
    result = iht(objective, TopK(k=k), n_iter=30, theta0=theta0)
    assert np.all(np.diff(result.history.gap[1:]) <= 1e-12)
    assert result.history.step_sizes[0] == pytest.approx(1.0 / 5.0)


def test_iht_converges_to_theta_star_and_stops_at_the_fixed_point():
    objective = DiagonalQuadratic(30, 3, mu=1.0, L=4.0, seed=0)
    result = iht(objective, TopK(k=3), n_iter=10_000, tol=1e-13)
    assert result.n_iter < 10_000
    np.testing.assert_allclose(result.theta, objective.theta_star, atol=1e-12)
    assert np.array_equal(result.support, objective.support_star)
    assert len(result.history.gap) == result.n_iter + 1
    assert len(result.history.step_sizes) == result.n_iter


def test_stochastic_iht_with_the_exact_oracle_is_iht():
    objective = DiagonalQuadratic(15, 2, seed=4)
    exact = iht(objective, TopK(k=4), n_iter=25)
    stochastic = stochastic_iht(objective, ExactGradient(objective), TopK(k=4), n_iter=25)
    np.testing.assert_array_equal(exact.theta, stochastic.theta)
    np.testing.assert_array_equal(exact.history.gap, stochastic.history.gap)


def test_stochastic_iht_is_reproducible_and_seed_dependent():
    objective = DiagonalQuadratic(15, 2, seed=4)
    oracle = GaussianNoiseOracle(objective, 0.5)
    first = stochastic_iht(objective, oracle, TopK(k=4), n_iter=20, seed=3)
    again = stochastic_iht(objective, oracle, TopK(k=4), n_iter=20, seed=3)
    other = stochastic_iht(objective, oracle, TopK(k=4), n_iter=20, seed=4)
    np.testing.assert_array_equal(first.theta, again.theta)
    assert not np.array_equal(first.theta, other.theta)


def test_results_are_frozen():
    result = iht(DiagonalQuadratic(10, 2), TopK(k=2), n_iter=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.theta = None


@pytest.mark.parametrize("seed", [0, 1])
def test_niht_and_htp_recover_a_noiseless_sparse_vector(seed):
    objective = CompressedSensing(64, 128, 5, amplitudes="pm1", seed=seed)
    adaptive = niht(objective, TopK(k=5), n_iter=300, tol=1e-12)
    beta = restricted_smoothness(objective, 25, rng=0).lower  # 2k + 3k*, power-method estimate
    pursuit = htp(objective, TopK(k=5), step=1.0 / beta)
    for result in (adaptive, pursuit):
        assert np.array_equal(result.support, objective.support_star)
        np.testing.assert_allclose(result.theta, objective.theta_planted, atol=1e-8)
    assert pursuit.n_iter < 100


def test_niht_steps_are_the_exact_line_search_on_the_support():
    objective = DiagonalQuadratic(10, 2, mu=1.0, L=1.0, seed=0)
    result = niht(objective, TopK(k=2), n_iter=1)
    assert result.history.step_sizes[0] == pytest.approx(1.0)
    np.testing.assert_allclose(result.theta, objective.theta_star, atol=1e-14)


def test_niht_handles_a_vanishing_gradient_on_its_support():
    # k = 1: after one exact line search the gradient on the support is exactly zero (0/0 step before)
    objective = CompressedSensing(6, 64, 1, noise=1e-6, amplitudes="pm1", seed=1001)
    result = niht(objective, TopK(k=1), n_iter=50)
    assert np.all(np.isfinite(result.theta))
    assert np.all(np.isfinite(result.history.step_sizes))
    assert np.count_nonzero(result.theta) <= 1
    assert result.history.gap[-1] <= result.history.gap[1] + 1e-12
