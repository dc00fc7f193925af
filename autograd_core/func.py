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
"""

from __future__ import annotations

import functools

from .functional import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp, vmap

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap", "functional_call"]  # noqa: F822


def grad_and_value(func, argnums=0, has_aux=False):
    """Return a function computing (gradient, value) of scalar-valued func, torch.func's order; with has_aux,
    (gradient, (value, aux))."""
    value_and_grad_f = value_and_grad(func, argnums, has_aux=has_aux)

    @functools.wraps(func)
    def grad_and_value_f(*args, **kwargs):
        value, gradient = value_and_grad_f(*args, **kwargs)
        return gradient, value

    return grad_and_value_f


def __getattr__(name):
    # functional_call works on nn.Module, and the core imports nothing from nn: nn is loaded on first use, as
    # `autograd_core.nn` itself is.
    if name == "functional_call":
        from importlib import import_module

        return import_module(f"{__package__}.nn.stateless").functional_call
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
