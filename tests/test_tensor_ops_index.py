"""PyTorch's indexing along a dimension, running sums and sorting (ops/index.py, ops/scan.py), beyond the op table
(tests/test_ops_table.py, which checks their values, gradients, second derivatives, forward mode, float32 and
compile): the integer results (sort's and topk's indices, argsort) with ties and NaN, error types and messages,
0-d inputs, the method spellings, scatter's larger src and repeated positions, and compile sorting each call's
numbers again."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import CompileWarning, Value, gradcheck


def _torch():
    return pytest.importorskip("torch")


def _t(x):
    torch = _torch()
    return torch.as_tensor(np.asarray(x))


# ----------------------------------------------------------------------------------------------------
# Integer results: sort's and topk's indices, argsort; ties keep their order, NaN is largest.

TIES = np.array([[1.0, 3.0, 1.0, 2.0, 3.0], [0.5, 0.5, 0.5, -1.0, 0.5]])
WITH_NAN = np.array([2.0, np.nan, -1.0, 2.0, np.nan, 0.0])


@pytest.mark.parametrize("x", [TIES, WITH_NAN], ids=["ties", "nan"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort_match_torch_stable(x, descending):
    torch = _torch()
    values, indices = ag.sort(Value(x), dim=-1, descending=descending)
    expected = torch.sort(_t(x), dim=-1, descending=descending, stable=True)
    np.testing.assert_array_equal(values.data, expected.values.numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    assert indices.dtype == np.int64 and not indices.requires_grad
    argsorted = ag.argsort(Value(x), descending=descending)
    np.testing.assert_array_equal(argsorted.data, torch.argsort(_t(x), descending=descending, stable=True).numpy())


DISTINCT = np.array([[0.3, -1.2, 2.5, 0.1, 1.7], [-0.4, 0.9, -2.2, 1.1, 0.0]])


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (3, 1, False), (1, 0, True), (2, 0, False)])
def test_topk_indices_and_gradient_match_torch(k, dim, largest):
    torch = _torch()
    x = Value(DISTINCT)
    values, indices = x.topk(k, dim=dim, largest=largest)
    (values * np.arange(1.0, values.size + 1).reshape(values.shape)).sum().backward()
    tx = _t(DISTINCT).requires_grad_()
    expected = torch.topk(tx, k, dim=dim, largest=largest)
    (expected.values * torch.arange(1.0, values.size + 1, dtype=torch.float64).reshape(values.shape)).sum().backward()
    np.testing.assert_array_equal(values.data, expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("largest", [True, False])
def test_topk_with_ties_takes_the_earlier_entries(largest):
    """PyTorch leaves the choice among ties to the implementation; here the earlier entry comes first (the stable
    sort's order), and the gradient goes to the entries chosen."""
    torch = _torch()
    x = Value(TIES)
    values, indices = x.topk(3, largest=largest)
    np.testing.assert_array_equal(values.data, torch.topk(_t(TIES), 3, largest=largest).values.numpy())
    order = np.argsort(-TIES if largest else TIES, axis=-1, kind="stable")[:, :3]
    np.testing.assert_array_equal(indices.data, order)
    values.sum().backward()
    chosen = np.zeros_like(TIES)
    np.put_along_axis(chosen, order, 1.0, axis=-1)
    np.testing.assert_array_equal(x.grad, chosen)


def test_sort_gradient_with_ties_follows_the_stable_order_as_torch():
    torch = _torch()
    x = Value(TIES)
    w = np.arange(10.0).reshape(2, 5)
    (x.sort(descending=True).values * w).sum().backward()
    tx = _t(TIES).requires_grad_()
    (torch.sort(tx, descending=True, stable=True).values * _t(w)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_sort_and_topk_return_named_tuples():
    x = Value(np.array([3.0, 1.0, 2.0]))
    result = ag.sort(x)
    assert type(result).__name__ == "sort" and result.values is result[0] and result.indices is result[1]
    values, indices = ag.topk(x, 2)
    assert type(ag.topk(x, 2)).__name__ == "topk"
    np.testing.assert_array_equal(values.data, [3.0, 2.0])
    np.testing.assert_array_equal(indices.data, [0, 2])


def test_zero_dim_inputs_match_torch():
    torch = _torch()
    x = Value(np.float64(3.0))
    for ours, theirs in [(ag.sort(x), torch.sort(_t(3.0))), (ag.topk(x, 1), torch.topk(_t(3.0), 1))]:
        assert ours.values.shape == tuple(theirs.values.shape) and ours.indices.shape == tuple(theirs.indices.shape)
        assert float(ours.values) == 3.0 and int(ours.indices) == 0
    for name in ("cumsum", "cumprod"):
        out = getattr(ag, name)(x, 0)
        assert out.shape == () and float(out) == float(getattr(torch, name)(_t(3.0), 0))
    assert ag.gather(x, 0, np.array(0)).shape == ()
    assert ag.argsort(x).shape == ()


def test_cumsum_of_integers_and_booleans_is_int64_as_torch():
    torch = _torch()
    for data in (np.array([True, False, True]), np.array([1, 2, 3], dtype=np.int32)):
        out = ag.cumsum(ag.tensor(data), 0)
        expected = torch.cumsum(_t(data), 0)
        assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(out.data, expected.numpy())
    assert ag.cumsum(ag.ones(3), 0, dtype=ag.float64).dtype == np.float64


def _running_in_float32(running, data, axis):
    """What PyTorch's CPU kernels give for float16: accumulated in float32, each output rounded to float16."""
    return running(data.astype(np.float32), axis=axis).astype(np.float16)


def test_float16_running_sums_and_products_accumulate_in_float32():
    """A float16 running sum of 5000 × 0.1 reaches 500, as PyTorch's; adding in float16 would stall at 256 (0.1 is
    below half a step of float16 there). The gradients (running sums of g from the end) accumulate so too."""
    x = ag.tensor(np.full(5000, 0.1, np.float16), requires_grad=True)
    out = ag.cumsum(x, 0)
    assert out.dtype == np.float16 and float(out[-1]) == 500.0
    np.testing.assert_array_equal(out.data, _running_in_float32(np.cumsum, x.data, 0))
    g = np.full(5000, 0.1, np.float16)
    out.backward(ag.tensor(g))
    assert x.grad.dtype == np.float16
    np.testing.assert_array_equal(x.grad, _running_in_float32(np.cumsum, g[::-1], 0)[::-1])
    y = ag.tensor(np.full((3, 400), 1.01, np.float16))
    for axis in (0, 1):
        np.testing.assert_array_equal(ag.cumprod(y, axis).data, _running_in_float32(np.cumprod, y.data, axis))
        np.testing.assert_array_equal(ag.cumsum(y, axis).data, _running_in_float32(np.cumsum, y.data, axis))


def test_float16_running_sums_and_products_match_torch_bit_for_bit():
    torch = _torch()
    rng = np.random.default_rng(4)
    data = (1 + 0.01 * rng.standard_normal((4, 300))).astype(np.float16)
    data[1, 150] = 0  # cumprod's gradient through a zero
    g = rng.standard_normal((4, 300)).astype(np.float16)
    for name in ("cumsum", "cumprod"):
        ours, theirs = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, expected = getattr(ours, name)(1), getattr(theirs, name)(1)
        np.testing.assert_array_equal(out.data, expected.detach().numpy(), err_msg=name)
        out.backward(ag.tensor(g))
        expected.backward(torch.tensor(g))
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy(), err_msg=name)


def test_cumprod_gradient_with_zeros_costs_linear_time_and_memory():
    """A long row with zeros: the products of the other factors as an (n, n) matrix would need 3 · 20000² numbers."""
    x = np.ones((3, 20000))
    x[:, 5], x[1, 7], x[2, -1] = 0.0, 0.0, 0.0
    v = Value(x)
    ag.cumprod(v, 1).sum().backward()
    # Before the first zero (x_5): Σ_{j ≥ i} of products of ones up to j < 5, i.e. 5 - i; at it, one per j from 5 up to
    # the next zero; after it, 0 (every product keeps x_5).
    expected = np.zeros((3, 8))
    expected[:, :5] = 5 - np.arange(5)
    expected[:, 5] = [20000 - 5, 7 - 5, 19999 - 5]
    np.testing.assert_array_equal(v.grad[:, :8], expected)
    assert not v.grad[:, 8:].any()


# ----------------------------------------------------------------------------------------------------
# Compile and forward mode: the order is each call's own.


def test_compiled_sort_orders_each_calls_numbers():
    def step(x):
        v = Value(x)
        values, indices = v.sort(descending=True)
        (values * np.array([3.0, 2.0, 1.0])).sum().backward()
        return values.data, indices.data, v.grad

    compiled = ag.compile(step)
    inputs = [np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 2.0]), np.array([2.0, 3.0, 1.0]),
              np.array([1.0, 3.0, 2.0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for x in inputs:
            for got, expected in zip(compiled(x), step(x)):
                np.testing.assert_array_equal(got, expected)
    assert compiled.stats["replayed"] == 2


def test_jvp_of_sort_and_cumprod_with_zeros():
    x = np.array([0.5, 0.0, -2.0, 0.0, 1.5])
    t = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    _, tangent = ag.jvp(lambda v: ag.sort(v).values, (x,), (t,))
    np.testing.assert_array_equal(tangent, t[np.argsort(x, kind="stable")])
    _, tangent = ag.jvp(lambda v: ag.cumprod(v, 0), (x,), (t,))
    eps = 1e-7
    np.testing.assert_allclose(tangent, (np.cumprod(x + eps * t) - np.cumprod(x - eps * t)) / (2 * eps), atol=1e-6)


# ----------------------------------------------------------------------------------------------------
# scatter: a larger src (PyTorch cannot differentiate it), numbers, repeated positions, dtypes.


def test_scatter_with_a_larger_src_matches_torch_values():
    torch = _torch()
    x, src = np.zeros((3, 4)), np.arange(20.0).reshape(4, 5)
    index = np.array([[2, 0], [1, 2]])
    for dim in (0, 1):
        out = ag.scatter(Value(x), dim, index, Value(src))
        np.testing.assert_array_equal(out.data, torch.scatter(_t(x), dim, _t(index), _t(src)).numpy())
        out = ag.scatter_add(Value(x), dim, index, Value(src))
        np.testing.assert_array_equal(out.data, torch.scatter_add(_t(x), dim, _t(index), _t(src)).numpy())
    assert gradcheck(lambda a, b: ag.scatter(a, 1, index, b), (x + 1.0, src / 7))


def test_scatter_repeated_positions_last_write_wins_and_only_it_gets_the_gradient():
    x, src = Value(np.zeros(3)), Value(np.array([1.0, 2.0, 3.0]))
    out = x.scatter(0, np.array([1, 1, 0]), src)
    np.testing.assert_array_equal(out.data, [3.0, 2.0, 0.0])
    (out * np.array([10.0, 20.0, 30.0])).sum().backward()
    np.testing.assert_array_equal(src.grad, [0.0, 20.0, 10.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 30.0])


def test_scatter_value_and_dtype():
    torch = _torch()
    x = Value(np.ones((2, 3), np.float32))
    out = x.scatter(1, np.array([[2], [0]]), value=-1.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, torch.ones(2, 3).scatter(1, torch.tensor([[2], [0]]), -1.5).numpy())
    mixed = ag.scatter(x, 0, np.array([[1, 0, 1]]), Value(np.full((1, 3), 4.0)))  # float64 src into float32
    assert mixed.dtype == np.float32


# ----------------------------------------------------------------------------------------------------
# Methods and functions are the same calls.


def test_methods_match_functions():
    rng = np.random.default_rng(0)
    x = Value(rng.standard_normal((3, 4)))
    index = np.array([[0, 2], [1, 1], [3, 0]])
    pairs = [
        (x.gather(1, index), ag.gather(x, 1, index)),
        (x.index_select(0, np.array([2, 0])), ag.index_select(x, 0, np.array([2, 0]))),
        (x.take(np.array([1, 5])), ag.take(x, np.array([1, 5]))),
        (x.masked_select(x.data > 0), ag.masked_select(x, x.data > 0)),
        (x.narrow(1, 1, 2), ag.narrow(x, 1, 1, 2)),
        (x.flip(0, 1), ag.flip(x, (0, 1))), (x.flip([1]), ag.flip(x, 1)),
        (x.roll(1, 0), ag.roll(x, 1, 0)), (x.tril(1), ag.tril(x, 1)), (x.triu(), ag.triu(x)),
        (x.diagonal(1), ag.diagonal(x, 1)), (x.diag(), ag.diag(x)), (x.trace(), ag.trace(x)),
        (x.cumsum(1), ag.cumsum(x, 1)), (x.cumprod(0), ag.cumprod(x, dim=0)),
        (x.sort(0).values, ag.sort(x, 0).values), (x.argsort(), ag.argsort(x)),
        (x.topk(2, 0).values, ag.topk(x, 2, dim=0).values),
        (x.scatter_add(1, index, x), ag.scatter_add(x, 1, index, x)),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.data, b.data)


def test_functions_accept_arrays_and_match_torch_on_a_few_inputs():
    torch = _torch()
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(ag.diag(np.array([1.0, 2.0]), -1).data, torch.diag(_t([1.0, 2.0]), -1).numpy())
    np.testing.assert_array_equal(ag.roll(x, (1, -1), (0, 1)).data, torch.roll(_t(x), (1, -1), (0, 1)).numpy())
    np.testing.assert_array_equal(ag.roll(x, -5).data, torch.roll(_t(x), -5).numpy())
    np.testing.assert_array_equal(ag.diagonal(x, -2).data, torch.diagonal(_t(x), -2).numpy())
    np.testing.assert_array_equal(ag.diagonal(x, 5).data, torch.diagonal(_t(x), 5).numpy())  # empty
    np.testing.assert_array_equal(ag.take(x, np.array([-1, 0])).data, torch.take(_t(x), _t([-1, 0])).numpy())


# ----------------------------------------------------------------------------------------------------
# Errors: PyTorch's exception types.

X = np.arange(6.0).reshape(2, 3)
ERRORS = [
    ("gather-index-out-of-range", lambda m: m.gather(m.as_(X), 1, m.index([[3]])), RuntimeError, "out of bounds"),
    ("gather-negative-index", lambda m: m.gather(m.as_(X), 1, m.index([[-1]])), RuntimeError, "out of bounds"),
    ("gather-ndim", lambda m: m.gather(m.as_(X), 1, m.index([1])), RuntimeError, "same number of dimensions"),
    ("gather-dim", lambda m: m.gather(m.as_(X), 2, m.index([[1]])), IndexError, "Dimension out of range"),
    ("gather-float-index", lambda m: m.gather(m.as_(X), 1, m.as_([[1.0]])), RuntimeError, "dtype"),
    ("scatter-out-of-range", lambda m: m.scatter(m.as_(X), 1, m.index([[3]]), 1.0), RuntimeError, "out of bounds"),
    ("index_select-out-of-range", lambda m: m.index_select(m.as_(X), 1, m.index([3])), RuntimeError, "out of"),
    ("index_select-matrix", lambda m: m.index_select(m.as_(X), 0, m.index([[0]])), IndexError, "vector"),
    ("take-out-of-range", lambda m: m.take(m.as_(X), m.index([6])), IndexError, "out of range"),
    ("take-negative-out-of-range", lambda m: m.take(m.as_(X), m.index([-7])), IndexError, "out of range"),
    ("masked_select-not-bool", lambda m: m.masked_select(m.as_(X), m.index([1, 0, 1])), RuntimeError, "Bool"),
    ("narrow-too-long", lambda m: m.narrow(m.as_(X), 1, 2, 2), RuntimeError, "exceeds dimension size"),
    ("topk-k-too-large", lambda m: m.topk(m.as_(X), 4), RuntimeError, "out of range"),
    ("diagonal-same-dims", lambda m: m.diagonal(m.as_(X), 0, 1, 1), RuntimeError, "cannot be identical"),
    ("tril-vector", lambda m: m.tril(m.as_([1.0, 2.0])), RuntimeError, "at least 2 dimensions"),
    ("diag-3d", lambda m: m.diag(m.as_(np.ones((2, 2, 2)))), RuntimeError, "1D or 2D"),
    ("trace-vector", lambda m: m.trace(m.as_([1.0])), RuntimeError, "expected a matrix"),
    ("roll-misaligned", lambda m: m.roll(m.as_(X), (1, 2), (0,)), RuntimeError, "must align"),
    ("flip-repeated-dim", lambda m: m.flip(m.as_(X), (0, 0)), RuntimeError, "multiple times"),
    ("cumsum-dim", lambda m: m.cumsum(m.as_(X), 2), IndexError, "Dimension out of range"),
    ("sort-dim", lambda m: m.sort(m.as_(X), -3), IndexError, "Dimension out of range"),
]


class _Ours:
    as_ = staticmethod(lambda x: Value(np.asarray(x), requires_grad=False))
    index = staticmethod(np.array)

    def __getattr__(self, name):
        return getattr(ag, name)


class _Torch:
    def __init__(self):
        self.torch = _torch()

    def as_(self, x):
        return self.torch.as_tensor(np.asarray(x))

    def index(self, x):
        return self.torch.tensor(x)

    def __getattr__(self, name):
        return getattr(self.torch, name)


@pytest.mark.parametrize("label, call, error, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_have_pytorchs_types(label, call, error, words):
    with pytest.raises(error, match=words):
        call(_Ours())


@pytest.mark.parametrize("label, call, error, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_pytorch_raises_the_same_type(label, call, error, words):
    with pytest.raises(error):
        call(_Torch())
