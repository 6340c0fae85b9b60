"""Whether a bound's hypotheses hold on an instance, and the verdict of a check.

A bound checked on an instance where its hypotheses fail says nothing: the verdict is then
``"vacuous"``, never ``"verified"``. Constants enter as certified values:

- a smoothness constant β holds with any larger value, so a :class:`~iht.constants.Bracket`
  contributes its ``upper`` end (``inf``: unknown, hypotheses fail);
- a CPL / strong-convexity constant α holds with any smaller value, so a bracket contributes its
  ``lower`` end (``0``: only an upper bound or an estimate is known, hypotheses fail: checking a
  bound with an over-estimated α is not a verification);
- a variance σ² holds with any larger value (``upper`` end).

A plain float is taken as exact; ``None`` means unknown.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from iht.theory import bounds
from iht.validation import check_choice, check_int, check_nonnegative, check_positive

#: Relative slack of the integer comparisons ``k >= requirement``, for the rounding of the constants.
REQUIREMENT_ROUNDING = 1e-12

#: Scopes of the CPL constant: Theorem 1 assumes CPL for all θ ("global"); "sparse" is the same
#: inequality over the k-sparse points IHT visits, a relaxation the verdict then refers to.
ALPHA_SCOPES = ("global", "sparse")


class Verdict(str, Enum):
    """Outcome of checking one bound on one instance.

    - ``verified``: the hypotheses hold, the bound is below what a solver that does nothing gets
      (so the check could have failed), and the observation (its upper confidence bound) is below
      the bound;
    - ``uninformative``: the hypotheses hold and the observation is below the bound, but a solver
      that does nothing would pass too (the bound is at or above the do-nothing value);
    - ``vacuous``: a hypothesis fails (the row's ``failures`` say which): the bound says nothing;
    - ``violated``: the hypotheses hold and the observation exceeds the bound, or an exact check
      failed whatever the hypotheses (a returned θ with more than k non-zeros, a claimed constant
      contradicted by a measurement, a diverged run): the row's ``violations`` say which;
    - ``refuted``: used only under the *relaxed* hypothesis (CPL on k-sparse points only, not the
      paper's assumption): the observation exceeds the bound, which refutes the relaxed conjecture,
      not Theorem 1.
    """

    VERIFIED = "verified"
    UNINFORMATIVE = "uninformative"
    VACUOUS = "vacuous"
    VIOLATED = "violated"
    REFUTED = "refuted"


#: Verdict names in the order the tables list them.
VERDICTS = tuple(v.value for v in Verdict)


@dataclass(frozen=True)
class HypothesisCheck:
    """Whether the hypotheses of one bound hold on one instance.

    Attributes
    ----------
    bound : str
        ``"theorem1"``, ``"descent"`` or ``"jtk2014"``.
    failures : tuple of str
        One sentence per failed hypothesis (empty when all hold).
    notes : tuple of str
        Caveats that do not make the check vacuous (e.g. the CPL scope used).
    values : dict
        The certified constants used and the derived requirements (for the table).
    """

    bound: str
    failures: tuple[str, ...]
    notes: tuple[str, ...] = ()
    values: dict[str, float] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        """Whether every hypothesis holds."""
        return not self.failures


def certified_upper(value: Any, name: str) -> float | None:
    """Certified upper bound carried by ``value`` (float, Bracket-like or None); None if unknown."""
    if value is None:
        return None
    upper = value.upper if hasattr(value, "upper") else value
    if isinstance(upper, numbers.Real) and upper == math.inf:
        return None
    return check_nonnegative(upper, name)


def certified_lower(value: Any, name: str) -> float | None:
    """Certified positive lower bound carried by ``value``; None if unknown or zero."""
    if value is None:
        return None
    lower = check_nonnegative(value.lower if hasattr(value, "lower") else value, name)
    return lower if lower > 0 else None


def _sparsity_failures(k: int, k_star: int, dim: int) -> list[str]:
    failures = []
    if k > dim:
        failures.append(f"k={k} exceeds the dimension N={dim}")
    if k < k_star:
        failures.append(f"k={k} is below the sparsity k*={k_star} of the minimiser")
    return failures


def _check_sizes(k: Any, k_star: Any, dim: Any) -> tuple[int, int, int]:
    dim = check_int(dim, "dim", 1)
    return check_int(k, "k", 1), check_int(k_star, "k_star", 1, dim), dim


def theorem1_hypotheses(
    *,
    k: int,
    k_star: int,
    dim: int,
    beta: Any,
    alpha: Any,
    sigma2: Any,
    C: float,
    alpha_scope: str = "global",
) -> HypothesisCheck:
    """Hypotheses of Theorem 1 of Peste et al. (2021) on one instance.

    Checked: a certified smoothness β at level ``min(2k + 3k*, N)``, a certified CPL constant
    ``α > 0`` (r = k*), a certified variance bound σ², ``k* ≤ k ≤ N`` and ``k ≥ C·k*·(β/α)²`` for
    the ``C`` used. The theorem asks for parameters ``β > α``; since smoothness holds with any
    larger β and CPL with any smaller α, ``α`` is lowered to ``β`` when the certified α exceeds it
    (the bound then uses that value, and a note says so).

    Parameters
    ----------
    k, k_star, dim : int
        Projection size, sparsity of the minimiser and dimension N.
    beta : float, Bracket or None
        Restricted smoothness at level ``2k + 3k*`` (a bracket contributes its upper end).
    alpha : float, Bracket or None
        CPL constant (a bracket contributes its lower end).
    sigma2 : float, Bracket or None
        Variance bound of the gradient oracle (a bracket contributes its upper end).
    C : float
        The constant of the sparsity requirement assumed by the check (unknown in the paper).
    alpha_scope : {"global", "sparse"}
        Whether ``alpha`` holds for all θ (the assumption as stated) or only on k-sparse points.

    Returns
    -------
    HypothesisCheck
        ``values`` holds ``beta``, ``alpha``, ``sigma2`` (certified values used, NaN if unknown),
        ``required_k`` and ``smoothness_level``.

    References
    ----------
    Peste et al., NeurIPS 2021, Section 3.1 (assumptions 1-4) and Theorem 1.
    """
    k, k_star, dim = _check_sizes(k, k_star, dim)
    check_positive(C, "C")
    check_choice(alpha_scope, "alpha_scope", ALPHA_SCOPES)
    failures = _sparsity_failures(k, k_star, dim)
    notes = []
    level = bounds.theorem1_smoothness_level(k, k_star, dim)
    beta_used = certified_upper(beta, "beta")
    alpha_used = certified_lower(alpha, "alpha")
    sigma2_used = certified_upper(sigma2, "sigma2")
    if beta_used is None:
        failures.append(f"no certified upper bound on the restricted smoothness at level {level}")
    if alpha_used is None:
        failures.append("no certified positive lower bound on the CPL constant α (only an estimate "
                        "or an upper bound): a bound checked with it would not be a verification")
    if sigma2_used is None:
        failures.append("no certified upper bound on the oracle variance σ²")
    if alpha_scope == "sparse":
        notes.append("CPL certified only on k-sparse points; Theorem 1 assumes it for all θ")
    required_k = math.nan
    if beta_used is not None and alpha_used is not None:
        if alpha_used > beta_used:
            notes.append(f"certified α={alpha_used:.4g} lowered to β={beta_used:.4g} (Theorem 1 "
                         "takes parameters β > α)")
            alpha_used = beta_used
        required_k = bounds.theorem1_sparsity_requirement(k_star, beta_used, alpha_used, C)
        if k < required_k * (1 - REQUIREMENT_ROUNDING):
            failures.append(f"k={k} < C·k*·(β/α)² = {required_k:.4g} for C={C:g}")
    values = {
        "beta": _or_nan(beta_used),
        "alpha": _or_nan(alpha_used),
        "sigma2": _or_nan(sigma2_used),
        "required_k": required_k,
        "smoothness_level": float(level),
    }
    return HypothesisCheck("theorem1", tuple(failures), tuple(notes), values)


def descent_hypotheses(*, k: int, dim: int, step: float, beta: Any, theta0_sparse: bool) -> HypothesisCheck:
    """Hypotheses of the IHT descent lemma: ``η ≤ 1/β_2k`` and a k-sparse start.

    ``beta`` may be the restricted smoothness at any level ``>= 2k`` (e.g. Theorem 1's
    ``2k + 3k*``): restricted smoothness only grows with the level, so it bounds β_2k from above.

    References
    ----------
    Blumensath & Davies, "Iterative thresholding for sparse approximations", 2008.
    """
    dim = check_int(dim, "dim", 1)
    k = check_int(k, "k", 1)
    step = check_positive(step, "step")
    failures = [f"k={k} exceeds the dimension N={dim}"] if k > dim else []
    beta_used = certified_upper(beta, "beta")
    if beta_used is None:
        failures.append(f"no certified upper bound on the restricted smoothness at level {min(2 * k, dim)}")
    elif step > bounds.descent_step_limit(beta_used) * (1 + 1e-12):
        failures.append(f"step η={step:.4g} exceeds 1/β_2k = {1 / beta_used:.4g}")
    if not theta0_sparse:
        failures.append("θ_0 is not k-sparse (the first step is then not a 2k-sparse move)")
    return HypothesisCheck("descent", tuple(failures), (), {"beta": _or_nan(beta_used), "step": step})


def jtk_hypotheses(
    *, k: int, k_star: int, dim: int, smoothness: Any, strong_convexity: Any
) -> HypothesisCheck:
    """Hypotheses of the IHT guarantee of Jain, Tewari & Kar (2014), as encoded in :mod:`.bounds`.

    Checked: ``k* ≤ k ≤ N``, certified restricted smoothness L and restricted strong convexity α at
    level ``2k + k*``, and ``k ≥ 32(L/α)²k*``. A note records that the statement could not be
    confirmed against the paper (see :func:`iht.theory.bounds.jtk_sparsity_requirement`).

    References
    ----------
    Jain, Tewari & Kar, "On iterative hard thresholding methods for high-dimensional
    M-estimation", NeurIPS 2014.
    """
    k, k_star, dim = _check_sizes(k, k_star, dim)
    failures = _sparsity_failures(k, k_star, dim)
    level = bounds.jtk_smoothness_level(k, k_star, dim)
    smooth = certified_upper(smoothness, "smoothness")
    convex = certified_lower(strong_convexity, "strong_convexity")
    if smooth is None:
        failures.append(f"no certified restricted smoothness at level {level}")
    if convex is None:
        failures.append(f"no certified restricted strong convexity at level {level}")
    required_k = math.nan
    if smooth is not None and convex is not None:
        required_k = bounds.jtk_sparsity_requirement(k_star, smooth, convex)
        if k < required_k * (1 - REQUIREMENT_ROUNDING):
            failures.append(f"k={k} < 32·(L/α)²·k* = {required_k:.4g}")
    notes = ("paraphrase of the statement recorded in docs/theory.md (source: Jain, Tewari & Kar, "
             "NeurIPS 2014); constant 32, level 2k + k* and step size not confirmed against the paper",)
    values = {"smoothness": _or_nan(smooth), "strong_convexity": _or_nan(convex), "required_k": required_k}
    return HypothesisCheck("jtk2014", tuple(failures), notes, values)


def verdict(check: HypothesisCheck, upper_confidence: float, bound: float, *,
            do_nothing: float = math.inf, violations: tuple[str, ...] = (),
            relaxed: bool = False) -> Verdict:
    """The :class:`Verdict` of one row.

    Parameters
    ----------
    check : HypothesisCheck
        Whether the bound's hypotheses hold.
    upper_confidence : float
        Upper confidence bound on the observed quantity (``inf`` for a diverged run).
    bound : float
        The bound's value.
    do_nothing : float
        What a solver that returns its starting point would observe (``f(θ_0) − f*`` for a gap
        bound); a bound at or above it makes a passing row ``uninformative``. ``inf``: no
        do-nothing solver passes.
    violations : tuple of str
        Failed exact checks (k-sparsity, claimed constants): any makes the row ``violated``.
    relaxed : bool
        The hypotheses checked are the relaxed ones: an exceeded bound is ``refuted``.
    """
    if violations:
        return Verdict.VIOLATED
    if not check.holds:
        return Verdict.VACUOUS
    if not upper_confidence <= bound:
        return Verdict.REFUTED if relaxed else Verdict.VIOLATED
    return Verdict.UNINFORMATIVE if bound >= do_nothing else Verdict.VERIFIED


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value
