"""More of PyTorch's elementwise functions: log1p, expm1, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,
atan2, logaddexp and lerp (primitives, each beside its derivative), the rounding family sign, round, floor, ceil,
trunc (primitives with a zero gradient, as in PyTorch), and compositions: log2, log10, reciprocal, rsqrt, frac,
addcmul, addcdiv, hypot; the comparisons eq, ne, gt, ge, lt, le and the tests isnan, isinf, isfinite, isclose
(boolean results without a gradient, as the operators `==`, `<`, ... give); positions and counts: nonzero, argwhere,
unique, bincount, count_nonzero (integer results without a gradient).

Forward mode: each Jacobian is diagonal, so each VJP rule is also the JVP rule (`defjvp_elementwise`).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ..grad_fn_chain_tops import declare_apart
from ..one_node import shown_as
from ..sparse_array import SparseData
from .elementwise import data_of, log, sigmoid, sqrt, where
from .index import as_value
from .nondifferentiable import refuse_complex_in_words, without_derivative, without_gradient
from .primitive import Primitive, dims_named_once, scalar_dims

# ----------------------------------------------------------------------------------------------------
# Smooth functions.

log1p = Primitive("log1p", np.log1p)      # log(1 + x), exact for small x
expm1 = Primitive("expm1", np.expm1)      # exp(x) - 1, exact for small x
tan = Primitive("tan", np.tan)
asin = Primitive("asin", np.arcsin)
acos = Primitive("acos", np.arccos)
atan = Primitive("atan", np.arctan)
sinh = Primitive("sinh", np.sinh)
cosh = Primitive("cosh", np.cosh)
asinh = Primitive("asinh", np.arcsinh)
acosh = Primitive("acosh", np.arccosh)
atanh = Primitive("atanh", np.arctanh)


def _arctan2(y, x):
    """np.arctan2, of integers or bools in the default float dtype as PyTorch's (NumPy: float64, float16 for int8)."""
    out = np.arctan2(y, x)
    if np.result_type(y, x).kind in "biu":
        from ..dtypes import DEFAULTS

        return out.astype(DEFAULTS["dtype"])
    return out


atan2 = Primitive("atan2", _arctan2)    # atan2(y, x): the angle of the point (x, y), in (-π, π]
log1p.__doc__ = "log(1 + x) elementwise (same shape as x), accurate for small x."
expm1.__doc__ = "exp(x) - 1 elementwise (same shape as x), accurate for small x."
tan.__doc__ = "Tangent elementwise (same shape as x), x in radians."
asin.__doc__ = "Inverse sine elementwise (same shape as x), in [-π/2, π/2]; nan outside [-1, 1]."
acos.__doc__ = "Inverse cosine elementwise (same shape as x), in [0, π]; nan outside [-1, 1]."
atan.__doc__ = "Inverse tangent elementwise (same shape as x), in (-π/2, π/2)."
sinh.__doc__ = "Hyperbolic sine elementwise (same shape as x)."
cosh.__doc__ = "Hyperbolic cosine elementwise (same shape as x)."
asinh.__doc__ = "Inverse hyperbolic sine elementwise (same shape as x)."
acosh.__doc__ = "Inverse hyperbolic cosine elementwise (same shape as x), in [0, inf); nan for x < 1."
atanh.__doc__ = "Inverse hyperbolic tangent elementwise (same shape as x); ±inf at ±1, nan outside [-1, 1]."
atan2.__doc__ = "atan2(y, x): the angle of the point (x, y) in (-π, π], elementwise over the broadcast shape."

