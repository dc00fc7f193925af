"""A convolution without a bias (a ResNet's, before its BatchNorm) sets its weight gradient aside as one with a bias
does (tests/test_threads_aside.py): its node keeps its two parents as one tuple (recording.keep_parents_whole), so the
backward pass takes its general way there. The numbers are the one-thread pass's bit for bit, eager and compiled, and
nothing users see of the node changes: grad_fn, next_functions, pictures, hooks, retain_graph, in-place checks,
anomaly mode."""

from __future__ import annotations


import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, backward_edges, nn, optim, viz
from autograd_core.nn import functional as F
from autograd_core.recording import keep_parents_whole
from test_threads_aside import aside_always  # noqa: F401  (the fixture of that file)


@pytest.fixture
def asides(monkeypatch):
    """The (primitive, input) of every rule that the pass set aside (`run_aside` gave an `Aside`: not where one thread
    is allowed; aside_always's timings never choose the calling thread)."""
    seen = []
    run_aside = backward_edges.run_aside

    def spy(work, key):
        later = run_aside(work, key)
        if later is not None:
            seen.append(key[1:3])
        return later

    monkeypatch.setattr(backward_edges, "run_aside", spy)
    return seen


CONVOLUTIONS = {  # a bias-free convolution of a node h, its weight w
    "conv2d": (lambda h, w: F.conv2d(h, w, padding=1), (3, 3, 3, 3)),
    "conv_transpose2d": (lambda h, w: F.conv_transpose2d(h, w, padding=1, stride=2), (3, 2, 3, 3)),
}


def _bias_free_step(name, threads_allowed, dtype=np.float64):
    """The gradients of x, w1 and w2 (w2 bias-free in the convolution `name`, of a node below it)."""
    ag.set_num_threads(threads_allowed)
    convolve, w_shape = CONVOLUTIONS[name]
    rng = np.random.default_rng(5)
    x = Value(rng.standard_normal((4, 3, 6, 6)).astype(dtype))
    w1 = Value(rng.standard_normal((3, 3, 3, 3)).astype(dtype))
    w2 = Value(rng.standard_normal(w_shape).astype(dtype))
    y = convolve(F.tanh(F.conv2d(x, w1, padding=1)), w2)
    (y * y).sum().backward()
    return x, w1, w2


@pytest.mark.parametrize("name", list(CONVOLUTIONS))
def test_a_bias_free_weight_gradient_is_set_aside_with_the_one_thread_bits(name, aside_always, asides):  # noqa: F811
    serial = [v.grad.copy() for v in _bias_free_step(name, 1)]
    assert asides == []  # one thread: nothing set aside
    aside = [v.grad for v in _bias_free_step(name, 2)]
    # w2's (its input is a node: the pass goes on below it); w1's convolution is of the data (nothing left meanwhile)
    assert asides == [(name, 1)]
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(serial, aside))


def test_bias_free_gradients_on_two_threads_are_pytorchs(aside_always):  # noqa: F811
    torch = pytest.importorskip("torch")
    for name in CONVOLUTIONS:
        got = _bias_free_step(name, 2)
        x, w1, w2 = (torch.tensor(v.data, requires_grad=True) for v in got)
        h = torch.tanh(torch.nn.functional.conv2d(x, w1, padding=1))
        y = (torch.nn.functional.conv2d(h, w2, padding=1) if name == "conv2d"
             else torch.nn.functional.conv_transpose2d(h, w2, padding=1, stride=2))
        (y * y).sum().backward()
        for ours, theirs in zip(got, (x, w1, w2)):
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("condition", ["hooked weight", "autograd.grad", "input of the data", "g too small"])
def test_the_conditions_of_a_set_aside_hold_without_a_bias(condition, aside_always, asides, monkeypatch):  # noqa: F811
    """As with a bias: nothing is set aside for a hooked weight, in autograd.grad's pass, where the convolution's input
    needs no gradient, or for a g under ASIDE_FROM elements; the gradients are the one-thread pass's."""
    if condition == "g too small":
        monkeypatch.setattr(backward_edges, "ASIDE_FROM", 10**6)

    def run(threads_allowed):
        ag.set_num_threads(threads_allowed)
        rng = np.random.default_rng(6)
        x = Value(rng.standard_normal((2, 3, 5, 5)), requires_grad=condition != "input of the data")
        w = Value(rng.standard_normal((3, 3, 3, 3)))
        hooked = []
        if condition == "hooked weight":
            w.register_hook(lambda g: hooked.append(g.copy()))
        loss = (F.conv2d(x * 2.0, w, padding=1) ** 2).sum()
        if condition == "autograd.grad":
            return list(ag.autograd.grad(loss, [w]))
        loss.backward()
        return [w.grad, *hooked]

    serial = run(1)
    two = run(2)
    assert asides == []
    assert len(serial) == len(two) and all(np.array_equal(a, b) for a, b in zip(serial, two))


