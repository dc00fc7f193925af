"""The fast paths bench/bench_gpt.py (Karpathy's GPT training step) led to: each gives the numbers of the plain way
of computing it (bit for bit where the plain way is a NumPy expression, or as PyTorch's folded product does), and
the gradients agree with PyTorch in float64."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_gpt  # noqa: E402


def _torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------------------------------
# linear over a batch of sequences (B, T, C): the rows in one BLAS product.


@pytest.mark.parametrize("width", [16, 256])
def test_linear_of_a_stack_is_the_linear_of_its_rows(width):
    """(B, T, C) @ Wᵀ gives, bit for bit, the product of the (B*T, C) matrix of rows (PyTorch folds the batch so,
    NumPy's stacked matmul does one product per leading index and can differ in the last bit); dL/dx too."""
    rng = np.random.default_rng(0)
    x3 = rng.standard_normal((16, 32, 64)).astype(np.float32)
    w = rng.standard_normal((width, 64)).astype(np.float32)
    b = rng.standard_normal(width).astype(np.float32)
    g3 = rng.standard_normal((16, 32, width)).astype(np.float32)
    x = ag.tensor(x3, requires_grad=True)
    out = F.linear(x, ag.tensor(w), ag.tensor(b))
    (out * ag.tensor(g3)).sum().backward()
    assert np.array_equal(out.data, (np.matmul(x3.reshape(512, 64), w.T) + b).reshape(16, 32, width))
    assert np.array_equal(x.grad, (g3.reshape(512, width) @ w).reshape(16, 32, 64))


def test_linear_of_a_transposed_stack_is_the_linear_of_its_rows_copied():
    """A stack that is not C-contiguous (its rows are no view: multi-head attention's (L, N, E) of a batch-first input)
    is copied and folded too, as PyTorch's linear does, rather than multiplied by one BLAS call per leading index:
    bit for bit the product of its rows' matrix; dL/dx too."""
    rng = np.random.default_rng(1)
    # (a shape whose stacked product, np.matmul(x3, w.T), differs from the folded one in the last bits with this
    # OpenBLAS: so the first assert fails where the stack is multiplied as it is)
    x3 = rng.standard_normal((8, 16, 256)).astype(np.float32).transpose(1, 0, 2)
    w = rng.standard_normal((64, 256)).astype(np.float32)
    g3 = rng.standard_normal((16, 8, 64)).astype(np.float32)
    x = ag.tensor(x3, requires_grad=True)
    out = F.linear(x, ag.tensor(w))
    (out * ag.tensor(g3)).sum().backward()
    rows = np.ascontiguousarray(x3).reshape(128, 256)
    assert np.array_equal(out.data, np.matmul(rows, w.T).reshape(16, 8, 64))
    np.testing.assert_allclose(out.data, x3 @ w.T, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(x.grad, g3 @ w, rtol=1e-5, atol=1e-4)


def test_linear_of_a_stack_matches_pytorch_in_float64():
    torch = _torch()
    rng = np.random.default_rng(2)
    x0, w0, b0 = rng.standard_normal((3, 4, 5, 6)), rng.standard_normal((7, 6)), rng.standard_normal(7)
    g0 = rng.standard_normal((3, 4, 5, 7))
    ours = [ag.tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    out, ref = F.linear(*ours), torch.nn.functional.linear(*theirs)
    (out * ag.tensor(g0)).sum().backward()
    (ref * torch.tensor(g0)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_linear_written_into_a_buffer_gives_the_forward_numbers():
    """Compiled steps write the forward into a buffer of their own (`forward_into`), and use it only where it gives
    the forward's bits: the same folded product, or they would fall back to allocating."""
    from autograd_core.nn.linear import _linear

    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 32, 64)).astype(np.float32)
    w, b = rng.standard_normal((256, 64)).astype(np.float32), rng.standard_normal(256).astype(np.float32)
    for bias in (b, None):
        out = np.empty((16, 32, 256), np.float32)
        assert _linear.forward_into(x, w, bias, out=out) is out
        assert np.array_equal(out, _linear.forward(x, w, bias))


# ----------------------------------------------------------------------------------------------------
# Dropout's mask: made in the input's dtype in one pass.


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
@pytest.mark.parametrize("p", [0.1, 0.2, 0.5, 1 / 3, 0.999999])
def test_dropout_mask_has_the_bits_of_the_float64_product_cast(dtype, p):
    """The scaled keep-mask is keep · 1/(1 − p) computed in float64 and cast to the input's float dtype (float64
    for other data), from the same draws of the generator, which ends in the same state."""
    from autograd_core.nn.dropout import _mask

    x = np.ones((7, 33), dtype)
    rng, same = np.random.default_rng(5), np.random.default_rng(5)
    mask = _mask(x, p=p, rng=rng, shape=x.shape)
    expected = ((same.random(x.shape) >= p) * (1.0 / (1.0 - p))).astype(x.dtype if x.dtype.kind == "f" else np.float64)
    assert mask.dtype == expected.dtype and mask.tobytes() == expected.tobytes()
    assert rng.random() == same.random()


# ----------------------------------------------------------------------------------------------------
# Softmax over short rows (attention's (B, T, T) scores): each row's maximum taken from the transposed copy.


def _softmax_along_rows(x):
    """The softmax as computed for long rows: the shift by NumPy's max along each row (infinite too, as PyTorch's)."""
    n = x.shape[-1]
    rows = x.reshape(-1, n)
    m = rows.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        e = np.exp(rows - m)
        e /= (e @ np.ones(n, x.dtype))[:, None]
    return e.reshape(x.shape)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2, 7, 32, 33])
