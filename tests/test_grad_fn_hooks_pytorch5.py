"""Node hooks where earlier rounds refused them, against PyTorch's side by side in float64 (hooks5):

* one Value as several inputs of one node (addmm(b, a, a), addr(m, v, v), addcmul(a, a, a), block_diag(a, a)):
  grad_inputs keep each input's own gradient, as PyTorch's, before they are summed into the Value's;
* PyTorch's nodes of two outputs that this library computed as one: linalg.eigvals (LinalgEigBackward0, whose
  eigenvectors get no gradient: grad_outputs (g, None)) and triangular_solve (TriangularSolveBackward0 of the
  solution and the copy of A, one GradFn for both);
* quantile and nanquantile, whose nodes now have PyTorch's shapes;
* linear of a matrix (PyTorch's Wᵀ edge gets the weight's gradient transposed). (The nodes whose PyTorch twin lists
  nodes of its own that this library does not record refused register_hook: x[0, 0], cross_entropy of 3-D logits,
  linear of a 3-D input, 2 / x no longer did after test_grad_fn_hooks_pytorch6, an einsum of three operands after
  test_grad_fn_hooks_pytorch9.)

Each case hooks every node of the graph (test_grad_fn_hooks_pytorch4's `_hooked_passes`: a prehook and a hook that
observe, or replace), the calls' arguments and the leaves' gradients compared with PyTorch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _numbers, _pairs, _same
from test_grad_fn_names import _library, run_on

import autograd_core as ag

_RNG = np.random.default_rng(5)
_ARRAYS = {"a": _RNG.standard_normal((3, 3)), "b": _RNG.standard_normal((3, 3)), "v": _RNG.standard_normal(3),
           "c3": _RNG.standard_normal((2, 3, 3)), "x": _RNG.standard_normal((4, 3)), "w": _RNG.standard_normal((2, 3)),
           "bias": _RNG.standard_normal(2)}

# (id, y from (L, F, nn, d)): a Value several inputs of one node
REPEATED = [
    # composites here, PyTorch's one node (one_node.shown_as): each use of the Value is one input's
    ("addmm(b,a,a)", lambda L, F, nn, d: L.addmm(d.b, d.a, d.a)),
    ("a.addmm(a,a)", lambda L, F, nn, d: d.a.addmm(d.a, d.a)),
    ("addmm_beta_alpha", lambda L, F, nn, d: L.addmm(d.a, d.a, d.a, beta=2, alpha=0.5)),
    ("addmm_broadcast", lambda L, F, nn, d: L.addmm(d.v, d.a, d.a)),
    ("addmv(v,a,v)", lambda L, F, nn, d: L.addmv(d.v, d.a, d.v, beta=3, alpha=2)),
    ("addr(a,v,v)", lambda L, F, nn, d: L.addr(d.a, d.v, d.v)),
    ("addr(b,v,v)", lambda L, F, nn, d: L.addr(d.b, d.v, d.v, alpha=2)),
    ("addbmm", lambda L, F, nn, d: L.addbmm(d.a, d.c3, d.c3)),
    ("baddbmm", lambda L, F, nn, d: L.baddbmm(d.c3, d.c3, d.c3)),
    ("addcmul", lambda L, F, nn, d: L.addcmul(d.a, d.a, d.a)),
    ("addcmul_value", lambda L, F, nn, d: L.addcmul(d.a, d.a, d.a, value=-2)),
    ("addcdiv", lambda L, F, nn, d: L.addcdiv(d.a, d.a, d.a)),
    ("block_diag", lambda L, F, nn, d: L.block_diag(d.a, d.a)),
    ("block_diag3", lambda L, F, nn, d: L.block_diag(d.a, d.v, d.a)),
    # one node here too: its rules give each edge's gradient
    ("a@a", lambda L, F, nn, d: d.a @ d.a),
    ("a*a", lambda L, F, nn, d: d.a * d.a),
    ("add(a,a)", lambda L, F, nn, d: L.add(d.a, d.a)),
    ("x.mul(x)", lambda L, F, nn, d: d.a.mul(d.a)),
    ("cat", lambda L, F, nn, d: L.cat([d.a, d.a])),
    ("stack", lambda L, F, nn, d: L.stack([d.a, d.a])),
    ("where", lambda L, F, nn, d: L.where(d.b.detach() > 0, d.a, d.a)),
    ("dot", lambda L, F, nn, d: L.dot(d.v, d.v)),
    # linear: PyTorch's mm (addmm with a bias) of x and TBackward0 of the weight: Wᵀ's gradient, transposed
    ("linear(a,a)", lambda L, F, nn, d: F.linear(d.a, d.a)),
    ("linear(a,a,v)", lambda L, F, nn, d: F.linear(d.a, d.a, d.v)),
    ("linear", lambda L, F, nn, d: F.linear(d.x, d.w, d.bias)),
    ("linear_no_bias", lambda L, F, nn, d: F.linear(d.x, d.w)),
    ("linear_of_linear", lambda L, F, nn, d: F.linear(F.linear(d.x, d.w, d.bias).tanh(), d.w.T)),
]


def _every_node_side_by_side(make, replace, arrays=_ARRAYS):
    (Lo, ours), (Lt, theirs) = ((_library(name)[0], run_on(name, make, arrays)) for name in ("autograd_core", "torch"))
    pairs = _pairs(ours.grad_fn, theirs.grad_fn)
    # (every node this library records: not linear's TBackward0, PyTorch's node shown where linear's does its work)
    picked = [pair for pair in pairs if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path]
    assert [type(a).__name__ for a, _ in picked] == [type(b).__name__ for _, b in picked]
    return _hooked_passes(((Lo, ours, 0), (Lt, theirs, 1)), pairs, picked, replace)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in REPEATED], ids=[case[0] for case in REPEATED])
def test_a_value_several_inputs_gets_each_inputs_gradient(make, replace):
    pytest.importorskip("torch")
    ours, theirs = _every_node_side_by_side(make, replace)
    _same(ours, theirs, 1e-9)


def test_addmm_of_one_value_three_times_gives_each_input_its_gradient():
    """This library's side alone: a.addmm(a, a) = a + a @ a: grad_inputs (g, g @ aᵀ, aᵀ @ g), and the hook's
    replacement of one of them is what a gets with the others."""
    import autograd_core as ag

    m = np.array([[1.0, 2.0], [-1.0, 0.5]])
    g = np.array([[1.0, -2.0], [0.5, 3.0]])
    a = ag.tensor(m, requires_grad=True)
    seen = []
    y = a.addmm(a, a)
    y.grad_fn.register_hook(lambda gi, go: seen.append([np.array(x) for x in gi]) or (gi[0], gi[1] * 0, gi[2]))
    y.backward(ag.tensor(g))
    np.testing.assert_allclose(seen[0][0], g)
    np.testing.assert_allclose(seen[0][1], g @ m.T)
    np.testing.assert_allclose(seen[0][2], m.T @ g)
    np.testing.assert_allclose(a.grad, g + m.T @ g)


def _double_backward(L):
    """addmm(b, a, a) with create_graph: the hook doubles mat2's gradient; then the gradient of a.grad's sum."""
    a = L.tensor(_ARRAYS["a"], dtype=L.float64, requires_grad=True)
    b = L.tensor(_ARRAYS["b"], dtype=L.float64, requires_grad=True)
    y = L.addmm(b, a, a)
    y.grad_fn.register_hook(lambda gi, go: (gi[0], gi[1], gi[2] * 2))
    (ga,) = L.autograd.grad((y * y).sum(), a, create_graph=True)
    (gga,) = L.autograd.grad(ga.sum(), a)
    return _numbers(ga), _numbers(gga)


def test_under_create_graph_each_inputs_gradient_is_differentiable():
    import autograd_core as ag

    ours = _double_backward(ag)
    try:
        import torch
    except ImportError:
        return
    _same(ours, _double_backward(torch), 1e-9)


# ---- PyTorch's nodes of two outputs

_SQUARE = _RNG.standard_normal((3, 3))
_TRIANGLE = np.triu(_RNG.standard_normal((3, 3))) + 3 * np.eye(3)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [lambda L, F, nn, d: L.linalg.eigvals(d.m),
                                  lambda L, F, nn, d: L.linalg.eigvals(d.m @ d.m.T).abs()], ids=["leaf", "chain"])
def test_eigvals_node_is_eigs_of_two_outputs(make, replace):
    pytest.importorskip("torch")
    ours, theirs = _every_node_side_by_side(make, replace, {"m": _SQUARE})
    _same(ours, theirs, 1e-9)


def test_eigvals_hooks_get_none_for_the_eigenvectors():
    import autograd_core as ag

    x = ag.tensor(np.diag([1.0, 2.0]), requires_grad=True)
    y = ag.linalg.eigvals(x)
    seen = []
    y.grad_fn.register_prehook(lambda go: seen.append(len(go)) or (go[0] * 2, None))
    y.grad_fn.register_hook(lambda gi, go: seen.append(go[1]))
    y.real.sum().backward()
    assert seen == [2, None]
    np.testing.assert_allclose(x.grad, 2 * np.eye(2))


def _triangular(L, use, replace, b_grad, transpose, on):
    """triangular_solve's solution X and copy C, a prehook and a hook on `on`'s node, a loss of the outputs `use`."""
    A = L.tensor(_TRIANGLE, dtype=L.float64, requires_grad=True)
    B = L.tensor(_ARRAYS["b"][:, :2], dtype=L.float64, requires_grad=b_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (deprecated in both)
        X, C = L.triangular_solve(B, A, transpose=transpose)
    fn, calls = {"X": X, "C": C}[on].grad_fn, []
    fn.register_prehook(lambda go: calls.append(("pre", [_numbers(g) for g in go]))
                        or (tuple(None if g is None else g * 2 for g in go) if replace else None))
    fn.register_hook(lambda gi, go: calls.append(("post", [_numbers(g) for g in gi], [_numbers(g) for g in go]))
                     or (tuple(None if g is None else g * 3 for g in gi) if replace else None))
    loss = sum((out * L.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)), dtype=L.float64)).sum()
               for name, out in (("X", X), ("C", C)) if name in use)
    loss.backward()
    shown = [(f.name(), [(None if g is None else type(g).__name__, n) for g, n in f.next_functions])
             for f in (X.grad_fn, C.grad_fn)]
    # (B's .grad when only C is used: PyTorch's node sends zeros, this library's pass does not reach B)
    b_grad = _numbers(B.grad) if "X" in use else None
    return calls, _numbers(A.grad), b_grad, shown, X.grad_fn is C.grad_fn, C.output_nr


@pytest.mark.parametrize("on", ["X", "C"])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("b_grad", [True, False])
@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("use", ["X", "C", "XC"])
def test_triangular_solves_node_has_two_outputs(use, replace, b_grad, transpose, on):
    torch = pytest.importorskip("torch")
    import autograd_core as ag

    _same(_triangular(ag, use, replace, b_grad, transpose, on), _triangular(torch, use, replace, b_grad, transpose,
                                                                             on), 1e-9)


def test_triangular_solves_copy_shows_the_solutions_node():
    import autograd_core as ag

    A = ag.tensor(_TRIANGLE, requires_grad=True)
    B = ag.tensor(_ARRAYS["b"][:, :2], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, C = ag.triangular_solve(B, A)
    assert C.grad_fn is X.grad_fn and C.grad_fn.name() == "TriangularSolveBackward0" and C.output_nr == 1
    assert [f.variable for f, _ in C.grad_fn.next_functions] == [B, A]
    seen = []
    X.grad_fn.register_hook(lambda gi, go: seen.append((np.array(gi[0]), go[0])))
    C.sum().backward()
    np.testing.assert_array_equal(seen[0][0], np.zeros((3, 2)))  # (PyTorch's zeros for b)
    assert seen[0][1] is None
    np.testing.assert_array_equal(A.grad, np.ones((3, 3)))


# ---- quantile: PyTorch's nodes, shape for shape (sort, view, gather, lerp, squeeze)

_WITH_NAN = np.where(np.arange(12).reshape(4, 3) == 4, np.nan, _RNG.standard_normal((4, 3)))
QUANTILES = [
    ("all", lambda L, F, nn, d: L.quantile(d.x, 0.3)),
    ("all_keepdim", lambda L, F, nn, d: L.quantile(d.x, 0.3, keepdim=True)),
    ("dim0", lambda L, F, nn, d: L.quantile(d.x, 0.3, dim=0)),
    ("dim0_keepdim", lambda L, F, nn, d: L.quantile(d.x, 0.7, dim=0, keepdim=True)),
    ("last_dim", lambda L, F, nn, d: L.quantile(d.x, 0.5, dim=-1)),
    ("q_vector", lambda L, F, nn, d: L.quantile(d.x, L.tensor([0.2, 0.7], dtype=L.float64), dim=1)),
    ("q_vector_keepdim", lambda L, F, nn, d: L.quantile(d.x, L.tensor([0.2, 0.5, 1.0], dtype=L.float64), dim=0,
                                                        keepdim=True)),
    ("q_vector_all", lambda L, F, nn, d: L.quantile(d.x, L.tensor([0.1, 0.9], dtype=L.float64))),
    ("midpoint", lambda L, F, nn, d: L.quantile(d.x, 0.4, dim=0, interpolation="midpoint")),
    ("lower", lambda L, F, nn, d: L.quantile(d.x, 0.4, dim=0, interpolation="lower")),
    ("nearest_vector", lambda L, F, nn, d: L.quantile(d.x, L.tensor([0.3, 0.6], dtype=L.float64), dim=1,
                                                      interpolation="nearest")),
    ("0d", lambda L, F, nn, d: L.quantile(d.s, 0.3, dim=0)),
    ("nanquantile", lambda L, F, nn, d: L.nanquantile(d.n, 0.4, dim=1)),
    ("nanquantile_vector", lambda L, F, nn, d: L.nanquantile(d.n, L.tensor([0.25, 0.75], dtype=L.float64), dim=0)),
    ("quantile_of_nan", lambda L, F, nn, d: L.quantile(d.n, 0.4, dim=0)),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in QUANTILES], ids=[case[0] for case in QUANTILES])
def test_quantiles_nodes_are_pytorchs(make, replace):
    pytest.importorskip("torch")
    ours, theirs = _every_node_side_by_side(make, replace, {"x": _ARRAYS["c3"].reshape(6, 3)[:4], "n": _WITH_NAN,
                                                            "s": np.array(0.7)})
    _same(ours, theirs, 1e-9)


def test_quantiles_hook_gets_the_lerps_gradients_with_qs_dimension_last():
    """This library's side alone: quantile(x, [q0, q1], dim=1) of x (2, 3) interpolates a (2, 2) of rows × q, as
    PyTorch's lerp does, and the squeeze's grad_inputs are (q, rows, 1)."""
    import autograd_core as ag

    x = ag.tensor(np.array([[1.0, 3.0, 2.0], [0.0, -1.0, 5.0]]), requires_grad=True)
    y = ag.quantile(x, ag.tensor([0.25, 0.5]), dim=1)
    shapes = []
    y.grad_fn.register_hook(lambda gi, go: shapes.append((gi[0].shape, go[0].shape)))
    lerp = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert lerp.name() == "LerpBackward1"
    lerp.register_hook(lambda gi, go: shapes.append((gi[0].shape, go[0].shape)))
    y.sum().backward()
    assert shapes == [((2, 2, 1), (2, 2)), ((2, 2), (2, 2))]


def test_triangular_solves_copy_changed_in_place_is_another_node():
    import autograd_core as ag

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, C = ag.triangular_solve(ag.tensor(_ARRAYS["b"][:, :2], requires_grad=True),
                                   ag.tensor(_TRIANGLE, requires_grad=True))
    C.mul_(2)
    assert C.grad_fn.name() == "MulBackward0" and X.grad_fn.name() == "TriangularSolveBackward0"


def _cross_entropy_hooked(L, logits, labels, reduction, replace):
    """A hook on cross_entropy's NllLossBackward0 in library L: (what it saw, the logits' gradient), the loss weighted
    by cos(index) when not reduced; the hook doubles its grad_inputs when `replace`."""
    x = L.tensor(logits, requires_grad=True)
    loss = L.nn.functional.cross_entropy(x, L.tensor(labels), reduction=reduction)
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append([np.array(t.detach().numpy() if hasattr(t, "detach") and L is not ag else np.asarray(t))
                     for t in (*grad_inputs, *grad_outputs)])
        return (grad_inputs[0] * 2,) if replace else None

    loss.grad_fn.register_hook(hook)
    (loss * L.tensor(np.cos(np.arange(loss.numel())).reshape(tuple(loss.shape)))).sum().backward()
    return seen, np.asarray(x.grad)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 2, 2)], ids=["batch", "one sample", "images"])
def test_cross_entropys_node_sends_its_log_softmax_pytorchs_gradient(shape, reduction, replace):
    """NllLossBackward0's grad_inputs: the gradient at log_softmax's output, −g·onehot (+0 off the labels); a
    replacement goes on through LogSoftmaxBackward0's rule to the logits, as in PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits = rng.standard_normal(shape)
    labels = rng.integers(0, shape[0] if len(shape) == 1 else shape[1], () if len(shape) == 1 else
                          (shape[0],) + shape[2:])
    (ours, our_grad), (theirs, their_grad) = (_cross_entropy_hooked(L, logits, labels, reduction, replace)
                                              for L in (ag, torch))
    assert len(ours) == len(theirs) == 1
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        assert np.array_equal(np.signbit(a), np.signbit(b))  # (zeros off the labels are +0, as PyTorch's)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12, atol=1e-15)


def test_cross_entropys_node_hook_without_pytorch():
    """The same numbers by hand: mean over 2 samples of classes 3; the hook's doubled gradient doubles the logits'."""
    logits, labels = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([2, 0])
    seen, doubled = _cross_entropy_hooked(ag, logits, labels, "mean", replace=True)
    np.testing.assert_array_equal(seen[0][0], [[0.0, 0.0, -0.5], [-0.5, 0.0, 0.0]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(doubled, 2 * (p - onehot) / 2, rtol=1e-13)
