"""Three more places where hooks run as PyTorch's (each case run in both libraries where PyTorch is installed, against
the expected calls everywhere):

* hooks called with None: PyTorch runs every node of the graph, also one that got no gradient (an unused output of
  unbind/split/std_mean/svd, a node below a rule or a hook that sent none): a Value's hooks get None, its node's
  prehooks (None, ...) and hooks (None, ...), a leaf's AccumulateGrad and post-accumulate hooks run too;
* a hook registered before an in-place change stays with the old version (its gradient, its turn in the pass);
* the leaves a node makes ready at once run their hooks in the node's edges' order ((x * w).sum(): x's, then w's).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import autograd_core as ag
from test_grad_fn_hook_replaces import _libraries

M = np.arange(12.0).reshape(4, 3) / 7 + np.eye(4, 3)
K = np.array([1.0, 10.0, 100.0])


def _seen(g):
    return None if g is None else "g"


def _each(gs):
    return tuple(_seen(g) for g in gs)


def _list(g):
    return None if g is None else [float(v) for v in np.asarray(g.detach() if hasattr(g, "detach") else g).ravel()]


def _same_everywhere(run, want):
    """run(L) in each library: each gives `want`."""
    for L in _libraries():
        assert run(L) == want, L


# ---- hooks called with None

_SEVERAL = {
    "unbind": lambda L, x: x.unbind(),
    "split": lambda L, x: x.split(1, dim=1),
    "std_mean": lambda L, x: L.std_mean(x, 1),
    "svd": lambda L, x: L.linalg.svd(x, full_matrices=False),
}


def _several_outputs(L, make, used, node_hooks):
    """The calls of hooks on every output (and on the node, if node_hooks), with only the outputs `used` in the loss."""
    x = L.tensor(M, dtype=L.float64, requires_grad=True)
    outputs, calls = make(L, x), []
    for i, out in enumerate(outputs):
        out.register_hook(lambda g, i=i: calls.append((i, _seen(g))))
    if node_hooks:
        outputs[0].grad_fn.register_prehook(lambda go: calls.append(("pre", _each(go))))
        outputs[0].grad_fn.register_hook(lambda gi, go: calls.append(("post", _each(gi), _each(go))))
    sum(outputs[i].sum() for i in used).backward()
    return calls


@pytest.mark.parametrize("node_hooks", [False, True])
@pytest.mark.parametrize("used", [(0,), (1,), (0, 2)])
@pytest.mark.parametrize("op", _SEVERAL)
def test_an_unused_outputs_hooks_get_none(op, used, node_hooks):
    """Each output's hooks (in the order of their registration here), None for one the loss does not use; then the
    node's prehook with None for it, and its hook."""
    count = {"unbind": 4, "std_mean": 2}.get(op, 3)
    used = tuple(i for i in used if i < count)
    want = [(i, "g" if i in used else None) for i in range(count)]
    if node_hooks:
        grad_outputs = tuple("g" if i in used else None for i in range(count))
        want += [("pre", grad_outputs), ("post", ("g",), grad_outputs)]
    _same_everywhere(lambda L: _several_outputs(L, _SEVERAL[op], used, node_hooks), want)


class _SecondInputGetsNone:
    """u * v whose backward sends v nothing (PyTorch's custom Function returning None for it)."""

    @staticmethod
    def forward(ctx, u, v):
        return u * v

    @staticmethod
    def backward(ctx, g):
        return g, None


@functools.lru_cache(maxsize=None)
def _function(L):
    return type("SecondInputGetsNone", (L.autograd.Function,), dict(vars(_SecondInputGetsNone)))


def _below_no_gradient(L, how):
    """Hooks on w2 = w * 3 (its own, its node's) and on w, where the node reading w2 sends it no gradient."""
    x, w = (L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True) for _ in range(2))
    calls = []
    w.register_hook(lambda g: calls.append(("w", _seen(g))))
    w2 = w * 3
    w2.register_hook(lambda g: calls.append(("w2", _seen(g))))
    w2.grad_fn.register_prehook(lambda go: calls.append(("pre", _each(go))))
    w2.grad_fn.register_hook(lambda gi, go: calls.append(("post", _each(gi), _each(go))))
    if how == "function":
        y = _function(L).apply(x, w2)
    else:  # x * w2 whose node's hook replaces w2's gradient by None
        y = x * w2
        y.grad_fn.register_hook(lambda gi, go: (gi[0], None))
    y.sum().backward()
    return calls, w.grad is None, _list(x.grad)


