"""Subspace pursuit (Dai & Milenkovic 2009): the 2k-candidate merge recovers beyond HTP and NIHT."""

import numpy as np
import pytest

from iht.objectives import CompressedSensing, DiagonalQuadratic
from iht.projection import TopK
from iht.solvers import htp, niht, subspace_pursuit

#: Near the phase transition (ρ = k*/n ≈ 0.23, δ = n/N = 0.25), noiseless ±1 amplitudes.
EDGE = CompressedSensing(128, 512, 30, amplitudes="pm1", seed=4)


def test_subspace_pursuit_recovers_where_htp_and_niht_stall():
    unit_step = EDGE.dim / (np.sum(EDGE.features ** 2) / EDGE.n_samples)
    assert not np.array_equal(htp(EDGE, TopK(k=30), step=unit_step).support, EDGE.support_star)
    assert not np.array_equal(niht(EDGE, 30, tol=1e-12).support, EDGE.support_star)
    result = subspace_pursuit(EDGE, TopK(k=30))
    np.testing.assert_allclose(result.theta, EDGE.theta_planted, atol=1e-10)


def test_every_recorded_iterate_decreases_f_and_is_the_fit_on_its_support():
    objective = CompressedSensing(64, 256, 8, noise=0.01, amplitudes="pm1", seed=2)
    result = subspace_pursuit(objective, TopK(k=8))
    assert np.all(np.diff(result.history.gap) < 0)
    np.testing.assert_array_equal(result.theta, objective.minimize_on_support(result.support))
    assert np.array_equal(result.support, objective.support_star)


def test_patience_carries_subspace_pursuit_past_an_iteration_that_does_not_decrease_f():
    # (128, 1024, 20), seed 1029: Dai & Milenkovic's rule quits on a support with wrong entries
    objective = CompressedSensing(128, 1024, 20, noise=0.01, amplitudes="pm1", seed=1029)
    quit_at_once = subspace_pursuit(objective, TopK(k=20))
    assert not np.array_equal(quit_at_once.support, objective.support_star)
    result = subspace_pursuit(objective, TopK(k=20), patience=3)
    assert np.array_equal(result.support, objective.support_star)
    assert np.all(np.diff(result.history.gap) < 0)  # the recorded iterates are the new lowest ones
    np.testing.assert_array_equal(result.theta, objective.theta_star)


def test_a_separable_objective_is_solved_in_one_merge():
    objective = DiagonalQuadratic(20, 3, seed=0)
    result = subspace_pursuit(objective, TopK(k=3))
    np.testing.assert_array_equal(result.theta, objective.theta_star)
    assert result.n_iter <= 1


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"projection": TopK(k=20)}, ValueError, r"k \(entries the projection keeps\) must be in "
                                             r"\[1, 19\]"),
    ({"projection": TopK(k=3), "n_iter": 0}, ValueError, r"n_iter must be in >= 1; got n_iter=0"),
    ({"projection": TopK(k=3), "patience": 0}, ValueError, r"patience must be in >= 1; got patience=0"),
    ({"projection": TopK(k=3), "theta0": np.zeros(3)}, ValueError,
     r"theta0 must have shape \(20,\); got shape \(3,\)"),
])
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        subspace_pursuit(DiagonalQuadratic(20, 3, seed=0), **kwargs)