log1p.defvjp(lambda g, out, x: g / (1 + x), formulas=("g/(1+x)",))
expm1.defvjp(lambda g, out, x: g * (out + 1), formulas=("g⊙eˣ",))
tan.defvjp(lambda g, out, x: g * (1 + out * out), formulas=("g⊙(1+tan²x)",))
asin.defvjp(lambda g, out, x: g / sqrt(1 - x * x), formulas=("g/√(1−x²)",))
acos.defvjp(lambda g, out, x: -g / sqrt(1 - x * x), formulas=("−g/√(1−x²)",))
atan.defvjp(lambda g, out, x: g / (1 + x * x), formulas=("g/(1+x²)",))
sinh.defvjp(lambda g, out, x: g * cosh(x), formulas=("g⊙cosh x",))
cosh.defvjp(lambda g, out, x: g * sinh(x), formulas=("g⊙sinh x",))
# The inverse hyperbolic functions' rules are PyTorch's formulas, so their poles agree: acosh's derivative is inf
# at x = ±1 (√0) and nan for |x| < 1, atanh's is inf at x = ±1 (1 − x² = +0) and finite again for |x| > 1.
asinh.defvjp(lambda g, out, x: g / sqrt(x * x + 1), formulas=("g/√(x²+1)",))
def _acosh_vjp(g, out, x):
    # Complex z: 1/(√(z−1)·√(z+1)), the derivative of the principal branch (1/√(z²−1) has the wrong sign where
    # Re z < 0), as PyTorch's
    if x.dtype.kind == "c":
        return g / (sqrt(x - 1) * sqrt(x + 1))
    return g / sqrt(x * x - 1)


acosh.defvjp(_acosh_vjp, formulas=("g/√(x²−1)",))
atanh.defvjp(lambda g, out, x: g / (1 - x * x), formulas=("g/(1−x²)",))
def _atan2_recip(y, x):
    """1 / (x² + y²), and 0 at x = y = 0 (as PyTorch: atan2's gradient there is 0, not 0/0)."""
    r2 = x * x + y * y
    origin = data_of(r2) == 0
    if not np.any(origin):
        return 1 / r2
    return where(origin, 0, 1 / where(origin, 1, r2))


atan2.defvjp(lambda g, out, y, x: g * x * _atan2_recip(y, x),     # ∂/∂y atan2(y, x) = x / (x² + y²)
             lambda g, out, y, x: -g * y * _atan2_recip(y, x),    # ∂/∂x atan2(y, x) = −y / (x² + y²)
             formulas=("g⊙x/(x²+y²)", "−g⊙y/(x²+y²)"))


def _log_add_exp(x, y):
    """log(eˣ + eʸ): NumPy's max(x, y) + log1p(exp(−|x − y|)); for complex numbers PyTorch's hi + log1p(exp(lo − hi)),
    lo and hi the two ordered by their real parts (y the larger on a tie), whose imaginary part is not reduced to
    (−π, π] (torch.logcumsumexp's scan is this, so the two agree to the last bit)."""
    if np.result_type(x, y).kind != "c":
        return np.logaddexp(x, y)
    x_smaller = np.real(x) < np.real(y)
    lo, hi = np.where(x_smaller, x, y), np.where(x_smaller, y, x)
    with np.errstate(invalid="ignore", over="ignore"):
        out = hi + np.log1p(np.exp(lo - hi))
    both_infinite = np.isinf(np.real(hi)) & (np.real(lo) == np.real(hi))
    return np.where(both_infinite, hi, out)[()]  # inf − inf: the infinity itself


_logaddexp = Primitive("logaddexp", _log_add_exp)


# ∂/∂x log(eˣ + eʸ) = eˣ/(eˣ + eʸ) = σ(x − y): PyTorch's g/(1 + e^(y−x)), without its overflow (e^(y−x) = inf makes
# PyTorch's second derivative inf/inf = NaN at |x − y| > 710; σ's is 0). One product with g, so an infinite g gives
# ±inf where σ > 0, and NaN where σ = 0 (inf·0), as PyTorch's inf/(1 + inf).
_logaddexp.defvjp(lambda g, out, x, y: g * sigmoid(x - y),
                  lambda g, out, x, y: g * sigmoid(y - x),
                  formulas=("g⊙σ(x−y)", "g⊙σ(y−x)"))


