"""Compiled steps that used to replay the first recording's numbers silently (issue 12: never replayed wrong).

Each step runs eagerly and compiled on twins over batches that change at every call, with the state outside the step
changed between calls at known points: results, weights and gradients must be the same bits after every call, and
the compiled twin must either replay (a guard re-recording where the state changed) or run eagerly with a
CompileWarning that names what it saw. The cases:

* NumPy writing in place into the data of a Value made before the call, out of the recording's sight: `d = w.data;
  d *= 0.99` on a Value that is no Parameter, `np.multiply(w.data, c, out=w.data)` (jit_data.py): eager, warned;
* arrays of more than 4,096 elements read as globals, closure variables, attributes or dict items and changed in
  place between calls: guarded by their contents (jit_references.py), and beyond _SNAPSHOT elements, eager, warned;
* state on objects more than three deep, objects inside dicts and lists (`cfg["opt"].lr`), dicts nested three levels,
  dicts and lists of more than 64 items: guarded; what lies beyond _DEPTH, eager, warned.
"""

from __future__ import annotations


import numpy as np
import pytest

import autograd_core as torch
from autograd_core import Value, jit_references, nn
from compile_helpers import compiled_twins


def _twins(make, calls=6, change_at=3):
    """compile_helpers.compiled_twins over 6 calls: (the compiled step, its CompileWarnings' texts)."""
    return compiled_twins(make, calls=calls, change_at=change_at, record_warnings=True)


def _weight(parameter=False):
    data = np.random.default_rng(1).standard_normal((3, 2))
    return nn.Parameter(data) if parameter else Value(data, requires_grad=True)


def _loss(x, w):
    return ((Value(x) @ w) ** 2).sum()


def _nothing(i):
    pass


def _replays_with_guards(compiled, warned):
    assert not warned and compiled.stats["eager"] == 0 and compiled.stats["guard_failures"] >= 1, (compiled.stats,
                                                                                                   warned)


# -- NumPy writing into a Value's data in place (jit_data) ---------------------------------------------------------


def _data_written(write, parameter=False):
    def make():
        w = _weight(parameter)

        def step(x):
            w.grad = None
            loss = _loss(x, w)
            loss.backward()
            w.data -= 0.1 * w.grad  # (recorded: a replay repeats it)
            write(w)
            return loss

        return [w], step, _nothing

    return make


def _scale_a_name(w):
    d = w.data
    d *= 0.99


def _ufunc_out(w):
    np.multiply(w.data, 0.99, out=w.data)


def _ufunc_out_before_the_update(w):
    d = w.data
    np.add(d, 0.5, out=d)
    w.data -= 0.01 * w.grad


_WRITES = {"d = w.data; d *= 0.99": (_scale_a_name, False),
           "np.multiply(w.data, c, out=w.data)": (_ufunc_out, False),
           "np.multiply(p.data, c, out=p.data) of a Parameter": (_ufunc_out, True),
           "np.add(d, c, out=d) before a recorded update": (_ufunc_out_before_the_update, False)}


@pytest.mark.parametrize("write, parameter", _WRITES.values(), ids=_WRITES.keys())
def test_numpy_writing_into_a_values_data_out_of_sight_runs_eagerly_with_a_warning(write, parameter):
    compiled, warned = _twins(_data_written(write, parameter))
    assert compiled.stats["replayed"] == 0 and compiled.stats["eager"] >= 1, compiled.stats
    assert len(warned) == 1 and "changed in place by NumPy out of the recording's sight" in warned[0], warned


