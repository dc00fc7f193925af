"""What PyTorch's node sends its inputs, for its hooks (grad_fn_hooks.py): grad_inputs of a node of one output (one
per edge PyTorch lists, `_edge_vjps`), of PyTorch's one node of several outputs (the rules of the nodes its call
recorded, `_node_vjp`), and a hook's replacement sent to the inputs in the pass's place (`_send_to_inputs`)."""

from __future__ import annotations

import numpy as np


def _plain(g):
    """A hook's gradient as the pass holds it: a plain array (not a GradArray view), a NumPy scalar, or a Value."""
    return g.view(np.ndarray) if g.__class__ is not np.ndarray and isinstance(g, np.ndarray) else g


_WHOLE_LIST = frozenset({"concatenate", "stack"})  # PyTorch's nodes of a TensorList: a gradient for each tensor


class _Transposed(int):
    """A listed edge (`_listed_edges`): PyTorch's TBackward0 of the parent of this index (linear's weight, which
    PyTorch's addmm and mm take as Wᵀ): its gradient is the parent's, transposed."""


class _Inner(int):
    """A listed edge (`_listed_edges`): PyTorch's inner node over the parent of this index (the node's primitive's
    `inner_node`: cross_entropy's LogSoftmaxBackward0): its gradient is the one at the inner node's output."""


class _Viewed(int):
    """A listed edge (`_listed_edges`): PyTorch's views of the parent of this index (the node's primitive's
    `inner_view`: x[0, 0]'s inner SelectBackward0, einsum's permuted operands): its gradient is that view of the
    parent's."""


class _ViewedBroadcast(_Viewed):
    """A _Viewed edge whose views are of the operand that the parent of this index broadcasts (einsum's operand with a
    label of size 1 against another size: PyTorch's einsum views the operand as given and broadcasts inside): its
    gradient is that view of the parent's gradient summed to the operand's shape; a replacement goes to the operand
    through the broadcast, whose rule sums it back."""


class _Above(tuple):
    """A listed edge (`_listed_edges`): PyTorch's node of this node's own work under a view on top of it (linear of a
    3-D input's AddmmBackward0 under ViewBackward0, matmul's BmmBackward0 under UnsafeViewBackward0): its gradient is
    the node's gradient in that node's output shape (this tuple); a replacement goes back through this node's rules to
    the parents that no other edge lists."""


def _rows(shape, params, operands):  # (mm's and addmm's rows)
    return (-1,) + tuple(shape[-1:])


def _unsqueezed(shape, params, operands):  # (the 2-D pool of a 1-D one's input, unsqueezed at -2)
    return tuple(shape[:-1]) + (1,) + tuple(shape[-1:])


def _batch_of_matrices(shape, params, operands):
    """bmm's output (batch, rows, columns) for matmul's product of a stack (or linear's): a vector on the left is
    PyTorch's one row (unsqueezed, expanded over the batch), which matmul's product has dropped."""
    rows = (1,) if len(operands[0]) == 1 else tuple(shape[-2:-1])
    return (-1,) + rows + tuple(shape[-1:])


def _squeezed_column(shape, params, operands):
    """matmul's bmm of a stack and a vector on the right (a column, squeezed after the product): the squeeze's output
    (batch, rows); None for another node's squeeze."""
    return (-1,) + tuple(shape[-1:]) if len(operands) == 2 and len(operands[1]) == 1 else None


def _with_summed_labels(shape, params, operands):
    """An einsum's output shape with a dimension of size 1 for each summed label (None: not an einsum's)."""
    equation = params.get("equation")
    if equation is None:
        return None
    inputs, _, output = equation.partition("->")
    return tuple(shape) + (1,) * len(set(inputs.replace(",", "")) - set(output))


