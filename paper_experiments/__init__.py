"""The experiments of Peste et al., "AC/DC: Alternating Compressed/DeCompressed Training of Deep Neural
Networks" (NeurIPS 2021, Section 4), at a scale a 2-core CPU runs, on data that loads offline.

=============================  ==================  =======================================================
module                         name                reproduces
=============================  ==================  =======================================================
:mod:`.table1_sparsity_sweep`  ``table1``          Tables 1–2: AC/DC vs dense, GMP, RigL, static at 80–98%
:mod:`.figure1_schedule`       ``figure1``         Figures 1 and 2a: sparsity and accuracy against epoch
:mod:`.figure2b_memorization`  ``figure2b``        Figure 2b: corrupted-label memorisation by phase
:mod:`.output_agreement`       ``agreement``       Output analysis: sparse/dense agreement, AC/DC vs GMP
:mod:`.semistructured_2of4`    ``semistructured``  Section 4: 2:4 semi-structured AC/DC vs dense
:mod:`.table4_language_model`  ``table4``          Table 4: Transformer LM perplexity at 80/90% sparsity
:mod:`.theory_report`          ``theory``          Section 3, Theorem 1: the iht verification report
:mod:`.projection_operators`   ``projections``     global vs uniform vs ERK vs N:M, in iht and AC/DC
=============================  ==================  =======================================================

Each module: a frozen config dataclass at the top, ``PRESETS`` (``quick``: seconds, for the CI smoke
test; ``full``: at most about an hour on 2 CPU cores; a GPU runs the paper's scale with a larger config),
one ``run(config, out) -> pandas.DataFrame`` and an ``EXPERIMENT`` entry (:mod:`.registry`). Shared
parts: :mod:`.common` (presets, provenance, tables), :mod:`.training` (reference-trainer runs),
:mod:`.lm_training` (the language-model loop), :mod:`.plots`.

Command line::

    python -m paper_experiments list
    python -m paper_experiments run NAME [--quick|--full] [--out DIR] [--seed S] [--set KEY=VALUE ...]
    python -m paper_experiments run all --quick
"""
