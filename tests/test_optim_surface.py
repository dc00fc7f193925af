"""The schedules, optimizer and utilities PyTorch users look for: ConstantLR, PolynomialLR, MultiplicativeLR,
CyclicLR, ChainedScheduler (also inside SequentialLR), ASGD's running average, and optim.swa_utils
(AveragedModel, get_*_avg_fn, update_bn, SWALR). Each against torch (skipped without it) and against values
written out by hand (which run without it)."""

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

from autograd_core import Value, nn, optim
from autograd_core.optim import lr_scheduler, swa_utils

from test_optim_lr_scheduler import BASE_LRS, lr_sequence, make_optimizer
from test_optim_lr_scheduler_more import torch_optimizer
from test_optim_more import torch_float64

STEPS = 30


class Halving:
    """A callable object (not a function): its attributes travel in state dicts."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, x):
        return self.base ** (x - 1)


def sequence_with_momentum(optimizer, scheduler, steps=STEPS):
    """(lrs, momenta) at construction and after each step: momentum, or beta1 of betas."""
    key = "betas" if "betas" in optimizer.defaults else "momentum"

    def momenta():
        return [g[key][0] if key == "betas" else g[key] for g in optimizer.param_groups]

    lrs, ms = [list(scheduler.get_last_lr())], [momenta()]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs.append(list(scheduler.get_last_lr()))
        ms.append(momenta())
        assert lrs[-1] == [g["lr"] for g in optimizer.param_groups]
    return np.array(lrs), np.array(ms)


SCHEDULES = [
    ("ConstantLR", "SGD", dict()),
    ("ConstantLR", "SGD", dict(factor=0.5, total_iters=7)),
    ("ConstantLR", "SGD", dict(factor=0.25, total_iters=0)),
    ("PolynomialLR", "SGD", dict()),
    ("PolynomialLR", "SGD", dict(total_iters=12, power=2.5)),
    ("PolynomialLR", "SGD", dict(total_iters=40, power=0.5)),
    ("MultiplicativeLR", "SGD", dict(lr_lambda=lambda e: 0.95)),
    ("MultiplicativeLR", "SGD", dict(lr_lambda=[lambda e: 0.9, lambda e: 1 + 1 / (e + 1)])),
    ("CyclicLR", "SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", "SGD", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.05], step_size_up=3, step_size_down=5,
                             mode="triangular2", base_momentum=[0.7, 0.8], max_momentum=[0.95, 0.9])),
    ("CyclicLR", "SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9)),
    ("CyclicLR", "SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=2.5, step_size_down=0)),
    ("CyclicLR", "SGD", dict(base_lr=0.001, max_lr=0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + 0.1 * x),
                             scale_mode="iterations")),
    ("CyclicLR", "SGD", dict(base_lr=0.001, max_lr=0.1, step_size_up=2, scale_fn=Halving(), cycle_momentum=False)),
    ("CyclicLR", "Adam", dict(base_lr=0.001, max_lr=0.01, step_size_up=5, mode="triangular2")),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(SCHEDULES)]


def build(module, opt, name, kw):
    kw = dict(kw, scale_fn=Halving()) if isinstance(kw.get("scale_fn"), Halving) else kw
    return getattr(module, name)(opt, **kw)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_schedule_and_momentum_match_torch(schedule):
    torch = pytest.importorskip("torch")
    name, opt_name, kw = schedule
    extra = dict(momentum=0.5) if opt_name == "SGD" else dict()
    opt, topt = make_optimizer(getattr(optim, opt_name), **extra), torch_optimizer(torch, opt_name, **extra)
    ours = sequence_with_momentum(opt, build(lr_scheduler, opt, name, kw))
    theirs = sequence_with_momentum(topt, build(torch.optim.lr_scheduler, topt, name, kw))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-13, atol=0)
    assert np.any(ours[0][:, 0] != BASE_LRS[0])  # the schedule did something


def test_closed_forms_by_hand():
    b = np.array(BASE_LRS)
    opt = make_optimizer()
    ours = lr_sequence(opt, lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3), 6)
    np.testing.assert_allclose(ours, [b * 0.5] * 3 + [b] * 4, rtol=1e-15)
    opt = make_optimizer()
    ours = lr_sequence(opt, lr_scheduler.PolynomialLR(opt, total_iters=4, power=2.0), 6)
    np.testing.assert_allclose(ours, [b * (1 - min(e, 4) / 4) ** 2 for e in range(7)], rtol=1e-14, atol=1e-18)
    opt = make_optimizer()
    ours = lr_sequence(opt, lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda e: 1 / (e + 1)), 5)
    np.testing.assert_allclose(ours, [b / math.factorial(e + 1) for e in range(6)], rtol=1e-14)  # ∏ 1/(k+1), k=1..e
    # PyTorch's ChainedScheduler example (its comment's figures are off by 10 from epoch 20): lr 0.05,
    # ConstantLR(0.1, 20) chained with ExponentialLR(0.9).
    opt = optim.SGD([Value(np.zeros(2))], lr=0.05)
    chain = lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=20),
                                           lr_scheduler.ExponentialLR(opt, gamma=0.9)], optimizer=opt)
    ours = lr_sequence(opt, chain, 22)[:, 0]
    np.testing.assert_allclose(ours, [0.05 * (0.1 if e < 20 else 1) * 0.9**e for e in range(23)], rtol=1e-13)


def test_step_with_an_epoch_uses_the_closed_form():
    opt = make_optimizer()
    constant = lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step(epoch) is deprecated in PyTorch
        opt.step()
        constant.step(2)
        assert constant.get_last_lr() == [0.05, 0.015]
        constant.step(3)
        assert constant.get_last_lr() == list(BASE_LRS)
        opt = make_optimizer()
        poly = lr_scheduler.PolynomialLR(opt, total_iters=4, power=3.0)
        poly.step(2)
        np.testing.assert_allclose(poly.get_last_lr(), np.array(BASE_LRS) / 8, rtol=1e-15)
        poly.step(9)
        assert poly.get_last_lr() == [0.0, 0.0]


def test_cyclic_by_hand():
    def run(**kw):
        opt = optim.SGD([Value(np.zeros(1))], lr=1.0, momentum=0.0)
        sched = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=2, **kw)
        assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["initial_lr"] == 0.01
        lrs, ms = sequence_with_momentum(opt, sched, 9)
        return lrs[:, 0], ms[:, 0]

    lrs, ms = run()
    np.testing.assert_allclose(lrs, [0.01, 0.03, 0.05, 0.03, 0.01, 0.03, 0.05, 0.03, 0.01, 0.03], rtol=1e-14)
    np.testing.assert_allclose(ms, [0.9, 0.85, 0.8, 0.85, 0.9, 0.85, 0.8, 0.85, 0.9, 0.85], rtol=1e-14)
    lrs, _ = run(mode="triangular2")              # the second cycle has half the height
    np.testing.assert_allclose(lrs, [0.01, 0.03, 0.05, 0.03, 0.01, 0.02, 0.03, 0.02, 0.01, 0.015], rtol=1e-14)
    lrs, ms = run(mode="exp_range", gamma=0.8)    # scaled by gamma^step
    height = np.array([0, 0.5, 1, 0.5, 0, 0.5, 1, 0.5, 0, 0.5]) * 0.8 ** np.arange(10)
    np.testing.assert_allclose(lrs, 0.01 + 0.04 * height, rtol=1e-14)
    np.testing.assert_allclose(ms, 0.9 - 0.1 * height, rtol=1e-14)
    opt = optim.Adam([Value(np.zeros(1))], lr=1.0, betas=(0.5, 0.99))
    lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=2, base_momentum=0.6, max_momentum=0.7)
    assert opt.param_groups[0]["betas"] == (0.7, 0.99)
    assert (opt.param_groups[0]["base_momentum"], opt.param_groups[0]["max_momentum"]) == (0.6, 0.7)


# ----------------------------------------------------------------------------------------------------
# Composition: ChainedScheduler, SequentialLR with the new schedules, each inside the other.


def _compositions(module, opt):
    L = module
    return [
        lambda: L.ChainedScheduler([L.ConstantLR(opt, factor=0.2, total_iters=4), L.ExponentialLR(opt, gamma=0.9),
                                    L.MultiplicativeLR(opt, lr_lambda=lambda e: 1.01)]),
        lambda: L.ChainedScheduler([L.PolynomialLR(opt, total_iters=8, power=2),
                                    L.CosineAnnealingLR(opt, T_max=5)], optimizer=opt),
        lambda: L.SequentialLR(opt, [L.ConstantLR(opt, factor=0.1, total_iters=3),
                                     L.PolynomialLR(opt, total_iters=10, power=1.5)], milestones=[5]),
        lambda: L.SequentialLR(opt, [L.LinearLR(opt, start_factor=0.1, total_iters=4),
                                     L.CyclicLR(opt, base_lr=0.02, max_lr=0.2, step_size_up=3, cycle_momentum=False)],
                               milestones=[6]),
        lambda: L.SequentialLR(opt, [L.ChainedScheduler([L.ConstantLR(opt, factor=0.5, total_iters=2),
                                                         L.ExponentialLR(opt, gamma=0.8)]),
                                     L.MultiplicativeLR(opt, lr_lambda=lambda e: 0.97)], milestones=[7]),
        lambda: L.ChainedScheduler([L.SequentialLR(opt, [L.ConstantLR(opt, total_iters=2),
                                                         L.ExponentialLR(opt, gamma=0.9)], milestones=[4]),
                                    L.StepLR(opt, step_size=5, gamma=0.5)]),
    ]


COMPOSITION_IDS = ["chain-3", "chain-poly-cosine", "seq-constant-poly", "seq-linear-cyclic", "seq-of-chain",
                   "chain-of-seq"]


@pytest.mark.filterwarnings("ignore:.*before .?optimizer.step")  # a chain first in a SequentialLR: both warn
@pytest.mark.parametrize("index", range(len(COMPOSITION_IDS)), ids=COMPOSITION_IDS)
def test_compositions_match_torch(index):
    torch = pytest.importorskip("torch")
    opt, topt = make_optimizer(), torch_optimizer(torch)
    ours = _compositions(lr_scheduler, opt)[index]()
    theirs = _compositions(torch.optim.lr_scheduler, topt)[index]()
    a, b = lr_sequence(opt, ours, STEPS), lr_sequence(topt, theirs, STEPS)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-18)


def test_sequential_of_constant_then_cyclic_by_hand():
    opt = optim.SGD([Value(np.zeros(1))], lr=0.1)
    seq = lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=10),
                                          lr_scheduler.CyclicLR(opt, base_lr=0.02, max_lr=0.06, step_size_up=2,
                                                                cycle_momentum=False)], milestones=[3])
    np.testing.assert_allclose(lr_sequence(opt, seq, 7)[:, 0], [0.05, 0.05, 0.05, 0.02, 0.04, 0.06, 0.04, 0.02],
                               rtol=1e-14)


@pytest.mark.filterwarnings("ignore:.*before .?optimizer.step")  # the chain's parts step as it starts
def test_sequential_starting_with_a_chain_by_hand():
    opt = optim.SGD([Value(np.zeros(1))], lr=0.1)
    L = lr_scheduler
    seq = L.SequentialLR(opt, [L.ChainedScheduler([L.ConstantLR(opt, factor=0.5, total_iters=2),
                                                   L.ExponentialLR(opt, gamma=0.8)]),
                               L.ExponentialLR(opt, gamma=0.5)], milestones=[4])
    lrs = lr_sequence(opt, seq, 6)[:, 0]
    # As in PyTorch, the chain's first step is a plain step of each part: ExponentialLR's factor applies at epoch 0.
    np.testing.assert_allclose(lrs, [0.04, 0.032, 0.0512, 0.04096, 0.1, 0.05, 0.025], rtol=1e-13)


def test_a_chain_cannot_restart_inside_sequential():
    opt = make_optimizer()
    seq = lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(opt, gamma=0.9), lr_scheduler.ChainedScheduler(
        [lr_scheduler.ConstantLR(opt), lr_scheduler.ExponentialLR(opt, gamma=0.5)])], milestones=[2])
    opt.step()
    seq.step()
    with pytest.raises(NotImplementedError, match="put it first in a SequentialLR"):
        seq.step()


# ----------------------------------------------------------------------------------------------------
# State dicts.


def _resumable(opt, L=lr_scheduler, swa=swa_utils):
    return [
        lambda: L.ConstantLR(opt, factor=0.5, total_iters=8),
        lambda: L.PolynomialLR(opt, total_iters=12, power=2.0),
        lambda: L.MultiplicativeLR(opt, lr_lambda=lambda e: 0.9),
        lambda: L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.95),
        lambda: L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=Halving()),
        lambda: L.ChainedScheduler([L.ConstantLR(opt, factor=0.5, total_iters=5), L.ExponentialLR(opt, gamma=0.9)]),
        lambda: swa.SWALR(opt, swa_lr=0.02, anneal_epochs=9, anneal_strategy="linear"),
    ]


RESUMABLE_IDS = ["constant", "poly", "multiplicative", "cyclic", "cyclic-scale-object", "chained", "swalr"]


@pytest.mark.parametrize("index", range(len(RESUMABLE_IDS)), ids=RESUMABLE_IDS)
def test_state_dict_round_trip(index):
    opt = make_optimizer(momentum=0.9)
    sched = _resumable(opt)[index]()
    lr_sequence(opt, sched, 4)
    if index == 4:
        sched._scale_fn_custom.base = 0.25  # the callable object's attributes are part of the state
    saved_opt, saved = pickle.loads(pickle.dumps(opt.state_dict())), pickle.loads(pickle.dumps(sched.state_dict()))
    uninterrupted = sequence_with_momentum(opt, sched, 8)
    opt2 = make_optimizer(momentum=0.9)
    sched2 = _resumable(opt2)[index]()
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    resumed = sequence_with_momentum(opt2, sched2, 8)
    np.testing.assert_array_equal(resumed[0], uninterrupted[0])
    np.testing.assert_array_equal(resumed[1], uninterrupted[1])
    if index == 4:
        assert sched2._scale_fn_custom.base == 0.25


@pytest.mark.parametrize("index", range(len(RESUMABLE_IDS)), ids=RESUMABLE_IDS)
def test_state_dict_names_match_torch(index):
    torch = pytest.importorskip("torch")
    ours = _resumable(make_optimizer(momentum=0.9))[index]()
    theirs = _resumable(torch_optimizer(torch, momentum=0.9), torch.optim.lr_scheduler, torch.optim.swa_utils)[index]()
    flags = {"_get_lr_called_within_step", "_is_initial"}   # bookkeeping flags, torch's or ours
    assert set(ours.state_dict()) - flags == set(theirs.state_dict()) - flags


def test_load_refuses_another_schedulers_state():
    opt = make_optimizer(momentum=0.9)
    cyclic = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
    with pytest.raises(ValueError, match="CyclicLR.load_state_dict.*another scheduler"):
        cyclic.load_state_dict(lr_scheduler.ConstantLR(make_optimizer()).state_dict())
    chain = lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt), lr_scheduler.PolynomialLR(opt)])
    bad = chain.state_dict()
    bad["_schedulers"][1] = lr_scheduler.ConstantLR(make_optimizer()).state_dict()
    before = copy.deepcopy(chain.state_dict())
    with pytest.raises(ValueError, match="PolynomialLR.load_state_dict"):
        chain.load_state_dict(bad)
    assert chain.state_dict() == before


# ----------------------------------------------------------------------------------------------------
# Bad arguments: the error PyTorch raises, with a message naming the problem.


def _bad_calls(opt, adagrad, L=lr_scheduler, swa=swa_utils):
    return [
        (ValueError, "factor", lambda: L.ConstantLR(opt, factor=1.5)),
        (ValueError, "mode", lambda: L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode="triangle")),
        (ValueError, "momentum", lambda: L.CyclicLR(adagrad, base_lr=0.01, max_lr=0.1)),
        (ValueError, "max_lr", lambda: L.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2, 0.3])),
        (ValueError, "lr_lambdas", lambda: L.MultiplicativeLR(opt, lr_lambda=[lambda e: 1.0])),
        (TypeError, "lr_lambda", lambda: L.MultiplicativeLR(opt, lr_lambda=0.9)),
        (ValueError, "at least one", lambda: L.ChainedScheduler([])),
        (ValueError, "ReduceLROnPlateau", lambda: L.ChainedScheduler([L.ReduceLROnPlateau(opt)])),
        (ValueError, "another optimizer", lambda: L.ChainedScheduler([L.ConstantLR(opt), L.ConstantLR(adagrad)])),
        (ValueError, "ReduceLROnPlateau", lambda: L.SequentialLR(opt, [L.ConstantLR(opt), L.ReduceLROnPlateau(opt)],
                                                                 milestones=[2])),
        (ValueError, "anneal_strategy", lambda: swa.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")),
        (ValueError, "anneal_epochs", lambda: swa.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)),
        (ValueError, "decay", lambda: swa.get_ema_multi_avg_fn(1.5)),
        (ValueError, "decay", lambda: swa.get_ema_avg_fn(-0.1)),
    ]


BAD_IDS = ["constant-factor", "cyclic-mode", "cyclic-no-momentum", "cyclic-max-lr-length", "multiplicative-length",
           "multiplicative-not-callable", "chained-empty", "chained-plateau", "chained-two-optimizers",
           "sequential-plateau", "swalr-strategy", "swalr-epochs", "ema-multi-decay", "ema-decay"]


@pytest.mark.parametrize("index", range(len(BAD_IDS)), ids=BAD_IDS)
def test_bad_arguments_raise_as_torch(index):
    error, word, call = _bad_calls(make_optimizer(momentum=0.9), make_optimizer(optim.Adagrad))[index]
    with pytest.raises(error, match=word):
        call()
    try:
        import torch
    except ImportError:
        return
    error, _, call = _bad_calls(torch_optimizer(torch, momentum=0.9), torch_optimizer(torch, "Adagrad"),
                                torch.optim.lr_scheduler, torch.optim.swa_utils)[index]
    with pytest.raises(error):  # PyTorch raises the same type
        call()


def test_our_stricter_checks():
    opt = make_optimizer(momentum=0.9)
    with pytest.raises(ValueError, match="step_size_up must be > 0"):
        lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=0)
    with pytest.raises(ValueError, match="scale_mode"):
        lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, scale_fn=lambda x: 1.0, scale_mode="epochs")
    with pytest.raises(ValueError, match="total_iters must be a positive integer"):
        lr_scheduler.PolynomialLR(opt, total_iters=0)
    with pytest.raises(TypeError, match="base_lr must be a real number"):
        lr_scheduler.CyclicLR(opt, base_lr="0.01", max_lr=0.1)
    with pytest.raises(TypeError, match="not a learning-rate scheduler"):
        lr_scheduler.ChainedScheduler([opt])


# ----------------------------------------------------------------------------------------------------
# ASGD: the running average of the iterates, by hand (tests/test_optim_more.py runs it against torch).


def test_asgd_average_by_hand():
    p = Value(np.array([1.0, -2.0]))
    opt = optim.ASGD([p], lr=0.1, lambd=0.5, alpha=0.75, t0=1)
    grads = [np.array([0.5, 1.0]), np.array([-1.0, 0.25]), np.array([2.0, -0.5]), np.array([0.1, 0.1])]
    theta, eta, mu, ax = np.array([1.0, -2.0]), 0.1, 1.0, None
    for t, g in enumerate(grads, start=1):
        p.grad = g
        opt.step()
        theta = theta * (1 - 0.5 * eta) - eta * g
        ax = theta.copy() if mu == 1 else ax + mu * (theta - ax)
        eta, mu = 0.1 / (1 + 0.5 * 0.1 * t) ** 0.75, 1 / max(1, t - 1)
        state = opt.state[p]
        np.testing.assert_allclose(p.data, theta, rtol=1e-15)
        np.testing.assert_allclose(state["ax"], ax, rtol=1e-15)
        assert (state["step"], state["eta"], state["mu"]) == (t, pytest.approx(eta, rel=1e-15), mu)
    assert opt.state[p]["mu"] == 1 / 3                   # averaging since step 3: ax is the mean of steps 2..4
    assert not np.allclose(opt.state[p]["ax"], p.data)


def test_asgd_keeps_float32_and_checks_its_arguments():
    p = Value(np.ones(3, np.float32))
    opt = optim.ASGD([p], t0=0)
    for _ in range(3):
        p.grad = np.full(3, 0.5, np.float32)
        opt.step()
    assert p.data.dtype == np.float32 and opt.state[p]["ax"].dtype == np.float32
    with pytest.raises(ValueError, match="lr"):
        optim.ASGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="weight_decay"):
        optim.ASGD([p], weight_decay=-1.0)
    with pytest.raises(TypeError, match="t0"):
        optim.ASGD([p], t0="soon")


# ----------------------------------------------------------------------------------------------------
# swa_utils.


def _model():
    f64 = np.float64
    return nn.Sequential(nn.Linear(3, 4, rng=0, dtype=f64), nn.BatchNorm1d(4, dtype=f64), nn.ReLU(),
                         nn.Linear(4, 2, rng=1, dtype=f64))


def _torch_twin(torch, model):
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                               torch.nn.Linear(4, 2)).double()
    twin.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    return twin


def _snapshots(n=5):
    """n sets of weights (as a state dict's parameter entries) and n input batches, as training would give."""
    rng = np.random.default_rng(3)
    model = _model()
    names = [name for name, _ in model.named_parameters()]
    weights = [{name: rng.normal(size=p.shape) for name, p in model.named_parameters()} for _ in range(n)]
    batches = [rng.normal(size=(6, 3)) for _ in range(n)]
    return names, weights, batches


def _train_and_average(model, swa, weights, batches, set_weights, forward):
    for w, x in zip(weights, batches):
        set_weights(model, w)
        forward(model, x)          # changes the BatchNorm buffers, as training does
        swa.update_parameters(model)


def _set_ours(model, w):
    for name, p in model.named_parameters():
        p.data = w[name].copy()


AVERAGING = [
    ("swa", dict()),
    ("swa-buffers", dict(use_buffers=True)),
    ("ema", dict(avg_fn="ema")),
    ("ema-multi", dict(multi_avg_fn="ema_multi")),
    ("swa-multi", dict(multi_avg_fn="swa_multi")),   # (with use_buffers torch fails on the integer buffer)
    ("ema-multi-buffers", dict(multi_avg_fn="ema_multi", use_buffers=True)),
]


def _averaging_kw(module, kw):
    makers = dict(ema=lambda: module.get_ema_avg_fn(0.9), ema_multi=lambda: module.get_ema_multi_avg_fn(0.8),
                  swa_multi=module.get_swa_multi_avg_fn)
    return {k: makers[v]() if isinstance(v, str) else v for k, v in kw.items()}


@pytest.mark.parametrize("config", AVERAGING, ids=[name for name, _ in AVERAGING])
def test_averaged_model_matches_torch(config):
    torch = pytest.importorskip("torch")
    _, kw = config
    names, weights, batches = _snapshots()
    model = _model()
    twin = _torch_twin(torch, model)
    swa = swa_utils.AveragedModel(model, **_averaging_kw(swa_utils, kw))
    tswa = torch.optim.swa_utils.AveragedModel(twin, **_averaging_kw(torch.optim.swa_utils, kw))
    _train_and_average(model, swa, weights, batches, _set_ours, lambda m, x: m(x))

    def set_torch(m, w):
        with torch.no_grad():
            for name, p in m.named_parameters():
                p.copy_(torch.tensor(w[name]))

    with torch_float64(torch):  # torch's swa_multi weight 1/(n + 1) is a tensor of the default dtype
        _train_and_average(twin, tswa, weights, batches, set_torch, lambda m, x: m(torch.tensor(x)))
    ours, theirs = swa.state_dict(), tswa.state_dict()
    assert list(ours) == list(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key].numpy(), rtol=1e-13, atol=1e-15, err_msg=key)
        assert ours[key].dtype == theirs[key].numpy().dtype, key
    x = batches[0]
    swa.eval(), tswa.eval()
    np.testing.assert_allclose(swa(x).data, tswa(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_averaged_model_by_hand():
    names, weights, batches = _snapshots()
    model = _model()
    swa = swa_utils.AveragedModel(model)
    ema = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.75))
    ema_one_by_one = swa_utils.AveragedModel(model, avg_fn=swa_utils.get_ema_avg_fn(0.75))
    assert all(p is not q for p, q in zip(swa.parameters(), model.parameters()))    # a deep copy
    for w, x in zip(weights, batches):
        _set_ours(model, w)
        model(x)
        swa.update_parameters(model)
        ema.update_parameters(model)
        ema_one_by_one.update_parameters(model)
    assert int(swa.n_averaged) == 5 and swa.state_dict()["n_averaged"].dtype == np.int64
    for name, p in swa.module.named_parameters():   # equal weights: the mean of the snapshots
        np.testing.assert_allclose(p.data, np.mean([w[name] for w in weights], axis=0), rtol=1e-14, atol=1e-15)
    for (name, p), q in zip(ema.module.named_parameters(), ema_one_by_one.module.parameters()):
        expected = weights[0][name]
        for w in weights[1:]:
            expected = 0.75 * expected + 0.25 * w[name]
        np.testing.assert_allclose(p.data, expected, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(q.data, expected, rtol=1e-14, atol=1e-15)
    # Without use_buffers the buffers are the model's latest, not averaged.
    np.testing.assert_array_equal(swa.module[1].running_mean, model[1].running_mean)
    assert int(swa.module[1].num_batches_tracked) == 5
    with pytest.raises(AssertionError, match="Only one of"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match="nn.Module"):
        swa_utils.AveragedModel([model])


def test_averaged_model_with_a_custom_avg_fn_and_a_0d_parameter():
    class Scale(nn.Module):
        def __init__(self):
            self.s = nn.Parameter(np.float64(2.0))

        def forward(self, x):
            return self.s * x

    model = Scale()
    swa = swa_utils.AveragedModel(model, avg_fn=lambda avg, cur, n: np.maximum(avg, cur))
    for value in (2.0, 5.0, 3.0):
        model.s.data = np.float64(value)
        swa.update_parameters(model)
    assert float(swa.module.s.data) == 5.0
    assert float(swa(np.array(1.0)).data) == 5.0


def test_multi_avg_fns_round_as_torch_lerp():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    start, end = rng.normal(size=200), rng.normal(size=200) * 100
    for decay in (0.999, 0.7, 0.5, 0.25):   # torch.lerp computes from the nearer end: weight below and above 1/2
        ours = [start.copy()]
        swa_utils.get_ema_multi_avg_fn(decay)(ours, [end], 3)
        theirs = torch.lerp(torch.tensor(start), torch.tensor(end), 1 - decay).numpy()
        if decay <= 0.5:
            np.testing.assert_array_equal(ours[0], theirs)
        else:  # start + w·(end − start): torch fuses the multiply-add, NumPy cannot. Rounded from the other end
            # (end − (end − start)·(1 − w)) it would be off by 50 to 20,000 units in the last place here.
            assert np.max(np.abs(ours[0] - theirs) / np.spacing(np.abs(theirs))) <= 16


def _bn_loader(rng, n=4):
    return [(rng.normal(size=(5, 3)) * 2 + 1, rng.integers(0, 2, 5)) for _ in range(n)]


def test_update_bn_matches_torch():
    torch = pytest.importorskip("torch")
    model = _model()
    twin = _torch_twin(torch, model)
    loader = _bn_loader(np.random.default_rng(5))
    model.eval(), twin.eval()
    swa_utils.update_bn(loader, model)
    torch.optim.swa_utils.update_bn([torch.tensor(x) for x, _ in loader], twin)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(value, twin.state_dict()[key].numpy(), rtol=1e-13, err_msg=key)
    assert not model.training and model[1].momentum == 0.1


def test_update_bn_by_hand():
    bn = nn.BatchNorm1d(3, momentum=0.3, dtype=np.float64)
    model = nn.Sequential(bn)
    loader = _bn_loader(np.random.default_rng(6))
    for x, _ in loader[:2]:
        model(x)            # statistics from before, which update_bn replaces
    model.eval()
    swa_utils.update_bn(loader, model)
    xs = [x for x, _ in loader]
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(axis=0) for x in xs], axis=0), rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, np.mean([x.var(axis=0, ddof=1) for x in xs], axis=0), rtol=1e-13)
    assert int(bn.num_batches_tracked) == 4 and bn.momentum == 0.3 and not model.training
    swa_utils.update_bn([], model)          # an empty loader leaves the statistics reset
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var, np.ones(3))
    assert int(bn.num_batches_tracked) == 0
    with pytest.raises(RuntimeError, match="cuda"):
        swa_utils.update_bn(loader, model, device="cuda")
    plain = nn.Sequential(nn.Linear(3, 2, rng=0, dtype=np.float64))
    swa_utils.update_bn(loader, plain)     # no BatchNorm: nothing to do


