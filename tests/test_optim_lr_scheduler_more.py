"""MultiStepLR, LinearLR, CosineAnnealingWarmRestarts, SequentialLR, OneCycleLR, ReduceLROnPlateau against
torch.optim.lr_scheduler; scheduler state dicts are validated on load (issue 10, item 9)."""

import copy
import warnings
import math
import pickle

import numpy as np
import pytest

from autograd_core import Value, optim
from autograd_core.optim import lr_scheduler

from test_optim_lr_scheduler import BASE_LRS, EPOCHS, lr_sequence, make_optimizer


def torch_optimizer(torch, name="SGD", **kw):
    return getattr(torch.optim, name)([{"params": [torch.zeros(2)], "lr": BASE_LRS[0]},
                                       {"params": [torch.zeros(1)], "lr": BASE_LRS[1]}], **kw)


SCHEDULES = [
    ("MultiStepLR", dict(milestones=[3, 8, 8, 20], gamma=0.5)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.7, total_iters=12)),
    ("CosineAnnealingWarmRestarts", dict(T_0=7)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_schedule_matches_torch(schedule):
    torch = pytest.importorskip("torch")
    name, kw = schedule
    opt = make_optimizer()
    ours = lr_sequence(opt, getattr(lr_scheduler, name)(opt, **kw))
    topt = torch_optimizer(torch)
    theirs = lr_sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kw))
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


def test_multistep_and_linear_closed_forms():
    opt = make_optimizer()
    ours = lr_sequence(opt, lr_scheduler.MultiStepLR(opt, milestones=[3, 8, 8], gamma=0.5))
    expected = [[b * 0.5 ** sum(e >= m for m in (3, 8, 8)) for b in BASE_LRS] for e in range(EPOCHS + 1)]
    np.testing.assert_allclose(ours, expected, rtol=1e-14)
    opt = make_optimizer()
    ours = lr_sequence(opt, lr_scheduler.LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=10))
    expected = [[b * (0.2 + 0.7 * min(e, 10) / 10) for b in BASE_LRS] for e in range(EPOCHS + 1)]
    np.testing.assert_allclose(ours, expected, rtol=1e-13)


def test_warm_restarts_with_fractional_epochs_matches_torch():
    torch = pytest.importorskip("torch")
    opt, topt = make_optimizer(), torch_optimizer(torch)
    ours = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.01)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=3, eta_min=0.01)
    for epoch in np.arange(0, 30, 0.25):
        opt.step(), topt.step()
        ours.step(float(epoch))
        theirs.step(float(epoch))
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)


SEQUENCES = [
    ([("LinearLR", dict(start_factor=0.1, total_iters=4)), ("ExponentialLR", dict(gamma=0.9))], [5]),
    ([("ConstantLRlike", None), ("StepLR", dict(step_size=3, gamma=0.5)),
      ("CosineAnnealingLR", dict(T_max=6))], [4, 12]),
    ([("MultiStepLR", dict(milestones=[2, 4])), ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e)))], [6]),
]


def _make(module, opt, name, kw):
    if name == "ConstantLRlike":  # a warm-up at half the lr, as a LambdaLR
        return module.LambdaLR(opt, lr_lambda=lambda e: 0.5)
    return getattr(module, name)(opt, **kw)


@pytest.mark.parametrize("sequence", SEQUENCES, ids=["warmup-exp", "three", "multistep-lambda"])
def test_sequential_matches_torch(sequence):
    torch = pytest.importorskip("torch")
    parts, milestones = sequence
    opt, topt = make_optimizer(), torch_optimizer(torch)
    ours = lr_scheduler.SequentialLR(opt, [_make(lr_scheduler, opt, n, kw) for n, kw in parts], milestones)
    theirs = torch.optim.lr_scheduler.SequentialLR(
        topt, [_make(torch.optim.lr_scheduler, topt, n, kw) for n, kw in parts], milestones)
    np.testing.assert_allclose(lr_sequence(opt, ours, 30), lr_sequence(topt, theirs, 30), rtol=1e-13)


