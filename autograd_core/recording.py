"""Recording: every operation runs here and, where a gradient will be needed, becomes a node of the graph.

Each operation is a `Primitive` (see `ops/primitive.py`) that brings its own forward function. This module runs it
(`apply`; `apply_unary` and `apply_binary` are the same for the operators' common cases, with less argument
handling), meets operands of mixed dtypes in PyTorch's result dtype, words NumPy's errors as PyTorch's, and records
the result. Every node of the graph is made by `_node`: a node that needs a gradient (some input does, and grad mode
is on in this thread) keeps its primitive, inputs, keyword parameters and the current module scope; any other result
is a bare leaf.

Separate from the backward pass (engine.py), which runs the chain rule over the nodes recorded here and needs nothing
else from this module: this half runs once per operation, that one once per `backward()`. Forward-mode AD
(forward.py) and compile recordings watch the operations run here through tracing.py (`traced_apply`).
"""

from __future__ import annotations

import operator

import numpy as np

from .errors import ShapeError, axis_error_in_pytorchs_words, not_broadcastable
from .modes import ANOMALY, GRAD_ENABLED, SCOPE, TRACERS
from .value import _LAST_CONSTANT, Value, _new_node, _next_index  # (value.py imports this module only at its end)
from .version_counter import share_versions
from .float_errors import is_quiet, quiet, recompute, restore, silence

_constant = Value._constant
_data_of = operator.attrgetter("data")
_grad_enabled, _current_scope = GRAD_ENABLED.get, SCOPE.get  # bound once: the hot path calls them per op
_tracers = TRACERS.get  # forward mode and compile recordings watch operations through this (tracing.py)


def apply(op, args, params=None):
    """Run primitive `op` forward on `args` (Values, arrays or numbers) and record the node.

    Non-Value arguments become constant leaves (no gradient) of a dtype that does not upcast the
    Values around them: a Python number next to a float32 Value stays float32.
    """
    if _tracers():  # forward mode or a compile recording is watching (tracing.py)
        return _quietly_traced(op, args, params)
    if op.check_operand_dtypes is not None:  # before constants are made Values (they are not checked)
        check_tensor_dtypes(op, args)
    for arg in args:
        if not isinstance(arg, Value):
            args = _with_constants(args)
            break
    if op.promotes:  # maximum, where, cat, ...: inputs of mixed dtypes meet in PyTorch's result dtype
        args = _promoted(args, convert=op.check_operand_dtypes is not None)
    try:  # (map: no list, and no listcomp frame, per operation)
        out = op.forward(*map(_data_of, args)) if params is None else op.forward(*map(_data_of, args), **params)
    except ValueError as err:
        raise _shape_error(op, args, err) from None
    except TypeError:
        _refuse_bool_arithmetic(op, args)
        raise
    except RuntimeWarning as warning:  # log(0), 1/0 with the user's -W error: computed silently, as PyTorch does
        out = recompute(warning, op.forward, *[a.data for a in args], **(params or {}))
    # `_record(op, out, args, params, input_needs_grad)`, written out: a call less per operation.
    for arg in args:
        if arg._requires_grad and _grad_enabled():
            n = len(args)
            node = _node(op, out, args[0], args[1] if n == 2 else None if n == 1 else tuple(args), params)
            break
    else:
        node = _new_node(Value, out, False, op, (), None, _current_scope())
    if op.views:  # reshape, transpose, x[1:]: the result may be a view of args[0]'s array
        share_versions(node, args[0], params)
    return node


def _with_constants(args):
    for peer in args:
        if isinstance(peer, Value):
            break
    else:
        peer = None
    return tuple([a if isinstance(a, Value) else _constant(a, peer) for a in args])


