"""The short markdown report of a verification run, written from its tables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import pandas as pd

from iht.theory.config import VerifyConfig
from iht.theory.summary import empirical_c, family_summary, median_ratio, verdict_counts

#: Numbers in failure messages, replaced by ``#`` to group the messages by kind.
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")

#: How many distinct failed hypotheses the report lists.
TOP_FAILURES = 6

CAVEATS = """\
- **CPL with the square.** The paper prints ``||T_r(∇f)|| ≥ (α/2)(f − f*)``; it is read as
  ``||T_r(∇f)||² ≥ (α/2)(f − f*)`` (the only reading under which β/α is dimensionless and 16σ²/α
  has the units of f).
- **C and the O-constant are unknown.** Theorem 1 needs ``k ≥ C·k*·(β/α)²`` for an unspecified C
  (the run assumes the C in the config) and gives its iteration count up to a constant (the run
  uses ``iteration_factor·(β/α)·ln(gap₀/ε)`` iterations). Rows whose hypotheses fail are
  *vacuous*, whatever the observation.
- **Constants.** CPLQuadratic: β and the global α exact. DecoyBlockQuadratic: β exact
  (enumeration of the principal submatrices of its blocks), both α certified lower bounds from
  their smallest eigenvalues: sound, possibly conservative. Sample-based α (an upper bound) is never
  used.
- **AC/DC** is checked against Theorem 1's value: the paper's Corollary 1 covers an AC/DC-like
  variant with bounds "no better than Theorem 1", but its constants are not available here.
- **Jain, Tewari & Kar (2014)** is encoded as recorded in the project's theory notes
  (``k ≥ 32(L/α)²k*`` at level ``2k + k*``); the statement could not be confirmed against the
  paper (only its abstract was reachable).
- **Statistics.** A Theorem-1 row is *verified* when the one-sided upper confidence bound on
  ``E[f(θ_T) − f*]`` over the seeds is at most the bound, *violated* otherwise (numbers shown);
  descent and JTK rows are deterministic (one run, exact comparison up to float64 rounding).
