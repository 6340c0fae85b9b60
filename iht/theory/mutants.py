"""Mutation testing of the verification suite: ``python -m iht.theory.mutants``.

Each mutant breaks the installed code at run time, in a fresh interpreter, by monkeypatching
(no file is edited), and must be caught twice: by the property tests (``pytest tests/iht/theory``
fails) and by ``python -m iht verify --quick`` (exit status 1: a violated row). The table printed
is mutant → caught by the tests? → caught by verify?

=====================  ===============================================================================
``keep_smallest``      ``TopK`` keeps the k entries of *smallest* magnitude
``keep_k_plus_1``      ``TopK`` keeps k + 1 entries (k when k + 1 would be every entry)
``gradient_sign``      the solvers step along +g: they receive the objective and oracle with negated
                       gradients (values unchanged)
``step_x2``            the solvers run with twice the step they are given (2/β for η = 1/β)
``noise_x4``           the oracles' noise is doubled, so its variance is 4× the σ² they state
``acdc_dense_end``     ``acdc_iht`` ends on a dense phase: n_iter/10 more full steps after its final
                       compressed phase, returning the dense iterate
``project_first``      ``iht`` / ``stochastic_iht`` apply T_k before the gradient step:
                       ``θ_{t+1} = T_k(θ_t) − η g(T_k(θ_t))`` (the loop rebuilt with the two operations
                       swapped, from the installed projection and oracle)
``alpha_x2``           the CPL certificates (``cpl_certificate``, ``eigen_certificate``) claim 2× α
=====================  ===============================================================================

The tests run with the hypothesis profile ``mutants`` (``ci`` without shrinking: a failure is all
that is asked for). The patches replace a function wherever a loaded module of the project holds
it (names imported with ``from ... import``) and wrap the solvers at their public entry points, so
they survive refactors of the solvers' internals; a patch whose target is missing raises instead of
leaving the code unmutated.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from iht.validation import check_choice

#: Packages whose loaded modules get the replaced functions.
PATCHED_PACKAGES = ("iht", "tests", "paper_experiments")

#: Repository root (holds ``tests/iht/theory``).
ROOT = Path(__file__).resolve().parents[2]

#: The property tests a mutant must fail (the mutation test module itself excluded).
TEST_COMMAND = ["tests/iht/theory", "-x", "-q", "-p", "no:cacheprovider",
                "--ignore=tests/iht/theory/test_mutants.py"]


def _load() -> None:
    import iht.constants.cpl
    import iht.objectives
    import iht.oracles
    import iht.solvers
    import iht.theory.adversarial
    import iht.theory.runner  # noqa: F401


def replace_everywhere(original: Any, replacement: Any, skip: Sequence[str] = ()) -> int:
    """Rebind every module attribute of the project that is ``original`` to ``replacement``."""
    count = 0
    for name, module in list(sys.modules.items()):
        if module is None or name in skip or name.split(".")[0] not in PATCHED_PACKAGES:
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, replacement)
                count += 1
    if not count:
        raise RuntimeError(f"mutant target {original!r} is not bound in any loaded module")
    return count


Maker = Callable[[str, Callable[..., Any]], Callable[..., Any]]


def _wrap_solvers(names: Sequence[str], make: Maker) -> None:
    import iht.solvers as solvers

    for name in names:
        original = getattr(solvers, name)
        replace_everywhere(original, functools.wraps(original)(make(name, original)))


class _NegatedObjective:
    """The objective with ``gradient`` negated; everything else delegated."""

    def __init__(self, inner: Any):
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return -self._inner.gradient(theta)


class _NegatedOracle:
    """The oracle with its draws negated, built on a :class:`_NegatedObjective`."""

    def __init__(self, inner: Any, objective: _NegatedObjective):
        self._inner, self.objective = inner, objective

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return -self._inner(theta, rng)

    def sample(self, rng: np.random.Generator) -> Any:
        drawn = self._inner.sample(rng)
        return SimpleNamespace(value=drawn.value, gradient=lambda theta: -drawn.gradient(theta))


def _gradient_sign() -> None:
    def make(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def solver(objective: Any, *args: Any, **kwargs: Any) -> Any:
            negated = _NegatedObjective(objective)
            if name != "iht":
                args = (_NegatedOracle(args[0], negated), *args[1:])
            return original(negated, *args, **kwargs)
        return solver
    _wrap_solvers(("iht", "stochastic_iht", "acdc_iht"), make)


def _step_x2() -> None:
    def make(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def solver(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("step") is not None:
                kwargs["step"] = 2 * kwargs["step"]
            return original(*args, **kwargs)
        return solver
    _wrap_solvers(("iht", "stochastic_iht", "acdc_iht"), make)


def _keep_smallest() -> None:
    from iht.projection import TopK

    def masks(self: Any, arrays: Any) -> dict[str, np.ndarray]:
        (name, x), = arrays.items()
        mask = np.zeros(np.shape(x), dtype=bool)
        mask[np.argsort(np.abs(x), kind="stable")[: self.kept(np.size(x))]] = True
        return {name: mask}
    TopK.masks = masks


def _keep_k_plus_1() -> None:
    from iht.projection import TopK

    original = TopK.kept

    def kept(self: Any, total: int) -> int:
        return min(original(self, total) + 1, total - 1) if total > 1 else original(self, total)
    TopK.kept = kept


def _noise_x4() -> None:
    from iht.oracles import GaussianNoiseOracle
    from iht.theory.adversarial import SupportNoiseOracle

    for cls in (GaussianNoiseOracle, SupportNoiseOracle):
        if "sample" in vars(cls):
            original_sample = cls.sample

            def sample(self: Any, rng: np.random.Generator, original: Any = original_sample) -> Any:
                drawn, f = original(self, rng), self.objective
                return SimpleNamespace(
                    value=lambda theta: f.value(theta) + 2 * (drawn.value(theta) - f.value(theta)),
                    gradient=lambda theta: f.gradient(theta)
                    + 2 * (drawn.gradient(theta) - f.gradient(theta)))
            cls.sample = sample
        else:
            original_call = cls.__call__

            def call(self: Any, theta: np.ndarray, rng: np.random.Generator,
                     original: Any = original_call) -> Any:
                exact = self.objective.gradient(theta)
                return exact + 2 * (original(self, theta, rng) - exact)
            cls.__call__ = call


def _acdc_dense_end() -> None:
    def make(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def solver(objective: Any, oracle: Any, projection: Any, **kwargs: Any) -> Any:
            result = original(objective, oracle, projection, **kwargs)
            extra = max(1, result.n_iter // 10)
            step = kwargs.get("step") or float(result.history.step_sizes[-1])
            rng = np.random.default_rng(12345)
            theta = result.theta
            for _ in range(extra):
                theta = theta - step * oracle(theta, rng)
            return dataclasses.replace(result, theta=theta, support=theta != 0.0,
                                       n_iter=result.n_iter + extra)
        return solver
    _wrap_solvers(("acdc_iht",), make)


def _project_first() -> None:
    from iht.solvers import IHTHistory, IHTResult

    def loop(objective: Any, gradient: Callable[[np.ndarray], np.ndarray], projection: Any, step: float,
             n_iter: int, theta0: np.ndarray | None, tol: float | None) -> Any:
        theta = np.zeros(objective.dim) if theta0 is None else np.array(theta0, dtype=np.float64)
        gaps = [objective.value(theta) - objective.f_star]
        count = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for count in range(1, n_iter + 1):  # noqa: B007
                sparse = np.where(projection.mask(theta), theta, 0.0)
                new = sparse - step * gradient(sparse)
                gaps.append(objective.value(new) - objective.f_star if np.all(np.isfinite(new)) else np.inf)
                moved, theta = float(np.linalg.norm(new - theta)), new
                if tol is not None and moved <= tol:
                    break
        history = IHTHistory(np.array(gaps), np.zeros(count, dtype=np.int64), np.full(count, step))
        return IHTResult(theta, theta != 0.0, count, history)

    def make(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def solver(objective: Any, *args: Any, step: float | None = None, n_iter: int = 1000,
                   theta0: np.ndarray | None = None, tol: float | None = None,
                   seed: Any = 0, **kwargs: Any) -> Any:
            if step is None:  # the default step is the solver's business: run it unmutated
                return original(objective, *args, n_iter=n_iter, theta0=theta0, **kwargs)
            if name == "iht":
                return loop(objective, objective.gradient, args[0], step, n_iter, theta0, tol)
            rng = np.random.default_rng(seed)
            return loop(objective, lambda theta: args[0](theta, rng), args[1], step, n_iter, theta0, None)
        return solver
    _wrap_solvers(("iht", "stochastic_iht"), make)


def _alpha_x2() -> None:
    from iht.constants import cpl

    certificate, eigen = cpl.cpl_certificate, cpl.eigen_certificate

    def doubled_certificate(*args: Any, **kwargs: Any) -> tuple[float, str, bool]:
        value, how, exact = certificate(*args, **kwargs)
        return 2 * value, how, exact

    def doubled_eigen(*args: Any, **kwargs: Any) -> tuple[float, str]:
        value, how = eigen(*args, **kwargs)
        return 2 * value, how
    replace_everywhere(certificate, doubled_certificate)
    replace_everywhere(eigen, doubled_eigen, skip=("iht.constants.cpl",))  # cpl_certificate doubles once


#: The mutants, by name: a one-line description and the function that applies the patch.
MUTANTS: dict[str, tuple[str, Callable[[], None]]] = {
    "keep_smallest": ("T_k keeps the k smallest entries", _keep_smallest),
    "keep_k_plus_1": ("T_k keeps k + 1 entries", _keep_k_plus_1),
    "gradient_sign": ("the solvers step along +g", _gradient_sign),
    "step_x2": ("the solvers use twice the step given (2/β)", _step_x2),
    "noise_x4": ("oracle noise variance 4× the stated σ²", _noise_x4),
    "acdc_dense_end": ("AC/DC-IHT ends on a dense phase", _acdc_dense_end),
    "project_first": ("T_k applied before the gradient step", _project_first),
    "alpha_x2": ("the CPL certificates claim 2× α", _alpha_x2),
}


def apply(name: str) -> None:
    """Apply mutant ``name`` to the running interpreter (loads the project's modules first)."""
    check_choice(name, "name", MUTANTS)
    _load()
    MUTANTS[name][1]()


def _run(code: str, name: str, timeout: float) -> tuple[int, float, str]:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutants", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", code, name], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, time.perf_counter() - start, "timed out"
    return done.returncode, time.perf_counter() - start, (done.stdout + done.stderr)[-2000:]


