"""The version check of a backward pass: a node recorded before an in-place change of one of its inputs (or of its
output) raises PyTorch's "modified by an inplace operation" if its rules read what changed, and otherwise is re-pointed
at the copy of the input as it was, which inplace_graph.py kept when it recorded the change.

Apart from inplace_graph.py, which records the changes, because this runs in the backward pass (the engine calls
`check_saved_versions` for each node older than the latest change) and needs only what rules read (rule_reads.py) and
the copies kept (`_frozen_as_of`). Moved from inplace_graph.py word for word.
"""

from __future__ import annotations

from .errors import legacy_name
from .inplace_graph import _frozen_as_of
from .rule_reads import _read_by_rules


def check_saved_versions(node, walking=False):
    """Raise if an input or the output of `node` that its rules read changed in place after `node` was recorded.

    The engine calls this for each node it differentiates that is older than the latest in-place change (before it
    reads the node's inputs). Inputs changed in place that the rules do not read are no error (as in PyTorch, which
    saves only what the rules read): where the change was recorded, the node is re-pointed at the copy of the input
    as it was (`_frozen_as_of`), so its gradient goes where it went before the change. That copy must be among the
    nodes the backward pass visits: a pass that finds its nodes first (walking them from the roots, then sorting)
    calls this during that walk with walking=True; called later, the node is re-pointed only at a copy the walk
    found (the one of a Value changed in place is in the graph that Value became), and otherwise raises as PyTorch
    raises for a saved input.
    """
    index = node._index
    versions = node._version
    if versions is not None and versions.last > index:
        return _resolve_changed(node, walking)
    for parent in node._parents:
        versions = parent._version
        if versions is not None and versions.last > index:
            return _resolve_changed(node, walking)


def _visited_by_the_pass(node):
    """Whether the running backward pass will visit `node`: its walk found it (and marked its `_pending` slot)."""
    return node._pending is not None


def _resolve_changed(node, walking):
    index = node._index
    parents = node._parents
    reads = _read_by_rules(node, parents)
    versions = node._version
    if versions is not None and versions.last > index and -1 in reads:
        _raise_modified(node, node, "its output")
    inputs = list(parents)
    for position, parent in enumerate(parents):
        versions = parent._version
        if versions is None or versions.last <= index:
            continue
        if position in reads:
            _raise_modified(node, parent, f"input {position}")
        frozen = _frozen_as_of(parent, index)
        if frozen is not None:
            if frozen._requires_grad and not (walking or _visited_by_the_pass(frozen)):
                _raise_modified(node, parent, f"input {position}")
            inputs[position] = frozen
    if any(a is not b for a, b in zip(inputs, parents)):
        node._parents = tuple(inputs)


def _raise_modified(node, v, role):
    versions = v._version
    sizes = ", ".join(map(str, v.shape))
    found, expected = versions.count, versions.at(node._index)
    raise RuntimeError(  # PyTorch's words (for a node's output it also names the node); then the rule that read it
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{legacy_name(v.dtype)} [{sizes}]] is at version {found}; expected version {expected} instead. (backward: "
        f"modified by an in-place operation: {role} of '{node._op.title}' (a Value of shape {v.shape}{_label(v)}) "
        f"is at version {found}; expected version {expected} instead. Change it out of place (x = x + y) or after "
        "backward().)"
    )


def _label(v):
    return f", label {v.label!r}" if v.label else ""
