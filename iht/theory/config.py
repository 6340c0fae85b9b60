"""Configuration of a verification run: every knob, with its default, in one place.

:class:`VerifyConfig` holds the theorem inputs and statistics, and one nested settings dataclass per
part of the run: the grid of each family (``window``, ``cpl``, ``decoy``: see
:mod:`iht.theory.families`), the σ² check (``slope``: :class:`SlopeCheck`) and the compressed sensing
sweep (``phase_transition``: :class:`PhaseTransitionGrid`). Each dataclass validates itself with the
checks of :mod:`iht.validation`, naming a nested field by its dotted key (``decoy.correlations``).

Overrides use dotted keys too: ``config.replace(**{"decoy.correlations": (0.6, 0.8)})`` in Python,
``python -m iht verify --set decoy.correlations=0.6,0.8`` on the command line
(:func:`parse_setting`); an unknown key is a ``ValueError`` naming the allowed ones (:func:`config_keys`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from iht.cli_support import literal_value, parse_key_value
from iht.theory.confidence import UCB_METHODS
from iht.theory.families import FAMILIES, CPLGrid, DecoyGrid, WindowGrid
from iht.validation import check_choice, check_each, check_int, check_positive, check_probability


def check_families(names: tuple[str, ...], name: str) -> None:
    """Each of ``names`` is a family of the registry :data:`~iht.theory.families.FAMILIES`."""
    for value in names:
        check_choice(value, name, FAMILIES)


@dataclass(frozen=True)
class SlopeCheck:
    """The sharp check of the stationary gap against σ² (:mod:`iht.theory.sharp`), run on every
    ``stride``-th instance (and k) of the families in ``grids``."""

    grids: tuple[str, ...] = ("window",)  # families whose instances get the σ² check
    stride: int = 3  # every stride-th instance (and k) of those families
    sigmas: tuple[float, ...] = (0.01, 0.02, 0.04)  # σ of the stationary-gap runs
    seeds: int = 8  # seeds per σ

    def __post_init__(self) -> None:
        check_families(self.grids, "slope.grids")
        check_int(self.stride, "slope.stride", 1)
        if len(self.sigmas) < 2:
            raise ValueError(f"slope.sigmas must hold at least 2 values; got slope.sigmas={self.sigmas!r}")
        check_each(self.sigmas, "slope.sigmas", check_positive)
        check_int(self.seeds, "slope.seeds", 2)


@dataclass(frozen=True)
class PhaseTransitionGrid:
    """The compressed sensing phase transition on the Donoho–Tanner plane
    (:mod:`iht.theory.phase_transition`)."""

    dim: int = 64  # N
    deltas: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # δ = n/N
    rhos: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # ρ = k*/n
    trials: int = 6  # random instances per cell
    tolerance: float = 1e-3  # success: ||θ − θ*|| ≤ tolerance·||θ*||
    iterations: int = 300  # NIHT iterations per trial
    noise: float = 1e-6  # measurement noise std (> 0: NIHT's step is 0/0 once a residual is exactly 0)

    def __post_init__(self) -> None:
        for name in ("dim", "trials", "iterations"):
            check_int(getattr(self, name), f"phase_transition.{name}", 1)
        for name in ("deltas", "rhos"):
            check_each(getattr(self, name), f"phase_transition.{name}", check_probability)
        for name in ("tolerance", "noise"):
            check_positive(getattr(self, name), f"phase_transition.{name}")


@dataclass(frozen=True)
class VerifyConfig:
    """All inputs of :func:`iht.theory.runner.run_grid` and the phase-transition sweep.

    Attributes are grouped as: families run and their grids, theorem inputs, the σ² check,
    statistics, compressed sensing phase transition. ``seed`` derives every other seed (recorded
    per row).
    """

    families: tuple[str, ...] = tuple(FAMILIES)  # families run, in this order (iht.theory.families)
    window: WindowGrid = field(default_factory=WindowGrid)  # CPLQuadratic where Theorem 1's hypotheses hold
    cpl: CPLGrid = field(default_factory=CPLGrid)  # CPLQuadratic in (N, k/k*, β/α, σ)
    decoy: DecoyGrid = field(default_factory=DecoyGrid)  # DecoyBlockQuadratic in (c, k/k*, σ)
    # --- theorem inputs ------------------------------------------------------------------------
    C: float = 1.0  # constant of k >= C·k*·(β/α)², unknown in the paper: an assumption
    epsilon_fraction: float = 1e-3  # ε = epsilon_fraction · (f(θ_0) − f*)
    iteration_factor: float = 2.0  # n_iter = ceil(factor·(β/α)·ln(gap_0/ε)): O-constant unknown
    max_iter: int = 2000  # cap on n_iter
    step_factor: float = 1.0  # η = step_factor / β
    iteration_budget_factor: float = 10.0  # deterministic IHT runs this multiple of (β/α)·ln(gap_0/ε)
    descent_steps: int = 30  # steps of deterministic IHT checked against the majoriser
    # --- sharp check: stationary gap against σ² -------------------------------------------------
    slope: SlopeCheck = field(default_factory=SlopeCheck)
    # --- cross-checks of claimed constants ------------------------------------------------------
    variance_draws: int = 100  # oracle draws per point of the σ² cross-check
    # --- statistics ----------------------------------------------------------------------------
    n_seeds: int = 10  # R, seeds of the stochastic solvers per instance
    delta: float = 0.05  # UCB at level 1 − δ
    ucb_method: str = "student-t"  # "student-t" (no range needed); the others need gap_range
    gap_range: float | None = None  # [0, gap_range] for "hoeffding" / "empirical-bernstein"
    seed: int = 0
    # --- compressed sensing phase transition (Donoho–Tanner plane) -----------------------------
    phase_transition: PhaseTransitionGrid = field(default_factory=PhaseTransitionGrid)

    def __post_init__(self) -> None:
        if not self.families:
            raise ValueError(f"families must hold at least one of {sorted(FAMILIES)}; got families=()")
        check_families(self.families, "families")
        for name, kind in SECTIONS.items():
            if not isinstance(getattr(self, name), kind):
                raise TypeError(f"{name} must be a {kind.__name__}; got {getattr(self, name)!r} "
                                f"({type(getattr(self, name)).__name__})")
        for name in ("C", "epsilon_fraction", "iteration_factor", "step_factor", "iteration_budget_factor"):
            check_positive(getattr(self, name), name)
        check_probability(self.epsilon_fraction, "epsilon_fraction")
        check_choice(self.ucb_method, "ucb_method", UCB_METHODS)
        if self.ucb_method != "student-t" and self.gap_range is None:
            raise ValueError(f"ucb_method={self.ucb_method!r} needs gap_range (samples in [0, gap_range])")
        check_int(self.n_seeds, "n_seeds", 2)
        check_int(self.variance_draws, "variance_draws", 2)
        check_probability(self.delta, "delta")
        for name in ("max_iter", "descent_steps"):
            check_int(getattr(self, name), name, 1)
        check_int(self.seed, "seed", 0)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (nested settings become dicts, tuples lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def replace(self, **changes: Any) -> VerifyConfig:
        """A copy with ``changes`` applied: top-level fields (``n_seeds=3``, ``decoy=DecoyGrid(...)``) or
        nested ones by dotted key (``**{"decoy.correlations": (0.8,)}``).

        Raises
        ------
        ValueError
            For an unknown key (the message lists the allowed ones), or a value out of range.
        TypeError
            For a value of the wrong type.
        """
        nested: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for key, value in changes.items():
            section, dot, name = check_key(key).partition(".")
            if dot:
                nested.setdefault(section, {})[name] = value
            else:
                top[key] = value
        for section, values in nested.items():
            top[section] = dataclasses.replace(top.get(section, getattr(self, section)), **values)
        return dataclasses.replace(self, **top)


#: The nested settings of :class:`VerifyConfig`, by field name: the fields whose default is built by a
#: settings class (a new family's settings are one field line in ``VerifyConfig``).
SECTIONS: dict[str, type] = {spec.name: spec.default_factory for spec in dataclasses.fields(VerifyConfig)
                             if isinstance(spec.default_factory, type)}


def config_keys() -> list[str]:
    """Every key :meth:`VerifyConfig.replace` accepts: top-level fields, and ``section.field`` for
    the fields of each nested setting."""
    keys = []
    for spec in dataclasses.fields(VerifyConfig):
        keys.append(spec.name)
        if spec.name in SECTIONS:
            keys += [f"{spec.name}.{inner.name}" for inner in dataclasses.fields(SECTIONS[spec.name])]
    return keys


def check_key(key: Any) -> str:
    """``key`` if :meth:`VerifyConfig.replace` accepts it; the error lists the keys of its section
    (``decoy.*``) or, for an unknown section, the top-level keys."""
    section = key.partition(".")[0] if isinstance(key, str) else key
    if section in SECTIONS and key != section:
        allowed = [k for k in config_keys() if k.startswith(section + ".")]
    else:
        allowed = [spec.name for spec in dataclasses.fields(VerifyConfig)]
    return check_choice(key, "VerifyConfig key", allowed)


def config_value(config: VerifyConfig, key: str) -> Any:
    """The value of ``key`` (dotted for a nested field) in ``config``."""
    value: Any = config
    for part in check_key(key).split("."):
        value = getattr(value, part)
    return value



def parse_setting(text: str, config: VerifyConfig) -> tuple[str, Any]:
    """``"key=value"`` of ``--set`` → ``(key, value)`` for :meth:`VerifyConfig.replace`.

    The value is a Python literal if it parses as one (``0.6,0.8`` is the tuple ``(0.6, 0.8)``), else
    a string. For a field holding a tuple, a single value or a list becomes a tuple
    (``decoy.correlations=0.8``, ``window.sizes=8,1`` → ``((8, 1),)``) and comma-separated names are
    split (``families=decoy,cpl`` → ``("decoy", "cpl")``).

    >>> parse_setting("decoy.correlations=0.6,0.8", VerifyConfig())
    ('decoy.correlations', (0.6, 0.8))
    """
    key, value = parse_key_value(text, "decoy.correlations=0.6,0.8")
    key = check_key(key)
    current = config_value(config, key)
    if isinstance(current, tuple) and not dataclasses.is_dataclass(current):
        if isinstance(value, str):
            value = tuple(literal_value(part) for part in value.split(","))
        value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        if current and isinstance(current[0], tuple) and value and not isinstance(value[0], (tuple, list)):
            value = (value,)
        value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return key, value


#: Built-in presets of ``python -m iht verify``: ``default`` runs in about a minute on 2 cores.
PRESETS: dict[str, VerifyConfig] = {
    "quick": VerifyConfig(window=WindowGrid(sizes=((8, 1), (16, 2)), sigmas=(0.0, 0.05)),
                          cpl=CPLGrid(dims=(16,), k_ratios=(1, 2, 4), conditions=(2.0, 4.0),
                                      sigmas=(0.0, 0.3)),
                          decoy=DecoyGrid(correlations=(0.8,), k_ratios=(1.0, 1.5, 2.0), sigmas=(0.0, 0.1)),
                          n_seeds=5, slope=SlopeCheck(seeds=4, stride=2),
                          phase_transition=PhaseTransitionGrid(dim=32, deltas=(0.25, 0.5, 0.75),
                                                               rhos=(0.2, 0.4, 0.6), trials=2)),
    "default": VerifyConfig(),
    "full": VerifyConfig(cpl=CPLGrid(dims=(16, 32, 64, 128), k_ratios=(1, 2, 4, 8, 16),
                                     conditions=(2.0, 4.0, 8.0, 16.0, 32.0), sigmas=(0.0, 0.1, 0.3)),
                         decoy=DecoyGrid(blocks=8, active=4, correlations=(0.6, 0.7, 0.8, 0.9, 0.95),
                                         k_ratios=(1.0, 1.125, 1.25, 1.375, 1.5, 2.0, 3.0),
                                         sigmas=(0.0, 0.01, 0.03, 0.1)),
                         n_seeds=30,
                         phase_transition=PhaseTransitionGrid(
                             dim=128, deltas=tuple(round(0.1 * i, 2) for i in range(1, 10)),
                             rhos=tuple(round(0.1 * i, 2) for i in range(1, 10)), trials=10)),
}
