"""clamp with tensor bounds (ops/clamp_bounds.py): a bound that is a Value requiring grad gets its gradient, as
PyTorch's clamp.Tensor gives it, in every spelling (clamp, clip, the methods, clamp_/clip_, clamp_min/clamp_max and
their in-place forms). Each case runs in both libraries against the same literal expectations (PyTorch 2.13's
numbers), so the PyTorch half checks the expectations and ours runs without PyTorch too: ties x == min and x == max,
min > max, NaN in x and in a bound, bounds broadcast either way, a 0-d bound; reverse and forward mode; float32 and
float64; finite differences; PyTorch's node names and next_functions."""

import numpy as np
import pytest
from test_grad_fn_names import _library, _next_names

import autograd_core as ag

NAN = float("nan")
LIBS = ["torch", "autograd_core"]

# x, min, max (None: not given): one element per situation.
X = [0.0, 1.0, 2.0, 3.0, NAN, 1.5, 1.5, 1.5]
LO = [1.0, 1.0, 1.0, 1.0, 1.0, NAN, 2.5, 1.0]
HI = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, NAN]
#      below, =min, =max, above, NaN x, NaN min, min>max, NaN max
BOTH = {"out": [1.0, 1.0, 2.0, 2.0, NAN, NAN, 1.0, NAN],
        "gx": [0, 1, 1, 0, 0, 0, 0, 0], "glo": [1, 0, 0, 0, 0, 0, 0, 0], "ghi": [0, 0, 0, 1, 0, 0, 1, 0],
        # forward mode with tangents 1 (x), 10 (min), 100 (max): clamp_jvp's choice, not the reverse rule's
        "jvp": [10, 1, 1, 100, 1, 1, 100, 1]}
X1, B1 = [0.0, 1.0, 2.0, NAN, 1.5], [1.0, 1.0, 1.0, 1.0, NAN]
ONE_SIDE = {  # (function, which side) -> out, gx, gb, jvp with tangents 1 and 10, jvp with a bound without tangent
    ("clamp", "min"): ([1, 1, 2, NAN, NAN], [0, 1, 1, 0, 0], [1, 0, 0, 0, 0], [10, 10, 1, 10, 10], [0, 0, 1, 0, 0]),
    ("clamp", "max"): ([0, 1, 1, NAN, NAN], [1, 1, 0, 0, 0], [0, 0, 1, 0, 0], [1, 10, 10, 10, 10], [1, 0, 0, 0, 0]),
    ("clamp_min", "min"): ([1, 1, 2, NAN, NAN], [0, 1, 1, 0, 0], [1, 0, 0, 0, 0], [10, 1, 1, 10, 10],
                           [0, 1, 1, 0, 0]),
    ("clamp_max", "max"): ([0, 1, 1, NAN, NAN], [1, 1, 0, 0, 0], [0, 0, 1, 0, 0], [1, 1, 10, 10, 10],
                           [1, 1, 0, 0, 0]),
}


def _t(L, a, dtype=np.float64, grad=True):
    return L.tensor(np.asarray(a, dtype=dtype), requires_grad=grad)


def _close(got, want, dtype=np.float64):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                               rtol=1e-6 if dtype == np.float32 else 1e-12, equal_nan=True)


def _np(L, v):
    return v.detach().numpy() if hasattr(v, "detach") else np.asarray(v.data)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spelling", ["clamp", "clip", "method", "method_clip", "inplace", "inplace_clip"])
@pytest.mark.parametrize("L", LIBS)
def test_both_bounds_values_and_gradients_at_ties_nans_and_crossed_bounds(L, spelling, dtype):
    L, _, _ = _library(L)
    x, lo, hi = _t(L, X, dtype), _t(L, LO, dtype), _t(L, HI, dtype)
    out = {"clamp": lambda: L.clamp(x, lo, hi), "clip": lambda: L.clip(x, min=lo, max=hi),
           "method": lambda: x.clamp(lo, hi), "method_clip": lambda: x.clip(min=lo, max=hi),
           "inplace": lambda: x.clone().clamp_(lo, hi), "inplace_clip": lambda: x.clone().clip_(lo, hi)}[spelling]()
    assert out.dtype == x.dtype and type(out.grad_fn).__name__ == "ClampBackward0"
    first = "CloneBackward0" if spelling.startswith("inplace") else "AccumulateGrad"
    assert _next_names(out.grad_fn) == f"{first}|AccumulateGrad|AccumulateGrad"
    out.backward(L.ones_like(out))
    _close(_np(L, out), BOTH["out"], dtype)
    for v, key in [(x, "gx"), (lo, "glo"), (hi, "ghi")]:
        assert v.grad.dtype == x.dtype
        _close(_np(L, v.grad), BOTH[key], dtype)


