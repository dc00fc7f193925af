"""Numerical checks of gradients: central finite differences against reverse mode, in float64 (complex128 for
complex numbers, checked as their real and imaginary parts)."""

from __future__ import annotations

import numpy as np

from . import engine
from .modes import enable_grad, no_grad, set_grad_enabled
from .value import Value


class GradcheckError(AssertionError):
    """Analytic and numerical derivatives disagree; the message names the worst element."""


# Complex numbers are checked as PyTorch's gradcheck checks them: a complex input z = x + iy is the two real inputs x
# and y, a complex output w the two real outputs Re w and Im w. Reverse mode gives both rows of that real Jacobian
# from PyTorch's convention (z.grad = ∂L/∂x + i·∂L/∂y): the gradient seeded with 1 is that of L = Re w, the one
# seeded with 1j that of L = Im w. Comparing all four real blocks with central differences checks the Wirtinger
# derivatives ∂w/∂z and ∂w/∂z̄ together, which is what PyTorch's complex gradcheck compares.


def _data64(x, what="inputs"):
    """x's numbers in double precision: float64, or complex128 for complex data (what PyTorch's gradcheck expects)."""
    data = np.asarray(x.data if isinstance(x, Value) else x)
    return np.array(data, dtype=np.complex128 if data.dtype.kind == "c" else np.float64, order="C")


def _pairs(data):
    """Real data as it is; complex data as its real and imaginary parts, shape + (2,)."""
    return np.stack([data.real, data.imag], axis=-1) if data.dtype.kind == "c" else data


def _as_leaves(inputs):
    return [Value(_data64(x)) for x in inputs]


def _evaluate(f, datas, differentiable=False):
    # gradgradcheck's function computes gradients itself, so it needs leaves that record a graph.
    with set_grad_enabled(differentiable):
        out = f(*[Value(d, requires_grad=differentiable) for d in datas])
    # A copy: the output of reshape, transpose or basic indexing is a view of the input that the next
    # perturbation would change underneath us.
    return _pairs(_data64(out, "outputs"))


def numerical_jacobian(f, inputs, eps=1e-6, differentiable=False):
    """Central differences: for each input, an array of shape out.shape + input.shape (a complex output or input
    counting as its real and imaginary parts: a trailing axis of 2 on its side)."""
    # C order: the perturbations go through x.reshape(-1), a view only of a C-contiguous array (a transposed input,
    # copied in its own order, would be perturbed in a copy and give a numerical gradient of 0).
    datas = [_data64(v) for v in inputs]
    out_shape = _evaluate(f, datas, differentiable).shape
    jacs = []
    for x in datas:
        flat = x.reshape(-1)  # a view: perturbing it perturbs x
        if x.dtype.kind == "c":
            flat = flat.view(np.float64)  # the real and imaginary parts, in turn
        jac = np.zeros(out_shape + _pairs(x).shape)
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
    """Reverse mode, one backward pass per output element (two for a complex one: seeds 1 and 1j): arrays of shape
    out.shape + input.shape, complex sides as in `numerical_jacobian`."""
    leaves = _as_leaves(inputs)
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: the function must return a Value, got {type(out).__name__}")
    out_complex = out.data.dtype.kind == "c"
    out_shape = out.shape + ((2,) if out_complex else ())
    jacs = [np.zeros(out_shape + _pairs(v.data).shape) for v in leaves]
    if not out.requires_grad:
        return jacs
    seeds = (1.0, 1j) if out_complex else (1.0,)
    for k in range(out.size):
        for part, unit in enumerate(seeds):
            seed = np.zeros(out.shape, out.data.dtype)
            seed.flat[k] = unit
            grads = engine.grad(out, leaves, grad_outputs=seed, retain_graph=True, allow_unused=True)
            for jac, g in zip(jacs, grads):
                if g is not None:
                    row = _pairs(np.asarray(g.data if isinstance(g, Value) else g)).reshape(-1)
                    jac.reshape(out.size, len(seeds), -1)[k, part] = row
    return jacs