def _lerp_forward(x, end, weight):
    """PyTorch's lerp: x + w·(end − x) where |w| < ½, else end − (end − x)·(1 − w) (exact at w = 1)."""
    return np.where(np.abs(weight) < 0.5, x + weight * (end - x), end - (end - x) * (1 - weight))[()]


_lerp = Primitive("lerp", _lerp_forward)
# ∂/∂x = 1 − w, ∂/∂end = w, ∂/∂w = end − x: one product with g each, as PyTorch's (the composition x + w·(end − x)
# sent g to x along two paths, g − w·g: ∞ − ∞ = NaN for an infinite g).
_lerp.defvjp(lambda g, out, x, end, w: g * (1 - w),
             lambda g, out, x, end, w: g * w,
             lambda g, out, x, end, w: g * (end - x),
             formulas=("g⊙(1−w)", "g⊙w", "g⊙(end−x)"))
for _p in (log1p, expm1, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2, _logaddexp, _lerp):
    _p.defjvp_elementwise()
_lerp.promotes = True
atan2.promotes = True  # float32 with int64 computes in float32, as PyTorch's (NumPy: float64)
_logaddexp.promotes = True


# ----------------------------------------------------------------------------------------------------
# Piecewise-constant functions: the derivative is 0 almost everywhere, and PyTorch gives 0 everywhere (its results
# still require a gradient, so that a graph through them can be built and differentiated).


def _zero(g, out, x, **params):
    return where(False, g, 0)  # zeros even where g is infinite or NaN (g·0 would be NaN there), as PyTorch's


def _round_half_even(x, decimals=0):
    return np.round(x, decimals)




def _sign(x):
    if x.dtype.kind == "b":
        return x.copy()  # a bool's sign is itself, as PyTorch's (NumPy has no sign for bools)
    out = np.sign(x)
    if out.dtype.kind == "f" and np.isnan(out).any():
        out = np.where(np.isnan(out), out.dtype.type(0), out)[()]  # PyTorch's sign(NaN) is 0 (NumPy's: NaN)
    return out


sign = Primitive("sign", _sign)         # -1, 0 or 1 by the sign of x (0 for NaN, as PyTorch)
floor = Primitive("floor", np.floor)    # the largest integer <= x
ceil = Primitive("ceil", np.ceil)       # the smallest integer >= x
trunc = Primitive("trunc", np.trunc)    # x rounded toward zero
sign.__doc__ = "-1, 0 or 1 by the sign of x, elementwise (same shape as x; 0 for NaN, as PyTorch); zero gradient."
floor.__doc__ = "The largest integer <= x, elementwise (same shape and dtype as x); zero gradient."
ceil.__doc__ = "The smallest integer >= x, elementwise (same shape and dtype as x); zero gradient."
trunc.__doc__ = "x rounded toward zero, elementwise (same shape and dtype as x); zero gradient."
_round = Primitive("round", _round_half_even)
_round.keeps_for_name = lambda params: {"decimals": params.get("decimals")}  # RoundBackward0, or 1 with decimals
for _p in (sign, floor, ceil, trunc, _round):   # (integer inputs keep their dtype, as in PyTorch and NumPy 2)
    _p.defvjp(_zero, formulas=("0",))
    _p.defjvp_elementwise()


def round(input, *, decimals=0):  # noqa: A001  (torch.round)
    """input rounded to `decimals` decimal places, halves to even (as PyTorch and NumPy); zero gradient."""
    x = as_value(input)
    return _round(x, decimals=int(decimals)) if decimals else _round(x)


# ----------------------------------------------------------------------------------------------------
# Compositions.

_LOG2, _LOG10 = math.log(2.0), math.log(10.0)


def log2(input):
    """log(x) / log(2)."""
    x = as_value(input)
    return shown_as(log(x) * (1 / _LOG2), x, "Log2Backward0")  # PyTorch's one node