def _handed_out(write):
    """The data reached through the library (numpy(), np.asarray of the Value) after an optimizer's step."""

    def make():
        w = _weight(parameter=True)
        opt = torch.optim.SGD([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = _loss(x, w)
            loss.backward()
            opt.step()
            write(w)
            return loss

        return [w], step, _nothing

    return make


def _through_numpy(w):
    n = w.detach().numpy()
    n -= 0.01


def _through_asarray(w):
    n = np.asarray(w)
    n *= 0.99


@pytest.mark.parametrize("write", [_through_numpy, _through_asarray], ids=["w.detach().numpy()", "np.asarray(w)"])
def test_numpy_writing_into_data_the_library_handed_out_runs_eagerly_with_a_warning(write):
    compiled, warned = _twins(_handed_out(write))
    assert compiled.stats["replayed"] == 0 and len(warned) == 1 and "out of the recording's sight" in warned[0]


def test_numpy_writing_into_a_gradient_runs_eagerly_with_a_warning():
    def write(w):
        np.multiply(w.grad, 0.5, out=w.grad)

    compiled, warned = _twins(_data_written(write))
    assert compiled.stats["replayed"] == 0 and len(warned) == 1 and "written into an array" in warned[0], warned


def _read_then(update, parameter):
    """The user's code reads the data (a log line's numbers) and then changes it by what the recording sees."""

    def make():
        w = _weight(parameter)
        opt = torch.optim.SGD([w], lr=0.1, weight_decay=0.01)

        def step(x):
            before = w.data.copy()  # noqa: F841 (read, as a log line would)
            w.grad = None
            loss = _loss(x, w)
            loss.backward()
            update(w, opt)
            return loss

        return [w], step, _nothing

    return make


def _no_grad_update(w, opt):
    with torch.no_grad():
        w.mul_(0.99)


def _update_in_place(w, opt):
    w.data -= 0.1 * w.grad


_SEEN = {"w.data -= lr * w.grad": (_update_in_place, False),
         "with no_grad(): w.mul_(0.99)": (_no_grad_update, False),
         "optimizer.step()": (lambda w, opt: opt.step(), True),
         "d = p.data; d *= 0.99 (a Parameter)": (lambda w, opt: _scale_a_name(w), True),
         "p.data.mul_(0.99) (a Parameter)": (lambda w, opt: w.data.mul_(0.99), True)}


@pytest.mark.parametrize("update, parameter", _SEEN.values(), ids=_SEEN.keys())
def test_data_read_by_the_user_and_changed_as_the_recording_sees_replays(update, parameter):
    """No false alarm: the data read, then changed by a recorded update, an in-place method or an effect."""
    compiled, warned = _twins(_read_then(update, parameter))
    assert not warned and compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}, (
        compiled.stats, warned)


# -- large arrays changed in place between calls (jit_references) --------------------------------------------------


class _Holder:
    """An object of the user's own class."""


_BIG = 5000  # elements: more than the 4,096 that were guarded before


def _big_array(where, size=_BIG):
    def make():
        w, big, holder = _weight(), np.ones(size), _Holder()
        holder.big, state = big, {"big": big}
        read = {"closure": lambda: big, "attribute": lambda: holder.big, "dict item": lambda: state["big"]}[where]

        def step(x):
            w.grad = None
            loss = _loss(x, w) * float(read()[0])  # a number computed with NumPy: a constant of the recording
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        def change(i):
            big[0] = i  # in place

        return [w], step, change

    return make


@pytest.mark.parametrize("where", ["closure", "attribute", "dict item"])
def test_a_large_array_changed_in_place_between_calls_records_again(where):
    _replays_with_guards(*_twins(_big_array(where)))


@pytest.mark.parametrize("where", ["closure", "attribute", "dict item"])
def test_an_array_too_large_to_guard_runs_eagerly_with_a_warning(where, monkeypatch):
    monkeypatch.setattr(jit_references, "_SNAPSHOT", 1000)  # (the limit lowered: a small test of the large case)
    compiled, warned = _twins(_big_array(where, size=2000))
    assert compiled.stats["replayed"] == 0, compiled.stats
    assert len(warned) == 1 and "an array of 2,000 elements" in warned[0] and "no guard" in warned[0], warned


def test_an_array_too_large_to_guard_that_the_program_reads_itself_replays(monkeypatch):
    """`Value(big)`: the program reads the array live, so a change in place reaches its replay: nothing to guard."""
    monkeypatch.setattr(jit_references, "_SNAPSHOT", 1000)

    def make():
        w, big = _weight(), np.ones((2000, 1))

        def step(x):
            w.grad = None
            loss = _loss(x, w) * Value(big[:1]).sum() + Value(big).sum()
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        def change(i):
            big[0] = i

        return [w], step, change

    compiled, warned = _twins(make, change_at=2)
    assert not warned and compiled.stats["eager"] == 0, (compiled.stats, warned)


# -- state deep in objects, objects in dicts and lists, nested and large dicts (jit_references) ---------------------


def _learning_rate(read, set_):
    """A step whose learning rate is read by read() from state that set_(lr) changes between calls."""

    def make():
        w, state = _weight(), {}
        set_(state, 0.1)

        def step(x):
            w.grad = None
            loss = _loss(x, w)
            loss.backward()
            w.data -= read(state) * w.grad
            return loss

        return [w], step, lambda i: set_(state, 0.01 * i)

    return make


def _chain(state, depth):
    """state["root"]: depth objects, each the attribute `inner` of the one before."""
    if "root" not in state:
        state["root"] = node = _Holder()
        for _ in range(depth - 1):
            node.inner = _Holder()
            node = node.inner
    node = state["root"]
    for _ in range(depth - 1):
        node = node.inner
    return node


def _object_in(state, container):
    if "opt" not in state:
        state["opt"] = _Holder()
        state["cfg"] = {"opt": state["opt"]} if container == "dict" else [state["opt"]]
    return state["opt"]


def _large_dict(state, lr):
    state.setdefault("cfg", {f"key{i}": i for i in range(100)})["lr"] = lr


def _nested_dict(state, lr):
    state.setdefault("cfg", {"a": {"b": {"c": {}}}})["a"]["b"]["c"]["lr"] = lr


def _learning_rate_of(cfg):
    return cfg.opt.lr  # (a helper handed the config: its names, not the step's, say what is read)


def _config_object(state, lr):
    if "cfg" not in state:
        state["cfg"] = _Holder()
        state["cfg"].opt = _Holder()
    state["cfg"].opt.lr = lr


def _make_deep(depth):
    def read(state):
        root = state["root"]  # (state: a dict read as a closure variable; root itself an object in it)
        return root.inner.inner.inner.inner.lr if depth == 5 else root.inner.inner.inner.inner.inner.inner.inner.lr

    return read, lambda state, lr: setattr(_chain(state, depth), "lr", lr)


_DEEP = {
    "cfg['opt'].lr: an object in a dict": (lambda s: s["cfg"]["opt"].lr,
                                           lambda s, lr: setattr(_object_in(s, "dict"), "lr", lr)),
    "opts[0].lr: an object in a list": (lambda s: s["cfg"][0].lr,
                                        lambda s, lr: setattr(_object_in(s, "list"), "lr", lr)),
    "a.inner.inner.inner.inner.lr: five objects deep": _make_deep(5),
    "cfg['a']['b']['c']['lr']: dicts nested three deep": (lambda s: s["cfg"]["a"]["b"]["c"]["lr"], _nested_dict),
    "cfg['lr'] of a dict of 101 items": (lambda s: s["cfg"]["lr"], _large_dict),
    "get_lr(cfg) reading cfg.opt.lr": (lambda s: _learning_rate_of(s["cfg"]), _config_object),
}


@pytest.mark.parametrize("read, set_", _DEEP.values(), ids=_DEEP.keys())
def test_state_deep_in_objects_and_containers_changed_between_calls_records_again(read, set_):
    _replays_with_guards(*_twins(_learning_rate(read, set_)))


@pytest.mark.parametrize("read, set_", _DEEP.values(), ids=_DEEP.keys())
def test_state_deep_in_objects_and_containers_that_does_not_change_replays(read, set_):
    compiled, warned = _twins(_learning_rate(read, set_), change_at=99)
    assert not warned and compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}


