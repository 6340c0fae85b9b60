"""The verification runner, its table and summaries, and ``python -m iht verify``."""

import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.cli import main
from iht.theory import PRESETS, linear_rate, refuted_c, run_grid, verdict_counts
from iht.theory.seeded import acdc_schedule
from iht.theory.summary import refuted_c_summary

TINY = PRESETS["quick"].replace(n_seeds=3, **{"window.sizes": ((8, 1),), "cpl.k_ratios": (1, 4),
                                              "cpl.conditions": (2.0,), "decoy.k_ratios": (1.0,),
                                              "slope.seeds": 3})


@pytest.fixture(scope="module")
def verify_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    assert main(["verify", "--quick", "--out", str(out), "--seed", "3"]) == 0
    return out, pd.read_csv(out / "table.csv", keep_default_na=False, na_values=["nan", "NaN", ""])


def test_verify_writes_table_figures_report_and_config(verify_run):
    out, _ = verify_run
    for name in ("table.csv", "curves.csv", "slopes.csv", "iterations.csv", "refuted_c.csv",
                 "phase_transition.csv", "report.md", "config.json", "convergence.png", "ratios.png",
                 "noise_slope.png", "iterations.png", "refuted_c.png", "phase_transition.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "ratios.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((out / "config.json").read_text())
    assert record["preset"] == "quick"
    assert record["config"] == PRESETS["quick"].replace(seed=3).to_dict()


def test_report_has_no_placeholders_or_nan(verify_run):
    out, _ = verify_run
    report = (out / "report.md").read_text()
    body = [line for line in report.splitlines() if not line.startswith("#")]
    assert not [line for line in body if "#" in line]
    assert not [line for line in body if re.search(r"\bnan\b", line, re.IGNORECASE)]
    for section in ("## The structural limit", "## Sharp check: stationary gap", "## Sharp check: iterations",
                    "## The largest C the data refute", "## Relaxed hypothesis"):
        assert section in report
    assert "N < 16k*/C" in report


def test_table_is_tidy_and_records_provenance(verify_run):
    _, table = verify_run
    assert not table.duplicated(["instance", "solver", "bound", "hypothesis"]).any()
    assert set(table["bound"]) == {"theorem1", "descent", "jtk2014"}
    assert set(table["hypothesis"]) == {"paper", "relaxed"}
    # one revision for the whole run: a commit, "+dirty" when tracked files had changes (see test_provenance)
    assert table["git_revision"].nunique() == 1
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", table["git_revision"].iloc[0])
    stochastic = table[table["bound"] == "theorem1"]
    assert all(len(json.loads(seeds)) == PRESETS["quick"].n_seeds for seeds in stochastic["seeds"])
    assert all(json.loads(config)["seed"] == 3 for config in table["config"])


def test_verdicts_follow_hypotheses_bounds_and_the_do_nothing_gap(verify_run):
    _, table = verify_run
    clean = table[table["violations"] == ""]
    assert ((clean["verdict"] == "vacuous") == ~clean["hypotheses_hold"]).all()
    checked = clean[clean["hypotheses_hold"]]
    passed = checked["observed_ucb"] <= checked["bound_value"]
    assert (checked.loc[~passed, "verdict"].isin(["violated", "refuted"])).all()
    informative = checked["bound_value"] < checked["do_nothing"]
    assert (checked.loc[passed & informative, "verdict"] == "verified").all()
    assert (checked.loc[passed & ~informative, "verdict"] == "uninformative").all()
    assert (table.loc[table["verdict"] == "vacuous", "failures"] != "").all()
    assert (table["max_support"] <= table["k"]).all()
    assert (table["verdict"] != "violated").all()
    paper = table[(table["bound"] == "theorem1") & (table["hypothesis"] == "paper")]
    assert (paper["verdict"] == "verified").sum() >= 10


def test_acdc_rows_record_the_steps_actually_run(verify_run):
    _, table = verify_run
    acdc = table[table["solver"] == "acdc_iht"]
    # the schedule decides the steps run, not the iteration target
    assert (acdc["n_iter"] == [acdc_schedule(n).epochs for n in acdc["n_iter_target"]]).all()
    stochastic = table[table["solver"] == "stochastic_iht"]
    assert (stochastic["n_iter"] == stochastic["n_iter_target"]).all()


def test_report_counts_match_the_table(verify_run):
    out, table = verify_run
    report = (out / "report.md").read_text()
    for row in verdict_counts(table).itertuples(index=False):
        assert (f"| {row.bound} | {row.solver} | {row.verified} | {row.uninformative} | {row.vacuous} | "
                f"{row.violated} |") in report


def test_same_seed_same_table_other_seed_other_observations():
    first, again = run_grid(TINY, progress=False), run_grid(TINY, progress=False)
    pd.testing.assert_frame_equal(first.table, again.table)
    other = run_grid(TINY.replace(seed=1), progress=False)
    assert not np.allclose(first.table["observed_mean"], other.table["observed_mean"])


def _theorem1_rows(outcomes):
    return pd.DataFrame([{"bound": "theorem1", "hypothesis": "paper", "solver": "s", "grid": "g",
                          "family": "F", "dim": 8, "family_parameter": 0.5, "sigma": 0.1, "k": k,
                          "c_row": k / 8, "observed_lcb": lcb, "bound_value": 1.0, "trap_k_ratio": 1.5}
                         for k, lcb in outcomes])


def test_refuted_c_is_the_largest_c_row_of_a_refuting_row():
    row = refuted_c(_theorem1_rows([(1, 2.0), (2, 3.0), (4, 0.5), (8, 0.1)])).iloc[0]
    assert row["largest_refuted_c"] == 2 / 8 and row["refuting_k"] == 2 and not row["censored"]
    assert row["refuting_rows"] == 2


def test_refuted_c_is_censored_at_the_largest_k_and_absent_without_refutation():
    censored = refuted_c(_theorem1_rows([(1, 2.0), (2, 3.0)])).iloc[0]
    assert censored["largest_refuted_c"] == 2 / 8 and censored["censored"]
    assert refuted_c_summary(refuted_c(_theorem1_rows([(1, 2.0), (2, 3.0)])))["largest_refuted_C"].iloc[0] \
        == "≥ 0.25"
    none = refuted_c(_theorem1_rows([(1, 0.5), (2, 0.1)]))
    assert np.isnan(none["largest_refuted_c"].iloc[0])
    assert refuted_c_summary(none)["largest_refuted_C"].iloc[0].startswith("none")


@given(rate=st.floats(0.05, 0.95), start=st.floats(1e-3, 1e3))
def test_linear_rate_recovers_a_geometric_contraction(rate, start):
    gaps = start * rate ** np.arange(40) + 1e-14 * start
    assert linear_rate(gaps) == pytest.approx(rate, rel=1e-3)


def test_linear_rate_is_nan_without_a_transient():
    assert np.isnan(linear_rate(np.array([1.0, 0.0, 0.0, 0.0])))
    assert np.isnan(linear_rate(np.array([1.0, np.inf, 2.0, 3.0])))


def test_cli_prints_violations_before_the_table_and_exits_non_zero(tmp_path, capsys, monkeypatch):
    from iht.theory import verify

    outputs = SimpleNamespace(seconds=1.0, paths={"report": tmp_path / "report.md"}, violations=[
        "violated: theorem1 [paper] s on instance 0: returned θ has 5 non-zeros > k=4"])
    outputs.paths["report"].write_text("## Verdicts\n| table |\n## The structural limit\n")
    monkeypatch.setattr(verify, "run_verify", lambda *args, **kwargs: outputs)
    assert main(["verify", "--quick", "--out", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert printed.index("1 violated row(s)") < printed.index("returned θ has 5") < printed.index("| table |")


def test_cli_rejects_quick_with_full(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--quick", "--full"])
    assert "not allowed with argument" in capsys.readouterr().err
