"""Gradients compared in Python inside compiled steps (jit_grad_guards.py): `if abs(p.grad) > c:` is a guard of the
program, checked at each replay after the backward pass; where the outcome differs, the replay puts back the gradients
and data it changed and the call is recorded again, down the other branch (never replayed down the recorded one).

Each step runs compiled and eagerly on twins over batches that change at every call (compile_twins.side_by_side:
results, weights, gradients and optimizer state the same bits after every call), with batches chosen so that the
compared gradient crosses its threshold at known calls: the compiled twin must then record again, and replay the
calls in between.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import CompileWarning, Value, nn
from compile_twins import compiled_twins, side_by_side


def _batches(count, shape=(6, 3), seed=0, scales=None):
    rng = np.random.default_rng(seed)
    scales = scales or [1.0] * count
    return [(rng.standard_normal(shape) * s, rng.standard_normal(shape[0]) * s) for s in scales]


def _micrograd_step(update, zero=True):
    """micrograd's lecture: a neuron of 0-d Values, `p.grad = 0.0` (unless not `zero`: gradients accumulated over the
    calls), the loss summed over the batch, `update(params)`."""

    def make():
        rng = np.random.default_rng(1)
        w = [Value(float(v)) for v in rng.standard_normal(3)]
        b = Value(0.1)
        params = [*w, b]

        def step(xs, ys):
            for p in params:
                if zero:
                    p.grad = 0.0
            loss = Value(0.0)
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)
            for i in range(len(xs)):
                out = sum((wi * xv[i, j] for j, wi in enumerate(w)), b).tanh()
                loss = loss + (out - yv[i]) ** 2
            loss.backward()
            update(params)
            return loss

        return params, step

    return make


def _clipped_by_branch(params):
    for p in params:
        if abs(p.grad) > 20.0:  # a big gradient: a smaller step (what clipping by hand does)
            p.data += -0.001 * p.grad
        else:
            p.data += -0.05 * p.grad


def _grad_of(params):
    return [float(np.asarray(p.grad)) for p in params]


def test_a_branch_on_a_scalar_gradient_replays_while_its_outcome_holds():
    compiled_twins(_micrograd_step(_clipped_by_branch), _batches(6))


def test_a_branch_on_a_scalar_gradient_records_again_where_its_outcome_changes():
    """Batches scaled ×10 at calls 4 and 5 make some |grad| > 20: those calls fail the guard (after the backward pass
    and the updates of the parameters before: put back) and are recorded again, down the other branch; the calls
    between replay. Bit for bit with eager mode throughout."""
    scales = [1.0, 1.0, 1.0, 1.0, 10.0, 10.0, 1.0, 1.0, 1.0]
    calls = _batches(len(scales), scales=scales)
    compiled = side_by_side(_micrograd_step(_clipped_by_branch), calls)
    assert compiled.stats["eager"] == 0, compiled.stats
    assert compiled.stats["recorded"] >= 4 and compiled.stats["replayed"] >= 3, compiled.stats


def test_the_guard_sees_the_outcome_change_where_two_recordings_agreed():
    """The two recordings both take the small-gradient branch; a replayed call whose gradient is big must not take it
    (the regression a program without the guard shows: the recorded branch's step size replayed)."""
    make = _micrograd_step(_clipped_by_branch)
    torch.manual_seed(0)
    params, step = make()
    compiled = torch.compile(step)
    calls = _batches(5, scales=[1.0, 1.0, 1.0, 10.0, 1.0])
    for xs, ys in calls[:3]:
        compiled(xs, ys)
    assert compiled.stats["replayed"] == 1
    assert max(abs(g) for g in _grad_of(params)) <= 20.0
    before = [float(p.data) for p in params]
    compiled(*calls[3])
    assert max(abs(g) for g in _grad_of(params)) > 20.0  # the other branch's outcome ...
    assert compiled.stats["replayed"] == 1 and compiled.stats["recorded"] == 3  # ... recorded, not replayed
    expected = [b + (-0.001 if abs(g) > 20.0 else -0.05) * g for b, g in zip(before, _grad_of(params))]
    assert [float(p.data) for p in params] == expected


def _last_clipped(limit):
    def update(params):
        for p in params:  # the last parameter's comparison, after the others' updates
            small = p is not params[-1] or abs(p.grad) <= limit
            p.data += (-0.05 if small else -0.001) * p.grad

    return update


@pytest.mark.parametrize("zero, limit", [(True, 5.0), (False, 11.0)], ids=["zeroed", "accumulated"])
def test_a_failing_guard_puts_back_the_gradients_and_data_it_changed(zero, limit):
    """The last parameter's comparison flips after two calls agreed and made a program (calls 0 and 1; 2 and 3),
    after the backward pass and the other parameters' updates: the replay puts back their data (and, where the
    gradients accumulate over calls, the gradients) before the call is recorded again, which would otherwise repeat
    them."""
    compiled = side_by_side(_micrograd_step(_last_clipped(limit), zero), _batches(9))
    assert compiled.stats["eager"] == 0 and compiled.stats["replayed"] >= 2, compiled.stats
    assert compiled.stats["recorded"] >= 3, compiled.stats  # a guard failed after the program was made


def _scalar_mlp_step(read):
    """nn.MLP of scalar weights, zeroed by `p.grad = 0.0`, `read(params)` after backward, then SGD's step."""

    def make():
        model = nn.MLP(3, [4, 1], rng=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)

        def step(xs, ys, skip_above=1e9):
            params = model.parameters()
            for p in params:
                p.grad = 0.0
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)
            loss = sum(((model([xv[i, 0], xv[i, 1], xv[i, 2]]) - yv[i]) ** 2 for i in range(len(xs))), Value(0.0))
            loss.backward()
            if read(params):
                opt.step()  # an optimizer's step that a gradient's comparison decides
            return loss

        return [layer.weight for layer in model.layers] + [layer.bias for layer in model.layers], opt, step

    return make