def test_state_deeper_than_the_guards_follow_runs_eagerly_with_a_warning():
    compiled, warned = _twins(_learning_rate(*_make_deep(8)))
    assert compiled.stats["replayed"] == 0, compiled.stats
    assert len(warned) == 1 and "_Holder.inner" in warned[0] and "objects deep" in warned[0], warned


# -- a module's buffers changed in place between calls (jit_references.add_owners) ---------------------------------


class _Scaled(nn.Module):
    """A module of the user's with a registered buffer (a ParameterArray) it reads with NumPy, and a plain array."""

    def __init__(self):
        super().__init__()
        self.register_buffer("scale", np.ones(4))
        self.offset = np.zeros(4)

    def forward(self, h):
        return h * Value(np.asarray(self.scale) * 2.0) + Value(self.offset + 1.0)  # constants of the recording


def _module_state(change):
    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), _Scaled()).double()
        model.eval()  # (batch_norm bakes 1 / sqrt(running_var + eps) into a constant)
        params = list(model.parameters())

        def step(x):
            for p in params:
                p.grad = None
            loss = (model(Value(x)) ** 2).sum()
            loss.backward()
            return loss

        return params, step, lambda i: change(model, i)

    return make


def _running_var(model, i):
    model[1].running_var[:] = 1.0 + i


