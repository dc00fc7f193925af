"""autograd_core.compile: replays give eager mode's numbers bit for bit (np.array_equal) on the issue's
workloads (scalar MLP, MLP + SGD, CNN + Adam, a chain of small ops), and every change that a replay could
get wrong is caught: argument shapes, dtypes, grad mode, values read with item()/float()/bool(), constants
that differ between calls (random masks), reads after an optimizer step."""

from __future__ import annotations

import random
import re
import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import CompileWarning, Value, nn, optim
from autograd_core.ops import PRIMITIVES, Primitive


def _equal(a, b):
    if isinstance(a, Value):
        return _equal(a.data, b.data) and _equal(a.grad, b.grad)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is b
    return np.array_equal(a, b) and np.asarray(a).dtype == np.asarray(b).dtype


def _twins(make):
    """Two identical set-ups: one runs eagerly, the other compiled."""
    return make(), make()


def _train_twins(make, batches, grads=False):
    """Run the twins that make() builds, (model, step), one eagerly and one compiled, on the same batches (tuples of
    step's arguments), checking after every step that their results and weights (and gradients) are equal; returns
    the compiled step."""
    (m1, eager), (m2, step) = _twins(make)
    compiled = ag.compile(step)
    for args in batches:
        assert _equal(compiled(*args).data, eager(*args).data)
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert _equal(p.data, q.data) and (not grads or _equal(p.grad, q.grad))
    return compiled


def _classifier_batches(seed, count, shape, classes=3, uniform=False):
    """`count` batches (x of `shape`, float32, normal or uniform in [0, 1); labels in [0, classes))."""
    rng = np.random.default_rng(seed)
    return [(rng.random(shape, dtype=np.float32) if uniform else rng.standard_normal(shape).astype(np.float32),
             rng.integers(0, classes, shape[0])) for _ in range(count)]


@pytest.fixture(autouse=True)
def backend(compiled_program_layout):
    """Every test runs with the program as one function and split into parts (as long programs are)."""
    return compiled_program_layout


@pytest.fixture(autouse=True)
def _no_compile_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        yield


# ----------------------------------------------------------------------------------------------------
# Workloads.


def test_chain_of_small_ops_replays_bit_for_bit():
    rng = np.random.default_rng(0)
    x0, y0 = rng.standard_normal(10), rng.standard_normal(10)

    def chain():
        x, y = Value(x0), Value(y0)
        z = x
        for _ in range(50):
            z = ((z + y) * y).tanh()
        z.sum().backward()
        return z, x.grad, y.grad

    compiled = ag.compile(chain)
    for _ in range(5):
        assert _equal(compiled(), chain())
    assert compiled.stats["replayed"] == 3
    x0 += 0.5  # the closure's array is read live (it is the same object each call)
    assert _equal(compiled(), chain())
    assert compiled.stats["replayed"] == 4


def _classifier_step(model, opt, before_update=None, after_update=None):
    """step(x, y): one training step of `model` on the cross-entropy of labels y; returns the loss.
    before_update(): runs between backward and the optimizer's step (gradient clipping);
    after_update(loss): runs after it (a learning-rate schedule's step)."""
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if before_update is not None:
            before_update()
        opt.step()
        if after_update is not None:
            after_update(loss)
        return loss

    return step


def _mlp_setup(optimizer):
    def make():
        model = nn.MLP(12, [16, 8, 3], rng=0)
        opt = optimizer(model.parameters())

        return model, _classifier_step(model, opt)

    return make


@pytest.mark.parametrize("optimizer", [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda ps: optim.Adam(ps, lr=1e-2),
], ids=["sgd", "sgd-momentum", "adam"])
def test_mlp_training_steps_replay_bit_for_bit(optimizer):
    compiled = _train_twins(_mlp_setup(optimizer), _classifier_batches(1, 6, (8, 12), uniform=True), grads=True)
    assert compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}


@pytest.mark.parametrize("convert", [
    lambda x: nn.Linear(12, 3, rng=0, dtype=np.float64)(x),
    lambda x: (Value(x, requires_grad=False, dtype=np.float64) * 2).sum(axis=0),
    lambda x: Value(x.reshape(-1), requires_grad=False, dtype=np.float64).exp(),
], ids=["linear", "value", "reshaped-argument"])
def test_arguments_converted_to_another_dtype_stay_live(convert):
    """Value(x, dtype=...) copies a float32 argument into float64: the replay converts the new argument
    (it is not baked in as a constant of the first call)."""
    compiled = ag.compile(convert)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = rng.random((4, 12), dtype=np.float32)
        assert _equal(compiled(x).data, convert(x).data)
    assert compiled.stats == {"recorded": 2, "replayed": 3, "eager": 0, "guard_failures": 0}


def test_learning_rate_changes_are_seen_by_the_replayed_step():
    def make():
        model = nn.Linear(3, 2, rng=0)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            (model(x) ** 2).mean().backward()
            opt.step()

        return model, opt, step

    (m1, opt1, eager), (m2, opt2, step) = make(), make()
    compiled = ag.compile(step)
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    for i in range(6):
        for opt in (opt1, opt2):
            opt.param_groups[0]["lr"] = 0.1 / (i + 1)  # what a scheduler does between steps
        eager(x), compiled(x)
        assert _equal(m1.weight.data, m2.weight.data) and _equal(m1.bias.data, m2.bias.data)


def test_broadcast_gradients_are_summed_back_as_in_eager_mode():
    def make():
        b, s = Value(np.array([0.5, -1.0, 2.0])), Value(np.float64(0.3))

        def f(x):
            x = Value(x, requires_grad=False)  # (x.T @ x of the ndarray would be NumPy's, a constant to us)
            loss = ((x * b + s) ** 2).sum() + (x.T @ x * s).mean()
            loss.backward()
            return b.grad, s.grad

        return f

    eager, f = make(), make()
    compiled = ag.compile(f)
    for i in range(5):
        x = np.arange(6.0).reshape(2, 3) - i
        assert _equal(compiled(x), eager(x))
    assert compiled.stats["replayed"] == 3


def test_cnn_with_adam_replays_bit_for_bit():
    def make():
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 6, 3, padding=1, rng=rng), nn.ReLU(), nn.Flatten(),
                              nn.Linear(6 * 4 * 4, 10, rng=rng))
        opt = optim.Adam(model.parameters(), lr=3e-3)

        return model, _classifier_step(model, opt)

    compiled = _train_twins(make, _classifier_batches(2, 5, (5, 1, 8, 8), classes=10, uniform=True), grads=True)
    assert compiled.stats["replayed"] == 3


def test_scalar_mlp_of_values_replays_bit_for_bit():
    def make():
        rnd = random.Random(0)
        ws = [[Value(rnd.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]

        def loss_fn():
            total = Value(0.0, requires_grad=False)
            for k, row in enumerate(ws):
                act = sum((w * (0.1 * (k + j)) for j, w in enumerate(row)), Value(0.5, requires_grad=False))
                total = total + act.relu() + act.tanh() * 0.5
            total.backward()
            return [w.grad for row in ws for w in row]

        return loss_fn

    eager, compiled_fn = _twins(make)
    compiled = ag.compile(compiled_fn)
    for _ in range(4):  # gradients accumulate into .grad across calls, as in eager mode
        assert _equal(compiled(), eager())


# ----------------------------------------------------------------------------------------------------
# Guards.


def _linear_step():
    w = Value(np.linspace(-1, 1, 3))

    def f(x):
        out = (x @ w).tanh().sum()
        out.backward()
        return out

    return w, f


def test_shape_and_dtype_changes_make_new_programs():
    w1, eager = _linear_step()
    w2, f = _linear_step()
    compiled = ag.compile(f)
    # Two recordings on one batch give a tentative program: the next batch of other data is recorded once more
    # (see test_two_recordings_on_one_batch_are_checked_on_the_next_batch), the one after replays.
    for x in [np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)) * 2, np.ones((2, 3)) * 3, np.ones((5, 3)),
              np.ones((5, 3)), np.ones((5, 3)) / 3, np.ones((5, 3)) / 4, np.ones((2, 3), dtype=np.float32)]:
        assert _equal(compiled(x).data, eager(x).data)
        assert _equal(w1.grad, w2.grad)
    assert len(compiled.sources()) == 2 and compiled.stats["replayed"] == 2


def test_grad_mode_is_part_of_the_guard():
    w = Value(np.ones(3))
    compiled = ag.compile(lambda x: (x * w).sum())
    x = np.arange(3.0)
    for _ in range(3):
        assert compiled(x).data == 3.0
    with ag.no_grad():
        for _ in range(3):
            assert compiled(x).data == 3.0
    assert len(compiled.sources()) == 2


@pytest.mark.parametrize("read", ["item", "float", "bool"])
def test_control_flow_on_read_values_is_guarded(read):
    def f(x):
        s = (x * 2).sum()
        positive = {"item": lambda: s.item() > 0, "float": lambda: float(s) > 0, "bool": lambda: bool(s > 0)}[read]()
        return x * 3 if positive else x - 1

    if read == "bool":
        def f(x):  # noqa: F811  (bool() of a Value itself)
            s = (x * 2).sum().relu()
            return x * 3 if bool(s) else x - 1

    compiled = ag.compile(f)
    for x in [np.ones(3), np.ones(3), np.ones(3), -np.ones(3), -np.ones(3), -np.ones(3), np.ones(3)]:
        assert _equal(compiled(Value(x, requires_grad=False)).data, f(Value(x, requires_grad=False)).data)
    assert compiled.stats["recorded"] >= 4  # each change of sign was recorded again


def test_parameter_shape_change_is_guarded():
    w = Value(np.ones(3))
    compiled = ag.compile(lambda x: (x * w).sum())
    for _ in range(3):
        compiled(np.ones(3))
    w.data = np.ones(1)  # broadcasts: same argument shapes, different parameter shape
    assert compiled(np.ones(3)).data == 3.0
    assert compiled.stats["guard_failures"] == 1


def test_random_constants_make_the_function_run_eagerly():
    layer = nn.Linear(4, 4, rng=0)
    drop_rng = np.random.default_rng(0)

    def f(x):  # a mask drawn with NumPy by the function itself: a constant that differs at each call
        return (layer(x) * (drop_rng.random((2, 4)) >= 0.5)).sum()

    compiled = ag.compile(f, max_recordings=4)
    with pytest.warns(CompileWarning, match="constant differs"):
        for _ in range(6):
            compiled(np.ones((2, 4), dtype=np.float32))
    assert compiled.stats["eager"] == 2 and compiled.stats["replayed"] == 0


