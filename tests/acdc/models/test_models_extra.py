"""The MLP and the causal Transformer language model: shapes, seeding, causality, layout, FLOPs, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from acdc.flops import count_flops
from acdc.models import build_classifier
from acdc.models.mlp import MLP, mlp
from acdc.models.transformer_lm import TransformerLM, transformer_lm

VOCAB, D_MODEL, LENGTH = 50, 16, 12


def tiny_lm(seed: int = 0, **overrides) -> TransformerLM:
    torch.manual_seed(seed)
    kwargs = dict(vocab_size=VOCAB, d_model=D_MODEL, num_layers=2, num_heads=2, max_len=LENGTH) | overrides
    return transformer_lm(**kwargs).eval()


def tokens(seed: int = 0, batch: int = 3, length: int = LENGTH) -> torch.Tensor:
    return torch.randint(0, VOCAB, (batch, length), generator=torch.Generator().manual_seed(seed))


class TokenIds(nn.Module):
    """Casts the float zeros that ``count_flops`` feeds to token ids (the counter builds float inputs)."""

    def __init__(self, lm: nn.Module) -> None:
        super().__init__()
        self.lm = lm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lm(x.long())


def test_mlp_flattens_and_names_its_layers():
    model = mlp(in_features=2 * 4 * 4, num_classes=3, widths=(8, 5))
    assert model(torch.randn(6, 2, 4, 4)).shape == (6, 3)
    assert [name for name, _ in model.named_parameters() if name.endswith("weight")] == [
        "hidden.0.weight", "hidden.2.weight", "fc.weight"]
    assert model.fc.in_features == 5
    assert len(MLP(10, 2, widths=()).hidden) == 0  # a linear model


def test_mlp_with_batch_norm_normalises_each_hidden_layer_before_its_relu():
    model = build_classifier("mlp-bn", num_classes=3, sample_shape=(1, 40), width=1)
    kinds = [type(layer) for layer in model.hidden]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.ReLU] * 2
    assert [name for name, _ in model.named_parameters() if name.endswith("weight")] == [
        "hidden.0.weight", "hidden.1.weight", "hidden.3.weight", "hidden.4.weight", "fc.weight"]
    assert model.hidden[0].bias is None and model.hidden[3].bias is None  # batch norm's shift is the bias
    assert model(torch.randn(6, 1, 40)).shape == (6, 3)
    # a hidden unit whose weights are all zero has zero batch variance, and batch norm's backward scales
    # its gradient by γ/√ε ≈ 316: the mechanism of AC/DC's collapse (acdc.remedies). The unit's output
    # is relu(β), so the gradient reaches it only where its shift β is positive.
    torch.manual_seed(0)
    model = build_classifier("mlp-bn", num_classes=3, sample_shape=(1, 40), width=1).train()
    with torch.no_grad():
        model.hidden[0].weight[2].zero_()
        model.hidden[1].bias.fill_(0.1)
    nn.functional.cross_entropy(model(torch.randn(64, 1, 40)), torch.randint(0, 3, (64,))).backward()
    rows = model.hidden[0].weight.grad.norm(dim=1)
    assert rows[2] > 50 * rows[torch.arange(16) != 2].median()


def test_mlp_errors_name_the_parameter():
    with pytest.raises(ValueError, match=r"widths\[1\] must be >= 1; got widths\[1\]=0"):
        MLP(10, 2, widths=(4, 0))
    with pytest.raises(TypeError, match=r"in_features must be an integer; got 2\.5 \(float\)"):
        MLP(2.5)


def test_lm_logits_shape_and_seeded_initialisation():
    model = tiny_lm()
    assert model(tokens()).shape == (3, LENGTH, VOCAB)
    assert model(tokens(length=5)).shape == (3, 5, VOCAB)
    same, other = tiny_lm(seed=0).state_dict(), tiny_lm(seed=1).state_dict()
    assert all(torch.equal(value, same[key]) for key, value in model.state_dict().items())
    assert not torch.equal(model.state_dict()["blocks.0.mlp.0.weight"], other["blocks.0.mlp.0.weight"])


@pytest.mark.parametrize("position", [0, 5, LENGTH - 1])
def test_lm_is_causal(position):
    model = tiny_lm()
    x = tokens()
    changed = x.clone()
    changed[:, position] = (changed[:, position] + 1) % VOCAB
    with torch.no_grad():
        before, after = model(x), model(changed)
    torch.testing.assert_close(after[:, :position], before[:, :position], rtol=0, atol=1e-6)
    assert (after[:, position:] - before[:, position:]).abs().amax(dim=-1).min() > 1e-4


def test_lm_embeddings_are_named_for_exclusion_and_weights_tie():
    tied, untied = tiny_lm(), tiny_lm(tie_weights=False)
    assert tied.head.weight is tied.embedding.weight
    tied_names = [name for name, _ in tied.named_parameters()]
    assert tied_names[:2] == ["embedding.weight", "pos_embedding.weight"] and "head.weight" not in tied_names
    assert "head.weight" in dict(untied.named_parameters())
    assert untied.head.weight is not untied.embedding.weight


def test_lm_every_parameter_gets_a_gradient_and_dropout_acts_in_training():
    model = tiny_lm(dropout=0.5, tie_weights=False)
    x = tokens()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))  # eval: dropout off
    model.train()
    nn.functional.cross_entropy(model(x).flatten(0, 1), x.roll(-1, dims=1).flatten()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    with torch.no_grad():
        assert not torch.equal(model(x), model(x))


def test_lm_flops_cover_every_matrix_through_an_id_wrapper():
    model = tiny_lm(tie_weights=False)
    count = count_flops(TokenIds(model), (1, LENGTH), strict=True)
    matrices = [f"lm.blocks.{i}.{name}" for i in range(2) for name in
                ("attention.in_proj_weight", "attention.out_proj.weight", "mlp.0.weight", "mlp.2.weight")]
    assert count.weights == (*matrices, "lm.head.weight")  # embeddings are look-ups: no FLOPs
    weighted = int(count.rows["weighted_flops"].sum())
    n_matrix = sum(p.numel() for name, p in model.named_parameters()
                   if p.dim() == 2 and "embedding" not in name)
    assert weighted == 2 * LENGTH * n_matrix  # 2 FLOPs per multiply-add per token, nanoGPT's 2N per token


def test_lm_errors_name_the_parameter():
    with pytest.raises(ValueError, match=r"sequence length must be <= max_len=12; got length 13"):
        tiny_lm()(tokens(length=LENGTH + 1))
    with pytest.raises(ValueError, match=r"d_model must be a multiple of num_heads=3; got d_model=16"):
        tiny_lm(num_heads=3)
    with pytest.raises(ValueError, match=r"dropout must be finite and >= 0.0 and <= 1.0; got dropout=1.5"):
        tiny_lm(dropout=1.5)
    with pytest.raises(ValueError, match=r"vocab_size must be >= 2; got vocab_size=1"):
        tiny_lm(vocab_size=1)
