"""The machinery: recording nodes, and running the chain rule backwards over them.

This file knows no calculus. Each operation is a `Primitive` (see `ops/primitive.py`) that brings its
own forward function and one vector-Jacobian rule per input; the engine only

* runs the forward function and records the result as a node (`apply`; `apply_unary` and `apply_binary`
  are the same for the operators' common cases, with less argument handling). Every node of the graph is made
  by `_node`: a node that needs a gradient (some input does, and grad mode is on in this thread) keeps its
  primitive, inputs, keyword parameters and the current module scope; any other result is a bare leaf;
* runs the backward pass (`run_backward`): visits the nodes from the output down in reverse creation order (a
  topological order: a node is always younger than its inputs), calls each edge's rule, fits the result to the
  input's shape and dtype, and adds it up into `.grad`; a pass that raises half way is undone, so it leaves no
  partial gradient behind.

docs/architecture.md describes the parts; grad mode and scopes (per thread) are in modes.py.
"""

from __future__ import annotations

import gc
import operator
import threading

import numpy as np

from .errors import ShapeError, axis_error_in_pytorchs_words, describe, not_broadcastable
from .modes import (  # noqa: F401  (re-exported: the engine's public names)
    ANOMALY, GRAD_ENABLED, INPLACE, SCOPE, TRACERS, Scope, current_scope, enable_grad, enter_scope, exit_scope,
    is_grad_enabled, name_scope, no_grad, set_grad_enabled,
)

# ----------------------------------------------------------------------------------------------------
# Recording: every operation goes through `apply` (or its two fast forms), every node of the graph through `_node`.

from .value import (  # noqa: E402  (value.py imports nothing from here at module level)
    _LAST_CONSTANT, COMPLEX_VALUES_EXIST, HOOKED_LEAVES, PostAccumulateHook, Value, _new_node, _next_index,
)
from .inplace import check_saved_versions, share_versions  # noqa: E402
from .scattered_gradient import ScatteredGradient  # noqa: E402
from .sparse_array import SparseArray, SparseLayoutError  # noqa: E402
from .grad_array import GradArray  # noqa: E402
from .grad_fn_hooks import NodeHook  # noqa: E402
from .float_errors import is_quiet, quiet, recompute, restore, silence  # noqa: E402

_constant = Value._constant
_VALUE_GRAD = Value.__dict__["grad"]  # Value's .grad property (see _chain_rule)
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


def apply_unary(op, x):
    """`apply` for one Value input and no parameters: the path every elementwise method takes."""
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


def apply_binary(op, a, b):
    """`apply` for two operands (at least one a Value) and no parameters: the path of + - * / ** @."""
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


_KEEP_INTEGERS = frozenset({"floor", "ceil", "round", "trunc", "fix"})  # PyTorch returns integers as they are


def _float_function_of_integers(op, data, out):
    """exp, sqrt, sigmoid, ... of integers or bools: computed in the default float dtype, as PyTorch does
    (NumPy computes in float64, or float16 for int8)."""
    if data.dtype.kind not in "biu" or out.dtype.kind != "f":
        return out
    if op.name in _KEEP_INTEGERS:
        return data.copy()
    from .tensor import DEFAULTS

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
    from .tensor import DEFAULTS

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


traced_apply = None  # set by tracing.py, which alone puts tracers into TRACERS
watched_to_parents = None  # set by tracing.py: `_to_parents` as the tracers watching a backward pass want it


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


# ----------------------------------------------------------------------------------------------------
# The backward pass.


class _Freed:
    """Stands in for a node's saved parameters once a backward pass without `retain_graph` has run. `named_by`: the
    few parameters PyTorch's name of the node depends on (Primitive.keeps_for_name), kept so that `y.grad_fn` shows
    the same name after backward as before (x[0] SelectBackward0, x.topk(2) TopkBackward0), as PyTorch's does."""

    __slots__ = ("had_params", "named_by")

    def __init__(self, had_params, named_by=None):
        self.had_params = had_params
        self.named_by = named_by

    def __repr__(self):
        return "<freed>"


FREED_EMPTY = _Freed(False)
FREED_PARAMS = _Freed(True)


class _Unreached:
    """The `_pending` of a node that a backward pass has found below its roots and that has no gradient yet."""

    __slots__ = ()

    def __repr__(self):
        return "<no gradient yet>"


_UNREACHED = _Unreached()


def toposort(*roots):
    """The nodes below `roots` that need a gradient, parents before children (by creation order)."""
    seen = set()
    stack = [r for r in roots if r.requires_grad]
    seen.update(stack)
    push, pop, mark = stack.append, stack.pop, seen.add
    while stack:
        for parent in pop()._parents:
            if parent.requires_grad and parent not in seen:  # Values hash by identity
                mark(parent)
                push(parent)
    return sorted(seen, key=_creation_index)


_creation_index = operator.attrgetter("_index")


_SCALAR_ONES = {t: t(1) for t in (np.float16, np.float32, np.float64, np.longdouble)}