_SCHEDULES = {
    "step": lambda opt: optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
    "one-cycle": lambda opt: optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=20),
    "warm-restarts": lambda opt: optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3),
    "lambda": lambda opt: optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (1 + epoch)),
    "sequential": lambda opt: optim.lr_scheduler.SequentialLR(
        opt, [optim.lr_scheduler.LinearLR(opt, start_factor=0.2, total_iters=2),
              optim.lr_scheduler.ExponentialLR(opt, gamma=0.8)], milestones=[3]),
    "plateau": lambda opt: optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5, threshold=0.5),
}


@pytest.mark.parametrize("schedule", list(_SCHEDULES))
def test_scheduler_steps_inside_a_compiled_step_are_replayed(schedule):
    # A schedule stepped per batch inside the training step (OneCycleLR's usual place) changes the optimizer's
    # learning rate outside the graph: a replay must step it too, not repeat the recorded rate.
    def make():
        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = _SCHEDULES[schedule](opt)
        next_rate = scheduler.step if schedule == "plateau" else lambda loss: scheduler.step()
        return model, opt, scheduler, _classifier_step(model, opt, after_update=next_rate)

    (m1, opt1, s1, eager), (m2, opt2, s2, step) = _twins(make)
    compiled = ag.compile(step)
    rng = np.random.default_rng(2)
    for _ in range(8):
        x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
        assert _equal(compiled(x, y).data, eager(x, y).data)
        assert opt2.param_groups[0]["lr"] == opt1.param_groups[0]["lr"]
        assert s2.last_epoch == s1.last_epoch and s2.get_last_lr() == s1.get_last_lr()
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert _equal(p.data, q.data)
    assert compiled.stats["replayed"] == 6


_CLIPPINGS = {
    "norm": lambda params: optim.clip_grad_norm_(params, max_norm=0.05),
    "norm-inf": lambda params: nn.utils.clip_grad_norm_(params, max_norm=0.01, norm_type=float("inf")),
    "norm-within": lambda params: optim.clip_grad_norm_(params, max_norm=1e6),  # clips nothing
    "value": lambda params: optim.clip_grad_value_(params, 1e-3),  # clips nearly every entry: signs remain
}


@pytest.mark.parametrize("clipping", list(_CLIPPINGS))
def test_gradient_clipping_inside_a_compiled_step_replays_bit_for_bit(clipping):
    # The norm differs at every call, and clipping by a tiny value leaves gradients that two calls may share: the
    # clipping must be replayed on each step's gradients (an effect), neither baked nor left to run eagerly.
    def make():
        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.Tanh(), nn.Linear(8, 3, rng=1))
        opt = optim.Adam(model.parameters(), lr=0.05)
        return model, _classifier_step(model, opt, before_update=lambda: _CLIPPINGS[clipping](model.parameters()))

    compiled = _train_twins(make, _classifier_batches(3, 6, (5, 4)), grads=True)
    assert compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}


def test_returning_the_clipped_norm_replays():
    (m1, eager), (m2, step) = _twins(_mlp_setup(lambda ps: optim.SGD(ps, lr=0.1)))

    def with_norm(model, step):
        def run(x, y):
            loss = step(x, y)
            return loss, optim.clip_grad_norm_(model.parameters(), 0.1)  # a new number at every call
        return run

    compiled = ag.compile(with_norm(m2, step), max_recordings=3)
    rng = np.random.default_rng(4)
    # The norm is a 0-d Value that the clipping effect returns: the replay returns its own.
    for _ in range(5):
        x, y = rng.random((4, 12), dtype=np.float32), rng.integers(0, 3, 4)
        (a, norm_a), (b, norm_b) = compiled(x, y), with_norm(m1, eager)(x, y)
        assert _equal(a.data, b.data) and _equal(norm_a.data, norm_b.data)
    assert compiled.stats["replayed"] == 3


def test_an_optimizer_that_writes_its_own_step_is_replayed():
    # A user's optimizer overriding step() (PyTorch's way) updates the parameters in place with NumPy, which a
    # recording cannot see: Optimizer makes every subclass's step an effect, so the replay calls it.
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, lr=lr)

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        np.subtract(p.data, group["lr"] * np.sign(p.grad), out=p.data)

    batches = _classifier_batches(5, 5, (4, 12), uniform=True)
    compiled = _train_twins(_mlp_setup(lambda ps: SignSGD(ps, lr=0.01)), batches)
    assert compiled.stats["replayed"] == 3


_READINGS = {  # results without gradient, computed from each call's data
    "accuracy": lambda out, y: (out.argmax(1) == y).float().mean(),
    "correct-count": lambda out, y: (out.argmax(dim=1) == Value(y)).sum(),
    "mask-in-where": lambda out, y: ag.where(out > 0.1, out, 0.0).sum(),
    "logical-any": lambda out, y: ((out > 0) & (out < 0.5)).any(dim=1).type(np.int64).sum(),
    "argmin-cast": lambda out, y: out.argmin(1).type(np.int32),
}


@pytest.mark.parametrize("reading", list(_READINGS))
def test_results_without_gradient_are_computed_at_each_replay(reading):
    # Comparisons, argmax, logical operators and integer casts carry no gradient and made no node: a replay kept the
    # recorded call's result, and returned the first calls' accuracy ever after when two calls agreed on it.
    def make():
        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
        opt = optim.SGD(model.parameters(), lr=0.5)

        def step(x, y):
            opt.zero_grad()
            out = model(x)
            F.cross_entropy(out, y).backward()
            opt.step()
            return _READINGS[reading](out, y)

        return model, step

    (m1, eager), (m2, step) = _twins(make)
    compiled = ag.compile(step)
    rng = np.random.default_rng(6)
    x0, y0 = rng.standard_normal((6, 4)).astype(np.float32), rng.integers(0, 3, 6)
    for k in range(8):  # the first two calls alike (they agree on everything), then new data
        x, y = (x0, y0) if k < 2 else (rng.standard_normal((6, 4)).astype(np.float32), rng.integers(0, 3, 6))
        a, b = compiled(x, y), eager(x, y)
        assert _equal(a.data, b.data)
    assert compiled.stats["replayed"] == 5, compiled.stats


@pytest.mark.parametrize("pick", ["scalar-index", "row-index"])
def test_an_index_computed_by_the_call_is_read_at_each_replay(pick):
    # x[x.argmax()]: the index is a NumPy scalar the call computed; it was baked as a constant, and two calls with
    # the same argmax made a program that picked that element ever after.
    w = Value(np.random.default_rng(14).standard_normal((3, 4)))

    def f(x):
        h = w * x
        picked = h.reshape(-1)[h.argmax()] if pick == "scalar-index" else h[np.arange(3), h.argmax(1)]
        return picked.sum()

    compiled = ag.compile(f)
    rng = np.random.default_rng(15)
    x0 = rng.standard_normal((3, 4))
    for k in range(8):
        x = x0 if k < 2 else rng.standard_normal((3, 4))
        assert _equal(compiled(x).data, f(x).data)
    assert compiled.stats["replayed"] == 5


@pytest.mark.parametrize("nd", [1, 2])
def test_max_pool_indices_feeding_max_unpool_are_computed_at_each_replay(nd):
    # The indices of the maxima were computed with NumPy beside the pooling: a program kept the recorded ones and
    # put every later batch's maxima where the first batch's had been.
    shape = (2, 3, 8) if nd == 1 else (2, 3, 4, 4)
    w = Value(np.random.default_rng(16).standard_normal(shape))
    place = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)  # makes the loss depend on positions
    pool, unpool = (nn.MaxPool1d, nn.MaxUnpool1d) if nd == 1 else (nn.MaxPool2d, nn.MaxUnpool2d)
    down, up = pool(2, return_indices=True), unpool(2)

    def f(x):
        out, indices = down(w * x)
        return (up(out * 2, indices) * place).sum()

    compiled = ag.compile(f)
    rng = np.random.default_rng(17)
    x0 = rng.standard_normal(shape)
    for k in range(8):
        x = x0 if k < 2 else rng.standard_normal(shape)
        assert _equal(compiled(x).data, f(x).data)
    assert compiled.stats["replayed"] == 5


_MASKED = {  # functions whose masks come from the call's data (they were read from .data: baked constants)
    "smooth_l1": lambda h, t: F.smooth_l1_loss(h, t),
    "huber": lambda h, t: F.huber_loss(h, t, delta=0.5),
    "kl_div": lambda h, t: F.kl_div(F.log_softmax(h, dim=1), _some_zeros(t), reduction="batchmean"),
    "masked_fill-broadcast": lambda h, t: h.masked_fill(h.sum(1, keepdims=True) > 0, 0.0).sum(),
}


def _some_zeros(t):
    """Target probabilities with zeros where t < 0 (kl_div's x·log x → 0 mask)."""
    positive = ag.relu(Value(t))
    return positive / (positive.sum(1, keepdims=True) + 1)


@pytest.mark.parametrize("kind", list(_MASKED))
def test_masks_from_the_data_are_computed_at_each_replay(kind):
    w = Value(np.random.default_rng(18).standard_normal((3, 4)))
    f = lambda x, t: _MASKED[kind](w * x, t)  # noqa: E731
    compiled = ag.compile(f)
    rng = np.random.default_rng(19)
    x0, t0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)) * 0.1
    for k in range(8):  # two alike, then data that flips the masks
        x, t = (x0, t0) if k < 2 else (rng.standard_normal((3, 4)), rng.standard_normal((3, 4)) * 3)
        assert _equal(compiled(x, t).data, f(x, t).data)
    assert compiled.stats["replayed"] == 5


def test_binary_cross_entropy_checks_each_calls_probabilities():
    w = Value(np.ones(3))
    f = lambda p, y: F.binary_cross_entropy(w * p, y)  # noqa: E731
    compiled = ag.compile(f)
    y = np.array([1.0, 0.0, 1.0])
    for _ in range(3):
        compiled(np.array([0.2, 0.5, 0.9]), y)
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        compiled(np.array([0.2, 1.5, 0.9]), y)  # as eager mode: not a nan or inf loss


