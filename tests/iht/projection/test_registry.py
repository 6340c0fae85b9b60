"""The projection registry of the core: names, builders, and N:M owning its sparsity."""

from __future__ import annotations

import numpy as np
import pytest

from iht.projection import NM, PROJECTIONS, ERKTopK, LayerwiseTopK, TopK, build_projection, projections_at
from iht.projection.registry import NMPattern, UnsupportedSparsity, pattern_sparsities


def test_registry_builds_each_projection_at_the_sparsity_it_is_given():
    assert build_projection("global", 0.9) == TopK(sparsity=0.9)
    assert build_projection("layerwise", 0.9) == LayerwiseTopK(0.9)
    assert build_projection("erk", 0.9) == ERKTopK(0.9)


@pytest.mark.parametrize(("sparsity", "n"), [(0.0, 4), (0.25, 3), (0.5, 2), (0.75, 1)])
def test_nm_takes_n_from_the_sparsity(sparsity, n):
    projection = build_projection("nm", sparsity)
    assert projection == NM(n, 4)
    x = np.arange(1.0, 17.0)
    assert projection.mask(x).mean() == 1 - sparsity


@pytest.mark.parametrize("sparsity", [0.9, 0.6, 0.7499999])
def test_nm_at_a_sparsity_without_pattern_is_a_named_error(sparsity):
    allowed = r"sparsity must be one of 0, 0\.25, 0\.5, 0\.75 for N:4 .*; "
    with pytest.raises(UnsupportedSparsity, match=allowed + rf"got sparsity={sparsity}"):
        build_projection("nm", sparsity)
    assert issubclass(UnsupportedSparsity, ValueError)


def test_nm_pattern_of_another_group_size():
    assert NMPattern(8)(0.875) == NM(1, 8)
    assert [NMPattern(3)(s) for s in NMPattern(3).sparsities()] == [NM(3, 3), NM(2, 3), NM(1, 3)]
    assert NMPattern(8).sparsities() == (0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875)
    with pytest.raises(ValueError, match=r"m must be >= 1; got m=0"):
        NMPattern(0)


def test_unknown_name_and_bad_sparsity_are_named():
    with pytest.raises(ValueError, match=r"projection must be one of \['erk', 'global', 'layerwise', 'nm'\]; "
                                         r"got projection='magnitude'"):
        build_projection("magnitude", 0.5)
    with pytest.raises(ValueError, match=r"sparsity must be in \[0, 1\)"):
        build_projection("nm", 1.0)
    with pytest.raises(TypeError, match=r"sparsity must be a real number"):
        build_projection("global", "0.5")


def test_projections_at_leaves_out_only_the_patterns_without_that_sparsity():
    assert list(projections_at(0.5)) == ["global", "layerwise", "erk", "nm"]
    assert list(projections_at(0.9)) == ["global", "layerwise", "erk"]
    assert list(projections_at(0.75, ["nm", "global"])) == ["nm", "global"]


def test_a_registered_builder_is_built_by_name(monkeypatch):
    monkeypatch.setitem(PROJECTIONS, "half-global", lambda sparsity: TopK(sparsity=sparsity / 2))
    assert build_projection("half-global", 0.8) == TopK(sparsity=0.4)
    assert "half-global" in projections_at(0.8)



def test_pattern_sparsities_lists_those_of_a_pattern_that_owns_its_sparsity():
    assert pattern_sparsities("nm") == (0.0, 0.25, 0.5, 0.75)
    assert pattern_sparsities("global") is None
    with pytest.raises(ValueError, match=r"projection must be one of .*; got projection='magnitude'"):
        pattern_sparsities("magnitude")
