"""`collapse`: shrink a big traced graph to a readable picture of about `max_nodes` nodes.

Two steps, each only if the graph is still too big:

1. Module scopes fold into one summary box each ("Linear layers.0 — 34 nodes"). Scopes start folded
   and are opened breadth first (outer modules before inner ones, siblings together) while the picture
   stays within the budget, so a big model shows its top-level structure and as much detail as fits.
   A module whose many sub-modules would all stay folded is one box (a layer of 16 folded neurons: one
   box, not 16 joined to the next layer's 16 by 256 edges). Parameters that several folded calls share
   (a model applied to each sample of a batch keeps its weights outside every call) fold too, one box
   per module of the model ("Layer layers.0: 16 parameters"), which lists them in its tooltip.
2. What remains is cut by distance from the output: the `max_nodes - 1` nodes nearest the output (going
   up through parents, breadth first) stay, everything further away becomes one "more nodes" box.
   That is how a 10,000-step chain of scalars still draws: its last steps, and one box for the rest.

The output and any `keep` nodes (a highlighted path) always stay visible. Edges between visible nodes keep
their derivatives; edges into or out of a summary are merged, one per pair of endpoints.
"""

from __future__ import annotations

import collections
import dataclasses
import numbers

from .graph import COLLAPSED, PARAMETER, Edge, Graph, Node

# A module with more sub-modules than this, all of them folded, is drawn as one box instead.
MAX_FOLDED_CHILDREN = 8


def collapse(graph: Graph, max_nodes: int, keep=()) -> Graph:
    """A graph of at most about `max_nodes` nodes standing for `graph` (itself if it is small enough).

    keep: node ids that must stay visible (the output always does). Summary nodes have role
    'collapsed' and `hidden` = how many original nodes they stand for; `Graph.hidden` is the total.
    """
    if max_nodes is None:
        return graph
    # checked before the size: a bad budget is refused on a small graph too, not first on a big one
    if not isinstance(max_nodes, numbers.Integral) or isinstance(max_nodes, bool):
        raise TypeError(f"collapse: max_nodes must be an int (or None), got {type(max_nodes).__name__} {max_nodes!r}")
    if max_nodes < 2:
        raise ValueError(f"collapse: max_nodes must be at least 2, got {max_nodes}")
    if len(graph.nodes) <= max_nodes:
        return graph
    pinned = set(keep) | {graph.output}
    rep = _fold_scopes(graph, max_nodes, pinned)
    summaries = {}
    # Summary nodes for folded scopes, in order of first member (deterministic).
    scope_of = {s.id: s for s in graph.scopes}
    for n in graph.nodes:
        r = rep[n.id]
        if r != n.id:
            if r not in summaries:
                summaries[r] = _summary_node(f"c{len(summaries)}", scope_of[r].title, scope_of[r].parent)
            summaries[r].hidden += 1
            if n.role == PARAMETER:
                summaries[r].parameters += (n,)
    _fold_shared_parameters(graph, rep, summaries, pinned)
    visible = [n.id for n in graph.nodes if rep[n.id] == n.id]
    if len(visible) + len(summaries) > max_nodes:
        _cut_by_distance(graph, max_nodes, pinned, rep, summaries)
    return _rebuild(graph, rep, summaries)


def _fold_scopes(graph, max_nodes, pinned):
    """node id -> its own id, or the id of the outermost folded scope that hides it."""
    children = collections.defaultdict(list)
    direct = collections.Counter()
    for s in graph.scopes:
        children[s.parent].append(s.id)
    for n in graph.nodes:
        if n.id not in pinned:
            direct[n.scope] += 1
    # Visible count with every top-level scope folded: free nodes + pinned nodes + one box per scope.
    count = direct[None] + len(pinned) + len(children[None])
    # Sibling scopes open together or not at all (all neurons of a layer, not one of eight), so the
    # picture stays symmetric; groups are visited breadth first, outer modules before inner ones.
    opened = set()
    queue = collections.deque([children[None]])
    while queue:
        group = queue.popleft()
        cost = sum(direct[sid] + len(children[sid]) - 1 for sid in group)  # the boxes go, contents come
        if group and count + cost <= max_nodes:
            count += cost
            opened.update(group)
            queue.extend(children[sid] for sid in group)
    # A module whose sub-modules all stayed folded, and many of them, folds too (innermost first: a model of
    # such layers may then fold as well).
    for s in reversed(graph.scopes):
        kids = children[s.id]
        if s.id in opened and len(kids) > MAX_FOLDED_CHILDREN and not any(k in opened for k in kids):
            opened.discard(s.id)
    parent_of = {s.id: s.parent for s in graph.scopes}
    rep = {}
    for n in graph.nodes:
        folded, sid = None, n.scope
        while sid is not None:  # the outermost scope on the chain that stayed folded wins
            if sid not in opened:
                folded = sid
            sid = parent_of[sid]
        rep[n.id] = n.id if folded is None or n.id in pinned else folded
    return rep


def _summary_node(node_id, label, scope):
    """A box standing for hidden nodes (role 'collapsed'); its `hidden` count and `parameters` are filled in
    as the nodes are assigned to it."""
    return Node(node_id, COLLAPSED, op="", label=label, shape=(), dtype="", data=None, grad=None,
                requires_grad=True, scope=scope)


