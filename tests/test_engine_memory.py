"""No reference cycles: a graph is freed by reference counting alone, as soon as the last reference to
its output goes, so a training loop keeps flat memory even with the cyclic collector off."""

import gc
import sys
import weakref

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


# What a test makes is watched in the collector's youngest generation: `_young()` empties it, and with the collector
# off no object leaves it afterwards, so it holds exactly the containers made since (a graph's nodes, and any cycle
# among them) and still alive. Counting Values in it, and collecting it, sees every Value and every cycle a test
# leaves behind, as a scan of the whole heap would, without walking the heap of the whole collected suite: in a
# worker holding the suite's ~34,000 tests, full gc.collect() and gc.get_objects() made each test here take ~3 s on
# a loaded host (~40 s for this file), against 0.1-0.2 s for the file run alone.


def _young():
    """Collects the youngest generation; returns how many unreachable objects it found there."""
    return gc.collect(0)


@pytest.fixture
def gc_off():
    was_enabled = gc.isenabled()
    _young()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def _live_values():
    """The Values made since the last collection (with the collector off, see above) that are still alive."""
    return sum(isinstance(o, Value) for o in gc.get_objects(generation=0))


def _with_anomaly(fn):
    with ag.detect_anomaly():
        fn()


def _training_step(w1, w2, x, labels):
    hidden = (x @ w1).tanh()
    logits = hidden @ w2
    loss = -logits.log_softmax(axis=1)[np.arange(len(labels)), labels].mean() + 1e-3 * (w1 * w1).sum()
    loss.backward()
    for w in (w1, w2):
        w.data -= 0.1 * w.grad
        w.grad = None
    return loss.item()


def test_training_loop_keeps_flat_memory(gc_off):
    rng = np.random.default_rng(0)
    w1, w2 = Value(rng.standard_normal((4, 8)) * 0.5), Value(rng.standard_normal((8, 3)) * 0.5)
    x, labels = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    _young()  # whatever pytest left behind
    first = _training_step(w1, w2, x, labels)
    # Warm up: interned constants, NumPy's caches and Python's free lists fill during the first steps (a
    # few thousand blocks, once), then stay put. The tuple free lists keep up to 2,000 tuples of each size,
    # and a step may add only one to them, so the warm-up is longer than that.
    for _ in range(2500):
        _training_step(w1, w2, x, labels)
    values_before = _live_values()
    # Blocks in use, over three windows of 1,000 steps: a leak of one object a step adds 1,000 to each window, while
    # Python's free lists, filling up to their caps, may still add a hundred or so to one of them (how full they were
    # depends on which tests ran before in this process: a single window measured 136 after one test order).
    growth = []
    for _ in range(3):
        blocks_before = sys.getallocatedblocks()
        for _ in range(1000):
            last = _training_step(w1, w2, x, labels)
        growth.append(sys.getallocatedblocks() - blocks_before)
    assert last < first  # it did train
    assert _live_values() == values_before
    assert min(growth) < 100, f"{growth} more memory blocks in use after each 1000 steps"
    assert _young() == 0  # nothing was waiting for the cyclic collector


@pytest.mark.parametrize("name, run", [
    ("backward", lambda x: (x.tanh() ** 2).sum().backward()),
    ("retain_graph", lambda x: [y.backward(retain_graph=True) for y in [(x * x).sum()] for _ in range(2)]),
    ("hook", lambda x: (x.register_hook(lambda g: g * 2), (x * x).sum().backward())),
    ("anomaly", lambda x: _with_anomaly(lambda: (x.exp() * 2).sum().backward())),
    ("grad", lambda x: ag.grad(lambda v: (v.sin() ** 2).sum())(x.data)),
    ("hessian", lambda x: ag.hessian(lambda v: (v.sin() ** 2).sum())(x.data)),
    ("jvp", lambda x: ag.jvp(lambda v: v.tanh(), (x.data,), (x.data,))),
    ("vjp", lambda x: ag.vjp(lambda v: v.tanh(), x.data)[1](x.data)),
    ("third_derivative", lambda x: ag.grad(ag.grad(ag.grad(ag.tanh)))(0.3)),
])
def test_graphs_are_freed_by_reference_counting(gc_off, name, run):
    _young()  # whatever pytest left behind
    x = Value(np.array([0.1, -0.4, 0.9]))
    run(x)
    probe = x * 2  # a node made after all of it, to watch
    ref = weakref.ref(probe)
    values_before = _live_values()
    for _ in range(50):
        run(x)
        x.grad = None
    assert _live_values() == values_before
    del probe
    assert ref() is None
    assert _young() == 0


def test_output_keeps_its_graph_alive_and_dropping_it_frees_the_graph(gc_off):
    x = Value(np.ones(3))
    h = x.exp()
    ref = weakref.ref(h)
    y = (h * 2).sum()
    del h
    assert ref() is not None  # y still needs it
    del y
    assert ref() is None


def _graph_memory(retain_graph):
    """Bytes traced after building a graph of 10 ops on 100,000 floats, after its backward pass, and after
    dropping its output (the leaf x and its .grad stay)."""
    import tracemalloc

    _young()  # (tracemalloc counts only what is allocated after it starts: older garbage does not matter)
    tracemalloc.start()
    try:
        x = Value(np.linspace(-1.0, 1.0, 100_000))
        base = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(5):
            y = (y * 0.9).tanh()
        loss = y.sum()
        built = tracemalloc.get_traced_memory()[0] - base
        loss.backward(retain_graph=retain_graph)
        after_backward = tracemalloc.get_traced_memory()[0] - base
        del y, loss
        dropped = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return built, after_backward, dropped


def test_retain_graph_false_frees_no_data_and_dropping_the_output_frees_the_graph():
    # The documented decision (docs/architecture.md): without retain_graph a pass frees only the nodes' saved
    # keyword parameters (a marker guards a second pass); the forward values are the nodes' own .data, which
    # users and pictures read after backward. A graph's memory goes when its output is dropped.
    built, kept, dropped = _graph_memory(retain_graph=False)
    built_r, kept_r, _ = _graph_memory(retain_graph=True)
    array = 100_000 * 8
    assert built > 10 * array  # 10 nodes of 800 kB each
    assert abs(kept - kept_r) < array / 10  # no array freed by retain_graph=False
    assert dropped < 2.5 * array  # x.grad (and at most one cached array) remain: the graph went with its output
