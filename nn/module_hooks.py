"""Module hooks: forward pre-hooks and hooks, PyTorch's full backward (pre-)hooks (`_BackwardHooks`, the identity
nodes that watch a module's inputs and outputs), the handles their registrations return, and the live views PyTorch's
private `_forward_hooks` and the like give of them.

Apart from module.py, which holds `Module`'s registration, walking and printing, because hooks are one mechanism of
their own: a module without hooks is called the plain way and needs none of this. `Module`'s hook methods are written
in a class body here, word for word as they were in its body, and copied onto it (module.py imports this module at its
end).
"""

from __future__ import annotations

import collections.abc
import functools
import warnings

import numpy as np

from autograd_core import Value, is_grad_enabled
from autograd_core.hook_handles import RemovableHandle
from autograd_core.method_families import attach_methods
from autograd_core.backward_hooks import queue_callback
from autograd_core.recording import apply
from autograd_core.ops.primitive import PRIMITIVES, Primitive

from .module import Module


class HookHandle(RemovableHandle):
    """What `register_forward_hook` and the other module hook registrations return: a `torch.utils.hooks.
    RemovableHandle` whose `remove()` takes the hook off (also as a context manager's exit), and lets calls take the
    plain path again when the module has no hook left."""

    def __init__(self, module, kind):
        self.id, self._module, self._kind = self._take_id(), module, kind
        self.extra_dict_ref = ()

    def hooks_dict_ref(self):
        """The dict of this kind of the module's hooks, or None (PyTorch's attribute: a weak reference to it)."""
        hooks = self._module._module_hooks
        return None if hooks is None else hooks[self._kind]

    def remove(self):
        _remove_hook(self._module, self._kind, self.id)


# The method that registers each kind of module hook (the keys of Module._module_hooks)
_REGISTRATION = {"pre": "register_forward_pre_hook", "post": "register_forward_hook",
                 "backward_pre": "register_full_backward_pre_hook", "backward": "register_full_backward_hook"}


def _remove_hook(module, kind, key):
    """Take the hook registered under `key` off; when none is left, calls take the plain path again."""
    hooks = module._module_hooks
    if hooks is not None:
        hooks[kind].pop(key, None)
        if not any(hooks.values()):
            object.__delattr__(module, "_module_hooks")


class _HookView(collections.abc.MutableMapping):
    """PyTorch's private `module._forward_pre_hooks`, `_forward_hooks`, `_backward_pre_hooks` and `_backward_hooks`,
    which code such as PyTorch's pruning tutorial reads: hook id -> hook, a live view of one kind of the module's
    hooks. `del view[id]` and `view.clear()` take hooks off; the `register_*_hook` methods add them."""

    def __init__(self, module, kind):
        self._module, self._kind = module, kind

    def _hooks(self):
        hooks = self._module._module_hooks
        return {} if hooks is None else hooks[self._kind]

    def __getitem__(self, key):
        return self._hooks()[key][0]

    def __iter__(self):
        return iter(list(self._hooks()))

    def __len__(self):
        return len(self._hooks())

    def __setitem__(self, key, hook):
        raise TypeError(f"hooks are added with module.{_REGISTRATION[self._kind]}(hook), not by assignment")

    def __delitem__(self, key):
        if key not in self._hooks():
            raise KeyError(key)
        _remove_hook(self._module, self._kind, key)

    def __repr__(self):
        return f"OrderedDict({dict(self.items())!r})"