def _resnet_block(seed):
    """conv(bias=False) -> BatchNorm2d -> ReLU -> conv(bias=False) -> BatchNorm2d, plus the input (a ResNet's basic
    block), then a linear head."""
    f32 = np.float32

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False, rng=seed, dtype=f32)
            self.bn1 = nn.BatchNorm2d(4, dtype=f32)
            self.conv2 = nn.Conv2d(4, 3, 3, padding=1, bias=False, rng=seed + 1, dtype=f32)
            self.bn2 = nn.BatchNorm2d(3, dtype=f32)
            self.head = nn.Linear(3 * 6 * 6, 2, rng=seed + 2, dtype=f32)

        def forward(self, x):
            h = F.relu(self.bn1(self.conv1(x)))
            h = F.relu(self.bn2(self.conv2(h)) + x)
            return self.head(h.flatten(1))

    return Block()


def _train(threads_allowed, steps=3, compiled=False):
    ag.set_num_threads(threads_allowed)
    model = _resnet_block(0)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(7)
    x = Value(rng.standard_normal((5, 3, 6, 6)).astype(np.float32))
    labels = rng.integers(0, 2, 5)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    run = ag.compile(step) if compiled else step
    losses = [float(run().data) for _ in range(steps)]
    return losses, [p.data.copy() for p in model.parameters()], run


def test_a_bias_free_resnet_block_trains_to_the_same_bits_on_one_thread_and_two(aside_always, asides):  # noqa: F811
    losses, params, _ = _train(1)
    assert asides == []
    losses2, params2, _ = _train(2)
    assert asides == [("conv2d", 1)] * 3  # conv2's weight at each step (conv1's input is the data)
    assert losses == losses2 and all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(params, params2))


def test_a_compiled_bias_free_resnet_block_sets_aside_with_eager_bits(aside_always):  # noqa: F811
    """The compiled plan decided by the recorded operation's inputs, with or without a bias (jit_plan_backward.py
    `_sets_aside`); checked here on the block, against eager mode's one-thread bits."""
    losses, params, _ = _train(1, steps=4)
    losses2, params2, compiled = _train(2, steps=4, compiled=True)
    assert "_aside(" in compiled.sources()[0]
    assert losses == losses2 and all(np.array_equal(a, b) for a, b in zip(params, params2))


def _graph():
    rng = np.random.default_rng(8)
    x = Value(rng.standard_normal((2, 3, 5, 5)), label="x")
    w = Value(rng.standard_normal((3, 3, 3, 3)), label="w")
    y = F.conv2d(x * 2.0, w, padding=1)
    y.label = "y"
    return x, w, y


def _seen(y):
    """What users see of y's node: grad_fn's name and next_functions, parents, and its picture."""
    fn = y.grad_fn
    nexts = [(None if f is None else f.name(), n) for f, n in fn.next_functions]
    return fn.name(), nexts, y.parents, viz.to_json(viz.trace(y)), viz.draw(y).source


def test_what_users_see_of_a_bias_free_convolution_is_as_before():
    x, w, y = _graph()
    assert y._p1.__class__ is tuple and y._p1 == (y._p0, w)  # recorded so, for the pass's general way
    now = _seen(y)
    y._p1 = w  # stored as any node of two inputs (as before keep_parents_whole)
    before = _seen(y)
    assert now[:3] == before[:3] and now[3] == before[3] and now[4] == before[4]
    # PyTorch's ConvolutionBackward0 lists the missing bias as an edge of None (stop 66; before, two edges)
    assert now[0] == "ConvolutionBackward0" and now[1][1:] == [("torch::autograd::AccumulateGrad", 0), (None, 0)]
    assert now[2] == (y._p0, w)