ONE_CYCLE = [
    ("SGD", dict(momentum=0.9), dict(max_lr=1.0, total_steps=40)),
    ("SGD", dict(momentum=0.9), dict(max_lr=[1.0, 0.5], epochs=4, steps_per_epoch=10, anneal_strategy="linear")),
    ("Adam", dict(), dict(max_lr=0.1, total_steps=40, three_phase=True, pct_start=0.25)),
    ("SGD", dict(), dict(max_lr=0.3, total_steps=40, cycle_momentum=False, div_factor=10.0,
                         final_div_factor=100.0)),
]


@pytest.mark.parametrize("config", ONE_CYCLE, ids=[str(i) for i in range(len(ONE_CYCLE))])
def test_one_cycle_matches_torch_with_momentum(config):
    torch = pytest.importorskip("torch")
    opt_name, opt_kw, kw = config
    opt = make_optimizer(getattr(optim, opt_name), **opt_kw)
    topt = torch_optimizer(torch, opt_name, **opt_kw)
    ours = lr_scheduler.OneCycleLR(opt, **kw)
    theirs = torch.optim.lr_scheduler.OneCycleLR(topt, **kw)
    key = "betas" if opt_name == "Adam" else "momentum"
    for _ in range(40):
        for g, tg in zip(opt.param_groups, topt.param_groups):
            np.testing.assert_allclose(g["lr"], tg["lr"], rtol=1e-13)
            np.testing.assert_allclose(g[key], tg[key], rtol=1e-13)
        opt.step(), topt.step()
        ours.step(), theirs.step()
    with pytest.raises(ValueError, match="total_steps"):
        ours.step()


def test_one_cycle_needs_momentum_or_a_length():
    with pytest.raises(ValueError, match="momentum or betas"):
        lr_scheduler.OneCycleLR(make_optimizer(optim.Adagrad), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="total_steps"):
        lr_scheduler.OneCycleLR(make_optimizer(), max_lr=0.1)


PLATEAU = [dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.05, cooldown=2),
           dict(patience=1, threshold_mode="abs", threshold=0.1, min_lr=[0.02, 0.001]),
           dict(mode="max", patience=0, threshold_mode="abs", min_lr=0.01, eps=1e-3)]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(i) for i in range(len(PLATEAU))])
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    metrics = np.cumsum(rng.normal(0, 1, 80)) * 0.1 + np.linspace(3, 0, 80) * (rng.random(80) < 0.7)
    opt, topt = make_optimizer(), torch_optimizer(torch)
    ours = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    changes = 0
    for m in metrics:
        opt.step(), topt.step()
        before = ours.get_last_lr()
        ours.step(m)
        theirs.step(m)
        changes += ours.get_last_lr() != before
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter) == \
            (theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter)
    assert changes > 0


def test_reduce_on_plateau_errors():
    opt = make_optimizer()
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="min_lrs"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])


# ----------------------------------------------------------------------------------------------------
# State dicts: round trips, and bad ones refused before anything changes.


def _all_schedulers(opt):
    return [
        lr_scheduler.MultiStepLR(opt, milestones=[3, 5]),
        lr_scheduler.LinearLR(opt, total_iters=8),
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2),
        lr_scheduler.ReduceLROnPlateau(opt, patience=1),
    ]


@pytest.mark.parametrize("index", range(4), ids=["multistep", "linear", "warm-restarts", "plateau"])
def test_state_dict_round_trip(index):
    def run(opt, sched, n):
        out = []
        for e in range(n):
            opt.step()
            sched.step(1.0 / (1 + e % 3)) if isinstance(sched, lr_scheduler.ReduceLROnPlateau) else sched.step()
            out.append(sched.get_last_lr())
        return out

    opt = make_optimizer()
    sched = _all_schedulers(opt)[index]
    run(opt, sched, 6)
    saved_opt, saved = pickle.loads(pickle.dumps(opt.state_dict())), pickle.loads(pickle.dumps(sched.state_dict()))
    uninterrupted = run(opt, sched, 10)
    opt2 = make_optimizer()
    sched2 = _all_schedulers(opt2)[index]
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    assert run(opt2, sched2, 10) == uninterrupted


