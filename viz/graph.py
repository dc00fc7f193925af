"""`trace`: walk the graph below a Value into plain nodes and edges, the model every picture is drawn from.

The DOT renderer, the JSON exporter, the chain-rule decomposition and the tests all read this model rather
than the live `Value` objects, so they agree on what the graph is:

* one `Node` per Value, numbered in topological order (every parent before its children, the first
  argument's subgraph before the second's), so the same graph always gets the same ids `n0, n1, …`;
* one `Edge` per argument of an operation, parent → child, with the argument number, the rule text of
  the primitive (`formulas[i]`) and, when both ends are scalars, the local derivative ∂child/∂parent (a
  complex number on an edge of complex scalars whose operation is holomorphic there: see `local_derivative`);
* one `ScopeInfo` per `nn.Module` call (engine `Scope`), nested through `parent`, for clusters.

Tracing is linear in the size of the graph and keeps references to the data and gradient arrays rather
than copying them.
"""

from __future__ import annotations

import cmath
import contextlib
import dataclasses
import gc
import math
from typing import Any

import numpy as np

from autograd_core import Value, strided
from autograd_core.engine import edge_vjp

SCHEMA = "autograd-core.graph/1"

# What a node is, for colours and for readers of the JSON.
OUTPUT, PARAMETER, LEAF, CONSTANT, INTERMEDIATE, COLLAPSED = (
    "output", "parameter", "leaf", "constant", "intermediate", "collapsed",
)
ROLES = (OUTPUT, PARAMETER, LEAF, CONSTANT, INTERMEDIATE, COLLAPSED)


@dataclasses.dataclass
class ScopeInfo:
    """One module call: `name` ('layers.0'), `kind` (the class name, 'Linear'), enclosing scope id or None."""

    id: str
    name: str
    kind: str
    parent: str | None = None

    @property
    def title(self) -> str:
        """How pictures name the call: 'Linear layers.0', or 'MLP' for a module whose name is its class name."""
        return self.kind if self.name == self.kind else f"{self.kind} {self.name}"


@dataclasses.dataclass(slots=True)
class Node:
    """One Value of the graph (or, after `collapse`, a summary standing for `hidden` of them).

    data, grad: the Value's NumPy data and gradient (a NumPy scalar for 0-d Values; grad None before a
                backward pass reaches the node). Not copies: tracing is cheap.
    shape:      tuple of ints; dtype: its name ('float64').
    scope:      id of the innermost `ScopeInfo` the node was made in, or None; for an nn.Parameter
                (made outside any module call) the innermost scope enclosing all of its uses.
    parameters: for role 'collapsed': the parameter Nodes among those it stands for (pictures give their
                range and list them in a tooltip); not part of equality or of the JSON.
    """

    id: str
    role: str
    op: str
    label: str | None
    shape: tuple
    dtype: str
    data: Any
    grad: Any
    requires_grad: bool
    scope: str | None = None
    hidden: int = 0  # for role 'collapsed': how many nodes this one stands for
    # for role 'collapsed': the parameters among them (their Nodes), for the picture's summary and tooltip
    parameters: tuple = dataclasses.field(default=(), compare=False, repr=False)
    sparse: bool = False  # a sparse Value (COO, CSR, ...): data and grad are then its stored values, not the whole

    @property
    def name(self) -> str:
        """The label, or the id for an unlabelled node: how pictures and equations refer to it."""
        return self.label or self.id

    @property
    def is_scalar(self) -> bool:
        return self.role != COLLAPSED and math.prod(self.shape) == 1  # math.prod: np.prod costs 20 µs a call


@dataclasses.dataclass(slots=True)
class Edge:
    """Argument `index` of node `dst` is node `src` (the edge points the way data flows).

    derivative: ∂dst/∂src as a float when both are scalars and `src` requires a gradient (what the
                primitive's rule gives for output gradient 1, in dst's dtype); a complex f'(z) on an edge of
                complex scalars whose operation is holomorphic there; otherwise None.
    formula:    the rule as text (`Primitive.formulas[index]`, e.g. 'g·Bᵀ'), or None if it has none.
    """

    src: str
    dst: str
    index: int
    derivative: float | complex | None = None
    formula: str | None = None


