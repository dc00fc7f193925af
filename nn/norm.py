"""Normalisation: BatchNorm1d/2d (statistics over the batch) and LayerNorm (over each sample's features).

Both standardise, x̂ = (x − μ) / √(σ² + ε), then scale and shift, y = γ·x̂ + β. Standardising is one
primitive, `standardize`, whose backward is the classic one-line rule

    dL/dx = (1/√(σ² + ε)) · (g − mean(g) − x̂ · mean(g·x̂))        (means over the normalised axes)

which accounts for μ and σ² depending on x. Composing it from mean, var, sub, sqrt and div would record
six nodes and six backward passes over the data instead of one. When both γ and β are given, y = γ·x̂ + β is one
more node, `scale_shift` (else a multiplication and an addition).

Speed (bench/bench_layers.py): on float32/float64 arrays in the layouts of LayerNorm, GroupNorm, InstanceNorm and
BatchNorm, the sums behind the statistics and the rules are BLAS matrix-vector and dot products (NumPy's reductions
along short rows or across the batch are several times slower), each result is written into one array taken from
`autograd_core.recycle` (a training step's large arrays would otherwise be page-faulted in afresh), and the rules
return fresh arrays (a view would be copied before becoming a leaf's .grad). Other layouts, dtypes and Values
(create_graph) take the composed NumPy path, the same formulas.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd_core.grad_array import NUMPY_ARRAYS
from autograd_core.grad_fn_hooks import declare_native_backward
from autograd_core import ShapeError
from autograd_core import Value, is_grad_enabled, recycle
from autograd_core.jit import effect, not_replayable
from autograd_core.ops.complex import complex_dtype_among, refuse_complex_kernel
from autograd_core.errors import scalar_type_name
from autograd_core.ops.elementwise import _clip
from autograd_core.modes import TRACERS
from autograd_core.linalg import vector_norm
from autograd_core.recording import apply_binary
from autograd_core.ops import add, broadcast_to, data_of, mul, primitive, reshape, without_gradient

from . import init
from .dtype_checks import check_norm_parameters
from .module import Module, Parameter, check_device


# PyTorch's names of the one node of each normalisation (shown by this library's last node of it: grad_fn_names.py)
_LAYER, _BATCH, _GROUP = "NativeLayerNormBackward0", "NativeBatchNormBackward0", "NativeGroupNormBackward0"


@primitive("normalize")
def _normalize(x, axes, eps, mean, inv_std):
    out = np.subtract(x, mean, out=recycle.empty(x.shape, np.result_type(x, mean)))
    out *= inv_std  # in place: one new array, not two
    return out


def _fast(a):
    return a.__class__ in NUMPY_ARRAYS and a.dtype.char in "fd"  # float32 and float64 arrays: BLAS kernels


def _stat_blocks(shape, axes):
    """(A, K, B) when the statistics over `axes` are those over axes 0 and 2 of `shape` seen as (A, K, B), with
    B > 1 contiguous values: trailing axes (LayerNorm, GroupNorm's groups, InstanceNorm; A = 1) or every axis but
    axis 1 (BatchNorm of (N, C, *spatial); A = N). Else None (the composed NumPy path)."""
    ndim = len(shape)
    if axes == tuple(range(ndim - len(axes), ndim)):
        blocks = (1, math.prod(shape[:ndim - len(axes)]), math.prod(shape[ndim - len(axes):]))
    elif ndim >= 3 and axes == (0,) + tuple(range(2, ndim)):
        blocks = (shape[0], shape[1], math.prod(shape[2:]))
    else:
        return None
    return blocks if blocks[2] > 1 and blocks[0] * blocks[1] > 0 else None


def _block_sums(a3, b3=None):
    """Σ a (or Σ a⊙b) over axes 0 and 2 of (A, K, B) arrays, shape (K,): row sums and dot products of B contiguous
    values (BLAS: several times faster than NumPy's reductions along short rows or across the batch), then the sum
    over A as one matrix-vector product."""
    rows = a3 @ np.ones(a3.shape[2], a3.dtype) if b3 is None else np.vecdot(a3, b3)
    return rows[0] if rows.shape[0] == 1 else np.ones(rows.shape[0], rows.dtype) @ rows


def _normalize_vjp(g, out, x, axes, eps, mean, inv_std):
    blocks = _stat_blocks(out.shape, axes)
    if blocks is not None and _fast(g) and _fast(out) and g.dtype == out.dtype:
        return _normalize_vjp_blocks(g, out, blocks, inv_std)
    if isinstance(x, Value):  # create_graph: recompute 1/σ from x so higher derivatives see σ(x)
        inv_std = (x.var(axis=axes, keepdims=True) + eps) ** -0.5
    g_mean = g.mean(axis=axes, keepdims=True)
    gx_mean = (g * out).mean(axis=axes, keepdims=True)
    return inv_std * (g - g_mean - out * gx_mean)          # out = x̂


def _normalize_vjp_blocks(g, out, blocks, inv_std):
    """The same rule on float arrays laid out as `_stat_blocks` says: both means as BLAS sums (`_block_sums`) and the
    result built in one array: 4 passes over the data where the composed rule makes 7, and 5 new arrays."""
    g3, xhat = g.reshape(blocks), out.reshape(blocks)
    scale = 1.0 / (blocks[0] * blocks[2])
    g_mean = (_block_sums(g3) * scale)[:, None]                   # mean(g), shape (K, 1)
    gx_mean = (_block_sums(g3, xhat) * scale)[:, None]            # mean(g⊙x̂)
    result = recycle.empty(g.shape, g.dtype)  # a fresh array, not a view: a leaf keeps it as its .grad uncopied
    grad = np.multiply(xhat, gx_mean, out=result.reshape(blocks))
    np.subtract(g3, grad, out=grad)
    grad -= g_mean
    grad *= inv_std.reshape(-1, 1)
    return result


_normalize.defvjp(_normalize_vjp, formulas=("(g − ḡ − x̂·mean(g⊙x̂))/σ",))
_normalize.defjvp(_normalize_vjp)  # the Jacobian (I − 1/n − x̂x̂ᵀ/n)/σ is symmetric: J t is the same rule


def _moments(x, axes, eps):
    """mean, biased variance and 1/√(variance + eps) of array x over `axes` (sorted, non-negative), stacked into one
    array of shape (3, *x's shape with the axes as size 1). Two passes, mean first, then the squares of x − mean (no
    cancellation). For float32/float64 x in the layouts of LayerNorm, GroupNorm, InstanceNorm and BatchNorm
    (`_stat_blocks`) the sums are BLAS matrix-vector and dot products, as accurate as NumPy's pairwise reductions
    (float32: ~1e-7 relative) and several times faster."""
    kept = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    blocks = _stat_blocks(x.shape, axes)
    stats = np.empty((3,) + kept, x.dtype if x.dtype.kind == "f" else np.float64)  # np.mean's dtype
    if blocks is not None and _fast(x):
        x3 = x.reshape(blocks)
        mean = _block_sums(x3) * (1.0 / (blocks[0] * blocks[2]))
        centred = np.subtract(x3, mean[:, None], out=recycle.empty(blocks, x.dtype))
        stats[0] = mean.reshape(kept)
        stats[1] = (_block_sums(centred, centred) * (1.0 / (blocks[0] * blocks[2]))).reshape(kept)
    else:
        stats[0] = x.mean(axis=axes, keepdims=True)
        centred = x - stats[0]
        stats[1] = (centred * centred).mean(axis=axes, keepdims=True)
    np.sqrt(stats[1] + eps, out=stats[2])
    np.divide(1.0, stats[2], out=stats[2])
    return stats


def standardize(x, axes, eps=1e-5, native=None):
    """x̂ = (x − mean) / √(var + eps) over `axes` (biased variance), and that mean and var as arrays.

    Returns (x̂, mean, var); mean and var keep the reduced axes as size 1 (no graph: data only). native: PyTorch's
    name of the node of the normalisation this is the core of ('NativeLayerNormBackward0'), which x̂'s node
    shows where it is the last (no weight and bias: grad_fn_names.py).
    """
    xd = data_of(x)
    axes = tuple(sorted(a % xd.ndim for a in axes))
    # The statistics are data: the rule accounts for their dependence on x. While a tracer watches (a compile
    # recording, forward mode), they are a recorded operation on a detached Value (the same function), so that a
    # compiled step recomputes them for each new batch instead of holding this one's as constants.
    if isinstance(x, Value) and TRACERS.get():
        stats = without_gradient(_moments, x, axes=axes, eps=float(eps))
        mean, var, inv_std = data_of(stats[0]), data_of(stats[1]), data_of(stats[2])
    else:
        mean, var, inv_std = _moments(xd, axes, float(eps))
    op = _normalize if native is None else _normalize.named(native)
    return op(x, axes=axes, eps=float(eps), mean=mean, inv_std=inv_std), mean, var


# ----------------------------------------------------------------------------------------------------
# The affine step after normalising, γ·x̂ + β, as one node: the multiply-add written into one array, and the three
# gradients as BLAS sums (NumPy's reductions over the batch axes, which the engine's un-broadcasting would use, are
# several times slower) without the separate mul and add nodes.


def _blocks(shape, axis, k):
    """(A, K, B): `shape` seen as A leading values, the K values of γ (along axes axis, axis+1, ...) and B trailing."""
    a = k_size = b = 1
    for i, n in enumerate(shape):
        if i < axis:
            a *= n
        elif i < axis + k:
            k_size *= n
        else:
            b *= n
    return a, k_size, b


def _along(weight, ndim, axis):
    """weight reshaped to broadcast along axes axis, axis+1, ... of an ndim-dimensional array."""
    shape = tuple(weight.shape)
    return weight.reshape((1,) * axis + shape + (1,) * (ndim - axis - len(shape)))


@primitive("scale_shift")
def _scale_shift(xhat, weight, bias, axis):
    """γ·x̂ + β with weight γ and bias β of one shape lying along x̂'s axes axis, axis+1, ... (LayerNorm: its trailing
    normalized_shape axes; BatchNorm, GroupNorm, InstanceNorm: the channels, axis 1). Same shape as x̂."""
    a, k, b = _blocks(xhat.shape, axis, weight.ndim)
    out = recycle.empty(xhat.shape, np.result_type(xhat, weight, bias))
    blocks = np.multiply(xhat.reshape(a, k, b), weight.reshape(k, 1), out=out.reshape(a, k, b))
    blocks += bias.reshape(k, 1)
    return out


def _scale_shift_rows(g, xhat, weight, axis):
    """g, x̂ as (A, K, B) blocks when g, x̂ and γ are float arrays of one dtype (the BLAS paths); else None."""
    if not (_fast(g) and _fast(xhat) and _fast(weight) and g.dtype == xhat.dtype == weight.dtype and g.size):
        return None
    a, k, b = _blocks(g.shape, axis, weight.ndim)
    return g.reshape(a, k, b), xhat.reshape(a, k, b)


def _scale_shift_vjp_x(g, out, xhat, weight, bias, axis):          # ∂/∂x̂ = g⊙γ
    blocks = _scale_shift_rows(g, xhat, weight, axis)
    if blocks is None:
        return g * _along(weight, g.ndim, axis)
    grad = recycle.empty(g.shape, g.dtype)
    np.multiply(blocks[0], weight.reshape(-1, 1), out=grad.reshape(blocks[0].shape))
    return grad


def _others(ndim, axis, k):
    return tuple(i for i in range(ndim) if not axis <= i < axis + k)


def _scale_shift_vjp_weight(g, out, xhat, weight, bias, axis):     # ∂/∂γ = Σ g⊙x̂ over the other axes
    blocks = _scale_shift_rows(g, xhat, weight, axis)
    if blocks is None:
        return (g * xhat).sum(axis=_others(g.ndim, axis, weight.ndim)).reshape(weight.shape)
    g3, x3 = blocks
    if g3.shape[2] == 1:   # LayerNorm: γ along the last axes, a sum over rows
        products = np.multiply(g3[:, :, 0], x3[:, :, 0], out=recycle.empty(g3.shape[:2], g.dtype))
    else:                  # channels: a dot product per (sample, channel), then a sum over the samples
        products = np.vecdot(g3, x3)
    return (np.ones(g3.shape[0], g.dtype) @ products).reshape(weight.shape)


def _scale_shift_vjp_bias(g, out, xhat, weight, bias, axis):       # ∂/∂β = Σ g over the other axes
    blocks = _scale_shift_rows(g, xhat, weight, axis)
    if blocks is None:
        return g.sum(axis=_others(g.ndim, axis, bias.ndim)).reshape(bias.shape)
    g3 = blocks[0]
    sums = g3[:, :, 0] if g3.shape[2] == 1 else g3 @ np.ones(g3.shape[2], g.dtype)
    return (np.ones(g3.shape[0], g.dtype) @ sums).reshape(bias.shape)


_scale_shift.defvjp(_scale_shift_vjp_x, _scale_shift_vjp_weight, _scale_shift_vjp_bias,
                    formulas=("g⊙γ", "Σ g⊙x̂", "Σ g"))
_scale_shift.defjvp(lambda t, out, xhat, weight, bias, axis: t * _along(weight, t.ndim, axis),
                    lambda t, out, xhat, weight, bias, axis: xhat * _along(t, xhat.ndim, axis),
                    lambda t, out, xhat, weight, bias, axis: _along(t, xhat.ndim, axis))


def _fusable(xhat, weight, bias, axis):
    """Whether γ·x̂ + β can be the one `scale_shift` node: weight and bias both given, as arrays or Values, of the
    shape of x̂'s axes axis, axis+1, ... (else the callers multiply and add as before)."""
    if not (isinstance(weight, (Value, np.ndarray)) and isinstance(bias, (Value, np.ndarray))):
        return False
    shape = tuple(weight.shape)
    return len(shape) > 0 and shape == tuple(bias.shape) == tuple(xhat.shape[axis:axis + len(shape)])


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """PyTorch's F.normalize: input / max(‖input‖_p, eps), the p-norm taken along `dim` (each slice along dim
    becomes a unit vector; a slice of norm below eps is divided by eps instead). Same shape as the input.

    PyTorch's composition, node for node: x / (‖x‖_p clamped at eps, expanded to x's shape) (DivBackward0 over x and
    ExpandBackward0 over ClampMinBackward0 over the norm's node); an all-zero slice gets the gradient of x/eps (the
    norm's gradient there is 0, the clamp's too), as PyTorch's. out: only None (the result is a new Value)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned Value")
    x = input if isinstance(input, Value) else Value(np.asarray(input), requires_grad=False)
    if x.dtype.kind not in "fc":  # PyTorch's vector_norm refuses them (the old composite gave float32 here)
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(x.dtype)}")
    norm = vector_norm(x, p, dim=dim, keepdim=True)
    return x / broadcast_to(_clip.named("ClampMinBackward0")(norm, min=float(eps)), shape=x.shape)


# ----------------------------------------------------------------------------------------------------
# Batch normalisation.


def _channel_shape(x_ndim):
    return (1, -1) + (1,) * (x_ndim - 2)


def _update_running(running_mean, running_var, mean, var, count, momentum, num_batches_tracked):
    """r ← (1 − f)·r + f·batch statistic, in place, with the unbiased batch variance (count values per channel);
    f = momentum, or 1/num_batches_tracked (a cumulative average) when momentum is None."""
    factor = 1.0 / float(np.asarray(num_batches_tracked)) if momentum is None else float(momentum)
    channels = running_mean.shape[0]
    running_mean *= 1 - factor
    running_mean += factor * mean.reshape(channels)
    running_var *= 1 - factor
    running_var += (factor * count / (count - 1)) * var.reshape(channels)


def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5, num_batches_tracked=None):
    """Batch normalisation over every axis but the channels (axis 1).

    x: (N, C) or (N, C, *spatial). running_mean, running_var: (C,) arrays or None; in training they are
    updated in place: r ← (1 − momentum)·r + momentum·batch statistic, with the unbiased batch variance
    (as PyTorch); momentum=None uses a cumulative average and needs `num_batches_tracked` (a 0-d int
    array counting the batches, already incremented). In evaluation (training=False) they normalise.
    weight, bias: (C,) or None. Returns y of x's shape.
    """
    refuse_complex_kernel("batch_norm", input)
    check_norm_parameters(input, weight, bias, running_mean, running_var)
    xd = data_of(input)
    if xd.ndim < 2:
        raise ShapeError(f"batch_norm: expected input of shape (N, C, ...), got {xd.shape}")
    channels = xd.shape[1]
    for name, arr in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                      ("bias", bias)):
        if arr is not None and np.shape(arr) != (channels,):
            raise ShapeError(f"batch_norm: {name} has shape {np.shape(arr)}, expected ({channels},) "
                             f"for input of shape {xd.shape}")
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        # statistics are read as numbers, so a gradient asked of them would be silently lost: PyTorch's error instead
        if isinstance(stat, Value) and stat.requires_grad and is_grad_enabled():
            raise RuntimeError(f"The function 'native_batch_norm' is not differentiable with respect to argument "
                               f"'{name}'. This input cannot have requires_grad True.")
    if training or running_mean is None or running_var is None:
        xhat, mean, var, count = _by_batch(input, eps, training)
        if training and running_mean is not None and running_var is not None:
            not_replayable("batch_norm updates the running statistics it is given in training mode (in place, "
                           "with NumPy); nn.BatchNorm does it in a step a compiled function replays")
            _update_running(running_mean, running_var, mean, var, count, momentum, num_batches_tracked)
    else:
        shape = _channel_shape(xd.ndim)
        # The running statistics as arrays: buffers are arrays, but F.batch_norm(x, torch.zeros(C), ...) passes Values
        running_mean, running_var = np.asarray(data_of(running_mean)), np.asarray(data_of(running_var))
        inv_std = (1.0 / np.sqrt(running_var + eps)).astype(xd.dtype, copy=False).reshape(shape)
        xhat = (input - running_mean.astype(xd.dtype, copy=False).reshape(shape)) * inv_std
    return _affine(xhat, weight, bias, xd.ndim, _BATCH)


def _by_batch(x, eps, training):
    """x (N, C, ...) normalised by its own statistics over every axis but the channels: (x̂, mean, var, count),
    count the values per channel (more than 1 when training)."""
    xd = data_of(x)
    count = xd.size // xd.shape[1]
    if training and count <= 1:
        raise ShapeError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {xd.shape}")
    xhat, mean, var = standardize(x, (0,) + tuple(range(2, xd.ndim)), eps, _BATCH)
    return xhat, mean, var, count


def _affine(xhat, weight, bias, ndim, native=None):
    """γ·x̂ + β with weight γ and bias β of shape (C,) (or None) along axis 1 of an ndim-dimensional x̂. native:
    PyTorch's name of the node of the whole normalisation, which the one scale_shift node shows (grad_fn_names.py)."""
    if _fusable(xhat, weight, bias, 1):
        return (_scale_shift if native is None else _scale_shift.named(native))(xhat, weight, bias, axis=1)
    shape = _channel_shape(ndim)
    if weight is not None:
        xhat = xhat * (weight if ndim == 2 else weight.reshape(shape))
    if bias is not None:
        xhat = xhat + (bias if ndim == 2 else bias.reshape(shape))
    return xhat


class _BatchNorm(Module):
    _dims = ()  # allowed input ranks

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        check_device(device)
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = self._dtype = init.resolve_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, input):
        shape = input.shape if isinstance(input, Value) else np.shape(input)
        if len(shape) not in self._dims or shape[1] != self.num_features:
            ranks = " or ".join(f"{n}-D" for n in self._dims)
            ours = (f"{type(self).__name__}({self.num_features}): expected {ranks} input with {self.num_features} "
                    f"channels on axis 1, got shape {shape}")
            if len(shape) not in self._dims:  # PyTorch's words for the rank (a ValueError, as ShapeError is)
                ours = f"expected {' or '.join(f'{n}D' for n in self._dims)} input (got {len(shape)}D input) ({ours})"
            raise ShapeError(ours)
        if not isinstance(input, Value):
            input = Value(input, requires_grad=False, dtype=self._dtype)
        if not (self.training and self.track_running_stats):
            return batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                              training=self.training or not self.track_running_stats, momentum=self.momentum,
                              eps=self.eps)
        check_norm_parameters(input, self.weight, self.bias, self.running_mean, self.running_var)
        # Training: normalise by the batch's statistics, then fold them into the running ones in a step that a
        # compiled function replays with each new batch's statistics (an effect, like an optimizer's step).
        xhat, mean, var, count = _by_batch(input, self.eps, training=True)
        self._track(mean, var, count)
        return _affine(xhat, self.weight, self.bias, input.ndim, _BATCH)

    @effect(updates=("running_mean", "running_var", "num_batches_tracked"))
    def _track(self, mean, var, count):
        """Count the batch and fold its statistics (mean, biased var; count values per channel) into the running
        ones, in place."""
        self.num_batches_tracked += 1
        _update_running(self.running_mean, self.running_var, mean, var, count, self.momentum,
                        self.num_batches_tracked)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C.

    BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                dtype=None, *, bias=True)

    Training: normalise with the batch's mean and biased variance, update running_mean/running_var
    (unbiased variance) with `momentum` (None: cumulative average). Evaluation (`eval()`): normalise
    with the running statistics. Parameters weight (γ, ones) and bias (β, zeros; None when bias=False), shape
    (C,), when affine; buffers running_mean, running_var, num_batches_tracked, as in PyTorch. device: None or the
    CPU.
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C (statistics over N, H, W).

    Same arguments, parameters and buffers as `BatchNorm1d`.
    """

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel C (statistics over N, D, H, W).

    Same arguments, parameters and buffers as `BatchNorm1d`.
    """

    _dims = (5,)


