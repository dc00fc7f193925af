"""optim.Adafactor and optim.Muon: 20 steps against torch.optim in float64 (Muon's Newton-Schulz iterations, which
PyTorch runs in bfloat16, replaced by the same iterations in float64 on its side; and unreplaced, to bfloat16's
precision), state names and values, a PyTorch state dict loaded and continued, state dicts round-tripping, a compiled
training step, the first steps by hand, float32, and the errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.nn import functional as F
from autograd_core.optim.muon import newton_schulz

from test_optim import M0, S0, W0, loss_ours, loss_torch

STEPS = 20
ADAFACTOR = [
    dict(),
    dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5, weight_decay=0.1),
    dict(lr=0.5, eps=(1e-3, 1e-3), maximize=True, foreach=False),
]
MUON = [
    dict(),
    dict(lr=0.02, momentum=0.9, nesterov=False, weight_decay=0.01, adjust_lr_fn="match_rms_adamw", ns_steps=3),
    dict(lr=0.05, adjust_lr_fn="original", ns_coefficients=(2.0, -1.5, 0.5), eps=1e-3),
]
RNG = np.random.default_rng(5)
A0, B0 = RNG.standard_normal((3, 5)), RNG.standard_normal((4, 2))  # a wide and a tall matrix
TA, TB = RNG.standard_normal((3, 5)), RNG.standard_normal((4, 2))
X3 = RNG.standard_normal((2, 3, 4))  # a stack of matrices: Adafactor factors the last two axes


def loss_matrices(lib, A, B, X=None):
    loss = ((A - lib.tensor(TA)) ** 2).sum() + lib.tanh(B * lib.tensor(TB)).sum() + (A[:2, :2] * B[:2]).sum()
    return loss if X is None else loss + (lib.sin(X) * X).sum()


def adafactor_loss(lib, w, M, s, X):
    base = loss_ours(w, M, s) if lib is ag else loss_torch(lib, w, M, s)
    return base + (lib.sin(X) * X).sum()


LOSS = {"Adafactor": adafactor_loss, "Muon": loss_matrices}
INIT = {"Adafactor": (W0, M0, S0, X3), "Muon": (A0, B0)}


def run_ours(name, kw, steps=STEPS, dtype=np.float64, params=None):
    params = params or [Value(np.array(a, dtype=dtype)) for a in INIT[name]]
    opt = getattr(optim, name)(params, **kw)
    for _ in range(steps):
        opt.zero_grad()
        LOSS[name](ag, *params).backward()
        opt.step()
    return opt, params


def ns_float64(torch):
    def iterate(grad, coefficients, steps, eps):  # PyTorch's iterations, without the cast to bfloat16
        a, b, c = coefficients
        X = grad.T if grad.size(0) > grad.size(1) else grad
        X = X / X.norm().clamp(min=eps)
        for _ in range(steps):
            gram = X @ X.T
            X = torch.addmm(X, torch.addmm(gram, gram, gram, beta=b, alpha=c), X, beta=a)
        return X.T if grad.size(0) > grad.size(1) else X

    return iterate


def run_torch(torch, name, kw, steps=STEPS, monkeypatch=None, params=None, state=None):
    if name == "Muon" and monkeypatch is not None:
        import torch.optim._muon as muon_module

        monkeypatch.setattr(muon_module, "_zeropower_via_newtonschulz", ns_float64(torch))
    params = params or [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in INIT[name]]
    opt = getattr(torch.optim, name)(params, **kw)
    if state is not None:
        opt.load_state_dict(state)
    for _ in range(steps):
        opt.zero_grad()
        LOSS[name](torch, *params).backward()
        opt.step()
    return opt, params


CONFIGS = [("Adafactor", kw) for kw in ADAFACTOR] + [("Muon", kw) for kw in MUON]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_steps_and_state_match_torch(config, monkeypatch):
    torch = pytest.importorskip("torch")
    name, kw = config
    opt, ours = run_ours(name, kw)
    topt, theirs = run_torch(torch, name, kw, monkeypatch=monkeypatch)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=0, atol=1e-12)
    state, tstate = opt.state_dict()["state"], topt.state_dict()["state"]
    assert set(state) == set(tstate)
    for i in tstate:
        assert state[i].keys() == tstate[i].keys()
        for key, value in state[i].items():
            np.testing.assert_allclose(value, np.asarray(tstate[i][key]), rtol=1e-12, atol=1e-12)
    groups = opt.state_dict()["param_groups"][0]
    assert groups.keys() == topt.state_dict()["param_groups"][0].keys()


def test_muon_agrees_with_torchs_bfloat16_iterations_to_their_precision():
    torch = pytest.importorskip("torch")
    _, ours = run_ours("Muon", MUON[1], steps=8)
    _, theirs = run_torch(torch, "Muon", MUON[1], steps=8)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=0, atol=5e-3)


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[4]], ids=["Adafactor", "Muon"])
def test_a_torch_state_dict_loads_and_continues(config, monkeypatch):
    torch = pytest.importorskip("torch")
    name, kw = config
    topt, tparams = run_torch(torch, name, kw, steps=7, monkeypatch=monkeypatch)
    saved = topt.state_dict()
    converted = {"param_groups": saved["param_groups"],
                 "state": {i: {k: (float(v) if k == "step" else v.numpy().copy()) for k, v in s.items()}
                           for i, s in saved["state"].items()}}
    params = [Value(p.detach().numpy().copy()) for p in tparams]
    opt = getattr(optim, name)(params, **kw)
    opt.load_state_dict(converted)
    for _ in range(5):
        opt.zero_grad()
        LOSS[name](ag, *params).backward()
        opt.step()
    _, theirs = run_torch(torch, name, kw, steps=5, monkeypatch=monkeypatch, params=tparams, state=saved)
    for mine, ref in zip(params, theirs):
        np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_state_dict_round_trip_and_float32(config):
    name, kw = config
    opt, params = run_ours(name, kw, steps=7)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    resumed = [Value(p.data.copy()) for p in params]
    opt2 = getattr(optim, name)(resumed, **kw)
    opt2.load_state_dict(saved)
    for o, ps in ((opt, params), (opt2, resumed)):
        for _ in range(4):
            o.zero_grad()
            LOSS[name](ag, *ps).backward()
            o.step()
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.data, q.data)
    opt32, params32 = run_ours(name, kw, steps=3, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in params32)
    assert all(v.dtype == np.float32 for s in opt32.state.values() for v in s.values() if isinstance(v, np.ndarray))


def test_adafactor_state_shapes_and_a_wrong_factor_is_refused():
    opt, (w, M, s, X) = run_ours("Adafactor", {}, steps=1)
    assert opt.state[w].keys() == {"step", "variance"} and opt.state[s].keys() == {"step", "variance"}
    assert opt.state[M]["row_var"].shape == (2, 1) and opt.state[M]["col_var"].shape == (1, 3)
    assert opt.state[X]["row_var"].shape == (2, 3, 1) and opt.state[X]["col_var"].shape == (2, 1, 4)
    saved = opt.state_dict()
    saved["state"][1]["row_var"] = np.zeros((1, 3))
    with pytest.raises(ValueError, match="row_var"):
        optim.Adafactor([Value(W0), Value(M0), Value(S0), Value(X3)]).load_state_dict(saved)


def test_first_steps_by_hand():
    # Adafactor's first step on a vector: v = g², u = sign(g), RMS(u) = 1, alpha = max(eps2, RMS(p))·min(lr, 1).
    p = Value(np.array([0.5, -2.0, 1.0]))
    opt = optim.Adafactor([p], lr=0.1)
    (p * p * p).sum().backward()
    opt.step()
    rms = np.sqrt(np.mean(np.array([0.5, -2.0, 1.0]) ** 2))
    np.testing.assert_allclose(p.data, np.array([0.5, -2.0, 1.0]) - 0.1 * rms, rtol=1e-14)
    # Muon's first step: B = (1 - mu)·g, U = g + mu·(B - g) = (1 - mu²)·g, and NS(U) has U's singular vectors.
    G = RNG.standard_normal((3, 5))
    W = Value(np.zeros((3, 5)))
    opt = optim.Muon([W], lr=0.1, weight_decay=0.0)
    (W * ag.tensor(G)).sum().backward()
    opt.step()
    O = newton_schulz(G)
    np.testing.assert_allclose(W.data, -0.1 * O, rtol=0, atol=1e-15)  # wide: the learning rate is not adjusted
    u, sv, vt = np.linalg.svd(G, full_matrices=False)
    s_orth = np.diag(u.T @ O @ vt.T)
    np.testing.assert_allclose(u.T @ O @ vt.T, np.diag(s_orth), atol=1e-12)  # the same singular vectors
    assert np.all((s_orth > 0.6) & (s_orth < 1.25))  # singular values near 1
    np.testing.assert_allclose(newton_schulz(G.T), O.T, rtol=1e-14)  # a tall matrix: its transpose's


def test_compiled_training_step():
    def make(name):
        model = nn.Sequential(nn.Linear(4, 6, rng=0), nn.Tanh(), nn.Linear(6, 3, rng=1))
        weights = [p for p in model.parameters() if p.ndim == 2]
        opt = optim.Adafactor(model.parameters(), lr=0.05) if name == "Adafactor" else optim.Muon(weights, lr=0.05)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    for name in ("Adafactor", "Muon"):
        (m1, _, eager), (m2, _, step) = make(name), make(name)
        compiled = ag.compile(step)
        rng = np.random.default_rng(4)
        for _ in range(6):
            x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
            np.testing.assert_array_equal(compiled(x, y).data, eager(x, y).data)
            for p, q in zip(m1.parameters(), m2.parameters()):
                np.testing.assert_array_equal(p.data, q.data)
        assert compiled.stats["replayed"] >= 3


@pytest.mark.parametrize("name, kw, error, words", [
    ("Adafactor", dict(lr=-1.0), ValueError, "lr"),
    ("Adafactor", dict(beta2_decay=0.5), ValueError, "beta2_decay"),
    ("Adafactor", dict(eps=(-1.0, 1e-3)), ValueError, "eps"),
    ("Adafactor", dict(eps=1e-3), TypeError, "eps"),
    ("Adafactor", dict(d=0.5), ValueError, "clipping threshold"),
    ("Adafactor", dict(weight_decay=-0.1), ValueError, "weight_decay"),
    ("Adafactor", dict(foreach="yes"), TypeError, "foreach"),
    ("Muon", dict(momentum=-0.5), ValueError, "momentum"),
    ("Muon", dict(adjust_lr_fn="adam"), ValueError, "not supported"),
    ("Muon", dict(ns_steps=100), ValueError, "ns_steps"),
    ("Muon", dict(ns_coefficients=(1.0, 2.0)), ValueError, "ns_coefficients"),
])
def test_invalid_hyperparameters(name, kw, error, words):
    with pytest.raises(error, match=words):
        getattr(optim, name)([Value(np.zeros((2, 2)))], **kw)


def test_muon_refuses_parameters_that_are_not_matrices():
    with pytest.raises(ValueError, match="only supports 2D parameters"):
        optim.Muon([Value(np.zeros((2, 2))), Value(np.zeros(3))])
    opt = optim.Muon([Value(np.zeros((2, 2)))])
    with pytest.raises(ValueError, match="only supports 2D parameters"):
        opt.add_param_group({"params": [Value(np.zeros((2, 2, 2)))]})
