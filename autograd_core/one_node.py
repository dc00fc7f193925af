"""Composites that PyTorch records as one node, shown as that node: `shown_as(out, x, name)` relabels the last node
of a composite of x (x.norm(p=1) is sum(abs(x)) here, x.repeat(2, 3) a view, broadcast and view) so that `grad_fn`
shows PyTorch's one node (LinalgVectorNormBackward0, RepeatBackward0) listing x, its input, in `next_functions`
(`shown_as(out, (x, w, b), name)` for a node of several inputs).

Only the name and the listed inputs change (the node's primitive becomes a `Primitive.named` twin, sharing its
forward function and rules): the numbers and gradients are the composite's, bit for bit, and the nodes below the
last one are still recorded (the profiler and pictures show them).
"""

from __future__ import annotations

_DEPTH = 12  # the composites relabelled are a few nodes deep (pdist's of p = 3: 10)


def shown_as(out, inputs, grad_fn_name):
    """out, its node relabelled `grad_fn_name` over inputs (a Value, or a tuple of them and None: each one of out's
    inputs, or of their inputs ...), as PyTorch's one node of the function that computed out from them. out is
    returned unchanged where it recorded no node (nothing requires grad) or an input is not below it."""
    op = out._op
    if op is None:
        return out
    paths = input_paths(out, inputs)
    if paths is not None:
        key = (op, grad_fn_name, paths)
        twin = _RELABELLED.get(key)
        if twin is None:
            twin = _RELABELLED[key] = op.named(grad_fn_name, input_at=paths)
        out._op = twin
    return out


_FIRST, _SECOND = ((0,),), ((1,),)
_RELABELLED = {}  # (primitive, name, paths) -> its Primitive.named twin: one lookup a call (shown_as is on op paths)


def input_paths(out, inputs):
    """For each input, the path of input positions from out down to it (None for a constant), or None where an input
    is out itself or not below it (out is then left as it is)."""
    if inputs.__class__ is not tuple:  # one input, most often out's first or second (x * x, 1 / x): the short way
        if out._p0 is inputs:
            return _FIRST
        if out._p1 is inputs and inputs is not None:
            return _SECOND
        inputs = (inputs,)
    paths = []
    for x in inputs:
        if x is out:  # no node of its own (a no-op returned its input)
            return None
        recorded = x is not None and hasattr(x, "_op")  # a Value (an array: a constant, listed as None)
        path = _path_to(out, x, _DEPTH, {}) if recorded else None
        if path is None and recorded and x.requires_grad:
            return None  # not below out: left as it is
        paths.append(path)
    return tuple(paths)


def _path_to(node, x, depth, searched):
    """The input positions leading from node down to x (the first path found, inputs in order), or None.
    searched: the nodes below which x was not found, with the depth searched (a node reached again by another path
    is not searched again: the paths of a graph with shared nodes grow exponentially with the depth)."""
    if node._p0 is x:  # the first input (most calls: x itself)
        return (0,)
    if depth == 0 or searched.get(id(node), -1) >= depth:
        return None
    for i, parent in enumerate(node._parents):
        if parent is x:
            return (i,)
        if parent._op is not None:
            below = _path_to(parent, x, depth - 1, searched)
            if below is not None:
                return (i,) + below
    searched[id(node)] = depth
    return None