def _seed_gradient(root, gradient, create_graph, index=0):
    if gradient is None:
        if root.data.size != 1:
            raise ShapeError(
                f"grad can be implicitly created only for scalar outputs (backward: output of shape {root.shape} is "
                f"not a scalar; pass `gradient=` with the output's shape (e.g. np.ones({root.shape})) or reduce it "
                "first (e.g. .sum()))"
            )
        data = root.data
        seed = _SCALAR_ONES.get(data.__class__)  # a loss is a NumPy scalar: its 1, made once per type (immutable)
        if seed is None:
            seed = data.dtype.type(1) if data.ndim == 0 else np.ones_like(data)
    else:
        seed = gradient.data if isinstance(gradient, Value) and not create_graph else gradient
        seed_shape = np.shape(seed)
        if seed_shape != root.shape:
            raise ShapeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of torch.Size({list(seed_shape)}) and "
                f"output[{index}] has a shape of torch.Size({list(root.shape)}). (backward: gradient of shape "
                f"{seed_shape} does not match output of shape {root.shape})"
            )
        if seed.__class__ is SparseArray:  # a sparse gradient (PyTorch's `y.backward(s.to_sparse())`): it stays sparse
            seed = seed.astype(root.dtype)  # (new values: .grad must not alias the caller's)
        elif not isinstance(seed, Value):
            # A copy (it becomes .grad, which must not alias the caller's array) in the output's dtype, as PyTorch
            # converts it: the pass takes every gradient it hands on to have its node's dtype (defelementwise).
            seed = np.array(seed, dtype=root.dtype)
            if seed.ndim == 0:
                seed = seed[()]
    if root.data.dtype.kind == "c":
        if gradient is None:
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {root.dtype}")
        seed = conjugate_gradient(seed)  # PyTorch's gradient in, its conjugate carried by the pass (ops/complex.py)
    if create_graph and not isinstance(seed, Value):
        seed = Value(seed, requires_grad=False)
    return seed


def conjugate_gradient(g):
    from .ops.complex import conjugate_gradient

    return conjugate_gradient(g)


def run_backward(roots, seeds, *, retain_graph, create_graph, inputs=None, accumulate=True):
    """The chain rule over the graphs below `roots`.

    roots, seeds: output Values and the gradients of some scalar with respect to them.
    accumulate:   add each node's gradient into its `.grad` (what `Value.backward` does).
    inputs:       if given, return a list of the gradients with respect to these Values (None where
                  no path leads to them), as `autograd_core.functional` needs.
    create_graph: gradients are Values that record their own graph, so they can be differentiated.
    retain_graph: if False, each visited node's saved keyword parameters are dropped (a `_Freed` marker),
                  so a second pass through it raises as in PyTorch. That is all it frees: the forward values
                  are the nodes' own `.data`, which users and pictures read after backward; a graph's memory
                  goes when its output is no longer referenced.

    A pass is all or nothing: if a rule or a hook raises (or Ctrl-C arrives), every `.grad` it had written
    and every parameter it had freed is restored before the exception propagates, so a retry gives the
    gradient of one pass, not of one and a half.
    """
    order = []
    wanted = None if inputs is None else set(inputs)
    captured, visited, undo = {}, [], []
    release = _leaves_to_release(roots) if HOOKED_LEAVES else None
    this_pass = _Pass(accumulate)
    callbacks = this_pass.callbacks
    _PASSES.stack.append(this_pass)
    # The backward pass allocates many short-lived arrays but creates no reference cycles: pause the
    # cyclic collector meanwhile, or it would rescan the (acyclic) graph again and again.
    gc_was_enabled, grad_was_enabled = gc.isenabled(), GRAD_ENABLED.get()
    # Asked once per pass: a tracer watching this thread (a profiler) may time each node's rules (tracing.py).
    tracers = _tracers()
    to_parents = watched_to_parents(tracers) if tracers else _to_parents
    gc.disable()
    GRAD_ENABLED.set(create_graph)  # in this thread only
    # NumPy's float warnings off for the pass (log's rule at 0, 0·inf, ...: PyTorch is silent), whatever the user's
    # warning filters; a "raise" the user set with np.seterr stays (float_errors.py). Once per pass.
    quiet_floats = silence()
    try:
        order = _in_backward_order(roots, seeds)
        _chain_rule(order, accumulate, retain_graph, create_graph, wanted, captured, visited, undo, release,
                    to_parents)
        while callbacks:  # queued by hooks during the pass (see queue_callback)
            callbacks.pop(0)()
    except BaseException:
        _undo(roots, order, visited, undo, accumulate, retain_graph)
        raise
    finally:
        restore(quiet_floats)
        _PASSES.stack.pop()
        GRAD_ENABLED.set(grad_was_enabled)
        if gc_was_enabled:
            gc.enable()
    if inputs is None:
        return None
    return [captured.get(v) for v in inputs]


