"""Controllers on models their authors did not write (issue 20): Hugging Face GPT-2 and BERT from small
configurations (skipped without ``transformers``), the MobileNetV3/ConvNeXt/ViT mirrors of
:mod:`tests.acdc.thirdparty_models`, a custom layer, several optimisers, tied weights and state dicts.

Measured at 90% global magnitude top-k from initialisation, default selection (prunable share: entries
of the prunable weights over all parameter entries, each tensor once):

=====================  ==============================  ========================  ======================
model                  prunable weights                prunable share            zeros among prunable
=====================  ==============================  ========================  ======================
GPT-2                  8 Conv1D + lm_head (tied wte)   28,672 / 30,080 (95.3%)   25,805 (90.00%)
BERT (masked LM)       14 Linear (decoder tied)        21,504 / 23,072 (93.2%)   19,354 (90.00%)
MobileNetV3 mirror     12 Conv2d + 2 Linear            3,344 / 3,714 (90.0%)     3,010 (90.01%)
ConvNeXt mirror        5 Conv2d + 7 Linear             5,696 / 6,074 (93.8%)     5,126 (89.99%)
ViT mirror             conv, 2 in_proj, 7 Linear       5,024 / 5,722 (87.8%)     4,522 (90.01%)
=====================  ==============================  ========================  ======================

Before issue 20, GPT-2 masked only its tied ``lm_head`` (3,686 of the 28,672 linear-like entries zero).
"""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from acdc.baselines import GMPController, RigLController, StaticSparseController
from acdc.controller import ACDCController
from acdc.masks import (
    SmallPrunedShareWarning,
    head_weights,
    load_masked_state_dict,
    prunable_weights,
    strip_masks,
)
from acdc.schedule import Phase, Schedule
from iht.projection import NM, LayerwiseTopK, TopK, k_from_sparsity
from tests.acdc.flops.test_thirdparty import bert, gpt2
from tests.acdc.thirdparty_models import ConvNeXtMini, MobileNetV3Mini, VisionTransformerMini

COMPRESSED = Schedule.from_lengths([(Phase.COMPRESSED, 1)])
DENSE_THEN_COMPRESSED = Schedule.from_lengths([(Phase.DENSE, 1), (Phase.COMPRESSED, 1)])


def sgd(params) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)


def zeros(weights) -> int:
    return sum(int((w == 0).sum()) for w in weights.values())


def size(weights) -> int:
    return sum(w.numel() for w in weights.values())


def lm_step(model: nn.Module, optimizer: torch.optim.Optimizer, seed: int) -> None:
    tokens = torch.randint(0, 128, (2, 16), generator=torch.Generator().manual_seed(seed))
    optimizer.zero_grad()
    model(input_ids=tokens, labels=tokens).loss.backward()
    optimizer.step()


def test_gpt2_conv1d_projections_are_pruned_to_the_global_sparsity_and_stay_zero():
    model = gpt2()
    optimizer = sgd(model.parameters())
    controller = ACDCController(model, optimizer, COMPRESSED, TopK(sparsity=0.9))
    weights = controller.masks.weights
    conv1d = [n for n, m in model.named_modules() if type(m).__name__ == "Conv1D"]
    assert len(conv1d) == 8 and set(weights) == {f"{n}.weight" for n in conv1d} | {"lm_head.weight"}
    assert size(weights) == 28_672      # 2 x (32·96 + 32·32 + 32·128 + 128·32) + 128·32 (tied to wte)
    controller.start_epoch(0)
    assert zeros(weights) == 28_672 - k_from_sparsity(28_672, 0.9) == 25_805
    masks = {name: mask.clone() for name, mask in controller.masks.as_dict().items()}
    for seed in range(3):
        lm_step(model, optimizer, seed)
    assert all(not weights[name][~mask].any() for name, mask in masks.items())
    summary = controller.summary()
    assert summary.pruned_count == 28_672 and summary.tied == {"lm_head.weight": ("transformer.wte.weight",)}
    assert "transformer.wpe.weight" in summary.dense and summary.total_count == 30_080


def test_nm_groups_run_along_input_features_of_conv1d_and_linear_weights_alike():
    model = gpt2()
    controller = ACDCController(model, sgd(model.parameters()), COMPRESSED, NM(2, 4))
    controller.start_epoch(0)
    assert len(controller.masks.weights) == 9                     # 8 Conv1D and the tied lm_head
    for name, mask in controller.masks.as_dict().items():
        if name == "lm_head.weight":       # nn.Linear (out, in): groups along axis 1
            groups = mask.reshape(mask.shape[0], -1, 4).sum(-1)
        else:                              # Conv1D (in, out): groups along axis 0
            assert controller.masks.axes[name] == 0
            groups = mask.reshape(-1, 4, mask.shape[1]).sum(1)
        assert bool((groups == 2).all()), name