# PyTorch's node under a view on top of the node (its name as the top's entry) -> the shape of its output, from the
# shape of the node's output, the node's parameters and its parents' shapes: mm and addmm of rows (linear and matmul of
# more dims, or of a vector), bmm of a batch of matrices (of one row each for a vector on the left), mv of rows and a
# vector, the squeeze of bmm's columns (a vector on the right), the 2-D kernel of cross_entropy of 3 or 5+ dims (one
# loss per (N, 1, -1)), linear's product before its bias (AddBackward0 of it and the bias), einsum's permuted product
# (or its product of operands summed alone) whose summed labels' dimensions (of size 1) the view drops, instance_norm's
# batch norm of (1, N·C, ...), the 2-D pools of the 1-D ones (max_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d,
# AdaptiveAvgPool1d(1)'s mean); None: not that node
_UNDER_VIEW = {
    "MmBackward0": _rows, "AddmmBackward0": _rows,
    "BmmBackward0": _batch_of_matrices,
    "MvBackward0": lambda shape, params, operands: (-1,), "SqueezeBackward1": _squeezed_column,
    "NllLoss2DBackward0": lambda shape, params, operands: tuple(shape[:1]) + (1, -1),
    "UnsafeViewBackward0": lambda shape, params, operands: tuple(shape),
    "PermuteBackward0": _with_summed_labels, "MulBackward0": _with_summed_labels,
    "NativeBatchNormBackward0": lambda shape, params, operands: (1, -1) + tuple(shape[2:]),
    **dict.fromkeys(("AdaptiveAvgPool2DBackward0", "AdaptiveMaxPool2DBackward0", "MaxPool2DWithIndicesBackward0",
                     "AvgPool2DBackward0", "MeanBackward1"), _unsqueezed),
}
_VIEW_TOPS = frozenset({"ViewBackward0", "UnsafeViewBackward0", "SqueezeBackward4", "SqueezeBackward1",
                        "AddBackward0"})


def _chain_end(entry):
    """The parent index at the end of a layout entry that is a chain of PyTorch's nodes of one entry each (x[0, 0]'s
    SelectBackward0 of the parent), else None; a _Below index where the chain ends at that parent's own input (an
    operand einsum broadcasts: a Through path (index, 0))."""
    from .grad_fn_names import Through

    while entry.__class__ is tuple and len(entry) == 2 and len(entry[1]) == 1:
        entry = entry[1][0]
    if entry.__class__ is Through and len(entry) == 2 and entry[1] == 0:
        return _Below(entry[0])
    return entry if entry.__class__ is int else None


class _Below(int):
    """_chain_end's parent index where the chain ends at that parent's input."""


def _edge_of(entry, node=None, top=None):
    """A layout entry of the node `top` names as `_listed_edges` lists it: an int or None as it is (PyTorch's copy of a
    parent, CloneBackward0, the parent's int), linear's TBackward0 of a parent a _Transposed, the inner node of node's
    primitive (`inner_node`) over a parent an _Inner, its views (`inner_view`) of a parent a _Viewed, PyTorch's node of
    node's own work under a view on top an _Above, else (a node of PyTorch's own, a path further down) False."""
    if entry is None or entry.__class__ is int:
        return entry
    if entry.__class__ is not tuple:
        return False
    end = _chain_end(entry)
    if end is not None and len(entry[1]) == 1 and entry[1][0] == end:
        if entry[0] == "TBackward0":
            return _Transposed(end)
        if entry[0] == "CloneBackward0":
            return end
    if node is None:
        return False
    if end.__class__ is _Below:  # (the views of an operand that the parent broadcasts, as einsum's)
        view = node._op.inner_view
        if (view is not None and entry[0] in view[0] and _only_views(entry, view[0])
                and node._parents[end]._op is not None and node._parents[end]._op.name == "broadcast_to"):
            return _ViewedBroadcast(end)
        return False
    if end is not None:
        inner, view = node._op.inner_node, node._op.inner_view
        if inner is not None and entry[0] in inner[0]:
            return _Inner(end)
        if view is not None and entry[0] in view[0] and _only_views(entry, view[0]):
            return _Viewed(end)
    viewed = _UNDER_VIEW.get(entry[0])
    if viewed is not None and top in _VIEW_TOPS:
        shape = viewed(np.shape(node.data), node._params if isinstance(node._params, dict) else {},
                       tuple(np.shape(p.data) for p in node._parents))
        return False if shape is None else _Above(shape)
    below = _FOLDED_TOPS.get(top)
    if below is not None and node._op.name == "matmul" and _names_down(entry, len(below)) == below:
        shape = np.shape(node.data)
        return _Above(shape if top == "CloneBackward0" else shape[:-2] + shape[-2:][::-1])
    return False


