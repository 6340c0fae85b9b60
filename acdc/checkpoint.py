"""Checkpoint and model files: atomic writes, a content hash checked on load, the last two checkpoints kept.

Two kinds of files, both holding only tensors and plain Python data, both read with
``torch.load(weights_only=True)`` and never unpickled before they are known to be intact:

- **model files** (:func:`save_atomic`, :func:`load`): a plain ``torch.save`` file.
- **checkpoints** (:func:`save_checkpoint`, :func:`load_checkpoint`, :func:`load_latest`): a two-line
  text header followed by the ``torch.save`` bytes of the payload::

      acdc-checkpoint 1
      sha256 <64 hex digits of the payload's SHA-256> bytes <payload length>
      <payload>

  :func:`load_checkpoint` recomputes the hash before unpickling, so flipped bits anywhere in the file,
  truncation and stray bytes are reported instead of loaded.

Every write goes to ``<name>.tmp`` in the target folder, is flushed to disk and moved into place with
``os.replace``. :func:`save_checkpoint` first moves the current checkpoint to :func:`previous_path`
(``checkpoint.pt`` -> ``checkpoint.prev.pt``), so a process killed at any moment leaves the newest or
the previous checkpoint (or both) complete, and :func:`load_latest` resumes from the newest usable one.
An unusable file raises :class:`CorruptCheckpointError` with one line naming the file and what is wrong.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

MAGIC = b"acdc-checkpoint 1\n"
"""First line of every checkpoint file (format version 1)."""
_HEADER = re.compile(rb"sha256 ([0-9a-f]{64}) bytes ([0-9]{1,19})\n")
_HEADER_MAX = 100  # bytes of the second header line, generously


class CorruptCheckpointError(ValueError):
    """A checkpoint or model file that cannot be used: the message names the file and what is wrong.

    Raised for a path that is not a regular file, an empty, truncated or damaged file, a content hash that
    does not match, a file that is not a checkpoint, or a checkpoint whose contents lack required entries.
    """


class CheckpointFallbackWarning(UserWarning):
    """The newest checkpoint is missing or unusable; the run resumes from the previous one."""


def previous_path(path: str | Path) -> Path:
    """The previous checkpoint's name beside ``path``: ``checkpoint.prev.pt`` for ``checkpoint.pt``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.prev{path.suffix}")


def exists(path: str | Path) -> bool:
    """Whether the checkpoint ``path`` or its previous copy (:func:`previous_path`) exists."""
    return Path(path).exists() or previous_path(path).exists()


