"""The machinery: recording nodes, sorting the graph, and running the chain rule backwards.

This file knows no calculus. Each operation is a `Primitive` (see `ops/primitive.py`) that brings its
own forward function and one vector-Jacobian rule per input; the engine only

* records a node for every operation (`apply`),
* sorts the graph topologically with an explicit stack (no recursion limit),
* hands each node's output gradient to the rule of each parent edge, un-broadcasts the result to the
  parent's shape in one place, and accumulates it.
"""

from __future__ import annotations

import contextlib
import functools
import sys

import numpy as np

# ----------------------------------------------------------------------------------------------------
# Global modes: gradient recording, module scopes (for pictures) and anomaly detection.


class _State:
    # One mutable object rather than module globals, so the hot path reads one attribute.
    grad_enabled = True
    anomaly = False
    scope = None  # innermost Scope while an nn.Module is running, for graph clusters


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations record a graph (the default)."""
    return STATE.grad_enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager and decorator that switches graph recording on or off inside its block."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._saved = []

    def __enter__(self):
        self._saved.append(STATE.grad_enabled)
        STATE.grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        STATE.grad_enabled = self._saved.pop()
        return False


class no_grad(set_grad_enabled):
    """`with no_grad():` or `@no_grad()`: operations inside record no graph and need no memory for it."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enables graph recording inside a `no_grad` block."""

    def __init__(self):
        super().__init__(True)


class Scope:
    """A named region of the graph, such as one call of an `nn.Module`; nodes remember the innermost one.

    `parent` links to the enclosing scope, so a picture can nest clusters (MLP > Layer > Neuron).
    """

    __slots__ = ("name", "kind", "parent", "owner")

    def __init__(self, name, kind, parent=None, owner=None):
        self.name, self.kind, self.parent, self.owner = name, kind, parent, owner

    def path(self):
        """The chain of scopes from the outermost to this one."""
        chain, scope = [], self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        return chain[::-1]

    def __repr__(self):
        return f"Scope({self.name!r}, {self.kind!r})"


@contextlib.contextmanager
def name_scope(name, kind="scope", owner=None):
    """Tag every node created inside the block with a `Scope`, so `viz` can draw it as one cluster."""
    scope = Scope(name, kind, STATE.scope, owner)
    STATE.scope = scope
    try:
        yield scope
    finally:
        STATE.scope = scope.parent


# ----------------------------------------------------------------------------------------------------
# Recording: every operation goes through `apply`.

from .value import Value  # noqa: E402  (Value imports nothing from here at module level)

_new_value = Value._from_op


def apply(op, args, params=None):
    """Run primitive `op` forward on `args` (Values, arrays or numbers) and record the node.

    Non-Value arguments become constant leaves (no gradient) of a dtype that does not upcast the
    Values around them: a Python number next to a float32 Value stays float32.
    """
    values = []
    datas = []
    requires_grad = False
    for arg in args:
        if not isinstance(arg, Value):
            arg = Value._constant(arg, args)
        values.append(arg)
        datas.append(arg.data)
        if arg.requires_grad:
            requires_grad = True
    try:
        out = op.forward(*datas) if params is None else op.forward(*datas, **params)
    except ValueError as err:
        if "broadcast" in str(err) and len(datas) == 2:
            raise ValueError(
                f"{op.title}: shapes {np.shape(datas[0])} and {np.shape(datas[1])} cannot be broadcast together"
            ) from None
        raise ValueError(f"{op.title}: {err}") from None
    state = STATE
    if not (requires_grad and state.grad_enabled):
        return _new_value(out, False, op, (), None, None)
    node = _new_value(out, True, op, tuple(values), params, state.scope)
    if state.anomaly:
        from .anomaly import check_forward

        check_forward(node)
    return node


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


def toposort(root):
    """Nodes that need a gradient, each after all of its parents, found with an explicit stack."""
    order = []
    visited = set()
    stack = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:  # marker: the node below it has had all its parents emitted
            order.append(pop())
            continue
        key = id(node)
        if key in visited:
            continue
        visited.add(key)
        push(node)
        push(None)
        parents = node._parents
        # Push in reverse so that the first parent is visited first: a deterministic order.
        for i in range(len(parents) - 1, -1, -1):
            parent = parents[i]
            if parent.requires_grad and id(parent) not in visited:
                push(parent)
    return order


def _seed_gradient(root, gradient, create_graph):
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: output of shape {root.shape} is not a scalar; pass `gradient=` with the "
                f"output's shape (e.g. np.ones({root.shape})) or reduce it first (e.g. .sum())"
            )
        seed = np.ones_like(root.data)
        if seed.ndim == 0:
            seed = seed[()]
    else:
        seed = gradient.data if isinstance(gradient, Value) and not create_graph else gradient
        seed_shape = np.shape(seed)
        if seed_shape != root.shape:
            raise ValueError(
                f"backward: gradient of shape {seed_shape} does not match output of shape {root.shape}"
            )
        if not isinstance(seed, Value):
            seed = np.asarray(seed, dtype=root.dtype)
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
    if len(roots) == 1:
        order = toposort(roots[0])
    else:  # several outputs: sort below a virtual root whose parents are the outputs
        order, seen = [], set()
        for root in roots:
            for node in toposort(root):
                if id(node) not in seen:
                    seen.add(id(node))
                    order.append(node)
    grads = {}
    for root, seed in zip(roots, seeds):
        key = id(root)
        grads[key] = grads[key] + seed if key in grads else seed
    wanted = None if inputs is None else {id(v) for v in inputs}
    captured = {}
    anomaly = STATE.anomaly
    with set_grad_enabled(create_graph):
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node, g)
            if wanted is not None and id(node) in wanted:
                captured[id(node)] = g
            if accumulate:
                node._accumulate_grad(g)
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
            if create_graph:
                out, xs = node, parents
            else:
                out, xs = node.data, [p.data for p in parents]
            vjps = op.vjps
            for i, parent in enumerate(parents):
                if not parent.requires_grad:
                    continue
                rule = vjps[i]
                gp = rule(g, out, *xs) if params is None else rule(g, out, *xs, **params)
                if gp is None:
                    continue
                pdata = parent.data
                if gp.shape != pdata.shape:
                    gp = _unbroadcast(gp, pdata.shape, op, i)
                if gp.dtype != pdata.dtype:
                    gp = gp.astype(pdata.dtype)
                if anomaly:
                    from .anomaly import check_backward

                    check_backward(node, i, gp)
                key = id(parent)
                prev = grads.get(key)
                grads[key] = gp if prev is None else prev + gp
            if not retain_graph:
                node._params = FREED_EMPTY if params is None else FREED_PARAMS
    if inputs is None:
        return None
    return [captured.get(id(v)) for v in inputs]


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


def _user_frame():
    """The innermost stack frame outside this package: where the user's code created something."""
    frame = sys._getframe(1)
    package_dirs = _PACKAGE_DIRS
    while frame is not None and frame.f_code.co_filename.startswith(package_dirs):
        frame = frame.f_back
    return frame


@functools.lru_cache(maxsize=1)
def _package_dirs():
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    return tuple(os.path.join(root, name) + os.sep for name in ("autograd_core", "nn", "optim", "viz"))


_PACKAGE_DIRS = _package_dirs()


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
