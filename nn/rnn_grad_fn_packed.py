"""`grad_fn` of nn.RNN, nn.GRU and nn.LSTM over a PackedSequence as PyTorch's CPU layers record it (aten's
PackedLayer and ReversedPackedLayer), where this library composes each step of its own nodes (nn/rnn.py's
_packed_forward and _packed_backward). Only what `grad_fn` shows changes: the last layer's output data and the final
states are marked by the forward (one_node.show_later) and relabelled (one_node.shown_as) when first read.

PyTorch projects the packed rows at once (linear over the 2-D data: addmm), then per time step t takes the step's
rows (narrow: SliceBackward0) and runs the cell (nn/rnn_grad_fn.py's _cell). Forward direction: where the batch
shrinks, the state is cut (SliceBackward0) and the ended rows kept (another SliceBackward0); the final state is the
concatenation (CatBackward0) of the kept pieces, last ended first. Reverse direction: the state starts as the rows of
the shortest batch (SliceBackward0 of the initial state) and grows by the initial state's next rows
(CatBackward0 with a SliceBackward0) where the batch grows. The output is the concatenation of the steps' h in time
order; a bidirectional layer concatenates its two directions' (CatBackward0). The initial states are sorted
(IndexSelectBackward0) when the sequence has sorted_indices, the final states stacked (StackBackward0) and unsorted
(IndexSelectBackward0) when it has unsorted_indices.
"""

from __future__ import annotations

import weakref
from collections import deque

from autograd_core.grad_fn_names import chain_layout, chain_name, layout_of_chain
from autograd_core.one_node import paths_hold, relabelled_paths, show_later, shown_as

from .rnn_grad_fn import _cell, _linear


def show_packed_as_pytorchs(module, layer_outputs, hx, states, batch_sizes, sorted_, unsorted, layer_inputs):
    """Mark each layer's output rows (`layer_outputs`, the last one the output's data) and the final `states` of
    `module`'s forward over a PackedSequence (its data x first in layer_inputs, then the input of each layer above
    the first: the output below or its dropout), to be shown as PyTorch's nodes when first read. hx: the initial
    states given, or None; batch_sizes: the sequence's; sorted_, unsorted: whether it has sorted_indices,
    unsorted_indices."""
    if len(layer_outputs) != module.num_layers or not layer_outputs[-1].requires_grad:
        return
    hx = () if hx is None else tuple(hx) if isinstance(hx, (tuple, list)) else (hx,)
    directions = 2 if module.bidirectional else 1
    weights = tuple(tuple(getattr(module, names[kind]) if kind in names else None
                          for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))
                    for names in module._weight_names)
    # the inputs of the layers above the first weakly: each is, or lies above, a marked layer output (which a strong
    # reference from its own mark would keep alive for ever)
    record = (module._mode, module.num_layers, directions, tuple(batch_sizes), sorted_, unsorted,
              hx + (None,) * (2 - len(hx)), weights, layer_inputs[0], tuple(weakref.ref(v) for v in layer_inputs[1:]))
    for layer, out in enumerate(layer_outputs):
        show_later(out, _relabel, (record, layer))
    for part, state in enumerate(states):
        show_later(state, _relabel, (record, module.num_layers + part))


def _relabel(value, argument):
    """Relabel `value`: layer `index`'s output rows or final state index − layers of the forward `record`
    describes."""
    record, index = argument
    mode, num_layers, directions, sizes, sorted_, unsorted, hx, weights, x, above = record
    layer_inputs = [x] + [ref() for ref in above]
    if None in layer_inputs:
        return
    key = ("packed", mode, num_layers, directions, sizes, sorted_, unsorted, hx[0] is not None, hx[1] is not None,
           tuple(w is not None for w in weights[0]))
    name = chain_name(key + (index,))
    if name is None:
        for k, layout in enumerate(_chains(mode, num_layers, directions, sizes, sorted_, unsorted, hx, weights[0])):
            chain_layout(layout, key=key + (k,))
        name = chain_name(key + (index,))
    # the inputs: x, h_0, c_0, each layer-direction's five weights, the input of each layer above the first; those
    # the chain does not reach are given as None (not looked for: the output's chain reaches only its layer's)
    inputs = [layer_inputs[0], hx[0], hx[1]]
    for w in weights:
        inputs += w
    inputs += layer_inputs[1:]
    used = _USED.get(name)
    if used is None:
        used = _USED[name] = _entries(layout_of_chain(name), set(), set())
    inputs = [v if k in used else None for k, v in enumerate(inputs)]
    inputs = tuple(inputs)
    paths = _KNOWN.get((name, index))
    if not paths_hold(value, inputs, paths):
        paths = _paths(value, inputs)
    shown_as(value, inputs, name, paths)
    _KNOWN[name, index] = relabelled_paths(value) or paths



