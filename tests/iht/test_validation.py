"""One message grammar for every scalar check: TypeError for a wrong type, ValueError out of range."""

import re
import subprocess
import sys

import numpy as np
import pytest

from iht import validation
from iht.validation import (
    check_choice,
    check_each,
    check_fraction,
    check_int,
    check_known_names,
    check_nonnegative,
    check_positive,
    check_probability,
    check_real,
    check_sparsity,
)

#: Every public check, called on a value with the parameter name "param", and a number out of its range.
CHECKS = {
    "check_int": (lambda v: check_int(v, "param", 1, 5), 7),
    "check_real": (lambda v: check_real(v, "param", 0.0, 2.0), 2.5),
    "check_positive": (lambda v: check_positive(v, "param"), 0.0),
    "check_nonnegative": (lambda v: check_nonnegative(v, "param"), -0.5),
    "check_fraction": (lambda v: check_fraction(v, "param"), 1.5),
    "check_probability": (lambda v: check_probability(v, "param"), 1.0),
    "check_sparsity": (lambda v: check_sparsity(v, "param"), 1.0),
    "check_choice": (lambda v: check_choice(v, "param", ("a", "b")), "c"),
    "check_known_names": (lambda v: check_known_names(v, "param", ("a", "b")), ["a", "c"]),
    "check_each": (lambda v: check_each(v, "param", check_positive), [1.0, 0.0]),
}


def test_every_public_check_is_in_the_table():
    public = {n for n in validation.__all__ if n.startswith("check_")}
    assert public == set(CHECKS)


#: (check, wrong type) pairs: a str, a bool and None; a str is the right type for a choice of names.
WRONG_TYPES = [(name, wrong) for name in sorted(CHECKS) for wrong in ("1", True, None)
               if not (name in ("check_choice", "check_known_names") and wrong == "1")]


@pytest.mark.parametrize(("name", "wrong"), WRONG_TYPES)
def test_wrong_type_is_a_type_error_naming_the_parameter(name, wrong):
    check, _ = CHECKS[name]
    with pytest.raises(TypeError, match=r"^param must be .*; got .*" + re.escape(repr(wrong))):
        check(wrong)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_out_of_range_is_a_value_error_in_the_grammar(name):
    check, bad = CHECKS[name]
    with pytest.raises(ValueError, match=r"^param must be .*; got .*param="):
        check(bad)


@pytest.mark.parametrize(("check", "message"), [
    (lambda: check_int(0, "n_iter", 1), r"n_iter must be >= 1; got n_iter=0"),
    (lambda: check_int(2.0, "k", 1), r"k must be an integer; got 2.0 \(float\)"),
    (lambda: check_real(float("nan"), "step", 0.0, strict=True),
     r"step must be finite and > 0.0; got step=nan"),
    (lambda: check_probability(0.0, "delta"), r"delta must be finite and > 0.0 and < 1.0; got delta=0.0"),
    (lambda: check_fraction(-0.1, "f"), r"f must be finite and >= 0.0 and <= 1.0; got f=-0.1"),
    (lambda: check_sparsity("0.5"), r"sparsity must be a real number in \[0, 1\); got '0.5' \(str\)"),
    (lambda: check_choice("x", "mode", {"b", "a"}), r"mode must be one of \['a', 'b'\]; got mode='x'"),
    (lambda: check_each((), "sigmas", check_positive),
     r"sigmas must hold at least one value; got sigmas=\(\)"),
    (lambda: check_known_names(["sgd"], "methods", ["acdc"]),
     r"methods must be names from \['acdc'\]; got unknown name\(s\) \['sgd'\] in methods=\['sgd'\]"),
])
def test_messages(check, message):
    with pytest.raises((TypeError, ValueError), match=message):
        check()


def test_accepted_values_come_back_converted():
    assert check_int(np.int64(3), "k", 1) == 3 and type(check_int(np.int64(3), "k", 1)) is int
    assert check_probability(np.float32(0.5), "p") == 0.5
    assert check_known_names(iter(["a"]), "names", ("a",)) == ("a",)


def test_no_torch_at_import():
    code = "import sys, iht.validation, iht.projection.errors; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
