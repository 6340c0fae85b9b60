"""The empirical-C threshold search on DecoyBlockQuadratic: > 1 for the real solvers where the
decoys trap IHT, and no threshold at all for a broken projection that keeps the smallest entries."""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pytest

from iht.projection import Projection, TopK
from iht.theory import PRESETS, empirical_c, run_grid

#: Decoy family only, c = 0.8 (trap: c·√2 > 1), k/k* from 1 to the designed trap ratio 1.5, σ = 0.
TRAP = PRESETS["quick"].replace(families=("DecoyBlockQuadratic",), decoy_correlations=(0.8,),
                                decoy_k_ratios=(1.0, 1.25, 1.5), decoy_sigmas=(0.0,), n_seeds=3)


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


def _thresholds(projection=TopK):
    grid = run_grid(TRAP, progress=False, projection=projection)
    table = empirical_c(grid.table).set_index("solver")
    return table, grid.table


def test_threshold_search_finds_k_over_kstar_above_one_where_the_decoys_trap_iht():
    c_table, table = _thresholds()
    iht_row = c_table.loc["stochastic_iht"]
    assert iht_row["empirical_threshold_k_over_kstar"] > 1.0 and not iht_row["threshold_censored"]
    assert iht_row["empirical_threshold_k_over_kstar"] <= iht_row["trap_k_ratio"]
    # the rows stay vacuous (global α: k ≥ C·k*·(β/α)² fails), the threshold is a measurement
    assert (table.loc[table["bound"] == "theorem1", "verdict"] == "vacuous").all()
    assert not iht_row["hypotheses_hold_at_threshold"]
    assert iht_row["c_empirical_global"] == pytest.approx(
        iht_row["empirical_threshold_k_over_kstar"] / iht_row["beta_over_alpha_global"] ** 2)


def test_threshold_search_fails_for_a_projection_that_keeps_the_smallest_entries():
    c_table, _ = _thresholds(KeepSmallest)
    assert c_table["empirical_threshold_k_over_kstar"].isna().all()
