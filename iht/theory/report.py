"""The markdown report of a verification run, written from its tables.

Every section says what was checked, how many rows are informative (not vacuous, and not passed
by a solver that does nothing), and what would have made it fail. No cell is left as a
placeholder: a quantity that cannot be computed is replaced by a sentence saying why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pandas as pd

from iht.tables import markdown_table
from iht.theory.bounds import theorem1_dimension_limit
from iht.theory.config import VerifyConfig
from iht.theory.hypotheses import VERDICTS
from iht.theory.summary import (
    non_vacuous_instances,
    refuted_c,
    refuted_c_summary,
    verdict_counts,
    violation_lines,
)

#: Numbers in failure messages, replaced by ``#`` to group the messages by kind.
NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?:e[-+]?\d+)?")

#: The CPL constant each hypothesis uses, as the report names it.
ALPHA_LABELS = {"paper": "α_global (CPL for all θ)", "relaxed": "α_sparse (CPL on k-sparse θ)"}

#: How many distinct failed hypotheses the report lists.
TOP_FAILURES = 8

CAVEATS = """\
- **CPL with the square.** The paper prints ``||T_r(∇f)|| ≥ (α/2)(f − f*)``; it is read as
  ``||T_r(∇f)||² ≥ (α/2)(f − f*)`` (the only reading under which β/α is dimensionless and 16σ²/α
  has the units of f; docs/theory.md).
- **C and the O-constant are unknown.** Theorem 1 needs ``k ≥ C·k*·(β/α)²`` for an unspecified C
  (the run assumes the C in the config; the refuted-C tables do not) and gives its iteration count
  up to a constant (the stochastic runs use ``iteration_factor·(β/α)·ln(gap₀/ε)`` iterations).
- **Constants.** CPLQuadratic: β and the global α exact. DecoyBlockQuadratic: β exact
  (enumeration of the principal submatrices of its blocks), both α certified lower bounds. Every
  claimed α is cross-checked against sampled CPL ratios; every claimed σ² against a Monte Carlo
  measurement of the oracle.
- **AC/DC** is checked against Theorem 1's value: the paper's Corollary 1 covers an AC/DC-like
  variant with bounds "no better than Theorem 1", but its constants are not available here. Its
  rows record the steps actually run (`n_iter`) next to the target (`n_iter_target`).
- **Statistics.** Theorem-1 rows: one-sided UCB at 1 − δ per row (a row far below its bound is
  not at risk of a false alarm; a row near it is). σ² rows: Bonferroni-corrected over the rows.
  Descent and JTK rows are deterministic (exact comparison up to float64 rounding).
