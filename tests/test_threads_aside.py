"""Work set aside (autograd_core.threads.run_aside): the backward pass hands a convolution's weight gradient to a pool
thread and goes on down the graph, taking the result when it reaches the weight. The gradients are the one-thread
pass's bit for bit, wherever the rule ran; errors, hooks, shared weights and autograd.grad behave as in a serial
pass."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, backward_edges, nn, threads
from autograd_core.nn import conv
from autograd_core.ops.primitive import PRIMITIVES, Primitive
from autograd_core.nn import functional as F


@pytest.fixture
def aside_always(monkeypatch):
    """Two threads, every weight gradient of 8+ elements of g set aside (no timing decides), the pool restored after."""
    saved = threads._state["threads"]
    monkeypatch.setattr(backward_edges, "ASIDE_FROM", 8)
    monkeypatch.setattr(threads, "ADAPTIVE", False)
    ag.set_num_threads(2)
    yield
    threads._state["threads"] = saved


@pytest.fixture
def weight_rule_threads(monkeypatch):
    """The threads that ran conv2d's weight rule, in order."""
    ran_in = []
    rules = list(conv._conv2d.vjps)
    weight_rule = rules[1]

    def spy(*args, **kwargs):
        ran_in.append(threading.get_ident())
        return weight_rule(*args, **kwargs)

    rules[1] = spy
    monkeypatch.setattr(conv._conv2d, "vjps", tuple(rules))
    return ran_in


def _cnn(seed=0):
    f32 = np.float32
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, rng=seed, dtype=f32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 5, 3, padding=1, rng=seed + 1, dtype=f32), nn.ReLU(), nn.Flatten(),
                         nn.Linear(80, 3, rng=seed + 2, dtype=f32))


def _batch():
    rng = np.random.default_rng(0)
    return Value(rng.standard_normal((6, 2, 8, 8)).astype(np.float32)), rng.integers(0, 3, 6)


def _gradients(threads_allowed):
    ag.set_num_threads(threads_allowed)
    x, labels = _batch()
    model = _cnn()
    F.cross_entropy(model(x), labels).backward()
    return [p.grad.copy() for p in model.parameters()]


def test_a_weight_gradient_set_aside_gives_the_one_thread_bits(aside_always, weight_rule_threads):
    serial = _gradients(1)
    assert set(weight_rule_threads) == {threading.get_ident()}
    weight_rule_threads.clear()
    aside = _gradients(2)
    # The second convolution's weight (its input is a node: the pass goes on below it) ran on a pool thread; the first
    # one's (its input is the data: nothing is left to do meanwhile) in the calling thread.
    assert len(weight_rule_threads) == 2 and threading.get_ident() in weight_rule_threads
    assert len(set(weight_rule_threads)) == 2
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(serial, aside))


def test_one_thread_sets_nothing_aside(aside_always, weight_rule_threads):
    _gradients(1)
    assert set(weight_rule_threads) == {threading.get_ident()}


def test_an_error_in_a_rule_set_aside_undoes_the_pass_and_frees_the_pool_thread(aside_always, monkeypatch):
    x, labels = _batch()
    model = _cnn()
    F.cross_entropy(model(x), labels).backward()
    before = [p.grad.copy() for p in model.parameters()]
    rules = list(conv._conv2d.vjps)

    def broken(g, out, x, weight, bias=None, **geometry):
        if threading.current_thread() is threading.main_thread():
            return rules[1](g, out, x, weight, bias, **geometry)
        raise FloatingPointError("the weight rule failed on its pool thread")

    monkeypatch.setattr(conv._conv2d, "vjps", (rules[0], broken, rules[2]))
    with pytest.raises(FloatingPointError, match="failed on its pool thread"):
        F.cross_entropy(model(x), labels).backward()
    assert all(np.array_equal(p.grad, b) for p, b in zip(model.parameters(), before))  # no gradient half-added
    monkeypatch.setattr(conv._conv2d, "vjps", tuple(rules))
    F.cross_entropy(model(x), labels).backward()  # the pool thread is free again, and the pass whole
    assert all(np.array_equal(p.grad, 2 * b) for p, b in zip(model.parameters(), before))
    assert len(threads._state["idle"]) == threads._state["pool_threads"]


def test_the_rule_runs_in_the_callers_context(aside_always, monkeypatch):
    """NumPy's error state (a context variable) and grad mode (off in a pass without create_graph) are the caller's
    on the pool thread too."""
    seen = []
    rules = list(conv._conv2d.vjps)

    def watching(*args, **kwargs):
        seen.append((threading.get_ident(), np.geterr()["over"], ag.is_grad_enabled()))
        return rules[1](*args, **kwargs)

    monkeypatch.setattr(conv._conv2d, "vjps", (rules[0], watching, rules[2]))
    x, labels = _batch()
    loss = F.cross_entropy(_cnn()(x), labels)
    with np.errstate(over="raise"):
        loss.backward()
    assert len({ident for ident, *_ in seen}) == 2  # the pool thread's call and the calling thread's
    assert [state for _, *state in seen] == [["raise", False]] * 2


