"""nn.functional, nn.init, nn.utils, optim (optimizers, lr_scheduler, swa_utils), utils.data, distributions,
autograd and func take PyTorch's arguments: PyTorch's positional order, keyword names and defaults.

A positional argument that lands on another parameter than in PyTorch is a silent wrong result (`F.dropout(x, 0.5,
True, False)` once passed False as our rng; `F.cross_entropy(x, y, w, None, 3)` passed None as ignore_index before
size_average stood at its place). `test_signatures_match_pytorch` compares every name shared with PyTorch, module by
module (skipped without PyTorch); the differences kept on purpose are in ALLOWED, with the reason. The other tests
call the fixed spellings without PyTorch, and compare their values and gradients with PyTorch's (float64, skipped
without it) and with finite differences.
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as D
import autograd_core.nn.functional as F
from autograd_core import Value, nn, optim
from autograd_core import autograd as A
from autograd_core import func
from autograd_core.gradcheck import gradcheck
from autograd_core.nn import init
from autograd_core.optim import lr_scheduler
from autograd_core.utils.data import DataLoader, TensorDataset

# ------------------------------------------------------------------------------------------------------------------
# Every shared name against PyTorch.

PAIRS = [
    ("torch.nn.functional", "autograd_core.nn.functional"),
    ("torch.nn.init", "autograd_core.nn.init"),
    ("torch.nn.utils", "autograd_core.nn.utils"),
    ("torch.nn.utils.rnn", "autograd_core.nn.utils.rnn"),
    ("torch.nn.utils.parametrize", "autograd_core.nn.utils.parametrize"),
    ("torch.nn.utils.parametrizations", "autograd_core.nn.utils.parametrizations"),
    ("torch.nn.utils.stateless", "autograd_core.nn.utils.stateless"),
    ("torch.nn.utils.clip_grad", "autograd_core.nn.utils.clip_grad"),
    ("torch.optim", "autograd_core.optim"),
    ("torch.optim.lr_scheduler", "autograd_core.optim.lr_scheduler"),
    ("torch.optim.swa_utils", "autograd_core.optim.swa_utils"),
    ("torch.utils.data", "autograd_core.utils.data"),
    ("torch.distributions", "autograd_core.distributions"),
    ("torch.distributions.constraints", "autograd_core.distributions.constraints"),
    ("torch.distributions.transforms", "autograd_core.distributions.transforms"),
    ("torch.distributions.kl", "autograd_core.distributions.kl"),
    ("torch.autograd", "autograd_core.autograd"),
    ("torch.autograd.functional", "autograd_core.autograd.functional"),
    ("torch.autograd.forward_ad", "autograd_core.autograd.forward_ad"),
    ("torch.autograd.graph", "autograd_core.autograd.graph"),
    ("torch.func", "autograd_core.func"),
]

# The methods compared on classes of both (besides the constructor).
METHODS = (
    "step", "zero_grad", "state_dict", "load_state_dict", "add_param_group", "get_last_lr", "get_lr", "print_lr",
    "register_step_pre_hook", "register_step_post_hook", "update_parameters", "sample", "rsample", "log_prob",
    "expand", "cdf", "icdf", "entropy", "sample_n", "enumerate_support", "perplexity", "set_epoch", "forward",
    "inv", "log_abs_det_jacobian", "forward_shape", "inverse_shape", "with_cache", "check",
)

# Differences kept on purpose: {"module.name[.method]": ({kinds}, reason)}. Kinds: see `problems`.
ALLOWED = {
    "torch.utils.data.DataLoader.__init__": ({"default"}, "DataLoader(dataset, *arrays, ...) also takes the "
                                             "older form DataLoader(x, y, batch_size=32); PyTorch's positional "
                                             "arguments after a data set are read in PyTorch's order "
                                             "(test_dataloader_positional_arguments); batch_size's default is 1 "
                                             "for a data set, 32 for arrays"),
    "torch.utils.data.random_split": ({"default"}, "generator=None is the generator manual_seed seeds (PyTorch's "
                                                   "default_generator)"),
    "torch.nn.utils.parametrize.ParametrizationList.__init__": (
        {"keyword"}, "built by register_parametrization only, never by users"),
    "torch.distributions.constraints.multinomial.check": ({"keyword"}, "every constraint's check takes value, as "
                                                                      "PyTorch's base Constraint.check"),
    "torch.distributions.constraints.dependent_property": ({"default"}, "is_discrete/event_dim default to False/0 "
                                                                       "rather than PyTorch's NotImplemented"),
    "torch.autograd.enable_grad.__init__": ({"order", "keyword"}, "orig_func: PyTorch's decorator internals"),
}
# Classes whose methods come from nn.Module (zero_grad, state_dict, ...): compared in the Module tests, not here.
MODULE_METHODS_ELSEWHERE = ("ParametrizationList", "AveragedModel")

P = inspect.Parameter
POSITIONAL = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)


def _signature(obj):
    """inspect's signature, or the one a builtin's docstring starts with ('conv2d(input, weight, ...) -> Tensor')."""
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        pass
    match = re.match(r"(\w+)\((.*?)\)\s*->", (getattr(obj, "__doc__", None) or "").strip(), re.S)
    if not match:
        return None
    namespace = {}
    try:
        exec(f"def _f({' '.join(match.group(2).split())}): pass", {"inf": float("inf")}, namespace)
    except SyntaxError:
        return None
    return inspect.signature(namespace["_f"])


def _same_default(a, b):
    try:
        same = a == b
        return bool(same) if isinstance(same, (bool, np.bool_)) else a is b
    except Exception:
        return a is b


def problems(theirs, ours):
    """What a PyTorch call could do differently with ours: a list of (kind, text).

    'order':    PyTorch's positional argument i binds to another of our parameters (a silent wrong result), or to
                none (ours takes fewer positionally: a TypeError);
    'keyword':  one of PyTorch's argument names is not ours (a TypeError when given by keyword);
    'default':  both have a default and they differ (a silent wrong result);
    'required': PyTorch's argument has a default and ours none (a TypeError when left out)."""
    t = [p for p in theirs.parameters.values() if p.name != "self"]
    o = [p for p in ours.parameters.values() if p.name != "self"]
    t_names = {p.name for p in t}
    o_by_name = {p.name: p for p in o}
    o_var_positional = any(p.kind == P.VAR_POSITIONAL for p in o)
    o_var_keyword = any(p.kind == P.VAR_KEYWORD for p in o)
    found = []
    t_pos = [p for p in t if p.kind in POSITIONAL]
    o_pos = [p for p in o if p.kind in POSITIONAL]
    for i, p in enumerate(t_pos):
        if i >= len(o_pos):
            if not o_var_positional:
                found.append(("order", f"PyTorch's positional {p.name} (#{i}) is not positional here"))
            break
        q = o_pos[i]
        if q.name != p.name and (q.name in t_names or p.name in o_by_name):
            found.append(("order", f"PyTorch's positional #{i} is {p.name}, ours {q.name}"))
            break
    for p in t:
        if p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            continue
        q = o_by_name.get(p.name)
        if q is None:
            if not o_var_keyword:
                found.append(("keyword", f"PyTorch's {p.name} is not a parameter here"))
            continue
        if p.default is not P.empty and q.default is P.empty and q.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            found.append(("required", f"{p.name} has PyTorch's default {p.default!r}, none here"))
        elif p.default is not P.empty and q.default is not P.empty and not _same_default(p.default, q.default):
            found.append(("default", f"{p.name}: PyTorch's default {p.default!r}, ours {q.default!r}"))
    return found


