"""Compiled steps set a convolution's weight gradient aside as the eager pass does (threads.run_aside; the program's
`_aside` and `_taken`): the replay goes on down the graph while a pool thread makes it, and takes it at the weight's
turn. The numbers are eager mode's bit for bit, on one thread or two."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.nn import functional as F
from test_threads_aside import aside_always, weight_rule_threads  # noqa: F401  (the fixtures of that file)


def _step(shared=False):
    """A function of a small CNN's training step (its gradients), with w1 used twice when `shared`."""
    rng = np.random.default_rng(0)
    x = Value(rng.standard_normal((4, 2, 6, 6)), requires_grad=False)
    w1, b1 = Value(rng.standard_normal((2, 2, 3, 3))), Value(np.zeros(2))
    w2, b2 = Value(rng.standard_normal((3, 2, 3, 3))), Value(np.zeros(3))

    def step():
        for p in (w1, b1, w2, b2):
            p.grad = None
        h = F.relu(F.conv2d(x, w1, b1, padding=1))
        if shared:
            h = F.tanh(F.conv2d(h, w1, b1, padding=1))
        (F.conv2d(h, w2, b2, padding=1) ** 2).sum().backward()
        return [p.grad for p in (w1, b1, w2, b2)]

    return step


@pytest.mark.parametrize("shared", [False, True])
def test_a_compiled_step_sets_the_weight_gradient_aside_with_eager_bits(shared, aside_always,  # noqa: F811
                                                                         weight_rule_threads):  # noqa: F811
    ag.set_num_threads(1)
    eager = [g.copy() for g in _step(shared)()]
    ag.set_num_threads(2)
    compiled = ag.compile(_step(shared))
    for _ in range(3):
        weight_rule_threads.clear()
        got = compiled()
        assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(eager, got))
    (source,) = compiled.sources()
    assert "_aside(" in source and "_taken(" in source
    assert any(t != threading.get_ident() for t in weight_rule_threads)  # the last replay's set-aside rule
    ag.set_num_threads(1)  # the same program on one thread calls the rule in place
    weight_rule_threads.clear()
    assert all(np.array_equal(a, b) for a, b in zip(eager, compiled()))
    assert set(weight_rule_threads) == {threading.get_ident()}


def test_a_sum_whose_gradient_a_set_aside_rule_and_relu_both_read(aside_always):  # noqa: F811
    """The sum hands one gradient array to both terms: the convolution's weight rule reads it on a pool thread while
    ReLU's rule reads it here (the program never writes into an array a set-aside rule reads: `_update_in_place`)."""
    rng = np.random.default_rng(1)
    x = Value(rng.standard_normal((4, 2, 6, 6)), requires_grad=False)
    w0, b0 = Value(rng.standard_normal((2, 2, 3, 3))), Value(np.zeros(2))
    w, b = Value(rng.standard_normal((2, 2, 3, 3))), Value(np.zeros(2))

    def step():
        for p in (w0, b0, w, b):
            p.grad = None
        h = F.conv2d(x, w0, b0, padding=1)
        y = F.relu(h * 1.5) + F.conv2d(h, w, b, padding=1)
        (y * y).sum().backward()
        return [p.grad for p in (w0, b0, w, b)]

    ag.set_num_threads(1)
    eager = [g.copy() for g in step()]
    ag.set_num_threads(2)
    compiled = ag.compile(step)
    for _ in range(3):
        assert all(np.array_equal(a, c) for a, c in zip(eager, compiled()))
    assert "_aside(" in compiled.sources()[0]