@pytest.mark.parametrize("read", ["index", "tolist"])
def test_a_value_read_as_a_python_index_or_list_is_guarded(read):
    # scales[h.argmax()] calls Value.__index__, and h.tolist() gives Python numbers: like int(v), they steer
    # Python; they were not watched, so a program replayed the recorded call's choice for every later call.
    w = Value(np.random.default_rng(20).standard_normal(4))
    scales = [1.0, 10.0, 100.0, 1000.0]
    if read == "index":
        f = lambda x: (w * x).sum() * scales[(w * x).argmax()]  # noqa: E731
    else:
        f = lambda x: (w * x).sum() * (2.0 if (w * x).tolist()[0] > 0 else -1.0)  # noqa: E731
    compiled = ag.compile(f, max_recordings=3)
    rng = np.random.default_rng(21)
    x0 = rng.standard_normal(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for k in range(8):
            x = x0 if k < 2 else rng.standard_normal(4)
            assert _equal(compiled(x).data, f(x).data)


def test_two_recordings_on_one_batch_are_checked_on_the_next_batch():
    # Constants a function derives from its arguments with NumPy (np.log(t) here) agree between two recordings on
    # the same batch whatever they are: the program replayed the first batch's log for every later batch. Such a
    # program is now tentative: it replays for that batch (the same arrays, or equal ones), and the first call with
    # other data is recorded once more and compared, here finding the constant that differs.
    w = Value(np.random.default_rng(22).standard_normal(4))
    f = lambda x, t: (w * x - Value(np.log(t))).sum()  # noqa: E731
    compiled = ag.compile(f, max_recordings=3)
    rng = np.random.default_rng(23)
    x0, t0 = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
    for _ in range(4):  # full-batch training: the very same arrays at every call replay
        assert _equal(compiled(x0, t0).data, f(x0, t0).data)
    assert compiled.stats == {"recorded": 2, "replayed": 2, "eager": 0, "guard_failures": 0}
    assert _equal(compiled(x0.copy(), t0.copy()).data, f(x0, t0).data)  # equal arrays replay too
    assert compiled.stats["replayed"] == 3
    with pytest.warns(CompileWarning, match="a constant differs"):
        for _ in range(4):
            x, t = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
            assert _equal(compiled(x, t).data, f(x, t).data)
    assert compiled.stats["replayed"] == 3


def test_a_result_computed_with_numpy_from_data_runs_eagerly():
    # An accuracy computed from .data with NumPy is out of the recording's sight: never replayed as a constant.
    (m1, eager), (m2, step) = _twins(_mlp_setup(lambda ps: optim.SGD(ps, lr=0.1)))

    def with_accuracy(model, step):
        def run(x, y):
            loss = step(x, y)
            return loss, (model(x).data.argmax(1) == y).mean()
        return run

    compiled = ag.compile(with_accuracy(m2, step))
    x, y = np.ones((4, 12), dtype=np.float32), np.array([0, 1, 2, 0])
    with pytest.warns(CompileWarning, match="no recorded operation computed"):
        for _ in range(3):
            (la, aa), (lb, ab) = compiled(x, y), with_accuracy(m1, eager)(x, y)
            assert _equal(la.data, lb.data) and aa == ab
    assert compiled.stats["replayed"] == 0


def test_a_number_that_changes_at_every_call_stops_recording_after_max_keys():
    # An iteration count passed as a Python number is a new guard key at each call: each was recorded and kept
    # (memory growing without bound, never a replay, no word about it).
    (m1, eager), (m2, step) = _twins(_mlp_setup(lambda ps: optim.SGD(ps, lr=0.1)))
    compiled = ag.compile(lambda x, y, it: step(x, y), max_keys=5)
    x, y = np.ones((4, 12), dtype=np.float32), np.array([0, 1, 2, 0])
    with pytest.warns(CompileWarning, match="5 combinations") as warned:
        for it in range(12):
            assert _equal(compiled(x, y, it).data, eager(x, y).data)
    assert len(warned) == 1 and len(compiled.cache) == 5
    assert compiled.stats == {"recorded": 5, "replayed": 0, "eager": 7, "guard_failures": 0}


def test_a_number_argument_that_keeps_changing_runs_eagerly_after_eight_values_with_a_warning_naming_it():
    # An iteration count or a learning rate passed at each call was recorded at each call, 64 times, before the
    # warning (each recording costs more than an eager call, and none was ever replayed). Now, as torch.compile at its
    # recompile limit, 8 values are recorded and later new ones run eagerly, once said; values seen replay.
    (m1, eager), (m2, step) = _twins(_mlp_setup(lambda ps: optim.SGD(ps, lr=0.1)))

    def train_step(x, y, iteration, scale=1.0):
        return step(x, y) * scale

    compiled = ag.compile(train_step)
    x, y = np.ones((4, 12), dtype=np.float32), np.array([0, 1, 2, 0])
    with pytest.warns(CompileWarning, match=r"new values of argument 'iteration' \(0, 1, 2, 3, \.\.\.\)") as warned:
        for it in range(12):
            assert _equal(compiled(x, y, it).data, eager(x, y).data)
    assert len(warned) == 1 and "8 values have been recorded" in str(warned[0].message)
    assert len(compiled.cache) == 8 and compiled.stats["eager"] == 4
    for it in (3, 3, 3):  # a value recorded already still gets its program
        assert _equal(compiled(x, y, it).data, eager(x, y).data)
    assert compiled.stats["replayed"] >= 1
    for shape in range(5, 15):  # arguments that differ otherwise (shapes) are not counted against the 8
        compiled(np.ones((shape, 12), dtype=np.float32), np.zeros(shape, dtype=np.int64), 0)
    assert len(compiled.cache) == 18
    # a number nested in a dict is counted, and named by its place
    v = Value(np.ones(2))
    nested = ag.compile(lambda x, options: x * options["a"])
    with pytest.warns(CompileWarning, match="number 1 among the arguments"):
        for a in range(9):
            nested(v, {"a": a})
    # recompile_limit sets it, as torch.compile's; fullgraph=True refuses instead
    roomy = ag.compile(lambda x, k: x * k, recompile_limit=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(20):
            roomy(v, k)
    strict = ag.compile(lambda x, k: x * k, fullgraph=True)
    for k in range(8):
        strict(v, k)
    with pytest.raises(ag.CompileError, match="argument 'k'"):
        strict(v, 8)
    # bools and strings are flags with few values: not counted
    flagged = ag.compile(lambda x, k, mode: x * k if mode == "a" else x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mode in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"):
            flagged(v, 1, mode)


def test_training_and_evaluation_steps_that_set_their_own_mode_replay():
    # PyTorch's habit: model.train() at the top of the training step, model.eval() at the top of the evaluation
    # step. Each call found the `training` flags as the other step had left them: the guards failed at every call
    # and both ran eagerly. train() is now an effect, replayed first, and the flags it sets are not guarded.
    def make():
        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Dropout(0.3, rng=5), nn.Linear(8, 3, rng=1))
        opt = optim.Adam(model.parameters(), lr=0.05)
        fit = _classifier_step(model, opt)

        def train_step(x, y):
            model.train()
            return fit(x, y)

        def eval_step(x, y):
            model.eval()
            with ag.no_grad():
                return F.cross_entropy(model(x), y)

        return model, train_step, eval_step

    (m1, train1, eval1), (m2, train2, eval2) = _twins(make)
    train2, eval2 = ag.compile(train2), ag.compile(eval2)
    rng = np.random.default_rng(7)
    for _ in range(6):
        x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
        assert _equal(train2(x, y).data, train1(x, y).data) and m2.training and m2[2].training
        assert _equal(eval2(x, y).data, eval1(x, y).data) and not m2.training and not m2[2].training
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert _equal(p.data, q.data)
    assert train2.stats["replayed"] == 4 and eval2.stats["replayed"] == 4


def test_a_mode_set_after_the_forward_pass_stays_guarded():
    # model.eval() after the forward pass: the forward ran in whatever mode the call found, so that stays guarded.
    model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Dropout(0.5, rng=1))

    def run(x):
        out = model(x)
        model.eval()
        return out

    compiled = ag.compile(run)
    x = np.ones((2, 4), dtype=np.float32)
    for _ in range(3):
        model.train()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            out = compiled(x)
        assert (out.data == 0).any()  # dropout was on: the mode at the call's start
    assert compiled.stats["replayed"] == 0


def test_returned_python_numbers_are_never_baked():
    # The learning rate a schedule set, returned for logging: two calls agree on it, so it was baked, and replays kept
    # returning it after the schedule had moved on. A number from .item() (guarded) or an argument may be returned.
    def make():
        model, step = _mlp_setup(lambda ps: optim.SGD(ps, lr=0.1))()
        opt = optim.SGD(model.parameters(), lr=0.1)
        schedule = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

        def run(x, y, tag):
            step(x, y)
            opt.step()
            schedule.step()
            return schedule.get_last_lr()[0], tag

        return run

    eager, compiled = make(), ag.compile(make())
    x, y = np.ones((4, 12), dtype=np.float32), np.array([0, 1, 2, 0])
    with pytest.warns(CompileWarning, match="the Python number 0.1,"):
        for _ in range(8):
            assert compiled(x, y, 7) == eager(x, y, 7)
    assert compiled.stats["replayed"] == 0

    def item_and_tag(x, tag):
        return (Value(x) * 2).sum().item(), tag

    compiled = ag.compile(item_and_tag)
    for _ in range(4):
        assert compiled(np.ones(3), 5) == (6.0, 5)
    assert compiled.stats["replayed"] == 2


def test_an_argument_changed_in_place_with_numpy_runs_eagerly():
    # `x -= x.mean()` on the batch: NumPy, out of the recording's sight; a replay read the batch as given and skipped
    # the centring.
    model = nn.Linear(4, 2, rng=0)

    def centred(x):
        x -= x.mean()
        return model(x).sum()

    compiled = ag.compile(centred)
    rng = np.random.default_rng(8)
    with pytest.warns(CompileWarning, match="changes its array argument 0 in place"):
        for _ in range(4):
            x = rng.standard_normal((3, 4)).astype(np.float32)
            assert _equal(compiled(x.copy()).data, centred(x.copy()).data)
    assert compiled.stats["replayed"] == 0


def test_two_optimizers_in_one_step_replay_and_check_the_labels_first():
    # A critic's update, then the model's loss on labels (GAN and actor-critic steps): cross_entropy's replay
    # condition (every label a class, none ignored) comes after an effect. It is checked before the program changes
    # anything, on the labels argument; such a step ran eagerly before.
    def make():
        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.Tanh(), nn.Linear(8, 3, rng=1))
        critic = nn.Linear(3, 1, rng=2)
        opt, critic_opt = optim.Adam(model.parameters(), lr=0.05), optim.SGD(critic.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            critic_opt.zero_grad()
            h = model(x)
            (critic(h.detach()) ** 2).mean().backward()
            critic_opt.step()
            loss = F.cross_entropy(h, y, ignore_index=-1) - critic(h).mean()
            loss.backward()
            opt.step()
            return loss

        return model, critic, step

    (m1, c1, eager), (m2, c2, step) = _twins(make)
    compiled = ag.compile(step)
    rng = np.random.default_rng(10)
    for k in range(7):
        x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
        if k == 5:
            y[0] = -1  # ignored: the condition fails before anything runs, and the call is recorded instead
        assert _equal(compiled(x, y).data, eager(x, y).data)
        for p, q in zip(list(m1.parameters()) + list(c1.parameters()), list(m2.parameters()) + list(c2.parameters())):
            assert _equal(p.data, q.data)
    assert compiled.stats["replayed"] >= 3 and compiled.stats["guard_failures"] == 1, compiled.stats


def test_read_after_the_optimizer_step_runs_eagerly():
    model = nn.Linear(3, 1, rng=0)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        return model(x).sum().item()  # computed from the updated weights, after the step

    compiled = ag.compile(step)
    with pytest.warns(CompileWarning, match="after an effect"):
        values = [compiled(np.ones((2, 3), dtype=np.float32)) for _ in range(3)]
    assert values[0] > values[1] > values[2]


def test_returning_item_of_a_changing_loss_gives_up_after_max_recordings():
    (_, eager), (_, step) = _twins(_mlp_setup(lambda ps: optim.SGD(ps, lr=0.1)))
    compiled = ag.compile(lambda x, y: step(x, y).item(), max_recordings=3)
    x, y = np.ones((4, 12), dtype=np.float32), np.array([0, 1, 2, 0])
    with pytest.warns(CompileWarning, match=r"recorded 3 times .*returns a value read with .item\(\).*return loss"):
        for _ in range(5):
            assert compiled(x, y) == eager(x, y).item()


def test_generated_source_is_readable(backend):
    w = Value(np.ones(3))
    compiled = ag.compile(lambda x: (x * w).tanh().sum())
    for _ in range(2):
        compiled(np.ones(3))
    (source,) = compiled.sources()
    assert "def replay(A0):" in source and "E0.data" in source


def test_assignments_to_grad_are_replayed_and_to_data_run_eagerly():
    def make():
        w = Value(np.array([0.5, -0.25]))

        def f(x):
            w.grad = None  # as bench_conv's workload resets its parameters
            (w * x).tanh().sum().backward()
            return w.grad

        return w, f

    (w1, eager), (w2, f) = make(), make()
    compiled = ag.compile(f)
    for i in range(5):
        x = np.array([1.0, 2.0]) * i
        assert _equal(compiled(x), eager(x)) and _equal(w1.grad, w2.grad)
    assert compiled.stats["replayed"] == 3

    w = Value(np.array([0.5, -0.25]))

    def sgd_by_hand(x):
        loss = (w * x).sum()
        loss.backward()
        w.data = w.data - 0.1 * w.grad
        w.grad = None

    # An assignment of .data by NumPy arithmetic of gradients, data and numbers (a hand-written update) replays too
    # (jit_numpy.py; tests/test_compile_hand_updates.py); NumPy the recording does not see still runs eagerly.
    compiled = ag.compile(sgd_by_hand)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(3):
            compiled(np.ones(2))
    np.testing.assert_allclose(w.data, [0.2, -0.55])
    assert compiled.stats["replayed"] == 1

    def sgd_unseen(x):
        (w * x).sum().backward()
        w.data = w.data * 0.5  # no gradient among the operands: NumPy out of the recording's sight
        w.grad = None

    compiled = ag.compile(sgd_unseen)
    with pytest.warns(CompileWarning, match="assigns a parameter's .data"):
        for _ in range(3):
            compiled(np.ones(2))
    np.testing.assert_allclose(w.data, np.array([0.2, -0.55]) * 0.125)


def _in_place_functions():
    """Functions whose in-place changes a replay would skip: name -> (make() -> (f, state), expected)."""

    def local_value():
        out = []

        def f(x):
            v = Value(x, requires_grad=False)
            v.mul_(2.0)
            out.append((v + 1.0).data)
            return v

        return f, lambda: out[-1], np.full(2, 9.0)  # the last call's x is 4

    def pytorch_sgd_by_hand():
        w = Value(np.array([0.5, -0.25]))

        def f(x):
            nonlocal w  # PyTorch's tutorial writes this at module level
            (w * x).sum().backward()
            with ag.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()

        return f, lambda: w.data, np.array([0.5, -0.25]) - 0.1 * 10.0

    def parameter_data_filled_through_a_value_method():
        p = nn.Parameter(np.zeros(2))

        def f(x):
            p.data.clamp_(min=-1.0)
            p.data.add_(Value(x).exp().data)  # in place, then a method answered by a Value: normal_'s path
            p.data.abs_()

        return f, lambda: p.data, np.full(2, 1.0 + np.e + np.e ** 2 + np.e ** 3 + np.e ** 4)

    return {"Value.mul_": local_value,
            "w -= lr * w.grad; w.grad.zero_()": pytorch_sgd_by_hand,
            "p.data.abs_()": parameter_data_filled_through_a_value_method}


def test_the_blitz_update_of_parameter_data_by_its_in_place_method_replays():
    # p.data.sub_(p.grad.data * 0.1): NumPy on the gradient, recorded (jit_numpy.py), then the in-place method's
    # ufunc on the parameter's data; it ran eagerly before
    p = nn.Parameter(np.array([0.5, -0.25]))

    def f(x):
        (p * x).sum().backward()
        p.data.sub_(p.grad.data * 0.1)  # the sixty-minute blitz's update by hand
        p.grad = None

    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for i in range(5):
            compiled(np.full(2, float(i)))
    np.testing.assert_allclose(p.data, np.array([0.5, -0.25]) - 0.1 * 10.0)
    assert compiled.stats["replayed"] == 3


def test_a_buffer_changed_in_place_outside_an_effect_is_replayed_or_recorded_again():
    # A Value made before the call changed in place (inside no_grad(), or one that needs no gradient) is replayed as a
    # store into its array (jit_inplace._stored); a change by a number read with NumPy from its .data (setitem's)
    # is a constant that differs at every call, so each call is recorded (eager) and none replays the first's.
    def counter():
        count = Value(np.zeros(2), requires_grad=False)

        def f(x):
            with ag.no_grad():
                count.add_(1.0)
            return (Value(x, requires_grad=False) * count).sum()

        return f, lambda: count.data, np.full(2, 5.0)

    def setitem():
        buf = Value(np.zeros(3), requires_grad=False)

        def f(x):
            buf[0] = buf.data[0] + x.sum()
            return buf * 1.0

        return f, lambda: buf.data, np.array([20.0, 0.0, 0.0])  # Σ of 2·i over i < 5

    for make, replays in ((counter, 3), (setitem, 0)):
        f, state, expected = make()
        compiled = ag.compile(f)
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)
            for i in range(5):
                compiled(np.full(2, float(i)))
        np.testing.assert_allclose(state(), expected)  # every call's change happened, as in eager mode
        assert compiled.stats["replayed"] == replays, compiled.stats


