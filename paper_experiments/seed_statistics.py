"""Uncertainty over seeds: Student-t intervals of each cell and seed-paired differences between methods.

A cell of a table (a method at a sparsity) holds ``n`` runs that differ only in their seed. Its interval
is the two-sided Student-t confidence interval of the mean, ``mean ± t(1 - (1 - level)/2, n - 1) · s/√n``
with ``s`` the sample standard deviation over seeds. Runs of two methods with the same seed start from
the same initial weights and see the same batches, so two methods are compared by the per-seed
differences: the same t interval, taken over the differences of the seeds both have. A difference is
*resolved* when that interval excludes 0, i.e. a paired t-test rejects equal means at ``1 - level``.
No correction for multiple comparisons is made; the tables say how many differences each sparsity has.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95
"""Confidence level of every interval."""


def t_interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float, float, float]:
    """``(mean, std, low, high)`` of ``values``: sample std and the Student-t interval of the mean.

    One value gives std and interval NaN (nothing is known of the spread); equal values give std 0 and
    an interval of width 0.
    """
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return (math.nan,) * 4
    mean = float(array.mean())
    if array.size == 1:
        return mean, math.nan, math.nan, math.nan
    std = 0.0 if np.all(array == array[0]) else float(array.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, array.size - 1)) * std / math.sqrt(array.size)
    return mean, std, mean - half, mean + half


def cell_intervals(results: pd.DataFrame, by: Sequence[str], value: str,
                   level: float = LEVEL) -> pd.DataFrame:
    """Per group of ``by``: ``n`` (runs with a value), ``mean``, ``std``, ``low``, ``high`` of ``value``."""
    rows = []
    for key, group in results.groupby(list(by), sort=False):
        mean, std, low, high = t_interval(group[value], level)
        rows.append({**dict(zip(by, key)), "n": int(group[value].notna().sum()), "mean": mean, "std": std,
                     "low": low, "high": high})
    return pd.DataFrame(rows)


def paired_differences(results: pd.DataFrame, group: str, label: str, value: str,
                       level: float = LEVEL) -> pd.DataFrame:
    """Every pair of ``label`` values within each ``group`` value, compared by their per-seed differences.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per run, with columns ``group`` (e.g. ``sparsity``), ``label`` (e.g. ``method``),
        ``seed`` and ``value``.

    Returns
    -------
    pandas.DataFrame
        One row per pair, the better mean first: ``group``, ``better``, ``worse``, ``n`` (seeds both
        have), ``difference`` (mean of ``better − worse`` over those seeds), ``std``, ``low``, ``high``
        (its t interval) and ``resolved`` (the interval excludes 0).
    """
    rows = []
    for key, frame in results.groupby(group, sort=False):
        table = frame.pivot_table(index="seed", columns=label, values=value, sort=False)
        for a, b in itertools.combinations(table.columns, 2):
            paired = (table[a] - table[b]).dropna()
            if paired.empty:
                continue
            better, worse, paired = (a, b, paired) if paired.mean() >= 0 else (b, a, -paired)
            mean, std, low, high = t_interval(paired, level)
            rows.append({group: key, "better": better, "worse": worse, "n": len(paired), "difference": mean,
                         "std": std, "low": low, "high": high, "resolved": bool(low > 0)})
    return pd.DataFrame(rows)


def separation(cells: pd.DataFrame) -> tuple[str, str, float, float]:
    """``(best, worst, gap, gap in seed stds)`` of ``cells`` (rows of :func:`cell_intervals` of one group,
    indexed by the compared label): the gap between the best and worst mean, and that gap divided by the
    larger seed std of those two cells (infinite when both are 0, NaN with one seed)."""
    best, worst = cells["mean"].idxmax(), cells["mean"].idxmin()
    gap = float(cells.loc[best, "mean"] - cells.loc[worst, "mean"])
    spread = max(cells.loc[best, "std"], cells.loc[worst, "std"])
    ratio = math.nan if math.isnan(spread) else (math.inf if spread == 0 else gap / spread)
    return str(best), str(worst), gap, ratio
