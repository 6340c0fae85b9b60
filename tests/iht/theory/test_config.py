"""VerifyConfig: nested settings validated with one grammar, dotted overrides from Python and from
``python -m iht verify --set``, unknown keys named with the allowed ones."""

import dataclasses

import pytest

from iht.cli import main
from iht.theory import PRESETS, VerifyConfig
from iht.theory.config import config_keys, config_value, parse_setting
from iht.theory.families import DecoyGrid


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"ucb_method": "hoeffding"}, ValueError, r"ucb_method='hoeffding' needs gap_range"),
    ({"window.sizes": ((8, 8),)}, ValueError,
     r"window.sizes k\* must be in \[1, 7\]; got window.sizes k\*=8"),
    ({"slope.sigmas": (0.1,)}, ValueError,
     r"slope.sigmas must hold at least 2 values; got slope.sigmas=\(0.1,\)"),
    ({"n_seeds": 1}, ValueError, r"n_seeds must be >= 2; got n_seeds=1"),
    ({"cpl.conditions": ()}, ValueError,
     r"cpl.conditions must hold at least one value; got cpl.conditions=\(\)"),
    ({"epsilon_fraction": 1.5}, ValueError, r"epsilon_fraction must be"),
    ({"grid": 3}, ValueError,
     r"VerifyConfig key must be one of \['C', 'cpl', .*'window'\]; got VerifyConfig key='grid'"),
    ({"decoy.corelations": (0.8,)}, ValueError,
     r"VerifyConfig key must be one of \['decoy.active', 'decoy.blocks', 'decoy.correlations', "
     r"'decoy.decoys', 'decoy.k_ratios', 'decoy.sigmas', 'decoy.signals'\]; "
     r"got VerifyConfig key='decoy.corelations'"),
    ({"families": ("Lasso",)}, ValueError,
     r"families must be one of \['cpl', 'decoy', 'window'\]; got families='Lasso'"),
    ({"families": ()}, ValueError, r"families must hold at least one of"),
    ({"slope.grids": ("Lasso",)}, ValueError, r"slope.grids must be one of \['cpl', 'decoy', 'window'\]"),
    ({"decoy.correlations": (0.8, 1.0)}, ValueError,
     r"decoy.correlations must lie in \(0, 1/√decoy.decoys = 1\); got decoy.correlations=\(0.8, 1.0\)"),
    ({"decoy.k_ratios": (1.0, 1.3)}, ValueError,
     r"decoy.k_ratios must be >= 1 and multiples of 1/k\* = 1/4; got decoy.k_ratios=\(1.0, 1.3\)"),
    ({"decoy.active": 6}, ValueError, r"decoy.active must be in \[1, 5\]; got decoy.active=6"),
    ({"cpl.amplitudes": "uniform"}, ValueError, r"cpl.amplitudes must be one of \['gaussian', 'pm1'\]"),
    ({"phase_transition.deltas": (0.5, 1.0)}, ValueError, r"phase_transition.deltas must be finite and > 0"),
    ({"decoy.blocks": 2.0}, TypeError, r"decoy.blocks must be an integer; got 2.0 \(float\)"),
    ({"decoy": {"blocks": 2}}, TypeError, r"decoy must be a DecoyGrid; got \{'blocks': 2\} \(dict\)"),
])
def test_config_errors(changes, error, message):
    with pytest.raises(error, match=message):
        VerifyConfig().replace(**changes)


def test_dotted_keys_replace_one_nested_field_and_keep_the_others():
    config = PRESETS["quick"].replace(**{"decoy.correlations": (0.6, 0.8), "decoy.sigmas": (0.0,)}, n_seeds=4)
    assert config.decoy == dataclasses.replace(PRESETS["quick"].decoy, correlations=(0.6, 0.8), sigmas=(0.0,))
    assert (config.n_seeds, config.cpl, config.window) == (4, PRESETS["quick"].cpl, PRESETS["quick"].window)
    assert config.replace(decoy=DecoyGrid()).decoy == DecoyGrid()
    assert config.to_dict()["decoy"]["correlations"] == [0.6, 0.8]


@pytest.mark.parametrize(("text", "expected"), [
    ("decoy.correlations=0.6,0.8", ("decoy.correlations", (0.6, 0.8))),
    ("decoy.correlations=0.8", ("decoy.correlations", (0.8,))),
    ("decoy.correlations=[0.8, 0.9]", ("decoy.correlations", (0.8, 0.9))),
    ("window.sizes=8,1", ("window.sizes", ((8, 1),))),
    ("window.sizes=(8, 1), (16, 2)", ("window.sizes", ((8, 1), (16, 2)))),
    ("families=decoy", ("families", ("decoy",))),
    ("families=decoy, cpl", ("families", ("decoy", "cpl"))),
    ("slope.grids=window,decoy", ("slope.grids", ("window", "decoy"))),
    ("n_seeds=4", ("n_seeds", 4)),
    ("ucb_method=student-t", ("ucb_method", "student-t")),
    ("phase_transition.dim=16", ("phase_transition.dim", 16)),
])
def test_set_texts_parse_to_the_field_types(text, expected):
    assert parse_setting(text, VerifyConfig()) == expected


def test_every_key_is_settable_and_round_trips_through_the_command_line_text():
    config = VerifyConfig()
    for key in config_keys():
        value = config_value(config, key)
        if not dataclasses.is_dataclass(value):
            assert config.replace(**dict([parse_setting(f"{key}={value!r}", config)])) == config, key


def test_verify_set_overrides_the_preset(tmp_path, monkeypatch):
    from iht.theory import verify

    seen = {}

    def run_verify(out, config, preset):
        seen["config"] = config
        raise SystemExit(0)
    monkeypatch.setattr(verify, "run_verify", run_verify)
    with pytest.raises(SystemExit):
        main(["verify", "--quick", "--out", str(tmp_path), "--seed", "2",
              "--set", "decoy.correlations=0.6,0.8", "--set", "slope.seeds=3"])
    assert seen["config"] == PRESETS["quick"].replace(seed=2, **{"decoy.correlations": (0.6, 0.8),
                                                                 "slope.seeds": 3})


@pytest.mark.parametrize(("setting", "message"), [
    ("decoy.corelations=0.8", "error: VerifyConfig key must be one of ['decoy.active', "),
    ("decoy.correlations=0.8,1.2", "error: decoy.correlations must lie in (0, 1/√decoy.decoys = 1)"),
    ("n_seeds", "error: --set must be KEY=VALUE (e.g. decoy.correlations=0.6,0.8); got 'n_seeds'"),
    ("n_seeds=many", "error: n_seeds must be an integer; got 'many' (str)"),
])
def test_verify_set_errors_are_one_line_and_exit_2(setting, message, tmp_path, capsys):
    assert main(["verify", "--quick", "--out", str(tmp_path / "out"), "--set", setting]) == 2
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1, error
    assert not (tmp_path / "out").exists()


def test_verify_help_lists_the_set_keys(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    printed = capsys.readouterr().out
    assert "decoy.correlations = (0.6, 0.8, 0.9)" in printed and "phase_transition.dim = 64" in printed
