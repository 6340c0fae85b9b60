"""Hypothesis profiles: ``ci`` (fast, CI default via ./dev test), ``dev`` and ``thorough``.

Select with the HYPOTHESIS_PROFILE environment variable or ``pytest --hypothesis-profile=NAME``.
``ci`` is derandomized (the examples are a fixed function of each test, no example database), so a
CI run is reproducible and never replays a failure saved by an earlier run; ``dev`` and
``thorough`` draw random examples (``thorough`` is the one that searches hard for counterexamples).
"""

import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
# Under a mutant (python -m iht.theory.mutants) only the existence of a failure matters: no shrinking.
settings.register_profile(
    "mutants", parent=settings.get_profile("ci"), phases=[Phase.explicit, Phase.generate]
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
