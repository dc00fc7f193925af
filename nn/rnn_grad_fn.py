"""`grad_fn` of nn.RNN, nn.GRU and nn.LSTM as PyTorch's CPU layers record it: unrolled, one chain of nodes per time
step, where this library computes each layer as one `rnn_sequence` node (nn/rnn_fused.py). The numbers are this
library's; only what `grad_fn` shows changes (one_node.shown_as relabels each layer's output, the final states and
the unbatched or batch-first views over them). The forward only marks the layer's outputs and final states
(one_node.show_later); each is relabelled when its grad_fn is first read (its weights and layers found from its
node then), so a forward whose graph nobody reads pays for the marks alone.

PyTorch's layer (aten's _rnn_impl) projects every time step's input at once (linear over the layer's input: a view,
addmm and view back; unbind per step), then per step t with h the previous state (None at t = 0 without h_0, else
h_0 unbound per layer):

    RNN    h' = tanh(addmm(b_hh, h, W_hhᵀ) + gi[t])                                      (relu)
    LSTM   gates = unsafe_split(addmm(b_hh, h, W_hhᵀ) + gi[t], 4): i, f, o sigmoid, g tanh
           c' = f·c + i·g,  h' = o·tanh(c')
    GRU    gi, gh = unsafe_split(gi[t], 3), unsafe_split(addmm(b_hh, h, W_hhᵀ), 3)
           r = σ(gh₀ + gi₀), z = σ(gh₁ + gi₁), n = tanh(gi₂ + gh₂·r),  h' = (h − n)·z + n

and stacks the steps' h (StackBackward0); a bidirectional layer runs the reverse direction from the last step (its
stack in time order) and concatenates the two stacks (CatBackward0); dropout between layers in training multiplies
the next layer's input by the mask (MulBackward0 over the layer's output and None, as F.dropout's here). The final
states are a stack of each layer-direction's last h (or c: the reverse direction's at step 0). Without biases the
products are mm; LSTM's proj_size multiplies each h by W_hrᵀ (MmBackward0). Shown as PyTorch's: either direction,
any number of layers, with or without biases, initial states, dropout and proj_size, batch-first and unbatched
input (PackedSequence input: nn/rnn_grad_fn_packed.py). Left as this library's own nodes: complex numbers, and the
layers run while forward mode watches (the composed steps).
"""

from __future__ import annotations

from autograd_core.grad_fn_einsum import _is_contiguous
from autograd_core.grad_fn_names import chain_layout, chain_name
from autograd_core.one_node import relabelled_paths, show_later, shown_as
from autograd_core.value import Value


def _linear(x, contiguous, ndim, w, b):
    """PyTorch's linear(x, W, b) (b None: without bias) of an entry x of ndim dimensions."""
    weight_t = "TBackward0", (w,)
    if ndim == 2:
        return ("MmBackward0", (x, weight_t)) if b is None else ("AddmmBackward0", (b, x, weight_t))
    rows = ("ViewBackward0", (x,)) if contiguous else ("UnsafeViewBackward0", (("CloneBackward0", (x,)),))
    if b is None:
        return "UnsafeViewBackward0", (("MmBackward0", (rows, weight_t)),)
    if contiguous:
        return "ViewBackward0", (("AddmmBackward0", (b, rows, weight_t)),)
    return "AddBackward0", (("UnsafeViewBackward0", (("MmBackward0", (rows, weight_t)),)), b)


def _cell(mode, gi, h, c, w_hh, b_hh, w_hr=None):
    """The layouts of one step's (h, c) (c None but for LSTM) from its input projection gi and the state h, c."""
    gh = _linear(h, True, 2, w_hh, b_hh)
    if mode in ("RNN_TANH", "RNN_RELU"):
        return (("TanhBackward0" if mode == "RNN_TANH" else "ReluBackward0"), (("AddBackward0", (gh, gi)),)), c
    if mode == "LSTM":
        gates = "AddBackward0", (gh, gi)
        chunk = [("UnsafeSplitBackward0", (gates,), k) for k in range(4)]
        i, f = ("SigmoidBackward0", (chunk[0],)), ("SigmoidBackward0", (chunk[1],))
        g, o = ("TanhBackward0", (chunk[2],)), ("SigmoidBackward0", (chunk[3],))
        c = "AddBackward0", (("MulBackward0", (f, c)), ("MulBackward0", (i, g)))
        h = "MulBackward0", (o, ("TanhBackward0", (c,)))
        if w_hr is not None:  # proj_size: h projected by W_hrᵀ (mm)
            h = "MmBackward0", (h, ("TBackward0", (w_hr,)))
        return h, c
    si = [("UnsafeSplitBackward0", (gi,), k) for k in range(3)]  # GRU
    sh = [("UnsafeSplitBackward0", (gh,), k) for k in range(3)]
    r = "SigmoidBackward0", (("AddBackward0", (sh[0], si[0])),)
    z = "SigmoidBackward0", (("AddBackward0", (sh[1], si[1])),)
    n = "TanhBackward0", (("AddBackward0", (si[2], ("MulBackward0", (sh[2], r)))),)
    return ("AddBackward0", (("MulBackward0", (("SubBackward0", (h, n)), z)), n)), c


