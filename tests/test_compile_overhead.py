"""What a compiled training step's replay runs in Python beside the step's own arithmetic: a fixed number of calls
(guards, the program, the optimizer's effect), none per parameter. The compiled W2 step (bench/bench_mlp.py) ran ~47
Python calls per replay against the hand-written NumPy step's 11, each a few thousand instructions
(bench/w2_instructions.py). And the leaf gradients a replay hands out without `_own()`'s call are still arrays of
their own, as the engine's are."""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.nn.functional import cross_entropy

# The calls outside the model's own operations (ops/, nn/, NumPy's Python wrappers) that one replay of a plain SGD
# step makes: compile's entry, its guards and program, the optimizer's zero_grad and step (the routines decided when
# it was compiled: optim/replay.py), and the one stamp of the step's changes.
_OVERHEAD = Counter({
    "__call__": 1, "_guard_key": 1, "all_hold": 1, "run": 1, "silence": 1, "replay": 1,
    "restore": 1, "replay_zero_grad": 1, "replay_step": 1, "mark_changed": 1, "_stamp": 1, "is_grad_enabled": 1})


def _replay_calls(hidden):
    """The Python functions one replay of a compiled MLP(8, hidden + [3]) SGD step calls outside ops/, nn/ and
    NumPy, counted by name; and the compile's stats."""
    rng = np.random.default_rng(0)
    model = nn.MLP(8, hidden + [3], rng=0, dtype=np.float32)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = rng.standard_normal((5, 8)).astype(np.float32), rng.integers(0, 3, 5)

    def step(x, y):
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.data

    run = ag.compile(step)
    for _ in range(4):  # two recordings, then replays
        run(x, y)
    calls = Counter()

    def profile(frame, event, arg):
        if event == "call":
            parts = frame.f_code.co_filename.split("/")
            if not (len(parts) > 1 and parts[-2] in ("ops", "nn", "_core", "lib")):
                calls[frame.f_code.co_name] += 1

    sys.setprofile(profile)
    try:
        run(x, y)
    finally:
        sys.setprofile(None)
    return calls, dict(run.stats)


def test_a_compiled_sgd_step_replays_with_a_fixed_number_of_python_calls_none_per_parameter(monkeypatch):
    from autograd_core.sparse_array import SparseGradients

    # (a process that has stored a sparse gradient, as earlier tests have, checks each parameter for one first)
    monkeypatch.setattr(SparseGradients, "stored", False)
    small, deep = _replay_calls([6]), _replay_calls([6, 6, 6])  # 4 parameters; 8
    for _, stats in (small, deep):
        assert stats["replayed"] == 3 and stats["eager"] == 0 and stats["guard_failures"] == 0, stats
    assert small[0] == deep[0], (small[0], deep[0])  # nothing per parameter (or per layer)
    assert small[0] <= _OVERHEAD, small[0] - _OVERHEAD  # nothing more than these


def _gradients(loss_of, compiled):
    """The .grad arrays of two parameters after four steps of `loss_of(a, b)`'s backward pass (compiled: two
    recordings, then two replays)."""
    rng = np.random.default_rng(1)
    a = Value(rng.standard_normal((3, 4)), requires_grad=True)
    b = Value(rng.standard_normal((3, 4)), requires_grad=True)

    def step():
        a.grad = b.grad = None
        loss_of(a, b).backward()

    run = ag.compile(step) if compiled else step
    for _ in range(4):
        run()
    if compiled:
        assert run.stats["replayed"] == 2, run.stats
    return a._grad, b._grad  # the arrays themselves (.grad reads them as GradArray views)


@pytest.mark.parametrize("loss_of", [
    lambda a, b: (a @ b.T).sum(),                  # matmul's gradients: arrays the replay allocates
    lambda a, b: a.sum() + (b * 2.0).sum(),        # a's: a read-only broadcast of the seed
    lambda a, b: a.T.sum() + b.reshape(-1).sum(),  # views of read-only arrays
    lambda a, b: (a + b).sum(),                    # one gradient handed to both
    lambda a, b: (a * b).mean() + ag.tanh(a).sum(),
], ids=["matmul", "broadcast", "views", "shared", "accumulated"])
def test_a_replay_gives_each_parameter_a_gradient_array_of_its_own(loss_of):
    (ea, eb), (ca, cb) = _gradients(loss_of, False), _gradients(loss_of, True)
    np.testing.assert_array_equal(ca, ea)
    np.testing.assert_array_equal(cb, eb)
    for g in (ca, cb):  # as the engine's: writable, its own memory (a user may write into it: p.grad *= 0)
        assert g.__class__ is np.ndarray and g.flags.writeable and g.base is None
    assert not np.shares_memory(ca, cb)