@pytest.mark.parametrize("name", list(_in_place_functions()))
def test_in_place_changes_inside_the_function_run_it_eagerly(name):
    f, state, expected = _in_place_functions()[name]()
    compiled = ag.compile(f)
    with pytest.warns(CompileWarning, match="in-place change"):
        for i in range(5):
            compiled(np.full(2, float(i)))
    np.testing.assert_allclose(state(), expected)  # every call's change happened, as in eager mode
    assert compiled.stats["replayed"] == 0


def test_in_place_updates_inside_effects_still_replay():
    model = nn.Linear(3, 2, rng=0)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)  # updates p.data and its buffer in place

    def step(x):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()

    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(4):
            compiled(np.ones((2, 3)))
    assert compiled.stats["replayed"] == 2


def test_recording_leaves_the_in_place_methods_as_they_were():
    from autograd_core import inplace
    from autograd_core.grad_array import GradArray, ParameterArray

    write, zero = inplace._write, GradArray.zero_
    compiled = ag.compile(lambda x: (Value(x) * 2.0).sum())
    compiled(np.ones(2))
    assert inplace._write is write and GradArray.zero_ is zero
    assert "zero_" not in vars(GradArray) and "_in_place_through_value" not in vars(ParameterArray)  # inherited


_SCRIPT = '''
import numpy as np
from autograd_core import Value

beta = 0.5
scale = 3.0
w = Value(np.array([1.0, 2.0]))

def mse(v):
    return (v * v).sum()

def total(v):
    return v.sum()

loss_fn = mse

def helper(v):
    return v * scale

def loss(x):
    return loss_fn(helper(w * x)) * beta
'''


def _script():
    """A module of its own (globals, a helper, a loss function chosen by a global), as a user's script is."""
    namespace = {"__name__": "user_script"}
    exec(_SCRIPT, namespace)  # our own test source
    return namespace


def _eager_loss(ns, x):
    v = ns["w"].data * x * ns["scale"]
    return (v * v).sum() * ns["beta"] if ns["loss_fn"] is ns["mse"] else v.sum() * ns["beta"]


@pytest.mark.parametrize("change", [
    ("beta", 2.0),                 # a number in the function's own globals
    ("scale", 10.0),               # one read by a helper the function calls
    ("loss_fn", "total"),          # a global function rebound
    ("w", "new Value"),            # a parameter rebound
])
def test_rebound_globals_re_record_instead_of_replaying_old_values(change):
    ns = _script()
    compiled = ag.compile(ns["loss"])
    x = np.array([1.0, -1.0])
    for _ in range(4):
        np.testing.assert_allclose(compiled(x).data, _eager_loss(ns, x))
    name, new = change
    ns[name] = ns["total"] if new == "total" else Value(np.array([3.0, 1.0])) if new == "new Value" else new
    for _ in range(4):
        np.testing.assert_allclose(compiled(x).data, _eager_loss(ns, x))
    assert compiled.stats["guard_failures"] == 1 and compiled.stats["replayed"] == 4


def test_rebound_closure_variables_re_record():
    k = 1.0

    def f(x):
        return (Value(x) * k).sum()

    compiled = ag.compile(f)
    for _ in range(3):
        assert compiled(np.ones(3)).data == 3.0
    k = 5.0
    for _ in range(3):
        assert compiled(np.ones(3)).data == 15.0


