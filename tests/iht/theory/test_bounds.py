"""The bounds as functions of constants, the hypothesis checks and the verdicts."""

import math
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from iht.constants import Bracket
from iht.theory import (
    Verdict,
    descent_guarantee,
    descent_hypotheses,
    jtk_hypotheses,
    jtk_sparsity_requirement,
    theorem1_bound,
    theorem1_hypotheses,
    theorem1_iterations,
    theorem1_smoothness_level,
    theorem1_sparsity_requirement,
    verdict,
)

positive = st.floats(1e-3, 1e3)


@given(sigma2=positive, alpha=positive, epsilon=positive)
def test_theorem1_bound_is_epsilon_plus_sixteen_sigma2_over_alpha(sigma2, alpha, epsilon):
    assert theorem1_bound(sigma2, alpha, epsilon) == pytest.approx(epsilon + 16 * sigma2 / alpha)
    assert theorem1_bound(2 * sigma2, alpha, epsilon) > theorem1_bound(sigma2, alpha, epsilon)
    assert theorem1_bound(sigma2, 2 * alpha, epsilon) < theorem1_bound(sigma2, alpha, epsilon)


@given(beta=positive, alpha=positive, gap0=positive, ratio=st.floats(1.01, 1e6))
def test_theorem1_iterations_scale_with_condition_and_log_precision(beta, alpha, gap0, ratio):
    count = theorem1_iterations(beta, alpha, gap0, gap0 / ratio)
    assert count == pytest.approx((beta / alpha) * math.log(ratio))
    assert theorem1_iterations(beta, alpha, gap0, gap0) == 0.0


def test_sparsity_requirements_and_levels():
    assert theorem1_sparsity_requirement(3, beta=4.0, alpha=2.0, C=0.5) == pytest.approx(6.0)
    assert jtk_sparsity_requirement(2, smoothness=2.0, strong_convexity=1.0) == pytest.approx(256.0)
    assert theorem1_smoothness_level(k=4, k_star=2, dim=100) == 14
    assert theorem1_smoothness_level(k=40, k_star=2, dim=50) == 50


@example(step_fraction=1.0, beta=0.1, norm2=1.0)  # float 1/0.1 exceeds 1/0.1: the guarantee is < 0
@example(step_fraction=1.0, beta=847.4338895034957, norm2=1.0)  # likewise (the flaky case of issue 22)
@example(step_fraction=1.0, beta=49.0, norm2=1.0)  # float 1/49 is below 1/49: the guarantee is > 0
@given(step_fraction=st.floats(0.01, 1.0), beta=positive, norm2=positive)
def test_descent_guarantee_is_nonnegative_iff_step_at_most_one_over_beta(step_fraction, beta, norm2):
    # The condition η ≤ 1/β is decided exactly on the floats passed (rational arithmetic): a float
    # step computed as fraction/β can exceed 1/β by a rounding, and then the guarantee is negative.
    step = step_fraction / beta
    assert (descent_guarantee(step, beta, norm2) >= 0) == (Fraction(step) * Fraction(beta) <= 1)
    assert descent_guarantee(2.0 / beta, beta, norm2) < 0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: theorem1_bound(-1.0, 1.0), r"sigma2 must be finite and >= 0.0; got sigma2=-1.0"),
    (lambda: theorem1_bound(1.0, 0.0), r"alpha must be finite and > 0.0; got alpha=0.0"),
    (lambda: theorem1_iterations(1.0, 1.0, 1.0, 0.0), r"epsilon must be finite and > 0.0; got epsilon=0.0"),
    (lambda: theorem1_sparsity_requirement(1, 1.0, 1.0, C=math.nan),
     r"C must be finite and > 0.0; got C=nan"),
    (lambda: theorem1_hypotheses(k=0, k_star=1, dim=5, beta=1, alpha=1, sigma2=0, C=1),
     r"k must be >= 1; got k=0"),
    (lambda: theorem1_hypotheses(k=2, k_star=1, dim=5, beta=1, alpha=1, sigma2=0, C=1, alpha_scope="local"),
     r"alpha_scope must be one of \['global', 'sparse'\]; got alpha_scope='local'"),
])
def test_errors_name_parameter_allowed_values_and_received_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _theorem1(**changes):
    arguments = {"k": 8, "k_star": 2, "dim": 16, "beta": 1.0, "alpha": 0.5, "sigma2": 0.01, "C": 1.0}
    return theorem1_hypotheses(**{**arguments, **changes})


