"""Hand-written updates of parameters inside compiled steps (jit_numpy.py): NumPy's arithmetic on gradients and data
recorded and replayed, not run eagerly.

micrograd's `p.data += -lr * p.grad` in a loop over the parameters (on 0-d Values, micrograd's own, and on tensor
Values), `p.data -= lr * p.grad`, `p.data = p.data - lr * p.grad`, `p.data.add_(p.grad, alpha=-lr)` and
`p.data.mul_(0.99)` on nn.Parameters. Each step runs compiled and eagerly on twin models with batches that change at
every call; results, weights and gradients are compared bit for bit after every call, and the compiled twin must
replay every call after its two recordings without a CompileWarning. Also checked: a learning rate changed between
calls (a global: re-recorded), and what still runs eagerly with a warning (a reduction of a gradient that may steer
Python, NumPy's non-ufunc functions, a gradient changed in place).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import CompileWarning, Value, nn
from compile_twins import compiled_twins, side_by_side
from gradient_helpers import same_bits


def _batches(count, shape=(6, 3), seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape), rng.standard_normal(shape[0])) for _ in range(count)]


def test_micrograds_update_of_scalar_values_replays():
    """micrograd's lecture: a neuron of 0-d Values, the loss summed over a batch, zero_grad by `p.grad = 0.0`, and
    `p.data += -lr * p.grad` for each parameter (the gradient a NumPy float)."""

    def make():
        rng = np.random.default_rng(1)
        w = [Value(float(v)) for v in rng.standard_normal(3)]
        b = Value(0.1)
        params = [*w, b]

        def step(xs, ys):
            for p in params:
                p.grad = 0.0
            loss = Value(0.0)
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)  # the batch, read live
            for i in range(len(xs)):
                out = sum((wi * xv[i, j] for j, wi in enumerate(w)), b).tanh()
                loss = loss + (out - yv[i]) ** 2
            loss.backward()
            for p in params:
                p.data += -0.05 * p.grad
            return loss

        return params, step

    compiled_twins(make, _batches(5))


def test_micrograds_update_of_an_mlp_of_scalar_weights_replays():
    """micrograd's lecture with the library's nn.MLP (lists of numbers in, ElementView weights: one element of a
    matrix each, a new NumPy scalar at each read of .data or .grad): `p.data += -lr * p.grad` over its parameters.
    The first call makes the views (nn.MLP makes them lazily): three recordings before the replays."""

    def make():
        model = nn.MLP(3, [4, 4, 1], rng=0)

        def step(xs, ys):
            model.zero_grad()
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)
            loss = sum(((model([xv[i, 0], xv[i, 1], xv[i, 2]]) - yv[i]) ** 2 for i in range(len(xs))), Value(0.0))
            loss.backward()
            for p in model.parameters():
                p.data += -0.05 * p.grad
            return loss

        return [model.layers[0].weight, model.layers[1].weight, model.layers[2].weight], step

    compiled_twins(make, _batches(6, (4, 3)), replays=3)


def _linear(make_update):
    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        params = list(model.parameters())

        def step(x, y):
            model.zero_grad()
            x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            loss = ((model(x).squeeze(1) - y) ** 2).mean()
            loss.backward()
            for p in params:
                make_update(p)
            return loss

        return params, step

    return make


def _plus_equals(p):
    p.data += -0.1 * p.grad


def _minus_equals(p):
    p.data -= 0.1 * p.grad


def _assigned(p):
    p.data = p.data - 0.1 * p.grad


def _add_alpha(p):
    p.data.add_(p.grad, alpha=-0.1)


def _decay_after(p):
    p.data -= 0.1 * p.grad
    p.data.mul_(0.99)


def _folded(p):
    p.data += -0.1 * (p.grad + p.data * p.grad)  # the data as an operand of the gradient's arithmetic


@pytest.mark.parametrize("update", [_plus_equals, _minus_equals, _assigned, _add_alpha, _decay_after, _folded],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_hand_written_update_of_parameters_replays(update):
    compiled_twins(_linear(update), _batches(5))


def test_micrograds_update_of_tensor_values_replays():
    def make():
        rng = np.random.default_rng(2)
        w1, b1 = Value(rng.standard_normal((3, 5))), Value(np.zeros(5))
        w2 = Value(rng.standard_normal((5, 1)))
        params = [w1, b1, w2]

        def step(x, y):
            for p in params:
                p.grad = None
            loss = (((Value(x, requires_grad=False) @ w1 + b1).relu() @ w2).squeeze(1) - y).pow(2).mean()
            loss.backward()
            for p in params:
                p.data += -0.05 * p.grad
            return loss

        return params, step

    compiled_twins(make, _batches(5))


LEARNING_RATE = 0.1


def test_a_learning_rate_changed_between_calls_records_again():
    """The learning rate is a global the step reads: rebinding it re-records, and the new rate is used."""
    global LEARNING_RATE

    def update(p):
        p.data -= LEARNING_RATE * p.grad

    (params1, eager), (params2, step) = _linear(update)(), _linear(update)()
    compiled = torch.compile(step)
    try:
        for i, (x, y) in enumerate(_batches(8)):
            if i == 4:
                LEARNING_RATE = 0.01
            assert same_bits(compiled(x, y), eager(x, y)), f"call {i}"
            assert all(same_bits(p.data, q.data) for p, q in zip(params1, params2)), f"call {i}"
    finally:
        LEARNING_RATE = 0.1
    assert compiled.stats["replayed"] == 4 and compiled.stats["recorded"] == 4, compiled.stats


def _runs_eagerly(update, match):
    params1, eager = _linear(update)()
    params2, step = _linear(update)()
    compiled = torch.compile(step, max_recordings=2)
    with pytest.warns(CompileWarning, match=match):
        for x, y in _batches(4):
            assert same_bits(compiled(x, y), eager(x, y))
    assert all(same_bits(p.data, q.data) for p, q in zip(params1, params2))
    assert compiled.stats["replayed"] == 0


def test_a_gradient_reduced_to_steer_python_replays_guarded():
    """`if (p.grad ** 2).sum() > 0.0:` a reduction (recorded, jit_reductions.py) compared in Python: a guard."""

    def update(p):
        if (p.grad ** 2).sum() > 0.0:
            p.data -= 0.1 * p.grad

    compiled_twins(_linear(update), _batches(5))


def _clipped_by_total_norm(max_norm, norm_of):
    """Clipping by the gradients' total norm written by hand: `scale = min(1, max_norm / total)` (a traced number
    when the norm exceeds max_norm, else the 1.0 min compared it with: a guard either way)."""

    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        params = list(model.parameters())

        def step(x, y):
            model.zero_grad()
            x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            loss = ((model(x).squeeze(1) - y) ** 2).mean()
            loss.backward()
            total = np.sqrt(sum(norm_of(p.grad) ** 2 for p in params))
            scale = min(1.0, max_norm / total)
            for p in params:
                p.data -= 0.1 * scale * p.grad
            return loss

        return params, step

    return make


def _sum_of_squares(g):
    return np.sqrt((g * g).sum())


@pytest.mark.parametrize("norm_of", [_sum_of_squares, lambda g: g.norm(), lambda g: np.sqrt(np.sum(g ** 2))],
                         ids=["sum-of-squares", "norm-method", "np-sum"])
def test_clipping_by_the_total_norm_written_by_hand_replays(norm_of):
    compiled_twins(_clipped_by_total_norm(0.5, norm_of), _batches(5))  # (the total norm is 1 to 2: clipped)


def test_clipping_by_the_total_norm_records_again_where_min_takes_the_other_side():
    """With max_norm 1.6 the total norm (1 to 2) is above it at some calls and below at others: min() compares a
    traced number, a guard that records again where the side changes (the scale 1.0 is never replayed for a call
    that must clip, nor the traced scale for one that must not)."""
    compiled = side_by_side(_clipped_by_total_norm(1.6, _sum_of_squares), _batches(10))
    assert compiled.stats["eager"] == 0 and compiled.stats["replayed"] >= 1, compiled.stats
    assert compiled.stats["recorded"] >= 3, compiled.stats


def test_an_update_scaled_by_a_number_read_from_the_gradients_runs_eagerly():
    """A scale `min(1, c / norm)` read with float() is 1.0 at most calls: two recordings would agree on it, and a
    replay would keep 1.0 when the norm grows. A read of a traced gradient out of sight, in a call that also updates
    parameters from traced numbers, runs the function eagerly."""

    def update(p):
        scale = min(1.0, 100.0 / float(np.sqrt((p.grad * p.grad).sum())))
        p.data -= 0.1 * scale * p.grad

    _runs_eagerly(update, r"a gradient read as a number")


def test_a_reduction_taken_out_of_sight_runs_eagerly():
    """round() and math.sqrt() of a traced sum give plain numbers (NumPy's scalars round in C): refused as reads out of
    sight, or, where no method of the traced number runs, as a reduction's result that no recorded line uses
    (jit_reductions.unused); the update it scales runs eagerly rather than replaying a scale two recordings agreed
    on."""

    for reduce in (lambda total: round(total, 12), math.sqrt):
        def update(p, reduce=reduce):
            scale = min(1.0, 100.0 / reduce(np.sqrt((p.grad * p.grad).sum())))
            p.data -= 0.1 * scale * p.grad

        _runs_eagerly(update, r"a gradient read as a number|a number computed from a reduction of a gradient used out "
                              r"of a replay's sight")


def test_a_gradients_mean_still_runs_eagerly():
    def update(p):
        p.data -= 0.1 * (p.grad - p.grad.mean())

    _runs_eagerly(update, r"a gradient's mean")


def test_a_gradient_read_only_for_logging_still_replays():
    """Without a hand-written update, reading gradients with NumPy (a log of their largest entry) is Python a replay
    skips, as before (the documented limit): the step with its optimizer replays."""
    def make():
        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            loss = ((model(x).squeeze(1) - y) ** 2).mean()
            loss.backward()
            _ = float(np.abs(model.weight.grad).max())  # (a log line, say: Python a replay skips)
            opt.step()
            return loss

        return list(model.parameters()), step

    compiled_twins(make, _batches(5))


def _clip_function(p):
    p.data -= 0.1 * np.clip(p.grad, -0.01, 0.01)  # the bounds bite: the gradients reach ±0.5


def _clip_method(p):
    p.data -= 0.1 * p.grad.clip(-0.01, None)


@pytest.mark.parametrize("update", [_clip_function, _clip_method], ids=lambda f: f.__name__.strip("_"))
def test_a_gradient_clipped_by_numpy_replays(update):
    """np.clip (a NumPy function, not a ufunc) calls the ufunc np.clip (np.maximum for a missing bound): recorded."""
    compiled_twins(_linear(update), _batches(5))


def test_micrograds_scalar_gradients_clipped_by_numpy_replay():
    """np.clip of a 0-d Value's gradient (a NumPy float, whose clip method NumPy calls): recorded as the ufunc."""

    def make():
        rng = np.random.default_rng(1)
        params = [Value(float(v)) for v in rng.standard_normal(3)]

        def step(xs, ys):
            for p in params:
                p.grad = 0.0
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)
            loss = sum((((sum(w * xv[i, j] for j, w in enumerate(params))).tanh() - yv[i]) ** 2
                        for i in range(len(xs))), Value(0.0))
            loss.backward()
            for p in params:
                p.data += -0.05 * np.clip(p.grad, -2.0, 2.0)  # (the gradients reach ±6: the bounds bite)
            return loss

        return params, step

    compiled_twins(make, _batches(6))


