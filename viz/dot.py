"""DOT rendering: a traced `Graph` as a Graphviz picture, micrograd style.

Each Value is a small table (name | shape | data | grad); each operation is an ellipse between its inputs
and its result; each input edge carries its local derivative (a number for scalars, the rule's text for
tensors). Colours tell leaves, parameters, constants, intermediates and the output apart; module calls are
nested clusters; a highlighted leaf's paths to the output are drawn in red with the chain-rule product as
the title.

The DOT text is written here directly (one pass over nodes and edges, no Graphviz process), so it is linear
in the size of the graph and deterministic: node ids come from the traversal order of `trace`.
"""

from __future__ import annotations

import math
import re

import graphviz
import numpy as np

from .chain import chain_rule, check_differentiable, path_edges, symbol
from .collapse import collapse
from .fonts import check_font
from .graph import (
    COLLAPSED, CONSTANT, INTERMEDIATE, LEAF, OUTPUT, PARAMETER, Graph, _gc_paused, summary_table, trace,
)
from .jupyter import GraphPicture
from .labels import constant_text, drawn_per_use, edge_label, op_label, written_in_place
from .layout import enters, rank_order
from .texts import (
    dot_string, html_text, number_text, range_text, shape_text, value_summary,
)

SHOW_CHOICES = ("data", "grad", "shape", "derivs")
DEFAULT_SHOW = frozenset(SHOW_CHOICES)
RANKDIRS = ("LR", "TB", "RL", "BT")
DIRECTIONS = RANKDIRS + ("auto",)  # auto: LR, or TB for a long chain that would be a wide thin strip
TITLE_CHARS = 110  # longer title lines are wrapped; a chain rule with many long paths is summarised

# Header colours by role; the rest of a table stays white so numbers read well.
ROLE_FILL = {
    LEAF: "#dbeafe",          # inputs that require a gradient: blue
    PARAMETER: "#ede9fe",     # nn.Parameter: violet
    INTERMEDIATE: "#f1f5f9",  # slate
    OUTPUT: "#bbf7d0",        # green
    CONSTANT: "#f8fafc",
}
HIGHLIGHT = "#dc2626"
CURRENT_FILL = "#fed7aa"      # the node whose gradient the current backward step fills in
CLUSTER_FILLS = ("#f8fafc", "#eef2ff", "#f0fdf4", "#fff7ed")
FONT = "Helvetica"
OP_PLAIN = 'style=filled fillcolor="#ffffff" color="#64748b"'
OP_PATH = f'style=filled fillcolor="#fee2e2" color="{HIGHLIGHT}" penwidth=2'
EDGE_PATH = f'color="{HIGHLIGHT}" fontcolor="{HIGHLIGHT}" penwidth=2.2'
MAX_TITLE_CHARS = 1000  # each title line (a chain-rule sum over many paths can be long)
# Graphviz's time grows much faster than the node count when edges span many ranks (a 100-term sum chain
# with every neuron folded into one box: 100 nodes, 9,000 ranks crossed, minutes of `dot`). With max_nodes,
# a picture whose edges cross more ranks than this in all is collapsed further (a quarter fewer nodes
# at a time).
MAX_RANKS_CROSSED = 1200
# A scalar module graph too big to pin gets boxes instead while (edges crossing a box's border) x (boxes) stays
# under this; past it, with clusters='auto', no boxes: dot's time on boxes grows with both, and fastest on edges
# that cross no border. Measured (dot, boxes drawn): MLP 64-4-1 6,300 0.3 s, 32-8-1 9,600 0.2 s, 2-12-12-1
# 20,300 0.4 s; 2-16-16-1 43,900 6.6 s (0.6 s without boxes), 2-64-1 43,700 7.9 s, 2-24-24-1 135,000 over 90 s.
BOXES_MAX_CROSSINGS = 25000
# The pinned picture of a scalar module graph (see _module_layout) aligns the neurons of a layer, so an input of
# a neuron's sum waits beside the chain of additions until its turn: its edge skips ranks, one hidden node each
# in dot's layout, and dot's time grows faster than their number. Past MAX_RANKS_CROSSED skipped, the edge labels
# become xlabels (placed after the layout; a label is a node of its own and doubles every rank): MLP 2-16-16-1,
# 4,384 skipped, 22-33 s with labels, 4-5 s with xlabels; 2-64-1, 4,224 skipped: 7 minutes, 7.5 s. Past this
# many, with clusters='auto', the picture is not pinned (2-24-24-1, 14,448 skipped: 44 s with xlabels).
PINNED_MAX_SKIPPED = 5000
# Past this many ranks skipped in all (`_ranks_crossed`), Graphviz's two searches that grow with the hidden nodes are
# capped: the placement of nodes across the ranks (network simplex, nslimit) to about LAYOUT_WORK / (nodes + hidden
# nodes) iterations, and the crossing minimisation (mclimit) to a fifth of its passes. micrograd's demo loss on one
# input (1,663 nodes; its L2 term, a sum of 337 squares, puts each parameter's second use hundreds of ranks below its
# first: 91,500 hidden nodes) did not finish in 25 minutes, its x placement at 3,400 iterations after 150 s; capped:
# ~12 s of CPU (mincross 7.4 -> 0.5 s, x placement 1.5 s, the splines the rest), a picture that looks the same
# (crossings 13,988 -> 14,994). Below it (MLP 2-24-24-1 unpinned, 20,468: 4 s) pictures are unchanged.
CAPPED_LAYOUT_SKIPPED = 50_000
LAYOUT_WORK = 5_000_000


