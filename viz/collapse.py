"""`collapse`: shrink a big traced graph to a readable picture of about `max_nodes` nodes.

Two steps, each only if the graph is still too big:

1. Module scopes fold into one summary box each ("Linear layers.0 — 34 nodes"). Scopes start folded
   and are opened breadth first (outer modules before inner ones, siblings together) while the picture
   stays within the budget, so a big model shows its top-level structure and as much detail as fits.
2. What remains is cut by distance from the output: the `max_nodes - 1` nodes nearest the output (going
   up through parents, breadth first) stay, everything further away becomes one "⋯ N more nodes" box.
   That is how a 10,000-step chain of scalars still draws: its last steps, and one box for the rest.

The output and any `keep` nodes (a highlighted path) always stay visible. Edges between visible nodes keep
their derivatives; edges into or out of a summary are merged, one per pair of endpoints.
"""

from __future__ import annotations

import collections
import dataclasses

from .graph import COLLAPSED, Edge, Graph, Node


def collapse(graph: Graph, max_nodes: int, keep=()) -> Graph:
    """A graph of at most about `max_nodes` nodes standing for `graph` (itself if it is small enough).

    keep: node ids that must stay visible (the output always does). Summary nodes have role
    'collapsed' and `hidden` = how many original nodes they stand for; `Graph.hidden` is the total.
    """
    if max_nodes is None or len(graph.nodes) <= max_nodes:
        return graph
    if max_nodes < 2:
        raise ValueError(f"collapse: max_nodes must be at least 2, got {max_nodes}")
    pinned = set(keep) | {graph.output}
    rep = _fold_scopes(graph, max_nodes, pinned)
    summaries = {}
    # Summary nodes for folded scopes, in order of first member (deterministic).
    scope_of = {s.id: s for s in graph.scopes}
    for n in graph.nodes:
        r = rep[n.id]
        if r != n.id:
            if r not in summaries:
                s = scope_of[r]
                label = s.kind if s.name == s.kind else f"{s.kind} {s.name}"
                summaries[r] = Node(f"c{len(summaries)}", COLLAPSED, "", label, (), "", None, None,
                                    True, s.parent)
            summaries[r].hidden += 1
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
    more = Node(f"c{len(summaries)}", COLLAPSED, "", "more nodes", (), "", None, None, True, None)
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
