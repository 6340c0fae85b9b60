"""Figure helpers shared by the experiments: a headless figure, phase shading (one labelled patch per kind
of phase, from :func:`acdc.plot.shade_phases`), saving.

Plots read the tidy tables the experiments write (never the models), so a figure can be redrawn from
``results.csv`` / ``epochs.csv`` alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from acdc.plot import shade_phases

__all__ = ["COMPRESSED", "figure", "panels", "save", "shade_phases"]

COMPRESSED = "compressed"


def figure(width: float = 6.0, height: float = 4.0) -> tuple[Any, Any]:
    """A new figure with one axes."""
    return plt.subplots(figsize=(width, height))


def panels(count: int, width: float = 6.0, height: float = 4.0) -> tuple[Any, list[Any]]:
    """A new figure with ``count`` axes side by side, as a list."""
    fig, axes = plt.subplots(1, count, figsize=(width * count, height), squeeze=False)
    return fig, list(axes[0])


def save(fig: Any, path: Path) -> Path:
    """Write ``fig`` to ``path`` (PNG) and close it."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
