"""Inline display in Jupyter: pictures and Values show as SVG, or as text when Graphviz is missing.

`graphviz.Digraph` already displays as SVG by running the `dot` binary; without it, it raises in the
middle of a notebook. `GraphPicture` (what `viz.draw` returns) falls back to `text/plain` instead, and
`value_mimebundle` is what `Value._repr_mimebundle_` delegates to once `show_values_as_graphs()` has
registered it with the core (importing `autograd_core.viz` does), so a Value shows its own graph.
"""

from __future__ import annotations

import re

import graphviz

from autograd_core.value_printing import set_display


SVG = "image/svg+xml"
TEXT = "text/plain"
HTML = "text/html"
# A Value in a notebook may sit on a huge graph: past this many nodes it shows as text, not a picture.
VALUE_MAX_NODES = 150
# A picture (viz.draw) is rendered inline up to this many nodes (the CLI's largest --max-nodes), and Graphviz
# is stopped after NOTEBOOK_TIMEOUT seconds: a 4,000-node chain kept `dot`, and so the kernel, busy for minutes.
PICTURE_MAX_NODES = 1000
NOTEBOOK_TIMEOUT = 30.0


class GraphPicture(graphviz.Digraph):
    """A `graphviz.Digraph` whose notebook display degrades to text when the `dot` binary is missing.

    graph: the `viz.graph.Graph` it was drawn from (None for a copy).
    """

    graph = None

    def __repr__(self):
        # A list of pictures ending a notebook cell (`viz.backward_steps(f)`) shows each one's repr: its title's
        # first line ("backward step 2/5: gradient of h (*) is complete") says more than an object address.
        n = "?" if self.graph is None else len(self.graph.nodes)
        title = re.split(r"\\[nl]", str(self.graph_attr.get("label", "")))[0]  # lines end in \n or \l
        return f"<graph picture: {n} nodes{f', {title}' if title else ''}>"

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        return picture_mimebundle(self, include, exclude)


def _wanted(mimetype, include, exclude):
    if include is not None and mimetype not in include:
        return False
    return exclude is None or mimetype not in exclude


def picture_mimebundle(picture, include=None, exclude=None, text=None):
    """{mimetype: data} for IPython: SVG when Graphviz can render it, and always a text/plain version.

    text: the text/plain entry (default: a one-line description; with Graphviz missing, the install
    hint followed by the DOT source, which is the most useful thing a text display can show).
    """
    bundle = {}
    missing = too_big = None
    n = len(picture.graph.nodes) if picture.graph is not None else None
    if _wanted(SVG, include, exclude):
        from .export import GraphvizError, GraphvizNotFound, render_bytes

        if n is not None and n > PICTURE_MAX_NODES:
            too_big = f"{n} nodes are too many to draw here (at most {PICTURE_MAX_NODES})"
        else:
            try:
                bundle[SVG] = render_bytes(picture, "svg", timeout=NOTEBOOK_TIMEOUT).decode("utf-8")
            except GraphvizNotFound as err:
                missing = str(err)
            except GraphvizError as err:
                too_big = str(err)
    if _wanted(TEXT, include, exclude):
        if too_big is not None:
            bundle[TEXT] = (f"<graph picture: {too_big}: viz.draw(v, max_nodes=400) draws a summary, "
                            "viz.explore(v) opens all of it, viz.export(v, 'graph.svg') writes it; "
                            ".source has the DOT text>")
        elif text is not None:
            bundle[TEXT] = text
        elif missing is not None:
            bundle[TEXT] = f"{missing}\n\n{picture.source}"
        else:
            bundle[TEXT] = f"<graph picture: {'?' if n is None else n} nodes; .source has the DOT text>"
    return bundle


# A list of pictures (viz.backward_steps) ending a cell is drawn inline up to this many frames; past it, text that says
# how to show them (each frame of a big graph is a picture of the whole graph: hundreds would flood the notebook).
STEPS_INLINE_MAX = 40


class StepPictures(list):
    """`viz.backward_steps`' list of `GraphPicture`s: a list (index it, loop over it, `display` one frame), which,
    ending a notebook cell, shows its frames one under another, each with its title, as
    `for frame in frames: display(frame)` does; without Graphviz, or past STEPS_INLINE_MAX frames, as text."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        text = list.__repr__(self)
        if len(self) > STEPS_INLINE_MAX:
            text = (f"<{len(self)} backward-step pictures: too many to show at once (at most {STEPS_INLINE_MAX}); "
                    "display(frames[k]) shows one, viz.explore(root) steps through them all>")
        bundle = {TEXT: text} if _wanted(TEXT, include, exclude) else {}
        if self and len(self) <= STEPS_INLINE_MAX and _wanted(HTML, include, exclude):
            svgs = [picture_mimebundle(frame, include={SVG}).get(SVG) for frame in self]
            if all(svgs):  # else Graphviz is missing or failed: the text says what each frame is
                # inline SVG in HTML: from <svg on, without the XML declaration and DOCTYPE of a file of its own
                bundle[HTML] = "".join(f"<div>{svg[svg.find('<svg'):]}</div>" for svg in svgs)
        return bundle


def value_mimebundle(value, include=None, exclude=None):
    """What `Value._repr_mimebundle_(include, exclude)` returns: the Value's graph as SVG, plus its repr.

    A leaf (a Value made by a factory or `Value(...)`, not by an operation) shows as its repr only, as a
    tensor does in PyTorch: `x = torch.randn(3, 3)` then `x` shows the numbers, not a picture of one box.
    A graph of more than VALUE_MAX_NODES nodes shows as text only (its repr and how to see the picture:
    `viz.draw(v, max_nodes=...)` or `viz.explore(v)`), so ending a cell with a big Value stays quick and
    short. Without the Graphviz binary the bundle holds only text/plain (the repr), as `repr` shows.
    """
    from .dot import draw

    size = count_nodes(value, VALUE_MAX_NODES + 1)
    if size == 1:  # a leaf has no graph to show: its numbers (the repr) say more than a one-box picture
        return {TEXT: repr(value)} if _wanted(TEXT, include, exclude) else {}
    if size > VALUE_MAX_NODES:
        text = (f"{value!r}\n(its graph has more than {VALUE_MAX_NODES} nodes: viz.draw(v, max_nodes=100) "
                "draws a summary, viz.explore(v) opens all of it)")
        return {TEXT: text} if _wanted(TEXT, include, exclude) else {}
    picture = draw(value)
    return picture_mimebundle(picture, include, exclude, text=repr(value))


def count_nodes(value, limit):
    """How many Values are in the graph below `value`, counting at most `limit` (the walk stops there)."""
    seen = {id(value)}
    stack = [value]
    while stack and len(seen) < limit:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return min(len(seen), limit)


def show_values_as_graphs(enabled=True):
    """Make Jupyter show every Value as the picture of its graph (True, what importing viz does) or as its
    repr (False). Registers `value_mimebundle` with the core's `autograd_core.value_printing.set_display`."""
    set_display(value_mimebundle if enabled else None)
