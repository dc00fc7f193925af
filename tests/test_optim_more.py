"""NAdam, RAdam, Adadelta, Rprop, ASGD, LBFGS and `maximize` for every optimizer: 50 steps against torch.optim
(float64), plus the checks every optimizer gets (float32 stays float32, state dicts round-trip, bad
state dicts are refused with an error naming both optimizers)."""

import contextlib
import copy
import pickle

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, optim

from test_optim import M0, S0, STEPS, W0, gradient_numpy, loss_ours, loss_torch, run_ours

NEW_CONFIGS = [
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.03, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.03, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.5, 0.8), weight_decay=0.1)),   # ρₜ > 5 from step 3 on: both branches
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.05)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.1)),   # averaging from step 11 on
]
MAXIMIZE_CONFIGS = [(name, dict(kw, maximize=True)) for name, kw in [
    ("SGD", dict(lr=0.002, momentum=0.5, nesterov=True)), ("RMSprop", dict(lr=0.01, centered=True)),
    ("Adagrad", dict(lr=0.1)), ("Adam", dict(lr=0.05, amsgrad=True)), ("AdamW", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05)), ("NAdam", dict(lr=0.05)), ("RAdam", dict(lr=0.05)), ("Adadelta", dict()),
    ("Rprop", dict(lr=0.01)), ("ASGD", dict(lr=0.02, t0=5)),
]]
ALL = NEW_CONFIGS + MAXIMIZE_CONFIGS


def _id(config):
    name, kw = config
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@contextlib.contextmanager
def torch_float64(torch):
    # NAdam keeps its momentum product, and every optimizer its step, as a tensor of the default dtype:
    # float64 makes that state exact, as ours is.
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def run_torch(torch, name, kw, steps=STEPS, sign=1.0):
    with torch_float64(torch):
        w, M, s = (torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in (W0, M0, S0))
        opt = getattr(torch.optim, name)([w, M, s], **kw)
        for _ in range(steps):
            opt.zero_grad()
            (sign * loss_torch(torch, w, M, s)).backward()
            opt.step()
    return [t.detach().numpy() for t in (w, M, s)], opt


@pytest.mark.parametrize("config", ALL, ids=[_id(c) for c in ALL])
def test_matches_torch(config):
    torch = pytest.importorskip("torch")
    name, kw = config
    _, ours = run_ours(name, kw)
    theirs, _ = run_torch(torch, name, kw)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, ref, rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------------------------------
# Plain-NumPy transcriptions of the published update rules (PyTorch's documentation), on one flat vector:
# the check that runs without PyTorch.


def reference_NAdam(theta, grad, steps, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    momentum_decay=4e-3, decoupled_weight_decay=False):
    b1, b2 = betas
    m, v, mu_prod = np.zeros_like(theta), np.zeros_like(theta), 1.0
    for t in range(1, steps + 1):
        g = grad(theta)
        if decoupled_weight_decay:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_prod *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_hat = v / (1 - b2**t)
        theta = theta - lr * (1 - mu) * g / (1 - mu_prod) / (np.sqrt(v_hat) + eps) \
            - lr * mu_next * m / (1 - mu_prod * mu_next) / (np.sqrt(v_hat) + eps)
    return theta


def reference_RAdam(theta, grad, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    decoupled_weight_decay=False):
    b1, b2 = betas
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    rho_inf = 2 / (1 - b2) - 1
    for t in range(1, steps + 1):
        g = grad(theta)
        if decoupled_weight_decay:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            adaptive = np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            theta = theta - lr * m_hat * r * adaptive
        else:
            theta = theta - lr * m_hat
    return theta


