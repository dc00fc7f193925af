"""`backward_steps`: the backward pass as a sequence of pictures, one per node, in the order it fills grads.

The backward pass visits the nodes in reverse topological order (`engine.toposort(root)` reversed); when it
reaches a node, every contribution to that node's gradient has arrived, so its gradient is final. Frame k
shows the gradients of the first k+1 nodes of that order and marks node k in orange.

Frames are computed from the gradients already stored (after `root.backward()`), not by running backward
again, so they work on a graph whose saved values were freed.
"""

from __future__ import annotations

from autograd_core.engine import toposort

from .dot import DEFAULT_SHOW, render
from .graph import trace

MAX_STEPS = 500


def backward_order(root, graph=None):
    """Node ids (of `trace(root)`) in the order the backward pass finalises their gradients."""
    graph = graph or trace(root)
    by_value = {id(v): node_id for node_id, v in graph._values.items()}
    return [by_value[id(v)] for v in reversed(toposort(root))]


def backward_steps(root, *, rankdir="auto", show=DEFAULT_SHOW, max_steps=MAX_STEPS):
    """One `GraphPicture` per backward step (the order of `toposort(root)` reversed).

    root:      a Value after `root.backward()` (its `.grad` is set); raises ValueError otherwise.
    max_steps: refuse graphs with more nodes than this (one picture each would be unreadable anyway).
    Each frame's `.step` is a dict {'index', 'node', 'known'}: the step number, the node id whose gradient
    it fills in, and the ids whose gradients are known after it.
    """
    if root.grad is None:
        raise ValueError("backward_steps: run root.backward() first; frames show the gradients it stored")
    graph = trace(root)
    order = backward_order(root, graph)
    if len(order) > max_steps:
        raise ValueError(f"backward_steps: {len(order)} steps is more than max_steps={max_steps}")
    frames = []
    known = set()
    nodes = graph._node_index()
    for k, node_id in enumerate(order):
        known.add(node_id)
        node = nodes[node_id]
        what = f"{node.name} ({node.op or 'leaf'})"
        title = f"backward step {k + 1}/{len(order)}: gradient of {what} is complete"
        picture = render(graph, rankdir=rankdir, show=show, title_lines=[title], known=set(known),
                         current=node_id)
        picture.step = {"index": k, "node": node_id, "known": sorted(known, key=lambda i: int(i[1:]))}
        frames.append(picture)
    return frames