def _in_backward_order(roots, seeds):
    """The nodes below `roots` that need a gradient, youngest first, with each root's seed waiting in its `_pending`
    slot (where each node collects the gradient it receives during the pass) and every other node's `_pending` set
    to `_UNREACHED` (no gradient yet; it also marks the nodes already found, cheaper than a set).

    Every node is younger than its inputs (it was made after them), so in reverse creation order each node comes
    after all of its children: a topological order, found by one walk over the graph and a sort by creation number
    (no recursion). A node whose `_pending` is still `_UNREACHED` when its turn comes received no gradient (a rule
    returned None): it is skipped.
    """
    for root, seed in zip(roots, seeds):
        prev = root._pending
        root._pending = seed if prev is None else prev + seed
    roots = list(dict.fromkeys(roots))  # a root given twice is visited once, with both seeds
    # `found` is also the walk's queue: a list iterator takes the items appended while it runs, so each node found is
    # appended once and taken once (a stack beside it cost a push and a pop per node, ~2% of 1,000 small ops).
    found = list(roots)
    keep = found.append
    unreached = _UNREACHED
    latest_inplace = INPLACE.latest  # nodes recorded after the latest in-place change need no version check
    try:
        for node in found:
            p0 = node._p0
            if p0 is None:
                continue  # a leaf
            if node._index < latest_inplace:
                # An input changed in place that the rules do not read: the node is re-pointed at a copy of it as it
                # was, which the walk must then find (inplace_graph.py); one that they read raises here.
                check_saved_versions(node, walking=True)
                p0 = node._p0
            p1 = node._p1
            if p1 is None or p1.__class__ is not tuple:
                if p0._requires_grad and p0._pending is None:
                    p0._pending = unreached
                    keep(p0)
                if p1 is not None and p1._requires_grad and p1._pending is None:
                    p1._pending = unreached
                    keep(p1)
            else:
                for parent in p1:  # three or more inputs: p1 holds them all
                    if parent._requires_grad and parent._pending is None:
                        parent._pending = unreached
                        keep(parent)
    except BaseException:  # Ctrl-C on a long graph: no mark may outlive the walk
        for node in found:
            node._pending = None
        raise
    found.sort(key=_creation_index, reverse=True)
    return found


def pass_gradient(g, out, x, y):
    """The rule of an input that the output follows one for one (both inputs of x + y, the first of x - y): g.
    The backward pass's short way hands g on without calling it (a Python call per edge of every sum node)."""
    return g


def _release_first(order, released):
    """`order`, with each leaf in `released` (a list that the pass appends to) taken before the next node."""
    for node in order:
        while released:
            yield released.pop()
        yield node
    while released:
        yield released.pop()


