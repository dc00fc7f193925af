"""Optimizer hooks, as PyTorch's: functions called around `step()` (of one optimizer, or of every optimizer),
`state_dict()` and `load_state_dict()`.

    handle = opt.register_step_post_hook(lambda opt, args, kwargs: print("stepped"))
    ...
    handle.remove()

    step pre-hook:              hook(optimizer, args, kwargs) -> None, or (new_args, new_kwargs) for step
                                (args: step's, after the optimizer itself, as PyTorch's)
    step post-hook:             hook(optimizer, args, kwargs) -> None
    state_dict pre-hook:        hook(optimizer) -> None
    state_dict post-hook:       hook(optimizer, state_dict) -> None, or the state dict to return instead
    load_state_dict pre-hook:   hook(optimizer, state_dict) -> None, or the state dict to load instead
    load_state_dict post-hook:  hook(optimizer) -> None

Step pre-hooks run the global ones (`register_optimizer_step_pre_hook`) first, post-hooks the optimizer's own
first, as in PyTorch. Each register function returns a handle whose `remove()` takes the hook off.
"""

from __future__ import annotations

import collections
import functools

from autograd_core.hook_handles import RemovableHandle  # torch.utils.hooks.RemovableHandle

__all__ = ["register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_GLOBAL_STEP_PRE_HOOKS = collections.OrderedDict()
_GLOBAL_STEP_POST_HOOKS = collections.OrderedDict()


def add_hook(hooks, hook, prepend=False):
    """Put `hook` into the ordered dict `hooks` (first when prepend) and return its handle."""
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """Call hook(optimizer, args, kwargs) before the step of every optimizer (it may return new (args, kwargs))."""
    return add_hook(_GLOBAL_STEP_PRE_HOOKS, hook)


def register_optimizer_step_post_hook(hook):
    """Call hook(optimizer, args, kwargs) after the step of every optimizer."""
    return add_hook(_GLOBAL_STEP_POST_HOOKS, hook)


def with_step_hooks(step):
    """`step` (an optimizer's method) running the global and the optimizer's own step hooks around it."""

    @functools.wraps(step)
    def hooked_step(self, *args, **kwargs):
        own_pre = getattr(self, "_optimizer_step_pre_hooks", None)
        own_post = getattr(self, "_optimizer_step_post_hooks", None)
        if not (own_pre or own_post or _GLOBAL_STEP_PRE_HOOKS or _GLOBAL_STEP_POST_HOOKS) \
                or self.__dict__.get("_running_step_hooks"):  # none; or a step calling super().step()
            return step(self, *args, **kwargs)
        self.__dict__["_running_step_hooks"] = True
        try:
            return _run_hooked(self, step, args, kwargs, own_pre, own_post)
        finally:
            del self.__dict__["_running_step_hooks"]

    hooked_step.with_step_hooks = True
    return hooked_step


def _run_hooked(self, step, args, kwargs, own_pre, own_post):
    """The pre-hooks, the step, the post-hooks. As PyTorch's, the hooks' args start with the optimizer (the
    arguments of the unbound step), and so do the new args a pre-hook returns."""
    args = (self, *args)
    for hook in (*_GLOBAL_STEP_PRE_HOOKS.values(), *(own_pre or {}).values()):
        result = hook(self, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), but got "
                                   f"{result}.")
            args, kwargs = result
    out = step(*args, **kwargs)
    for hook in (*(own_post or {}).values(), *_GLOBAL_STEP_POST_HOOKS.values()):
        hook(self, args, kwargs)
    return out