SWALR_CONFIGS = [dict(swa_lr=0.02), dict(swa_lr=[0.05, 0.001], anneal_epochs=4, anneal_strategy="linear"),
                 dict(swa_lr=0.2, anneal_epochs=0), dict(swa_lr=0.01, anneal_epochs=1, anneal_strategy="linear")]


@pytest.mark.parametrize("kw", SWALR_CONFIGS, ids=[str(i) for i in range(len(SWALR_CONFIGS))])
def test_swalr_matches_torch(kw):
    torch = pytest.importorskip("torch")
    opt, topt = make_optimizer(), torch_optimizer(torch)
    ours = lr_sequence(opt, swa_utils.SWALR(opt, **kw), STEPS)
    theirs = lr_sequence(topt, torch.optim.swa_utils.SWALR(topt, **kw), STEPS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-18)
    assert [g["swa_lr"] for g in opt.param_groups] == [g["swa_lr"] for g in topt.param_groups]


def test_swalr_by_hand():
    b = np.array(BASE_LRS)
    opt = make_optimizer()
    ours = lr_sequence(opt, swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=4, anneal_strategy="linear"), 6)
    # step 0 of the schedule is its construction; the lr reaches swa_lr after anneal_epochs steps
    np.testing.assert_allclose(ours, [0.01 + (b - 0.01) * (1 - min(t, 4) / 4) for t in range(7)], rtol=1e-13)
    opt = make_optimizer()
    ours = lr_sequence(opt, swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=5), 6)
    alpha = [(1 - math.cos(math.pi * min(t, 5) / 5)) / 2 for t in range(7)]
    np.testing.assert_allclose(ours, [0.01 * a + b * (1 - a) for a in alpha], rtol=1e-13)


