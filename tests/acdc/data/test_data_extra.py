"""CIFAR (on tiny pickle batches written by the tests), digits, MNIST-1D and the language-modelling corpus."""

from __future__ import annotations

import importlib.util
import pickle
import random
import sys

import numpy as np
import pytest
import torch

from acdc.data import digits
from acdc.data.cifar import LAYOUTS, cifar_class_names, load_cifar
from acdc.data.mnist1d import generate_mnist1d, load_mnist1d
from acdc.data.text_corpus import (
    EOS,
    UNK,
    batchify,
    build_vocabulary,
    lm_batches,
    load_corpus,
    read_text_file,
    read_wiki_excerpt,
    tokenize,
)

needs_mnist1d = pytest.mark.skipif(importlib.util.find_spec("mnist1d") is None, reason="needs mnist1d")
needs_gensim = pytest.mark.skipif(importlib.util.find_spec("gensim") is None, reason="needs gensim")


# ---------------------------------------------------------------- CIFAR


def write_cifar(root, name, sizes, seed=0):
    """Batch files of ``name`` in the on-disk format, ``sizes[file] = images``; returns (pixels, labels)."""
    layout = LAYOUTS[name]
    folder = root / layout.folder
    folder.mkdir()
    rng = np.random.default_rng(seed)
    written = {}
    for filename, n in sizes.items():
        pixels = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, layout.num_classes, n).tolist()
        batch = {b"data": pixels, layout.label_key: labels, b"batch_label": filename.encode()}
        if name == "cifar100":
            batch[b"coarse_labels"] = [label // 5 for label in labels]
        (folder / filename).write_bytes(pickle.dumps(batch, protocol=2))
        written[filename] = (pixels, labels)
    names = [f"class{i}".encode() for i in range(layout.num_classes)]
    (folder / layout.meta).write_bytes(pickle.dumps({layout.names_key: names}, protocol=2))
    return written


def test_cifar10_concatenates_the_five_batches_in_order_and_normalises_per_channel(tmp_path):
    sizes = {f"data_batch_{i}": i for i in range(1, 6)} | {"test_batch": 3}
    written = write_cifar(tmp_path, "cifar10", sizes)
    x, y = load_cifar("cifar10", "train", tmp_path)
    assert x.shape == (15, 3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    expected_labels = [label for i in range(1, 6) for label in written[f"data_batch_{i}"][1]]
    assert y.tolist() == expected_labels
    pixels = written["data_batch_2"][0][1].reshape(3, 32, 32)  # third image overall: batch 2, image 1
    layout = LAYOUTS["cifar10"]
    for channel, (mean, std) in enumerate(zip(layout.mean, layout.std)):
        expected = (torch.from_numpy(pixels[channel]).float() / 255 - mean) / std
        torch.testing.assert_close(x[2, channel], expected)
    x_test, y_test = load_cifar("cifar10", "test", tmp_path / layout.folder, subset=2)  # the folder itself
    assert x_test.shape == (2, 3, 32, 32) and y_test.tolist() == written["test_batch"][1][:2]
    assert cifar_class_names("cifar10", tmp_path)[:2] == ("class0", "class1")


def test_cifar100_uses_the_fine_labels(tmp_path):
    written = write_cifar(tmp_path, "cifar100", {"train": 4, "test": 2})
    x, y = load_cifar("cifar100", "train", tmp_path)
    assert x.shape == (4, 3, 32, 32) and y.tolist() == written["train"][1]
    assert len(cifar_class_names("cifar100", tmp_path)) == 100


def test_cifar_missing_files_name_the_paths_and_the_source(tmp_path):
    expected = (r"cifar10 file not found: .*cifar-10-batches-py/data_batch_1 \(nor .*data_batch_1\)\. "
                r".*kriz/cifar\.html.*tar xzf cifar-10-python")
    with pytest.raises(FileNotFoundError, match=expected):
        load_cifar("cifar10", "train", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cifar-100-python/meta"):
        cifar_class_names("cifar100", tmp_path)


def test_cifar_bad_arguments_and_files_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"name must be one of \['cifar10', 'cifar100'\]; got name='cifar'"):
        load_cifar("cifar", "train", tmp_path)
    write_cifar(tmp_path, "cifar100", {"train": 4, "test": 2})
    with pytest.raises(ValueError, match=r"split must be one of \['test', 'train'\]; got split='val'"):
        load_cifar("cifar100", "val", tmp_path)
    with pytest.raises(ValueError, match=r"subset must be in \[1, 4\]; got subset=5"):
        load_cifar("cifar100", "train", tmp_path, subset=5)
    (tmp_path / "cifar-100-python" / "test").write_bytes(pickle.dumps({b"data": np.zeros((2, 3072))}))
    with pytest.raises(ValueError, match=r"is not a CIFAR batch: missing key\(s\) \[b'fine_labels'\]"):
        load_cifar("cifar100", "test", tmp_path)
    (tmp_path / "cifar-100-python" / "test").write_bytes(
        pickle.dumps({b"data": np.zeros((2, 1024)), b"fine_labels": [0, 1]}))
    with pytest.raises(ValueError, match=r"b'data' must have shape \(n, 3072\) .*got \(2, 1024\)$"):
        load_cifar("cifar100", "test", tmp_path)


# ---------------------------------------------------------------- digits


def test_digits_splits_are_disjoint_complete_and_seeded():
    x_train, y_train = digits.load_digits("train", seed=1)
    x_val, y_val = digits.load_digits("val", seed=1)
    assert x_train.shape == (digits.NUM_IMAGES - 360, 1, 8, 8) and x_val.shape == (360, 1, 8, 8)
    assert y_train.dtype == torch.int64 and set(y_val.tolist()) == set(range(10))
    rows = {tuple(row) for row in torch.cat([x_train, x_val]).flatten(1).tolist()}
    assert len(rows) == digits.NUM_IMAGES  # every image once (the 1,797 images are distinct)
    assert torch.equal(digits.load_digits("val", seed=1)[0], x_val)
    assert not torch.equal(digits.load_digits("val", seed=2)[0], x_val)
    assert abs(float(torch.cat([x_train, x_val]).mean())) < 1e-3  # normalised with the full-set mean


def test_digits_padding_is_black_and_resizing_sets_the_size():
    x, _ = digits.load_digits("val", padding=4, val_size=10)
    assert x.shape == (10, 1, 16, 16)
    assert torch.all(x[:, :, :4] == -digits.MEAN / digits.STD)
    assert digits.load_digits("val", image_size=32, padding=4, val_size=10)[0].shape == (10, 1, 32, 32)
    with pytest.raises(ValueError, match=r"image_size must be >= 1; got image_size=0"):
        digits.load_digits("val", image_size=0)
    with pytest.raises(ValueError, match=r"val_size must be in \[1, 1796\]; got val_size=1797"):
        digits.load_digits("val", val_size=1797)
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'val'\]; got split='test'"):
        digits.load_digits("test")


# ---------------------------------------------------------------- MNIST-1D


@needs_mnist1d
def test_mnist1d_shapes_determinism_and_global_random_state():
    numpy_before, python_before = np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002
    x, y = load_mnist1d("train")
    assert np.array_equal(np.random.get_state()[1], numpy_before)  # noqa: NPY002
    assert random.getstate() == python_before
    assert x.shape == (4000, 1, 40) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert set(y.tolist()) == set(range(10))
    x_test, y_test = load_mnist1d("test", subset=100)
    assert x_test.shape == (100, 1, 40) and y_test.shape == (100,)
    assert y[:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]  # the published data set (seed 42)
    with pytest.raises(ValueError, match=r"split must be one of \['test', 'train'\]; got split='val'"):
        load_mnist1d("val")


def test_mnist1d_missing_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match=r"needs the `mnist1d` package: pip install mnist1d"):
        generate_mnist1d.__wrapped__(0)


