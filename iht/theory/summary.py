"""Summaries of the verification tables: verdict counts, violations, non-vacuous instances, and the
largest constant C the data refute.

Theorem 1 of Peste et al. (2021) needs ``k ≥ C·k*·(β/α)²`` for "an appropriately chosen constant
C" it does not give. A Theorem-1 row with projection size k meets that hypothesis for every
``C ≤ c_row = k/(k*·(β/α)²)`` (its other hypotheses hold on the grid by construction or are
listed). If the row's lower confidence bound on ``E[f(θ_T) − f*]`` exceeds ``ε + 16σ²/α``, the
theorem is false for every such C: the row *refutes* ``C ≤ c_row``. The largest C the data refute
is the largest ``c_row`` over refuting rows. Within a group (solver, grid, N, family parameter, σ)
that varies only k, a refuting row at the largest k tried is *censored*: a larger k might refute a
larger C, so the value is a lower bound (``≥``). A group without a refuting row refutes nothing.
"""

from __future__ import annotations

import math

import pandas as pd

from iht.theory.hypotheses import VERDICTS

#: Grouping of Theorem-1 rows that share everything but k.
REFUTED_C_KEYS = ["hypothesis", "solver", "grid", "dim", "family_parameter", "sigma"]


def verdict_counts(table: pd.DataFrame, hypothesis: str | None = "paper") -> pd.DataFrame:
    """Rows per (bound, solver, verdict), verdicts as columns (missing ones are 0).

    ``hypothesis`` selects the rows checked under the paper's hypotheses (``"paper"``, default) or
    the relaxed ones (``"relaxed"``); ``None`` counts every row.
    """
    rows = table if hypothesis is None else table[table["hypothesis"] == hypothesis]
    counts = rows.groupby(["bound", "solver", "verdict"]).size().unstack("verdict", fill_value=0)
    names = [v for v in VERDICTS if hypothesis == "relaxed" or v != "refuted"]
    for name in names:
        if name not in counts:
            counts[name] = 0
    return counts[names].reset_index()


def violation_lines(table: pd.DataFrame, slopes: pd.DataFrame) -> list[str]:
    """One line per violated row of the main table and of the σ² table."""
    lines = []
    for row in table[table["verdict"] == "violated"].itertuples(index=False):
        reason = row.violations or (f"observed UCB {row.observed_ucb:.4g} > bound {row.bound_value:.4g}")
        lines.append(f"violated: {row.bound} [{row.hypothesis}] {row.solver} on instance {row.instance} "
                     f"({row.family}, N={row.dim}, k={row.k}, σ={row.sigma:g}): {reason}")
    if len(slopes):
        for row in slopes[slopes["verdict"] == "violated"].itertuples(index=False):
            lines.append(f"violated: noise floor [paper] stochastic_iht, {row.oracle} oracle, on instance "
                         f"{row.instance} ({row.family}, N={row.dim}, k={row.k}): {row.violations}")
    return lines


def non_vacuous_instances(table: pd.DataFrame, slopes: pd.DataFrame) -> int:
    """Grid points with a non-vacuous Theorem-1 verdict under the paper's hypotheses, plus σ²-check
    instances (instance and oracle) with a non-vacuous verdict."""
    paper = table[(table["bound"] == "theorem1") & (table["hypothesis"] == "paper")
                  & (table["verdict"] != "vacuous")]
    count = paper["instance"].nunique()
    if len(slopes):
        count += int((slopes["verdict"] != "vacuous").sum())
    return count


def refuted_c(table: pd.DataFrame) -> pd.DataFrame:
    """Per group of Theorem-1 rows (:data:`REFUTED_C_KEYS`): the largest C its rows refute.

    Columns: the keys, ``rows``, ``refuting_rows``, ``k_max_tried``, ``largest_refuted_c`` (NaN
    when no row refutes), ``censored`` (the refuting row is at the largest k tried: the value is
    a lower bound), ``c_at_k_min`` (``c_row`` at the smallest k tried: with no refuting row, only a
    smaller k could refute, hence only a C below it), ``trap_k_ratio``.
    """
    rows = table[table["bound"] == "theorem1"]
    records = []
    for keys, group in rows.groupby(REFUTED_C_KEYS):
        refuting = group[(group["observed_lcb"] > group["bound_value"]) & group["c_row"].notna()]
        best = refuting.loc[refuting["c_row"].idxmax()] if len(refuting) else None
        records.append({
            **dict(zip(REFUTED_C_KEYS, keys)),
            "family": group["family"].iloc[0],
            "rows": len(group), "refuting_rows": len(refuting),
            "k_max_tried": int(group["k"].max()),
            "largest_refuted_c": math.nan if best is None else float(best["c_row"]),
            "refuting_k": math.nan if best is None else int(best["k"]),
            "censored": bool(best is not None and best["k"] == group["k"].max()),
            "c_at_k_min": float(group.loc[group["k"].idxmin(), "c_row"]),
            "trap_k_ratio": float(group["trap_k_ratio"].iloc[0]),
        })
    return pd.DataFrame(records)


def refuted_c_summary(c_table: pd.DataFrame) -> pd.DataFrame:
    """Per (hypothesis, family, solver): groups, groups with a refuting row, and the largest C
    refuted (with ``≥`` when that value is censored), as text so that no cell is NaN."""
    records = []
    for (hypothesis, family, solver), group in c_table.groupby(["hypothesis", "family", "solver"]):
        refuted = group[group["largest_refuted_c"].notna()]
        if len(refuted):
            top = refuted.loc[refuted["largest_refuted_c"].idxmax()]
            value = f"{'≥ ' if top['censored'] else ''}{top['largest_refuted_c']:.3g}"
        else:
            value = f"none (no row refutes; smallest c_row tried {group['c_at_k_min'].min():.3g})"
        records.append({"hypothesis": hypothesis, "family": family, "solver": solver, "groups": len(group),
                        "groups_refuting": len(refuted), "largest_refuted_C": value})
    return pd.DataFrame(records)
