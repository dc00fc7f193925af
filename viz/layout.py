"""Ranks and the order within each rank for DOT pictures of module graphs: creation order, no staircase.

Graphviz's crossing minimisation draws a scalar MLP's neurons 3, 2, 1, 0, its layers as a diagonal
staircase and its inputs at the far edges. For a scalar graph built by modules the DOT writer pins the
ranks and the order within each rank instead, from this small layered layout (the one the explorer uses):

* rank: the longest path from the inputs (an edge into a module counts two, leaving a rank for the
  module's own leaves), except that a leaf sits just before its first use;
* order: every module is a block of its nodes and sub-modules in creation order, stacked only where their
  rank ranges overlap (the neurons of a layer one after the other, in order; consecutive layers side by side);
  each block keeps its first slot free for the module's heading (the DOT writer names modules there instead
  of drawing boxes, which Graphviz would reorder).
"""

from __future__ import annotations

import collections


def enters(src_scope, dst_scope, scope_parent):
    """True when an edge goes into a module from outside it (dst's scope does not enclose src's)."""
    if dst_scope is None or src_scope == dst_scope:
        return False
    s = src_scope
    while s is not None:
        if s == dst_scope:
            return False
        s = scope_parent.get(s)
    return True


def rank_order(names, edges, scope_of, scope_parent, created, is_parameter=lambda name: False, header=None):
    """[[node name, ...] in order, one list per rank, first rank first].

    names: DOT node names; edges: (tail, head) pairs (a DAG); scope_of: name -> innermost scope id or None;
    scope_parent: scope id -> enclosing id or None; created: name -> a number (creation order);
    is_parameter: leaf name -> True for a parameter or constant (what is computed from them alone moves
    right with them);
    header: scope id -> a name for the module's heading: when given, each module's heading is placed in its
    block's first rank, just before the block (the slot the packing keeps free there), and listed too.
    """
    children, parents = collections.defaultdict(list), collections.defaultdict(list)
    n_parents = collections.Counter()
    for a, b in edges:
        children[a].append(b)
        parents[b].append(a)
        n_parents[b] += 1
    rank = dict.fromkeys(names, 0)
    ready = [n for n in names if n_parents[n] == 0]
    topological = []
    while ready:  # Kahn's algorithm: a node's rank is final once all its parents are done
        n = ready.pop()
        topological.append(n)
        for c in children[n]:
            step = 2 if enters(scope_of.get(n), scope_of.get(c), scope_parent) else 1
            rank[c] = max(rank[c], rank[n] + step)
            n_parents[c] -= 1
            if n_parents[c] == 0:
                ready.append(c)
    # A leaf, and whatever is computed from parameters alone (a weight read from a matrix), sits just before
    # its first use, not at the far edge: children first, so each is placed after the node it feeds.
    from_parameters = set()
    for n in topological:
        if is_parameter(n) if not parents[n] else all(p in from_parameters for p in parents[n]):
            from_parameters.add(n)
    pulled = from_parameters | {n for n in names if not parents[n]}
    for n in reversed(topological):
        if n in pulled and children[n]:
            rank[n] = max(0, min(rank[c] for c in children[n]) - 1)
    # inputs outside every module (x[0], x[1]) come first, before the modules' own leaves
    created = {n: created[n] - (1e18 if not parents[n] and scope_of.get(n) is None else 0) for n in names}
    # (a node of a rank the leaves were pulled away from keeps its rank: ranks may be skipped, not reused)
    slot, heading = _pack(names, rank, scope_of, scope_parent, created)
    by_rank = collections.defaultdict(list)
    for n in names:
        by_rank[rank[n]].append(n)
    if header is not None:
        for scope, (r, s) in heading.items():
            name = header(scope)
            rank[name], slot[name], created[name] = r, s, -1e19
            by_rank[r].append(name)
    return [sorted(by_rank[r], key=lambda n: (slot[n], created[n])) for r in sorted(by_rank)]


class _Item:
    __slots__ = ("items", "name", "scope", "first", "r0", "r1", "h", "y")

    def __init__(self, name=None, first=float("inf"), r0=float("inf"), r1=-1, scope=None):
        self.items, self.name, self.scope, self.first, self.r0, self.r1, self.h, self.y = (
            [], name, scope, first, r0, r1, 1, 0)


def _pack(names, rank, scope_of, scope_parent, created):
    """(name -> slot, scope -> (rank, slot) of its heading): module blocks packed in creation order, stacked
    where their rank ranges overlap; each block keeps its first slot for its heading."""
    root, blocks = _Item(), {}

    def block_of(s):
        b = blocks.get(s)
        if b is None:
            b = blocks[s] = _Item(scope=s)
            p = scope_parent.get(s)
            (block_of(p) if p is not None else root).items.append(b)
        return b

    for n in names:
        s = scope_of.get(n)
        (block_of(s) if s is not None else root).items.append(_Item(n, created[n], rank[n], rank[n]))
        while s is not None:
            b = blocks[s]
            b.first, b.r0, b.r1 = min(b.first, created[n]), min(b.r0, rank[n]), max(b.r1, rank[n])
            s = scope_parent.get(s)
    order, stack = [], [root]
    while stack:  # parents before children; heights are then computed children first
        b = stack.pop()
        order.append(b)
        stack.extend(i for i in b.items if i.name is None)
    for b in reversed(order):
        b.items.sort(key=lambda i: i.first)
        sky, height = {}, 0
        for it in b.items:
            top = max(sky.get(r, 0) for r in range(int(it.r0), int(it.r1) + 1))
            it.y = top
            for r in range(int(it.r0), int(it.r1) + 1):
                sky[r] = top + it.h
            height = max(height, top + it.h)
        b.h = height + 1
    slot, heading, stack = {}, {}, [(root, 0)]
    while stack:
        b, base = stack.pop()
        for it in b.items:
            if it.name is None:
                heading[it.scope] = (it.r0, base + it.y)
                stack.append((it, base + it.y + 1))
            else:
                slot[it.name] = base + it.y
    return slot, heading