def test_sequential_state_dict_round_trip():
    def make(opt):
        return lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, total_iters=3),
                                               lr_scheduler.ExponentialLR(opt, gamma=0.8)], milestones=[4])
    opt = make_optimizer()
    sched = make(opt)
    lr_sequence(opt, sched, 3)
    saved_opt, saved = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    uninterrupted = lr_sequence(opt, sched, 8)
    opt2 = make_optimizer()
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    np.testing.assert_array_equal(lr_sequence(opt2, sched2, 8), uninterrupted)


def test_scheduler_load_refuses_bad_state():
    opt = make_optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=3)
    before = copy.deepcopy(sched.state_dict())
    with pytest.raises(ValueError, match=r"StepLR.load_state_dict.*unexpected \['optimizer'\]"):
        sched.load_state_dict({"optimizer": None})
    with pytest.raises(ValueError, match="StepLR.load_state_dict: expected a dict"):
        sched.load_state_dict(None)
    other = lr_scheduler.ExponentialLR(make_optimizer(), gamma=0.9).state_dict()
    with pytest.raises(ValueError, match="another scheduler"):
        sched.load_state_dict(other)
    bad = dict(before, last_epoch="3")
    with pytest.raises(ValueError, match="'last_epoch' is str"):
        sched.load_state_dict(bad)
    bad = dict(before, base_lrs=[0.1])
    with pytest.raises(ValueError, match="'base_lrs' .*a list of 2 entries"):
        sched.load_state_dict(bad)
    bad = dict(before, gamma=None)
    with pytest.raises(ValueError, match="'gamma'"):
        sched.load_state_dict(bad)
    assert sched.state_dict() == before
    seq = lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(opt, 3)], [2])
    bad = seq.state_dict()
    bad["_schedulers"][1] = {"optimizer": None}
    with pytest.raises(ValueError, match="StepLR.load_state_dict"):
        seq.load_state_dict(bad)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    from autograd_core import Value
    a, b, c = Value(np.array([1.0, -2.0])), Value(np.array([[0.3, -0.1], [5.0, -0.5]])), Value(1.0)
    shared = np.array([3.0, -0.2])
    a.grad, b.grad = shared, np.array([[0.3, -0.1], [5.0, -0.5]])
    optim.clip_grad_value_([a, b, c], 0.4)
    np.testing.assert_array_equal(shared, [3.0, -0.2])  # not modified in place: it may be shared
    ta = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    tb = torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)
    ta.grad, tb.grad = torch.tensor(shared), torch.tensor([[0.3, -0.1], [5.0, -0.5]], dtype=torch.float64)
    torch.nn.utils.clip_grad_value_([ta, tb], 0.4)
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())
    assert c.grad is None
    with pytest.raises(ValueError, match="clip_value"):
        optim.clip_grad_value_([a], -1.0)
    assert math.isfinite(float(a.grad[0]))


def test_state_dicts_saved_by_older_versions_still_load():
    # OneCycleLR's strategy was saved as `anneal_strategy` (PyTorch's key, and ours now, is `_anneal_func_type`), and
    # ReduceLROnPlateau kept a `_step_count` that PyTorch's does not
    opt = optim.SGD([Value(np.ones(2))], lr=0.1, momentum=0.9)
    one_cycle = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10, anneal_strategy="linear")
    old = one_cycle.state_dict()
    assert old.pop("_anneal_func_type") == "linear" and "anneal_strategy" not in old
    old["anneal_strategy"] = "linear"
    fresh = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)
    fresh.load_state_dict(old)
    assert fresh.anneal_strategy == "linear" and "anneal_strategy" not in fresh.state_dict()
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt)
    saved = {**plateau.state_dict(), "_step_count": 7}
    plateau.load_state_dict(saved)
    assert "_step_count" not in plateau.state_dict()


# ----------------------------------------------------------------------------------------------------
# State dict values: the same as PyTorch's after the same calls (a state dict saved by one goes on alike in the
# other, and whoever prints or compares one sees the same numbers).