def _paths(value, inputs):
    """The input positions from value down to each input (the shortest path; None for None), found in one
    breadth-first walk: the initial states lie below a final state through every step, deeper than shown_as looks."""
    wanted = {id(x): k for k, x in enumerate(inputs) if x is not None}
    found, came = {}, {id(value): None}
    queue = deque([value])
    while queue and len(found) < len(wanted):
        node = queue.popleft()
        for i, parent in enumerate(node.parents):
            key = id(parent)
            if key in came:
                continue
            came[key] = (node, i)
            if key in wanted:
                found[wanted[key]] = key
            if parent.parents:
                queue.append(parent)
    paths = [None] * len(inputs)
    for k, key in found.items():
        path, step = [], came[key]
        while step is not None:
            path.append(step[1])
            step = came[id(step[0])]
        paths[k] = tuple(reversed(path))
    return tuple(paths)


_KNOWN = {}  # (chain name, index) -> the input paths of its last relabel (checked before each use)
_USED = {}  # chain name -> the inputs its layout reaches


def _entries(layout, found, seen):
    """The int entries (inputs) of a layout, nested entries shared by several nodes walked once."""
    if layout.__class__ is int:
        found.add(layout)
    elif layout is not None and id(layout) not in seen:
        seen.add(id(layout))
        for entry in layout[1]:
            _entries(entry, found, seen)
    return found


def _chains(mode, num_layers, directions, sizes, sorted_, unsorted, hx, weights):
    """The layouts of each layer's output rows and of the final states (h, and c for LSTM); int entries index
    _relabel's inputs."""
    lstm = mode == "LSTM"
    initial = []
    for k, given in enumerate(hx[:2 if lstm else 1]):
        entry = None if given is None else (1 + k if not sorted_ else ("IndexSelectBackward0", (1 + k,)))
        initial.append(entry)
    bias, proj = weights[2] is not None, weights[4] is not None
    x, finals, layouts = 0, [], []
    base = 3 + 5 * directions * num_layers  # the first layer input above the first layer
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            at = layer * directions + direction
            w = 3 + 5 * at
            h0, c0 = [None if entry is None else ("UnbindBackward0", (entry,), at) for entry in (initial + [None])[:2]]
            out, h, c = _direction(mode, sizes, x, w, w + 1, w + 2 if bias else None, w + 3 if bias else None,
                                   w + 4 if proj else None, h0, c0, direction == 1)
            outputs.append(out)
            finals.append((h, c))
        layouts.append(outputs[0] if directions == 1 else ("CatBackward0", tuple(outputs)))
        x = base + layer
    for part in range(2 if lstm else 1):
        stacked = "StackBackward0", tuple(final[part] for final in finals)
        layouts.append(("IndexSelectBackward0", (stacked,)) if unsorted else stacked)
    return layouts


def _cut(entry):
    return None if entry is None else ("SliceBackward0", (entry,))


def _direction(mode, sizes, x, w_ih, w_hh, b_ih, b_hh, w_hr, h0, c0, reverse):
    """(output, final h, final c) layouts of one layer-direction over packed rows x of batch_sizes `sizes`."""
    lstm = mode == "LSTM"
    projected = _linear(x, True, 2, w_ih, b_ih)
    outputs = [None] * len(sizes)
    if not reverse:
        h, c, kept, last = h0, c0, [], sizes[0]
        for t, size in enumerate(sizes):
            if size < last:  # sequences ended: their rows kept, the state cut
                kept.append((_cut(h), _cut(c)))
                h, c = _cut(h), _cut(c)
            last = size
            h, c = _cell(mode, ("SliceBackward0", (projected,)), h, c, w_hh, b_hh, w_hr)
            outputs[t] = h
        kept.append((h, c))
        kept.reverse()
        h = "CatBackward0", tuple(piece[0] for piece in kept)
        c = ("CatBackward0", tuple(piece[1] for piece in kept)) if lstm else None
    else:
        h, c, last = _cut(h0), _cut(c0), sizes[-1]
        for t in reversed(range(len(sizes))):
            if sizes[t] > last:  # sequences join from their initial state
                h = "CatBackward0", (h, _cut(h0))
                c = ("CatBackward0", (c, _cut(c0))) if lstm else None
            last = sizes[t]
            h, c = _cell(mode, ("SliceBackward0", (projected,)), h, c, w_hh, b_hh, w_hr)
            outputs[t] = h
    return ("CatBackward0", tuple(outputs)), h, c
