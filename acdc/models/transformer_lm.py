"""A small causal Transformer language model, the CPU-sized stand-in for AC/DC's Transformer-XL (Table 4).

Decoder-only Transformer (Vaswani et al. 2017) in the pre-norm arrangement of GPT-2 (Radford et al.
2019): token embedding plus learned positional embedding, ``num_layers`` blocks
``x + attention(LayerNorm(x))`` then ``x + MLP(LayerNorm(x))`` with a causal mask, a final
LayerNorm and a linear head onto the vocabulary, its weight tied to the token embedding by default
(Press and Wolf 2017).

Layout for pruning by name: the embeddings are the modules ``embedding`` and ``pos_embedding`` (AC/DC
keeps them dense, as Top-KAST does); the prunable matrices are ``blocks.<i>.attention.in_proj_weight``,
``blocks.<i>.attention.out_proj.weight``, ``blocks.<i>.mlp.0.weight``, ``blocks.<i>.mlp.2.weight``
and, untied, ``head.weight``. Tied, the head's weight *is* ``embedding.weight`` and
``named_parameters()`` lists it once, under that name.

References
----------
Vaswani, A. et al. (2017). Attention is all you need. NeurIPS.
Radford, A. et al. (2019). Language models are unsupervised multitask learners. OpenAI report.
Press, O. and Wolf, L. (2017). Using the output embedding to improve language models. EACL.
"""

from __future__ import annotations

import torch
from torch import nn

from iht.validation import check_int, check_real

EMBEDDING_STD = 0.02
"""Standard deviation of the normal initialisation of both embeddings (GPT-2)."""


class Block(nn.Module):
    """Pre-norm Transformer block: causal multi-head self-attention, then a GELU MLP, each residual."""

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.attention_norm = nn.LayerNorm(d_model)
        self.attention = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.mlp_norm = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model), nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor, causal_mask: torch.Tensor) -> torch.Tensor:
        """``x (B, T, d_model)``; ``causal_mask (T, T)`` is True where attention is not allowed."""
        h = self.attention_norm(x)
        x = x + self.attention(h, h, h, attn_mask=causal_mask, need_weights=False)[0]
        return x + self.mlp(self.mlp_norm(x))


class TransformerLM(nn.Module):
    """Causal Transformer LM: token ids ``(B, T)`` -> next-token logits ``(B, T, vocab_size)``.

    Position ``t`` of the output depends on input positions ``0..t`` only.

    Parameters
    ----------
    vocab_size : int
    d_model : int
        Embedding and residual width; a multiple of ``num_heads``.
    num_layers : int
    num_heads : int
    d_ff : int, optional
        Hidden width of the MLPs; default ``4 · d_model``.
    max_len : int
        Longest sequence (rows of the positional embedding).
    dropout : float
        Dropout on embeddings, attention weights and MLP outputs, in ``[0, 1]``.
    tie_weights : bool
        Share the token embedding with the output head.
    """

    def __init__(
        self, vocab_size: int, d_model: int = 128, num_layers: int = 2, num_heads: int = 4,
        d_ff: int | None = None, max_len: int = 256, dropout: float = 0.0, tie_weights: bool = True,
    ) -> None:
        super().__init__()
        vocab_size = check_int(vocab_size, "vocab_size", 2)
        d_model = check_int(d_model, "d_model", 1)
        num_layers = check_int(num_layers, "num_layers", 1)
        num_heads = check_int(num_heads, "num_heads", 1)
        d_ff = check_int(4 * d_model if d_ff is None else d_ff, "d_ff", 1)
        self.max_len = check_int(max_len, "max_len", 1)
        dropout = check_real(dropout, "dropout", 0.0, 1.0)
        if d_model % num_heads:
            raise ValueError(f"d_model must be a multiple of num_heads={num_heads}; got d_model={d_model}")
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_embedding = nn.Embedding(self.max_len, d_model)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, num_heads, d_ff, dropout) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        nn.init.normal_(self.embedding.weight, std=EMBEDDING_STD)
        nn.init.normal_(self.pos_embedding.weight, std=EMBEDDING_STD)
        if tie_weights:
            self.head.weight = self.embedding.weight
        mask = torch.ones(self.max_len, self.max_len, dtype=torch.bool).triu(diagonal=1)
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, T, vocab_size)`` of the token ids ``tokens (B, T)``, ``T <= max_len``."""
        length = tokens.shape[1]
        if length > self.max_len:
            raise ValueError(f"sequence length must be <= max_len={self.max_len}; got length {length}")
        positions = torch.arange(length, device=tokens.device)
        x = self.dropout(self.embedding(tokens) + self.pos_embedding(positions))
        mask = self.causal_mask[:length, :length]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))


def transformer_lm(
    vocab_size: int, d_model: int = 128, num_layers: int = 2, num_heads: int = 4, d_ff: int | None = None,
    max_len: int = 256, dropout: float = 0.0, tie_weights: bool = True,
) -> TransformerLM:
    """A freshly initialised :class:`TransformerLM`."""
    return TransformerLM(vocab_size, d_model, num_layers, num_heads, d_ff, max_len, dropout, tie_weights)