@pytest.mark.parametrize("fn, side", list(ONE_SIDE))
@pytest.mark.parametrize("form", ["function", "method", "inplace"])
@pytest.mark.parametrize("L", LIBS)
def test_one_bound_values_gradients_and_node(L, fn, side, form):
    L, _, _ = _library(L)
    x, b = _t(L, X1), _t(L, B1)
    inplace = form == "inplace"
    src = x.clone() if inplace else x
    if fn == "clamp":  # clamp(x, min=b) / x.clamp(min=b) / x.clamp_(min=b)
        call = {"function": lambda: L.clamp(src, **{side: b}), "method": lambda: src.clamp(**{side: b}),
                "inplace": lambda: src.clamp_(**{side: b})}[form]
        name, nexts = "ClampBackward0", "AccumulateGrad|" + ("AccumulateGrad|None" if side == "min" else
                                                             "None|AccumulateGrad")
    else:  # clamp_min(x, b) / x.clamp_min(b) / x.clamp_min_(b), max likewise
        call = {"function": lambda: getattr(L, fn)(src, b), "method": lambda: getattr(src, fn)(b),
                "inplace": lambda: getattr(src, fn + "_")(b)}[form]
        name, nexts = ("ClampMinBackward1" if side == "min" else "ClampMaxBackward1"), "AccumulateGrad|AccumulateGrad"
    out = call()
    if inplace:
        nexts = "CloneBackward0" + nexts[len("AccumulateGrad"):]
    assert type(out.grad_fn).__name__ == name and _next_names(out.grad_fn) == nexts
    want_out, gx, gb, _, _ = ONE_SIDE[fn, side]
    out.sum().backward()
    _close(_np(L, out), want_out)
    _close(_np(L, x.grad), gx)
    _close(_np(L, b.grad), gb)


def _jvp(L, fn, x, bounds, tangents):
    """The tangent of fn(x, *bounds) for tangents of x and of the bounds (None: a bound without tangent)."""
    if L.__name__ == "torch":
        import torch.autograd.forward_ad as fwAD

        with fwAD.dual_level():
            duals = [None if b is None else L.tensor(b) if t is None else
                     fwAD.make_dual(L.tensor(b), L.tensor(t)) for b, t in zip([x, *bounds], tangents)]
            return fwAD.unpack_dual(fn(*duals)).tangent.numpy()
    given = [k for k, (b, t) in enumerate(zip([x, *bounds], tangents)) if t is not None]
    args = [None if b is None else np.asarray(b) for b in [x, *bounds]]

    def f(*primals):
        full = list(args)
        for k, p in zip(given, primals):
            full[k] = p
        return fn(*[a if a is None or isinstance(a, ag.Value) else L.tensor(a) for a in full])

    return L.func.jvp(f, tuple(args[k] for k in given), tuple(np.asarray(tangents[k]) for k in given))[1]


@pytest.mark.parametrize("L", LIBS)
def test_forward_mode_is_pytorchs_clamp_jvp(L):
    L, _, _ = _library(L)
    n = len(X)
    got = _jvp(L, lambda x, lo, hi: L.clamp(x, lo, hi), X, [LO, HI], [[1.0] * n, [10.0] * n, [100.0] * n])
    _close(got, BOTH["jvp"])
    for (fn, side), (_, _, _, with_bound, without) in ONE_SIDE.items():
        f = (lambda x, b, side=side: L.clamp(x, **{side: b})) if fn == "clamp" else getattr(L, fn)
        _close(_jvp(L, f, X1, [B1], [[1.0] * 5, [10.0] * 5]), with_bound)
        _close(_jvp(L, f, X1, [B1], [[1.0] * 5, None]), without)


