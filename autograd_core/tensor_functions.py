"""More of PyTorch's top-level functions on tensors: the factories `asarray`, `scalar_tensor` and `empty_strided`,
and the function forms of Value methods (`torch.detach(x)`, `torch.fill(x, v)`, `torch.masked_fill(x, mask, v)`,
`torch.real(x)`, `torch.conj(x)`, `torch.is_signed(x)`, `torch.get_device(x)`, ...).

The package loads this module on first use of one of its names.
"""

from __future__ import annotations

import numbers

import numpy as np

from .dtypes import DEFAULTS
from .tensor import _make, from_numpy, on_cpu, tensor
from .torch_functions import _method, _value
from .tensor_attributes import check_layout
from .value import Value


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """`obj` as a Value, sharing its memory where it can, as PyTorch's torch.asarray.

    obj: a Value (returned itself, or a differentiable conversion when dtype differs or copy=True: a gradient
    flows back to obj); a NumPy array (shared as from_numpy does, unless dtype differs or copy=True); a NumPy
    scalar (a 0-d copy of its dtype); an object with the buffer protocol (bytes, bytearray, memoryview: its bytes
    read as `dtype`, the default float dtype unless given, shared); or numbers and nested sequences (a new Value,
    dtype inferred as tensor() infers it). copy=False where a copy is needed (another dtype, a sequence) raises
    ValueError. requires_grad: None keeps obj's (False for data); as in PyTorch, asking a leaf Value that is
    returned itself for another requires_grad sets it on that Value in place, and a computed Value asked for False
    is detached (a Value sharing its memory)."""
    if device is not None:
        on_cpu(device)
    dtype = None if dtype is None else np.dtype(dtype)
    if isinstance(obj, Value):
        result = _asarray_value(obj, dtype, copy, requires_grad)
    else:
        result = _asarray_data(obj, dtype, copy)
        if requires_grad:
            result.requires_grad_(True)
    return result


def _asarray_value(obj, dtype, copy, requires_grad):
    """asarray of a Value: itself, a detached alias, or a differentiable copy/conversion."""
    converts = dtype is not None and dtype != obj.dtype
    if copy is False and converts:
        raise ValueError(f"asarray: can't alias a Value of dtype {obj.dtype} into dtype {dtype} (copy=False)")
    result = obj
    if converts:
        result = result.to(dtype)
    elif copy:
        result = result.clone()
    if requires_grad is None:
        return result
    if result is obj and obj.is_leaf:
        return obj.requires_grad_(bool(requires_grad))  # PyTorch sets the flag on the very object it returns
    if not requires_grad:
        return result.detach()
    return result if result.requires_grad else result.detach().requires_grad_(True)


def _asarray_data(obj, dtype, copy):
    """asarray of anything but a Value, requires_grad not yet set."""
    if isinstance(obj, np.ndarray):
        if dtype is not None and dtype != obj.dtype:
            if copy is False:
                raise ValueError(f"asarray: can't alias an array of dtype {obj.dtype} into dtype {dtype} "
                                 "(copy=False)")
            return from_numpy(obj.astype(dtype))
        _supported(obj.dtype)
        return from_numpy(obj.copy() if copy else obj)
    if isinstance(obj, np.generic):
        return tensor(obj, dtype=dtype)  # a 0-d copy, the scalar's own dtype
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = np.frombuffer(obj, dtype=DEFAULTS["dtype"] if dtype is None else dtype)
        return from_numpy(data.copy() if copy else data)
    if copy is False:
        raise ValueError(f"asarray: can't alias a {type(obj).__name__} into a Value (copy=False); numbers and "
                         "sequences are always copied")
    return tensor(obj, dtype=dtype)


def _supported(dtype):
    if dtype.kind not in "fbiu":
        raise TypeError(f"asarray: cannot make a Value of dtype {dtype}")


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False):
    """A 0-d Value holding the number s, in the default float dtype (float32) unless dtype= is given, whatever
    the number's type (scalar_tensor(3) and scalar_tensor(True) are float, as PyTorch's)."""
    check_layout(layout, "scalar_tensor")
    if isinstance(s, Value):
        s = s.item()
    if not isinstance(s, numbers.Real):
        raise TypeError(f"scalar_tensor(): argument 's' must be a number, not {type(s).__name__}")
    return _make(np.asarray(s, dtype=DEFAULTS["dtype"] if dtype is None else np.dtype(dtype)), requires_grad, device)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A Value of shape `size` whose elements are `stride` elements apart along each dimension (`x.stride()` is
    `stride`), over memory of the size that needs: stride (1, 2) for size (2, 3) lays it out column by column, a
    stride of 0 repeats the same element. Zeros (PyTorch leaves the memory uninitialised), in the default float
    dtype unless dtype= is given."""
    check_layout(layout, "empty_strided")
    size, stride = tuple(int(n) for n in size), tuple(int(n) for n in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    if any(n < 0 for n in size + stride):
        raise RuntimeError(f"empty_strided: negative size or stride in sizes={list(size)} and strides={list(stride)}")
    dtype = DEFAULTS["dtype"] if dtype is None else np.dtype(dtype)
    # The memory a PyTorch storage would have: one past the element farthest from the first.
    count = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    memory = np.zeros(count, dtype)
    data = np.lib.stride_tricks.as_strided(memory, size, tuple(s * dtype.itemsize for s in stride))
    return _make(data, requires_grad, device)


# ----------------------------------------------------------------------------------------------------
# Function forms of Value methods.


def fill(input, value):
    """A new Value of input's shape and dtype with every element `value` (a number or a 0-d Value): the
    out-of-place fill_. The gradient is zero for input and the sum of the output's for value (if a Value)."""
    input = _value(input)
    if isinstance(value, Value) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                           "dimensions.")
    if isinstance(value, Value) and value.dtype != input.dtype:
        value = value.to(input.dtype)  # the output keeps input's dtype, as PyTorch's
    return input.masked_fill(np.True_, value)


