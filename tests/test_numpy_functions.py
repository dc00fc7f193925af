"""NumPy's functions on Values (numpy_functions.py): the common ones build graph nodes with NumPy's semantics; any
other function that would hand back numbers without a graph from a Value that requires grad is refused."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, no_grad

X = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])

# (name, NumPy's call on a Value, the same with Value operations): equal values, and equal gradients.
CASES = [
    ("where", lambda v: np.where(v.data > 0, v, 0.1 * v), lambda v: ag.where(v.data > 0, v, 0.1 * v)),
    ("concatenate", lambda v: np.concatenate([v, v * 2.0], axis=1), lambda v: ag.concatenate([v, v * 2.0], axis=1)),
    ("concatenate-flat", lambda v: np.concatenate([v, np.ones(2)], axis=None),
     lambda v: ag.concatenate([v.reshape(-1), Value(np.ones(2), requires_grad=False)])),
    ("stack", lambda v: np.stack([v, v * v], axis=-1), lambda v: ag.stack([v, v * v], axis=-1)),
    ("clip", lambda v: np.clip(v, -1.0, 1.0), lambda v: v.clip(-1.0, 1.0)),
    ("dot-vectors", lambda v: np.dot(v[0], v[1]), lambda v: (v[0] * v[1]).sum()),
    ("dot-matrices", lambda v: np.dot(v, v.T), lambda v: v @ v.T),
    ("sum", lambda v: np.sum(v, axis=1, keepdims=True), lambda v: v.sum(axis=1, keepdims=True)),
    ("mean", lambda v: np.mean(v), lambda v: v.mean()),
    ("max", lambda v: np.max(v, axis=0), lambda v: v.max(axis=0)),
    ("amin", lambda v: np.amin(v, axis=1), lambda v: v.min(axis=1)),
    ("prod", lambda v: np.prod(v, axis=0), lambda v: v.prod(axis=0)),
    ("var-numpy-ddof", lambda v: np.var(v, axis=1), lambda v: v.var(axis=1, ddof=0)),
    ("std-ddof1", lambda v: np.std(v, ddof=1), lambda v: v.std(ddof=1)),
    ("reshape", lambda v: np.reshape(v, (3, 2)), lambda v: v.reshape(3, 2)),
    ("transpose", lambda v: np.transpose(v), lambda v: v.T),
    ("ravel", lambda v: np.ravel(v), lambda v: v.reshape(-1)),
    ("swapaxes", lambda v: np.swapaxes(v, 0, 1), lambda v: v.swapaxes(0, 1)),
    ("broadcast_to", lambda v: np.broadcast_to(v, (4, 2, 3)), lambda v: v.expand(4, 2, 3)),
    ("linalg.norm", lambda v: np.linalg.norm(v), lambda v: (v * v).sum().sqrt()),
]


@pytest.mark.parametrize("name, numpy_call, ours", CASES, ids=[c[0] for c in CASES])
def test_numpy_functions_on_values_build_the_graph(name, numpy_call, ours):
    a, b = Value(X.copy()), Value(X.copy())
    out, expected = numpy_call(a), ours(b)
    assert isinstance(out, Value) and out.requires_grad
    np.testing.assert_allclose(out.data, expected.data, rtol=1e-14)
    np.testing.assert_allclose(out.data, numpy_call(Value(X.copy(), requires_grad=False)).data, rtol=1e-14)
    seed = np.random.default_rng(0).standard_normal(np.shape(out.data))
    (out * seed).sum().backward()
    (expected * seed).sum().backward()
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-13, atol=1e-15)


def test_var_and_std_keep_numpys_default_ddof_of_zero():
    assert float(np.var(Value(X)).data) == pytest.approx(np.var(X))
    assert float(np.std(Value(X)).data) == pytest.approx(np.std(X))


def test_other_functions_refuse_to_drop_a_gradient_silently():
    v = Value(X.copy())
    for call in (lambda: np.sort(v), lambda: np.cumsum(v), lambda: np.round(v, 2), lambda: np.percentile(v, 50)):
        with pytest.raises(TypeError, match=r"np\.\w+ on a Value that requires grad gives numbers without a graph"):
            call()
    # numbers without gradient: as NumPy gives them
    np.testing.assert_array_equal(np.sort(Value(X, requires_grad=False)), np.sort(X))
    with no_grad():
        np.testing.assert_array_equal(np.cumsum(v), np.cumsum(X))
    np.testing.assert_array_equal(np.sort(v.detach()), np.sort(X))
    # shapes, indices and truth values pass
    assert np.shape(v) == (2, 3) and np.ndim(v) == 2 and np.size(v) == 6
    np.testing.assert_array_equal(np.argsort(v), np.argsort(X))
    assert np.allclose(v, X) and np.array_equal(v, X)
    snapshot = np.copy(v)  # the numbers asked for, as np.asarray(v) gives them
    assert snapshot.__class__ is np.ndarray and not np.shares_memory(snapshot, v.data)
    assert np.where(v.data > 0)[0].tolist() == [0, 0, 1, 1]
    with pytest.raises(TypeError, match=r"np.sum\(\.\.\., out=\.\.\.\) on Values"):
        np.sum(v, out=np.empty(()))