@pytest.mark.parametrize("L", LIBS)
def test_bounds_broadcast_either_way_and_sum_back(L):
    L, _, _ = _library(L)
    x, lo, hi = _t(L, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]), _t(L, [1.0, 2.0, 6.0]), _t(L, [[2.5], [4.5]])
    L.clamp(x, lo, hi).sum().backward()
    _close(_np(L, lo.grad), [1, 1, 0])
    _close(_np(L, hi.grad), [[1], [1]])
    _close(_np(L, x.grad), [[0, 0, 0], [1, 1, 0]])
    x, lo = _t(L, [1.5]), _t(L, [[1.0], [2.0]])  # the bound larger than x: x's gradient summed back
    out = L.clamp(x, min=lo)
    assert tuple(out.shape) == (2, 1)
    out.sum().backward()
    _close(_np(L, x.grad), [1])
    _close(_np(L, lo.grad), [[0], [1]])


@pytest.mark.parametrize("L", LIBS)
def test_zero_d_and_constant_tensor_bounds_are_the_tensor_overload(L):
    L, _, _ = _library(L)
    x, b = _t(L, [0.0, 1.0, 2.0]), _t(L, 1.5)
    out = L.clamp(x, b)  # a 0-d tensor bound: clamp.Tensor (ClampBackward0), not the Scalar overload
    assert type(out.grad_fn).__name__ == "ClampBackward0" and _next_names(out.grad_fn) == "AccumulateGrad|" \
        "AccumulateGrad|None"
    out.sum().backward()
    _close(_np(L, b.grad), 2.0)  # chosen for 0.0 and 1.0
    out = L.clamp(x, _t(L, [1.0, 1.0, 1.0], grad=False), _t(L, [1.5, 1.5, 1.5]))
    assert _next_names(out.grad_fn) == "AccumulateGrad|None|AccumulateGrad"
    assert type(L.clamp(x, 1.0, 2.0).grad_fn).__name__ == "ClampBackward1"  # numbers: the Scalar overload
    assert _next_names(L.clamp_min(x, _t(L, [1.0, 1.0, 1.0], grad=False)).grad_fn) == "AccumulateGrad|None"


@pytest.mark.parametrize("L", LIBS)
def test_dtypes_of_value_bounds(L):
    L, _, _ = _library(L)
    x32 = _t(L, [0.0, 1.0, 2.0], np.float32)
    b64 = _t(L, [1.0, 1.0, 1.0])
    out = L.clamp(x32, b64)  # a float64 bound with dims: float64, as PyTorch's promotion
    assert out.dtype == b64.dtype
    assert _next_names(out.grad_fn) == "AccumulateGrad|AccumulateGrad|None"  # converted inside: no ToCopyBackward0
    out.sum().backward()
    assert x32.grad.dtype == x32.dtype and b64.grad.dtype == b64.dtype
    b0 = _t(L, 1.0)
    out = L.clamp_max(x32, b0)  # a 0-d float64 bound keeps float32
    assert out.dtype == x32.dtype and _next_names(out.grad_fn) == "AccumulateGrad|AccumulateGrad"
    out.sum().backward()
    assert b0.grad.dtype == b0.dtype
    _close(_np(L, b0.grad), 1.0)
    _close(_np(L, x32.grad), [1, 2, 1])  # (added to the 0, 1, 1 above)
    tangent = _jvp(L, lambda x, b: L.clamp(x, min=b), np.float32([0.0, 2.0]), [np.float64([1.0, 1.0])],
                   [np.float32([1.0, 1.0]), np.float64([10.0, 10.0])])
    assert tangent.dtype == np.float64
    _close(tangent, [10.0, 1.0])
    i = L.tensor(np.array([1, 2, 3]))
    b = _t(L, [1.5, 1.5, 1.5], np.float32)
    out = L.clamp(i, b)  # integers clamped to a float bound: its dtype
    assert out.dtype == b.dtype
    out.sum().backward()
    _close(_np(L, b.grad), [1, 0, 0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_and_tangents_match_finite_differences(dtype):
    rng = np.random.default_rng(65)
    x = rng.choice([-1.0, 1.0], (3, 4)) * rng.choice([0.2, 0.7, 1.0], (3, 4)) + rng.uniform(-0.05, 0.05, (3, 4))
    lo, hi = -0.5 + rng.uniform(-0.03, 0.03, (4,)), 0.5 + rng.uniform(-0.03, 0.03, (3, 1))
    w = rng.standard_normal((3, 4))

    def f(x, lo, hi):
        return (ag.clamp(x, lo, hi) * w).sum()

    arrays = [a.astype(dtype) for a in (x, lo, hi)]
    grads = ag.grad(f, argnums=(0, 1, 2))(*arrays)
    eps = 1e-6 if dtype == np.float64 else 1e-2
    tol = 1e-8 if dtype == np.float64 else 1e-3
    for k, g in enumerate(grads):
        assert np.asarray(g).dtype == dtype
        num = np.zeros(arrays[k].shape)
        for idx in np.ndindex(arrays[k].shape):
            up, down = [a.astype(np.float64) for a in arrays], [a.astype(np.float64) for a in arrays]
            up[k][idx] += eps
            down[k][idx] -= eps
            num[idx] = (float(f(*up).data) - float(f(*down).data)) / (2 * eps)
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), num, atol=tol)
        t = rng.standard_normal(arrays[k].shape)
        tangents = tuple(t.astype(dtype) if j == k else np.zeros_like(a) for j, a in enumerate(arrays))
        _, tangent = ag.func.jvp(f, tuple(arrays), tangents)
        np.testing.assert_allclose(float(tangent), float((num * t).sum()), atol=tol * 10)


