"""Every optimizer and option combination, 50 steps on a fixed problem: against torch.optim (float64,
1e-12) and against a plain-NumPy transcription of each algorithm's published update rule."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import optim
from autograd_core import Value

STEPS = 50
ATOL = 1e-12

# ----------------------------------------------------------------------------------------------------
# The problem: a quadratic bowl plus non-convex terms (sin, tanh, a double well), coupling the
# parameters. Three parameters of different shapes (one 0-d) and one that never gets a gradient.

C = np.array([1.0, 2.0, 0.5, 1.5])
T = np.array([[0.3, -0.2, 1.0], [0.5, 0.0, -1.0]])
K = np.array([[1.0, -0.5, 0.2], [0.7, 1.2, -0.3]])
W0 = np.array([0.5, -1.2, 2.0, 0.3])
M0 = np.array([[0.1, 0.4, -0.6], [1.1, -0.8, 0.2]])
S0 = 0.7


def loss_ours(w, M, s):
    return ((C * w * w).sum() + 0.5 * ag.sin(3 * w).sum() + 0.5 * ((M - T) ** 2).sum()
            + (K * ag.tanh(M)).sum() + (s * s - 1) ** 2 + 0.1 * s * w.sum())


def loss_torch(torch, w, M, s):
    C_, T_, K_ = (torch.tensor(a) for a in (C, T, K))
    return ((C_ * w * w).sum() + 0.5 * torch.sin(3 * w).sum() + 0.5 * ((M - T_) ** 2).sum()
            + (K_ * torch.tanh(M)).sum() + (s * s - 1) ** 2 + 0.1 * s * w.sum())


def gradient_numpy(theta):
    """The gradient of the loss by hand, on the flat vector theta = (w, M.ravel(), s)."""
    w, M, s = theta[:4], theta[4:10].reshape(2, 3), theta[10]
    dw = 2 * C * w + 1.5 * np.cos(3 * w) + 0.1 * s
    dM = (M - T) + K * (1 - np.tanh(M) ** 2)
    ds = 4 * s * (s * s - 1) + 0.1 * w.sum()
    return np.concatenate([dw, dM.ravel(), [ds]])


# ----------------------------------------------------------------------------------------------------
# Configurations: every option combination that makes sense.

def _configs():
    out = []
    for momentum in (0.0, 0.9):
        for dampening in (0.0, 0.3):
            for nesterov in (False, True):
                for wd in (0.0, 0.05):
                    if nesterov and (momentum == 0 or dampening != 0):
                        continue
                    out.append(("SGD", dict(lr=0.03, momentum=momentum, dampening=dampening,
                                            nesterov=nesterov, weight_decay=wd)))
    for centered in (False, True):
        for momentum in (0.0, 0.8):
            for wd in (0.0, 0.05):
                out.append(("RMSprop", dict(lr=0.01, alpha=0.9, centered=centered, momentum=momentum,
                                            weight_decay=wd)))
    out.append(("RMSprop", dict(lr=0.003)))
    for lr_decay in (0.0, 0.05):
        for wd in (0.0, 0.05):
            for init in (0.0, 0.5):
                out.append(("Adagrad", dict(lr=0.2, lr_decay=lr_decay, weight_decay=wd,
                                            initial_accumulator_value=init)))
    out.append(("Adagrad", dict(lr=0.1, eps=1e-3)))
    for name in ("Adam", "AdamW"):
        for amsgrad in (False, True):
            for wd in (0.0, 0.1):
                out.append((name, dict(lr=0.05, amsgrad=amsgrad, weight_decay=wd)))
        out.append((name, dict(lr=0.02, betas=(0.8, 0.95), eps=1e-3)))
    out.append(("AdamW", dict(lr=0.05)))  # the default weight_decay=1e-2
    for wd in (0.0, 0.1):
        out.append(("Adamax", dict(lr=0.05, weight_decay=wd)))
    out.append(("Adamax", dict(lr=0.02, betas=(0.5, 0.9), eps=1e-2)))
    return out


CONFIGS = _configs()


def _config_id(config):
    name, kw = config
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


IDS = [_config_id(c) for c in CONFIGS]
GROUP_LR_FACTOR = 0.5  # second parameter group: s at half the learning rate


def _groups(params, kw, split):
    if not split:
        return params
    w, M, s, unused = params
    return [{"params": [w, M]}, {"params": [s, unused], "lr": kw["lr"] * GROUP_LR_FACTOR}]


def run_ours(name, kw, steps=STEPS, split=False, dtype=np.float64):
    w, M = Value(W0.astype(dtype)), Value(M0.astype(dtype))
    s, unused = Value(np.dtype(dtype).type(S0)), Value(np.ones(2, dtype))
    opt = getattr(optim, name)(_groups([w, M, s, unused], kw, split), **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss_ours(w, M, s).backward()
        opt.step()
    return opt, (w, M, s, unused)


def run_torch(torch, name, kw, steps=STEPS, split=False):
    w, M, s = (torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in (W0, M0, S0))
    unused = torch.ones(2, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)(_groups([w, M, s, unused], kw, split), **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss_torch(torch, w, M, s).backward()
        opt.step()
    return [t.detach().numpy() for t in (w, M, s, unused)]


# ----------------------------------------------------------------------------------------------------
# Plain-NumPy transcriptions of the update rules (as published in PyTorch's documentation), on one
# flat vector theta. `lr` may be a vector: every rule is elementwise.


def reference_SGD(theta, grad, steps, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    b = None
    for _ in range(steps):
        g = grad(theta)
        if weight_decay:
            g = g + weight_decay * theta
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
    return theta


def reference_RMSprop(theta, grad, steps, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):
    v = np.zeros_like(theta)
    g_avg = np.zeros_like(theta)
    b = np.zeros_like(theta)
    for _ in range(steps):
        g = grad(theta)
        if weight_decay:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v - g_avg**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
    return theta


def reference_Adagrad(theta, grad, steps, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                      eps=1e-10):
    state_sum = np.full_like(theta, initial_accumulator_value)
    for t in range(1, steps + 1):
        g = grad(theta)
        if weight_decay:
            g = g + weight_decay * theta
        gamma = lr / (1 + (t - 1) * lr_decay)
        state_sum = state_sum + g**2
        theta = theta - gamma * g / (np.sqrt(state_sum) + eps)
    return theta


def reference_Adam(theta, grad, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   decoupled=False):
    beta1, beta2 = betas
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    v_max = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grad(theta)
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def reference_AdamW(theta, grad, steps, lr, weight_decay=1e-2, **kw):
    return reference_Adam(theta, grad, steps, lr, weight_decay=weight_decay, decoupled=True, **kw)


def reference_Adamax(theta, grad, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    m = np.zeros_like(theta)
    u = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grad(theta)
        if weight_decay:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        u = np.maximum(beta2 * u, np.abs(g) + eps)
        theta = theta - lr / (1 - beta1**t) * m / u
    return theta


def run_reference(name, kw, split=False):
    theta = np.concatenate([W0, M0.ravel(), [S0]])
    kw = dict(kw)
    if split:  # s (the last coordinate) is in the second group
        lr = np.full_like(theta, kw["lr"])
        lr[-1] *= GROUP_LR_FACTOR
        kw["lr"] = lr
    theta = globals()[f"reference_{name}"](theta, gradient_numpy, STEPS, **kw)
    return theta[:4], theta[4:10].reshape(2, 3), theta[10]


# ----------------------------------------------------------------------------------------------------
# The comparisons.


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_optimizer_matches_numpy_reference(config):
    name, kw = config
    _, (w, M, s, unused) = run_ours(name, kw)
    w_ref, M_ref, s_ref = run_reference(name, kw)
    np.testing.assert_allclose(w.data, w_ref, rtol=0, atol=ATOL)
    np.testing.assert_allclose(M.data, M_ref, rtol=0, atol=ATOL)
    np.testing.assert_allclose(s.data, s_ref, rtol=0, atol=ATOL)
    np.testing.assert_array_equal(unused.data, np.ones(2))  # no gradient: untouched


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_optimizer_matches_torch(config):
    torch = pytest.importorskip("torch")
    name, kw = config
    _, ours = run_ours(name, kw)
    theirs = run_torch(torch, name, kw)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, ref, rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "Adamax"])
def test_parameter_groups_use_their_own_lr(name):
    kw = next(kw for n, kw in CONFIGS if n == name and kw.get("weight_decay", 0) == 0)
    _, (w, M, s, _) = run_ours(name, kw, split=True)
    w_ref, M_ref, s_ref = run_reference(name, kw, split=True)
    np.testing.assert_allclose(w.data, w_ref, rtol=0, atol=ATOL)
    np.testing.assert_allclose(M.data, M_ref, rtol=0, atol=ATOL)
    np.testing.assert_allclose(s.data, s_ref, rtol=0, atol=ATOL)
    _, (_, _, s_split, _) = run_ours(name, kw, steps=3, split=True)
    _, (_, _, s_one_group, _) = run_ours(name, kw, steps=3)
    assert abs(s_split.data - s_one_group.data) > 1e-4  # the group's lr made a difference
    try:
        import torch
    except ImportError:
        return
    for mine, ref in zip((w, M, s), run_torch(torch, name, kw, split=True)):
        np.testing.assert_allclose(mine.data, ref, rtol=0, atol=ATOL)


def test_optimizers_decrease_the_loss():
    for name, kw in CONFIGS:
        _, (w, M, s, _) = run_ours(name, kw)
        start = loss_ours(Value(W0), Value(M0), Value(S0)).item()
        assert loss_ours(w, M, s).item() < start, _config_id((name, kw))


# ----------------------------------------------------------------------------------------------------
# Dtypes, shared gradients, closures.


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_float32_parameters_stay_float32(config):
    name, kw = config
    kw = {k: (np.float64(v) if isinstance(v, float) else v) for k, v in kw.items()}  # NumPy hyper-parameters
    opt, params = run_ours(name, kw, steps=5, dtype=np.float32)
    w, M, s, unused = params
    for p in params:
        assert p.data.dtype == np.float32
    assert type(s.data) is np.float32  # 0-d data stays a NumPy scalar
    for p, state in opt.state.items():
        for key, value in state.items():
            if isinstance(value, (np.ndarray, np.generic)):
                assert value.dtype == np.float32, (key, value.dtype)
                assert np.shape(value) == p.shape
    _, (w64, M64, s64, _) = run_ours(name, config[1], steps=5)
    np.testing.assert_allclose(w.data, w64.data, atol=1e-5)
    np.testing.assert_allclose(M.data, M64.data, atol=1e-5)
    np.testing.assert_allclose(s.data, s64.data, atol=1e-5)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_step_does_not_modify_gradients(config):
    name, kw = config
    w = Value(W0.copy())
    shared = np.array([0.3, -0.1, 0.2, 0.5])
    v = Value(W0[::-1].copy())
    w.grad, v.grad = shared, shared  # one gradient array shared by two parameters
    opt = getattr(optim, name)([w, v], **kw)
    for _ in range(3):
        opt.step()
    np.testing.assert_array_equal(shared, [0.3, -0.1, 0.2, 0.5])
    assert w.grad.base is shared and v.grad.base is shared  # still (views of) the user's array: not replaced


def test_step_evaluates_closure_with_grad_enabled():
    w, M, s = Value(W0.copy()), Value(M0.copy()), Value(S0)
    opt = optim.SGD([w, M, s], lr=0.01)
    calls = []

    def closure():
        opt.zero_grad()
        loss = loss_ours(w, M, s)
        loss.backward()
        calls.append(loss.item())
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [loss.item()]
    expected = W0 - 0.01 * gradient_numpy(np.concatenate([W0, M0.ravel(), [S0]]))[:4]
    np.testing.assert_allclose(w.data, expected, rtol=0, atol=1e-15)
    assert opt.step() is None


def test_gradient_recorded_with_create_graph_is_used_as_data():
    x = Value(np.array([1.0, 2.0]))
    (x * x * x).sum().backward(create_graph=True)
    assert isinstance(x.grad, Value)
    optim.SGD([x], lr=0.1).step()
    np.testing.assert_allclose(x.data, [1.0 - 0.3, 2.0 - 1.2])
    assert isinstance(x.data, np.ndarray)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sgd_step_is_the_plain_update_bit_for_bit(dtype):
    # SGD multiplies by the learning rate as a 0-d array of the gradient's dtype (ops.number_like), not as a Python
    # number: the same bits, including the sign of a zero learning rate after a positive zero was used.
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.standard_normal(7), [-0.0, 0.0, np.inf]]).astype(dtype)
    grad = np.concatenate([rng.standard_normal(7), [0.0, -0.0, 1.0]]).astype(dtype)
    p = Value(data.copy())
    opt = optim.SGD([p], lr=0.1)
    expected = data.copy()
    for lr in (0.1, 1e-3, 3, 0.0, -0.0, 0.25):
        opt.param_groups[0]["lr"] = lr
        p.grad = grad.copy()
        opt.step()
        with np.errstate(invalid="ignore"):
            expected -= lr * grad
        assert p.data.dtype == dtype
        assert p.data.tobytes() == expected.tobytes(), lr


def test_number_like_keeps_the_sign_of_zero_and_a_bounded_cache():
    from autograd_core.ops import elementwise, number_like

    x = np.ones(3, np.float32)
    assert np.signbit(number_like(0.0, x)) == np.False_ and np.signbit(number_like(-0.0, x)) == np.True_
    assert number_like(0.5, x).dtype == np.float32 and number_like(2, np.arange(3)) == 2  # integer arrays: as is
    for k in range(5000):
        number_like(k + 0.5, x)
    assert len(elementwise._NUMBERS_LIKE) <= 4096


def test_number_like_of_a_float_zero_is_not_the_integer_zeros():
    from autograd_core.ops import number_like

    x = np.ones(3, np.float32)
    number_like(0, x)  # ReLU's rules ask for the integer 0
    assert np.signbit(number_like(-0.0, x)) == np.True_


def _give_grad(p, g):
    """p.grad = g, also for g of another dtype than p's: `.grad =` refuses that, as PyTorch's does; it is reached as in
    PyTorch, through `.data` (an assignment of another dtype there keeps the gradient)."""
    if g is None or g.dtype == p.dtype:
        p.grad = g
        return
    data = p.data
    p.data = data.astype(g.dtype)
    p.grad = g
    p.data = data


def test_plain_sgd_written_out_matches_the_general_loop():
    # SGD writes out p ← p − lr·g for a group without momentum, weight decay or maximize; the general loop of
    # Optimizer._step_group must give the same parameters, state and errors, on the odd cases too: a 0-d parameter,
    # read-only data (a broadcast view), a gradient read through .grad (a GradArray), one of another dtype, a NumPy
    # learning rate.
    def make():
        rng = np.random.default_rng(1)
        ps = [Value(rng.standard_normal((3, 2)).astype(np.float32)), Value(np.float64(0.5)),
              Value(np.broadcast_to(np.float32(1.5), (4,))), Value(rng.standard_normal(5)), Value(np.zeros(2))]
        grads = [rng.standard_normal(3 * 2).reshape(3, 2).astype(np.float32), np.float64(-2.0),
                 np.arange(4, dtype=np.float32), rng.standard_normal(5).astype(np.float32), None]
        opt = optim.SGD([{"params": ps[:3], "lr": np.float64(0.1)}, {"params": ps[3:]}], lr=0.25)
        return ps, grads, opt

    results = []
    for group_loop in (optim.SGD._step_group, optim.Optimizer._step_group):  # written out, then the general loop
        ps, grads, opt = make()
        opt._step_group = group_loop.__get__(opt)
        for k in range(3):
            for p, g in zip(ps, grads):
                _give_grad(p, None if g is None else (g * (k + 1)).astype(g.dtype))
            _ = ps[0].grad.sum()  # .grad read: a GradArray from now on
            opt.step()
        results.append(([p.data for p in ps], opt.state_dict(), opt._step_count))
    (fast, fast_state, fast_count), (general, general_state, general_count) = results
    for a, b in zip(fast, general):
        assert type(a) is type(b) and a.dtype == b.dtype and np.asarray(a).tobytes() == np.asarray(b).tobytes()
    assert fast_state == general_state and fast_count == general_count == 3

    ps, _, opt = make()
    ps[0].grad = np.ones((3, 2), np.float32)
    ps[0].grad.shape = (2, 3)  # reshaped in place: assigning one of this shape raises at once (test_optim_api.py)
    with pytest.raises(ValueError, match="has shape"):
        opt.step()


def test_plain_sgd_step_marks_the_parameters_changed():
    w = Value(np.ones(3))
    loss = (w * w).sum()
    opt = optim.SGD([w], lr=0.1)
    w.grad = np.ones(3)
    opt.step()
    with pytest.raises(RuntimeError, match="modified|changed|in-place|version"):
        loss.backward()