def test_numpys_other_functions_of_a_gradient_still_run_eagerly():
    def update(p):
        p.data -= 0.1 * np.where(p.grad > 0, p.grad, 0.0)

    _runs_eagerly(update, r"NumPy's where of a gradient|assigns a parameter's .data")


def test_numpy_on_a_parameters_data_alone_replays():
    """`p.data *= 0.99`, no gradient involved: a Parameter's data is a ParameterArray, whose augmented assignments a
    recording watches (jit_numpy.watched_augmented): recorded and replayed (it ran eagerly before)."""

    def update(p):
        p.data *= 0.99
        p.data -= 0.1 * p.grad

    compiled_twins(_linear(update), _batches(5))


def test_a_gradient_changed_in_place_still_runs_eagerly():
    def update(p):
        p.grad.mul_(0.5)
        p.data -= 0.1 * p.grad

    _runs_eagerly(update, r"in-place change \(.grad.mul_\)")


def test_numpy_on_a_parameters_data_alone_inside_the_update_is_a_constant_and_runs_eagerly():
    """`0.01 * p.data` has no gradient among its operands: NumPy out of sight, a constant that differs between two
    recordings, so the step runs eagerly (after its recordings) rather than replaying the first call's numbers."""

    def update(p):
        p.data += -0.1 * (p.grad + 0.01 * p.data)

    _runs_eagerly(update, r"a constant differs between two calls")


