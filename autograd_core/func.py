"""torch.func's names for the function transforms: `from autograd_core.func import grad, jacrev, functional_call`.

The transforms are the ones of `autograd_core` (functional.py, forward.py), which take JAX's arguments and also
containers of arguments (a dict of parameters). Two differ from JAX's spelling only in name or order:

* `grad_and_value(f)` returns (gradient, value), where `value_and_grad(f)` returns (value, gradient);
* `functional_call(module, params, args)` (nn/stateless.py) calls a module with other parameters, so that a
  transform can differentiate with respect to them:

      params = dict(model.named_parameters())
      grads = grad(lambda p: loss_fn(functional_call(model, p, (x,)), y))(params)   # a dict, like params

`vmap(func, in_dims, out_dims)` maps func over an axis by calling it once per index (torch.func's semantics, not
its speed: no batching rules), so `vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)` gives per-sample gradients.

Their results are tensors, as torch.func's are: where the core's transforms return NumPy data (at the top level),
these names return Values that need no gradient (`jacrev(f)(x).movedim(1, 0)`, `j.flatten(2)`, `g.norm()` work as
in PyTorch); inside another transform they are the core's differentiable Values.

`linearize(func, *primals)` gives (output, jvp_fn); `stack_module_state(models)` stacks the parameters and buffers of
models of one architecture (for `vmap` over an ensemble with `functional_call`); `functionalize(func)` is func
itself: torch.func needs it to remove in-place operations before its transforms, ours follow them as they are.
"""

from __future__ import annotations

import functools

import numpy as np

from .errors import ShapeError
from . import forward as _forward
from . import functional as _functional
from .functional import value_and_grad
from .trees import any_container, flatten, unflatten
from .value import Value

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap", "functional_call",  # noqa: F822
           "linearize", "stack_module_state", "functionalize", "replace_all_batch_norm_modules_"]


# torch.func's signatures (argument names, order and keyword-only options) over the core's transforms.


def _as_tensors(result):
    """`result` with its NumPy data (the core transforms' top-level results) as Values that need no gradient, in the
    same containers: torch.func returns tensors, whose methods (movedim, flatten(2), norm) differ from NumPy's."""
    if isinstance(result, (np.ndarray, np.generic)) and result.dtype.kind in "biufc":
        return Value(result, requires_grad=False, dtype=result.dtype)
    if isinstance(result, tuple) and hasattr(result, "_fields"):  # a namedtuple
        return type(result)(*map(_as_tensors, result))
    if isinstance(result, (tuple, list)):
        return type(result)(map(_as_tensors, result))
    if isinstance(result, dict):
        return type(result)((k, _as_tensors(v)) for k, v in result.items())
    return result


def _returning_tensors(transformed):
    """The function `transformed` (a core transform applied to func) with its results as tensors (_as_tensors)."""
    @functools.wraps(transformed)
    def with_tensors(*args, **kwargs):
        return _as_tensors(transformed(*args, **kwargs))

    return with_tensors


class TransformOutputError(TypeError, RuntimeError):
    """What grad's func returned is not a tensor (a tuple, a dict, a number), or not the pair (output, aux) that
    has_aux asks for: a TypeError, as Python raises, and a RuntimeError, as torch.func raises."""


def _scalar_valued(func, has_aux):
    """func, checked as torch.func's grad and grad_and_value check it: it returns a 0-d tensor (with has_aux, a tuple
    of that and aux). The core's grad (HIPS autograd's) also takes a one-element array or a number; torch.func refuses
    them (a number is a constant, whose gradient is surely not what was meant)."""
    @functools.wraps(func)
    def checked(*args, **kwargs):
        result = func(*args, **kwargs)
        out = result
        if has_aux:
            if not isinstance(result, tuple) or len(result) != 2:
                raise TransformOutputError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                           "(output, aux) if has_aux is True")
            out = result[0]
        if not isinstance(out, Value):
            raise TransformOutputError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                       f"{type(out)}")
        if out.ndim != 0:
            raise ShapeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                             f"{out.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        return result

    return checked


def grad(func, argnums=0, has_aux=False):
    """torch.func.grad: a function computing the gradient of func, which returns a 0-d tensor, with respect to the
    arguments `argnums` (an int or a tuple of them); with has_aux, func returns the tuple (output, aux) and so does the
    result. Any other output is an error (TransformOutputError; ShapeError for a tensor of more dims), as in PyTorch."""
    return _returning_tensors(_functional.grad(_scalar_valued(func, has_aux), argnums, has_aux=has_aux))


def hessian(func, argnums=0, *, has_aux=False):
    """torch.func.hessian: the Hessian of func (`jacfwd(jacrev(func))`: out.shape + arg.shape + arg.shape) with
    respect to the arguments `argnums`. has_aux: this
    library's extra (keyword-only): func returns (output, aux)."""
    return _returning_tensors(_functional.hessian(func, argnums, has_aux=has_aux))


def _check_randomness(randomness, who):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"{who}: only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """torch.func.jacfwd: the Jacobian of func with respect to `argnums`, by forward mode (one tangent per input
    element). randomness: checked as PyTorch's; random operations inside func draw anew for each tangent (as
    'different')."""
    _check_randomness(randomness, "jacfwd")
    return _returning_tensors(_forward.jacfwd(func, argnums, has_aux=has_aux))


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """torch.func.jacrev: the Jacobian of func with respect to `argnums`, by reverse mode. chunk_size (None or a
    positive int) bounds PyTorch's vectorised batches; it changes nothing here (one backward pass per output)."""
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _returning_tensors(_functional.jacrev(func, argnums, has_aux=has_aux))


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """torch.func.jvp: (func(*primals), J·tangents), with aux last when has_aux. strict=True (an error when an
    output does not depend on the inputs) is not supported (NotImplementedError)."""
    if strict:
        raise NotImplementedError("jvp: strict=True is not supported")
    return _as_tensors(_forward.jvp(func, primals, tangents, has_aux=has_aux))


