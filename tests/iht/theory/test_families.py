"""The families of the grid: their points, and the plug-in claim (a family defined outside the package
runs through the grid with no edit to the runner)."""

import numpy as np

from iht.objectives import DiagonalQuadratic
from iht.theory import PRESETS, VerifyConfig, run_grid
from iht.theory.families import FAMILIES, CPLGrid, GridPoint, WindowGrid
from iht.theory.grid import grid_points


class DiagonalFamily:
    """A toy family, registered by the tests only: :class:`~iht.objectives.DiagonalQuadratic` with
    curvatures in ``[1, L]``, N = 8, k* = 1, one instance shared by ``k = 2`` and ``k = 7``, each at
    σ = 0 and σ = 0.05; ``k = 8`` does not exist."""

    name = "diagonal"

    def points(self, config, start):
        points = [GridPoint(start + i, "DiagonalQuadratic", self.name, 8, k, 1, 1.5, sigma, start)
                  for i, (k, sigma) in enumerate([(2, 0.0), (2, 0.05), (7, 0.0), (7, 0.05)])]
        return points, ["diagonal N=8, k=8: k >= N"]

    def build(self, point, config, seed):
        return DiagonalQuadratic(point.dim, point.k_star, mu=1.0, L=point.parameter, seed=seed)


def test_a_family_registered_outside_the_package_runs_through_the_grid(monkeypatch):
    monkeypatch.setitem(FAMILIES, "diagonal", DiagonalFamily())
    config = PRESETS["quick"].replace(families=("diagonal", "decoy"), n_seeds=3, **{
        "slope.grids": ("diagonal",), "slope.seeds": 3, "slope.stride": 1,
        "decoy.k_ratios": (1.0,), "decoy.sigmas": (0.0,)})
    result = run_grid(config, progress=False)
    table = result.table
    assert list(table.drop_duplicates("instance")["grid"]) == ["diagonal"] * 4 + ["decoy"]
    assert result.skipped == ["diagonal N=8, k=8: k >= N"]
    ours = table[table["grid"] == "diagonal"]
    assert set(ours["family"]) == {"DiagonalQuadratic"} and set(ours["k"]) == {2, 7}
    assert (ours["instance_seed"] == ours["instance_seed"].iloc[0]).all()  # one objective for all its points
    assert set(ours["bound"]) == {"theorem1", "descent", "jtk2014"}
    assert (ours["verdict"] != "violated").all() and (ours["max_support"] <= ours["k"]).all()
    theorem1 = ours[(ours["bound"] == "theorem1") & ours["hypotheses_hold"]]
    assert len(theorem1) and theorem1["verdict"].isin(["verified", "uninformative"]).all()
    assert (theorem1["verdict"] == "verified").any()
    assert set(result.slopes["grid"]) == {"diagonal"}
    assert len(result.slopes) == 2 * 2  # (instance, k) = (0, 2) and (0, 7), two oracles each
    assert set(result.iterations["grid"]) == {"diagonal", "decoy"}


def test_the_registry_names_the_families_a_config_accepts():
    assert list(FAMILIES) == list(VerifyConfig().families) == ["window", "cpl", "decoy"]
    assert all(FAMILIES[name].name == name for name in FAMILIES)


def test_grid_skips_points_that_do_not_exist():
    config = VerifyConfig(cpl=CPLGrid(dims=(16,), k_ratios=(2, 8), conditions=(1.0, 2.0), sigmas=(0.1,),
                                      k_star=2), families=("cpl",))
    points, skipped = grid_points(config)
    assert [(p.k_ratio, p.parameter) for p in points] == [(2, 2.0)]
    assert any("k=16 >= N" in text for text in skipped)
    assert any("β/α < N/(4k*) = 2" in text for text in skipped)


def test_window_grid_meets_the_hypotheses_up_to_the_structural_limit():
    config = VerifyConfig(families=("window",), window=WindowGrid(sizes=((16, 2), (40, 2)), sigmas=(0.0,)))
    points, skipped = grid_points(config)
    assert [p.k for p in points] == list(range(8, 16))  # k from C·N²/(16k*) = 8 to N − 1
    assert all(p.parameter**2 * p.k_star <= p.k * (1 + 1e-12) for p in points)
    assert skipped == ["window N=40, k*=2: C·N²/(16k*) = 50 >= N (N >= 16k*/C)"]


def test_points_are_numbered_in_the_order_of_the_families_and_share_instances():
    config = PRESETS["quick"]
    points, _ = grid_points(config)
    assert [p.index for p in points] == list(range(len(points)))
    assert [p.grid for p in points] == sorted((p.grid for p in points), key=list(config.families).index)
    for point in points:
        first = points[point.instance]
        assert (first.grid, first.dim, first.parameter) == (point.grid, point.dim, point.parameter)
    decoy = [p for p in points if p.grid == "decoy"]
    assert {p.instance for p in decoy} == {decoy[0].index}  # one instance per correlation
    assert np.all([p.k_star == config.decoy.k_star and p.dim == config.decoy.dim for p in decoy])