def test_bert_linear_layers_reach_the_global_sparsity_and_keep_dense_heads_spares_the_mlm_head():
    model = bert()
    controller = ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.9),
                                keep_dense="heads")
    weights = controller.masks.weights
    assert len(weights) == 12 and not any(name.startswith("cls.") for name in weights)
    assert set(controller.summary().excluded) == {"cls.predictions.transform.dense.weight",
                                                  "bert.embeddings.word_embeddings.weight"}  # decoder, tied
    controller.start_epoch(0)
    assert zeros(weights) == size(weights) - k_from_sparsity(size(weights), 0.9)


@pytest.mark.filterwarnings("ignore::acdc.controller.LayerCollapseWarning")
@pytest.mark.parametrize("build", [MobileNetV3Mini, ConvNeXtMini, VisionTransformerMini])
def test_mirrors_reach_the_global_sparsity_over_every_prunable_weight(build):
    model = build()
    controller = ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.9))
    controller.start_epoch(0)
    weights = controller.masks.weights
    assert zeros(weights) == size(weights) - k_from_sparsity(size(weights), 0.9)
    dense_by_role = {n for n, s in controller.summary().dense.items() if len(s) >= 2}
    assert dense_by_role <= {"class_token", "encoder.pos_embedding", "features.1.0.layer_scale",
                             "features.1.1.layer_scale", "features.3.0.layer_scale"}


def two_layers() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16))


def two_layer_step(model: nn.Module, optimizers, seed: int) -> None:
    x = torch.randn(8, 16, generator=torch.Generator().manual_seed(seed))
    for optimizer in optimizers:
        optimizer.zero_grad()
    model(x).square().mean().backward()
    for optimizer in optimizers:
        optimizer.step()


def test_a_prunable_weight_stepped_by_an_optimiser_not_given_is_an_error():
    model = two_layers()
    first = sgd(model[0].parameters())
    sgd(model[2].parameters())  # the reproducer's second optimiser, not given to the controller
    with pytest.raises(ValueError, match=r"optimizer must hold every prunable .* none of \['2.weight'\]"):
        ACDCController(model, first, COMPRESSED, LayerwiseTopK(sparsity=0.5))
    with pytest.raises(TypeError, match=r"optimizer must be a torch.optim.Optimizer or a non-empty sequence"):
        ACDCController(model, [], COMPRESSED, LayerwiseTopK(sparsity=0.5))


def test_every_optimiser_given_keeps_its_pruned_weights_zero_and_is_reset():
    model = two_layers()
    optimizers = [sgd(model[0].parameters()), sgd(model[2].parameters())]
    schedule = Schedule.from_lengths([(Phase.DENSE, 1), (Phase.COMPRESSED, 1), (Phase.DENSE, 1),
                                      (Phase.COMPRESSED, 1)])
    controller = ACDCController(model, optimizers, schedule, LayerwiseTopK(sparsity=0.5))
    controller.start_epoch(0)
    for seed in range(3):                          # dense steps build both optimisers' momentum
        two_layer_step(model, optimizers, seed)
    controller.start_epoch(1)
    mask = controller.masks.get("2.weight").clone()
    assert int((~mask).sum()) == 128
    for seed in range(3, 6):
        two_layer_step(model, optimizers, seed)
    assert int(torch.count_nonzero(model[2].weight[~mask])) == 0   # the second optimiser's step re-masked
    assert controller.step == 6                                     # the first optimiser's steps
    controller.start_epoch(2)
    assert all(not optimizer.state for optimizer in optimizers)    # both reset entering the dense phase


class Mixer(nn.Module):
    """A custom layer: a plain parameter used with ``F.linear``."""

    def __init__(self) -> None:
        super().__init__()
        self.kernel = nn.Parameter(torch.randn(16, 32) / 4)
        self.scale = nn.Parameter(torch.ones(16))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.kernel) * self.scale


def custom_model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(Mixer(), nn.ReLU(), nn.Linear(16, 4))


@pytest.mark.parametrize("prunable", [
    "0.kernel", ["*.kernel"], lambda name, module, param: isinstance(module, Mixer) and param.ndim == 2,
])
def test_a_custom_layers_parameter_is_pruned_by_name_glob_or_predicate(prunable):
    model = custom_model()
    optimizer = sgd(model.parameters())
    controller = ACDCController(model, optimizer, COMPRESSED, NM(2, 4), prunable=prunable)
    assert list(controller.masks.weights) == ["0.kernel", "2.weight"]
    assert controller.masks.axes["0.kernel"] == 1
    controller.start_epoch(0)
    for seed in range(3):
        x = torch.randn(8, 32, generator=torch.Generator().manual_seed(seed))
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
    kernel = model[0].kernel
    assert bool((kernel.reshape(16, 8, 4).ne(0).sum(-1) == 2).all())   # 2:4 along its input features


