"""Training FLOPs of AC/DC and RigL schedules from their phase histories (RigL convention)."""

import enum

import pytest
import torch
from torch import nn

from acdc.controller import ACDCController
from acdc.flops import PhaseCost, count_flops, phases_from_epochs, phases_from_history, training_flops
from acdc.models.resnet50 import resnet50
from acdc.schedule import Schedule
from iht.projection import TopK
from tests.acdc.helpers import tiny_net

# AC/DC's ImageNet schedule (Peste et al. 2021, Sec. 4): 10 dense warm-up epochs, sparse and dense
# phases of 5 epochs, a last dense phase of 10 and a final sparse phase of 15: 50 dense, 50 sparse.
ACDC_SCHEDULE = (
    ["dense"] * 10 + (["sparse"] * 5 + ["dense"] * 5) * 6 + ["sparse"] * 5 + ["dense"] * 10 + ["sparse"] * 15
)
REFERENCE = 0.5 * 1 + 0.5 * 0.1  # half the epochs dense, half at density 0.1


def history(densities):
    return [(kind, densities if kind == "sparse" else {}) for kind in ACDC_SCHEDULE]


@pytest.fixture(scope="module")
def resnet_count():
    return count_flops(resnet50(), (1, 3, 224, 224))


def uniform(count, density, keep_dense=()):
    return {name: density for name in count.weights if name not in keep_dense}


def test_every_layer_prunable_gives_exactly_0_55():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.Flatten(), nn.Linear(8 * 6 * 6, 4, bias=False))
    count = count_flops(model, (1, 3, 8, 8))
    phases = phases_from_epochs(history(uniform(count, 0.1)), examples_per_epoch=1000)
    assert len(phases) == 1 + 2 * 6 + 3
    cost = training_flops(count, phases)
    assert cost.relative == pytest.approx(REFERENCE, rel=1e-12)
    assert cost.dense_total == pytest.approx(3 * count.dense_flops * 100 * 1000)


def test_resnet50_uniform_90_is_above_0_55_because_of_unprunable_operations(resnet_count):
    cost = training_flops(resnet_count, phases_from_epochs(history(uniform(resnet_count, 0.1)), 1000))
    assert 0.55 < cost.relative < 0.56  # measured 0.5524
    excess = cost.excess_over(REFERENCE)
    assert excess["excess"].sum() == pytest.approx(cost.relative - REFERENCE, rel=1e-9)
    convolutions = excess[excess["type"] == "Conv2d"]
    assert convolutions["excess"].abs().max() < 1e-15
    by_type = excess.groupby("type")["excess"].sum()
    assert set(by_type[by_type > 0].index) == {
        "BatchNorm2d",
        "ReLU",
        "add",
        "MaxPool2d",
        "AdaptiveAvgPool2d",
        "Linear",
    }
    text = cost.explain(REFERENCE)
    assert f"training cost {cost.relative:.4f} of dense vs reference 0.5500" in text
    assert "BatchNorm2d +" in text


def test_first_and_last_layers_kept_dense_show_up_in_the_breakdown(resnet_count):
    densities = uniform(resnet_count, 0.1, keep_dense=("conv1.weight", "fc.weight"))
    cost = training_flops(resnet_count, phases_from_epochs(history(densities), 1000))
    excess = cost.excess_over(REFERENCE).set_index("layer")
    assert excess.index[0] == "conv1"
    conv1_share = resnet_count.rows.set_index("layer").loc["conv1", "dense_flops"] / resnet_count.dense_flops
    assert excess.loc["conv1", "excess"] == pytest.approx((1 - REFERENCE) * conv1_share)
    assert excess.loc["fc", "excess"] > 0
    uniform_cost = training_flops(resnet_count, phases_from_epochs(history(uniform(resnet_count, 0.1)), 1000))
    assert cost.relative > uniform_cost.relative


def test_module_names_and_weight_names_are_both_accepted(resnet_count):
    by_weight = resnet_count.forward_flops({"layer1.0.conv1.weight": 0.5})
    by_module = resnet_count.forward_flops({"layer1.0.conv1": 0.5})
    assert by_weight == by_module < resnet_count.dense_flops


def test_per_phase_rows_and_dense_phases_ignore_densities():
    count = count_flops(nn.Linear(4, 2, bias=False), (1, 4))
    cost = training_flops(
        count, [PhaseCost("dense", 10, {"weight": 0.5}), PhaseCost("sparse", 30, {"weight": 0.5})]
    )
    assert cost.phases["relative"].tolist() == [1.0, 0.5]
    assert cost.phases["training_flops"].tolist() == [3 * 16 * 10, 3 * 8 * 30]
    assert cost.relative == pytest.approx((10 + 0.5 * 30) / 40)


def test_rigl_dense_gradient_steps_match_rigl_average_per_step():
    count = count_flops(nn.Linear(10, 10, bias=False), (1, 10))
    f_dense, delta_t, batch, updates = count.dense_flops, 100, 32, 7
    f_sparse = 0.2 * f_dense
    phase = PhaseCost(
        "sparse", (delta_t + 1) * batch * updates, {"weight": 0.2}, dense_gradient_examples=batch * updates
    )
    cost = training_flops(count, [phase])
    per_example = cost.total / phase.examples
    rigl = (3 * f_sparse * delta_t + 2 * f_sparse + f_dense) / (delta_t + 1)  # Evci et al. 2020
    assert per_example == pytest.approx(rigl)


def test_phases_from_epochs_accepts_the_paper_names_and_enums():
    class Phase(enum.Enum):
        DENSE = "dense"
        SPARSE = "sparse"

    phases = phases_from_epochs(
        [
            ("decompressed", {"w": 1.0}),
            (Phase.DENSE, {"w": 0.9}),
            ("compressed", {"w": 0.1}),
            (Phase.SPARSE, {"w": 0.2}),
        ],
        50,
    )
    assert [(p.kind, p.examples, dict(p.densities)) for p in phases] == [
        ("dense", 100, {}),
        ("sparse", 50, {"w": 0.1}),
        ("sparse", 50, {"w": 0.2}),
    ]


def test_phases_from_history_charges_rigl_dense_gradient_steps():
    count = count_flops(nn.Linear(10, 10, bias=False), (1, 10))
    record = {"epoch": 0, "phase": "compressed", "density": 0.2, "layer_density": {"weight": 0.2},
              "mask_change": None, "steps": 10, "dense_gradient_steps": 1}
    history = [{**record, "epoch": 0}, {**record, "epoch": 1},
               {**record, "epoch": 2, "dense_gradient_steps": 0}]
    phases = phases_from_history(history, examples_per_epoch=100)
    assert phases == [PhaseCost("sparse", 300, {"weight": 0.2}, 20)]  # merged, extras summed
    per_step = (3 * 0.2 * 9 + 2 * 0.2 + 1) / 10  # RigL: one dense-gradient step in ten, relative to 3 f_D
    expected = (2 * per_step + 3 * 0.2) / (3 * 3)
    assert training_flops(count, phases).relative == pytest.approx(expected)


def test_phases_from_history_takes_controller_records():
    model = tiny_net()
    controller = ACDCController(model, torch.optim.SGD(model.parameters(), lr=0.1),
                                Schedule.from_lengths([("dense", 1), ("compressed", 1)]), TopK(sparsity=0.5))
    for epoch in range(2):
        controller.start_epoch(epoch)
    phases = phases_from_history(controller.history, examples_per_epoch=8)
    assert [p.kind for p in phases] == ["dense", "sparse"] and phases[1].dense_gradient_examples == 0
