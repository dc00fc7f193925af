"""NumPy's functions on Values (`np.where`, `np.concatenate`, `np.sum`, `np.clip`, ...): NumPy's
`__array_function__` protocol hands each call with a Value among its arguments to `Value.__array_function__`,
which comes here.

* The functions below become operations, so their results are Values in the graph, as `np.exp(v)` already is
  (ufuncs go through `Value.__array_ufunc__`): `np.where(mask, x, 0.1 * x)` has a gradient.
* Any other function runs on the Values' data, as before. Its result holds no graph, so when it is floating-point
  data computed from a Value that requires a gradient (grad mode on), it is refused with a TypeError naming the
  function: a loss built from it would silently lack that gradient (PyTorch refuses to hand such a tensor to NumPy
  at all). Shapes, indices and truth values (`np.shape`, `np.argsort`, `np.allclose`) pass, and so do the
  conversions that ask for the numbers as `np.asarray(v)` does (`np.copy(v)`: a snapshot of the weights).
"""

from __future__ import annotations

import numpy as np

from . import ops
from .modes import GRAD_ENABLED
from .value import Value


def _no_out(name, out):
    if out is not None:
        raise TypeError(f"np.{name}(..., out=...) on Values: the result is a new Value; drop out=")


def _value(a):
    return a if isinstance(a, Value) else Value(a, requires_grad=False)


def _reduction(name):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
        _no_out(name, out)
        if dtype is not None or unsupported:
            raise TypeError(f"np.{name} on Values takes axis and keepdims only, got "
                            f"{', '.join(['dtype'] * (dtype is not None) + sorted(unsupported))}")
        return getattr(_value(a), name)(axis=axis, keepdims=bool(keepdims))
    reduce.__name__ = name
    return reduce


def _spread(name):
    def spread(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):  # NumPy's default ddof is 0
        _no_out(name, out)
        if dtype is not None:
            raise TypeError(f"np.{name} on Values takes no dtype")
        return getattr(_value(a), name)(axis=axis, ddof=ddof, keepdims=bool(keepdims))
    spread.__name__ = name
    return spread


def _where(condition, x=None, y=None):
    if x is None and y is None:
        return _on_data(np.where, (condition,), {})  # np.where(cond): the indices
    return ops.where(condition.data if isinstance(condition, Value) else condition, x, y)


def _concatenate(arrays, axis=0, out=None, **kwargs):
    _no_out("concatenate", out)
    if axis is None:
        arrays = [_value(a).reshape(-1) for a in arrays]
        axis = 0
    return ops.concatenate(list(arrays), axis=axis)


def _stack(arrays, axis=0, out=None, **kwargs):
    _no_out("stack", out)
    return ops.stack(list(arrays), axis=axis)


def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    _no_out("clip", out)
    low = a_min if a_min is not None else min
    high = a_max if a_max is not None else max
    return _value(a).clip(low.data if isinstance(low, Value) else low, high.data if isinstance(high, Value) else high)


