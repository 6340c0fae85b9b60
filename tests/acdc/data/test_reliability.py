"""Bad and edge data files for every loader (issue 15): each gives the exact result or one named error.

Every file is written here, in ``tmp_path``; nothing depends on the real data sets being installed.
A named error is a :class:`~acdc.data.DataFileError` (a ``ValueError``) whose one-line message holds
the file's path and what is wrong with it. The ``{path}`` in each expected message stands for that
path (escaped), so every case also checks that the file is named.
"""

from __future__ import annotations

import gzip
import pickle
import re
import struct

import numpy as np
import pytest
import torch

from acdc.data import DataFileError, load_cifar, load_corpus, load_fashion_mnist, load_splits, read_idx
from acdc.data.cifar import LAYOUTS, cifar_class_names
from acdc.data.fashion_mnist import MEAN, STD
from acdc.data.synthetic import make_synthetic_images
from acdc.data.text_corpus import read_text_file
from tests.acdc.data.test_data import idx_bytes
from tests.acdc.data.test_data_extra import write_cifar


def expect_named_error(path, pattern: str, call, error: type[Exception] = DataFileError):
    """Check that ``call()`` raises ``error`` with ``pattern`` (``{path}``: the escaped path) in one line."""
    with pytest.raises(error, match=pattern.replace("{path}", re.escape(str(path)))) as info:
        call()
    assert "\n" not in str(info.value)


def gzip_bytes(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


LABELS = np.array([0, 3, 9, 1])
IMAGES = np.arange(4 * 28 * 28).reshape(4, 28, 28) % 256

# ---------------------------------------------------------------- the IDX reader: one file each

CRC_DAMAGED = bytearray(gzip_bytes(idx_bytes(LABELS)))
CRC_DAMAGED[-8] ^= 0xFF  # the stored CRC32 of the data

IDX_ERRORS = {  # file name, contents, expected message
    "empty file": ("a-ubyte", b"", r"^{path}: file is empty$"),
    "empty after gunzip": ("a-ubyte.gz", gzip_bytes(b""), r"^{path}: file is empty after gunzip$"),
    "3-byte header": ("a-ubyte", b"\x00\x00\x08",
                      r"^{path}: truncated IDX header: 3 byte\(s\), fewer than 4$"),
    "wrong type code": ("a-ubyte", b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00",
                        r"^{path} is not an unsigned-byte IDX file: .*got 00 00 0d 01$"),
    "wrong magic": ("a-ubyte", b"\x01\x00\x08\x01\x00\x00\x00\x01\x00", r"^{path} is not .*got 01 00 08 01$"),
    "truncated dimensions": ("a-ubyte", idx_bytes(IMAGES)[:10],
                             r"^{path}: truncated IDX header: 3 dimension\(s\) need a 16-byte header; "
                             r"got 10 byte\(s\)$"),
    "zero dimensions": ("a-ubyte", b"\x00\x00\x08\x00\x07", r"^{path}: IDX header must give at least 1 dim"),
    "payload one byte short": ("a-ubyte", idx_bytes(LABELS)[:-1],
                               r"^{path}: header shape \(4,\) needs 4 bytes of data; got 3$"),
    "payload one byte long": ("a-ubyte", idx_bytes(LABELS) + b"\x00",
                              r"^{path}: header shape \(4,\) needs 4 bytes of data; got 5$"),
    "sizes overflowing int64": ("a-ubyte", b"\x00\x00\x08\x04" + struct.pack(">4I", *[65536] * 4),
                                r"^{path}: header shape \(65536, 65536, 65536, 65536\) needs "
                                r"18446744073709551616 bytes of data; got 0$"),
    "truncated gzip": ("a-ubyte.gz", gzip_bytes(idx_bytes(IMAGES))[:200],
                       r"^{path}: corrupt gzip data \(EOFError: Compressed file ended before"),
    "garbage after the gzip magic": ("a-ubyte.gz", b"\x1f\x8b" + b"garbage" * 9,
                                     r"^{path}: corrupt gzip data \(BadGzipFile: Unknown compression method"),
    "gzip with a damaged CRC": ("a-ubyte.gz", bytes(CRC_DAMAGED),
                                r"^{path}: corrupt gzip data \(BadGzipFile: CRC check failed"),
    "gzip with trailing garbage": ("a-ubyte.gz", gzip_bytes(idx_bytes(LABELS)) + b"junk",
                                   r"^{path}: corrupt gzip data \(BadGzipFile: Not a gzipped file"),
    ".gz name, raw contents": ("a-ubyte.gz", idx_bytes(LABELS),
                               r"^{path}: not gzip data: a \.gz file must start with bytes 1f 8b; "
                               r"got 00 00 08 01$"),
}


def test_idx_gzip_members_concatenate_and_shapes_are_exact(tmp_path):
    raw = idx_bytes(IMAGES)
    path = tmp_path / "two-members.gz"
    path.write_bytes(gzip_bytes(raw[:100]) + gzip_bytes(raw[100:]))  # what `cat a.gz b.gz` gives
    assert np.array_equal(read_idx(path, (28, 28)), IMAGES)
    empty = tmp_path / "no-entries"
    empty.write_bytes(idx_bytes(np.zeros((0, 28, 28))))
    assert read_idx(empty).shape == (0, 28, 28)


# ---------------------------------------------------------------- the Fashion-MNIST loader: a pair of files


def write_pair(root, images, labels, compress=True):
    """Training images and labels of Fashion-MNIST, as arrays or raw bytes; returns both paths."""
    paths = []
    for stem, contents in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels)):
        raw = idx_bytes(contents) if isinstance(contents, np.ndarray) else contents
        path = root / (f"{stem}.gz" if compress else stem)
        path.write_bytes(gzip_bytes(raw) if compress else raw)
        paths.append(path)
    return paths