def _chain_rule(order, accumulate, retain_graph, create_graph, wanted, captured, visited, undo, release=None,
                to_parents=None):
    """Take each node of `order` (youngest first) that has received a gradient, run its hooks, add its gradient to
    its `.grad`, hand it to the rules of its edges (`_to_parents`), and free its saved parameters. Records what
    `_undo` needs: every visited node in `visited`, and in `undo` the `.grad` (as ('grad', node, old)) and parameters
    (as ('params', node, old)) it replaced that were not None.

    A leaf's .grad is the user's to change in place (optimizers, clipping), so it must be an array of its
    own. Pass-through rules (+, astype) hand the very array they received to their inputs, and view rules
    (reshape, transpose) a view of it: leaves reached that way get a copy. Other nodes' gradients are for
    reading, and may share memory with each other (but are never read-only broadcast views).

    to_parents: what hands a node's gradient to its inputs, `_to_parents` or a tracer's wrapper of it (a profiler's,
    which times each node): with a wrapper every node goes through it, none the short way below.
    """
    anomaly = ANOMALY.enabled
    latest_inplace = INPLACE.latest  # nodes recorded after the latest in-place change need no version check
    complex_values = COMPLEX_VALUES_EXIST[0]  # until the first complex Value, no gradient needs conjugating
    visit, log = visited.append, undo.append
    ndarray, scattered = np.ndarray, ScatteredGradient
    passed_through = set()  # leaves that a rule handed the very array it received
    if to_parents is None:
        to_parents = _to_parents
    # then nodes of 1-2 inputs take the short way
    plain = not create_graph and not anomaly and release is None and to_parents is _to_parents
    unreached, freed_empty = _UNREACHED, FREED_EMPTY
    value_grad, float_scalars = _VALUE_GRAD, _SCALAR_ONES
    released = []  # leaves with hooks whose last gradient has arrived: taken next (see _leaves_to_release)
    for node in (order if release is None else _release_first(order, released)):
        g = node._pending
        node._pending = None
        if g is unreached or g is None:
            continue  # no gradient reached it, or a leaf already released early
        if g.__class__ is scattered:
            g = g.dense()
        op = node._op
        # The pass carries the conjugate of PyTorch's gradient for complex data (ops/complex.py): hooks, autograd.grad
        # and .grad get PyTorch's, and the rules below the conjugate back.
        conjugated = complex_values and g.dtype.kind == "c"
        if conjugated:
            g = conjugate_gradient(g)
        if node._hooks:
            g = _run_hooks(node, g)
            if g.__class__ is _TakenOver:  # the node's hooks (grad_fn_hooks.py) changed or did the node's work
                visit(node)
                _taken_over(node, g, accumulate, retain_graph, wanted, captured, log, conjugated, create_graph,
                            anomaly, passed_through, release, released, to_parents)
                continue
        if wanted is not None and node in wanted:
            captured[node] = g
        if op is None:  # a leaf: a parameter, an input (older than every node that hands it a gradient)
            if accumulate:  # inline rather than a function: this runs once per leaf
                # A leaf's .grad goes through the property (ElementView's redirects it into its matrix), unless it is
                # Value's own: then its getter's and setter's steps are taken here, on the slot behind them (a call of
                # each and the setter's checks, ~100 bytecodes per parameter of a training step). The getter's only
                # change to the stored array is a GradArray view of it, which `old + g` does not need; the setter
                # keeps an array or NumPy scalar of the leaf's shape and dtype as it is, which is what the pass
                # hands a leaf (rules' results are fitted, hooks' checked), so the rare other gradient goes to it.
                own_grad = node.__class__.grad is value_grad  # (compile's recording swaps the property: not its own)
                old = node._grad if own_grad else node.grad
                if old is not None:
                    log(("grad", node, old))
                    total = old + g
                else:
                    if g.__class__ is ndarray and (
                            g.base is not None or not g.flags.writeable or node in passed_through):
                        g = g.copy()  # a leaf's .grad is an array of its own (the optimizer changes it in place)
                    total = g
                data = node.data
                if own_grad and (total.__class__ is ndarray and total.shape == data.shape and total.dtype is data.dtype
                                 or total.__class__ is data.__class__ and total.__class__ in float_scalars):
                    node._grad = total
                else:
                    node.grad = total
                if node._hooks:
                    _run_post_accumulate_hooks(node)
            visit(node)
            continue
        if accumulate:  # a node of the graph: its .grad (retain_grad's) is the slot's, for reading only
            old = node._grad
            if old is not None:
                log(("grad", node, old))
                node._grad = old + g
            else:
                if g.__class__ is ndarray and g.base is not None and not g.flags.writeable:
                    g = g.copy()  # a broadcast view: never a .grad (a fresh array is looked at no further)
                node._grad = g
        if conjugated:
            g = conjugate_gradient(g)
        visit(node)
        if node._index < latest_inplace:
            check_saved_versions(node)
        p1 = node._p1
        params = node._params
        if not plain or params is not None and (params.__class__ is _Freed or op.lazy_vjp is not None):
            to_parents(node, g, create_graph, anomaly, passed_through, release, released)  # (which refuses _Freed)
        elif p1.__class__ is not tuple:
            # A node of one or two inputs (+ - * / ** @ tanh exp ...: most nodes of most graphs; with parameters, sum,
            # reshape, cross_entropy): `_to_parents`'s steps for the first input and then the second, written out here
            # rather than called, without building tuples of the parents and their data (micrograd's demo ~15% faster
            # in all, 1,000 small ops ~6%; written inline rather than as a function called from here, a further 3.5%
            # and 1.4%: BENCHMARKS.md "Stop 35"; nodes with parameters, ~100 bytecodes each: stop 63).
            p0, out = node._p0, node.data
            x0 = p0.data
            x1 = None if p1 is None else p1.data
            vjps = op.vjps
            # Whether this node's rules surely return results of their inputs' shape and dtype, found at its first
            # array result: an elementwise operation (Primitive.defelementwise) of one input, or of two that both
            # need gradients and share one shape and dtype, one test for the node instead of one per edge (~0.3 µs
            # each; BENCHMARKS.md "Stop 45"). A result is otherwise checked, and fitted if it must be, unless both it
            # and its input are NumPy scalars of one type (a scalar graph's case, decided by the class alone).
            # A rule that is `pass_gradient` (x + y's two, x - y's first) is not called: its result is g itself.
            fits = None
            if p0._requires_grad:  # the two inputs one after the other: a loop over them cost ~6% of the pass
                try:  # (until it catches, a try costs two bytecodes, ~40 instructions: BENCHMARKS.md "Stop 56")
                    rule = vjps[0]
                    if rule is pass_gradient:
                        gp = g
                    elif params is None:
                        gp = rule(g, out, x0) if p1 is None else rule(g, out, x0, x1)
                    else:
                        gp = rule(g, out, x0, **params) if p1 is None else rule(g, out, x0, x1, **params)
                except SparseLayoutError as refusal:
                    gp = _on_dense_or_raise(refusal, vjps[0], g, (out, x0) if p1 is None else (out, x0, x1), params)
                if gp is not None:
                    if gp.__class__ is not x0.__class__ or gp.__class__ is ndarray:
                        fits = op.elementwise and (x1 is None or (
                            p1._requires_grad and x0.dtype is x1.dtype and x0.shape == x1.shape))
                        if not fits and (gp.shape != x0.shape or (gp.dtype is not x0.dtype and gp.dtype != x0.dtype)):
                            gp = _fit(gp, x0, op, 0)
                    if gp is g and p0._op is None:
                        passed_through.add(p0)
                    prev = p0._pending
                    p0._pending = gp if prev is unreached else prev + gp
            if p1 is not None and p1._requires_grad:
                try:
                    rule = vjps[1]
                    if rule is pass_gradient:
                        gp = g
                    else:
                        gp = rule(g, out, x0, x1) if params is None else rule(g, out, x0, x1, **params)
                except SparseLayoutError as refusal:
                    gp = _on_dense_or_raise(refusal, vjps[1], g, (out, x0, x1), params)
                if gp is not None:
                    if gp.__class__ is not x1.__class__ or gp.__class__ is ndarray:
                        if not fits and (gp.shape != x1.shape or (gp.dtype is not x1.dtype and gp.dtype != x1.dtype)):
                            gp = _fit(gp, x1, op, 1)
                    if gp is g and p1._op is None:
                        passed_through.add(p1)
                    prev = p1._pending
                    p1._pending = gp if prev is unreached else prev + gp
        else:
            # Three or more inputs (p1 holds them all: linear's x, W, b; cat, stack, where): `_to_parents`'s steps
            # without its argument handling, which cost ~130 bytecodes per node, more than the edges' own steps.
            out, vjps = node.data, op.vjps
            xs = tuple(map(_data_of, p1))
            for i, parent in enumerate(p1):
                if not parent._requires_grad:
                    continue
                try:
                    gp = vjps[i](g, out, *xs) if params is None else vjps[i](g, out, *xs, **params)
                except SparseLayoutError as refusal:
                    gp = _on_dense_or_raise(refusal, vjps[i], g, (out, *xs), params)
                if gp is None:
                    continue
                x = xs[i]
                if (gp.__class__ is not x.__class__ or gp.__class__ is ndarray) and (
                        gp.shape != x.shape or (gp.dtype is not x.dtype and gp.dtype != x.dtype)):
                    gp = _fit(gp, x, op, i)
                if gp is g and parent._op is None:
                    passed_through.add(parent)
                prev = parent._pending
                parent._pending = gp if prev is unreached else prev + gp
        if not retain_graph:  # (read again: a rule may have changed it, checkpoint's recomputation say)
            if node._params is None:  # most nodes: written out, a call less per node
                node._params = freed_empty
            else:
                _free_saved(node, log)


