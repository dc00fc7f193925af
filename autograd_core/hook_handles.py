"""PyTorch's `torch.utils.hooks.RemovableHandle`: what every `register_*_hook` returns, here as in PyTorch (a Value's
`register_hook`, a Module's forward, backward and state-dict hooks, an optimizer's step hooks), so that
`isinstance(handle, torch.utils.hooks.RemovableHandle)` holds for each. It lives in the core, which Values need;
`autograd_core.utils.hooks` is its public home.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """A handle whose `remove()` takes a hook off: deletes key `id` from `hooks_dict` (and from `extra_dict`, a dict
    or a list of dicts, when given). Both are held weakly (a dict that is gone has nothing to remove). Also a context
    manager: the hook is removed on leaving the `with` block. `id` is unique among all handles of the process
    (`RemovableHandle.next_id` is the next one)."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = self._take_id()
        self.extra_dict_ref = ()
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    @staticmethod
    def _take_id():
        """A new id; handles that remove their hook another way (a Value's, a Module's) take theirs here too."""
        handle_id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        return handle_id

    def remove(self):
        """Take the hook off; a second call, or one after its dict is gone, does nothing."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None and self.id in hooks:
                del hooks[self.id]

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        self.hooks_dict_ref = weakref.ref(OrderedDict() if state[0] is None else state[0])  # None: a dead reference
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = () if len(state) < 3 or state[2] is None else tuple(weakref.ref(d) for d in state[2])

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.remove()
