"""Reductions (NumPy semantics: `axis` None, int or tuple; `keepdims`) and the softmax family.

A reduction's gradient is the output gradient put back on the reduced axes and broadcast over them.
`max` and `min` share it equally among tied elements (as PyTorch's amax/amin do).
"""

from __future__ import annotations

import builtins
import math
import numbers
import warnings

import numpy as np

from ..errors import ShapeError
from .. import recycle
from ..grad_array import ParameterArray
from ..one_node import outputs_of_one_node
from .elementwise import _quiet, data_of, exp, where
from .primitive import primitive
from .shape import broadcast_to
from ..value import _FLOAT_SCALARS


def _axes(axis, ndim):
    """Normalise `axis` to a sorted tuple of non-negative axes (all of them for None)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, numbers.Integral):
        axis = (axis,)
    axes = []
    for a in axis:
        if not -ndim <= a < ndim:
            from ..errors import dim_out_of_range

            raise np.exceptions.AxisError(dim_out_of_range(a, ndim))  # IndexError, as PyTorch's, and ValueError
        axes.append(int(a) % ndim)
    if len(set(axes)) != len(axes):  # PyTorch's words (a RuntimeError there; the callers make it a ShapeError)
        twice = next(a for i, a in enumerate(axes) if a in axes[:i])
        raise ShapeError(f"dim {twice} appears multiple times in the list of dims (repeated axis in {axis})")
    return tuple(sorted(axes))


def _kept_shape(shape, axis):
    """The shape of a reduction over `axis` with keepdims=True."""
    axes = _axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(g, x, axis, keepdims):
    """The output gradient with the reduced axes put back as size 1, ready to broadcast against x."""
    if keepdims:
        return g
    return g.reshape(_kept_shape(x.shape, axis))


def _count(shape, axis):
    """How many elements a reduction over `axis` combines into each output element."""
    if axis is None:
        return math.prod(shape)
    return int(np.prod([shape[a] for a in _axes(axis, len(shape))], dtype=np.int64))


def _check_axis(x, axis):
    _axes(axis, np.ndim(x))  # raises a clear error for a bad axis
    return axis


def _refuse_integral_softmax(kernel, x, axis):
    """PyTorch's refusal of integers and bools by its (log_)softmax kernels, named as PyTorch names them: the one
    over the last dimension, or the general one, for an integer or bool x (NumPy would compute in float64). Empty
    inputs pass, as there."""
    if x.size:
        from ..errors import scalar_type_name

        name = f"{kernel}_lastdim_kernel_impl" if axis in (-1, np.ndim(x) - 1) else f"{kernel}_kernel_impl"
        raise NotImplementedError(f'"{name}" not implemented for \'{scalar_type_name(x.dtype)}\' ({kernel} computes '
                                  f"in floating point: convert first, x.float(), or pass dtype=torch.float32)")


# ----------------------------------------------------------------------------------------------------


_FLOAT_DATA = _FLOAT_SCALARS | {np.ndarray}


def _spread(g, x, axis, keepdims):
    """g put back on the reduced axes and broadcast to x's shape. On NumPy data a fresh array: the engine would
    copy a read-only broadcast view before keeping it as a gradient, and np.broadcast_to costs more in Python."""
    if g.__class__ in _FLOAT_DATA and (x.__class__ is np.ndarray or x.__class__ is ParameterArray):
        spread = np.empty(x.shape, g.dtype)
        spread[...] = g if axis is None else _expand(g, x, axis, keepdims)
        return spread
    return broadcast_to(_expand(g, x, axis, keepdims), shape=x.shape)


@primitive("sum")
def sum(x, axis=None, keepdims=False):
    if axis is None and x.__class__ is np.ndarray:
        return np.add.reduce(x, axis=None, keepdims=keepdims)  # np.sum's own call, without its Python wrapper
    if axis is None and x.__class__ is ParameterArray:  # (np.sum would call its Python `sum` method): a plain result
        return np.add.reduce(x.view(np.ndarray), axis=None, keepdims=keepdims)
    return np.sum(x, axis=_check_axis(x, axis), keepdims=keepdims)


sum.defvjp(lambda g, out, x, axis=None, keepdims=False: _spread(g, x, axis, keepdims),    # d Σx / dxᵢ = 1
           formulas=("broadcast g",))
sum.defjvp_linear()


@primitive("mean")
def mean(x, axis=None, keepdims=False):
    if x.__class__ is ParameterArray:  # a parameter's data alone (p.mean()): plain data out, as from other arrays
        x = x.view(np.ndarray)
    axis = _check_axis(x, axis)
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind != "f" or dtype.itemsize < 4:  # NumPy's accumulators (float16: float32, ints)
        return np.mean(x, axis=axis, keepdims=keepdims)
    # np.mean of float32/float64, bit for bit: the sum reduced from here, so that an overflow (a diverging loss) is
    # silent as in PyTorch, where np.mean warns "overflow encountered in reduce" from inside NumPy
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(np.shape(x), axis)


def _mean_vjp(g, out, x, axis=None, keepdims=False):
    share = g / _count(x.shape, axis)  # d mean / dxᵢ = 1/n
    # x goes to _spread as a name of its own: the bytecode reader that finds what a rule reads (rule_reads.py)
    # follows a helper only when every argument of the call is one; then x is not saved (PyTorch's saves its shape)
    return _spread(share, x, axis, keepdims)


mean.defvjp(_mean_vjp, formulas=("broadcast g / n",))
mean.defjvp_linear()


def refuse_integral_spread(x, who="std and var"):
    """PyTorch's refusal of the spread of integers or bools (who: "std and var", "var_mean" or "std_mean", as its
    messages name them): x.float().var() is meant, and NumPy's float64 result would not be PyTorch's."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind in "biu":
        raise RuntimeError(f"{who} only support floating point and complex dtypes (got {dtype}: convert first, "
                           "x.float())")


