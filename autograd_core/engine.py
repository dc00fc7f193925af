"""The backward pass: the chain rule run backwards over the nodes that recording.py records.

This file knows no calculus. Each node's primitive (see `ops/primitive.py`) brings one vector-Jacobian rule per
input; the backward pass (`run_backward`, behind `backward()` and `grad()`) visits the nodes from the output down in
reverse creation order (a topological order: a node is always younger than its inputs), calls each edge's rule, fits
the result to the input's shape and dtype, and adds it up into `.grad`; a pass that raises half way is undone, so it
leaves no partial gradient behind.

`run_backward` puts a pass together from parts in files of their own: the gradient each root starts from
(backward_seeds.py), the order of the nodes (backward_order.py), each node's step (chain_rule.py), what a node sends
down each edge (backward_edges.py), and what a pass changes and a failed one takes back (backward_undo.py). The rest of
the machinery is beside it: running and recording every operation (`apply`) in recording.py; the hooks a pass runs,
and what a hook may ask of the pass running now (`queue_callback`), in backward_hooks.py. The names code imports from
this module (`apply`, `queue_callback`, grad mode's, `toposort`) are re-exported here. docs/architecture.md describes
the parts; grad mode and scopes (per thread) are in modes.py.
"""

from __future__ import annotations

import gc

import numpy as np

from .errors import ShapeError, describe  # noqa: F401  (ShapeError: re-exported)
from .modes import (  # noqa: F401  (re-exported: the engine's public names)
    ANOMALY, GRAD_ENABLED, INPLACE, SCOPE, TRACERS, Scope, current_scope, enable_grad, enter_scope, exit_scope,
    is_grad_enabled, name_scope, no_grad, set_grad_enabled,
)
from .python_numbers import COMPLEX_VALUES_EXIST  # noqa: F401  (re-exported, as the names below)
from .value import Value  # noqa: F401  (value.py imports this module at its end)
from .value_hooks import HOOKED_LEAVES  # noqa: F401
from .grad_array import GradArray  # noqa: F401
from .version_check import check_saved_versions  # noqa: F401
from .scattered_gradient import ScatteredGradient  # noqa: F401
from .threads import Aside  # noqa: F401
from .sparse_array import SparseArray, SparseLayoutError  # noqa: F401
from .float_errors import restore, silence
from .recording import apply, apply_binary, apply_unary  # noqa: F401  (re-exported: where code has imported them)
from .backward_hooks import (  # noqa: F401  (accumulating_pass, queue_callback: re-exported)
    _PASSES, _Pass, _TakenOver, _leaves_to_release, _run_hooks, _run_post_accumulate_hooks, accumulating_pass,
    needed_by, queue_callback, run_hooks_of_none,
)
from .backward_seeds import _seed_gradient, conjugate_gradient  # noqa: F401  (conjugate_gradient: re-exported)
from .backward_order import _in_backward_order, toposort  # noqa: F401  (toposort: re-exported)
from .backward_edges import _to_parents, _unbroadcast, pass_gradient  # noqa: F401  (pass_gradient: re-exported)
from .backward_undo import FREED_EMPTY, FREED_PARAMS, _add_later, _Freed, _undo  # noqa: F401
from .chain_rule import _chain_rule

_tracers = TRACERS.get  # a profiler watches a backward pass through this (tracing.py)

watched_to_parents = None  # set by tracing.py: `_to_parents` as the tracers watching a backward pass want it


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
    this_pass = _Pass(accumulate, wanted)
    callbacks = this_pass.callbacks
    passes = _PASSES.stack  # this thread's (read once: a thread-local's attribute costs a lookup each time)
    passes.append(this_pass)
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
        passes.pop()
        GRAD_ENABLED.set(grad_was_enabled)
        if gc_was_enabled:
            gc.enable()
    if inputs is None:
        return None
    return [captured.get(v) for v in inputs]


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