def reference_Adadelta(theta, grad, steps, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    v, u = np.zeros_like(theta), np.zeros_like(theta)
    for _ in range(steps):
        g = grad(theta) + weight_decay * theta
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        theta = theta - lr * delta
    return theta


def reference_Rprop(theta, grad, steps, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
    prev, size = np.zeros_like(theta), np.full_like(theta, lr)
    for _ in range(steps):
        g = grad(theta)
        s = np.sign(g * prev)
        size = np.clip(size * np.where(s > 0, etas[1], np.where(s < 0, etas[0], 1.0)), *step_sizes)
        g = np.where(s < 0, 0.0, g)
        theta = theta - np.sign(g) * size
        prev = g
    return theta


def reference_ASGD(theta, grad, steps, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0):
    eta = lr  # the parameters follow SGD with a decaying step (the average, ax, is checked in test_optim_surface)
    for t in range(1, steps + 1):
        g = grad(theta) + weight_decay * theta
        theta = theta * (1 - lambd * eta) - eta * g
        eta = lr / (1 + lambd * lr * t) ** alpha
    return theta


@pytest.mark.parametrize("config", NEW_CONFIGS, ids=[_id(c) for c in NEW_CONFIGS])
def test_new_optimizers_match_numpy_reference(config):
    name, kw = config
    _, (w, M, s, _) = run_ours(name, kw)
    theta = globals()[f"reference_{name}"](np.concatenate([W0, M0.ravel(), [S0]]), gradient_numpy, STEPS, **kw)
    np.testing.assert_allclose(w.data, theta[:4], rtol=0, atol=1e-10)
    np.testing.assert_allclose(M.data, theta[4:10].reshape(2, 3), rtol=0, atol=1e-10)
    np.testing.assert_allclose(s.data, theta[10], rtol=0, atol=1e-10)


@pytest.mark.parametrize("config", MAXIMIZE_CONFIGS, ids=[_id(c) for c in MAXIMIZE_CONFIGS])
def test_maximize_equals_minimizing_the_negation(config):
    name, kw = config
    _, up = run_ours(name, kw, steps=20)
    w, M, s = Value(W0.copy()), Value(M0.copy()), Value(np.float64(S0))
    opt = getattr(optim, name)([w, M, s], **dict(kw, maximize=False))
    for _ in range(20):
        opt.zero_grad()
        (-loss_ours(w, M, s)).backward()
        opt.step()
    for a, b in zip(up[:3], (w, M, s)):
        np.testing.assert_array_equal(a.data, b.data)
    assert not np.allclose(up[0].data, run_ours(name, dict(kw, maximize=False), steps=20)[1][0].data)


@pytest.mark.parametrize("config", NEW_CONFIGS, ids=[_id(c) for c in NEW_CONFIGS])
def test_new_optimizers_decrease_the_loss_and_keep_float32(config):
    name, kw = config
    _, (w, M, s, unused) = run_ours(name, kw)
    assert loss_ours(w, M, s).item() < loss_ours(Value(W0), Value(M0), Value(S0)).item()
    np.testing.assert_array_equal(unused.data, np.ones(2))
    opt, params = run_ours(name, kw, steps=5, dtype=np.float32)
    assert all(p.data.dtype == np.float32 for p in params)
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


@pytest.mark.parametrize("config", NEW_CONFIGS, ids=[_id(c) for c in NEW_CONFIGS])
def test_new_state_names_and_values_match_torch(config):
    torch = pytest.importorskip("torch")
    name, kw = config
    opt, _ = run_ours(name, kw, steps=20)
    _, topt = run_torch(torch, name, kw, steps=20)
    ours, theirs = opt.state_dict()["state"], topt.state_dict()["state"]
    assert set(theirs) == {0, 1, 2}
    for i in theirs:
        assert ours[i].keys() == theirs[i].keys()
        for key, value in ours[i].items():
            np.testing.assert_allclose(value, np.asarray(theirs[i][key]), rtol=0, atol=1e-10)


@pytest.mark.parametrize("config", NEW_CONFIGS, ids=[_id(c) for c in NEW_CONFIGS])
def test_new_state_dict_round_trip(config):
    name, kw = config
    opt, params = run_ours(name, kw, steps=7)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    data = [copy.deepcopy(p.data) for p in params]

    def more(o, ps):
        for _ in range(5):
            o.zero_grad()
            loss_ours(*ps[:3]).backward()
            o.step()

    more(opt, params)
    resumed = [Value(d) for d in data]
    opt2 = getattr(optim, name)(resumed)
    opt2.load_state_dict(saved)
    more(opt2, resumed)
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.data, q.data)


# ----------------------------------------------------------------------------------------------------
# LBFGS.


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


LBFGS_CONFIGS = [dict(lr=1, max_iter=20, history_size=10),
                 dict(lr=0.5, max_iter=5, history_size=3),
                 dict(lr=1, max_iter=20, line_search_fn="strong_wolfe"),
                 dict(lr=1, max_iter=7, history_size=4, line_search_fn="strong_wolfe")]


@pytest.mark.parametrize("kw", LBFGS_CONFIGS, ids=[str(i) for i in range(len(LBFGS_CONFIGS))])
def test_lbfgs_matches_torch(kw):
    # Three parameters of different shapes (one 0-d) as one flat vector; the smooth problem of test_optim
    # (on Rosenbrock's valley the two agree to 1 ulp per step, but rounding grows chaotically).
    torch = pytest.importorskip("torch")
    params = [Value(W0.copy()), Value(M0.copy()), Value(np.float64(S0))]
    opt = optim.LBFGS(params, **kw)

    def closure():
        opt.zero_grad()
        loss = loss_ours(*params)
        loss.backward()
        return loss

    with torch_float64(torch):
        tparams = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in (W0, M0, S0)]
        topt = torch.optim.LBFGS(tparams, **kw)

        def tclosure():
            topt.zero_grad()
            loss = loss_torch(torch, *tparams)
            loss.backward()
            return loss

        for _ in range(3):
            ours = opt.step(closure)
            theirs = topt.step(tclosure)
            assert ours.item() == pytest.approx(theirs.item(), rel=1e-10, abs=1e-12)
            for p, t in zip(params, tparams):
                np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=0, atol=1e-10)
        state, tstate = opt.state[params[0]], topt.state[tparams[0]]
        assert state["func_evals"] == tstate["func_evals"] and state["n_iter"] == tstate["n_iter"]
    assert loss_ours(*params).item() < loss_ours(Value(W0), Value(M0), Value(S0)).item() - 1


