"""torch.autograd.forward_ad: forward mode with dual tensors (`dual_level`, `make_dual`, `unpack_dual`).

    import autograd_core.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)      # a new Value aliasing primal's data, carrying `tangent`
        y = f(x)                                 # any operations, nn modules, autograd.Functions with a jvp
        value, jvp = fwAD.unpack_dual(y)         # jvp = J·tangent (None if y does not depend on a dual)
    fwAD.unpack_dual(y).tangent                  # None: tangents vanish when the level exits

How: a dual level is a forward-mode trace (forward.JVPTrace, the one `jvp` uses) that watches every operation of
this thread while the level is open, so each result's tangent is computed eagerly, beside the operation, by the
primitives' JVP rules. `make_dual` registers a tangent with the trace, `unpack_dual` reads one back. Outside a dual
level no trace exists and nothing is computed: the engine's cost when forward AD is unused is zero.

Tangents are NumPy data (the fast numeric rules) until some `make_dual` gets a primal or a tangent that requires a
gradient, or runs inside another transform; from then on the level's rules run on Values (the tangents already
computed become constants), so tangents are differentiable: `unpack_dual(y).tangent.sum().backward()` reaches the
primal (reverse over forward, a Hessian-vector product). Forward over reverse works too: `autograd.grad` inside a
dual level returns gradients that carry tangents (autograd/__init__.py).

Differences from PyTorch: a level belongs to the thread that entered it (PyTorch's is global, like its grad
mode is not); only one level at a time (as in PyTorch: nested levels raise); the level keeps the Values that got a
tangent (and their tangents) until it exits; `x.backward()` inside a level writes `.grad` without tangents.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import NamedTuple

import numpy as np

from ..errors import ShapeError
from ..forward import JVPTrace
from ..modes import TRACERS
from ..ops.shape import reshape
from ..value import Value

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

# The open level's trace in this thread (None: no level). One level at a time, as in PyTorch, so its number is 0.
_LEVEL = contextvars.ContextVar("autograd_core.dual_level", default=None)
# The open level's tangents as Values, by dual tensor: the trace keeps numeric tangents as arrays, and `unpack_dual`
# hands back the Value that make_dual was given (when kept as-is) or made for it, the same object each time, as
# PyTorch's does (the forward-mode tutorial's `unpack_dual(make_dual(p, t)).tangent is t`).
_TANGENT_VALUES = contextvars.ContextVar("autograd_core.dual_level_tangents", default=None)


class UnpackedDualTensor(NamedTuple):
    """What `unpack_dual` returns: `primal` (a Value with the dual's data and no tangent) and `tangent` (a Value of
    the same shape, or None)."""

    primal: Value
    tangent: Value | None


def current_trace():
    """The JVPTrace of this thread's open dual level, or None (autograd.grad reads it for forward over reverse)."""
    return _LEVEL.get()


def enter_dual_level():
    """Open a forward AD level in this thread and return its number (always 0: levels do not nest, as in PyTorch).
    Close it with `exit_dual_level()`; `with dual_level():` does both."""
    if _LEVEL.get() is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    from .. import functional

    trace = JVPTrace(symbolic=functional._Tracing.depth > 0)  # inside grad/jvp: tangents must be Values
    _LEVEL.set(trace)
    _TANGENT_VALUES.set({})
    TRACERS.set(TRACERS.get() + (trace,))
    return 0


def exit_dual_level(*, level=None):
    """Close this thread's forward AD level: every tangent made in it is forgotten (`unpack_dual` then gives None)."""
    trace = _LEVEL.get()
    if trace is None:
        raise RuntimeError("exit_dual_level: no forward AD level is open (enter_dual_level() or `with dual_level():`)")
    _check_level(level)
    TRACERS.set(tuple(t for t in TRACERS.get() if t is not trace))
    _LEVEL.set(None)
    _TANGENT_VALUES.set(None)
    trace.tangents.clear()
    trace.sharing.clear()