class _BackwardHooks:
    """One call of a module with backward hooks: identity nodes on its inputs and outputs whose tensor hooks
    collect grad_output and grad_input and run the module's hooks, PyTorch's "full" backward hooks."""

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.input_grads, self.output_grads = [], []
        self.inputs, self.outputs = 0, 0  # how many of each require grad

    def _start_pass(self):
        """The state of one backward pass (a graph kept with retain_graph=True may be run again)."""
        self.waiting_inputs, self.waiting_outputs = self.inputs, self.outputs
        self.input_grads = [None] * len(self.input_grads)
        self.output_grads = [None] * len(self.output_grads)
        self.queued = self.pre_done = self.done = False

    def watch_inputs(self, args):
        """args with each positional Value that requires grad replaced by an identity node watched by a hook."""
        positions = [i for i, a in enumerate(args) if isinstance(a, Value)]
        self.input_grads = [None] * len(positions)
        args = list(args)
        for slot, i in enumerate(positions):
            if args[i].requires_grad:
                args[i] = _watched(args[i], functools.partial(self._input_grad, slot))
                self.inputs += 1
        return tuple(args)

    def watch_outputs(self, output):
        """The output with each Value that requires grad watched: the output itself, or the Values directly in an
        output tuple; grad_output has an entry for each item of the tuple (as PyTorch's: an LSTM's (out, (h, c))
        gives (gradient of out, None))."""
        single = isinstance(output, Value)
        items = [output] if single else list(output) if isinstance(output, tuple) else []
        for slot, x in enumerate(items):
            if isinstance(x, Value) and x.requires_grad:
                items[slot] = _watched(x, functools.partial(self._output_grad, slot))
                self.outputs += 1
        self.output_grads = [None] * len(items)
        self._start_pass()  # the call is recorded: ready for the first pass
        if single:
            return items[0]
        if not self.outputs:
            return output
        return type(output)(*items) if hasattr(output, "_fields") else type(output)(items)

    def _output_grad(self, slot, g):
        self._queue_finish()
        self.output_grads[slot] = g
        self.waiting_outputs -= 1
        if self.waiting_outputs == 0 or len(self.output_grads) == 1:
            g = self._run_pre_hooks(slot, g)
            if not self.waiting_inputs:  # nothing below needs a gradient: grad_input is all None
                self._run_hooks(None, None)
        return g

    def _input_grad(self, slot, g):
        self._queue_finish()
        self._run_pre_hooks(None, None)  # an output that got no gradient: the pre-hooks run now
        self.input_grads[slot] = g
        self.waiting_inputs -= 1
        if self.waiting_inputs == 0:
            g = self._run_hooks(slot, g)
        return g

    def _queue_finish(self):
        if not self.queued:
            self.queued = True
            queue_callback(self._finish)

    def _finish(self):
        """At the end of the pass: the hooks that were waiting for a gradient that never came; then ready for
        another pass through the same graph."""
        self._run_pre_hooks(None, None)
        self._run_hooks(None, None)
        self._start_pass()

    def _run_pre_hooks(self, slot, g):
        if self.pre_done:
            return g
        self.pre_done = True
        for hook, _, _ in list(self.hooks["backward_pre"].values()):
            result = hook(self.module, tuple(self.output_grads))
            if result is not None:
                g = self._replace("register_full_backward_pre_hook", self.output_grads, result, slot, g)
        return g

    def _run_hooks(self, slot, g):
        if self.done:
            return g
        self.done = True
        for hook, _, _ in list(self.hooks["backward"].values()):
            result = hook(self.module, tuple(self.input_grads), tuple(self.output_grads))
            if result is not None:
                g = self._replace("register_full_backward_hook", self.input_grads, result, slot, g)
        return g

    @staticmethod
    def _replace(registration, grads, result, slot, g):
        """grads (a list) updated to a hook's returned tuple; the gradient at `slot` as it goes on. Only that one can
        still change: the others went on before (or none is flowing when slot is None)."""
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(result) != len(grads):
            raise RuntimeError(f"{registration}: the hook returned {len(result)} gradients, expected {len(grads)}")
        for i, (old, new) in enumerate(zip(grads, result)):
            if i != slot and new is not old:
                raise RuntimeError(
                    f"{registration}: the hook replaced a gradient that already went on (entry {i}); here a hook "
                    "can replace only the gradient whose arrival ran it (a module with one input and one output)")
        grads[:] = result
        return g if slot is None else result[slot]


def _watched(x, hook):
    """An identity node on x (same numbers, gradient passed through) with `hook` on its gradient."""
    node = apply(_BACKWARD_HOOK, (x,))
    node.register_hook(hook)
    return node


# The identity where a module's backward hooks watch a gradient (PyTorch's BackwardHookFunction): a node of its own
# name, so that a picture of the graph says what it is. Not one of the catalogue's operations (PRIMITIVES).
_BACKWARD_HOOK = Primitive("backward_hook", lambda x: x.view() if isinstance(x, np.ndarray) else x,
                           title="backward_hook")
PRIMITIVES.pop("backward_hook")
_BACKWARD_HOOK.views = True  # the output's array is a view of the input's: they share a version counter
_BACKWARD_HOOK.defvjp(lambda g, out, x: g, formulas=("g",))
_BACKWARD_HOOK.defjvp(lambda t, out, x: t)