_APPLY = ("import sys\nfrom iht.theory.mutants import apply\n"
          "if sys.argv[1] != 'none':\n    apply(sys.argv[1])\n")


def run_tests(name: str, timeout: float = 600) -> tuple[int, float, str]:
    """``pytest tests/iht/theory`` under mutant ``name`` (``"none"``: unmutated): exit code, seconds, tail."""
    return _run(_APPLY + f"import pytest\nsys.exit(pytest.main({TEST_COMMAND!r}))", name, timeout)


def run_verify(name: str, out: Path, timeout: float = 600) -> tuple[int, float, str]:
    """``python -m iht verify --quick`` under mutant ``name``: exit code, seconds, output tail."""
    call = f"main(['verify', '--quick', '--out', {str(out)!r}])"
    return _run(_APPLY + "import traceback\nfrom iht.cli import main\ntry:\n    code = " + call
                + "\nexcept Exception:\n    traceback.print_exc()\n    code = 3\nsys.exit(code)",
                name, timeout)


def caught(code: int) -> str:
    """``yes`` for exit status 1 (failed tests / violated rows), else what happened."""
    return {1: "yes", 0: "no"}.get(code, "timed out" if code == -1 else f"crashed (exit {code})")


def run_mutants(names: Sequence[str], tests: bool = True, verify: bool = True) -> list[dict[str, Any]]:
    """Run the tests and ``verify --quick`` under each mutant; one record per mutant."""
    records = []
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            record: dict[str, Any] = {"mutant": name, "description": MUTANTS[name][0] if name in MUTANTS else
                                      "unmutated code (control: nothing must be caught)"}
            if tests:
                code, seconds, tail = run_tests(name)
                record.update(tests=caught(code), tests_seconds=seconds, tests_tail=tail)
            if verify:
                code, seconds, tail = run_verify(name, Path(folder) / name)
                record.update(verify=caught(code), verify_seconds=seconds, verify_tail=tail)
            records.append(record)
    return records


