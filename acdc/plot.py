"""Figure 1 of Peste et al. (NeurIPS 2021): sparsity and validation accuracy against epoch.

Compressed epochs are shaded; the dense fine-tune, when present, is hatched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def plot_metrics(rows: Sequence[Mapping[str, Any]], path: str | Path, title: str = "AC/DC") -> None:
    """Write the sparsity/accuracy plot of the per-epoch ``rows`` (as in ``metrics.csv``) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in rows]
    fig, left = plt.subplots(figsize=(8, 4))
    for r in rows:
        if r["phase"] != "dense":
            left.axvspan(r["epoch"] - 0.5, r["epoch"] + 0.5, color="tab:gray", alpha=0.15, lw=0,
                         hatch="//" if r["phase"] == "dense-finetune" else None)
    left.step(epochs, [100 * r["sparsity"] for r in rows], where="mid", color="tab:red", label="sparsity")
    left.set(xlabel="epoch", ylabel="sparsity (%)", ylim=(-2, 102), title=title)
    right = left.twinx()
    right.plot(epochs, [100 * r["val_acc"] for r in rows], color="tab:blue", marker=".",
               label="validation accuracy")
    right.set(ylabel="validation accuracy (%)")
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    left.legend(handles=handles, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
