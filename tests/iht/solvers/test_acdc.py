"""acdc_iht follows Algorithm 1 of Peste et al. (2021) with exact schedule boundaries."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.objectives import DiagonalQuadratic
from iht.oracles import GaussianNoiseOracle
from iht.projection import TopK, hard_threshold
from iht.solvers import ACDCIHTSchedule, Phase, acdc_iht

OBJECTIVE = DiagonalQuadratic(16, 2, mu=0.5, L=2.0, seed=0)
ORACLE = GaussianNoiseOracle(OBJECTIVE, 0.01)


def test_phase_boundaries_of_a_concrete_schedule():
    schedule = ACDCIHTSchedule(warmup=2, compressed=3, decompressed=1, n_compressed=2)
    assert schedule.n_iter == 9
    assert [schedule.phase_at(t) for t in range(9)] == [0, 0, 1, 1, 1, 2, 1, 1, 1]
    assert list(schedule.phases()) == [(Phase.WARMUP, 0, 2), (Phase.COMPRESSED, 2, 5),
                                       (Phase.DECOMPRESSED, 5, 6), (Phase.COMPRESSED, 6, 9)]


@given(warmup=st.integers(0, 4), compressed=st.integers(1, 4), decompressed=st.integers(1, 4),
       n_compressed=st.integers(1, 4))
def test_history_phases_follow_the_schedule_and_compressed_phases_keep_their_support(
        warmup, compressed, decompressed, n_compressed):
    schedule = ACDCIHTSchedule(warmup, compressed, decompressed, n_compressed)
    theta0 = np.random.default_rng(warmup).standard_normal(16)
    result = acdc_iht(OBJECTIVE, ORACLE, TopK(k=4), schedule=schedule, theta0=theta0, seed=1)
    phase = result.history.phase
    assert result.n_iter == len(phase) == schedule.n_iter
    np.testing.assert_array_equal(phase, [schedule.phase_at(t) for t in range(schedule.n_iter)])
    assert phase[-1] == Phase.COMPRESSED
    assert np.count_nonzero(phase == Phase.COMPRESSED) == n_compressed * compressed
    for kind, start, stop in schedule.phases():
        if kind == Phase.COMPRESSED:
            assert np.all(result.history.support_changes[start + 1:stop] == 0)
    assert np.count_nonzero(result.theta) <= 4
    assert np.all(result.theta[~result.support] == 0.0)
    assert np.array_equal(result.support, hard_threshold(result.theta_dense, 4) != 0.0)


def test_one_compressed_phase_of_one_step_is_one_iht_step_after_the_warmup():
    schedule = ACDCIHTSchedule(warmup=0, compressed=1, decompressed=1, n_compressed=1)
    theta0 = np.random.default_rng(0).standard_normal(16)
    noiseless = GaussianNoiseOracle(OBJECTIVE, 0.0)
    result = acdc_iht(OBJECTIVE, noiseless, TopK(k=4), schedule=schedule, theta0=theta0, step=0.5)
    sparse = hard_threshold(theta0, 4)
    expected = sparse - 0.5 * np.where(sparse != 0.0, OBJECTIVE.gradient(sparse), 0.0)
    np.testing.assert_allclose(result.theta, expected)
    np.testing.assert_array_equal(result.theta_dense, theta0)


def test_acdc_reaches_theta_star_without_noise():
    noiseless = GaussianNoiseOracle(OBJECTIVE, 0.0)
    result = acdc_iht(OBJECTIVE, noiseless, TopK(k=2),
                      schedule=ACDCIHTSchedule(5, 40, 5, 5))
    np.testing.assert_allclose(result.theta, OBJECTIVE.theta_star, atol=1e-10)


@pytest.mark.parametrize(("fields", "message"), [
    ({"warmup": -1}, r"warmup must be in >= 0; got warmup=-1"),
    ({"compressed": 0}, r"compressed must be in >= 1; got compressed=0"),
    ({"decompressed": 0}, r"decompressed must be in >= 1; got decompressed=0"),
    ({"n_compressed": 0}, r"n_compressed must be in >= 1; got n_compressed=0"),
])
def test_bad_schedules_are_rejected(fields, message):
    with pytest.raises(ValueError, match=message):
        ACDCIHTSchedule(**fields)


def test_phase_at_outside_the_run_is_rejected():
    with pytest.raises(ValueError, match=r"step must be in \[0, 99\]; got step=100"):
        ACDCIHTSchedule().phase_at(100)
