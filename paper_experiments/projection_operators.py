"""Compression operators compared: global vs uniform (layerwise) vs ERK magnitude pruning vs N:M.

AC/DC is defined for any projection (Peste et al., NeurIPS 2021, Section 3.2; Section 4 runs global
and uniform magnitude pruning and the 2:4 pattern). Two views of the same operators:

* ``iht``: the final gap ``f − f*`` of ``iht`` and ``stochastic_iht`` (:mod:`iht.solvers`) on a
  block-diagonal quadratic and on compressed sensing, the parameter vector cut into "layers" of
  :attr:`Config.layer_shapes` (:class:`Layered`) so that per-layer budgets mean something; N:M groups
  run along each layer's last axis (consecutive entries of the vector);
* ``acdc``: top-1 accuracy of AC/DC's sparse model (ResNet20, Fashion-MNIST) with each projection.

The operators are those of the projection registry (:data:`iht.projection.PROJECTIONS`), so a
registered projection joins the comparison. N:M exists only at sparsity ``1 − N/M`` (the registry's
``nm`` is N:4: 2:4 at 50% and 1:4 at 75%); other sparsities have no N:M row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iht.objectives import BlockDiagonalQuadratic, CompressedSensing
from iht.oracles import GaussianNoiseOracle
from iht.projection import Projection, projections_at
from iht.solvers import iht, stochastic_iht
from paper_experiments.common import (
    Experiment,
    markdown_table,
    mean_std,
    output_folder,
    seeds_of,
    tidy,
    write_outputs,
)
from paper_experiments.plots import panels, save
from paper_experiments.training import QUICK_IMAGES, TrainingRecipe, train_method

NM_GROUP = 4
"""Block size of the block-diagonal quadratic: the group size M of the registry's ``nm`` (N:4)."""
SOLVERS = ("iht", "stochastic_iht")
COLORS = {"global": "tab:blue", "layerwise": "tab:orange", "erk": "tab:green", "nm": "tab:red"}
"""Plot colour per projection (others: matplotlib's colour cycle)."""


@dataclass(frozen=True)
class Layered(Projection):
    """``inner`` applied to a vector cut, in order, into layers of ``shapes`` (row-major)."""

    inner: Projection
    shapes: tuple[tuple[int, ...], ...]

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self._vector_mask(np.asarray(x)) for name, x in arrays.items()}

    def _vector_mask(self, x: np.ndarray) -> np.ndarray:
        sizes = [math.prod(shape) for shape in self.shapes]
        if x.shape != (sum(sizes),):
            raise ValueError(f"x must be a vector of the layers' {sum(sizes)} entries; got shape {x.shape}")
        pieces = np.split(x, np.cumsum(sizes)[:-1])
        layers = {f"layer{i}": piece.reshape(shape)
                  for i, (piece, shape) in enumerate(zip(pieces, self.shapes, strict=True))}
        return np.concatenate([mask.ravel() for mask in self.inner.masks(layers).values()])


@dataclass(frozen=True)
class Config(TrainingRecipe):
    """The iht comparison (instances, solvers) and the AC/DC runs (ResNet20 recipe), one grid each."""

    layer_shapes: tuple[tuple[int, ...], ...] = ((8, 4), (16, 8), (4, 8))  # "layers" of the iht vector
    k_star: int = 16                         # nonzeros of the planted minimiser
    sparsities: tuple[float, ...] = (0.5, 0.75, 0.9)  # iht sparsities
    instances: int = 10                      # random instances per objective (seeds seed, seed + 1, ...)
    n_iter: int = 500                        # iterations of each solver
    sigma2: float = 0.1                      # gradient noise E‖ξ‖² of stochastic_iht
    acdc_sparsities: tuple[float, ...] = (0.5, 0.9)  # AC/DC runs: every projection at each (nm at 0.5)
    acdc_seeds: int = 1                      # seeds per AC/DC run


PRESETS = {
    "quick": Config(**QUICK_IMAGES, instances=2, n_iter=50, acdc_sparsities=(0.5,)),
    "full": Config(),  # iht: ~1.5 min; AC/DC: 7 runs × 37 epochs × 79 steps = 20k steps
}


