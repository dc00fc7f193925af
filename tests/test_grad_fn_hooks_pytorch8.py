"""Node hooks against PyTorch's side by side in float64, round 8:

* matmul of a constant vector on the left and a stack that requires grad (v @ stack): PyTorch's UnsafeViewBackward0
  over BmmBackward0, whose output is (batch, 1, n) (the vector is one row, expanded over the batch): a hook on the top
  node gets grad_inputs of that shape (grad_fn_hook_inputs' shape of the node under the view); a constant vector on
  the right of a stack out of row order (PyTorch's bmm of a column, then SqueezeBackward1 under the view, whose hook
  this library refused); with their neighbours (4-D stacks, both requiring grad), which PyTorch folds into mv;
* group_norm with a weight and no bias, or a bias and no weight (nn.GroupNorm(bias=False) too): PyTorch's one
  NativeGroupNormBackward0 listing (input, weight, bias), None for the one not given, not MulBackward0 or AddBackward0
  over the normalisation (a bias alone is compared with PyTorch's group_norm of a constant weight of ones, whose
  backward runs: `_bias_alone`).

Each case: the whole chain of names (down to AccumulateGrad) is PyTorch's, the value and gradients of Σ y·cos(k)
are, and a prehook and a hook on every node (which observe, or replace: test_grad_fn_hooks_pytorch4.py's) are called
with PyTorch's arguments, the leaves' gradients then PyTorch's too."""

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _pairs, _same
from test_grad_fn_names import _chain, _library, run_on, values_and_gradients

_RNG = np.random.default_rng(8)
_ARRAYS = {
    "v": _RNG.standard_normal(3), "u": _RNG.standard_normal(5), "c3": _RNG.standard_normal((2, 3, 5)),
    "c4": _RNG.standard_normal((2, 2, 3, 5)), "c1": _RNG.standard_normal((1, 3, 5)),
    "t3": _RNG.standard_normal((2, 5, 3)),
    "x": _RNG.standard_normal((2, 4, 3)), "x4": _RNG.standard_normal((2, 4, 2, 3)), "x2": _RNG.standard_normal((3, 4)),
    "w": _RNG.standard_normal(4), "b": _RNG.standard_normal(4),
}

# (id, y from (L, F, nn, d)); the cases whose hooks the base commit got wrong
_VECTOR_LEFT = [
    ("vconst@c3", lambda L, F, nn, d: d.v.detach() @ d.c3),
    ("vconst@c4", lambda L, F, nn, d: d.v.detach() @ d.c4),
    ("matmul(vconst,c3)", lambda L, F, nn, d: L.matmul(d.v.detach(), d.c3)),
    ("vconst@c3.tanh()", lambda L, F, nn, d: d.v.detach() @ d.c3.tanh()),
    ("vconst@c4.transpose(0,1)", lambda L, F, nn, d: d.v.detach() @ d.c4.transpose(0, 1)),
    # a stack out of row order and a constant vector on the right: PyTorch's bmm of a column, squeezed, under the view
    ("t3.mT@uconst", lambda L, F, nn, d: d.t3.transpose(1, 2) @ d.u.detach()),
    ("t4.mT@uconst", lambda L, F, nn, d: d.c4.transpose(-1, -2).transpose(0, 1) @ d.v.detach()),
]
# the neighbours, which the base commit got right: a batch of one, both requiring grad, a vector on the right, a
# stack transposed
_NEIGHBOURS = [
    ("vconst@c1", lambda L, F, nn, d: d.v.detach() @ d.c1),
    ("v@c3", lambda L, F, nn, d: d.v @ d.c3),
    ("v@c4", lambda L, F, nn, d: d.v @ d.c4),
    ("c3@uconst", lambda L, F, nn, d: d.c3 @ d.u.detach()),
    ("c4@uconst", lambda L, F, nn, d: d.c4 @ d.u.detach()),
    ("c3@u", lambda L, F, nn, d: d.c3 @ d.u),
    ("vconst@t3.mT", lambda L, F, nn, d: d.v.detach() @ d.t3.transpose(1, 2).transpose(1, 2).transpose(1, 2)),
]
_GROUP_NORM = [
    ("group_norm_weight", lambda L, F, nn, d: F.group_norm(d.x, 2, weight=d.w)),
    ("group_norm_weight_bias_None", lambda L, F, nn, d: F.group_norm(d.x, 2, d.w, None)),
    ("group_norm_bias", lambda L, F, nn, d: _bias_alone(L, F, d.x, 2, d.b)),
    ("group_norm_weight_4d", lambda L, F, nn, d: F.group_norm(d.x4, 4, weight=d.w, eps=1e-3)),
    ("group_norm_weight_2d", lambda L, F, nn, d: F.group_norm(d.x2, 1, weight=d.w)),
    ("group_norm_weight_const", lambda L, F, nn, d: F.group_norm(d.x, 2, weight=d.w.detach())),
    ("group_norm_bias_of_a_node", lambda L, F, nn, d: _bias_alone(L, F, d.x.tanh(), 4, d.b * 2)),
    ("GroupNorm_bias_False", lambda L, F, nn, d: nn.GroupNorm(2, 4, bias=False).double()(d.x)),
    ("GroupNorm_bias_False_weight_set", lambda L, F, nn, d: _with_weight(nn.GroupNorm(2, 4, bias=False), L, d)(d.x4)),
]