PAIR_ERRORS = {  # images, labels, index of the file named (0 images, 1 labels), expected message
    "100 images, 60000 labels": (
        IMAGES[[0] * 100], np.zeros(60000), None,
        r"^images and labels must be equally many, at least 1; got 100 images in {images} "
        r"and 60000 labels in {labels}$"),
    "no images, no labels": (IMAGES[:0], LABELS[:0], None,
                             r"^images and .*; got 0 images in {images} and 0 labels in {labels}$"),
    "label 200": (IMAGES, np.array([0, 200, 3, 201]), 1,
                  r"^{path}: labels must be whole numbers in \[0, 9\]; got 200 at flat index 1 "
                  r"\(2 of 4 out of range\)$"),
    "label 10": (IMAGES, np.array([0, 1, 2, 10]), 1,
                 r"^{path}: labels must be .* \[0, 9\]; got 10 at flat index 3 \(1 of 4"),
    "14x56 images": (IMAGES.reshape(4, 14, 56), LABELS, 0,
                     r"^{path}: IDX data must have shape \(n, 28, 28\); header gives \(4, 14, 56\)$"),
    "labels of shape (n, 1)": (IMAGES, LABELS[:, None], 1,
                               r"^{path}: IDX data must have shape \(n,\); header gives \(4, 1\)$"),
    "images and labels swapped": (LABELS, IMAGES, 0,
                                  r"^{path}: IDX data must have shape \(n, 28, 28\); header gives \(4,\)$"),
    "empty labels file": (IMAGES, b"", 1, r"^{path}: file is empty after gunzip$"),
}


@pytest.mark.parametrize("case", PAIR_ERRORS)
def test_fashion_mnist_pair_errors_name_the_file(tmp_path, case):
    images, labels, named, pattern = PAIR_ERRORS[case]
    paths = write_pair(tmp_path, images, labels)
    for placeholder, named_path in zip(("{images}", "{labels}"), paths):
        pattern = pattern.replace(placeholder, re.escape(str(named_path)))
    path = paths[named] if named is not None else paths[0]
    expect_named_error(path, pattern, lambda: load_fashion_mnist("train", tmp_path, image_size=28))