@dataclasses.dataclass
class Graph:
    """Nodes in topological order (the output last), edges in the order of their destination's arguments."""

    nodes: list[Node]
    edges: list[Edge]
    scopes: list[ScopeInfo]
    output: str
    hidden: int = 0  # nodes left out of this picture by `collapse`
    schema: str = SCHEMA
    # Not part of the plain data: the traced Values by node id, for `node_of` while they are alive.
    _values: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError naming it if there is none)."""
        index = self._node_index()
        if node_id not in index:
            raise KeyError(f"graph has no node {node_id!r}")
        return index[node_id]

    def _node_index(self):
        index = self.__dict__.get("_index_cache")
        if index is None or len(index) != len(self.nodes):
            index = {n.id: n for n in self.nodes}
            self.__dict__["_index_cache"] = index
        return index

    def in_edges(self) -> dict[str, list[Edge]]:
        """For each node id, the edges from its parents in argument order."""
        result = {n.id: [] for n in self.nodes}
        for e in self.edges:
            result[e.dst].append(e)
        return result

    def path_of(self, node: Node) -> str:
        """The node's name prefixed by the names of the module calls it was made in: 'layers.0.neurons.1.w[1,0]'
        (the outermost module, whose name is its class name, left out)."""
        scopes = {s.id: s for s in self.scopes}
        names, scope = [], scopes.get(node.scope)
        while scope is not None:
            names.append(scope.name)
            scope = scopes.get(scope.parent)
        if names and scopes.get(node.scope) is not None:
            names.pop()  # the outermost call ('MLP'): every node of the model shares it
        return ".".join(names[::-1] + [node.name])

    def node_of(self, value) -> Node:
        """The node traced from `value` (a Value object), or the unique node labelled `value` (a str), or
        named so by its module path when several share the label (`path_of`: 'layers.1.w[0,0]')."""
        if isinstance(value, str):
            found = [n for n in self.nodes if n.label == value]
            if len(found) > 1 or not found:  # a label that modules repeat: by its path ('layers.1.w[0,0]')
                paths = {n.id: self.path_of(n) for n in self.nodes if n.label}
                by_path = [n for n in self.nodes if n.label and (paths[n.id] == value
                                                                 or paths[n.id].endswith("." + value))]
                found = by_path if len(by_path) == 1 else found
            if len(found) != 1:
                labels = sorted({n.label for n in self.nodes if n.label})
                what = "no node" if not found else f"{len(found)} nodes"
                hint = ""
                if len(found) > 1:
                    hint = (f"; name one by its module path ({', '.join(self.path_of(n) for n in found[:3])}"
                            f"{', ...' if len(found) > 3 else ''}) or by its id ({found[0].id})")
                raise KeyError(f"{what} labelled {value!r} in the graph{hint} "
                               f"(labels: {', '.join(labels) or 'none'})")
            return found[0]
        for node_id, v in self._values.items():
            if v is value:
                return self.node(node_id)
        raise KeyError(f"{value!r} is not part of this graph")


def summary_stats(x):
    """(min, mean, max) of a non-empty array as floats, NaN-propagating, without NumPy warnings.

    Written with ufunc reductions because `arr.min()` / `arr.mean()` cost several microseconds of
    Python-level overhead each, which dominates on 100,000 small arrays.
    """
    arr = np.asarray(x)
    lo = float(_MIN(arr, axis=None))
    hi = float(_MAX(arr, axis=None))
    if math.isfinite(lo) and math.isfinite(hi) and max(-lo, hi) * arr.size < 1e300:
        return lo, float(_ADD(arr, axis=None, dtype=np.float64)) / arr.size, hi
    with np.errstate(all="ignore"):  # inf - inf is nan, and a huge sum may overflow: both are the answer
        return lo, float(_ADD(arr, axis=None, dtype=np.float64)) / arr.size, hi


def complex_summary(x):
    """(mean, largest |z|) of a non-empty complex array: a complex number and a float (NaN-propagating). Complex
    numbers have no order, so pictures give their mean and the size of the largest, not a min and a max."""
    arr = np.asarray(x)
    with np.errstate(all="ignore"):
        return complex(_ADD(arr, axis=None, dtype=np.complex128)) / arr.size, float(_MAX(np.abs(arr), axis=None))


_MIN, _MAX, _ADD = np.minimum.reduce, np.maximum.reduce, np.add.reduce
_BATCH_MAX_SIZE = 4096  # arrays up to this size are summarised together with others of their shape


def summary_table(arrays):
    """{id(array): (min, mean, max)} for the real ndarrays among `arrays` (None, empty and complex ones skipped:
    complex numbers have no order; pictures summarise them with `complex_summary`).

    Small arrays of equal shape and dtype are stacked and reduced together, three NumPy calls per
    group instead of three per array: a 100,000-node tensor graph is summarised in a fraction of a
    second. Results are those of `summary_stats` up to the rounding of the mean.
    """
    table, groups = {}, {}
    for x in arrays:
        if x.__class__ is not np.ndarray or x.size == 0 or id(x) in table or x.dtype.kind == "c":
            continue
        if x.size > _BATCH_MAX_SIZE:
            table[id(x)] = summary_stats(x)
        else:
            groups.setdefault((x.shape, x.dtype), {})[id(x)] = x
    for members in groups.values():
        block = np.stack(list(members.values())).reshape(len(members), -1)
        with np.errstate(all="ignore"):  # inf - inf is nan, as it should be
            lo, hi = _MIN(block, axis=1).tolist(), _MAX(block, axis=1).tolist()
            mean = (_ADD(block, axis=1, dtype=np.float64) / block.shape[1]).tolist()
        table.update(zip(members, zip(lo, mean, hi)))
    return table


def _role(value, is_output):
    if is_output:
        return OUTPUT
    if not value.requires_grad:
        return CONSTANT
    if value.primitive is not None:
        return INTERMEDIATE
    return PARAMETER if value.is_parameter else LEAF


def _scope_ids(scope, scope_ids, scopes):
    """The id of `scope`, registering it and its enclosing scopes (outermost first) on first sight."""
    key = id(scope)
    if key in scope_ids:
        return scope_ids[key]
    chain = []
    s = scope
    while s is not None and id(s) not in scope_ids:
        chain.append(s)
        s = s.parent
    for s in reversed(chain):
        sid = f"s{len(scopes)}"
        parent = scope_ids[id(s.parent)] if s.parent is not None else None
        scopes.append(ScopeInfo(sid, str(s.name), str(s.kind), parent))
        scope_ids[id(s)] = sid
    return scope_ids[key]


def topological_values(root):
    """Every Value below `root` (constants included), each after its parents; an explicit stack, no recursion."""
    order, visited = [], set()
    stack = [root]
    push, pop = stack.append, stack.pop
    while stack:
        value = pop()
        if value is None:  # marker: the Value below it has had all its parents emitted
            order.append(pop())
            continue
        if id(value) in visited:
            continue
        visited.add(id(value))
        push(value)
        push(None)
        parents = value.parents
        for i in range(len(parents) - 1, -1, -1):  # reversed, so the first argument comes out first
            if id(parents[i]) not in visited:
                push(parents[i])
    return order


def local_derivative(value, i):
    """∂value/∂(parent i) as a float for a scalar node and scalar parent, else None.

    Complex scalars: the complex derivative f'(z) when both ends are complex and the operation is holomorphic in
    this input (its rule multiplies the gradient by one number: rule(i) = i·rule(1), in the convention of
    autograd_core/ops/complex.py, where the gradient a backward pass carries is conj(.grad) and a holomorphic rule
    is G·f'(z)); None for an edge between a real and a complex number or through a non-holomorphic operation
    (abs, real, conj, ...), whose derivative is not one number but the pair ∂w/∂z, ∂w/∂z̄.
    None too when the rule cannot run any more (its saved parameters freed by a backward pass without
    retain_graph) or fails on this data: a picture should not fail because one label is unavailable.
    """
    parent = value.parents[i]
    if value.data.size != 1 or parent.data.size != 1 or not parent.requires_grad:
        return None
    data = value.data
    one = data.dtype.type(1) if data.ndim == 0 else np.ones(data.shape, data.dtype)
    try:
        d = edge_vjp(value, i, one)
    except Exception:  # see the docstring: a missing label must not stop the picture
        return None
    if d is None:
        return None
    if data.dtype.kind == "c" or parent.data.dtype.kind == "c":
        return _complex_derivative(value, i, one, d)
    return float(d) if d.__class__ is not np.ndarray else float(d.reshape(-1)[0])


def _complex_derivative(value, i, one, d):
    """f'(z) from the rule's results for output gradients 1 (`d`) and i, when they show a holomorphic edge."""
    if value.data.dtype.kind != "c" or value.parents[i].data.dtype.kind != "c":
        return None
    try:
        d_i = edge_vjp(value, i, one * 1j)
    except Exception:  # see local_derivative: a missing label must not stop the picture
        return None
    d, d_i = complex(np.asarray(d).reshape(-1)[0]), complex(np.asarray(d_i).reshape(-1)[0])
    if not cmath.isclose(d_i, 1j * d, rel_tol=1e-9, abs_tol=1e-12):
        return None  # not holomorphic here: rule(G) = G·∂w/∂z + conj(G)·∂w̄/∂z has two terms
    return d


def _kind_of(thing):
    """What a picture was asked to draw instead of a Value, named so that the learner sees the way out: micrograd's
    own Value ("expected a Value, got Value" contradicted itself), or a list of outputs (an MLP with several)."""
    kind = type(thing)
    if isinstance(thing, (list, tuple)) and thing and all(isinstance(v, Value) for v in thing):
        return (f"a {kind.__name__} of {len(thing)} Values (a model with several outputs returns one): draw one of "
                "them, or their sum (sum(outputs))")
    if callable(getattr(thing, "forward", None)) and callable(getattr(thing, "parameters", None)):
        # a model (nn.Module, or another library's): the graph is that of a call, not of the module
        return (f"the module {kind.__name__} itself: draw what a call computes, e.g. viz.draw(model(x)) or the "
                "loss of it")
    if isinstance(thing, np.ndarray) or kind.__module__ == "numpy":
        return f"{kind.__name__} (NumPy data records no graph: draw a Value computed from Values)"
    if callable(thing) and not isinstance(thing, type):
        return f"{kind.__name__} (draw the Value it returns: viz.draw(f(x)))"
    if kind.__module__ in ("builtins", "numpy"):
        return kind.__name__
    if kind.__module__.split(".")[0] == "autograd_core":  # one of ours, but not a Value (an optimizer, a dataset)
        return f"{kind.__module__}.{kind.__qualname__}"
    return (f"{kind.__module__}.{kind.__qualname__}, not autograd_core.Value (made by another library? import "
            "Value from autograd_core)")


class ComplexNotDrawn(TypeError):
    """Raised by `viz.explore` for a graph holding a complex Value until stop 53, when the explorer learnt complex
    numbers; no picture raises it now (kept for code that catches it)."""


def trace(root, derivatives=True) -> Graph:
    """The graph that produced `root` as plain data (`Graph` of `Node`s, `Edge`s, `ScopeInfo`s).

    root:        a Value (scalar or tensor); the walk follows `.parents` all the way to the leaves,
                 constants included.
    derivatives: compute the number on each scalar edge (set False to skip the rule calls).
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace: expected a Value, got {_kind_of(root)}")
    with _gc_paused():
        return _trace(root, derivatives)


def _trace(root, derivatives):
    values = topological_values(root)
    ids = {}
    nodes, edges, scopes, scope_ids, by_id = [], [], [], {}, {}
    dtype_names = {}  # dtype.name is slow (it is computed each time); there are only a few dtypes
    for k, v in enumerate(values):
        node_id = f"n{k}"
        ids[id(v)] = node_id
        by_id[node_id] = v
        data = v.data
        dtype = data.dtype
        dtype_name = dtype_names.get(dtype)
        if dtype_name is None:
            dtype_name = dtype_names[dtype] = dtype.name
        scope = None if v.scope is None else _scope_ids(v.scope, scope_ids, scopes)
        op = v.primitive
        if v.layout is not strided:  # sparse: pictures summarise its stored values (a dense gradient stays whole)
            grad = v.grad
            nodes.append(Node(node_id, _role(v, v is root), "" if op is None else op.name, v.label, tuple(v.shape),
                              dtype_name, _stored_values(v),
                              _stored_values(grad) if grad is not None and grad.layout is not strided else grad,
                              v.requires_grad, scope, sparse=True))
        else:
            nodes.append(Node(node_id, _role(v, v is root), "" if op is None else op.name, v.label,
                              data.shape, dtype_name, data, v.grad, v.requires_grad, scope))
        if op is None:
            continue
        formulas = op.formulas
        scalar = derivatives and data.size == 1
        for i, parent in enumerate(v.parents):
            formula = formulas[i] if i < len(formulas) else None
            d = local_derivative(v, i) if scalar else None
            edges.append(Edge(ids[id(parent)], node_id, i, d, formula or None))
    _place_parameters(nodes, edges, scopes)
    return Graph(nodes, edges, scopes, ids[id(root)], _values=by_id)


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while building many small objects that all stay alive.

    Every few hundred allocations it would otherwise rescan the whole (large, live) Value graph: that
    costs more than the tracing itself on a 100,000-node graph. Reference counting still frees.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _place_parameters(nodes, edges, scopes):
    """Put each nn.Parameter (a leaf, made outside any module call) into the innermost scope that
    encloses all of its uses, so a picture draws a Linear's weight and bias inside the Linear's box."""
    candidates = {n.id for n in nodes if n.role == PARAMETER and n.scope is None}
    if not candidates or not scopes:
        return
    parent = {s.id: s.parent for s in scopes}
    scope_of = {n.id: n.scope for n in nodes}
    common = {}
    for e in edges:
        if e.src not in candidates:
            continue
        path = _scope_path(scope_of[e.dst], parent)
        prev = common.get(e.src)
        if prev is None:
            common[e.src] = path
        else:
            k = 0
            while k < min(len(prev), len(path)) and prev[k] == path[k]:
                k += 1
            common[e.src] = prev[:k]
    for n in nodes:
        if n.id in candidates and common.get(n.id):
            n.scope = common[n.id][-1]


def _scope_path(sid, parent):
    path = []
    while sid is not None:
        path.append(sid)
        sid = parent[sid]
    return path[::-1]


def _stored_values(t):
    """The stored values of sparse tensor t as an array: COO's _values(), a compressed layout's (CSR, ...) values()."""
    return (t._values() if t.is_sparse else t.values()).detach().numpy()
