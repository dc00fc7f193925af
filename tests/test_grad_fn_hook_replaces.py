"""A hook on a node of one output (`y.grad_fn.register_hook(fn)`) that returns new grad_inputs replaces them, as
PyTorch's post-hook does: the inputs get the returned gradients (None: nothing), added to what they get along other
paths. Side by side with PyTorch where it is installed; our numbers against the expected ones everywhere."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

X, W = np.array([1.0, 2.0, -0.5]), np.array([3.0, -4.0, 0.25])


def _libraries():
    try:
        import torch
    except ImportError:
        return [ag]
    return [ag, torch]


def _numbers(t):
    return None if t is None else np.asarray(t.detach() if hasattr(t, "detach") else t, dtype=float).copy()


def _grads(L, hook, extra_path=False):
    """x.grad and w.grad of sum(sin(x·w) [+ x]) with `hook` on the product's node."""
    x, w = L.tensor(X, requires_grad=True), L.tensor(W, requires_grad=True)
    product = x * w
    handle = product.grad_fn.register_hook(hook)
    y = product.sin()
    (y + x if extra_path else y).sum().backward()
    return _numbers(x.grad), _numbers(w.grad), handle


REPLACEMENTS = {
    "ones_and_none": (lambda gi, go: (gi[0] * 0 + 1, None), np.ones(3), None),
    "swapped": (lambda gi, go: (gi[1], gi[0]), np.cos(X * W) * X, np.cos(X * W) * W),
    "unchanged": (lambda gi, go: gi, np.cos(X * W) * W, np.cos(X * W) * X),
    "scaled_by_grad_output": (lambda gi, go: (go[0] * 2, go[0] * 3), 2 * np.cos(X * W), 3 * np.cos(X * W)),
}


@pytest.mark.parametrize("extra_path", [False, True])
@pytest.mark.parametrize("name", REPLACEMENTS)
def test_returned_grad_inputs_replace_the_nodes(name, extra_path):
    hook, want_x, want_w = REPLACEMENTS[name]
    if extra_path:  # x also reached by `+ x`: the replacement is added to that path's gradient
        want_x = (0 if want_x is None else want_x) + 1
    results = []
    for L in _libraries():
        gx, gw, _ = _grads(L, hook, extra_path)
        results.append((gx, gw))
    for gx, gw in results:
        np.testing.assert_allclose(gx, want_x, rtol=1e-14)
        assert (gw is None) == (want_w is None)
        if want_w is not None:
            np.testing.assert_allclose(gw, want_w, rtol=1e-14)


def test_observing_hooks_and_removed_hooks_change_nothing():
    for L in _libraries():
        seen = []
        gx, gw, handle = _grads(L, lambda gi, go, seen=seen: seen.append(len(gi)))
        np.testing.assert_allclose(gx, np.cos(X * W) * W, rtol=1e-14)
        assert seen == [2]
        x, w = L.tensor(X, requires_grad=True), L.tensor(W, requires_grad=True)
        product = x * w
        product.grad_fn.register_hook(lambda gi, go: (gi[0] * 0, gi[1] * 0)).remove()
        product.sin().sum().backward()
        np.testing.assert_allclose(_numbers(x.grad), np.cos(X * W) * W, rtol=1e-14)


def test_a_leafs_gradient_is_not_the_hooks_array():
    returned = np.ones(3)
    x = ag.tensor(X, requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: (returned, None))
    y.sum().backward()
    x.grad += 1  # (an optimizer changes .grad in place): the hook's array stays as it was
    np.testing.assert_array_equal(returned, np.ones(3))
    np.testing.assert_array_equal(x.grad, np.full(3, 2.0))


BAD = [
    (lambda gi, go: (gi[0],), RuntimeError, r"hook '<lambda>' has returned an incorrect number of values \(got 1, but "
                                            r"expected 2\)"),
    (lambda gi, go: 5, TypeError, "expected tuple, but hook returned 'int'"),
    (lambda gi, go: (gi[0], gi[0]), RuntimeError, "can't replace a None gradient with a non-None value"),
    (lambda gi, go: (gi[0][:1], None), RuntimeError, "hook '<lambda>' has changed the size of value"),
]


@pytest.mark.parametrize("hook, error, message", BAD)
def test_bad_returns_raise_pytorchs_errors_and_change_no_gradient(hook, error, message):
    for L in _libraries():
        x = L.tensor(X, requires_grad=True)
        y = x * 2  # a number as second input: grad_inputs (gx, None), as PyTorch's
        y.grad_fn.register_hook(hook)
        with pytest.raises(error, match=message):
            y.sum().backward()
        assert x.grad is None


def test_the_node_keeps_its_retained_grad_and_frees_what_it_saved():
    """retain_grad runs before node hooks (PyTorch's): the output's .grad is what reached it; the pass frees the node
    as any other, so a second pass raises PyTorch's error and changes no gradient."""
    for L in _libraries():
        x, w = L.tensor(X, requires_grad=True), L.tensor(W, requires_grad=True)
        product = x * w
        product.retain_grad()
        product.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 1, None))
        product.sin().sum().backward()
        np.testing.assert_allclose(_numbers(product.grad), np.cos(X * W), rtol=1e-14)
        np.testing.assert_array_equal(_numbers(x.grad), np.ones(3))
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            product.sin().sum().backward()
        np.testing.assert_array_equal(_numbers(x.grad), np.ones(3))
