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
from ..value import COMPLEX_VALUES_EXIST, Value, _new_node
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
def nondifferentiable(*xs, fn, operand=_NO_OPERAND, **options):
    """fn(*xs[, operand], **options) as data: xs the inputs' data, `operand` a second operand that is not a Value
    (a number, an array: kept as it is, never cast to the inputs' dtype as an operation's constants are)."""
    if COMPLEX_VALUES_EXIST[0] and fn in ORDERINGS:  # <, argmax, ...: complex numbers have no order
        refuse_complex(ORDERINGS[fn], *xs, operand)
    out = np.asarray(fn(*xs, **options) if operand is _NO_OPERAND else fn(*xs, operand, **options))
    return out[()] if out.ndim == 0 else out


nondifferentiable.defvjp_argnum(lambda i, g, out, *xs, **params: None, formula="0")  # no gradient flows through
nondifferentiable.defjvp_argnum(lambda i, t, out, *xs, **params: None)


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