"""


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """``frame`` as a GitHub markdown table (floats formatted with ``floatfmt``)."""
    def cell(value: object) -> str:
        return format(value, floatfmt) if isinstance(value, float) else str(value)

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _failure_lines(table: pd.DataFrame) -> list[str]:
    counter: Counter[str] = Counter()
    for text in table.loc[table["failures"] != "", "failures"]:
        for failure in text.split("; "):
            counter[NUMBER.sub("#", failure)] += 1
    return [f"- {count} row(s): {reason}" for reason, count in counter.most_common(TOP_FAILURES)]


#: Columns of the per-group empirical-C table in the report (the CSV has them all).
EMPIRICAL_C_REPORT_COLUMNS = [
    "family", "solver", "dim", "family_parameter", "sigma", "empirical_threshold_k_over_kstar",
    "threshold_censored", "hypotheses_hold_at_threshold", "beta_over_alpha_global", "c_empirical_global",
    "beta_over_alpha_sparse", "c_empirical_sparse", "required_k_over_kstar_sparse",
]

EMPIRICAL_C_TEXT = """\
Theorem 1 asks for ``k ≥ C·k*·(β/α)²``. Measured here, per (solver, family, N, family parameter,
σ) and separately from the verdicts: `empirical_threshold_k_over_kstar`, the smallest k/k* of
the grid from which the observed UCB stays at or below the bound's value ``ε + 16σ²/α`` (α of
scope `{scope}` in the bound), and the C it corresponds to, `c_empirical = threshold/(β/α)²`, for
the certified global α (CPL for all θ, as the theorem assumes) and the certified sparse α (CPL on
the k-sparse points only), both taken at the threshold's row. Vacuous rows stay vacuous in the
verdicts; their observations still enter the threshold as a measurement. A *censored* threshold
is the smallest k/k* tried (the bound may hold below it): its C is only an upper estimate.
`family_parameter` is the chosen β/α_global for CPLQuadratic and the correlation c for
DecoyBlockQuadratic, whose decoys trap IHT when c·√m > 1 (designed trap at
k/k* = 1 + d/m = {trap})."""


def _empirical_c_summary(c_table: pd.DataFrame) -> str:
    if not len(c_table):
        return "No Theorem-1 rows."
    found = c_table[c_table["empirical_threshold_k_over_kstar"].notna()]
    measured = found[~found["threshold_censored"]]
    spread = (f"uncensored empirical C ranges over [{measured['c_empirical_global'].min():.3g}, "
              f"{measured['c_empirical_global'].max():.3g}] with the global α and "
              f"[{measured['c_empirical_sparse'].min():.3g}, {measured['c_empirical_sparse'].max():.3g}] "
              "with the sparse α" if len(measured) else "no threshold is uncensored")
    return (f"The bound holds from some k/k* on in {len(found)} of {len(c_table)} groups, "
            f"{len(found) - len(measured)} of them already at the smallest k/k* tried (censored); {spread}. "
            f"Theory requirement C·(β/α)² at the threshold: median "
            f"{found['required_k_over_kstar_global'].median():.3g} (global α), "
            f"{found['required_k_over_kstar_sparse'].median():.3g} (sparse α).")


def build_report(table: pd.DataFrame, phase: pd.DataFrame, config: VerifyConfig, preset: str,
                 revision: str, skipped: Sequence[str], figures: Sequence[str]) -> str:
    """Markdown text of the report.

    Parameters
    ----------
    table : pandas.DataFrame
        The run's table (:func:`iht.theory.runner.run_grid`).
    phase : pandas.DataFrame
        Phase-transition cells (:func:`iht.theory.phase_transition.run_phase_transition`).
    config : VerifyConfig
        The configuration that produced them.
    preset : str
        Name of the preset (or ``"custom"``).
    revision : str
        Git revision of the code.
    skipped : sequence of str
        Grid points that do not exist.
    figures : sequence of str
        File names of the figures, linked from the report.
    """
    counts = verdict_counts(table)
    c_table = empirical_c(table)
    theorem1 = table[table["bound"] == "theorem1"]
    holds = theorem1[theorem1["hypotheses_hold"]]
    lines = [
        "# Theory verification report",
        "",
        f"Preset `{preset}`, seed {config.seed}, git revision `{revision}`. Instances: "
        f"{table['instance'].nunique()} ({len(skipped)} grid points skipped), {config.n_seeds} seeds "
        f"per stochastic solver, UCB `{config.ucb_method}` at 1 − δ = {1 - config.delta:g}, "
        f"C = {config.C:g}, CPL scope `{config.alpha_scope}`. Full table: `table.csv`.",
        "",
        "## Verdicts",
        "",
        markdown_table(counts),
        "",
        "## Tightness of Theorem 1",
        "",
        f"- median observed/bound over all Theorem-1 rows: {median_ratio(table):.3g}",
        f"- median observed/bound where the hypotheses hold: "
        f"{median_ratio(table, verdicts=('verified', 'violated')):.3g} ({len(holds)} rows)",
        f"- largest UCB/bound where the hypotheses hold: "
        f"{holds['ucb_ratio'].max() if len(holds) else float('nan'):.3g}",
        "",
        "## Empirical C",
        "",
        EMPIRICAL_C_TEXT.format(scope=config.alpha_scope,
                                trap=f"{1 + config.decoy_decoys / config.decoy_signals:g}"),
        "",
        _empirical_c_summary(c_table),
        "",
        "Per family and solver (medians over the uncensored thresholds):",
        "",
        markdown_table(family_summary(c_table)),
        "",
        f"Per group (all columns in `empirical_c.csv`; C = {config.C:g}):",
        "",
        markdown_table(c_table[EMPIRICAL_C_REPORT_COLUMNS]),
        "",
        "## Where the bounds say nothing (failed hypotheses)",
        "",
        *(_failure_lines(table) or ["- none"]),
        "",
        "## Compressed sensing phase transition",
        "",
        markdown_table(phase.pivot(index="rho", columns="delta", values="rate").reset_index())
        if len(phase) else "(no cells)",
        "",
        "Rows: ρ = k*/n; columns: δ = n/N; entries: fraction of trials NIHT recovered θ*. "
        f"Trials where NIHT raised (counted as not recovered): "
        f"{int(phase['n_errors'].sum()) if len(phase) else 0} (see `phase_transition.csv`).",
        "",
        "## Figures",
        "",
        *(f"![{name}]({name})" for name in figures),
        "",
        "## Caveats",
        "",
        CAVEATS,
    ]
    if skipped:
        lines += ["## Skipped grid points", "", *(f"- {text}" for text in skipped), ""]
    return "\n".join(lines)
