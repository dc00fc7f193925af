"""Hooks on PyTorch's one node of several outputs (`U.grad_fn.register_hook(...)` after svd, std_mean, split, ...),
with PyTorch's semantics although this library records one node per output (one_node.outputs_of_one_node):

    s, m = torch.std_mean(x, 1)
    s.grad_fn.register_prehook(lambda grad_outputs: ...)           # (grad of s, grad of m): None for one unused
    s.grad_fn.register_hook(lambda grad_inputs, grad_outputs: ...)  # grad_inputs: (grad of x,)

A prehook gets grad_outputs, one per output (None for an output that got no gradient); a hook gets (grad_inputs,
grad_outputs) once the node's work is done, grad_inputs one per input of PyTorch's node (`next_functions`' order).
Either may return a tuple of the same length that replaces what it got. Each runs once per backward pass, when the
pass reaches the first of the outputs that received a gradient: every output's gradient is complete then, as every
consumer of an output is younger than all the outputs.

How it is done: each output carries one Value hook of the group (`_fire`). It reads the other outputs' gradients from
the pass (their `_pending`), runs the prehooks and writes the replacements back there. grad_inputs is computed by
running the rules of the nodes between the outputs and the node's inputs (`_node_vjp`: the nodes the call recorded,
younger than its inputs); the pass itself still does that work, so an observing hook changes no number. A hook that
replaces grad_inputs (or a prehook that drops the gradient of the output being taken) takes the node's work over:
the outputs' gradients are dropped (engine.DROP_GRADIENT) and grad_inputs goes to the inputs.

Limits: a Value hook registered on an output after the node's hook runs after the node's prehooks (PyTorch runs
every output's tensor hooks first); hooks of this kind refuse create_graph=True.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .hook_handles import RemovableHandle


class _GroupHooks:
    """The hooks of one node of several outputs: prehooks and hooks by handle id, the Value hook on each output
    (handles to remove them), and the pass in which they last ran (once per pass)."""

    __slots__ = ("prehooks", "hooks", "value_handles", "ran_in")

    def __init__(self):
        self.prehooks, self.hooks, self.value_handles, self.ran_in = OrderedDict(), OrderedDict(), [], None


class _GroupHookHandle(RemovableHandle):
    """register_hook's handle on a node of several outputs: remove() takes the hook off, and the Value hooks on the
    outputs when no hook is left."""

    def __init__(self, hooks_dict, group):
        super().__init__(hooks_dict)
        self._group = group

    def remove(self):
        super().remove()
        state = getattr(self._group, "hooks", None)
        if state is not None and not state.prehooks and not state.hooks:
            for handle in state.value_handles:
                handle.remove()
            self._group.hooks = None


def register(fn, group, kind):
    """Register fn (kind "prehooks" or "hooks") on the node whose outputs are `group` (one_node.Outputs)."""
    if not callable(fn):
        raise TypeError(f"register_{'prehook' if kind == 'prehooks' else 'hook'}: the hook must be callable")
    state = group.hooks
    if state is None:
        state = group.hooks = _GroupHooks()
        for position, output in _members(group):
            if output is not None:
                state.value_handles.append(output._add_hook(_fire(group, position)))
    hooks = getattr(state, kind)
    handle = _GroupHookHandle(hooks, group)
    hooks[handle.id] = fn
    return handle


def _members(group):
    """(position, output Value or None) for each output of the node: None for one gone, without a gradient, or
    changed in place since (another node then)."""
    from .one_node import output_of

    members = []
    for position, ref in enumerate(group.members):
        output = None if ref is None else ref()
        if output is not None and output_of(output) != (group, position):
            output = None
        members.append((position, output))
    return members


def _hook_name(fn):
    return getattr(fn, "__name__", repr(fn))


def _checked_tuple(fn, result, expected):
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != expected:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of values (got {len(result)}, "
                           f"but expected {expected})")
    return result


def _as_array(fn, replaced, like):
    """A hook's replacement for a gradient of Value `like`: its numbers as an array of like's dtype and shape."""
    from .grad_array import GradArray
    from .value import Value

    if isinstance(replaced, Value):
        replaced = replaced.data
    if replaced.__class__ is GradArray:
        replaced = replaced.view(np.ndarray)
    replaced = np.asarray(replaced)
    if replaced.shape != like.data.shape:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value (was {tuple(like.data.shape)}, "
                           f"got {tuple(replaced.shape)})")
    if replaced.dtype != like.data.dtype:
        replaced = replaced.astype(like.data.dtype)
    return replaced


def _shown(g):
    """A gradient as hooks see it (a GradArray view, as a Value hook's)."""
    from .grad_array import GradArray

    return g.view(GradArray) if g.__class__ is np.ndarray and g.ndim else g


def _fire(group, position):
    """The Value hook on output `position`: runs the node's hooks the first time the pass reaches an output."""

    def fire(g):
        from . import engine
        from .value import Value

        state = group.hooks
        passes = engine._PASSES.stack
        if state is None or not passes or state.ran_in is passes[-1]:
            return None  # already run in this pass: this output's gradient was set then
        state.ran_in = passes[-1]
        if isinstance(g, Value):
            raise RuntimeError("hooks on a node of several outputs (grad_fn.register_hook / register_prehook) are not "
                               "supported with create_graph=True here; use a hook on each output Value")
        members = _members(group)
        complex_pass = engine.COMPLEX_VALUES_EXIST[0]
        conj = engine.conjugate_gradient

        def pending(output):  # an output's gradient so far in this pass, as PyTorch's (None: none)
            p = output._pending
            if p is None or p is engine._UNREACHED:
                return None
            if p.__class__ is engine.ScatteredGradient:
                p = p.dense()
            return conj(p) if complex_pass and p.dtype.kind == "c" else p

        grad_outputs = tuple(g if q == position else None if out is None else pending(out) for q, out in members)
        grad_outputs = tuple(None if x is None else _shown(x) for x in grad_outputs)
        for fn in list(state.prehooks.values()):
            result = fn(grad_outputs)
            if result is not None:
                result = _checked_tuple(fn, result, len(grad_outputs))
                for old, new in zip(grad_outputs, result):
                    if old is None and new is not None:
                        raise RuntimeError("can't replace a None gradient with a non-None value")
                grad_outputs = tuple(None if new is None else _shown(_as_array(fn, new, out))
                                     for new, (_, out) in zip(result, members))
        take_over = grad_outputs[position] is None
        grad_inputs = None
        if state.hooks:
            inputs = _node_inputs(members)
            grad_inputs = _node_vjp(members, grad_outputs, inputs, complex_pass)
            shown = tuple(None if x is None else _shown(x) for x in grad_inputs)
            for fn in list(state.hooks.values()):
                result = fn(shown, grad_outputs)
                if result is not None:
                    result = _checked_tuple(fn, result, len(shown))
                    shown = tuple(None if new is None or inputs[i] is None else _shown(_as_array(fn, new, inputs[i]))
                                  for i, new in enumerate(result))
                    take_over = True
            grad_inputs = shown
        # write back: the other outputs' gradients (the pass takes them later), this output's is returned
        for q, out in members:
            if q == position or out is None or out._pending is None:
                continue
            new = None if take_over else grad_outputs[q]
            if new is None:
                out._pending = engine._UNREACHED
            else:
                new = new.view(np.ndarray) if new.__class__ is not np.ndarray and isinstance(new, np.ndarray) else new
                out._pending = conj(new) if complex_pass and new.dtype.kind == "c" else new
        if not take_over:
            return grad_outputs[position]
        if grad_inputs is None:  # no hook: the other outputs go on as usual, this one sends nothing
            grad_inputs = _node_vjp(members, tuple(None if q == position else grad_outputs[q] for q, _ in members),
                                    _node_inputs(members), complex_pass)
        return _send_to_inputs(_node_inputs(members), grad_inputs)

    return fire


def replace_grad_inputs(fn, result, grad_inputs, inputs, g):
    """Hook `fn` of a node of one output returned `result` for its `grad_inputs` (one per Value of `inputs`; g: the
    node's gradient): the checked replacements go to the inputs, added to what the pass holds for them, and the
    node sends nothing itself (engine.DROP_GRADIENT), as PyTorch's post-hook replaces grad_inputs."""
    from .value import Value

    if isinstance(g, Value):
        raise RuntimeError("grad_fn.register_hook: replacing grad_inputs is not supported with create_graph=True here; "
                           "use a hook on each input Value")
    result = _checked_tuple(fn, result, len(grad_inputs))
    for old, new in zip(grad_inputs, result):
        if old is None and new is not None:
            raise RuntimeError("can't replace a None gradient with a non-None value")
    # copies: the hook's arrays (or Values' data) stay the hook's; a leaf's .grad is an array of its own
    replaced = [None if new is None else _as_array(fn, new, x).copy() for new, x in zip(result, inputs)]
    return _send_to_inputs(inputs, replaced)  # (all checked before any is sent: a bad return changes no gradient)


def _send_to_inputs(inputs, grad_inputs):
    """Add each gradient of `grad_inputs` to what the pass holds for its Value of `inputs` (None on either side, or an
    input the pass does not reach: nothing), in the pass's convention (conjugated for complex data), and return
    engine.DROP_GRADIENT: the hook has done the node's work, the node sends nothing itself."""
    from . import engine

    complex_pass = engine.COMPLEX_VALUES_EXIST[0]
    for x, gx in zip(inputs, grad_inputs):
        if x is None or gx is None or x._pending is None:
            continue
        gx = gx.view(np.ndarray) if gx.__class__ is not np.ndarray and isinstance(gx, np.ndarray) else gx
        if complex_pass and gx.dtype.kind == "c":
            gx = engine.conjugate_gradient(gx)
        x._pending = gx if x._pending is engine._UNREACHED else x._pending + gx
    return engine.DROP_GRADIENT


def _node_inputs(members):
    """The inputs of PyTorch's node (None for a constant or one that needs no gradient), read off an output."""
    from .grad_fn import _inputs

    for _, out in members:
        if out is not None:
            return tuple(None if x is None or not x.requires_grad else x for x in _inputs(out))
    return ()


def _node_vjp(members, grad_outputs, inputs, complex_pass):
    """PyTorch's node's grad_inputs for grad_outputs: the rules of the nodes its call recorded (younger than its
    inputs, below its outputs), youngest first, as the backward pass runs them. Arrays (None where none reaches)."""
    from . import engine

    limit = max((x._index for x in inputs if x is not None), default=-1)
    received, found = {}, {}

    def add(v, gv):
        key = id(v)
        received[key] = gv if key not in received else received[key] + gv

    stack = []
    for (_, out), go in zip(members, grad_outputs):
        if out is not None and go is not None:
            go = np.asarray(go).view(np.ndarray) if isinstance(go, np.ndarray) else go
            add(out, engine.conjugate_gradient(go) if complex_pass and go.dtype.kind == "c" else go)
            stack.append(out)
    while stack:  # the nodes of the call: younger than its inputs
        v = stack.pop()
        if id(v) in found or v._op is None or v._index <= limit:
            continue
        found[id(v)] = v
        stack.extend(p for p in v._parents if p.requires_grad)
    for node in sorted(found.values(), key=lambda v: v._index, reverse=True):
        gv = received.pop(id(node), None)
        if gv is None:
            continue
        if gv.__class__ is engine.ScatteredGradient:
            gv = gv.dense()
        params = node._params
        if params.__class__ is engine._Freed:
            if params.had_params:
                from .grad_fn import _FREED_MESSAGE

                raise RuntimeError(_FREED_MESSAGE)
            params = None
        xs = [p.data for p in node._parents]
        for i, parent in enumerate(node._parents):
            if not parent.requires_grad:
                continue
            rule = node._op.vjps[i]
            gp = rule(gv, node.data, *xs) if params is None else rule(gv, node.data, *xs, **params)
            if gp is None:
                continue
            pdata = parent.data
            if gp.__class__ is engine.ScatteredGradient or np.shape(gp) != np.shape(pdata) or gp.dtype != pdata.dtype:
                gp = engine._fit(gp, pdata, node._op, i)
            add(parent, gp)
    result = []
    for x in inputs:
        gx = None if x is None else received.get(id(x))
        if gx is not None and complex_pass and gx.dtype.kind == "c":
            gx = engine.conjugate_gradient(gx)
        result.append(gx)
    return tuple(result)
