"""`torch.autograd.functional`: jacobian, hessian, vjp, jvp, hvp and vhp with PyTorch's arguments and results.

    from autograd_core.autograd.functional import jacobian, hessian
    J = jacobian(model_fn, x)                     # a Value of shape out.shape + x.shape
    H = hessian(loss_fn, (w, b))                  # ((H_ww, H_wb), (H_bw, H_bb))

They differ from the transforms of `autograd_core` (JAX's and torch.func's style: `jacrev(f)(x)`) in the way
PyTorch's do: they take the inputs directly (a Value or a tuple of them), return Values (detached unless
`create_graph=True`, in which case they stay in the graph of inputs that require grad), nest a tuple of outputs
outside a tuple of inputs, and `strict=True` raises when an output does not depend on an input. Each is computed
by the transforms: reverse mode, or forward mode where PyTorch's `strategy="forward-mode"` asks for it.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .. import functional as _transforms
from ..engine import grad as _grad
from ..value import Value

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(inputs, name):
    """(the inputs as a tuple of Values, whether they came as a tuple)."""
    is_tuple = isinstance(inputs, (tuple, list))
    items = tuple(inputs) if is_tuple else (inputs,)
    values = []
    for i, item in enumerate(items):
        if not isinstance(item, Value):
            if isinstance(item, (np.ndarray, np.generic, int, float)):
                item = Value(np.asarray(item, dtype=np.result_type(np.asarray(item).dtype, np.float32)),
                             requires_grad=False)
            else:
                raise TypeError(f"{name}: input {i} must be a Value (a tensor), got {type(item).__name__}")
        values.append(item)
    return tuple(values), is_tuple


def _prepared(inputs, create_graph):
    """The inputs the transforms see: the Values themselves when the result must stay in their graph
    (create_graph and the input requires grad), else their data."""
    return tuple(x if create_graph and x.requires_grad else x.data for x in inputs)


def _result(r, create_graph):
    """A result as PyTorch hands it back: a Value, detached unless create_graph keeps it in the graph."""
    if isinstance(r, Value):
        return r if create_graph else Value(r.data, requires_grad=False)
    return Value(np.asarray(r), requires_grad=False)


def _check_strict(func, inputs, outputs_of, name):
    """strict=True: every output must depend on every input, as PyTorch checks (RuntimeError otherwise)."""
    fresh = tuple(Value(x.data, requires_grad=True) for x in inputs)
    outputs = outputs_of(func(*fresh))
    for i, out in enumerate(outputs):
        if not isinstance(out, Value) or not out.requires_grad:
            raise RuntimeError(f"{name} (strict): output {i} of the user-provided function does not require grad; "
                               "it is independent of the inputs")
        grads = _grad(out.sum(), list(fresh), retain_graph=True, allow_unused=True)
        for j, g in enumerate(grads):
            if g is None:
                raise RuntimeError(f"{name} (strict): output {i} of the user-provided function is independent of "
                                   f"input {j}. This is not allowed in strict mode.")


def _outputs_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at inputs: a Value of shape out.shape + in.shape; a tuple over the inputs when inputs is
    a tuple; a tuple over the outputs when func returns a tuple (of tuples over the inputs, when both are).
    strategy: "reverse-mode" (one backward pass per output element) or "forward-mode" (one jvp per input element;
    PyTorch requires vectorize=True for it, here it is accepted either way). vectorize changes nothing here."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'jacobian: strategy must be "reverse-mode" or "forward-mode", got {strategy!r}')
    values, is_tuple = _as_tuple(inputs, "jacobian")
    if strict:
        _check_strict(func, values, _outputs_tuple, "jacobian")
    transform = _transforms.jacfwd if strategy == "forward-mode" else _transforms.jacrev
    jac = transform(lambda *xs: func(*xs), argnums=tuple(range(len(values))))(*_prepared(values, create_graph))
    # jac: per argument (a tuple), inside per output when func returned a tuple
    many_outputs = isinstance(jac, list) or (isinstance(jac, tuple) and jac and isinstance(jac[0], tuple))
    per_output = jac if many_outputs else (jac,)
    result = tuple(tuple(_result(j, create_graph) for j in by_input) if is_tuple else
                   _result(by_input[0], create_graph) for by_input in per_output)
    return result if many_outputs else result[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of scalar-valued func at inputs: a Value of shape in.shape + in.shape, or for a tuple of inputs
    a tuple of tuples of the blocks (h[i][j] of shape inputs[i].shape + inputs[j].shape)."""
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError("hessian: outer_jacobian_strategy must be \"reverse-mode\" or \"forward-mode\", got "
                         f"{outer_jacobian_strategy!r}")
    values, is_tuple = _as_tuple(inputs, "hessian")
    if strict:
        _check_strict(func, values, _outputs_tuple, "hessian")

    def scalar(*xs):  # checked where the transform evaluates it, rather than in an evaluation of its own
        out = func(*xs)
        if not isinstance(out, Value) or out.size != 1:
            raise ShapeError("hessian: the function given to hessian should return a single-element Value, got "
                             + (f"shape {out.shape}" if isinstance(out, Value) else type(out).__name__))
        return out.reshape(())

    argnums = tuple(range(len(values)))
    blocks = _transforms.hessian(scalar, argnums=argnums)(*_prepared(values, create_graph))
    if is_tuple:
        return tuple(tuple(_result(b, create_graph) for b in row) for row in blocks)
    return _result(blocks[0][0], create_graph)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v · J): the vector-Jacobian product, of the inputs' shapes (a tuple for a tuple of inputs).
    v has func's output's shape (a tuple for a tuple of outputs); it may be left out for a single-element output."""
    values, is_tuple = _as_tuple(inputs, "vjp")
    if strict:
        _check_strict(func, values, _outputs_tuple, "vjp")
    out, vjp_fn = _transforms.vjp(lambda *xs: func(*xs), *_prepared(values, create_graph))
    outs = _outputs_tuple(out)
    if v is None:
        if len(outs) != 1 or np.size(_data(outs[0])) != 1:
            raise RuntimeError("vjp: the vector v can only be None if the user-provided function returns a single "
                               "Value with a single element")
        v = np.ones_like(np.asarray(_data(outs[0])))
    cotangent = tuple(_data_or_value(c, create_graph) for c in _outputs_tuple(v))
    grads = vjp_fn(cotangent if isinstance(out, (tuple, list)) else cotangent[0])
    result = tuple(_result(g, create_graph) for g in grads)
    return _results(out, create_graph), result if is_tuple else result[0]


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J · v): the Jacobian-vector product, of func's output's shape (a tuple for a tuple of
    outputs). v has the inputs' shapes (a tuple for a tuple of inputs); it may be left out for a single-element
    input. Computed in forward mode (one pass carrying tangents)."""
    values, is_tuple = _as_tuple(inputs, "jvp")
    if strict:
        _check_strict(func, values, _outputs_tuple, "jvp")
    if v is None:
        if len(values) != 1 or values[0].size != 1:
            raise RuntimeError("jvp: the vector v can only be None if the input to the user-provided function is a "
                               "single Value with a single element")
        v = np.ones_like(np.asarray(values[0].data))
    tangents = tuple(_data_or_value(t, create_graph) for t in _outputs_tuple(v))
    if len(tangents) != len(values):
        raise RuntimeError(f"jvp: v has {len(tangents)} entries for {len(values)} inputs")
    out, tangent = _transforms.jvp(lambda *xs: func(*xs), _prepared(values, create_graph), tangents)
    return _results(out, create_graph), _results(tangent, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H · v) for scalar-valued func: the Hessian times v (forward over reverse: one jvp of the
    gradient), of the inputs' shapes."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v · H) for scalar-valued func. The Hessian is symmetric, so this is hvp's vector (computed
    the same way)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    values, is_tuple = _as_tuple(inputs, name)
    if strict:
        _check_strict(func, values, _outputs_tuple, name)
    argnums = tuple(range(len(values)))
    prepared = _prepared(values, create_graph)
    out = func(*values)
    if not isinstance(out, Value) or out.size != 1:
        raise ShapeError(f"{name}: the function should return a single-element Value")
    if v is None:
        if len(values) != 1 or values[0].size != 1:
            raise RuntimeError(f"{name}: the vector v can only be None if the input is a single Value with a single "
                               "element")
        v = np.ones_like(np.asarray(values[0].data))
    tangents = tuple(_data_or_value(t, create_graph) for t in _outputs_tuple(v))
    gradient = _transforms.grad(lambda *xs: func(*xs).reshape(()), argnums=argnums)
    _, product = _transforms.jvp(gradient, prepared, tangents)
    result = tuple(_result(p, create_graph) for p in product)
    return _result(out, create_graph), result if is_tuple else result[0]


def _data(x):
    return x.data if isinstance(x, Value) else x


def _data_or_value(x, create_graph):
    return x if create_graph and isinstance(x, Value) else np.asarray(_data(x))


def _results(out, create_graph):
    if isinstance(out, (tuple, list)):
        return tuple(_result(o, create_graph) for o in out)
    return _result(out, create_graph)