def test_lbfgs_minimises_rosenbrock_with_strong_wolfe():
    x = Value(np.array([-1.2, 1.0, 0.8, -0.5, 1.5]))
    opt = optim.LBFGS([x], max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(x.data, np.ones(5), atol=1e-5)


def test_lbfgs_errors_and_state_dict():
    x = Value(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="closure"):
        optim.LBFGS([x]).step()
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [Value(1.0)]}])
    opt = optim.LBFGS([x], max_iter=3)

    def closure():
        opt.zero_grad()
        loss = ((x - 3.0) ** 4).sum()
        loss.backward()
        return loss

    opt.step(closure)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    y = Value(x.data.copy())
    opt2 = optim.LBFGS([y], max_iter=3)
    opt2.load_state_dict(saved)
    opt.step(closure)

    def closure2():
        opt2.zero_grad()
        loss = ((y - 3.0) ** 4).sum()
        loss.backward()
        return loss

    opt2.step(closure2)
    np.testing.assert_array_equal(x.data, y.data)


# ----------------------------------------------------------------------------------------------------
# Loading another optimizer's state (issue 10, item 9): refused at load, naming both.


def _trained(name, **kw):
    opt, _ = run_ours(name, dict(lr=0.01, **kw), steps=2)
    return opt.state_dict()


def _fresh(name):
    params = [Value(W0.copy()), Value(M0.copy()), Value(np.float64(S0)), Value(np.ones(2))]
    return getattr(optim, name)(params), params


@pytest.mark.parametrize("saved_by,loaded_into", [("Adam", "Adamax"), ("SGD", "Adam"), ("Adam", "SGD"),
                                                  ("RMSprop", "Adagrad"), ("NAdam", "RAdam"), ("Adagrad", "RMSprop")])
def test_load_refuses_another_optimizers_state(saved_by, loaded_into):
    # As PyTorch's, the state dict does not name its optimizer: another algorithm's is told by the
    # hyper-parameters it lacks or by its state's names, before anything changes.
    kw = dict(momentum=0.9) if saved_by == "SGD" else {}
    sd = _trained(saved_by, **kw)
    assert set(sd) == {"state", "param_groups"}
    opt, params = _fresh(loaded_into)
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=loaded_into + r".*another optimizer"):
        opt.load_state_dict(sd)
    after = opt.state_dict()  # (Adagrad's state exists from the start, as PyTorch's: unchanged too)
    assert after["param_groups"] == before["param_groups"] and after["state"].keys() == before["state"].keys()
    assert all(np.array_equal(after["state"][i][k], v) for i, s in before["state"].items() for k, v in s.items())


@pytest.mark.parametrize("saved_by,loaded_into", [("Adam", "Adamax"), ("Adam", "AdamW"), ("AdamW", "Adam")])
def test_load_refuses_a_state_that_names_another_optimizer(saved_by, loaded_into):
    # Older versions recorded the optimizer's name under "optimizer": such a file is still refused, naming both.
    sd = _trained(saved_by)
    sd["optimizer"] = saved_by
    opt, _ = _fresh(loaded_into)
    with pytest.raises(ValueError, match=f"saved by {saved_by}.*into {loaded_into}"):
        opt.load_state_dict(sd)
    assert opt.state == {}


def test_adamw_keeps_its_decoupling_when_it_loads_adams_state():
    # Adam and AdamW share hyper-parameters and state: PyTorch's AdamW loads Adam's state and stays AdamW,
    # with the saved weight_decay.
    sd = _trained("Adam", weight_decay=0.1)
    opt, _ = _fresh("AdamW")
    opt.load_state_dict(sd)
    group = opt.param_groups[0]
    assert group["decoupled_weight_decay"] is True and group["weight_decay"] == 0.1
    adam, _ = _fresh("Adam")
    adam.load_state_dict(_trained("AdamW"))
    assert adam.param_groups[0]["decoupled_weight_decay"] is True  # Adam takes the flag it is given, as PyTorch's