def test_softmax_of_short_rows_has_the_bits_of_the_row_max_shift(dtype, n):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((6, 5, n)) * 4).astype(dtype)
    x[0] = np.where(np.tril(np.ones((5, n), bool)), x[0], -np.inf)  # the causal mask of the lecture
    x[1, 0], x[1, 1] = -np.inf, np.nan  # a row of -inf only; a NaN row
    x[1, 2, 0] = np.inf
    x[2, 0], x[2, 1, :] = 0.0, -0.0  # zero maxima of either sign
    x[2, 2, : (n + 1) // 2] = -0.0
    x[2, 2, (n + 1) // 2:] = 0.0
    with np.errstate(invalid="ignore"):
        out = F.softmax(ag.tensor(x), dim=-1).data
    expected = _softmax_along_rows(x)
    assert out.dtype == x.dtype
    assert np.array_equal(out, expected, equal_nan=True)
    assert np.array_equal(np.signbit(out), np.signbit(expected))


def test_masked_softmax_gradient_matches_pytorch_in_float64():
    """The lecture's `wei.masked_fill(tril == 0, float('-inf'))` then F.softmax(wei, dim=-1), rows of 32."""
    torch = _torch()
    rng = np.random.default_rng(4)
    x0, w0 = rng.standard_normal((4, 32, 32)), rng.standard_normal((4, 32, 32))
    tril = np.tril(np.ones((32, 32)))
    x, t = ag.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    out = F.softmax(x.masked_fill(ag.tensor(tril) == 0, float("-inf")), dim=-1)
    ref = torch.softmax(t.masked_fill(torch.tensor(tril) == 0, float("-inf")), dim=-1)
    (out * ag.tensor(w0)).sum().backward()
    (ref * torch.tensor(w0)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------------------------------
# The benchmark itself: it times what PyTorch computes, and its profile leaves the primitives as it found them.


def test_bench_gpt_step_is_pytorchs_step(monkeypatch):
    """Two AdamW steps of the lecture's model from the same weights and batch: the same losses as PyTorch's."""
    torch = _torch()
    monkeypatch.setattr(bench_gpt, "SIZES", dict(bench_gpt.SIZES, batch_size=4, block_size=8, n_layer=2))
    ours = bench_gpt.build(*bench_gpt.library(bench_gpt.OURS), dropout=0.0)[-1]
    theirs = bench_gpt.build(*bench_gpt.library(bench_gpt.TORCH), dropout=0.0)[-1]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: a pool of threads only waits for the others
    try:
        for _ in range(3):
            assert abs(float(ours().item()) - float(theirs().item())) < 1e-5
    finally:
        torch.set_num_threads(threads)


def test_bench_gpt_profile_restores_the_primitives(monkeypatch, capsys):
    from autograd_core.ops.primitive import PRIMITIVES

    monkeypatch.setattr(bench_gpt, "SIZES", dict(bench_gpt.SIZES, batch_size=2, block_size=4, n_layer=1))
    before = {name: (op.forward, op.vjps, op.lazy_vjp) for name, op in PRIMITIVES.items()}
    bench_gpt.profile_ours(0.2, steps=2)
    assert {name: (op.forward, op.vjps, op.lazy_vjp) for name, op in PRIMITIVES.items()} == before
    printed = capsys.readouterr().out
    assert "| linear | forward | 16 |" in printed and "| softmax | forward | 4 |" in printed, printed


def test_the_benchmarked_model_is_the_lectures_code():
    """bench_gpt.MODEL is a copy of the lecture's model classes (the benchmark's workers must not import the test
    suite): it must stay the very text test_zero_to_hero_gpt.py runs."""
    from test_zero_to_hero_gpt import GPT

    assert bench_gpt.MODEL.strip() in GPT