def _buffer(model, i):
    model[2].scale[:] = float(i)


def _plain_array(model, i):
    model[2].offset[:] = float(i)


def _state_dict_loaded(model, i):
    state = {k: np.asarray(v) + 0.5 * i if "running" in k else v for k, v in model.state_dict().items()}
    model.load_state_dict(state)


_MODULE_STATE = {"BatchNorm's running_var[:] = ...": _running_var, "a registered buffer[:] = ...": _buffer,
                 "a module's plain array[:] = ...": _plain_array,
                 "load_state_dict of new statistics": _state_dict_loaded}


@pytest.mark.parametrize("change", _MODULE_STATE.values(), ids=_MODULE_STATE.keys())
def test_a_modules_buffer_changed_in_place_between_calls_records_again(change):
    _replays_with_guards(*_twins(_module_state(change)))


def test_a_modules_buffers_that_do_not_change_replay():
    compiled, warned = _twins(_module_state(_buffer), change_at=99)
    assert not warned and compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}


# -- long lists of numbers (micrograd's data as Python lists) -----------------------------------------------------


def _data_as_lists(nested, change):
    def make():
        w = _weight()
        rng = np.random.default_rng(2)
        data = [list(map(float, row)) for row in rng.standard_normal((100, 2))] if nested else list(
            map(float, rng.standard_normal(100)))

        def step(x):
            w.grad = None
            rows = data[:3] if nested else [data[:2]]
            scale = sum(Value(v) for row in rows for v in row)  # Values of the list's numbers: constants
            loss = _loss(x, w) * scale
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        return [w], step, lambda i: change(data, i)

    return make


def _element(data, i):
    if isinstance(data[0], list):
        data[1][0] = float(i)
    else:
        data[1] = float(i)


def _equal_number_rebound(data, i):
    if isinstance(data[0], list):
        data[1][0] = float(str(data[1][0]))  # the same number, another float object: still holds
    else:
        data[1] = float(str(data[1]))


@pytest.mark.parametrize("nested", [False, True], ids=["100 numbers", "100 rows of 2 numbers"])
def test_a_long_list_of_numbers_changed_between_calls_records_again(nested):
    _replays_with_guards(*_twins(_data_as_lists(nested, _element)))


@pytest.mark.parametrize("nested", [False, True], ids=["100 numbers", "100 rows of 2 numbers"])
def test_a_long_list_of_numbers_with_an_equal_number_rebound_replays(nested):
    compiled, warned = _twins(_data_as_lists(nested, _equal_number_rebound))
    assert not warned and compiled.stats == {"recorded": 2, "replayed": 4, "eager": 0, "guard_failures": 0}


def test_a_list_of_32000_strings_replays_and_a_change_records_again():
    """makemore's `words`: a long list of strings, guarded by C loops (_Flat), not run eagerly."""

    def make():
        w, words = _weight(), [f"name{i}" for i in range(32000)]

        def step(x):
            w.grad = None
            loss = _loss(x, w) * len(words[1])  # a Python number from the list: a constant of the recording
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        def change(i):
            words[1] = "x" * i

        return [w], step, change

    _replays_with_guards(*_twins(make))


def test_a_dict_too_large_to_guard_runs_eagerly_with_a_warning():
    def make():
        w, table = _weight(), {i: float(i) for i in range(5000)}

        def step(x):
            w.grad = None
            loss = _loss(x, w) * table[1]
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss

        def change(i):
            table[1] = float(i)

        return [w], step, change

    compiled, warned = _twins(make)
    assert compiled.stats["replayed"] == 0, compiled.stats
    assert len(warned) == 1 and "a dict of 5,000 items" in warned[0], warned