def forward_jacobian(f, inputs):
    """Forward mode, one Jacobian-vector product per input element (two for a complex one: tangents 1 and 1j), each a
    unit tangent of one input and zero tangents of the others: arrays of shape out.shape + input.shape, complex sides
    as in `numerical_jacobian`. Runs the JVP rules (an autograd.Function's `jvp`), not the backward ones."""
    from .forward import jvp

    datas = [_data64(x) for x in inputs]
    out, _ = jvp(f, tuple(datas), tuple(np.zeros_like(d) for d in datas))
    out_shape = _pairs(_data64(out)).shape
    jacs = []
    for i, x in enumerate(datas):
        units = (1.0, 1j) if x.dtype.kind == "c" else (1.0,)
        jac = np.zeros(out_shape + _pairs(x).shape)
        for k in range(x.size):
            for part, unit in enumerate(units):
                tangents = [np.zeros_like(d) for d in datas]
                tangents[i].reshape(-1)[k] = unit
                _, column = jvp(f, tuple(datas), tuple(tangents))
                jac.reshape(out_shape + (x.size, len(units)))[..., k, part] = _pairs(_data64(column))
        jacs.append(jac)
    return jacs


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, _differentiable=False, *,
              check_forward_ad=False, check_backward_ad=True):
    """Check reverse-mode derivatives of f against central differences, in float64; with check_forward_ad, the
    forward-mode ones too (`forward_jacobian`), and with check_backward_ad=False only those.

    f:      a function of Values returning a Value of any shape.
    inputs: a sequence of numbers, arrays or Values (copied to float64 leaves, complex128 for complex ones).
    Complex inputs and outputs are checked as PyTorch checks them: each as its real and imaginary parts (the
    Wirtinger derivatives ∂w/∂z and ∂w/∂z̄ together); a mismatch names the part.
    Passes when |analytic - numeric| <= atol + rtol·|numeric| everywhere. Returns True, or raises
    GradcheckError naming the input, the element and both values at the worst mismatch (or returns
    False when raise_exception=False).
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    modes = [("analytic", analytic_jacobian)] if check_backward_ad else []
    modes += [("forward-mode", forward_jacobian)] if check_forward_ad else []
    if not modes:
        return True
    numeric = numerical_jacobian(f, inputs, eps, _differentiable)
    worst = None
    for mode, jacobian_of in modes:
        for i, (a, n) in enumerate(zip(jacobian_of(f, inputs), numeric)):
            excess = np.abs(a - n) - (atol + rtol * np.abs(n))
            excess = np.where(np.isnan(a) != np.isnan(n), np.inf, np.nan_to_num(excess, nan=0.0))
            if excess.size and excess.max() > 0:
                k = np.unravel_index(int(np.argmax(excess)), excess.shape)
                if worst is None or excess[k] > worst[0]:
                    worst = (excess[k], i, k, a[k], n[k], mode)
    if worst is None:
        return True
    _, i, k, a, n, mode = worst
    in_complex = [_data64(x).dtype.kind == "c" for x in inputs]
    with set_grad_enabled(_differentiable):  # (gradgradcheck's function computes gradients itself)
        out_complex = np.asarray(f(*_as_leaves(inputs)).data).dtype.kind == "c"
    in_ndim = _pairs(_data64(inputs[i])).ndim
    out_index, in_index = k[:len(k) - in_ndim], k[len(k) - in_ndim:]
    message = (
        f"gradcheck: d {_element('out', out_index, out_complex)} / d {_element(f'input {i}', in_index, in_complex[i])}"
        f": {mode} {float(a)!r} vs numerical {float(n)!r} "
        f"(difference {abs(a - n):.3g}, allowed {atol + rtol * abs(n):.3g})"
    )
    if raise_exception:
        raise GradcheckError(message)
    return False


def _element(name, index, is_complex):
    """'out(1, 2)', or 'Re out(1,)' / 'Im input 0(2,)' for a complex side (its last index is the part)."""
    if is_complex:
        *index, part = index
        name = f"{'Im' if part else 'Re'} {name}"
    return f"{name}{tuple(int(j) for j in index)}"


def gradgradcheck(f, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of x ↦ vᵀ·∂f/∂x for a fixed random cotangent v.

    The first derivatives are computed with create_graph=True, so this tests that every rule along the
    way is itself correctly differentiable.
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if grad_outputs is None:  # random cotangents, complex for a complex output (as PyTorch's)
        with no_grad():
            out = f(*_as_leaves(inputs))
        rng = np.random.default_rng(seed)
        grad_outputs = rng.standard_normal(out.shape)
        if out.data.dtype.kind == "c":
            grad_outputs = grad_outputs + 1j * rng.standard_normal(out.shape)
    cotangent = _data64(grad_outputs)

    def first_derivatives(*xs):
        from .ops.shape import concatenate

        out = f(*xs)
        with enable_grad():
            grads = engine.grad(out, xs, grad_outputs=Value(cotangent, requires_grad=False),
                                create_graph=True, allow_unused=True)
        pieces = [g.reshape(-1) for g in grads if isinstance(g, Value)]
        if not pieces:
            return Value(np.zeros(1), requires_grad=False)
        return concatenate(pieces)

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
                     _differentiable=True)