@primitive("var")
def var(x, axis=None, ddof=0, keepdims=False):
    refuse_integral_spread(x)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Degrees of freedom <= 0": the result says it (inf, nan)
        return np.var(x, axis=_check_axis(x, axis), ddof=ddof, keepdims=keepdims)


def _var_vjp(g, out, x, axis=None, ddof=0, keepdims=False):
    # var = Σ(x - m)² / (n - ddof), so d var / dxᵢ = 2 (xᵢ - m) / (n - ddof) (the m-terms cancel).
    # With ddof >= n the forward divides by max(n - ddof, 0) = 0 (inf or nan, as NumPy and PyTorch); so does this.
    centred = _centred(x, axis)
    with np.errstate(divide="ignore"):
        scale = np.float64(2.0) / np.float64(builtins.max(_count(x.shape, axis) - ddof, 0))
    return _quiet(lambda: _expand(g, x, axis, keepdims) * centred * scale)


def _centred(x, axis):
    """x − mean(x), conjugated for complex x: var = Σ|x − m|²/(n − ddof) is real, and 2∂|u|²/∂u = 2·conj(u), so the
    real rule's x − m becomes conj(x − m) (the convention of ops/complex.py)."""
    centred = x - x.mean(axis=axis, keepdims=True)
    if x.dtype.kind == "c":
        from .complex import conj

        centred = conj(centred)
    return centred


def _var_jvp(t, out, x, axis=None, ddof=0, keepdims=False):
    # d var = Σ 2·Re(conj(x − m)·dx) / (n − ddof) (for real x the real part is the product itself)
    change = _centred(x, axis) * t
    if change.dtype.kind == "c":
        change = change.real
    with np.errstate(divide="ignore"):  # n − ddof <= 0: inf or nan, as the forward (not Python's ZeroDivisionError)
        scale = np.float64(2.0) / np.float64(_count(x.shape, axis) - ddof)
    return _quiet(lambda: change.sum(axis=axis, keepdims=keepdims) * scale)


var.defvjp(_var_vjp, formulas=("g⊙2(x−x̄)/(n−ddof)",))
var.defjvp(_var_jvp)


@primitive("std")
def std(x, axis=None, ddof=0, keepdims=False):
    return np.sqrt(var.forward(x, axis=axis, ddof=ddof, keepdims=keepdims))


def _through_sqrt(g, out):
    """g·d√v/dv = g/(2·std), taken as 0 where std is 0, as PyTorch's std_backward masks it: a constant row has no
    direction to spread in, and 1/0 would make the gradient nan (which the hand-written LayerNorm's
    (x − mean)/(std + eps) passes on to every parameter)."""
    if g.__class__ is np.ndarray and out.__class__ is np.ndarray:  # a backward pass on arrays: divide where std > 0
        slope = np.zeros(np.broadcast_shapes(g.shape, out.shape), np.result_type(g, out))
        return np.divide(g, out + out, out=slope, where=out != 0)
    zero = data_of(out) == 0
    if not np.any(zero):
        return g / (2 * out)
    # Values (create_graph): the denominator is 1 where std is 0, so the second derivative there is 0, not 0·∞
    return where(zero, 0, g / (2 * where(zero, 1, out)))


