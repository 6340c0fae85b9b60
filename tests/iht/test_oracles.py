"""Oracles are unbiased and their variance matches σ² (statistical checks with stated slack)."""

import numpy as np
import pytest

from iht.constants import oracle_variance
from iht.constants.variance import monte_carlo_variance
from iht.objectives import CompressedSensing, DiagonalQuadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle, MinibatchOracle

#: Slack of every statistical check: the estimate must lie within 5 standard errors of the exact
#: value (two-sided normal tail 5.7e-7 per check; the draws are seeded, so the tests are
#: deterministic).
SLACK = 5.0


def test_gaussian_noise_has_exactly_sigma2_on_average():
    objective = DiagonalQuadratic(10, 2, seed=0)
    oracle = GaussianNoiseOracle(objective, 0.7)
    theta = np.random.default_rng(1).standard_normal(10)
    mean, error = monte_carlo_variance(oracle, theta, np.random.default_rng(2), 4000)
    # ‖ξ‖² ~ (σ²/N) χ²_N: the standard error of the mean is σ² sqrt(2/(N·draws)).
    assert abs(mean - 0.7) <= SLACK * 0.7 * np.sqrt(2 / (10 * 4000))
    assert error > 0.0
    draws = np.array([oracle(theta, np.random.default_rng(s)) for s in range(4000)])
    spread = np.sqrt(0.7 / 10 / 4000)
    assert np.all(np.abs(draws.mean(axis=0) - objective.gradient(theta)) <= SLACK * spread)
    assert oracle_variance(oracle, theta[None]).exact


def test_minibatch_variance_matches_the_finite_population_formula():
    objective = CompressedSensing(30, 12, 3, noise=0.5, seed=0)
    oracle = MinibatchOracle(objective, 7)
    theta = np.random.default_rng(3).standard_normal(12)
    exact = oracle.variance_at(theta)
    mean, error = monte_carlo_variance(oracle, theta, np.random.default_rng(4), 4000)
    assert abs(mean - exact) <= SLACK * error
    bracket = oracle_variance(oracle, np.stack([theta, 2 * theta]))
    assert bracket.exact and bracket.lower == pytest.approx(max(exact, oracle.variance_at(2 * theta)))
    assert "finite-population" in bracket.method


def test_full_batch_minibatch_is_the_exact_gradient():
    objective = CompressedSensing(20, 12, 3, noise=0.5, seed=0)
    oracle = MinibatchOracle(objective, 20)
    theta = np.ones(12)
    np.testing.assert_allclose(oracle(theta, np.random.default_rng(0)), objective.gradient(theta),
                               atol=1e-13)
    assert oracle.variance_at(theta) == 0.0
    assert ExactGradient(objective).sigma2 == 0.0