def vjp(func, *primals, has_aux=False):
    """torch.func.vjp: (func(*primals), vjp_fn), vjp_fn(cotangents) giving one gradient per primal (aux last when
    has_aux)."""
    output, vjp_fn, *aux = _functional.vjp(func, *primals, has_aux=has_aux)
    return (_as_tensors(output), _returning_tensors(vjp_fn), *_as_tensors(aux))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.func.vmap: func mapped over an axis of its arguments (`in_dims`), the calls' results stacked along
    `out_dims`; see the core's vmap (functional.py) for the arguments. Results are tensors (Values)."""
    return _returning_tensors(_functional.vmap(func, in_dims, out_dims, randomness, chunk_size=chunk_size))


def grad_and_value(func, argnums=0, has_aux=False):
    """Return a function computing (gradient, value) of func, which returns a 0-d tensor (checked as `grad` checks
    it), torch.func's order; with has_aux, (gradient, (value, aux))."""
    value_and_grad_f = _returning_tensors(value_and_grad(_scalar_valued(func, has_aux), argnums, has_aux=has_aux))

    @functools.wraps(func)
    def grad_and_value_f(*args, **kwargs):
        value, gradient = value_and_grad_f(*args, **kwargs)
        return gradient, value

    return grad_and_value_f


def linearize(func, *primals):
    """torch.func.linearize: (func(*primals), jvp_fn), where jvp_fn(*tangents) is J·tangents at `primals` (one tangent
    per primal, of its structure and shapes; RuntimeError otherwise). The results are what `jvp` returns (tensors).
    PyTorch traces func once and replays the linear part; here each call of jvp_fn runs `jvp`, one pass of func with
    its tangents."""
    zeros = tuple(_zeros_like(p) for p in primals)
    output, _ = jvp(func, primals, zeros)
    leaves = [flatten(p, any_container)[0] for p in primals]

    def jvp_fn(*tangents):
        if len(tangents) != len(primals):
            raise RuntimeError(f"linearize: jvp_fn expected {len(primals)} tangents (one per primal), "
                               f"got {len(tangents)}")
        for k, (t, ps) in enumerate(zip(tangents, leaves)):
            ts = flatten(t, any_container)[0]
            for p, tangent in zip(ps, ts):
                if np.shape(_data(tangent)) != np.shape(_data(p)):
                    raise ShapeError(f"linearize: tangent {k} of shape {np.shape(_data(tangent))} does not match its "
                                     f"primal's shape {np.shape(_data(p))}")
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn


def _data(x):
    return x.data if isinstance(x, Value) else x


def _zeros_like(p):
    leaves, spec = flatten(p, any_container)
    return unflatten(spec, [np.zeros_like(np.asarray(_data(x))) for x in leaves])


def stack_module_state(models):
    """torch.func.stack_module_state: (params, buffers), two dicts from each parameter's (buffer's) dotted name to
    the models' values stacked along a new first axis: new leaves, the parameters requiring a gradient, the buffers
    not (a buffer that the modules keep as a NumPy array, as BatchNorm's statistics, is stacked into one). The models
    must share one architecture and training mode (RuntimeError otherwise). With `functional_call` and `vmap` they
    run the ensemble as one function of stacked weights."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({bool(m.training) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")

    def stacked(named, requires_grad):
        names = [[name for name, _ in named(m)] for m in models]
        if any(n != names[0] for n in names):
            raise RuntimeError("stack_module_state: the models' parameters (or buffers) differ in names: they must "
                               "share one architecture")
        by_name = {}
        for i, name in enumerate(names[0]):
            values = [list(named(m))[i][1] for m in models]
            shapes = {tuple(np.shape(_data(v))) for v in values}
            if len(shapes) > 1:
                raise ShapeError(f"stack_module_state: {name!r} has different shapes in the models: {sorted(shapes)}")
            data = np.stack([np.asarray(_data(v)) for v in values])
            if isinstance(values[0], Value):
                data = Value(data, requires_grad=requires_grad, dtype=data.dtype)
            by_name[name] = data  # buffers kept as arrays stay arrays: what the modules read
        return by_name

    return stacked(lambda m: m.named_parameters(), True), stacked(lambda m: m.named_buffers(), False)


def functionalize(func, *, remove="mutations"):
    """torch.func.functionalize: func itself. torch.func's transforms need in-place operations rewritten out of place
    first; ours carry tangents and gradients through in-place operations as they run (inplace.py), so there is
    nothing to rewrite. remove must be 'mutations' or 'mutations_and_views' (RuntimeError otherwise)."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. "
                           "Valid options are 'mutations' and 'mutations_and_views'.")
    return func


def __dir__():
    return sorted(set(globals()) | set(__all__))


def __getattr__(name):
    # functional_call and replace_all_batch_norm_modules_ work on nn.Module, and the core imports nothing from nn:
    # nn is loaded on first use, as `autograd_core.nn` itself is.
    if name in ("functional_call", "replace_all_batch_norm_modules_"):
        from importlib import import_module

        return getattr(import_module(f"{__package__}.nn.stateless"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
