"""The chain rule over the nodes of a backward pass, youngest first (`_chain_rule`: the loop every backward runs): each
node's hooks, its gradient added up into `.grad`, handed to the rules of its edges (the commonest nodes' steps written
out here; backward_edges.py's `_to_parents` the general way), its saved parameters freed. Beside it a node's rarer
steps: a routed gradient that passes through it still routed (`_through_routing`), and a node whose hooks took over its
work (`_taken_over`). The names the loop reads are this module's globals, imported one by one.
"""

from __future__ import annotations

import operator

import numpy as np

from .modes import ANOMALY, INPLACE
from .python_numbers import COMPLEX_VALUES_EXIST
from .value import Value
from .grad_array import GradArray
from .version_check import check_saved_versions
from .scattered_gradient import ScatteredGradient
from .threads import Aside
from .sparse_array import SparseArray, SparseLayoutError
from .backward_hooks import _TakenOver, _run_hooks, _run_post_accumulate_hooks, needed_by, run_hooks_of_none
from .backward_order import _UNREACHED, _release_first
from .backward_seeds import _SCALAR_ONES, conjugate_gradient
from .backward_edges import _fit, _gradient_aside, _on_dense_or_raise, _to_parents, pass_gradient
from .backward_undo import FREED_EMPTY, _Freed, _add_later, _free_saved

_VALUE_GRAD = Value.__dict__["grad"]  # Value's .grad property (see _chain_rule)
_data_of = operator.attrgetter("data")


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
