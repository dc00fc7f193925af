"""`explore`: the graph as one self-contained, interactive HTML page (pan, zoom, inspect, chain rule, backward steps).

The page is written here in one pass: the traced `Graph` becomes compact column-wise JSON (one entry per node
and per edge, bounded in size, so the page grows linearly with the graph), embedded with the page's own
script and style from `viz/explorer/` (package data). No CDN, no server, no Graphviz: the script lays the
graph out in layers itself, so modules can fold and unfold in the browser.

What each node carries: scalars exactly (JSON floats round-trip), arrays of up to `SMALL` elements in full,
bigger ones as min/mean/max, a histogram and, for 2-D and higher, a small heatmap (a down-sampled grid, one
byte per cell, base64). Complex numbers are text as Python writes them ('1+2j', each part to 17 digits: exact), and
a complex array's summary is its mean and largest |z|, as the pictures write it (complex numbers have no order).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from importlib import resources

import numpy as np

from autograd_core import Value

from .collapse import parameter_group_title, shared_parameter_paths
from .dot import parameter_lines, summary_lines
from .graph import COLLAPSED, CONSTANT, PARAMETER, ROLES, Graph, Node, complex_summary, summary_stats, trace
from .labels import (
    argument_names, constant_text, op_label, operation_texts, rule_text, with_argument_names, written_in_place,
)
from .texts import complex_text, shown_mean

SCHEMA = "autograd-core.explorer/1"
SMALL = 16          # arrays up to this many elements are written in full (a 4 x 4 grid of numbers)
HEAT = 24           # heatmaps are down-sampled to at most HEAT x HEAT cells
BINS = 16           # histogram bins
COLLAPSE_ABOVE = 2500  # bigger graphs open with modules folded, unfolding breadth first within this budget
SCRIPT_PARTS = ("graph.js", "gradients.js", "canvas.js", "panel.js")  # one scope, in this order


def explore(root, *, title=None, highlight=None, collapse_above=COLLAPSE_ABOVE, height=640) -> Explorer:
    """An `Explorer` (an HTML page) of the graph that produced `root`.

    root:           a Value (scalar or tensor; call `root.backward(retain_graph=True)` first to see gradients,
                    edge derivatives and the backward replay), or a `Graph` from `viz.trace`.
    title:          a heading for the page (default: the output's name and the node count).
    highlight:      a leaf (Value, label or node id) whose chain-rule paths are shown when the page opens.
    collapse_above: graphs with more nodes open with module clusters folded (expand them in the page).
    height:         the height in pixels of the inline frame in a notebook.
    In Jupyter the result displays inline (a sandboxed iframe); `.save("graph.html")` writes the page.
    Complex graphs: numbers written as Python writes them ('1+2j'), PyTorch's grads, f′(z) on the edges between
    complex scalars where the operation is holomorphic (the replay sends grad · conj(f′), PyTorch's rule).
    """
    graph = root if isinstance(root, Graph) else trace(root)
    if isinstance(root, Value):
        from .steps import backward_order

        order = backward_order(root, graph)
    else:
        order = [n.id for n in reversed(graph.nodes) if n.requires_grad and n.role != COLLAPSED]
    start = None
    if highlight is not None:
        start = _node_id(graph, highlight)
    data = explorer_data(graph, order, title=title, collapse_above=collapse_above, highlight=start)
    return Explorer(page(data), height=height, n_nodes=len(graph.nodes))


class Explorer:
    """An interactive page of a graph. `.html` is the page; `.save(path)` writes it; Jupyter shows it inline."""

    def __init__(self, html_text, height=640, n_nodes=0):
        self.html = html_text
        self.height = int(height)
        self.n_nodes = n_nodes

    def save(self, path):
        """Write the page to `path` (through a temporary file and a rename: never half-written)."""
        from .export import write_atomic

        write_atomic(os.fspath(path), self.html.encode("utf-8"), who="Explorer.save")
        return path

    def _repr_html_(self):
        # A sandboxed iframe: the page's script runs in JupyterLab, Notebook and VS Code alike, and cannot
        # touch the notebook around it.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
                f'style="width:100%;height:{self.height}px;border:1px solid #cbd5e1;border-radius:4px" '
                f'title="autograd-core graph explorer"></iframe>')

    def __repr__(self):
        return f"<graph explorer: {self.n_nodes} nodes, {len(self.html)} characters; .save('graph.html')>"


def _node_id(graph, key):
    if isinstance(key, str) and key in graph._node_index():
        return key
    return graph.node_of(key).id


def page(data) -> str:
    """The HTML page for `data` (from `explorer_data`): the JSON, script and style inline."""
    folder = resources.files(__package__).joinpath("explorer")
    template = folder.joinpath("page.html").read_text(encoding="utf-8")
    script = "\n".join(folder.joinpath(part).read_text(encoding="utf-8") for part in SCRIPT_PARTS)
    style = folder.joinpath("explorer.css").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    payload = payload.replace("</", "<\\/")  # a label like '</script>' must not end the data block
    return (template.replace("/*STYLE*/", style)
            .replace("__TITLE__", html.escape(data["title"]))
            .replace("/*DATA*/", payload, 1)
            .replace("/*SCRIPT*/", script, 1))


def explorer_data(graph: Graph, order, *, title=None, collapse_above=COLLAPSE_ABOVE, highlight=None) -> dict:
    """The page's data: plain JSON types, column-wise (node k is entry k of every node column)."""
    index = {n.id: k for k, n in enumerate(graph.nodes)}
    ops, op_ids = [], {}
    dtypes, dtype_ids = [], {}
    formulas, formula_ids = [], {}
    label, op, written, role, shape, dtype, scope, rg = [], [], [], [], [], [], [], []
    scopes, home, titles = _scopes_with_parameter_groups(graph)
    scope_index = {sid: k for k, (sid, *_) in enumerate(scopes)}
    role_index = {r: k for k, r in enumerate(ROLES)}
    in_edges = graph.in_edges()
    texts = operation_texts(graph)  # operands in place, as the picture writes them: 'a / 2', 'W @ x'
    folded_texts = _folded_operation_texts(graph, texts, index, in_edges, scopes, home)
    for n in graph.nodes:
        label.append(n.label)
        op.append(_intern(n.op, ops, op_ids) if n.op else -1)
        written.append(_intern(texts[n.id], ops, op_ids) if n.id in texts else -1)
        role.append(role_index[n.role])
        shape.append(list(n.shape))
        dtype.append(_intern(n.dtype, dtypes, dtype_ids))
        scope.append(scope_index.get(home.get(n.id, n.scope), -1))
        rg.append(1 if n.requires_grad and n.role != COLLAPSED else 0)  # a summary has no gradient of its own
    # [node, its label with argument 0 folded, with argument 1 folded, with both], as interned texts
    folded_written = [[index[i], *(_intern(t, ops, op_ids) for t in variants)] for i, variants in folded_texts.items()]
    # a summary box of a collapsed graph (viz.collapse) with the lines and the parameter list of the picture's box
    summaries = [[k, summary_lines(n), parameter_lines(n.parameters)]
                 for k, n in enumerate(graph.nodes) if n.role == COLLAPSED]
    folded = _folded_boxes(graph, scopes, home)
    # an unlabelled constant is called what the picture writes in its box: '0.3333', 'const (3,)'
    constants = [[k, constant_text(n)] for k, n in enumerate(graph.nodes) if n.role == CONSTANT and not n.label]
    data = encode_arrays([n.data for n in graph.nodes])
    grad = encode_arrays([n.grad for n in graph.nodes])
    src, dst, arg, deriv, formula = [], [], [], [], []
    in_place = []  # edges whose source the operation's label writes itself (the 2 of 'a / 2'): not drawn
    names = {}  # operation's node id -> its argument_names
    for k, e in enumerate(graph.edges):
        if e.dst in texts and written_in_place(graph.node(e.dst).op, texts[e.dst], graph.node(e.src)):
            in_place.append(k)
        src.append(index[e.src])
        dst.append(index[e.dst])
        arg.append(e.index)
        deriv.append(None if e.derivative is None else _number(e.derivative))
        rule = None
        if e.formula:
            a, b = graph.nodes[src[-1]], graph.nodes[dst[-1]]
            # the rule names the operation's inputs as the picture does ('−g⊙out/a', not '−g⊙out/y'): the page
            # shows it in the edge's tooltip for scalars as well. Names found once per operation, not per edge.
            if e.dst not in names:
                names[e.dst] = argument_names(b.op, [graph.nodes[index[x.src]] for x in in_edges[e.dst]])
            named = with_argument_names(e.formula, b.op, (), names[e.dst])
            rule = rule_text(named, a, b)
        formula.append(_intern(rule, formulas, formula_ids) if rule else -1)
    values = graph._values
    if len(values) == len(graph.nodes):  # creation order: modules and neurons are laid out in it
        created = np.argsort(np.argsort([values[n.id].creation_index for n in graph.nodes], kind="stable"))
        created = created.tolist()
    else:
        created = list(range(len(graph.nodes)))
    out = graph.node(graph.output)
    if title is None:
        title = f"{out.name}: {len(graph.nodes)} nodes"
    return {
        "schema": SCHEMA, "title": str(title), "output": index[graph.output], "roles": list(ROLES),
        "ops": ops, "dtypes": dtypes, "formulas": formulas,
        "ids": [n.id for n in graph.nodes], "label": label, "op": op, "written": written,
        "writtenFolded": folded_written, "role": role,
        "shape": shape, "dtype": dtype, "scope": scope, "rg": rg, "created": created,
        "data": data, "grad": grad, "summaries": summaries, "constants": constants,
        "scopes": [[name, kind, scope_index.get(parent, -1), *group] for _, name, kind, parent, *group in scopes],
        "scopeTitles": titles, "folded": folded,
        "src": src, "dst": dst, "arg": arg, "deriv": deriv, "formula": formula, "inPlace": in_place,
        "order": [index[i] for i in order if i in index],
        "collapseAbove": int(collapse_above), "highlight": None if highlight is None else index[highlight],
    }


def _scopes_with_parameter_groups(graph):
    """The page's module boxes: each module call (id, name, kind, parent id), then groups for the parameters that
    several calls share (id, name, kind, parent id, 1), nested as the modules they belong to ('MLP: parameters' ⊃
    'Layer layers.0: parameters' ⊃ 'Neuron neurons.0: parameters'); {parameter id: its group's id}; and each box's
    title as the pictures write it ('Linear layers.0', 'Layer layers.0: parameters').

    As in a collapsed picture (viz.collapse), the weights of a model called on each sample fold into boxes of
    their own: without them, folding the calls would leave every weight a loose box (41 for micrograd's demo)."""
    scopes = [(s.id, s.name, s.kind, s.parent) for s in graph.scopes]
    titles = [s.title for s in graph.scopes]
    groups, home = {}, {}
    for param, path in shared_parameter_paths(graph).items():
        parent = None
        for depth, module in enumerate(path):
            key = tuple(m.name for m in path[: depth + 1])
            if key not in groups:
                groups[key] = f"p{len(groups)}"
                scopes.append((groups[key], module.name, module.kind, parent, 1))
                titles.append(parameter_group_title(module))
            parent = groups[key]
        home[param] = parent
    return scopes, home, titles


def _folded_operation_texts(graph, texts, index, in_edges, scopes, home):
    """{node id: (its label with argument 0 folded, with argument 1 folded, with both)} for each operation written
    with its operands ('n7 ** 2') one of which the page can fold into a module's box while the operation stays
    visible: it is then written '…' as a collapsed picture writes it ('… ** 2', labels.op_label of a summary)."""
    parent = {sid: p for sid, _, _, p, *_ in scopes}

    def enclosing(sid):
        chain = {None}
        while sid is not None:
            chain.add(sid)
            sid = parent[sid]
        return chain

    folded = {}
    for n in graph.nodes:
        if n.id not in texts:
            continue
        args = [graph.nodes[index[e.src]] for e in in_edges[n.id]]
        around = enclosing(home.get(n.id, n.scope))
        if any(home.get(a.id, a.scope) not in around for a in args):
            folded[n.id] = tuple(op_label(n.op, [FOLDED if k in ks else a for k, a in enumerate(args)])
                                 for ks in ((0,), (1,), (0, 1)))
    return folded


# what an argument folded into a module's box is to labels.op_label: a summary ('…')
FOLDED = Node("folded", COLLAPSED, "", None, (), "", None, None, True)


def _folded_boxes(graph, scopes, home):
    """[lines, parameter lines] for each of the page's module boxes (`_scopes_with_parameter_groups`), in their
    order: folded in the page, a box says what a collapsed picture's box for it says (how many nodes it hides, how
    many of them are parameters, the range of their data and grad: dot.summary_lines) and lists its parameters as
    that box's tooltip does (dot.parameter_lines). A box holds the nodes of the boxes inside it; the output is never
    folded (the page keeps it visible, as collapse does), so it is not counted."""
    parent = {sid: p for sid, _, _, p, *_ in scopes}
    hidden, params = dict.fromkeys(parent, 0), {sid: [] for sid in parent}
    for n in graph.nodes:
        if n.id == graph.output:
            continue
        sid = home.get(n.id, n.scope)
        # a summary box of a collapsed graph stands for the nodes it hides
        count, found = (n.hidden, n.parameters) if n.role == COLLAPSED else (1, (n,) if n.role == PARAMETER else ())
        while sid is not None:
            hidden[sid] += count
            params[sid].extend(found)
            sid = parent[sid]
    boxes = []
    for sid, *_ in scopes:
        box = Node(sid, COLLAPSED, "", None, (), "", None, None, True, hidden=hidden[sid],
                   parameters=tuple(params[sid]))
        boxes.append([summary_lines(box), parameter_lines(box.parameters)])
    return boxes


def _intern(text, table, ids):
    k = ids.get(text)
    if k is None:
        k = ids[text] = len(table)
        table.append(str(text))
    return k


def _number(x):
    if isinstance(x, (complex, np.complexfloating)):
        return complex_text(x, 17)  # 17 digits: the page's arithmetic reads back the exact numbers
    x = float(x)
    if math.isfinite(x):
        return x + 0.0  # -0.0 prints as 0
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _histograms(rows, lo, hi):
    """BINS counts for each row of the 2-D finite array `rows`, over [lo, hi] of that row (all in the first bin
    when lo == hi). Not np.histogram: it refuses a range too narrow to split (values a few ulps apart)."""
    width = np.where(hi > lo, hi - lo, 1.0)
    bins = np.clip(((rows - lo[:, None]) / width[:, None] * BINS).astype(np.intp), 0, BINS - 1)
    bins += np.arange(len(rows))[:, None] * BINS
    return np.bincount(bins.reshape(-1), minlength=len(rows) * BINS).reshape(len(rows), BINS)


def encode_arrays(arrays):
    """`encode_array` of each entry (None stays None), with the arrays of one shape summarised together:
    a 10,000-node tensor graph is encoded with a few NumPy calls per shape, not a few per array."""
    out = [None] * len(arrays)
    groups, small = {}, {}
    for k, x in enumerate(arrays):
        if x is None:
            continue
        if x.__class__ is np.ndarray and 1 < x.size <= 4096 and x.dtype.kind == "f":
            (small if x.size <= SMALL else groups).setdefault((x.shape, x.dtype), []).append(k)
        else:
            out[k] = encode_array(x)
    for members in small.values():  # written in full, with min, mean, max as encode_array writes them
        block = np.stack([arrays[k] for k in members]).reshape(len(members), -1).astype(np.float64)
        finite = np.isfinite(block).all(axis=1)
        lo, hi, mean = block.min(axis=1).tolist(), block.max(axis=1).tolist(), block.mean(axis=1).tolist()
        for i, (k, values) in enumerate(zip(members, block.tolist())):
            if not finite[i]:
                out[k] = encode_array(arrays[k])
                continue
            out[k] = {"v": values, "s": [lo[i] + 0.0, shown_mean(mean[i], lo[i], hi[i], arrays[k]) + 0.0, hi[i] + 0.0]}
    for (shape, _), members in groups.items():
        block = np.stack([arrays[k] for k in members]).reshape(len(members), -1).astype(np.float64)
        finite = np.isfinite(block).all(axis=1)
        for k in (members[i] for i in np.flatnonzero(~finite)):
            out[k] = encode_array(arrays[k])
        rows_ok = np.flatnonzero(finite)
        if not rows_ok.size:
            continue
        block = block[rows_ok]
        lo, hi = block.min(axis=1), block.max(axis=1)
        mean = block.mean(axis=1)
        counts = _histograms(block, lo, hi)
        heat = None
        if len(shape) >= 2:
            grid = block.reshape(len(block), -1, shape[-1])
            r = np.linspace(0, grid.shape[1] - 1, min(HEAT, grid.shape[1])).round().astype(np.intp)
            c = np.linspace(0, grid.shape[2] - 1, min(HEAT, grid.shape[2])).round().astype(np.intp)
            cells = grid[:, r][:, :, c].reshape(len(block), -1)
            scale = np.abs(cells).max(axis=1)
            scale[scale == 0] = 1.0
            q = np.clip(np.round(cells / scale[:, None] * 127) + 128, 0, 255).astype(np.uint8)
            heat = (q, len(r), len(c), scale)
        ranges = np.stack([np.where(hi > lo, lo, lo - 0.5), np.where(hi > lo, hi, lo + 0.5)], axis=1)
        for j, (i, payload) in enumerate(zip(rows_ok, zip(lo.tolist(), mean.tolist(), hi.tolist(),
                                                            counts.tolist(), ranges.tolist()))):
            a, m, b, h, hr = payload
            m = shown_mean(m, a, b, arrays[members[i]])
            entry = {"s": [a + 0.0, m + 0.0, b + 0.0], "h": h, "hr": hr}
            if heat is not None:
                q, nr, nc, scale = heat
                entry.update(m=base64.b64encode(q[j].tobytes()).decode("ascii"), mr=nr, mc=nc, ma=float(scale[j]))
            out[members[i]] = entry
    return out


def encode_array(x):
    """A number for a size-1 value; {'v': [...], 's': [min, mean, max]} for a small array (the mean as pictures
    write it, `shown_mean`); else the summary 's' with a histogram
    ('h': counts over 'hr': [lo, hi]) and, for 2-D and higher, a heatmap ('m': base64 bytes, 128 = 0,
    scaled by 'ma' = max |x|, 'mr' x 'mc' cells; n-D arrays are shown as (prod of leading dims, last dim))."""
    arr = np.asarray(x)
    if arr.size == 1:
        return _number(arr.reshape(-1)[0])
    if arr.size == 0:
        return {"v": []}
    flat = arr.reshape(-1)
    if arr.dtype.kind == "c":  # no order: no min and max, histogram or heatmap; the mean and the largest |z|
        mean, largest = complex_summary(arr)
        out = {"v": [_number(v) for v in flat.tolist()]} if arr.size <= SMALL else {}
        out["c"] = [_number(complex(mean)), _number(largest)]
        return out
    if arr.size <= SMALL:
        values = flat.tolist()
        out = {"v": values if np.isfinite(flat).all() else [_number(v) for v in values]}
        if arr.dtype.kind in "fiu":  # the mean as the picture writes it (shown_mean: 0, not rounding noise)
            lo, mean, hi = summary_stats(arr)
            out["s"] = [_number(lo), _number(shown_mean(mean, lo, hi, arr)), _number(hi)]
        return out
    lo, mean, hi = summary_stats(arr)
    out = {"s": [_number(lo), _number(shown_mean(mean, lo, hi, arr)), _number(hi)]}
    finite = flat[np.isfinite(flat)] if not (math.isfinite(lo) and math.isfinite(hi)) else flat
    if finite.size:
        a, b = float(finite.min()), float(finite.max())
        counts = _histograms(finite.astype(np.float64)[None], np.array([a]), np.array([b]))[0]
        out["h"], out["hr"] = counts.tolist(), [a, b]
    if arr.ndim >= 2:
        grid = arr.reshape(-1, arr.shape[-1])
        rows = np.linspace(0, grid.shape[0] - 1, min(HEAT, grid.shape[0])).round().astype(np.intp)
        cols = np.linspace(0, grid.shape[1] - 1, min(HEAT, grid.shape[1])).round().astype(np.intp)
        cells = np.nan_to_num(grid[np.ix_(rows, cols)].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        scale = float(np.abs(cells).max()) or 1.0
        q = np.clip(np.round(cells / scale * 127) + 128, 0, 255).astype(np.uint8)
        out.update(m=base64.b64encode(q.tobytes()).decode("ascii"), mr=len(rows), mc=len(cols), ma=scale)
    return out
