"""PyTorch's functions under torch's names and arguments: `torch.sum(x, dim=1)`, `torch.max(x, 1)`, `torch.cat`,
`torch.add(x, y, out=z)`, `torch.where`, the functions of ops/ under their torch names (`torch.gather`,
`torch.cumsum`, ...), and the in-place functions (`torch.relu_(x)`: x's in-place method).

Apart from tensor.py, which makes tensors (the factories): these take tensors and call the Value methods or the
primitives of ops/ of the same names.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from .errors import ShapeError, warn_if_no_degrees_of_freedom
from . import ops
from .ops.reduce import refuse_integral_spread
from .modes import GRAD_ENABLED
from .tensor import tensor
from .tensor_methods import check_matrices, reduce_args
from .tensor_inputs import refuse_array, tensor_sequence
from .value import Value


def is_tensor(obj):
    """True if obj is a Value (this library's torch.Tensor)."""
    return isinstance(obj, Value)


def numel(input):
    """The number of elements of input (the product of its shape; 1 for a scalar), as an int."""
    return int(np.size(_value(input).data))


# ----------------------------------------------------------------------------------------------------
# Functions under PyTorch's names and arguments (`torch.sum(x, dim=1)`, `torch.max(x, 1)`, `torch.cat`):
# each calls the Value method of the same name, so both spellings accept the same arguments.


def _value(x):
    return x if isinstance(x, Value) else Value(np.asarray(x), requires_grad=False, dtype=np.asarray(x).dtype)


def _method(name, doc):
    # A NumPy array is taken as a tensor here (not refused as the elementwise functions refuse it): a Value's `.data`
    # is an array, and PyTorch's idiom `_, predicted = torch.max(outputs.data, 1)` must keep working.
    def fn(input, *args, **kwargs):
        return getattr(_value(input), name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


sum = _method("sum", "Sum over `dim`/`axis` (all elements by default); `keepdim`/`keepdims`.")
mean = _method("mean", "Mean over `dim`/`axis`.")
var = _method("var", "Variance over `dim`/`axis`: unbiased unless NumPy's spelling (axis, ddof) is used.")
std = _method("std", "Standard deviation over `dim`/`axis`: unbiased unless NumPy's spelling is used.")
max = _method("max", "Largest element; max(x, dim) gives (values, indices); max(x, y) the elementwise maximum.")
min = _method("min", "Smallest element; min(x, dim) gives (values, indices); min(x, y) the elementwise minimum.")
prod = _method("prod", "Product over `dim`/`axis` (all elements by default).")
argmax = _method("argmax", "Index of the largest element (of the flattened input when dim is None).")
argmin = _method("argmin", "Index of the smallest element (of the flattened input when dim is None).")
logsumexp = _method("logsumexp", "log Σ exp(x) over `dim`/`axis`, computed stably.")
softmax = _method("softmax", "exp(x) / Σ exp(x) along `dim` (or `axis`; required, as in PyTorch).")
log_softmax = _method("log_softmax", "log of softmax along `dim` (or `axis`; required, as in PyTorch).")
norm = _method("norm", "The p-norm (default 'fro': sqrt Σx²) over all elements or along `dim`.")
clamp = _method("clamp", "Limit to [min, max] (either may be None).")
unsqueeze = _method("unsqueeze", "A new axis of length 1 at `dim`.")
squeeze = _method("squeeze", "Remove axes of length 1 (only `dim` if given).")
permute = _method("permute", "The axes in the order given.")
flatten = _method("flatten", "Merge axes start_dim..end_dim into one.")
pow = _method("pow", "input ** exponent.")
clone = _method("clone", "A copy that stays in the graph.")
reshape = _method("reshape", "input with a new shape of the same size (one entry may be -1).")


# Indexing along a dimension, running sums, sorting (ops/index.py, ops/scan.py: compositions and primitives with
# PyTorch's arguments; each is also a Value method).
gather, scatter, scatter_add, index_select, take, masked_select, narrow = (
    ops.index.gather, ops.index.scatter, ops.index.scatter_add, ops.index.index_select, ops.index.take,
    ops.index.masked_select, ops.index.narrow)
index_add, index_copy, index_fill = ops.index.index_add, ops.index.index_copy, ops.index.index_fill
flip, roll, tril, triu, diagonal, diag, trace = (
    ops.index.flip, ops.index.roll, ops.index.tril, ops.index.triu, ops.index.diagonal, ops.index.diag,
    ops.index.trace)
cumsum, cumprod, sort, argsort, topk = ops.scan.cumsum, ops.scan.cumprod, ops.scan.sort, ops.scan.argsort, ops.scan.topk


# More elementwise functions, comparisons and products (ops/special.py, ops/linalg.py); each is also a Value method.
_s, _l = ops.special, ops.linalg
eq, ne, gt, ge, lt, le, isnan, isinf, isfinite, isclose = (
    _s.eq, _s.ne, _s.gt, _s.ge, _s.lt, _s.le, _s.isnan, _s.isinf, _s.isfinite, _s.isclose)
log1p, expm1, log2, log10, tan, asin, acos, atan, sinh, cosh, atan2 = (
    _s.log1p, _s.expm1, _s.log2, _s.log10, _s.tan, _s.asin, _s.acos, _s.atan, _s.sinh, _s.cosh, _s.atan2)
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
asinh, acosh, atanh = _s.asinh, _s.acosh, _s.atanh
arcsinh, arccosh, arctanh = asinh, acosh, atanh
reciprocal, rsqrt, lerp, addcmul, addcdiv, logaddexp, hypot = (
    _s.reciprocal, _s.rsqrt, _s.lerp, _s.addcmul, _s.addcdiv, _s.logaddexp, _s.hypot)
sign, round, floor, ceil, trunc, frac = _s.sign, _s.round, _s.floor, _s.ceil, _s.trunc, _s.frac  # noqa: A001
outer, dot, bmm, addmm = _l.outer, _l.dot, _l.bmm, _l.addmm
einsum, tensordot = ops.einsum.einsum, ops.einsum.tensordot
_p = ops.pieces
split, chunk, unbind, hstack, vstack, tile, repeat_interleave = (
    _p.split, _p.chunk, _p.unbind, _p.hstack, _p.vstack, _p.tile, _p.repeat_interleave)
amax = _method("amax", "The largest elements over `dim` (all by default); ties share the gradient equally.")
amin = _method("amin", "The smallest elements over `dim` (all by default); ties share the gradient equally.")
all = _method("all", "Whether all elements (along `dim`) are nonzero: a boolean Value.")  # noqa: A001
any = _method("any", "Whether any element (along `dim`) is nonzero: a boolean Value.")  # noqa: A001
t = _method("t", "The transpose of a matrix (0-d and 1-D Values unchanged).")
broadcast_to = _method("broadcast_to", "input broadcast to `size`; the gradient sums back over the broadcast axes.")
median, cummax, cummin = ops.scan.median, ops.scan.cummax, ops.scan.cummin
erf, erfinv, lgamma, digamma = (ops.special_functions.erf, ops.special_functions.erfinv, ops.special_functions.lgamma,
                                ops.special_functions.digamma)


def polygamma(n, input):
    """ψ⁽ⁿ⁾(input), the n-th derivative of digamma (torch.polygamma's order of arguments: n first), for input > 0."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative or non-integer n, got {n!r}")
    return ops.special_functions.polygamma(_value(input), n=int(n))
diff = ops.pieces.diff
as_strided, as_strided_scatter = ops.strided.as_strided, ops.strided.as_strided_scatter
# Rearranging and cutting up (ops/arrange.py) and more products (ops/products.py); most are also Value methods.
_a = ops.arrange
movedim, moveaxis, swapdims, swapaxes, atleast_1d, atleast_2d, atleast_3d, meshgrid = (
    _a.movedim, _a.moveaxis, _a.swapdims, _a.swapaxes, _a.atleast_1d, _a.atleast_2d, _a.atleast_3d, _a.meshgrid)
broadcast_tensors, broadcast_shapes, column_stack, dstack, row_stack, tensor_split = (
    _a.broadcast_tensors, _a.broadcast_shapes, _a.column_stack, _a.dstack, _a.row_stack, _a.tensor_split)
hsplit, vsplit, dsplit, split_with_sizes, unflatten, rot90, fliplr, flipud, select = (
    _a.hsplit, _a.vsplit, _a.dsplit, _a.split_with_sizes, _a.unflatten, _a.rot90, _a.fliplr, _a.flipud, _a.select)
take_along_dim, ravel, block_diag, cartesian_prod, combinations, diag_embed, diagflat = (
    _a.take_along_dim, _a.ravel, _a.block_diag, _a.cartesian_prod, _a.combinations, _a.diag_embed, _a.diagflat)
tril_indices, triu_indices, unravel_index = _a.tril_indices, _a.triu_indices, _a.unravel_index
_pr = ops.products
kron, cross, inner, mv, addmv, addr, baddbmm, addbmm, chain_matmul, vdot, cdist, dist = (
    _pr.kron, _pr.cross, _pr.inner, _pr.mv, _pr.addmv, _pr.addr, _pr.baddbmm, _pr.addbmm, _pr.chain_matmul,
    _pr.vdot, _pr.cdist, _pr.dist)
# More elementwise functions (ops/arith.py), reductions and statistics (ops/stats.py), type promotion
# (ops/promotion.py); most are also Value methods.
_ar = ops.arith
fmax, fmin, fmod, remainder, floor_divide, copysign, heaviside, float_power, deg2rad, rad2deg = (
    _ar.fmax, _ar.fmin, _ar.fmod, _ar.remainder, _ar.floor_divide, _ar.copysign, _ar.heaviside, _ar.float_power,
    _ar.deg2rad, _ar.rad2deg)
logical_and, logical_or, logical_xor, logical_not, signbit, isposinf, isneginf, nan_to_num = (
    _ar.logical_and, _ar.logical_or, _ar.logical_xor, _ar.logical_not, _ar.signbit, _ar.isposinf, _ar.isneginf,
    _ar.nan_to_num)
clamp_min, clamp_max, positive, negative, absolute, fix, rsub = (
    _ar.clamp_min, _ar.clamp_max, _ar.positive, _ar.negative, _ar.absolute, _ar.fix, _ar.rsub)
greater, greater_equal, less, less_equal, not_equal = (
    _ar.greater, _ar.greater_equal, _ar.less, _ar.less_equal, _ar.not_equal)
is_floating_point, is_complex, is_nonzero, is_same_size = (
    _ar.is_floating_point, _ar.is_complex, _ar.is_nonzero, _ar.is_same_size)
_st = ops.stats
nansum, nanmean, logcumsumexp, kthvalue, mode, quantile, nanquantile, nanmedian, aminmax = (
    _st.nansum, _st.nanmean, _st.logcumsumexp, _st.kthvalue, _st.mode, _st.quantile, _st.nanquantile, _st.nanmedian,
    _st.aminmax)
searchsorted, bucketize, histc, cov, corrcoef, trapezoid, trapz, cumulative_trapezoid, renorm = (
    _st.searchsorted, _st.bucketize, _st.histc, _st.cov, _st.corrcoef, _st.trapezoid, _st.trapz,
    _st.cumulative_trapezoid, _st.renorm)
histogram = _st.histogram
gradient = ops.finite_differences.gradient  # torch.gradient: derivatives of samples by finite differences
# Random sampling and the default generator's state (ops/sampling.py).
_sa = ops.sampling
normal, bernoulli, multinomial, poisson, randint_like = (
    _sa.normal, _sa.bernoulli, _sa.multinomial, _sa.poisson, _sa.randint_like)
get_rng_state, set_rng_state, initial_seed, seed = _sa.get_rng_state, _sa.set_rng_state, _sa.initial_seed, _sa.seed
result_type, promote_types, can_cast, finfo, iinfo = (
    ops.promotion.result_type, ops.promotion.promote_types, ops.promotion.can_cast, ops.promotion.finfo,
    ops.promotion.iinfo)
nonzero, argwhere, unique, bincount, count_nonzero = (
    _s.nonzero, _s.argwhere, _s.unique, _s.bincount, _s.count_nonzero)
# Numbers by their bits and parts, writing into copies, membership and runs (ops/bits.py, ops/scatters.py,
# ops/sets.py); most are also Value methods (tensor_methods_more.py).
_bi, _sc, _se = ops.bits, ops.scatters, ops.sets
sgn, bitwise_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_left_shift, bitwise_right_shift, gcd, lcm = (
    _bi.sgn, _bi.bitwise_not, _bi.bitwise_and, _bi.bitwise_or, _bi.bitwise_xor, _bi.bitwise_left_shift,
    _bi.bitwise_right_shift, _bi.gcd, _bi.lcm)
frexp, ldexp, nextafter = _bi.frexp, _bi.ldexp, _bi.nextafter
scatter_reduce, index_reduce, select_scatter, slice_scatter, diagonal_scatter, masked_scatter, put, index_put = (
    _sc.scatter_reduce, _sc.index_reduce, _sc.select_scatter, _sc.slice_scatter, _sc.diagonal_scatter,
    _sc.masked_scatter, _sc.put, _sc.index_put)
narrow_copy = _sc.narrow_copy
isin, unique_consecutive, msort, vander, histogramdd = _se.isin, _se.unique_consecutive, _se.msort, _se.vander, \
    _se.histogramdd


def where(condition, input=None, other=None):
    """torch.where(condition, input, other): input where condition is True, else other (differentiable in both);
    a condition Value must be bool (another dtype is PyTorch's RuntimeError; uint8 warns, as there). torch.where(
    condition) alone: nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(): give condition, input and other, or condition alone")
    ops.elementwise.check_condition(condition)
    if isinstance(input, numbers.Number) and isinstance(other, numbers.Number):
        input = tensor(input)  # two Python numbers: PyTorch's dtype (a float gives the default dtype, not float64)
    return ops.where(condition, input, other)


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """(std, mean) over dim (all elements by default), as torch.std_mean: std with `correction` (1 by default:
    unbiased; unbiased=False means 0). std_mean(x, False), PyTorch's (input, unbiased) overload, works too."""
    # two nodes named as PyTorch's one (StdMeanBackward0)
    return _spread_and_mean("std_mean", ops.reduce.std_mean, input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """(var, mean) over dim (all elements by default), as torch.var_mean (see std_mean)."""
    # two nodes named as PyTorch's one (VarMeanBackward0)
    return _spread_and_mean("var_mean", ops.reduce.var_mean, input, dim, unbiased, keepdim, correction)


def _spread_and_mean(name, reduce, input, dim, unbiased, keepdim, correction):
    """std_mean's and var_mean's arguments as PyTorch takes them ((input, unbiased) too), their refusal of integers
    and their warning of no degrees of freedom, then reduce(x, ddof=..., axis=..., keepdims=...)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    x = _value(input)
    refuse_integral_spread(x, name)
    args = reduce_args(None, False, dim, keepdim)
    ddof = _correction(correction, unbiased)
    warn_if_no_degrees_of_freedom(name, x.shape, args["axis"], ddof)
    return reduce(x, ddof=ddof, **args)


def _correction(correction, unbiased):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def transpose(input, *dims, axes=None, dim0=None, dim1=None):
    """transpose(x, d0, d1) or transpose(x, dim0=d0, dim1=d1) swaps two axes (PyTorch); transpose(x, axes) or
    transpose(x) permutes them (NumPy)."""
    if axes is not None:
        dims = (axes,)
    return _value(input).transpose(*[d for d in dims if d is not None], dim0=dim0, dim1=dim1)


def write_out(name, out, result):
    """PyTorch's out=: `result` written into the Value `out` (which changes in place, under the in-place rules), and
    `out` returned. Refused when the result requires grad (PyTorch's error) or has another shape."""
    if result.requires_grad and GRAD_ENABLED.get():
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad (as in PyTorch)")
    if out.shape != result.shape:
        raise ShapeError(f"{name}(): out= has shape {out.shape}, the result has shape {result.shape}")
    return out.copy_(result.data)


def _with_out(name, compute, doc):
    """A function of PyTorch's that takes `out=`: the result is written into the Value `out` (which then
    changes in place, under the in-place rules) and `out` is returned, as in PyTorch."""

    def fn(input, other, *, out=None, **kwargs):
        result = compute(_value(refuse_array(input, name)), refuse_array(other, name, "other", 2), **kwargs)
        return result if out is None else write_out(name, out, result)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


add = _with_out("add", ops.arith.add_scaled, "input + alpha·other (broadcasting); out=. alpha must suit the result's "
                "dtype, as in PyTorch: not a float for an integer or bool result, a bool only for a bool result.")
sub = _with_out("sub", lambda x, y, alpha=1: ops.arith.subtract(x, y, alpha=alpha),
                "input − alpha·other (broadcasting); out=. A bool operand raises, as in PyTorch (use ^ or ~); alpha "
                "as in add.")
subtract = sub
mul = _with_out("mul", lambda x, y: x * y, "input · other, elementwise (broadcasting); out=.")
multiply = mul
div = _with_out("div", lambda x, y, rounding_mode=None: ops.arith.div(x, y, rounding_mode=rounding_mode),
                "input / other, elementwise: true division, or rounding_mode 'trunc' or 'floor'; out=.")
divide = true_divide = div
matmul = _with_out("matmul", lambda x, y: x @ y, "The matrix product (NumPy's matmul rules); out=.")
_mm = _with_out("mm", lambda x, y: x @ y, "The product of two matrices; out=.")


def mm(input, mat2, *, out=None):
    """The product of two matrices, input (n, m) @ mat2 (m, p) -> (n, p); out=. Anything but two matrices raises
    PyTorch's RuntimeError (matmul is the one that broadcasts and takes vectors)."""
    check_matrices(_value(refuse_array(input, "mm")), _value(refuse_array(mat2, "mm", "mat2", 2)))
    return _mm(input, mat2, out=out)


def neg(input):
    """-input, elementwise (same shape)."""
    return -_value(refuse_array(input, "neg"))


def square(input):
    """input * input, elementwise (same shape; bools give int64, as PyTorch's)."""
    return _value(refuse_array(input, "square")).square()


def cat(tensors, dim=0, *, axis=None):
    """Join Values along an existing axis (`dim` or NumPy's `axis`). As in PyTorch, an empty 1-D Value (shape (0,))
    among Values of other shapes is left out (it still takes part in the result's dtype), so the accumulating idiom
    `preds = torch.tensor([])`, then `preds = torch.cat([preds, batch_preds])` over (N, C) batches, runs."""
    tensors = tensor_sequence(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [t.shape for t in tensors]
    if (0,) in shapes and builtins.any(shape != (0,) for shape in shapes):
        kept = [t for t, shape in zip(tensors, shapes) if shape != (0,)]
        dtype = ops.promotion.result_dtype(*tensors)
        out = ops.concatenate(kept, axis=dim if axis is None else axis)
        return out if out.dtype == dtype else out.to(dtype)
    return ops.concatenate(tensors, axis=dim if axis is None else axis)


concat = cat


def stack(tensors, dim=0, *, axis=None):
    """Join Values of the same shape along a new axis (`dim` or NumPy's `axis`)."""
    tensors = tensor_sequence(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    return ops.stack(tensors, axis=dim if axis is None else axis)


allclose, equal = ops.arith.allclose, ops.arith.equal


# torch.relu_(x), torch.floor_(x), ...: PyTorch's functions that change their first argument in place (the Value
# method of the same name; the in-place rules of inplace.py apply).
_IN_PLACE = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
    "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp_", "exp2_", "expm1_", "fill_", "fix_",
    "floor_", "frac_", "i0_", "logit_", "sinc_",
    "log10_", "log1p_", "log2_", "log_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_",
    "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "zero_",
)


def _in_place_function(name):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Value):
            raise TypeError(f"{name}(): argument 'input' must be a Value, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"input.{name}(...): changes input in place and returns it."
    return fn


IN_PLACE_FUNCTIONS = {name: _in_place_function(name) for name in _IN_PLACE}  # autograd_core.relu_, ...
# and those with operands (torch.gcd_(x, y), torch.index_put_(x, indices, values)): x's in-place method
gcd_, lcm_, ldexp_, index_put_, xlogy_ = (_in_place_function(name)
                                           for name in ("gcd_", "lcm_", "ldexp_", "index_put_", "xlogy_"))