def _fsync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_tmp(path: Path, write: Callable[[Any], None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    return tmp


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save(obj)`` to ``path`` atomically (temporary file + ``os.replace``): a model file."""
    path = Path(path)
    os.replace(_write_tmp(path, lambda f: torch.save(obj, f)), path)
    _fsync_folder(path.parent)


def save_checkpoint(obj: Any, path: str | Path, keep_previous: bool = True) -> None:
    """Write checkpoint ``obj`` to ``path`` with its content hash, keeping the current one as the previous.

    Order of operations: the new file is written and synced under ``<name>.tmp``; the current ``path``
    (when ``keep_previous`` and it exists) is renamed to :func:`previous_path`; the new file is renamed to
    ``path``. Each rename is atomic, so at every moment ``path``, ``previous_path(path)`` or both are
    complete checkpoints. Pass ``keep_previous=False`` to replace ``path`` without touching the previous
    copy (after resuming from the previous copy because ``path`` was unusable).
    """
    path = Path(path)
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    payload = buffer.getbuffer()
    header = MAGIC + b"sha256 %s bytes %d\n" % (hashlib.sha256(payload).hexdigest().encode(), len(payload))

    def write(f: Any) -> None:
        f.write(header)
        f.write(payload)

    tmp = _write_tmp(path, write)
    if keep_previous and path.is_file():
        os.replace(path, previous_path(path))
    os.replace(tmp, path)
    _fsync_folder(path.parent)


def _read(path: Path) -> bytes:
    if path.is_dir():
        raise CorruptCheckpointError(f"{path} is a directory, not a checkpoint file")
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    data = path.read_bytes()
    if not data:
        raise CorruptCheckpointError(f"{path} is empty (0 bytes): its write was interrupted or it is not "
                                     f"a checkpoint")
    return data


def _torch_reason(error: Exception) -> str:
    """One line on why ``torch.load`` failed (never torch's advice to turn ``weights_only`` off)."""
    if isinstance(error, pickle.UnpicklingError):
        return "its data is not a torch save of tensors and plain Python data"
    first = str(error).split("\n", 1)[0]
    if "PytorchStreamReader" in first:  # "... failed reading zip archive: <why>. This is an internal ..."
        return first.split("PytorchStreamReader ", 1)[1].split(".", 1)[0]
    return f"{type(error).__name__}: {first[:100]}"


def _torch_load(path: Path, data: bytes | memoryview, map_location: Any, what: str) -> Any:
    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except MemoryError:
        raise
    except Exception as error:  # torch raises many types for damaged data; all mean "unreadable"
        raise CorruptCheckpointError(f"{path} is {what}: {_torch_reason(error)}") from error


def _truncated_header(path: Path, data: bytes) -> CorruptCheckpointError:
    return CorruptCheckpointError(f"{path} is truncated: it ends inside its header ({len(data)} bytes)")


def _payload(path: Path, data: bytes) -> memoryview:
    """The verified payload of checkpoint bytes ``data`` (which start with :data:`MAGIC`)."""
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _HEADER_MAX)
    if end < 0:
        if len(data) < len(MAGIC) + _HEADER_MAX:
            raise _truncated_header(path, data)
        raise CorruptCheckpointError(f"{path} has a damaged header: no end of its second line")
    match = _HEADER.fullmatch(data, len(MAGIC), end + 1)
    if match is None:
        raise CorruptCheckpointError(f"{path} has a damaged header: expected 'sha256 <64 hex digits> bytes "
                                     f"<length>', got {data[len(MAGIC):end]!r:.80}")
    digest, size = match[1].decode(), int(match[2])
    payload = memoryview(data)[end + 1:]
    if len(payload) < size:
        raise CorruptCheckpointError(f"{path} is truncated: {len(payload)} of its {size} payload bytes")
    if len(payload) > size:
        raise CorruptCheckpointError(f"{path} is damaged: {len(payload) - size} bytes after its {size} "
                                     f"payload bytes")
    actual = hashlib.sha256(payload).hexdigest()
    if actual != digest:
        raise CorruptCheckpointError(f"{path} is corrupt: the SHA-256 of its payload is {actual[:12]}…, its "
                                     f"header records {digest[:12]}…")
    return payload


def load_checkpoint(path: str | Path, map_location: str | torch.device | None = None) -> Any:
    """The object of a :func:`save_checkpoint` file, after checking its header, length and hash.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    CorruptCheckpointError
        If ``path`` is a directory, empty, truncated, damaged, not a checkpoint, or its hash differs.
    """
    path = Path(path)
    data = _read(path)
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data):
            raise _truncated_header(path, data)
        raise CorruptCheckpointError(f"{path} is not an acdc checkpoint: it does not start with the header "
                                     f"line {MAGIC.decode().strip()!r}")
    return _torch_load(path, _payload(path, data), map_location, "unreadable although its hash matches")


def load(path: str | Path, map_location: str | torch.device | None = None) -> Any:
    """Object of a model file (:func:`save_atomic`) or of a checkpoint (:func:`save_checkpoint`, verified).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    CorruptCheckpointError
        If ``path`` is a directory, empty or not readable by ``torch.load(weights_only=True)``, or is a
        checkpoint that :func:`load_checkpoint` rejects.
    """
    path = Path(path)
    data = _read(path)
    if data.startswith(MAGIC) or MAGIC.startswith(data):
        return load_checkpoint(path, map_location)
    return _torch_load(path, data, map_location, "not a readable torch file")


def load_latest(path: str | Path, map_location: str | torch.device | None = None,
                check: Callable[[Any, Path], None] | None = None) -> tuple[Any, Path]:
    """The newest usable checkpoint of ``path`` and ``previous_path(path)``, and the file it came from.

    ``check(obj, file)`` may reject a loaded object by raising :class:`CorruptCheckpointError` (missing
    entries, say); other exceptions propagate. Falling back to the previous copy warns with a
    :class:`CheckpointFallbackWarning` naming the newest file and what is wrong with it.

    Raises
    ------
    FileNotFoundError
        If neither file exists.
    CorruptCheckpointError
        If no existing file is usable (the message lists each file and its defect).
    """
    path = Path(path)
    problems: list[str] = []
    for candidate in (path, previous_path(path)):
        try:
            obj = load_checkpoint(candidate, map_location)
            if check is not None:
                check(obj, candidate)
        except FileNotFoundError:
            problems.append(f"{candidate} is missing")
            continue
        except CorruptCheckpointError as error:
            problems.append(str(error))
            continue
        if problems:
            warnings.warn(f"{problems[0]}; resuming from the previous checkpoint {candidate}",
                          CheckpointFallbackWarning, stacklevel=2)
        return obj, candidate
    if all(p.endswith(" is missing") for p in problems):
        raise FileNotFoundError(f"no checkpoint at {path} or {previous_path(path)}")
    raise CorruptCheckpointError("no usable checkpoint: " + "; ".join(problems))
