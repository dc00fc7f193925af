"""`Linear`: y = x Wᵀ + b, the affine layer (PyTorch layout: weight (out, in), bias (out,)); `Bilinear`:
y = x1ᵀ A x2 + b."""

from __future__ import annotations

import math

import numpy as np

from autograd_core import ShapeError
from autograd_core.errors import not_broadcastable_into
from autograd_core import Value
from autograd_core.ops import primitive, reshape
from autograd_core.ops.shape import sum_to
from autograd_core.ops.complex import refuse_complex_differentiation
from autograd_core.ops.linalg import not_multipliable

from . import init
from . import dtype_checks
from .module import Module, Parameter, check_device


def _check_features(x, in_features, who, out_features):
    shape = x.shape if isinstance(x, Value) else getattr(x, "shape", None)
    if shape is not None and len(shape) == 0:
        raise ShapeError(f"both arguments to linear need to be at least 1D, but they are 0D and 2D ({who}: a 0-d input "
                         f"has no features; give shape (..., {in_features}))")
    if shape is None or shape[-1] != in_features:
        raise ShapeError(f"{not_multipliable(shape or (), (in_features, out_features))}: {who} expected input of shape "
                         f"(..., {in_features}), got {shape}")


def _folded(x):
    """x of three or more axes (..., n) as the matrix of its rows (rows, n): a view where x is C-contiguous, else a
    copy (multi-head attention's (L, N, E) view of a batch-first input), and x itself where it is no ndarray. NumPy
    multiplies a stack by one BLAS call per leading index, and the folded matrix in one call, as PyTorch's linear does
    (~25% faster at (16, 32, 64) @ (64, 256) in float32; a (16, 8, 64) transposed view times (64, 192): 132 µs as a
    stack, 87 copied and folded; the sums may differ from the stack's in the last bit)."""
    if x.__class__ is np.ndarray and x.ndim > 2:
        return _rows(x if x.flags.c_contiguous else np.ascontiguousarray(x), x.shape[-1])
    return x


@primitive("linear")
def _linear(x, weight, bias=None):
    rows = x if x.__class__ is np.ndarray and x.ndim <= 2 else _folded(x)  # (the usual batch: no call)
    try:
        out = np.matmul(rows, weight.T)
    except ValueError:  # a weight replaced by one of another shape (`m.weight.data = w`): PyTorch's words, not NumPy's
        raise ShapeError(f"{not_multipliable(np.shape(x), np.shape(weight)[::-1])} (linear: weight of shape "
                         f"{np.shape(weight)} for an input of shape {np.shape(x)})") from None
    if rows is not x:
        out = out.reshape(x.shape[:-1] + out.shape[-1:])
    if bias is None:
        return out
    if out.ndim and (out.dtype is bias.dtype or out.dtype == bias.dtype or out.dtype == np.result_type(out, bias)):
        try:
            return np.add(out, bias, out=out)  # out is fresh: add in place, one array less per call
        except ValueError:  # a bias that does not broadcast into the output (nn.Linear's bias replaced)
            raise ShapeError(_bias_refusal(out.shape, np.shape(bias))) from None
    refusal = _bias_refusal(out.shape, np.shape(bias))
    if refusal is not None:
        raise ShapeError(refusal)
    return out + bias


def _bias_refusal(out_shape, bias_shape):
    """PyTorch's words for a bias that does not broadcast into linear's output x Wᵀ, which never grows (its
    broadcasting error, or its in-place add's for a bias that would make the output larger); None for one that does."""
    words = not_broadcastable_into(out_shape, bias_shape)
    if words is None:
        return None
    return f"{words} (linear: a bias of shape {tuple(bias_shape)} must broadcast to the output's {tuple(out_shape)})"


def _linear_into(x, weight, bias=None, *, out):
    """_linear written into `out` (compiled steps replay it into a buffer): the same two operations."""
    rows = x if x.__class__ is np.ndarray and x.ndim <= 2 else _folded(x)  # (the usual batch: no call)
    if rows is not x and out.flags.c_contiguous:
        np.matmul(rows, weight.T, out=_rows(out, out.shape[-1]))
    else:
        np.matmul(x, weight.T, out=out)
    return out if bias is None else np.add(out, bias, out=out)


_linear.defforward_into(_linear_into)


# With y = x Wᵀ + b and g = dL/dy (rows of x and g summed over every leading axis):
def _linear_vjp_x(g, out, x, weight, bias=None):
    rows = g if g.__class__ is np.ndarray and g.ndim <= 2 else _folded(g)  # (the usual batch: no call)
    if rows is not g:
        return (rows @ weight).reshape(g.shape[:-1] + weight.shape[-1:])
    return g @ weight                                               # dL/dx = g W