def test_theorem1_hypotheses_hold_when_k_meets_the_requirement():
    check = _theorem1()
    assert check.holds
    assert check.values["required_k"] == pytest.approx(8.0)
    assert check.values["smoothness_level"] == 16


@pytest.mark.parametrize(("changes", "reason"), [
    ({"k": 7}, "k=7 < C·k*·(β/α)²"),
    ({"k": 20}, "k=20 exceeds the dimension N=16"),
    ({"k_star": 3, "k": 2, "C": 0.01}, "below the sparsity k*=3"),
    ({"alpha": Bracket(0.0, 0.6, "sampled")}, "no certified positive lower bound on the CPL constant"),
    ({"alpha": None}, "no certified positive lower bound on the CPL constant"),
    ({"beta": Bracket(0.9, math.inf, "power method")},
     "no certified upper bound on the restricted smoothness"),
    ({"sigma2": None}, "no certified upper bound on the oracle variance"),
])
def test_theorem1_hypotheses_fail_and_say_why(changes, reason):
    check = _theorem1(**changes)
    assert not check.holds
    assert any(reason in failure for failure in check.failures), check.failures


def test_certified_ends_of_brackets_are_used():
    check = _theorem1(beta=Bracket(0.5, 1.0, "exact-ish"), alpha=Bracket(0.5, 0.9, "certificate"),
                      sigma2=Bracket(0.0, 0.01, "upper"))
    assert check.holds
    assert (check.values["beta"], check.values["alpha"], check.values["sigma2"]) == (1.0, 0.5, 0.01)


def test_alpha_above_beta_is_lowered_to_beta_with_a_note():
    check = _theorem1(alpha=4.0, k=2)
    assert check.values["alpha"] == 1.0
    assert any("lowered" in note for note in check.notes)


def test_sparse_scope_is_noted_but_not_a_failure():
    check = _theorem1(alpha_scope="sparse")
    assert check.holds
    assert any("k-sparse" in note for note in check.notes)


def test_descent_hypotheses():
    assert descent_hypotheses(k=3, dim=10, step=0.5, beta=2.0, theta0_sparse=True).holds
    too_long = descent_hypotheses(k=3, dim=10, step=0.6, beta=2.0, theta0_sparse=True)
    assert any("exceeds 1/β_2k" in failure for failure in too_long.failures)
    dense_start = descent_hypotheses(k=3, dim=10, step=0.5, beta=2.0, theta0_sparse=False)
    assert any("not k-sparse" in failure for failure in dense_start.failures)


def test_jtk_hypotheses_need_thirty_two_condition_squared_and_flag_the_unconfirmed_statement():
    assert jtk_hypotheses(k=64, k_star=2, dim=100, smoothness=1.0, strong_convexity=1.0).holds
    check = jtk_hypotheses(k=63, k_star=2, dim=100, smoothness=1.0, strong_convexity=1.0)
    assert any("32·(L/α)²·k*" in failure for failure in check.failures)
    assert any("not confirmed" in note for note in check.notes)


def test_verdicts():
    holds, fails = _theorem1(), _theorem1(k=7)
    assert verdict(holds, 0.1, 0.2) is Verdict.VERIFIED
    assert verdict(holds, 0.3, 0.2) is Verdict.VIOLATED
    assert verdict(fails, 0.1, 0.2) is Verdict.VACUOUS
    assert verdict(fails, 0.3, 0.2) is Verdict.VACUOUS