"""


def _failure_lines(rows: pd.DataFrame) -> list[str]:
    """Failed hypotheses grouped by kind, each number shown as the range it takes over the rows."""
    numbers: dict[str, list[list[float]]] = {}
    for text in rows.loc[rows["failures"] != "", "failures"]:
        for failure in text.split("; "):
            numbers.setdefault(NUMBER.sub("#", failure), []).append(
                [float(m) for m in NUMBER.findall(failure)])
    lines = []
    for kind, values in sorted(numbers.items(), key=lambda item: -len(item[1]))[:TOP_FAILURES]:
        parts = kind.split("#")
        columns = list(zip(*values))
        text = parts[0] + "".join(
            f"{min(c):g}" + (f"–{max(c):g}" if max(c) > min(c) else "") + part
            for c, part in zip(columns, parts[1:]))
        lines.append(f"- {len(values)} row(s): {text}")
    return lines or ["- none"]


def _fmt(value: float, missing: str) -> str:
    return missing if pd.isna(value) else f"{value:.3g}"


def _informative(rows: pd.DataFrame) -> int:
    return int(rows["verdict"].isin(["verified", "violated", "refuted"]).sum())


def _theorem1_section(table: pd.DataFrame, hypothesis: str) -> list[str]:
    rows = table[(table["bound"] == "theorem1") & (table["hypothesis"] == hypothesis)]
    checked = rows[rows["verdict"].isin(["verified", "violated", "refuted"])]
    ratio = (f"median observed/bound over these {len(checked)} rows: {checked['ratio'].median():.3g}; "
             f"largest UCB/bound: {checked['ucb_ratio'].max():.3g}" if len(checked)
             else "no informative row, so no tightness to report")
    return [
        f"Checked: the one-sided upper confidence bound on E[f(θ_T) − f*] over the seeds against "
        f"ε + 16σ²/α, α = {ALPHA_LABELS[hypothesis]}; "
        "the returned θ is k-sparse; the claimed α is below a measured upper bound on the CPL ratio; "
        "the claimed σ² is not below the oracle's measured variance. "
        f"{len(rows)} rows, {_informative(rows)} informative (hypotheses hold and the bound is below "
        f"the do-nothing gap f(θ₀) − f*); {ratio}.",
        "",
        "Would have failed: a UCB above ε + 16σ²/α on a row whose hypotheses hold, any returned θ "
        "with more than k non-zeros, a diverged run, or a contradicted constant.",
    ]


STRUCTURAL_TEXT = """\
For CPL "for all θ" (the paper's assumption 4, read with the square) on a positive-definite
quadratic f = ½ dᵀHd + f*, the points θ* + H⁻¹v with sign vectors v give ‖T_{{k*}}(∇f)‖² = k* and
f − f* = ½ vᵀH⁻¹v, whose average over the signs is ½ tr(H⁻¹) ≥ N/(2β₁) (β₁ = max_i H_ii). Hence
α ≤ 4k*/tr(H⁻¹) ≤ 4k*β₁/N, and Theorem 1's k ≥ C·k*·(β/α)² ≥ C·N²/(16k*) can hold with k < N
only when N < 16k*/C (derivation: docs/theory.md). With C = {C:g}: N < {limits}."""


def _structural_section(table: pd.DataFrame, config: VerifyConfig) -> list[str]:
    rows = table[(table["bound"] == "theorem1") & (table["hypothesis"] == "paper")]
    vacuous = rows[rows["verdict"] == "vacuous"]
    beyond = vacuous[vacuous["dim"] >= 16 * vacuous["k_star"] / config.C]
    exceeded = int((rows["alpha_global"] > rows["alpha_structural_limit"] * (1 + 1e-9)).sum())
    k_stars = sorted(set(rows["k_star"]))
    limits = ", ".join(f"{theorem1_dimension_limit(k, config.C):g} for k* = {k}" for k in k_stars)
    return [
        STRUCTURAL_TEXT.format(C=config.C, limits=limits or "(no rows)"),
        "",
        f"Vacuous Theorem-1 rows (paper's hypothesis): {len(vacuous)} of {len(rows)}; "
        f"{len(beyond)} of them have N ≥ 16k*/C, where no quadratic can meet the hypotheses. "
        f"Rows whose claimed α_global exceeds 4k*β₁/N: {exceeded} (any would be a violation).",
    ]


def _slope_section(slopes: pd.DataFrame) -> list[str]:
    if not len(slopes):
        return ["No instance ran the σ² check (empty `slope.grids`)."]
    summary = slopes.groupby(["oracle", "verdict"]).size().unstack("verdict", fill_value=0).reset_index()
    checked = slopes[slopes["verdict"] != "vacuous"]
    by_oracle = checked.groupby("oracle")[["slope_over_bound", "exponent"]].median().reset_index()
    by_oracle.columns = ["oracle", "median slope/(16/α)", "median exponent p"]
    table = slopes[["instance", "dim", "k", "k_star", "oracle", "slope", "sixteen_over_alpha", "exponent",
                    "exponent_se", "max_ucb_over_bound", "verdict"]]
    return [
        "Checked, per instance and oracle: the stationary gap of stochastic IHT at σ² ∈ "
        f"{json.loads(slopes['sigma2'].iloc[0])}, {int(slopes['n_seeds'].iloc[0])} seeds each, "
        "against ε + 16σ²/α; the slope b of G ≈ b·σ² next to 16/α; the exponent p of G ∝ (σ²)^p. "
        "Oracles: `isotropic` (noise spread over all N coordinates) and `support` (all the noise on "
        "the support of the current iterate, σ² still exact). "
        f"{len(slopes)} rows, {_informative(slopes)} informative.",
        "",
        "Would have failed: a stationary gap above ε + 16σ²/α, a slope whose lower confidence bound "
        "exceeds 16/α, or an exponent whose lower confidence bound exceeds 1 (Bonferroni-corrected "
        "Student-t bounds over the rows); a non-k-sparse θ; a contradicted σ².",
        "",
        markdown_table(summary),
        "",
        markdown_table(by_oracle) if len(by_oracle) else "No non-vacuous row.",
        "",
        "<details><summary>Per instance (all rows in `slopes.csv`)</summary>",
        "",
        markdown_table(table),
        "",
        "</details>",
    ]


def _iteration_section(iterations: pd.DataFrame, hypothesis: str) -> list[str]:
    rows = iterations[iterations["hypothesis"] == hypothesis] if len(iterations) else iterations
    if not len(rows):
        return ["No deterministic run."]
    held = rows[rows["hypotheses_hold"]]
    fitted = held["fitted_constant"].dropna()
    flagged = held[held["flagged"]]
    if len(fitted):
        fit = (f"fitted constant c = {fitted.iloc[0]:.3g} (T ≈ c·(β/α)·ln(gap₀/ε)), upper envelope "
               f"{held['envelope_constant'].dropna().iloc[0]:.3g}; {len(flagged)} of {len(held)} "
               "instances flagged (above the envelope, or ε not reached within the budget)")
    else:
        fit = f"no fit: fewer than 3 usable rows among the {len(held)} whose hypotheses hold"
    lines = [
        "Checked: the iterations T deterministic IHT needs to reach ε = "
        "ε-fraction·gap₀, against (β/α)·ln(gap₀/ε), on the instances whose hypotheses hold "
        f"({len(held)} of {len(rows)}); {fit}. A flag is not a violation: the theorem's O-constant is "
        "unknown. Would have flagged: an instance needing more iterations than the envelope.",
    ]
    if len(flagged):
        lines += ["", markdown_table(flagged[["instance", "dim", "k", "condition", "scale", "iterations",
                                              "budget", "censored", "ratio"]])]
    return lines


def _refuted_section(table: pd.DataFrame, hypothesis: str) -> list[str]:
    c_table = refuted_c(table)
    c_table = c_table[c_table["hypothesis"] == hypothesis]
    if not len(c_table):
        return ["No Theorem-1 rows."]
    refuted = c_table[c_table["largest_refuted_c"].notna()]
    lines = [
        "A row with projection size k meets k ≥ C·k*·(β/α)² for every C ≤ c_row = k/(k*·(β/α)²); when "
        "its lower confidence bound on E[f(θ_T) − f*] exceeds ε + 16σ²/α it refutes all those C. "
        "The table gives the largest C refuted per family and solver; `≥` marks a value censored at the "
        "largest k tried (a larger k might refute a larger C). "
        f"{len(refuted)} of {len(c_table)} groups refute some C.",
        "",
        markdown_table(refuted_c_summary(c_table)),
    ]
    if len(refuted):
        lines += ["", markdown_table(refuted[["family", "solver", "dim", "family_parameter", "sigma",
                                              "refuting_k", "k_max_tried", "largest_refuted_c", "censored",
                                              "trap_k_ratio"]])]
    return lines


def _exact_section(table: pd.DataFrame, bound: str, checked: str, fails: str) -> list[str]:
    rows = table[table["bound"] == bound]
    counts = rows["verdict"].value_counts()
    return [f"Checked: {checked} {len(rows)} rows: "
            + ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS if v != "refuted")
            + f". Would have failed: {fails}"]


def build_report(table: pd.DataFrame, phase: pd.DataFrame, config: VerifyConfig, preset: str,
                 revision: str, skipped: Sequence[str], figures: Sequence[str],
                 slopes: pd.DataFrame | None = None, iterations: pd.DataFrame | None = None,
                 seconds: float | None = None) -> str:
    """Markdown text of the report.

    Parameters
    ----------
    table, slopes, iterations : pandas.DataFrame
        The run's tables (:class:`iht.theory.runner.GridResult`).
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
    seconds : float, optional
        Wall time of the run.
    """
    slopes = pd.DataFrame() if slopes is None else slopes
    iterations = pd.DataFrame() if iterations is None else iterations
    violations = violation_lines(table, slopes)
    relaxed = table[table["hypothesis"] == "relaxed"]
    timing = f" Run time {seconds:.0f} s." if seconds is not None else ""
    lines = [
        "# Theory verification report",
        "",
        f"Preset `{preset}`, seed {config.seed}, git revision `{revision}`.{timing} Instances: "
        f"{table['instance'].nunique()} ({len(skipped)} grid points skipped), {config.n_seeds} seeds "
        f"per stochastic solver, UCB `{config.ucb_method}` at 1 − δ = {1 - config.delta:g}, "
        f"C = {config.C:g}. Tables: `table.csv`, `slopes.csv`, `iterations.csv`, `refuted_c.csv`.",
        "",
        f"**{len(violations)} violated row(s).** Instances with a non-vacuous verdict under the paper's "
        f"hypotheses (Theorem 1 or the σ² check): {non_vacuous_instances(table, slopes)}.",
        "",
        *(f"- {line}" for line in violations),
        *([""] if violations else []),
        "## Verdicts (the paper's hypotheses)",
        "",
        "verified: hypotheses hold, the bound is below what a do-nothing solver gets, observation "
        "below the bound; uninformative: a do-nothing solver would pass too; vacuous: a hypothesis "
        "fails (listed below); violated: bound exceeded, or an exact check failed.",
        "",
        markdown_table(verdict_counts(table, "paper")),
        "",
        "## The structural limit of CPL for all θ",
        "",
        *_structural_section(table, config),
        "",
        "Failed hypotheses (paper), by kind:",
        "",
        *_failure_lines(table[table["hypothesis"] == "paper"]),
        "",
        "## Theorem 1 (paper's hypothesis)",
        "",
        *_theorem1_section(table, "paper"),
        "",
        "## Sharp check: stationary gap against σ²",
        "",
        *_slope_section(slopes),
        "",
        "## Sharp check: iterations to reach ε",
        "",
        *_iteration_section(iterations, "paper"),
        "",
        "## The largest C the data refute (paper's α)",
        "",
        *_refuted_section(table, "paper"),
        "",
        "## Descent lemma and Jain–Tewari–Kar",
        "",
        *_exact_section(table, "descent", "every step of deterministic IHT with η ≤ 1/β ends at or below "
                        "the majorise-minimise value min_{‖z‖₀≤k} Q(z; θ_t) − ½(1/η − β)‖θ_{t+1} − θ_t‖², "
                        "computed independently of the solver (Blumensath & Davies 2008);",
                        "any step above it by more than float rounding, a non-k-sparse iterate. A solver "
                        "that does nothing fails it wherever θ_t is not stationary."),
        "",
        *_exact_section(table, "jtk2014", "final gap of deterministic IHT against ε under the requirement "
                        "k ≥ 32(L/α)²k* at level 2k + k*. This statement is a paraphrase (source: the "
                        "statement in docs/theory.md, citing Jain, Tewari & Kar, NeurIPS 2014; constant, "
                        "sparsity level and step size not confirmed against the paper);",
                        "a final gap above ε where the requirement holds."),
        "",
        "## Relaxed hypothesis: CPL on k-sparse points only (not the paper's assumption)",
        "",
        "These rows replace α_global by α_sparse, the CPL constant over the k-sparse points IHT visits. "
        "They test a conjecture, not Theorem 1: an exceeded bound is `refuted`, not `violated` (exact "
        "checks still give `violated`).",
        "",
        markdown_table(verdict_counts(relaxed, "relaxed")) if len(relaxed) else "No relaxed rows.",
        "",
        *_theorem1_section(table, "relaxed"),
        "",
        "Iterations to ε with α_sparse: " + " ".join(_iteration_section(iterations, "relaxed")),
        "",
        "Largest C refuted with α_sparse:",
        "",
        *_refuted_section(table, "relaxed"),
        "",
        "## Compressed sensing phase transition",
        "",
        markdown_table(phase.pivot(index="rho", columns="delta", values="rate").reset_index())
        if len(phase) else "(no cells)",
        "",
        "A measurement, not a verdict (no theorem here states the transition): rows: ρ = k*/n; "
        "columns: δ = n/N; entries: fraction of trials NIHT recovered θ*. "
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