def _std_vjp(g, out, x, axis=None, ddof=0, keepdims=False):
    return _var_vjp(_through_sqrt(g, out), None, x, axis, ddof, keepdims)      # chain rule through var


def _std_jvp(t, out, x, axis=None, ddof=0, keepdims=False):
    return _through_sqrt(_var_jvp(t, None, x, axis, ddof, keepdims), out)


std.defvjp(_std_vjp, formulas=("g⊙(x−x̄)/((n−ddof)·std), 0 where std = 0",))
std.defjvp(_std_jvp)


def std_mean(x, axis=None, ddof=0, keepdims=False):
    """(std, mean) of x over axis, as torch.std_mean: PyTorch's one node of two outputs (StdMeanBackward0) is two
    here, each named so and listing the input, as PyTorch's, and sharing one GradFn (outputs_of_one_node)."""
    return outputs_of_one_node((std.named("StdMeanBackward0")(x, axis=axis, ddof=ddof, keepdims=keepdims),
                                mean.named("StdMeanBackward0")(x, axis=axis, keepdims=keepdims)))


def var_mean(x, axis=None, ddof=0, keepdims=False):
    """(var, mean) of x over axis, as torch.var_mean: two nodes named as PyTorch's one (VarMeanBackward0)."""
    return outputs_of_one_node((var.named("VarMeanBackward0")(x, axis=axis, ddof=ddof, keepdims=keepdims),
                                mean.named("VarMeanBackward0")(x, axis=axis, keepdims=keepdims)))


def _extremum_vjp(g, out, x, axis=None, keepdims=False):
    # Ties split g equally; a NaN result goes to the NaNs (NaN != NaN). Elsewhere 0, even for an infinite or NaN g
    # (a `where`, as PyTorch's max(): g·0 would be NaN).
    xd = data_of(x)
    extremum = np.reshape(data_of(out), _kept_shape(xd.shape, axis))
    hit = xd == extremum
    if xd.dtype.kind in "fc":
        hit |= np.isnan(xd) & np.isnan(extremum)
    share = (hit / hit.sum(axis=axis, keepdims=True)).astype(xd.dtype)
    return where(hit, _expand(g, x, axis, keepdims) * share, 0)


@primitive("max")
def max(x, axis=None, keepdims=False):
    return np.max(x, axis=_check_axis(x, axis), keepdims=keepdims)


@primitive("min")
def min(x, axis=None, keepdims=False):
    return np.min(x, axis=_check_axis(x, axis), keepdims=keepdims)


max.defvjp(_extremum_vjp, formulas=("g at the argmax",))
min.defvjp(_extremum_vjp, formulas=("g at the argmin",))


def _extremum_jvp(t, out, x, axis=None, keepdims=False):
    # d max = Σ share ⊙ dx over the reduced axes: the tangent at the maximum (ties share it, as in the VJP).
    return (t * _extremum_vjp(1, out, x, axis=axis, keepdims=True)).sum(axis=axis, keepdims=keepdims)


max.defjvp(_extremum_jvp)
min.defjvp(_extremum_jvp)
@primitive("prod")
def prod(x, axis=None, keepdims=False):
    return np.prod(x, axis=_check_axis(x, axis), keepdims=keepdims)


def _prod_vjp(g, out, x, axis=None, keepdims=False):
    # d Πx / dxᵢ = Π_{j≠i} xⱼ: out / xᵢ when no element is 0. With zeros, the product of the others is taken
    # directly: x's reduced axes go last, flattened to n, and row i of an (n, n) copy has xᵢ replaced by 1.
    g = _expand(g, x, axis, keepdims)
    xd = data_of(x)
    if np.all(xd != 0):
        return g * _expand(out, x, axis, keepdims) / x
    axes = _axes(axis, xd.ndim)
    kept = tuple(i for i in range(xd.ndim) if i not in axes)
    order = kept + axes
    kept_shape = tuple(xd.shape[i] for i in kept)
    n = _count(xd.shape, axis)
    rows = broadcast_to(x.transpose(order).reshape(kept_shape + (1, n)), shape=kept_shape + (n, n))
    others = prod(where(np.eye(n, dtype=bool), 1, rows), axis=-1)
    others = others.reshape(tuple(xd.shape[i] for i in order)).transpose(tuple(np.argsort(order)))
    return g * others