# matmul of a stack on the right that PyTorch folds into rows, (y.mT @ x.mT).mT: its top is the transpose back
# (TransposeBackward0 of the product's UnsafeViewBackward0, a view where the result is contiguous: a dimension of size
# 1 among the two swapped, so that its gradient is this node's in the product's shape, reshaped), or that transpose's
# copy (CloneBackward0), whose gradient is this node's (grad_fn_names._folded); the names down its one entry
_FOLDED_TOPS = {"TransposeBackward0": ("UnsafeViewBackward0",),
                "CloneBackward0": ("TransposeBackward0", "UnsafeViewBackward0")}


def _names_down(entry, depth):
    """The names of the first `depth` nodes of a chain of PyTorch's nodes down the first entry of each."""
    names = []
    while len(names) < depth and entry.__class__ is tuple and entry[1]:
        names.append(entry[0])
        entry = entry[1][0]
    return tuple(names)


def _only_views(entry, names):
    """Whether the chain `entry` (of one entry each) is of the nodes `names` alone."""
    while entry.__class__ is tuple:
        if entry[0] not in names:
            return False
        entry = entry[1][0]
    return True


def view_on_top(node):
    """Where PyTorch's node is a view of one node of its own that does this library's node's work (`_UNDER_VIEW`),
    the shape of that node's output (its hooks' grad_inputs: this node's gradient in that shape), else None."""
    from .grad_fn_names import layout

    top, entries = layout(node)
    if entries is None or len(entries) != 1 or top not in _VIEW_TOPS:
        return None
    edge = _edge_of(entries[0], node, top)
    return tuple(edge) if edge.__class__ is _Above else None


# PyTorch's node on top of its chain that is this library's node's own operation (its name -> the primitive's)
_OWN_TOPS = {"StackBackward0": "stack", "CatBackward0": "concatenate"}
OWN = "own"
# PyTorch's top is a stack of its own nodes, one per index of this node's first dimension (a recurrent layer's output:
# StackBackward0 of its steps, which this library computes as one node): its grad_inputs are the node's gradient
# unstacked, and a replacement is the node's gradient, stacked
UNSTACKED = "unstacked"


def top_of_chain(node):
    """How the hooks of the last node of a composite that PyTorch records as a chain of its own nodes give its top's
    grad_inputs, else None (they cannot): a ChainTop where the composite declares how PyTorch's chain ends
    (grad_fn_chain_tops.declare_top: vander's flip, circular padding's last copy, cond's nan_to_num), whose top's
    grad_inputs are computed again from the inputs (grad_fn_hooks._step_chain_top); OWN where the top is this node's
    own operation over one entry per parent (a recurrent layer's h_n: StackBackward0 of each layer's last step; a
    bidirectional layer's output: CatBackward0 of its directions), whose hooks then are this node's; UNSTACKED where
    the top is a stack of PyTorch's nodes along this node's first dimension (a recurrent layer's output,
    StackBackward0 of its steps: its final state is a view of the layer's node, not of the output, so that the
    state's gradient goes around the output as PyTorch's goes around the stack); a shape where the top is a view of
    one node of PyTorch's doing the composite's work (max_pool1d's SqueezeBackward1 of
    MaxPool2DWithIndicesBackward0: view_on_top), whose grad_inputs are this node's gradient in that shape
    (grad_fn_hooks._step_under_view)."""
    from .grad_fn_chain_tops import declared_top
    from .grad_fn_names import layout

    declared = declared_top(node)
    if declared is not None:
        return declared
    top, entries = layout(node)
    if entries is None or not all(e.__class__ is tuple for e in entries):  # (PyTorch's nodes all: no input's edge)
        return None
    if _OWN_TOPS.get(top) == node._op.name and len(entries) == len(node._parents):
        return OWN
    if top == "StackBackward0" and len(entries) == np.shape(node.data)[0]:
        return UNSTACKED
    return view_on_top(node)


def _listed_edges(node, inputs):
    """Where PyTorch's node of one output lists other edges than the node's parents (`next_functions`, from
    grad_fn_names.layout), each listed one's parent index (None: an edge PyTorch lists without a node; a _Transposed
    index: PyTorch's TBackward0 of it; an _Inner index: the primitive's inner node over it; a _Viewed index: the
    primitive's views of it; an _Above: PyTorch's node of this node's work, under a view, for the parents no other
    edge lists); None where it lists the parents, or nodes of its own, or leaves out a parent that needs a
    gradient."""
    from .grad_fn_names import layout

    top, entries = layout(node)
    if entries is None:
        return None
    edges = tuple(_edge_of(e, node, top) for e in entries)
    if any(e is False for e in edges):
        return None
    if any(e.__class__ is _Above for e in edges):
        return edges if sum(e.__class__ is _Above for e in edges) == 1 else None
    return edges if all(x is None or i in edges for i, x in enumerate(inputs)) else None


