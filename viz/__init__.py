"""Pictures of computation graphs: trace a graph into plain data, draw it with Graphviz, export DOT/SVG/
PNG/PDF/JSON, show the chain rule along a path, animate the backward pass, explore a graph interactively in
the browser (HTML), and the `autograd-graph` CLI.

    from autograd_core import Value
    from autograd_core import viz

    w, x = Value(2.0, label="w"), Value(-1.0, label="x")
    f = (w * x).tanh(); f.label = "f"
    f.backward()
    viz.draw(f, highlight=w)              # a graphviz.Digraph; displays inline in Jupyter
    viz.chain_rule(f, w).total == w.grad  # ∂f/∂w as a sum over paths of products of local derivatives
    viz.export(f, "f.svg")
    viz.explore(f).save("f.html")         # the interactive explorer: one offline page (inline in Jupyter)
"""

if __name__ != "autograd_core.viz":  # the repository's viz/ folder is installed as autograd_core.viz
    raise ImportError("viz/ is the package autograd_core.viz: write `from autograd_core import viz` "
                      "(after `pip install -e .` in a checkout)")

from .graph import SCHEMA, ComplexNotDrawn, Edge, Graph, Node, ScopeInfo, trace
from .chain import ChainRule, chain_rule
from .collapse import collapse
from .dot import draw, draw_dot, render
from .graph_json import from_json, graph_from_dict, graph_to_dict, to_json
from .export import GraphvizNotFound, PictureScaledWarning, export, export_bytes, render_bytes
from .fonts import MissingFontWarning
from .jupyter import GraphPicture, show_values_as_graphs, value_mimebundle
from .steps import backward_order, backward_steps
from .explore import Explorer, explore

show_values_as_graphs()  # from now on Jupyter shows a Value as the picture of its graph

__all__ = [
    "SCHEMA", "ComplexNotDrawn", "Edge", "Graph", "Node", "ScopeInfo", "trace", "ChainRule", "chain_rule", "collapse",
    "draw", "draw_dot", "render", "from_json", "graph_from_dict", "graph_to_dict", "to_json", "GraphvizNotFound",
    "export", "export_bytes", "render_bytes", "MissingFontWarning", "PictureScaledWarning", "GraphPicture",
    "show_values_as_graphs", "value_mimebundle",
    "backward_order", "backward_steps", "Explorer", "explore",
]