def test_prunable_names_matching_no_parameter_are_named():
    with pytest.raises(ValueError, match=r"prunable must name parameters .* \['0.kernal'\] match no"):
        prunable_weights(custom_model(), prunable=["0.kernal"])
    with pytest.raises(TypeError, match=r"prunable must be a str or an iterable of str"):
        prunable_weights(custom_model(), prunable=3)


def test_loading_a_sparse_state_dict_enforces_its_masks_from_the_next_step():
    model = two_layers()
    optimizer = sgd(model.parameters())
    controller = ACDCController(model, optimizer, COMPRESSED, TopK(sparsity=0.8))
    controller.start_epoch(0)
    state = model.state_dict()
    fresh = two_layers()
    fresh_optimizer = sgd(fresh.parameters())
    fresh_controller = ACDCController(fresh, fresh_optimizer, COMPRESSED, TopK(sparsity=0.8))
    fresh.load_state_dict(state)          # the controller's own state is not loaded
    assert fresh_controller.phase is Phase.COMPRESSED
    assert fresh_controller.mask_density()[0] == k_from_sparsity(512, 0.8) / 512
    two_layer_step(fresh, [fresh_optimizer], 0)
    for name, mask in controller.masks.as_dict().items():
        assert int(torch.count_nonzero(fresh_controller.masks.weights[name][~mask])) == 0
    plain = two_layers()
    with pytest.raises(RuntimeError, match="weight_mask"):
        plain.load_state_dict(state)
    plain.load_state_dict(strip_masks(state))
    assert torch.equal(plain[0].weight, model[0].weight)


def test_a_tied_weight_is_one_prunable_weight_counted_once():
    model = gpt2()
    controller = ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.9),
                                prunable_types=(nn.Linear, nn.Embedding))
    names = list(controller.masks.weights)
    assert "transformer.wte.weight" in names and "lm_head.weight" not in names
    assert not hasattr(model.lm_head, "weight_mask")
    controller.start_epoch(0)
    weights = controller.masks.weights
    kept = k_from_sparsity(size(weights), 0.9)
    assert zeros(weights) == size(weights) - kept and controller.mask_density()[0] == kept / size(weights)


def test_exclude_takes_globs_and_parent_modules():
    model = MobileNetV3Mini()
    every = list(prunable_weights(model))
    assert list(prunable_weights(model, exclude="features.1")) == [n for n in every
                                                                   if not n.startswith("features.1.")]
    assert list(prunable_weights(model, exclude=["features.*.block.2.*"])) == [n for n in every
                                                                               if ".block.2." not in n]
    with pytest.raises(ValueError, match=r"of which \['layer1.\*'\] match no prunable weight"):
        prunable_weights(model, exclude=["layer1.*"])


@pytest.mark.parametrize(("build", "head"), [
    (MobileNetV3Mini, ["classifier.0.weight", "classifier.3.weight"]),
    (ConvNeXtMini, ["classifier.2.weight"]),
    (VisionTransformerMini, ["heads.head.weight"]),
])
def test_keep_dense_first_last_and_heads_on_any_model(build, head):
    model = build()
    every = list(prunable_weights(model))
    assert head_weights(every) == head
    assert list(prunable_weights(model, keep_dense=["first", "last"])) == every[1:-1]
    assert list(prunable_weights(model, keep_dense="heads")) == [n for n in every if n not in head]
    with pytest.raises(ValueError, match=r"keep_dense must be names from \['first', 'heads', 'last'\]"):
        prunable_weights(model, keep_dense="middle")


def test_a_small_prunable_share_warns_and_a_large_one_does_not():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(1000, 16), nn.Linear(16, 4))
    with pytest.warns(SmallPrunedShareWarning, match=r"0.4% of the model's .*'0.weight \[1000, 16\]'"):
        ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.9),
                       prunable_types=(nn.Embedding, nn.Linear))


def test_rigl_resets_the_grown_weights_state_in_every_optimiser():
    model = two_layers()
    optimizers = [sgd(model[0].parameters()), sgd(model[2].parameters())]
    controller = RigLController(model, optimizers, 0.5, "uniform", torch.Generator().manual_seed(0),
                                interval=2, drop_fraction=0.5, end_step=10)
    controller.start_epoch(0)
    before = controller.masks.get("2.weight").clone()
    for seed in range(2):
        two_layer_step(model, optimizers, seed)
    grown = controller.masks.get("2.weight") & ~before
    assert grown.any()
    momentum = optimizers[1].state[model[2].weight]["momentum_buffer"]
    assert not momentum[grown].any() and not model[2].weight[grown].any()