def _pairs_of(torch_module, ours_module):
    """(qualified name, PyTorch's callable, ours) for every public name of both, and the METHODS of classes."""
    names = getattr(torch_module, "__all__", None) or [n for n in dir(torch_module) if not n.startswith("_")]
    for name in sorted(set(names)):
        if name.startswith("_") or not hasattr(ours_module, name) or not hasattr(torch_module, name):
            continue
        t, o = getattr(torch_module, name), getattr(ours_module, name)
        qualified = f"{torch_module.__name__}.{name}"
        if inspect.ismodule(t) or not callable(t) or not callable(o):
            continue
        if not (inspect.isclass(t) and inspect.isclass(o)):
            yield qualified, t, o
            continue
        yield f"{qualified}.__init__", t, o
        if name in MODULE_METHODS_ELSEWHERE:
            continue
        for method in METHODS:
            if callable(getattr(t, method, None)) and callable(getattr(o, method, None)):
                yield f"{qualified}.{method}", getattr(t, method), getattr(o, method)


@pytest.mark.parametrize("torch_name, ours_name", PAIRS, ids=[p[0] for p in PAIRS])
def test_signatures_match_pytorch(torch_name, ours_name):
    pytest.importorskip("torch")
    torch_module, ours_module = importlib.import_module(torch_name), importlib.import_module(ours_name)
    report, compared = [], 0
    for qualified, t, o in _pairs_of(torch_module, ours_module):
        theirs, ours = _signature(t), _signature(o)
        if theirs is None or ours is None:
            continue
        compared += 1
        allowed = ALLOWED.get(qualified, ALLOWED.get(qualified.removesuffix(".__init__"), (set(), "")))[0]
        report += [f"{qualified}: {kind}: {text}" for kind, text in problems(theirs, ours) if kind not in allowed]
    assert compared, f"nothing compared between {torch_name} and {ours_name}"
    assert not report, "\n".join(report)


MODULE_METHOD_NAMES = (
    "named_modules", "modules", "named_parameters", "parameters", "named_buffers", "buffers", "named_children",
    "children", "zero_grad", "state_dict", "load_state_dict", "register_buffer", "register_parameter", "add_module",
    "register_forward_hook", "register_forward_pre_hook", "train", "eval", "apply", "requires_grad_", "get_submodule",
    "get_parameter", "get_buffer", "extra_repr", "to", "float", "double",
)