def _dot(a, b, out=None):
    _no_out("dot", out)
    a, b = _value(a), _value(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim == 1 and b.ndim == 1:
        return (a * b).sum()
    if a.ndim <= 2 and b.ndim <= 2:
        return a @ b
    raise TypeError("np.dot of Values with more than 2 dimensions: use matmul (@), whose batching differs")


def _reshape(a, *args, **kwargs):
    shape = args[0] if args else kwargs.get("shape", kwargs.get("newshape"))
    return _value(a).reshape(shape)


def _transpose(a, axes=None):
    return _value(a).transpose() if axes is None else _value(a).transpose(*axes)


def _broadcast_to(array, shape, subok=False):
    return ops.broadcast_to(_value(array), shape=tuple(shape) if np.iterable(shape) else (shape,))


def _norm(x, ord=None, axis=None, keepdims=False):
    if ord is not None or axis is not None or keepdims:
        raise TypeError("np.linalg.norm on Values takes no ord, axis or keepdims: use Value.norm(p, dim, keepdim)")
    return _value(x).norm()


def _nan_reduction(name):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
        _no_out(name, out)
        if unsupported:
            raise TypeError(f"np.{name} on Values takes axis, dtype and keepdims only")
        return getattr(ops.stats, name)(_value(a), axis, bool(keepdims), dtype=dtype)
    reduce.__name__ = name
    return reduce


def _trapezoid(y, x=None, dx=1.0, axis=-1):
    return ops.stats.trapezoid(_value(y), x, dx=dx if x is None else None, dim=axis)


# NumPy's functions that stop 26's PyTorch functions compute with the same semantics (ops/arrange.py, products.py,
# stats.py): np.moveaxis(v, 0, -1) keeps the graph.
_SAME_AS_TORCH = {
    np.moveaxis: lambda a, source, destination: ops.arrange.movedim(_value(a), source, destination),
    np.kron: lambda a, b: ops.products.kron(_value(a), b),
    np.inner: lambda a, b: ops.products.inner(_value(a), b),
    np.fliplr: lambda m: ops.arrange.fliplr(_value(m)),
    np.flipud: lambda m: ops.arrange.flipud(_value(m)),
    np.rot90: lambda m, k=1, axes=(0, 1): ops.arrange.rot90(_value(m), k, axes),
    np.nansum: _nan_reduction("nansum"), np.nanmean: _nan_reduction("nanmean"),
}
if hasattr(np, "trapezoid"):  # NumPy 2
    _SAME_AS_TORCH[np.trapezoid] = _trapezoid

HANDLERS = {
    np.where: _where, np.concatenate: _concatenate, np.stack: _stack, np.clip: _clip, np.dot: _dot,
    np.sum: _reduction("sum"), np.mean: _reduction("mean"), np.max: _reduction("max"), np.min: _reduction("min"),
    np.amax: _reduction("max"), np.amin: _reduction("min"), np.prod: _reduction("prod"),
    np.var: _spread("var"), np.std: _spread("std"),
    np.reshape: _reshape, np.transpose: _transpose, np.ravel: lambda a, order="C": _value(a).reshape(-1),
    np.swapaxes: lambda a, axis1, axis2: _value(a).swapaxes(axis1, axis2),
    np.broadcast_to: _broadcast_to,
    np.linalg.norm: _norm,
    **_SAME_AS_TORCH,
}
_METADATA = {np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a, axis=None: (
    a.data.size if axis is None else a.data.shape[axis])}


def array_function(func, args, kwargs):
    """What `Value.__array_function__` does (see the module docstring)."""
    handler = HANDLERS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    metadata = _METADATA.get(func)
    if metadata is not None and len(args) >= 1 and isinstance(args[0], Value) and not kwargs:
        return metadata(args[0])
    if func in _CONVERSIONS:
        return func(*_data_of(args), **_data_of(kwargs))
    return _on_data(func, args, kwargs)


_CONVERSIONS = {np.copy, np.atleast_1d, np.atleast_2d, np.atleast_3d}  # the numbers, asked for as such


def _on_data(func, args, kwargs):
    result = func(*_data_of(args), **_data_of(kwargs))
    if GRAD_ENABLED.get() and _needs_grad(args, kwargs) and _floating(result):
        name = getattr(func, "__name__", str(func))
        raise TypeError(
            f"np.{name} on a Value that requires grad gives numbers without a graph, so a loss built from them "
            f"would silently lack that gradient: use the Value's methods or autograd_core's functions, or "
            f"np.{name}(v.data) (or v.detach()) for plain numbers")
    return result


def _data_of(obj):
    if isinstance(obj, Value):
        return obj.data
    if isinstance(obj, (list, tuple)):
        return type(obj)(_data_of(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _data_of(v) for k, v in obj.items()}
    return obj


def _needs_grad(*objs):
    for obj in objs:
        if isinstance(obj, Value):
            if obj.requires_grad:
                return True
        elif isinstance(obj, (list, tuple)):
            if _needs_grad(*obj):
                return True
        elif isinstance(obj, dict):
            if _needs_grad(*obj.values()):
                return True
    return False


def _floating(result):
    if isinstance(result, (list, tuple)):
        return any(_floating(r) for r in result)
    kind = getattr(getattr(result, "dtype", None), "kind", None)
    return kind in ("f", "c") or isinstance(result, float)
