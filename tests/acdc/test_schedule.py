"""The AC/DC schedule: the paper's recipes, scaling, and validation of boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acdc.schedule import (
    Phase,
    PhaseSpan,
    Schedule,
    alternating_schedule,
    lm_schedule,
    paper_schedule,
    parse_schedule,
)


def spans_of(schedule: Schedule) -> list[tuple[str, int, int]]:
    """(phase, first epoch, last epoch) of every span, inclusive as the paper writes them."""
    return [(s.phase.value, s.start, s.stop - 1) for s in schedule.spans]


def test_paper_recipe_matches_section_4():
    expected = [("dense", 0, 9)]
    for start in range(10, 75, 10):
        expected.append(("compressed", start, start + 4))
        if start < 70:
            expected.append(("dense", start + 5, start + 9))
    expected += [("dense", 75, 84), ("compressed", 85, 99)]
    schedule = paper_schedule(100)
    assert spans_of(schedule) == expected
    assert schedule.epochs_in("dense") == schedule.epochs_in("compressed") == 50
    assert [schedule.phase_at(e) for e in (0, 9, 10, 14, 15, 74, 75, 84, 85, 99)] == [
        Phase.DENSE, Phase.DENSE, Phase.COMPRESSED, Phase.COMPRESSED, Phase.DENSE, Phase.COMPRESSED,
        Phase.DENSE, Phase.DENSE, Phase.COMPRESSED, Phase.COMPRESSED,
    ]
    assert schedule == alternating_schedule(10, 5, 5, 7, 10, 15)


def test_lm_preset_is_the_transformer_xl_recipe_in_0_based_epochs():
    schedule = lm_schedule()
    spans = spans_of(schedule)
    assert spans[0] == ("dense", 0, 4)
    assert spans[1:10] == [("compressed" if i % 2 == 0 else "dense", 5 + 3 * i, 7 + 3 * i) for i in range(9)]
    # the paper's 1-based "dense 33–39, compressed 40–48"
    assert spans[10:] == [("dense", 32, 38), ("compressed", 39, 47)]
    assert schedule.epochs == 48


@given(st.integers(20, 400))
def test_scaled_paper_recipe_keeps_its_shape(epochs):
    schedule = paper_schedule(epochs)
    assert schedule.epochs == epochs
    assert len(schedule.spans) == 16
    assert schedule.spans[-1].phase is Phase.COMPRESSED
    # every boundary is the nearest integer to the scaled 100-epoch boundary
    for scaled, original in zip(schedule.spans, paper_schedule(100).spans):
        assert abs(scaled.start - original.start * epochs / 100) <= 0.5


def test_phase_at_step_follows_the_epoch():
    schedule = Schedule.from_lengths([("dense", 2), ("compressed", 1)])
    assert [schedule.phase_at_step(s, 3).value for s in range(9)] == ["dense"] * 6 + ["compressed"] * 3
    with pytest.raises(ValueError, match=r"step must be in \[0, 8\]; got step=9"):
        schedule.phase_at_step(9, 3)


def test_parse_schedule_forms():
    assert parse_schedule("paper", 40) == paper_schedule(40)
    assert parse_schedule("lm", 48) == lm_schedule()
    assert spans_of(parse_schedule("dense:3, compressed:2", 5)) == [("dense", 0, 2), ("compressed", 3, 4)]


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([], "spans must contain at least one phase"),
        ([("dense", 1, 3), ("compressed", 3, 5)], "must start at epoch 0; got a first span starting at 1"),
        ([("dense", 0, 5), ("compressed", 4, 8)], "schedule spans overlap: dense 0–4 and compressed 4–7"),
        ([("dense", 0, 5), ("compressed", 7, 9)], "schedule has a gap: epochs 5–6 belong to no span"),
        ([("dense", 0, 5), ("dense", 5, 7), ("compressed", 7, 9)], "must alternate dense and compressed"),
        ([("compressed", 0, 5), ("dense", 5, 9)], "must end on a compressed phase"),
        ([("sparse", 0, 5)], r"phase must be one of \['compressed', 'dense'\]; got phase='sparse'"),
        ([("dense", 0, 0)], r"stop must be >= 1; got stop=0"),
    ],
)
def test_invalid_schedules_are_named(spans, message):
    with pytest.raises(ValueError, match=message):
        Schedule(tuple(spans))


def test_invalid_builders_and_epochs_are_named():
    with pytest.raises(ValueError, match=r"epochs must be >= 20; got epochs=10"):
        paper_schedule(10)
    with pytest.raises(ValueError, match=r"the schedule's 48 epochs for schedule='lm'; got epochs=30"):
        parse_schedule("lm", 30)
    with pytest.raises(ValueError, match=r"comma-separated phase:epochs items .*got schedule='dense3'"):
        parse_schedule("dense3", 3)
    with pytest.raises(ValueError, match=r"epoch must be in \[0, 4\]; got epoch=5"):
        Schedule.from_lengths([("dense", 2), ("compressed", 3)]).phase_at(5)
    assert PhaseSpan("dense", 0, 3) == PhaseSpan(Phase.DENSE, 0, 3)
