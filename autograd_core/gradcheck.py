"""Numerical checks of gradients: central finite differences against reverse mode, in float64."""

from __future__ import annotations

import numpy as np

from . import engine
from .value import Value


class GradcheckError(AssertionError):
    """Analytic and numerical derivatives disagree; the message names the worst element."""


def _float64(x, what):
    """x's numbers as a float64 array; complex ones refused (their real parts alone would be checked silently)."""
    data = np.asarray(x.data if isinstance(x, Value) else x)
    if data.dtype.kind == "c":
        raise NotImplementedError(f"gradcheck: complex {what} are not supported here; check a function of real inputs "
                                  "and outputs instead (torch.complex(re, im) in, torch.view_as_real(out) out)")
    return data


def _as_float64_leaves(inputs):
    leaves = []
    for x in inputs:
        data = np.array(_float64(x, "inputs"), dtype=np.float64)
        leaves.append(Value(data))
    return leaves


def _evaluate(f, datas, differentiable=False):
    # gradgradcheck's function computes gradients itself, so it needs leaves that record a graph.
    with engine.set_grad_enabled(differentiable):
        out = f(*[Value(d, requires_grad=differentiable) for d in datas])
    # A copy: the output of reshape, transpose or basic indexing is a view of the input that the next
    # perturbation would change underneath us.
    return np.array(_float64(out, "outputs"), dtype=np.float64)


def numerical_jacobian(f, inputs, eps=1e-6, differentiable=False):
    """Central differences: for each input, an array of shape out.shape + input.shape."""
    # C order: the perturbations go through x.reshape(-1), a view only of a C-contiguous array (a transposed input,
    # copied in its own order, would be perturbed in a copy and give a numerical gradient of 0).
    datas = [np.array(_float64(v, "inputs"), dtype=np.float64, order="C") for v in inputs]
    out_shape = _evaluate(f, datas, differentiable).shape
    jacs = []
    for x in datas:
        jac = np.zeros(out_shape + x.shape)
        flat = x.reshape(-1)  # a view: perturbing it perturbs x
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = _evaluate(f, datas, differentiable)
            flat[k] = orig - eps
            minus = _evaluate(f, datas, differentiable)
            flat[k] = orig
            jac.reshape(out_shape + (-1,))[..., k] = (plus - minus) / (2 * eps)
        jacs.append(jac)
    return jacs


def analytic_jacobian(f, inputs):
    """Reverse mode, one backward pass per output element: arrays of shape out.shape + input.shape."""
    leaves = _as_float64_leaves(inputs)
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: the function must return a Value, got {type(out).__name__}")
    jacs = [np.zeros(out.shape + v.shape) for v in leaves]
    if not out.requires_grad:
        return jacs
    for k in range(out.size):
        seed = np.zeros(out.shape)
        seed.flat[k] = 1.0
        grads = engine.grad(out, leaves, grad_outputs=seed, retain_graph=True, allow_unused=True)
        for jac, g in zip(jacs, grads):
            if g is not None:
                jac.reshape(out.size, -1)[k] = np.asarray(g.data if isinstance(g, Value) else g).reshape(-1)
    return jacs


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, _differentiable=False):
    """Check reverse-mode derivatives of f against central differences, in float64.

    f:      a function of Values returning a Value of any shape.
    inputs: a sequence of numbers, arrays or Values (copied to float64 leaves).
    Passes when |analytic - numeric| <= atol + rtol·|numeric| everywhere. Returns True, or raises
    GradcheckError naming the input, the element and both values at the worst mismatch (or returns
    False when raise_exception=False).
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    analytic = analytic_jacobian(f, inputs)
    numeric = numerical_jacobian(f, inputs, eps, _differentiable)
    worst = None
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        excess = np.where(np.isnan(a) != np.isnan(n), np.inf, np.nan_to_num(excess, nan=0.0))
        if excess.size and excess.max() > 0:
            k = np.unravel_index(int(np.argmax(excess)), excess.shape)
            if worst is None or excess[k] > worst[0]:
                worst = (excess[k], i, k, a[k], n[k], a.ndim - np.ndim(inputs[i]))
    if worst is None:
        return True
    _, i, k, a, n, out_ndim = worst
    message = (
        f"gradcheck: d out{tuple(int(j) for j in k[:out_ndim])} / d input {i}"
        f"{tuple(int(j) for j in k[out_ndim:])}: analytic {float(a)!r} vs numerical {float(n)!r} "
        f"(difference {abs(a - n):.3g}, allowed {atol + rtol * abs(n):.3g})"
    )
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradgradcheck(f, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of x ↦ vᵀ·∂f/∂x for a fixed random cotangent v.

    The first derivatives are computed with create_graph=True, so this tests that every rule along the
    way is itself correctly differentiable.
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if grad_outputs is None:
        with engine.no_grad():
            shape = f(*_as_float64_leaves(inputs)).shape
        grad_outputs = np.random.default_rng(seed).standard_normal(shape)
    cotangent = np.asarray(grad_outputs, dtype=np.float64)

    def first_derivatives(*xs):
        from .ops.shape import concatenate

        out = f(*xs)
        with engine.enable_grad():
            grads = engine.grad(out, xs, grad_outputs=Value(cotangent, requires_grad=False),
                                create_graph=True, allow_unused=True)
        pieces = [g.reshape(-1) for g in grads if isinstance(g, Value)]
        if not pieces:
            return Value(np.zeros(1), requires_grad=False)
        return concatenate(pieces)

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
                     _differentiable=True)