# ----------------------------------------------------------------------------------------------------
# Layer normalisation.


def _refuse_complex_norm(kernel, input, weight, bias):
    """PyTorch's refusals of a complex input to layer_norm and group_norm: its check that weight and bias have the
    input's dtype first, then its kernel's. (Before any statistics are computed: NumPy would warn on the way.)"""
    dtype = complex_dtype_among(input)
    if dtype is not None:
        if any(p is not None and np.result_type(data_of(p)) != dtype for p in (weight, bias)):
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        refuse_complex_kernel(kernel, input)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) axes of each sample, then γ·x̂ + β.

    x: (..., *normalized_shape); weight, bias: normalized_shape or None.
    """
    check_norm_parameters(input, weight, bias)
    _refuse_complex_norm("LayerNormKernelImpl", input, weight, bias)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(n) for n in normalized_shape)
    for name, p in (("weight", weight), ("bias", bias)):  # PyTorch's: exactly normalized_shape, no broadcasting
        if p is not None and tuple(np.shape(data_of(p))) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(np.shape(data_of(p)))} and normalized_shape = {list(normalized_shape)}")
    shape = np.shape(data_of(input))
    k = len(normalized_shape)
    if len(shape) < k or tuple(shape[len(shape) - k:]) != normalized_shape:
        sizes = ", ".join(map(str, normalized_shape))
        raise ShapeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape [*, {sizes}], "
                         f"but got input of size{list(shape)} (layer_norm: input of shape {shape} does not end in "
                         f"normalized_shape {normalized_shape})")
    xhat, _, _ = standardize(input, tuple(range(len(shape) - k, len(shape))), eps, _LAYER)
    if _fusable(xhat, weight, bias, len(shape) - k):
        return _scale_shift.named(_LAYER)(xhat, weight, bias, axis=len(shape) - k)
    if isinstance(weight if bias is None else bias, Value) and (weight is None) != (bias is None):
        # one of them: x̂·γ or x̂ + β, shown as PyTorch's one node listing (input, weight, bias) (grad_fn_names.py)
        return apply_binary((mul if bias is None else add).named(_LAYER), xhat, weight if bias is None else bias)
    if weight is not None:
        xhat = xhat * weight
    if bias is not None:
        xhat = xhat + bias
    return xhat


class LayerNorm(Module):
    """Layer normalisation over the trailing `normalized_shape` axes of each sample.

    LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None)

    weight (ones) and bias (zeros) of shape normalized_shape when elementwise_affine. Same in training
    and evaluation (no running statistics).
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        check_device(device)
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        dtype = init.resolve_dtype(dtype)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) if elementwise_affine and bias else None
        self._dtype = dtype

    def forward(self, input):
        if not isinstance(input, Value):
            input = Value(input, requires_grad=False, dtype=self._dtype)
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


