"""Empirical verification of the convergence theory of IHT and AC/DC (``python -m iht verify``).

- :mod:`~iht.theory.bounds`: Theorem 1 of Peste et al. (2021), the IHT descent lemma
  (Blumensath & Davies 2008), the Jain–Tewari–Kar (2014) requirement, as functions of constants;
- :mod:`~iht.theory.hypotheses`: whether a bound's hypotheses hold on an instance, and verdicts
  (``verified`` / ``uninformative`` / ``vacuous`` / ``violated``, ``refuted`` under the relaxed
  hypothesis);
- :mod:`~iht.theory.crosscheck`: claimed constants (α, σ²) against measurements;
- :mod:`~iht.theory.sharp`: the noise-floor and iteration-count checks;
- :mod:`~iht.theory.mutants`: mutation testing of the suite (``python -m iht.theory.mutants``);
- :mod:`~iht.theory.confidence`: one-sided upper confidence bounds over seeds;
- :mod:`~iht.theory.properties`: exact properties (descent, k-sparsity, L-stationarity);
- :mod:`~iht.theory.config`: :class:`VerifyConfig`, nested settings with dotted overrides;
- :mod:`~iht.theory.families`: the families of instances (window, cpl, decoy), one module each, and
  their registry (the plug-in point: a new family is one module and one registry line);
- :mod:`~iht.theory.runner` (with :mod:`~iht.theory.grid`, :mod:`~iht.theory.certified`,
  :mod:`~iht.theory.seeded`, :mod:`~iht.theory.context`, :mod:`~iht.theory.rows`,
  :mod:`~iht.theory.noise_floor`), :mod:`~iht.theory.phase_transition`, :mod:`~iht.theory.figures`,
  :mod:`~iht.theory.report`, :mod:`~iht.theory.verify`: the grid run, its table, figures, report.
"""

from iht.theory.bounds import (
    cpl_sign_vector_bound,
    cpl_structural_limit,
    descent_guarantee,
    descent_step_limit,
    jtk_iterations,
    jtk_sparsity_requirement,
    theorem1_bound,
    theorem1_dimension_limit,
    theorem1_iterations,
    theorem1_smoothness_level,
    theorem1_sparsity_requirement,
)
from iht.theory.confidence import (
    empirical_bernstein_ucb,
    hoeffding_ucb,
    student_t_ucb,
    upper_confidence_bound,
)
from iht.theory.config import PRESETS, VerifyConfig
from iht.theory.hypotheses import (
    HypothesisCheck,
    Verdict,
    descent_hypotheses,
    jtk_hypotheses,
    theorem1_hypotheses,
    verdict,
)
from iht.theory.properties import (
    fixed_point_residual,
    is_k_sparse,
    is_nonincreasing,
    l_stationarity_residual,
)
from iht.theory.rates import linear_rate
from iht.theory.runner import GridResult, run_grid
from iht.theory.summary import non_vacuous_instances, refuted_c, verdict_counts, violation_lines
from iht.theory.verify import run_verify

__all__ = [
    "PRESETS",
    "GridResult",
    "HypothesisCheck",
    "Verdict",
    "VerifyConfig",
    "cpl_sign_vector_bound",
    "cpl_structural_limit",
    "descent_guarantee",
    "descent_hypotheses",
    "descent_step_limit",
    "empirical_bernstein_ucb",
    "fixed_point_residual",
    "hoeffding_ucb",
    "is_k_sparse",
    "is_nonincreasing",
    "jtk_hypotheses",
    "jtk_iterations",
    "jtk_sparsity_requirement",
    "l_stationarity_residual",
    "linear_rate",
    "non_vacuous_instances",
    "refuted_c",
    "run_grid",
    "run_verify",
    "student_t_ucb",
    "theorem1_bound",
    "theorem1_dimension_limit",
    "theorem1_hypotheses",
    "theorem1_iterations",
    "theorem1_smoothness_level",
    "theorem1_sparsity_requirement",
    "upper_confidence_bound",
    "verdict",
    "verdict_counts",
    "violation_lines",
]