def inputs_further_down(node):
    """Where PyTorch's node of one output lists inputs further down than node's parents (layer_norm's x below the
    normalisation, x[1:] = v's v: grad_fn_names' Through entries) and parents otherwise, its inputs (None for one it
    lists as None, or that needs no gradient): node's hooks then work as a composite's (grad_fn_hooks._step_composite:
    the rules of the nodes between); else None."""
    from .grad_fn_names import Through, layout

    entries = layout(node)[1]
    if entries is None or not any(e.__class__ is Through for e in entries):
        return None
    if not all(e is None or e.__class__ in (int, Through) for e in entries):
        return None
    inputs = (None if e is None else e.value(node) if e.__class__ is Through else node._parents[e] for e in entries)
    return tuple(None if x is None or not x.requires_grad else x for x in inputs)


def unlisted_edges(node):
    """Why node.grad_fn.register_hook cannot give PyTorch's grad_inputs for node, a node of one output (not a
    composite: grad_fn_names.hook_refusal), else None: PyTorch's node lists nodes of its own in `next_functions` (2 /
    x's ReciprocalBackward0, einsum's permuted operands, instance_norm's batch norm of a view), whose gradients this
    library's node does not compute; or inputs further down (layer_norm's x) one of which is several of them."""
    from .grad_fn_chain_tops import declared_top
    from .grad_fn_names import layout

    top, entries = layout(node)
    if entries is None or all(_edge_of(e, node, top) is not False for e in entries):
        return None
    if declared_top(node) is not None:  # (its primitive declares the top of PyTorch's chain: einsum's products)
        return None
    further_down = inputs_further_down(node)
    if further_down is not None:
        return repeated_inputs(node, further_down)[1]
    return ("PyTorch's node lists nodes of its own that this library's one node does not record, so the gradients it "
            "sends them are not computed here")


def at_listed_edges(node, g, edges, grad_inputs, into, inputs=None):
    """grad_inputs (the parents' gradients, one per parent) as PyTorch's node sends them along its edges (into=True:
    one per edge), or a hook's replacements on those edges taken back to the parents (into=False: one per parent of
    `inputs`, None for one that gets none): a _Transposed edge's transposed either way (what Wᵀ gets is what W gets,
    transposed); an _Inner edge's the gradient at the inner node's output, to_inner of the node's gradient g, and back
    through the inner node's rule, from_inner (the primitive's `inner_node`: cross_entropy's); a _Viewed edge's the
    primitive's view of the parent's gradient, and back by its unview (`inner_view`: getitem's, einsum's); an _Above
    edge's g in that node's shape, and back through the node's own rules for g in its shape, to the parents no other
    edge lists; the others' as they are, and None as None."""
    if into:
        result = []
        for e in edges:
            x = None if e is None or e.__class__ is _Above else grad_inputs[e]
            if x is not None and e.__class__ is _Transposed:
                x = x if x.ndim < 2 else x.swapaxes(-1, -2)  # (PyTorch's TBackward0 of a vector: the vector)
            elif x is not None and e.__class__ is _Inner:
                x = _inner_rule(node, g, g, into)
            elif x is not None and isinstance(e, _Viewed):
                x = _view_rule(node, g, x, e, into)
            elif e.__class__ is _Above and g is not None:
                x = _plain(g).reshape(e)
            result.append(x)
        return tuple(result)
    result = [None] * len(inputs)

    def add(i, x):
        result[i] = x if result[i] is None else result[i] + x

    for e, x in zip(edges, grad_inputs):
        if x is None or e is None:
            continue
        if e.__class__ is _Above:
            listed = {int(f) for f in edges if f is not None and f.__class__ is not _Above}
            covered = tuple(None if i in listed else p for i, p in enumerate(inputs))
            for i, gx in enumerate(_edge_vjps(node, _plain(x).reshape(np.shape(node.data)), covered)):
                if gx is not None:
                    add(i, gx)
            continue
        if e.__class__ is _Transposed:
            x = x if x.ndim < 2 else x.swapaxes(-1, -2)
        elif e.__class__ is _Inner:
            x = _inner_rule(node, g, x, into)
        elif isinstance(e, _Viewed):
            x = _view_rule(node, g, x, e, into)
        add(e, x)
    return tuple(result)