def draw(root, *, rankdir="auto", show=DEFAULT_SHOW, highlight=None, max_nodes=None, clusters="auto",
         title=None, dpi=None, size=None, font=None, background=None) -> GraphPicture:
    """A `graphviz.Digraph` (subclass `GraphPicture`) of the graph that produced `root`.

    root:      a Value, or a `Graph` from `viz.trace`.
    rankdir:   'LR' (inputs left, output right), 'TB' (top to bottom), 'RL', 'BT', or 'auto' (the default).
    show:      any of 'data', 'grad', 'shape', 'derivs' (local derivatives on the edges).
    highlight: a leaf (Value, label, or node id): its paths to the output are drawn in red and, for a
               scalar graph, the title shows ∂out/∂leaf as the sum over paths of products of local
               derivatives (equal to leaf.grad after out.backward(); see `viz.chain_rule`).
    max_nodes: collapse the picture to about this many nodes (module scopes fold into boxes first,
               then the nodes furthest from the output; see `viz.collapse`); the title says how many were
               hidden. A box that hides parameters gives their range, and lists them in its tooltip.
    clusters:  'auto' (the default): draw each nn.Module call as a (nested) box; a scalar graph built by modules
               (micrograd's MLP) instead names each module in a heading above its neurons, drawn in order, while
               that layout stays quick for Graphviz (see PINNED_MAX_SKIPPED), then boxes while they stay quick
               (BOXES_MAX_CROSSINGS), then neither, and the title says the boxes were left out (MLP 2-24-24-1
               on one input: 3 s without them, over a minute with them). True: headings or boxes always,
               however long Graphviz takes. False: neither.
    title:     a line above the picture (a str with newlines: several lines); the lines of a title are
               left-aligned.
    dpi:       resolution of PNG output (Graphviz's default is 96); size: the largest size in inches,
               'W,H' or a number (Graphviz `size`; the picture is scaled down to fit, never up), or 'W,H!' to scale
               up as well, until the picture fills W or H (a 16:9 slide 1920 px wide: size='8,4.5!', dpi=240).
    font:      the font family of every text ('Noto Sans CJK SC', 'Times-Roman'; default Helvetica, which
               fontconfig maps to a sans-serif font it has); a name no installed font has is warned about
               (`MissingFontWarning`), as fontconfig would silently use another.
    background: 'transparent' (for a slide of any colour: PNG and SVG keep the alpha) or a colour ('#fff8e1',
               'white'); default: none written, which Graphviz draws white.
    rankdir 'auto' picks 'LR', or 'TB' when the graph is a long chain (an LR picture would be a thin strip).
    Complex Values are drawn with their numbers as Python writes them ('1+2j'; arrays: their mean and largest
    |z|) and PyTorch's grads; an edge between complex scalars carries f'(z) where the operation is holomorphic, its
    rule otherwise, written for PyTorch's g (see `rule_text`).
    Works without the Graphviz binary: the result's `.source` is the DOT text.
    """
    show = _check_show(show)
    # the chain-rule title of highlight= needs the numbers on the edges even when the edges do not show them
    graph = root if isinstance(root, Graph) else trace(root, derivatives="derivs" in show or highlight is not None)
    on_path, chain, scalar_path, why = set(), None, False, ""
    if highlight is not None:
        leaf = graph.node(highlight) if _is_node_id(graph, highlight) else graph.node_of(highlight)
        check_differentiable(graph, leaf, "draw(highlight=...)")
        on_path = path_edges(graph, leaf.id)
        nodes = graph._node_index()
        scalar_path = all(nodes[i].is_scalar for e in on_path for i in e[:2])
        if scalar_path:
            try:
                chain = chain_rule(graph, leaf.id)
            except ValueError as err:  # a freed graph, a non-holomorphic step: still mark the paths, no numbers
                chain, why = None, str(err)
    keep = {i for e in on_path for i in e[:2]}
    shown = _collapse_for_layout(graph, max_nodes, keep)
    lines = [title] if title else []
    if chain is not None:
        lines.extend(_chain_title(chain))
    elif highlight is not None:
        lines.append(f"paths from {leaf.name} to {graph.node(graph.output).name} (red)")
        if scalar_path and "not one number" in why:
            lines.append("(complex numbers through a non-holomorphic step: no single local derivative per edge)")
        elif scalar_path:
            lines.append("(some local derivatives were freed by backward(); pass retain_graph=True to see them)")
    picture = render(shown, rankdir=rankdir, show=show, highlight_edges=on_path, title_lines=lines,
                     clusters=clusters)
    return styled(sized(picture, dpi, size), font, background)


