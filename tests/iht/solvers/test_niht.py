"""NIHT with conjugate directions (CGIHT, Blanchard, Tanner & Wei 2015; issue 21)."""

import numpy as np
import pytest

from iht.objectives import CompressedSensing
from iht.projection import TopK
from iht.solvers import niht


def test_conjugate_directions_solve_a_fixed_support_in_k_steps():
    objective = CompressedSensing(64, 256, 6, amplitudes="pm1", seed=0)
    start = 1.5 * objective.theta_planted  # on the true support, which no step leaves
    steepest = niht(objective, TopK(k=6), theta0=start, n_iter=6)
    conjugate = niht(objective, TopK(k=6), theta0=start, n_iter=6, conjugate=True)
    assert not np.any(conjugate.history.support_changes)
    # conjugate gradients on a 6-dimensional quadratic: exact after 6 steps; steepest descent: not yet
    np.testing.assert_allclose(conjugate.theta, objective.theta_planted, atol=1e-12)
    assert np.linalg.norm(steepest.theta - objective.theta_planted) > 1e-4


@pytest.mark.parametrize("seed", [1001, 1002, 1003])
def test_cgiht_recovers_where_niht_stops_on_a_wrong_support(seed):
    # the recovery benchmark's hardest ±1 cell (issue 21): NIHT's support is stable and wrong
    objective = CompressedSensing(128, 1024, 20, noise=0.01, amplitudes="pm1", seed=seed)
    steepest = niht(objective, TopK(k=20), stable=10, history=0)
    assert not np.array_equal(steepest.support, objective.support_star)
    result = niht(objective, TopK(k=20), stable=10, conjugate=True, history=0)
    assert np.array_equal(result.support, objective.support_star)
    np.testing.assert_array_equal(result.theta, objective.theta_star)
