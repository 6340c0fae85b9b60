"""numpy and torch give the same masks, bit for bit, on every operator and on both torch paths.

CPU tensors of numpy-compatible dtypes go through zero-copy numpy views; other tensors (CUDA,
bfloat16) go through torch operations. The torch-operation path is exercised here on CPU through
bfloat16 inputs and by calling it directly, and on CUDA when a GPU is present.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.projection import (
    NM,
    ERKTopK,
    LayerwiseTopK,
    TopK,
    apply_mask_,
    global_topk_masks,
    hard_threshold,
    nm_mask,
    topk_mask,
)
from iht.projection.nm import _nm_mask_torch
from iht.projection.selection import _masks_with_ops, _TorchOps
from tests.iht.projection.strategies import array_and_k, named_arrays

torch = pytest.importorskip("torch")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@given(case=array_and_k())
def test_topk_mask_agrees(device, case):
    x, k = case
    t = torch.from_numpy(x).to(device)
    mask = topk_mask(t, k)
    assert mask.dtype == torch.bool and mask.device == t.device
    assert np.array_equal(mask.cpu().numpy(), topk_mask(x, k))
    assert np.array_equal(hard_threshold(t, k).cpu().numpy(), hard_threshold(x, k))


@given(case=array_and_k())
def test_torch_operation_path_agrees(case):
    x, k = case
    (mask,) = _masks_with_ops([torch.from_numpy(x)], k, _TorchOps)
    assert np.array_equal(mask.numpy(), topk_mask(x, k))


@given(case=array_and_k(dtype=np.float32, elements=st.sampled_from([0.0, -0.5, 1.0, 2.0, -3.0])))
def test_bfloat16_tensors_agree(case):
    x, k = case  # values exactly representable in bfloat16
    mask = topk_mask(torch.from_numpy(x).to(torch.bfloat16), k)
    assert np.array_equal(mask.numpy(), topk_mask(x, k))


@given(named_arrays(), st.data())
def test_global_topk_agrees_on_both_torch_paths(arrays_, data):
    k = data.draw(st.integers(0, sum(a.size for a in arrays_.values())))
    reference = global_topk_masks(arrays_, k)
    tensors = {n: torch.from_numpy(a) for n, a in arrays_.items()}
    via_view = global_topk_masks(tensors, k)
    via_ops = _masks_with_ops(list(tensors.values()), k, _TorchOps)
    for (name, ref), ops_mask in zip(reference.items(), via_ops):
        assert np.array_equal(via_view[name].numpy(), ref)
        assert np.array_equal(ops_mask.numpy(), ref)


@given(named_arrays(max_dims=2), st.floats(0.0, 0.95))
def test_projection_objects_agree(arrays_, sparsity):
    tensors = {n: torch.from_numpy(a) for n, a in arrays_.items()}
    for projection in (TopK(sparsity=sparsity), LayerwiseTopK(sparsity), ERKTopK(sparsity)):
        ours = projection.masks(tensors)
        ref = projection.masks(arrays_)
        for name in arrays_:
            assert np.array_equal(ours[name].numpy(), ref[name])


@given(st.integers(1, 5), st.integers(1, 3), st.data())
def test_nm_agrees_on_both_torch_paths(rows, groups, data):
    m = data.draw(st.sampled_from([2, 4, 8]))
    n = data.draw(st.integers(0, m))
    x = np.array(
        data.draw(st.lists(st.sampled_from([0.0, -1.0, 1.0, 2.5, -3.0]), min_size=rows * groups * m,
                           max_size=rows * groups * m)),
        dtype=np.float32,
    ).reshape(rows, groups * m)
    reference = nm_mask(x, n, m)
    assert np.array_equal(nm_mask(torch.from_numpy(x), n, m).numpy(), reference)
    assert np.array_equal(_nm_mask_torch(torch.from_numpy(x), n, m, 1).numpy(), reference)
    assert np.array_equal(NM(n, m).mask(torch.from_numpy(x)).numpy(), reference)


def test_requires_grad_parameters_are_accepted():
    w = torch.nn.Parameter(torch.tensor([[1.0, -3.0], [2.0, 0.5]]))
    assert topk_mask(w, 2).tolist() == [[False, True], [True, False]]
    masks = TopK(k=1).project_({"w": w})
    assert masks["w"].sum() == 1
    assert w.detach().tolist() == [[0.0, -3.0], [0.0, 0.0]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@given(case=array_and_k())
def test_apply_mask_agrees_with_numpy_bitwise(device, dtype, case):
    x, k = case
    mask = topk_mask(x, k)
    expected = apply_mask_(x.astype(np.float32), mask)  # a product: -0.0 for dropped negatives
    tensor = torch.from_numpy(x.astype(np.float32)).to(device=device, dtype=getattr(torch, dtype))
    apply_mask_(tensor, torch.from_numpy(mask).to(device))
    ours = tensor.float().cpu().numpy()
    if dtype == "float32":
        assert np.array_equal(ours.view(np.uint32), expected.view(np.uint32))  # signs of zeros too
    # zeros: the dropped entries and the kept ones that are zero in the tensor's dtype (a float32
    # subnormal such as 1e-45 is 0 in bfloat16)
    converted = torch.from_numpy(x.astype(np.float32)).to(getattr(torch, dtype)).float().numpy()
    assert np.array_equal(ours == 0, (converted == 0) | ~mask)


def test_apply_mask_on_cpu_tensors_is_seen_by_autograd_and_follows_strides():
    w = torch.randn(4, 3, 2, 2, requires_grad=True)
    saved = w * 1.0
    out = (saved ** 2).sum()
    before = saved._version
    keep = torch.rand(4, 3, 2, 2, generator=torch.Generator().manual_seed(0)) > 0.5
    apply_mask_(saved.detach(), keep)
    assert saved._version > before
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
    channels_last = torch.randn(4, 3, 2, 2).contiguous(memory_format=torch.channels_last)
    expected = torch.where(keep, channels_last, torch.zeros(()))
    apply_mask_(channels_last, keep)
    assert torch.equal(channels_last, expected)