prod.defvjp(_prod_vjp, formulas=("g⊙Π_{j≠i} x_j",))
prod.defjvp(lambda t, out, x, axis=None, keepdims=False:       # d Πx = Σᵢ (Π_{j≠i} xⱼ) dxᵢ
            (t * _prod_vjp(1, out.reshape(_kept_shape(x.shape, axis)), x, axis=axis, keepdims=True))
            .sum(axis=axis, keepdims=keepdims))


# ----------------------------------------------------------------------------------------------------
# The softmax family, computed after subtracting the maximum so that ±1000 neither overflows nor
# underflows to nan.
#
# softmax and log_softmax subtract the maximum itself, as PyTorch's kernels do, even where it is infinite: a row
# holding +inf comes out NaN throughout (inf − inf), and a row of −inf only NaN too (−inf − (−inf)), in PyTorch's
# values and so in its gradients (tests/test_pytorch_probe_special_values.py). The limit (0 at the finite entries
# next to +inf) would be a result no PyTorch user sees. logsumexp shifts by the finite maximum only (`_stable_max`),
# as PyTorch's: logsumexp([1, inf]) is inf.
#
# Along the last axis of a float32/float64 array (attention scores, logits: the usual case) each function also has
# a path over rows of n contiguous values: sums as BLAS matrix-vector products (NumPy's reduction along short rows
# is several times slower), results written into one array (from `recycle`: no page faults for a training step's
# arrays) instead of a new array per step of the formula. Same formulas, same numbers to rounding.


def _stable_max(x, axis):
    if x.size == 0 and x.dtype.kind == "f":  # an empty axis has no maximum: -inf (logsumexp of nothing is -inf)
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    else:
        m = np.max(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)  # all -inf (or inf) along an axis: shift by nothing


def _last_rows(*arrays, axis):
    """n when `axis` is the last axis of these float32/float64 arrays of one dtype (each then seen as rows of n
    contiguous values, reshaped to (-1, n)); else None. Values (create_graph) and other dtypes take the general path."""
    x = arrays[0]
    for a in arrays:
        if a.__class__ is not np.ndarray or a.dtype != x.dtype:
            return None
    if x.dtype.char not in "fd" or x.ndim == 0 or x.size == 0 or not isinstance(axis, numbers.Integral) \
            or axis % x.ndim != x.ndim - 1:
        return None
    return x.shape[-1]


def _shifted_rows(x, n):
    """(out, rows): x − max(x) along the last axis written into a recycled array `out` of x's shape, and `rows`, the
    same array seen as rows of n values (softmax's shift: by an infinite maximum too, see above)."""
    rows = x.reshape(-1, n)
    out = recycle.empty(x.shape, x.dtype)
    shifted = np.subtract(rows, np.max(rows, axis=1, keepdims=True), out=out.reshape(-1, n))
    return out, shifted


@primitive("logsumexp")
def logsumexp(x, axis=None, keepdims=False):
    _check_axis(x, axis)
    n = _last_rows(x, axis=axis)
    if n is not None:
        rows = x.reshape(-1, n)
        m = _stable_max(rows, 1)
        e = np.subtract(rows, m, out=recycle.empty(rows.shape, x.dtype))
        np.exp(e, out=e)
        with np.errstate(divide="ignore"):
            out = np.log(e @ np.ones(n, x.dtype)) + m[:, 0]
        out = out.reshape(x.shape[:-1] + ((1,) if keepdims else ()))
        return out[()] if out.ndim == 0 else out
    # (complex x, which the rows above never are: shifted by the largest real part, a real shift that keeps log's
    # principal branch, as PyTorch's)
    m = _stable_max(x.real if x.dtype.kind == "c" else x, axis)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        axes = _axes(axis, np.ndim(x))
        out = out.reshape(tuple(n for i, n in enumerate(np.shape(x)) if i not in axes))
    return out[()] if out.ndim == 0 else out


logsumexp.defvjp(lambda g, out, x, axis=None, keepdims=False:    # d lse / dxᵢ = softmax(x)ᵢ
                 _expand(g, x, axis, keepdims) * exp(x - _expand(out, x, axis, keepdims)),
                 formulas=("g⊙softmax(x)",))
logsumexp.defjvp(lambda t, out, x, axis=None, keepdims=False:    # d lse = Σ softmax(x) ⊙ dx
                 (exp(x - _expand(out, x, axis, keepdims)) * t).sum(axis=axis, keepdims=keepdims))


