"""AC/DC (Alternating Compressed/DeCompressed) training of torch models, on CPU or GPU.

Peste, Iofinova, Vladu, Alistarh, "AC/DC: Alternating Compressed/DeCompressed Training of Deep Neural
Networks", NeurIPS 2021 (Section 3.2, Algorithm 1; Section 4 for the recipes).

Dropping AC/DC into any training loop
-------------------------------------
>>> controller = ACDCController(model, optimizer, paper_schedule(100), TopK(sparsity=0.9),
...                             exclude=["conv1"])                        # doctest: +SKIP
>>> for epoch in range(100):                                              # doctest: +SKIP
...     controller.start_epoch(epoch)      # prune / densify at phase boundaries
...     for x, y in loader:
...         optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()

Nothing else changes in the loop: gradients of pruned weights are masked by tensor hooks, and the masks
are re-applied after every ``optimizer.step()`` by a step post-hook, so pruned weights stay exactly zero
under momentum and weight decay. Masks are bool buffers ``<weight>_mask`` of the model and travel with
``model.state_dict()``; ``controller.state_dict()`` holds the rest (phase, previous masks, history).

Any model a user brings
-----------------------
What is pruned is chosen by role (:func:`prunable_weights`, :data:`PRUNABLE_TYPES`): convolutions,
linear-like layers (``nn.Linear``, ``transformers``' ``Conv1D``) and attention projections, plus a user's
own parameters (``prunable=`` names, globs or a predicate), minus ``exclude=`` (names, parent modules,
globs) and ``keep_dense=`` (:data:`KEEP_DENSE`: ``"first"``, ``"last"``, ``"heads"``). Tied tensors are
one weight; N:M groups run along each weight's input features. ``controller.summary()`` (a
:class:`PruningSummary`) says what is pruned and what stays dense, and :class:`SmallPrunedShareWarning`
fires when the pruned share is small. Give every optimiser that steps prunable weights
(``optimizer=[opt1, opt2]``). A sparse ``model.state_dict()`` loads after the controller is built
(``model.load_state_dict``) or before (:func:`load_masked_state_dict`); either way its masks are
enforced from the first step. :func:`strip_masks` drops the mask entries for a plain model;
:func:`mask_free_state` is such a copy of a model's state.

The controller interface (for other methods and for FLOPs accounting)
---------------------------------------------------------------------
A sparse-training method subclasses :class:`SparsityController` and implements two methods:

``phase_at(epoch) -> Phase``
    pure function of the epoch (``Phase.DENSE`` or ``Phase.COMPRESSED``);
``on_epoch_start(epoch, phase)``
    the phase work, using ``compress_(projection)`` (masks from a projection of the current weights,
    broadcast from rank 0 under ``torch.distributed``), ``decompress_()`` (masks to ones, optimiser
    state reset) or ``self.masks.set_(...)`` directly.

It may extend ``after_step()`` (called after every optimiser step; e.g. step-level mask updates, with
``step`` the number of steps taken), ``observe_dense_gradient(name, grad)`` (the dense gradient of each
masked weight, before masking), ``uses_dense_gradient()`` (steps charged extra in FLOPs accounting),
``state_dict()`` and ``load_state_dict()``. The base class provides ``start_epoch(epoch)``,
``record(epoch)``, ``masks`` (:class:`~acdc.masks.WeightMasks`: ``weights``, ``as_dict()``,
``density()``), ``sparse`` and ``close()``. A builder ``(config, model, optimizer, steps_per_epoch)`` is
registered in :data:`acdc.methods.CONTROLLERS` (``acdc``, ``dense``, ``gmp``, ``rigl``, ``static``),
after which ``TrainConfig(method=...)``, the :class:`~acdc.trainer.Trainer` and
``python -m acdc train --method ...`` run it unchanged.

``controller.history`` is the phase history as plain data: one :class:`PhaseRecord` per epoch with
``epoch``, ``phase`` (``"dense"``/``"compressed"``), ``density`` (kept fraction of all prunable weights),
``layer_density`` (parameter name -> kept fraction; both averaged over the epoch's steps),
``mask_change``, ``steps`` and ``dense_gradient_steps``; the trainer writes it to ``history.json``
(``dataclasses.asdict`` of each record). ``acdc.flops.phases_from_history(history, examples_per_epoch)``
turns it into the phases of :func:`acdc.flops.training_flops`.

Modules
-------
``schedule``      :class:`Schedule`, ``paper_schedule``, ``alternating_schedule``, ``lm_schedule``
``controller``    :class:`SparsityController`, :class:`ACDCController`, :class:`PhaseRecord`
``baselines``     dense, GMP (Zhu & Gupta 2017), RigL (Evci et al. 2020), static sparse training
``methods``       the registry :data:`~acdc.methods.CONTROLLERS` and its builders
``analysis``      agreement between models, memorisation of corrupted labels, mask dynamics
``flops``         inference and training FLOPs (``count_flops``, ``training_flops``)
``masks``         prunable weights and their mask buffers
``optim``         optimisers and ``reset_optimizer_state``
``trainer``       the reference :class:`~acdc.trainer.Trainer` (metrics, checkpoints, outputs)
``config``        :class:`~acdc.config.TrainConfig`
``models``        ResNet20 (and the ImageNet models of the FLOPs study)
``data``          Fashion-MNIST IDX loader, synthetic images
``cli``           ``python -m acdc train|demo|export``
``export``        ``export_model`` (masks folded in, safetensors or ``.pt``) and ``load_model``

``acdc.load_model(path)`` (a run folder or an exported file) returns the trained model ready for inference.

``acdc`` needs torch, which the bare ``pip install acdc-iht`` leaves out (``iht`` is numpy-only): install
it with ``pip install 'acdc-iht[torch]'`` (``./dev setup`` installs a pinned CPU build first).
"""

try:
    import torch  # noqa: F401
except ModuleNotFoundError as error:
    if error.name != "torch":
        raise
    raise ModuleNotFoundError(
        "acdc needs torch, which is not installed: pip install 'acdc-iht[torch]' (in a clone, ./dev setup "
        "installs the pinned CPU build)",
        name="torch",
    ) from error

from acdc.controller import ACDCController, LayerCollapseWarning, PhaseRecord, SparsityController
from acdc.masks import (
    KEEP_DENSE,
    PRUNABLE_TYPES,
    PruningSummary,
    SmallPrunedShareWarning,
    WeightMasks,
    load_masked_state_dict,
    mask_free_state,
    prunable_weights,
    strip_masks,
)
from acdc.optim import reset_optimizer_state
from acdc.schedule import Phase, PhaseSpan, Schedule, alternating_schedule, lm_schedule, paper_schedule


def __getattr__(name: str) -> object:
    """``load_model`` and ``export_model`` from :mod:`acdc.export`, imported on first use (it loads the
    trainer)."""
    if name in ("export_model", "load_model"):
        from acdc import export

        return getattr(export, name)
    raise AttributeError(f"module 'acdc' has no attribute {name!r}")


__all__ = [
    "KEEP_DENSE",
    "PRUNABLE_TYPES",
    "ACDCController",
    "LayerCollapseWarning",
    "Phase",
    "PhaseRecord",
    "PhaseSpan",
    "PruningSummary",
    "Schedule",
    "SmallPrunedShareWarning",
    "SparsityController",
    "WeightMasks",
    "alternating_schedule",
    "export_model",
    "lm_schedule",
    "load_masked_state_dict",
    "load_model",
    "mask_free_state",
    "paper_schedule",
    "prunable_weights",
    "reset_optimizer_state",
    "strip_masks",
]