# ---------------------------------------------------------------- text corpus

TEXT = "the cat sat.\n\nthe dog sat, the cat ran!\nthe end\n"
WORDS = ["the", "cat", "sat", ".", EOS,
         "the", "dog", "sat", ",", "the", "cat", "ran", "!", EOS,
         "the", "end", EOS]


def test_tokenize_words_with_eos_per_line_and_characters():
    assert tokenize(TEXT, "word") == WORDS
    assert tokenize("ab\n", "char") == ["a", "b", "\n"]
    with pytest.raises(ValueError, match=r"level must be one of \['char', 'word'\]; got level='byte'"):
        tokenize(TEXT, "byte")


def test_vocabulary_is_ranked_by_count_capped_and_maps_the_rest_to_unk():
    vocabulary = build_vocabulary(WORDS, max_size=4)
    assert vocabulary.tokens == (UNK, "the", EOS, "cat")  # 5, 3, 2 (cat and sat tie: alphabetical)
    assert vocabulary.encode(["cat", "zebra"]).tolist() == [3, 0]
    assert vocabulary.decode(torch.tensor([[1, 2]])) == ["the", EOS]
    assert len(build_vocabulary(WORDS)) == 1 + len(set(WORDS))
    with pytest.raises(ValueError, match=r"max_size must be >= 2; got max_size=1"):
        build_vocabulary(WORDS, max_size=1)


