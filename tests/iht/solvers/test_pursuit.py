"""Subspace pursuit (Dai & Milenkovic 2009): the 2k-candidate merge recovers beyond HTP and NIHT."""

import numpy as np
import pytest

from iht.objectives import CompressedSensing, DiagonalQuadratic
from iht.projection import LayerwiseTopK, TopK
from iht.solvers import htp, niht, subspace_pursuit

#: Near the phase transition (ρ = k*/n ≈ 0.23, δ = n/N = 0.25), noiseless ±1 amplitudes.
EDGE = CompressedSensing(128, 512, 30, amplitudes="pm1", seed=4)


def test_subspace_pursuit_recovers_where_htp_and_niht_stall():
    unit_step = EDGE.dim / (np.sum(EDGE.features ** 2) / EDGE.n_samples)
    assert not np.array_equal(htp(EDGE, TopK(k=30), step=unit_step).support, EDGE.support_star)
    assert not np.array_equal(niht(EDGE, TopK(k=30), tol=1e-12).support, EDGE.support_star)
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
    ({"projection": TopK(k=3), "n_iter": 0}, ValueError, r"n_iter must be >= 1; got n_iter=0"),
    ({"projection": TopK(k=3), "patience": 0}, ValueError, r"patience must be >= 1; got patience=0"),
    ({"projection": TopK(k=3), "prune": "largest"}, ValueError,
     r"prune must be one of \['backward', 'magnitude'\]; got prune='largest'"),
    ({"projection": LayerwiseTopK(sparsity=0.5), "prune": "backward"}, TypeError,
     r"projection must be an iht.projection.TopK with prune='backward'.*got LayerwiseTopK"),
    ({"projection": TopK(k=3), "theta0": np.zeros(3)}, ValueError,
     r"theta0 must have shape \(20,\); got shape \(3,\)"),
])
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        subspace_pursuit(DiagonalQuadratic(20, 3, seed=0), **kwargs)


def test_backward_pruning_keeps_the_small_planted_value_that_magnitude_pruning_drops():
    # (128, 1024, 20), Gaussian amplitudes, seed 1036 (docs/recovery.md): pruning the 2k-fit by
    # magnitude loses the smallest planted value (0.079) to a null coordinate, on a support whose f
    # is above f*; HTP, NIHT, OMP and abess find the true support
    objective = CompressedSensing(128, 1024, 20, noise=0.01, amplitudes="gaussian", seed=1036)
    magnitude = subspace_pursuit(objective, TopK(k=20), patience=3)
    assert objective.value(magnitude.theta) > objective.f_star
    assert np.count_nonzero(magnitude.support & ~objective.support_star) == 1
    backward = subspace_pursuit(objective, TopK(k=20), patience=3, prune="backward")
    assert np.array_equal(backward.support, objective.support_star)
    np.testing.assert_allclose(backward.theta, objective.theta_star, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_each_backward_removal_is_the_one_that_raises_f_least(seed):
    """On a quadratic the removal cost θ_j²/(2[H⁻¹]_jj) is exact: backward elimination from 8 to 5
    coordinates matches refitting every candidate removal by least squares."""
    from iht.solvers.pursuit import _backward

    objective = CompressedSensing(30, 40, 4, noise=0.1, amplitudes="gaussian", seed=seed)
    merged = np.zeros(40, dtype=bool)
    merged[np.random.default_rng(seed).choice(40, size=8, replace=False)] = True
    kept = merged.copy()
    while kept.sum() > 5:
        costs = {j: objective.value(objective.minimize_on_support(kept & (np.arange(40) != j)))
                 for j in np.flatnonzero(kept)}
        kept[min(costs, key=costs.get)] = False
    assert np.array_equal(_backward(objective, objective.minimize_on_support(merged), merged, 5), kept)