def log10(input):
    """log(x) / log(10)."""
    x = as_value(input)
    return shown_as(log(x) * (1 / _LOG10), x, "Log10Backward0")


def reciprocal(input):
    """1 / x."""
    x = as_value(input)
    return shown_as(1 / x, x, "ReciprocalBackward0")


def rsqrt(input):
    """1 / sqrt(x)."""
    x = as_value(input)
    return shown_as(1 / sqrt(x), x, "RsqrtBackward0")


def frac(input):
    """x - trunc(x): the fractional part, with the sign of x; gradient 1."""
    refuse_complex_in_words('"frac_cpu"', input)
    x = as_value(input)
    if isinstance(x.data, SparseData):  # frac(0) = 0: frac of each stored value, in the tensor's layout
        return x.zero_preserving(frac, "frac")
    return shown_as(x - trunc(x), x, "FracBackward0")  # PyTorch's one node


def lerp(input, end, weight):
    """input + weight · (end − input) over the broadcast shape; weight a number or a Value. One primitive, with
    PyTorch's rounding (from the nearer end: exactly `end` at weight 1) and gradients g·(1 − w), g·w, g·(end − x)."""
    return _lerp(as_value(input), end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 · tensor2 (broadcasting)."""
    x = as_value(input)
    product = as_value(tensor1) * tensor2
    return shown_as(x + (product if value == 1 else product * value), (x, tensor1, tensor2), "AddcmulBackward0")


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 / tensor2 (broadcasting)."""
    x = as_value(input)
    quotient = as_value(tensor1) / tensor2
    return shown_as(x + (quotient if value == 1 else quotient * value), (x, tensor1, tensor2), "AddcdivBackward0")


def logaddexp(input, other):
    """log(eˣ + eʸ) elementwise over the broadcast shape, without overflow (max(x, y) + log1p(e^−|x−y|)); −inf at
    (−inf, −inf). Gradients σ(x − y) and σ(y − x), as PyTorch's (NaN where both are +inf or both −inf); one
    primitive, so its second derivative at x = y is PyTorch's 1/4 too."""
    return _logaddexp(as_value(input), other)


def hypot(input, other):
    """sqrt(x² + y²) elementwise (broadcasting)."""
    refuse_complex_in_words('"hypot_cpu"', input, other)
    x = as_value(input)
    out = shown_as(sqrt(x * x + other * other), (x, other), "HypotBackward0")  # PyTorch's one node
    return out if x is not other else declare_apart(out, hypot)  # (x's uses: whose are which input's, for hooks)


# ----------------------------------------------------------------------------------------------------
# Boolean results (no gradient), as the operators give them.


def _comparison(op, name):
    def fn(input, other):
        return op(as_value(input), other)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}: elementwise `{op.__name__}` of input and other (broadcasting), a boolean Value."
    return fn


eq, ne, gt, ge, lt, le = (_comparison(getattr(operator, n), n) for n in ("eq", "ne", "gt", "ge", "lt", "le"))


def isnan(input):
    """Where x is NaN (a boolean Value)."""
    return without_gradient(np.isnan, as_value(input))


def isinf(input):
    """Where x is +inf or -inf (a boolean Value)."""
    return without_gradient(np.isinf, as_value(input))


