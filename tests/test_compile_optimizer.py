"""A compiled training step replays an optimizer's zero_grad() and a plain SGD step() as routines decided when it was
compiled (optim/replay.py, autograd_core.jit's `__replay_effect__` protocol): the same numbers as eager mode, bit for
bit, whatever changes between calls or inside them (a learning-rate scheduler, momentum switched on, a new parameter
group, step hooks, a parameter's data replaced, a gradient missing), with no re-recording for what the routine reads
at each call (the learning rate)."""

from __future__ import annotations

import collections
import re

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.nn.functional import cross_entropy
from autograd_core.optim.hooks import register_optimizer_step_pre_hook


def _batches(count, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((6, 5)).astype(np.float32), rng.integers(0, 3, 6)) for _ in range(count)]


def _train(compiled, change=None, steps=10, make_optimizer=None, inside=None, sizes=(5, 300, 3)):
    """Parameters after `steps` SGD steps of an MLP (its first weight more than SGD's 256 KiB block when sizes[1] is
    large), eager or compiled; `change(i, model, opt)` runs before call i, `inside(model, opt)` inside the step after
    opt.step()."""
    model = nn.MLP(sizes[0], list(sizes[1:]), rng=0, dtype=np.float32)
    opt = (make_optimizer or (lambda params: optim.SGD(params, lr=0.05)))(model.parameters())

    def step(x, y):
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if inside is not None:
            inside(model, opt)
        return loss

    run = ag.compile(step) if compiled else step
    for i, (x, y) in enumerate(_batches(steps)):
        if change is not None:
            change(i, model, opt)
        run(x, y)
    return [p.data.copy() for group in opt.param_groups for p in group["params"]], run, opt


def _same_as_eager(change=None, **options):
    eager, _, _ = _train(False, change, **options)
    compiled, run, opt = _train(True, change, **options)
    for a, b in zip(eager, compiled):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    return run, opt


def _replays_routines(run):
    """Whether the compiled program calls the optimizer's routines (P names) rather than its methods (X names)."""
    (source,) = run.sources()
    return not re.search(r"\bX\d+\(", source) and len(re.findall(r"\bP\d+\(\)", source)) == 2


def test_a_plain_sgd_step_replays_as_routines_with_eager_modes_numbers():
    run, opt = _same_as_eager()
    assert _replays_routines(run), run.sources()
    assert run.stats["replayed"] == 8 and run.stats["guard_failures"] == 0, run.stats
    assert opt._step_count == 10


@pytest.mark.parametrize("sgd_update", ["blocked"], indirect=True)
def test_a_plain_sgd_step_of_a_parameter_updated_in_blocks_replays_with_eager_modes_numbers(sgd_update, monkeypatch):
    # SGD updates a parameter of 16 MiB or more a block at a time (optim/sgd.py's _BLOCKED_FROM), and so does its
    # routine (optim/replay.py's _Blocks). The threshold lowered (sgd_update) to the 256 KiB scratch block: the first
    # layer's 20000×5 float32 weight (400 KB) takes the blocks, the second's 3×20000 (240 KB) the whole product.
    from autograd_core.optim import replay

    blocks = collections.Counter()
    subtract = replay._Blocks.subtract

    def counted(self, rate, g):
        blocks[self.data.shape] += 1
        return subtract(self, rate, g)

    monkeypatch.setattr(replay._Blocks, "subtract", counted)
    run, opt = _same_as_eager(sizes=(5, 20000, 3))
    assert _replays_routines(run), run.sources()
    assert blocks == {(20000, 5): 8}, blocks  # the 8 replays (the two recording calls run the method)


def test_a_scheduler_changing_lr_between_calls_or_inside_them_replays_without_recording_again():
    def schedule(i, model, opt):
        for group in opt.param_groups:
            group["lr"] = 0.05 / (1 + i)  # a new float at every call

    run, _ = _same_as_eager(schedule)
    assert run.stats["recorded"] == 2 and run.stats["replayed"] == 8, run.stats
    schedulers = {}

    def make(i, model, opt):
        if i == 0:
            schedulers["step"] = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    def inside(model, opt):  # StepLR stepped inside the compiled function, after opt.step()
        schedulers["step"].step()

    run, _ = _same_as_eager(make, inside=inside)
    assert run.stats["replayed"] == 8, run.stats


def test_a_tensor_lr_changed_in_place_is_read_at_each_call():
    def halve(i, model, opt):
        opt.param_groups[0]["lr"].data = np.float64(0.05 / (1 + i))  # the same Value, another number

    _same_as_eager(halve, make_optimizer=lambda params: optim.SGD(params, lr=Value(np.array(0.05))))


