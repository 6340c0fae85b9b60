"""The experiments by command-line name, and running one of them from a preset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from iht.validation import check_choice
from paper_experiments import (
    collapse_diagnosis,
    figure1_schedule,
    figure2b_memorization,
    output_agreement,
    projection_operators,
    semistructured_2of4,
    table1_separating,
    table1_sparsity_sweep,
    table4_language_model,
    theory_report,
)
from paper_experiments.common import DEFAULT_OUT, Experiment, ExperimentConfig, fashion_mnist_missing

EXPERIMENTS: dict[str, Experiment] = {
    experiment.name: experiment
    for experiment in (table1_sparsity_sweep.EXPERIMENT, *table1_separating.EXPERIMENTS,
                       *(module.EXPERIMENT for module in (
                           figure1_schedule, figure2b_memorization, output_agreement, semistructured_2of4,
                           table4_language_model, theory_report, projection_operators, collapse_diagnosis)))
}
"""Experiments in the order of the paper (Section 4), Table 1 in its three settings first, then the theory
and projection studies, then the diagnosis of AC/DC's collapse at 98%."""


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; ``ValueError`` listing the names otherwise."""
    return EXPERIMENTS[check_choice(name, "experiment", EXPERIMENTS)]


def resolve(name: str, preset: str = "full", seed: int | None = None,
            overrides: Mapping[str, Any] | None = None) -> tuple[Experiment, ExperimentConfig]:
    """Experiment ``name`` and its ``preset`` config with ``seed`` and ``overrides``, checked runnable.

    Raises
    ------
    ValueError
        Unknown experiment, preset or config key.
    FileNotFoundError
        If the experiment reads Fashion-MNIST and its files are missing (the message says how to get them).
    """
    experiment = get_experiment(name)
    config = experiment.configure(preset, seed, overrides)
    missing = fashion_mnist_missing(config.data_root) if experiment.needs_fashion_mnist else None
    if missing:
        raise FileNotFoundError(f"experiment {name!r} needs Fashion-MNIST: {missing}")
    return experiment, config


def run_experiment(name: str, preset: str = "full", out: str | Path | None = None, seed: int | None = None,
                   overrides: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run experiment ``name`` at ``preset`` into ``out`` (default ``runs/paper_experiments/<name>``).

    Raises as :func:`resolve` does, before anything runs.
    """
    experiment, config = resolve(name, preset, seed, overrides)
    return experiment.run(config, Path(out) if out is not None else DEFAULT_OUT / name)