@pytest.mark.parametrize("how", ["function", "hook"])
def test_a_node_that_gets_no_gradient_runs_its_hooks_with_none(how):
    want = [("w2", None), ("pre", (None,)), ("post", (None, None), (None,)), ("w", None)]  # (w * 3: 3's edge)
    x_grad = [3.0, 6.0, 9.0] if how == "hook" else [1.0, 1.0, 1.0]  # (w2's numbers; the Function's g)
    _same_everywhere(lambda L: _below_no_gradient(L, how), (want, True, x_grad))


def _prehook_drops(L):
    x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(("x", _seen(g))))
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (None,))
    y.grad_fn.register_hook(lambda gi, go: calls.append(("post", _each(gi), _each(go))))
    (y * 3).sum().backward()
    return calls, x.grad is None


def test_a_prehook_that_drops_the_gradient_leaves_none_below():
    _same_everywhere(_prehook_drops, ([("post", (None, None), (None,)), ("x", None)], True))


def _leaf_without_gradient(L, grad):
    x, w = (L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True) for _ in range(2))
    calls = []
    w.register_hook(lambda g: calls.append(("w", _seen(g))))
    y = _function(L).apply(x, w)
    if grad:
        got = L.autograd.grad(y.sum(), [x, w], allow_unused=True)
        return calls, [g is None for g in got]
    w.register_post_accumulate_grad_hook(lambda t: calls.append(("accumulated", t.grad is None)))
    node = (w * 1).grad_fn.next_functions[0][0]  # w's AccumulateGrad
    node.register_prehook(lambda go: calls.append(("pre", _each(go))))
    node.register_hook(lambda gi, go: calls.append(("post", _each(gi), _each(go))))
    y.sum().backward()
    return calls, w.grad is None


def test_a_leaf_that_gets_no_gradient_runs_its_hooks_with_none():
    want = [("w", None), ("pre", (None,)), ("accumulated", True), ("post", (), (None,))]
    _same_everywhere(lambda L: _leaf_without_gradient(L, False), (want, True))
    _same_everywhere(lambda L: _leaf_without_gradient(L, True), ([("w", None)], [False, True]))  # no AccumulateGrad


def _downstream_of_unused(L):
    """x -> y = x * 2 -> y's four rows (unbind), one used: the unused rows' hooks get None, before y's and x's."""
    x = L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float64, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(("x", _seen(g))))
    y = x * 2
    y.register_hook(lambda g: calls.append(("y", _seen(g))))
    a, b, c, d = y.unbind()
    c.register_hook(lambda g: calls.append(("c", _seen(g))))
    a.backward()
    return calls


def test_the_hook_of_an_unused_output_runs_before_the_nodes_below():
    _same_everywhere(_downstream_of_unused, [("c", None), ("y", "g"), ("x", "g")])


def test_an_input_that_needs_no_gradient_is_none_in_grad_inputs():
    def run(L):
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        calls = []
        for y in (x * L.tensor([3.0, 4.0], dtype=L.float64), x * 2):
            y.grad_fn.register_hook(lambda gi, go: calls.append((_each(gi), _each(go))))
            y.sum().backward()
        return calls

    _same_everywhere(run, [(("g", None), ("g",))] * 2)


_LISTED = {  # (the op, grad_inputs for x needing a gradient and c not; for both)
    "rsub": (lambda L, x, c: 2 - x, ("g",), ("g",)),  # RsubBackward1: no edge for the Scalar 2
    "lerp": (lambda L, x, c: L.lerp(x, c, 0.3), ("g", None), ("g", "g")),  # LerpBackward0: (self, end), no weight
    "cat": (lambda L, x, c: L.cat([x, c]), ("g", "g"), ("g", "g")),  # a TensorList: every tensor's gradient
    "stack": (lambda L, x, c: L.stack([c, x, c]), ("g",) * 3, ("g",) * 3),
    "mul": (lambda L, x, c: x * c, ("g", None), ("g", "g")),
}