def _steps(mode, steps, x, contiguous, w_ih, w_hh, b_ih, b_hh, h, c, reverse=False, w_hr=None):
    """The layouts of each step's h (and c for LSTM) of one layer-direction: lists of `steps` entries in time order
    (the reverse direction's steps run from the last). w_hr: an LSTM's projection of h (proj_size), or None."""
    projected = _linear(x, contiguous, 3, w_ih, b_ih)
    hs, cs = [None] * steps, [None] * steps
    for t in (reversed(range(steps)) if reverse else range(steps)):
        h, c = _cell(mode, ("UnbindBackward0", (projected,), t), h, c, w_hh, b_hh, w_hr)
        hs[t], cs[t] = h, c
    return hs, cs


def show_as_pytorchs(module, x, hx, layer_outputs, states, batched):
    """Mark what `module`'s forward computed to be shown as PyTorch's nodes when first read (x: its input, hx: the
    initial states given or None, layer_outputs: each layer's output Value, time first; states: the final states,
    (D·layers, N, size) each), where PyTorch's unrolled graph is modelled for the layer (see the module's docstring).
    Nothing is relabelled now (one_node.show_later: the relabel costs more than the marks, and is paid only by who
    reads grad_fn or next_functions; the weights and the layers' nodes are found from the marked Values then).
    Returns the states."""
    if len(layer_outputs) != module.num_layers or not layer_outputs[-1].requires_grad:
        return states
    hx = () if hx is None else tuple(hx) if isinstance(hx, (tuple, list)) else (hx,)  # (h_0,) or (h_0, c_0)
    dropout = bool(module.dropout and module.training and module.num_layers > 1)  # (between the layers)
    record = (module._mode, module.num_layers, 2 if module.bidirectional else 1, dropout, module.batch_first,
              module.bias, bool(module.proj_size), x, hx + (None,) * (2 - len(hx)), batched)
    for layer, out in enumerate(layer_outputs):
        show_later(out, _relabel, (record, layer))
    for part, state in enumerate(states):
        show_later(state, _relabel, (record, module.num_layers + part))
    return states


def _directions(out, directions):
    """The `rnn_sequence` nodes of each direction of the layer whose output is `out` (the concatenation of the two
    directions' where bidirectional; each a slice of its node, an LSTM's of its h, c and gates), or None."""
    if directions == 2 and out.op != "concatenate":
        return None
    nodes = []
    for part in (out.parents if directions == 2 else (out,)):
        node = part.parents[0] if part.op == "getitem" and part.parents else part
        if node.op != "rnn_sequence":
            return None
        nodes.append(node)
    return nodes


def _layers(value, index, num_layers, directions, dropout):
    """The `rnn_sequence` nodes of each layer up to the one of `value` (layer `index`'s output, or a final state
    for index ≥ num_layers: a stack of each layer-direction's last step), a list per layer from the first, and the
    inputs of the layers above the first (the output of the one below, or the dropout over it); None where a layer
    is not such nodes (the composed steps: forward mode, complex numbers)."""
    if index < num_layers:
        nodes = _directions(value, directions)
    else:
        parts = value.parents[-directions:] if value.op == "stack" else ()
        nodes = [part.parents[0] for part in parts if part.parents]
        if len(nodes) != directions or any(node.op != "rnn_sequence" for node in nodes):
            return None
    layers, inputs = [], []
    for _ in range(min(index, num_layers - 1) + 1):
        if nodes is None:
            return None
        layers.append(nodes)
        below = nodes[0].parents[0]  # the layer's input: the output of the layer below (or its dropout)
        inputs.append(below)
        if dropout and below.op == "*":
            below = below.parents[0]
        nodes = _directions(below, directions) if below.parents else None
    return layers[::-1], inputs[::-1][1:]