def test_a_global_changed_once_an_epoch_keeps_the_function_compiled():
    ns = _script()
    compiled = ag.compile(ns["loss"])
    x = np.array([1.0, -1.0])
    for epoch in range(6):  # each change costs two recordings: six would exhaust a budget of eight
        ns["beta"] = 0.5 + epoch
        for _ in range(10):
            np.testing.assert_allclose(compiled(x).data, _eager_loss(ns, x))
    assert compiled.stats["replayed"] == 6 * 8 and compiled.stats["eager"] == 0


def test_a_global_changed_by_every_call_runs_the_function_eagerly():
    ns = _script()
    exec("def counted(x):\n    global beta\n    beta = beta + 1.0\n    return loss(x)\n", ns)  # our own source
    compiled = ag.compile(ns["counted"], max_recordings=4)
    x = np.array([1.0, -1.0])
    with pytest.warns(CompileWarning, match="recorded 4 times without two calls agreeing "
                                            r"\(the call itself changes the global 'beta', which a replay would not\)"):
        for _ in range(8):
            out = compiled(x).data
            np.testing.assert_allclose(out, _eager_loss(ns, x))
    assert ns["beta"] == 0.5 + 8  # every call ran the function
    assert compiled.stats["replayed"] == 0


def test_a_global_set_by_the_first_call_only_replays_afterwards():
    """Lazy initialisation: the call that changes a global it reads makes no program, the next ones do."""
    ns = _script()
    ns["factor"] = None
    exec("def lazy(x):\n    global factor\n    if factor is None:\n        factor = 3.0\n"
         "    return (Value(x) * factor).sum()\n", ns)  # our own source
    compiled = ag.compile(ns["lazy"])
    for _ in range(5):
        assert float(compiled(np.ones(2)).data) == 6.0
    assert compiled.stats == {"recorded": 3, "replayed": 2, "eager": 0, "guard_failures": 0}


def test_a_global_array_read_with_numpy_is_guarded_by_its_contents():
    """`scale[0]` is NumPy: its number is baked into the program, so a change made in place to the small global
    array re-records; an array the program reads itself (a closure's array wrapped in a Value) replays; a call
    that changes a global array itself runs eagerly."""
    ns = _script()
    ns["scale"] = np.array([1.0, 3.0])
    exec("def scaled(x):\n    return (Value(x) * scale[0]).sum()\n", ns)  # our own source
    compiled = ag.compile(ns["scaled"])
    x = np.array([1.0, -2.0, 4.0])
    for _ in range(3):
        assert float(compiled(x).data) == 3.0
    ns["scale"][0] = 2.0
    assert float(compiled(x).data) == 6.0  # not the 3.0 baked into the program recorded before
    assert compiled.stats["guard_failures"] == 1

    buffer = np.zeros(3)
    live = ag.compile(lambda: (Value(buffer) * 2.0).sum())
    for k in range(5):
        buffer[:] = k  # refilled in place before each call: read live by the program, so no guard on it
        assert float(live().data) == 6.0 * k
    assert live.stats["replayed"] == 3 and live.stats["guard_failures"] == 0

    ns["counts"] = np.zeros(2)
    exec("def counting(x):\n    counts[0] += 1\n    return (Value(x) * 2.0).sum()\n", ns)
    counting = ag.compile(ns["counting"], max_recordings=3)
    with pytest.warns(CompileWarning, match="the call itself changes the contents of the global array 'counts'"):
        for _ in range(4):
            counting(x)
    assert ns["counts"][0] == 4 and counting.stats["replayed"] == 0


def test_config_dicts_lists_and_objects_the_function_reads_are_guarded_by_their_items():
    """`if cfg["double"]:` steers Python: a change to the dict's items re-records (it replayed the old branch); so
    does one to the attributes a function names of an argparse Namespace, a SimpleNamespace or a dataclass; a list
    the call appends to makes it run eagerly (a replay would not append)."""
    import argparse
    import dataclasses
    import types

    x = np.array([1.0, 2.0, 3.0])
    cfg = {"double": False, "weight": 1.0}

    def by_dict(x):
        out = (Value(x) * cfg["weight"]).sum()
        return out * 2.0 if cfg["double"] else out

    compiled = ag.compile(by_dict)
    for _ in range(3):
        assert float(compiled(x).data) == 6.0
    cfg["double"] = True
    assert float(compiled(x).data) == 12.0
    assert compiled.stats["guard_failures"] == 1
    cfg["weight"] = 5.0
    for _ in range(3):
        assert float(compiled(x).data) == 60.0

    @dataclasses.dataclass
    class Config:
        double: bool = False

    def stepping(options):  # options: a closure variable of step
        def step(x):
            out = (Value(x) * 2.0).sum()
            return out * 2.0 if options.double else out
        return step

    for config in (argparse.Namespace(double=False), types.SimpleNamespace(double=False), Config()):
        compiled = ag.compile(stepping(config))
        for _ in range(3):
            assert float(compiled(x).data) == 12.0
        config.double = True
        assert float(compiled(x).data) == 24.0, type(config).__name__

    losses = []

    def logging(x):
        out = Value(x).sum()
        losses.append(float(out.data))
        return out

    compiled = ag.compile(logging, max_recordings=3)
    with pytest.warns(CompileWarning, match="the call itself changes the items of a closure variable's dict or list"):
        for _ in range(4):
            compiled(x)
    assert losses == [6.0] * 4 and compiled.stats["replayed"] == 0


def test_default_arguments_are_guarded_like_globals():
    """A default argument a call leaves out is read like a global: a mutable default changed in place (a config
    dict, a small array read with NumPy) or defaults rebound re-record (they replayed the old values); a call that
    changes its own default (the mutable-default list that grows) runs eagerly with a warning naming it."""
    x = np.array([1.0, 2.0, 3.0])

    def step(x, cfg={"double": False}, scale=np.array([1.0]), *, offset=0.0):  # noqa: B006, B008 (the case)
        out = (Value(x) * scale[0]).sum() + offset
        return out * 2.0 if cfg["double"] else out

    compiled = ag.compile(step, max_recordings=12)  # two recordings at the start and after each of four changes
    for _ in range(3):
        assert float(compiled(x).data) == 6.0
    changes = [(lambda: step.__defaults__[0].update(double=True), 12.0),
               (lambda: step.__defaults__[1].fill(3.0), 36.0),
               (lambda: setattr(step, "__defaults__", ({"double": False}, np.array([5.0]))), 30.0),
               (lambda: setattr(step, "__kwdefaults__", {"offset": 1.0}), 31.0)]
    for change, expected in changes:
        change()
        for _ in range(3):  # a guard failure, then recordings, then replays
            assert float(compiled(x).data) == expected
    assert compiled.stats["guard_failures"] == 4
    assert float(compiled(x, {"double": True}).data) == 62.0  # passed explicitly: an argument as before

    def logging(x, seen=[]):  # noqa: B006 (the case under test)
        out = Value(x).sum()
        seen.append(float(out.data))
        return out

    compiled = ag.compile(logging, max_recordings=3)
    with pytest.warns(CompileWarning, match="the items of the dict or list that is .*logging's default for seen"):
        for _ in range(4):
            compiled(x)
    assert logging.__defaults__[0] == [6.0] * 4 and compiled.stats["replayed"] == 0