def _free_saved(node, log):
    """Free what a node saved for its rules once the pass has gone through it (retain_graph=False): a second pass
    through it then raises PyTorch's error (`_to_parents`), and the parameters are logged for `_undo`."""
    params = node._params
    if params is None:
        node._params = FREED_EMPTY
    else:
        log(("params", node, params))
        keeps = node._op.keeps_for_name
        node._params = FREED_PARAMS if keeps is None else _Freed(True, keeps(params))


def _taken_over(node, taken, accumulate, retain_graph, wanted, captured, log, conjugated, create_graph, anomaly,
                passed_through, release, released, to_parents):
    """The rest of a node's step when its node hooks (grad_fn_hooks.py) returned a `_TakenOver`: what autograd.grad
    asked for and the node's retained .grad are the gradient before the node's prehooks (PyTorch's retain_grad runs
    before them), the one sent on is the prehooks' (none where a hook sent the inputs their gradients itself); its
    saved values are freed as for any node the pass goes through."""
    g = taken.gradient
    if wanted is not None and node in wanted:
        captured[node] = g
    if accumulate and node._op is not None:  # (a leaf: its AccumulateGrad's prehook dropped its gradient)
        old = node._grad
        if old is not None:
            log(("grad", node, old))
            node._grad = old + g
        else:
            node._grad = g.copy() if g.__class__ is np.ndarray and g.base is not None and not g.flags.writeable else g
    sent = taken.sent
    if sent is not None:
        if conjugated:
            sent = conjugate_gradient(sent)
        if node._index < INPLACE.latest:
            check_saved_versions(node)
        to_parents(node, sent, create_graph, anomaly, passed_through, release, released)
    if not retain_graph and node._op is not None:  # (a leaf saves nothing)
        _free_saved(node, log)


def _undo(roots, order, visited, undo, accumulate, retain_graph):
    """After a failed pass: drop the pending gradients, and give back the `.grad`s and parameters it replaced."""
    for node in (*roots, *order):
        node._pending = None
    for node in visited:
        node._pending = None
        if accumulate:
            node.grad = None
        if not retain_graph and node._params is FREED_EMPTY:
            node._params = None
    for what, node, old in undo:
        if what == "grad":
            node.grad = old
        else:
            node._params = old


