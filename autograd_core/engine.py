"""The machinery: recording nodes, sorting the graph, and running the chain rule backwards.

This file knows no calculus. Each operation is a `Primitive` (see `ops/primitive.py`) that brings its
own forward function and one vector-Jacobian rule per input; the engine only

* records a node for every operation (`apply`),
* sorts the graph topologically with an explicit stack (no recursion limit),
* hands each node's output gradient to the rule of each parent edge, un-broadcasts the result to the
  parent's shape in one place, and accumulates it.
"""

from __future__ import annotations

import gc
import heapq
import operator

import numpy as np

from .modes import (  # noqa: F401  (re-exported: the engine's public names)
    STATE, Scope, enable_grad, is_grad_enabled, name_scope, no_grad, set_grad_enabled,
)

# ----------------------------------------------------------------------------------------------------
# Recording: every operation goes through `apply`.

from .value import Value, _new_node  # noqa: E402  (value.py imports nothing from here at module level)

_constant = Value._constant


def apply(op, args, params=None):
    """Run primitive `op` forward on `args` (Values, arrays or numbers) and record the node.

    Non-Value arguments become constant leaves (no gradient) of a dtype that does not upcast the
    Values around them: a Python number next to a float32 Value stays float32.
    """
    if STATE.tracers:  # forward mode or a compile recording is watching (tracing.py)
        return traced_apply(op, args, params)
    for arg in args:
        if not isinstance(arg, Value):
            args = _with_constants(args)
            break
    try:
        out = op.forward(*[a.data for a in args]) if params is None else op.forward(
            *[a.data for a in args], **params)
    except ValueError as err:
        raise _shape_error(op, args, err) from None
    for arg in args:
        if arg.requires_grad:
            return _record(op, out, args, params)
    return _new_node(Value, out, False, op, (), None, None)


def _with_constants(args):
    peer = next((a for a in args if isinstance(a, Value)), None)
    return tuple(a if isinstance(a, Value) else _constant(a, peer) for a in args)


def apply_unary(op, x):
    """`apply` for one Value input and no parameters: the path every elementwise method takes."""
    if STATE.tracers:
        return traced_apply(op, (x,), None)
    try:
        out = op.forward(x.data)
    except ValueError as err:
        raise _shape_error(op, (x,), err) from None
    if x.requires_grad and STATE.grad_enabled:
        node = _new_node(Value, out, True, op, (x,), None, STATE.scope)
        if STATE.anomaly:
            _check_forward(node)
        return node
    return _new_node(Value, out, False, op, (), None, None)


def apply_binary(op, a, b):
    """`apply` for two operands (at least one a Value) and no parameters: the path of + - * / ** @."""
    if STATE.tracers:
        return traced_apply(op, (a, b), None)
    if not isinstance(b, Value):
        b = _constant(b, a)
    elif not isinstance(a, Value):
        a = _constant(a, b)
    try:
        out = op.forward(a.data, b.data)
    except ValueError as err:
        raise _shape_error(op, (a, b), err) from None
    if (a.requires_grad or b.requires_grad) and STATE.grad_enabled:
        node = _new_node(Value, out, True, op, (a, b), None, STATE.scope)
        if STATE.anomaly:
            _check_forward(node)
        return node
    return _new_node(Value, out, False, op, (), None, None)


def _record(op, out, args, params):
    state = STATE
    if not state.grad_enabled:
        return _new_node(Value, out, False, op, (), None, None)
    node = _new_node(Value, out, True, op, args, params, state.scope)
    if state.anomaly:
        _check_forward(node)
    return node


traced_apply = None  # set by tracing.py, which alone puts tracers into STATE.tracers


def _check_forward(node):
    from .anomaly import check_forward

    check_forward(node)


def _shape_error(op, args, err):
    if "broadcast" in str(err) and len(args) == 2:
        return ValueError(f"{op.title}: shapes {args[0].shape} and {args[1].shape} cannot be broadcast together")
    return ValueError(f"{op.title}: {err}")


# ----------------------------------------------------------------------------------------------------
# The backward pass.


class _Freed:
    """Stands in for a node's saved parameters once a backward pass without `retain_graph` has run."""

    __slots__ = ("had_params",)

    def __init__(self, had_params):
        self.had_params = had_params

    def __repr__(self):
        return "<freed>"


FREED_EMPTY = _Freed(False)
FREED_PARAMS = _Freed(True)


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


def _seed_gradient(root, gradient, create_graph):
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: output of shape {root.shape} is not a scalar; pass `gradient=` with the "
                f"output's shape (e.g. np.ones({root.shape})) or reduce it first (e.g. .sum())"
            )
        data = root.data
        seed = data.dtype.type(1) if data.ndim == 0 else np.ones_like(data)
    else:
        seed = gradient.data if isinstance(gradient, Value) and not create_graph else gradient
        seed_shape = np.shape(seed)
        if seed_shape != root.shape:
            raise ValueError(
                f"backward: gradient of shape {seed_shape} does not match output of shape {root.shape}"
            )
        if not isinstance(seed, Value):
            seed = np.array(seed, dtype=root.dtype)  # a copy: it becomes .grad, which must not alias the caller's array
            if seed.ndim == 0:
                seed = seed[()]
    if create_graph and not isinstance(seed, Value):
        seed = Value(seed, requires_grad=False)
    return seed