def unary(op):
    """`apply_unary(op, x)` as a function of x alone, made once per primitive `op`: Value's elementwise methods are
    these (x.tanh() runs unary(tanh)(x) as the method itself), one Python frame per operation fewer than a method that
    calls apply_unary (BENCHMARKS.md "Stop 69")."""
    run = _UNARY_OF.get(op)
    if run is not None:
        return run

    def apply_op(x):
        if _tracers():
            return _quietly_traced(op, (x,), None)
        try:
            out = op.forward(x.data)
        except ValueError as err:
            raise _shape_error(op, (x,), err) from None
        except TypeError:
            _refuse_bool_arithmetic(op, (x,))
            raise
        except RuntimeWarning as warning:  # see apply (a `try` costs nothing until it raises)
            out = recompute(warning, op.forward, x.data)
        except NotImplementedError:  # data that refuses NumPy (a sparse layout's) may have its own version of op
            in_layout = getattr(x, "elementwise_in_layout", None)
            out = NotImplemented if in_layout is None else in_layout(op)
            if out is NotImplemented:
                raise
            return out
        if x._requires_grad and _grad_enabled():
            return _node(op, out, x, None, None)
        if not x._requires_grad and out.dtype is not x.data.dtype:  # an integer input, perhaps (never needs grad)
            out = _float_function_of_integers(op, x.data, out)
        return _new_node(Value, out, False, op, (), None, _current_scope())

    apply_op.__name__ = apply_op.__qualname__ = f"apply_unary[{op.name}]"
    apply_op.__doc__ = f"{op.name}(x), recorded: primitive {op.name!r} of one Value, as recording.apply_unary runs it"
    _UNARY_OF[op] = apply_op
    return apply_op


_UNARY_OF = {}  # primitive -> its `unary` function (primitives are few: module-level ones and their named twins)
# its .get bound once: looked up on the dict in Primitive.__call__, callgrind saw a bound method made and freed at every
# call (~120 instructions more; BENCHMARKS.md "Stop 70")
unary_of = _UNARY_OF.get


def apply_unary(op, x):
    """`apply` for one Value input and no parameters: the path every elementwise method takes (`unary(op)`'s)."""
    return (unary_of(op) or unary(op))(x)


def binary(op):
    """`apply_binary(op, a, b)` as a function of the two operands alone, for primitive `op`: Value's operators are
    these (x + y runs binary(add)(x, y) as the method `__add__` itself), one Python frame per operation fewer than a
    method that calls apply_binary (1,000 small ops ~2.5% faster: BENCHMARKS.md "Stop 69"). Made once per primitive.
    """
    run = _BINARY_OF.get(op)
    if run is not None:
        return run

    def apply_op(a, b):
        if _tracers():
            return _quietly_traced(op, (a, b), None)
        if not isinstance(b, Value):
            last = _LAST_CONSTANT[0]
            if b is last[0] and a.data.__class__ is last[1]:
                b = last[2]  # `x = x + 1` in a loop on scalars: the constant leaf `_constant` handed out last time
            else:
                b = _constant(b, a)
                if b.data.dtype is not a.data.dtype:
                    a, b = _promoted_operands(op, a, b)
        elif not isinstance(a, Value):
            a = _constant(a, b)
            if a.data.dtype is not b.data.dtype:
                a, b = _promoted_operands(op, a, b)
        elif not (a._requires_grad and b._requires_grad) and a.data.dtype is not b.data.dtype:  # see _promoted
            if op.check_operand_dtypes is not None:  # (both needing gradients: the forward checks, e.g. matmul's)
                op.check_operand_dtypes(a.data, b.data)
            a, b = _promoted_operands(op, a, b)
        try:
            out = op.forward(a.data, b.data)
        except ValueError as err:
            raise _shape_error(op, (a, b), err) from None
        except TypeError:
            _refuse_bool_arithmetic(op, (a, b))
            raise
        except RuntimeWarning as warning:  # see apply
            out = recompute(warning, op.forward, a.data, b.data)
        if (a._requires_grad or b._requires_grad) and _grad_enabled():
            # `_node(op, out, a, b, None)` written out: the call was ~1% of 1,000 small ops' instructions and ~2.7% of
            # micrograd's demo, whose nodes are nearly all binary (BENCHMARKS.md "Stop 46"). Keep the two in step
            # (tests/test_engine_value.py checks that every slot is set).
            node = _object_new(Value)
            node.data = out
            node._grad = None
            node._requires_grad = True
            node._op = op
            node._p0 = a
            node._p1 = b
            node._params = None
            node._hooks = None
            node._scope = _current_scope()
            node._origin = None
            node._index = _next_index()
            node._pending = None
            node._version = None
            if ANOMALY.enabled:
                _check_forward(node)
            return node
        return _new_node(Value, out, False, op, (), None, _current_scope())

    apply_op.__name__ = apply_op.__qualname__ = f"apply_binary[{op.name}]"
    apply_op.__doc__ = (f"a {op.name} b, recorded: primitive {op.name!r} of the two operands (Values, arrays or "
                        "numbers), as recording.apply_binary runs it")
    _BINARY_OF[op] = apply_op
    return apply_op


