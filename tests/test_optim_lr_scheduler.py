"""Learning-rate schedules: the lr sequence against torch.optim.lr_scheduler and against closed forms."""

import math
import pickle
import warnings

import numpy as np
import pytest

from autograd_core import optim
from autograd_core import Value
from autograd_core.optim import lr_scheduler

EPOCHS = 40
BASE_LRS = (0.1, 0.03)  # two parameter groups


def make_optimizer(cls=optim.SGD, dtype=np.float64, **kw):
    a, b = Value(np.array([1.0, 2.0], dtype)), Value(np.array([[0.5]], dtype))
    return cls([{"params": [a], "lr": BASE_LRS[0]}, {"params": [b], "lr": BASE_LRS[1]}], **kw)


def cosine(base, epoch, T_max, eta_min):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5), lambda base, e: base * 0.5 ** (e // 7)),
    ("StepLR", dict(step_size=1), lambda base, e: base * 0.1**e),
    ("ExponentialLR", dict(gamma=0.9), lambda base, e: base * 0.9**e),
    ("CosineAnnealingLR", dict(T_max=15), lambda base, e: cosine(base, e, 15, 0.0)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01), lambda base, e: cosine(base, e, 10, 0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e)), lambda base, e: base / (1 + e)),
    ("LambdaLR", dict(lr_lambda=lambda e: min(1.0, (e + 1) / 5) * 0.95**e),
     lambda base, e: base * min(1.0, (e + 1) / 5) * 0.95**e),
]
IDS = [f"{name}({','.join(f'{k}={v}' for k, v in kw.items() if k != 'lr_lambda')})-{i}"
       for i, (name, kw, _) in enumerate(SCHEDULES)]


def lr_sequence(optimizer, scheduler, epochs=EPOCHS):
    """[get_last_lr()] at construction and after each epoch's scheduler.step()."""
    seq = [list(scheduler.get_last_lr())]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        seq.append(list(scheduler.get_last_lr()))
        assert seq[-1] == [g["lr"] for g in optimizer.param_groups]
    return np.array(seq)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_schedule_matches_closed_form(schedule):
    name, kw, closed_form = schedule
    opt = make_optimizer()
    ours = lr_sequence(opt, getattr(lr_scheduler, name)(opt, **kw))
    expected = np.array([[closed_form(base, e) for base in BASE_LRS] for e in range(EPOCHS + 1)])
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-15)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASE_LRS)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_schedule_matches_torch(schedule):
    torch = pytest.importorskip("torch")
    name, kw, _ = schedule
    opt = make_optimizer()
    ours = lr_sequence(opt, getattr(lr_scheduler, name)(opt, **kw))
    topt = torch.optim.SGD([{"params": [torch.zeros(2)], "lr": BASE_LRS[0]},
                            {"params": [torch.zeros(1)], "lr": BASE_LRS[1]}])
    theirs = lr_sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kw))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)


def test_chained_schedules_match_torch():
    """Two schedulers on one optimizer compose multiplicatively, as in PyTorch."""
    torch = pytest.importorskip("torch")
    opt = make_optimizer()
    ours = [lr_scheduler.ExponentialLR(opt, gamma=0.95), lr_scheduler.CosineAnnealingLR(opt, T_max=12)]
    topt = torch.optim.SGD([{"params": [torch.zeros(2)], "lr": BASE_LRS[0]},
                            {"params": [torch.zeros(1)], "lr": BASE_LRS[1]}])
    theirs = [torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.95),
              torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=12)]
    for _ in range(30):
        opt.step()
        topt.step()
        for s in ours + theirs:
            s.step()
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups],
                                   [g["lr"] for g in topt.param_groups], rtol=1e-14, atol=0)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_state_dict_round_trip(schedule):
    """Save optimizer and scheduler mid-way, restore into new ones, continue: the same lrs."""
    name, kw, _ = schedule
    opt = make_optimizer()
    sched = getattr(lr_scheduler, name)(opt, **kw)
    lr_sequence(opt, sched, epochs=12)
    saved_opt = pickle.loads(pickle.dumps(opt.state_dict()))
    saved_sched = sched.state_dict()
    uninterrupted = lr_sequence(opt, sched, epochs=20)

    opt2 = make_optimizer()
    sched2 = getattr(lr_scheduler, name)(opt2, **kw)  # the scheduler first, then load both
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    resumed = lr_sequence(opt2, sched2, epochs=20)
    np.testing.assert_array_equal(resumed, uninterrupted)


def test_resume_with_last_epoch_matches_torch():
    torch = pytest.importorskip("torch")
    opt = make_optimizer()
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5, last_epoch=4)
    topt = torch.optim.SGD([{"params": [torch.zeros(2)], "lr": BASE_LRS[0], "initial_lr": BASE_LRS[0]},
                            {"params": [torch.zeros(1)], "lr": BASE_LRS[1], "initial_lr": BASE_LRS[1]}])
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5, last_epoch=4)
    np.testing.assert_allclose(lr_sequence(opt, sched, 10), lr_sequence(topt, tsched, 10), rtol=1e-14)


def test_lambda_state_dict_keeps_callable_objects_only():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = make_optimizer()
    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 0.5**e])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}, None]
    assert "optimizer" not in sd
    other = Warmup(100)
    sched2 = lr_scheduler.LambdaLR(make_optimizer(), [other, lambda e: 0.5**e])
    sched2.load_state_dict(sd)
    assert other.n == 4 and sched2.lr_lambdas[0] is other


def test_scheduler_before_optimizer_step_warns():
    opt = make_optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        sched.step()
    opt = make_optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
        sched.step()


def test_scheduler_errors():
    opt = make_optimizer()
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=3)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=-5)
    with pytest.raises(TypeError, match="gamma"):
        lr_scheduler.ExponentialLR(opt, gamma="0.9")
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="not a function"):
        lr_scheduler.LambdaLR(opt, 0.5)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(make_optimizer(), gamma=0.9, last_epoch=3)


def test_numpy_learning_rates_keep_float32_parameters():
    opt = make_optimizer(optim.Adam, dtype=np.float32)
    sched = lr_scheduler.LambdaLR(opt, lambda e: np.float64(0.9) ** e)  # NumPy float64 lrs
    params = [p for g in opt.param_groups for p in g["params"]]
    for _ in range(3):
        for p in params:
            p.grad = np.ones_like(p.data)
        opt.step()
        sched.step()
    assert isinstance(opt.param_groups[0]["lr"], np.float64)
    assert all(p.data.dtype == np.float32 for p in params)
