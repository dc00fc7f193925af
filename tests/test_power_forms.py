"""x ** 3, x ** -2 and x ** -0.5 of float data: PyTorch's CPU arithmetic (x·x·x, 1/(x·x), 1/√x), not pow's.

torch.pow computes these three exponents as products (its pow kernel's special cases), so its results differ from
C's pow in the last bit for about a third of the elements; ours followed NumPy's power and differed the same way (and
NumPy's float power is slow: x ** 3 of 2M float32 elements took 125 ms against 0.4 for the product). NumPy's own
shortcuts (2, -1, 0.5, 1) were PyTorch's bits already. The rule is ops/elementwise.py's `power_form`; out of place,
in place (`pow_`, `**=`) and in compiled steps alike.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gradient_helpers import same_bits

import autograd_core as ag
from autograd_core.ops.elementwise import power_form

FLOATS = (np.float16, np.float32, np.float64)
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-30, 1e30, -1e-30, 3e-8, -7.5]


def _data(dtype, n=2000, seed=0):
    x = (np.random.default_rng(seed).standard_normal(n) * 3).astype(dtype)
    x[:len(SPECIAL)] = SPECIAL
    return x


def _same_bits(a, b):
    """gradient_helpers.same_bits, and the signs of zeros too ((-0.0) ** 3 is -0.0, 1/√-0 is -inf)."""
    return same_bits(a, b) and bool(np.all((np.signbit(a) == np.signbit(b)) | np.isnan(a)))


def _products(x, exponent):
    """PyTorch's arithmetic for the three exponents, written plainly (float16 in float32, rounded once; its -0.5 is
    pow's)."""
    with np.errstate(all="ignore"):
        if x.dtype == np.float16:
            if exponent == -0.5:
                return x ** np.float16(-0.5)
            return _products(x.astype(np.float32), exponent).astype(np.float16)
        if exponent == 3:
            return x * x * x
        if exponent == -2:
            return 1 / (x * x)
        return 1 / np.sqrt(x)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("exponent", [3, 3.0, -2, -2.0, -0.5])
def test_the_three_exponents_are_products(dtype, exponent):
    x = _data(dtype)
    expected = _products(x, exponent)
    assert _same_bits((ag.tensor(x) ** exponent).data, expected)
    assert _same_bits(ag.tensor(x).pow(exponent).data, expected)
    assert _same_bits(ag.pow(ag.tensor(x), exponent).data, expected)
    for i in (0, 1, 3, 11, 20):  # 0-d Values (NumPy scalars) too
        assert _same_bits((ag.tensor(x[i]) ** exponent).data, expected[i])
    changed, augmented = ag.tensor(x.copy()), ag.tensor(x.copy())
    changed.pow_(exponent)
    augmented **= exponent
    assert _same_bits(changed.data, expected) and _same_bits(augmented.data, expected)


def test_at_minus_zero_the_reciprocal_square_root_is_minus_infinity():
    """1/√-0 = 1/-0: PyTorch's rsqrt; C's pow(-0, -0.5) is +inf. float16 keeps pow's, as PyTorch's does."""
    assert (ag.tensor([-0.0, 0.0]) ** -0.5).data.tolist() == [-np.inf, np.inf]
    assert (ag.tensor([-0.0, 0.0], dtype=ag.float16) ** -0.5).data.tolist() == [np.inf, np.inf]


def test_other_exponents_and_dtypes_keep_numpys_power():
    x = _data(np.float32)
    with np.errstate(all="ignore"):
        for exponent in (2, 2.5, -1, 0.5, 4, -3, 1, 0):
            assert _same_bits((ag.tensor(x) ** exponent).data, x ** np.float32(exponent))
    ints = np.arange(-4, 5)
    assert (ag.tensor(ints) ** 3).data.tolist() == (ints ** 3).tolist()
    # an exponent array of another dtype: NumPy's power decides the result dtype, as before
    assert power_form(x, np.float64(3.0)) is None and power_form(x, np.array(3.0)) is None
    assert power_form(x, np.float32(3.0)) is not None and power_form(x, 3) is not None
    assert power_form(ints, 3) is None and power_form(x.astype(np.complex64), 3) is None


def test_gradients_and_compiled_steps_agree():
    x = ag.tensor(_data(np.float64)[len(SPECIAL):50], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning reaches the user (float_errors.py)
        ((x ** 3) + (x ** -2) + (x.abs() ** -0.5)).sum().backward()
    d = x.data
    assert np.allclose(x.grad, 3 * d ** 2 - 2 * d ** -3.0 - 0.5 * np.sign(d) * np.abs(d) ** -1.5, rtol=1e-12)
    assert ag.gradcheck(lambda v: (v ** 3 + v ** -2).sum(), (ag.tensor([0.7, -1.3, 2.1], requires_grad=True),))

    def f(v):
        return (v ** 3 - v.abs() ** -0.5) * 0.5

    compiled = ag.compile(f)
    v = ag.tensor(_data(np.float32)[len(SPECIAL):])
    for _ in range(4):
        assert _same_bits(compiled(v).data, f(v).data)
    assert compiled.stats["replayed"] >= 1


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("exponent", [3.0, -2.0, -0.5, 2.0, -1.0])
def test_pytorchs_bits(dtype, exponent):
    """(Not 0.5: ours is NumPy's correctly rounded square root, torch.sqrt's and torch.pow(x, 0.5)'s are not, in
    float32 for ~9% of the elements.)"""
    torch = pytest.importorskip("torch")
    x = _data(dtype, seed=1)
    expected = torch.pow(torch.from_numpy(x), exponent).numpy()
    assert _same_bits(ag.tensor(x).pow(exponent).data, expected)
    theirs = torch.from_numpy(x.copy())
    theirs.pow_(exponent)
    ours = ag.tensor(x.copy())
    ours.pow_(exponent)
    assert _same_bits(ours.data, theirs.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("exponent", [3.0, 2.0, -1.0])
def test_pytorchs_gradient_bits(dtype, exponent):
    """pow's rule is PyTorch's g·(y·x^(y−1)) with x^(y−1) its arithmetic: x·x for 3, 1/(x·x) for -1 (as a gradient
    written by hand from x ** -2 is: Karpathy's backprop ninja compares them for exact equality). Exponents whose
    y − 1 PyTorch takes to its pow (-3, -1.5) differ in the last bit, as its pow and C's do."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w = (rng.standard_normal(3000) * 3).astype(dtype), rng.standard_normal(3000).astype(dtype)
    ours = ag.tensor(x, requires_grad=True)
    (ours ** exponent * ag.tensor(w)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    (theirs ** exponent * torch.from_numpy(w)).sum().backward()
    assert _same_bits(ours.grad, theirs.grad.numpy())
