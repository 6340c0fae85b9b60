"""The verification runner: a grid of instances, R seeds per solver, tidy tables.

For every point of the grid (:func:`iht.theory.grid.grid_points`: the points each family of
:data:`iht.theory.families.FAMILIES` lays out) the runner builds the point's context
(:func:`iht.theory.context.point_context`: the family's objective, β and α certified by
:mod:`iht.theory.certified`, an oracle whose σ² is exact) and collects the rows of
:mod:`iht.theory.rows`: Theorem 1 (Peste et al. 2021) on ``stochastic_iht`` and ``acdc_iht`` under
the paper's and the relaxed hypothesis, the descent lemma (Blumensath & Davies 2008) and
Jain–Tewari–Kar (2014) on ``iht``. The sharp checks run on the side: the stationary gap against σ²
(:mod:`iht.theory.noise_floor`) and iterations to ε (:mod:`iht.theory.sharp`).

Every row also runs the exact checks of :func:`~iht.theory.hypotheses.verdict`: the returned θ
has at most k non-zeros, the run stayed finite, the claimed α is below a measured upper bound and
the claimed σ² is not below the measured variance (:mod:`iht.theory.crosscheck`). Metrics are
computed from the objective (:mod:`iht.theory.seeded`), never taken from a solver's own report,
except the per-iteration gap curves (``history.gap``) used for the iteration counts, rates and
figures. Nothing here depends on a family: a new one runs through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from iht.projection import Projection, TopK
from iht.provenance import git_revision
from iht.theory import sharp
from iht.theory.config import VerifyConfig
from iht.theory.context import Cache, PointContext, point_context
from iht.theory.grid import grid_points
from iht.theory.noise_floor import slope_rows
from iht.theory.rows import deterministic_rows, theorem1_rows


@dataclass(frozen=True)
class GridResult:
    """Output of :func:`run_grid`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (instance, solver, bound, hypothesis): family and grid knob, constants
        (``beta``, ``alpha_global``, ``alpha_sparse``, ``alpha`` used), bound, do-nothing gap,
        observed mean / UCB / LCB, verdict, failed hypotheses, violations, steps run, seeds,
        config and git revision.
    curves : pandas.DataFrame
        Mean gap per iteration: columns ``instance, solver, iteration, gap``.
    skipped : list of str
        Grid points that do not exist, with the reason.
    slopes : pandas.DataFrame
        The stationary-gap-against-σ² check (:func:`iht.theory.noise_floor.slope_rows`).
    iterations : pandas.DataFrame
        Iterations to reach ε against ``(β/α)·ln(gap₀/ε)`` (:func:`iht.theory.sharp.iteration_fit`).
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    skipped: list[str]
    slopes: pd.DataFrame = field(default_factory=pd.DataFrame)
    iterations: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_point(context: PointContext, curves: list[pd.DataFrame], iteration_records: list[dict[str, Any]],
              deterministic: bool, projection: Callable[..., Projection] = TopK) -> list[dict[str, Any]]:
    """The rows of one grid point: Theorem 1 per stochastic solver and hypothesis, and (once per
    instance and k, ``deterministic``) descent and JTK for ``iht``."""
    rows = list(theorem1_rows(context, projection, curves))
    if deterministic:
        rows += deterministic_rows(context, projection, iteration_records)
    return rows


def run_grid(config: VerifyConfig, progress: bool = True,
             projection: Callable[..., Projection] = TopK) -> GridResult:
    """Run every grid point of ``config`` and collect the tables (see :class:`GridResult`).

    Parameters
    ----------
    config : VerifyConfig
        Grid, theorem inputs, seeds.
    progress : bool
        Show a tqdm progress bar on stderr.
    projection : callable
        ``projection(k=k)`` builds the solvers' projection; ``TopK`` (``T_k``) by default. Tests
        pass a broken operator to show that the suite catches it.
    """
    points, skipped = grid_points(config)
    revision = git_revision()
    rows: list[dict[str, Any]] = []
    curves: list[pd.DataFrame] = []
    iteration_records: list[dict[str, Any]] = []
    slope_contexts: list[PointContext] = []
    cache: Cache = {}
    done: set[tuple[int, int]] = set()
    eligible = 0
    for point in tqdm(points, desc="verify: instances", disable=not progress):
        context = point_context(point, config, revision, cache)
        first = (point.instance, point.k) not in done
        done.add((point.instance, point.k))
        rows += run_point(context, curves, iteration_records, first, projection)
        if first and point.grid in config.slope.grids:
            eligible += 1
            if (eligible - 1) % config.slope.stride == 0:
                slope_contexts.append(context)
    slopes = slope_rows(slope_contexts, projection, progress)
    curve_table = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["instance", "solver", "iteration", "gap"])
    return GridResult(pd.DataFrame(rows), curve_table, skipped, slopes,
                      sharp.iteration_fit(pd.DataFrame(iteration_records), config.delta))