def run_backward(roots, seeds, *, retain_graph, create_graph, inputs=None, accumulate=True):
    """The chain rule over the graphs below `roots`.

    roots, seeds: output Values and the gradients of some scalar with respect to them.
    accumulate:   add each node's gradient into its `.grad` (what `Value.backward` does).
    inputs:       if given, return a list of the gradients with respect to these Values (None where
                  no path leads to them), as `autograd_core.functional` needs.
    create_graph: gradients are Values that record their own graph, so they can be differentiated.
    """
    # Children are always younger than their parents, so taking the youngest node that has received a
    # gradient (a max-heap on the creation number) visits each node after all of its children: a
    # topological order found while going, with no separate sort and no recursion.
    # The gradient a node has received so far in this pass waits in its `_pending` slot.
    heap = []
    for root, seed in zip(roots, seeds):
        if root._pending is not None:
            root._pending = root._pending + seed
        else:
            root._pending = seed
            heapq.heappush(heap, (-root._index, root))
    wanted = None if inputs is None else set(inputs)
    captured = {}
    # The backward pass allocates many short-lived arrays but creates no reference cycles: pause the
    # cyclic collector meanwhile, or it would rescan the (acyclic) graph again and again.
    gc_was_enabled, grad_was_enabled = gc.isenabled(), STATE.grad_enabled
    gc.disable()
    STATE.grad_enabled = create_graph
    try:
        _chain_rule(heap, retain_graph, create_graph, accumulate, wanted, captured)
    except BaseException:
        for _, node in heap:  # leave no half-finished gradients behind for the next pass
            node._pending = None
        raise
    finally:
        STATE.grad_enabled = grad_was_enabled
        if gc_was_enabled:
            gc.enable()
    if inputs is None:
        return None
    return [captured.get(v) for v in inputs]


def _chain_rule(heap, retain_graph, create_graph, accumulate, wanted, captured):
    """Pop the youngest node, hand its gradient to each parent edge's rule, queue the parents."""
    heappush, heappop = heapq.heappush, heapq.heappop
    anomaly = STATE.anomaly
    ndarray = np.ndarray
    # A leaf's .grad is the user's to change in place (optimizers, clipping), so it must be an array of its
    # own. Pass-through rules (+, astype) hand the very array they received to their inputs, and view rules
    # (reshape, transpose) a view of it: leaves reached that way get a copy. Other nodes' gradients are for
    # reading, and may share memory with each other (but are never read-only broadcast views).
    passed_through = set()
    while heap:
        node = heappop(heap)[1]
        g = node._pending
        node._pending = None
        if node._hooks:
            g = _run_hooks(node, g)
        if wanted is not None and node in wanted:
            captured[node] = g
        if accumulate:
            old = node.grad
            if old is None:
                if g.__class__ is ndarray and (not g.flags.writeable or (  # a broadcast view: never a .grad
                        node._op is None and (g.base is not None or node in passed_through))):
                    g = g.copy()
                node.grad = g
            else:
                node.grad = old + g
        op = node._op
        if op is None:
            continue  # a leaf
        params = node._params
        if params is not None and params.__class__ is _Freed:
            raise RuntimeError(
                f"backward: trying to go through the graph a second time at '{op.title}' "
                f"(node {node._describe()}); its saved values were freed by the first backward. "
                "Pass retain_graph=True to the first backward() if you need to call it twice."
            )
        parents = node._parents
        if create_graph:  # the rules then run on Values and record the backward pass itself
            out, xs = node, parents
        else:
            out, xs = node.data, [p.data for p in parents]
        arity = len(xs) if params is None else 0  # rules of 1 or 2 inputs are called without unpacking
        vjps = op.vjps
        for i in range(len(parents)):
            parent = parents[i]
            if not parent.requires_grad:
                continue
            if arity == 2:
                gp = vjps[1 if i else 0](g, out, xs[0], xs[1])
            elif arity == 1:
                gp = vjps[0](g, out, xs[0])
            elif params is None:
                gp = vjps[i](g, out, *xs)
            else:
                gp = vjps[i](g, out, *xs, **params)
            if gp is None:
                continue
            if gp is g and parent._op is None:
                passed_through.add(parent)
            pdata = parent.data
            if gp.shape != pdata.shape:
                gp = _unbroadcast(gp, pdata.shape, op, i)
            if gp.dtype is not pdata.dtype and gp.dtype != pdata.dtype:
                gp = gp.astype(pdata.dtype)
            if anomaly:
                from .anomaly import check_backward

                check_backward(node, i, gp)
            prev = parent._pending
            if prev is None:
                parent._pending = gp
                heappush(heap, (-parent._index, parent))
            else:
                parent._pending = prev + gp
        if not retain_graph:
            node._params = FREED_EMPTY if params is None else FREED_PARAMS


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
    for hook in list(node._hooks.values()):
        replaced = hook(g)
        if replaced is not None:
            if np.shape(replaced) != np.shape(g):
                raise ValueError(
                    f"hook {hook!r} returned a gradient of shape {np.shape(replaced)}, expected {np.shape(g)}"
                )
            g = replaced
    return g


def backward(root, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d(root)/d(node) into `.grad` of every node below `root` that requires a gradient."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this Value does not require a gradient and has no graph (it was made from "
            "inputs with requires_grad=False, or inside no_grad())"
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
    for out, seed in zip(outputs, grad_outputs):
        if not out.requires_grad:
            continue
        roots.append(out)
        seeds.append(_seed_gradient(out, seed, create_graph))
    if roots:
        result = run_backward(
            roots, seeds, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs,
            accumulate=False,
        )
    else:
        result = [None] * len(inputs)
    for v, g in zip(inputs, result):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {v._describe()} is not connected to the outputs; pass allow_unused=True "
                "to get None for it"
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