class _Hooks:
    # ------------------------------------------------------------------------------------------------
    # Forward hooks (PyTorch's): look at or replace a module's inputs and output, e.g. to keep activations.

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call hook(module, args) before each forward (hook(module, args, kwargs) with with_kwargs=True). It may
        return None, new args (a tuple, or one value), or with with_kwargs a pair (args, kwargs). Returns a handle
        whose `remove()` takes the hook off. prepend: run it before the hooks already registered (after, by
        default). A compiled function that calls a hooked module runs eagerly."""
        return self._add_hook("pre", hook, with_kwargs, prepend)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call hook(module, args, output) after each forward (hook(module, args, kwargs, output) with
        with_kwargs=True); a return value other than None replaces the output. Returns a handle whose `remove()`
        takes the hook off. Hooks run in the order they were registered (prepend: this one first). always_call:
        also run it, with output None, when forward raises (its own exception is then a warning; forward's is
        raised), as PyTorch's."""
        return self._add_hook("post", hook, with_kwargs, prepend, always_call)

    def register_full_backward_pre_hook(self, hook, *, prepend=False):
        """Call hook(module, grad_output) when the backward pass reaches the module's output, before it goes into
        the module: grad_output is a tuple with the gradient of each output Value (GradArrays; None for an output
        that got none). It may return a tuple that replaces grad_output. Returns a handle whose `remove()` takes
        the hook off. Registered while gradients are recorded; see `register_full_backward_hook` for modules with
        several outputs."""
        return self._add_hook("backward_pre", hook, False, prepend)

    def register_full_backward_hook(self, hook, *, prepend=False):
        """Call hook(module, grad_input, grad_output) once the backward pass has computed the gradients with
        respect to the module's inputs: grad_input has one entry per positional Value argument of the call (None
        where it needs no gradient; keyword arguments and other objects are not listed), grad_output one per output
        Value, as PyTorch's. It may return a tuple that replaces grad_input (its gradients go on to the inputs).
        Returns a handle whose `remove()` takes the hook off.

        When the module's inputs need no gradient (a first layer), the hook runs when its output's gradient is
        complete, with grad_input all None. With several inputs (or outputs), the hook runs when the last of
        them has its gradient (at the end of the pass if one never gets any); a replacement can then change only
        that last gradient, and a hook that returns others raises. A compiled function that calls a hooked module
        runs eagerly."""
        return self._add_hook("backward", hook, False, prepend)

    def register_backward_hook(self, hook):
        """PyTorch's deprecated module backward hook (old Grad-CAM and guided-backpropagation code): here
        `register_full_backward_hook(hook)`. grad_output is the same as PyTorch's; grad_input holds the gradients
        of the module's inputs, which is what PyTorch's old hook gives for a module of one operation (ReLU, the
        guided-backpropagation case), while for a module of several (Linear, Conv2d) it gives those of the last
        operation's inputs (weight and bias included), which PyTorch itself warns about."""
        return self._add_hook("backward", hook, False)

    _forward_pre_hooks = property(lambda self: _HookView(self, "pre"), doc="id -> forward pre-hook (PyTorch's name).")
    _forward_hooks = property(lambda self: _HookView(self, "post"), doc="id -> forward hook (PyTorch's name).")
    _backward_pre_hooks = property(lambda self: _HookView(self, "backward_pre"),
                                   doc="id -> full backward pre-hook (PyTorch's name).")
    _backward_hooks = property(lambda self: _HookView(self, "backward"),
                               doc="id -> full backward hook (PyTorch's name).")
    def _add_hook(self, kind, hook, with_kwargs, prepend=False, always_call=False):
        if not callable(hook):
            raise TypeError(f"{_REGISTRATION[kind]}: expected a callable, got {type(hook).__name__}")
        hooks = self._module_hooks
        if hooks is None:
            hooks = {kind: {} for kind in _REGISTRATION}
            object.__setattr__(self, "_module_hooks", hooks)  # not a child: Module.__setattr__ would name it
        handle = HookHandle(self, kind)
        hooks[kind][handle.id] = (hook, bool(with_kwargs), bool(always_call))
        if prepend:  # dicts keep insertion order: put this one first
            hooks[kind] = {handle.id: hooks[kind].pop(handle.id), **hooks[kind]}
        return handle

    def _call_with_hooks(self, args, kwargs):
        from autograd_core.jit import not_replayable

        hooks = self._module_hooks
        kinds = "forward" if hooks["pre"] or hooks["post"] else "backward"
        not_replayable(f"{type(self).__name__} has {kinds} hooks, Python that a replay would not run")
        backward = None
        if (hooks["backward"] or hooks["backward_pre"]) and is_grad_enabled():
            backward = _BackwardHooks(self, hooks)
        for hook, with_kwargs, _ in list(hooks["pre"].values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
                    args = args if isinstance(args, tuple) else (args,)
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if backward is not None:
            args = backward.watch_inputs(args)
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            for hook, with_kwargs, always_call in list(hooks["post"].values()):
                if always_call:
                    try:
                        hook(self, args, kwargs, None) if with_kwargs else hook(self, args, None)
                    except Exception as err:
                        warnings.warn(f"forward hook with always_call=True raised an exception that was ignored: "
                                      f"{err!r}", UserWarning, stacklevel=2)
            raise
        for hook, with_kwargs, _ in list(hooks["post"].values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if backward is not None:
            output = backward.watch_outputs(output)
        return output


attach_methods(_Hooks, Module)