def _inner_rule(node, g, x, into):
    """The primitive's `inner_node` rule: to_inner of the node's gradient g (into), or from_inner of a hook's
    replacement x."""
    _, to_inner, from_inner = node._op.inner_node
    out, xs, params = _rule_arguments(node, g)
    return (to_inner if into else from_inner)(_plain(x), out, *xs, **(params or {}))


def _view_rule(node, g, x, i, into):
    """The primitive's `inner_view` rule for input i: view of the input's gradient x (into), or unview of a hook's
    replacement x. For a _ViewedBroadcast edge the views are of the operand below the broadcast parent i: x is summed
    to the operand's shape first (into), or what unview gives the operand is made the broadcast's gradient that its
    rule sums back to it (zeros beyond the first element along each broadcast dimension: the same numbers)."""
    _, view, unview = node._op.inner_view
    out, xs, params = _rule_arguments(node, g)
    x = _plain(x)
    if i.__class__ is not _ViewedBroadcast:
        return (view if into else unview)(x, i, out, *xs, **(params or {}))
    from .backward_edges import _fit

    broadcast, operand = node._parents[i], node._parents[i]._parents[0]
    xs = list(xs)
    xs[i] = operand if xs[i] is broadcast else operand.data  # (Values under create_graph: _rule_arguments)
    if into:
        return view(_fit(x, operand.data, broadcast._op, 0), i, out, *xs, **(params or {}))
    return _zero_padded(unview(x, i, out, *xs, **(params or {})), broadcast.shape)


def _zero_padded(r, shape):
    """r (of a shape that broadcasts to `shape`, as many dimensions) with zeros after it along each dimension where it
    has size 1 and `shape` more: summed over those dimensions, it is r again."""
    from .ops.shape import concatenate

    for axis, (m, n) in enumerate(zip(np.shape(r), shape)):
        if m == 1 and n != 1:
            zeros = np.zeros(np.shape(r)[:axis] + (n - 1,) + np.shape(r)[axis + 1:], dtype=r.dtype)
            r = np.concatenate([r, zeros], axis=axis) if isinstance(r, np.ndarray) else concatenate([r, zeros], axis)
    return r


def _rule_arguments(node, g):
    """(out, inputs, params) for node's rules given its gradient g: its output and inputs as Values where g is one
    (create_graph), else their arrays; its parameters, None where there are none or a pass without retain_graph
    freed them."""
    from . import backward_undo

    params = node._params
    if params.__class__ is backward_undo._Freed:
        params = None
    if isinstance(g, (np.ndarray, np.generic)):
        return node.data, [p.data for p in node._parents], params
    return node, node._parents, params


def _edge_vjps(node, g, inputs):
    """grad_inputs of a node of one output for its gradient g (PyTorch's convention; None: none): one per edge, as
    PyTorch's node gives them (x * x: two), fitted to the input's shape and dtype; Values under create_graph."""
    from . import backward_edges, backward_seeds, engine

    if g is None:
        return (None,) * len(inputs)
    g = _plain(g)
    complex_g = engine.COMPLEX_VALUES_EXIST[0] and g.dtype.kind == "c"
    if complex_g:
        g = backward_seeds.conjugate_gradient(g)
    out, xs, params = _rule_arguments(node, g)
    result = []
    for i, x in enumerate(inputs):
        gx = None
        if x is not None:
            rule = node._op.vjps[i]
            gx = rule(g, out, *xs) if params is None else rule(g, out, *xs, **params)
        if gx is not None:
            if gx.__class__ is engine.ScatteredGradient or gx.shape != x.data.shape or gx.dtype != x.data.dtype:
                gx = backward_edges._fit(gx, x.data, node._op, i)
            if complex_g and gx.dtype.kind == "c":
                gx = backward_seeds.conjugate_gradient(gx)
        result.append(gx)
    return tuple(result)


