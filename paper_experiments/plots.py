"""Figure helpers shared by the experiments: a headless figure, phase shading, saving.

Plots read the tidy tables the experiments write (never the models), so a figure can be redrawn from
``results.csv`` / ``epochs.csv`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COMPRESSED = "compressed"


def figure(width: float = 6.0, height: float = 4.0) -> tuple[Any, Any]:
    """A new figure with one axes."""
    return plt.subplots(figsize=(width, height))


def panels(count: int, width: float = 6.0, height: float = 4.0) -> tuple[Any, list[Any]]:
    """A new figure with ``count`` axes side by side, as a list."""
    fig, axes = plt.subplots(1, count, figsize=(width * count, height), squeeze=False)
    return fig, list(axes[0])


def shade_phases(ax: Any, epochs: Sequence[int], phases: Sequence[str]) -> None:
    """Shade the compressed epochs (Figure 2b of Peste et al. 2021 shades the sparse phases)."""
    for epoch, phase in zip(epochs, phases, strict=True):
        if phase == COMPRESSED:
            ax.axvspan(epoch - 0.5, epoch + 0.5, color="tab:gray", alpha=0.15, lw=0)


def save(fig: Any, path: Path) -> Path:
    """Write ``fig`` to ``path`` (PNG) and close it."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
