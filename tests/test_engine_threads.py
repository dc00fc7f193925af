"""Grad mode and module scopes are per thread (as in PyTorch), and a failed backward pass changes no gradient."""

import sys
import threading

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn
from autograd_core.modes import current_scope


@pytest.fixture
def fast_switching():
    """Switch threads every microsecond, so the threads below interleave within single operations."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _run_threads(*targets):
    errors = []
    start = threading.Barrier(len(targets))

    def run(target):
        try:
            start.wait()
            target()
        except BaseException as err:  # noqa: B036  (reported in the main thread)
            errors.append(err)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _trainer(seed, steps=60):
    """A small model trained with plain SGD; returns the gradients of every step (copies)."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(3, 8, rng=rng), nn.Tanh(), nn.Linear(8, 1, rng=rng))
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    history = []

    def train():
        for _ in range(steps):
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            history.append([p.grad.copy() for p in model.parameters()])
            for p in model.parameters():
                p.data -= 0.05 * p.grad
                p.grad = None

    return model, train, history


def test_two_trainers_and_a_no_grad_reader_get_the_single_threaded_gradients(fast_switching):
    _, train, expected = _trainer(0)
    train()
    _, train_b, expected_b = _trainer(1)
    train_b()

    _, train1, got1 = _trainer(0)
    _, train2, got2 = _trainer(1)
    shared, _, _ = _trainer(2)
    recorded = []

    def reader():
        x = np.ones((4, 3))
        with ag.no_grad():
            for _ in range(300):
                recorded.append(shared(x).requires_grad or ag.is_grad_enabled())

    _run_threads(train1, train2, reader)
    assert not any(recorded)  # the reader's no_grad held in its thread ...
    assert ag.is_grad_enabled()  # ... and never leaked into this one
    for got, want in ((got1, expected), (got2, expected_b)):
        assert len(got) == len(want)
        for step_got, step_want in zip(got, want):
            for g, w in zip(step_got, step_want):
                np.testing.assert_array_equal(g, w)


def test_no_grad_in_one_thread_leaves_another_recording(fast_switching):
    inside, go_on = threading.Event(), threading.Event()
    seen = []

    def quiet():
        with ag.no_grad():
            inside.set()
            go_on.wait(10)

    def recorder():
        inside.wait(10)
        x = Value(1.0)
        seen.append(((x * 2).requires_grad, ag.is_grad_enabled()))
        go_on.set()

    _run_threads(quiet, recorder)
    assert seen == [(True, True)]


class _Tagger(nn.Module):
    """Checks that every node made in its forward carries its own scope."""

    def __init__(self):
        self.w = nn.Parameter(np.ones(4))
        self.wrong = 0

    def forward(self, x):
        out = x
        for _ in range(5):
            out = (out * self.w).tanh()
            if out.scope is None or out.scope.owner is not self:
                self.wrong += 1
        return out


def test_concurrent_module_calls_tag_their_own_nodes_and_leave_no_scope(fast_switching):
    modules = [_Tagger() for _ in range(4)]
    leftovers = []

    def caller(module):
        def call():
            for _ in range(200):
                module(Value(np.ones(4), requires_grad=False))
            leftovers.append(current_scope())
        return call

    _run_threads(*[caller(m) for m in modules])
    assert [m.wrong for m in modules] == [0, 0, 0, 0]
    assert leftovers == [None] * 4 and current_scope() is None
    assert (Value(1.0) * 2).scope is None


# ----------------------------------------------------------------------------------------------------
# A backward pass that raises half way changes nothing: a retry gives the gradient of one pass.


def _graph_with_a_failing_hook():
    a = Value(2.0, label="a")
    h = a * 3.0                # older than b: the pass reaches b (a leaf) before h
    b = Value(5.0, label="b")
    out = h * b
    calls = []

    def hook(g):
        calls.append(g)
        if len(calls) == 1:
            raise KeyboardInterrupt("stop")  # e.g. Ctrl-C, or a bug in the hook

    h.register_hook(hook)
    return a, b, out


@pytest.mark.parametrize("prior", [None, 1.0])
def test_a_failed_backward_leaves_every_grad_as_it_was(prior):
    a, b, out = _graph_with_a_failing_hook()
    a.grad = b.grad = None if prior is None else np.float64(prior)
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    assert a.grad == (None if prior is None else prior) and b.grad == (None if prior is None else prior)
    out.backward()  # the retry: the graph is intact (nothing was freed) and the hook now passes
    base = 0.0 if prior is None else prior
    assert b.grad == base + 6.0 and a.grad == base + 15.0  # d(3ab)/db = 3a, d(3ab)/da = 3b: once, not twice
    with pytest.raises(RuntimeError, match="second time"):  # a completed pass did free the graph
        out.backward()


def test_a_rule_failing_half_way_restores_grads_and_saved_parameters():
    c = Value(0.0, label="c")
    s = c.sqrt().sum(axis=None)  # sum keeps a saved parameter (axis) that a completed pass would free
    b = Value(5.0, label="b")   # younger than s: visited (and given a gradient) before s
    b.grad = np.float64(1.0)
    out = s * b
    # d sqrt(c)/dc = inf at 0: raised in sqrt's rule, after b and s got their gradients
    with np.errstate(divide="ignore"), ag.detect_anomaly(), pytest.raises(ag.AnomalyError):
        out.backward()
    assert b.grad == 1.0 and s.grad is None and out.grad is None and c.grad is None
    assert s.saved_params == {"axis": None, "keepdims": False}  # not freed
    with np.errstate(divide="ignore"):
        out.backward()  # the retry runs through the whole graph once
    assert b.grad == 1.0 + 0.0 and np.isinf(c.grad) and s.saved_params is None