# Softmax over short rows (attention over a short context) takes each row's maximum as a column maximum of the
# transposed copy: NumPy's max along short rows costs ~20 µs plus ~50 ns a row (one reduction per row), the columns
# reduce in one vector loop (softmax of (16, 32, 32) float32 ~30 µs faster, Karpathy's GPT step 1.6%: see
# bench/bench_gpt.py). The shift is the same number, up to the sign of a zero maximum (a row holding both -0 and +0),
# which the softmax cannot show: x − (±0) is x for every x but ±0, whose exp is 1 either way.
@primitive("softmax")
def softmax(x, axis=-1):
    _check_axis(x, axis)
    if x.dtype.kind in "biu":
        _refuse_integral_softmax("softmax", x, axis)
    n = _last_rows(x, axis=axis)
    if n is not None:
        if n <= 32:  # short rows: their maxima as the column maxima of the transposed copy (see above)
            rows = x.reshape(-1, n)
            m = np.max(np.ascontiguousarray(rows.T), axis=0)[:, None]
            out = recycle.empty(x.shape, x.dtype)
            e = np.subtract(rows, m, out=out.reshape(-1, n))
        else:
            out, e = _shifted_rows(x, n)
        np.exp(e, out=e)
        e /= (e @ np.ones(n, x.dtype))[:, None]
        return out
    if x.size == 0:  # (an empty axis has no maximum: the result is as empty as x, as PyTorch's)
        return np.empty_like(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, out, x, axis=-1):                           # J = diag(s) - s sᵀ
    n = _last_rows(g, out, axis=axis)
    if n is not None:
        g2, s = g.reshape(-1, n), out.reshape(-1, n)
        grad = recycle.empty(g.shape, g.dtype)
        rows = np.subtract(g2, np.vecdot(g2, s)[:, None], out=grad.reshape(-1, n))
        rows *= s
        return grad
    return out * (g - (g * out).sum(axis=axis, keepdims=True))


softmax.defvjp(_softmax_vjp, formulas=("s⊙(g − Σ g⊙s)",))
softmax.defjvp(_softmax_vjp)                                    # J is symmetric: J t = s⊙(t − Σ t⊙s)


@primitive("log_softmax")
def log_softmax(x, axis=-1):
    _check_axis(x, axis)
    if x.dtype.kind in "biu":
        _refuse_integral_softmax("log_softmax", x, axis)
    n = _last_rows(x, axis=axis)
    if n is not None:
        out, shifted = _shifted_rows(x, n)                      # x − max
        e = np.exp(shifted, out=recycle.empty(shifted.shape, x.dtype))
        shifted -= np.log(e @ np.ones(n, x.dtype))[:, None]     # − log Σ exp(x − max) (a sum ≥ 1, or NaN)
        return out
    if x.size == 0:  # (as softmax's)
        return np.empty_like(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(g, out, x, axis=-1):                      # d/dx = g - softmax(x) Σ g
    n = _last_rows(g, out, axis=axis)
    if n is not None:
        g2 = g.reshape(-1, n)
        grad = recycle.empty(g.shape, g.dtype)
        rows = np.exp(out.reshape(-1, n), out=grad.reshape(-1, n))
        rows *= (g2 @ np.ones(n, g.dtype))[:, None]
        np.subtract(g2, rows, out=rows)
        return grad
    return g - exp(out) * g.sum(axis=axis, keepdims=True)


log_softmax.defvjp(_log_softmax_vjp, formulas=("g − softmax(x)⊙Σg",))
log_softmax.defjvp(lambda t, out, x, axis=-1:                   # d/dx = dx − Σ softmax(x)⊙dx
                   t - (exp(out) * t).sum(axis=axis, keepdims=True))


# On a 0-d input, dim 0 (or -1) is the one element, as in PyTorch (x.sum(0), x.softmax(-1)): Primitive.defreduction.
for _reduction in (sum, mean, var, std, max, min, prod, logsumexp, softmax, log_softmax):
    _reduction.defreduction()

# x.sum(dim) is PyTorch's sum.dim_IntList (SumBackward1), x.sum() its sum (SumBackward0); mean alike. Value.sum and
# Value.mean record a reduction over given dims under these twins (made last: copies of the primitives as set up
# above), so that its name does not depend on the parameters a backward pass frees (a vector's sum over dim 0 and the
# sum of all its elements have the same shapes).
sum_over_dims = sum.named("SumBackward1")
mean_over_dims = mean.named("MeanBackward1")
