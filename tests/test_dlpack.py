"""DLPack (autograd_core.from_dlpack / to_dlpack, Value.__dlpack__): memory shared with other array libraries."""

import numpy as np
import pytest

import autograd_core as ag


def test_from_dlpack_shares_a_numpy_arrays_memory_and_copies_on_request():
    a = np.arange(6.0).reshape(2, 3)
    x = ag.from_dlpack(a)
    assert x.shape == (2, 3) and x.dtype == np.float64 and not x.requires_grad
    a[0, 0] = 42.0
    assert x.data[0, 0] == 42.0
    copied = ag.from_dlpack(a, copy=True)
    a[0, 1] = -1.0
    assert copied.data[0, 1] == 1.0
    strided = ag.from_dlpack(a[:, 1])  # a strided view is shared as it is
    a[1, 1] = 7.0
    assert strided.data.tolist() == [-1.0, 7.0]


def test_a_value_exports_its_memory_without_copying():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=False)
    shared = np.from_dlpack(x)
    shared[0] = 9.0
    assert x.data[0] == 9.0
    assert ag.Value.__dlpack_device__(x) == (1, 0)
    back = ag.from_dlpack(ag.to_dlpack(x))  # through a capsule, as torch.utils.dlpack passes them
    back.data[1] = 8.0
    assert x.data.tolist() == [9.0, 8.0, 3.0]
    assert ag.utils.dlpack.from_dlpack is ag.from_dlpack


def test_a_value_that_requires_grad_is_not_exported():
    with pytest.raises(BufferError, match=r"require gradient, use tensor.detach\(\)"):
        np.from_dlpack(ag.ones(2, requires_grad=True))
    assert np.from_dlpack(ag.ones(2, requires_grad=True).detach()).tolist() == [1.0, 1.0]


def test_from_dlpack_refuses_other_objects_and_devices():
    with pytest.raises(TypeError, match="expected an object with __dlpack__ or a DLPack capsule, got list"):
        ag.from_dlpack([1.0, 2.0])
    with pytest.raises(RuntimeError, match="cuda"):
        ag.from_dlpack(np.ones(2), device="cuda")


def test_exchange_with_pytorch_both_ways():
    torch = pytest.importorskip("torch")
    t = torch.arange(6.0).reshape(2, 3)
    x = ag.from_dlpack(t)
    assert x.dtype == np.float32 and x.shape == (2, 3)
    x.data[1, 2] = -5.0
    assert t[1, 2].item() == -5.0
    from_capsule = ag.from_dlpack(torch.utils.dlpack.to_dlpack(torch.ones(2, dtype=torch.int32)))
    assert from_capsule.dtype == np.int32 and from_capsule.data.tolist() == [1, 1]
    assert not from_capsule.data.flags.writeable  # a legacy capsule cannot say it may be written
    y = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=False)
    ty = torch.from_dlpack(y)
    ty[0] = 3.0
    assert y.data[0] == 3.0 and ty.dtype == torch.float64
    from_ours = torch.from_dlpack(ag.to_dlpack(y))  # our capsule is versioned: shared and writable
    from_ours[1] = 4.0
    assert y.data.tolist() == [3.0, 4.0]
    with pytest.raises(BufferError):
        torch.from_dlpack(ag.ones(2, requires_grad=True))
