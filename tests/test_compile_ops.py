"""compile over the op table: every case of tests/test_ops_table.py, compiled, gives eager mode's numbers bit for
bit (values and gradients, float64 and float32), over calls with new inputs. This covers the code generator's
inlined rules, buffers and un-broadcasting on every primitive the table exercises, and grows with the table."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_ops_backends import OURS
from test_ops_table import CASES

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import CompileWarning, Value, nn


def _step(case):
    def f(*arrays):
        xs = [Value(a, requires_grad=True) for a in arrays]
        out = case.fn(OURS, *xs)
        (out * out).sum().backward()
        return out.data, [x.grad for x in xs]

    return f


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_compiled_case_gives_the_eager_numbers(case, dtype):
    eager = _step(case)
    compiled = ag.compile(_step(case))
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)  # a case that cannot replay runs eagerly: still equal
        for k in range(4):
            # New inputs each call, near the table's (same signs, so the same domain: log, sqrt, kinks).
            arrays = [np.asarray(x * (1 + 0.01 * k * rng.random(x.shape)), dtype) for x in case.inputs]
            (out_c, grads_c), (out_e, grads_e) = compiled(*arrays), eager(*arrays)
            assert _same(out_c, out_e), (k, out_c, out_e)
            for gc_, ge in zip(grads_c, grads_e):
                assert (gc_ is None) == (ge is None) and (gc_ is None or _same(gc_, ge)), (k, gc_, ge)
    # Two recordings, then the program. (Before this test, cases with a 0-d input never replayed: Value made a
    # NumPy scalar of the array, which looked like a constant; nor did concatenate and stack, whose per-input
    # rules were new functions at every call.)
    assert compiled.stats["replayed"] == 2, compiled.stats


def _nn_cases():
    from test_nn_primitives import CASES as NN_CASES

    return NN_CASES


@pytest.mark.parametrize("case", _nn_cases(), ids=[c[1] for c in _nn_cases()])
def test_compiled_nn_primitive_gives_the_eager_numbers(case):
    # The same over tests/test_nn_primitives.py's cases: one per primitive that nn registers.
    _, _, fn, inputs, _ = case

    def step(*arrays):
        xs = [Value(a, requires_grad=True) for a in arrays]
        out = fn(*xs)
        (out * out).sum().backward()
        return out.data, [x.grad for x in xs]

    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for k in range(4):
            arrays = [np.asarray(x * (1 + 0.01 * k)) for x in inputs]
            (out_c, grads_c), (out_e, grads_e) = compiled(*arrays), step(*arrays)
            assert _same(out_c, out_e), (k, out_c, out_e)
            assert all(_same(a, b) for a, b in zip(grads_c, grads_e)), k
    if case[0] in _DATA_STATISTICS:  # a known limit: statistics computed with NumPy from the data
        assert compiled.stats["replayed"] == 0
    else:
        assert compiled.stats["replayed"] == 2, compiled.stats


# sync_normalize takes the mean and 1/σ of its input (summed over the ranks) as parameters, computed with NumPy
# outside the graph: a compiled function recording it cannot replay them for new data, and keeps running eagerly
# (the same numbers). normalize computes its statistics with recorded operations while compile watches.
_DATA_STATISTICS = {"sync_normalize"}


_IMAGE, _SEQUENCE, _ROWS = (2, 3, 8, 8), (2, 3, 10), (4, 6)
_MODULES = {  # name -> (module factory, input shape)
    "Linear": (lambda: nn.Linear(6, 5, rng=0), _ROWS),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, padding=1, rng=0), _IMAGE),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, rng=0), _SEQUENCE),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, rng=0), _IMAGE),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), _IMAGE),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), _IMAGE),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 2)), _IMAGE),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), _IMAGE),
    "LayerNorm": (lambda: nn.LayerNorm(6), _ROWS),
    "GroupNorm": (lambda: nn.GroupNorm(1, 3), _IMAGE),
    "Dropout": (lambda: nn.Dropout(0.3, rng=0), _ROWS),
    "Tanh": (lambda: nn.Tanh(), _ROWS),
    "Sigmoid": (lambda: nn.Sigmoid(), _ROWS),
    "GELU": (lambda: nn.GELU(), _ROWS),
    "SiLU": (lambda: nn.SiLU(), _ROWS),
    "ELU": (lambda: nn.ELU(), _ROWS),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.1), _ROWS),
    "Softmax": (lambda: nn.Softmax(dim=1), _ROWS),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), _ROWS),
    "Softplus": (lambda: nn.Softplus(beta=2.0, threshold=1.0), _ROWS),  # some inputs past the threshold, per batch
    "Flatten": (lambda: nn.Flatten(), _IMAGE),
    "Upsample": (lambda: nn.Upsample(scale_factor=2), _IMAGE),
    "ReLU": (lambda: nn.ReLU(), _ROWS),
    "Identity": (lambda: nn.Identity(), _ROWS),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), _SEQUENCE),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), _SEQUENCE),
    "GlobalAvgPool2d": (lambda: nn.GlobalAvgPool2d(), _IMAGE),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(6), _ROWS),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, rng=0), _SEQUENCE),
    "Dropout2d": (lambda: nn.Dropout2d(0.3, rng=0), _IMAGE),
    "MLP": (lambda: nn.MLP(6, [5, 4], rng=0), _ROWS),
    "Residual": (lambda: nn.Residual(nn.Linear(6, 6, rng=0)), _ROWS),
}
_EAGER_MODULES = set()  # (ELU and Softplus chose their branches by masks computed with NumPy outside the graph, until
# each became a primitive: ELU never replayed; Softplus replayed its first batches' branch for every later batch)


@pytest.mark.parametrize("batches", ["new-each-call", "repeated-then-new"])
@pytest.mark.parametrize("name", sorted(_MODULES))
def test_compiled_module_step_gives_the_eager_numbers(name, batches):
    # "repeated-then-new": the two recorded calls see the same batch, so they agree even on arrays a module wrongly
    # derives from the data with NumPy (baked as constants); the later batches then show any such constant.
    make, shape = _MODULES[name]
    model, twin = make().double(), make().double()  # the batches' dtype: PyTorch's layers refuse mixed dtypes

    def step(module):
        def run(x):
            module.zero_grad()
            out = module(Value(x, requires_grad=True))
            (out * out).mean().backward()
            return out.data, [p.grad for p in module.parameters()]

        return run

    compiled, eager = ag.compile(step(model)), step(twin)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        x0 = rng.standard_normal(shape)
        for k in range(4):
            x = x0 if batches == "repeated-then-new" and k < 2 else rng.standard_normal(shape)
            (out_c, grads_c), (out_e, grads_e) = compiled(x), eager(x)
            assert _same(out_c, out_e) and all(_same(a, b) for a, b in zip(grads_c, grads_e))
    replays = 2 if batches == "new-each-call" else 1  # two recordings on one batch: the next one is recorded too
    assert compiled.stats["replayed"] == (0 if name in _EAGER_MODULES else replays), compiled.stats


# Every loss of nn.functional, compiled in a training step whose two recorded calls see the same batch (so they agree
# even on masks or index arrays a loss might derive from the data with NumPy) and whose later calls see new ones.
_TARGETS = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "labels": lambda rng, shape: rng.integers(0, 3, shape[0]),
    "pm1": lambda rng, shape: rng.choice([-1.0, 1.0], shape),
    "unit": lambda rng, shape: rng.uniform(0, 1, shape),
    "probs": lambda rng, shape: rng.dirichlet(np.ones(shape[1]), shape[0]),
}
_POS_WEIGHT = np.array([1.0, 2.0, 3.0])
_LOSSES = {  # name -> (loss of (z, target), target kind); z is (6, 3)
    "mse_loss": (lambda z, t: F.mse_loss(z, t), "real"),
    "l1_loss": (lambda z, t: F.l1_loss(z, t), "real"),
    "smooth_l1_loss": (lambda z, t: F.smooth_l1_loss(z, t, beta=0.5), "real"),
    "huber_loss": (lambda z, t: F.huber_loss(z, t, delta=0.5), "real"),
    "hinge_loss": (lambda z, t: F.hinge_loss(z, t), "pm1"),
    "binary_cross_entropy": (lambda z, t: F.binary_cross_entropy(ag.sigmoid(z), t), "unit"),
    "bce_with_logits": (lambda z, t: F.binary_cross_entropy_with_logits(z, t), "unit"),
    "bce_with_logits-pos_weight": (lambda z, t: F.binary_cross_entropy_with_logits(z, t, pos_weight=_POS_WEIGHT),
                                   "unit"),
    "kl_div": (lambda z, t: F.kl_div(F.log_softmax(z, dim=1), t, reduction="batchmean"), "probs"),
    "kl_div-log_target": (lambda z, t: F.kl_div(F.log_softmax(z, dim=1), ag.log(Value(t)), log_target=True), "probs"),
    "cross_entropy": (lambda z, t: F.cross_entropy(z, t), "labels"),
    "cross_entropy-probabilities": (lambda z, t: F.cross_entropy(z, t), "probs"),
    "cross_entropy-weight": (lambda z, t: F.cross_entropy(z, t, weight=np.array([1.0, 0.5, 2.0])), "labels"),
    "cross_entropy-smoothing": (lambda z, t: F.cross_entropy(z, t, label_smoothing=0.1), "labels"),
    "nll_loss": (lambda z, t: F.nll_loss(F.log_softmax(z, dim=1), t), "labels"),
}


@pytest.mark.parametrize("name", sorted(_LOSSES))
def test_compiled_loss_on_a_repeated_then_new_batch_gives_the_eager_numbers(name):
    loss, target_kind = _LOSSES[name]
    w = Value(np.random.default_rng(1).standard_normal((6, 3)))

    def step(x, t):
        w.grad = None
        out = loss(w * x, t)
        out.backward()
        return out.data, w.grad

    compiled = ag.compile(step)
    rng = np.random.default_rng(2)
    first = rng.standard_normal((6, 3)) * 2, _TARGETS[target_kind](rng, (6, 3))
    for k in range(6):
        x, t = first if k < 2 else (rng.standard_normal((6, 3)) * 2, _TARGETS[target_kind](rng, (6, 3)))
        (a, ga), (b, gb) = compiled(x, t), step(x, t)
        assert _same(a, b) and _same(ga, gb), (name, k)
    assert compiled.stats["replayed"] == 3, compiled.stats  # the third call (new data) checks the program first
