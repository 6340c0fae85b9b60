"""Reading data files: one opener that undoes gzip, and the checks every loader applies to what it read.

Every problem with a file's contents raises :class:`DataFileError` (a ``ValueError``) with a one-line
message that names the file and what is wrong with it; the loaders (:mod:`acdc.data.idx`,
:mod:`acdc.data.fashion_mnist`, :mod:`acdc.data.cifar`, :mod:`acdc.data.text_corpus`) read through
:func:`read_data_bytes` and check counts, labels and pixels with :func:`check_counts` and
:func:`check_whole_numbers`. Missing files are ``FileNotFoundError`` from each loader, which says how to
get the data.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
"""First two bytes of every gzip member."""


class DataFileError(ValueError):
    """A data file whose contents do not match its format; the message names the file and the problem."""


def read_data_bytes(path: str | Path) -> bytes:
    """Contents of ``path``, decompressed when they start with the gzip magic bytes ``1f 8b``.

    A file whose name ends in ``.gz`` must be gzip data. Concatenated gzip members decompress to the
    concatenation of their contents, as ``gunzip`` does.

    Raises
    ------
    DataFileError
        If the file is empty (before or after decompression), is named ``.gz`` without being gzip data,
        or its gzip data are truncated or damaged (the message quotes the decompressor's complaint).
    OSError
        If the file cannot be read (missing, a folder, no permission); the message names the path.
    """
    path = Path(path)
    raw = path.read_bytes()
    compressed = raw[:2] == GZIP_MAGIC
    if path.suffix == ".gz" and raw and not compressed:
        raise DataFileError(
            f"{path}: not gzip data: a .gz file must start with bytes 1f 8b; got {raw[:4].hex(' ')}"
        )
    if compressed:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
            raise DataFileError(
                f"{path}: corrupt gzip data ({type(err).__name__}: {err}); the file is truncated or "
                f"damaged: fetch it again"
            ) from err
    if not raw:
        raise DataFileError(f"{path}: file is empty{' after gunzip' if compressed else ''}")
    return raw


def check_counts(n_images: int, images_where: str, n_labels: int, labels_where: str) -> int:
    """Return the number of examples after checking that images and labels are equally many, and some.

    ``images_where`` and ``labels_where`` say where each count was read (a path, or a key of a path).
    """
    if n_images != n_labels or n_images < 1:
        raise DataFileError(
            f"images and labels must be equally many, at least 1; got {n_images} images in {images_where} "
            f"and {n_labels} labels in {labels_where}"
        )
    return n_images


def check_whole_numbers(values: np.ndarray, high: int, dtype: np.dtype, path: Path, what: str) -> np.ndarray:
    """``values`` as ``dtype``, after checking every entry is a whole number in ``[0, high]``.

    Integer and floating arrays are accepted; the conversion is exact because every value is checked
    first (a float of 300.0 never wraps to 44 in ``uint8``, and 127.5 is not truncated). An array
    already of ``dtype`` whose type cannot exceed ``high`` is returned unscanned.

    Raises
    ------
    DataFileError
        If the dtype is not integer or floating point, or an entry is out of range, fractional or NaN
        (the message gives the first such entry, its flat index and how many there are).
    """
    dtype = np.dtype(dtype)
    if values.dtype.kind not in "iuf":
        raise DataFileError(f"{path}: {what} must have an integer or floating dtype; got {values.dtype}")
    if values.dtype == dtype and dtype.kind == "u" and np.iinfo(dtype).max <= high:
        return values
    ok = (values >= 0) & (values <= high)
    if values.dtype.kind == "f":
        ok &= values == np.floor(values)  # False for NaN and inf as well
    if not ok.all():
        bad = np.flatnonzero(~ok)
        value = values.flat[bad[0]].item()
        raise DataFileError(
            f"{path}: {what} must be whole numbers in [0, {high}]; got {value!r} at flat index {bad[0]} "
            f"({len(bad)} of {values.size} out of range)"
        )
    return values.astype(dtype)
