"""Summaries of the verification table: verdict counts, tightness, and the empirical C.

Theorem 1 of Peste et al. (2021) needs ``k ≥ C·k*·(β/α)²`` for "an appropriately chosen constant
C" it does not give. The empirical counterpart measured here, per (solver, family, N, family
parameter, σ): the smallest ``k/k*`` of the grid from which on the bound holds (UCB ≤ bound at
it and at every larger grid value), ``empirical_threshold_k_over_kstar``, and the C it corresponds
to, ``threshold / (β/α)²``, for each certified α (global: the assumption as stated; sparse: over
the k-sparse points) at the threshold's row.

This is a measurement against the observed threshold, separate from the verdicts: a row whose
hypotheses fail stays *vacuous* in the table, while the threshold search still records whether
its observation was below the bound's value. A threshold at the smallest ``k/k*`` tried is
*censored*: the bound may hold below it, so the empirical C is only an upper estimate there.
"""

from __future__ import annotations

import math

import pandas as pd

#: Grouping of Theorem-1 rows that share everything but k/k*.
EMPIRICAL_C_KEYS = ["solver", "family", "dim", "family_parameter", "sigma"]

#: Columns of :func:`empirical_c`, after the keys.
EMPIRICAL_C_COLUMNS = [
    "empirical_threshold_k_over_kstar", "threshold_censored", "k_over_kstar_min_tried",
    "k_over_kstar_max_tried", "trap_k_ratio", "hypotheses_hold_at_threshold",
    "beta_over_alpha_global", "c_empirical_global", "required_k_over_kstar_global",
    "beta_over_alpha_sparse", "c_empirical_sparse", "required_k_over_kstar_sparse", "bound_alpha_scope",
]


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


def threshold_row(group: pd.DataFrame) -> pd.Series | None:
    """Row of the smallest ``k/k*`` from which ``bound_holds`` is true at every larger one (or None)."""
    ordered = group.sort_values("k_ratio")
    found = None
    for _, row in ordered[::-1].iterrows():
        if not row["bound_holds"]:
            break
        found = row
    return found


def _alpha_columns(row: pd.Series | None, scope: str, threshold: float) -> dict[str, float]:
    """``β/α`` (at least 1: Theorem 1 takes β > α, and a certified α above β is lowered to β as in
    :func:`~iht.theory.hypotheses.theorem1_hypotheses`), ``c_empirical`` and the requirement."""
    if row is None or pd.isna(row[f"alpha_{scope}"]):
        condition, C = math.nan, math.nan
    else:
        condition, C = max(float(row["beta"] / row[f"alpha_{scope}"]), 1.0), float(row["C"])
    return {f"beta_over_alpha_{scope}": condition,
            f"c_empirical_{scope}": threshold / condition**2,
            f"required_k_over_kstar_{scope}": C * condition**2}


def empirical_c(table: pd.DataFrame) -> pd.DataFrame:
    """Empirical threshold and C per (solver, family, N, family parameter, σ) from Theorem-1 rows.

    Columns: the keys (:data:`EMPIRICAL_C_KEYS`), then ``empirical_threshold_k_over_kstar`` (NaN
    when the bound fails at the largest grid value), ``threshold_censored`` (already at the
    smallest k/k* tried), the range tried, ``trap_k_ratio`` (the family's designed ``(1 + d/m)``,
    NaN for families without a trap), ``hypotheses_hold_at_threshold`` (whether Theorem 1's
    hypotheses hold on the threshold's row), and for ``global`` and ``sparse`` α: ``β/α`` at the
    threshold's row, ``c_empirical = threshold/(β/α)²`` and the requirement
    ``required_k_over_kstar = C·(β/α)²`` for the C the run assumed; ``bound_alpha_scope`` names
    the α in the bound's ``16σ²/α``.
    """
    rows = table[table["bound"] == "theorem1"]
    records = []
    for keys, group in rows.groupby(EMPIRICAL_C_KEYS):
        row = threshold_row(group)
        threshold = math.nan if row is None else float(row["k_ratio"])
        records.append({
            **dict(zip(EMPIRICAL_C_KEYS, keys)),
            "empirical_threshold_k_over_kstar": threshold,
            "threshold_censored": bool(threshold == group["k_ratio"].min()),
            "k_over_kstar_min_tried": float(group["k_ratio"].min()),
            "k_over_kstar_max_tried": float(group["k_ratio"].max()),
            "trap_k_ratio": float(group["trap_k_ratio"].iloc[0]),
            "hypotheses_hold_at_threshold": bool(row is not None and row["hypotheses_hold"]),
            **_alpha_columns(row, "global", threshold),
            **_alpha_columns(row, "sparse", threshold),
            "bound_alpha_scope": group["alpha_scope"].iloc[0],
        })
    return pd.DataFrame(records, columns=[*EMPIRICAL_C_KEYS, *EMPIRICAL_C_COLUMNS])


def _median(values: pd.Series) -> float:
    return float(values.median()) if len(values) else math.nan


def family_summary(c_table: pd.DataFrame) -> pd.DataFrame:
    """Per (family, solver): groups, groups with a threshold, censored ones, and the median
    threshold and empirical C (global and sparse α) over the uncensored thresholds."""
    records = []
    for (family, solver), group in c_table.groupby(["family", "solver"]):
        found = group[group["empirical_threshold_k_over_kstar"].notna()]
        measured = found[~found["threshold_censored"]]
        records.append({
            "family": family, "solver": solver, "groups": len(group), "with_threshold": len(found),
            "censored": int(found["threshold_censored"].sum()),
            **{f"median_{name}": _median(measured[column]) for name, column in (
                ("threshold_uncensored", "empirical_threshold_k_over_kstar"),
                ("c_empirical_global", "c_empirical_global"),
                ("c_empirical_sparse", "c_empirical_sparse"))},
        })
    return pd.DataFrame(records)
