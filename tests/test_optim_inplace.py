"""The adaptive optimizers change their state arrays in place, as PyTorch's do, and Adam/AdamW's step over a whole
group (flat buffers whose views are the state, optim/adam.py `_FlatAdam`) gives bit for bit the per-parameter loop's
results (foreach=False) whatever happens between steps: parameters without a gradient, a new parameter group, a
loaded state dict, a state array replaced or held by the user, a pickled copy, mixed dtypes, a changed lr."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from autograd_core import Value, optim

SHAPES = [(3, 4), (5,), (2, 3, 2), (), (7, 1)]


def _params(dtype=np.float32, shapes=SHAPES, seed=0):
    rng = np.random.default_rng(seed)
    return [Value(rng.normal(size=s).astype(dtype), requires_grad=True) for s in shapes]


def _grads(params, step, missing=()):
    """Gradients that change with the step; the parameters numbered in `missing` get none."""
    for i, p in enumerate(params):
        if i in missing:
            p.grad = None
        else:
            rng = np.random.default_rng(100 * step + i)
            p.grad = rng.normal(size=np.shape(p.data)).astype(np.asarray(p.data).dtype)


def _pair(cls, dtype=np.float32, shapes=SHAPES, **options):
    """The same parameters twice, one optimizer stepping them flat (the default), one with the loop."""
    a, b = _params(dtype, shapes), _params(dtype, shapes)
    return (a, cls(a, **options)), (b, cls(b, foreach=False, **options))


def _same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x.data), np.asarray(y.data))
        assert np.asarray(x.data).dtype == np.asarray(y.data).dtype


def _same_state(opt_a, opt_b):
    sa, sb = opt_a.state_dict()["state"], opt_b.state_dict()["state"]
    assert sa.keys() == sb.keys()
    for i in sa:
        assert sa[i].keys() == sb[i].keys()
        for name in sa[i]:
            np.testing.assert_array_equal(np.asarray(sa[i][name]), np.asarray(sb[i][name]), err_msg=f"{i} {name}")


def _flat(opt, p):
    """Whether p's state is a view of flat buffers shared with other parameters."""
    return opt.state[p]["exp_avg"].base is not None


OPTIONS = [dict(), dict(amsgrad=True), dict(maximize=True), dict(weight_decay=0.1),
           dict(weight_decay=0.1, amsgrad=True, maximize=True)]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flat_step_is_the_loop_bit_for_bit(cls, options, dtype):
    (a, opt_a), (b, opt_b) = _pair(cls, dtype, lr=0.01, **options)
    for step in range(6):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
        _same(a, b)
        _same_state(opt_a, opt_b)
    assert all(_flat(opt_a, p) for p in a) and not any(_flat(opt_b, p) for p in b)


def test_large_parameters_take_the_loop_and_many_small_ones_take_several_chunks(monkeypatch):
    from autograd_core.optim.adam import _FlatAdam
    monkeypatch.setattr(_FlatAdam, "CHUNK", 7)  # chunks across parameters' bounds
    shapes = [(_FlatAdam.SMALL + 1,), *SHAPES, (_FlatAdam.SMALL,)]
    (a, opt_a), (b, opt_b) = _pair(optim.AdamW, shapes=shapes, lr=0.01, amsgrad=True)
    for step in range(3):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
        _same(a, b)
        _same_state(opt_a, opt_b)
    assert [_flat(opt_a, p) for p in a] == [False] + [True] * (len(shapes) - 1)


def test_missing_gradients_new_group_and_changed_lr_follow_the_loop():
    (a, opt_a), (b, opt_b) = _pair(optim.AdamW, lr=0.01)
    extra_a, extra_b = _params(seed=1, shapes=[(4,), (2, 2)]), _params(seed=1, shapes=[(4,), (2, 2)])
    missing = {0: (), 1: (2,), 2: (2,), 3: (), 4: (0, 4), 5: (), 6: (), 7: ()}  # by step
    for step in range(8):
        if step == 3:
            opt_a.add_param_group({"params": extra_a, "lr": 0.02})
            opt_b.add_param_group({"params": extra_b, "lr": 0.02})
        if step == 5:
            for opt in (opt_a, opt_b):
                opt.param_groups[0]["lr"] = 0.005
        _grads(a + (extra_a if step >= 3 else []), step, missing[step])
        _grads(b + (extra_b if step >= 3 else []), step, missing[step])
        opt_a.step(), opt_b.step()
        _same(a + extra_a, b + extra_b)
        _same_state(opt_a, opt_b)
    assert opt_a.state[a[2]]["step"] == 6 and opt_a.state[a[1]]["step"] == 8