def _bias_alone(L, F, x, groups, bias):
    """group_norm(x, groups, bias=bias); in PyTorch with a constant weight of ones, the same function and the same
    chain (its node lists None for the weight either way): PyTorch 2.13's backward of group_norm with a bias alone
    fails ("tensor does not have a device")."""
    if L.__name__ == "torch":
        return F.group_norm(x, groups, weight=L.ones(x.shape[1], dtype=x.dtype), bias=bias)
    return F.group_norm(x, groups, bias=bias)


def _with_weight(module, L, d):
    module = module.double()
    with L.no_grad():
        module.weight.copy_(d.w)
    return module


def _array(t):
    """A tensor's or a hook's gradient's numbers, as an array of its own."""
    return np.array(t.detach().numpy() if hasattr(t, "detach") else t)


def _side_by_side(make, replace):
    """The chains, values and gradients of make's y in both libraries, and the hooks' calls on every node of it."""
    ours, our_grads = values_and_gradients("autograd_core", make, _ARRAYS)
    theirs, their_grads = values_and_gradients("torch", make, _ARRAYS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)
    for a, b in zip(our_grads, their_grads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)
    (Lo, y_ours), (Lt, y_theirs) = ((_library(name)[0], run_on(name, make, _ARRAYS))
                                    for name in ("autograd_core", "torch"))
    assert _chain(y_ours.grad_fn, depth=40) == _chain(y_theirs.grad_fn, depth=40)
    pairs = _pairs(y_ours.grad_fn, y_theirs.grad_fn)
    picked = [pair for pair in pairs if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path]
    results = _hooked_passes(((Lo, y_ours, 0), (Lt, y_theirs, 1)), pairs, picked, replace)
    _same(results[0], results[1], 1e-9)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("case", _VECTOR_LEFT, ids=[case[0] for case in _VECTOR_LEFT])
def test_hooks_on_a_constant_vector_times_a_stack_are_pytorchs(case, replace):
    """v @ stack, v a constant vector: the top's hook gets PyTorch's grad_inputs, of bmm's (batch, 1, n)."""
    pytest.importorskip("torch")
    _side_by_side(case[1], replace)


def test_the_top_of_a_constant_vector_times_a_stack_gets_bmms_shape():
    """The hook's grad_inputs and grad_outputs on UnsafeViewBackward0 of v @ stack: PyTorch's shapes and numbers,
    (4, 1, 5) for a stack (2, 2, 3, 5)."""
    pytest.importorskip("torch")
    calls = []
    for library in ("autograd_core", "torch"):
        y = run_on(library, _VECTOR_LEFT[1][1], _ARRAYS)
        seen = []
        y.grad_fn.register_hook(lambda gi, go, seen=seen: seen.append([_array(g) for g in (*gi, *go)]))
        (y * y).sum().backward()
        calls.append(seen)
    (ours,), (theirs,) = calls
    assert [a.shape for a in ours] == [b.shape for b in theirs] == [(4, 1, 5), (2, 2, 5)]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
def test_hooks_on_the_neighbours_of_a_constant_vector_times_a_stack_are_pytorchs(replace):
    """The cases around v @ stack (a batch of one, both requiring grad, a vector on the right, a stack of 4 dims or
    out of row order) with it: every node's hooks are PyTorch's."""
    pytest.importorskip("torch")
    for _, make in _NEIGHBOURS + _VECTOR_LEFT[:1]:
        _side_by_side(make, replace)


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("case", _GROUP_NORM, ids=[case[0] for case in _GROUP_NORM])
def test_group_norm_with_one_of_weight_and_bias_is_pytorchs_one_node(case, replace):
    """group_norm with a weight alone or a bias alone: NativeGroupNormBackward0 over (input, weight, bias), None for
    the other, and its hooks' arguments PyTorch's."""
    pytest.importorskip("torch")
    _side_by_side(case[1], replace)


def test_group_norm_of_a_weight_alone_in_a_double_backward_is_pytorchs():
    """A hook on group_norm's node (a weight alone) in a backward pass with create_graph: its grad_inputs are
    PyTorch's (dx, dweight, None), and the gradients of the first gradients are PyTorch's. (Not compared: the hook's
    call in the second pass, which PyTorch makes and this library does not, with a bias too.)"""
    pytest.importorskip("torch")
    results = []
    for library in ("autograd_core", "torch"):
        L, F, _ = _library(library)
        x, w = (L.tensor(_ARRAYS[k], requires_grad=True) for k in ("x", "w"))
        y = F.group_norm(x, 2, weight=w)
        seen = []
        y.grad_fn.register_hook(lambda gi, go, seen=seen: seen.extend(None if g is None else _array(g) for g in gi))
        gx, gw = L.autograd.grad((y * L.tensor(np.cos(np.arange(24)).reshape(2, 4, 3))).sum(), (x, w),
                                 create_graph=True)
        first = list(seen)  # (the first pass's call: PyTorch 2.13 calls the hook again in the second pass)
        hx, hw = L.autograd.grad((gx * gx).sum() + (gw * gw).sum(), (x, w))
        results.append((first, [_array(t) for t in (gx, gw, hx, hw)]))
    (our_calls, ours), (their_calls, theirs) = results
    assert [None if a is None else a.shape for a in our_calls] == [None if b is None else b.shape
                                                                   for b in their_calls] == [(2, 4, 3), (4,), None]
    for a, b in zip(our_calls[:2] + ours, their_calls[:2] + theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
