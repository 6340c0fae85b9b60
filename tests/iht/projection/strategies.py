"""Hypothesis strategies shared by the projection tests."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: few distinct magnitudes, so that ties (including 0.0 and -0.0) are common
tie_heavy = st.sampled_from([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 3.0])
smooth = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def arrays(draw, min_size=1, max_size=60, dtype=None, elements=None, max_dims=3):
    """Float arrays of 1 to ``max_dims`` dimensions with tie-heavy or continuous values."""
    dtype = dtype or draw(st.sampled_from([np.float32, np.float64]))
    if elements is None:
        elements = draw(st.sampled_from([tie_heavy, smooth]))
    shape = draw(
        hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=6).filter(
            lambda s: min_size <= int(np.prod(s)) <= max_size
        )
    )
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def array_and_k(draw, **kwargs):
    x = draw(arrays(**kwargs))
    return x, draw(st.integers(0, x.size))


@st.composite
def named_arrays(draw, max_arrays=4, **kwargs):
    """A dict name -> array of one dtype, as ``named_parameters()`` gives."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    count = draw(st.integers(1, max_arrays))
    return {f"layer{i}.weight": draw(arrays(dtype=dtype, **kwargs)) for i in range(count)}