def test_a_parameter_that_never_has_a_gradient_keeps_no_state_and_the_rest_steps_flat():
    (a, opt_a), (b, opt_b) = _pair(optim.Adam, lr=0.01)
    for step in range(3):
        _grads(a, step, missing=(1,)), _grads(b, step, missing=(1,))
        opt_a.step(), opt_b.step()
    _same(a, b)
    assert a[1] not in opt_a.state and all(_flat(opt_a, p) for i, p in enumerate(a) if i != 1)


def test_a_group_whose_parameter_stops_having_gradients_steps_flat_at_once():
    (a, opt_a), (b, opt_b) = _pair(optim.Adam, lr=0.01)
    for step in range(3):
        frozen = (1,) if step else ()
        _grads(a, step, frozen), _grads(b, step, frozen)
        opt_a.step(), opt_b.step()
        _same(a, b)
        if step:  # the others' state moved to new buffers (nobody held it), a[1]'s stays in the old ones
            assert opt_a.state[a[0]]["exp_avg"].base is not opt_a.state[a[1]]["exp_avg"].base
            assert all(_flat(opt_a, p) for p in a)


def test_state_arrays_are_changed_in_place_and_a_held_one_sees_every_step():
    (a, opt_a), (b, opt_b) = _pair(optim.Adam, lr=0.01, amsgrad=True)
    _grads(a, 0), _grads(b, 0)
    opt_a.step(), opt_b.step()
    held = {name: opt_a.state[a[0]][name] for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")}
    before = {name: value.copy() for name, value in held.items()}
    for step in (1, 2):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
    for name, value in held.items():
        assert opt_a.state[a[0]][name] is value
        assert not np.array_equal(value, before[name])
        np.testing.assert_array_equal(value, opt_b.state[b[0]][name])


def test_a_replaced_state_array_is_used_and_updated_in_place():
    (a, opt_a), (b, opt_b) = _pair(optim.Adam, lr=0.01)
    for step in range(4):
        if step == 2:
            for p, opt in ((a[0], opt_a), (b[0], opt_b)):
                opt.state[p]["exp_avg"] = mine = np.full(p.data.shape, 0.5, np.float32)
            mine_a = opt_a.state[a[0]]["exp_avg"]
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
        _same(a, b)
        _same_state(opt_a, opt_b)
    assert opt_a.state[a[0]]["exp_avg"] is mine_a and mine is not mine_a


@pytest.mark.parametrize("hold", [False, True])
def test_a_loaded_state_dict_steps_flat_unless_the_user_holds_its_arrays(hold):
    (a, opt_a), (b, opt_b) = _pair(optim.AdamW, lr=0.01)
    for step in range(2):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
    saved = opt_b.state_dict()
    saved["param_groups"][0]["foreach"] = None  # (the loop's foreach=False would load with its state)
    opt_a = optim.AdamW(a, lr=0.5)
    opt_a.load_state_dict(saved)
    held = opt_a.state[a[0]]["exp_avg"] if hold else None
    for step in range(2, 5):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
        _same(a, b)
        _same_state(opt_a, opt_b)
    if hold:  # the loop goes on updating the arrays the user holds
        assert opt_a.state[a[0]]["exp_avg"] is held and not _flat(opt_a, a[0])
        np.testing.assert_array_equal(held, opt_b.state[b[0]]["exp_avg"])
    else:
        assert all(_flat(opt_a, p) for p in a)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copy_steps_on_its_own_state(how):
    (a, opt_a), (b, opt_b) = _pair(optim.Adam, lr=0.01)
    for step in range(2):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
    twin = pickle.loads(pickle.dumps(opt_a)) if how == "pickle" else copy.deepcopy(opt_a)
    c = [p for group in twin.param_groups for p in group["params"]]
    original = {k: v.copy() for k, v in opt_a.state[a[0]].items() if isinstance(v, np.ndarray)}
    for step in range(2, 4):
        _grads(c, step), _grads(b, step)
        twin.step(), opt_b.step()
        _same(c, b)
        _same_state(twin, opt_b)
    for name, value in original.items():  # the copy's steps left the original's state alone
        np.testing.assert_array_equal(opt_a.state[a[0]][name], value)


def test_mixed_dtypes_and_a_0d_parameter_take_the_loop_and_agree():
    rng = np.random.default_rng(3)
    make = lambda: [Value(rng.normal(size=(3,)).astype(np.float32), requires_grad=True),  # noqa: E731
                    Value(np.float64(0.7), requires_grad=True)]
    a = make()
    rng = np.random.default_rng(3)
    b = make()
    opt_a, opt_b = optim.Adam(a, lr=0.1), optim.Adam(b, lr=0.1, foreach=False)
    for step in range(3):
        _grads(a, step), _grads(b, step)
        opt_a.step(), opt_b.step()
        _same(a, b)


# ----------------------------------------------------------------------------------------------------
# Every adaptive optimizer: state arrays keep their identity and change in place (PyTorch's exp_avg.lerp_, ...).

IN_PLACE = [
    (optim.Adam, dict(amsgrad=True), ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
    (optim.Adam, dict(foreach=False, amsgrad=True), ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
    (optim.Adamax, dict(), ("exp_avg", "exp_inf")),
    (optim.NAdam, dict(), ("exp_avg", "exp_avg_sq")),
    (optim.RAdam, dict(), ("exp_avg", "exp_avg_sq")),
    (optim.RMSprop, dict(centered=True, momentum=0.9), ("square_avg", "grad_avg", "momentum_buffer")),
    (optim.Adagrad, dict(), ("sum",)),
    (optim.Adadelta, dict(), ("square_avg", "acc_delta")),
]


@pytest.mark.parametrize("cls,options,names", IN_PLACE, ids=lambda x: getattr(x, "__name__", None))
def test_state_changes_in_place(cls, options, names):
    params = _params(np.float64)
    opt = cls(params, **options)
    _grads(params, 0)
    opt.step()
    held = {(i, name): opt.state[p][name] for i, p in enumerate(params) for name in names}
    for step in (1, 2):
        before = {key: value.copy() for key, value in held.items()}
        _grads(params, step)
        opt.step()
        for (i, name), value in held.items():
            assert opt.state[params[i]][name] is value, (i, name)
            if np.ndim(value):
                assert not np.array_equal(value, before[i, name]), (i, name)


@pytest.mark.parametrize("cls,options,names", IN_PLACE, ids=lambda x: getattr(x, "__name__", None))
def test_in_place_steps_match_pytorch(cls, options, names):
    """float32, 5 steps, as PyTorch's per-parameter loop (foreach=False), to float32 rounding (1e-5: centered
    RMSprop subtracts m² from v)."""
    torch = pytest.importorskip("torch")
    ours = _params(np.float32)
    theirs = [torch.tensor(np.asarray(p.data), requires_grad=True) for p in ours]
    options = {**options, "foreach": False} if "foreach" in options else options
    opt = cls(ours, lr=0.01, **options)
    topt = getattr(torch.optim, cls.__name__)(theirs, lr=0.01, **{**options, "foreach": False})
    for step in range(5):
        _grads(ours, step)
        for p, t in zip(ours, theirs):
            t.grad = torch.tensor(np.asarray(p.grad))
        opt.step(), topt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(np.asarray(p.data), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    for p, t in zip(ours, theirs):
        for name in names:
            np.testing.assert_allclose(opt.state[p][name], topt.state[t][name].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
def test_flat_steps_match_pytorch_foreach(cls):
    torch = pytest.importorskip("torch")
    ours = _params(np.float32)
    theirs = [torch.tensor(np.asarray(p.data), requires_grad=True) for p in ours]
    opt = cls(ours, lr=0.01, weight_decay=0.1, amsgrad=True)
    topt = getattr(torch.optim, cls.__name__)(theirs, lr=0.01, weight_decay=0.1, amsgrad=True, foreach=True)
    for step in range(5):
        _grads(ours, step, missing=(1,) if step == 3 else ())
        for p, t in zip(ours, theirs):
            t.grad = None if p.grad is None else torch.tensor(np.asarray(p.grad))
        opt.step(), topt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(np.asarray(p.data), t.detach().numpy(), rtol=1e-5, atol=1e-6)
