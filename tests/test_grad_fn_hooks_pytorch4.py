"""Node hooks on PyTorch's one node that this library records as several (one_node.shown_as: x.norm(p=1) is a sum
of abs here, repeat a view, broadcast and view, ...), against PyTorch's, side by side in float64: every relabelled
node of the grad_fn name tests' cases gets a prehook and a hook in both libraries (nodes paired by walking
next_functions together), which observe, or replace (the prehook doubles grad_outputs, the hook triples
grad_inputs); the calls' arguments and the leaves' gradients are PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import test_grad_fn_names4
import test_grad_fn_names5
import test_grad_fn_names6
import test_grad_fn_names7
from autograd_core.grad_fn_names import hook_refusal
from test_grad_fn_names import _library

# (the cases of test_grad_fn_names2.py and 3 have no relabelled node)
_MODULES = (test_grad_fn_names4, test_grad_fn_names5, test_grad_fn_names6, test_grad_fn_names7)


def _inputs_of(module, L):
    if hasattr(module, "_Inputs"):
        return module._Inputs(L)
    return module._inputs(L)


def _relabelled(fn):
    """Whether our GradFn fn is the last node of several that PyTorch records as one (not a node of several
    outputs: grad_fn_hooks' other case)."""
    from autograd_core.grad_fn import GradFn

    return (isinstance(fn, GradFn) and not fn._path and getattr(fn._node._op, "grad_fn_input", None) is not None
            and fn._shared() is None)


def _pairs(ours, theirs):
    """(our GradFn, PyTorch's) for each node reached from both by next_functions together, each once."""
    seen, found, stack = set(), [], [(ours, theirs)]
    while stack:
        a, b = stack.pop()
        if a is None or b is None or a in seen:
            continue
        seen.add(a)
        found.append((a, b))
        if type(a).__name__ != "AccumulateGrad":
            stack.extend(zip((f for f, _ in a.next_functions), (f for f, _ in b.next_functions)))
    return found


def _numbers(g):
    if g is None:
        return None
    g = g.detach() if hasattr(g, "detach") else g
    a = np.array(g.numpy() if hasattr(g, "numpy") and not isinstance(g, np.ndarray) else g)
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _build(module, make, library):
    L, F, nn = _library(library)
    L.manual_seed(0)
    return L, make(L, F, nn, _inputs_of(module, L))


def _hooked(L, fn, calls, replace, post=None):
    """A prehook and a hook on fn that append their arguments to calls; the prehook doubles the gradients it gets if
    replace, the hook triples its grad_inputs if post (default: replace)."""
    post = replace if post is None else post

    def prehook(grad_outputs):
        calls.append(("pre", [_numbers(g) for g in grad_outputs]))
        if replace:
            return tuple(None if g is None else g * 2 for g in grad_outputs)

    def hook(grad_inputs, grad_outputs):
        calls.append(("post", [_numbers(g) for g in grad_inputs], [_numbers(g) for g in grad_outputs]))
        if post:
            return tuple(None if g is None else g * 3 for g in grad_inputs)

    fn.register_prehook(prehook)
    fn.register_hook(hook)


def _side_by_side(module, make, replace):
    """(our calls, PyTorch's calls, our leaves' gradients, PyTorch's), with hooks on each relabelled node; None where
    the case has no relabelled node."""
    Lo, ours = _build(module, make, "autograd_core")
    Lt, theirs = _build(module, make, "torch")
    pairs = _pairs(ours.grad_fn, theirs.grad_fn)
    picked = [(a, b) for a, b in pairs if _relabelled(a) and hook_refusal(a._node) is None]
    if not picked:
        return None
    return _hooked_passes(((Lo, ours, 0), (Lt, theirs, 1)), pairs, picked, replace)


def _hooked_passes(sides, pairs, picked, replace):
    """For each (L, y, side) of `sides` (ours 0, PyTorch's 1): a prehook and a hook (`_hooked`) on the side's node of
    each pair in `picked`, then a backward pass of y weighted by cos(index). Returns [(the hooks' calls, the gradients
    of the leaves among `pairs`)] per side."""
    result = []
    for L, y, side in sides:
        calls = []
        for pair in picked:
            _hooked(L, pair[side], calls, replace)
        leaves = [pair[side].variable for pair in pairs if type(pair[0]).__name__ == "AccumulateGrad"]
        weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))).to(y.dtype)
        loss = (y * weights).sum()
        (loss.real if loss.is_complex() else loss).backward()
        result.append((calls, [_numbers(leaf.grad) for leaf in leaves]))
    return result


