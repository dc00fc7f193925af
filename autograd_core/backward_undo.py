"""What a backward pass changes beside the gradients it hands on, and how a pass that fails takes it back.

Without `retain_graph` a pass frees each node's saved parameters once it has gone through it (`_free_saved`: a
`_Freed` marker in their place, so that a second pass through the node raises PyTorch's error); its adds into the
leaves' existing `.grad` arrays wait until it has succeeded (`_add_later`); and a pass that raises half way gives back
every `.grad` and parameter it replaced (`_undo`, from the log that chain_rule.py keeps). engine.py's `run_backward`
calls them; grad_fn.py and edge_vjp read the `_Freed` marker.
"""

from __future__ import annotations

import numpy as np

from .threads import Aside


class _Freed:
    """Stands in for a node's saved parameters once a backward pass without `retain_graph` has run. `named_by`: the
    few parameters PyTorch's name of the node depends on (Primitive.keeps_for_name), kept so that `y.grad_fn` shows
    the same name after backward as before (x[0] SelectBackward0, x.topk(2) TopkBackward0), as PyTorch's does."""

    __slots__ = ("had_params", "named_by")

    def __init__(self, had_params, named_by=None):
        self.had_params = had_params
        self.named_by = named_by

    def __repr__(self):
        return "<freed>"


FREED_EMPTY = _Freed(False)
FREED_PARAMS = _Freed(True)


def _free_saved(node, log):
    """Free what a node saved for its rules once the pass has gone through it (retain_graph=False): a second pass
    through it then raises PyTorch's error (`_to_parents`), and the parameters are logged for `_undo`."""
    params = node._params
    if params is None:
        node._params = FREED_EMPTY
    else:
        log(("params", node, params))
        keeps = node._op.keeps_for_name
        node._params = FREED_PARAMS if keeps is None else _Freed(True, keeps(params))


def _add_later(later, log=None):
    """Add each new gradient g into the existing .grad array `old` of its leaf, in place, for (old, g) in `later` (in
    the pass's order), and empty `later`. PyTorch's AccumulateGrad does so without create_graph: an earlier reference
    to `.grad` sees the sum, and `w.grad is g` stays True. `log`: the undo log's append, given while the pass may
    still fail (before user code runs: hooks, callbacks): each array's contents are then kept for `_undo` first.
    Without it (the pass has succeeded) nothing is kept, so the common accumulation costs one add per leaf and no new
    array; a Ctrl-C landing between these adds is the one interruption that leaves some of them made."""
    for old, g in later:
        if log is not None:
            log(("refill", old, old.copy()))
        old += g
    later.clear()


def _undo(roots, order, visited, undo, accumulate, retain_graph):
    """After a failed pass: drop the pending gradients, and give back the `.grad`s and parameters it replaced."""
    for node in (*roots, *order):
        if node._pending.__class__ is Aside:
            node._pending.wait()  # (its pool thread is free again only then)
        node._pending = None
    for node in visited:
        node._pending = None
        if accumulate:
            node.grad = None
        if not retain_graph and node._params is FREED_EMPTY:
            node._params = None
    for what, node, old in reversed(undo):  # (latest first: an array added into twice is refilled last as it was)
        if what == "grad":
            node.grad = old
        elif what == "refill":  # an existing .grad added into in place (`_add_later`): its contents put back
            np.copyto(node, old)
        else:
            node._params = old
