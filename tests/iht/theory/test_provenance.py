"""The git revision recorded by every table marks uncommitted changes with ``+dirty``."""

import subprocess

from iht.provenance import DIRTY_SUFFIX, UNKNOWN_REVISION, git_revision


def _git(repo, *arguments):
    subprocess.run(["git", *arguments], cwd=repo, check=True, capture_output=True)


def test_clean_checkout_gives_the_commit_and_a_changed_tracked_file_marks_it_dirty(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("one\n")
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / "untracked.txt").write_text("not part of the code\n")
    assert git_revision(tmp_path) == head
    (tmp_path / "a.txt").write_text("two\n")
    assert git_revision(tmp_path) == head + DIRTY_SUFFIX


def test_outside_a_checkout_the_revision_is_unknown(tmp_path):
    assert git_revision(tmp_path) == UNKNOWN_REVISION
