"""Reader of the IDX format of MNIST and Fashion-MNIST, gzip-compressed or raw.

Header (LeCun et al., http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code (``0x08`` =
unsigned byte), the number of dimensions ``d``, then ``d`` big-endian 32-bit sizes, then the data in
C order. Images files have ``d = 3`` (data at byte 16), label files ``d = 1`` (data at byte 8).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np

from acdc.data.files import DataFileError, read_data_bytes

UBYTE = 0x08


def shape_text(item_shape: tuple[int, ...]) -> str:
    """``(n, 28, 28)`` for ``item_shape=(28, 28)``, ``(n,)`` for ``()``: the shape of ``n`` such items."""
    return f"(n{''.join(f', {size}' for size in item_shape)}{',' if not item_shape else ''})"


def read_idx(path: str | Path, item_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Array stored in the IDX file ``path`` (``uint8``, shape from the header).

    Parameters
    ----------
    path : path
        Raw or gzip-compressed IDX file (:func:`~acdc.data.files.read_data_bytes`).
    item_shape : tuple of int, optional
        Required shape of each entry, e.g. ``(28, 28)`` for images and ``()`` for labels: the header
        must give ``(n, *item_shape)``. None accepts any shape of at least one dimension.

    Raises
    ------
    DataFileError
        Naming the file, if it is empty or corrupt gzip, its header is truncated or not an
        unsigned-byte IDX header, its shape is not ``(n, *item_shape)``, or the data size does not
        match the header.
    """
    path = Path(path)
    raw = read_data_bytes(path)
    if len(raw) < 4:
        raise DataFileError(f"{path}: truncated IDX header: {len(raw)} byte(s), fewer than 4")
    if raw[:2] != b"\x00\x00" or raw[2] != UBYTE:
        raise DataFileError(f"{path} is not an unsigned-byte IDX file: header must start with 00 00 08; "
                            f"got {raw[:4].hex(' ')}")
    ndim = raw[3]
    if ndim == 0:
        raise DataFileError(f"{path}: IDX header must give at least 1 dimension; got 0")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFileError(
            f"{path}: truncated IDX header: {ndim} dimension(s) need a {header}-byte header; "
            f"got {len(raw)} byte(s)"
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    if item_shape is not None and shape[1:] != tuple(item_shape):
        raise DataFileError(
            f"{path}: IDX data must have shape {shape_text(item_shape)}; header gives {shape}"
        )
    expected = math.prod(shape)  # Python integers: no overflow for any four 32-bit sizes
    if len(raw) - header != expected:
        raise DataFileError(
            f"{path}: header shape {shape} needs {expected} bytes of data; got {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
