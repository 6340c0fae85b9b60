"""A block-diagonal quadratic that traps IHT when ``k = k*``: correlated "decoy" coordinates.

Every ``(m + d) × (m + d)`` block pairs ``m`` signal coordinates with ``d`` decoy coordinates, each
decoy correlated with the average of the signals. A planted block has all its signals equal to
one sign and its decoys at zero, so the gradient at ``θ = 0`` is larger on the decoys than on the
signals, and hard thresholding to ``k*`` entries spends part of its budget on decoys. The
constants stay exact (β) or certified (α) because every principal submatrix of a block has a
closed-form spectrum (:class:`DecoyBlockQuadratic`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import block_diag

from iht.objectives.quadratic import Quadratic
from iht.validation import check_int, check_real


def decoy_block(signals: int, decoys: int, correlation: float) -> np.ndarray:
    """The block ``[[I_m, (c/√m)·1_m 1_dᵀ], [(c/√m)·1_d 1_mᵀ, I_d]]``, shape ``(m + d, m + d)``."""
    block = np.eye(signals + decoys)
    block[:signals, signals:] = correlation / math.sqrt(signals)
    block[signals:, :signals] = correlation / math.sqrt(signals)
    return block


class DecoyBlockQuadratic(Quadratic):
    """``f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) + f*`` with ``H`` block diagonal of :func:`decoy_block` s.

    Construction: ``n_blocks`` identical blocks of ``m`` signal and ``d`` decoy coordinates with
    cross-correlation ``c`` (signal–decoy entries ``c/√m``, everything else the identity). ``θ*``
    is ``s_b·1`` on the signals of ``n_active`` random blocks (random signs ``s_b``) and zero
    elsewhere, so ``k* = m·n_active`` and ``θ*`` is the unique global minimiser (``H ≻ 0``).

    Constants, in closed form. A principal submatrix with ``j`` signals and ``e`` decoys of one
    block has cross term ``(c/√m)·1_j 1_eᵀ`` of rank one and norm ``c·√(je/m)``, hence eigenvalues
    ``1 ± c·√(je/m)`` and 1 (Horn & Johnson, *Matrix Analysis*, Theorem 7.3.3: the eigenvalues of
    ``[[I, W], [Wᵀ, I]]`` are ``1 ±`` the singular values of ``W``, and 1). With
    ``p_t = max{je : j ≤ m, e ≤ d, j + e ≤ t}``:

    - restricted smoothness, exact: ``β_t = 1 + c·√(p_t/m)`` (``1 + c√d`` once ``t ≥ m + d``);
    - smallest eigenvalue of any ``t × t`` principal submatrix: ``1 − c·√(p_t/m)``, positive iff
      ``c < 1/√d``. :func:`~iht.constants.cpl.eigen_certificate` turns it into certified lower
      bounds on the CPL constant, ``α_sparse ≥ 4·k*/(k + k*)·(1 − c·√(p_{k+k*}/m))`` over the
      ``k``-sparse points and ``α_global ≥ 4·(k*/N)·(1 − c√d)`` over all points. The base class
      computes both by enumerating the principal submatrices of the blocks (``principal_blocks``).

    The trap: at ``θ_0 = 0`` the gradient is ``−s_b`` on the signals of a planted block and
    ``−s_b·c√m`` on its decoys. When ``c√m > 1`` the first step of IHT ranks every decoy of the
    planted blocks above every signal, so ``T_{k*}`` keeps ``d·n_active`` decoys and drops as many
    signals. Only ``k ≥ k* + d·n_active = (1 + d/m)·k*`` lets ``T_k`` hold every signal and every
    decoy of the planted blocks at once. Whether IHT recovers below that, and the smallest ``k/k*``
    at which Theorem 1's bound holds, are what the verification suite measures; ``c√m ≤ 1`` is the
    control without a trap.

    Parameters
    ----------
    n_blocks : int
        Number of blocks, ``>= 2``.
    n_active : int
        Blocks carrying ``θ*``, ``1 <= n_active < n_blocks``.
    signals : int
        ``m``, signal coordinates per block, ``>= 1``.
    decoys : int
        ``d``, decoy coordinates per block, ``>= 1``.
    correlation : float
        ``c``, ``0 < c < 1/√d`` (``H`` positive definite).
    f_star : float
        The minimum value.
    seed : int or numpy.random.Generator
        Randomness of the planted blocks and their signs.

    References
    ----------
    Peste et al., NeurIPS 2021, Theorem 1 (the constants β, α it takes); R. A. Horn and
    C. R. Johnson, *Matrix Analysis*, 2nd ed., Cambridge University Press 2013, Theorem 7.3.3.
    """

    def __init__(self, n_blocks: int, n_active: int, *, signals: int = 2, decoys: int = 1,
                 correlation: float = 0.8, f_star: float = 0.0,
                 seed: int | np.random.Generator = 0):
        n_blocks = check_int(n_blocks, "n_blocks", 2)
        n_active = check_int(n_active, "n_active", 1, n_blocks - 1)
        self.signals = check_int(signals, "signals", 1)
        self.decoys = check_int(decoys, "decoys", 1)
        limit = 1.0 / math.sqrt(self.decoys)
        self.correlation = check_real(correlation, "correlation", 0.0, limit, strict=True)
        if self.correlation == limit:
            raise ValueError(f"correlation must be < 1/√decoys = {limit:.6g} (H positive definite); "
                             f"got correlation={correlation!r}")
        rng = np.random.default_rng(seed)
        size = self.signals + self.decoys
        theta_star = np.zeros(n_blocks * size)
        for block, sign in zip(rng.choice(n_blocks, size=n_active, replace=False),
                               rng.choice([-1.0, 1.0], size=n_active)):
            theta_star[block * size: block * size + self.signals] = sign
        self.blocks = np.broadcast_to(decoy_block(self.signals, self.decoys, self.correlation),
                                      (n_blocks, size, size))
        super().__init__(block_diag(*self.blocks), theta_star, f_star)

    @property
    def trap_ratio(self) -> float:
        """``(1 + d/m)``: the ``k/k*`` from which ``T_k`` can hold every signal and decoy of θ*'s blocks."""
        return 1.0 + self.decoys / self.signals

    def principal_blocks(self) -> np.ndarray:
        return self.blocks