def test_attention_with_separate_key_and_value_sizes_prunes_its_three_input_projections():
    torch.manual_seed(0)
    attention = nn.MultiheadAttention(16, 2, kdim=8, vdim=8, batch_first=True)
    weights = prunable_weights(attention)
    assert list(weights) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"]
    controller = ACDCController(attention, sgd(attention.parameters()), COMPRESSED, NM(2, 4))
    controller.start_epoch(0)
    assert all(bool((m.reshape(16, -1, 4).sum(-1) == 2).all()) for m in controller.masks.as_dict().values())


def controllers():
    """Builders ``(model, optimizer) -> controller`` of every pruning method, compressed from epoch 0."""
    generator = torch.Generator().manual_seed(0)
    return {
        "acdc": lambda model, opt: ACDCController(model, opt, COMPRESSED, TopK(sparsity=0.8)),
        "gmp": lambda model, opt: GMPController(model, opt, sparsity=0.8, projection=TopK(sparsity=0.8),
                                                start_epoch=0, end_epoch=1, steps_per_epoch=10, interval=5),
        "static": lambda model, opt: StaticSparseController(model, opt, 0.8, "uniform", generator),
        "rigl": lambda model, opt: RigLController(model, opt, 0.8, "uniform", generator, interval=100,
                                                  drop_fraction=0.3, end_step=1000),
    }


def sparse_state(method: str) -> dict[str, torch.Tensor]:
    """``model.state_dict()`` of a two-layer model after a compressed epoch start and a step."""
    model = two_layers()
    optimizer = sgd(model.parameters())
    controllers()[method](model, optimizer).start_epoch(0)
    two_layer_step(model, [optimizer], 0)
    return {k: v.clone() for k, v in model.state_dict().items()}


def assert_masks_hold(model: nn.Module, optimizer: torch.optim.Optimizer, controller, state) -> None:
    """From the first step on, every entry the saved masks pruned stays zero, and the masks are the saved
    ones (none regrown by a step or a start of epoch)."""
    assert controller.sparse
    controller.start_epoch(0)
    for seed in range(1, 4):
        two_layer_step(model, [optimizer], seed)
        for name in ("0.weight", "2.weight"):
            pruned = ~state[f"{name}_mask"]
            assert int(pruned.sum()) > 0 and torch.equal(controller.masks.get(name), ~pruned), name
            assert int(torch.count_nonzero(model.get_parameter(name)[pruned])) == 0, name


@pytest.mark.parametrize("method", ["acdc", "gmp", "static", "rigl"])
def test_a_sparse_state_dict_loaded_after_the_controller_is_built_is_enforced(method):
    state = sparse_state(method)
    model = two_layers()
    optimizer = sgd(model.parameters())
    controller = controllers()[method](model, optimizer)
    model.load_state_dict(state)
    assert_masks_hold(model, optimizer, controller, state)


@pytest.mark.parametrize("method", ["acdc", "gmp", "static", "rigl"])
def test_a_sparse_state_dict_loaded_before_the_controller_is_built_is_enforced(method):
    state = sparse_state(method)
    model = two_layers()
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\) in state_dict: \"0.weight_mask\""):
        model.load_state_dict(state)             # a plain model has no mask buffers
    load_masked_state_dict(model, state)
    assert model[0].weight_mask.dtype == torch.bool
    optimizer = sgd(model.parameters())
    controller = controllers()[method](model, optimizer)
    assert_masks_hold(model, optimizer, controller, state)


def test_saved_masks_of_a_weight_the_controller_leaves_dense_are_an_error_in_either_order():
    state = sparse_state("acdc")
    model = two_layers()
    load_masked_state_dict(model, state)
    with pytest.raises(ValueError, match=r"model must hold masks only for the weights the controller prunes; "
                                         r"got masks with pruned entries for \['2.weight'\]"):
        ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.8), keep_dense="last")
    model = two_layers()
    ACDCController(model, sgd(model.parameters()), COMPRESSED, TopK(sparsity=0.8), keep_dense="last")
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\) in state_dict: \"2.weight_mask\""):
        model.load_state_dict(state)


def test_the_any_model_names_are_public_and_documented():
    import acdc

    for name in ("KEEP_DENSE", "PRUNABLE_TYPES", "PruningSummary", "SmallPrunedShareWarning",
                 "load_masked_state_dict", "mask_free_state", "strip_masks"):
        assert name in acdc.__all__ and getattr(acdc, name) is getattr(acdc.masks, name)
    for name in acdc.__all__:
        value = getattr(acdc, name)
        assert isinstance(value, tuple) or (value.__doc__ or "").strip(), name