def _send_to_inputs(inputs, grad_inputs):
    """Add each gradient of `grad_inputs` to what the pass holds for its Value of `inputs` (None on either side, or an
    input the pass does not reach: nothing), in the pass's convention (conjugated for complex data): a hook has done
    the node's work, the node sends nothing itself."""
    from . import backward_order, backward_seeds, engine

    complex_pass = engine.COMPLEX_VALUES_EXIST[0]
    for x, gx in zip(inputs, grad_inputs):
        if x is None or gx is None or x._pending is None:
            continue
        gx = _plain(gx)
        if gx.__class__ is np.ndarray:
            gx = gx.copy()  # the hook's arrays stay the hook's; a leaf's .grad is an array of its own
        if complex_pass and gx.dtype.kind == "c":
            gx = backward_seeds.conjugate_gradient(gx)
        x._pending = gx if x._pending is backward_order._UNREACHED else x._pending + gx


def _node_inputs(members):
    """The inputs of PyTorch's node (None for a constant or one that needs no gradient), read off an output."""
    from .grad_fn import _inputs

    for _, out in members:
        if out is not None:
            return tuple(None if x is None or not x.requires_grad else x for x in _inputs(out))
    return ()


def _call_nodes(members, inputs):
    """The nodes the call of PyTorch's node recorded (its outputs and the nodes below them, younger than its inputs),
    by id."""
    limit = max((x._index for x in inputs if x is not None), default=-1)
    found, stack = {}, [out for _, out in members if out is not None]
    while stack:
        v = stack.pop()
        if id(v) in found or v._op is None or v._index <= limit:
            continue
        found[id(v)] = v
        stack.extend(p for p in v._parents if p.requires_grad)
    return found


def _inner_gradients(members, found):
    """(node, gradient) for each node of the call but its outputs that received a gradient of its own in this pass,
    not through the outputs (a double backward's graph reads the call's Values, as PyTorch's reads the node's saved
    ones): complete by now (its other consumers are younger than the outputs), and part of PyTorch's node's
    grad_inputs."""
    from . import backward_order

    outputs = {id(out) for _, out in members if out is not None}
    return [(node, node._pending) for key, node in found.items()
            if key not in outputs and node._pending is not None and node._pending is not backward_order._UNREACHED]


def _take_inner_gradients(members, inputs):
    """Where the node's hooks did its work: the inner nodes' own gradients taken from the pass (the hooks' grad_inputs
    had them), which would send them on past the hooks."""
    from . import backward_order

    for node, _ in _inner_gradients(members, _call_nodes(members, inputs)):
        node._pending = backward_order._UNREACHED


# The order in which this library's composite for PyTorch's node reaches the node's inputs, depth first from its last
# node (each node's inputs in order): beta·input + alpha·(mat1 @ mat2) reaches mat1, mat2, then input. Where one
# Value is several inputs of such a node (addmm(b, a, a)), its uses in this order are those inputs in turn, and the
# gradient each use receives is that input's own (PyTorch's grad_inputs keep them apart).
_USE_ORDER = dict.fromkeys(("AddmmBackward0", "AddmvBackward0", "AddrBackward0", "BaddbmmBackward0",
                            "AddbmmBackward0"), (1, 2, 0))
_USE_ORDER.update(AddcmulBackward0=(0, 1, 2), AddcdivBackward0=(0, 1, 2))
# (inputs reached in order, however many: block_diag's; add and sub with alpha, x + alpha·other; attention's
# softmax(q kᵀ) v, whose scores are reached before the value)
_IN_ORDER = frozenset({"BlockDiagBackward0", "AddBackward0", "SubBackward0",
                       "ScaledDotProductFlashAttentionForCpuBackward0"})


def repeated_inputs(node, inputs):
    """Where a Value is several of `inputs` (PyTorch's node's, None for one without a gradient) of node, the last
    node of a composite shown as PyTorch's one node (one_node.shown_as): ({(id(inner node), parent index): input
    position} for each use of such a Value in the composite, None), or (None, why they cannot be told apart).
    ({}, None) where no Value repeats."""
    counts = {}
    for x in inputs:
        if x is not None:
            counts[id(x)] = counts.get(id(x), 0) + 1
    if all(c == 1 for c in counts.values()):
        return {}, None
    name = node._op.grad_fn_name
    order = tuple(range(len(inputs))) if name in _IN_ORDER else _USE_ORDER.get(name)
    if order is None:
        return None, ("a Value is several of its inputs here, and this library's composite does not record which "
                      "of its uses is which input's, so their gradients (summed into the Value's) cannot be told "
                      "apart")
    found = _call_nodes(((0, node),), inputs)
    uses = {}  # id(repeated Value) -> [(id(inner node), parent index)], depth first from node

    def walk(v, seen):
        seen.add(id(v))
        for i, parent in enumerate(v._parents):
            if counts.get(id(parent), 0) > 1:
                uses.setdefault(id(parent), []).append((id(v), i))
            elif id(parent) in found and id(parent) not in seen:
                walk(found[id(parent)], seen)

    walk(node, set())
    edges = {}
    for key, count in counts.items():
        if count < 2:
            continue
        positions = sorted((k for k, x in enumerate(inputs) if x is not None and id(x) == key), key=order.index)
        if len(uses.get(key, ())) != len(positions):
            return None, (f"a Value is {len(positions)} of its inputs here and this library's composite uses it at "
                          f"{len(uses.get(key, ()))} places, so which gradient is which input's is not known")
        edges.update(zip(uses[key], positions))
    return edges, None