def _rows(a, width):
    """a as a matrix of `width` columns (explicit sizes: -1 cannot be inferred for zero-size layers)."""
    if a.ndim == 2:
        return a  # already one (the usual batch): no view to make
    return a.reshape((math.prod(a.shape[:-1]), width))


def _linear_vjp_weight(g, out, x, weight, bias=None):
    if g.ndim != 2:
        g, x = _rows(g, weight.shape[0]), _rows(x, weight.shape[1])
    return g.T @ x                                                  # dL/dW = gᵀ x


def _linear_vjp_bias(g, out, x, weight, bias=None):
    # a bias broadcast over the output ((1, out), (rows, out), ()) sums over its own axes. The test is bias.shape !=
    # weight.shape[:1] without the slice's tuple; it reads only shapes: len() would count as reading the numbers
    # (rule_reads.py: a bias changed in place would fail the pass's version check, where PyTorch's bias gradient
    # does not read it), and a parameter's .size is PyTorch's callable one (~6,000 instructions a call)
    if bias.ndim != 1 or bias.shape[0] != weight.shape[0]:
        return sum_to(g, shape=bias.shape)                          # dL/db = g summed over the broadcast axes
    if g.ndim != 2:
        g = _rows(g, weight.shape[0])
    return np.add.reduce(g, axis=0) if g.__class__ is np.ndarray else g.sum(axis=0)  # dL/db = Σ g


_linear.defvjp(_linear_vjp_x, _linear_vjp_weight, _linear_vjp_bias, formulas=("g·W", "gᵀ·x", "Σ g"))
# The same three rules for 2-D arrays (a batch of vectors, `_rows` then gives g and x themselves), written out in
# compiled steps instead of called; for more axes the rules fold the rows first, which a stack of products is not.
_linear.definline("_matmul({g}, {x[1]})", "_matmul({g}.T, {x[0]})", "_add_reduce({g}, 0)",
                  when=lambda g, out, x, weight, bias=None: g.ndim == 2 and np.ndim(x) == 2
                  and (bias is None or np.shape(bias) == np.shape(weight)[:1]))
_linear.defjvp(lambda t, out, x, weight, bias=None: _linear(t, weight),      # d(x Wᵀ + b) = dx Wᵀ + x dWᵀ + db
               lambda t, out, x, weight, bias=None: _linear(x, t),
               lambda t, out, x, weight, bias=None: t)
_linear.defcomplex()  # bilinear in (x, W) and holomorphic: the rules above hold for complex data (ops/complex.py)


def linear(input, weight, bias=None):
    """x Wᵀ + b.  x: (..., in); weight: (out, in); bias: (out,), any shape that broadcasts to the output (..., out)
    (its gradient summed over the broadcast axes), or None  ->  (..., out). A 1-D weight (in,) gives x · w + b of
    shape (...), as PyTorch's.

    One node ('linear') rather than transpose, matmul and +: one Python call per layer in each
    direction, and dW = gᵀx comes out C-contiguous like W, so optimizer updates stay fast.
    """
    w_shape = np.shape(weight)
    if len(w_shape) == 1:  # PyTorch's 1-D weight (in,): x · w, the feature axis summed away -> (...)
        out = linear(input, reshape(weight, shape=(1,) + w_shape))
        out = reshape(out, shape=np.shape(out)[:-1])
        return out if bias is None else out + bias
    if len(w_shape) != 2:
        raise ShapeError(f"linear: weight must be 2-D (out, in) or 1-D (in,), got shape {w_shape}")
    x_shape = np.shape(input)
    if len(x_shape) == 0 or x_shape[-1] != w_shape[1]:
        raise ShapeError(f"{not_multipliable(x_shape, w_shape[::-1])}: linear's input of shape {x_shape} does not "
                         f"end in in_features={w_shape[1]} (weight shape {w_shape})")
    dtype_checks.check_linear(input, weight, bias)
    if bias is None:
        return _linear(input, weight)
    b_shape = tuple(np.shape(bias))
    if b_shape != (w_shape[0],):
        # PyTorch's: any bias that broadcasts into the output x Wᵀ of shape (..., out), which never grows; a vector
        # input is one row for PyTorch's addmm, so a bias (1, out) or (1, 1) is taken there too (output (out,))
        if len(x_shape) == 1 and len(b_shape) == 2 and _bias_refusal((1, w_shape[0]), b_shape) is None:
            row = linear(reshape(input, shape=(1,) + x_shape), weight, bias)
            return reshape(row, shape=(w_shape[0],))
        refusal = _bias_refusal(x_shape[:-1] + (w_shape[0],), b_shape)
        if refusal is not None:
            raise ShapeError(refusal)
    return _linear(input, weight, bias)