@pytest.mark.parametrize("layer", ["dropout", "batchnorm"])
def test_train_and_eval_switches_re_record(layer):
    def make():
        extra = nn.Dropout(0.5, rng=0) if layer == "dropout" else nn.BatchNorm1d(4)
        return nn.Sequential(nn.Linear(4, 4, rng=0), extra)

    model, twin = make(), make()
    compiled = ag.compile(lambda x: model(x))
    x = np.random.default_rng(1).standard_normal((8, 4))
    for mode in ("eval", "train", "eval"):
        getattr(model, mode)()
        getattr(twin, mode)()
        for _ in range(3):
            if mode == "train":  # dropout: a fresh mask each call, so eagerly
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", CompileWarning)
                    out = compiled(x).data
            else:
                out = compiled(x).data
            assert _equal(out, twin(x).data)  # with batch norm, the running statistics too (the last eval)
    # Back in eval, batch norm's eval program finds the running statistics changed by training: recorded again.
    assert compiled.stats["guard_failures"] == (1 if layer == "dropout" else 2) and compiled.stats["replayed"] >= 1


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_training_replays_with_each_batch_statistics(momentum):
    # Training folds each batch's statistics into the running ones in an effect (BatchNorm._track) that the
    # program calls with the statistics it computed: the same running statistics as eager mode, call by call.
    def make():
        return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, rng=0), nn.BatchNorm2d(3, momentum=momentum), nn.ReLU())

    model, twin = make(), make()

    def step(x):
        model.zero_grad()
        out = model(x)
        (out * out).mean().backward()
        return out

    compiled = ag.compile(step)
    rng = np.random.default_rng(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(5):
            x = rng.standard_normal((4, 2, 5, 5)).astype(np.float32)
            twin.zero_grad()
            out = twin(x)
            (out * out).mean().backward()
            assert _equal(compiled(x).data, out.data)
            bn, bn_twin = model[1], twin[1]
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                assert _equal(getattr(bn, name), getattr(bn_twin, name)), name
            assert all(_equal(p.grad, q.grad) for p, q in zip(model.parameters(), twin.parameters()))
    assert compiled.stats["replayed"] == 3, compiled.stats


def test_functional_batch_norm_training_still_runs_eagerly():
    # F.batch_norm updates the arrays it is handed in place: no effect replays that, so eagerly (same numbers).
    mean, var = np.zeros(3), np.ones(3)
    compiled = ag.compile(lambda x: F.batch_norm(Value(x), mean, var, training=True))
    x = np.random.default_rng(2).standard_normal((6, 3))
    with pytest.warns(CompileWarning, match="running statistics"):
        for _ in range(4):
            compiled(x)
    assert np.allclose(mean, 0.1 * x.mean(axis=0) * sum(0.9 ** k for k in range(4)))


def test_module_settings_and_method_attributes_are_guarded():
    model = nn.Sequential(nn.Linear(3, 3, rng=0), nn.LeakyReLU(0.1))

    class Trainer:
        def __init__(self):
            self.beta = 1.0

        def loss(self, x):
            return model(x).sum() * self.beta

    trainer = Trainer()
    compiled = ag.compile(trainer.loss)
    x = -np.ones((2, 3))
    for change in (None, lambda: setattr(trainer, "beta", 3.0), lambda: setattr(model[1], "negative_slope", 0.5)):
        if change:
            change()
        for _ in range(3):
            assert _equal(compiled(x).data, model(x).sum().data * trainer.beta)
    assert compiled.stats["guard_failures"] == 2


def test_an_attribute_guard_sees_a_replaced_instance_dict():
    # The guards read a module's attributes from its __dict__ (cheaper than getattr); a __dict__ swapped for
    # another must fail them, or the replay would use the old weight.
    layer = nn.Linear(3, 2, rng=0, dtype=np.float64)  # the replacing weight's dtype
    compiled = ag.compile(lambda x: layer(x).sum())
    x = np.ones((4, 3))
    for _ in range(3):
        compiled(x)
    layer.__dict__ = {**vars(layer), "weight": nn.Parameter(np.full((2, 3), 2.0))}
    assert _equal(compiled(x).data, layer(x).sum().data)
    assert compiled.stats["guard_failures"] == 1


def test_the_warning_names_the_guard_that_keeps_failing():
    class Counter:
        def __init__(self):
            self.calls = 0

        def step(self, x):
            self.calls += 1  # Python state a replay would not update
            return (Value(x) * 2.0).sum()

    counter = Counter()
    compiled = ag.compile(counter.step, max_recordings=4)
    with pytest.warns(CompileWarning, match="the call itself changes Counter.calls"):
        for _ in range(8):
            compiled(np.ones(2))
    assert counter.calls == 8


def test_a_hook_registered_after_compiling_is_called():
    w = Value(np.ones(3))

    def f(x):
        w.grad = None
        (w * x).sum().backward()
        return w.grad

    compiled = ag.compile(f)
    for _ in range(3):
        compiled(np.full(3, 2.0))
    w.register_hook(lambda g: g * 0)
    with pytest.warns(CompileWarning, match="hook"):
        np.testing.assert_array_equal(compiled(np.full(3, 2.0)), np.zeros(3))
    np.testing.assert_array_equal(w.grad, np.zeros(3))


@pytest.mark.parametrize("replace", ["parameter", "layer in a list"])
def test_replaced_parameters_and_layers_re_record(replace):
    model = nn.MLP(2, [3, 1], rng=0)
    compiled = ag.compile(lambda x: model(x).sum())
    x = np.ones((4, 2))
    for _ in range(3):
        compiled(x)
    if replace == "parameter":
        model.layers[1].weight = nn.Parameter(np.zeros((1, 3)))
    else:
        model.layers[0] = type(model.layers[0])(2, 3, rng=7)
    for _ in range(3):
        assert _equal(compiled(x).data, model(x).sum().data)
    assert compiled.stats["guard_failures"] == 1


def test_the_guards_on_names_are_one_generated_expression_that_agrees_with_the_checks():
    model = nn.MLP(2, [3, 1], rng=0)
    beta = 0.5
    compiled = ag.compile(lambda x: model(x).sum() * beta)
    for _ in range(3):
        compiled(np.ones((1, 2)))
    referenced = next(iter(compiled.cache.values())).referenced
    assert len(referenced.checks) > 10 and referenced.holds() and referenced.changed() is None
    model.layers[0].training = False
    assert not referenced.holds() and referenced.changed() == "Layer.training"


def test_a_function_that_ran_eagerly_in_training_compiles_after_eval():
    def make():
        return nn.Sequential(nn.Linear(4, 4, rng=0), nn.Dropout(0.5, rng=0), nn.BatchNorm1d(4))

    model, twin = make(), make()
    compiled = ag.compile(lambda x: model(x))
    x = np.random.default_rng(3).standard_normal((8, 4))
    for mode, calls in (("train", 3), ("eval", 4), ("train", 3), ("eval", 4)):
        getattr(model, mode)()
        getattr(twin, mode)()
        replayed = compiled.stats["replayed"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)  # training: running statistics, dropout masks
            for _ in range(calls):
                assert _equal(compiled(x).data, twin(x).data)
        if mode == "eval":
            assert compiled.stats["replayed"] - replayed == calls - 2  # two recordings, then replays
    assert _equal(model[2].running_mean, twin[2].running_mean)


def test_python_state_changing_on_every_call_settles_into_eager_mode():
    class Counter:
        def __init__(self):
            self.calls = 0

        def step(self, x):
            self.calls += 1
            return (Value(x) * 2.0).sum()

    counter = Counter()
    compiled = ag.compile(counter.step, max_recordings=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for _ in range(30):
            compiled(np.ones(2))
    # at most max_recordings + 1 recordings per spell (two, then the one whose guard fails), and two retries
    assert counter.calls == 30 and compiled.stats["recorded"] <= (1 + 2) * (2 + 1)
    assert compiled.stats["eager"] >= 30 - 9


def test_an_intermediate_gradient_that_the_function_returns_follows_the_input():
    # h.grad of an intermediate node was baked into the program as a constant: two calls with the same
    # input agreed, and the third call, with another input, returned the first input's gradient.
    def grad_of_intermediate(x):
        x = Value(x, requires_grad=True)
        h = x * 2
        (h * h).sum().backward()
        return h.grad, x.grad

    compiled = ag.compile(grad_of_intermediate)
    for a in (np.arange(3.0), np.arange(3.0), np.arange(3.0) + 5, np.arange(3.0) - 1, np.arange(3.0) * 2):
        assert _equal(compiled(a), grad_of_intermediate(a))
    assert compiled.stats["replayed"] == 2  # the third call, on new data, is recorded once more


def _relu_net(x0, returns):
    """x -> relu(x W1) -> relu(. W2) -> sum, backward; returns the gradients `returns` names."""
    rng = np.random.default_rng(1)
    w1, w2 = Value(rng.standard_normal((4, 5)), requires_grad=True), Value(rng.standard_normal((5, 3)),
                                                                           requires_grad=True)

    def step(x):
        w1.grad = w2.grad = None
        pre1 = Value(x) @ w1
        pre2 = pre1.relu() @ w2
        out = pre2.relu()
        (out * out).sum().backward()
        got = {"pre1": pre1.grad, "pre2": pre2.grad, "out": out.grad}
        return [w1.grad, w2.grad] + [got[name] for name in returns]

    return step


@pytest.mark.parametrize("returns", [(), ("out",), ("pre2",), ("out", "pre2", "pre1")])
def test_relu_gradients_multiplied_in_place_give_the_eager_numbers(returns):
    # The program multiplies the gradient arriving at a ReLU by its mask in place, unless something after
    # reads that gradient (here: the function returns it as out.grad).
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((6, 4)) for _ in range(5)]
    eager, compiled = _relu_net(xs[0], returns), ag.compile(_relu_net(xs[0], returns))
    for x in xs:
        assert _equal(compiled(x), eager(x))
    assert compiled.stats["replayed"] == 3
    source = compiled.sources()[0]
    in_place = re.findall(r"(\w+) = _relu_backward\((\w+), [^,()]+, (\w+)\)", source)  # t = rule(g, x, out=g)
    assert len(in_place) == (1 if "out" in returns else 2) and all(g == o for _, g, o in in_place), source


@pytest.mark.parametrize("batch_shape", [(6,), (2, 3)])
def test_linear_rules_are_written_out_for_matrices_and_called_otherwise(batch_shape):
    # linear declares its three VJP rules as templates (Primitive.definline) for 2-D data; a program checks a template
    # against the rule on the recorded arrays and calls the rule where they differ (3-D data: gᵀx is another product).
    layer = nn.Linear(4, 3, rng=0, dtype=np.float64)  # x @ w is float64: PyTorch's layers refuse mixed dtypes
    w = nn.Parameter(np.ones((5, 4)))

    def step(x):
        layer.zero_grad()
        w.grad = None
        loss = (layer(x @ w) ** 2).sum()
        loss.backward()
        return loss, layer.weight.grad, layer.bias.grad, w.grad

    eager, compiled = step, ag.compile(step)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal(batch_shape + (5,))
        assert _equal(compiled(x), eager(x))
    assert compiled.stats["replayed"] == 2
    source = compiled.sources()[0]
    # For a matrix gx = gW, gW = gᵀx and gb = Σ g; for more axes the rules fold the rows first (gx as a stack of
    # products differs in the last bit now and then: linear's definline says when=, 2-D operands only), and are
    # called. x @ w's own rules are called.
    inline = len(batch_shape) == 1
    assert (source.count("_matmul("), source.count("_add_reduce(")) == ((2, 1) if inline else (0, 0)), source


@pytest.mark.parametrize("trained_through", ["the compiled function", "the model itself"])
def test_running_statistics_changed_by_training_are_read_again_in_eval(trained_through):
    # BatchNorm's eval path derives its scale from the running statistics with NumPy: a program recorded in
    # eval mode holds that result. Training (in place, through the function with another batch size, or through
    # the model directly) changes the statistics: the next eval call must not replay the old ones.
    def make():
        return nn.Sequential(nn.Linear(4, 4, rng=0), nn.BatchNorm1d(4))

    model, twin = make(), make()
    compiled = ag.compile(lambda x: model(x))
    rng = np.random.default_rng(0)
    x, batch = rng.standard_normal((8, 4)), rng.standard_normal((16, 4)) + 3
    for _ in range(2):
        model.eval(), twin.eval()
        for _ in range(3):
            assert _equal(compiled(x).data, twin(x).data)
        model.train(), twin.train()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            (compiled if trained_through == "the compiled function" else model)(batch)
        twin(batch)
    model.eval(), twin.eval()
    assert _equal(compiled(x).data, twin(x).data)


class _TrainEval(nn.Module):
    """x·2 in training, x·3 in evaluation: a module whose two modes give different (deterministic) programs."""

    def forward(self, x):
        return x * (2.0 if self.training else 3.0)


def test_train_and_eval_each_keep_their_program():
    def make():
        return nn.Sequential(nn.Linear(4, 4, rng=0), _TrainEval())

    model, twin = make(), make()

    def loss(x):
        out = model(x).sum()
        out.backward()
        return out

    compiled = ag.compile(loss)
    x = np.random.default_rng(0).standard_normal((8, 4))
    for _ in range(4):
        for mode in ("train", "eval"):
            getattr(model, mode)(), getattr(twin, mode)()
            for _ in range(3):
                model.zero_grad(), twin.zero_grad()
                assert _equal(compiled(x).data, twin(x).sum().data)
                twin(x).sum().backward()
                assert all(_equal(p.grad, q.grad) for p, q in zip(model.parameters(), twin.parameters()))
    assert compiled.stats["recorded"] == 4  # two per mode, in the first cycle; later cycles only replay


_KEPT = []


def _keep_and_return(g, out, x):
    result = g * 2
    _KEPT.append(result)
    return result


_double_and_keep = Primitive("test_double_and_keep", lambda x: x * 2).defvjp(_keep_and_return)
PRIMITIVES.pop("test_double_and_keep")  # a user's operation, not one of the library's (the registry's tests)


def test_a_gradient_that_a_rule_also_keeps_is_not_multiplied_in_place():
    # A user's primitive whose rule keeps the array it returns: the ReLU below it must not write into it.
    def f(x):
        v = Value(x, requires_grad=True)
        (_double_and_keep(v.relu()) * 3).sum().backward()
        return v.grad

    compiled = ag.compile(f)
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    for _ in range(4):
        assert _equal(compiled(x), f(x))
    assert compiled.stats["replayed"] == 2 and not re.search(r"_relu_backward\([^()]*,[^()]*,", compiled.sources()[0])
    assert all(np.array_equal(k, [6.0, 6.0, 6.0, 6.0]) for k in _KEPT)  # each as the rule returned it


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_inlined_rules_take_their_numbers_in_the_data_dtype(dtype):
    # On arrays the program writes tanh's rule as ufunc calls whose 1 is a 0-d array of the data's dtype (a Python
    # number costs NumPy a conversion per call), and ReLU's as a call of eager mode's own relu_backward. Same numbers
    # and dtypes as eager mode, and the rules are inlined, not called, in every float dtype.
    rng = np.random.default_rng(0)
    w = Value(rng.standard_normal((3, 3)).astype(dtype), requires_grad=True)

    def f(x):
        w.grad = None
        h = (Value(x) @ w).tanh()
        (h.relu() * h - h / 3).sum().backward()
        return h.data, w.grad

    compiled = ag.compile(f)
    for _ in range(4):
        x = rng.standard_normal((5, 3)).astype(dtype)
        got, want = compiled(x), f(x)
        assert all(_equal(a, b) and a.dtype == b.dtype == dtype for a, b in zip(got, want))
    source = compiled.sources()[0]
    assert compiled.stats["replayed"] == 2, compiled.stats
    assert re.search(r"_sub\((C\d+|K\[\d+\]), ", source) and "_relu_backward(" in source  # ReLU's: its own function
    assert " 1 " not in source and "> 0" not in source, source


def _forward_into_cases():
    rng = np.random.default_rng(0)
    for dtype in (np.float16, np.float32, np.float64):
        def r(*shape, dtype=dtype):
            return rng.standard_normal(shape).astype(dtype)

        yield "relu", (r(4, 5),), {}
        yield "relu", (r(5, 4).T,), {}  # not contiguous
        yield "relu", (np.array([-0.0, 0.0, np.nan, -np.inf, np.inf], dtype),), {}
        yield "linear", (r(6, 3), r(4, 3), r(4)), {}
        yield "linear", (r(2, 6, 3), r(4, 3)), {}
        yield "linear", (r(3, 6).T, r(3, 4).T, r(4)), {}
    yield "relu", (np.arange(-3, 3),), {}


FORWARD_INTO = sorted({name for name, p in PRIMITIVES.items() if p.forward_into is not None})


def test_every_forward_into_has_cases():
    assert FORWARD_INTO == sorted({name for name, _, _ in _forward_into_cases()})


@pytest.mark.parametrize("name, xs, params", list(_forward_into_cases()),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_forward_into_writes_what_forward_returns(name, xs, params):
    # A compiled step replays these primitives into buffers of its own: the numbers must be eager mode's.
    prim = PRIMITIVES[name]
    want = prim.forward(*xs, **params)
    out = np.full_like(want, 7)
    assert prim.forward_into(*xs, out=out, **params) is out
    assert out.dtype == want.dtype and out.tobytes() == want.tobytes()


def test_a_linear_layer_replays_into_buffers_with_the_eager_numbers():
    model, twin = nn.Sequential(nn.Linear(5, 4, rng=0), nn.ReLU()), nn.Sequential(nn.Linear(5, 4, rng=0), nn.ReLU())
    compiled = ag.compile(lambda x: model(x))
    rng = np.random.default_rng(0)
    outs = []
    for _ in range(4):
        x = rng.standard_normal((3, 5)).astype(np.float32)
        with ag.no_grad():  # (in grad mode the output is a node of the graph, whose program allocates per call)
            outs.append(compiled(x).data)
        assert _equal(outs[-1], twin(x).data)
    assert compiled.stats["replayed"] == 2
    assert not np.shares_memory(outs[-1], outs[-2])  # what leaves the program is a copy of its buffer
    assert compiled.sources()[0].count("out=") == 2


def test_micrograd_scalar_weights_accumulate_through_their_views():
    # nn.MLP on lists of numbers (micrograd's demo) makes each weight an ElementView, a leaf that keeps its
    # gradient in its matrix: the program must accumulate into it through its property, not the slot.
    def make():
        model = nn.MLP(2, [4, 1], rng=0)
        params = model.parameters()

        def step(x):
            model.zero_grad()
            xv = Value(x, requires_grad=False)  # the argument's own array: read live at each replay
            loss = sum(((model([xv[i, 0], xv[i, 1]]) - 1.0) ** 2 for i in range(len(x))), Value(0.0))
            loss.backward()
            return loss, [p.grad for p in params]

        return model, step

    (m1, eager), (m2, step) = _twins(make)
    compiled = ag.compile(step)
    x0 = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
    for k in range(4):  # new data each call: the weights' gradients it returns are each call's, never the first's
        x = x0 + 0.25 * k
        (la, ga), (lb, gb) = compiled(x), eager(x)
        assert _equal(la.data, lb.data) and len(ga) == len(gb) and all(_equal(a, b) for a, b in zip(ga, gb))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert _equal(p.grad, q.grad)
    assert compiled.stats["replayed"] >= 1, compiled.stats
    source = compiled.sources()[0]
    assert "_acc(" in source and "._grad = " not in source, source


@pytest.mark.parametrize("norm", ["layer", "group"])
def test_layer_and_group_norm_training_steps_replay_bit_for_bit(norm):
    # Their statistics are computed by recorded operations while compile watches (NumPy otherwise): the program
    # recomputes them for each batch, with the eager numbers.
    def make():
        layer = nn.LayerNorm(6) if norm == "layer" else nn.GroupNorm(2, 6)
        model = nn.Sequential(nn.Linear(4, 6, rng=0), layer, nn.ReLU(), nn.Linear(6, 3, rng=1))
        opt = optim.SGD(model.parameters(), lr=0.1)

        return model, _classifier_step(model, opt)

    compiled = _train_twins(make, _classifier_batches(3, 5, (8, 4)))
    assert compiled.stats == {"recorded": 2, "replayed": 3, "eager": 0, "guard_failures": 0}


@pytest.mark.parametrize("kind", ["dropout", "dropout2d"])
def test_dropout_training_steps_replay_with_eager_masks(kind):
    # While compile records, the masks are drawn by a recorded operation from the module's generator: each
    # replay draws the next mask, the same sequence as eager mode's.
    def make():
        drop = nn.Dropout(0.5, rng=1) if kind == "dropout" else nn.Dropout2d(0.5, rng=1)
        model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, rng=0), nn.ReLU(), drop)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    rng = np.random.default_rng(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        compiled = _train_twins(make, [(rng.standard_normal((3, 2, 5, 5)).astype(np.float32),) for _ in range(6)])
    assert compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}


