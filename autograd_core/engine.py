"""The backward pass: the chain rule run backwards over the nodes that recording.py records.

This file knows no calculus. Each node's primitive (see `ops/primitive.py`) brings one vector-Jacobian rule per
input; the backward pass (`run_backward`, behind `backward()` and `grad()`) visits the nodes from the output down in
reverse creation order (a topological order: a node is always younger than its inputs), calls each edge's rule, fits
the result to the input's shape and dtype, and adds it up into `.grad`; a pass that raises half way is undone, so it
leaves no partial gradient behind.

The rest of the machinery is beside it, each part in a file of its own: running and recording every operation
(`apply`) in recording.py; the hooks a pass runs, and what a hook may ask of the pass running now (`queue_callback`),
in backward_hooks.py. The names code imports from this module (`apply`, `queue_callback`, grad mode's) are
re-exported here. docs/architecture.md describes the parts; grad mode and scopes (per thread) are in modes.py.
"""

from __future__ import annotations

import gc
import operator

import numpy as np

from .errors import ShapeError, describe
from .modes import (  # noqa: F401  (re-exported: the engine's public names)
    ANOMALY, GRAD_ENABLED, INPLACE, SCOPE, TRACERS, Scope, current_scope, enable_grad, enter_scope, exit_scope,
    is_grad_enabled, name_scope, no_grad, set_grad_enabled,
)
from .python_numbers import COMPLEX_VALUES_EXIST
from .value import Value  # (value.py imports this module only at its end)
from .value_hooks import HOOKED_LEAVES
from .grad_array import GradArray
from .inplace import check_saved_versions
from .scattered_gradient import ScatteredGradient
from .threads import Aside, run_aside
from .sparse_array import SparseArray, SparseLayoutError
from .float_errors import restore, silence
from .recording import apply, apply_binary, apply_unary  # noqa: F401  (re-exported: where code has imported them)
from .backward_hooks import (  # noqa: F401  (accumulating_pass, queue_callback: re-exported)
    _PASSES, _Pass, _TakenOver, _leaves_to_release, _run_hooks, _run_post_accumulate_hooks, accumulating_pass,
    needed_by, queue_callback, run_hooks_of_none,
)

_VALUE_GRAD = Value.__dict__["grad"]  # Value's .grad property (see _chain_rule)
_data_of = operator.attrgetter("data")
_tracers = TRACERS.get  # a profiler watches a backward pass through this (tracing.py)

watched_to_parents = None  # set by tracing.py: `_to_parents` as the tracers watching a backward pass want it


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
    later = []  # the in-place adds into leaves' existing .grad, made once the pass has succeeded (_add_later)
    try:
        order = _in_backward_order(roots, seeds)
        _chain_rule(order, accumulate, retain_graph, create_graph, wanted, captured, visited, undo, release,
                    to_parents, later)
        if callbacks:  # queued by hooks during the pass (see queue_callback): they see the summed .grad
            if later:
                _add_later(later, undo.append)
            while callbacks:
                callbacks.pop(0)()
    except BaseException:
        _undo(roots, order, visited, undo, accumulate, retain_graph)
        raise
    else:
        if later:  # the pass succeeded: nothing can undo it now (still with NumPy's float warnings off)
            _add_later(later)
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
    """`order`, with each leaf in `released` (a list that the pass appends to) taken before the next node, in the
    order they were released: a node's inputs in its edges' order, as PyTorch's ready queue hands out the leaves
    (AccumulateGrad nodes, all of one top priority) a node made ready ((x * w).sum(): x's hooks, then w's)."""
    for node in order:
        while released:
            yield released.pop(0)
        yield node
    while released:
        yield released.pop(0)