def _to_parents(node, g, create_graph, anomaly, passed_through, release=None, released=None):
    """Send output gradient `g` of `node` down each edge whose parent needs a gradient: call the edge's rule,
    fit the result to the parent's shape and dtype (`_fit`), and add it to what the parent has received (its
    `_pending`). A leaf with a hook whose last gradient this was goes to `released`, to be taken next.
    The general case; `_chain_rule` does the same for the commonest nodes itself, faster."""
    op = node._op
    params = node._params
    if params is not None and params.__class__ is _Freed:
        from .grad_fn import _FREED_MESSAGE  # PyTorch's words, shared with grad_fn's saved tensors

        raise RuntimeError(
            f"{_FREED_MESSAGE} (backward: trying to go through the graph a second time at '{op.title}' "
            f"(node {describe(node)}); its saved values were freed by the first backward. "
            "Pass retain_graph=True to the first backward() if you need to call it twice.)"
        )
    p1 = node._p1  # the parents, read from their slots (Value._parents builds the same tuple)
    if p1 is None:
        parents = (node._p0,)
    elif p1.__class__ is tuple:
        parents = p1
    else:
        parents = (node._p0, p1)
    if create_graph:  # the rules then run on Values and record the backward pass itself
        out, xs = node, parents
    elif p1 is None:
        out, xs = node.data, (parents[0].data,)
    elif p1.__class__ is tuple:
        out, xs = node.data, [p.data for p in parents]
    else:
        out, xs = node.data, (parents[0].data, p1.data)
    arity = len(xs) if params is None else 0  # rules of 1 or 2 inputs are called without unpacking
    vjps = op.vjps
    lazy_vjp = None if create_graph else op.lazy_vjp
    for i in range(len(parents)):
        parent = parents[i]
        if not parent._requires_grad:
            continue
        try:
            if lazy_vjp is not None:  # a slice's gradient, scattered when the parent's are all in (scattered_gradient)
                gp = lazy_vjp(g, xs[0], **params)
            elif arity == 2:
                gp = vjps[1 if i else 0](g, out, xs[0], xs[1])
            elif arity == 1:
                gp = vjps[0](g, out, xs[0])
            elif params is None:
                gp = vjps[i](g, out, *xs)
            else:
                gp = vjps[i](g, out, *xs, **params)
        except SparseLayoutError as refusal:
            gp = _on_dense_or_raise(refusal, vjps[i], g, (out, *xs), params)
        if gp is None:
            continue
        pdata = parent.data if create_graph else xs[i]
        if (gp.__class__ is not pdata.__class__ or gp.__class__ is _ndarray) and (  # not two NumPy scalars of one type
                gp.shape != pdata.shape or (gp.dtype is not pdata.dtype and gp.dtype != pdata.dtype)):
            gp = _fit(gp, pdata, op, i)
        if anomaly:
            from .anomaly import check_backward

            if gp.__class__ is ScatteredGradient:
                gp = gp.dense()
            check_backward(node, i, gp)
        if gp is g and parent._op is None:
            passed_through.add(parent)
        prev = parent._pending
        parent._pending = gp if prev is _UNREACHED else prev + gp
        if release is not None and parent in release:
            release[parent] -= 1
            if not release[parent]:  # its last contribution: take it next, ahead of its creation order
                released.append(parent)


_ndarray = np.ndarray


def _on_dense_or_raise(refusal, rule, g, args, params=None):
    """The result of an edge's rule that refused gradient g, where g is sparse: the rule run again on g made dense
    (a dense operation's rule that is not g times something, or g divided by something: matmul's, indexing's, a
    reduction's). PyTorch's backward fails there ("Could not run 'aten::...' with arguments from the 'SparseCPU'
    backend"); here the gradient densifies at that edge and goes on dense. A refusal of anything else (a rule
    meeting sparse data of its own) is raised again."""
    if g.__class__ is not SparseArray:
        raise refusal
    return rule(g.to_dense(), *args) if params is None else rule(g.to_dense(), *args, **params)


def _fit(gp, pdata, op, i):
    """Un-broadcast a rule's result to its input's shape and cast it to the input's dtype."""
    if gp.__class__ is ScatteredGradient:
        gp = gp.dense()
    elif gp.__class__ is SparseArray and gp.shape != pdata.shape:  # a sparse gradient of a broadcast operand
        try:
            gp = gp.sum_to(pdata.shape)
        except (ValueError, IndexError):
            raise RuntimeError(f"backward: the rule of '{op.name}' for input {i} returned shape {gp.shape}, which "
                               f"does not reduce to the input's shape {pdata.shape}") from None
    if gp.shape != pdata.shape:
        gp = _unbroadcast(gp, pdata.shape, op, i)
    if gp.dtype != pdata.dtype:
        if gp.dtype.kind == "c" and pdata.dtype.kind != "c":
            gp = gp.real  # a real input that became complex: its gradient is the real part (ops/complex.py)
        elif pdata.dtype.kind == "c" and gp.dtype.kind != "c":
            # A complex input whose rule gave a real gradient r (complex -> real astype): the pass carries the
            # conjugate of PyTorch's gradient, here conj(r + 0j) = r - 0j, so that .grad reads r + 0j as PyTorch's
            # (the sign of the zero imaginary part shows in np.signbit, 1 / grad.imag, angle()).
            from .ops.complex import conj

            return conj(gp.astype(pdata.dtype))
        gp = gp.astype(pdata.dtype)
    return gp