def test_optimizer_defaults_print_as_pytorchs():
    # PyTorch's defaults are ints where they are 0 (`dampening: 0` in print(optimizer)); ours the same.
    text = repr(optim.SGD([Value(np.ones(2))], lr=0.1))
    assert "dampening: 0\n" in text and "weight_decay: 0\n" in text and "momentum: 0\n" in text
    sd = optim.Adagrad([Value(np.ones(2))]).state_dict()
    assert sd["param_groups"][0]["initial_accumulator_value"] == 0
    assert type(sd["param_groups"][0]["initial_accumulator_value"]) is int


def test_load_checks_state_names_and_types():
    sd = _trained("Adam")
    del sd["state"][1]["exp_avg_sq"]
    with pytest.raises(ValueError, match=r"parameter 1 has \['exp_avg', 'step'\]"):
        _fresh("Adam")[0].load_state_dict(sd)
    sd = _trained("Adam")
    sd["state"][0]["exp_avg"] = "zeros"
    with pytest.raises(ValueError, match="'exp_avg' of parameter 0 is a str"):
        _fresh("Adam")[0].load_state_dict(sd)
    sd = _trained("Adam")
    sd["param_groups"] = None
    with pytest.raises(ValueError, match="list of dicts"):
        _fresh("Adam")[0].load_state_dict(sd)
    sd = _trained("Adam", amsgrad=True)  # amsgrad state, but the group says amsgrad=False
    sd["param_groups"][0]["amsgrad"] = False
    with pytest.raises(ValueError, match="max_exp_avg_sq"):
        _fresh("Adam")[0].load_state_dict(sd)


def test_closure_is_evaluated_with_grad_enabled_for_new_optimizers():
    w = Value(W0.copy())
    opt = optim.NAdam([w], lr=0.01)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        assert opt.step(closure).item() == pytest.approx((W0 * W0).sum())


@pytest.mark.parametrize("config", NEW_CONFIGS, ids=[_id(c) for c in NEW_CONFIGS])
def test_new_optimizers_do_not_modify_gradients(config):
    name, kw = config
    shared = np.array([0.3, -0.1, 0.2, 0.5])
    w, v = Value(W0.copy()), Value(W0[::-1].copy())
    w.grad, v.grad = shared, shared
    opt = getattr(optim, name)([w, v], **kw)
    for _ in range(3):
        opt.step()
    np.testing.assert_array_equal(shared, [0.3, -0.1, 0.2, 0.5])


def test_a_pytorch_style_custom_optimizer_works():
    class SignSGD(optim.Optimizer):  # written as for torch.optim: a defaults dict and its own step()
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self.state.setdefault(p, {"steps": 0})["steps"] += 1
                        p.data = p.data - group["lr"] * np.sign(p.grad)

    w = Value(np.array([1.0, -2.0]))
    opt = SignSGD([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w.data, [0.5, -1.5])
    assert opt.state[w]["steps"] == 1 and opt.param_groups[0]["lr"] == 0.5
    assert set(opt.state_dict()) == {"state", "param_groups"}


def test_a_state_dict_saved_before_maximize_existed_still_loads():
    sd = _trained("Adam")
    for group in sd["param_groups"]:
        del group["maximize"]
    opt, _ = _fresh("Adam")
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["maximize"] is False


BAD = [
    ("NAdam", dict(lr=-1.0), ValueError, "lr"), ("NAdam", dict(momentum_decay=-0.1), ValueError, "momentum_decay"),
    ("NAdam", dict(betas=(0.9, 1.0)), ValueError, r"betas\[1\]"),
    ("RAdam", dict(eps=-1.0), ValueError, "eps"), ("RAdam", dict(decoupled_weight_decay="yes"), TypeError, "decoupled"),
    ("Adadelta", dict(rho=1.5), ValueError, "rho"), ("Adadelta", dict(weight_decay=-1.0), ValueError, "weight_decay"),
    ("Rprop", dict(etas=(1.2, 0.5)), ValueError, "etaminus"), ("Rprop", dict(step_sizes=(1.0, 0.1)), ValueError, "min"),
    ("Rprop", dict(etas=0.5), TypeError, "etas"),
    ("LBFGS", dict(max_iter=0), ValueError, "max_iter"), ("LBFGS", dict(history_size=2.5), ValueError, "history_size"),
    ("Adam", dict(maximize=1), TypeError, "maximize"), ("SGD", dict(lr=0.1, maximize="no"), TypeError, "maximize"),
]


@pytest.mark.parametrize("name,kw,error,word", BAD, ids=[f"{n}-{i}" for i, (n, *_) in enumerate(BAD)])
def test_invalid_hyperparameters_raise_naming_them(name, kw, error, word):
    with pytest.raises(error, match=word):
        getattr(optim, name)([Value(np.ones(2))], **kw)
    if name != "LBFGS":  # and in a parameter group (LBFGS has one group only)
        with pytest.raises(error, match=word):
            getattr(optim, name)([{"params": [Value(np.ones(2))], **kw}])
