"""The chain rule made visible: ∂f/∂w as a sum over paths from w to f of products of local derivatives.

For scalar graphs every edge carries a number, ∂child/∂parent. Along one path w → h₁ → … → f the chain
rule multiplies them, ∂f/∂h₆ · ∂h₆/∂h₅ ⋯ ∂h₁/∂w; when several paths lead from w to f (w used twice,
a diamond) their products add. The sum is exactly what the backward pass accumulates into `w.grad`.
"""

from __future__ import annotations

import dataclasses
import re

from .graph import Edge, Graph, trace

# A name that reads as one symbol inside ∂a/∂b: letters, digits (also subscripts), '_', '.', "'" and an index
# such as x[0] or layers.1.w[0,2]. Anything else (a label such as "x1*w1 + x2*w2") is put in parentheses.
_ONE_SYMBOL = re.compile(r"[\w.'′]+(\[[\w, ]*\])*")


def symbol(name: str) -> str:
    """`name` as it stands in a derivative: itself when it reads as one symbol, else in parentheses, so that
    ∂n/∂(x1*w1 + x2*w2) does not read as ∂n/∂x1 times w1 plus …"""
    name = str(name)
    return name if _ONE_SYMBOL.fullmatch(name) else f"({name})"


@dataclasses.dataclass
class Factor:
    """One local derivative of a path: ∂dst/∂src = `derivative`, taken along `edge`."""

    edge: Edge
    numerator: str    # name of the node differentiated (edge.dst)
    denominator: str  # name of the node it is differentiated by (edge.src)
    derivative: float

    def __str__(self):
        return f"∂{symbol(self.numerator)}/∂{symbol(self.denominator)}"


@dataclasses.dataclass
class Path:
    """The factors of one path, from the output down to the leaf, and their product."""

    factors: list[Factor]
    product: float


@dataclasses.dataclass(repr=False)
class ChainRule:
    """∂output/∂leaf decomposed into paths.

    paths:     at most `max_paths` of them, output-side factor first (∂f/∂h₆ · … · ∂h₁/∂w).
    n_paths:   how many paths exist in all; `truncated` is True when `paths` lists fewer.
    total:     the sum over all paths of their products (computed by dynamic programming, so it is exact
               even when the list is truncated): equal to leaf.grad after output.backward().
    edges:     every edge on some path (for highlighting), as (src, dst, index) triples.
    """

    output: str
    leaf: str
    paths: list[Path]
    n_paths: int
    total: float
    edges: set
    output_name: str = "f"
    leaf_name: str = "w"

    @property
    def truncated(self) -> bool:
        return len(self.paths) < self.n_paths

    def __str__(self):
        return self.equation()

    def __repr__(self):
        # What `print(viz.chain_rule(f, w))` or a notebook cell ending with it shows: the equation, not the
        # dataclass's dump of every Factor, Edge and node id (a screenful for two paths).
        paths = f"{self.n_paths} path{'' if self.n_paths == 1 else 's'}"
        return f"ChainRule({self.equation()}; {paths}, total={self.total!r})"

    def equation(self, max_terms=4) -> str:
        """The decomposition as one line of text, e.g. '∂f/∂w = ∂f/∂h · ∂h/∂w = (0.5)(2) = 1'."""
        lhs = f"∂{symbol(self.output_name)}/∂{symbol(self.leaf_name)}"
        if self.n_paths == 0:
            return f"{lhs} = 0 (no path from {self.leaf_name} to {self.output_name})"
        shown = self.paths[:max_terms]
        symbols = " + ".join(" · ".join(str(f) for f in p.factors) or "1" for p in shown)
        numbers = " + ".join("".join(f"({_num(f.derivative)})" for f in p.factors) or "1" for p in shown)
        if self.n_paths > len(shown):
            more = f" + … ({self.n_paths - len(shown)} more paths)"
            symbols += more
            numbers += more
        if self.n_paths == 1 and len(shown[0].factors) == 1:
            return f"{lhs} = {numbers} = {_num(self.total, 6)}"
        return f"{lhs} = {symbols} = {numbers} = {_num(self.total, 6)}"


def _num(x, digits=4):
    return f"{x + 0.0:.{digits}g}"  # + 0.0 turns -0.0 into 0.0, as the picture's numbers (viz.texts.number_text)


def path_edges(graph: Graph, leaf_id: str):
    """The edges (src, dst, index) that lie on some path from node `leaf_id` to the output, through
    nodes that require a gradient (the ones the backward pass goes through)."""
    reaches = _reaches_leaf(graph, leaf_id)
    below_output = {graph.output}
    on_path = set()
    for e in reversed(graph.edges):  # edges are grouped by destination in topological order
        if e.dst in below_output and reaches.get(e.src):
            on_path.add((e.src, e.dst, e.index))
            below_output.add(e.src)
    return on_path


