"""Table 4 of Peste et al. (NeurIPS 2021): AC/DC on a Transformer language model, perplexity.

The paper trains Transformer-XL on WikiText-103 at 80% and 90% sparsity with the embeddings dense and
reports the test perplexity of the sparse model, of the dense model and of the dense-finetuned model.
Here: the small causal Transformer of :mod:`acdc.models.transformer_lm` on the Wikipedia excerpt
shipped with gensim (same domain as WikiText), character level by default (the word-level softmax is
too slow for this CPU), the schedule :func:`acdc.lm_schedule` (48 epochs) with each epoch scaled to
``epoch_steps`` optimiser steps, and a dense baseline trained for the same steps.

Kept dense: both embeddings, and the output head (tied to the token embedding). Pruned: every other
weight matrix, the attention input projections (``in_proj_weight``) included; ``pruned_share`` records
the share of the non-embedding parameters under AC/DC's masks (the rest: biases and layer norms).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from acdc import lm_schedule
from acdc.data import batchify, load_corpus, read_wiki_excerpt
from acdc.data.text_corpus import LEVELS
from acdc.distributed import DEVICES, resolve_device
from acdc.masks import prunable_weights
from acdc.models import transformer_lm
from iht.projection import TopK
from iht.validation import check_choice
from paper_experiments.common import (
    Experiment,
    ExperimentConfig,
    log_progress,
    output_folder,
    tidy,
    write_outputs,
)
from paper_experiments.lm_training import FINETUNE, LMRecipe, perplexity, train_lm
from paper_experiments.plots import figure, save, shade_phases

EMBEDDINGS = ("embedding.weight", "pos_embedding.weight")
OUTPUTS = {"final": "ppl_sparse", "best_dense": "ppl_dense", "finetuned_dense": "ppl_finetuned_dense"}
"""AC/DC's output models -> results column of their test perplexity."""
DENSE_OUTPUTS = {"final": "ppl_dense"}
"""The dense baseline's output model (its final model) -> results column."""


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Corpus, model, optimisation and sparsities of the Table 4 analogue."""

    level: str = "char"                 # char | word tokens
    max_vocab: int | None = 256         # vocabulary cap, <unk> included
    max_chars: int | None = None        # first N characters of the excerpt (None: all, ~3.1M)
    d_model: int = 128
    num_layers: int = 2
    num_heads: int = 4
    seq_len: int = 64                   # tokens per window
    batch_size: int = 32                # rows of the batchified stream
    epoch_steps: int = 60               # optimiser steps per epoch of lm_schedule (48 epochs)
    lr: float = 2e-3                    # AdamW peak learning rate (cosine per epoch)
    weight_decay: float = 0.01
    eval_windows: int | None = 20       # validation windows per epoch (None: the whole split)
    sparsities: tuple[float, ...] = (0.8, 0.9)
    exclude: tuple[str, ...] = ("head",)  # tied to the token embedding: kept dense, as in Table 4
    threads: int | None = 1             # torch CPU threads: 1 on a shared machine
    device: str = "auto"                # auto (CUDA when present) | cpu | cuda

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice(self.level, "level", LEVELS)
        check_choice(self.device, "device", DEVICES)

    def recipe(self) -> LMRecipe:
        """The optimisation knobs of one run."""
        return LMRecipe(self.seq_len, self.epoch_steps, self.lr, self.weight_decay, self.eval_windows)


PRESETS = {
    "quick": Config(max_chars=200_000, d_model=32, num_layers=1, num_heads=2, seq_len=32, batch_size=8,
                    epoch_steps=1, eval_windows=2, sparsities=(0.9,)),
    "full": Config(),  # 3 runs × 57 epochs × 60 steps of 2,048 tokens: 18 min measured on 2 shared cores
}


def run(config: Config, out: Path) -> pd.DataFrame:
    """Train the dense baseline and AC/DC at each sparsity; test perplexity of every output model.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``method``, ``sparsity``, ``seed``, ``ppl_sparse``, ``ppl_dense``,
        ``ppl_finetuned_dense`` (test perplexity of the final, best dense-phase and dense-finetuned
        models; the dense baseline has only ``ppl_dense``), ``final_sparsity``, ``pruned_share``,
        ``tokens_trained`` (dense fine-tune included), ``wall_s``, ``git_revision``, ``config``.
    """
    out = output_folder(out)
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    text = read_wiki_excerpt()[: config.max_chars]
    corpus = load_corpus(text, config.level, config.max_vocab)
    device = resolve_device(config.device)
    splits = {name: batchify(getattr(corpus, name), config.batch_size).to(device)
              for name in ("train", "val", "test")}
    rows, epochs = [], []
    for sparsity in (0.0, *config.sparsities):
        row, run_epochs = _one_run(config, sparsity, len(corpus.vocabulary), splits)
        rows.append(row)
        epochs += [{**r, "method": row["method"], "sparsity": sparsity} for r in run_epochs]
    results = tidy(rows, config)
    epoch_table = pd.DataFrame(epochs).assign(seed=config.seed)
    epoch_table.to_csv(out / "epochs.csv", index=False)
    plot_perplexity(epoch_table, out / "table4_val_perplexity.png")
    table = results[["method", "sparsity", *OUTPUTS.values(), "final_sparsity", "pruned_share", "wall_s"]]
    write_outputs(out, EXPERIMENT.name, config, results, table,
                  f"Table 4 analogue: Transformer LM ({config.level} level, Wikipedia excerpt), test "
                  "perplexity",
                  "The dense baseline's perplexity is in `ppl_dense`. `pruned_share`: share of the "
                  "non-embedding parameters under AC/DC's masks (all weight matrices but the embeddings "
                  "and the tied head; biases and layer norms stay dense).")
    return results


def _one_run(config: Config, sparsity: float, vocab_size: int,
             splits: dict[str, torch.Tensor]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    torch.manual_seed(config.seed)
    model = transformer_lm(vocab_size, config.d_model, config.num_layers, config.num_heads,
                           max_len=config.seq_len).to(splits["train"].device)
    non_embedding = sum(p.numel() for n, p in model.named_parameters() if n not in EMBEDDINGS)
    prunable = sum(w.numel() for w in prunable_weights(model, config.exclude).values())
    start = time.perf_counter()
    projection = TopK(sparsity=sparsity) if sparsity else None
    method = "acdc" if projection else "dense"
    log_progress(f"training the language model: {method} at sparsity {sparsity:g}")
    trained = train_lm(model, splits["train"], splits["val"], lm_schedule(), projection, config.recipe(),
                       config.exclude)
    wall_s = time.perf_counter() - start
    log_progress(f"{method} at sparsity {sparsity:g}: done in {wall_s:.0f} s")
    ppl = dict.fromkeys(OUTPUTS.values(), float("nan"))
    for output, column in (OUTPUTS if projection else DENSE_OUTPUTS).items():
        model.load_state_dict(trained.states[output], strict=False)
        ppl[column] = perplexity(model, splits["test"], config.seq_len)
    last = [r for r in trained.epochs if r["phase"] != FINETUNE][-1]
    row = {"method": method, "sparsity": sparsity, "seed": config.seed, **ppl,
           "final_sparsity": last["sparsity"],
           "pruned_share": prunable / non_embedding if projection else 0.0,
           "tokens_trained": len(trained.epochs) * config.epoch_steps * config.batch_size * config.seq_len,
           "wall_s": wall_s}
    return row, trained.epochs


def plot_perplexity(epochs: pd.DataFrame, path: Path) -> Path:
    """Validation perplexity against epoch per run; compressed epochs of the first AC/DC run shaded."""
    fig, ax = figure(width=7)
    for (method, sparsity), run_epochs in epochs.groupby(["method", "sparsity"], sort=False):
        label = "dense" if method == "dense" else f"AC/DC {sparsity:.0%}"
        ax.plot(run_epochs["epoch"], run_epochs["val_ppl"], marker=".", label=label)
    acdc = epochs[epochs["method"] == "acdc"]
    first = acdc[acdc["sparsity"] == acdc["sparsity"].iloc[0]] if len(acdc) else acdc
    shade_phases(ax, first["epoch"].tolist(), first["phase"].tolist())
    ax.set(xlabel="epoch (dense fine-tune after the schedule)", ylabel="validation perplexity", yscale="log")
    ax.legend()
    return save(fig, path)


EXPERIMENT = Experiment("table4", "Table 4: AC/DC on a Transformer LM, perplexity at 80/90% sparsity",
                        PRESETS, run)
