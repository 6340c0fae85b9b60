"""Figure 1 of Peste et al. (NeurIPS 2021): sparsity and validation accuracy against epoch.

Compressed phases are shaded and the dense fine-tune, when present, is hatched; both have legend
entries. The legend sits below the axes, so it never hides the last phase.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SHADED = {"compressed": ("compressed phase", None), "dense-finetune": ("dense fine-tune", "//")}
"""Shaded phases: legend label and hatch."""


def shade_phases(ax: Any, epochs: Sequence[int], phases: Sequence[str]) -> list[Any]:
    """Shade each run of consecutive compressed (and hatch dense fine-tune) epochs; return the legend handles.

    One labelled patch per kind of phase, however many spans it has (Figure 2b of Peste et al. 2021
    shades the sparse phases likewise).
    """
    handles = {}
    pairs = list(zip(epochs, phases, strict=True))
    for phase, span in itertools.groupby(pairs, key=lambda pair: pair[1]):
        if phase not in SHADED:
            continue
        span = list(span)
        label, hatch = SHADED[phase]
        patch = ax.axvspan(span[0][0] - 0.5, span[-1][0] + 0.5, color="tab:gray", alpha=0.15, lw=0,
                           hatch=hatch, label=label if phase not in handles else None)
        handles.setdefault(phase, patch)
    return list(handles.values())


def metrics_figure(rows: Sequence[Mapping[str, Any]], title: str = "AC/DC") -> Any:
    """The sparsity/accuracy figure of the per-epoch ``rows`` (as in ``metrics.csv``: epochs from 0)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    epochs = [r["epoch"] for r in rows]
    fig, left = plt.subplots(figsize=(8, 4.6))
    shaded = shade_phases(left, epochs, [r["phase"] for r in rows])
    (sparsity,) = left.step(epochs, [100 * r["sparsity"] for r in rows], where="mid", color="tab:red",
                            label="sparsity")
    left.set(xlabel="epoch", ylabel="sparsity (%)", ylim=(-2, 102), title=title,
             xlim=(min(epochs) - 0.5, max(epochs) + 0.5))
    left.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    right = left.twinx()
    (accuracy,) = right.plot(epochs, [100 * r["val_acc"] for r in rows], color="tab:blue", marker=".",
                             label="validation accuracy")
    right.set(ylabel="validation accuracy (%)")
    left.legend(handles=[sparsity, accuracy, *shaded], loc="upper center", bbox_to_anchor=(0.5, -0.16),
                ncol=4, frameon=False)
    fig.tight_layout()
    return fig


def plot_metrics(rows: Sequence[Mapping[str, Any]], path: str | Path, title: str = "AC/DC") -> None:
    """Write :func:`metrics_figure` of ``rows`` to ``path``."""
    import matplotlib.pyplot as plt

    fig = metrics_figure(rows, title)
    fig.savefig(path, dpi=120)
    plt.close(fig)