_BINARY_OF = {}  # primitive -> its `binary` function


def apply_binary(op, a, b):
    """`apply` for two operands (at least one a Value) and no parameters: the path of + - * / ** @ (`binary(op)`'s)."""
    return (_BINARY_OF.get(op) or binary(op))(a, b)


_KEEP_INTEGERS = frozenset({"floor", "ceil", "round", "trunc", "fix"})  # PyTorch returns integers as they are


def _float_function_of_integers(op, data, out):
    """exp, sqrt, sigmoid, ... of integers or bools: computed in the default float dtype, as PyTorch does
    (NumPy computes in float64, or float16 for int8)."""
    if data.dtype.kind not in "biu" or out.dtype.kind != "f":
        return out
    if op.name in _KEEP_INTEGERS:
        return data.copy()
    from .dtypes import DEFAULTS

    with quiet():  # (the first run, on the integers, may have needed apply's retry under -W error)
        return op.forward(data.astype(DEFAULTS["dtype"]))


def _integers_to_float_for(op, args):
    """For a tracer: (x,) converted by a recorded operation to the default float dtype if op(x) computes floats
    from integers (what `_float_function_of_integers` gives untraced)."""
    (x,) = args
    out = op.forward(x.data)
    if out.dtype.kind != "f" or op.name in _KEEP_INTEGERS:
        return args
    from .ops.shape import astype
    from .dtypes import DEFAULTS

    return (astype(x, dtype=DEFAULTS["dtype"]),)


def _promoted(args, record=False, convert=False):
    """Operands of different dtypes converted to the one PyTorch computes in (ops/promotion.py): a float beats an
    integer without widening (int64 with float32 is float32, NumPy says float64), and a Value with dimensions
    decides over a 0-d one of the same category (a float32 vector times a float64 0-d Value stays float32).
    NumPy's own promotion is kept where it agrees, so mixed-precision graphs gain no conversion nodes. record: every
    conversion a recorded operation (for tracers).

    apply_binary does not look when both operands need gradients (both are floats, and the check would cost every
    operation of a training step): there NumPy's promotion stands, which is PyTorch's except that a float64 0-d Value
    that needs a gradient widens a float32 one with dimensions to float64.
    convert: convert even where NumPy's promotion agrees (for an operation whose forward refuses two dtypes, matmul:
    a NumPy operand, made a constant, meets the tensor in the result dtype)."""
    first = args[0].data.dtype
    for a in args:
        if a.data.dtype is not first:
            break
    else:
        return args
    from .ops.promotion import result_dtype

    target = result_dtype(*args)
    if not convert and np.result_type(*[a.data for a in args]) == target:
        return args
    return tuple([_converted(a, target, record) for a in args])


def check_tensor_dtypes(op, args):
    """`op.check_operand_dtypes` on the first two arguments when both are tensors of different dtypes."""
    if len(args) >= 2:
        a, b = args[0], args[1]
        if isinstance(a, Value) and isinstance(b, Value) and a.data.dtype is not b.data.dtype:
            op.check_operand_dtypes(a.data, b.data)


def _promoted_operands(op, a, b):
    """`_promoted((a, b))` for operands of two dtypes; a subtraction with a bool one raises as PyTorch's (NumPy would
    compute it in the other's dtype)."""
    _refuse_bool_arithmetic(op, (a, b))
    return _promoted((a, b), convert=op.check_operand_dtypes is not None)


def _converted(x, dtype, record=False):
    """x as dtype: through the graph if it needs a gradient (its gradient is converted back) or a tracer must see
    the conversion (a compiled step converts each call's data), else a new leaf."""
    if x.data.dtype == dtype:
        return x
    if x.requires_grad or record:
        from .ops.shape import astype

        return astype(x, dtype=dtype)
    data = x.data.astype(dtype)
    return _new_node(Value, data, False, None, (), None, x._scope)  # drawn where x is


