"""W2's path (nn.Linear, ReLU, SGD) without memory traffic the hand-written NumPy step does not have, and with the
same numbers: SGD's update of a parameter of 16 MiB or more makes lr·g a block at a time in a scratch array (not a
temporary of the parameter's size), and ReLU's forward compares x against one short row of zeros (not a block as long
as x). BENCHMARKS.md "Stop 61", "Stop 70". The blocked update's tests lower its threshold (conftest's `sgd_update`)
so that parameters of test size take it."""

from __future__ import annotations

import sys
import threading
import tracemalloc

import numpy as np
import pytest

from autograd_core import Value, optim
from autograd_core.ops import elementwise, number_like
from autograd_core.optim import sgd

DTYPES = [np.float16, np.float32, np.float64]
SHAPES = [(784, 256), (3, 70001), (200001,)]  # over the 256 KiB block, and ending in part of a block



def _with_specials(a):
    flat = a.reshape(-1)
    flat[::7], flat[::11], flat[::13], flat[::17] = np.nan, np.inf, -np.inf, -0.0
    return a


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_sgd_step_of_a_large_parameter_is_data_minus_lr_times_g_bit_for_bit(dtype, shape, sgd_update):
    rng = np.random.default_rng(0)
    p = Value(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    g = _with_specials(rng.standard_normal(shape).astype(dtype))
    p.grad = g.copy()
    expected = p.data - number_like(0.0137, g) * g
    optim.SGD([p], lr=0.0137).step()
    assert p.data.dtype == dtype and p.data.tobytes() == expected.tobytes()
    assert p.grad.tobytes() == g.tobytes()  # the gradient is read, never written


def test_sgd_step_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    data, g = rng.standard_normal((300, 1000)).astype(np.float32), rng.standard_normal((300, 1000)).astype(np.float32)
    p = Value(data.copy(), requires_grad=True)
    p.grad = g.copy()
    optim.SGD([p], lr=0.01).step()
    t = torch.tensor(data, requires_grad=True)
    t.grad = torch.tensor(g)
    torch.optim.SGD([t], lr=0.01, foreach=False).step()
    # (PyTorch's add_(g, alpha=-lr) rounds once where NumPy rounds lr·g first: the last bit may differ)
    np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=2e-7, atol=1e-7)


def test_sgd_step_of_a_parameter_of_16_mib_makes_no_temporary_of_its_size():
    p = Value(np.ones((4096, 1024), np.float32), requires_grad=True)  # 16 MiB: the smallest blocked
    p.grad = np.full((4096, 1024), 2.0, np.float32)
    opt = optim.SGD([p], lr=0.5)
    opt.step()  # the thread's scratch block is made at the first step
    peak = _peak_memory(opt.step)
    assert peak < p.data.nbytes // 4, peak
    assert np.all(p.data == -1.0)


def test_a_smaller_parameters_step_makes_one_temporary_of_its_size():
    # under 16 MiB the whole product is faster than the blocks' loop (optim/sgd.py's _BLOCKED_FROM)
    p = Value(np.ones((784, 256), np.float32), requires_grad=True)
    p.grad = np.full((784, 256), 2.0, np.float32)
    opt = optim.SGD([p], lr=0.5)
    peak = _peak_memory(opt.step)
    assert p.data.nbytes <= peak < 2 * p.data.nbytes, peak
    assert np.all(p.data == 0.0)


