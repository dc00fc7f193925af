"""Function transforms in the style of HIPS autograd and JAX: grad, value_and_grad, jacobian, hessian,
vjp and jvp, on Python functions of Values.

Arguments may be numbers, arrays or Values. At the top level a transform returns NumPy data; called on
Values, or inside another transform, it returns Values that are themselves differentiable, so transforms
nest: `grad(grad(grad(f)))(0.3)` is the third derivative of f at 0.3.
"""

from __future__ import annotations

import contextlib
import functools
import numbers

import numpy as np

from . import engine
from .ops.shape import reshape, stack
from .value import Value


class _Tracing:
    depth = 0  # how many transforms are running around the current call


@contextlib.contextmanager
def _inside_transform():
    _Tracing.depth += 1
    try:
        with engine.enable_grad():
            yield
    finally:
        _Tracing.depth -= 1


def _argnum_tuple(argnums, nargs, name):
    single = isinstance(argnums, numbers.Integral)
    nums = (argnums,) if single else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{name}: argnums {argnums} is out of range for {nargs} positional arguments")
    return single, tuple(i % nargs for i in nums)


def _prepare(args, argnums, name):
    """Make the differentiated arguments into Values; tell whether the result must stay differentiable."""
    if not args:
        raise TypeError(f"{name}: the function needs at least one positional argument to differentiate")
    single, nums = _argnum_tuple(argnums, len(args), name)
    args = list(args)
    nested = _Tracing.depth > 0
    inputs = []
    for i in nums:
        arg = args[i]
        if isinstance(arg, Value) and arg.requires_grad:
            nested = True  # an outer graph reaches this argument: keep our gradients in it
        else:
            arg = Value(arg.data if isinstance(arg, Value) else arg)
        args[i] = arg
        inputs.append(arg)
    return args, inputs, single, nested


def _call(f, args, kwargs, name):
    with _inside_transform():
        out = f(*args, **kwargs)
    if isinstance(out, Value):
        return out
    if isinstance(out, (numbers.Real, np.ndarray, np.generic)) and np.asarray(out).dtype.kind in "biuf":
        # NumPy data: the output does not depend on the differentiated arguments (say f(x, y) = 2x with
        # argnums=1), so its derivatives are zero, as in HIPS autograd and JAX.
        return Value(out, requires_grad=False)
    raise TypeError(f"{name}: the function must return a Value or numeric data, got {type(out).__name__}")


def _zeros_like(v, nested):
    z = np.zeros_like(np.asarray(v.data))
    z = z[()] if z.ndim == 0 else z
    return Value(z, requires_grad=False) if nested else z


def _gradients(outputs, inputs, seeds, nested):
    """d(seeds · outputs)/d(inputs) with zeros for inputs the outputs do not depend on."""
    if not outputs.requires_grad:
        return [_zeros_like(v, nested) for v in inputs]
    grads = engine.grad(outputs, inputs, grad_outputs=seeds, retain_graph=True, create_graph=nested,
                        allow_unused=True)
    result = []
    for v, g in zip(inputs, grads):
        if g is None:
            g = _zeros_like(v, nested)
        elif nested and not isinstance(g, Value):
            g = Value(g, requires_grad=False)
        result.append(g)
    return result


def _output(v, nested):
    return v if nested else v.data


# ----------------------------------------------------------------------------------------------------


def value_and_grad(f, argnums=0):
    """Return a function computing (f(*args), ∂f/∂args[argnums]) for a scalar-valued f.

    The gradient has the shape of its argument; a tuple of gradients when argnums is a tuple.
    """

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        args, inputs, single, nested = _prepare(args, argnums, "grad")
        out = _call(f, args, kwargs, "grad")
        if out.size != 1:
            raise ValueError(f"grad: the function must return a scalar, got shape {out.shape}; use jacobian")
        grads = _gradients(out, inputs, None, nested)
        grads = grads[0] if single else tuple(grads)
        return _output(out, nested), grads

    return value_and_grad_f