def draw_dot(root, format="svg", rankdir="LR") -> GraphPicture:
    """micrograd's `draw_dot(root, format='svg', rankdir='LR')`, so that its notebooks' calls run unchanged:
    `draw(root, rankdir=rankdir)` (data, grad and each edge's local derivative) with `.format` set to `format`, the
    format `.render(filename)` writes ('svg', 'png', 'pdf', ...). For the other options (highlight=, max_nodes=,
    show=) call `draw` itself."""
    picture = draw(root, rankdir=rankdir)
    picture.format = format  # graphviz checks the name: an unknown format is a ValueError naming the known ones
    return picture


def sized(picture, dpi=None, size=None):
    """Set the picture's resolution (dpi, for PNG) and largest size in inches ('W,H' or a number)."""
    if dpi is not None:
        value = _number_or_none(dpi)
        if value is None or not 10 <= value <= 1200:
            raise ValueError(f"dpi must be a number between 10 and 1200, got {dpi!r}")
        picture.graph_attr["dpi"] = f"{value:g}"
    if size is not None:
        # 'W,H!': scaled up as well as down, until it fills W or H (Graphviz's '!'): a slide's exact width in pixels
        fill = isinstance(size, str) and size.strip().endswith("!")
        text = str(size).strip()
        parts = list(size) if isinstance(size, (tuple, list)) else (text[:-1] if fill else text).split(",")
        parts = [_number_or_none(p) for p in parts]
        if not 1 <= len(parts) <= 2 or not all(p is not None and 0 < p <= 1000 for p in parts):
            raise ValueError(f"size must be W,H or W in inches (0 < W, H <= 1000), and W,H! to scale up as well as "
                             f"down, got {size!r}")
        picture.graph_attr["size"] = ",".join(f"{p:g}" for p in parts) + ("!" if fill else "")
    return picture


def styled(picture, font=None, background=None):
    """Set the picture's font family (every text of it) and background ('transparent' or a colour); None: unchanged."""
    if font is not None:
        if not isinstance(font, str) or not font.strip() or any(c in font for c in '"\\\n<>'):
            raise ValueError(f"font must be a font family name such as 'Noto Sans CJK SC', got {font!r}")
        check_font(font)
        for attrs in (picture.graph_attr, picture.node_attr, picture.edge_attr):
            attrs["fontname"] = font
        # module headings and box labels are bold: Graphviz's own name for that is 'Helvetica-Bold', fontconfig's
        # for any other family 'NAME Bold'
        picture.body[:] = [stmt.replace(f'fontname="{FONT}-Bold"', f'fontname="{font} Bold"')
                           for stmt in picture.body]
    if background is not None:
        if not isinstance(background, str) or not BACKGROUND.fullmatch(background):
            raise ValueError(f"background must be 'transparent', a colour name ('white') or '#rrggbb' / '#rrggbbaa', "
                             f"got {background!r}")
        picture.graph_attr["bgcolor"] = background
    return picture


BACKGROUND = re.compile(r"transparent|[A-Za-z][A-Za-z0-9]*|#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?")


def _number_or_none(x):
    """`x` as a float, or None when it is not a number ('abc', True: a clear error is the caller's to give)."""
    if isinstance(x, bool):
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def auto_rankdir(graph):
    """'TB' when a left-to-right picture of `graph` would be more than about six times wider than high and
    top-to-bottom is closer to a 16:9 page; else 'LR'. Estimated from the depth (longest path) and the
    widest level of computed nodes, without running Graphviz."""
    depth, level_width = {}, {}
    parents = graph.in_edges()
    for n in graph.nodes:  # topological order
        depth[n.id] = max((depth.get(e.src, 0) for e in parents[n.id]), default=-1) + 1
    # Graphviz keeps edges short: a node is drawn just before its first use, not at its depth (the 16 products
    # of a neuron's sum b + w₀x₀ + … + w₁₅x₁₅ each sit beside their addition, not in one column of 16).
    placed, children = {}, {}
    for e in graph.edges:
        children.setdefault(e.src, []).append(e.dst)
    for n in reversed(graph.nodes):
        below = children.get(n.id)
        placed[n.id] = min(placed.get(c, depth[c]) for c in below) - 1 if below else depth[n.id]
        if parents[n.id]:  # leaves are drawn beside their use, not in one column of their own
            level_width[placed[n.id]] = level_width.get(placed[n.id], 0) + 1
    levels = max(depth.values(), default=0) + 1
    widest = max(level_width.values(), default=1)
    lr = levels * 220 / (widest * 45)   # a value and an op per level, each ~110 px wide, ~45 px high
    tb = widest * 160 / (levels * 80)
    if levels >= 7 and lr > 6 and abs(np.log(tb / 1.8)) < abs(np.log(lr / 1.8)):
        return "TB"
    if any(parents[n.id] and not n.is_scalar for n in graph.nodes):
        # A tensor's table (shape, dtype, min/mean/max of data and grad) is ~650 px wide, so even a short
        # network is a strip 20 times wider than high from left to right (Linear, ReLU, Linear, a loss).
        lr, tb = _tensor_aspects(graph, depth, parents)
        if lr > 12 and abs(np.log(tb / 1.8)) < abs(np.log(lr / 1.8)):
            return "TB"
    return "LR"


