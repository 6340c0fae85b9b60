"""Dense inference and training FLOPs of ResNet-50 and MobileNetV1 against the published numbers.

Published: AC/DC (Peste et al. 2021) Table 1, ResNet-50: 8.2 GFLOPs inference, 3.14 EFLOPs for 100
epochs of dense training; Table 3, MobileNetV1: 1.1 GFLOPs and 0.44 EFLOPs. MobileNetV1 has 569
million multiply-adds (Howard et al. 2017, Table 2).
"""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from acdc.flops import InputShapeError, PhaseCost, count_flops, training_flops
from acdc.models import resnet20
from acdc.models.mobilenet_v1 import mobilenet_v1
from acdc.models.resnet50 import resnet50
from acdc.models.transformer_lm import TransformerLM

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


def test_token_id_models_are_counted_with_an_integer_input():
    lm = TransformerLM(50, d_model=16, num_layers=1, num_heads=2, max_len=8)
    count = count_flops(lm, (1, 8), input_dtype=torch.long)
    assert count.unknown_types == ()
    head = count.rows[count.rows["layer"] == "head"].iloc[0]
    assert head["dense_flops"] == 2 * 8 * 16 * 50  # tied head: no bias, 8 positions × 16 × 50 MACs
    with pytest.raises(InputShapeError, match=r"cannot run on input_shape=\(1, 8\)"):
        count_flops(lm, (1, 8))  # float zeros are no token ids


def test_a_tied_head_is_counted_under_its_own_name_and_follows_the_embedding_mask():
    lm = TransformerLM(50, d_model=16, num_layers=1, num_heads=2, max_len=8)
    with torch.no_grad():
        lm.embedding.weight[:25] = 0
    count = count_flops(lm, (1, 8), skip_zero_weights=True, input_dtype=torch.long)
    assert "head.weight" in count.weights
    assert count.rows.set_index("layer").loc["head", "density"] == 0.5
    mask = torch.zeros_like(lm.embedding.weight, dtype=torch.bool)
    mask[:10] = True
    masked = count_flops(lm, (1, 8), {"embedding.weight": mask}, input_dtype=torch.long)
    assert masked.rows.set_index("layer").loc["head", "density"] == 0.2


def test_resnet20_and_its_empty_shortcuts_are_known():
    assert count_flops(resnet20(10, 1, 4), (1, 1, 8, 8), strict=True).dense_flops > 0