def test_corpus_splits_are_contiguous_and_vocabulary_comes_from_training(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    corpus = load_corpus(read_text_file(path), "word", val_fraction=0.2, test_fraction=0.2)
    assert (len(corpus.train), len(corpus.val), len(corpus.test)) == (11, 3, 3)  # 17 tokens, 3.4 -> 3
    decoded = corpus.vocabulary.decode(torch.cat([corpus.train, corpus.val, corpus.test]))
    assert decoded[:11] == WORDS[:11] and decoded[11:] == [UNK, UNK, EOS, "the", UNK, EOS]  # unseen in train
    chars = load_corpus(TEXT, "char")
    assert "".join(chars.vocabulary.decode(chars.train)) == TEXT[: len(chars.train)]


def test_corpus_errors_are_named(tmp_path):
    missing = r"text file not found: .*missing\.txt\. .*apt-get install -y bible-kjv"
    with pytest.raises(FileNotFoundError, match=missing):
        read_text_file(tmp_path / "missing.txt")
    too_large = r"val_fraction \+ test_fraction must be < 1 .*got val_fraction=0\.5, test_fraction=0\.5"
    with pytest.raises(ValueError, match=too_large):
        load_corpus(TEXT, val_fraction=0.5, test_fraction=0.5)
    zero = r"test_fraction must be finite and > 0.0 and <= 1.0; got test_fraction=0"
    with pytest.raises(ValueError, match=zero):
        load_corpus(TEXT, test_fraction=0)
    with pytest.raises(ValueError, match=r"text has 4 word tokens: too few to give every chunk a token"):
        load_corpus("a b c", val_fraction=0.1, test_fraction=0.1)


def test_batchify_and_lm_batches_shift_targets_by_one():
    data = batchify(torch.arange(23), batch_size=3)
    assert data.tolist() == [list(range(0, 7)), list(range(7, 14)), list(range(14, 21))]
    windows = list(lm_batches(data, seq_len=4))
    assert [tuple(inputs.shape) for inputs, _ in windows] == [(3, 4), (3, 2)]
    for inputs, targets in windows:
        assert torch.equal(targets, inputs + 1)
    assert torch.cat([inputs for inputs, _ in windows], dim=1).tolist() == [row[:-1] for row in data.tolist()]
    with pytest.raises(ValueError, match=r"at least 2 tokens per row; got batch_size=12 for 23 tokens"):
        batchify(torch.arange(23), batch_size=12)
    with pytest.raises(ValueError, match=r"seq_len must be >= 1; got seq_len=0"):
        next(lm_batches(data, seq_len=0))


def test_wiki_excerpt_missing_gensim_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim.corpora.wikicorpus", None)
    with pytest.raises(ImportError, match=r"ships in the `gensim` package: pip install gensim"):
        read_wiki_excerpt()


@needs_gensim
def test_wiki_excerpt_has_the_documented_size():
    text = read_wiki_excerpt()
    assert "Anarchism" in text[:200] and "'''" not in text and "#REDIRECT" not in text
    corpus = load_corpus(text, "word", max_vocab=10_000)
    n_tokens = len(corpus.train) + len(corpus.val) + len(corpus.test)
    assert 550_000 <= n_tokens <= 650_000  # DATA.md: ~590k tokens; this tokenisation gives 611,866
    assert len(corpus.vocabulary) == 10_000 and 0.02 < float((corpus.val == 0).float().mean()) < 0.2
