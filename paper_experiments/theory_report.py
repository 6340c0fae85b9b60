"""The theory of Peste et al. (NeurIPS 2021), Section 3 (Theorem 1), checked empirically.

Runs the verification suite of :mod:`iht.theory` (``python -m iht verify``) with one of its presets:
Theorem 1, the IHT descent lemma and the Jain–Tewari–Kar requirement on a grid of quadratic instances,
plus the compressed-sensing phase plane. Its own outputs (``table.csv``, ``report.md``, the figures)
go into ``out/verify``; ``results.csv`` here holds the verdict counts per bound and solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iht.theory import PRESETS as VERIFY_PRESETS
from iht.theory import run_verify, verdict_counts
from iht.theory.verify import resolve_config
from iht.validation import check_choice
from paper_experiments.common import Experiment, ExperimentConfig, output_folder, tidy, write_outputs


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Which :data:`iht.theory.PRESETS` entry to run (its ``seed`` replaced by this one)."""

    preset: str = "default"  # quick | default (about a minute on 2 cores) | full

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice(self.preset, "preset", VERIFY_PRESETS)


PRESETS = {"quick": Config(preset="quick"), "full": Config(preset="default")}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Run :func:`iht.theory.run_verify`; tabulate its verdicts.

    Returns
    -------
    pandas.DataFrame
        One row per (bound, solver) under the paper's hypotheses: ``bound``, ``solver``,
        ``verified``, ``uninformative``, ``vacuous``, ``violated`` (row counts of the verification
        table), ``seed``, ``preset``, ``git_revision``, ``config``. The relaxed-hypothesis rows, the
        σ² and iteration checks and the refuted-C table are in ``verify/``.
    """
    out = output_folder(out)
    verify = run_verify(out / "verify", resolve_config(config.preset, config.seed), config.preset,
                        progress=False)
    counts = verdict_counts(verify.table)
    results = tidy(counts.assign(seed=config.seed, preset=config.preset).to_dict("records"), config)
    write_outputs(out, EXPERIMENT.name, config, results, counts,
                  f"Theorem 1 and IHT bounds: verdicts per bound and solver (iht.theory preset "
                  f"{config.preset!r})",
                  "Full report with the Theorem 1 table, convergence figures and the phase plane: "
                  "`verify/report.md`.")
    return results


EXPERIMENT = Experiment("theory", "Section 3, Theorem 1: the iht verification report", PRESETS, run)
