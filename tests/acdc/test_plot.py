"""Figure 1 (sparsity_accuracy.png): phases in the legend, the legend clear of the plotted epochs."""

from __future__ import annotations

import matplotlib.pyplot as plt

from acdc.plot import metrics_figure, plot_metrics


def rows():
    phases = ["dense", "dense", "compressed", "compressed", "dense", "compressed", "dense-finetune"]
    return [{"epoch": e, "phase": p, "sparsity": 0.9 if p == "compressed" else 0.0, "val_acc": 0.5 + e / 20}
            for e, p in enumerate(phases)]


def test_phases_are_in_the_legend_below_the_axes():
    fig = metrics_figure(rows(), title="t")
    try:
        axes = fig.axes[0]
        legend = axes.get_legend()
        assert [t.get_text() for t in legend.get_texts()] == ["sparsity", "validation accuracy",
                                                               "compressed phase", "dense fine-tune"]
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # the legend lies entirely below the axes: it covers no epoch, the last phase included
        assert legend.get_window_extent(renderer).y1 < axes.get_window_extent(renderer).y0
        assert len(axes.patches) == 3  # one patch per run of shaded epochs: 2-3, 5 and 6
    finally:
        plt.close(fig)


def test_plot_metrics_writes_a_png(tmp_path):
    plot_metrics(rows(), tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