def test_module_methods_match_pytorch():
    torch = pytest.importorskip("torch")
    report = []
    for name in MODULE_METHOD_NAMES:
        if hasattr(torch.nn.Module, name) and hasattr(nn.Module, name):
            theirs, ours = _signature(getattr(torch.nn.Module, name)), _signature(getattr(nn.Module, name))
            report += [f"Module.{name}: {kind}: {text}" for kind, text in problems(theirs, ours)]
    assert not report, "\n".join(report)


def test_allowed_entries_are_still_needed():
    """An ALLOWED entry whose difference is gone must go too (so that the list stays the true one)."""
    pytest.importorskip("torch")
    seen = {}
    for torch_name, ours_name in PAIRS:
        for qualified, t, o in _pairs_of(importlib.import_module(torch_name), importlib.import_module(ours_name)):
            theirs, ours = _signature(t), _signature(o)
            if theirs is not None and ours is not None:
                seen.setdefault(qualified.removesuffix(".__init__"), set()).update(
                    kind for kind, _ in problems(theirs, ours))
                seen.setdefault(qualified, set()).update(kind for kind, _ in problems(theirs, ours))
    stale = {name: kinds - seen.get(name, set()) for name, (kinds, _) in ALLOWED.items()}
    assert not {name: kinds for name, kinds in stale.items() if kinds}


def test_problems_sees_an_order_mismatch():
    """The checker itself: a parameter of ours ahead of PyTorch's is an 'order' problem (the F.dropout bug)."""

    def theirs(input, p=0.5, training=True, inplace=False):
        pass

    def ours(input, p=0.5, training=True, rng=None, inplace=False):
        pass

    def renamed(x, p=0.5, training=True, inplace=False):
        pass

    assert [kind for kind, _ in problems(inspect.signature(theirs), inspect.signature(ours))] == ["order"]
    assert [kind for kind, _ in problems(inspect.signature(theirs), inspect.signature(renamed))] == ["keyword"]


# ------------------------------------------------------------------------------------------------------------------
# The fixed calls, without PyTorch.

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 3))
Y = RNG.normal(size=(4, 3))
W = RNG.uniform(0.5, 2.0, size=(4, 3))
LABELS = np.array([0, 2, 1, 2])


def _value(x):
    return Value(np.array(x, dtype=np.float64), requires_grad=True)


def test_losses_take_size_average_and_reduce_at_pytorchs_positions():
    with pytest.warns(UserWarning, match="reduction='none'"):
        elementwise = F.mse_loss(X, Y, None, False)                # reduce=False: per element
    np.testing.assert_allclose(elementwise.data, (X - Y) ** 2)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert np.isclose(F.l1_loss(X, Y, False).item(), np.abs(X - Y).sum())   # size_average=False: the sum
    with warnings.catch_warnings():
        warnings.simplefilter("error")                              # nothing given: no warning
        mean = F.cross_entropy(_value(X), LABELS, None, None, 1)   # ignore_index at #4, after size_average
    logp = X - np.log(np.exp(X).sum(axis=1, keepdims=True))
    kept = LABELS != 1
    assert np.isclose(mean.item(), -logp[np.arange(4), LABELS][kept].mean())
    with pytest.warns(UserWarning):
        assert F.nll_loss(_value(logp), LABELS, None, None, -100, False).shape == (4,)


@pytest.mark.parametrize("name, mean_of", [("mse_loss", "weights"), ("l1_loss", "weights"),
                                           ("huber_loss", "elements")])
def test_elementwise_weight_of_regression_losses(name, mean_of):
    losses = getattr(F, name)(X, Y, reduction="none")
    weighted = getattr(F, name)(X, Y, reduction="none", weight=W)
    np.testing.assert_allclose(weighted.data, np.asarray(getattr(losses, "data", losses)) * W)
    mean = getattr(F, name)(X, Y, weight=W).item()
    expected = weighted.data.sum() / (W.sum() if mean_of == "weights" else W.size)
    assert np.isclose(mean, expected)
    with pytest.raises(ValueError, match="same size"):
        getattr(F, name)(X, Y, weight=W[:2])
    assert gradcheck(lambda x, w: getattr(F, name)(x, Y, weight=w), [X, W])


