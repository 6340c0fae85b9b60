"""Checkpoints under damage: every bad file gives one named line, resume falls back, kill -9 loses nothing.

Issue 15's reproducers: 64 flipped bytes inside a tensor payload (loaded silently before), a zero-length
file (a bare ``EOFError``), a garbage file (torch's advice to retry with ``weights_only=False``), and a
single checkpoint kept (one corrupt file lost the run).
"""

from __future__ import annotations

import fractions
import hashlib
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from acdc import checkpoint
from acdc.checkpoint import MAGIC, CheckpointFallbackWarning, CorruptCheckpointError
from acdc.trainer import CHECKPOINT, CHECKPOINT_KEYS, PREVIOUS_CHECKPOINT, Trainer
from paper_experiments.training import train
from tests.acdc.helpers import tiny_config
from tests.acdc.test_trainer import assert_same_state, run

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = {"momentum": torch.full((256,), 0.5), "epoch": 3, "name": "run"}


def plain_torch_bytes(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def hashed(payload: bytes) -> bytes:
    """A well-formed header (right hash and length) around any payload bytes: what save_checkpoint writes."""
    return MAGIC + b"sha256 %s bytes %d\n" % (hashlib.sha256(payload).hexdigest().encode(), len(payload)) \
        + payload


GOOD = hashed(plain_torch_bytes(PAYLOAD))
HEADER_END = GOOD.index(b"\n", len(MAGIC)) + 1
PAYLOAD_LEN = len(GOOD) - HEADER_END
TENSOR_AT = GOOD.index(np.full(256, 0.5, np.float32).tobytes()[:64])  # the tensor's data in the zip


def flipped(data: bytes, start: int, count: int) -> bytes:
    return data[:start] + bytes(b ^ 0xFF for b in data[start:start + count]) + data[start + count:]


def with_digest(data: bytes, digest: bytes) -> bytes:
    at = len(MAGIC) + len(b"sha256 ")
    return data[:at] + digest + data[at + 64:]


TRUNCATED_HEADER = r"is truncated: it ends inside its header"
HASH_MATCHES = r"is unreadable although its hash matches"
NOT_TENSORS = "its data is not a torch save of tensors and plain Python data"
TRUNCATED_PAYLOAD = "is truncated: {} of its {} payload bytes"
BAD_FILES = {  # file bytes -> the one-line message load_checkpoint gives (after the file's path)
    "zero-length": (b"", r"is empty \(0 bytes\): its write was interrupted"),
    "truncated in the first header line": (GOOD[:5], TRUNCATED_HEADER + r" \(5 bytes\)"),
    "first header line only": (GOOD[:len(MAGIC)], TRUNCATED_HEADER),
    "truncated in the second header line": (GOOD[:len(MAGIC) + 30], TRUNCATED_HEADER),
    "header without payload": (GOOD[:HEADER_END], TRUNCATED_PAYLOAD.format(0, PAYLOAD_LEN)),
    "truncated at 100 payload bytes": (GOOD[:HEADER_END + 100], TRUNCATED_PAYLOAD.format(100, PAYLOAD_LEN)),
    "truncated at half the payload": (GOOD[:HEADER_END + PAYLOAD_LEN // 2],
                                      TRUNCATED_PAYLOAD.format(PAYLOAD_LEN // 2, PAYLOAD_LEN)),
    "last byte missing": (GOOD[:-1], TRUNCATED_PAYLOAD.format(PAYLOAD_LEN - 1, PAYLOAD_LEN)),
    "bytes appended": (GOOD + b"\0\0\0", rf"is damaged: 3 bytes after its {PAYLOAD_LEN} payload bytes"),
    "garbage": (random.Random(15).randbytes(4096),
                r"is not an acdc checkpoint: it does not start with the header line 'acdc-checkpoint 1'"),
    "text": (b"hello world\n" * 10, r"is not an acdc checkpoint"),
    "flipped byte in the first header line": (flipped(GOOD, 2, 1), r"is not an acdc checkpoint"),
    "other hex digest in the header": (with_digest(GOOD, b"0" * 64),
                                       r"is corrupt: the SHA-256 of its payload is [0-9a-f]{12}…, its header "
                                       r"records 000000000000…"),
    "non-hex digest in the header": (with_digest(GOOD, b"Z" * 64),
                                     r"has a damaged header: expected 'sha256 <64 hex digits> bytes "
                                     r"<length>'"),
    "second header line without an end": (MAGIC + b"x" * 300,
                                          r"has a damaged header: no end of its second line"),
    "length in the header too large": (GOOD.replace(b" %d\n" % PAYLOAD_LEN, b" %d\n" % (PAYLOAD_LEN + 7)),
                                       TRUNCATED_PAYLOAD.format(PAYLOAD_LEN, PAYLOAD_LEN + 7)),
    "64 flipped bytes in a tensor payload": (flipped(GOOD, TENSOR_AT, 64), r"is corrupt: the SHA-256"),
    "one flipped byte in the pickled data": (flipped(GOOD, HEADER_END + 60, 1), r"is corrupt: the SHA-256"),
    "zeroed payload tail": (GOOD[:-200] + b"\0" * 200, r"is corrupt: the SHA-256"),
    "plain torch file (no header)": (plain_torch_bytes(PAYLOAD), r"is not an acdc checkpoint"),
    "hash matches, payload not torch": (hashed(b"not a torch file"), HASH_MATCHES),
    "hash matches, payload pickles a class": (hashed(plain_torch_bytes(fractions.Fraction(1, 3))),
                                              f"{HASH_MATCHES}: {NOT_TENSORS}$"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_checkpoint_file_gives_one_line_naming_it(tmp_path, name):
    data, message = BAD_FILES[name]
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(data)
    with pytest.raises(CorruptCheckpointError, match=f"^{re.escape(str(path))} {message}") as info:
        checkpoint.load_checkpoint(path)
    text = str(info.value)
    assert "\n" not in text and "weights_only" not in text
    if name == "plain torch file (no header)":  # a model file to the general loader
        assert checkpoint.load(path)["name"] == "run"
        return
    with pytest.raises(CorruptCheckpointError, match=f"^{re.escape(str(path))} "):  # the general loader
        checkpoint.load(path)


def test_the_reproducer_loaded_silently_before(tmp_path):
    """Without the hash, torch loads the payload with 64 flipped bytes: 16 momentum entries are not 0.5."""
    damaged = flipped(GOOD, TENSOR_AT, 64)
    silently = torch.load(io.BytesIO(damaged[HEADER_END:]), weights_only=True)  # what torch alone does
    assert int((silently["momentum"] != 0.5).sum()) == 16


@pytest.mark.parametrize(("data", "message"), [
    (b"", r"is empty \(0 bytes\)"),
    (random.Random(16).randbytes(2048), rf"is not a readable torch file: {NOT_TENSORS}$"),
    (plain_torch_bytes(PAYLOAD)[:700], r"is not a readable torch file: failed reading zip archive: failed "
                                       r"finding central directory"),
    (plain_torch_bytes(PAYLOAD)[:10], r"is not a readable torch file: failed reading zip archive: not a ZIP"),
    (b"hello world\n" * 10, r"is not a readable torch file: KeyError"),
], ids=["zero-length", "garbage", "truncated zip", "zip header only", "text"])
def test_a_bad_model_file_gives_one_line_naming_it(tmp_path, data, message):
    path = tmp_path / "final_sparse.pt"
    path.write_bytes(data)
    with pytest.raises(CorruptCheckpointError, match=message) as info:
        checkpoint.load(path)
    assert str(info.value).startswith(f"{path} ") and "weights_only" not in str(info.value)


def test_missing_files_and_directories_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=rf"no checkpoint file at {tmp_path / 'none.pt'}"):
        checkpoint.load(tmp_path / "none.pt")
    with pytest.raises(CorruptCheckpointError, match=rf"^{tmp_path} is a directory, not a checkpoint file$"):
        checkpoint.load_checkpoint(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no checkpoint at .*a\.pt or .*a\.prev\.pt"):
        checkpoint.load_latest(tmp_path / "a.pt")


def test_good_files_round_trip_and_two_checkpoints_are_kept(tmp_path):
    path = tmp_path / "checkpoint.pt"
    checkpoint.save_checkpoint({"epoch": 1}, path)
    assert not checkpoint.previous_path(path).exists()
    checkpoint.save_checkpoint({"epoch": 2}, path)
    checkpoint.save_checkpoint({"epoch": 3}, path)
    assert checkpoint.previous_path(path) == tmp_path / "checkpoint.prev.pt"
    assert checkpoint.load(path) == {"epoch": 3}
    assert checkpoint.load(tmp_path / "checkpoint.prev.pt") == {"epoch": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.prev.pt", "checkpoint.pt"]
    checkpoint.save_checkpoint({"epoch": 4}, path, keep_previous=False)  # replaces only the newest
    assert checkpoint.load(tmp_path / "checkpoint.prev.pt") == {"epoch": 2}
    (tmp_path / "checkpoint.pt.tmp").write_bytes(b"half a write")  # a kill during a write leaves this
    assert checkpoint.load_latest(path) == ({"epoch": 4}, path)
    checkpoint.save_atomic(PAYLOAD, tmp_path / "model.pt")
    assert checkpoint.load(tmp_path / "model.pt")["name"] == "run"
    (tmp_path / "written.pt").write_bytes(GOOD)
    assert torch.equal(checkpoint.load_checkpoint(tmp_path / "written.pt")["momentum"], PAYLOAD["momentum"])


def test_latest_falls_back_with_a_warning_naming_the_corrupt_file(tmp_path):
    path = tmp_path / "checkpoint.pt"
    checkpoint.save_checkpoint({"epoch": 1}, path)
    checkpoint.save_checkpoint({"epoch": 2}, path)
    path.write_bytes(flipped(path.read_bytes(), len(path.read_bytes()) - 40, 8))
    with pytest.warns(CheckpointFallbackWarning, match=rf"{path} is corrupt: the SHA-256 .*; resuming from "
                                                       r"the previous checkpoint .*checkpoint\.prev\.pt"):
        assert checkpoint.load_latest(path) == ({"epoch": 1}, checkpoint.previous_path(path))
    checkpoint.previous_path(path).write_bytes(b"")
    with pytest.raises(CorruptCheckpointError, match=r"^no usable checkpoint: .*checkpoint\.pt is corrupt.*; "
                                                     r".*checkpoint\.prev\.pt is empty"):
        checkpoint.load_latest(path)
    path.unlink()  # a kill between the two renames of a save leaves only the previous checkpoint
    checkpoint.save_checkpoint({"epoch": 1}, checkpoint.previous_path(path), keep_previous=False)
    with pytest.warns(CheckpointFallbackWarning, match=rf"{path} is missing; resuming from"):
        assert checkpoint.load_latest(path)[0] == {"epoch": 1}


# ---- the trainer: resume falls back, rejects foreign contents, keeps the caller's RNG and the time -----


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """An uninterrupted tiny run with its dense fine-tune (10 epochs)."""
    return run(tiny_config(tmp_path_factory.mktemp("whole"), dense_finetune=True))


def test_resume_falls_back_when_the_newest_checkpoint_has_flipped_bytes(tmp_path, whole):
    config = tiny_config(tmp_path, dense_finetune=True)
    run(config, until=5)
    newest = tmp_path / CHECKPOINT
    data = newest.read_bytes()
    newest.write_bytes(flipped(data, len(data) // 2, 64))
    with pytest.warns(CheckpointFallbackWarning, match=rf"{newest} is corrupt: .*resuming from the previous "
                                                       rf"checkpoint {tmp_path / PREVIOUS_CHECKPOINT}"):
        trainer = Trainer(config, resume=True, progress=False)
    assert trainer.epoch == 4  # the previous checkpoint: one epoch back
    trainer.fit(until=6)  # the first save replaces the corrupt file and keeps the good previous one
    assert checkpoint.load(tmp_path / PREVIOUS_CHECKPOINT)["epoch"] == 5
    trainer.close()
    resumed = run(config, resume=True)
    assert_same_state(whole, resumed)


def test_resume_rejects_unusable_contents_and_other_configurations(tmp_path):
    config = tiny_config(tmp_path)
    run(config, until=1)
    newest = tmp_path / CHECKPOINT
    state = checkpoint.load(newest)
    checkpoint.save_checkpoint([1, 2], newest, keep_previous=False)
    with pytest.raises(CorruptCheckpointError, match=rf"^no usable checkpoint: {newest} is not a trainer "
                                                     r"checkpoint: it holds a list, not a dict"):
        Trainer(config, resume=True, progress=False)
    incomplete = {k: v for k, v in state.items() if k not in ("optimizer", "loader_rng")}
    checkpoint.save_checkpoint(incomplete, newest, keep_previous=False)
    with pytest.raises(CorruptCheckpointError, match=r"it lacks the entries optimizer, loader_rng; "):
        Trainer(config, resume=True, progress=False)
    checkpoint.save_checkpoint({**state, "config": "sparsity=0.8"}, newest, keep_previous=False)
    with pytest.raises(CorruptCheckpointError, match=r"its config is a str, not a dict"):
        Trainer(config, resume=True, progress=False)
    checkpoint.save_checkpoint(state, newest, keep_previous=False)
    with pytest.raises(ValueError, match=rf"cannot resume from {newest}: the configuration differs: "
                                         r"lr=0\.05 \(checkpoint\) vs 0\.1 \(now\)"):
        Trainer(tiny_config(tmp_path, lr=0.1), resume=True, progress=False)
    newest.unlink()
    newest.mkdir()  # a directory where the checkpoint should be
    with pytest.raises(CorruptCheckpointError, match=rf"{newest} is a directory, not a checkpoint file"):
        Trainer(config, resume=True, progress=False)
    newest.rmdir()
    checkpoint.save_checkpoint(state, tmp_path / PREVIOUS_CHECKPOINT, keep_previous=False)
    with pytest.raises(FileExistsError, match=rf"{tmp_path / PREVIOUS_CHECKPOINT} exists: pass resume=True"):
        Trainer(config, progress=False)
    assert set(state) == set(CHECKPOINT_KEYS)


def test_training_leaves_the_callers_global_random_state_alone(tmp_path):
    """Issue 16: the trainer seeds a forked generator for the initialisation and draws nothing global."""
    torch.manual_seed(123)
    np.random.seed(7)  # noqa: NPY002 (the caller's global state is what is checked)
    random.seed(5)
    before = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002
    run(tiny_config(tmp_path, epochs=4, schedule="dense:1,compressed:1,dense:1,compressed:1"), until=2)
    run(tiny_config(tmp_path, epochs=4, schedule="dense:1,compressed:1,dense:1,compressed:1"), resume=True)
    assert torch.equal(torch.get_rng_state(), before[0])
    assert np.array_equal(np.random.get_state()[1], before[1]) and random.getstate() == before[2]  # noqa: NPY002
    first = run(tiny_config(tmp_path / "a", epochs=2, schedule="dense:1,compressed:1"), until=0)
    torch.manual_seed(999)  # another global state gives the same initialisation
    second = run(tiny_config(tmp_path / "b", epochs=2, schedule="dense:1,compressed:1"), until=0)
    assert_same_state(first, second)


def test_training_seconds_are_kept_across_resume(tmp_path):
    """Issue 17, item 7: a resumed run adds its seconds to those of its checkpoint; paper_experiments'
    ``wall_s`` is that sum, not the seconds of the resuming call."""
    config = tiny_config(tmp_path, epochs=4, schedule="dense:1,compressed:1,dense:1,compressed:1")
    first = run(config, until=2)
    stored = checkpoint.load(tmp_path / CHECKPOINT)["train_seconds"]
    assert 0 < stored <= first.train_seconds
    resumed = Trainer(config, resume=True, progress=False)
    assert resumed.train_seconds == stored
    resumed.close()
    trained = train(config)  # resumes the checkpoint in config.out
    assert trained.wall_s == trained.summary["train_seconds"] > stored
    assert trained.row()["wall_s"] == trained.wall_s
    assert checkpoint.load(tmp_path / CHECKPOINT)["train_seconds"] == trained.wall_s  # up to the last save
    assert train(config).wall_s == trained.wall_s  # a finished run read again keeps its training time


# ---- kill -9 at seeded moments, then resume: bit-identical outputs ---------------------------------------

CHILD = textwrap.dedent("""
    import os, signal, sys
    from acdc import checkpoint
    from acdc.trainer import CHECKPOINT, Trainer
    from tests.acdc.helpers import tiny_config

    out, event, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count = 0

    def tick():
        global count
        count += 1
        if count == n:
            os.kill(os.getpid(), signal.SIGKILL)

    def before(real):
        def call(*args):
            if event != "promote" or str(args[1]).endswith(CHECKPOINT):
                tick()
            return real(*args)
        return call

    # replace: before the n-th rename; promote: before the n-th rename of a new checkpoint onto
    # checkpoint.pt (after the current one became checkpoint.prev.pt); fsync: before the n-th sync to disk
    if event in ("replace", "promote", "fsync"):
        name = "fsync" if event == "fsync" else "replace"
        setattr(os, name, before(getattr(os, name)))
    config = tiny_config(out, dense_finetune=True)
    trainer = Trainer(config, resume=checkpoint.exists(os.path.join(out, CHECKPOINT)), progress=False)
    if event == "step":  # after the n-th optimiser step, mid-epoch
        trainer.optimizer.register_step_post_hook(lambda *_: tick())
    trainer.fit()
    trainer.close()
""")


def kill_moments(seed: int) -> list[tuple[str, int]]:
    """Seeded kill points: after a step (mid-epoch), between the two renames of a save, before any rename,
    before a sync to disk (a temporary file written, not yet renamed)."""
    rng = np.random.default_rng(seed)
    return [("step", int(rng.integers(1, 12))), ("promote", int(rng.integers(2, 4))),
            ("replace", int(rng.integers(1, 9))), ("fsync", int(rng.integers(1, 9)))]


def killed_child(script: Path, out: Path, event: str, n: int) -> None:
    """Run the tiny training in a subprocess that sends itself SIGKILL at the ``n``-th ``event``."""
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(script), str(out), event, str(n)], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == -signal.SIGKILL, (event, n, result.stderr[-2000:])


def assert_same_outputs(whole: Trainer, out: Path) -> None:
    """metrics.csv, the output models and the last checkpoint's model are those of ``whole``, bit for bit."""
    with open(whole.out / "metrics.csv") as a, open(out / "metrics.csv") as b:
        assert a.read() == b.read()
    for name in ("final_sparse", "best_dense", "last_dense", "finetuned_dense"):
        mine, reference = checkpoint.load(out / f"{name}.pt"), checkpoint.load(whole.out / f"{name}.pt")
        assert mine["epoch"] == reference["epoch"] and mine["val_acc"] == reference["val_acc"]
        for key, value in reference["state_dict"].items():
            assert torch.equal(mine["state_dict"][key], value), (name, key)
    final = checkpoint.load(out / CHECKPOINT)
    for key, value in whole.model.state_dict().items():  # masks included
        assert torch.equal(final["model"][key], value), key


def test_kill_9_between_the_renames_of_a_save_then_resume_is_bit_identical(tmp_path, whole):
    """One seeded kill in the narrowest window (a few seconds); the thorough version below is marked slow."""
    event, n = kill_moments(15)[1]
    assert event == "promote" and n >= 2  # the n-th save has moved the newest checkpoint aside
    out = tmp_path / "run"
    killed_child(tmp_path / "child.py", out, event, n)
    assert not (out / CHECKPOINT).exists() and checkpoint.load(out / PREVIOUS_CHECKPOINT)["epoch"] == n - 1
    with pytest.warns(CheckpointFallbackWarning, match=rf"{out / CHECKPOINT} is missing; resuming from"):
        run(tiny_config(out, dense_finetune=True), resume=True)
    assert_same_outputs(whole, out)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [16])
def test_kill_9_at_seeded_moments_then_resume_is_bit_identical(tmp_path, whole, seed):
    """Three kills in a row (mid-epoch, before a rename, before a sync), then ``--resume`` from the CLI."""
    for event, n in kill_moments(seed):
        killed_child(tmp_path / "child.py", tmp_path / "run", event, n)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tiny_config(tmp_path / "run", dense_finetune=True).to_dict()))
    result = subprocess.run([sys.executable, "-m", "acdc", "train", "--config", str(config), "--resume"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_outputs(whole, tmp_path / "run")
