"""The update rules compute on a plain ndarray view of a parameter's data (optim/parameter_data.py `_SUBCLASSED_DATA`):
NumPy's ufuncs cost more into an ndarray subclass (ParameterArray, LeafArray), ~25 µs of W2's SGD step. What users see
must not change: `p.data` stays the same object, changed in place, with the numbers of the same rule on plain arrays."""

import re

import numpy as np
import pytest

from autograd_core import Value, nn, optim
from autograd_core.grad_array import ParameterArray

OPTIMIZERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1),
    "SGD momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01, foreach=False),
    "Adam flat": lambda ps: optim.Adam(ps, lr=0.01),  # small parameters in one flat buffer (adam.py's _FlatAdam)
    "Adafactor": lambda ps: optim.Adafactor(ps, lr=0.01),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.01, foreach=False),
    "Adamax": lambda ps: optim.Adamax(ps, lr=0.01),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=0.1),
    "Adadelta": lambda ps: optim.Adadelta(ps),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5),
    "NAdam": lambda ps: optim.NAdam(ps, lr=0.01),
    "RAdam": lambda ps: optim.RAdam(ps, lr=0.01),
    "ASGD": lambda ps: optim.ASGD(ps, lr=0.01),
    "Rprop": lambda ps: optim.Rprop(ps, lr=0.01),
}
# (300, 300) float32 is more than SGD's 256 KiB scratch block (blocked where conftest's sgd_update lowers the threshold
# to it); (7,) is small.
SHAPES = [(300, 300), (7,)]


def _parameters(seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(rng.standard_normal(s).astype(np.float32)) for s in SHAPES]


def _set_gradients(params, seed):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = rng.standard_normal(p.data.shape).astype(np.float32)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_updates_run_on_plain_arrays_and_keep_the_data_object(name, monkeypatch, sgd_update):
    params = _parameters()
    reference = [np.array(p.data) for p in params]  # the same rule on plain arrays, below
    plain = [Value(r.copy(), requires_grad=True) for r in reference]
    opt, plain_opt = OPTIMIZERS[name](params), OPTIMIZERS[name](plain)
    datas = [p.data for p in params]
    assert all(d.__class__ is ParameterArray for d in datas)
    wrapped = []

    def counting_wrap(self, array, context=None, return_scalar=False):  # NumPy calls it for a subclass's result
        wrapped.append(context[0].__name__ if context else None)
        return np.ndarray.__array_wrap__(self, array, context, return_scalar)

    for step in range(3):
        _set_gradients(params, step)
        _set_gradients(plain, step)
        monkeypatch.setattr(ParameterArray, "__array_wrap__", counting_wrap)
        opt.step()
        monkeypatch.undo()
        plain_opt.step()
    assert wrapped == [], f"{name}: ufuncs into the ParameterArray: {wrapped[:5]}"
    for p, d, q in zip(params, datas, plain):
        assert p.data is d                     # changed in place: a user's reference to p.data sees the step
        assert np.array_equal(p.data, q.data)  # the numbers of the rule on plain arrays, bit for bit


def test_a_leaf_of_the_users_is_stepped_in_place(sgd_update):
    x = Value(np.linspace(-1, 1, 70_000, dtype=np.float32), requires_grad=True)  # LeafArray data, > a block
    data = x.data
    opt = optim.SGD([x], lr=0.5)
    (x * x).sum().backward()
    expected = np.asarray(data) - np.float32(0.5) * (2 * np.asarray(data))
    opt.step()
    assert x.data is data
    np.testing.assert_array_equal(x.data, expected)


def test_a_zero_d_parameter_gets_its_new_value():
    p = nn.Parameter(np.float64(3.0))
    opt = optim.SGD([p], lr=0.25)
    (p * p).backward()
    opt.step()
    assert float(p.data) == 3.0 - 0.25 * 6.0



def test_a_compiled_sgd_step_updates_through_plain_views(monkeypatch, sgd_update):
    """The routine a compiled step replays for plain SGD (optim/replay.py) updates the same plain views: the same
    numbers as eager mode, p.data the same objects."""
    import autograd_core as ag
    from autograd_core.nn.functional import cross_entropy

    def make():
        model = nn.Sequential(nn.Linear(300, 250, rng=0), nn.ReLU(), nn.Linear(250, 3, rng=1))  # 300×250: > a block
        return model, optim.SGD(model.parameters(), lr=0.1)

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x = np.random.default_rng(0).standard_normal((8, 300)).astype(np.float32)
    y = np.arange(8) % 3
    (model, opt), (eager_model, eager_opt) = make(), make()
    compiled = ag.compile(lambda x, y: step(model, opt, x, y))
    for _ in range(3):
        compiled(x, y)
        step(eager_model, eager_opt, x, y)
    (source,) = compiled.sources()
    assert not re.search(r"\bX\d+\(", source)  # the optimizer's routines (P names), not its methods (X names)
    datas = [p.data for p in model.parameters()]
    wrapped = []
    monkeypatch.setattr(ParameterArray, "__array_wrap__", lambda self, array, context=None, return_scalar=False:
                        wrapped.append(context) or np.ndarray.__array_wrap__(self, array, context, return_scalar))
    compiled(x, y)
    monkeypatch.undo()
    step(eager_model, eager_opt, x, y)
    assert wrapped == []
    assert all(p.data is d for p, d in zip(model.parameters(), datas))
    for p, q in zip(model.parameters(), eager_model.parameters()):
        assert np.array_equal(p.data, q.data)
