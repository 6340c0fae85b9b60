"""acdc.remedies: the channel floor keeps every output channel (and the budget) and bounds the first dense
step's gradient of channels a global threshold would empty before batch norm."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from acdc.config import TrainConfig
from acdc.controller import ACDCController
from acdc.methods import build_controller
from acdc.remedies import ChannelFloor, channel_floor_scores, emptied_channels, set_batch_norm_eps
from acdc.schedule import parse_schedule
from acdc.trainer import Trainer
from iht.projection import ERKTopK, LayerwiseTopK, TopK

from .helpers import tiny_config


def weights(seed: int = 0) -> dict[str, torch.Tensor]:
    """A large-scale and a small-scale layer: global top-k at 90% empties channels of the small one."""
    generator = torch.Generator().manual_seed(seed)
    return {"big": torch.randn(4, 3, 3, 3, generator=generator),
            "small": 1e-3 * torch.randn(8, 4, 3, 3, generator=generator),
            "bias": torch.randn(5, generator=generator)}


def test_global_topk_empties_channels_and_the_floor_keeps_each_with_the_same_budget():
    arrays = weights()
    plain = TopK(sparsity=0.9).masks(arrays)
    floored = ChannelFloor(TopK(sparsity=0.9), 2).masks(arrays)
    assert int(emptied_channels(plain["small"]).sum()) == 8
    assert sum(int(m.sum()) for m in floored.values()) == sum(int(m.sum()) for m in plain.values())
    for name in ("big", "small"):
        assert (floored[name].reshape(floored[name].shape[0], -1).sum(dim=1) >= 2).all()


@pytest.mark.parametrize("projection", [LayerwiseTopK(0.9), ERKTopK(0.9)])
def test_per_layer_projections_keep_their_counts(projection):
    arrays = weights()
    plain, floored = projection.masks(arrays), ChannelFloor(projection, 1).masks(arrays)
    assert {n: int(m.sum()) for n, m in floored.items()} == {n: int(m.sum()) for n, m in plain.items()}
    assert not any(bool(emptied_channels(floored[n]).any()) for n in ("big", "small"))


def test_floor_keeps_each_channels_largest_weights_and_zero_is_the_projection():
    arrays = weights()
    scores = channel_floor_scores(arrays, 1)
    rows = arrays["small"].abs().reshape(8, -1)
    raised = scores["small"].reshape(8, -1) > rows.max() + 1
    assert torch.equal(raised, rows == rows.max(dim=1, keepdim=True).values)
    assert torch.equal(scores["bias"], arrays["bias"].abs())
    for name, mask in ChannelFloor(TopK(sparsity=0.9), 0).masks(arrays).items():
        assert torch.equal(mask, TopK(sparsity=0.9).masks(arrays)[name])


def test_a_channel_smaller_than_the_floor_keeps_all_its_weights():
    arrays = {"narrow": torch.ones(3, 2), "wide": 10 * torch.ones(2, 50)}
    masks = ChannelFloor(TopK(k=17), 5).masks(arrays)
    assert bool(masks["narrow"].all())
    assert masks["wide"].sum(dim=1).tolist() == [6, 5] or masks["wide"].sum(dim=1).tolist() == [5, 6]
    assert not bool(TopK(k=17).masks(arrays)["narrow"].any())


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"must be an iht\.projection\.Projection; got projection=0\.9"):
        ChannelFloor(0.9)
    with pytest.raises(ValueError, match=r"minimum must be >= 0; got minimum=-1"):
        ChannelFloor(TopK(sparsity=0.9), -1)
    with pytest.raises(ValueError, match=r"min_channel_weights must be >= 0; got min_channel_weights=-1"):
        TrainConfig(min_channel_weights=-1)
    with pytest.raises(ValueError, match=r"min_channel_weights is only for method='acdc'; got method='gmp'"):
        TrainConfig(method="gmp", min_channel_weights=1)


def bn_net() -> nn.Module:
    """Two conv + batch norm blocks. The second conv's weights are smaller (fan-in 72 against 9), so 90%
    global top-k empties it; its batch norm's shift is positive, as in a trained net (ReLU passes it)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    with torch.no_grad():
        net[4].bias.fill_(0.1)
    return net


def first_dense_gradient(minimum: int, bn_eps: float | None = None) -> torch.Tensor:
    """Per-output-channel gradient norms of the small conv at the first dense step after a 90% projection."""
    net = bn_net()
    if bn_eps is not None:
        assert set_batch_norm_eps(net, bn_eps) == 2
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    config = TrainConfig(sparsity=0.9, min_channel_weights=minimum, epochs=3, data="synthetic",
                         schedule="compressed:1,dense:1,compressed:1")
    controller = build_controller(config, net, optimizer, steps_per_epoch=1)
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(16, 1, 6, 6, generator=generator), torch.randint(0, 5, (16,), generator=generator)
    controller.start_epoch(0)
    controller.start_epoch(1)
    nn.functional.cross_entropy(net(x), y).backward()
    controller.close()
    return net[3].weight.grad.reshape(8, -1).norm(dim=1)


@pytest.mark.filterwarnings("ignore::acdc.controller.LayerCollapseWarning")
def test_floor_bounds_the_first_dense_gradient_of_channels_global_topk_empties():
    net = bn_net()
    masks = TopK(sparsity=0.9).masks({n: p.detach() for n, p in net.named_parameters() if p.ndim > 1})
    assert bool(emptied_channels(masks["3.weight"]).all())
    plain, floored = first_dense_gradient(0), first_dense_gradient(1)
    # zero batch variance: batch norm scales the emptied channels' gradient by γ/√ε = 316γ
    assert float(plain.min()) > 5 * float(floored.max())


@pytest.mark.filterwarnings("ignore::acdc.controller.LayerCollapseWarning")
def test_batch_norm_eps_scales_the_emptied_channels_gradient_by_its_inverse_square_root():
    plain, capped = first_dense_gradient(0), first_dense_gradient(0, bn_eps=1e-2)
    # every channel of the small conv is emptied: its gradient goes from γ/√1e-5 to γ/√1e-2 times the same
    # signal (up to the few per cent by which ε = 1e-2 also changes the first batch norm's output)
    torch.testing.assert_close(plain / capped, torch.full((8,), (1e-2 / 1e-5) ** 0.5), rtol=0.05, atol=0)


def test_the_trainer_sets_batch_norm_eps(tmp_path):
    config = tiny_config(tmp_path, schedule="dense:1,compressed:1", epochs=2, bn_eps=1e-2)
    trainer = Trainer(config, progress=False)
    try:
        eps = {m.eps for m in trainer.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)}
    finally:
        trainer.close()
    assert eps == {1e-2}
    with pytest.raises(ValueError, match=r"bn_eps must be finite and > 0\.0; got bn_eps=0"):
        TrainConfig(bn_eps=0)
    with pytest.raises(ValueError, match=r"eps must be finite and > 0\.0; got eps=-1"):
        set_batch_norm_eps(bn_net(), -1)


def test_the_config_knob_wraps_the_acdc_projection():
    net = bn_net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    controller = build_controller(TrainConfig(sparsity=0.9, min_channel_weights=3, data="synthetic"), net,
                                  optimizer, steps_per_epoch=1)
    assert isinstance(controller, ACDCController)
    assert controller.projection == ChannelFloor(TopK(sparsity=0.9), 3)
    plain = ACDCController(net, optimizer, parse_schedule("compressed:1", 1), TopK(sparsity=0.9))
    assert plain.projection == TopK(sparsity=0.9)