def isfinite(input):
    """Where x is neither NaN nor ±inf (a boolean Value)."""
    return without_gradient(np.isfinite, as_value(input))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input − other| <= atol + rtol · |other| elementwise (a boolean Value), as torch.isclose."""
    return without_gradient(np.isclose, as_value(input), other, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))


# ----------------------------------------------------------------------------------------------------
# Positions and counts: integer results without a gradient, as in PyTorch.


def nonzero(input, *, as_tuple=False):
    """The positions of the nonzero (True) elements, as torch.nonzero: an int64 Value of shape (count, ndim), one
    row per element in row-major order; with as_tuple=True, one 1-D Value per dimension (NumPy's np.nonzero)."""
    x = as_value(input)
    data = np.atleast_1d(np.asarray(x.data))
    positions = np.nonzero(data)
    if as_tuple:
        return tuple(as_value(p.astype(np.int64)) for p in positions)
    if not x.ndim:  # a 0-d input: one row of no coordinates if it is nonzero, else none (PyTorch's (1, 0) or (0, 0))
        return as_value(np.zeros((len(positions[0]), 0), np.int64))
    return as_value(np.stack(positions, axis=1).astype(np.int64).reshape(-1, data.ndim))


def argwhere(input):
    """torch.argwhere: nonzero(input) as a (count, ndim) int64 Value."""
    return nonzero(input)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002 (torch's name)
    """The distinct elements, sorted (also with sorted=False, as PyTorch on the CPU), flattened unless `dim` names
    a dimension whose distinct slices are wanted; with return_inverse, where each element (slice) of input is in
    the result (input's shape, or its size along dim); with return_counts, how often each occurs. No gradient: the
    distinct elements of an input that requires grad have PyTorch's node (Unique2Backward0, UniqueDimBackward0),
    through which a backward pass raises NotImplementedError, as PyTorch's."""
    refuse_complex_in_words('"unique"', input)
    x = as_value(input)
    data = np.asarray(x.data)
    if dim is not None:
        from .index import check_dim

        dim = check_dim(dim, data.ndim, wrap_scalar=False)
    values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=dim)
    results = [without_derivative(x, values, _unique_values, "UniqueDimBackward0" if dim is not None else
                                  "Unique2Backward0", "unique_dim" if dim is not None else "_unique2", axis=dim)]
    if return_inverse:
        results.append(as_value(inverse.reshape(data.shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        results.append(as_value(counts.astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


def _unique_values(data, axis=None):
    return np.unique(data, axis=axis)


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs in the 1-D `input` (int64), or the sum of `weights` at each, as
    torch.bincount: length max(input) + 1, at least minlength. No gradient."""
    refuse_complex_in_words('"bincount_cpu"', input)
    data = np.asarray(as_value(input).data)
    if data.ndim != 1 or data.dtype.kind not in "iub":
        raise RuntimeError(f"bincount(): expected a 1-D tensor of non-negative integers, got {data.dtype} of "
                           f"{data.ndim} dimensions")
    if data.size and data.min() < 0:
        raise RuntimeError("bincount(): input must be non-negative")
    w = None if weights is None else np.asarray(as_value(weights).data)
    counts = np.bincount(data, weights=w, minlength=int(minlength))
    if w is None:
        return as_value(counts.astype(np.int64))
    # PyTorch sums float32 weights in float32 and every other dtype (float16, integers, bool) in float64.
    return as_value(counts.astype(np.float32) if w.dtype == np.float32 else counts)


def count_nonzero(input, dim=None):
    """How many elements are nonzero, over all of input or along dim (an int or tuple of ints), as int64."""
    data = np.asarray(as_value(input).data)
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
    if data.ndim == 0 and axis is not None:  # its one dimension, 0 or -1 (PyTorch's checks)
        axis = scalar_dims(axis)
    if axis == ():  # PyTorch's dim=() or [] counts over every dimension (NumPy's axis=() over none)
        axis = None
    axis = dims_named_once(axis, data.ndim)
    try:
        counts = np.count_nonzero(data, axis=axis)
    except np.exceptions.AxisError as err:  # NumPy's words ('axis 3 is out of bounds ...'): PyTorch's
        from ..errors import axis_error_in_pytorchs_words

        raise axis_error_in_pytorchs_words(err) from None
    return as_value(np.asarray(counts, dtype=np.int64))


# PyTorch's names of the inputs, so that torch.log1p(input=x) and torch.atan2(x, other=y) work (defarguments).
for _unary in (log1p, expm1, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, sign, floor, ceil, trunc):
    _unary.defarguments("input")
atan2.defarguments("input", "other")