# ----------------------------------------------------------------------------------------------------
# Changes in place of parameters and buffers outside effects (jit_inplace._stored): replayed as stores.


def _in_place_step(change, optimizer=True):
    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if optimizer else None

        def step(x, y):
            model.zero_grad()
            x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            loss = ((model(x).squeeze(1) - y) ** 2).mean()
            loss.backward()
            if opt is not None:
                opt.step()
            change(model)
            return loss

        return list(model.parameters()), step

    return make


def _sgd_under_no_grad(model):
    with torch.no_grad():  # PyTorch's manual SGD: the parameter changed in place, the graph not told
        for p in model.parameters():
            p -= 0.1 * p.grad


def _clamped(model):
    with torch.no_grad():
        model[0].weight.clamp_(-0.3, 0.3)  # weight clipping (a WGAN critic's) after the optimizer's step


def _scaled_and_filled(model):
    with torch.no_grad():
        model[2].weight.mul_(0.99)
        model[2].bias.fill_(0.0)


@pytest.mark.parametrize("change, optimizer", [(_sgd_under_no_grad, False), (_clamped, True),
                                               (_scaled_and_filled, True)],
                         ids=["sgd-under-no-grad", "clamp", "mul-and-fill"])
def test_a_parameter_changed_in_place_under_no_grad_replays(change, optimizer):
    compiled = compiled_twins(_in_place_step(change, optimizer), _batches(5))
    assert "_store(" in compiled.sources()[0]