# ----------------------------------------------------------------------------------------------------
# Group normalisation.


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of channels (Wu and He, 2018), then γ·x̂ + β per channel.

    x: (N, C, *) with C divisible by num_groups; the statistics of sample n, group k run over its C/G
    channels and all positions. weight, bias: (C,) or None. Same in training and evaluation.
    """
    check_norm_parameters(input, weight, bias)
    _refuse_complex_norm("GroupNormKernelImpl", input, weight, bias)
    shape = np.shape(data_of(input))
    if len(shape) < 2:
        raise ShapeError(f"group_norm: input must be (N, C, ...), got shape {shape}")
    N, C = shape[:2]
    if isinstance(num_groups, bool) or not isinstance(num_groups, numbers.Integral) or num_groups < 1 \
            or C % num_groups:
        raise ShapeError(f"group_norm: num_groups={num_groups!r} must be a positive divisor of the {C} channels")
    for name, p in (("weight", weight), ("bias", bias)):  # PyTorch's: one per channel, no broadcasting
        if p is not None and tuple(np.shape(data_of(p))) != (C,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {list(np.shape(data_of(p)))} and input of shape {list(shape)}")
    if N * (C // num_groups) * math.prod(shape[2:]) == 1:
        # PyTorch's check (its batch norm's, on the input seen as (N·C/G, G, ...)): a lone value per group would
        # normalise to 0 whatever it is
        raise ShapeError(f"group_norm: expected more than 1 value per channel when training, got input of shape "
                         f"{shape} and num_groups={num_groups}")
    grouped = (input.reshape((N, int(num_groups), -1)) if isinstance(input, Value)
               else np.reshape(input, (N, num_groups, -1)))
    xhat, _, _ = standardize(grouped, (2,), eps, _GROUP)
    if not _fusable(xhat, weight, bias, 1) and weight is None and bias is None:
        return reshape.named(_GROUP)(xhat, shape=shape)  # the view back is the last node: PyTorch's one's name
    xhat = xhat.reshape(shape)
    if (weight is None) != (bias is None):
        # one of them: γ·x̂ + 0 or 1·x̂ + β as the one scale_shift node too, shown as PyTorch's one node listing (input,
        # weight, bias), the constant in the other's place needing no gradient (PyTorch's None there)
        given = data_of(weight if bias is None else bias)
        filled = (weight, np.zeros_like(given)) if bias is None else (np.ones_like(given), bias)
        if _fusable(xhat, *filled, 1):
            weight, bias = filled
    if _fusable(xhat, weight, bias, 1):
        return _scale_shift.named(_GROUP)(xhat, weight, bias, axis=1)
    channel = (1, C) + (1,) * (len(shape) - 2)
    if weight is not None:
        xhat = xhat * weight.reshape(channel)
    if bias is not None:
        xhat = xhat + bias.reshape(channel)
    return xhat


def _native_group_norm_backward(node, g, x, weight, bias):
    """PyTorch's first derivative of group_norm (native_group_norm_backward) at group_norm's last node `node` for
    its gradient g (Values, under create_graph), written with the mean and rstd (N, G) it saves, here computed again
    from x: ((dx, dweight, dbias), (mean, rstd)). The same function of x, mean and rstd as PyTorch's formula, so that
    a double backward sends each the same gradient (node hooks: grad_fn_hooks.declare_native_backward)."""
    normalize = node
    while normalize.op != "normalize":  # (below the scale and shift, and the view back)
        normalize = normalize.parents[0]
    n, groups = normalize.shape[:2]
    grouped = x.reshape((n, groups, -1))
    mean = grouped.mean(axis=2)
    centred = grouped - mean.reshape((n, groups, 1))
    rstd = ((centred * centred).mean(axis=2) + normalize.saved_params["eps"]) ** -0.5
    # PyTorch's outputs of the node, over all its inputs: what the formula reads of them is theirs alone
    listed = tuple(v for v in (weight, bias) if isinstance(v, Value))
    mean, rstd = _saved_output(mean, *listed), _saved_output(rstd, *listed)
    centred = grouped - mean.reshape((n, groups, 1))
    xhat = centred * rstd.reshape((n, groups, 1))                          # x̂ = (x − mean)·rstd
    channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    gx = (g if weight is None else g * weight.reshape(channel)).reshape((n, groups, -1))
    dx = rstd.reshape((n, groups, 1)) * (gx - gx.mean(axis=2, keepdims=True)
                                         - xhat * (gx * xhat).mean(axis=2, keepdims=True))
    over = (0,) + tuple(range(2, x.ndim))  # (per channel)
    dweight = None if weight is None else (g * xhat.reshape(x.shape)).sum(axis=over)
    dbias = None if bias is None else g.sum(axis=over)
    return (dx.reshape(x.shape), dweight, dbias), (mean, rstd)


declare_native_backward(_GROUP, _native_group_norm_backward)


@primitive("saved_output")
def _saved_output(x, *inputs):
    """x (a copy), recorded over the inputs of its node too: one of PyTorch's saved outputs of native_group_norm (mean,
    rstd) in its double backward's formula (above), an output of the node that lists them all, so that a pass asking
    for the weight's gradient alone reaches it, and the node's hooks, as PyTorch's runs that node. Only x gets a
    gradient (the outputs do not depend on the weight and bias)."""
    return x.copy()


_saved_output.defvjp_argnum(lambda i, g, out, *xs: g if i == 0 else None, formula="g for x, none for the others")
_saved_output.defjvp_argnum(lambda i, t, out, *xs: t if i == 0 else None)


class GroupNorm(Module):
    """GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
    `group_norm` with a learned per-channel weight (ones) and bias (zeros; none when bias=False) when affine.
    Input (N, num_channels, *)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        check_device(device)
        for name, n in (("num_groups", num_groups), ("num_channels", num_channels)):
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"GroupNorm: {name} must be a positive int, got {n!r}")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = float(eps), bool(affine)
        dtype = init.resolve_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_channels, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_channels, dtype)) if affine and bias else None
        self._dtype = dtype

    def forward(self, input):
        if not isinstance(input, Value):
            input = Value(input, requires_grad=False, dtype=self._dtype)
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm: expected input (N, {self.num_channels}, ...), got shape {tuple(input.shape)}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