def real(input):
    """The real part of complex input (differentiable); input itself for a real Value."""
    return input.real


def imag(input):
    """The imaginary part of complex input (differentiable); a real Value raises RuntimeError, as PyTorch's."""
    return input.imag


conj = _method("conj", "The complex conjugate of input (differentiable); input itself for a real Value.")
conj_physical = _method("conj_physical", "The complex conjugate of input, computed, without the conjugate bit (input "
                        "itself for a real Value).")
angle = _method("angle", "The argument of each element of input in (−π, π], of the real dtype (real input: π where "
                         "negative, 0 elsewhere).")
resolve_conj = _method("resolve_conj", "input without the conjugate bit: a copy if it carries it, else input.")
resolve_neg = _method("resolve_neg", "input without the negative bit: a copy if it carries it, else input.")
is_conj = _method("is_conj", "Whether input carries the conjugate bit (the result of conj(), H, mH, adjoint(), "
                             "or a view of one).")
is_neg = _method("is_neg", "Whether input carries the negative bit (the imaginary part of a conjugate-bit Value).")
_neg_view = _method("_neg_view", "−input carrying the negative bit (PyTorch's lazy negation, computed here).")
is_signed = _method("is_signed", "Whether input's dtype holds negative numbers (floats and signed integers; not uint8 "
                                 "or bool).")
is_inference = _method("is_inference", "False: Values made inside inference_mode() are ordinary Values here.")
get_device = _method("get_device", "-1, PyTorch's device index of a CPU tensor (every Value is on the CPU).")
detach = _method("detach", "input.detach(): a Value sharing input's data, cut from the graph (requires_grad=False).")
masked_fill = _method("masked_fill", "input.masked_fill(mask, value): input with `value` (a number or a 0-d Value) "
                                     "where the boolean mask (broadcast to input's shape) is True; differentiable in "
                                     "input (where mask is False) and value.")

isreal = _method("isreal", "A boolean Value of input's shape, all True (every element of a real Value is real).")
ger = _method("ger", "input.outer(vec2): the outer product (PyTorch's deprecated name).")
unsafe_chunk = _method("unsafe_chunk", "input.chunk(chunks, dim): the same pieces.")
unsafe_split = _method("unsafe_split", "input.split(split_size, dim): the same pieces.")
unsafe_split_with_sizes = _method("unsafe_split_with_sizes", "input.split_with_sizes(split_sizes, dim).")


def cholesky(input, upper=False):
    """PyTorch's deprecated torch.cholesky(A, upper=False): linalg.cholesky(A) (its transpose with upper=True),
    with PyTorch's deprecation warning."""
    return _value(input).cholesky(upper)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D Value over the bytes of `buffer` (bytes, bytearray, memoryview, array.array, mmap: anything with the
    buffer protocol) read as `dtype`, sharing its memory as PyTorch's torch.frombuffer: `count` elements (-1: all that
    fit after `offset` bytes). A read-only buffer (bytes) gives a read-only array; NumPy's errors name a size that
    does not fit."""
    array = np.frombuffer(buffer, dtype=np.dtype(dtype), count=count, offset=offset)
    return from_numpy(array).requires_grad_(requires_grad) if requires_grad else from_numpy(array)


def _predicate(pred, who):
    """A Python bool from `pred`: a bool, a number, or a one-element Value (its `bool()`, which a compile recording
    guards as it guards `.item()`)."""
    if isinstance(pred, Value):
        if pred.data.size != 1:
            raise RuntimeError(f"{who}: Expected pred to be bool or single-element tensor, but got a Value of shape "
                               f"{tuple(pred.shape)}.")
        return bool(pred)
    if isinstance(pred, (bool, numbers.Number, np.bool_)):
        return bool(pred)
    raise RuntimeError(f"{who}: Expected pred to be bool or single-element tensor, got {type(pred).__name__}")


def cond(pred, true_fn, false_fn, operands=()):
    """PyTorch's torch.cond: true_fn(*operands) if pred else false_fn(*operands), with the gradient of the branch
    taken. pred: a bool, a number or a one-element Value. PyTorch keeps both branches in its exported graphs; run
    eagerly, as here, only the chosen one runs (a compiled function records the branch taken, and its guard on
    `bool(pred)` re-records when the other is taken)."""
    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"cond: operands must be a tuple or a list, got {type(operands).__name__}")
    return (true_fn if _predicate(pred, "cond") else false_fn)(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """PyTorch's torch.while_loop: while cond_fn(*carried) holds, carried = body_fn(*carried); returns the final
    carried inputs as a tuple. cond_fn returns a bool or a one-element Value; body_fn returns as many values as it
    takes (a tuple, or one value for one input)."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"while_loop: carried_inputs must be a tuple or a list, got {type(carried_inputs).__name__}")
    carried = tuple(carried_inputs)
    while _predicate(cond_fn(*carried), "while_loop"):
        new = body_fn(*carried)
        new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        if len(new) != len(carried):
            raise RuntimeError(f"while_loop: body_fn returned {len(new)} values for {len(carried)} carried inputs")
        carried = new
    return carried
