"""Figures of a verification run (matplotlib, Agg backend, PNG), drawn from its tables only.

=========================  ===================================================================
``convergence.png``        mean gap per iteration against Theorem 1's ``ε + 16σ²/α``
``ratios.png``             observed mean / bound against the bound, per Theorem-1 row (paper's hypothesis)
``noise_slope.png``        fitted slope of the stationary gap in σ² against 16/α, per oracle
``iterations.png``         iterations to reach ε against (β/α)·ln(gap₀/ε), with the fit and envelope
``refuted_c.png``          lower confidence bound / bound against c_row: the C each row refutes
``phase_transition.png``   NIHT recovery rate over the Donoho–Tanner plane (δ = n/N, ρ = k*/n)
=========================  ===================================================================

Log axes are labelled at 1, 2, (3,) 5 × 10ⁿ when they span at most two decades (one) and at powers
of ten otherwise, never at the other minor ticks (their labels overlapped); legends list only what is drawn.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import Collection
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

#: Colour of each verdict in the scatter plots.
VERDICT_COLOURS = {"verified": "tab:green", "uninformative": "tab:olive", "violated": "tab:red",
                   "vacuous": "tab:gray", "refuted": "tab:purple"}

#: Marker of each stochastic solver.
SOLVER_MARKERS = {"stochastic_iht": "o", "acdc_iht": "s"}


#: Range of the log axes: zeros are drawn at the bottom, non-finite values (diverged runs) at the top.
LOG_RANGE = (1e-18, 1e30)


def _loggable(values: pd.Series | np.ndarray) -> np.ndarray:
    """``values`` clipped to :data:`LOG_RANGE`, NaN and ±inf at the top (a diverged run)."""
    array = np.asarray(values, dtype=np.float64)
    finite = np.nan_to_num(array, nan=LOG_RANGE[1], posinf=LOG_RANGE[1], neginf=LOG_RANGE[1])
    return np.clip(finite, *LOG_RANGE)


#: Largest span (decades) of a log axis labelled at 1, 2 and 5 × 10ⁿ; wider ones at powers of ten only.
DENSE_TICK_DECADES = 2.0


def _log_ticks(axis: matplotlib.axis.Axis) -> None:
    """Plain labels (``%g``) at 1, 2, 3, 5 × 10ⁿ on a log axis spanning at most one decade, at 1, 2,
    5 × 10ⁿ up to :data:`DENSE_TICK_DECADES` decades, at powers of ten otherwise; no minor tick labels."""
    low, high = sorted(axis.get_view_interval())
    decades = math.log10(high / low) if low > 0 else math.inf
    subs = (1.0,) if decades > DENSE_TICK_DECADES else (1, 2, 5) if decades > 1 else (1, 2, 3, 5)
    axis.set_major_locator(LogLocator(subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _legend(ax: plt.Axes, **kwargs: object) -> None:
    """The legend of what ``ax`` draws: an empty scatter, or a label already listed, gets no entry."""
    handles, labels = [], []
    for handle, label in zip(*ax.get_legend_handles_labels()):
        empty = isinstance(handle, Collection) and not len(handle.get_offsets())
        if not empty and label not in labels:
            handles.append(handle)
            labels.append(label)
    if handles:
        ax.legend(handles, labels, **kwargs)


def _save(fig: plt.Figure, path: Path) -> Path:
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                _log_ticks(axis)
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
    rows = table[(table["bound"] == "theorem1") & (table["hypothesis"] == "paper")]
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
            ax.semilogy(curve["iteration"], _loggable(curve["gap"]), label=row["solver"])
        if len(chosen):
            ax.axhline(chosen["bound_value"].iloc[0], color="k", ls="--", label="ε + 16σ²/α")
            ax.set_title(f"{FAMILY_LABELS.get(family, family)} N={dim}, "
                         f"{PARAMETER_LABELS.get(family, 'parameter')}={parameter:g}\n"
                         f"k/k*={chosen['k_ratio'].iloc[0]:g}, σ={chosen['sigma'].iloc[0]:g}", fontsize=8)
        ax.set_xlabel("iteration")
    for ax in axes[:, 0]:
        ax.set_ylabel("mean f(θ_t) − f*")
    _legend(axes[0][0], fontsize=7)
    return _save(fig, path)


def ratio_figure(table: pd.DataFrame, path: Path) -> Path:
    """Observed mean / bound of every Theorem-1 row (paper's hypothesis) against the bound
    ``ε + 16σ²/α`` itself, coloured by verdict, one marker per solver (log-log): how close each row
    comes to its bound, from the noiseless rows (bound ε) to the noise-dominated ones. Rows without
    a bound (no certified α) are counted in the title."""
    rows = table[(table["bound"] == "theorem1") & (table["hypothesis"] == "paper")]
    drawn = rows[np.isfinite(rows["bound_value"]) & (rows["bound_value"] > 0)]
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    for (solver, verdict), group in drawn.groupby(["solver", "verdict"]):
        ax.scatter(group["bound_value"], _loggable(np.maximum(group["ratio"], 1e-12)), s=14,
                   label=f"{solver}: {verdict}", alpha=0.8,
                   marker=SOLVER_MARKERS.get(solver, "o"), color=VERDICT_COLOURS.get(verdict, "k"))
    ax.axhline(1.0, color="k", ls="--", lw=1, label="observed = bound")
    ax.set_yscale("log")
    if len(drawn):
        ax.set_xscale("log")
    ax.set_xlabel("bound ε + 16σ²/α (ε alone at σ = 0)")
    ax.set_ylabel("observed mean / bound\n(0 drawn at 1e-12, diverged at 1e30)", fontsize=8)
    missing = len(rows) - len(drawn)
    ax.set_title("Theorem 1, paper's hypothesis" + (f" ({missing} rows without a bound not drawn)"
                                                     if missing else ""), fontsize=9)
    _legend(ax, fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, path)


#: Marker of each oracle in the σ² figure.
ORACLE_MARKERS = {"isotropic": "o", "support": "^"}


def slope_figure(slopes: pd.DataFrame, path: Path) -> Path:
    """Fitted slope ``b`` of the stationary gap ``G ≈ b·σ²`` against ``16/α``, per oracle.

    Points below the diagonal ``b = 16/α`` respect Theorem 1's noise floor; colour: verdict.
    """
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for (oracle, verdict), group in slopes.groupby(["oracle", "verdict"]) if len(slopes) else []:
        ax.scatter(group["sixteen_over_alpha"], _loggable(group["slope"]),
                   marker=ORACLE_MARKERS.get(oracle, "o"),
                   color=VERDICT_COLOURS.get(verdict, "k"), alpha=0.8, label=f"{oracle}: {verdict}")
    if len(slopes):
        reference = np.geomspace(slopes["sixteen_over_alpha"].min(), slopes["sixteen_over_alpha"].max(), 20)
        ax.loglog(reference, reference, "k--", lw=1, label="b = 16/α (Theorem 1)")
        _legend(ax, fontsize=7)
    ax.set_xlabel("16/α")
    ax.set_ylabel("fitted slope b of G ≈ b·σ²")
    ax.set_title("stationary gap of stochastic IHT against σ²", fontsize=9)
    return _save(fig, path)


def iteration_figure(iterations: pd.DataFrame, path: Path) -> Path:
    """Iterations to reach ε against ``(β/α)·ln(gap₀/ε)`` (paper's α), with the fitted line and the
    envelope; crosses mark flagged instances, grey points those whose hypotheses fail."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    rows = iterations[iterations["hypothesis"] == "paper"] if len(iterations) else iterations
    if len(rows):
        reached = rows[~rows["censored"] & np.isfinite(rows["scale"])]
        held, other = reached[reached["hypotheses_hold"]], reached[~reached["hypotheses_hold"]]
        ax.scatter(other["scale"], other["iterations"], s=10, color="tab:gray", label="hypotheses fail")
        ax.scatter(held["scale"], held["iterations"], s=14, color="tab:blue", label="hypotheses hold")
        flagged = rows[rows["flagged"] & np.isfinite(rows["scale"]) & (rows["scale"] > 0)]
        ax.scatter(flagged["scale"], flagged["iterations"].fillna(flagged["budget"]), marker="x",
                   color="tab:red", label="flagged (ε not reached: drawn at the budget)")
        fitted = rows["fitted_constant"].dropna()
        if len(fitted) and len(held):
            xs = np.geomspace(held["scale"].min(), held["scale"].max(), 20)
            ax.plot(xs, fitted.iloc[0] * xs, "k-", lw=1, label=f"fit c={fitted.iloc[0]:.3g}")
            ax.plot(xs, rows["envelope_constant"].dropna().iloc[0] * xs, "k--", lw=1, label="envelope")
        if len(reached[reached["scale"] > 0]) or len(flagged):
            ax.set_xscale("log")
            ax.set_yscale("symlog", linthresh=1)
            # counts are >= 0: no negative half, room above the largest (symlog's autoscale got both wrong)
            drawn = pd.concat([reached["iterations"], flagged["iterations"].fillna(flagged["budget"])])
            ax.set_ylim(0, 2 * max(float(drawn.max()), 1.0))
        _legend(ax, fontsize=7)
    ax.set_xlabel("(β/α)·ln(gap₀/ε)")
    ax.set_ylabel("iterations of IHT to reach ε")
    return _save(fig, path)


def refuted_c_figure(table: pd.DataFrame, path: Path) -> Path:
    """Theorem-1 rows: lower confidence bound / bound against ``c_row = k/(k*(β/α)²)``, one panel per
    hypothesis. A point above 1 refutes every ``C ≤ c_row``: the largest C refuted is the rightmost
    point above the line."""
    rows = table[table["bound"] == "theorem1"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), squeeze=False)
    for ax, hypothesis in zip(axes[0], ("paper", "relaxed")):
        panel = rows[(rows["hypothesis"] == hypothesis) & rows["c_row"].notna() & (rows["bound_value"] > 0)]
        for (family, solver), group in panel.groupby(["family", "solver"]):
            ratio = np.maximum(group["observed_lcb"] / group["bound_value"], 1e-12)
            ax.scatter(group["c_row"], _loggable(ratio), s=10, marker=SOLVER_MARKERS.get(solver, "o"),
                       alpha=0.7, label=f"{FAMILY_LABELS.get(family, family)}, {solver}")
        ax.axhline(1.0, color="k", ls="--", lw=1)
        if len(panel):
            ax.set_xscale("log")
            ax.set_yscale("log")
            _legend(ax, fontsize=6)
        ax.set_xlabel("c_row = k/(k*·(β/α)²)")
        ax.set_ylabel("LCB of E[gap] / (ε + 16σ²/α)")
        ax.set_title(f"{hypothesis} hypothesis: above 1 refutes C ≤ c_row", fontsize=9)
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