def _plain(value):
    """A state-dict value as comparable data: numbers with their kind, lists and dicts entry by entry, a
    callable as such (functions are not saved)."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if callable(value):
        return "callable"
    return type(value).__name__, value


def _lambda_factor(epoch):
    return 0.9**epoch


STATE_SCHEDULES = [
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 4, 4])),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LinearLR", dict(total_iters=4)),
    ("LambdaLR", dict(lr_lambda=_lambda_factor)),
    ("MultiplicativeLR", dict(lr_lambda=_lambda_factor)),
    ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ("PolynomialLR", dict(total_iters=6, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=4)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=40)),
    ("ReduceLROnPlateau", dict(patience=1)),
]
# (name, steps): each step is None (step()), a number (step(epoch)) or "metric" (ReduceLROnPlateau's step(metric))
CALLS = [
    ("steps", [None] * 7),
    ("epochs", [None, 2, None, 5, 3, None]),
    # CosineAnnealingWarmRestarts.step's docstring: scheduler.step(epoch + i / iters) per batch, then step()
    ("fractional", [e + i / 4 for e in range(3) for i in range(4)] + [None, 6.5, None]),
    ("resumed", [None] * 5),  # made with last_epoch=10, as when resuming
]


def _drive(module, opt, name, kw, calls):
    calls_name, steps = calls
    if calls_name == "resumed":
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
    sched = getattr(module, name)(opt, **kw, **({"last_epoch": 10} if calls_name == "resumed" else {}))
    for i, step in enumerate(steps):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(1.0 / (1 + i % 3))
        else:
            sched.step() if step is None else sched.step(step)
    return sched


@pytest.mark.parametrize("name, kw, calls", [
    pytest.param(name, kw, calls, id=f"{name}{i}-{calls[0]}")
    for i, (name, kw) in enumerate(STATE_SCHEDULES) for calls in CALLS
    if (calls[0] == "steps" or name not in ("CyclicLR", "OneCycleLR", "ReduceLROnPlateau"))
    and (calls[0] != "fractional" or name == "CosineAnnealingWarmRestarts")])
def test_state_dict_values_match_pytorch(name, kw, calls):
    """fixed: CosineAnnealingWarmRestarts counted its steps (PyTorch's `_step_count` stays 0), and resumed with
    last_epoch past its first cycle at T_cur = last_epoch + 1 − T_i (PyTorch's: modulo T_i)."""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step(epoch)'s deprecation, alike in both
        ours = _drive(lr_scheduler, make_optimizer(), name, kw, calls).state_dict()
        theirs = _drive(torch.optim.lr_scheduler, torch_optimizer(torch), name, kw, calls).state_dict()
    assert _plain(ours) == _plain(theirs)


def test_warm_restarts_state_by_values():
    """What PyTorch's CosineAnnealingWarmRestarts keeps, checked without it: no step count, no warning about the
    call order, T_cur within the cycle when resuming, and an older state dict (which counted steps) loads."""
    opt = make_optimizer()
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PyTorch's never warns: its step() skips the check with the count
        sched.step()
        for epoch in range(3):
            for i in range(4):
                sched.step(epoch + i / 4)
        sched.step()
    state = sched.state_dict()
    assert state["_step_count"] == 0 and state["last_epoch"] == 3
    assert (state["T_cur"], state["T_i"]) == (0.75, 6)  # step(2.75), then step(): 3.75, 0.75 into the second cycle
    opt = make_optimizer()
    for group in opt.param_groups:
        group["initial_lr"] = group["lr"]
    resumed = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, last_epoch=10)
    assert (resumed.T_cur, resumed.last_epoch) == (2, 11)  # 11 % 3
    np.testing.assert_allclose(resumed.get_last_lr(), [b * (1 + math.cos(math.pi * 2 / 3)) / 2 for b in BASE_LRS],
                               rtol=1e-14)
    older = dict(state, _step_count=8)
    fresh = lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(), T_0=3, T_mult=2)
    fresh.load_state_dict(older)
    assert fresh.state_dict() == state
