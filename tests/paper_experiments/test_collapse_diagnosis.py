"""paper_experiments.collapse_diagnosis on the quick preset (ResNet20 of width 8 on 512 8×8 images, seconds):
the probe's emptied channels are the all-zero channels of the final sparse model, the channel floor
empties none, and bad config values are named."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import torch

from acdc import checkpoint
from paper_experiments.collapse_diagnosis import PRESETS, Config, run
from paper_experiments.common import fashion_mnist_missing

pytestmark = pytest.mark.skipif(fashion_mnist_missing() is not None, reason=str(fashion_mnist_missing()))


@pytest.fixture(scope="module")
def diagnosis(tmp_path_factory):
    out = tmp_path_factory.mktemp("collapse")
    config = dataclasses.replace(PRESETS["quick"], remedies=("none", "channel-floor"))
    return out, run(config, out), pd.read_csv(out / "channels.csv")


def test_probe_counts_the_channels_the_last_projection_emptied(diagnosis):
    out, _, channels = diagnosis
    last = channels[(channels["remedy"] == "none") & (channels["projection"] == channels["projection"].max())]
    state = checkpoint.load(out / "runs" / "none" / "final_sparse.pt")["state_dict"]
    zero = {name: int((state[name].reshape(state[name].shape[0], -1).abs().sum(dim=1) == 0).sum())
            for name in last["weight"]}
    assert dict(zip(last["weight"], last["emptied"])) == zero
    assert sum(zero.values()) > 0  # 98% global top-k empties channels on this model


def test_one_row_per_projection_and_weight_with_the_first_dense_step_measured(diagnosis):
    _, results, channels = diagnosis
    none = channels[channels["remedy"] == "none"]
    assert sorted(set(none["projection"])) == [0, 1]  # the quick schedule compresses twice
    assert none.groupby("projection")["weight"].nunique().tolist() == [none["weight"].nunique()] * 2
    first = none[none["projection"] == 0]
    assert torch.isfinite(torch.tensor(first[["norm_before", "norm_after"]].to_numpy())).all()
    assert set(results["remedy"]) == {"none", "channel-floor"}


def test_channel_floor_empties_no_channel(diagnosis):
    _, results, channels = diagnosis
    assert (channels.loc[channels["remedy"] == "channel-floor", "emptied"] == 0).all()
    assert results.set_index("remedy").loc["channel-floor", "max_emptied_layers"] == 0


@pytest.mark.parametrize(("change", "message"), [
    ({"remedies": ("none", "magic")}, "remedies"),
    ({"bn_eps": 0.0}, r"bn_eps must be finite and > 0.0; got bn_eps=0.0"),
    ({"min_channel_weights": 0}, r"min_channel_weights must be >= 1; got min_channel_weights=0"),
    ({"warmup_steps": 0}, r"warmup_steps must be >= 1; got warmup_steps=0"),
    ({"sparsity": 1.0}, "sparsity"),
])
def test_bad_config_values_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        Config(**change)
