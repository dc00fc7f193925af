"""`backward_steps`: the backward pass as a sequence of pictures, one per node, in the order it fills grads.

The backward pass visits the nodes in reverse topological order (`backward_order.toposort(root)` reversed); when it
reaches a node, every contribution to that node's gradient has arrived, so its gradient is final. Frame k
shows the gradients of the first k+1 nodes of that order and marks node k in orange.

Frames are computed from the gradients already stored (after `root.backward()`), not by running backward
again, so they work on a graph whose saved values were freed.
"""

from __future__ import annotations

import warnings

from autograd_core import Value
from autograd_core.backward_order import toposort

from .chain import symbol
from .dot import DEFAULT_SHOW, render, sized, styled
from .fonts import MissingFontWarning
from .labels import operation_texts, rule_text, with_argument_names
from .texts import complex_text
from .graph import trace
from .jupyter import GraphPicture, StepPictures

MAX_STEPS = 500


def backward_order(root, graph=None):
    """Node ids (of `trace(root)`) in the order the backward pass finalises their gradients."""
    graph = graph or trace(root)
    by_value = {id(v): node_id for node_id, v in graph._values.items()}
    return [by_value[id(v)] for v in reversed(toposort(root))]


def backward_steps(root, *, rankdir="auto", show=DEFAULT_SHOW, max_steps=MAX_STEPS, by="node", dpi=None,
                   size=None, font=None, background=None, title=None):
    """One `GraphPicture` per backward step (the order of `toposort(root)` reversed), titled with its
    arithmetic; a list of `iter_backward_steps` (see there) which, ending a notebook cell, shows every frame."""
    return StepPictures(iter_backward_steps(root, rankdir=rankdir, show=show, max_steps=max_steps, by=by, dpi=dpi,
                                            size=size, font=font, background=background, title=title))


def iter_backward_steps(root, *, rankdir="auto", show=DEFAULT_SHOW, max_steps=MAX_STEPS, by="node", dpi=None,
                        size=None, font=None, background=None, title=None):
    """One `GraphPicture` per backward step (the order of `toposort(root)` reversed), made one at a time
    (the CLI writes each before drawing the next), titled with the step's arithmetic.

    root:      a Value after `root.backward()` (its `.grad` is set); raises ValueError otherwise. With
               `backward(retain_graph=True)` each title shows the step's arithmetic,
               'grad h3 = grad h4 · ∂h4/∂h3 = -0.0333 · 4.482 = -0.1491'.
    by:        'node' (one frame per node) or 'module' (one frame per run of nodes of the same module in the
               backward order: layer by layer on an MLP; nodes outside modules still get a frame each).
    max_steps: refuse graphs with more frames than this (one picture each would be unreadable anyway).
    dpi, size, font, background: each frame's PNG resolution, largest size in inches, font family and background,
               as for `draw` (slides: dpi=200, background='transparent').
    title:     a line above each frame's own title (a lecture's heading: '反向传播'); a str with newlines: several.
    Each frame's `.step` is a dict {'index', 'node', 'nodes', 'known'}: the frame number, the (last) node id
    whose gradient it fills in, all of them, and the ids whose gradients are known after it.
    """
    if by not in ("node", "module"):
        raise ValueError(f"backward_steps: by must be 'node' or 'module', got {by!r}")
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: expected the output Value after its backward(), got "
                        f"{type(root).__name__}; a traced or saved Graph keeps no backward order (draw it with "
                        "viz.draw)")
    # a wrong dpi, size, font or background is refused (an unknown font warned about) before any frame is drawn
    styled(sized(GraphPicture(), dpi, size), font, background)
    heading, title = title, None  # `title` names each frame's own lines below
    if root.grad is None:
        raise ValueError("backward_steps: run root.backward() first; frames show the gradients it stored")
    graph = trace(root)
    order = backward_order(root, graph)
    groups = _module_runs(graph, order) if by == "module" else [(None, [node_id]) for node_id in order]
    if len(groups) > max_steps:
        raise ValueError(f"backward_steps: {len(groups)} steps is more than max_steps={max_steps}")
    known = set()
    nodes = graph._node_index()
    uses, inputs = _edges_by_end(graph)
    scopes = {s.id: s for s in graph.scopes}
    written = operation_texts(graph)  # the operation as the frame's picture writes it: 'f (1 / h5)', not 'f (/)'
    for k, (key, group) in enumerate(groups):
        known.update(group)
        if len(group) == 1:
            node = nodes[group[0]]
            op = written.get(node.id, node.op) or "leaf"
            title = [f"backward step {k + 1}/{len(groups)}: gradient of {node.name} ({op}) is complete",
                     step_arithmetic(graph, group[0], uses, inputs)]
        else:
            s = scopes.get(key)
            where = "" if s is None else f"{s.title}: "
            title = [f"backward step {k + 1}/{len(groups)}: {where}gradients of {len(group)} nodes are complete"]
            title += [step_arithmetic(graph, i, uses, inputs) for i in group[:3]]
            if len(group) > 3:
                title.append(f"… and {len(group) - 3} more")
        if heading:
            title = [heading, *title]
        picture = render(graph, rankdir=rankdir, show=show, title_lines=title, known=set(known), current=set(group))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingFontWarning)  # said once, above, not once per frame
            picture = styled(sized(picture, dpi, size), font, background)
        picture.step = {"index": k, "node": group[-1], "nodes": list(group),
                        "known": sorted(known, key=lambda i: int(i[1:]))}
        yield picture


