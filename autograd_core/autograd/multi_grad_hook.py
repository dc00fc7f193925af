"""`torch.autograd.graph.register_multi_grad_hook(tensors, fn, mode="all")`: one hook over several Values' gradients.

    register_multi_grad_hook((x, w), lambda grads: ...)   # once a pass: (x's gradient, w's), None for one not reached
    register_multi_grad_hook((x, w), lambda g: ..., mode="any")   # once a pass: the first of them computed

As PyTorch's, it is a Value hook on each of the Values (after the hooks registered before it): in mode "all" fn runs
at the last of them that the pass reaches, with the gradients as those hooks got them; a Value of the pass that gets
no gradient after all (a rule gave none) is given None at the end of the pass (PyTorch calls its hooks with None when
its node runs). fn's return value is not used.
"""

from __future__ import annotations

from ..backward_hooks import _PASSES, queue_callback
from ..hook_handles import RemovableHandle

__all__ = ["register_multi_grad_hook"]


class _MultiHandle(RemovableHandle):
    """What register_multi_grad_hook returns: remove() takes its hook off every Value."""

    def __init__(self, handles):
        self.id = self._take_id()
        self.handles, self.extra_dict_ref = handles, ()

    def hooks_dict_ref(self):
        return None

    def remove(self):
        for handle in self.handles:
            handle.remove()

    def __getstate__(self):
        return self.handles

    def __setstate__(self, state):
        self.__init__(state)


class _Gradients:
    """The gradients of one backward pass so far (`pass_` the engine's _Pass), which Values it waits for, whether
    fn has run."""

    __slots__ = ("pass_", "grads", "waiting", "done")

    def __init__(self, pass_, size):
        self.pass_, self.grads, self.waiting, self.done = pass_, [None] * size, set(), False


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """Call fn once per backward pass over the gradients of `tensors` (Values that require grad): mode "all":
    fn(grads), a tuple with one gradient per Value (None for one the pass does not reach), once the last of them is
    computed; mode "any": fn(grad) with the first of them computed. Returns a handle whose remove() takes it off."""
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    current = [None]  # the _Gradients of the pass running now

    def finish(state):
        if not state.done:
            state.done = True
            fn(tuple(state.grads))

    def hook_of(i):
        def hook(grad):
            this_pass = _PASSES.stack[-1]
            state = current[0]
            if state is None or state.pass_ is not this_pass:
                # the first of them in this pass: it waits for those the pass has found and not yet taken
                state = current[0] = _Gradients(this_pass, len(tensors))
                state.waiting = {j for j, t in enumerate(tensors) if j == i or t._pending is not None}
                if mode == "all":
                    queue_callback(lambda: finish(state))  # (for one of them that gets no gradient after all)
            if state.done:
                return None
            if mode == "any":
                state.done = True
                fn(grad)
                return None
            state.grads[i] = grad
            state.waiting.discard(i)
            if not state.waiting:
                finish(state)
            return None

        return hook

    return _MultiHandle([t.register_hook(hook_of(i)) for i, t in enumerate(tensors)])
