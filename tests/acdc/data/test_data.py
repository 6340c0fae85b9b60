"""The IDX reader and the Fashion-MNIST loader, on tiny IDX files written by the tests."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

from acdc.data import load_splits, make_synthetic_images, read_idx
from acdc.data.fashion_mnist import MEAN, STD, load_fashion_mnist


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fashion_mnist(root, n_train=6, n_test=4, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    data = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images, labels = rng.integers(0, 256, (n, 28, 28)), rng.integers(0, 10, n)
        data[prefix] = (images, labels)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            raw = idx_bytes(array)
            name = f"{prefix}-{kind}-ubyte"
            if compress:
                (root / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (root / name).write_bytes(raw)
    return data


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_gzip_and_raw(tmp_path, compress):
    data = write_fashion_mnist(tmp_path, compress=compress)
    suffix = ".gz" if compress else ""
    images = read_idx(tmp_path / f"train-images-idx3-ubyte{suffix}")
    assert images.shape == (6, 28, 28) and np.array_equal(images, data["train"][0])
    assert np.array_equal(read_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}"), data["t10k"][1])


def test_loader_pads_to_32_normalises_and_takes_subsets(tmp_path):
    data = write_fashion_mnist(tmp_path)
    x, y = load_fashion_mnist("train", tmp_path, image_size=32, subset=5)
    assert x.shape == (5, 1, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.equal(y, torch.from_numpy(data["train"][1][:5]))
    expected = (torch.from_numpy(data["train"][0][:5]).float() / 255 - MEAN) / STD
    assert torch.equal(x[:, 0, 2:30, 2:30], expected)
    assert torch.all(x[:, 0, :2, :] == (torch.zeros(()) - MEAN) / STD)  # padding is black
    x16, _ = load_fashion_mnist("test", tmp_path, image_size=16)
    assert x16.shape == (4, 1, 16, 16)
    splits = load_splits("fashion-mnist", tmp_path, image_size=28, subset=3, val_subset=2)
    assert (len(splits.train), len(splits.val), splits.num_classes, splits.channels) == (3, 2, 10, 1)


def test_missing_files_name_the_path_and_the_package(tmp_path):
    message = r"train-images-idx3-ubyte\.gz .*apt-get install -y dataset-fashion-mnist"
    with pytest.raises(FileNotFoundError, match=message):
        load_fashion_mnist("train", tmp_path)


def test_bad_inputs_are_named(tmp_path):
    write_fashion_mnist(tmp_path)
    with pytest.raises(ValueError, match=r"subset must be in \[1, 6\]; got subset=7"):
        load_fashion_mnist("train", tmp_path, subset=7)
    with pytest.raises(ValueError, match=r"split must be one of \['test', 'train'\]; got split='val'"):
        load_fashion_mnist("val", tmp_path)
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match=r"is not an unsigned-byte IDX file: .*got 00 00 0d 01"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros((2, 3)))[:-1])
    with pytest.raises(ValueError, match=r"header shape \(2, 3\) needs 6 bytes of data; got 5"):
        read_idx(tmp_path / "short")
    choices = r"\['cifar10', 'cifar100', 'digits', 'fashion-mnist', 'mnist1d', 'synthetic'\]"
    with pytest.raises(ValueError, match=rf"data must be one of {choices}; got data="):
        load_splits("cifar")


def test_synthetic_images_are_seeded_and_balanced():
    x, y = make_synthetic_images(30, num_classes=3, image_size=4, seed=1)
    x2, y2 = make_synthetic_images(30, num_classes=3, image_size=4, seed=1)
    assert torch.equal(x, x2) and torch.equal(y, y2) and x.shape == (30, 1, 4, 4)
    assert torch.equal(torch.bincount(y), torch.full((3,), 10))
    assert not torch.equal(x, make_synthetic_images(30, num_classes=3, image_size=4, seed=2)[0])
