"""Composites that PyTorch records as one node, shown as that node: `shown_as(out, x, name)` relabels the last node
of a composite of x (x.norm(p=1) is sum(abs(x)) here, x.repeat(2, 3) a view, broadcast and view) so that `grad_fn`
shows PyTorch's one node (LinalgVectorNormBackward0, RepeatBackward0) listing x, its input, in `next_functions`.

Only the name and the listed input change (the node's primitive becomes a `Primitive.named` twin, sharing its forward
function and rules): the numbers and gradients are the composite's, bit for bit, and the nodes below the last one
are still recorded (the profiler and pictures show them).
"""

from __future__ import annotations

_DEPTH = 8  # the composites relabelled are a few nodes deep


def shown_as(out, x, grad_fn_name):
    """out, its node relabelled `grad_fn_name` over x (one of its inputs' inputs ...), as PyTorch's one node of the
    function that computed out from x. out is returned unchanged where it recorded no node (nothing requires grad)
    or x is not below it."""
    op = out._op
    if op is None or out is x:
        return out
    path = _path_to(out, x, _DEPTH)
    if path:
        out._op = op.named(grad_fn_name, input_at=path)
    return out


def _path_to(node, x, depth):
    """The input positions leading from node down to x (the first path found, inputs in order), or None."""
    if depth == 0:
        return None
    for i, parent in enumerate(node._parents):
        if parent is x:
            return (i,)
        if parent._op is not None:
            below = _path_to(parent, x, depth - 1)
            if below is not None:
                return (i,) + below
    return None