def _unbroadcast(g, shape, op, i):
    """Sum a gradient over the axes that broadcasting added or stretched, so it has `shape` again."""
    from .ops.shape import sum_to

    try:
        return sum_to(g, shape=shape)
    except ValueError:
        raise RuntimeError(
            f"backward: the rule of '{op.name}' for input {i} returned shape {g.shape}, which does not "
            f"reduce to the input's shape {shape}"
        ) from None


def _run_hooks(node, g):
    """A node's gradient g (PyTorch's convention) after its hooks: the Value's own (register_hook's), and where its
    node has hooks (grad_fn's: a NodeHook among them), the node's step, which runs the Value's own first and may
    return a `_TakenOver` (grad_fn_hooks.py)."""
    for hook in node._hooks.values():
        if hook.__class__ is NodeHook:
            return hook.step(node, g)
    return run_tensor_hooks(node, g)


def run_tensor_hooks(node, g):
    """g after the Value's own hooks (register_hook's), in their order of registration; each replacement is checked
    (PyTorch's errors for another shape or dtype)."""
    for hook in list(node._hooks.values()):
        if hook.__class__ is PostAccumulateHook or hook.__class__ is NodeHook:
            continue  # runs after .grad is updated (_run_post_accumulate_hooks); the node's, run by its step
        # An array gradient reaches the hook as a GradArray view, as `.grad` reads: PyTorch's hooks call tensor
        # methods on it (g.norm(), g.clamp(-1, 1), g.abs().mean()).
        if g.__class__ is SparseArray:  # a sparse gradient (nn.Embedding(sparse=True)'s) as a sparse tensor
            from .sparse_tensor import as_sparse_tensor

            replaced = hook(as_sparse_tensor(g))
        else:
            replaced = hook(g.view(GradArray) if g.__class__ is np.ndarray and g.ndim else g)
        if replaced is not None:
            if replaced.__class__ is not g.__class__:
                replaced = _as_gradient_like(replaced, g)
            check_replacement(hook, replaced, g)
            if not isinstance(g, Value) and getattr(replaced, "dtype", None) is None:
                # A Python number (a micrograd user's `lambda g: 0.0` on a scalar node): the node's dtype, as the
                # rules below it take for granted (PyTorch refuses anything but a tensor)
                replaced = np.asarray(replaced, dtype=g.dtype)
                if g.__class__ is not np.ndarray:
                    replaced = replaced[()]  # a NumPy scalar for a scalar node, as its gradients are
            g = replaced
    return g


def check_replacement(hook, replaced, g):
    """Raise PyTorch's error where a hook's replacement for gradient g has another shape (a ShapeError) or another
    dtype; a replacement without a dtype (a Python number) passes."""
    name = getattr(hook, "__name__", repr(hook))
    shape, g_shape = _shape_of(replaced), _shape_of(g)
    if shape != g_shape:
        raise ShapeError(f"hook '{name}' has changed the size of value (it returned a gradient of shape {shape}, "
                         f"expected {g_shape})")
    dtype = getattr(replaced, "dtype", None)
    if dtype is not None and dtype != g.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {_type_name(g.dtype)} got "
                           f"{_type_name(dtype)})")


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _type_name(dtype):
    """PyTorch's name of a CPU tensor's type in its hooks' messages (Tensor.toString: 'torch.DoubleTensor')."""
    from .errors import legacy_name

    return "CPUBFloat16Type" if str(dtype) == "bfloat16" else legacy_name(dtype)


class _TakenOver:
    """What a node's hooks return (grad_fn_hooks.NodeHook) when the gradient the node keeps (its retained .grad, what
    autograd.grad returns for it: `gradient`) is not the one it sends on (`sent`: a prehook's replacement, or None
    when a hook did the node's work itself, or dropped it)."""

    __slots__ = ("gradient", "sent")

    def __init__(self, gradient, sent=None):
        self.gradient, self.sent = gradient, sent


def _as_gradient_like(replaced, g):
    """A hook's replacement gradient in g's kind: a Value's numbers (g.clamp(-1, 1) on a GradArray is a Value, as
    PyTorch's is a tensor) or a plain array for array data; a Value unchanged when g is one (create_graph)."""
    if isinstance(g, Value):
        return replaced if isinstance(replaced, Value) else Value(replaced, requires_grad=False)
    if isinstance(replaced, Value):
        replaced = replaced.data
    if replaced.__class__ is GradArray:
        replaced = replaced.view(np.ndarray)
    return replaced