def _record(op, out, args, params, input_needs_grad):
    """The node for result `out` of `op` on `args` (any number of inputs; `apply` writes this out, `apply_unary` and
    `apply_binary` call `_node` themselves).

    It joins the graph (keeps op, inputs, params and this thread's current scope; checked for NaN/Inf under
    `detect_anomaly`) when an input needs a gradient and grad mode is on in this thread; otherwise it is
    a leaf that remembers only which op made it and the scope it was made in (pictures draw it in that box).
    """
    if input_needs_grad and _grad_enabled():
        n = len(args)
        p1 = args[1] if n == 2 else None if n == 1 else tuple(args)  # three or more inputs: _p1 holds them all
        return _node(op, out, args[0], p1, params)
    return _new_node(Value, out, False, op, (), None, _current_scope())


def _node(op, out, p0, p1, params):
    """Where a node of the graph is made (apply_binary writes this out): result `out` of `op` on inputs p0 and p1
    (see Value's slots). value._new_node's work, written out for this one case: its general argument handling cost
    ~5% of micrograd's demo (tests/test_engine_value.py checks that both set every slot of Value)."""
    node = _object_new(Value)
    node.data = out
    node._grad = None
    node._requires_grad = True
    node._op = op
    node._p0 = p0
    node._p1 = p1
    node._params = params
    node._hooks = None
    node._scope = _current_scope()
    node._origin = None
    node._index = _next_index()
    node._pending = None
    node._version = None
    if ANOMALY.enabled:
        _check_forward(node)
    return node


_object_new = object.__new__


def keep_parents_whole(node):
    """Store a node's two parents as one tuple in `_p1`, as a node of three or more inputs stores them, so that the
    backward pass takes its general way through it (chain_rule._chain_rule), the way that may set a rule aside
    (Primitive.defaside): a convolution without a bias, whose weight gradient then goes to a pool thread as with a
    bias. The pass's short way for one or two inputs does not look for asides (a test there would cost every node);
    what users see reads the parents through `Value._parents`, the same tuple either way. A leaf, a node of one input
    or one already stored so is left as it is; returns the node."""
    p1 = node._p1
    if p1 is not None and p1.__class__ is not tuple:
        node._p1 = (node._p0, p1)
    return node


traced_apply = None  # set by tracing.py, which alone puts tracers into TRACERS


def _quietly_traced(op, args, params):
    """traced_apply with NumPy's float warnings quiet (float_errors.silence, ~0.15 µs: on traced operations only). Not
    apply's retry after the warning: a tracer may have recorded the operation, or forward mode computed tangents,
    before a warning made an error cut the call short, and a second call would record it twice."""
    if is_quiet():  # inside a jvp, which silences once for its whole function (forward.py)
        return traced_apply(op, args, params)
    token = silence()
    try:
        return traced_apply(op, args, params)
    finally:
        restore(token)


def _check_forward(node):
    from .anomaly import check_forward

    check_forward(node)


def _refuse_bool_arithmetic(op, args):
    """PyTorch's RuntimeError for `-` or neg with a bool operand among `args` (NumPy raises a TypeError for -bool and
    bool - bool, and computes a float minus a bool). Any other operation or operands: nothing (after NumPy's
    TypeError the caller re-raises it)."""
    if op.name not in ("-", "neg") or not any(a.data.dtype.kind == "b" for a in args):
        return
    from .ops import arith

    if op.name == "neg":
        arith.refuse_bool_negation()
    arith.refuse_bool_subtraction(None, *[a.data for a in args])


def _shape_error(op, args, err):
    if isinstance(err, ShapeError):  # an operation's own check inside its forward: its message names the operation
        return err
    if "negative integer powers" in str(err):  # NumPy's int ** -1: PyTorch's RuntimeError, in the same words
        return RuntimeError(str(err))
    if "broadcast" in str(err) and len(args) == 2:
        words = not_broadcastable(args[0].shape, args[1].shape)  # PyTorch's, then ours
        ours = f"{op.title}: shapes {args[0].shape} and {args[1].shape} cannot be broadcast together"
        return ShapeError(f"{words} ({ours})" if words else ours)
    if isinstance(err, IndexError):  # a dim out of range: NumPy's AxisError is both, PyTorch raises IndexError
        return axis_error_in_pytorchs_words(err, op.title)
    return ShapeError(f"{op.title}: {err}")
