"""A Value's hooks: the handles `register_hook` returns, the registries the backward pass reads (HOOK_HANDLES,
HOOKED_LEAVES), the post-accumulate hooks, and Value's methods that register them (copied onto Value:
method_families.py). autograd_core.value keeps `PostAccumulateHook` importable: a pickled Value holding one names it
there."""

from __future__ import annotations

import weakref

from .hook_handles import RemovableHandle
from .method_families import attach_methods
from .value import Value


class _IdentitySet:
    """Objects held weakly and compared by identity. (A WeakSet compares its members with ==, which on
    Values is elementwise.)"""

    def __init__(self):
        self._refs = {}  # id -> weak reference

    def add(self, obj):
        key = id(obj)
        if key not in self._refs:
            refs = self._refs
            self._refs[key] = weakref.ref(obj, lambda ref: refs.pop(key) if refs.get(key) is ref else None)

    def discard(self, obj):
        ref = self._refs.get(id(obj))
        if ref is not None and ref() is obj:
            del self._refs[id(obj)]

    def __contains__(self, obj):
        ref = self._refs.get(id(obj))
        return ref is not None and ref() is obj

    def __len__(self):
        return len(self._refs)


HOOK_HANDLES = weakref.WeakValueDictionary()  # handle id -> a Value's hook handle still referenced (_HookHandle)
HOOKED_LEAVES = _IdentitySet()  # leaves with a gradient hook (see backward_hooks._leaves_to_release)


class PostAccumulateHook:
    """A hook that `register_post_accumulate_grad_hook` keeps among a leaf's hooks: the backward pass calls
    fn(leaf) after adding to `.grad`, not with the gradient before it (engine.`_run_hooks` passes it by)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


class _HookHandle(RemovableHandle):
    """What `register_hook` returns: a RemovableHandle whose remove() also forgets a leaf left without hooks."""

    def __init__(self, value):
        self.id = self._take_id()
        self._value = weakref.ref(value)  # weak, as PyTorch's: a handle keeps no Value alive
        self.extra_dict_ref = ()
        HOOK_HANDLES[self.id] = self  # (found again when an in-place change moves its hook: backward_hooks.py)

    def hooks_dict_ref(self):
        """The Value's hooks dict, or None (PyTorch's attribute: a weak reference to it). Looked up each time: the
        Value's dict is replaced when its hooks are released."""
        value = self._value()
        return None if value is None else value._hooks

    def remove(self):
        value = self._value()
        if value is not None and value._hooks:
            value._hooks.pop(self.id, None)
            if not value._hooks:
                HOOKED_LEAVES.discard(value)


class _Hooks:
    """Value's hook methods, written apart (copied onto Value below)."""

    @property
    def _backward_hooks(self):
        """PyTorch's private `tensor._backward_hooks`, which torch.utils.hooks.warn_if_has_hooks reads: handle id ->
        gradient hook (register_hook's; not the post-accumulate ones, nor those of its grad_fn), or None when there is
        none. A copy."""
        from .grad_fn_hooks import NodeHook

        hooks = {key: hook for key, hook in (self._hooks or {}).items()
                 if not isinstance(hook, (PostAccumulateHook, NodeHook))}
        return hooks or None

    def register_hook(self, hook):
        """Call hook(grad) whenever the backward pass computes this Value's gradient.

        The gradient is the whole of this pass's (not yet added to `.grad`). On a leaf the hook runs as
        soon as that gradient is complete, while the pass goes on below (as in PyTorch; data-parallel
        training starts sending gradients from there).

        If hook returns something other than None, it replaces the gradient (same shape). Returns a
        handle whose `.remove()` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient (register_hook: this "
                               "Value does not require a gradient)")
        handle = self._add_hook(hook)
        if self._op is not None:  # an output of PyTorch's node of several outputs: hook(None) when it gets none
            from .grad_fn_hooks import watch_output

            watch_output(self)
        return handle

    def _add_hook(self, hook):
        """Keep `hook` among this Value's hooks; returns the handle that removes it."""
        if self._hooks is None:
            self._hooks = {}
        handle = _HookHandle(self)
        self._hooks[handle.id] = hook
        if self._op is None:
            HOOKED_LEAVES.add(self)  # the backward pass runs its hooks as soon as its gradient is complete
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) after a backward pass has added this leaf's gradient to its `.grad` (PyTorch's hook for
        updating a parameter as soon as its gradient is complete, e.g. an optimizer step inside backward).

        Leaves only; hook's return value is ignored; `autograd_core.grad(...)`, which leaves `.grad` alone, does not
        call it. Returns a handle whose `.remove()` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient "
                               "(register_post_accumulate_grad_hook: this Value does not require a gradient)")
        if self._op is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks cannot be "
                               "registered on non-leaf Values (their gradient is not accumulated)")
        return self._add_hook(PostAccumulateHook(hook))


attach_methods(_Hooks, Value)
