"""Baseline sparse-training methods, run by the same trainer, data and budget as AC/DC.

=================================  ==========================================================
:class:`DenseController`           dense training: no pruning, same loop (``"dense"``)
:class:`GMPController`             gradual magnitude pruning, cubic schedule (``"gmp"``;
                                   Zhu & Gupta 2017)
:class:`StaticSparseController`    random or ERK-random mask fixed from the start (``"static"``)
:class:`RigLController`            drop by magnitude, grow by dense-gradient magnitude (``"rigl"``;
                                   Evci et al. 2020)
=================================  ==========================================================

Each is a :class:`~acdc.controller.SparsityController` registered in :data:`acdc.methods.CONTROLLERS`
under the name in brackets; their knobs are fields of :class:`~acdc.config.TrainConfig`.
"""

from acdc.baselines.dense import DenseController
from acdc.baselines.gmp import GMPController, gmp_sparsity
from acdc.baselines.rigl import RigLController, cosine_drop_fraction, drop_and_grow
from acdc.baselines.static import MASK_DISTRIBUTIONS, StaticSparseController

__all__ = [
    "MASK_DISTRIBUTIONS",
    "DenseController",
    "GMPController",
    "RigLController",
    "StaticSparseController",
    "cosine_drop_fraction",
    "drop_and_grow",
    "gmp_sparsity",
]