def table(records: Sequence[dict[str, Any]]) -> str:
    """The markdown table mutant → caught by the tests? → caught by verify --quick?"""
    lines = ["| mutant | what it breaks | caught by tests/iht/theory? | caught by verify --quick? |",
             "|---|---|---|---|"]
    for r in records:
        lines.append(f"| `{r['mutant']}` | {r['description']} | {r.get('tests', 'not run')} "
                     f"({r.get('tests_seconds', 0):.0f} s) | {r.get('verify', 'not run')} "
                     f"({r.get('verify_seconds', 0):.0f} s) |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iht.theory.mutants", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"mutants to run (default: all of {', '.join(MUTANTS)})")
    parser.add_argument("--control", action="store_true", help="also run the unmutated code (nothing caught)")
    parser.add_argument("--no-tests", action="store_true", help="only verify --quick")
    parser.add_argument("--no-verify", action="store_true", help="only the tests")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(MUTANTS))
    if unknown:
        parser.error(f"names must be among {', '.join(MUTANTS)}; got {', '.join(unknown)}")
    names = (["none"] if args.control else []) + (args.names or list(MUTANTS))
    records = run_mutants(names, tests=not args.no_tests, verify=not args.no_verify)
    print(table(records))
    expected = {r["mutant"]: "no" if r["mutant"] == "none" else "yes" for r in records}
    missed = [r["mutant"] for r in records if any(r.get(key, expected[r["mutant"]]) != expected[r["mutant"]]
                                                  for key in ("tests", "verify"))]
    if missed:
        print(f"\nnot as expected: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