@pytest.mark.parametrize("both", [False, True])
@pytest.mark.parametrize("op", _LISTED)
def test_grad_inputs_has_one_gradient_per_edge_pytorch_lists(op, both):
    make, want_one, want_both = _LISTED[op]

    def run(L):
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        c = L.tensor([3.0, 5.0], dtype=L.float64, requires_grad=both)
        y, calls = make(L, x, c), []
        y.grad_fn.register_hook(lambda gi, go: calls.append(_each(gi)))
        y.sum().backward()
        return calls, len(y.grad_fn.next_functions)

    want = want_both if both else want_one
    _same_everywhere(run, ([want], len(want)))


def test_a_replaced_grad_input_goes_to_the_listed_edge():
    def run(L):
        x, c = (L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True) for _ in range(2))
        y = 2 - x
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10,))
        z = L.lerp(x, c, 0.25)
        z.grad_fn.register_hook(lambda gi, go: (gi[0], gi[1] * 0))
        (y.sum() + z.sum()).backward()
        return _list(x.grad), _list(c.grad)

    _same_everywhere(run, ([-9.25, -9.25], [0.0, 0.0]))


def _grad_of_one_input(L):
    """autograd.grad(loss, x): PyTorch runs only the nodes that lead to x, and their hooks: not w's or w2's; the
    unused output b of the split that leads to x gets None."""
    x, w = (L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float64, requires_grad=True) for _ in range(2))
    calls = []
    for name, v in (("x", x), ("w", w)):
        v.register_hook(lambda g, name=name: calls.append((name, _seen(g))))
    w2 = w * 2
    w2.register_hook(lambda g: calls.append(("w2", _seen(g))))
    w2.grad_fn.register_hook(lambda gi, go: calls.append(("w2 node", _each(gi))))
    a, b = (x * w2).split(2)
    b.register_hook(lambda g: calls.append(("b", _seen(g))))
    (gx,) = L.autograd.grad(a.sum(), [x])
    return calls, _list(gx)


def test_autograd_grad_runs_only_the_hooks_of_nodes_that_lead_to_its_inputs():
    _same_everywhere(_grad_of_one_input, ([("b", None), ("x", "g")], [2.0, 4.0, 0.0, 0.0]))


def test_a_hook_cannot_give_a_gradient_to_a_node_that_got_none():
    for L in _libraries():
        x, w = (L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True) for _ in range(2))
        w2 = w * 3
        w2.register_hook(lambda g, L=L: L.ones(2, dtype=L.float64))
        with pytest.raises(RuntimeError, match="can't replace a None gradient with a non-None value"):
            _function(L).apply(x, w2).sum().backward()
        assert w.grad is None


def test_removing_a_node_hook_keeps_an_outputs_hook_of_none():
    def run(L):
        x = L.tensor(M, dtype=L.float64, requires_grad=True)
        a, b = x.split(2)
        calls = []
        b.register_hook(lambda g: calls.append(_seen(g)))
        a.grad_fn.register_prehook(lambda go: None).remove()
        a.sum().backward()
        return calls

    _same_everywhere(run, [None])


# ---- a hook registered before an in-place change: the old version's

def _changed(L, change, after=False):
    """Hooks on x = w * 1.5 before (and after) `change`; the loss weighs x's elements by K."""
    w = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
    x, calls = w * 1.5, []
    x.register_hook(lambda g: calls.append(("before", _list(g))))
    change(x)
    if after:
        x.register_hook(lambda g: calls.append(("after", _list(g))))
    (x * L.tensor(K, dtype=L.float64)).sum().backward()
    return calls, _list(w.grad)


def _mul(x):
    x.mul_(2)


def _setitem(x):
    x[0] = 0


def _twice(x):
    x.mul_(2)
    x.add_(1)


_CHANGES = {"mul_": (_mul, [2.0, 20.0, 200.0], [3.0, 30.0, 300.0]),
            "setitem": (_setitem, [0.0, 10.0, 100.0], [0.0, 15.0, 150.0]),
            "mul_add_": (_twice, [2.0, 20.0, 200.0], [3.0, 30.0, 300.0])}


@pytest.mark.parametrize("after", [False, True])
@pytest.mark.parametrize("change", _CHANGES)
def test_a_hook_registered_before_an_in_place_change_gets_the_old_versions_gradient(change, after):
    change, old, w_grad = _CHANGES[change]
    want = ([("after", list(K))] if after else []) + [("before", old)]
    _same_everywhere(lambda L: _changed(L, change, after), (want, w_grad))