def _chain_rule(order, accumulate, retain_graph, create_graph, wanted, captured, visited, undo, release=None,
                to_parents=None, later=None):
    """Take each node of `order` (youngest first) that has received a gradient, run its hooks, add its gradient to
    its `.grad`, hand it to the rules of its edges (`_to_parents`), and free its saved parameters. Records what
    `_undo` needs: every visited node in `visited`, and in `undo` the `.grad` (as ('grad', node, old)) and parameters
    (as ('params', node, old)) it replaced that were not None, and the contents of each `.grad` array added into in
    place before the pass ended (as ('refill', array, copy)). `later`: the (array, gradient) pairs of the leaves whose
    `.grad` array the gradient is to be added into in place (PyTorch's AccumulateGrad), made once the pass has
    succeeded (`_add_later`), or before user code runs (hooks) with their contents logged.

    A leaf's .grad is the user's to change in place (optimizers, clipping), so it must be an array of its
    own. Pass-through rules (+, astype) hand the very array they received to their inputs, and view rules
    (reshape, transpose) a view of it: leaves reached that way get a copy. Other nodes' gradients are for
    reading, and may share memory with each other (but are never read-only broadcast views).

    to_parents: what hands a node's gradient to its inputs, `_to_parents` or a tracer's wrapper of it (a profiler's,
    which times each node): with a wrapper every node goes through it, none the short way below.
    """
    anomaly = ANOMALY.enabled
    later_class = Aside
    latest_inplace = INPLACE.latest  # nodes recorded after the latest in-place change need no version check
    complex_values = COMPLEX_VALUES_EXIST[0]  # until the first complex Value, no gradient needs conjugating
    visit, log = visited.append, undo.append
    ndarray, scattered, sparse, grad_array = np.ndarray, ScatteredGradient, SparseArray, GradArray
    add_later = later.append
    passed_through = set()  # leaves that a rule handed the very array it received
    if to_parents is None:
        to_parents = _to_parents
    # then nodes of 1-2 inputs take the short way
    plain = not create_graph and not anomaly and release is None and to_parents is _to_parents
    unreached, freed_empty = _UNREACHED, FREED_EMPTY
    value_grad, float_scalars = _VALUE_GRAD, _SCALAR_ONES
    values_grad = Value.__dict__["grad"]  # Value's .grad now: compile's recording's watched one while it records
    released = []  # leaves with hooks whose last gradient has arrived: taken next (see _leaves_to_release)
    needed = None  # in autograd.grad's pass, the ids of the nodes that lead to an input, once a node has hooks
    for node in (order if release is None else _release_first(order, released)):
        g = node._pending
        node._pending = None
        if g is unreached or g is None:  # no gradient reached it, or a leaf already released early
            if g is unreached and node._hooks and (wanted is None or id(node) in (needed or (
                    needed := needed_by(order, wanted)))):
                if later:  # (user code: it sees the .grad of the leaves accumulated so far)
                    _add_later(later, log)
                run_hooks_of_none(node)  # (PyTorch runs it all the same: its hooks get None)
            continue
        if g.__class__ is scattered:
            # A routed gradient (max pooling's) passes through ReLU still routed: the ReLU's node keeps it as its .grad
            # (made dense when read) and hands the next node the routing of g masked at the pooled size
            if plain and wanted is None and not node._hooks and node._op is not None and \
                    node._op.through_routing is not None and _through_routing(node, g, accumulate, retain_graph, visit,
                                                                             log, latest_inplace):
                continue
            g = g.dense()
        op = node._op
        # The pass carries the conjugate of PyTorch's gradient for complex data (ops/complex.py): hooks, autograd.grad
        # and .grad get PyTorch's, and the rules below the conjugate back.
        if complex_values:
            if g.__class__ is later_class:  # (its result's dtype decides; else the leaf's branch takes it)
                g = g.result()
                if g is None:
                    continue
            conjugated = g.dtype.kind == "c"
            if conjugated:
                g = conjugate_gradient(g)
        else:
            conjugated = False
        # (autograd.grad: PyTorch runs only the nodes from which a path leads to an input, and their hooks)
        if node._hooks and (wanted is None or id(node) in (needed or (needed := needed_by(order, wanted)))):
            if later:  # (user code: it sees the .grad of the leaves accumulated so far, as in PyTorch)
                _add_later(later, log)
            g = _run_hooks(node, g)
            if g.__class__ is _TakenOver:  # the node's hooks (grad_fn_hooks.py) changed or did the node's work
                visit(node)
                _taken_over(node, g, accumulate, retain_graph, wanted, captured, log, conjugated, create_graph,
                            anomaly, passed_through, release, released, to_parents)
                continue
        if wanted is not None and node in wanted:
            captured[node] = g
        if op is None:  # a leaf: a parameter, an input (older than every node that hands it a gradient)
            if g.__class__ is later_class:  # a weight's gradient made on a pool thread (`_gradient_aside`)
                g = g.result()
                if g is None:
                    continue
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
                    if (old.__class__ is ndarray or old.__class__ is grad_array) and (
                            own_grad or node.__class__.grad is values_grad) and not create_graph \
                            and g.__class__ is not sparse and old.flags.writeable:  # (0-d Values': NumPy scalars)
                        # PyTorch's AccumulateGrad adds into the .grad it finds (`variable_grad += new_grad`), so a
                        # reference held to it sees the sum. Added when the pass has succeeded (`_add_later`), as
                        # the add leaves nothing for `_undo` to restore; at once where user code may look first.
                        add_later((old, g))
                        visit(node)
                        if node._hooks:  # its post-accumulate hooks see the sum, as PyTorch's do
                            _add_later(later, log)
                            _run_post_accumulate_hooks(node)
                        continue
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
                    visit(node)  # (first: if a hook raises, `_undo` takes back the .grad just set)
                    _run_post_accumulate_hooks(node)
                    continue
            visit(node)
            continue
        if accumulate:  # a node of the graph: its .grad (retain_grad's) is the slot's, for reading only
            old = node._grad
            if old is not None:
                if old.__class__ is scattered:  # kept routed by an earlier pass (`_through_routing`)
                    old = old.dense()
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
            asides = op.aside_vjps
            for i, parent in enumerate(p1):
                if not parent._requires_grad:
                    continue
                if asides is not None and asides[i] and parent._op is None and parent._pending is unreached \
                        and not parent._hooks and p1[0]._op is not None and p1[0]._requires_grad \
                        and wanted is None:
                    # a leaf's first gradient (needed when the pass reaches the leaf) while the pass goes on below
                    # the node (through its first input: a layer's x); the leaf takes it before anything reads it
                    # (no hooks, no autograd.grad asking for it)
                    aside = _gradient_aside(vjps[i], g, out, xs, params, op, i)
                    if aside is not None:
                        parent._pending = aside
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


