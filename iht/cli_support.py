"""What the three command lines (``iht``, ``acdc``, ``paper_experiments``) share: one-line errors for
bad input, and the thread count.

Errors
------
:func:`run_cli` runs a command and turns a *user error* into one line ``error: …`` on stderr and exit
status 2 (argparse's status for bad usage). Which exceptions are user errors is decided by *where* they
are raised, not by their type alone: a command wraps, in :func:`user_input`, exactly the steps that
check what the user gave (parsing values, building and validating a configuration, reading data files,
checkpoints and output folders, checking a model against its configuration). A ``ValueError``,
``TypeError`` or ``OSError`` (missing file, existing output, a file where a folder is expected) raised
there is the library's validation talking to the user; the same types raised later, while computing,
are bugs and keep their traceback. Set the environment variable ``ACDC_TRACEBACK=1`` to get the
traceback of user errors too.

Threads
-------
:func:`set_threads` sets the thread count of the BLAS/OpenMP pools (through ``threadpoolctl``) and of
torch when it is loaded; by default it uses the cores this process may run on
(``os.sched_getaffinity``), not the machine's core count, so that a process confined to a few cores
(a container, ``taskset``) does not oversubscribe them; under ``torchrun`` they are shared among the
machine's processes.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from iht.validation import check_int

__all__ = ["TRACEBACK_ENV", "UserError", "add_threads_argument", "available_cores", "check_output_folder",
           "default_threads", "literal_value", "parse_key_value", "run_cli", "set_threads", "user_input"]

TRACEBACK_ENV = "ACDC_TRACEBACK"
"""Environment variable: ``1`` shows the traceback of user errors instead of one line."""

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
"""Environment variables set by :func:`set_threads` (read by OpenMP, MKL and OpenBLAS when loaded)."""
USER_ERRORS = (ValueError, TypeError, OSError)
"""Exception types that are user errors when raised inside :func:`user_input`."""


class UserError(Exception):
    """A mistake in what the user gave; :func:`run_cli` prints its message as one line."""


def _tracebacks() -> bool:
    return os.environ.get(TRACEBACK_ENV, "") not in ("", "0")


@contextmanager
def user_input() -> Iterator[None]:
    """Turn the :data:`USER_ERRORS` raised in the block into :class:`UserError` (chained to them).

    Wrap only steps that validate user input; with ``ACDC_TRACEBACK=1`` the original exception passes
    through unchanged.
    """
    try:
        yield
    except USER_ERRORS as error:
        if _tracebacks():
            raise
        message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        if isinstance(error, OSError) and error.filename is not None:
            message = f"{message}: {error.filename}"
        raise UserError(message) from error


def run_cli(command: Callable[[], int]) -> int:
    """Run ``command()``; a :class:`UserError` prints ``error: MESSAGE`` on stderr and returns 2, Ctrl-C
    prints ``interrupted`` and returns 130 (the shell's status for SIGINT).

    Any other exception propagates with its traceback (a bug, reported as such).
    """
    try:
        return command()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def check_output_folder(path: str | os.PathLike, name: str = "out") -> None:
    """Raise ``NotADirectoryError`` if ``path`` exists and is not a folder (a missing one is fine)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"{name} must be a folder; got {name}={os.fspath(path)!r}, which is a file")


def available_cores() -> int:
    """Number of CPU cores this process may run on (its affinity mask; ``os.cpu_count()`` elsewhere)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _thread_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"threads must be an integer >= 1; got threads={text!r}") from None
    try:
        return check_int(value, "threads", 1)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_threads_argument(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """Add ``--threads N`` (an integer >= 1; default: :func:`available_cores`, or ``default``'s text)."""
    parser.add_argument("--threads", type=_thread_count, default=None, metavar="N",
                        help="CPU threads of torch and BLAS, an integer >= 1 (default: "
                             f"{default or f'the cores available to this process, {default_threads()}'})")


def default_threads() -> int:
    """:func:`available_cores`, shared among the processes ``torchrun`` starts on this machine
    (``LOCAL_WORLD_SIZE``), at least 1."""
    return max(1, available_cores() // int(os.environ.get("LOCAL_WORLD_SIZE", "1")))


def set_threads(threads: int | None = None) -> int:
    """Use ``threads`` threads (default :func:`default_threads`) in BLAS/OpenMP and in torch; return it.

    torch is configured now if already imported (this module never imports it); ``OMP_NUM_THREADS`` and
    ``MKL_NUM_THREADS`` are set too, which torch reads when it is imported later.
    """
    threads = default_threads() if threads is None else check_int(threads, "threads", 1)
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency; a bare install may lack it
        pass
    else:
        threadpool_limits(limits=threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    return threads


def literal_value(text: str) -> Any:
    """``text`` as a Python literal if it parses as one (``0.9``, ``(0.8, 0.9)``, ``None``), else the
    stripped string (``char``)."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def parse_key_value(text: str, example: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` of a ``--set`` flag -> ``(KEY, VALUE)``, the value read by :func:`literal_value`.

    ``example`` is a valid ``KEY=VALUE`` shown in the ``ValueError`` raised when ``text`` has no ``=``
    or no key.

    >>> parse_key_value("sparsities=(0.8, 0.9)", "epochs=30")
    ('sparsities', (0.8, 0.9))
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set must be KEY=VALUE (e.g. {example}); got {text!r}")
    return key.strip(), literal_value(value)
