"""Summaries of the verification table: verdict counts, tightness, and the empirical C.

Theorem 1 of Peste et al. (2021) needs ``k ≥ C·k*·(β/α)²`` for "an appropriately chosen constant
C" it does not give. The empirical counterpart measured here: per (solver, N, β/α, σ), the
smallest ``k/k*`` of the grid from which on the bound holds (UCB ≤ bound at it and at every
larger grid value), and the C it corresponds to, ``(k/k*)_min / (β/α)²``.
"""

from __future__ import annotations

import math

import pandas as pd

#: Grouping of Theorem-1 rows that share everything but k/k*.
EMPIRICAL_C_KEYS = ["solver", "dim", "condition", "sigma"]


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Number of rows per (bound, solver, verdict), verdicts as columns (missing ones are 0)."""
    counts = table.groupby(["bound", "solver", "verdict"]).size().unstack("verdict", fill_value=0)
    for name in ("verified", "violated", "vacuous"):
        if name not in counts:
            counts[name] = 0
    return counts[["verified", "violated", "vacuous"]].reset_index()


def median_ratio(table: pd.DataFrame, bound: str = "theorem1",
                 verdicts: tuple[str, ...] | None = None) -> float:
    """Median of observed mean / bound over the rows of ``bound`` (optionally only ``verdicts``)."""
    rows = table[table["bound"] == bound]
    if verdicts is not None:
        rows = rows[rows["verdict"].isin(verdicts)]
    return float(rows["ratio"].median()) if len(rows) else math.nan


def _smallest_holding_ratio(group: pd.DataFrame) -> float:
    ordered = group.sort_values("k_ratio")
    holds = ordered["bound_holds"].to_numpy()
    ratios = ordered["k_ratio"].to_numpy()
    smallest = math.nan
    for i in range(len(ordered) - 1, -1, -1):
        if not holds[i]:
            break
        smallest = float(ratios[i])
    return smallest


def empirical_c(table: pd.DataFrame) -> pd.DataFrame:
    """Empirical C per (solver, N, β/α, σ) from the Theorem-1 rows.

    Columns: the keys, ``k_ratio_min`` (smallest k/k* from which the bound holds; NaN if it fails
    at the largest grid value), ``k_ratio_min_tried``, ``k_ratio_max_tried``,
    ``c_empirical = k_ratio_min/(β/α)²`` and ``k_ratio_theory = C·(β/α)²`` (the requirement for the
    C the run assumed).
    """
    rows = table[table["bound"] == "theorem1"]
    records = []
    for keys, group in rows.groupby(EMPIRICAL_C_KEYS):
        smallest = _smallest_holding_ratio(group)
        condition = float(keys[EMPIRICAL_C_KEYS.index("condition")])
        records.append({
            **dict(zip(EMPIRICAL_C_KEYS, keys)),
            "k_ratio_min": smallest,
            "k_ratio_min_tried": float(group["k_ratio"].min()),
            "k_ratio_max_tried": float(group["k_ratio"].max()),
            "c_empirical": smallest / condition**2,
            "k_ratio_theory": float(group["C"].iloc[0]) * condition**2,
        })
    return pd.DataFrame(records, columns=[*EMPIRICAL_C_KEYS, "k_ratio_min", "k_ratio_min_tried",
                                          "k_ratio_max_tried", "c_empirical", "k_ratio_theory"])