def test_fashion_mnist_missing_labels_file_names_it(tmp_path):
    path = write_pair(tmp_path, IMAGES, LABELS)[1]
    path.unlink()
    expect_named_error(path, r"^Fashion-MNIST file not found: {path} .*apt-get",
                       lambda: load_fashion_mnist("train", tmp_path), FileNotFoundError)


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_mnist_label_9_and_raw_files_give_the_exact_data(tmp_path, compress):
    write_pair(tmp_path, IMAGES, LABELS, compress=compress)
    x, y = load_fashion_mnist("train", tmp_path, image_size=28)
    assert y.tolist() == [0, 3, 9, 1]
    assert torch.equal(x[:, 0], (torch.from_numpy(IMAGES).float() / 255 - MEAN) / STD)


# ---------------------------------------------------------------- CIFAR: a bad test batch next to good files


def cifar_batch(name, data, labels):
    return pickle.dumps({b"data": data, LAYOUTS[name].label_key: labels}, protocol=2)


GOOD = np.arange(2 * 3072).reshape(2, 3072) % 256
TRUNCATED = cifar_batch("cifar10", GOOD.astype(np.uint8), [0, 1])

CIFAR_ERRORS = {  # variant, test batch contents, expected message
    "float pixels of 300.0": ("cifar10", cifar_batch("cifar10", np.full((2, 3072), 300.0), [0, 1]),
                              r"^{path}: b'data' pixels must be whole numbers in \[0, 255\]; got 300\.0 "
                              r"at flat index 0 \(6144 of 6144 out of range\)$"),
    "float pixels of 127.5": ("cifar10", cifar_batch("cifar10", GOOD + 0.5, [0, 1]),
                              r"^{path}: b'data' pixels must be whole .*; got 0\.5 at flat index 0"),
    "NaN pixel": ("cifar10", cifar_batch("cifar10", np.where(GOOD == 7, np.nan, GOOD), [0, 1]),
                  r"^{path}: b'data' pixels must be whole .*; got nan at flat index 7 \(24 of 6144"),
    "int pixel -1": ("cifar10", cifar_batch("cifar10", GOOD - 1, [0, 1]),
                     r"^{path}: b'data' pixels .*\[0, 255\]; got -1 at flat index 0 \(24 of 6144"),
    "bool pixels": ("cifar10", cifar_batch("cifar10", GOOD > 5, [0, 1]),
                    r"^{path}: b'data' pixels must have an integer or floating dtype; got bool$"),
    "label 57": ("cifar10", cifar_batch("cifar10", GOOD, [57, 1]),
                 r"^{path}: b'labels' labels must be whole numbers in \[0, 9\]; got 57 at flat index 0"),
    "label -1": ("cifar10", cifar_batch("cifar10", GOOD, [0, -1]),
                 r"^{path}: b'labels' .*\[0, 9\]; got -1 at flat index 1"),
    "CIFAR-100 label 100": ("cifar100", cifar_batch("cifar100", GOOD, [99, 100]),
                            r"^{path}: b'fine_labels' labels must be .* \[0, 99\]; got 100 at flat index 1"),
    "string labels": ("cifar10", cifar_batch("cifar10", GOOD, ["cat", "dog"]),
                      r"^{path}: b'labels' labels must have an integer or floating dtype; got <U3$"),
    "ragged pixel rows": ("cifar10", cifar_batch("cifar10", [[0] * 3072, [0] * 3071], [0, 1]),
                          r"^{path}: b'data' must be an array of numbers; got list "
                          r"\(setting an array element"),
    "channels-last images": ("cifar10", cifar_batch("cifar10", GOOD.reshape(2, 32, 32, 3), [0, 1]),
                             r"^{path}: b'data' must have shape \(n, 3072\) or \(n, 3, 32, 32\); "
                             r"got \(2, 32, 32, 3\)$"),
    "1024 pixels per image": ("cifar10", cifar_batch("cifar10", GOOD[:, :1024], [0, 1]),
                              r"^{path}: b'data' must have shape \(n, 3072\) .*got \(2, 1024\)$"),
    "labels of shape (n, 1)": ("cifar10", cifar_batch("cifar10", GOOD, [[0], [1]]),
                               r"^{path}: b'labels' must have shape \(n,\); got \(2, 1\)$"),
    "3 images, 2 labels": ("cifar10", cifar_batch("cifar10", GOOD[[0, 1, 1]], [0, 1]),
                           r"^images and labels must be equally many, at least 1; got 3 images in "
                           r"b'data' of {path} and 2 labels in b'labels' of {path}$"),
    "no images": ("cifar10", cifar_batch("cifar10", GOOD[:0], []),
                  r"at least 1; got 0 images in b'data' of {path}"),
    "str keys": ("cifar10", pickle.dumps({"data": GOOD, "labels": [0, 1]}),
                 r"^{path} is not a CIFAR batch: missing key\(s\) \[b'data', b'labels'\]; "
                 r"got keys \['data', 'labels'\]$"),
    "missing label key": ("cifar100", pickle.dumps({b"data": GOOD, b"labels": [0, 1]}),
                          r"^{path} is not a CIFAR batch: missing key\(s\) \[b'fine_labels'\]; got keys"),
    "a pickled list": ("cifar10", pickle.dumps([GOOD, [0, 1]]),
                       r"^{path} is not a CIFAR batch: the pickle must hold a dict; got list$"),
    "empty file": ("cifar10", b"", r"^{path}: file is empty$"),
    "truncated pickle": ("cifar10", TRUNCATED[: len(TRUNCATED) // 2],
                         r"^{path} is not a CIFAR batch: unpickling failed "
                         r"\(UnpicklingError: pickle data was truncated\)$"),
    "garbage bytes": ("cifar10", b"this is not a pickle",
                      r"^{path} is not a CIFAR batch: unpickling failed \(UnpicklingError: "),
}


@pytest.mark.parametrize("case", CIFAR_ERRORS)
def test_cifar_batch_errors_name_the_file(tmp_path, case):
    name, contents, pattern = CIFAR_ERRORS[case]
    layout = LAYOUTS[name]
    write_cifar(tmp_path, name, dict.fromkeys(layout.files["train"] + layout.files["test"], 2))
    path = tmp_path / layout.folder / layout.files["test"][0]
    path.write_bytes(contents)
    expect_named_error(path, pattern, lambda: load_cifar(name, "test", tmp_path))


CIFAR_EXACT = {  # pixels, labels, all giving the same images and labels [0, 99]
    "uint8, label list": (GOOD.astype(np.uint8), [0, 99]),
    "whole float32, int64 labels": (GOOD.astype(np.float32), np.array([0, 99])),
    "int64, whole float labels": (GOOD, np.array([0.0, 99.0])),
    "int64 (n, 3, 32, 32)": (GOOD.reshape(2, 3, 32, 32), [0, 99]),
    "uint8 (n, 3, 32, 32), uint8 labels": (GOOD.astype(np.uint8).reshape(2, 3, 32, 32),
                                           np.array([0, 99], np.uint8)),
}


@pytest.mark.parametrize("case", CIFAR_EXACT)
def test_cifar_accepted_layouts_and_dtypes_give_the_exact_data(tmp_path, case):
    pixels, labels = CIFAR_EXACT[case]
    write_cifar(tmp_path, "cifar100", {"train": 2, "test": 2})
    (tmp_path / "cifar-100-python" / "test").write_bytes(cifar_batch("cifar100", pixels, labels))
    x, y = load_cifar("cifar100", "test", tmp_path)
    layout = LAYOUTS["cifar100"]
    mean, std = torch.tensor(layout.mean).view(1, 3, 1, 1), torch.tensor(layout.std).view(1, 3, 1, 1)
    expected = (torch.from_numpy(GOOD.reshape(2, 3, 32, 32)).float().div(255.0) - mean) / std
    assert y.dtype == torch.int64 and y.tolist() == [0, 99] and torch.equal(x, expected)


META_ERRORS = {  # meta contents, expected message
    "missing names key": (pickle.dumps({b"coarse_label_names": []}),
                          r"^{path} is not a CIFAR meta file: missing key b'fine_label_names'"),
    "99 class names": (pickle.dumps({b"fine_label_names": [b"x"] * 99}),
                       r"^{path}: b'fine_label_names' must list 100 class names; got 99$"),
    "undecodable name": (pickle.dumps({b"fine_label_names": [b"\xff"] * 100}),
                         r"^{path}: b'fine_label_names' must hold UTF-8 byte strings; got b'\\xff'$"),
}


@pytest.mark.parametrize("case", META_ERRORS)
def test_cifar_meta_errors_name_the_file(tmp_path, case):
    contents, pattern = META_ERRORS[case]
    write_cifar(tmp_path, "cifar100", {"train": 1, "test": 1})
    path = tmp_path / "cifar-100-python" / "meta"
    path.write_bytes(contents)
    expect_named_error(path, pattern, lambda: cifar_class_names("cifar100", tmp_path))


# ---------------------------------------------------------------- text files

TEXT_ERRORS = {  # file name, contents, expected message
    "empty file": ("a.txt", b"", r"^{path}: file is empty$"),
    "Latin-1 text": ("a.txt", "café au lait".encode("latin-1"),
                     r"^{path}: text must be UTF-8; byte 0xe9 at offset 3 is invalid "
                     r"\(invalid continuation byte\)$"),
    "binary file": ("a.txt", b"\x00\x01\xfe\xff",
                    r"^{path}: text must be UTF-8; byte 0xfe at offset 2 is invalid \(invalid start byte\)$"),
    "bad byte after a byte-order mark": ("a.txt", b"\xef\xbb\xbfab\xff",
                                         r"^{path}: text must be UTF-8; byte 0xff at offset 5 is invalid"),
    "truncated gzip": ("a.txt.gz", gzip_bytes(b"the cat sat\n" * 50)[:20],
                       r"^{path}: corrupt gzip data \(EOFError: Compressed file ended"),
}


FILE_ERRORS = ({f"read_idx, {case}": (read_idx, *spec) for case, spec in IDX_ERRORS.items()}
               | {f"read_text_file, {case}": (read_text_file, *spec) for case, spec in TEXT_ERRORS.items()})


@pytest.mark.parametrize("case", FILE_ERRORS)
def test_single_file_errors_name_the_file(tmp_path, case):
    reader, name, contents, pattern = FILE_ERRORS[case]
    path = tmp_path / name
    path.write_bytes(contents)
    expect_named_error(path, pattern, lambda: reader(path))


TEXT_EXACT = {  # contents, the text read
    "CRLF line ends": (b"the cat\r\nsat\rdown\n", "the cat\nsat\ndown\n"),
    "byte-order mark": ("\ufeffthe cat".encode(), "the cat"),
    "gzip-compressed": (gzip_bytes("naïve café\n".encode()), "naïve café\n"),
    "only whitespace": (b" \n\n", " \n\n"),
}


@pytest.mark.parametrize("case", TEXT_EXACT)
def test_text_files_read_exactly(tmp_path, case):
    contents, text = TEXT_EXACT[case]
    path = tmp_path / ("a.txt.gz" if case == "gzip-compressed" else "a.txt")
    path.write_bytes(contents)
    assert read_text_file(path) == text


def test_corpus_refuses_bytes_and_whitespace():
    with pytest.raises(TypeError, match=r"^text must be a str; got bytes$"):
        load_corpus(b"the cat sat")
    with pytest.raises(ValueError, match=r"^text has 0 word tokens: too few"):
        load_corpus(" \n\n")


# ---------------------------------------------------------------- generated data sets: arguments


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"image_size": 0}, r"image_size must be >= 1; got image_size=0"),
    ({"channels": 0}, r"channels must be >= 1; got channels=0"),
    ({"noise": -1.0}, r"noise must be finite and >= 0.0; got noise=-1.0"),
    ({"noise": float("nan")}, r"noise must be finite and >= 0.0; got noise=nan"),
])
def test_synthetic_images_refuse_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_synthetic_images(4, **kwargs)


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("digits", {"subset": -5}, r"subset must be in \[1, 1437\]; got subset=-5"),
    ("digits", {"val_subset": 361}, r"val_subset must be in \[1, 360\]; got val_subset=361"),
    ("synthetic", {"subset": 0}, r"subset must be >= 1; got subset=0"),
])
def test_load_splits_refuses_bad_subsets(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_splits(name, image_size=8, **kwargs)


def test_load_splits_digits_subset_is_exact():
    splits = load_splits("digits", image_size=8, subset=5, val_subset=3)
    assert (len(splits.train), len(splits.val)) == (5, 3)
