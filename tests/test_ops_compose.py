"""Random compositions: Hypothesis draws expression trees over the op catalogue and a shape (m, n); each
tree is checked against finite differences (gradcheck) and against HIPS autograd (values and gradients
to 1e-10 relative).

Every node keeps the shape (m, n) of its two inputs x and y, so any node can feed any other: reductions
come back by broadcasting (`y + max(x, axis=0)`), matrix products by `x @ yᵀ @ z`, joins by slicing.
Unbounded functions are used in bounded forms (exp(-x²), log(x² + 1)) so that deep trees stay finite.
Trees that put a kink (relu, abs, clip, maximum, max over ties) within 1e-3 of its input are rejected,
since there the derivative is a convention, not a limit that finite differences can see.
"""

import warnings

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_ops_backends import OURS, backend

from autograd_core import Value, engine, gradcheck

# name -> fn(B, a): shape-preserving unary nodes
UNARY = {
    "tanh": lambda B, a: B.tanh(a),
    "sin": lambda B, a: B.sin(a),
    "cos": lambda B, a: B.cos(a),
    "sigmoid": lambda B, a: B.sigmoid(a),
    "neg": lambda B, a: -a,
    "square": lambda B, a: a * a,
    "gauss": lambda B, a: B.exp(-a * a),
    "log1p_sq": lambda B, a: B.log(a * a + 1),
    "sqrt": lambda B, a: B.sqrt(a * a + 0.5),
    "pow": lambda B, a: (a * a + 1) ** -0.75,
    "rpow": lambda B, a: 2 ** B.tanh(a),
    "relu": lambda B, a: B.relu(a),
    "abs": lambda B, a: B.abs(a),
    "leaky_relu": lambda B, a: B.leaky_relu(a, 0.1),
    "clip": lambda B, a: B.clip(a, -0.5, 0.5),
    "flip": lambda B, a: B.transpose(B.reshape(a, a.shape[::-1]), None),
    "swap": lambda B, a: B.swapaxes(B.reshape(a, a.shape[::-1]), 0, 1),
    "roll": lambda B, a: B.concatenate([B.getitem(a, slice(1, None)), B.getitem(a, slice(None, 1))], axis=0),
    # PyTorch's further functions (ops/special.py, ops/scan.py, ops/index.py), in bounded forms as above
    "log1p": lambda B, a: B.log1p(a * a),
    "expm1": lambda B, a: B.expm1(-a * a),
    "atan": lambda B, a: B.atan(a),
    "asin": lambda B, a: B.asin(B.tanh(a) * 0.9),
    "tan": lambda B, a: B.tan(B.tanh(a)),
    "sinh": lambda B, a: B.sinh(B.tanh(a)),
    "cosh": lambda B, a: B.cosh(B.tanh(a)),
    "asinh": lambda B, a: B.asinh(a),
    "acosh": lambda B, a: B.acosh(a * a + 1.5),
    "atanh": lambda B, a: B.atanh(B.tanh(a) * 0.9),
    "cumsum0": lambda B, a: B.cumsum(a, 0),
    "cumsum1": lambda B, a: B.cumsum(a, 1),
    "cumprod": lambda B, a: B.cumprod(B.sigmoid(a) + 0.5, 1),
    "flip_both": lambda B, a: B.flip(a, (0, 1)),
    "tril": lambda B, a: B.tril(a),
}
BINARY = {
    "add": lambda B, a, b: a + b,
    "sub": lambda B, a, b: a - b,
    "mul": lambda B, a, b: a * b,
    "div": lambda B, a, b: a / (b * b + 1),
    "pow": lambda B, a, b: (a * a + 1) ** B.tanh(b),
    "maximum": lambda B, a, b: B.maximum(a, b),
    "minimum": lambda B, a, b: B.minimum(a, b),
    "matmul": lambda B, a, b: B.matmul(B.matmul(a, B.transpose(b, None)), a) * 0.5,
    "stack": lambda B, a, b: B.mean(B.stack([a, b], axis=2), axis=2),
    "interleave": lambda B, a, b: B.getitem(B.concatenate([a, b], axis=0), slice(None, None, 2)),
    "atan2": lambda B, a, b: B.atan2(a, b * b + 1),
    "logaddexp": lambda B, a, b: B.logaddexp(a, b),
    "einsum": lambda B, a, b: B.einsum("ik,jk,jl->il", a, b, a) * 0.5,
}


def _reduction(name, axis):
    # An (m,) result would not broadcast against (m, n): keep dims for axis 1 (and, for variety, None).
    keepdims = axis != 0
    if name in ("softmax", "log_softmax"):
        return lambda B, a, b: getattr(B, name)(a, axis=-1 if axis is None else axis) * b
    return lambda B, a, b: b + getattr(B, name)(a, axis=axis, keepdims=keepdims)


