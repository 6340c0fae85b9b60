"""Provenance of a run: the git revision of the code that produced it (recorded by every result table)."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: Recorded when the package does not run from a git checkout (or git is missing).
UNKNOWN_REVISION = "unknown"

#: Appended to the revision when tracked files differ from it (the code run is not that commit).
DIRTY_SUFFIX = "+dirty"


def _git(arguments: list[str], where: Path) -> str:
    return subprocess.run(["git", *arguments], cwd=where, capture_output=True, text=True, check=True,
                          timeout=10).stdout.strip()


def git_revision(path: Path | None = None) -> str:
    """``git rev-parse HEAD`` of the checkout holding ``path`` (default: this package), with
    ``+dirty`` appended when a tracked file has uncommitted changes (``git status --porcelain
    --untracked-files=no`` is not empty): the code that ran is then not the commit named."""
    where = Path(__file__).resolve().parent if path is None else Path(path)
    try:
        head = _git(["rev-parse", "HEAD"], where)
        changed = _git(["status", "--porcelain", "--untracked-files=no"], where)
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN_REVISION
    return head + DIRTY_SUFFIX if changed else head
