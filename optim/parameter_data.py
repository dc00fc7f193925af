"""A parameter's data, gradient and state as the update rules take them (optimizer.py's step, the algorithms'
written-out loops): the gradient as NumPy data of the parameter's shape and dtype, the hyper-parameters as Python
numbers, complex data as real pairs (PyTorch's view_as_real), and the copies a state dict is saved and loaded as."""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core.errors import ShapeError, describe
from autograd_core.grad_array import LeafArray, ParameterArray
from autograd_core.sparse_array import SparseArray
from autograd_core.value import Value, stored_grad


def _python_number(value):
    # A np.float64 learning rate times a float32 array gives float64 (NumPy 2); a Python float does not. A Value (a
    # Tensor lr) gives its number.
    if isinstance(value, (np.generic, Value)):
        return value.item()
    if isinstance(value, (tuple, list)):
        return tuple(_python_number(v) for v in value)
    return value


_PLAIN_NUMBERS = frozenset({float, int, bool, type(None)})  # passed to an update rule as they are
_ndarray = np.ndarray
_parameter_array = ParameterArray  # a Parameter's n-d data (nn.Parameter stores it so)
# The update rules compute on a plain ndarray view of these (`np.asarray`, ~0.13 µs): NumPy's ufuncs cost more into
# an ndarray subclass (~0.35 µs a call, ~10% on 200K float32 elements), W2: BENCHMARKS.md "Stop 64".
_SUBCLASSED_DATA = frozenset({ParameterArray, LeafArray})


def gradient_and_data(p, owner):
    """(g, data) as an update rule takes them for parameter p, or (None, None) if p has no gradient: its gradient
    as NumPy data of p's shape and dtype (from a Value recorded with create_graph, a 0-d or differently typed
    array; a wrong shape is a ValueError naming `owner`), and its data, copied if read-only (a
    broadcast view), so that the rule updates a private copy."""
    g = stored_grad(p)
    if g is None:
        return None, None
    data = p.data
    if (g.__class__ is _ndarray and g.shape == data.shape and (g.dtype is data.dtype or g.dtype == data.dtype)
            and (data.__class__ is _parameter_array or data.__class__ is _ndarray) and g.ndim and data.flags.writeable):
        return g, data  # a plain array of data's shape and dtype, and writable data: as they are
    g = _gradient_of(p, owner)
    if data.__class__ is _ndarray and not data.flags.writeable:
        data = data.copy()
    return g, data


def sparse_gradient(p):
    """p's gradient as sparse data (a SparseArray: `nn.Embedding(sparse=True)`'s weight, a sparse parameter), or None
    when it is dense or missing."""
    g = stored_grad(p)
    if isinstance(g, Value):
        g = g.data
    return g if g.__class__ is SparseArray else None


def _gradient_of(p, owner):
    """p.grad as NumPy data of p's shape and dtype (a SparseArray if it is sparse), or None."""
    g = p.grad
    if g is None:
        return None
    if isinstance(g, Value):  # a gradient recorded with create_graph=True, or a sparse one
        g = g.data
    if g.__class__ is SparseArray:  # (only for an algorithm that takes it: `Optimizer._check_sparse_gradients`)
        return g if g.dtype == p.data.dtype else g.astype(p.data.dtype)
    g = np.asarray(g)  # a plain ndarray: the arithmetic of a GradArray goes through Python (__array_wrap__)
    if g.shape != p.data.shape:
        raise ShapeError(
            f"{owner}.step: the gradient of parameter {describe(p)} has shape {g.shape}, "
            f"expected {p.data.shape}"
        )
    if g.dtype != p.data.dtype:
        g = g.astype(p.data.dtype)
    return g[()] if g.ndim == 0 else g


def _as_data_of(x, p):
    """x with p's dtype, and a NumPy scalar when p is 0-d (as Value stores it)."""
    x = np.asarray(x)
    if x.dtype != p.data.dtype:
        x = x.astype(p.data.dtype)
    return x[()] if x.ndim == 0 else x


_REAL_PART_DTYPES = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}


def as_real_pairs(x):
    """Complex NumPy data x of shape S as real data of shape S + (2,) (real and imaginary parts): a view of x's memory
    when x is a C-contiguous array (torch.view_as_real's layout), else a copy."""
    arr = np.ascontiguousarray(x)  # (a 0-d array or a NumPy scalar becomes shape (1,): reshaped below)
    return np.ndarray.view(arr.reshape(-1), _REAL_PART_DTYPES[arr.dtype]).reshape(np.shape(x) + (2,))