def objectives(config: Config, seed: int) -> dict[str, Any]:
    """The two objectives of instance ``seed`` on ``sum(prod(shape))`` parameters."""
    dim = sum(math.prod(shape) for shape in config.layer_shapes)
    return {"block-quadratic": BlockDiagonalQuadratic(dim // NM_GROUP, NM_GROUP, config.k_star, seed=seed),
            "compressed-sensing": CompressedSensing(dim // 2, dim, config.k_star, seed=seed)}


def iht_rows(config: Config) -> list[dict[str, Any]]:
    """One row per (instance, objective, solver, projection, sparsity): ``final_gap`` = ``f(θ_T) − f*``."""
    rows = []
    for seed in seeds_of(config, config.instances):
        for objective_name, objective in objectives(config, seed).items():
            for sparsity in config.sparsities:
                for projection_name, inner in projections_at(sparsity).items():
                    for solver in SOLVERS:
                        gap = final_gap(solver, objective, Layered(inner, config.layer_shapes), config, seed)
                        rows.append({"part": "iht", "objective": objective_name, "solver": solver,
                                     "projection": projection_name, "sparsity": sparsity, "seed": seed,
                                     "final_gap": gap})
    return rows


def final_gap(solver: str, objective: Any, projection: Projection, config: Config, seed: int) -> float:
    """``f(θ_T) − f*`` after ``config.n_iter`` iterations of ``solver`` (``iht`` or ``stochastic_iht``)."""
    if solver == "iht":
        result = iht(objective, projection, n_iter=config.n_iter)
    else:
        oracle = GaussianNoiseOracle(objective, config.sigma2)
        result = stochastic_iht(objective, oracle, projection, n_iter=config.n_iter, seed=seed)
    return float(result.history.gap[-1])


def acdc_rows(config: Config, out: Path) -> list[dict[str, Any]]:
    """One row per AC/DC run (projection, sparsity, seed); the first convolution stays dense (for N:M)."""
    rows = []
    for sparsity in config.acdc_sparsities:
        for projection in projections_at(sparsity):
            for seed in seeds_of(config, config.acdc_seeds):
                trained = train_method(config, out, "acdc", sparsity, seed, label=f"acdc-{projection}",
                                       projection=projection, exclude=("conv1",))
                rows.append({"part": "acdc", "objective": "resnet20-fashion-mnist", "solver": "acdc",
                             "projection": projection, "sparsity": sparsity, "seed": seed,
                             "val_acc": trained.row()["final_acc"]})
    return rows


def plot_gaps(results: pd.DataFrame, path: Path) -> Path:
    """Median final gap against sparsity, one panel per objective; colour: projection, dashes: stochastic."""
    gaps = results[results["part"] == "iht"]
    names = list(dict.fromkeys(gaps["objective"]))
    fig, axes = panels(len(names))
    for ax, name in zip(axes, names, strict=True):
        medians = gaps[gaps["objective"] == name].groupby(["projection", "solver", "sparsity"])["final_gap"]
        for (projection, solver), series in medians.median().groupby(level=[0, 1]):
            ax.plot(series.index.get_level_values("sparsity"), series.to_numpy(), marker="o",
                    color=COLORS.get(projection), linestyle="-" if solver == "iht" else "--",
                    label=f"{projection} ({solver})")
        ax.set(xlabel="sparsity", ylabel="median f − f*", yscale="log", title=name)
    axes[0].legend(fontsize=7)
    return save(fig, path)


def run(config: Config, out: Path) -> pd.DataFrame:
    """Compare the projections on the iht objectives and in AC/DC; write both tables and the gap figure.

    Returns
    -------
    pandas.DataFrame
        One row per solver run: ``part`` (``iht``/``acdc``), ``objective``, ``solver``, ``projection``,
        ``sparsity``, ``seed``, ``final_gap`` (iht) or ``val_acc`` (acdc), ``git_revision``, ``config``.
    """
    out = output_folder(out)
    results = tidy(iht_rows(config) + acdc_rows(config, out), config)
    plot_gaps(results, out / "projection_gaps.png")
    gaps = results[results["part"] == "iht"].pivot_table(index=["objective", "solver", "sparsity"],
                                                         columns="projection", values="final_gap",
                                                         aggfunc="median").reset_index()
    accuracy = mean_std(results[results["part"] == "acdc"], ["projection", "sparsity"], ["val_acc"])
    write_outputs(out, EXPERIMENT.name, config, results, gaps,
                  "Projection operators on iht objectives: median final f − f*",
                  "## AC/DC sparse top-1 (ResNet20, Fashion-MNIST; first convolution dense)\n\n"
                  + markdown_table(accuracy))
    return results


EXPERIMENT = Experiment("projections", "Section 3.2/4: global vs uniform vs ERK vs N:M, in iht and AC/DC",
                        PRESETS, run, needs_fashion_mnist=True)