def _peak_memory(fn):
    """The most memory (bytes) Python's and NumPy's allocations held at once during fn() (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("sgd_update", ["blocked"], indirect=True)
def test_an_update_whose_gradient_overlaps_the_data_takes_the_whole_product_first(sgd_update):
    rng = np.random.default_rng(2)
    buffer = rng.standard_normal(300_001).astype(np.float32)
    expected = buffer.copy()
    expected[1:] -= number_like(0.5, expected) * expected[:-1].copy()
    data, g = buffer[1:], buffer[:-1]  # (a block's update would change g's next block before it is read)
    assert sgd.subtract_scaled(data, number_like(0.5, g), g) is data
    assert buffer.tobytes() == expected.tobytes()


@pytest.mark.parametrize("sgd_update", ["blocked"], indirect=True)
def test_threads_stepping_at_once_each_use_their_own_scratch_block(sgd_update):
    rng = np.random.default_rng(3)
    params = [Value(rng.standard_normal((512, 512)).astype(np.float32), requires_grad=True) for _ in range(4)]
    expected = []
    for i, p in enumerate(params):
        p.grad = np.full((512, 512), float(i + 1), np.float32)
        expected.append(p.data - number_like(0.25, p.grad) * p.grad)
    threads = [threading.Thread(target=lambda p=p: [optim.SGD([p], lr=0.25).step(), p.grad.__imul__(0)])
               for p in params]  # (after its step a thread zeroes its gradient: later steps change nothing)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p, e in zip(params, expected):
        assert p.data.tobytes() == e.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(128, 128), (128, 256), (16385,), (8192 * 3 + 17,), (64, 300), (100_000,)])
def test_relu_forward_is_numpys_maximum_with_zero_bit_for_bit(dtype, shape):
    x = _with_specials(np.random.default_rng(4).standard_normal(shape).astype(dtype))
    out = Value(x, requires_grad=True).relu()
    expected = np.maximum(x, dtype(0))
    assert out.data.shape == shape and out.data.tobytes() == expected.tobytes()


def test_relu_reads_a_row_of_zeros_of_at_most_8192_elements():
    for dtype in DTYPES:
        Value(np.ones(200_000, dtype)).relu()
    assert all(zeros.size <= 8192 for zeros in elementwise._ZERO_BLOCKS.values())


def _python_calls(fn, folders=("optim",), names=("grad",)):
    """The Python functions `fn()` calls that live in the library's `folders` or are named in `names` (the .grad
    property), counted."""
    calls = []

    def profile(frame, event, arg):
        code = frame.f_code
        if event == "call" and (code.co_name in names or code.co_filename.split("/")[-2] in folders):
            calls.append(code.co_name)

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def test_plain_sgd_step_and_zero_grad_make_no_python_call_per_parameter(monkeypatch):
    # W2's compiled step replays opt.zero_grad() and opt.step() as they are: a call per parameter there was a large
    # part of what it runs beyond the hand-written step (BENCHMARKS.md "Stop 62").
    from autograd_core.sparse_array import SparseGradients

    # (a process that has stored a sparse gradient, as earlier tests have, checks each parameter for one first)
    monkeypatch.setattr(SparseGradients, "stored", False)
    counts = {}
    for n in (3, 12):
        shapes = [(784, 256), (256,)] + [(5, 7)] * n  # one over the scratch block, the rest small
        params = [Value(np.ones(s, np.float32), requires_grad=True) for s in shapes]
        opt = optim.SGD(params, lr=0.1)
        for p in params:
            p._grad = np.ones(p.data.shape, np.float32)
        opt.step()  # (the scratch block, made once)
        for p in params:
            p._grad = np.ones(p.data.shape, np.float32)
        counts[n] = (_python_calls(opt.step), _python_calls(opt.zero_grad))
        assert all(p.grad is None for p in params)
    assert counts[3] == counts[12], counts


@pytest.mark.parametrize("shape", [(5, 7), (784, 256), (3,)])
@pytest.mark.parametrize("how", ["plain", "read as .grad", "float64 gradient", "value gradient"])
def test_plain_sgd_step_is_data_minus_lr_times_g_whatever_the_gradient_looks_like(shape, how):
    rng = np.random.default_rng(5)
    data = rng.standard_normal(shape).astype(np.float32)
    g = _with_specials(rng.standard_normal(shape).astype(np.float32))
    p = Value(data.copy(), requires_grad=True)
    if how == "float64 gradient":  # (`.grad =` refuses another dtype, as PyTorch's; `.data =` of another one keeps it)
        p.data = data.astype(np.float64)
        p.grad = g.astype(np.float64)
        p.data = data.copy()
    elif how == "value gradient":
        p.grad = Value(g.copy())
    else:
        p.grad = g.copy()
        if how == "read as .grad":
            assert p.grad.__class__ is not np.ndarray  # (a GradArray view from now on)
    optim.SGD([p], lr=0.0137).step()
    expected = data - number_like(0.0137, g) * g
    assert p.data.dtype == np.float32 and p.data.tobytes() == expected.tobytes()


def test_relus_buffered_forward_and_backward_make_few_python_calls():
    # A compiled step replays relu's forward into a buffer and its rule in place, twice per W2 step: each Python call
    # beyond these (a lambda, a test in a function of its own, np.dot's dispatcher) cost as much as a small array's
    # arithmetic (BENCHMARKS.md "Stop 62").
    rng = np.random.default_rng(6)
    x, g = rng.standard_normal((128, 256)).astype(np.float32), rng.standard_normal((128, 256)).astype(np.float32)
    out, expected = np.empty_like(x), np.where(x <= 0, 0, g)
    names = ("numpy",)  # (np.dot's Python-level dispatcher lives in numpy/_core/multiarray.py)
    elementwise.relu.forward_into(x, out=out)  # (the row of zeros, made once)
    forward = _python_calls(lambda: elementwise.relu.forward_into(x, out=out), folders=("ops", "_core") + names)
    assert forward == ["_relu_into", "_max_with_zeros"] and out.tobytes() == np.maximum(x, 0).tobytes()
    backward = _python_calls(lambda: elementwise.relu_backward(g, out, g), folders=("ops", "_core") + names)
    assert backward == ["relu_backward", "number_like"] and np.array_equal(g, expected)  # (-0.0 where g < 0)


def test_linear_of_a_batch_of_vectors_calls_no_helper():
    # linear's forward (and the compiled step's buffered one) for (N, in) inputs: one Python call, not one more to
    # look at the input's shape (three layers per W2 step, in each mode).
    from autograd_core.nn.linear import _linear, _linear_into

    rng = np.random.default_rng(7)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((128, 784), (256, 784), (256,)))
    out = np.empty((128, 256), np.float32)
    assert _python_calls(lambda: _linear_into(x, w, b, out=out), folders=("nn",)) == ["_linear_into"]
    assert _python_calls(lambda: _linear.forward(x, w, b), folders=("nn",)) == ["_linear"]
    expected = x @ w.T + b
    assert out.tobytes() == expected.tobytes() and _linear.forward(x, w, b).tobytes() == expected.tobytes()
