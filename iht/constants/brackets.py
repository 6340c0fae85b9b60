"""Containers for the constants the convergence theorems take as inputs.

Theorem 1 of Peste et al. (NeurIPS 2021) needs the restricted smoothness ``β`` at level
``2k + 3k*``, the CPL constant ``α`` at ``r = k*`` and the oracle variance ``σ²``. A constant is
either known in closed form for an instance (:class:`KnownConstants`) or measured, in which case it
comes as a :class:`Bracket` whose ``method`` says how each end was obtained.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bracket:
    """A constant known to lie in ``[lower, upper]``; exact when ``lower == upper``.

    Attributes
    ----------
    lower, upper : float
        Bounds on the constant (``math.inf`` for an unknown upper end, ``0.0`` for a trivial
        lower end).
    method : str
        How each end was obtained (enumeration, certificate, power method, sampling, ...).
    """

    lower: float
    upper: float
    method: str

    @property
    def exact(self) -> bool:
        """Whether both ends coincide."""
        return self.lower == self.upper


@dataclass(frozen=True)
class KnownConstants:
    """Constants an objective knows without measurement, for a projection size ``k``.

    Every field is ``None`` when the instance does not determine it in closed form.

    Attributes
    ----------
    beta : float or None
        Restricted smoothness at level ``t = 2k + 3k*`` (assumption 3 of Theorem 1), exact.
    alpha_sparse : float or None
        Certified lower bound on the ``(k*, α)``-CPL constant over the ``k``-sparse points IHT can
        visit. CPL is read with the square, ``‖T_r(∇f(θ))‖² ≥ (α/2)(f(θ) − f(θ*))``: only then is
        ``β/α`` dimensionless and ``16σ²/α`` in units of ``f``, and for ``r = N`` it is the usual
        Polyak–Łojasiewicz inequality.
    alpha_global : float or None
        The same constant over all ``θ`` (the assumption as stated), exact or a certified lower
        bound (each objective's docstring says which).
    """

    beta: float | None = None
    alpha_sparse: float | None = None
    alpha_global: float | None = None
