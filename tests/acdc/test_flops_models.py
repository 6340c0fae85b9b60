"""Dense inference and training FLOPs of ResNet-50 and MobileNetV1 against the published numbers.

Published: AC/DC (Peste et al. 2021) Table 1, ResNet-50: 8.2 GFLOPs inference, 3.14 EFLOPs for 100
epochs of dense training; Table 3, MobileNetV1: 1.1 GFLOPs and 0.44 EFLOPs. MobileNetV1 has 569
million multiply-adds (Howard et al. 2017, Table 2).
"""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from acdc.flops import PhaseCost, count_flops, training_flops
from acdc.models.mobilenet_v1 import mobilenet_v1
from acdc.models.resnet50 import resnet50

IMAGENET_TRAIN_EXAMPLES = 1_281_167
SHAPE = (1, 3, 224, 224)


@pytest.fixture(scope="module")
def resnet():
    model = resnet50()
    return model, count_flops(model, SHAPE)


@pytest.fixture(scope="module")
def mobilenet():
    model = mobilenet_v1()
    return model, count_flops(model, SHAPE)


def test_resnet50_counts_8_2_gflops(resnet):
    _, count = resnet
    assert count.dense_flops / 1e9 == pytest.approx(8.2, rel=0.02)  # measured 8.217
    assert count.unknown_types == ()


def test_mobilenet_v1_counts_1_1_gflops(mobilenet):
    _, count = mobilenet
    assert count.dense_flops / 1e9 == pytest.approx(1.1, rel=0.05)  # measured 1.153 (1.138 conv + fc)
    multiply_adds = count.rows["weighted_flops"].sum() / 2
    assert multiply_adds == pytest.approx(569e6, rel=0.002)


@pytest.mark.parametrize("fixture", ["resnet", "mobilenet"])
def test_weighted_flops_agree_with_torch_flop_counter(fixture, request):
    model, count = request.getfixturevalue(fixture)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model.eval()(torch.zeros(SHAPE))
    # torch counts 2 FLOPs per multiply-add of convolutions and matrix products, biases excluded
    assert count.rows["weighted_flops"].sum() == counter.get_total_flops()


def test_resnet50_has_the_residual_adds(resnet):
    _, count = resnet
    adds = count.rows[count.rows["type"] == "add"]
    assert len(adds) == 3 + 4 + 6 + 3
    assert adds["layer"].iloc[0] == "layer1.0.add"
    assert adds["output_shape"].iloc[0] == (1, 256, 56, 56)


@pytest.mark.parametrize(
    ("fixture", "published_eflops", "tolerance"), [("resnet", 3.14, 0.02), ("mobilenet", 0.44, 0.05)]
)
def test_dense_training_of_100_imagenet_epochs(fixture, published_eflops, tolerance, request):
    _, count = request.getfixturevalue(fixture)
    cost = training_flops(count, [PhaseCost("dense", 100 * IMAGENET_TRAIN_EXAMPLES)])
    assert cost.total / 1e18 == pytest.approx(published_eflops, rel=tolerance)
    assert cost.relative == 1.0