def _fold_shared_parameters(graph, rep, summaries, pinned):
    """Fold the visible parameters whose every use is hidden in folded module calls (a model called on each
    sample keeps each weight outside all the calls that share it) into one summary per module they belong to:
    the module path their uses share (by name: 'layers.0' in every call), down to one level below the folded
    boxes (their layer when the calls are folded whole, their neuron when neurons are)."""
    nodes = graph._node_index()
    scopes = {s.id: s for s in graph.scopes}
    uses = collections.defaultdict(list)
    for e in graph.edges:
        uses[e.src].append(e.dst)
    groups = {}
    for n in graph.nodes:
        if n.role != PARAMETER or n.id in pinned or rep[n.id] != n.id or not uses[n.id]:
            continue
        boxes = {rep[d] for d in uses[n.id]}
        if any(b not in summaries for b in boxes):
            continue  # used by a node that stays visible: it stays too
        common = _common_module_path([nodes[d].scope for d in uses[n.id]], scopes)
        depth = min(len(_path(b, scopes)) for b in boxes)  # the folded boxes' own depth
        common = common[:depth + 1]
        key = ("parameters",) + tuple(s.name for s in common)
        if key not in groups:
            label = parameter_group_title(common[-1] if common else None)
            groups[key] = summaries[key] = _summary_node(f"c{len(summaries)}", label, n.scope)
        rep[n.id] = key
        groups[key].hidden += 1
        groups[key].parameters += (n,)


def parameter_group_title(module) -> str:
    """The name of the box holding the shared parameters of `module` (a ScopeInfo, or None for those of no
    module): 'Layer layers.0: parameters'. Pictures and the explorer both name groups by it."""
    return f"{module.title}: parameters" if module is not None else "parameters"


def shared_parameter_paths(graph: Graph) -> dict:
    """{parameter node id: the module calls, outermost first, that all of its uses share by name} for each
    parameter used in several calls of a model (micrograd's loss over four samples calls the MLP four times:
    the weights stay outside every call). The path is a list of one call's `ScopeInfo`s ('MLP', 'Layer
    layers.0', 'Neuron neurons.1'); parameters that `trace` placed in a call, or used outside any, are left out."""
    scopes = {s.id: s for s in graph.scopes}
    uses = collections.defaultdict(list)
    for e in graph.edges:
        uses[e.src].append(graph.node(e.dst).scope)
    paths = {}
    for n in graph.nodes:
        if n.role == PARAMETER and n.scope is None and uses[n.id] and None not in uses[n.id]:
            common = _common_module_path(uses[n.id], scopes)
            if common:
                paths[n.id] = common
    return paths


def _common_module_path(scope_ids, scopes):
    """The longest path of module calls (outermost first) that the paths of all `scope_ids` start with, calls
    compared by module name and kind: the same module in different calls of the model."""
    common = _path(scope_ids[0], scopes)
    for sid in scope_ids[1:]:
        path = _path(sid, scopes)
        k = 0
        while k < min(len(common), len(path)) and _same_module(common[k], path[k]):
            k += 1
        common = common[:k]
    return common


def _path(sid, scopes):
    """The ScopeInfos from the outermost module call down to scope `sid` (empty for None)."""
    path = []
    while sid is not None:
        path.append(scopes[sid])
        sid = scopes[sid].parent
    return path[::-1]


def _same_module(a, b):
    return a.name == b.name and a.kind == b.kind


def _cut_by_distance(graph, max_nodes, pinned, rep, summaries):
    """Keep the representatives nearest the output; send the rest to one 'more nodes' summary."""
    parents = collections.defaultdict(list)
    for e in graph.edges:
        a, b = rep[e.src], rep[e.dst]
        if a != b:
            parents[b].append(a)
    kept = set(pinned)
    seen = {rep[graph.output]}
    queue = collections.deque([rep[graph.output]])
    while queue and len(kept) < max_nodes - 1:
        r = queue.popleft()
        kept.add(r)
        for p in parents[r]:
            if p not in seen:
                seen.add(p)
                queue.append(p)
    more = _summary_node(f"c{len(summaries)}", "more nodes", None)
    for n in graph.nodes:
        r = rep[n.id]
        if r not in kept:
            rep[n.id] = "more"
            more.hidden += 1
    for r in [r for r in summaries if r not in kept]:
        del summaries[r]
    summaries["more"] = more


def _rebuild(graph, rep, summaries):
    folded = {r for r in summaries if r != "more"}
    by_id = {s.id: s for s in graph.scopes}
    nodes, placed = [], set()
    for n in graph.nodes:
        r = rep[n.id]
        if r == n.id:
            scope = _visible_scope(n.scope, folded, by_id)
            nodes.append(n if scope == n.scope else dataclasses.replace(n, scope=scope))
        elif r not in placed:
            placed.add(r)
            nodes.append(summaries[r])
    node_id = {n.id: (n.id if rep[n.id] == n.id else summaries[rep[n.id]].id) for n in graph.nodes}
    edges, merged = [], set()
    for e in graph.edges:
        a, b = node_id[e.src], node_id[e.dst]
        if a == e.src and b == e.dst:
            edges.append(e)
        elif a != b and (a, b) not in merged:
            merged.add((a, b))
            edges.append(Edge(a, b, e.index))
    live = {n.scope for n in nodes if n.scope is not None}
    needed = set()
    for sid in live:
        while sid is not None and sid not in needed:
            needed.add(sid)
            sid = by_id[sid].parent
    scopes = [s for s in graph.scopes if s.id in needed and s.id not in folded]
    hidden = sum(s.hidden for s in summaries.values())
    kept_values = {k: v for k, v in graph._values.items() if rep.get(k) == k}
    return Graph(nodes, edges, scopes, graph.output, hidden, graph.schema, _values=kept_values)


def _visible_scope(sid, folded, by_id):
    """A pinned node inside a folded scope is drawn next to that scope's box, in the box's parent."""
    shown, walk = sid, sid
    while walk is not None:
        if walk in folded:
            shown = by_id[walk].parent
        walk = by_id[walk].parent
    return shown
