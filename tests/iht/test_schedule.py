"""One AC/DC schedule for iht and acdc: defined in iht.schedule (no torch), re-exported by acdc."""

import subprocess
import sys

import pytest

import acdc.schedule
import iht.schedule


def test_acdc_schedule_re_exports_the_one_definition():
    for name in iht.schedule.__dict__.keys() & set(acdc.schedule.__all__):
        assert getattr(acdc.schedule, name) is getattr(iht.schedule, name)
    assert set(acdc.schedule.__all__) >= {"Phase", "PhaseSpan", "Schedule", "alternating_schedule",
                                          "paper_schedule", "lm_schedule", "parse_schedule"}


def test_iht_schedule_does_not_import_torch():
    code = "import sys, iht.schedule; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("phase", "error", "message"), [
    ("sparse", ValueError, r"phase must be one of \['compressed', 'dense'\]; got phase='sparse'"),
    (3, TypeError, r"phase must be one of \['compressed', 'dense'\]; got phase=3 \(int\)"),
    (None, TypeError, r"got phase=None \(NoneType\)"),
])
def test_unknown_phases_are_named(phase, error, message):
    with pytest.raises(error, match=message):
        iht.schedule.PhaseSpan(phase, 0, 1)


def test_the_paper_recipe_in_steps_keeps_the_shape_training_uses():
    """Warm-up, alternating phases, a long final dense phase and a final compressed phase."""
    steps = iht.schedule.paper_schedule(40)
    lengths = [len(s) for s in steps.spans]
    assert steps.spans[0].phase is iht.schedule.Phase.DENSE and lengths[0] == 4
    assert lengths[1:-2] == [2] * 13 and lengths[-2:] == [4, 6]
    assert steps.spans[-1].phase is iht.schedule.Phase.COMPRESSED