@pytest.mark.parametrize("hooked", [False, True])
def test_shared_weights_autograd_grad_and_hooks_as_in_a_serial_pass(hooked, aside_always, weight_rule_threads):
    """A weight used by two convolutions gets the sum of both gradients (the first set aside), autograd.grad the
    gradient it asks for, a leaf's hook its gradient. (autograd.grad's pass, and any pass of a graph with a hooked
    leaf, set nothing aside: there the numbers alone are checked.)"""
    def run(threads_allowed):
        ag.set_num_threads(threads_allowed)
        rng = np.random.default_rng(1)
        x = Value(rng.standard_normal((4, 3, 6, 6)))
        w1, b1 = Value(rng.standard_normal((3, 3, 3, 3))), Value(np.zeros(3))
        w2, b2 = Value(rng.standard_normal((3, 3, 3, 3))), Value(np.zeros(3))
        seen = []
        if hooked:
            w2.register_hook(lambda g: seen.append(g.copy()))
        h = F.relu(F.conv2d(x, w1, b1, padding=1))
        h = F.conv2d(h, w1, b1, padding=1)  # w1 twice: its gradients add up
        y = F.conv2d(F.tanh(h), w2, b2, padding=1)
        loss = (y * y).sum()
        (gw1, gw2) = ag.autograd.grad(loss, [w1, w2], retain_graph=True)
        loss.backward()
        return [w1.grad, b1.grad, w2.grad, gw1, gw2, *seen]

    serial = run(1)
    weight_rule_threads.clear()
    aside = run(2)
    assert hooked or any(t != threading.get_ident() for t in weight_rule_threads)
    assert len(serial) == len(aside) and all(np.array_equal(a, b) for a, b in zip(serial, aside))


def test_serial_where_setting_aside_has_been_slower(monkeypatch):
    """As for split kernels: once each way has three timings, the slower one is left (but every EXPLORE-th call)."""
    monkeypatch.setattr(threads, "_timings", {})
    monkeypatch.setattr(threads, "ADAPTIVE", True)
    saved = threads._state["threads"]
    ag.set_num_threads(2)
    try:
        where = []
        key = ("test aside",)
        for _ in range(12):
            later = threads.run_aside(lambda: where.append(threading.get_ident()) or 7, key)
            assert later.result() == 7
        timings = threads._timings[key]
        assert len(timings.split) >= 3 and len(timings.serial) >= 3
        timings.split[:] = [1.0] * 3  # set aside: slow; serial: fast
        timings.serial[:] = [1e-6] * 3
        where.clear()
        for _ in range(5):
            threads.run_aside(lambda: where.append(threading.get_ident()), key).result()
        assert set(where) == {threading.get_ident()}
    finally:
        threads._state["threads"] = saved


def test_nothing_is_set_aside_where_the_pass_has_nothing_left_to_do_meanwhile(aside_always, weight_rule_threads):
    """A convolution of the data (its input needs no gradient) is the pass's last work: its weight's gradient is made
    in the calling thread, not handed over and waited for."""
    rng = np.random.default_rng(2)
    x = Value(rng.standard_normal((4, 3, 6, 6)), requires_grad=False)
    w, b = Value(rng.standard_normal((2, 3, 3, 3))), Value(np.zeros(2))
    (F.conv2d(x, w, b, padding=1) ** 2).sum().backward()
    assert weight_rule_threads == [threading.get_ident()]


def test_a_pass_that_fails_meanwhile_waits_for_the_work_set_aside(aside_always, monkeypatch):
    """The pass raises (in the calling thread) while a weight's gradient is being made on the pool thread: backward
    returns only once that work has ended, with the pool thread free again and no gradient changed."""
    rules = list(conv._conv2d.vjps)
    ended = []

    def slow(*args, **kwargs):
        time.sleep(0.2)
        ended.append(True)
        return rules[1](*args, **kwargs)

    def failing(g, out, x):
        raise ArithmeticError("the pass failed below the convolution")

    monkeypatch.setattr(conv._conv2d, "vjps", (rules[0], slow, rules[2]))
    rng = np.random.default_rng(3)
    x = Value(rng.standard_normal((4, 3, 6, 6)))
    w, b = Value(rng.standard_normal((2, 3, 3, 3))), Value(np.zeros(2))
    identity = Primitive("test_failing_identity", lambda x: x.copy()).defvjp(failing)
    PRIMITIVES.pop("test_failing_identity")  # a user's operation, not one of the library's (the registry's tests)
    h = identity(x)
    with pytest.raises(ArithmeticError, match="failed below"):
        (F.conv2d(h, w, b, padding=1) ** 2).sum().backward()
    assert ended == [True] and w.grad is None and b.grad is None
    assert len(threads._state["idle"]) == threads._state["pool_threads"]


def test_complex_convolutions_after_complex_values_exist(aside_always, weight_rule_threads):
    """Once a complex Value exists the pass conjugates complex gradients (ops/complex.py): a weight's gradient set
    aside is taken before that, and a complex convolution's weights get the one-thread pass's numbers."""
    def run(threads_allowed):
        ag.set_num_threads(threads_allowed)
        rng = np.random.default_rng(4)
        x = Value(rng.standard_normal((3, 2, 5, 5)) + 1j * rng.standard_normal((3, 2, 5, 5)))
        w1 = Value(rng.standard_normal((2, 2, 3, 3)) + 1j * rng.standard_normal((2, 2, 3, 3)))
        w2 = Value(rng.standard_normal((2, 2, 3, 3)) - 1j * rng.standard_normal((2, 2, 3, 3)))
        b = Value(np.zeros(2, complex))
        y = F.conv2d(F.conv2d(x, w1, b, padding=1) * 2, w2, b, padding=1)
        (y.abs() ** 2).sum().backward()
        return [w1.grad, w2.grad, b.grad, x.grad]

    serial = run(1)
    weight_rule_threads.clear()
    aside = run(2)
    assert any(t != threading.get_ident() for t in weight_rule_threads)
    assert all(np.array_equal(a, b) for a, b in zip(serial, aside))
    weight_rule_threads.clear()
    _gradients(2)  # and a real network's weights still go aside
    assert any(t != threading.get_ident() for t in weight_rule_threads)