def test_keep_parents_whole_leaves_leaves_and_one_input_nodes_alone():
    x = Value(np.ones(3))
    assert keep_parents_whole(x) is x and x._p0 is None and x._p1 is None
    t = ag.tanh(x)
    assert keep_parents_whole(t)._p1 is None
    three = F.conv2d(Value(np.ones((1, 1, 2, 2))), Value(np.ones((1, 1, 1, 1))), Value(np.ones(1)))
    whole = three._p1
    assert keep_parents_whole(three)._p1 is whole
    s = x * x
    assert keep_parents_whole(s)._p1 == (x, x) and s.parents == (x, x)
    s.sum().backward()
    assert np.array_equal(x.grad, 2 * np.ones(3))


def _w_gradient_on_one_thread():
    ag.set_num_threads(1)
    _, w, y = _graph()
    (y * y).sum().backward()
    return w.grad


@pytest.mark.parametrize("mode", ["retain_graph", "freed", "in-place", "anomaly", "node hook", "weight hook"])
def test_hooks_retain_graph_inplace_and_anomaly_as_before(mode, aside_always, asides):  # noqa: F811
    expected = _w_gradient_on_one_thread()
    ag.set_num_threads(2)
    _, w, y = _graph()
    loss = (y * y).sum()
    if mode == "retain_graph":
        loss.backward(retain_graph=True)
        loss.backward()
        assert np.array_equal(w.grad, expected + expected) and asides == [("conv2d", 1)] * 2
    elif mode == "freed":
        loss.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            loss.backward()
        assert np.array_equal(w.grad, expected)
    elif mode == "in-place":
        y._p0.mul_(3.0)  # the convolution's saved input x * 2, changed after the convolution read it
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
        assert w.grad is None
    elif mode == "anomaly":  # (its pass takes the general way for every node: `_to_parents`, which sets nothing aside)
        with ag.autograd.detect_anomaly():
            loss.backward()
        assert np.array_equal(w.grad, expected)
    elif mode == "node hook":
        seen = []
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(len(grad_inputs)))
        loss.backward()
        assert seen == [3] and np.array_equal(w.grad, expected) and asides == [("conv2d", 1)]  # (gx, gw, None)
    else:
        seen = []
        w.register_hook(lambda g: seen.append(g.copy()))
        loss.backward()
        assert asides == [] and np.array_equal(seen[0], expected) and np.array_equal(w.grad, expected)


def _bias_free_edges(lib, transposed):
    """A bias-free convolution's node: the names of its next_functions, and the shapes its node hook's grad_inputs
    have (None for the missing bias)."""
    functional = F if lib is ag else lib.nn.functional
    x = lib.tensor(np.ones((1, 2, 5, 5)), requires_grad=True)
    w = lib.tensor(np.ones((2, 3, 3, 3) if transposed else (3, 2, 3, 3)), requires_grad=True)
    y = (functional.conv_transpose2d if transposed else functional.conv2d)(x * 2.0, w)
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, _: seen.append([None if g is None else tuple(g.shape)
                                                                for g in grad_inputs]))
    (y * y).sum().backward()
    names = [None if f is None else type(f).__name__ for f, _ in y.grad_fn.next_functions]
    return type(y.grad_fn).__name__, names, seen


@pytest.mark.parametrize("transposed", [False, True])
def test_a_bias_free_convolution_lists_its_missing_bias_as_pytorchs_node_does(transposed):
    ours = _bias_free_edges(ag, transposed)
    assert ours[0] == "ConvolutionBackward0" and ours[1] == ["MulBackward0", "AccumulateGrad", None]
    assert len(ours[2]) == 1 and ours[2][0][2] is None
    torch = pytest.importorskip("torch")
    assert _bias_free_edges(torch, transposed) == ours
