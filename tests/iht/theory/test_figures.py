"""Figures of a verification run (issue 17): readable log-axis labels, legends that list only what is
drawn, and a meaningful x axis for ``ratios.png``."""

import itertools

import numpy as np
import pandas as pd
import pytest

from iht.theory import figures


@pytest.fixture
def drawn(monkeypatch):
    """The figures the functions of :mod:`iht.theory.figures` close, kept open for inspection."""
    kept = []
    monkeypatch.setattr(figures.plt, "close", kept.append)
    return kept


def _overlapping_labels(fig):
    """Pairs of tick labels of one axis whose drawn boxes intersect."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            labels = [t for t in axis.get_ticklabels(which="both")
                      if t.get_visible() and t.get_text() and low <= axis.convert_units(t.get_position()[
                          0 if axis is ax.xaxis else 1]) <= high]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
            pairs += [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
                      if box_a.overlaps(box_b)]
    return pairs


def _theorem1_rows(c_rows, hypothesis="paper"):
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"bound": "theorem1", "hypothesis": hypothesis, "family": family, "solver": solver,
                          "c_row": c, "observed_lcb": lcb, "bound_value": 1.0}
                         for family, solver in (("CPLQuadratic", "acdc_iht"), ("DecoyBlockQuadratic", "iht"))
                         for c, lcb in zip(c_rows, rng.uniform(0.01, 2.0, len(c_rows)))])


@pytest.mark.parametrize("span", [(2.0, 21.0), (0.9, 1.6), (0.01, 1.0), (1e-12, 1e2)])
def test_log_axis_labels_do_not_overlap(span, drawn, tmp_path):
    # the x axis of the old empirical_c.png (β/α from 2 to 21) labelled 3×10⁰ and 4×10⁰ over each other
    c_rows = np.geomspace(*span, 9)
    figures.refuted_c_figure(pd.concat([_theorem1_rows(c_rows), _theorem1_rows(c_rows, "relaxed")]),
                             tmp_path / "refuted_c.png")
    assert _overlapping_labels(drawn[0]) == []
    assert len([t for t in drawn[0].axes[0].get_xticklabels() if t.get_text()]) >= 2


def test_legends_list_only_what_is_drawn(drawn, tmp_path):
    # rates.png listed 6 entries for 3 visible lines; iterations.png listed "flagged" with nothing flagged
    iterations = pd.DataFrame({"hypothesis": "paper", "censored": False, "scale": [10.0, 20.0, 40.0],
                               "iterations": [3.0, 6.0, 12.0], "hypotheses_hold": True, "flagged": False,
                               "budget": 100, "fitted_constant": 0.3, "envelope_constant": 0.5})
    figures.iteration_figure(iterations, tmp_path / "iterations.png")
    labels = [t.get_text() for t in drawn[0].axes[0].get_legend().get_texts()]
    assert labels == ["hypotheses hold", "fit c=0.3", "envelope"]
    assert drawn[0].axes[0].get_ylim() == (0.0, 24.0)  # counts: no negative half, room above the largest


def test_ratio_figure_draws_each_row_at_its_bound(drawn, tmp_path):
    # ratios.png had the row index for x axis
    table = pd.DataFrame({"bound": "theorem1", "hypothesis": "paper", "solver": "stochastic_iht",
                          "verdict": ["verified", "verified", "vacuous"], "bound_value": [1e-3, 0.1, 2.0],
                          "ratio": [0.0, 0.01, 0.5]})
    figures.ratio_figure(table, tmp_path / "ratios.png")
    ax = drawn[0].axes[0]
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    assert sorted(xs) == [1e-3, 0.1, 2.0]
    assert "ε + 16σ²/α" in ax.get_xlabel() and ax.get_xscale() == "log"