def _reaches_leaf(graph, leaf_id):
    """node id -> True when a path of gradient-carrying edges leads from the leaf up to the node."""
    requires = {n.id: n.requires_grad for n in graph.nodes}
    reaches = {leaf_id: True}
    for e in graph.edges:  # in topological order of dst: a parent's answer is final before its child's
        if reaches.get(e.src) and requires[e.src]:
            reaches[e.dst] = True
    return reaches


def check_differentiable(graph, leaf_node, who):
    """Refuse to differentiate by a node that needs no gradient (a constant, `requires_grad=False`, `--const`): the
    backward pass sends it none, so it has no paths whose products sum to a `.grad` (it has no `.grad`)."""
    if leaf_node.id != graph.output and not leaf_node.requires_grad:
        raise ValueError(
            f"{who}: {leaf_node.name} does not require a gradient (a constant: requires_grad=False, or --const), so "
            f"backward() sends it none and there is no ∂{graph.node(graph.output).name}/∂{leaf_node.name} to show; "
            "choose a Value that requires grad")


def chain_rule(root, leaf, max_paths=64) -> ChainRule:
    """∂root/∂leaf for a scalar graph, as the sum over paths of products of local derivatives.

    root:      a Value (or a `Graph` from `trace`); every node on a path from leaf to root must be a
               scalar (size 1), so that each edge has a number.
    leaf:      the Value to differentiate by (or its label, or a node id 'n3' when root is a Graph).
    max_paths: how many paths to list; `total` always sums all of them.
    Raises ValueError when a node on a path is not a scalar, or when an edge's rule can no longer run
    (a backward pass without retain_graph freed the parameters it needs), or has no single complex derivative
    (a non-holomorphic step of a complex path: see `viz.graph.local_derivative`). On a holomorphic complex path
    the total is the complex derivative f'(z), whose conjugate is PyTorch's leaf.grad after out.backward(1).
    """
    graph = root if isinstance(root, Graph) else trace(root)
    leaf_node = _find(graph, leaf)
    check_differentiable(graph, leaf_node, "chain_rule")
    nodes = {n.id: n for n in graph.nodes}
    edges_on_path = path_edges(graph, leaf_node.id)
    incoming = {}
    for e in graph.edges:
        if (e.src, e.dst, e.index) in edges_on_path:
            incoming.setdefault(e.dst, []).append(e)
            for end in (e.src, e.dst):
                if not nodes[end].is_scalar:
                    raise ValueError(
                        f"chain_rule: node {nodes[end].name} ({nodes[end].op or 'leaf'}) has shape "
                        f"{nodes[end].shape}; the path decomposition needs a scalar graph"
                    )
            if e.derivative is None and any(nodes[end].dtype.startswith("complex") for end in (e.src, e.dst)):
                raise ValueError(
                    f"chain_rule: ∂{nodes[e.dst].name}/∂{nodes[e.src].name} ({nodes[e.dst].op}) is not one number: "
                    "through a non-holomorphic operation, or between a real and a complex number, a derivative is "
                    "the pair ∂w/∂z, ∂w/∂z̄; the path decomposition needs holomorphic steps between complex numbers"
                )
            if e.derivative is None:
                raise ValueError(
                    f"chain_rule: the local derivative ∂{nodes[e.dst].name}/∂{nodes[e.src].name} is not "
                    "available (its saved values were freed by backward(); pass retain_graph=True)"
                )
    # Dynamic programming from the output down: adjoint[n] = ∂root/∂n summed over paths, count[n] = #paths.
    adjoint = {graph.output: 1.0}
    count = {graph.output: 1}
    order = [n.id for n in graph.nodes]
    for node_id in reversed(order):
        if node_id not in adjoint:
            continue
        for e in incoming.get(node_id, ()):
            adjoint[e.src] = adjoint.get(e.src, 0.0) + adjoint[node_id] * e.derivative
            count[e.src] = count.get(e.src, 0) + count[node_id]
    n_paths = count.get(leaf_node.id, 0)
    total = adjoint.get(leaf_node.id, 0.0)
    if leaf_node.id == graph.output:
        n_paths, total = 1, 1.0
    paths = _enumerate_paths(graph.output, leaf_node.id, incoming, nodes, max_paths)
    return ChainRule(graph.output, leaf_node.id, paths, n_paths, total, edges_on_path,
                     nodes[graph.output].name, leaf_node.name)


def _enumerate_paths(output_id, leaf_id, incoming, nodes, max_paths):
    """Up to max_paths paths from the output down to the leaf, depth first with an explicit stack."""
    paths = []
    stack = [(output_id, [])]
    while stack and len(paths) < max_paths:
        node_id, factors = stack.pop()
        if node_id == leaf_id:
            product = 1.0
            for f in factors:
                product *= f.derivative
            paths.append(Path(factors, product))
            continue
        for e in reversed(incoming.get(node_id, ())):  # reversed: the first argument is explored first
            stack.append((e.src, factors + [Factor(e, nodes[e.dst].name, nodes[e.src].name, e.derivative)]))
    return paths


def _find(graph, leaf):
    if isinstance(leaf, str) and leaf in graph._node_index() and leaf.startswith("n"):
        return graph.node(leaf)
    return graph.node_of(leaf)
