"""A short tour of the projection core on a built-in default (``python -m iht demo``).

Builds ResNet-shaped random weights, projects them with every operator of :mod:`iht.projection`
and prints, per layer, the density each operator leaves, plus the time of one global top-k against
``numpy.partition`` on the concatenation (the selection peer) and one streaming read (the floor).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from iht.projection import NM, ERKTopK, LayerwiseTopK, RandomMask, TopK

#: A small CIFAR-style ResNet's prunable weight shapes (conv: out, in, kh, kw; fc: out, in).
DEFAULT_SHAPES = {
    "conv1": (16, 4, 3, 3),
    "layer1.conv": (16, 16, 3, 3),
    "layer2.conv": (32, 32, 3, 3),
    "layer3.conv": (64, 64, 3, 3),
    "fc": (12, 64),
}


def _best_time(fn: Callable[[], object], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_demo(sparsity: float = 0.9, seed: int = 0, scale: int = 1) -> str:
    """Return the demo's report as text.

    Parameters
    ----------
    sparsity : float
        Target fraction of zeros for the unstructured operators.
    seed : int
        Seed of the weights and of the random mask.
    scale : int
        Multiplies the output channels of every layer (larger = closer to a real network).
    """
    rng = np.random.default_rng(seed)
    weights = {
        name: rng.standard_normal((shape[0] * scale, *shape[1:])).astype(np.float32)
        for name, shape in DEFAULT_SHAPES.items()
    }
    operators = {
        "global top-k": TopK(sparsity=sparsity),
        "per-layer": LayerwiseTopK(sparsity),
        "ERK": ERKTopK(sparsity),
        "2:4": NM(2, 4),
        "random": RandomMask(sparsity, np.random.default_rng(seed)),
    }
    masks = {label: op.masks(weights) for label, op in operators.items()}
    total = sum(w.size for w in weights.values())
    lines = [f"Projection core demo: {len(weights)} layers, {total:,} weights, seed {seed}", ""]
    lines.append("| layer | size | " + " | ".join(f"{label} density" for label in operators) + " |")
    lines.append("|---|---:|" + "---:|" * len(operators))
    for name, w in weights.items():
        cells = " | ".join(f"{masks[label][name].mean():.3f}" for label in operators)
        lines.append(f"| {name} | {w.size:,} | {cells} |")
    overall = " | ".join(
        f"{sum(int(m.sum()) for m in masks[label].values()) / total:.4f}" for label in operators
    )
    lines.append(f"| all | {total:,} | {overall} |")

    flat = np.concatenate([w.ravel() for w in weights.values()])
    k = int(sum(int(m.sum()) for m in masks["global top-k"].values()))
    ours = _best_time(lambda: operators["global top-k"].masks(weights))
    peer = _best_time(lambda: np.partition(np.abs(flat), flat.size - k))
    floor = _best_time(lambda: flat.sum())
    lines += [
        "",
        f"global top-k mask: {ours * 1e3:.2f} ms; numpy.partition on the concatenation "
        f"{peer * 1e3:.2f} ms (ratio {ours / peer:.2f}); one streaming read {floor * 1e3:.2f} ms "
        f"(ratio {ours / floor:.1f})",
    ]
    return "\n".join(lines)