def _all_small(params):
    return all(abs(p.grad) < 50.0 for p in params)


def test_an_optimizer_step_that_a_gradients_comparison_decides_replays_and_records_again():
    """`if all(abs(p.grad) < 50.0 ...): opt.step()` over nn.MLP's scalar weights: a replay checks every comparison (the
    gradients of the views, a new NumPy scalar each) and records again where one differs: the step skipped."""
    scales = [1.0] * 5 + [30.0] + [1.0] * 4
    compiled = side_by_side(_scalar_mlp_step(_all_small), _batches(len(scales), (4, 3), scales=scales))
    assert compiled.stats["eager"] == 0, compiled.stats
    assert compiled.stats["replayed"] >= 3, compiled.stats


def test_a_comparison_of_gradients_that_holds_replays_without_warnings():
    compiled_twins(_scalar_mlp_step(_all_small), _batches(6, (4, 3)), replays=3)


def test_a_gradient_compared_after_an_optimizers_step_runs_eagerly():
    """After `opt.step()` (not idempotent: a failing guard could not put its state back, momentum's, say) a comparison
    of a gradient cannot be checked in time: the step runs eagerly, with a warning, and gives eager mode's numbers."""

    def make():
        model = nn.MLP(3, [4, 1], rng=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

        def step(xs, ys):
            opt.zero_grad()
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)
            loss = sum(((model([xv[i, 0], xv[i, 1], xv[i, 2]]) - yv[i]) ** 2 for i in range(len(xs))), Value(0.0))
            loss.backward()
            opt.step()
            if abs(model.parameters()[0].grad) > 1e9:
                opt.step()
            return loss

        return list(model.parameters()), opt, step

    with pytest.warns(CompileWarning, match="compared .* after SGD.step"):
        compiled = side_by_side(make, _batches(4, (4, 3)))
    assert compiled.stats["replayed"] == 0


def test_a_comparison_with_a_number_read_out_of_sight_still_runs_eagerly():
    """`g > float(other.grad)`: float() is NumPy out of the recording's sight (a constant two recordings may agree
    on), and the call updates parameters by hand: eager, with a warning, as before."""

    def update(params):
        limit = float(params[-1].grad)
        for p in params:
            p.data += (-0.05 if p.grad > limit else -0.01) * p.grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        compiled = side_by_side(_micrograd_step(update), _batches(5))
    assert compiled.stats["replayed"] == 0