for _name in ["sum", "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax"]:
    for _axis in (None, 0, 1):
        BINARY[f"{_name}-axis{_axis}"] = _reduction(_name, _axis)


def _picks(n):
    """n indices into an axis of length n, with a repeat when n = 3: [0], [1, 0], [2, 0, 0]."""
    return np.array([n - 1, 0, 0])[:n]


UNARY["gather_rows"] = lambda B, a: B.getitem(a, _picks(a.shape[0]))
UNARY["gather_cols"] = lambda B, a: B.getitem(a, (slice(None), _picks(a.shape[1])))
_MASK = np.random.default_rng(0).random((3, 3)) > 0.5
BINARY["where"] = lambda B, a, b: B.where(_MASK[: a.shape[0], : a.shape[1]], a, b)

TREES = st.recursive(
    st.sampled_from([("leaf", 0), ("leaf", 1)]),
    lambda children: st.one_of(st.tuples(st.sampled_from(sorted(UNARY)), children),
                               st.tuples(st.sampled_from(sorted(BINARY)), children, children)),
    max_leaves=8,
)


def _array(v):
    return np.asarray(v.data if isinstance(v, Value) else v)


def _top_gap(a, axis, smallest):
    """The smallest gap between the two largest (or smallest) elements along axis: 0 means a tie."""
    flat = a.reshape(-1) if axis is None else np.moveaxis(a, axis, -1)
    if flat.shape[-1] < 2:
        return np.inf
    s = np.sort(flat, axis=-1)
    return np.min((s[..., 1] - s[..., 0]) if smallest else (s[..., -1] - s[..., -2]))


def kink_margin(name, a, b=None):
    """How far the input of node `name` is from a kink or a tie (inf for smooth nodes)."""
    a = _array(a)
    if name in ("relu", "abs", "leaky_relu"):
        return np.abs(a).min()
    if name == "clip":
        return np.minimum(np.abs(a - 0.5), np.abs(a + 0.5)).min()
    if name in ("maximum", "minimum"):
        return np.abs(a - _array(b)).min()
    if name.startswith(("max-", "min-")):
        axis = name.split("axis")[1]
        return _top_gap(a, None if axis == "None" else int(axis), smallest=name.startswith("min"))
    return np.inf


def evaluate(tree, B, leaves, margins=None):
    """The value of `tree` on backend B; `margins` (a list) collects each kink's distance to its kink."""
    if tree[0] == "leaf":
        return leaves[tree[1]]
    args = [evaluate(t, B, leaves, margins) for t in tree[1:]]
    if margins is not None:
        margins.append(kink_margin(tree[0], *args))
    return (UNARY if len(args) == 1 else BINARY)[tree[0]](B, *args)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tree=TREES, m=st.integers(1, 3), n=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_random_composition(tree, m, n, seed):
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal((m, n)), rng.standard_normal((m, n))]
    margins = []
    leaves = [Value(x) for x in inputs]
    out = evaluate(tree, OURS, leaves, margins)
    assume(min(margins, default=np.inf) > 1e-3)
    assume(np.all(np.isfinite(out.data)) and np.all(np.abs(out.data) < 1e6))
    w = rng.standard_normal(out.shape)

    loss = (out * w).sum()
    grads = [np.zeros_like(x) if g is None else g for g, x in zip(engine.grad(loss, leaves, allow_unused=True), inputs)]

    # Finite differences.
    assert gradcheck(lambda x, y: evaluate(tree, OURS, [x, y]), inputs, atol=1e-5, rtol=1e-4)

    # HIPS autograd, 1e-10 relative (with the array's scale as the floor for elements that cancel to ~0).
    import autograd

    B = backend("autograd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "output seems independent of input"
        value = evaluate(tree, B, inputs)
        ref_grads = [autograd.grad(lambda x, y: (evaluate(tree, B, [x, y]) * w).sum(), i)(*inputs) for i in (0, 1)]
    for ours, theirs in [(out.data, value)] + list(zip(grads, ref_grads)):
        theirs = np.broadcast_to(theirs, np.shape(ours))
        scale = max(1.0, float(np.max(np.abs(theirs), initial=0.0)))
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10 * scale)


def test_catalogue_evaluates_on_every_shape():
    # Every entry of the catalogue keeps the shape (m, n), for all the shapes the random test draws.
    for m in (1, 2, 3):
        for n in (1, 2, 3):
            x = Value(np.random.default_rng(0).standard_normal((m, n)))
            for name in UNARY:
                assert evaluate((name, ("leaf", 0)), OURS, [x, x]).shape == (m, n), name
            for name in BINARY:
                assert evaluate((name, ("leaf", 0), ("leaf", 1)), OURS, [x, x * 2]).shape == (m, n), name