def grad(f, argnums=0):
    """Return a function computing the gradient of scalar-valued f with respect to args[argnums]."""

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        return value_and_grad(f, argnums)(*args, **kwargs)[1]

    return grad_f


def jacobian(f, argnums=0):
    """Return a function computing the Jacobian of f: shape out.shape + arg.shape (one reverse pass per
    output element). A tuple of Jacobians when argnums is a tuple."""

    @functools.wraps(f)
    def jacobian_f(*args, **kwargs):
        args, inputs, single, nested = _prepare(args, argnums, "jacobian")
        out = _call(f, args, kwargs, "jacobian")
        rows = [[] for _ in inputs]
        for k in range(out.size):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.flat[k] = 1
            for row, g in zip(rows, _gradients(out, inputs, seed, nested)):
                row.append(g)
        jacs = []
        for v, row in zip(inputs, rows):
            shape = out.shape + v.shape
            if nested:
                jacs.append(reshape(stack(row), shape=shape) if row else Value(np.zeros(shape), requires_grad=False))
            else:
                jacs.append(np.reshape(np.stack(row) if row else np.zeros(shape, dtype=v.dtype), shape))
        return jacs[0] if single else tuple(jacs)

    return jacobian_f


def hessian(f, argnums=0):
    """Return a function computing the Hessian of scalar-valued f: shape arg.shape + arg.shape."""
    if not isinstance(argnums, numbers.Integral):
        raise TypeError("hessian: argnums must be a single integer")
    return jacobian(grad(f, argnums), argnums)


def vjp(f, *primals):
    """Reverse mode: (f(*primals), vjp_fn), where vjp_fn(cotangent) returns the tuple of
    cotangent · ∂f/∂primal_i, one per primal, each of that primal's shape. The cotangent has f's shape."""
    args, inputs, _, nested = _prepare(primals, tuple(range(len(primals))), "vjp")
    out = _call(f, args, {}, "vjp")

    def vjp_fn(cotangent):
        ct = cotangent if isinstance(cotangent, Value) and nested else np.asarray(
            cotangent.data if isinstance(cotangent, Value) else cotangent, dtype=out.dtype)
        if np.shape(ct) != out.shape:
            raise ValueError(f"vjp: cotangent of shape {np.shape(ct)} does not match output of shape {out.shape}")
        return tuple(_gradients(out, inputs, ct, nested))

    return _output(out, nested), vjp_fn


def jvp(f, primals, tangents):
    """Forward mode: (f(*primals), ∂f/∂primals · tangents), the directional derivative.

    Computed by transposing reverse mode: u ↦ uᵀJ is linear in u, so differentiating it with
    respect to u, along the tangents, gives J·t. That costs one forward pass and two backward passes
    (the first recording a graph), independent of the number of outputs, against one backward pass for
    `vjp`; getting a full gradient of a function with n inputs needs n jvp calls but a single vjp call.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    args, inputs, _, nested = _prepare(primals, tuple(range(len(primals))), "jvp")
    for v, t in zip(inputs, tangents):
        if np.shape(t.data if isinstance(t, Value) else t) != v.shape:
            raise ValueError(f"jvp: tangent of shape {np.shape(t)} does not match primal of shape {v.shape}")
    out = _call(f, args, {}, "jvp")
    if not out.requires_grad:
        return _output(out, nested), _zeros_like(out, nested)
    u = Value(np.zeros(out.shape, dtype=out.dtype))  # the cotangent, a variable for the transpose
    with engine.enable_grad():
        ujs = engine.grad(out, inputs, grad_outputs=u, retain_graph=True, create_graph=True, allow_unused=True)
    pairs = [(g, t) for g, t in zip(ujs, tangents) if g is not None and g.requires_grad]
    if not pairs:
        return _output(out, nested), _zeros_like(out, nested)
    jt = engine.grad([g for g, _ in pairs], [u], grad_outputs=[t for _, t in pairs], retain_graph=nested,
                     create_graph=nested, allow_unused=True)[0]
    if jt is None:
        jt = _zeros_like(out, nested)
    return _output(out, nested), jt