def test_the_gradient_of_a_bound_survives_a_backward_pass_and_create_graph():
    x, lo = ag.tensor([0.0, 2.0], requires_grad=True), ag.tensor([1.0, 1.0], requires_grad=True)
    out = ag.clamp(x, min=lo)
    (g_lo,) = ag.autograd.grad((out * out).sum(), [lo], create_graph=True)  # 2·lo where x < lo
    _close(g_lo.data, [2.0, 0.0])
    g_lo.sum().backward()
    _close(lo.grad, [2.0, 0.0])
    y = ag.clamp(x, min=lo)
    y.sum().backward()
    assert type(y.grad_fn).__name__ == "ClampBackward0" and _next_names(y.grad_fn) == "AccumulateGrad|" \
        "AccumulateGrad|None"  # the name and edges kept after the pass freed the node's parameters


@pytest.mark.parametrize("L", LIBS)
def test_a_bound_alone_requiring_grad_and_pytorchs_refusals(L):
    L, _, _ = _library(L)
    lo = _t(L, [1.0, 1.0])
    out = L.clamp(_t(L, [0.0, 2.0], grad=False), min=lo)  # x needs no gradient: the bound still gets its own
    assert _next_names(out.grad_fn) == "None|AccumulateGrad|None"
    out.sum().backward()
    _close(_np(L, lo.grad), [1, 0])
    with pytest.raises(NotImplementedError, match="clamp is not supported for complex types"):
        L.clamp(L.tensor(np.array([1 + 1j, 2j])), lo)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\)"):
        L.clamp(_t(L, [1.0, 2.0, 3.0]), lo)
    assert lo.grad is not None and _np(L, lo.grad).tolist() == [1, 0]  # (the refusals changed nothing)


def test_array_and_number_bounds_beside_a_value_bound_are_constants():
    # PyTorch takes tensors or numbers, not both; here a Value bound may meet an array or a number (constants)
    x, hi = _t(ag, [0.0, 2.0, 5.0]), _t(ag, [3.0, 3.0, 3.0])  # (float64: a float64 array would convert float32)
    out = ag.clamp(x, np.array([1.0, 1.0, 1.0]), hi)
    assert _next_names(out.grad_fn) == "AccumulateGrad|None|AccumulateGrad"
    out.sum().backward()
    _close(x.grad, [0, 1, 0])
    _close(hi.grad, [0, 0, 1])
    out = ag.clamp(x, 1.0, hi)
    _close(out.data, [1.0, 2.0, 3.0])
