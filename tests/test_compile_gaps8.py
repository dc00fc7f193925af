"""Compiled steps that read state from outside the call (issue 12: never replay silently wrong).

Each step runs eagerly and compiled on twins over batches that change at every call, and the state outside the step
(a learning rate on an object of the user's own class, a nested config dict, an array in a dict assigned to `.grad`,
a schedule's counter) changes between calls at known points, as a hand-written schedule changes it: results, weights
and gradients must be the same bits after every call. Before these guards, the changed value was baked into the
program by the first two recordings and replayed unchanged.

Also: gradients compared with == and != in Python (`if p.grad == 0:`) and `(g == 0).all()` are guards of the program
(jit_grad_guards.py), as < and > are.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import CompileWarning, Value
from compile_helpers import compiled_twins
from gradient_helpers import same_bits


_twins = compiled_twins  # an eager and a compiled twin, the same bits after each call (compile_helpers.py)


def _weight():
    return Value(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True)


def _loss(x, w):
    return ((Value(x) @ w) ** 2).sum()


# -- state on objects of the user's own classes ------------------------------------------------------------------


class _Holder:
    """A plain object of the user's code (no config class: not argparse, SimpleNamespace or a dataclass)."""


class _SGD:
    """An optimizer written by hand: its learning rate an attribute a schedule changes."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad


class _Schedule:
    def __init__(self):
        self.t = 0

    def lr(self):
        return 0.1 / (1 + self.t)


class _Weighted:
    """A loss object: its weight an attribute."""

    def __init__(self):
        self.weight = 1.0

    def __call__(self, out):
        return (out ** 2).sum() * self.weight


class _Trainer:
    def __init__(self, w):
        self.w, self.config = w, _Holder()
        self.config.lr = 0.1

    def step(self, x):
        self.w.grad = None
        loss = _loss(x, self.w)
        loss.backward()
        self.w.data -= self.config.lr * self.w.grad
        return loss


def _hand_sgd():
    w = _weight()
    opt = _SGD([w], 0.1)

    def step(x):
        opt.zero_grad()
        loss = _loss(x, w)
        loss.backward()
        opt.step()
        return loss

    def change(i):
        opt.lr = 0.01 * i

    return [w], step, change


def _lr_on_an_object():
    w, h = _weight(), _Holder()
    h.lr = 0.1

    def step(x):
        w.grad = None
        loss = _loss(x, w)
        loss.backward()
        w.data -= h.lr * w.grad
        return loss

    def change(i):
        h.lr = 0.01 * i

    return [w], step, change


def _schedule_method():
    w, schedule = _weight(), _Schedule()

    def step(x):
        w.grad = None
        loss = _loss(x, w)
        loss.backward()
        w.data -= schedule.lr() * w.grad
        return loss

    def change(i):
        schedule.t = i

    return [w], step, change


def _loss_object():
    w, loss_fn = _weight(), _Weighted()

    def step(x):
        w.grad = None
        loss = loss_fn(Value(x) @ w)
        loss.backward()
        w.data -= 0.1 * w.grad
        return loss

    def change(i):
        loss_fn.weight = 0.5 * i

    return [w], step, change


def _nested_object():
    w = _weight()
    trainer = _Trainer(w)

    def change(i):
        trainer.config.lr = 0.01 * i

    return [w], trainer.step, change


def _scale_of_an_operation():
    w, h = _weight(), _Holder()
    h.scale = 1.0

    def step(x):
        w.grad = None
        loss = _loss(x, w) * h.scale  # a Python float from an object: a constant of the program
        loss.backward()
        w.data -= 0.1 * w.grad
        return loss

    def change(i):
        h.scale = 0.5 * i

    return [w], step, change


_OBJECTS = {"optimizer written by hand (opt.lr)": _hand_sgd, "learning rate on an object (h.lr)": _lr_on_an_object,
            "schedule's method reading self.t": _schedule_method, "loss object's weight": _loss_object,
            "trainer.config.lr (method of a compiled object)": _nested_object,
            "operation scaled by an object's number": _scale_of_an_operation}


@pytest.mark.parametrize("make", _OBJECTS.values(), ids=_OBJECTS.keys())
def test_a_number_on_an_object_of_the_users_class_changed_between_calls_records_again(make):
    compiled = _twins(make)
    assert compiled.stats["replayed"] >= 1 and compiled.stats["guard_failures"] >= 1, compiled.stats


@pytest.mark.parametrize("make", _OBJECTS.values(), ids=_OBJECTS.keys())
def test_a_number_on_an_object_that_does_not_change_replays(make):
    compiled = _twins(make, change_at=99)
    assert compiled.stats == {"recorded": 2, "replayed": 5, "eager": 0, "guard_failures": 0}


def test_a_schedule_advanced_inside_the_step_runs_eagerly_with_a_warning():
    """`schedule.t += 1` inside the step is Python a replay would skip: never replayed (the same bits as eager)."""
    w, schedule = _weight(), _Schedule()
    w2, schedule2 = _weight(), _Schedule()

    def make_step(w, schedule):
        def step(x):
            w.grad = None
            loss = _loss(x, w)
            loss.backward()
            w.data -= schedule.lr() * w.grad
            schedule.t += 1
            return loss

        return step

    eager, compiled = make_step(w, schedule), torch.compile(make_step(w2, schedule2))
    rng = np.random.default_rng(0)
    with pytest.warns(CompileWarning, match="changes _Schedule.t"):
        for _ in range(10):
            x = rng.standard_normal((4, 3))
            assert same_bits(compiled(x).data, eager(x).data)
            assert same_bits(w.data, w2.data)
    assert compiled.stats["replayed"] == 0


# -- state in nested dicts and lists, arrays in them ---------------------------------------------------------------


def _nested_dict_lr():
    w, config = _weight(), {"optimizer": {"lr": 0.1}}

    def step(x):
        w.grad = None
        loss = _loss(x, w)
        loss.backward()
        w.data -= config["optimizer"]["lr"] * w.grad
        return loss

    def change(i):
        config["optimizer"]["lr"] = 0.01 * i

    return [w], step, change


def _grad_from_an_array_in_a_dict():
    """`p.grad = state["g"] * 2`: a fresh array each call, computed with NumPy from an array changed in place."""
    w, state = _weight(), {"g": np.ones((3, 2))}

    def step(x):
        w.grad = state["g"] * 2
        loss = _loss(x, w)
        loss.backward()
        w.data -= 0.1 * w.grad
        return loss

    def change(i):
        state["g"][:] = i

    return [w], step, change


def _grad_from_an_objects_array():
    w, h = _weight(), _Holder()
    h.g = np.ones((3, 2))

    def step(x):
        w.grad = h.g.copy()
        loss = _loss(x, w)
        loss.backward()
        w.data -= 0.1 * w.grad
        return loss

    def change(i):
        h.g = np.full((3, 2), float(i))

    return [w], step, change


def _number_from_an_objects_array():
    w, h = _weight(), _Holder()
    h.g = np.ones((3, 2))

    def step(x):
        w.grad = None
        loss = _loss(x, w * np.float64(h.g.sum()))
        loss.backward()
        w.data -= 0.1 * w.grad
        return loss

    def change(i):
        h.g[:] = i

    return [w], step, change


_CONTAINERS = {"config['optimizer']['lr']": _nested_dict_lr,
               "p.grad = state['g'] * 2": _grad_from_an_array_in_a_dict,
               "p.grad = h.g.copy()": _grad_from_an_objects_array,
               "np.float64(h.g.sum())": _number_from_an_objects_array}


@pytest.mark.parametrize("make", _CONTAINERS.values(), ids=_CONTAINERS.keys())
def test_outside_state_read_through_containers_and_changed_between_calls_records_again(make):
    compiled = _twins(make)
    assert compiled.stats["guard_failures"] >= 1, compiled.stats


def _array_in_a_dict_read_live(use):
    def make():
        w, buffer = _weight(), np.ones((3, 2))
        state = {"buffer": buffer}

        def step(x):
            w.grad = None
            loss = use(_loss(x, w), w, state["buffer"])
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        def change(i):
            buffer[:] = i  # refilled in place before each call

        return [w], step, change

    return make


@pytest.mark.parametrize("use", [lambda loss, w, b: loss * Value(b).sum(), lambda loss, w, b: loss + (w * b).sum()],
                         ids=["Value(state['buffer'])", "w * state['buffer']"])
def test_an_array_in_a_dict_that_the_program_reads_itself_replays_when_refilled(use):
    """The program reads the very array (live): refilling it in place reaches the replay, no new recording."""
    compiled = _twins(_array_in_a_dict_read_live(use), change_at=2)
    assert compiled.stats == {"recorded": 2, "replayed": 5, "eager": 0, "guard_failures": 0}


def test_an_array_assigned_to_grad_and_changed_in_place_between_calls_replays_its_new_contents():
    def make():
        w, g = _weight(), np.ones((3, 2))

        def step(x):
            w.grad = g
            loss = _loss(x, w)
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        def change(i):
            g[:] = i

        return [w], step, change

    _twins(make, change_at=2)


# -- gradients compared with == and != (jit_grad_guards) ---------------------------------------------------------


def _relu_batches(count, flipped, shape=(4, 3), columns=slice(None)):
    """|normal| batches whose `columns` are negated at the calls in `flipped`: with positive weights, relu(w · x) is
    then inactive there for every row and the gradient exactly 0."""
    rng = np.random.default_rng(0)
    batches = [np.abs(rng.standard_normal(shape)) for _ in range(count)]
    for i in flipped:
        batches[i][:, columns] *= -1.0
    return batches


def _scalar_branch(compare):
    """micrograd's scalar weights: `if compare(p.grad):` picks the update and what the step returns."""

    def make():
        ws = [Value(float(v)) for v in 1.0 + np.abs(np.random.default_rng(1).standard_normal(3))]

        def step(x):
            for p in ws:
                p.grad = 0.0
            xv = Value(x, requires_grad=False)
            loss = sum((wi * xv[:, i]).relu().sum() for i, wi in enumerate(ws))
            loss.backward()
            taken = 0
            for p in ws:
                if compare(p.grad):
                    taken += 1
                    p.data += -0.01 * p.grad
                else:
                    p.data += -0.02 * p.grad
            return loss * float(taken)

        return ws, step, lambda i: None

    return make


