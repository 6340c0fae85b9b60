"""Mutation testing of the suite: every mutant of :mod:`iht.theory.mutants` must make both
``pytest tests/iht/theory`` and ``python -m iht verify --quick`` fail.

Each mutant runs two subprocesses (the property tests, stopped at the first failure without
shrinking, and ``verify --quick``): about 15-25 s per mutant on one core, a few minutes for all
eight, hence the ``slow`` marker (``-m 'not slow'`` skips them locally; ``./dev test`` runs them).
"""

import pytest

from iht.theory import mutants


@pytest.mark.slow
@pytest.mark.parametrize("name", list(mutants.MUTANTS))
def test_mutant_is_caught_by_the_tests_and_by_verify(name, tmp_path):
    code, _, tail = mutants.run_tests(name)
    assert mutants.caught(code) == "yes", tail
    code, _, tail = mutants.run_verify(name, tmp_path)
    assert mutants.caught(code) == "yes", tail
    assert "violated: " in (tmp_path / "report.md").read_text()


def test_a_mutant_whose_target_is_gone_raises_instead_of_running_unmutated():
    with pytest.raises(RuntimeError, match="is not bound in any loaded module"):
        mutants.replace_everywhere(object(), object())


def test_unknown_mutant_names_are_rejected():
    with pytest.raises(ValueError, match=r"name must be one of \[.*'keep_smallest'.*\]; got name='nope'"):
        mutants.apply("nope")
    with pytest.raises(SystemExit):
        mutants.main(["nope"])


def test_the_table_lists_each_mutant_with_both_outcomes():
    text = mutants.table([{"mutant": "step_x2", "description": "d", "tests": "yes", "tests_seconds": 3.0,
                           "verify": "no", "verify_seconds": 4.0}])
    assert "| `step_x2` | d | yes (3 s) | no (4 s) |" in text
    assert (mutants.caught(1), mutants.caught(0), mutants.caught(3)) == ("yes", "no", "crashed (exit 3)")