def _table_px(node):
    """About how wide (px at the default font) the node's drawing is: a scalar's table holds two numbers, a
    big tensor's its shape and two min/mean/max summaries."""
    if node.role == COLLAPSED:
        return 130
    if node.role == CONSTANT:
        return 45
    size = math.prod(node.shape)
    chars = 22 if size == 1 else 22 + 12 * size if size <= 4 else 95
    return 7 * (len(node.name) + chars) + 15


def _tensor_aspects(graph, depth, parents):
    """Width/height of the picture drawn left to right and top to bottom, estimated from each level's
    computed nodes and the leaves that feed it (drawn in a rank of their own, before their use)."""
    rows, leaf_rows = {}, {}
    nodes = graph._node_index()
    for n in graph.nodes:
        if parents[n.id]:
            rows.setdefault(depth[n.id], []).append(_table_px(n))
    for e in graph.edges:
        if not parents[e.src]:
            leaf_rows.setdefault(depth[e.dst], {})[e.src] = _table_px(nodes[e.src])
    leaf_rows = [list(r.values()) for r in leaf_rows.values()]
    lr_width = sum(max(r) + 90 for r in rows.values()) + sum(max(r) for r in leaf_rows)  # + 90: the op
    lr_height = max(len(r) for r in (*rows.values(), *leaf_rows)) * 45
    tb_width = max(sum(r) + 20 * len(r) for r in (*rows.values(), *leaf_rows))
    tb_height = (2 * len(rows) + len(leaf_rows)) * 55  # a value and its op per level, a row of leaves
    return lr_width / lr_height, tb_width / tb_height


def _chain_title(chain):
    """The chain rule as title lines: the whole equation when it is short, else a summary (how many paths,
    the sum, and the path with the largest product), each line wrapped at TITLE_CHARS."""
    text = chain.equation()
    if len(text) <= TITLE_CHARS:
        return [text]
    if chain.n_paths == 1:
        return _wrap(text)
    largest = max(chain.paths, key=lambda p: abs(p.product))  # the first path may well contribute 0
    symbols = " · ".join(str(f) for f in largest.factors)
    numbers = "".join(f"({number_text(f.derivative)})" for f in largest.factors)
    lhs = f"∂{symbol(chain.output_name)}/∂{symbol(chain.leaf_name)}"
    lines = [f"{lhs} = sum over {chain.n_paths} paths (red) of the product of "
             f"the local derivatives along each = {number_text(chain.total, 6)}"]
    lines += _wrap(f"the largest term: {symbols} = {numbers} = {number_text(largest.product, 6)}")
    return lines


def _wrap(text, width=TITLE_CHARS):
    """Break a long equation after ' + ', ' · ' or ' = ' so that lines stay under `width` characters."""
    lines, line = [], ""
    for token in text.replace(" + ", " + \0").replace(" · ", " · \0").replace(" = ", " = \0").split("\0"):
        if line and len(line) + len(token) > width:
            lines.append(line.rstrip())
            line = "    "
        line += token
    lines.append(line.rstrip())
    return lines


def render(graph: Graph, *, rankdir="LR", show=DEFAULT_SHOW, highlight_edges=(), title_lines=(),
           known=None, current=None, clusters="auto") -> GraphPicture:
    """Write `graph` as DOT. `known`: ids whose gradient is shown (None: all), for backward steps;
    `current`: the id (or a set of ids) filled in by this step (drawn orange)."""
    with _gc_paused():
        return _render(graph, rankdir, show, highlight_edges, title_lines, known, current, clusters)