def _node_vjp(members, grad_outputs, inputs, complex_pass, uses=None, inner=True):
    """PyTorch's node's grad_inputs for grad_outputs: the rules of the nodes its call recorded (younger than its
    inputs, below its outputs), youngest first, as the backward pass runs them, from the outputs' gradients and the
    inner nodes' own (_inner_gradients). Arrays (None where none reaches), or Values under create_graph (the rules
    then record). uses: repeated_inputs' edges, where a Value is several inputs: each input gets the gradient of its
    own use of the Value, not the Value's sum. inner=False: from the outputs' gradients alone (PyTorch's native
    norms, whose double backward sends their inputs those gradients around the node, grad_fn_hooks._step_composite)."""
    from . import backward_edges, backward_seeds, backward_undo, engine

    received, own = {}, {}
    values = False

    def add(v, gv):
        key = id(v)
        received[key] = gv if key not in received else received[key] + gv

    for (_, out), go in zip(members, grad_outputs):
        if out is not None and go is not None:
            go = _plain(go)
            values = values or not isinstance(go, (np.ndarray, np.generic))
            add(out, backward_seeds.conjugate_gradient(go) if complex_pass and go.dtype.kind == "c" else go)
    found = _call_nodes(members, inputs)
    for node, p in _inner_gradients(members, found) if inner else ():
        values = values or not isinstance(p, (np.ndarray, np.generic, engine.ScatteredGradient))
        add(node, p.dense() if p.__class__ is engine.ScatteredGradient else p)
    for node in sorted(found.values(), key=lambda v: v._index, reverse=True):
        gv = received.pop(id(node), None)
        if gv is None:
            continue
        if gv.__class__ is engine.ScatteredGradient:
            gv = gv.dense()
        params = node._params
        if params.__class__ is backward_undo._Freed:
            if params.had_params:
                from .grad_fn import _FREED_MESSAGE

                raise RuntimeError(_FREED_MESSAGE)
            params = None
        out, xs = (node, node._parents) if values else (node.data, [p.data for p in node._parents])
        for i, parent in enumerate(node._parents):
            if not parent.requires_grad:
                continue
            rule = node._op.vjps[i]
            gp = rule(gv, out, *xs) if params is None else rule(gv, out, *xs, **params)
            if gp is None:
                continue
            pdata = parent.data
            if gp.__class__ is engine.ScatteredGradient or gp.shape != pdata.shape or gp.dtype != pdata.dtype:
                gp = backward_edges._fit(gp, pdata, node._op, i)
            position = None if not uses else uses.get((id(node), i))
            if position is None:
                add(parent, gp)
            else:
                own[position] = gp if position not in own else own[position] + gp
    result, owned = [], set(uses.values()) if uses else ()
    zeros = any(go is not None for go in grad_outputs) and any(
        out is not None and getattr(out._op, "grad_fn_name", None) in _ZEROS_FOR_NONE for _, out in members)
    for k, x in enumerate(inputs):
        gx = None if x is None else own.get(k) if k in owned else received.get(id(x))
        if gx is None and zeros and x is not None:
            gx = np.zeros_like(x.data)
            if values:
                from .value import Value

                gx = Value(gx, requires_grad=False)
        if gx is not None and complex_pass and gx.dtype.kind == "c":
            gx = backward_seeds.conjugate_gradient(gx)
        result.append(gx)
    return tuple(result)


# PyTorch's nodes whose formula gives zeros, not None, to an input that no output's gradient reaches (triangular_solve
# used only through its copy of A: b's zeros)
_ZEROS_FOR_NONE = frozenset({"TriangularSolveBackward0"})