def test_softmax_dim_none_is_pytorchs_implicit_choice():
    x = RNG.normal(size=(2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        implicit = F.softmax(_value(x))                             # 3-D: dim 0, as PyTorch
    np.testing.assert_allclose(implicit.data, np.exp(x) / np.exp(x).sum(axis=0))
    with pytest.warns(UserWarning, match="log_softmax"):
        np.testing.assert_allclose(F.log_softmax(X).data, X - np.log(np.exp(X).sum(axis=1, keepdims=True)))
    cast = F.softmax(_value(x), 1, 3, np.float32)                   # (input, dim, _stacklevel, dtype)
    assert cast.dtype == np.float32
    np.testing.assert_allclose(cast.data, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(F.softmin(_value(x), 2, 3, np.float64).data,
                               np.exp(-x) / np.exp(-x).sum(axis=2, keepdims=True))


def test_normalize_is_pytorchs_lp_normalisation():
    x = X.copy()
    x[1] = 0.0
    out = F.normalize(x)                                            # p=2 along dim 1
    norms = np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    np.testing.assert_allclose(out.data, x / norms)
    np.testing.assert_allclose(F.normalize(X, 1, 0).data, X / np.abs(X).sum(axis=0))
    np.testing.assert_allclose(F.normalize(X, 2, 1, 10.0).data, X / 10.0)            # eps above every norm
    v = _value(x)
    F.normalize(v).sum().backward()
    np.testing.assert_allclose(v.grad[1], 1e12)                    # an all-zero row: x/eps, as PyTorch's (not 0/0)
    assert np.all(np.isfinite(v.grad))
    assert gradcheck(lambda t: F.normalize(t, 2, 1), [X])
    assert gradcheck(lambda t: F.normalize(t, 3, 0), [X])
    with pytest.raises(NotImplementedError, match="out="):
        F.normalize(X, out=np.empty_like(X))


def test_embedding_max_norm_and_scale_grad_by_freq():
    table = RNG.normal(size=(5, 3)) * 3
    ids = np.array([[0, 2, 2], [4, 2, 1]])
    weight = _value(table)
    F.embedding(ids, weight, None, 1.0)                             # max_norm at PyTorch's position 3
    norms = np.linalg.norm(weight.data, axis=1)
    assert np.all(norms[[0, 1, 2, 4]] <= 1.0 + 1e-6) and np.isclose(norms[3], np.linalg.norm(table[3]))
    weight = _value(table)
    F.embedding(input=ids, weight=weight, scale_grad_by_freq=True, sparse=False).sum().backward()
    np.testing.assert_allclose(weight.grad[:, 0], [1.0, 1.0, 1.0, 0.0, 1.0])   # id 2 read 3 times, divided by 3
    with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):  # PyTorch's
        F.embedding(input=ids, weight=weight, scale_grad_by_freq=True, sparse=True).sum().backward()


def test_init_takes_pytorchs_names_and_generator():
    p = nn.Parameter(np.zeros((30, 20)))
    init.uniform_(p, -2.0, -1.0)                                    # (tensor, a, b)
    assert p.data.min() >= -2.0 and p.data.max() <= -1.0
    init.uniform_(tensor=p, a=3.0, b=4.0)
    assert p.data.min() >= 3.0
    init.constant_(p, val=0.5)
    assert np.all(p.data == 0.5)
    init.kaiming_uniform_(p, 0, "fan_in", "relu", 3)               # generator at PyTorch's position 4
    first = p.data.copy()
    init.kaiming_uniform_(p, 0, "fan_in", "relu", rng=3)           # this library's keyword still works
    np.testing.assert_array_equal(first, p.data)
    assert np.abs(first).max() <= np.sqrt(6 / 20)
    with pytest.raises(TypeError, match="not both"):
        init.normal_(p, 0.0, 1.0, 1, rng=1)


def test_autograd_grad_and_backward_take_pytorchs_arguments():
    x, unused = _value([1.0, 2.0]), _value([3.0])
    y = (x * x).sum()
    # (outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs, allow_unused)
    gx, gu = A.grad(y, [x, unused], None, True, False, True, True)
    np.testing.assert_allclose(gx, [2.0, 4.0])
    assert gu is None
    _, zeros = A.grad(y, [x, unused], retain_graph=True, materialize_grads=True)
    np.testing.assert_array_equal(zeros, [0.0])
    with pytest.raises(ValueError, match="allow_unused"):
        A.grad(y, [x], allow_unused=False, materialize_grads=True)
    # is_grads_batched: the rows of the identity give the Jacobian
    (jacobian,) = A.grad(x * x, [x], np.eye(2), is_grads_batched=True)
    np.testing.assert_allclose(jacobian, np.diag([2.0, 4.0]))
    # backward(tensors, grad_tensors, ..., inputs): only the inputs' .grad
    a, b = _value([1.0, 2.0]), _value([5.0, 6.0])
    A.backward([(a * b).sum(), (a * a).sum()], inputs=[a])
    np.testing.assert_allclose(a.grad, [5.0 + 2.0, 6.0 + 4.0])
    assert b.grad is None
    with pytest.warns(FutureWarning, match="grad_variables"):
        A.backward((b * b).sum(), grad_variables=np.array(1.0))
    np.testing.assert_allclose(b.grad, [10.0, 12.0])


def test_autograd_gradcheck_takes_pytorchs_keywords():
    assert A.gradcheck(func=lambda x: x * x, inputs=[X], eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)
    assert A.gradgradcheck(lambda x: x * x * x, [X[0]], None, check_undefined_grad=False, nondet_tol=0.0)
    assert not A.gradcheck(lambda x: x.detach() * x, [X], raise_exception=False)    # a wrong gradient
    assert A.gradcheck(lambda x: x * x, [X], check_forward_ad=True)               # forward mode checked too
    with pytest.raises(NotImplementedError, match="check_batched_grad"):
        A.gradcheck(lambda x: x, [X], check_batched_grad=True)
    with pytest.raises(TypeError):
        A.gradcheck(lambda x: x, [X], 1e-6)                                        # keyword-only, as PyTorch's
    with A.detect_anomaly(check_nan=True):
        assert A.anomaly_mode.is_anomaly_enabled()
    with A.detect_anomaly(check_nan=False):                                        # PyTorch's mode without the
        assert not A.anomaly_mode.is_anomaly_enabled()                             # NaN check: nothing to check


def test_optimizers_take_pytorchs_implementation_flags_in_place():
    def params():
        return [_value([1.0, -2.0])]

    for make in (lambda ps: optim.RMSprop(ps, 0.1, 0.99, 1e-8, 0, 0, False, False, None, True),   # maximize at #9
                 lambda ps: optim.ASGD(ps, 0.1, 1e-4, 0.75, 1e6, 0, None, True)):                 # maximize at #7
        ps = params()
        opt = make(ps)
        ps[0].grad = np.array([1.0, 1.0])
        opt.step()
        assert np.all(ps[0].data > [1.0, -2.0])                    # maximize: up the gradient
    for make in (lambda ps: optim.SGD(ps, foreach=True, fused=None),
                 lambda ps: optim.Adagrad(ps, 0.1, 0, 0, 0, 1e-10, False),
                 lambda ps: optim.Adadelta(ps, 1.0, 0.9, 1e-6, 0, None, capturable=True),
                 lambda ps: optim.Rprop(ps, capturable=False, foreach=False),
                 lambda ps: optim.NAdam(ps, foreach=None), lambda ps: optim.RAdam(ps, capturable=True),
                 lambda ps: optim.Adamax(ps, 0.002, (0.9, 0.999), 1e-8, 0, None)):
        make(params())
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.Adam(params(), differentiable=True)
    with pytest.raises(TypeError, match="foreach"):
        optim.SGD(params(), foreach="yes")
    # Adam(decoupled_weight_decay=True) is AdamW
    a, w = params(), params()
    adam = optim.Adam(a, 0.1, weight_decay=0.1, decoupled_weight_decay=True)
    adamw = optim.AdamW(w, 0.1, weight_decay=0.1)
    for ps, opt in ((a, adam), (w, adamw)):
        for _ in range(3):
            ps[0].grad = 2 * ps[0].data
            opt.step()
    np.testing.assert_allclose(a[0].data, w[0].data)


def test_module_methods_take_pytorchs_arguments():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    assert [n for n, _ in model.named_parameters("net", False)] == []          # recurse=False at #1
    assert [n for n, _ in model[0].named_parameters("l", False)] == ["l.weight", "l.bias"]
    assert len(list(model.parameters(False))) == 0 and len(list(model.parameters())) == 6
    assert [n for n, _ in model.named_buffers("b", False)] == []
    memo = {model[1]}
    assert [n for n, _ in model.named_modules(memo, "m")] == ["m", "m.0", "m.2"] and len(memo) == 4
    model(Value(np.ones((4, 2)), dtype=np.float32)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert np.all(model[0].weight.grad == 0)
    model.zero_grad()
    assert model[0].weight.grad is None
    kept = model.state_dict(prefix="net.", keep_vars=True)
    assert kept["net.0.weight"] is model[0].weight and isinstance(kept["net.1.running_mean"], np.ndarray)
    with pytest.warns(FutureWarning, match="Positional args"):
        into = {}
        assert model.state_dict(into, "p.") is into and "p.2.bias" in into
    state = {k: np.asarray(v, dtype=np.float32) for k, v in model.state_dict().items()}
    model.load_state_dict(state, assign=True)                                 # the arrays themselves, their dtype
    assert np.shares_memory(model[0].weight.data, state["0.weight"]) and model[0].weight.dtype == np.float32
    order, outputs = [], []
    layer = nn.Linear(2, 2)
    layer.register_forward_hook(lambda m, args, out: order.append("registered first"))
    layer.register_forward_hook(lambda m, args, out: order.append("prepended"), prepend=True)
    layer.register_forward_hook(lambda m, args, out: outputs.append(out), always_call=True)
    layer(Value(np.ones((1, 2)), dtype=np.float32))
    assert order == ["prepended", "registered first"]
    with pytest.raises(ValueError):
        layer(Value(np.ones((1, 3)), dtype=np.float32))                       # a wrong shape: forward raises
    assert outputs[-1] is None                                                 # the always_call hook ran
    layer.register_buffer("scale", tensor=np.ones(2))
    assert "scale" in layer.state_dict()


def test_plateau_step_takes_epoch():
    opt = optim.SGD([_value([1.0])], lr=1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt)
    scheduler.step(1.0)
    with pytest.warns(UserWarning, match="epoch parameter"):
        scheduler.step(1.0, 10)
    assert scheduler.last_epoch == 10


def test_func_takes_torch_funcs_arguments():
    def f(x):
        return x * x

    np.testing.assert_allclose(func.jacrev(func=f, argnums=0, has_aux=False, chunk_size=2)(np.array([1.0, 2.0])),
                               np.diag([2.0, 4.0]))
    np.testing.assert_allclose(func.jacfwd(f, 0, False, randomness="same")(np.array([1.0, 2.0])), np.diag([2.0, 4.0]))
    out, tangent = func.jvp(f, (np.array([3.0]),), (np.array([1.0]),), strict=False, has_aux=False)
    np.testing.assert_allclose(tangent, [6.0])
    with pytest.raises(NotImplementedError, match="strict"):
        func.jvp(f, (np.array([3.0]),), (np.array([1.0]),), strict=True)
    with pytest.raises(ValueError, match="chunk_size"):
        func.jacrev(f, chunk_size=0)
    with pytest.raises(RuntimeError, match="randomness"):
        func.jacfwd(f, randomness="sometimes")
    assert np.isclose(func.grad(func=lambda x: (x * x).sum())(np.array([1.5])), 3.0)


def test_dataloader_positional_arguments():
    data = TensorDataset(ag.tensor(np.arange(10.0)))
    batches = list(DataLoader(data, 4, False, None, None, 0, None, False, True))   # ..., drop_last at #8
    assert [len(b[0]) for b in batches] == [4, 4]


def test_pool_pad_interpolate_options():
    x = RNG.normal(size=(1, 1, 4, 4))
    np.testing.assert_allclose(F.avg_pool2d(x, 2, 2, 0, False, True, 1).data,
                               x.reshape(1, 1, 2, 2, 2, 2).sum(axis=(3, 5)))   # divisor_override=1: the sums
    assert gradcheck(lambda t: F.avg_pool2d(t, 3, 1, 1, False, True, 2), [x])
    np.testing.assert_array_equal(np.asarray(F.pad(x, (1, 1), value=None))[..., 0], 0.0)
    # recompute_scale_factor: the sampling follows the sizes (5 → 8: 1.6), not scale_factor 1.7
    line = np.arange(5.0).reshape(1, 1, 5)
    resized = F.interpolate(line, scale_factor=1.7, mode="linear", recompute_scale_factor=True)
    np.testing.assert_allclose(resized.data, F.interpolate(line, size=8, mode="linear").data)
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        F.interpolate(line, size=8, recompute_scale_factor=True)


# Distribution.expand: every distribution class, batch (2,) expanded to (3, 2).
L2 = np.linalg.cholesky(np.array([[2.0, 0.3], [0.3, 1.0]]))
PAIR_PROBS = [[0.2, 0.8], [0.5, 0.5]]
DISTRIBUTIONS = {
    "Bernoulli": lambda: D.Bernoulli(probs=_value([0.3, 0.6])),
    "Beta": lambda: D.Beta(_value([1.0, 2.0]), _value([2.0, 3.0])),
    "Binomial": lambda: D.Binomial(5, probs=_value([0.3, 0.6])),
    "Categorical": lambda: D.Categorical(probs=_value(PAIR_PROBS)),
    "Cauchy": lambda: D.Cauchy(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "Chi2": lambda: D.Chi2(_value([1.0, 2.0])),
    "ContinuousBernoulli": lambda: D.ContinuousBernoulli(probs=_value([0.3, 0.6])),
    "Dirichlet": lambda: D.Dirichlet(_value([[1.0, 2.0], [2.0, 3.0]])),
    "Exponential": lambda: D.Exponential(_value([1.0, 2.0])),
    "FisherSnedecor": lambda: D.FisherSnedecor(_value([3.0, 4.0]), _value([5.0, 6.0])),
    "Gamma": lambda: D.Gamma(_value([1.0, 2.0]), _value([2.0, 3.0])),
    "GeneralizedPareto": lambda: D.GeneralizedPareto(_value([0.0, 1.0]), _value([1.0, 2.0]), _value([0.1, 0.2])),
    "Geometric": lambda: D.Geometric(probs=_value([0.3, 0.6])),
    "Gumbel": lambda: D.Gumbel(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "HalfCauchy": lambda: D.HalfCauchy(_value([1.0, 2.0])),
    "HalfNormal": lambda: D.HalfNormal(_value([1.0, 2.0])),
    "Independent": lambda: D.Independent(D.Normal(_value([[0.0, 1.0], [1.0, 2.0]]), _value([[1.0, 2.0], [1.0, 1.0]])),
                                         1),
    "InverseGamma": lambda: D.InverseGamma(_value([2.0, 3.0]), _value([1.0, 2.0])),
    "Kumaraswamy": lambda: D.Kumaraswamy(_value([1.0, 2.0]), _value([2.0, 3.0])),
    "LKJCholesky": lambda: D.LKJCholesky(3, _value([1.0, 2.0])),
    "Laplace": lambda: D.Laplace(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "LogNormal": lambda: D.LogNormal(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "LogisticNormal": lambda: D.LogisticNormal(_value([[0.0, 1.0], [1.0, 0.0]]), _value([[1.0, 2.0], [1.0, 1.0]])),
    "LowRankMultivariateNormal": lambda: D.LowRankMultivariateNormal(
        _value([[0.0, 1.0], [1.0, 0.0]]), _value(np.ones((2, 2, 1))), _value([[1.0, 2.0], [1.0, 1.0]])),
    "MixtureSameFamily": lambda: D.MixtureSameFamily(
        D.Categorical(probs=_value([[0.3, 0.7], [0.5, 0.5]])),
        D.Normal(_value([[0.0, 1.0], [1.0, 2.0]]), _value([[1.0, 2.0], [1.0, 1.0]]))),
    "Multinomial": lambda: D.Multinomial(4, probs=_value(PAIR_PROBS)),
    "MultivariateNormal": lambda: D.MultivariateNormal(_value([[0.0, 1.0], [1.0, 0.0]]),
                                                       scale_tril=_value(np.stack([L2, L2]))),
    "NegativeBinomial": lambda: D.NegativeBinomial(_value([3.0, 4.0]), probs=_value([0.3, 0.6])),
    "Normal": lambda: D.Normal(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "OneHotCategorical": lambda: D.OneHotCategorical(probs=_value(PAIR_PROBS)),
    "OneHotCategoricalStraightThrough": lambda: D.OneHotCategoricalStraightThrough(probs=_value(PAIR_PROBS)),
    "Pareto": lambda: D.Pareto(_value([1.0, 2.0]), _value([2.0, 3.0])),
    "Poisson": lambda: D.Poisson(_value([1.0, 2.0])),
    "RelaxedBernoulli": lambda: D.RelaxedBernoulli(_value(0.5), probs=_value([0.3, 0.6])),
    "RelaxedOneHotCategorical": lambda: D.RelaxedOneHotCategorical(_value(0.5), probs=_value(PAIR_PROBS)),
    "StudentT": lambda: D.StudentT(_value([3.0, 4.0]), _value([0.0, 1.0]), _value([1.0, 2.0])),
    "TransformedDistribution": lambda: D.TransformedDistribution(D.Normal(_value([0.0, 1.0]), _value([1.0, 2.0])),
                                                                 [D.transforms.ExpTransform()]),
    "Uniform": lambda: D.Uniform(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "VonMises": lambda: D.VonMises(_value([0.0, 1.0]), _value([1.0, 2.0])),
    "Weibull": lambda: D.Weibull(_value([1.0, 2.0]), _value([2.0, 3.0])),
    "Wishart": lambda: D.Wishart(_value([3.0, 4.0]), covariance_matrix=_value(np.stack([np.eye(2), np.eye(2)]))),
}


def test_every_distribution_class_is_listed_for_expand():
    classes = {name for name in dir(D) if inspect.isclass(getattr(D, name))
               and issubclass(getattr(D, name), D.Distribution) and name not in ("Distribution", "ExponentialFamily")}
    assert classes <= set(DISTRIBUTIONS)


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_expand_works_for_every_distribution(name):
    d = DISTRIBUTIONS[name]()
    e = d.expand((3, 2))
    assert type(e) is type(d) and tuple(e.batch_shape) == (3, 2) and tuple(e.event_shape) == tuple(d.event_shape)
    sample = e.sample()
    assert tuple(sample.shape) == (3, 2) + tuple(d.event_shape)
    log_prob = e.log_prob(sample)
    assert tuple(log_prob.shape) == (3, 2)
    np.testing.assert_allclose(log_prob.data[1], d.log_prob(Value(sample.data[1])).data, rtol=1e-10, atol=1e-12)
    with pytest.raises((ValueError, RuntimeError)):
        d.expand((3,))                                              # (2,) does not broadcast to (3,)


# ------------------------------------------------------------------------------------------------------------------
# Values and gradients of the new options against PyTorch (float64).


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _both(torch, fn_ours, fn_torch, *arrays):
    """Values and the gradients of sum(out · fixed weights) for each input, ours and PyTorch's."""
    ours_in = [_value(a) for a in arrays]
    theirs_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = fn_ours(*ours_in), fn_torch(*theirs_in)
    g = np.random.default_rng(1).normal(size=np.shape(ref.detach().numpy()))
    (out * g).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("args", [(None, False), (False, None), (False, True), (True, True)])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss", "kl_div"])
def test_legacy_reduction_against_pytorch(torch, name, args):
    target = {"soft_margin_loss": np.sign(Y), "kl_div": W / W.sum()}.get(name, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(torch, lambda x: getattr(F, name)(x, target, *args),
              lambda x: getattr(torch.nn.functional, name)(x, torch.tensor(target), *args), X)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_losses_against_pytorch(torch, name):
    _both(torch, lambda x, w: getattr(F, name)(x, Y, weight=w),
          lambda x, w: getattr(torch.nn.functional, name)(x, torch.tensor(Y), weight=w), X, W)


@pytest.mark.parametrize("args", [(), (1.0,), (3, 0), (2, 1, 0.5), (float("inf"), -1)])
def test_normalize_against_pytorch(torch, args):
    x = X.copy()
    x[2] = 0.0
    _both(torch, lambda t: F.normalize(t, *args), lambda t: torch.nn.functional.normalize(t, *args), x)


def test_softmax_implicit_dim_and_cross_entropy_positions_against_pytorch(torch):
    x = RNG.normal(size=(2, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(torch, lambda t: F.softmax(t), lambda t: torch.nn.functional.softmax(t), x)
        _both(torch, lambda t: F.log_softmax(t), lambda t: torch.nn.functional.log_softmax(t), x)
        _both(torch, lambda t: F.cross_entropy(t, LABELS, None, None, 2, None, "sum"),
              lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(LABELS), None, None, 2, None, "sum"), X)


@pytest.mark.parametrize("options", [dict(max_norm=1.0), dict(max_norm=1.5, norm_type=1.0),
                                     dict(scale_grad_by_freq=True), dict(padding_idx=2, scale_grad_by_freq=True)])
def test_embedding_options_against_pytorch(torch, options):
    table = RNG.normal(size=(5, 3)) * 2
    ids = np.array([[0, 2, 2], [4, 2, 1]])
    weight, reference = _value(table), torch.tensor(table, requires_grad=True)
    out = F.embedding(ids, weight, **options)
    ref = torch.nn.functional.embedding(torch.tensor(ids), reference, **options)
    g = RNG.normal(size=out.shape)
    (out * g).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(weight.data, reference.detach().numpy(), rtol=1e-10)    # renormalised in place
    np.testing.assert_allclose(weight.grad, reference.grad.numpy(), rtol=1e-10)


def test_pool_and_interpolate_options_against_pytorch(torch):
    x = RNG.normal(size=(1, 2, 5, 6))
    _both(torch, lambda t: F.avg_pool2d(t, 3, 2, 1, True, False, 4),
          lambda t: torch.nn.functional.avg_pool2d(t, 3, 2, 1, True, False, 4), x)
    for mode in ("nearest", "bilinear"):
        _both(torch, lambda t, mode=mode: F.interpolate(t, None, 1.7, mode, None, True),
              lambda t, mode=mode: torch.nn.functional.interpolate(t, None, 1.7, mode, None, True), x)
    _both(torch, lambda t: F.interpolate(t, scale_factor=2.5, mode="bilinear", antialias=True),
          lambda t: torch.nn.functional.interpolate(t, scale_factor=2.5, mode="bilinear", antialias=True), x)


def test_batched_grad_against_pytorch(torch):
    x0 = RNG.normal(size=(3,))
    x = _value(x0)
    cotangents = RNG.normal(size=(4, 3))
    (ours,) = A.grad(ag.sin(x) * x, [x], cotangents, is_grads_batched=True)
    t = torch.tensor(x0, requires_grad=True)
    (ref,) = torch.autograd.grad(torch.sin(t) * t, [t], torch.tensor(cotangents), is_grads_batched=True)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, args", [("RMSprop", (0.01, 0.9, 1e-8, 0.1, 0.5, True, False, None, True)),
                                        ("ASGD", (0.01, 1e-4, 0.75, 1e6, 0.1, None, True)),
                                        ("Adam", (0.1, (0.9, 0.99), 1e-8, 0.1, True)),
                                        ("Adagrad", (0.1, 0.01, 0.1, 0.1, 1e-10, None))])
def test_optimizers_positional_against_pytorch(torch, name, args):
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)      # PyTorch keeps ASGD's eta and mu in the default dtype
    try:
        _run_optimizers(torch, name, args)
    finally:
        torch.set_default_dtype(default)


def _run_optimizers(torch, name, args):
    p0 = RNG.normal(size=(4,))
    ours, ref = _value(p0), torch.tensor(p0, requires_grad=True)
    extra = dict(decoupled_weight_decay=True) if name == "Adam" else {}
    opt, opt_ref = getattr(optim, name)([ours], *args, **extra), getattr(torch.optim, name)([ref], *args, **extra)
    for _ in range(4):
        opt.zero_grad()
        opt_ref.zero_grad()
        (ours * ours * ours).sum().backward()
        (ref * ref * ref).sum().backward()
        opt.step()
        opt_ref.step()
    np.testing.assert_allclose(ours.data, ref.detach().numpy(), rtol=1e-10)