def _render(graph, rankdir, show, highlight_edges, title_lines, known, current, clusters, plan=None):
    current = frozenset(current) if isinstance(current, (set, frozenset, list, tuple)) else frozenset([current])
    auto = rankdir == "auto"
    if auto:
        rankdir = auto_rankdir(graph)
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    show = _check_show(show)
    nodes = graph._node_index()
    in_edges = graph.in_edges()
    path_nodes = {i for e in highlight_edges for i in e[:2]}
    arrays = [n.data for n in graph.nodes] if "data" in show else []
    if "grad" in show:
        arrays += [n.grad for n in graph.nodes]
    stats = summary_table(x for x in arrays if x.__class__ is np.ndarray and x.size > 4)
    members, stmts_edges = {}, []
    if plan is None:
        plan = _module_layout(graph, clusters), None
    layout, label_attr = plan  # layout: 'pinned', 'boxes', 'plain', or 'plain, boxes left out'
    pin, boxes = layout == "pinned", layout == "boxes"
    scope_parent = {s.id: s.parent for s in graph.scopes}
    # An edge label is a node of its own in dot's layout: with labels, every rank is doubled, and an edge
    # across many ranks (a weight reused at every step of a loop) becomes twice as many hidden nodes, which
    # made `dot` run for minutes on a 120-node recurrent chain. There, labels are placed after the layout
    # (xlabel): the same numbers beside the same edges, ten times faster.
    ranks_crossed = None if pin else _ranks_crossed(graph)
    if label_attr is None:
        crossed = "derivs" in show and not pin and ranks_crossed > MAX_RANKS_CROSSED
        label_attr = "xlabel" if crossed else "label"
    dot_nodes, dot_edges = {}, []
    for n in graph.nodes:
        stmts = members.setdefault(n.scope if pin or boxes else None, [])
        if drawn_per_use(n):
            continue  # drawn next to each node that uses it, below
        stmts.append(_node_stmt(n, show, n.id in path_nodes, known, current, stats))
        dot_nodes[n.id] = n
        incoming = in_edges[n.id]
        written = None
        if n.op and incoming:
            dot_nodes[f"{n.id}_op"] = n
            dot_edges.append((f"{n.id}_op", n.id))
            on = n.id in path_nodes
            written = op_label(n.op, [nodes[e.src] for e in incoming])
            shape = "circle" if len(written) <= 2 else "ellipse"
            stmts.append(f'\t{n.id}_op [label="{dot_string(written)}" shape={shape} {OP_PATH if on else OP_PLAIN}]\n')
            stmts_edges.append(f"\t{n.id}_op -> {n.id}{f' [{EDGE_PATH}]' if on else ''}\n")
        pills = []  # the numbers drawn for this node's arguments, in argument order
        for e in incoming:
            if written is not None and written_in_place(n.op, written, nodes[e.src]):
                continue  # a number the operation's label writes in place ('a / 2'): no box of its own
            target = f"{n.id}_op" if n.op else n.id  # no op: a summary box of viz.collapse, edges end at it
            attrs = []
            label = edge_label(e, nodes, incoming) if "derivs" in show else ""
            if label:
                # Top to bottom, Graphviz sets a label against its (vertical) edge: a thick highlighted edge
                # then hides the minus of "-1", which reads as 1. One space keeps the sign clear.
                attrs.append(f'{label_attr}="{" " if rankdir in ("TB", "BT") else ""}{dot_string(label)}"')
            if (e.src, e.dst, e.index) in highlight_edges:
                attrs.append(EDGE_PATH)
            if (pin or boxes) and enters(nodes[e.src].scope, n.scope, scope_parent):
                attrs.append("minlen=2")  # see viz.layout.enters
            attr_text = f" [{' '.join(attrs)}]" if attrs else ""
            src = e.src
            if drawn_per_use(nodes[src]):
                src = f"{e.src}_{e.dst}_{e.index}"
                stmts.append(_node_stmt(nodes[e.src], show, False, known, current, stats).replace(
                    f"\t{e.src} [", f"\t{src} [", 1))
                dot_nodes[src] = n
                pills.append(src)
            stmts_edges.append(f"\t{src} -> {target}{attr_text}\n")
            dot_edges.append((src, target))
        if n.role == COLLAPSED and len(pills) > 1:
            # Graphviz draws the numbers that feed one box backwards (the input [0.1, -0.2, 0.3, 0.4] of a folded
            # network as 0.4 0.3 -0.2 0.1); chained in a rank of their own, they keep the arguments' order (the
            # chain is written in the module's box they are drawn in: written outside it, it pulled them out).
            # Left to right, a rank is drawn bottom up: the chain runs from the last argument, so the first is on top.
            chain = pills if rankdir in ("TB", "BT") else pills[::-1]
            stmts.append(f"\t{{rank=same; {' -> '.join(chain)} [style=invis]}}\n")
    footer = list(title_lines)
    if pin:
        columns = _pinned_columns(graph, dot_nodes, dot_edges)
        skipped = _ranks_skipped(columns, dot_edges)
        if skipped > PINNED_MAX_SKIPPED and clusters == "auto":
            fallback = "boxes" if _box_crossings(graph) <= BOXES_MAX_CROSSINGS else "plain, boxes left out"
            return _render(graph, rankdir, show, highlight_edges, title_lines, known, current, clusters,
                           (fallback, None))
        # (the columns depend on neither the labels nor the direction: one more pass settles both)
        settled = _pinned_rankdir(columns) if auto else rankdir
        relabel = skipped > MAX_RANKS_CROSSED and label_attr == "label" and "derivs" in show
        if relabel or settled != rankdir:
            return _render(graph, settled, show, highlight_edges, title_lines, known, current, clusters,
                           ("pinned", "xlabel" if relabel else label_attr))
        body = _pinned_body(graph, members, stmts_edges, dot_nodes, columns)
    else:
        body = _clusters(graph, members) if boxes else list(members.get(None, ()))
        body.extend(stmts_edges)
    if layout == "plain, boxes left out":
        footer.append(f"module boxes left out: Graphviz would take minutes over them on these {len(graph.nodes):,} "
                      "nodes (clusters=True draws them; max_nodes=200 folds modules into boxes)")
    if graph.hidden:
        shown = sum(1 for n in graph.nodes if n.role != COLLAPSED)  # the grey boxes stand for hidden nodes
        footer.append(f"showing {shown} of {shown + graph.hidden} nodes: {graph.hidden} hidden in grey boxes")
    graph_attr = {"rankdir": rankdir, "fontname": FONT, "fontsize": "11", "nodesep": "0.25",
                  "ranksep": "0.35", "labelloc": "t", "labeljust": "l"}
    if footer:
        # nohtml: a title like "<...>" must stay text, not become an HTML-like label that adds nodes or links
        graph_attr["label"] = graphviz.nohtml(_title_label(footer))
    hidden = skipped if pin else ranks_crossed
    if hidden > CAPPED_LAYOUT_SKIPPED:  # see CAPPED_LAYOUT_SKIPPED (Graphviz's nslimit counts the graph's own nodes)
        iterations = max(LAYOUT_WORK // (len(dot_nodes) + hidden), 10)
        graph_attr.update(nslimit=f"{iterations / len(dot_nodes):.3g}", mclimit="0.2")
    picture = GraphPicture(
        graph_attr=graph_attr,
        node_attr={"fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9", "color": "#64748b", "fontcolor": "#334155",
                   "arrowsize": "0.6"},
        body=body,
    )
    picture.graph = graph
    return picture


def _title_label(lines):
    """Title lines as one DOT label: a single line as it is, several each ending in `\\l`, so that they are
    left-aligned under each other (`\\n` would centre each line: an equation and its wrapped continuation,
    or a step's heading and its arithmetic, would start at different places). A line holding newlines (a
    user's title) is split at them."""
    lines = [part for line in lines for part in str(line).splitlines() or [""]]
    quoted = [dot_string(line, MAX_TITLE_CHARS) for line in lines]
    return quoted[0] if len(quoted) == 1 else "".join(line + "\\l" for line in quoted)


def _module_layout(graph, clusters):
    """How `render` shows the modules of `graph`: 'pinned' (a scalar graph built by modules, micrograd's MLP:
    ranks and order from viz.layout, layers left to right and neurons in order, a heading per module, instead
    of Graphviz's boxes in a staircase with neurons in reverse), 'boxes' (a cluster per module call), 'plain'
    (no modules, or clusters=False). With clusters='auto', `render` trades 'pinned' for 'boxes', or for
    'plain, boxes left out' (said in the title), when the pinned layout is too long (PINNED_MAX_SKIPPED).
    """
    if clusters not in (True, False, "auto"):
        raise ValueError(f"clusters must be True, False or 'auto', got {clusters!r}")
    if not clusters or not graph.scopes:
        return "plain"
    if all(n.role != COLLAPSED and (n.is_scalar or not n.op) for n in graph.nodes):
        return "pinned"
    return "boxes"


def _box_crossings(graph):
    """(edges crossing a module box's border, counted once per border) x (module boxes): see BOXES_MAX_CROSSINGS."""
    parent = {s.id: s.parent for s in graph.scopes}
    nodes = graph._node_index()
    crossed = 0
    for e in graph.edges:
        a, b = nodes[e.src].scope, nodes[e.dst].scope
        outer_a, outer_b = [], []
        while a is not None:
            outer_a.append(a)
            a = parent[a]
        while b is not None:
            outer_b.append(b)
            b = parent[b]
        crossed += len(set(outer_a).symmetric_difference(outer_b))
    return crossed * len(graph.scopes)


def _pinned_rankdir(columns):
    """rankdir 'auto' for a pinned picture: 'LR' or 'TB', whichever comes closer to a 16:9 page. auto_rankdir's
    estimate assumes dot's own layout, with a neuron's products beside its additions; pinned, they share a rank,
    and a wide layer makes the widest rank hundreds of nodes long (MLP 2-16-16-1: 85 ranks, the widest 272 nodes,
    58,310 x 4,450 pt top to bottom, 11,281 x 19,955 left to right). Width/height measured on MLPs from 2-4-1 to
    2-16-16-1: about 1.9 x ranks/widest left to right, 3.8 x widest/ranks top to bottom."""
    ranks, widest = len(columns), max((len(kept) for kept in columns), default=1)
    lr, tb = 1.9 * ranks / widest, 3.8 * widest / ranks
    return "TB" if abs(np.log(tb / 1.8)) < abs(np.log(lr / 1.8)) else "LR"


def _ranks_skipped(columns, dot_edges):
    """How many ranks the edges of a pinned picture skip in all: one hidden node each in Graphviz's layout."""
    rank = {name: r for r, kept in enumerate(columns) for name, _ in kept}
    return sum(max(abs(rank[b] - rank[a]) - 1, 0) for a, b in dot_edges)


def _pinned_columns(graph, dot_nodes, dot_edges):
    """The ranks of a pinned picture, first rank first: [(name, None) or (heading, [merged headings]), ...]."""
    values, position = graph._values, {n.id: k for k, n in enumerate(graph.nodes)}
    created = {}
    for name, n in dot_nodes.items():
        v = values.get(n.id)
        created[name] = (v.creation_index if v is not None else position[n.id]) - (0 if name == n.id else 0.5)
    scope_of = {name: n.scope for name, n in dot_nodes.items()}
    scope_parent = {s.id: s.parent for s in graph.scopes}
    # parameters, and constants inside modules: what is computed from them alone moves right with them (the
    # network's own inputs, even when they need no gradient, stay at the start: the data flows from them)
    params = {name for name, n in dot_nodes.items()
              if n.role == PARAMETER or ((n.role == CONSTANT or not n.requires_grad) and n.scope is not None)}
    headings = {f"{s.id}_heading" for s in graph.scopes}
    columns = []
    for column in rank_order(list(dot_nodes), dot_edges, scope_of, scope_parent, created, params.__contains__,
                             header="{}_heading".format):
        kept = []
        for name in column:  # nested modules starting together share one heading: MLP › Layer 0 › Neuron 0
            if name in headings and kept and kept[-1][0] in headings:
                kept[-1][1].append(name)
            else:
                kept.append((name, [name] if name in headings else None))
        columns.append(kept)
    return columns


def _pinned_body(graph, members, stmts_edges, dot_nodes, columns):
    """The DOT body of a pinned picture: ranks and the order in each from viz.layout, as `rank=same` groups
    chained by invisible edges, and a heading for each module ('MLP › Layer layers.0 › Neuron neurons.0') at
    the top of its block, where a box would put its label.

    Why headings and not boxes (clusters): Graphviz's dot reorders the nodes inside clusters in its crossing
    minimisation whatever the invisible edges say (tried with newrank=true, clusters only where they share
    no rank with a sibling, edges reversed inside clusters for rankdir=LR: neurons and weights still come
    out of order on some MLPs), and the order is what makes the picture readable.
    """
    scope_of = {name: n.scope for name, n in dot_nodes.items()}
    scope_parent = {s.id: s.parent for s in graph.scopes}
    headings = {f"{s.id}_heading": s.title for s in graph.scopes}
    body = [stmt for stmts in members.values() for stmt in stmts]
    body.extend(stmts_edges)
    first_in = []  # per column: scope -> its first node there
    for kept in columns:
        first = {}
        for name, merged in kept:
            t = scope_of.get(name) if merged is None else None
            while t is not None and t not in first:
                first[t] = name
                t = scope_parent[t]
        first_in.append(first)
    for i, kept in enumerate(columns):
        for name, merged in kept:
            if not merged:
                continue
            label = " › ".join(headings[h] for h in merged)
            body.append(f'\t{name} [label="{dot_string(label, MAX_TITLE_CHARS)}" shape=plaintext '
                        f'fontname="{FONT}-Bold" fontsize=9 fontcolor="#475569" height=0.2 margin="0.02,0"]\n')
            # An edge down to the module's first node of the next rank: without one, dot ignores the order
            # that the invisible edges within the rank give a node that has no other edge.
            inner = merged[-1][: -len("_heading")]
            below = next((first[inner] for first in first_in[i + 1:] if inner in first), None)
            if below is not None:
                body.append(f"\t{name} -> {below} [style=invis]\n")
        names = [name for name, _ in kept]
        chain = f"\t\t{' -> '.join(names)} [style=invis]\n" if len(names) > 1 else ""
        body.append(f"\t{{rank=same; {'; '.join(names)}\n{chain}\t}}\n")
    return body


def _collapse_for_layout(graph, max_nodes, keep):
    """`collapse(graph, max_nodes, keep)`, collapsed further while its edges cross more than
    MAX_RANKS_CROSSED ranks in all (only when a budget is given: `max_nodes=None` draws everything)."""
    shown = collapse(graph, max_nodes, keep)
    limit = min(max_nodes, len(graph.nodes)) if max_nodes else 0
    while limit > 8 and _ranks_crossed(shown) > MAX_RANKS_CROSSED:
        limit = limit * 3 // 4
        shown = collapse(graph, max(limit, 2), keep)
    return shown


def _ranks_crossed(graph):
    """How many ranks the edges skip in all (Graphviz adds one hidden node per rank an edge crosses),
    with ranks from a longest-path pass in node order (an operation and its result: two ranks)."""
    incoming = graph.in_edges()
    rank = {}
    for n in graph.nodes:
        step = 2 if n.op else 1
        rank[n.id] = max((rank[e.src] + step for e in incoming[n.id] if e.src in rank), default=0)
    return sum(max(abs(rank[e.dst] - rank[e.src]) - 2, 0) for e in graph.edges)


def _check_show(show):
    if isinstance(show, str):
        show = [s for s in show.split(",") if s]
    show = frozenset(show)
    unknown = show - DEFAULT_SHOW
    if unknown:
        raise ValueError(f"show: unknown item(s) {', '.join(sorted(unknown))}; choose from {', '.join(SHOW_CHOICES)}")
    return show


def _is_node_id(graph, key):
    return isinstance(key, str) and key[:1] in "nc" and key in graph._node_index()


# Spaces about as wide as what they stand for (digits are all as wide as a figure space in the fonts Graphviz uses)
_BLANKS = str.maketrans({**dict.fromkeys("0123456789", "\u2007"), ".": "\u2008", ",": "\u2008", "-": "\u2004",
                         "[": "\u2004", "]": "\u2004"})


def blank_like(text):
    """Blank space about as wide as `text`: digits as figure spaces, '.' as punctuation spaces, letters as figure
    spaces (a backward step's frame keeps an unknown gradient's cell as wide as the number it will show)."""
    blank = text.translate(_BLANKS)
    return "".join(c if c.isspace() else "\u2007" for c in blank)


def _node_stmt(n, show, on_path, known, current, stats):
    if n.role == COLLAPSED:
        label = "\\n".join(dot_string(line) for line in [n.label, *summary_lines(n, show)])
        tooltip = ""
        if n.parameters:
            listed = "\\n".join(dot_string(line) for line in parameter_lines(n.parameters))
            tooltip = f' tooltip="{listed}"'
        return (f'\t{n.id} [label="{label}" shape=box3d style=filled '
                f'fillcolor="#e5e7eb" color="#6b7280" fontcolor="#374151"{tooltip}]\n')
    if n.role == CONSTANT:
        text = constant_text(n)
        if n.label:
            text = f"{n.label} = {text}"
        return (f'\t{n.id} [label="{dot_string(text)}" shape=box style="rounded,filled" fillcolor="#f8fafc" '
                f'color="#cbd5e1" fontcolor="#475569" fontsize=8 height=0.2 width=0.3 margin="0.04,0.02"]\n')
    fill = CURRENT_FILL if n.id in current else ROLE_FILL[n.role]
    name = f"<b>{html_text(n.label)}</b>" if n.label else f'<font color="#64748b">{n.id}</font>'
    cells = [f'<td bgcolor="{fill}">{name}</td>']
    if n.sparse:  # always said: its data cell summarises the stored values only
        cells.append(f"<td>{shape_text(n.shape)} {n.dtype} sparse</td>")
    elif "shape" in show and n.shape != ():
        cells.append(f"<td>{shape_text(n.shape)} {n.dtype}</td>")
    elif "shape" in show and n.dtype != "float64":
        cells.append(f"<td>{n.dtype}</td>")
    if "data" in show:
        cells.append(f"<td>data {value_summary(n.data, stats)}</td>")  # digits only: no escaping
    if "grad" in show and n.requires_grad:
        if known is not None and n.id not in known:
            # as wide as the number the later frames write there: a slide sequence of frames must not jump
            pad = "" if n.grad is None else blank_like(value_summary(n.grad, stats)[1:])
            cells.append(f'<td><font color="#94a3b8">grad ?{pad}</font></td>')
        elif n.grad is None:
            cells.append('<td><font color="#94a3b8">grad —</font></td>')
        else:
            grad = value_summary(n.grad, stats)
            cells.append(f"<td><b>grad {grad}</b></td>" if n.id in current else f"<td>grad {grad}</td>")
    border = f' color="{HIGHLIGHT}"' if on_path else ' color="#64748b"'
    thick = ' border="2"' if n.role == OUTPUT or on_path or n.id in current else ' border="0"'
    table = (f'<table{thick} cellborder="1" cellspacing="0" cellpadding="3"{border}>'
             f'<tr>{"".join(cells)}</tr></table>')
    return f"\t{n.id} [label=<{table}> shape=plain]\n"



MAX_TOOLTIP_LINES = 40  # parameters listed in a summary box's tooltip


def summary_lines(n, show=DEFAULT_SHOW):
    """The lines under a summary box's name (role 'collapsed'): how many nodes it hides and, when it hides
    parameters, how many and the range of their data and grad (when `show` has them), so that a folded picture
    keeps what the unfolded one shows, in brief. The explorer shows the same lines."""
    lines = [f"{n.hidden} node{'s' if n.hidden != 1 else ''} hidden"]
    params = n.parameters
    if params:
        if len(params) < n.hidden:
            lines.append(f"{len(params)} parameter{'s' if len(params) != 1 else ''}")
        if "data" in show:
            lines.append(f"data {range_text([p.data for p in params])}")
        if "grad" in show and any(p.grad is not None for p in params):
            lines.append(f"grad {range_text([p.grad for p in params if p.grad is not None])}")
    return lines



def parameter_lines(params):
    """Each hidden parameter with its data and grad (a scalar's numbers, a tensor's shape), at most
    MAX_TOOLTIP_LINES of them: a summary box's tooltip (hover text in SVG), and the explorer's panel."""
    lines = []
    for p in params[:MAX_TOOLTIP_LINES]:
        if p.is_scalar:
            grad = "" if p.grad is None else f" grad {value_summary(p.grad)}"
            lines.append(f"{p.name} = {value_summary(p.data)}{grad}")
        else:
            lines.append(f"{p.name} {shape_text(p.shape)}")
    if len(params) > MAX_TOOLTIP_LINES:
        lines.append(f"… and {len(params) - MAX_TOOLTIP_LINES} more")
    return lines


def _clusters(graph, members):
    """Node statements nested in `subgraph cluster_…` blocks following the scope tree."""
    children = {}
    for s in graph.scopes:
        children.setdefault(s.parent, []).append(s)
    body = list(members.get(None, ()))
    # Explicit stack of (scope, depth) entries and closing markers: module nesting has no depth limit.
    stack = [("open", s, 0) for s in reversed(children.get(None, []))]
    while stack:
        kind, s, depth = stack.pop()
        if kind == "close":
            body.append("\t}\n")
            continue
        body.append(f'\tsubgraph cluster_{s.id} {{\n\t\tlabel="{dot_string(s.title)}" style="rounded,filled" '
                    f'fillcolor="{CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]}" color="#94a3b8" '
                    f'fontname="{FONT}-Bold" fontsize=10\n')
        body.extend(members.get(s.id, ()))
        stack.append(("close", s, depth))
        stack.extend(("open", c, depth + 1) for c in reversed(children.get(s.id, [])))
    return body
