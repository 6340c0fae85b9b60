"""Reader of the IDX format of MNIST and Fashion-MNIST, gzip-compressed or raw.

Header (LeCun et al., http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code (``0x08`` =
unsigned byte), the number of dimensions ``d``, then ``d`` big-endian 32-bit sizes, then the data in
C order. Images files have ``d = 3`` (data at byte 16), label files ``d = 1`` (data at byte 8).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
UBYTE = 0x08


def read_idx(path: str | Path) -> np.ndarray:
    """Array stored in the IDX file ``path`` (``uint8``, shape from the header).

    Raises
    ------
    ValueError
        If the header is not an unsigned-byte IDX header or the data size does not match it.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != UBYTE:
        raise ValueError(f"{path} is not an unsigned-byte IDX file: header must start with 00 00 08; "
                         f"got {raw[:4].hex(' ')}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: header shape {shape} needs {expected} bytes of data; got {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
