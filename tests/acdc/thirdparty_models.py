"""Small models built from the blocks of torchvision's MobileNetV3, ConvNeXt and ViT, for tests.

torchvision's wheel on the package index is a CUDA build that does not load next to the pinned CPU
torch (issue 20), so these definitions mirror its building blocks, layer for layer and with the same
module types and ``forward`` code paths, at a few channels and a few pixels:

* MobileNetV3 (``torchvision.models.mobilenetv3``): ``Conv2dNormActivation``, the inverted residual
  with a squeeze-excitation (``torchvision.ops.SqueezeExcitation``: adaptive pooling, two 1×1
  convolutions, ``Hardsigmoid``, ``scale * input``), ``Hardswish``, an in-place residual ``+=`` and a
  ``Linear``/``Hardswish``/``Dropout``/``Linear`` classifier.
* ConvNeXt (``torchvision.models.convnext``): ``CNBlock`` (depthwise 7×7 convolution, ``Permute``,
  ``LayerNorm``, ``Linear``/``GELU``/``Linear``, ``Permute``, a layer-scale parameter owned by the
  block, ``StochasticDepth``), ``LayerNorm2d`` (permute, ``F.layer_norm``, permute), a patchify stem
  and downsampling layers.
* ViT (``torchvision.models.vision_transformer``): a patch-embedding convolution, a class token
  owned by the model (``expand`` + ``cat``), an ``Encoder`` owning the position embedding, encoder
  blocks of ``nn.MultiheadAttention`` and an ``MLPBlock``, and a ``heads`` ``Linear``.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


class Conv2dNormActivation(nn.Sequential):
    """Convolution, optional normalisation, optional activation (``torchvision.ops.misc``)."""

    def __init__(self, cin, cout, kernel=3, stride=1, groups=1, norm=nn.BatchNorm2d, activation=nn.ReLU):
        layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=norm is None)]
        if norm is not None:
            layers.append(norm(cout))
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)


class SqueezeExcitation(nn.Module):
    """``torchvision.ops.SqueezeExcitation`` with MobileNetV3's ``Hardsigmoid`` gate."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Hardsigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class InvertedResidual(nn.Module):
    """Expand 1×1, depthwise, squeeze-excitation, project 1×1; residual when shapes allow."""

    def __init__(self, cin: int, expanded: int, cout: int, stride: int) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        self.block = nn.Sequential(
            Conv2dNormActivation(cin, expanded, 1, activation=nn.Hardswish),
            Conv2dNormActivation(expanded, expanded, 3, stride, groups=expanded, activation=nn.Hardswish),
            SqueezeExcitation(expanded, max(expanded // 4, 8)),
            Conv2dNormActivation(expanded, cout, 1, activation=None),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result = self.block(x)
        if self.use_res_connect:
            result += x
        return result


class MobileNetV3Mini(nn.Module):
    """MobileNetV3-small's layout at a few channels (input ``(N, 3, H, W)``)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            Conv2dNormActivation(3, 8, 3, 2, activation=nn.Hardswish),
            InvertedResidual(8, 16, 8, 1),
            InvertedResidual(8, 24, 12, 2),
            Conv2dNormActivation(12, 32, 1, activation=nn.Hardswish),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(32, 24), nn.Hardswish(inplace=True), nn.Dropout(0.2, inplace=True),
            nn.Linear(24, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


class Permute(nn.Module):
    """``torchvision.ops.Permute``."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


class StochasticDepth(nn.Module):
    """``torchvision.ops.StochasticDepth`` in ``"row"`` mode: identity in eval mode."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        noise = torch.empty([x.shape[0]] + [1] * (x.ndim - 1), dtype=x.dtype, device=x.device)
        noise = noise.bernoulli_(survival).div_(survival)
        return x * noise


class LayerNorm2d(nn.LayerNorm):
    """``torchvision.models.convnext.LayerNorm2d``: layer norm over channels of an NCHW tensor."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """``torchvision.models.convnext.CNBlock``: owns its layer-scale parameter."""

    def __init__(self, dim: int, stochastic_depth: float) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            nn.LayerNorm(dim, eps=1e-6),
            nn.Linear(dim, 4 * dim),
            nn.GELU(),
            nn.Linear(4 * dim, dim),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * 1e-6)
        self.stochastic_depth = StochasticDepth(stochastic_depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result = self.layer_scale * self.block(x)
        result = self.stochastic_depth(result)
        result += x
        return result


class ConvNeXtMini(nn.Module):
    """ConvNeXt's layout (patchify stem, two stages, downsampling, classifier) at a few channels."""

    def __init__(self, dims: tuple[int, int] = (8, 16), num_classes: int = 10) -> None:
        super().__init__()
        first, second = dims
        self.features = nn.Sequential(
            Conv2dNormActivation(3, first, 4, 4, norm=LayerNorm2d, activation=None),
            nn.Sequential(CNBlock(first, 0.0), CNBlock(first, 0.05)),
            nn.Sequential(LayerNorm2d(first), nn.Conv2d(first, second, 2, 2)),
            nn.Sequential(CNBlock(second, 0.1)),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(LayerNorm2d(second), nn.Flatten(1), nn.Linear(second, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.avgpool(self.features(x)))


class MLPBlock(nn.Sequential):
    """``torchvision.models.vision_transformer.MLPBlock`` (``torchvision.ops.MLP``)."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, dim),
                         nn.Dropout(dropout))


class EncoderBlock(nn.Module):
    """Pre-norm transformer block of ``nn.MultiheadAttention`` (batch first) and an MLP."""

    def __init__(self, heads: int, dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLPBlock(dim, hidden, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = self.dropout(y) + x
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """``torchvision.models.vision_transformer.Encoder``: owns the position embedding."""

    def __init__(self, seq_length: int, layers: int, heads: int, dim: int, hidden: int, dropout: float):
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, seq_length, dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        blocks = ((f"encoder_layer_{i}", EncoderBlock(heads, dim, hidden, dropout)) for i in range(layers))
        self.layers = nn.Sequential(OrderedDict(blocks))
        self.ln = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


class VisionTransformerMini(nn.Module):
    """``torchvision.models.VisionTransformer``: patch convolution, class token, encoder, head."""

    def __init__(self, image_size=16, patch_size=4, layers=2, heads=2, dim=16, hidden=32, num_classes=10):
        super().__init__()
        self.patch_size, self.dim = patch_size, dim
        self.conv_proj = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        seq_length = (image_size // patch_size) ** 2 + 1
        self.encoder = Encoder(seq_length, layers, heads, dim, hidden, dropout=0.1)
        self.heads = nn.Sequential(OrderedDict(head=nn.Linear(dim, num_classes)))

    def _process_input(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        x = self.conv_proj(x)
        x = x.reshape(n, self.dim, (h // self.patch_size) * (w // self.patch_size))
        return x.permute(0, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._process_input(x)
        batch_class_token = self.class_token.expand(x.shape[0], -1, -1)
        x = self.encoder(torch.cat([batch_class_token, x], dim=1))
        return self.heads(x[:, 0])