def _run_post_accumulate_hooks(leaf):
    """A leaf's post-accumulate-grad hooks, then its AccumulateGrad's hooks (a NodeHook's), as PyTorch's order."""
    node_hook = None
    for hook in list(leaf._hooks.values()):
        if hook.__class__ is PostAccumulateHook:
            hook.fn(leaf)
        elif hook.__class__ is NodeHook:
            node_hook = hook
    if node_hook is not None:
        node_hook.after_accumulate(leaf)


# ----------------------------------------------------------------------------------------------------
# Leaves with hooks, and callbacks at the end of the pass.
# Taking the youngest node first processes every leaf (parameters are older than the whole forward graph) only
# after all other nodes. A leaf with a hook is instead released after its last contribution, so its hook runs
# while the pass goes on: data-parallel training starts communicating that gradient meanwhile.


class _Pass:
    """A backward pass running in this thread: whether it adds to .grad (backward) or not (autograd_core.grad), and
    the callbacks queued for its end."""

    __slots__ = ("accumulate", "callbacks")

    def __init__(self, accumulate):
        self.accumulate, self.callbacks = accumulate, []


class _Passes(threading.local):
    def __init__(self):
        self.stack = []  # the _Pass of each backward pass running in this thread, innermost last (nested passes)


_PASSES = _Passes()


def _leaves_to_release(roots):
    """For each leaf with a hook below `roots`: how many edges will bring it a gradient (None if none)."""
    counts = {}
    seen = set()
    stack = [r for r in roots if r.requires_grad]
    while stack:
        node = stack.pop()
        for parent in node._parents:
            if not parent.requires_grad:
                continue
            if parent in HOOKED_LEAVES:
                counts[parent] = counts.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return counts or None


def accumulating_pass():
    """Whether the backward pass running now in this thread (the innermost one) adds gradients to `.grad`, as
    `backward()` does; False for `autograd_core.grad`'s passes and outside any pass (a picture computing an edge's
    local derivative). For rules that do work of their own (checkpoint's recomputation)."""
    stack = _PASSES.stack
    return bool(stack) and stack[-1].accumulate


def queue_callback(fn):
    """Call fn() once when the backward pass running now (in this thread) has finished writing every `.grad`.

    For hooks that start work during the pass and must complete it before the optimizer runs (data-parallel
    training waits for its all-reduces here). Raises RuntimeError outside a backward pass.
    """
    stack = _PASSES.stack
    if not stack:
        raise RuntimeError("queue_callback: no backward pass is running")
    stack[-1].callbacks.append(fn)


def backward(root, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d(root)/d(node) into `.grad` of every node below `root` that requires a gradient."""
    if not root.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn (backward: this Value does not "
            "require a gradient and has no graph: it was made from inputs with requires_grad=False, or inside "
            "no_grad())"
        )
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed_gradient(root, gradient, create_graph)
    run_backward([root], [seed], retain_graph=retain_graph, create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, returned rather than accumulated into `.grad`.

    outputs: a Value or a sequence of Values; grad_outputs: matching seeds (required for non-scalars).
    Returns a list with one gradient per input, each of that input's shape.
    """
    outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
    single = isinstance(inputs, Value)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Value) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds = [], []
    for index, (out, seed) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            continue
        roots.append(out)
        seeds.append(_seed_gradient(out, seed, create_graph, index))
    if roots:
        result = run_backward(
            roots, seeds, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs,
            accumulate=False,
        )
    else:
        result = [None] * len(inputs)
    for index, (v, g) in enumerate(zip(inputs, result)):
        if g is None and not allow_unused:
            # The first cause a PyTorch user would check, in PyTorch's words.
            if not v.requires_grad:
                raise RuntimeError(f"One of the differentiated Tensors does not require grad (grad: {describe(v)}; "
                                   "create it with requires_grad=True)")
            if not roots:
                raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn (grad: "
                                   "no output depends on a Value that requires grad)")
            raise RuntimeError(
                f"The differentiated Tensor at index {index} appears to not have been used in the graph. Set "
                f"allow_unused=True if this is the desired behavior. (grad: input {describe(v)} is not connected to "
                "the outputs; pass allow_unused=True to get None for it)"
            )
    return result


def edge_vjp(node, i, g):
    """What the rule of `node`'s edge to parent i sends back for output gradient `g` (NumPy data).

    For scalar nodes with g = 1 this is the local derivative ∂node/∂parent, the number a picture
    writes on the edge. Returns None when the node's saved parameters were freed by a backward pass.
    """
    params = node._params
    if params.__class__ is _Freed:
        if params.had_params:
            return None
        params = None
    xs = [p.data for p in node._parents]
    rule = node._op.vjps[i]
    with no_grad():
        gp = rule(g, node.data, *xs) if params is None else rule(g, node.data, *xs, **params)
    shape = node._parents[i].data.shape
    if gp is not None and np.shape(gp) != shape:
        gp = _unbroadcast(np.asarray(gp), shape, node._op, i)
    return gp
