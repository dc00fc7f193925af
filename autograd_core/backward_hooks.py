"""The hooks a backward pass runs, and what a hook may ask of the pass running now.

The pass (chain_rule.py's `_chain_rule`) hands a node that has hooks to `_run_hooks`: the Value's own
(`register_hook`'s, whose replacements are checked here against PyTorch's errors) and its grad_fn's (grad_fn_hooks.py,
whose step may take over the node's: `_TakenOver`); once a leaf's `.grad` is written, its post-accumulate hooks.
Each pass registers itself here (`_PASSES`), so that a hook can queue a callback for the pass's end (`queue_callback`)
or ask whether it writes `.grad` (`accumulating_pass`); and a leaf with a hook is released as soon as its last gradient
has arrived (`_leaves_to_release`), so its hook runs while the pass goes on.

Separate from the pass itself (engine.py, chain_rule.py): a graph without hooks runs none of this but a pass's
registration here, and the pass reaches it only through a node's `_hooks` slot and the leaves in
value_hooks.HOOKED_LEAVES.
"""

from __future__ import annotations

import sys
import threading
import weakref

import numpy as np

from .errors import ShapeError
from .value import Value
from .value_hooks import HOOK_HANDLES, HOOKED_LEAVES, PostAccumulateHook
from .sparse_array import SparseArray
from .grad_array import GradArray
from .grad_fn_hooks import NodeHook


def _run_hooks(node, g):
    """A node's gradient g (PyTorch's convention) after its hooks: the Value's own (register_hook's), and where its
    node has hooks (grad_fn's: a NodeHook among them), the node's step, which runs the Value's own first and may
    return a `_TakenOver` (grad_fn_hooks.py)."""
    for hook in node._hooks.values():
        if hook.__class__ is NodeHook:
            return hook.step(node, g)
    return run_tensor_hooks(node, g)


def run_hooks_of_none(node):
    """The hooks of a node that the pass found below its roots but that received no gradient (a rule, a prehook or a
    hook sent it none): called with None, as PyTorch runs every node of the graph, with undefined gradients where it
    got none: the Value's own hooks get None, its node's prehooks (None,) and hooks (None, ...) (grad_fn_hooks.py);
    a leaf's post-accumulate hooks run in a pass that adds to .grad (which stays as it was)."""
    for hook in node._hooks.values():
        if hook.__class__ is NodeHook:
            hook.step_of_none(node)
            return
    for hook in list(node._hooks.values()):
        if hook.__class__ is not PostAccumulateHook and hook(None) is not None:
            raise RuntimeError("can't replace a None gradient with a non-None value")
    if node._op is None and accumulating_pass():
        for hook in list(node._hooks.values()):
            if hook.__class__ is PostAccumulateHook:
                hook.fn(node)


def needed_by(order, wanted):
    """The ids of the nodes of `order` (a pass's, youngest first) from which a path leads to one of `wanted` (the
    inputs of autograd.grad): the nodes PyTorch's pass runs, and whose hooks it calls."""
    needed = set()
    for node in reversed(order):  # (parents before children)
        if node in wanted or any(id(p) in needed for p in node._parents):
            needed.add(id(node))
    return needed


def run_tensor_hooks(node, g):
    """g after the Value's own hooks (register_hook's), in their order of registration; each replacement is checked
    (PyTorch's errors for another shape or dtype). A replacement that something else still holds (the user's array,
    a Value's) is copied in a pass that writes .grad, as PyTorch's AccumulateGrad (and retain_grad) clone one: a later
    pass adds into a leaf's .grad in place, which must not change the user's array. So is g itself where a hook
    kept it (or a view of it) and returned None."""
    given = g
    held = _holders(g)  # (after `given`: the same references to g as at the check below, but the hooks')
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
    if g is not given and accumulating_pass():
        replaced = None  # (the loop's reference: only g's and _owned's own count below)
        g = _owned(g)
    elif held is not None and accumulating_pass():
        replaced = None  # (a hook that handed g back as it was: the loop's reference, not a holder)
        if _holders(g) != held:
            g = g.copy()  # a hook kept g (as the GradArray it was given, a slice, np.asarray of it): the user's now
    return g


def _holders(g):
    """The reference counts of the ndarray g and of the arrays its memory is a view of (what keeping g, or any view
    of it, raises); None for a gradient of another kind (a number, a Value, a sparse array: never added into in
    place)."""
    if g.__class__ is not np.ndarray:
        return None
    counts = []
    while isinstance(g, np.ndarray):
        counts.append(sys.getrefcount(g))
        g = g.base
    return counts


def _owned(g):
    """g, a hook's replacement, or a copy of it where anything but run_tensor_hooks's `g` refers to it (PyTorch's
    AccumulateGrad steals a new gradient only when nothing else does); a Value (create_graph) as a recorded clone."""
    if sys.getrefcount(g) <= 3:  # (run_tensor_hooks's g, this parameter, getrefcount's argument: a fresh result)
        return g
    if g.__class__ is np.ndarray:
        return g.copy()
    if isinstance(g, Value):
        return g.clone()
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
            if hook.fn(leaf) is not None:  # (PyTorch's refusal: what it returned would go nowhere)
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")
        elif hook.__class__ is NodeHook:
            node_hook = hook
    if node_hook is not None:
        node_hook.after_accumulate(leaf)


def move_to_old_version(value, old):
    """After an in-place change recorded on `value` (inplace_graph._record_in_place), with `old` the node standing for
    it as it was: the hooks registered until now (register_hook's, and its grad_fn's of one output) go with `old`, as
    PyTorch's stay with the grad_fn they were registered on: they see the gradient of the old contents (none if
    nothing reads them any more), those registered after the change the new one's. Their handles follow them. The
    hooks of a node of several outputs stay (its outputs refuse such changes but std_mean's, svd's, ...)."""
    hooks = value._hooks
    if not hooks:
        return
    moving = {key: hook for key, hook in hooks.items()
              if hook.__class__ is not PostAccumulateHook
              and not (hook.__class__ is NodeHook and hook.state.group is not None)}
    if not moving:
        return
    for key in moving:
        del hooks[key]
        handle = HOOK_HANDLES.get(key)
        if handle is not None:
            handle._value = weakref.ref(old)
    value._hooks = hooks or None
    old._hooks = moving


# ----------------------------------------------------------------------------------------------------
# Leaves with hooks, and callbacks at the end of the pass.
# Taking the youngest node first processes every leaf (parameters are older than the whole forward graph) only
# after all other nodes. A leaf with a hook is instead released after its last contribution, so its hook runs
# while the pass goes on: data-parallel training starts communicating that gradient meanwhile.


class _Pass:
    """A backward pass running in this thread: whether it adds to .grad (backward) or not (autograd_core.grad), the
    callbacks queued for its end, and the Values it computes gradients for (`wanted`: autograd.grad's inputs, a set;
    None for every leaf), with node hooks' memo of which Values lead to one of them (`leads`, grad_fn_hooks)."""

    __slots__ = ("accumulate", "callbacks", "wanted", "leads")

    def __init__(self, accumulate, wanted=None):
        self.accumulate, self.callbacks, self.wanted, self.leads = accumulate, [], wanted, None


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