def test_swa_utils_is_a_submodule_imported_on_first_use():
    import subprocess
    import sys

    assert optim.swa_utils is swa_utils and "swa_utils" in optim.__all__
    code = ("import sys; from autograd_core import optim; before = 'autograd_core.nn' in sys.modules; "
            "optim.swa_utils.AveragedModel; print(before, 'autograd_core.nn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True"], out.stderr


COMPILED = {
    "cyclic-momentum": lambda opt: lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=2),
    "chained": lambda opt: lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3),
                                                          lr_scheduler.PolynomialLR(opt, total_iters=6)]),
    "asgd-swalr": lambda opt: swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=3),
}


@pytest.mark.parametrize("name", list(COMPILED))
def test_schedules_and_asgd_step_inside_a_compiled_training_step(name):
    # A compiled step replays the optimizer's and the schedule's steps as calls: the learning rate, the cycled
    # momentum and ASGD's average go on changing as in the eager twin.
    import autograd_core as ag
    from autograd_core.nn import functional as F

    def make():
        model = nn.Sequential(nn.Linear(4, 6, rng=0), nn.Tanh(), nn.Linear(6, 3, rng=1))
        opt = (optim.ASGD(model.parameters(), lr=0.1, t0=2) if name.startswith("asgd")
               else optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
        schedule = COMPILED[name](opt)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            schedule.step()
            return loss

        return model, opt, step

    (m1, opt1, eager), (m2, opt2, step) = make(), make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(4)
    for _ in range(7):
        x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
        np.testing.assert_array_equal(compiled(x, y).data, eager(x, y).data)
        settings = [[{k: v for k, v in g.items() if k != "params"} for g in o.param_groups] for o in (opt1, opt2)]
        assert settings[0] == settings[1]
        for p, q in zip(m1.parameters(), m2.parameters()):
            np.testing.assert_array_equal(p.data, q.data)
            for key, value in opt1.state[p].items():
                np.testing.assert_array_equal(value, opt2.state[q][key])
    assert compiled.stats["replayed"] >= 4


def test_cyclic_starts_at_base_lr_even_after_another_schedule():
    # Deliberately not PyTorch's: its first lr is the "initial_lr" an earlier schedule left in the group (0.1 here).
    opt = optim.SGD([Value(np.zeros(1))], lr=0.1, momentum=0.9)
    lr_scheduler.LinearLR(opt)
    cyclic = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=2)
    assert cyclic.get_last_lr() == [0.01] and cyclic.base_lrs == [0.01] and opt.param_groups[0]["initial_lr"] == 0.1