def _array_branch(test):
    def make():
        w = Value(1.0 + np.abs(np.random.default_rng(1).standard_normal((3, 2))), requires_grad=True)

        def step(x):
            w.grad = None
            loss = (Value(x) @ w).relu().sum()
            loss.backward()
            if test(w.grad):
                w.data -= 0.01 * w.grad
                return loss + 1.0
            w.data -= 0.02 * w.grad
            return loss

        return [w], step, lambda i: None

    return make


_COMPARED = {"p.grad == 0": (_scalar_branch(lambda g: g == 0), 0),
             "p.grad != 0": (_scalar_branch(lambda g: g != 0), 0),
             "0.0 == p.grad": (_scalar_branch(lambda g: 0.0 == g), 0),
             "(g == 0).all()": (_array_branch(lambda g: (g == 0).all()), slice(None)),
             "(g != 0).any()": (_array_branch(lambda g: (g != 0).any()), slice(None)),
             "g.sum() == 0": (_array_branch(lambda g: g.sum() == 0), slice(None))}


@pytest.mark.parametrize("make, columns", _COMPARED.values(), ids=_COMPARED.keys())
def test_a_gradient_compared_with_equality_is_a_guard_that_records_again_where_it_flips(make, columns):
    """A gradient is 0 at calls 4 and 5 only: those calls fail the guard and are recorded again, down the other
    branch; the calls between replay. Without the guard the replay took the recorded branch (silently wrong)."""
    calls = _relu_batches(10, flipped={4, 5}, columns=columns)
    eager_params, eager, _ = make()
    params, step, _ = make()
    compiled = torch.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for i, x in enumerate(calls):
            assert same_bits(compiled(x).data, eager(x).data), f"call {i}: result"
            for p, q in zip(eager_params, params):
                assert same_bits(p.data, q.data) and same_bits(p.grad, q.grad), f"call {i}: weights or gradients"
    assert compiled.stats["eager"] == 0 and compiled.stats["guard_failures"] >= 1, compiled.stats
    assert compiled.stats["replayed"] >= 5, compiled.stats


