"""PyTorch's in-place methods added in stop 26 (`x.floor_()`, `x.lerp_(end, w)`, `x.addmm_(a, b)`, ...;
inplace_functions.py's `_REWRITTEN`) and the functions torch.relu_(x), torch.floor_(x), ...: the same numbers as
PyTorch's, self returned, the version counter bumped, and the in-place rules (a leaf that requires grad refuses; so does
a recorded Value)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.inplace_functions import _REWRITTEN
from autograd_core.torch_functions import IN_PLACE_FUNCTIONS


def _torch():
    return pytest.importorskip("torch")


X = np.array([[0.3, -1.7, 2.5], [0.9, -0.2, 1.4]])
Y = np.array([[1.1, 0.6, -0.8], [0.4, 2.2, -1.3]])
V = np.array([0.5, -1.0, 2.0])
M = np.array([[0.2, -0.4], [1.5, 0.3], [-0.6, 0.9]])
B = np.stack([M, -M])

# name -> arguments after self, written with the module m (autograd_core or torch); self is X unless noted.
ARGUMENTS = {
    "polygamma": lambda m: (1,), "atan2": lambda m: (m.tensor(Y),), "arctan2": lambda m: (m.tensor(Y),),
    "lerp": lambda m: (m.tensor(Y), 0.3), "addcmul": lambda m: (m.tensor(Y), m.tensor(Y)),
    "addcdiv": lambda m: (m.tensor(Y), m.tensor(Y + 3)), "fmod": lambda m: (0.7,), "remainder": lambda m: (0.7,),
    "clamp_min": lambda m: (0.1,), "clamp_max": lambda m: (0.1,), "hypot": lambda m: (m.tensor(Y),),
    "copysign": lambda m: (m.tensor(Y),), "heaviside": lambda m: (m.tensor(Y),),
    "floor_divide": lambda m: (0.3,), "true_divide": lambda m: (m.tensor(Y),), "multiply": lambda m: (m.tensor(Y),),
    "subtract": lambda m: (m.tensor(Y),), "logical_and": lambda m: (m.tensor(Y),),
    "logical_or": lambda m: (m.tensor(Y),),
    "logical_xor": lambda m: (m.tensor(Y),), "cumsum": lambda m: (1,), "cumprod": lambda m: (0,),
    "renorm": lambda m: (2, 0, 1.0),
    "float_power": lambda m: (2,), "nan_to_num": lambda m: (), "round": lambda m: (),
    "logit": lambda m: (1e-3,), "xlogy": lambda m: (m.tensor(np.abs(Y)),), "igamma": lambda m: (m.tensor(np.abs(Y)),),
    "igammac": lambda m: (m.tensor(np.abs(Y)),), "mvlgamma": lambda m: (2,),
}
for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"):
    ARGUMENTS[_name] = lambda m: (m.tensor(Y),)
KEYWORDS = {"divide": lambda m: {"other": m.tensor(Y), "rounding_mode": "floor"}}
SELF = {"asin": X / 3, "acos": X / 3, "arcsin": X / 3, "arccos": X / 3, "erfinv": X / 3, "log2": np.abs(X),
        "atanh": X / 3, "arctanh": X / 3, "acosh": np.abs(X) + 1, "arccosh": np.abs(X) + 1,
        "log10": np.abs(X), "rsqrt": np.abs(X), "lgamma": np.abs(X), "digamma": np.abs(X), "polygamma": np.abs(X),
        "log1p": np.abs(X), "addmm": np.ones((2, 2)), "addmv": np.ones(3), "addr": np.ones((3, 2)),
        "addbmm": np.ones((3, 3)), "baddbmm": np.ones((2, 3, 3)), "logit": np.abs(X) / 3,
        "igamma": np.abs(X), "igammac": np.abs(X), "mvlgamma": np.abs(X) + 1}
ARGUMENTS.update({"addmm": lambda m: (m.tensor(X), m.tensor(X.T)), "addmv": lambda m: (m.tensor(M @ M.T), m.tensor(V)),
                  "addr": lambda m: (m.tensor(V), m.tensor(V[:2])),
                  "addbmm": lambda m: (m.tensor(B), m.tensor(np.ones((2, 2, 3)))),
                  "baddbmm": lambda m: (m.tensor(B), m.tensor(np.ones((2, 2, 3))))})


@pytest.mark.parametrize("name", _REWRITTEN)
def test_in_place_method_matches_torch(name):
    torch = _torch()
    data = SELF.get(name, X)
    args = ARGUMENTS.get(name, lambda m: ())
    kwargs = KEYWORDS.get(name, lambda m: {})
    ours = Value(data.copy(), requires_grad=False)
    theirs = torch.tensor(data.copy())
    result = getattr(ours, name + "_")(*args(ag), **kwargs(ag))
    getattr(theirs, name + "_")(*args(torch), **kwargs(torch))
    assert result is ours and ours._version_count == 1 and ours.dtype == np.float64
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-8, atol=1e-12, equal_nan=True)
    # Also what the out-of-place method gives, so that the two cannot drift apart.
    expected = getattr(Value(data.copy(), requires_grad=False), name)(*args(ag), **kwargs(ag))
    np.testing.assert_allclose(ours.data, np.asarray(expected.data, dtype=np.float64), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["floor", "lerp", "fmod", "addmm"])
def test_in_place_rules(name):
    data = SELF.get(name, X)
    args, kwargs = ARGUMENTS.get(name, lambda m: ())(ag), KEYWORDS.get(name, lambda m: {})(ag)
    leaf = Value(data.copy())
    with pytest.raises(RuntimeError, match="leaf Value that requires grad"):
        getattr(leaf, name + "_")(*args, **kwargs)
    recorded = leaf * 1
    assert getattr(recorded, name + "_")(*args, **kwargs) is recorded  # recorded (tests/test_inplace_recorded.py)
    with ag.no_grad():
        getattr(leaf, name + "_")(*args, **kwargs)
    assert leaf._version_count == 1 and leaf.requires_grad and leaf.is_leaf
    y = Value(data.copy()).exp()  # exp's rule reads its output: a graph that saved it refuses backward after the change
    with ag.no_grad():
        getattr(y, name + "_")(*args, **kwargs)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        (y * y).sum().backward()


def test_in_place_records_an_operand_that_requires_grad():
    """x.lerp_(end, w) with end requiring grad is recorded, as PyTorch records it."""
    x, end = ag.tensor([1.0, 2.0]), Value(np.array([0.0, 4.0]))
    assert x.lerp_(end, 0.5) is x and x.requires_grad
    x.sum().backward()
    np.testing.assert_allclose(end.grad, [0.5, 0.5])
    x = ag.tensor([1.0, 2.0])
    assert x.divide_(other=end, rounding_mode="floor") is x and x.requires_grad
    with ag.no_grad():
        x = ag.tensor([1.0, 2.0])
        x.lerp_(end, 0.5)
    np.testing.assert_allclose(x.data, [0.5, 3.0])


def test_in_place_errors():
    with pytest.raises(RuntimeError, match="can't be cast|Cannot cast"):
        ag.tensor([1, 2]).sin_()
    with pytest.raises(RuntimeError, match="float_power_"):
        ag.tensor([1.0, 2.0]).float_power_(2)
    with pytest.raises(RuntimeError, match="shape"):
        ag.tensor([1.0, 2.0]).lerp_(ag.tensor([[1.0, 2.0], [3.0, 4.0]]), 0.5)


def test_in_place_follows_forward_mode():
    """Inside a jvp, an in-place change carries the tangent along (x.sin_(): cos(x) · t)."""
    def f(x):
        y = x * 1
        y.sin_()
        return y

    x = np.array([0.3, -1.2])
    _, tangent = ag.jvp(f, (x,), (np.ones(2),))
    np.testing.assert_allclose(np.asarray(tangent.data if isinstance(tangent, Value) else tangent), np.cos(x))


@pytest.mark.parametrize("name", sorted(IN_PLACE_FUNCTIONS))
def test_torch_in_place_functions(name):
    torch = _torch()
    args = {"clamp_": (0.0, 1.0), "clip_": (-0.5,), "clamp_max_": (0.5,), "clamp_min_": (0.5,), "fill_": (2.5,),
            "addmv_": None}.get(name, ())
    data = np.abs(X) / 3 if name in ("acos_", "asin_", "arccos_", "arcsin_", "atanh_", "arctanh_", "log2_", "log10_",
                                     "log1p_", "log_", "sqrt_", "rsqrt_", "logit_") else X
    if name in ("acosh_", "arccosh_"):
        data = np.abs(X) + 1
    if name == "addmv_":
        data, args = np.ones(3), None
    ours, theirs = Value(data.copy(), requires_grad=False), torch.tensor(data.copy())
    if args is None:  # addmv_(input, mat, vec)
        result = getattr(ag, name)(ours, ag.tensor(M @ M.T), ag.tensor(V))
        getattr(torch, name)(theirs, torch.tensor(M @ M.T), torch.tensor(V))
    else:
        result = getattr(ag, name)(ours, *args)
        getattr(torch, name)(theirs, *args)
    assert result is ours and name in ag.__all__
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_torch_xlogy_in_place_function():
    x = ag.tensor([0.0, 2.0, 3.0])
    assert ag.xlogy_(x, ag.tensor([5.0, 1.0, np.e])) is x
    np.testing.assert_allclose(x.data, [0.0, 0.0, 3.0])
    with pytest.raises(TypeError, match="must be a Value"):
        ag.xlogy_(np.ones(2), ag.tensor([1.0, 2.0]))