class Linear(Module):
    """Affine layer y = x Wᵀ + b.

    Linear(in_features, out_features, bias=True, device=None, dtype=None, rng=None)

    weight: (out_features, in_features), bias: (out_features,), both drawn from
    U(-1/√in, 1/√in) (PyTorch's default, kaiming_uniform with a=√5), with `rng` (see `nn.init`; ours, after
    PyTorch's arguments). Input (..., in_features) -> output (..., out_features). dtype defaults to float32;
    device: None or the CPU.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, rng=None):
        check_device(device)
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: sizes must be non-negative, got ({in_features}, {out_features})")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        self.weight = Parameter(init.default_weight((out_features, in_features), rng, dtype))
        self.bias = Parameter(init.default_bias((out_features,), in_features, rng, dtype)) if bias else None

    def forward(self, input):
        if not isinstance(input, Value):
            input = Value(input, requires_grad=False, dtype=self.weight.dtype)
        _check_features(input, self.in_features, "Linear", self.out_features)
        weight, bias = self.weight, self.bias
        if input.data.dtype is not weight.data.dtype or bias is not None and bias.data.dtype is not weight.data.dtype:
            # (the same dtype object in every step of a float32 or float64 model: one test each)
            dtype_checks.check_linear(input, weight, bias)
        if bias is None:
            return _linear(input, weight)
        try:
            return _linear(input, weight, bias)
        except ShapeError:  # a bias replaced by one of another shape: F.linear's checks and words (a vector's row)
            return linear(input, weight, bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention's out_proj (PyTorch keeps it apart from Linear for its
    quantization tools), so that print(model) and isinstance checks read as PyTorch's."""


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = Σ_ij x1[..., i] A[o, i, j] x2[..., j] + b[o].

    input1: (..., in1); input2: (..., in2) with the same leading shape; weight A: (out, in1, in2); bias: (out,)
    or None  ->  (..., out). Composed of a matrix product, a product and a sum (their rules give the gradients).
    """
    dtype_checks.check_bilinear(input1, input2, weight, bias)
    s1, s2, w_shape = tuple(np.shape(input1)), tuple(np.shape(input2)), tuple(np.shape(weight))
    if len(w_shape) != 3:
        raise ShapeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {w_shape}")
    out, in1, in2 = w_shape
    if not s1 or not s2 or s1[-1] != in1 or s2[-1] != in2 or s1[:-1] != s2[:-1]:
        raise ShapeError(f"bilinear: inputs of shapes {s1} and {s2} must be (..., {in1}) and (..., {in2}) with the "
                         f"same leading shape (weight shape {w_shape})")
    if bias is not None and np.ndim(bias) == 0:  # (PyTorch's: it reads the bias's dim 0)
        raise IndexError("Dimension specified as 0 but tensor has no dimensions (bilinear: a 0-d bias; give one of "
                         f"shape ({out},))")
    if bias is not None and tuple(np.shape(bias)) != (out,):
        raise ShapeError(f"bilinear: bias of shape {tuple(np.shape(bias))} does not match out_features={out}")
    input1, input2, weight = (x if isinstance(x, Value) else Value(np.asarray(x), requires_grad=False)
                              for x in (input1, input2, weight))
    refuse_complex_differentiation("_trilinear", input1, input2, weight, bias)
    rows = math.prod(s1[:-1])
    x1, x2 = input1.reshape((rows, in1)), input2.reshape((rows, 1, in2))
    a = weight.permute(1, 0, 2).reshape((in1, out * in2))                     # A as in1 × (out·in2)
    y = ((x1 @ a).reshape((rows, out, in2)) * x2).sum(axis=-1)            # (x1 A)[o, j] · x2[j], summed over j
    if bias is not None:
        y = y + bias
    return y.reshape(s1[:-1] + (out,))


class Bilinear(Module):
    """Bilinear(in1_features, in2_features, out_features, bias=True, device=None, dtype=None, rng=None):
    y = x1ᵀ A x2 + b (see `bilinear`).

    weight A: (out_features, in1_features, in2_features), bias: (out_features,), both drawn from
    U(-1/√in1, 1/√in1) as PyTorch's. Inputs (..., in1), (..., in2) -> output (..., out).
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None, rng=None):
        check_device(device)
        if min(in1_features, in2_features, out_features) < 0:
            raise ValueError("Bilinear: sizes must be non-negative, got "
                             f"({in1_features}, {in2_features}, {out_features})")
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        rng, dtype = init.get_rng(rng), init.resolve_dtype(dtype)
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        shape = (self.out_features, self.in1_features, self.in2_features)
        self.weight = Parameter(init.uniform(shape, -bound, bound, rng, dtype))
        self.bias = Parameter(init.uniform((self.out_features,), -bound, bound, rng, dtype)) if bias else None

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
