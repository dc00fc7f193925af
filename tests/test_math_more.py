"""PyTorch's math functions added beside the op table's: asinh, acosh, atanh (primitives, also checked by every
registry-wide test through tests/test_ops_table.py), and the compositions dist, matrix_power, slogdet, sum_to_size,
rsub, hardshrink, prelu and gradient (torch.gradient, the finite-difference estimate).

Each is checked without PyTorch against known values, NumPy and finite differences (gradcheck), and, where PyTorch is
installed, against PyTorch's values and gradients in float64.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, gradcheck, gradgradcheck


def _torch():
    return pytest.importorskip("torch")


def _grads(fn, *arrays, seed=0):
    """fn(*Values) and the gradients of Σ w ⊙ fn(...) for fixed random weights w, as arrays."""
    xs = [Value(np.array(a, dtype=np.float64)) for a in arrays]
    out = fn(*xs)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    return out.data, [x.grad for x in xs]


def _torch_grads(torch, fn, *arrays, seed=0):
    """The same with PyTorch (float64)."""
    xs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*xs)
    w = torch.tensor(np.random.default_rng(seed).standard_normal(tuple(out.shape)))
    (out * w).sum().backward()
    return out.detach().numpy(), [np.zeros(x.shape) if x.grad is None else x.grad.numpy() for x in xs]


def _same_as_torch(ours, theirs, rtol=1e-12, atol=1e-12):
    (value, grads), (t_value, t_grads) = ours, theirs
    np.testing.assert_allclose(value, t_value, rtol=rtol, atol=atol)
    assert len(grads) == len(t_grads)
    for g, tg in zip(grads, t_grads):
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------------------------------------------
# asinh, acosh, atanh.

INVERSE_HYPERBOLIC = [  # name, NumPy's function, the derivative, inputs in the domain
    ("asinh", np.arcsinh, lambda x: 1 / np.sqrt(x * x + 1), np.array([-3.0, -0.4, 0.0, 0.7, 12.0])),
    ("acosh", np.arccosh, lambda x: 1 / np.sqrt(x * x - 1), np.array([1.1, 1.5, 2.0, 7.0])),
    ("atanh", np.arctanh, lambda x: 1 / (1 - x * x), np.array([-0.9, -0.3, 0.0, 0.5, 0.95])),
]


@pytest.mark.parametrize("name, numpy_fn, derivative, x", INVERSE_HYPERBOLIC, ids=[c[0] for c in INVERSE_HYPERBOLIC])
def test_inverse_hyperbolic_values_and_derivatives(name, numpy_fn, derivative, x):
    v = Value(x)
    out = getattr(ag, name)(v)
    np.testing.assert_allclose(out.data, numpy_fn(x), rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(v.grad, derivative(x), rtol=1e-14)
    assert gradcheck(getattr(ag, name), (x,))
    assert gradgradcheck(getattr(ag, name), (x,))


def test_inverse_hyperbolic_known_values():
    np.testing.assert_allclose(ag.asinh(Value(np.array([0.0, 1.0]))).data, [0.0, np.log(1 + np.sqrt(2))], rtol=1e-15)
    np.testing.assert_allclose(ag.acosh(Value(np.array([1.0, 2.0]))).data, [0.0, np.log(2 + np.sqrt(3))], rtol=1e-15)
    np.testing.assert_allclose(ag.atanh(Value(np.array([0.0, 0.5]))).data, [0.0, 0.5 * np.log(3)], rtol=1e-15)


def test_inverse_hyperbolic_aliases_methods_and_in_place():
    for name, alias in [("asinh", "arcsinh"), ("acosh", "arccosh"), ("atanh", "arctanh")]:
        assert getattr(ag, alias) is getattr(ag, name) and name in ag.__all__ and alias in ag.__all__
        x = Value(np.array([1.2, 1.7]) if name == "acosh" else np.array([0.2, -0.6]), requires_grad=False)
        expected = getattr(ag, name)(x).data
        for spelling in (name, alias):
            np.testing.assert_array_equal(getattr(x, spelling)().data, expected)
            y = x.clone()
            assert getattr(y, spelling + "_")() is y
            np.testing.assert_array_equal(y.data, expected)
            z = x.clone()
            assert getattr(ag, spelling + "_")(z) is z
            np.testing.assert_array_equal(z.data, expected)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # acosh(0) and atanh(2) are nan, atanh(1) inf
def test_inverse_hyperbolic_of_integers_are_default_floats():
    for name in ("asinh", "acosh", "atanh"):
        out = getattr(ag, name)(ag.tensor([0, 1, 2]))
        assert out.dtype == np.float32, name
    np.testing.assert_allclose(ag.asinh(ag.tensor([1, 2])).data, np.arcsinh([1.0, 2.0]), rtol=1e-6)


def test_inverse_hyperbolic_domain_edges_are_silent():
    # In a fresh interpreter: pytest resets the warning filters that the package adds when it is imported.
    code = ("import autograd_core as ag\nx = ag.tensor([0.5, 1.0, -1.0, 2.0, 1e300], dtype=ag.float64, "
            "requires_grad=True)\n(x.acosh() + x.atanh() + x.asinh()).sum().backward()\nprint(x.grad.tolist())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("[nan, inf, ")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_inverse_hyperbolic_values_and_gradients_at_the_domain_edges():
    x = Value(np.array([0.5, 1.0, -1.0, 2.0]))
    acosh, atanh = ag.acosh(x), ag.atanh(x)
    np.testing.assert_array_equal(acosh.data[:2], [np.nan, 0.0])
    np.testing.assert_array_equal(atanh.data[1:3], [np.inf, -np.inf])
    assert np.isnan(atanh.data[3])
    # PyTorch's gradients there: acosh' = 1/√(x²−1) is nan below 1 and inf at 1; atanh' = 1/(1−x²) is inf at ±1.
    x = Value(np.array([0.5, 1.0, 2.0]))
    ag.acosh(x).sum().backward()
    np.testing.assert_allclose(x.grad, [np.nan, np.inf, 1 / np.sqrt(3)])
    x = Value(np.array([1.0, -1.0, 2.0]))
    ag.atanh(x).sum().backward()
    np.testing.assert_allclose(x.grad, [np.inf, np.inf, -1 / 3])


def test_inverse_hyperbolic_forward_mode():
    x = np.array([0.3, -0.5])
    for name, derivative in [("asinh", 1 / np.sqrt(x * x + 1)), ("atanh", 1 / (1 - x * x))]:
        _, tangent = ag.jvp(getattr(ag, name), (x,), (np.ones(2),))
        np.testing.assert_allclose(tangent, derivative, rtol=1e-14)
    _, tangent = ag.jvp(ag.acosh, (x + 2,), (np.ones(2),))
    np.testing.assert_allclose(tangent, 1 / np.sqrt((x + 2) ** 2 - 1), rtol=1e-14)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf and nan at the special values, as in PyTorch
@pytest.mark.parametrize("name", ["asinh", "acosh", "atanh"])
def test_inverse_hyperbolic_match_torch(name):
    torch = _torch()
    rng = np.random.default_rng(7)
    x = {"asinh": rng.standard_normal(6) * 3, "acosh": 1 + rng.uniform(0.01, 4, 6),
         "atanh": rng.uniform(-0.99, 0.99, 6)}
    special = {"asinh": [0.0, -0.0, np.inf, -np.inf, 1e200], "acosh": [1.0, 0.5, -1.0, np.inf, 1e200],
               "atanh": [1.0, -1.0, 0.0, 2.0, -3.0]}
    data = np.concatenate([x[name], special[name]])
    _same_as_torch(_grads(getattr(ag, name), data), _torch_grads(torch, getattr(torch, name), data), rtol=1e-13)


# ------------------------------------------------------------------------------------------------------------------
# dist.

A2x3 = np.array([[1.0, 3.0, -3.0], [0.0, 2.0, 2.0]])
B3 = np.array([0.5, -1.0, 0.25])


def test_dist_known_values_and_method():
    assert float(ag.dist(ag.tensor([3.0, 4.0]), ag.tensor([0.0, 0.0]))) == 5.0
    a, b = Value(A2x3), Value(B3)
    d = A2x3 - B3
    for p, expected in [(2, np.sqrt((d * d).sum())), (1, np.abs(d).sum()), (np.inf, np.abs(d).max()),
                        (-np.inf, np.abs(d).min()), (0, np.count_nonzero(d)), (3, (np.abs(d) ** 3).sum() ** (1 / 3)),
                        (0.5, (np.abs(d) ** 0.5).sum() ** 2)]:
        np.testing.assert_allclose(ag.dist(a, b, p).data, expected, rtol=1e-14)
        np.testing.assert_allclose(a.dist(b, p).data, expected, rtol=1e-14)
    assert ag.dist(a, b).shape == ()


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, -1.5])
def test_dist_gradients_match_finite_differences(p):
    assert gradcheck(lambda a, b: ag.dist(a, b, p), (A2x3, B3))


def test_dist_gradient_is_zero_where_the_inputs_coincide():
    for p in (2, 3, 0.5):
        a = Value(np.array([1.0, 2.0, 3.0]))
        ag.dist(a, np.array([1.0, 2.0, 3.0]), p).backward()
        np.testing.assert_array_equal(a.grad, [0.0, 0.0, 0.0])
    a = Value(np.array([1.0, 2.0, 3.0]))  # one coordinate equal: 0 there, not 0 · ∞ = NaN for p < 1
    ag.dist(a, np.array([1.0, 0.0, 0.0]), 0.5).backward()
    assert a.grad[0] == 0.0 and np.all(np.isfinite(a.grad))


def test_dist_of_integers_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.dist(ag.tensor([1, 2]), ag.tensor([0, 0]))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, -1, float("inf"), float("-inf")])
def test_dist_matches_torch(p):
    torch = _torch()
    _same_as_torch(_grads(lambda a, b: ag.dist(a, b, p), A2x3, B3),
                   _torch_grads(torch, lambda a, b: torch.dist(a, b, p), A2x3, B3))


def test_dist_p0_value_matches_torch():  # PyTorch's backward for p = 0 raises: only the value is compared
    torch = _torch()
    assert float(ag.dist(Value(A2x3), Value(B3), 0)) == float(torch.dist(torch.tensor(A2x3), torch.tensor(B3), 0))


# ------------------------------------------------------------------------------------------------------------------
# matrix_power, slogdet.

_RNG = np.random.default_rng(11)
BATCH = _RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_values_and_gradients(n):
    np.testing.assert_allclose(ag.matrix_power(Value(BATCH), n).data, np.linalg.matrix_power(BATCH, n), rtol=1e-12)
    np.testing.assert_allclose(Value(BATCH).matrix_power(n).data, np.linalg.matrix_power(BATCH, n), rtol=1e-12)
    assert gradcheck(lambda a: ag.matrix_power(a, n), (BATCH,))


def test_matrix_power_zero_is_the_identity_even_of_non_finite_matrices():
    a = Value(np.array([[np.nan, 1.0], [np.inf, 3.0]]))
    out = ag.matrix_power(a, 0)
    np.testing.assert_array_equal(out.data, np.eye(2))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.zeros((2, 2)))
    assert ag.matrix_power(ag.ones(4, 2, 2), 0).shape == (4, 2, 2)
    with pytest.raises(TypeError):
        ag.matrix_power(Value(BATCH), 1.5)


@pytest.mark.parametrize("n", [-2, 0, 1, 3])
def test_matrix_power_matches_torch(n):
    torch = _torch()
    _same_as_torch(_grads(lambda a: ag.matrix_power(a, n), BATCH),
                   _torch_grads(torch, lambda a: torch.matrix_power(a, n), BATCH), rtol=1e-10)


def test_slogdet_is_a_named_tuple_as_torch_slogdet():
    a = -BATCH  # 3x3 with negative determinants
    result = ag.slogdet(Value(a))
    assert type(result).__name__ == "slogdet" and result._fields == ("sign", "logabsdet")
    sign, logabsdet = np.linalg.slogdet(a)
    np.testing.assert_array_equal(result.sign.data, sign)
    np.testing.assert_allclose(result.logabsdet.data, logabsdet, rtol=1e-13)
    method = Value(a).slogdet()
    assert type(method) is type(result)
    np.testing.assert_allclose(method.logabsdet.data, logabsdet, rtol=1e-13)
    x = Value(a)
    ag.slogdet(x).logabsdet.sum().backward()  # d log|det A| / dA = A⁻ᵀ
    np.testing.assert_allclose(x.grad, np.swapaxes(np.linalg.inv(a), -1, -2), rtol=1e-12)


def test_slogdet_matches_torch():
    torch = _torch()
    ours, theirs = ag.slogdet(Value(-BATCH)), torch.slogdet(torch.tensor(-BATCH))
    assert type(ours).__name__ == type(theirs).__name__ and ours._fields == ("sign", "logabsdet")
    assert all(torch.equal(getattr(theirs, name), theirs[i]) for i, name in enumerate(ours._fields))
    np.testing.assert_array_equal(ours.sign.data, theirs.sign.numpy())
    _same_as_torch(_grads(lambda a: ag.slogdet(a).logabsdet, -BATCH),
                   _torch_grads(torch, lambda a: torch.slogdet(a).logabsdet, -BATCH))


# ------------------------------------------------------------------------------------------------------------------
# sum_to_size, rsub.


def test_sum_to_size_values_gradient_and_spellings():
    data = np.arange(6.0).reshape(2, 3)
    x = Value(data)
    np.testing.assert_array_equal(x.sum_to_size(3).data, data.sum(0))
    np.testing.assert_array_equal(x.sum_to_size(1, 3).data, data.sum(0, keepdims=True))
    np.testing.assert_array_equal(x.sum_to_size((2, 1)).data, data.sum(1, keepdims=True))
    np.testing.assert_array_equal(x.sum_to_size([1]).data, [15.0])
    np.testing.assert_array_equal(x.sum_to_size(ag.Size([1, 1])).data, [[15.0]])
    assert x.sum_to_size(2, 3) is x
    x.sum_to_size(2, 1).backward(np.array([[1.0], [2.0]]))  # the gradient broadcasts back
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    assert gradcheck(lambda v: v.sum_to_size(1, 3), (data,))


def test_sum_to_size_refuses_sizes_that_do_not_expand():
    x = Value(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match=r"size \{\[4\]\} is not expandable to size \{\[2, 3\]\}"):
        x.sum_to_size(4)
    with pytest.raises(RuntimeError, match="not expandable"):
        x.sum_to_size(1, 2, 3)
    with pytest.raises(TypeError):
        x.sum_to_size()


def test_sum_to_size_matches_torch():
    torch = _torch()
    data = _RNG.standard_normal((2, 3, 4))
    for size in [(4,), (3, 1), (1, 3, 4), (2, 1, 1), (1,)]:
        _same_as_torch(_grads(lambda v, size=size: v.sum_to_size(*size), data),
                       _torch_grads(torch, lambda v, size=size: v.sum_to_size(*size), data))


def test_rsub_values_and_gradients():
    x, y = np.array([1.0, 2.0, -0.5]), np.array([5.0, 5.0, 1.0])
    np.testing.assert_array_equal(ag.rsub(Value(x), Value(y)).data, y - x)
    np.testing.assert_array_equal(ag.rsub(Value(x), Value(y), alpha=2).data, y - 2 * x)
    np.testing.assert_array_equal(ag.rsub(Value(x), 3).data, 3 - x)
    assert ag.rsub(ag.tensor([1, 2]), 3, 2).tolist() == [1, -1]
    assert ag.rsub(ag.tensor([1, 2]), 3.5).dtype == np.float32  # a float number makes an integer input float
    _, (gx, gy) = _grads(lambda a, b: ag.rsub(a, b, alpha=3), x, y)
    w = np.random.default_rng(0).standard_normal(3)
    np.testing.assert_allclose(gx, -3 * w)
    np.testing.assert_allclose(gy, w)


def test_rsub_matches_torch():
    torch = _torch()
    x, y = _RNG.standard_normal((2, 3)), _RNG.standard_normal(3)
    _same_as_torch(_grads(lambda a, b: ag.rsub(a, b, alpha=0.5), x, y),
                   _torch_grads(torch, lambda a, b: torch.rsub(a, b, alpha=0.5), x, y))
    _same_as_torch(_grads(lambda a: ag.rsub(a, 2.5, 3), x), _torch_grads(torch, lambda a: torch.rsub(a, 2.5, 3), x))


# add, sub and rsub with alpha, over every pairing of an int64, float32 or bool input with a Value or Python number
# of those kinds and an alpha that is 1, an integer, a float, or a bool: the same dtype and values as PyTorch's, or
# the same exception type (a float alpha with an integer result, a bool alpha with a non-bool one, a bool operand of
# a subtraction, an in-place result that cannot be cast back).
_ALPHA_INPUTS = {"int64": [3, -2], "float32": [1.5, -2.0], "bool": [True, False]}
_ALPHA_OTHERS = ["int64", "float32", "bool", 2, 0.5, True]
_ALPHAS = [1, 2, 2.5, True, False, 1.0]
_ALPHA_FORMS = ["add", "sub", "subtract", "rsub", ".add", ".sub", ".subtract", ".add_", ".sub_", ".subtract_"]


def _alpha_outcome(lib, form, input_dtype, other, alpha):
    def tensor(dtype):
        values = _ALPHA_INPUTS[dtype]
        return lib.tensor(values, dtype=getattr(lib, dtype))

    x = tensor(input_dtype)
    y = tensor(other) if isinstance(other, str) else other
    try:
        out = getattr(x, form[1:])(y, alpha=alpha) if form.startswith(".") else getattr(lib, form)(x, y, alpha=alpha)
    except (RuntimeError, TypeError, ValueError) as error:
        return type(error).__name__
    values = out.detach().numpy() if lib is not ag else out.data
    return str(out.dtype).removeprefix("torch."), np.asarray(values, dtype=np.float64).tolist()


@pytest.mark.parametrize("form", _ALPHA_FORMS)
def test_alpha_of_add_sub_rsub_matches_torch(form):
    """fixed: an integer input with a float alpha gave a float result (PyTorch raises), as did a bool alpha with a
    non-bool result; a bool operand of a subtraction went through (PyTorch raises); add of bools with alpha=2 gave
    int64 (PyTorch: bool)."""
    torch = _torch()
    differ = []
    for input_dtype in _ALPHA_INPUTS:
        for other in _ALPHA_OTHERS:
            for alpha in _ALPHAS:
                ours = _alpha_outcome(ag, form, input_dtype, other, alpha)
                theirs = _alpha_outcome(torch, form, input_dtype, other, alpha)
                if ours != theirs:
                    differ.append((input_dtype, other, alpha, ours, theirs))
    assert not differ, differ


_BOOL_SUBTRACTION = "Subtraction, the `-` operator, with a bool tensor is not supported"
_TWO_BOOLS = "Subtraction, the `-` operator, with two bool tensors is not supported"
_BOOL_NEGATION = "Negation, the `-` operator, on a bool tensor is not supported"


@pytest.mark.parametrize("expression, message", [
    (lambda t: t.ones(2) - True, _BOOL_SUBTRACTION),                 # NumPy would give [0., 0.]
    (lambda t: True - t.ones(2), _BOOL_SUBTRACTION),
    (lambda t: t.tensor([1, 2]) - True, _BOOL_SUBTRACTION),          # an integer tensor too
    (lambda t: t.ones(2) - t.tensor(True), _BOOL_SUBTRACTION),       # a bool tensor of another dtype than x's
    (lambda t: t.tensor([True]) - t.ones(1), _BOOL_SUBTRACTION),
    (lambda t: t.tensor([True, False]) - True, _TWO_BOOLS),          # NumPy's TypeError, in PyTorch's words
    (lambda t: t.tensor([True, False]) - t.tensor([True, True]), _TWO_BOOLS),
    (lambda t: -t.tensor([True, False]), _BOOL_NEGATION),
    (lambda t: t.neg(t.tensor([True])), _BOOL_NEGATION),
    (lambda t: t.ones(2).__isub__(True), _BOOL_SUBTRACTION),         # x -= True
], ids=["float-True", "True-float", "int-True", "float-bool0d", "bool-float", "bool-True",
        "bool-bool", "neg", "torch.neg", "isub"])
def test_the_minus_operator_refuses_bools_as_pytorch_does(expression, message):
    # PyTorch refuses `-` with a bool operand (it asks for ~ or logical_xor); NumPy computes it or raises a TypeError.
    with pytest.raises(RuntimeError, match=message):
        expression(ag)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(RuntimeError, match=message):  # the same words as PyTorch's
        expression(torch)


@pytest.mark.parametrize("traced", ["jvp", "compile"])
@pytest.mark.parametrize("expression, message", [
    (lambda x: x - ag.tensor([True, False]), _BOOL_SUBTRACTION),
    (lambda x: x - True, _BOOL_SUBTRACTION),
    (lambda x: -(x > 0), _BOOL_NEGATION),
    (lambda x: (x > 0) - (x < 0), _TWO_BOOLS),
], ids=["float-bool", "float-True", "neg", "bool-bool"])
def test_the_minus_operator_refuses_bools_while_traced(expression, message, traced):
    # Forward mode and compile recordings run operations through tracing.py, not the engine's fast paths.
    from autograd_core.func import jvp

    x = ag.tensor([1.0, -2.0])
    with pytest.raises(RuntimeError, match=message):
        if traced == "jvp":
            jvp(lambda v: expression(v).float(), (x,), (ag.ones(2),))
        else:
            ag.compile(lambda v: expression(v).float().sum())(x)


def test_the_minus_operator_still_takes_numbers_and_other_dtypes():
    assert (ag.ones(2) - 1).tolist() == [0.0, 0.0]
    assert (ag.ones(2) - np.True_).tolist() == [0.0, 0.0]  # a NumPy bool is a number to PyTorch
    assert (ag.tensor([1, 2]) - ag.tensor([0.5, 0.5])).tolist() == [0.5, 1.5]
    assert (ag.tensor([True]) + True).tolist() == [True]  # addition of bools is allowed (or)
    assert (-ag.tensor([1, -2])).tolist() == [-1, 2]
    with pytest.raises(TypeError):
        -ag.tensor(["a"])  # other TypeErrors stay NumPy's


def test_alpha_checks_by_values():
    ints, floats, bools = ag.tensor([1, 2]), ag.tensor([1.5, -2.0]), ag.tensor([True, False])
    with pytest.raises(RuntimeError, match="rsub: For integral input tensors, argument alpha must not be a floating "
                                           r"point number \(alpha=2.5, the result is int64\)"):
        ag.rsub(ints, 3, alpha=2.5)
    with pytest.raises(RuntimeError, match="add: For integral input tensors"):
        ag.add(ints, ints, alpha=1.0)  # 1.0 is a float, equal to 1 or not
    with pytest.raises(RuntimeError, match="add_: For integral"):
        ints.clone().add_(1, alpha=0.5)
    with pytest.raises(RuntimeError, match=r"sub: Boolean alpha only supported for Boolean results \(alpha=True"):
        floats.sub(floats, alpha=True)
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        ag.sub(bools, bools)
    with pytest.raises(RuntimeError, match="sub_: Subtraction, the `-` operator, with a bool tensor"):
        floats.clone().sub_(True)
    with pytest.raises(RuntimeError, match="rsub: .*with a bool tensor"):
        ag.rsub(ints, True)
    # what PyTorch allows: a float result takes a float alpha, a bool result an integer or bool one (then `and`)
    assert ag.rsub(ints, 3.0, alpha=2.5).tolist() == [0.5, -2.0]
    assert ag.add(ints, floats, alpha=0.5).tolist() == [1.75, 1.0]
    assert ag.add(bools, bools, alpha=2).dtype == np.bool_ and ag.add(bools, bools, alpha=2).tolist() == [True, False]
    assert ag.add(ag.tensor([False, False]), bools, alpha=False).tolist() == [False, False]
    assert ints.add(ints, alpha=3).tolist() == [4, 8]
    # alpha · other is computed in the result's dtype, so the gradient of a float32 other is float32 and exact
    x, y = Value(np.array([1.0, 2.0]), requires_grad=True), Value(np.array([3.0, 4.0], np.float32), requires_grad=True)
    out = ag.sub(x, y, alpha=0.1)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, np.array([1.0, 2.0]) - np.array([3.0, 4.0]) * 0.1)
    out.sum().backward()
    assert y.grad.dtype == np.float32 and y.grad.tolist() == [np.float32(-0.1)] * 2


# ------------------------------------------------------------------------------------------------------------------
# hardshrink, prelu: nn.functional's, reached from the core without importing nn at import time.

SHRINK_X = np.array([-1.0, -0.5, -0.2, 0.0, 0.3, 0.5, 0.6, 2.0])


def test_hardshrink_and_prelu_functions_and_methods():
    x = Value(SHRINK_X)
    np.testing.assert_array_equal(ag.hardshrink(x).data, np.where(np.abs(SHRINK_X) > 0.5, SHRINK_X, 0.0))
    np.testing.assert_array_equal(x.hardshrink(0.25).data, np.where(np.abs(SHRINK_X) > 0.25, SHRINK_X, 0.0))
    np.testing.assert_array_equal(x.hardshrink(lambd=1.0).data, np.where(np.abs(SHRINK_X) > 1.0, SHRINK_X, 0.0))
    w = Value(np.array([0.25]))
    expected = np.where(SHRINK_X > 0, SHRINK_X, 0.25 * SHRINK_X)
    np.testing.assert_array_equal(ag.prelu(x, w).data, expected)
    np.testing.assert_array_equal(x.prelu(w).data, expected)
    ag.prelu(x, w).sum().backward()
    np.testing.assert_array_equal(w.grad, [SHRINK_X[SHRINK_X <= 0].sum()])


def test_hardshrink_and_prelu_do_not_load_nn_with_the_core():
    code = ("import sys, autograd_core as ag; assert 'autograd_core.nn' not in sys.modules; "
            "assert 'hardshrink' in dir(ag) and 'prelu' in dir(ag); "
            "x = ag.tensor([-1.0, 0.2]); assert x.hardshrink().tolist() == [-1.0, 0.0]; "
            "assert ag.hardshrink is sys.modules['autograd_core.nn.functional'].hardshrink; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_hardshrink_and_prelu_match_torch():
    torch = _torch()
    _same_as_torch(_grads(lambda a: ag.hardshrink(a, 0.3), SHRINK_X),
                   _torch_grads(torch, lambda a: torch.hardshrink(a, 0.3), SHRINK_X))
    _same_as_torch(_grads(lambda a: a.hardshrink(), SHRINK_X), _torch_grads(torch, lambda a: a.hardshrink(), SHRINK_X))
    x, w = _RNG.standard_normal((2, 3, 4)), np.array([0.1, -0.3, 0.7])
    _same_as_torch(_grads(ag.prelu, x, w), _torch_grads(torch, torch.prelu, x, w))
    _same_as_torch(_grads(lambda a, b: a.prelu(b), x, w[:1]), _torch_grads(torch, lambda a, b: a.prelu(b), x, w[:1]))


# ------------------------------------------------------------------------------------------------------------------
# gradient: PyTorch's (and NumPy's) finite-difference estimates.

F = np.array([[1.0, 2.0, 4.0, 8.0, 9.5], [10.0, 20.0, 40.0, 80.0, 70.0], [3.0, 5.0, 7.0, 1.0, -2.0]])
X0, X1 = np.array([0.0, 2.0, 2.5]), np.array([0.0, 1.0, 6.0, 9.0, 9.5])


def _numpy_gradient(f, spacing, dims, edge_order):
    """np.gradient for one entry of GRADIENT_CASES: its varargs are one spacing (a number or coordinates) per dim."""
    per_dim = spacing if isinstance(spacing, list) else [spacing] * len(dims)
    out = np.gradient(f, *per_dim, axis=tuple(dims), edge_order=edge_order)
    return out if isinstance(out, (list, tuple)) else [out]


GRADIENT_CASES = [  # keyword arguments of gradient, with the dims they mean
    ({}, [0, 1]),
    ({"spacing": 2.5}, [0, 1]),
    ({"spacing": [3.0, -2.0]}, [0, 1]),
    ({"spacing": [X0, X1]}, [0, 1]),
    ({"dim": 1}, [1]),
    ({"dim": -2, "spacing": [0.5]}, [0]),
    ({"dim": [1, 0], "spacing": [X1, X0]}, [1, 0]),
    ({"dim": (1,), "spacing": 4}, [1]),
]


def _as_values(kwargs):
    """kwargs with coordinates (arrays in the spacing list) as Values, as a caller of torch.gradient gives them."""
    spacing = kwargs.get("spacing")
    if not isinstance(spacing, list):
        return kwargs
    return dict(kwargs, spacing=[Value(s) if isinstance(s, np.ndarray) else s for s in spacing])


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kwargs, dims", GRADIENT_CASES, ids=[str(i) for i in range(len(GRADIENT_CASES))])
def test_gradient_matches_numpy(kwargs, dims, edge_order):
    ours = ag.gradient(Value(F), **_as_values(kwargs), edge_order=edge_order)
    assert isinstance(ours, tuple) and len(ours) == len(dims)
    for value, expected in zip(ours, _numpy_gradient(F, kwargs.get("spacing", 1.0), dims, edge_order)):
        assert value.shape == F.shape
        np.testing.assert_allclose(value.data, expected, rtol=1e-13, atol=1e-13)


def test_gradient_known_values():
    # f(x) = x² at x = -2, -1, 1, 4: PyTorch's documented example.
    (estimate,) = ag.gradient(ag.tensor([4.0, 1.0, 1.0, 16.0]), spacing=(ag.tensor([-2.0, -1.0, 1.0, 4.0]),))
    np.testing.assert_allclose(estimate.data, [-3.0, -2.0, 2.0, 5.0])
    # A quadratic is differentiated exactly by the second-order formulas, ends included.
    x = np.array([0.0, 0.5, 1.5, 1.75, 3.0])
    (estimate,) = ag.gradient(Value(x * x), spacing=[Value(x)], edge_order=2)
    np.testing.assert_allclose(estimate.data, 2 * x, rtol=1e-12, atol=1e-12)
    rows = ag.gradient(ag.tensor([[1, 2, 4, 8], [10, 20, 40, 80]]))
    np.testing.assert_allclose(rows[0].data, [[9, 18, 36, 72]] * 2)
    np.testing.assert_allclose(rows[1].data, [[1, 1.5, 3, 4], [10, 15, 30, 40]])
    assert rows[0].dtype == np.float32  # integers give the default float dtype
    assert ag.gradient(ag.tensor(3.0)) == ()


def test_gradient_is_differentiable_in_the_samples_and_the_coordinates():
    for order in (1, 2):
        assert gradcheck(lambda f, order=order: sum(g.sum() * (i + 1) for i, g in enumerate(
            ag.gradient(f, spacing=[0.5, 2.0], edge_order=order))), (F,))
        assert gradcheck(lambda f, x, order=order: ag.gradient(f, spacing=[x], dim=1, edge_order=order)[0], (F, X1))


def test_gradient_refuses_what_pytorch_refuses():
    f = Value(F)
    with pytest.raises(RuntimeError, match="edge_order=1 and edge_order=2"):
        ag.gradient(f, edge_order=3)
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        ag.gradient(Value(np.ones((2, 3))), edge_order=2)
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        ag.gradient(Value(np.ones(1)))
    with pytest.raises(RuntimeError, match="list of length equal to 'self.dim\\(\\) = 2'"):
        ag.gradient(f, spacing=[2.0])
    with pytest.raises(RuntimeError, match="same length"):
        ag.gradient(f, dim=[1], spacing=[2.0, 3.0])
    with pytest.raises(RuntimeError, match="appears multiple times"):
        ag.gradient(f, dim=[0, -2])
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times"):  # before the size of dim 0, as PyTorch's
        ag.gradient(Value(np.zeros((1, 3))), dim=[0, 1, 1])
    with pytest.raises(RuntimeError, match="one dimension"):
        ag.gradient(f, dim=0, spacing=[ag.tensor(2.0)])
    with pytest.raises(RuntimeError, match="coordinates"):
        ag.gradient(f, dim=0, spacing=[ag.tensor([0.0, 1.0])])


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kwargs, dims", GRADIENT_CASES, ids=[str(i) for i in range(len(GRADIENT_CASES))])
def test_gradient_matches_torch(kwargs, dims, edge_order):
    torch = _torch()
    spacing = kwargs.get("spacing")
    coordinates = isinstance(spacing, list) and isinstance(spacing[0], np.ndarray)

    def call(module, f, *xs):
        options = dict(kwargs, edge_order=edge_order)
        if coordinates:
            options["spacing"] = tuple(xs) if module is torch else list(xs)
        return module.stack(list(module.gradient(f, **options)))

    arrays = (F, *spacing) if coordinates else (F,)
    _same_as_torch(_grads(lambda *xs: call(ag, *xs), *arrays),
                   _torch_grads(torch, lambda *xs: call(torch, *xs), *arrays), rtol=1e-12, atol=1e-12)


def test_gradient_dtypes_match_torch():
    torch = _torch()
    ints, floats = np.array([1, 4, 9, 16]), np.array([1.0, 4.0, 9.0, 16.0], np.float32)
    for f, spacing in [(ints, 1), (floats, 2.5), (ints, np.array([1.0, 2.0, 3.0, 4.0])),
                       (floats, np.array([1, 2, 3, 5]))]:
        if isinstance(spacing, np.ndarray):  # coordinates: a list of Values here, a tuple of tensors for PyTorch
            ours = ag.gradient(ag.tensor(f), spacing=[ag.tensor(spacing)])[0]
            theirs = torch.gradient(torch.tensor(f), spacing=(torch.tensor(spacing),))[0]
        else:
            ours = ag.gradient(ag.tensor(f), spacing=spacing)[0]
            theirs = torch.gradient(torch.tensor(f), spacing=spacing)[0]
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (f.dtype, spacing)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


# ----------------------------------------------------------------------------------------------------
# x.norm(p) for p other than 1, 2, inf and 0 is linalg.vector_norm's: a zero gradient (PyTorch's) where a row is all
# zeros, and for p < 1 where an element is 0. Before, x.norm(3, dim=1) gave NaN for a zero row and x.norm(0.5) NaN
# everywhere once one element was 0.

NORM_X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -2.0]])


@pytest.mark.parametrize("p", [3, 0.5, -1, 1.5])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_of_other_p_has_finite_gradients_at_zeros(p, dim):
    x = ag.tensor(NORM_X, requires_grad=True)
    x.norm(p, dim=dim).sum().backward()
    grad = np.asarray(x.grad)
    assert np.all(np.isfinite(grad)), grad
    np.testing.assert_array_equal(grad[0], 0.0)  # the zero row
    if p < 1:
        assert grad[1, 1] == 0.0  # a zero element, where |x|^p has an infinite derivative
    np.testing.assert_allclose(x.norm(p, dim=dim).data, ag.linalg.vector_norm(ag.tensor(NORM_X), p, dim).data)


@pytest.mark.parametrize("p", [3, 0.5, -1, 1.5])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_of_other_p_matches_torch(p, dim):
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(NORM_X, requires_grad=True)
    ours = ag.tensor(NORM_X, requires_grad=True)
    (theirs.norm(p) if dim is None else theirs.norm(p, dim=dim)).sum().backward()
    ours.norm(p, dim=dim).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)
