"""The rest of torch.autograd and torch.func: autograd.graph (Node, grad_fn hooks, saved_tensors_hooks, save_on_cpu,
increment_version), Variable, the grad and anomaly modes, set_multithreading_enabled; func.linearize,
stack_module_state, functionalize, functional_call in dir(). PyTorch's numbers and errors where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import autograd as A
from autograd_core import func, nn
from autograd_core.autograd import graph
from autograd_core.modes import ANOMALY, TRACERS

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning", "ignore::RuntimeWarning")

RNG = np.random.default_rng(11)
X0 = RNG.standard_normal(3)


def test_grad_fn_is_a_node_and_its_hooks():
    x = ag.tensor(X0, requires_grad=True)
    y = x * 2
    assert isinstance(y.grad_fn, graph.Node) and isinstance(y.grad_fn.next_functions[0][0], graph.Node)
    seen = []
    y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append((grad_inputs, grad_outputs)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 20.0))
    (gi_x, gi_constant), (go,) = seen[0]
    np.testing.assert_array_equal(gi_x, np.full(3, 20.0))
    np.testing.assert_array_equal(go, np.full(3, 10.0))
    assert gi_constant is None  # `* 2`: PyTorch's MulBackward0 has a None edge for the number too
    z = x * 3
    handle = z.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 0,))
    handle.remove()
    z.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] * 2, None))  # replaces, as PyTorch's
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 20.0 + 6.0))


def test_grad_fn_hooks_against_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ag, torch):
        x = lib.tensor(X0, requires_grad=True)
        y = (x * x).sin()
        seen = []
        y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
        y.grad_fn.register_hook(lambda gi, go, seen=seen, lib=lib: seen.append(
            np.asarray(gi[0].detach() if lib is torch else gi[0])))
        y.sum().backward()
        results.append((np.asarray(x.grad), seen[0]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-14)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-14)


def test_saved_tensors_hooks_pack_at_recording_and_unpack_in_backward():
    packed, unpacked = [], []

    def pack(t):
        packed.append(t)
        return len(packed) - 1

    def unpack(k):
        unpacked.append(k)
        return packed[k]

    x = ag.tensor(X0, requires_grad=True)
    w = ag.tensor(X0[::-1].copy())
    with graph.saved_tensors_hooks(pack, unpack):
        y = x * w  # recorded: x's rule reads w (as PyTorch's MulBackward0 saves only `other` when self alone needs
        with ag.no_grad():  # a gradient)
            x * 2  # not recorded: nothing kept
        loss = y.sum()  # its rule reads no numbers: nothing saved
    assert TRACERS.get() == ()  # the hooks watch nothing after the block
    assert len(packed) == 1 and packed[0] is w and unpacked == []
    loss.backward()
    assert unpacked == [0]
    np.testing.assert_array_equal(x.grad, w.data)


def test_saved_tensors_hooks_nesting_disable_and_save_on_cpu():
    outer, inner = [], []
    x = ag.tensor(X0, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: outer.append(t) or t, lambda t: t):
        with graph.saved_tensors_hooks(lambda t: inner.append(t) or t, lambda t: t):
            x.exp()
        x.sin()
    assert len(inner) == 1 and len(outer) == 1  # only the innermost block packs (exp saves its result, sin its input)
    assert inner[0].op == "exp" and outer[0] is x
    with graph.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with graph.save_on_cpu(pin_memory=True):
        assert TRACERS.get() == ()  # nothing to move: no hooks at all
        y = (x * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * X0)


def test_increment_version_invalidates_saved_values():
    x = ag.tensor(X0, requires_grad=True)
    w = ag.tensor(X0)
    y = (x * w).sum()
    graph.increment_version(w)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    graph.increment_version([w, x])  # an iterable too


def test_variable_grad_and_anomaly_modes_multithreading():
    t = ag.tensor(X0)
    v = A.Variable(t, requires_grad=True)
    assert v is not t and v.requires_grad and not t.requires_grad and v.is_leaf and np.shares_memory(v.data, t.data)
    assert not A.Variable(t).requires_grad and isinstance(t, A.Variable) and not isinstance(X0, A.Variable)
    with pytest.raises(TypeError, match="has to be a tensor"):
        A.Variable([1.0, 2.0])
    with A.no_grad():
        assert not ag.is_grad_enabled()
        with A.enable_grad():
            assert ag.is_grad_enabled()
    with A.set_grad_enabled(False), A.grad_mode.inference_mode():
        assert not (ag.tensor(X0, requires_grad=True) * 2).requires_grad
    assert A.grad_mode.no_grad is ag.no_grad
    A.set_detect_anomaly(True)
    try:
        assert ANOMALY.enabled and A.anomaly_mode.is_anomaly_enabled()
    finally:
        A.set_detect_anomaly(False)
    assert not ANOMALY.enabled
    with A.set_detect_anomaly(True):
        assert ANOMALY.enabled
        with pytest.raises(FloatingPointError):
            (ag.tensor([0.0], requires_grad=True).log() * 0).sum().backward()
    assert not ANOMALY.enabled
    assert A.is_multithreading_enabled()
    A.set_multithreading_enabled(False)
    assert not A.is_multithreading_enabled()
    with A.set_multithreading_enabled(True):
        assert A.is_multithreading_enabled()
    assert not A.is_multithreading_enabled()
    A.set_multithreading_enabled(True)
    for name in ("Variable", "set_detect_anomaly", "inference_mode", "forward_ad", "graph", "grad_mode"):
        assert name in A.__all__ and hasattr(A, name)


def f(x, y):
    return (x * y).sin() + x ** 3


def test_linearize():
    x, y = RNG.standard_normal(4), RNG.standard_normal(4)
    tx, ty = RNG.standard_normal(4), RNG.standard_normal(4)
    output, jvp_fn = func.linearize(f, ag.tensor(x), ag.tensor(y))
    np.testing.assert_allclose(output, np.sin(x * y) + x ** 3, rtol=1e-15)
    eps = 1e-6
    numeric = (f(ag.tensor(x + eps * tx), ag.tensor(y + eps * ty)) - f(ag.tensor(x - eps * tx),
                                                                        ag.tensor(y - eps * ty))).data / (2 * eps)
    np.testing.assert_allclose(jvp_fn(ag.tensor(tx), ag.tensor(ty)), numeric, rtol=1e-6)
    np.testing.assert_allclose(jvp_fn(tx, np.zeros(4)), (np.cos(x * y) * y + 3 * x ** 2) * tx, rtol=1e-14)
    with pytest.raises(RuntimeError, match="shape"):
        jvp_fn(np.ones(3), np.ones(4))
    with pytest.raises(RuntimeError, match="2 tangents"):
        jvp_fn(np.ones(4))


def test_linearize_against_torch():
    torch = pytest.importorskip("torch")
    x, y = RNG.standard_normal(4), RNG.standard_normal(4)
    tx, ty = RNG.standard_normal(4), RNG.standard_normal(4)
    _, jvp_fn = func.linearize(f, ag.tensor(x), ag.tensor(y))
    _, torch_fn = torch.func.linearize(f, torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(jvp_fn(tx, ty), torch_fn(torch.tensor(tx), torch.tensor(ty)).numpy(), rtol=1e-14)


def test_stack_module_state_runs_an_ensemble():
    ag.manual_seed(3)
    models = [nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).eval() for _ in range(4)]
    params, buffers = func.stack_module_state(models)
    assert params["0.weight"].shape == (4, 3, 2) and params["0.weight"].requires_grad and params["0.weight"].is_leaf
    assert buffers["1.running_mean"].shape == (4, 3) and not isinstance(buffers["1.running_mean"], ag.Tensor)
    assert set(params) == {name for name, _ in models[0].named_parameters()}
    x = ag.tensor(RNG.standard_normal((5, 2)), dtype=ag.float32)  # the models' dtype
    for k, model in enumerate(models):
        own = {name: p[k] for name, p in {**params, **buffers}.items()}
        np.testing.assert_allclose(func.functional_call(models[0], own, (x,)).data, model(x).data, rtol=1e-6)
    with pytest.raises(RuntimeError, match="at least one model"):
        func.stack_module_state([])
    with pytest.raises(RuntimeError, match="training/eval mode"):
        func.stack_module_state([nn.Linear(2, 2), nn.Linear(2, 2).eval()])
    with pytest.raises(RuntimeError, match="shapes"):
        func.stack_module_state([nn.Linear(2, 2), nn.Linear(2, 3)])


def test_functionalize_and_dir():
    def g(x):
        y = x.clone()
        y.mul_(2)
        return y.sum()

    assert func.functionalize(g) is g and func.functionalize(g, remove="mutations_and_views") is g
    with pytest.raises(RuntimeError, match="remove"):
        func.functionalize(g, remove="views")
    assert {"functional_call", "linearize", "stack_module_state", "functionalize"} <= set(dir(func))
    assert {"functional_call", "linearize", "stack_module_state", "functionalize"} <= set(func.__all__)


def test_variable_volatile_warns_that_it_has_no_effect_as_pytorch():
    # PyTorch 0.3 tutorials build their test sets with `Variable(test_x, volatile=True)`
    t = ag.tensor(X0)
    message = r"volatile was removed and now has no effect\. Use `with torch\.no_grad\(\):` instead\.$"
    with pytest.warns(UserWarning, match=message):
        v = A.Variable(t, volatile=True)
    assert not v.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A.Variable(t, volatile=False)
