"""PyTorch's `torch.utils.hooks`: `RemovableHandle` (what every register_*_hook returns, here as in PyTorch),
`unserializable_hook` and `warn_if_has_hooks`.

    handle = x.register_hook(lambda g: g * 2)
    isinstance(handle, torch.utils.hooks.RemovableHandle)   # True, as for a Module's and an optimizer's handles
"""

from __future__ import annotations

import warnings

from ..hook_handles import RemovableHandle

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks"]


def unserializable_hook(f):
    """Mark `f` as a hook that is not expected to be saved with its tensor (sets `f.__torch_unserializable__`), so
    that `warn_if_has_hooks` does not warn about it. Returns f."""
    f.__torch_unserializable__ = True
    return f


def warn_if_has_hooks(tensor):
    """Warn (UserWarning) for each backward hook of `tensor` that is not marked with `unserializable_hook`: saving
    a tensor does not save its hooks. `tensor._backward_hooks` lists them (id -> hook), as in PyTorch."""
    hooks = getattr(tensor, "_backward_hooks", None)
    if hooks:
        for key in hooks:
            hook = hooks[key]
            if not hasattr(hook, "__torch_unserializable__"):
                warnings.warn(f"backward hook {hook!r} on tensor will not be serialized.  If this is expected, you "
                              "can decorate the function with @torch.utils.hooks.unserializable_hook to suppress "
                              "this warning", stacklevel=2)