def test_a_scalar_gradients_floor_division_is_recorded():
    """`p.grad // 1` and `p.grad % 1` on micrograd's scalar gradient: NumPy computes them in C, out of a traced
    class's __array_ufunc__; recorded as the ufuncs, so a replay computes them from the new gradient."""

    def make():
        ws = [Value(float(v)) for v in np.random.default_rng(1).standard_normal(3)]

        def step(x):
            for p in ws:
                p.grad = 0.0
            xv = Value(x, requires_grad=False)
            loss = sum((wi * xv[:, i]).sum() for i, wi in enumerate(ws))
            loss.backward()
            for p in ws:
                p.data += -0.01 * (p.grad // 1) - 0.001 * (p.grad % 1)
            return loss

        return ws, step, lambda i: None

    rng = np.random.default_rng(3)
    calls = [rng.standard_normal((4, 3)) * 3 for _ in range(6)]
    eager_params, eager, _ = make()
    params, step, _ = make()
    compiled = torch.compile(step)
    for i, x in enumerate(calls):
        assert same_bits(compiled(x).data, eager(x).data), f"call {i}"
        assert all(same_bits(p.data, q.data) for p, q in zip(eager_params, params)), f"call {i}"
    assert compiled.stats["replayed"] == 4, compiled.stats


# -- NumPy's augmented assignment on a parameter's data (`p.data *= 0.99`) ------------------------------------------


def _decay(update):
    def make():
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
        params = list(model.parameters())
        opt = torch.optim.SGD(params, lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = (model(torch.tensor(x, dtype=torch.float32)) ** 2).mean()
            loss.backward()
            update(params, opt)
            return loss

        return params, step, lambda i: None

    return make


def _decay_then_step(params, opt):
    for p in params:
        p.data *= 0.99  # weight decay written by hand
    opt.step()


def _step_then_decay(params, opt):
    opt.step()
    for p in params:
        p.data *= 0.99


def _decay_by_hand(params, opt):
    for p in params:
        p.data *= 0.99
        p.data -= 0.1 * p.grad
        p.data /= 1.01
        p.data += 0.001


def _decay_through_a_name(params, opt):
    for p in params:
        d = p.data
        d *= 0.99  # no assignment to .data follows: before, a replay skipped it silently
    opt.step()


_DECAYS = {"p.data *= 0.99; opt.step()": _decay_then_step, "opt.step(); p.data *= 0.99": _step_then_decay,
           "*=, -= lr * grad, /=, += by hand": _decay_by_hand, "d = p.data; d *= 0.99": _decay_through_a_name}


@pytest.mark.parametrize("update", _DECAYS.values(), ids=_DECAYS.keys())
def test_numpys_augmented_assignment_on_a_parameters_data_replays(update):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        compiled = _twins(_decay(update), calls=7, change_at=99)
    assert compiled.stats == {"recorded": 2, "replayed": 5, "eager": 0, "guard_failures": 0}


def _set_by_index(params, opt):
    opt.step()
    for p in params:
        p.data[0] = 0.5


def _slice_scaled(params, opt):
    opt.step()
    for p in params:
        p.data[:1] *= 0.5


def _view_scaled(params, opt):
    opt.step()
    for p in params:
        v = p.data[:1]
        v *= 0.5


def _copied_into(params, opt):
    opt.step()
    for p in params:
        np.copyto(p.data, np.clip(p.data, -0.3, 0.3))


def _clipped_into(params, opt):
    opt.step()
    for p in params:
        np.clip(p.data, -0.3, 0.3, out=p.data)


_BY_INDEX = {"p.data[0] = 0.5": _set_by_index, "p.data[:1] *= 0.5": _slice_scaled,
             "v = p.data[:1]; v *= 0.5": _view_scaled, "np.copyto(p.data, ...)": _copied_into,
             "np.clip(p.data, out=p.data)": _clipped_into}


@pytest.mark.parametrize("update", _BY_INDEX.values(), ids=_BY_INDEX.keys())
def test_a_parameters_data_changed_by_index_runs_eagerly_with_a_warning(update):
    """NumPy's writes by index or by its functions into a Parameter's data beside an optimizer's step: out of a
    replay's sight (they were replayed without the change, silently wrong); the step runs eagerly, with a warning."""
    with pytest.warns(CompileWarning, match=r"parameter's data (changed|written)"):
        compiled = _twins(_decay(update), calls=5, change_at=99)
    assert compiled.stats["replayed"] == 0, compiled.stats