# Cases whose PyTorch backward fails below the hooked node (torch.vander's and cond's copies in place), or whose
# singular vectors are PyTorch's up to a phase (svd's complex V): test_grad_fn_hooks_pytorch7.py hooks them its way
_ELSEWHERE = {"vander", "vander_N2", "vander_increasing", "cond_1", "cond_-1", "cond_inf", "cond_-inf_batched",
              "cond_fro", "torch.svd_complex_V"}


def _cases():
    return [pytest.param(module, case, id=f"{module.__name__[len('test_grad_fn_names'):]}-{case[0]}")
            for module in _MODULES for case in module.CASES
            if case[0] != "Conv1d" and case[0] not in _ELSEWHERE]  # (Conv1d: each library's random weights)


def _same(a, b, rtol):
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _same(x, y, rtol)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.shape == b.shape, (a, b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)
    else:
        assert a == b


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("module, case", _cases())
def test_hooks_on_a_relabelled_node_are_pytorchs(module, case, replace):
    pytest.importorskip("torch")
    both = _side_by_side(module, case[-1], replace)
    if both is None:
        return
    (our_calls, our_grads), (their_calls, their_grads) = both
    rtol = 1e-9
    _same(our_calls, their_calls, rtol)
    _same(our_grads, their_grads, rtol)


@pytest.mark.parametrize("name", ["4-norm_p1", "4-matrix_norm_1", "4-repeat", "4-gather", "4-flip", "4-conv1d",
                                  "5-lu_solve", "5-addmm_method", "6-tensorinv"])
def test_the_cases_hook_relabelled_nodes(name):
    """The walk finds these relabelled nodes to hook (the test above can fail: it does not return early on them)."""
    pytest.importorskip("torch")
    module, case = next(p.values for p in _cases() if p.id == name)
    assert _side_by_side(module, case[-1], False) is not None


# ---- this library's side alone (no PyTorch needed)

def test_a_hook_on_the_sum_of_abs_gets_the_inputs_gradient_and_may_replace_it():
    """x.norm(p=1) is sum(abs(x)) here, one LinalgVectorNormBackward0 there: the hook gets x's gradient (sign(x)),
    not the sum's input's, and what it returns is what x gets."""
    import autograd_core as ag

    a = np.array([[1.0, -2.0], [3.0, -4.0]])
    x = ag.tensor(a, requires_grad=True)
    y = x.norm(p=1)
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append((np.array(gi[0]), float(go[0]))) or (gi[0] * 5,))
    y.backward()
    np.testing.assert_array_equal(seen[0][0], np.sign(a))
    assert seen[0][1] == 1.0
    np.testing.assert_array_equal(x.grad, 5 * np.sign(a))


def test_a_prehooks_replacement_flows_into_the_chain():
    import autograd_core as ag

    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.repeat(2, 1)
    y.grad_fn.register_prehook(lambda go: (go[0] * 0 + 1,))
    got = []
    y.grad_fn.register_hook(lambda gi, go: got.append(np.array(gi[0])))
    (y * 7).sum().backward()
    np.testing.assert_array_equal(got[0], np.full((2, 3), 2.0))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


