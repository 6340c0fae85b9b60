"""The largest C the data refute, on DecoyBlockQuadratic: positive where the decoys trap IHT at
k = k*, and a broken projection that keeps the smallest entries is caught as a violation."""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from iht.projection import Projection
from iht.theory import PRESETS, refuted_c, run_grid

#: Decoy family only, c = 0.8 (trap: c·√2 > 1), k/k* from 1 to the designed trap ratio 1.5, σ = 0.
TRAP = PRESETS["quick"].replace(families=("decoy",), n_seeds=3, **{
    "decoy.correlations": (0.8,), "decoy.k_ratios": (1.0, 1.25, 1.5), "decoy.sigmas": (0.0,)})


@dataclass(frozen=True)
class KeepSmallest(Projection):
    """Broken ``T_k``: keeps the ``k`` entries of *smallest* magnitude."""

    k: int

    def masks(self, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {}
        for name, x in arrays.items():
            mask = np.zeros(x.shape, dtype=bool)
            mask[np.argsort(np.abs(x), kind="stable")[: self.k]] = True
            out[name] = mask
        return out


def test_the_trap_refutes_a_small_c_and_stays_vacuous_under_the_paper_hypothesis():
    table = run_grid(TRAP, progress=False).table
    c_table = refuted_c(table).set_index(["hypothesis", "solver"])
    trapped = c_table.loc[("paper", "stochastic_iht")]
    assert 0 < trapped["largest_refuted_c"] < 0.05 and trapped["refuting_k"] < 1.5 * 4
    assert not trapped["censored"]
    paper = table[(table["bound"] == "theorem1") & (table["hypothesis"] == "paper")]
    assert (paper["verdict"] == "vacuous").all()  # global α: k ≥ C·k*·(β/α)² fails at C = 1


def test_a_projection_that_keeps_the_smallest_entries_is_violated():
    table = run_grid(TRAP, progress=False, projection=KeepSmallest).table
    descent = table[table["bound"] == "descent"]
    assert (descent["verdict"] == "violated").all()
    assert (refuted_c(table)["largest_refuted_c"].notna()).any()