def test_a_buffer_value_and_a_scalar_parameter_changed_in_place_replay():
    """A counter Value that needs no gradient (`calls.add_(1)`) and a 0-d parameter annealed inside no_grad() (its
    number replaced: a NumPy scalar): each call's change, as in eager mode."""

    def make():
        w = Value(np.array([0.5, -0.25, 1.0]))
        temperature = Value(2.0)
        calls = Value(np.zeros(1), requires_grad=False)

        def step(x, y):
            w.grad = temperature.grad = None
            loss = ((Value(x, requires_grad=False) @ w / temperature - Value(y, requires_grad=False)) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w.sub_(0.05 * w.grad)
                temperature.mul_(0.9)
            calls.add_(1.0)
            return loss, calls * 1

        return [w, temperature, calls], step

    compiled_twins(make, _batches(5))


def test_numpy_in_place_after_a_recorded_update_replays():
    """`p.data += 0.001` after the recorded `p.data -= lr * p.grad`: NumPy in place with no gradient among its
    operands, on a Parameter's data (a ParameterArray): recorded too."""

    def update(p):
        p.data -= 0.1 * p.grad
        p.data += 0.001

    compiled_twins(_linear(update), _batches(5))


def test_numpy_in_place_on_a_plain_values_data_still_runs_eagerly():
    """The data of a Value that is no Parameter is a plain array, whose `*=` nothing watches: the assignment to .data
    that ends `w.data *= 0.99` finds it changed out of sight."""

    def make():
        w = Value(np.random.default_rng(0).standard_normal((3, 1)), requires_grad=True)

        def step(x, y):
            w.grad = None
            loss = ((Value(x) @ w).squeeze(1) - Value(y)).pow(2).mean()
            loss.backward()
            w.data *= 0.99
            w.data -= 0.1 * w.grad
            return loss

        return [w], step

    compiled = torch.compile(make()[1], max_recordings=2)
    with pytest.warns(CompileWarning, match=r"assigns a parameter's .data"):
        for x, y in _batches(4):
            compiled(x, y)
    assert compiled.stats["replayed"] == 0


# ----------------------------------------------------------------------------------------------------
# Gradients read as Python numbers in micrograd-style steps (jit_numpy.finish, jit_numpy_reads.py).


def _scalar_mlp_step(read, update=None):
    """nn.MLP of scalar weights, zeroed by micrograd's `p.grad = 0.0`, its gradients read by `read(params)` after the
    backward pass, then stepped by SGD (or by `update(params)` by hand)."""

    def make():
        model = nn.MLP(3, [4, 1], rng=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)

        def step(xs, ys):
            params = model.parameters()
            for p in params:
                p.grad = 0.0
            xv, yv = Value(xs, requires_grad=False), Value(ys, requires_grad=False)
            loss = sum(((model([xv[i, 0], xv[i, 1], xv[i, 2]]) - yv[i]) ** 2 for i in range(len(xs))), Value(0.0))
            loss.backward()
            read(params)
            if update is None:
                opt.step()
            else:
                update(params)
            return loss

        return [layer.weight for layer in model.layers] + [layer.bias for layer in model.layers], opt, step

    return make


def test_a_gradient_read_as_a_number_beside_micrograds_zeroing_replays():
    """`p.grad = 0.0` sets gradients to a number: no update from traced numbers, so reading them with float() (a log
    line) does not make the step run eagerly (a regression of the hand-written-update support: it counted the
    zeroing as one)."""

    def read(params):
        _ = [float(p.grad) for p in params]

    compiled_twins(_scalar_mlp_step(read), _batches(6, (4, 3)), replays=3)


def test_micrograds_zeroing_of_an_mlps_scalar_weights_replays_the_right_gradients():
    """`p.grad = 0.0` on each of nn.MLP's scalar weights writes into its matrix's .grad, which the backward pass then
    fills in place: recorded as each view's assignment, not as the matrix's gradient baked as it ended up (which
    replayed the last recording's gradients as the starting point, and agreed with itself between recordings)."""
    compiled_twins(_scalar_mlp_step(lambda params: None), _batches(6, (4, 3)), replays=3)


def _any_above(p):
    if (p.grad > 0.3).any():  # a NumPy bool from a recorded reduction: no traced class holds it
        p.data -= 0.1 * p.grad


def _all_zero(p):
    if (p.grad == 0).all():
        return
    p.data -= 0.1 * p.grad


@pytest.mark.parametrize("update", [_any_above, _all_zero], ids=lambda f: f.__name__.strip("_"))
def test_a_boolean_reduction_of_a_gradient_that_steers_python_replays_guarded(update):
    """`(g > 0.3).any()`, `(g == 0).all()`: a NumPy bool (no traced class holds one), recorded with a guard on its
    value (jit_grad_guards), as a traced number's truth value is: the same bits as eager mode, and a replay wherever
    two calls agree on every outcome (always for `all_zero`; `any_above`'s vary with the batch)."""
    compiled = side_by_side(_linear(update), _batches(6))
    assert compiled.stats["eager"] == 0
    if update is _all_zero:
        assert compiled.stats["replayed"] == 4, compiled.stats