def _edges_by_end(graph):
    """({node id: the edges out of it}, {node id: the edges into it, in argument order}), built once per graph:
    a frame's arithmetic looks up a few nodes' edges, and scanning every edge for each would make drawing the
    frames of a big graph quadratic."""
    uses, inputs = {}, {}
    for e in graph.edges:
        uses.setdefault(e.src, []).append(e)
        inputs.setdefault(e.dst, []).append(e)
    for edges in inputs.values():
        edges.sort(key=lambda x: x.index)
    return uses, inputs


def step_arithmetic(graph, node_id, uses=None, inputs=None):
    """The chain rule of one backward step as text: grad v = Σ over uses c of grad c · ∂c/∂v, with numbers
    when v and its uses are scalars and the local derivatives are available. uses, inputs: the graph's edges by
    source and by destination (`_edges_by_end`), when the caller already has them."""
    if uses is None or inputs is None:
        uses, inputs = _edges_by_end(graph)
    nodes = graph._node_index()
    v = nodes[node_id]
    name = symbol(v.name)  # in parentheses when a label is not one symbol: ∂n/∂(x1*w1 + x2*w2)
    if node_id == graph.output:
        return f"grad {name} = {_num(v.grad) if v.is_scalar else 'ones'} (the output: ∂{name}/∂{name} = 1)"
    edges = [e for e in uses.get(node_id, ()) if nodes[e.dst].requires_grad]
    more = f" + … ({len(edges) - 4} more uses)" if len(edges) > 4 else ""
    users = [symbol(nodes[e.dst].name) for e in edges[:4]]
    symbols = " + ".join(f"grad {u} · ∂{u}/∂{name}" for u in users) + more
    # Complex numbers: .grad is PyTorch's (the conjugate of what the rules carry), and a non-holomorphic use has no
    # single derivative, so a complex step is told by its rules, not as a sum of products of numbers.
    numeric = v.is_scalar and all(e.derivative is not None and nodes[e.dst].grad is not None for e in edges) and \
        not any(nodes[e.dst].dtype.startswith("complex") or v.dtype.startswith("complex") for e in edges)
    if not edges:
        return f"grad {name} = 0 (no use)"
    if not numeric:
        if v.is_scalar:
            return f"grad {name} = {symbols} = {_num(v.grad)}"
        rules = "; ".join(rule_text(_named(e, nodes, inputs), v, nodes[e.dst]) if e.formula else nodes[e.dst].op
                          for e in edges[:3])
        return f"grad {name} = {symbols} (rules: {rules}), shape {tuple(v.shape)}"
    numbers = " + ".join(f"{(_factor if j else _num)(nodes[e.dst].grad)} · {_factor(e.derivative)}"
                         for j, e in enumerate(edges[:4])) + more
    total = sum(_float(nodes[e.dst].grad) * e.derivative for e in edges)
    return f"grad {name} = {symbols} = {numbers} = {_num(total)}"


def _named(e, nodes, inputs):
    """The rule of edge `e` with its operation's inputs called by their names (viz.labels.with_argument_names)."""
    args = inputs[e.dst]
    return with_argument_names(e.formula, nodes[e.dst].op, [nodes[x.src] for x in args])


def _float(x):
    """One number: a Python or NumPy scalar, or an array of one element of any shape (a (1, 1) output's gradient),
    which NumPy 2's float() refuses above 0-d."""
    return float(x.reshape(())) if hasattr(x, "reshape") and getattr(x, "ndim", 0) else float(x)


def _num(x):
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":  # '1+2j' (viz.texts.complex_text)
        return complex_text(complex(x.reshape(()) if getattr(x, "ndim", 0) else x)).replace("-", "−")
    return f"{_float(x) + 0.0:.4g}".replace("-", "−")  # + 0.0: never "-0"


def _factor(x):
    """A number inside a product or after '+': negative ones in parentheses, 'a · (−b)', never 'a · −b'."""
    text = _num(x)
    return f"({text})" if text.startswith("−") else text


def _module_runs(graph, order):
    """Consecutive nodes of the backward order grouped by module: the scope just below the outermost one
    that has several children (an MLP's layers), or the outermost scope; nodes outside modules alone."""
    children = {}
    for s in graph.scopes:
        children.setdefault(s.parent, []).append(s.id)
    level = children.get(None, [])
    depth = 0
    while len(level) == 1 and children.get(level[0]):
        level, depth = children[level[0]], depth + 1
    parent = {s.id: s.parent for s in graph.scopes}
    nodes = graph._node_index()

    def key(node_id):
        path, s = [], nodes[node_id].scope
        while s is not None:
            path.append(s)
            s = parent[s]
        path.reverse()
        return path[depth] if len(path) > depth else None

    runs = []
    for node_id in order:
        k = key(node_id)
        if runs and k is not None and runs[-1][0] == k:
            runs[-1][1].append(node_id)
        else:
            runs.append((k, [node_id]))
    return runs
