"""Provenance of a run: the git revision of the code that produced it (recorded by every result table)."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: Recorded when the package does not run from a git checkout (or git is missing).
UNKNOWN_REVISION = "unknown"


def git_revision(path: Path | None = None) -> str:
    """``git rev-parse HEAD`` of the checkout holding ``path`` (default: this package)."""
    where = Path(__file__).resolve().parent if path is None else Path(path)
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                                text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN_REVISION
    return result.stdout.strip()