def _relabel(value, argument):
    """Relabel `value`, the output of layer `index` (or final state index − layers) of the forward that `record`
    describes (show_as_pytorchs), as PyTorch's chain."""
    record, index = argument
    mode, num_layers, directions, dropout, batch_first, bias, proj, x, hx, batched = record
    lstm = mode == "LSTM"
    found = _layers(value, index, num_layers, directions, dropout)
    if found is None:
        return
    layers, below = found
    inputs = [x, hx[0], hx[1]]  # the shown_as inputs: the layouts' int entries are their indices
    first = 3 if lstm else 2  # the node's inputs: x, h (and c), weight_ih, weight_hh (, bias_ih, bias_hh)(, weight_hr)
    for layer, nodes in enumerate(layers):
        for node in nodes:
            weights = node.parents[first:]
            inputs += weights[:4] if bias else (*weights[:2], None, None)
            if proj:
                inputs.append(weights[-1])
        if layer < len(below):
            inputs.append(below[layer])
    steps = layers[0][0].shape[0]
    first_is_time = not (batch_first and batched)
    contiguous = batched and _is_contiguous(x.shape if first_is_time else (x.shape[1], x.shape[0], x.shape[2]),
                                            x.stride() if first_is_time else (x.stride()[1], x.stride()[0],
                                                                              x.stride()[2]))
    lstm = mode == "LSTM"
    base = (mode, steps, num_layers, first_is_time, batched, contiguous or not batched, bias, hx[0] is not None,
            lstm and hx[1] is not None, directions, proj)
    # the chains' names, and where each input is below each relabelled node: the same for every call of this shape
    # (found once; each path is checked to lead to its input before it is used)
    shape = base + tuple(isinstance(h, Value) for h in hx)
    cached = _SHAPES.get(shape)
    if cached is None:
        parts = 2 if lstm else 1
        names = [chain_name(base + (layer,)) for layer in range(num_layers)]
        names += [chain_name(base + ("state", part)) for part in range(parts)]
        if None in names:
            names = _chains(mode, num_layers, directions, base, batched, first_is_time, contiguous, parts)
        cached = _SHAPES[shape] = names, [None] * len(names)
    names, known = cached
    shown_as(value, tuple(inputs), names[index], known[index])
    known[index] = relabelled_paths(value) or known[index]


_SHAPES = {}  # a layer's shape (_relabel's key) -> (its chains' names, the input paths of each relabel found)


def _chains(mode, num_layers, directions, base, batched, first_is_time, contiguous, parts):
    """The chain names of each layer's output and of the final states (the keys `base` + (layer,) and + ("state",
    part)); the int entries index _relabel's inputs: x, h_0, c_0, then per layer each direction's weight_ih,
    weight_hh, bias_ih, bias_hh (and weight_hr with proj_size), and the next layer's input (this layer's output, or
    the dropout over it)."""
    steps = base[1]
    if not batched:
        entry, contiguous = ("UnsqueezeBackward0", (0,)), True
    else:
        entry = 0 if first_is_time else ("TransposeBackward0", (0,))
    names, lasts, index = [], [], 3
    bias, per = base[6], 5 if base[10] else 4  # (the inputs of each direction: its weights)
    for layer in range(num_layers):
        stacks = []
        for direction in range(directions):
            h0 = c0 = None
            at = layer * directions + direction
            if base[7]:
                h0 = "UnbindBackward0", ((1 if batched else ("UnsqueezeBackward0", (1,))),), at
            if base[8]:
                c0 = "UnbindBackward0", ((2 if batched else ("UnsqueezeBackward0", (2,))),), at
            w = index + per * direction
            hs, cs = _steps(mode, steps, entry, contiguous, w, w + 1, w + 2 if bias else None,
                            w + 3 if bias else None, h0, c0, reverse=direction == 1,
                            w_hr=w + 4 if per == 5 else None)
            stacks.append(("StackBackward0", tuple(hs)))
            last = 0 if direction else -1  # (the reverse direction ends at the first step)
            lasts.append((hs[last], cs[last]))
        # PyTorch's bidirectional layer concatenates the two directions' stacks along the features
        layout = stacks[0] if directions == 1 else ("CatBackward0", tuple(stacks))
        names.append(chain_layout(layout, key=base + (layer,)))
        entry, contiguous, index = index + per * directions, True, index + per * directions + 1
    for part in range(parts):
        names.append(chain_layout(("StackBackward0", tuple(last[part] for last in lasts)), key=base + ("state", part)))
    return names