@pytest.mark.parametrize("what", ["momentum", "weight_decay", "maximize", "nesterov_momentum"])
def test_settings_switched_on_mid_training_step_as_eager_mode(what):
    def switch(i, model, opt):
        if i == 5:
            group = opt.param_groups[0]
            if what == "nesterov_momentum":
                group["momentum"], group["nesterov"] = 0.9, True
            else:
                group[what] = {"momentum": 0.9, "weight_decay": 0.01, "maximize": True}[what]
        if i == 8 and what == "momentum":
            opt.param_groups[0]["momentum"] = 0  # and off again: the routine's own update once more

    _same_as_eager(switch)


def test_a_group_added_or_a_list_of_parameters_changed_mid_training():
    def first_layers(params):  # the last layer joins later, in a group of its own with another learning rate
        params = list(params)
        return optim.SGD(params[:-300 * 3 - 3], lr=0.05)

    def add_group(i, model, opt):
        if i == 4:
            layer = model.layers[-1]
            opt.add_param_group({"params": [layer.weight, layer.bias], "lr": 0.2})
        if i == 7:  # the first layer's bias leaves the optimizer
            del opt.param_groups[0]["params"][1]

    _same_as_eager(add_group, make_optimizer=first_layers)


def test_a_parameters_data_replaced_mid_training():
    def replace(i, model, opt):
        if i == 5:
            p = opt.param_groups[0]["params"][0]
            p.data = p.data.copy()  # another array, the same numbers

    _same_as_eager(replace)


def test_step_hooks_registered_mid_training_run_in_the_replay():
    calls, handles = [], []

    def hook_on(i, model, opt):
        if i == 4:
            handles.append(opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(o._step_count)))
        if i == 6:
            handles.append(register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append("global")))
        if i == 8:
            for handle in handles:
                handle.remove()

    eager, _, _ = _train(False, hook_on)
    eager_calls, calls[:] = list(calls), []
    compiled, run, _ = _train(True, hook_on)
    assert calls == eager_calls == [4, 5, "global", 6, "global", 7]  # (global pre-hooks first, as PyTorch's)
    assert all(np.array_equal(a, b) for a, b in zip(eager, compiled))
    assert run.stats["replayed"] == 8, run.stats


def test_a_missing_gradient_sparse_gradients_stored_or_a_subclass_take_the_method(monkeypatch):
    def drop_grad(i, model, opt):  # a parameter the step does not reach: its gradient stays None
        if i == 3:
            model.layers[-1].bias.requires_grad = False

    _same_as_eager(drop_grad)
    from autograd_core.sparse_array import SparseGradients

    monkeypatch.setattr(SparseGradients, "stored", True)  # (a sparse gradient met once: the method looks for one)
    _same_as_eager()

    class MySGD(optim.SGD):
        def _update(self, p, g, state, hp):
            p -= 0.5 * hp["lr"] * g
            return p

    run, _ = _same_as_eager(make_optimizer=lambda params: MySGD(params, lr=0.05))
    assert not _replays_routines(run)  # the subclass's rule: the method's step (zero_grad still a routine)
    assert len(re.findall(r"\bP\d+\(\)", run.sources()[0])) == 1


def test_momentum_from_the_start_and_zero_grad_keeping_zeros_call_the_methods():
    run, _ = _same_as_eager(make_optimizer=lambda params: optim.SGD(params, lr=0.05, momentum=0.9))
    assert not _replays_routines(run)

    model = nn.MLP(5, [4, 3], rng=0, dtype=np.float32)
    opt = optim.SGD(model.parameters(), lr=0.05)

    def step(x, y):
        opt.zero_grad(set_to_none=False)
        cross_entropy(model(x), y).backward()
        opt.step()

    run = ag.compile(step)
    for x, y in _batches(4):
        run(x, y)
    assert len(re.findall(r"\bX\d+\(", run.sources()[0])) == 1  # zero_grad(set_to_none=False): the method


def test_any_effects_object_may_offer_a_routine_for_it():
    """The protocol is the core's, not the optimizers' (jit_effects.replay_routine): an object whose effect method is
    recorded offers `__replay_effect__(method, args, kwargs)`, and the program calls what it returns."""
    ticks, routine_calls = collections.deque(), collections.deque()  # (guarded by identity only: no list's items)

    class Ticker:
        @ag.jit.effect()
        def tick(self, by):
            ticks.append(by)

        def __replay_effect__(self, method, args, kwargs):
            assert method is Ticker.tick.__wrapped__ and args == (2,) and not kwargs
            return lambda: routine_calls.append(len(ticks)) or method(self, *args)

    ticker, w = Ticker(), Value(np.ones(3), requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        ticker.tick(2)
        return loss

    run = ag.compile(step)
    for _ in range(4):
        run(np.ones(3))
    assert run.stats["replayed"] == 2, run.stats
    assert list(ticks) == [2] * 4 and list(routine_calls) == [2, 3]  # two recordings, then the routine's replays
