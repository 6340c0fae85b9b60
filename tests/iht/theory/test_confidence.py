"""Upper confidence bounds: coverage on distributions with a known mean, ordering, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.theory import empirical_bernstein_ucb, hoeffding_ucb, student_t_ucb, upper_confidence_bound

#: Repetitions of the coverage experiments; coverage must exceed 1 − δ − 4 standard errors.
REPETITIONS = 2000


def _coverage(draw_samples, mean, bound):
    rng = np.random.default_rng(12345)
    return np.mean([bound(draw_samples(rng)) >= mean for _ in range(REPETITIONS)])


@pytest.mark.parametrize("delta", [0.05, 0.2])
def test_student_t_covers_a_gaussian_mean(delta):
    coverage = _coverage(lambda rng: rng.normal(3.0, 2.0, 10), 3.0, lambda x: student_t_ucb(x, delta))
    assert coverage >= 1 - delta - 4 * np.sqrt(delta * (1 - delta) / REPETITIONS)


@pytest.mark.parametrize("method", ["hoeffding", "empirical-bernstein"])
def test_distribution_free_bounds_cover_a_skewed_bounded_mean(method):
    delta = 0.05  # Bernoulli(0.1) scaled to [0, 2]: far from Gaussian with 10 samples
    coverage = _coverage(lambda rng: 2.0 * (rng.random(10) < 0.1), 0.2,
                         lambda x: upper_confidence_bound(x, method, delta, upper=2.0))
    assert coverage >= 1 - delta


@given(values=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=50), delta=st.floats(0.001, 0.5))
def test_every_bound_is_at_least_the_sample_mean(values, delta):
    mean = float(np.mean(values))
    assert student_t_ucb(values, delta) >= mean - 1e-12
    assert hoeffding_ucb(values, 1.0, delta) >= mean
    assert empirical_bernstein_ucb(values, 1.0, delta) >= mean


def test_empirical_bernstein_beats_hoeffding_on_low_variance_samples():
    values = np.random.default_rng(0).uniform(0.49, 0.51, 2000)
    assert empirical_bernstein_ucb(values, 1.0) < hoeffding_ucb(values, 1.0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: student_t_ucb([1.0]), r"values must hold at least 2 samples; got 1"),
    (lambda: student_t_ucb([1.0, np.nan]), r"values must be finite; got 1 non-finite sample"),
    (lambda: student_t_ucb([1.0, 2.0], delta=1.0),
     r"delta must be finite and > 0.0 and < 1.0; got delta=1.0"),
    (lambda: hoeffding_ucb([0.5, 3.0], upper=2.0),
     r"values must lie in \[0, upper=2\]; got range \[0.5, 3\]"),
    (lambda: upper_confidence_bound([0.5, 1.0], "hoeffding"), r"method='hoeffding' needs the range"),
    (lambda: upper_confidence_bound([0.5, 1.0], "bootstrap"),
     r"method must be one of \['empirical-bernstein', 'hoeffding', 'student-t'\]; got method='bootstrap'"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