def from_real_pairs(r, dtype):
    """The inverse of `as_real_pairs`: real pairs r of shape S + (2,) as complex data of `dtype` and shape S (a view
    of r's memory when r is C-contiguous)."""
    arr = np.ascontiguousarray(r)
    return np.ndarray.view(arr.reshape(-1), dtype).reshape(r.shape[:-1])


def update_as_real(update, data, g, state, hp):
    """`update(data, g, state, hp)` for complex `data`, as PyTorch's optimizers make it: on the real pairs of the
    parameter, its gradient and its complex state arrays (`as_real_pairs`), so that each real and imaginary part is
    stepped as a real parameter of its own (Adam's second moment is then (Re g)² and (Im g)², not |g|²). Arrays the
    rule puts into the state are kept complex, as PyTorch keeps them (`state["exp_avg"]` is complex). Real data is
    handed to `update` as it is."""
    dtype = data.dtype
    if dtype.kind != "c":
        return update(data, g, state, hp)
    shape = np.shape(data)
    pairs_shape = shape + (2,)
    pairs = as_real_pairs(data)
    in_place = isinstance(data, np.ndarray) and np.shares_memory(pairs, data)
    real_state = {name: as_real_pairs(v) if v.__class__ is np.ndarray and v.dtype == dtype else v
                  for name, v in state.items()}
    new = update(pairs, as_real_pairs(g), real_state, hp)
    for name, v in real_state.items():
        if v.__class__ is np.ndarray and v.shape == pairs_shape and v.dtype.kind == "f":
            v = from_real_pairs(v, dtype)  # (a view: the rule's in-place changes of a moment stay the state's)
        state[name] = v
    if new is pairs and in_place:
        return data  # changed in place, through the view
    return from_real_pairs(np.asarray(new), dtype)


def _copy_state(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.copy()
    if isinstance(value, Value):  # a custom optimizer's state kept as tensors, as PyTorch code keeps it
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_state(v) for v in value)
    return value


def _restore_state(value, p, index, name, who):
    if isinstance(value, Value) and value.data.__class__ is SparseArray:
        value = value.data  # a sparse tensor saved by PyTorch code: its data, as the algorithm keeps it
    if value.__class__ is SparseArray:  # SGD's momentum of a sparse gradient (it never changes in place: no copy)
        if tuple(value.shape) != tuple(p.data.shape):
            raise ShapeError(f"{who}: state '{name}' of parameter {index} has shape {tuple(value.shape)}, but the "
                             f"parameter has shape {tuple(p.data.shape)}")
        return value if value.dtype == p.data.dtype else value.astype(p.data.dtype)
    if isinstance(value, Value):
        # A custom optimizer's state kept as tensors (`state["exp_avg"] = torch.zeros_like(p)`, its step then
        # `exp_avg.mul_(beta).add_(grad, alpha=1 - beta)`): it comes back as a Value (a copy), which that code
        # needs, in p's float dtype when it has p's shape. Any other shape or dtype is the algorithm's business.
        data = np.array(value.data)
        if data.shape == p.data.shape and data.dtype.kind == "f" and data.dtype != p.data.dtype:
            data = data.astype(p.data.dtype)
        return Value(data, requires_grad=False, dtype=data.dtype)
    if isinstance(value, bool) or not isinstance(value, (np.ndarray, np.generic, numbers.Real)):
        raise ValueError(f"{who}: state '{name}' of parameter {index} is a {type(value).__name__}, "
                         "expected an array or a number")
    if not isinstance(value, (np.ndarray, np.generic)):
        return value  # a step count or another plain number
    if np.ndim(value) == 0 and name == "step":  # PyTorch's step is a float32 tensor: count in Python numbers, as
        return value.item()  # its optimizers do (`beta ** step` in float32 would round the bias correction)
    arr = np.array(value)  # a copy
    if arr.shape != p.data.shape and not (arr.ndim == 0 and p.data.ndim != 0 and name == "step"):
        raise ShapeError(
            f"{who}: state '{name}' of parameter {index} has shape {arr.shape}, "
            f"but the parameter has shape {p.data.shape}"
        )
    if arr.dtype.kind == "f" and arr.dtype != p.data.dtype:
        arr = arr.astype(p.data.dtype)
    return arr