@pytest.mark.parametrize("make, register, words", [
    # (one LU factor as both lu_solve's LU and its B; hypot(x, x), an unsorted pack_padded_sequence and einsum of
    # three operands hook as PyTorch's since hooks8, test_grad_fn_hooks_pytorch9)
    (lambda ag, x: (lambda lu: ag.linalg.lu_solve(*lu, lu[0]))(ag.linalg.lu_factor(x[:3] + 3 * ag.eye(3))),
     "register_hook", "several of its inputs"),
])
def test_hooks_that_could_not_be_pytorchs_are_refused(make, register, words):
    import autograd_core as ag
    import autograd_core.nn.functional  # noqa: F401

    x = ag.tensor(np.arange(12.0).reshape(4, 3) / 5, requires_grad=True)
    fn = make(ag, x).grad_fn
    args = (lambda *a: None,)
    with pytest.raises(RuntimeError, match=words):
        getattr(fn, register)(*args)


# ---- a GradFn fetched before an in-place change is the old version's node, as PyTorch's

def _fetched_then_changed(L, make, register, replace):
    """gf = y.grad_fn; y.mul_(2); a hook on gf (register: "hook" or "prehook") and a prehook on the new node: the
    calls, x's gradient, and both nodes' names."""
    x = L.tensor([1.0, -2.0, 3.0], dtype=L.float64, requires_grad=True)
    y = make(x)
    gf = y.grad_fn
    y.mul_(2)
    calls = []
    if register == "hook":
        gf.register_hook(lambda gi, go: calls.append(("old", [_numbers(g) for g in gi], [_numbers(g) for g in go]))
                         or ((gi[0] * 10,) + gi[1:] if replace else None))
    else:
        gf.register_prehook(lambda go: calls.append(("old", [_numbers(g) for g in go]))
                            or ((go[0] * 10,) if replace else None))
    y.grad_fn.register_prehook(lambda go: calls.append(("new", [_numbers(g) for g in go])))
    (y * L.tensor(2.0 ** np.arange(y.numel()), dtype=L.float64)).sum().backward()
    return calls, _numbers(x.grad), gf.name(), y.grad_fn.name()


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("register", ["hook", "prehook"])
@pytest.mark.parametrize("op", ["mul", "sin", "flip", "repeat"])
def test_a_grad_fn_fetched_before_an_in_place_change_is_the_old_node(op, register, replace):
    import autograd_core as ag

    make = {"mul": lambda x: x * 3, "sin": lambda x: x.sin(), "flip": lambda x: x.flip(0),
            "repeat": lambda x: x.repeat(2)}[op]
    calls, grad, old_name, new_name = _fetched_then_changed(ag, make, register, replace)
    assert calls[0][0] == "new" and calls[1][0] == "old"  # (the new node runs first: it is above the old one)
    assert old_name != new_name or op == "mul"
    try:
        import torch
    except ImportError:
        return
    _same(_fetched_then_changed(torch, make, register, replace), (calls, grad, old_name, new_name), 1e-12)


def _new_then_old(L):
    x = L.tensor([1.0, -2.0, 3.0], dtype=L.float64, requires_grad=True)
    y = x * 3
    gf = y.grad_fn
    y.mul_(2)
    new = y.grad_fn
    assert new is not gf and new is y.grad_fn
    calls = []
    new.register_hook(lambda gi, go: calls.append(("new", [_numbers(g) for g in gi])))
    gf.register_hook(lambda gi, go: calls.append(("old", [_numbers(g) for g in gi])))
    (y * L.tensor([1.0, 2.0, 4.0], dtype=L.float64)).sum().backward()
    return calls


def test_the_new_grad_fn_after_an_in_place_change_is_another_node():
    """y.grad_fn read after y.mul_(2) is the new node even where the old one was of the same operation (x * 3) and
    is held (gf): a hook on it sees the new version's gradient, one on gf the old's."""
    import autograd_core as ag

    calls = _new_then_old(ag)
    assert [c[0] for c in calls] == ["new", "old"]
    np.testing.assert_array_equal(calls[1][1][0], [6.0, 12.0, 24.0])
    try:
        import torch
    except ImportError:
        return
    _same(calls, _new_then_old(torch), 1e-12)
