"""Inline display in Jupyter: pictures and Values show as SVG, or as text when Graphviz is missing.

`graphviz.Digraph` already displays as SVG by running the `dot` binary; without it, it raises in the
middle of a notebook. `GraphPicture` (what `viz.draw` returns) falls back to `text/plain` instead, and
`value_mimebundle` is what `Value._repr_mimebundle_` delegates to once `show_values_as_graphs()` has
registered it with the core (importing `autograd_core.viz` does), so a Value shows its own graph.
"""

from __future__ import annotations

import graphviz

from autograd_core.value import set_display

SVG = "image/svg+xml"
TEXT = "text/plain"
# A Value in a notebook may sit on a huge graph: show its neighbourhood, not 100,000 nodes.
VALUE_MAX_NODES = 150


class GraphPicture(graphviz.Digraph):
    """A `graphviz.Digraph` whose notebook display degrades to text when the `dot` binary is missing.

    graph: the `viz.graph.Graph` it was drawn from (None for a copy).
    """

    graph = None

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
    missing = None
    if _wanted(SVG, include, exclude):
        from .export import GraphvizNotFound, render_bytes

        try:
            bundle[SVG] = render_bytes(picture, "svg").decode("utf-8")
        except GraphvizNotFound as err:
            missing = str(err)
    if _wanted(TEXT, include, exclude):
        if text is not None:
            bundle[TEXT] = text
        elif missing is not None:
            bundle[TEXT] = f"{missing}\n\n{picture.source}"
        else:
            n = len(picture.graph.nodes) if picture.graph is not None else "?"
            bundle[TEXT] = f"<graph picture: {n} nodes; .source has the DOT text>"
    return bundle


def value_mimebundle(value, include=None, exclude=None):
    """What `Value._repr_mimebundle_(include, exclude)` returns: the Value's graph as SVG, plus its repr.

    Graphs above VALUE_MAX_NODES nodes are collapsed (see `viz.draw(max_nodes=...)`). Without the
    Graphviz binary the bundle holds only text/plain (the repr), so the notebook shows what `repr` does.
    """
    from .dot import draw

    picture = draw(value, max_nodes=VALUE_MAX_NODES)
    bundle = picture_mimebundle(picture, include, exclude, text=repr(value))
    return bundle


def show_values_as_graphs(enabled=True):
    """Make Jupyter show every Value as the picture of its graph (True, what importing viz does) or as its
    repr (False). Registers `value_mimebundle` with the core's `autograd_core.value.set_display`."""
    set_display(value_mimebundle if enabled else None)