def test_the_operator_keeps_the_hook_on_the_old_version():
    def run(L):
        w = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
        x, calls = w * 1.5, []
        x.register_hook(lambda g: calls.append(("before", _list(g))))
        x += 1
        x.register_hook(lambda g: calls.append(("after", _list(g))))
        (x * L.tensor(K, dtype=L.float64)).sum().backward()
        return calls

    _same_everywhere(run, [("after", list(K)), ("before", list(K))])


def _node_hooks_and_handles(L):
    """Node hooks and a replacing hook registered before y.mul_(2), the replacing one removed after it; and a node
    hook of the new version."""
    w = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
    y, calls = w * 1.5, []
    y.grad_fn.register_prehook(lambda go: calls.append(("pre", _list(go[0]))))
    y.grad_fn.register_hook(lambda gi, go: calls.append(("post", _list(gi[0]), _list(go[0]))))
    y.register_hook(lambda g: calls.append(("t", _list(g))))
    handle = y.register_hook(lambda g: g * 0)
    y.mul_(2)
    handle.remove()
    y.grad_fn.register_hook(lambda gi, go: calls.append(("post2", _list(gi[0]), _list(go[0]))))
    (y * L.tensor(K, dtype=L.float64)).sum().backward()
    return calls, _list(w.grad)


def test_node_hooks_and_handles_follow_the_old_version():
    old = [2.0, 20.0, 200.0]
    want = [("post2", old, list(K)), ("t", old), ("pre", old), ("post", [3.0, 30.0, 300.0], old)]
    _same_everywhere(_node_hooks_and_handles, (want, [3.0, 30.0, 300.0]))


def _through_views(L, case):
    w = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
    y, calls = w * 1.5, []
    v, k = y[0:2], L.tensor(K, dtype=L.float64)
    if case == "view_before_base_changes":  # v's node is not in the new graph: its hook is not called
        v.register_hook(lambda g: calls.append(("v", _list(g))))
        y.mul_(2)
        loss = (v * k[:2]).sum()
    else:  # y changed through its view v: y's hook registered before sees the old y's gradient
        y.register_hook(lambda g: calls.append(("y", _list(g))))
        v.mul_(2)
        loss = (y * k).sum()
    loss.backward()
    return calls, _list(w.grad)


def test_views_and_in_place_changes():
    _same_everywhere(lambda L: _through_views(L, "view_before_base_changes"), ([], [3.0, 30.0, 0.0]))
    _same_everywhere(lambda L: _through_views(L, "base_through_view"), ([("y", [2.0, 20.0, 100.0])],
                                                                        [3.0, 30.0, 150.0]))


# ---- the order of leaves made ready by one node: its edges' order

_LEAF_GRAPHS = {
    "x*w": ("xw", lambda v: (v["x"] * v["w"]).sum(), ["x", "w"]),
    "w*x": ("xw", lambda v: (v["w"] * v["x"]).sum(), ["w", "x"]),
    "x*w, w made first": ("wx", lambda v: (v["x"] * v["w"]).sum(), ["x", "w"]),
    "a*b*c": ("abc", lambda v: (v["a"] * v["b"] * v["c"]).sum(), ["c", "a", "b"]),
    "a*(b*c)": ("abc", lambda v: (v["a"] * (v["b"] * v["c"])).sum(), ["a", "b", "c"]),
    "a*b+a*c": ("abc", lambda v: (v["a"] * v["b"] + v["a"] * v["c"]).sum(), ["c", "a", "b"]),
    "stack": ("abc", lambda v: ag_or_torch(v).stack([v["a"], v["b"], v["c"]]).sum(), ["a", "b", "c"]),
    "cat": ("abc", lambda v: ag_or_torch(v).cat([v["c"], v["a"], v["b"]]).sum(), ["c", "a", "b"]),
    "(x+w)*(x-w)": ("xw", lambda v: ((v["x"] + v["w"]) * (v["x"] - v["w"])).sum(), ["x", "w"]),
}


def ag_or_torch(leaves):
    return ag if isinstance(next(iter(leaves.values())), ag.Value) else __import__("torch")


@pytest.mark.parametrize("graph", _LEAF_GRAPHS)
def test_leaves_made_ready_together_run_their_hooks_in_edge_order(graph):
    names, loss, want = _LEAF_GRAPHS[graph]

    def run(L):
        leaves = {n: L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True) for n in names}
        calls = []
        for n in sorted(leaves):
            leaves[n].register_hook(lambda g, n=n: calls.append(n))
        loss(leaves).backward()
        return calls

    _same_everywhere(run, want)
