"""The order of a backward pass: the nodes below its roots that need a gradient, youngest first (reverse creation
order, a topological order), found by one walk that marks each `_UNREACHED` until a gradient reaches it
(`_in_backward_order`); the leaves whose hooks run as soon as their last gradient has arrived, taken ahead of that order
(`_release_first`); and `toposort`, the same nodes parents first, for pictures and users.
"""

from __future__ import annotations

import operator

from .modes import INPLACE
from .version_check import check_saved_versions


class _Unreached:
    """The `_pending` of a node that a backward pass has found below its roots and that has no gradient yet."""

    __slots__ = ()

    def __repr__(self):
        return "<no gradient yet>"


_UNREACHED = _Unreached()


def toposort(*roots):
    """The nodes below `roots` that need a gradient, parents before children (by creation order)."""
    seen = set()
    stack = [r for r in roots if r.requires_grad]
    seen.update(stack)
    push, pop, mark = stack.append, stack.pop, seen.add
    while stack:
        for parent in pop()._parents:
            if parent.requires_grad and parent not in seen:  # Values hash by identity
                mark(parent)
                push(parent)
    return sorted(seen, key=_creation_index)


_creation_index = operator.attrgetter("_index")


def _in_backward_order(roots, seeds):
    """The nodes below `roots` that need a gradient, youngest first, with each root's seed waiting in its `_pending`
    slot (where each node collects the gradient it receives during the pass) and every other node's `_pending` set
    to `_UNREACHED` (no gradient yet; it also marks the nodes already found, cheaper than a set).

    Every node is younger than its inputs (it was made after them), so in reverse creation order each node comes
    after all of its children: a topological order, found by one walk over the graph and a sort by creation number
    (no recursion). A node whose `_pending` is still `_UNREACHED` when its turn comes received no gradient (a rule
    returned None): it is skipped.
    """
    for root, seed in zip(roots, seeds):
        prev = root._pending
        root._pending = seed if prev is None else prev + seed
    # `found` is also the walk's queue: a list iterator takes the items appended while it runs, so each node found is
    # appended once and taken once (a stack beside it cost a push and a pop per node, ~2% of 1,000 small ops).
    # A root given twice is visited once, with both seeds (backward()'s one root: no dict to make).
    found = list(roots) if len(roots) == 1 else list(dict.fromkeys(roots))
    keep = found.append
    unreached = _UNREACHED
    latest_inplace = INPLACE.latest  # nodes recorded after the latest in-place change need no version check
    try:
        for node in found:
            p0 = node._p0
            if p0 is None:
                continue  # a leaf
            if node._index < latest_inplace:
                # An input changed in place that the rules do not read: the node is re-pointed at a copy of it as it
                # was, which the walk must then find (inplace_graph.py); one that they read raises here.
                check_saved_versions(node, walking=True)
                p0 = node._p0
            p1 = node._p1
            if p1 is None or p1.__class__ is not tuple:
                if p0._requires_grad and p0._pending is None:
                    p0._pending = unreached
                    keep(p0)
                if p1 is not None and p1._requires_grad and p1._pending is None:
                    p1._pending = unreached
                    keep(p1)
            else:
                for parent in p1:  # three or more inputs: p1 holds them all
                    if parent._requires_grad and parent._pending is None:
                        parent._pending = unreached
                        keep(parent)
    except BaseException:  # Ctrl-C on a long graph: no mark may outlive the walk
        for node in found:
            node._pending = None
        raise
    found.sort(key=_creation_index, reverse=True)
    return found


def _release_first(order, released):
    """`order`, with each leaf in `released` (a list that the pass appends to) taken before the next node, in the
    order they were released: a node's inputs in its edges' order, as PyTorch's ready queue hands out the leaves
    (AccumulateGrad nodes, all of one top priority) a node made ready ((x * w).sum(): x's hooks, then w's)."""
    for node in order:
        while released:
            yield released.pop(0)
        yield node
    while released:
        yield released.pop(0)