def _through_routing(node, g, accumulate, retain_graph, visit, log, latest_inplace):
    """A node's step in `_chain_rule` for g a ScatteredGradient that the node's rule passes on still scattered
    (`Primitive.through_routing`: ReLU's, for max pooling's routed gradient). Returns False, having done nothing,
    where the rule declines or the node's .grad already holds a gradient (a later pass: the usual way adds arrays).
    The node keeps g as its .grad with a copy of g's values (the pooling node's .grad, which a user may change in
    place): `Value.grad` makes it dense when it is read."""
    routed = node._op.through_routing(g, node.data)
    if routed is None or accumulate and node._grad is not None:
        return False
    if accumulate:
        node._grad = ScatteredGradient(g.values.copy(), g.index, g.shape)
    visit(node)
    if node._index < latest_inplace:
        check_saved_versions(node)
    p0 = node._p0
    if p0._requires_grad:
        prev = p0._pending
        p0._pending = routed if prev is _UNREACHED else prev + routed
    if not retain_graph:
        _free_saved(node, log)
    return True


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
            if old.__class__ is ScatteredGradient:  # kept routed by an earlier pass (`_through_routing`)
                old = old.dense()
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


def _gradient_aside(rule, g, out, xs, params, op, i):
    """Input i's gradient by `rule` (one of a primitive's `aside_vjps`: a layer's weight's), computed on a pool thread
    while the pass goes on (threads.run_aside), or here where that has been the faster way at these sizes, and fitted
    to the input as the pass fits results: an `Aside` for the leaf's `_pending`, whose result the pass takes when it
    reaches the leaf. None where it is not worth a thread (g under ASIDE_FROM elements, or not a dense array) or one
    thread is allowed: the pass then calls the rule itself. The same bits either way (the same call on the same
    arrays, added up in the same order)."""
    if g.__class__ is not np.ndarray or g.size < ASIDE_FROM:
        return None
    x = xs[i]

    def gradient():
        gp = rule(g, out, *xs) if params is None else rule(g, out, *xs, **params)
        if gp is not None and (gp.__class__ is not x.__class__ or gp.__class__ is np.ndarray) and (
                gp.shape != x.shape or (gp.dtype is not x.dtype and gp.dtype != x.dtype)):
            gp = _fit(gp, x, op, i)
        return gp

    return run_aside(gradient, ("aside", op.name, i, g.shape, x.shape))


# Elements of g from which a weight's gradient may be set aside: handing it over costs ~20-100 µs; W3's second
# convolution (g of 200,704 elements) spends ~0.75 ms in it.
ASIDE_FROM = 100_000


def _add_later(later, log=None):
    """Add each new gradient g into the existing .grad array `old` of its leaf, in place, for (old, g) in `later` (in
    the pass's order), and empty `later`. PyTorch's AccumulateGrad does so without create_graph: an earlier reference
    to `.grad` sees the sum, and `w.grad is g` stays True. `log`: the undo log's append, given while the pass may
    still fail (before user code runs: hooks, callbacks): each array's contents are then kept for `_undo` first.
    Without it (the pass has succeeded) nothing is kept, so the common accumulation costs one add per leaf and no new
    array; a Ctrl-C landing between these adds is the one interruption that leaves some of them made."""
    for old, g in later:
        if log is not None:
            log(("refill", old, old.copy()))
        old += g
    later.clear()


def _undo(roots, order, visited, undo, accumulate, retain_graph):
    """After a failed pass: drop the pending gradients, and give back the `.grad`s and parameters it replaced."""
    for node in (*roots, *order):
        if node._pending.__class__ is Aside:
            node._pending.wait()  # (its pool thread is free again only then)
        node._pending = None
    for node in visited:
        node._pending = None
        if accumulate:
            node.grad = None
        if not retain_graph and node._params is FREED_EMPTY:
            node._params = None
    for what, node, old in reversed(undo):  # (latest first: an array added into twice is refilled last as it was)
        if what == "grad":
            node.grad = old
        elif what == "refill":  # an existing .grad added into in place (`_add_later`): its contents put back
            np.copyto(node, old)
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
                gp = lazy_vjp(g, out, xs[0], **params)
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
