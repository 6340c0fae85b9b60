"""Figures of a verification run (matplotlib, Agg backend, PNG), drawn from its tables only.

=========================  ===================================================================
``convergence.png``        mean gap per iteration against Theorem 1's ``ε + 16σ²/α``
``ratios.png``             observed mean / bound per instance, by verdict
``rates.png``              measured ``−ln ρ`` per iteration against β/α (theory: order α/β)
``empirical_c.png``        smallest k/k* at which the bound holds, against ``C·(β/α)²`` (global, sparse α)
``phase_transition.png``   NIHT recovery rate over the Donoho–Tanner plane (δ = n/N, ρ = k*/n)
=========================  ===================================================================
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

#: Colour of each verdict in the scatter plots.
VERDICT_COLOURS = {"verified": "tab:green", "violated": "tab:red", "vacuous": "tab:gray"}

#: Solver whose rate curves get an ∝ α/β guide line.
STOCHASTIC_REFERENCE = "stochastic_iht"

#: Marker of each stochastic solver.
SOLVER_MARKERS = {"stochastic_iht": "o", "acdc_iht": "s"}


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


#: Most panels per row of the convergence figure.
PANELS_PER_ROW = 5

#: Short name of each family in titles and legends.
FAMILY_LABELS = {"CPLQuadratic": "CPL", "DecoyBlockQuadratic": "decoy"}

#: Name of each family's grid knob (``family_parameter``) in titles.
PARAMETER_LABELS = {"CPLQuadratic": "β/α", "DecoyBlockQuadratic": "c"}


def convergence_figure(table: pd.DataFrame, curves: pd.DataFrame, path: Path) -> Path:
    """Mean gap curves per (family, N, family parameter), with the bound.

    Each panel shows the smallest-k, largest-σ instance: the hardest for the solvers.
    """
    rows = table[table["bound"] == "theorem1"]
    panels = sorted(rows.groupby(["family", "dim", "family_parameter"]).groups)
    n_rows = max(1, -(-len(panels) // PANELS_PER_ROW))
    n_cols = max(1, min(len(panels), PANELS_PER_ROW))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.2 * n_cols, 3.0 * n_rows), squeeze=False,
                             sharey=True)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (family, dim, parameter) in zip(axes.flat, panels):
        panel = rows[(rows["family"] == family) & (rows["dim"] == dim)
                     & (rows["family_parameter"] == parameter)]
        chosen = panel[(panel["k_ratio"] == panel["k_ratio"].min())
                       & (panel["sigma"] == panel["sigma"].max())]
        for _, row in chosen.iterrows():
            curve = curves[(curves["instance"] == row["instance"]) & (curves["solver"] == row["solver"])]
            ax.semilogy(curve["iteration"], np.maximum(curve["gap"], 1e-18), label=row["solver"])
        if len(chosen):
            ax.axhline(chosen["bound_value"].iloc[0], color="k", ls="--", label="ε + 16σ²/α")
            ax.set_title(f"{FAMILY_LABELS.get(family, family)} N={dim}, "
                         f"{PARAMETER_LABELS.get(family, 'parameter')}={parameter:g}\n"
                         f"k/k*={chosen['k_ratio'].iloc[0]:g}, σ={chosen['sigma'].iloc[0]:g}", fontsize=8)
        ax.set_xlabel("iteration")
    for ax in axes[:, 0]:
        ax.set_ylabel("mean f(θ_t) − f*")
    axes[0][0].legend(fontsize=7)
    return _save(fig, path)


def ratio_figure(table: pd.DataFrame, path: Path) -> Path:
    """Observed mean / bound of every Theorem-1 row, coloured by verdict (log scale)."""
    rows = table[table["bound"] == "theorem1"].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for (solver, verdict), group in rows.groupby(["solver", "verdict"]):
        ax.scatter(group.index, np.maximum(group["ratio"], 1e-12), s=14, label=f"{solver}: {verdict}",
                   marker=SOLVER_MARKERS.get(solver, "o"), color=VERDICT_COLOURS.get(verdict, "k"))
    ax.axhline(1.0, color="k", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("Theorem-1 row")
    ax.set_ylabel("observed mean / (ε + 16σ²/α)\n(0 drawn at 1e-12)", fontsize=8)
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)


def rate_figure(table: pd.DataFrame, path: Path) -> Path:
    """Median per-iteration ``−ln ρ`` against β/α per (solver, N) at the smallest σ, with ∝ α/β guides.

    At fixed N the theory's iteration count ``(β/α)·ln(gap_0/ε)`` predicts ``−ln ρ`` of order α/β
    (slope −1 on log-log axes); the constant may differ between N.
    """
    rows = table[(table["bound"] == "theorem1") & np.isfinite(table["rate"]) & (table["rate"] < 1)]
    rows = rows[rows["sigma"] == rows["sigma"].min()]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for (solver, family, dim), group in rows.groupby(["solver", "family", "dim"]):
        summary = group.groupby("condition")["rate"].median()
        speed = -np.log(summary.to_numpy())
        line, = ax.loglog(summary.index, speed, marker=SOLVER_MARKERS.get(solver, "o"),
                          label=f"{solver}, {FAMILY_LABELS.get(family, family)}, N={dim}")
        if solver == STOCHASTIC_REFERENCE:
            conditions = summary.index.to_numpy(dtype=float)
            ax.loglog(conditions, speed[0] * conditions[0] / conditions, ls=":", color=line.get_color(), lw=1)
    ax.set_xlabel("β/α")
    ax.set_ylabel("−ln ρ per iteration")
    title = f"σ={rows['sigma'].min():g}; dotted: ∝ α/β" if len(rows) else "no measurable rate"
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=6)
    return _save(fig, path)


def empirical_c_figure(c_table: pd.DataFrame, C: float, path: Path) -> Path:
    """Empirical threshold k/k* against the requirement ``C·(β/α)²``, for the global and sparse α.

    One panel per α; x: ``β/α`` at the threshold's row; marker: solver; colour: family. Hollow
    markers are censored thresholds (the bound already holds at the smallest k/k* tried: an upper
    estimate); groups without a threshold are not drawn.
    """
    families = sorted(c_table["family"].unique()) if len(c_table) else []
    colours = dict(zip(families, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), squeeze=False)
    for ax, scope in zip(axes[0], ("global", "sparse")):
        x_column = f"beta_over_alpha_{scope}"
        found = c_table[c_table["empirical_threshold_k_over_kstar"].notna() & c_table[x_column].notna()]
        for (family, solver, censored), group in found.groupby(["family", "solver", "threshold_censored"]):
            colour = colours[family]
            ax.scatter(group[x_column], group["empirical_threshold_k_over_kstar"],
                       marker=SOLVER_MARKERS.get(solver, "o"), alpha=0.8, edgecolors=colour,
                       facecolors="none" if censored else colour,
                       label=f"{FAMILY_LABELS.get(family, family)}, {solver}"
                             f"{' (censored)' if censored else ''}")
        if len(found):
            conditions = np.geomspace(found[x_column].min(), found[x_column].max(), 50)
            ax.loglog(conditions, C * conditions**2, "k--", lw=1, label=f"theory: C·(β/α)², C={C:g}")
        ax.set_xlabel(f"β/α_{scope} (certified α)")
        ax.set_ylabel("empirical threshold k/k*")
        ax.set_title(f"CPL constant: {scope}", fontsize=9)
        ax.legend(fontsize=6)
    return _save(fig, path)


def phase_transition_figure(cells: pd.DataFrame, path: Path) -> Path:
    """Recovery rate per (δ, ρ) cell as a heat map (cells not run are blank)."""
    grid = cells.pivot(index="rho", columns="delta", values="rate").sort_index()
    fig, ax = plt.subplots(figsize=(4.8, 3.8))
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap="viridis", vmin=0, vmax=1,
                      aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"{d:g}" for d in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{r:g}" for r in grid.index])
    ax.set_xlabel("δ = n/N")
    ax.set_ylabel("ρ = k*/n")
    ax.set_title(f"NIHT recovery rate, N={int(cells['dim'].iloc[0])}", fontsize=9)
    fig.colorbar(image, ax=ax, label="recovered fraction")
    return _save(fig, path)
