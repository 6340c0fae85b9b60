"""The verification runner, its table and summaries, and ``python -m iht verify``."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.cli import main
from iht.theory import PRESETS, VerifyConfig, empirical_c, linear_rate, run_grid, verdict_counts
from iht.theory.runner import grid_points

TINY = PRESETS["quick"].replace(k_ratios=(1, 4), conditions=(2.0,), n_seeds=3)


@pytest.fixture(scope="module")
def verify_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    assert main(["verify", "--quick", "--out", str(out), "--seed", "3"]) == 0
    return out, pd.read_csv(out / "table.csv", keep_default_na=False, na_values=["nan", "NaN", ""])


def test_verify_writes_table_figures_report_and_config(verify_run):
    out, _ = verify_run
    for name in ("table.csv", "curves.csv", "phase_transition.csv", "empirical_c.csv", "report.md",
                 "config.json", "convergence.png", "ratios.png", "rates.png", "empirical_c.png",
                 "phase_transition.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "ratios.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((out / "config.json").read_text())
    assert record["preset"] == "quick"
    assert record["config"] == PRESETS["quick"].replace(seed=3).to_dict()


def test_table_is_tidy_and_records_provenance(verify_run):
    _, table = verify_run
    assert not table.duplicated(["instance", "solver", "bound"]).any()
    assert set(table["bound"]) == {"theorem1", "descent", "jtk2014"}
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert (table["git_revision"] == head).all()
    stochastic = table[table["bound"] == "theorem1"]
    assert all(len(json.loads(seeds)) == PRESETS["quick"].n_seeds for seeds in stochastic["seeds"])
    assert all(json.loads(config)["seed"] == 3 for config in table["config"])


def test_verdicts_follow_hypotheses_and_confidence_bounds(verify_run):
    _, table = verify_run
    assert ((table["verdict"] == "vacuous") == ~table["hypotheses_hold"]).all()
    checked = table[table["hypotheses_hold"]]
    assert ((checked["verdict"] == "verified") == (checked["observed_ucb"] <= checked["bound_value"])).all()
    assert (table.loc[table["verdict"] == "vacuous", "failures"] != "").all()
    theorem1 = table[table["bound"] == "theorem1"]
    assert (theorem1["max_support"] <= theorem1["k"]).all()


def test_report_counts_match_the_table(verify_run):
    out, table = verify_run
    report = (out / "report.md").read_text()
    for row in verdict_counts(table).itertuples(index=False):
        assert f"| {row.bound} | {row.solver} | {row.verified} | {row.violated} | {row.vacuous} |" in report


def test_same_seed_same_table_other_seed_other_observations():
    first, again = run_grid(TINY, progress=False), run_grid(TINY, progress=False)
    pd.testing.assert_frame_equal(first.table, again.table)
    other = run_grid(TINY.replace(seed=1), progress=False)
    assert not np.allclose(first.table["observed_mean"], other.table["observed_mean"])


def test_grid_skips_points_that_do_not_exist():
    config = VerifyConfig(dims=(16,), k_ratios=(2, 8), conditions=(1.0, 2.0), sigmas=(0.1,), k_star=2,
                          families=("CPLQuadratic",))
    points, skipped = grid_points(config)
    assert [(p.k_ratio, p.parameter) for p in points] == [(2, 2.0)]
    assert any("k=16 >= N" in text for text in skipped)
    assert any("β/α < N/(4k*) = 2" in text for text in skipped)


def _theorem1_rows(outcomes):
    return pd.DataFrame([{"bound": "theorem1", "solver": "s", "family": "F", "dim": 8,
                          "family_parameter": 0.5, "sigma": 0.1, "C": 1.0, "k_ratio": ratio,
                          "bound_holds": holds, "beta": 2.0,
                          "alpha_global": 1.0, "alpha_sparse": 2.0 * ratio, "hypotheses_hold": False,
                          "alpha_scope": "global", "trap_k_ratio": 1.5} for ratio, holds in outcomes])


def test_empirical_c_is_the_smallest_ratio_from_which_the_bound_always_holds():
    c_table = empirical_c(_theorem1_rows([(1, True), (2, False), (4, True), (8, True)]))
    row = c_table.iloc[0]
    assert row["empirical_threshold_k_over_kstar"] == 4.0 and not row["threshold_censored"]
    assert not row["hypotheses_hold_at_threshold"]
    assert (row["beta_over_alpha_global"], row["c_empirical_global"], row["required_k_over_kstar_global"]) \
        == (2.0, 1.0, 4.0)
    # α_sparse = 8 > β = 2 is lowered to β (Theorem 1 takes β > α)
    assert (row["beta_over_alpha_sparse"], row["c_empirical_sparse"], row["required_k_over_kstar_sparse"]) \
        == (1.0, 4.0, 1.0)


def test_empirical_c_flags_censored_and_missing_thresholds():
    censored = empirical_c(_theorem1_rows([(1, True), (2, True)])).iloc[0]
    assert censored["empirical_threshold_k_over_kstar"] == 1.0 and censored["threshold_censored"]
    missing = empirical_c(_theorem1_rows([(1, True), (2, False)])).iloc[0]
    assert np.isnan(missing["empirical_threshold_k_over_kstar"]) and not missing["threshold_censored"]
    assert np.isnan(missing["c_empirical_global"]) and np.isnan(missing["c_empirical_sparse"])


@given(rate=st.floats(0.05, 0.95), start=st.floats(1e-3, 1e3))
def test_linear_rate_recovers_a_geometric_contraction(rate, start):
    gaps = start * rate ** np.arange(40) + 1e-14 * start
    assert linear_rate(gaps) == pytest.approx(rate, rel=1e-3)


def test_linear_rate_is_nan_without_a_transient():
    assert np.isnan(linear_rate(np.array([1.0, 0.0, 0.0, 0.0])))
    assert np.isnan(linear_rate(np.array([1.0, np.inf, 2.0, 3.0])))


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"ucb_method": "hoeffding"}, ValueError, r"ucb_method='hoeffding' needs gap_range"),
    ({"alpha_scope": "dense"}, ValueError,
     r"alpha_scope must be one of 'global', 'sparse'; got alpha_scope='dense'"),
    ({"n_seeds": 1}, ValueError, r"n_seeds must be in >= 2; got n_seeds=1"),
    ({"conditions": ()}, ValueError, r"conditions must hold at least one value; got conditions=\(\)"),
    ({"epsilon_fraction": 1.5}, ValueError, r"epsilon_fraction must be"),
    ({"grid": 3}, TypeError, r"unknown VerifyConfig field\(s\): grid"),
    ({"families": ("Lasso",)}, ValueError,
     r"families must be one of 'CPLQuadratic', 'DecoyBlockQuadratic'; got families='Lasso'"),
    ({"families": ()}, ValueError, r"families must hold at least one of"),
    ({"decoy_correlations": (0.8, 1.0)}, ValueError,
     r"decoy_correlations must lie in \(0, 1/√decoy_decoys = 1\); got decoy_correlations=\(0.8, 1.0\)"),
    ({"decoy_k_ratios": (1.0, 1.3)}, ValueError,
     r"decoy_k_ratios must be >= 1 and multiples of 1/k\* = 1/4; got decoy_k_ratios=\(1.0, 1.3\)"),
    ({"decoy_active": 6}, ValueError, r"decoy_active must be in \[1, 5\]; got decoy_active=6"),
])
def test_config_errors(changes, error, message):
    with pytest.raises(error, match=message):
        VerifyConfig().replace(**changes)


def test_cli_rejects_quick_with_full(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--quick", "--full"])
    assert "not allowed with argument" in capsys.readouterr().err
