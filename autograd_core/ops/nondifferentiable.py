"""Results read from data that carry no gradient: comparisons (`x > 0`), argmax and argmin, logical operators on
masks, any and all, casts to integer and boolean dtypes.

Eagerly each is computed on the data and becomes a new leaf Value: no node, nothing to differentiate. While a tracer
watches (a compile recording; forward mode), it is the recorded operation `nondifferentiable` instead, on detached
inputs, so that a compiled step computes it again from each call's data. Otherwise the recorded call's result would
be kept as a constant: an accuracy returned by a training step, or a mask handed to `where`, would repeat the first
call's whenever two consecutive calls happened to agree on it.
"""

from __future__ import annotations

import operator

import numpy as np

from ..modes import SCOPE, TRACERS
from ..python_numbers import COMPLEX_VALUES_EXIST
from ..value import Value, _new_node
from .primitive import primitive

_NO_OPERAND = object()
# Functions that order numbers, refused for complex data in PyTorch's words (ops/complex.py's `complex_refusal`)
ORDERINGS = {operator.lt: "lt", operator.le: "le", operator.gt: "gt", operator.ge: "ge", np.less: "lt",
             np.less_equal: "le", np.greater: "gt", np.greater_equal: "ge", np.argmax: "argmax", np.argmin: "argmin"}


def refuse_complex(title, *xs):
    from .complex import refuse_complex

    refuse_complex(title, *xs)


def refuse_complex_in_words(message, *xs, kind=NotImplementedError):
    """PyTorch's refusal of complex data in its words (ops/complex.py's refuse_complex_with; '"kernel"' alone stands
    for '"kernel" not implemented for 'ComplexFloat''). For the operations that order numbers: NumPy orders complex
    ones lexicographically and would answer."""
    from .complex import refuse_complex_with

    if message.startswith('"') and message.endswith('"'):
        message += " not implemented for '{torch}'"
    refuse_complex_with(kind, message, *xs)


@primitive("nondifferentiable")
def nondifferentiable(*xs, fn, operand=_NO_OPERAND, no_derivative=None, **options):
    """fn(*xs[, operand], **options) as data: xs the inputs' data, `operand` a second operand that is not a Value
    (a number, an array: kept as it is, never cast to the inputs' dtype as an operation's constants are).
    no_derivative: the name of PyTorch's function whose node this is where PyTorch records one without a derivative
    (unique's '_unique2'): a backward or forward-mode pass through it raises NotImplementedError in its words; else no
    gradient flows through."""
    if COMPLEX_VALUES_EXIST[0] and fn in ORDERINGS:  # <, argmax, ...: complex numbers have no order
        refuse_complex(ORDERINGS[fn], *xs, operand)
    out = np.asarray(fn(*xs, **options) if operand is _NO_OPERAND else fn(*xs, operand, **options))
    return out[()] if out.ndim == 0 else out


def _no_derivative(name):
    if name is not None:
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")


nondifferentiable.defvjp_argnum(lambda i, g, out, *xs, no_derivative=None, **params: _no_derivative(no_derivative),
                                formula="0")  # no gradient flows through
nondifferentiable.defjvp_argnum(lambda i, t, out, *xs, no_derivative=None, **params: _no_derivative(no_derivative))


def without_gradient(fn, x, other=_NO_OPERAND, **options):
    """fn(x's data[, other's data], **options) as a new Value without a gradient.

    x: a Value; other: an optional second operand (a Value, an array or a number); options: keyword arguments of
    fn. fn must be the same object at every call (a module-level function or a ufunc): a compiled step compares it
    between recordings. Under a tracer the result is a recorded operation (see the module's docstring)."""
    inputs = (x, other) if isinstance(other, Value) else (x,)
    if other is not _NO_OPERAND and not isinstance(other, Value):
        options["operand"] = other
    if TRACERS.get():
        return nondifferentiable(*[v.detach() for v in inputs], fn=fn, **options)
    try:
        data = nondifferentiable.forward(*[v.data for v in inputs], fn=fn, **options)  # eagerly: no node
    except np.exceptions.AxisError as err:  # a dim out of range (argmax, max(dim), all, ...): PyTorch's words
        from ..errors import axis_error_in_pytorchs_words

        raise axis_error_in_pytorchs_words(err) from None
    except NotImplementedError:  # data that refuses NumPy (a sparse layout's) may have its own version of fn
        in_layout = getattr(x, "predicate_in_layout", None)
        out = NotImplemented if in_layout is None or len(inputs) > 1 or options else in_layout(fn)
        if out is NotImplemented:
            raise
        return out
    return _new_node(Value, data, False, None, (), None, SCOPE.get())  # in the module's box in pictures (a mask)


def without_derivative(x, values, fn, grad_fn_name, torch_name, **options):
    """values (fn(x's data, **options), computed here if None) as a Value: where x requires grad (and grad mode is
    on), the output of PyTorch's node `grad_fn_name` over x, through which no gradient flows (torch_name None: slogdet's
    sign) or a backward pass raises NotImplementedError naming `torch_name` (unique's '_unique2'); else a constant."""
    from ..modes import GRAD_ENABLED

    if not (x.requires_grad and GRAD_ENABLED.get()):
        if values is None:
            return without_gradient(fn, x, **options)
        from .index import as_value

        return as_value(values)
    return nondifferentiable.named(grad_fn_name)(x, fn=fn, no_derivative=torch_name, **options)