class dual_level(contextlib.ContextDecorator):
    """`with dual_level():` (or `@dual_level()`) opens a forward AD level for the block; `as` gives its number (0).
    Every tangent made inside is forgotten when the block ends."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _check_level(level):
    if level is not None and level != 0:
        raise RuntimeError(f"forward AD level {level} does not exist: the open level is 0 (levels do not nest)")


def _dtype_of(x):
    return x.dtype if isinstance(x, Value) else np.asarray(x).dtype


def make_dual(tensor, tangent, *, level=None):
    """A dual tensor: a new Value that aliases `tensor`'s data (it is `tensor` viewed, so backward flows to
    `tensor`) and carries `tangent` (same shape; converted to tensor's dtype) in the open level. Every operation on
    it inside the level gives a result whose tangent is the Jacobian-vector product.

    Raises RuntimeError outside a dual level, when the shapes differ, or when `tensor` already has a tangent in
    this level; ValueError when either is not floating point."""
    trace = _LEVEL.get()
    if trace is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    _check_level(level)
    if not isinstance(tensor, Value):
        tensor = Value(tensor, requires_grad=False)
    for name, x in (("primal", tensor), ("tangent", tangent)):
        if _dtype_of(x).kind not in "fc":
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {_dtype_of(x)}")
    shape = tangent.shape if isinstance(tangent, Value) else np.shape(tangent)
    if tuple(shape) != tensor.shape:
        raise ShapeError(f"make_dual: the tangent's shape {tuple(shape)} differs from the primal's {tensor.shape} "
                         "(a tangent has its primal's shape)")
    if tensor in trace.tangents:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           "level 0 is not supported.")
    if not trace.symbolic and (tensor.requires_grad or (isinstance(tangent, Value) and tangent.requires_grad)):
        _differentiable_tangents(trace)
    dual = reshape(tensor, shape=tensor.shape)  # an alias: same data and version counter, gradient to tensor
    stored = trace.tangents[dual] = _as_tangent(tangent, tensor.data, trace.symbolic)
    if isinstance(tangent, Value) and stored is tangent.data:
        _TANGENT_VALUES.get()[dual] = tangent
    return dual


def _as_tangent(tangent, primal, symbolic):
    """The tangent as the level keeps it for a primal whose data is `primal`: a Value (symbolic) or an array of the
    primal's dtype, the one given when it has the primal's dtype and memory layout (PyTorch keeps it as-is then),
    else a copy in the primal's layout (a transposed tangent of a row-major primal is copied, as in PyTorch)."""
    dtype = primal.dtype
    if symbolic:
        if isinstance(tangent, Value):
            return tangent if tangent.dtype == dtype else tangent.astype(dtype)
        return Value(np.asarray(tangent, dtype=dtype), requires_grad=False)
    data = tangent.data if isinstance(tangent, Value) else tangent
    array = np.asarray(data, dtype=dtype)
    if array.ndim and array.strides != np.asarray(primal).strides:
        laid_out = np.empty_like(primal)  # the primal's layout (empty_like keeps its strides' order)
        laid_out[...] = array
        array = laid_out
    return array[()] if array.ndim == 0 else array


def _differentiable_tangents(trace):
    """From now on the level's rules run on Values (so tangents can be differentiated); the tangents computed so far
    are constants."""
    trace.symbolic = trace.runs_operations = True
    for v, t in list(trace.tangents.items()):
        if not isinstance(t, Value):
            trace.tangents[v] = Value(np.array(t, copy=True), requires_grad=False)


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of `tensor` in the open level, as the named tuple `UnpackedDualTensor`. `tangent` is a
    Value of tensor's shape and dtype (the Jacobian-vector product of the computation from the duals to
    `tensor`), or None when tensor does not depend on a dual tensor or no level is open; `primal` is then `tensor`
    itself, otherwise a Value aliasing its data, without a tangent (differentiable: backward flows to `tensor`)."""
    trace = _LEVEL.get()
    if trace is None:
        return UnpackedDualTensor(tensor, None)
    _check_level(level)
    tangent = trace.tangents.get(tensor) if isinstance(tensor, Value) else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = reshape(tensor, shape=tensor.shape)
    trace.tangents.pop(primal, None)  # the primal is tensor without its tangent
    if not isinstance(tangent, Value):
        values = _TANGENT_VALUES.get()
        known = values.get(tensor)
        if known is not None and known.data is tangent:
            return UnpackedDualTensor(primal, known)
        if isinstance(tangent, np.ndarray) and not tangent.flags.writeable:
            tangent = tangent.copy()  # a broadcast view: the caller gets an array of its own
        tangent = values[tensor] = Value(tangent, requires_grad=False)
        trace.tangents[tensor] = tangent.data  # the same array (and Value) on the next unpack
    return UnpackedDualTensor(primal, tangent)