def test_softplus_past_its_threshold_replays_the_eager_numbers():
    # softplus is x itself past its threshold. It used to decide that with a Python `if` on the data: a program
    # recorded on small inputs then replayed the smooth formula for large ones (25.000000000013888, not 25.0).
    compiled = ag.compile(lambda x: F.softplus(Value(x)).data)
    small, large = np.array([0.5, 1.0, 2.0]), np.array([0.5, 1.0, 25.0])
    for _ in range(3):
        compiled(small)
    assert _equal(compiled(large), F.softplus(Value(large)).data) and compiled(large)[2] == 25.0
    assert compiled.stats["replayed"] >= 2


@pytest.mark.parametrize("ignore_index", [-100, -1, 1])
def test_labels_that_need_another_path_record_again(ignore_index):
    # cross_entropy's fast path holds only while every label is a class and none is ignored; a program recorded
    # on such labels checks that for each new batch (jit.replay_requires) and records again where it fails,
    # instead of indexing with an ignored label (-1 used to pick another row's logit: a silently wrong loss).
    z = np.random.default_rng(0).standard_normal((4, 3))
    f = lambda z, y: F.cross_entropy(Value(z), y, ignore_index=ignore_index).data  # noqa: E731
    compiled = ag.compile(f)
    plain, ignored = np.array([0, 1, 2, 1]), np.array([0, ignore_index, 2, 1])
    if ignore_index == 1:
        plain = np.array([0, 2, 2, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for _ in range(3):
            assert _equal(compiled(z, plain), f(z, plain))
        assert compiled.stats["replayed"] >= 1
        assert _equal(compiled(z, ignored), f(z, ignored))
        assert compiled.stats["recorded"] == 3
    with pytest.raises(IndexError, match=r"labels must be in \[0, 3\)"):
        compiled(z, np.array([0, 1, 5, 1]))


@pytest.mark.parametrize("options", [{}, {"ignore_index": 1}, {"weight": np.array([1.0, 2.0, 0.5])}],
                         ids=["plain", "ignore", "weight"])
def test_nll_loss_replays_for_new_labels(options):
    # nll_loss derives index arrays from the labels (which entry of each row, each sample's weight). They were
    # NumPy constants of the program: it replayed only for the very labels it recorded (the PyTorch MNIST example's
    # log_softmax + nll_loss never compiled). They are recorded results without gradient now.
    z = np.random.default_rng(0).standard_normal((4, 3))
    f = lambda z, y: F.nll_loss(F.log_softmax(Value(z), dim=1), y, **options).data  # noqa: E731
    compiled = ag.compile(f)
    rng = np.random.default_rng(11)
    for labels in [np.array([0, 1, 2, 1])] * 2 + [rng.integers(0, 3, 4) for _ in range(5)] + [np.array([1, 1, 1, 1])]:
        a, b = compiled(z, labels), f(z, labels)  # the last: every sample ignored (nan) where 1 is ignored
        assert np.array_equal(a, b, equal_nan=True) and a.dtype == b.dtype
    assert compiled.stats == {"recorded": 3, "replayed": 5, "eager": 0, "guard_failures": 0}


_CROSS_ENTROPIES = {  # (loss of logits z and labels y, shape of z, labels for call k)
    "per-pixel": (lambda z, y: F.cross_entropy(z, y), (2, 3, 4), lambda rng, k: rng.integers(0, 3, (2, 4))),
    "weight": (lambda z, y: F.cross_entropy(z, y, weight=np.array([1.0, 2.0, 0.5])), (5, 3),
               lambda rng, k: rng.integers(0, 3, 5)),
    "smoothing": (lambda z, y: F.cross_entropy(z, y, label_smoothing=0.2), (5, 3),
                  lambda rng, k: rng.integers(0, 3, 5)),
    # some batches hold an ignored label (the general path), others none (the one-node path): a program recorded on
    # one path must not replay the other's batches (the same loss, but not bit for bit)
    "ignore-mixed": (lambda z, y: F.cross_entropy(z, y, ignore_index=-1), (5, 3),
                     lambda rng, k: np.where(np.arange(5) == 0, -1 if k < 4 else 1, rng.integers(0, 3, 5))),
}


@pytest.mark.parametrize("kind", list(_CROSS_ENTROPIES))
def test_cross_entropy_options_replay_for_new_labels_bit_for_bit(kind):
    loss, shape, labels_for = _CROSS_ENTROPIES[kind]
    w = Value(np.random.default_rng(12).standard_normal(shape))

    def f(x, y):
        w.grad = None
        out = loss(w * x, y)
        out.backward()
        return out, w.grad

    compiled = ag.compile(f)
    rng = np.random.default_rng(13)
    for k in range(8):
        x, y = rng.standard_normal(shape), labels_for(rng, k)
        (a, ga), (b, gb) = compiled(x, y), f(x, y)
        assert _equal(a.data, b.data) and _equal(ga, gb)
    assert compiled.stats["replayed"] >= 4, compiled.stats


def test_batches_that_alternate_between_two_paths_replay_both_programs():
    # Labels with an ignored entry take cross_entropy's general path, others its one-node path; each program's
    # condition fails on the other's batches. Both programs are kept: after one recording of each, batches that
    # alternate between the paths replay (before, every switch recorded anew).
    w = Value(np.random.default_rng(24).standard_normal((5, 3)))

    def f(x, y):
        w.grad = None
        loss = F.cross_entropy(w * x, y, ignore_index=-1)
        loss.backward()
        return loss, w.grad

    compiled = ag.compile(f)
    rng = np.random.default_rng(25)
    for k in range(12):
        x, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
        if k % 4 < 2:
            y[0] = -1
        (a, ga), (b, gb) = compiled(x, y), f(x, y)
        assert _equal(a.data, b.data) and _equal(ga, gb)
    assert compiled.stats == {"recorded": 4, "replayed": 8, "eager": 0, "guard_failures": 1}, compiled.stats


def test_embedding_ids_reaching_the_padding_row_record_again():
    # With no padding id in the recorded batches the program skips the padding mask; a later batch with one must
    # not train the padding row.
    def make():
        return nn.Embedding(5, 2, padding_idx=0, rng=0)

    def step(model):
        def run(ids):
            model.zero_grad()
            (model(ids) ** 2).sum().backward()
            return model.weight.grad

        return run

    compiled, eager = ag.compile(step(make())), step(make())
    for _ in range(3):
        assert _equal(compiled(np.array([1, 2, 3])), eager(np.array([1, 2, 3])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        got = compiled(np.array([0, 2, 3]))
    assert _equal(got, eager(np.array([0, 2, 3]))) and not got[0].any()
    assert compiled.stats["recorded"] == 3


def test_relu_gradient_at_an_infinite_or_nan_incoming_gradient_is_the_eager_one():
    """ReLU's rule is where(x <= 0, 0, g) (PyTorch's): 0 where x <= 0 even for an infinite g, g where x is NaN. A
    compiled step runs the same rule written into g, so its numbers are eager mode's bit for bit, also when the
    step was recorded on finite numbers and replays infinite ones. Small arrays take np.where, large ones (from
    2,048 elements) a product mended where g is not finite: both sizes are checked."""
    def step(x, scale):
        x = Value(x)
        (x.relu() * Value(scale, requires_grad=False)).sum().backward()
        return x.grad

    for repeats in (1, 600):  # (2, 4) and (2, 2400)
        for x in (np.array([[-1.0, 0.0, 2.0, 5.0], [3.0, -2.0, -0.0, 1.0]]),
                  np.array([[-1.0, 0.0, 2.0, np.nan], [3.0, -2.0, -0.0, 1.0]])):
            x = np.tile(x, (1, repeats))
            compiled = ag.compile(step)
            for scale in (1.0, 2.0, 3.0, np.inf, np.nan, -np.inf):
                expected = step(x, np.full(x.shape, scale))
                got = compiled(x, np.full(x.shape, scale))
                assert got.tobytes() == expected.tobytes(), (scale, got, expected)
            assert compiled.stats["recorded"] == 2 and compiled.stats["replayed"] == 4
        np.testing.assert_array_equal(step(x, np.full(x.shape, np.inf)),
                                      np.tile([[0, 0, np.inf, np.inf], [np.inf, 0, 0, np.inf]], (1, repeats)))
        np.testing.assert_array_equal(step(x, np.full(x.shape, -2.0)),
                                      np.tile([[0, 0, -2.0, -2.0], [-2.0, 0, 0, -2.0]], (1, repeats)))


def test_relu_rule_gives_its_gradient_in_the_gradient_dtype_at_both_sizes():
    """relu_backward(g, y) keeps g's dtype when ReLU's output y's differs (float32 gradients of float64 data, and the
    reverse), in np.where's path below 2,048 elements as in the product's above: a 0-d zero of y's dtype would widen
    a float32 g."""
    from autograd_core.ops.elementwise import relu_backward

    for size in (8, 4800):
        x = np.linspace(-1.0, 1.0, size)
        for g_dtype, x_dtype in ((np.float32, np.float64), (np.float64, np.float32)):
            g = np.full(size, -2.0, g_dtype)
            grad = relu_backward(g, np.maximum(x, 0).astype(x_dtype))
            assert grad.dtype == g_dtype, (size, g_dtype, x_dtype)
            np.testing.assert_array_equal(grad, np.where(x <= 0, 0.0, -2.0))


def test_torch_jit_names_say_torchscript_is_not_here_and_leave_code_as_it_is():
    # d2l 12.1 scripts a model; library code asks torch.jit.is_scripting() and decorates with @torch.jit.ignore.
    net = nn.Linear(2, 2)
    for make in (ag.jit.script, lambda m: ag.jit.trace(m, np.ones((1, 2)))):
        with pytest.raises(NotImplementedError, match="TorchScript is not part of autograd_core.*compile"):
            make(net)
    assert ag.jit.is_scripting() is False and ag.jit.is_tracing() is False

    def f(x):
        return x + 1

    assert ag.jit.ignore(f) is f and ag.jit.ignore(drop=True)(f) is f and ag.jit.unused(f) is f
    assert ag.jit.export(f) is f


def test_a_compiled_module_is_used_as_the_module():
    """`model = torch.compile(model)`, PyTorch 2's idiom: what the compiled object does not have, the module has
    (PyTorch's OptimizedModule forwards it the same way), and `_orig_mod` is the module."""
    model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
    compiled = ag.compile(model)
    assert compiled._orig_mod is model and compiled.training
    assert compiled.eval() is compiled  # as Module.eval returns the module: `model = model.eval()` stays compiled
    assert not model.training and not compiled.training  # read from the module, not a copy made at compile time
    assert compiled.train() is compiled and compiled.to("cpu") is compiled and model.training
    assert [p is q for p, q in zip(compiled.parameters(), model.parameters())] == [True] * 4
    assert list(compiled.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert compiled.get_submodule("0") is model[0] and compiled.__doc__ == model.__doc__
    with pytest.raises(AttributeError, match="no attribute 'not_there'"):
        _ = compiled.not_there


def test_a_compiled_module_whose_output_is_differentiated_after_the_call_replays():
    """Training with `model = compile(model)` and `loss.backward()` outside it: the replay returns the output as one
    node of the graph, whose rule is the recorded backward pass (tests/test_compile_module_training.py has more), and
    gives eager mode's numbers; calls under no_grad() (evaluation) replay too, with a program of their own."""
    x, y = ag.randn(6, 4), ag.tensor([0, 1, 2, 0, 1, 2])
    models = [nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1)) for _ in range(2)]
    compiled = ag.compile(models[0])
    opts = [optim.SGD(m.parameters(), lr=0.1) for m in models]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(4):
            for model, opt in zip((compiled, models[1]), opts):
                loss = F.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            np.testing.assert_array_equal(models[0][0].weight.data, models[1][0].weight.data)
    assert compiled.stats["replayed"] == 2 and compiled.stats["eager"] == 0
    with ag.no_grad():
        outputs = [compiled(x) for _ in range(4)]
    assert compiled.stats["replayed"] == 4
    np.testing.assert_array_equal(outputs[-1].data, models[1](x).data)


def test_a_compiled_functions_result_is_differentiated_after_the_call_as_torch_compiles():
    """`f = torch.compile(f); f(x).backward()`: a function's result that needs a gradient is a node of the graph, as a
    module's is; one computed only from Values the call made itself (`Value(x)`) is a leaf without a graph."""
    w = Value(np.ones(3))
    compiled = ag.compile(lambda x: (x * w).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [compiled(np.arange(3.0)) for _ in range(3)]
    assert compiled.stats["replayed"] == 1 and results[-1].grad_fn.name() == "CompiledFunctionBackward0"
    for result in results:
        result.backward()
    np.testing.assert_array_equal(w.grad, [0.0, 3.0, 6.0])
    inside = ag.compile(lambda x: (Value(x) * 2.0).sum())
    results = [inside(np.arange(3.0)) for _ in range(3)]
    assert inside.stats["replayed"] == 1 and results[-1].is_leaf and not results[-1].requires_grad


@pytest.mark.parametrize("made", ["by an operation", "from the argument"])
def test_data_assigned_to_a_value_the_call_computed_runs_eagerly(made):
    # `h.data = h.data + 1.0` on a Value the call made: the replay computed h as the operation (or the conversion of
    # the argument) made it and skipped the assignment, 12.0 where eager mode gives 15.0. Now it runs eagerly, with
    # a CompileWarning that says why (jit_recorder._Recorder.write)
    w = nn.Parameter(np.ones(3, np.float32))

    def f(x):
        h = ag.tensor(x) * 2.0 if made == "by an operation" else ag.tensor(x)
        h.data = np.asarray(h.data) + 1.0
        return (h * w).sum()

    compiled = ag.compile(f)
    with pytest.warns(CompileWarning, match=r"assigns the \.data of a Value it computed"):
        for i in range(4):
            x = np.full(3, float(i), np.float32)
            assert _equal(compiled(x).data, f(x).data), f"call {i}"
