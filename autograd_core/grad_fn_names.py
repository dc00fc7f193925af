"""PyTorch's name of the backward node of each recorded operation, and the nodes PyTorch records there that this
library does not (grad_fn.py's `GradFn` shows them): `_TORCH_NAMES`, one name per primitive whatever the call, and
`_CONTEXTS`, a function per primitive whose PyTorch name depends on the call (linear with a bias or not, x[0] or
x[1:], x ** 2 or x ** t). Read only when `grad_fn` is read (or the profiler names a backward event), never while
recording.

A layout is (name, entries): entries None for one next_functions entry per input in order, else a tuple of: i
(input i's edge), None (a constant PyTorch lists as (None, 0)), a nested (name, entries) (or (name, entries,
output_nr) where the entry is an output other than 0 of a node of several outputs), a node PyTorch records
that this library does not, or a `Through` path, the edge of an input further down where one node of PyTorch's is
several here (layer_norm's input, below its scale_shift and normalize nodes). The last node of a composition
that PyTorch records as one (one_node.shown_as: x.norm(p=1)'s sum of abs) is a twin named as PyTorch's node whose
`grad_fn_input` holds those paths, one per input of PyTorch's node.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .grad_fn_einsum import _contiguous_strides, _is_contiguous, einsum_layout, reshaped_as_pytorch
from .grad_fn_chain_tops import declared_top
from .grad_fn_hook_inputs import repeated_inputs, top_of_chain, unlisted_edges
from .grad_fn_strides import pytorch_strides
from .one_node import _LATER, show_now


def _name_of(op):
    """The name of the backward node of primitive op, whatever it was called with: PyTorch's where op says it
    (Primitive.named) or `_TORCH_NAMES` does, else made of its title."""
    named = getattr(op, "grad_fn_name", None)
    if named is not None:
        return named
    if getattr(op, "custom_function", False):  # an autograd.Function: PyTorch's "<Name>Backward"
        return op.title + "Backward"
    named = _TORCH_NAMES.get(op.name)
    if named is not None:
        return named
    words = "".join(c if c.isalnum() else " " for c in op.title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) + "Backward0"  # 'max_pool2d' -> MaxPool2dBackward0


def backward_name(node):
    """`type(node.grad_fn).__name__`, PyTorch's name of the node that recorded Value `node` (for the profiler)."""
    return layout(node)[0]


def name_depends_on_call(op):
    """Whether the name of primitive op's nodes depends on what each was called with (linear's, getitem's)."""
    return getattr(op, "grad_fn_name", None) is None and op.name in _CONTEXTS


# PyTorch's name of the node of each primitive (by registry name) whose title does not make it, whatever the call.
_TORCH_NAMES = {
    "concatenate": "CatBackward0",
    "broadcast_to": "ExpandBackward0",
    "transpose": "PermuteBackward0",  # x.permute(...), x.T (x.t() records TBackward0: Value.t)
    "swapaxes": "TransposeBackward0",  # x.transpose(d0, d1), x.mT
    "embedding": "EmbeddingBackward0",
    "conv2d": "ConvolutionBackward0",
    "conv_transpose2d": "ConvolutionBackward0",
    "max_pool2d": "MaxPool2DWithIndicesBackward0",
    "constant_pad": "ConstantPadNdBackward0",  # F.pad(x, p), nn.ZeroPad2d, nn.ConstantPad1d, ...
    "vector_norm2": "LinalgVectorNormBackward0",  # x.norm(), torch.linalg.vector_norm(x): the 2-norm
    "bce_with_logits": "BinaryCrossEntropyWithLogitsBackward0",  # mse_loss, huber_loss, ...: their titles say it
    "astype": "ToCopyBackward0",  # x.float(), x.to(torch.float64), x.type_as(y)
    "contiguous": "CloneBackward0",  # x.t().contiguous()
    "log1p": "Log1PBackward0", "atan2": "Atan2Backward0", "gelu_tanh": "GeluBackward0",  # F.gelu(approximate='tanh')
    # NumPy's titles (arcsin) for PyTorch's names (asin)
    "asin": "AsinBackward0", "acos": "AcosBackward0", "atan": "AtanBackward0", "asinh": "AsinhBackward0",
    "acosh": "AcoshBackward0", "atanh": "AtanhBackward0",
    # torch.linalg's kernels (torch.inverse and torch.det are them too)
    "inv": "LinalgInvExBackward0", "det": "LinalgDetBackward0", "slogdet": "LinalgSlogdetBackward0",
    "solve": "LinalgSolveExBackward0", "pinv": "LinalgPinvBackward0", "cholesky": "LinalgCholeskyExBackward0",
    "matrix_exp": "LinalgMatrixExpBackward0",
    "diagonal": "DiagonalBackward0",  # x.diagonal(), torch.diagonal
}


class Through(tuple):
    """A layout entry: the edge of the Value reached from the node by following input positions `path` (its
    input's input ...), where PyTorch's one node lists what this library's several nodes take."""

    __slots__ = ()

    def value(self, node):
        """The Value at the end of the path, or None where the path runs out (a Value recorded without inputs:
        one that needs no gradient)."""
        for i in self:
            if len(node._parents) <= i:
                return None
            node = node._parents[i]
        return node


def layout(node):
    """(name, entries) of the node that recorded Value `node`, as PyTorch shows it (see the module's docstring)."""
    if _LATER and id(node) in _LATER:  # a relabel deferred until now (one_node.show_later)
        show_now(node)
    op = node._op
    named = getattr(op, "grad_fn_name", None)
    below = getattr(op, "grad_fn_input", None)
    if below is not None:  # the last node of a composite PyTorch records as one (or a chain: one_node.py)
        chain = _CHAINS.get(named)
        if chain is not None:
            filled = _FILLED.get((named, below))
            if filled is None:
                filled = _FILLED[named, below] = _filled(chain, below, {})
            return filled
        if _BELOW in named:
            return _chain_of(named.split(_BELOW), Through(below[0]))
        return named, tuple(None if path is None else Through(path) for path in below)
    if named is None:
        context = _CONTEXTS.get(op.name)
        if context is not None:
            # After a backward pass without retain_graph the parameters are freed (backward_undo._Freed), but for the
            # kept ones (Primitive.keeps_for_name): the other names that depend on them fall back to what the node's
            # shapes tell (a sum to a 0-d result: sum())
            params = node._params
            if not isinstance(params, dict):  # freed (or none): what Primitive.keeps_for_name kept
                params = getattr(params, "named_by", None) or {}
            return context(node._parents, params, node)
    elif named in _SCALAR_OVERLOADS:  # PyTorch's C++ mul(Tensor, Scalar): the tensor its only entry
        return named, tuple(i for i, p in enumerate(node._parents) if p._op is not None or p._requires_grad
                            or np.ndim(p.data) != 0)
    elif named in _NATIVE_NORMS:
        return named, _native_norm_entries(node)
    elif named == INSTANCE_NORM:
        return _instance_norm_layout(node)
    elif _BELOW in named:  # one node here, a chain of views around it there (F.adaptive_avg_pool1d)
        return _chain_of(named.split(_BELOW))
    elif named in _WRITES:  # x[1:] = v (inplace_functions.placed): where(written, v gathered, x): PyTorch's (x, v)
        return named, (1, Through((0, 0, 0)))
    return _name_of(op), None


def layout_at(node, path):
    """The layout of the node at `path` (positions in next_functions) below the node that recorded Value `node`."""
    at = layout(node)
    for j in path:
        at = at[1][j]
    return at


# ---- names that depend on the call (each a function of the node's inputs, keyword parameters and output)

def _is_number(v):
    """Whether input v is a Python number made a constant (interned by Value._constant), as PyTorch's Scalar
    arguments, which its nodes do not list, unlike a tensor's."""
    from .value import _CONSTANTS

    if v._op is not None or v._parents or v._requires_grad or np.ndim(v.data) != 0:
        return False
    data = v.data
    try:
        number = data.item()
    except AttributeError:
        return False
    return _CONSTANTS.get((number, data.__class__)) is v or _CONSTANTS.get((number, np.result_type(data))) is v


def _pow(parents, params, node):
    if _is_number(parents[1]):
        return "PowBackward0", (0,)  # x ** 2: pow(Tensor, Scalar)
    if _is_number(parents[0]):
        return "PowBackward2", (1,)  # 2 ** x: pow(Scalar, Tensor)
    return "PowBackward1", (0, 1)


def _commuted(name):
    def layout(parents, params, node):  # 2 + x is x + 2 in PyTorch: the tensor first, then the number
        return name, ((1, 0) if _is_number(parents[0]) and not _is_number(parents[1]) else None)
    return layout


def _sub(parents, params, node):
    if _is_number(parents[0]) and not _is_number(parents[1]):
        return "RsubBackward1", (1,)  # 2 - x: rsub(Tensor, Scalar)
    return "SubBackward0", None


def _div(parents, params, node):
    if _is_number(parents[0]) and not _is_number(parents[1]):
        return "MulBackward0", (("ReciprocalBackward0", (1,)), 0)  # 2 / x: x.reciprocal() * 2
    return "DivBackward0", None


def _over_dims(whole, some):
    def layout(parents, params, node):  # x.sum() is sum(Tensor), x.sum(1) sum.dim_IntList
        if "axis" not in params:  # freed by a backward pass (or never given): a 0-d result is a sum of everything
            return (whole if np.ndim(node.data) == 0 else some), None
        return (whole if params.get("axis") is None else some), None
    return layout


def _clip(parents, params, node):
    bounds = (params.get("min"), params.get("max"))
    return ("ClampBackward0" if any(np.ndim(b) for b in bounds) else "ClampBackward1"), None


def _clamp_tensor(parents, params, node):
    # torch.clamp(x, min=b): clamp.Tensor's node lists self, min and max, (None, 0) for the bound not given
    sides = params.get("sides", "both")
    return "ClampBackward0", (None if sides == "both" else (0, 1, None) if sides == "min" else (0, None, 1))


def _contiguous(v):
    data = v.data
    return data.__class__ is not np.ndarray or _is_contiguous(data.shape, pytorch_strides(v))


def _linear(parents, params, node):
    # PyTorch's linear is addmm(b, x, Wᵀ) (mm without a bias) on a matrix x; a contiguous x of more dims with a bias
    # is viewed as rows for addmm and viewed back; otherwise it is matmul(x, Wᵀ), then + b
    weight_t = ("TBackward0", (1,))
    ndim = np.ndim(parents[0].data)
    if ndim == 2:
        return ("AddmmBackward0", (2, 0, weight_t)) if len(parents) > 2 else ("MmBackward0", (0, weight_t))
    if ndim == 1:
        if len(parents) > 2:
            return "ViewBackward0", (("AddmmBackward0", (2, ("ViewBackward0", (0,)), weight_t)),)
        return "SqueezeBackward4", (("MmBackward0", (("UnsqueezeBackward0", (0,)), weight_t)),)
    if len(parents) > 2 and _contiguous(parents[0]):
        return "ViewBackward0", (("AddmmBackward0", (2, ("ViewBackward0", (0,)), weight_t)),)
    x, weight = parents[0], parents[1]
    product = _matmul_of((0, x.shape, pytorch_strides(x), x.requires_grad),
                         (weight_t, weight.shape[::-1], pytorch_strides(weight)[::-1], weight.requires_grad))
    return product if len(parents) <= 2 else ("AddBackward0", (product, 2))


def _matmul(parents, params, node):
    # torch.matmul's nodes (its _matmul_impl) from the operands' shapes, strides and whether they require grad
    a, b = ((i, tuple(np.shape(p.data)), pytorch_strides(p) if np.ndim(p.data) else (), p.requires_grad)
            for i, p in enumerate(parents))
    if not (a[1] and b[1]):
        return "MatmulBackward0", None
    return _matmul_of(a, b)


def _matmul_of(x, y):
    """PyTorch's layout of matmul(x, y), each operand (entry, shape, strides, requires_grad): dot, mv, mm; else the
    larger operand folded into rows for one mm or mv (should_fold); else, for two stacks of 3 dims whose batch sizes
    differ, the one of a batch of one that requires grad squeezed (and matmul again); else both expanded to the
    common batch shape, reshaped to (batch, n, m) and multiplied by bmm."""
    (ex, sx, _, _), (ey, sy, _, _) = x, y
    dx, dy = len(sx), len(sy)
    if dx <= 2 and dy <= 2:
        if dx == 1 and dy == 2:
            return "SqueezeBackward4", (("MmBackward0", (("UnsqueezeBackward0", (ex,)), ey)),)
        return ("DotBackward0" if dx == dy == 1 else "MvBackward0" if dy == 1 else "MmBackward0"), (ex, ey)
    if _should_fold(x, y):
        return _folded(x, y)
    if dx == 3 and dy == 3 and sx[0] != sy[0]:  # a batch of one that requires grad: squeezed, so folded instead
        if sx[0] == 1 and x[3]:
            return _matmul_of(_squeezed(x), y)
        if sy[0] == 1 and y[3]:
            return _matmul_of(x, _squeezed(y))
    return _bmm_of(x, y)


def _squeezed(x):
    entry, shape, strides, grad = x
    return ("SqueezeBackward1", (entry,)), shape[1:], strides[1:], grad


def _mT(entry, shape, strides):
    return (("TransposeBackward0", (entry,)), shape[:-2] + shape[-2:][::-1], strides[:-2] + strides[-2:][::-1])


def _should_fold(x, y):
    """PyTorch's should_fold: whether the operand of 3 or more dimensions (the larger; the second one transposed)
    is folded into the rows of one mm or mv with the other (of 1 or 2): always where the other requires grad, else
    unless the first operand is a matrix, where its leading dimensions fold into one without a copy."""
    (ex, sx, tx, gx), (ey, sy, ty, gy) = x, y
    larger = len(sx) >= len(sy)
    _, shape, strides = (ex, sx, tx) if larger else _mT(ey, sy, ty)
    if not (len(shape) >= 3 and min(len(sx), len(sy)) <= 2):
        return False
    if gy if larger else gx:
        return True
    if len(sx) == 2:
        return False
    if 0 in shape:
        return True
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _folded(x, y):
    # mm (mv) of the larger operand's rows (reshaped: a view, an alias or a view of a copy) and the other; a second
    # operand larger is transposed first (mT), the product transposed back and made contiguous (a copy unless it is)
    (ex, sx, tx, _), (ey, sy, ty, _) = x, y
    transpose = len(sy) > len(sx)
    if transpose:
        e1, s1, t1 = _mT(ey, sy, ty)
        e2, s2 = (("TBackward0", (ex,)), sx[::-1]) if len(sx) == 2 else (ex, sx)
    else:
        (e1, s1, t1), (e2, s2) = (ex, sx, tx), (ey, sy)
    rows = reshaped_as_pytorch(e1, s1, t1, (math.prod(s1[:-1]), s1[-1]))
    if len(s2) == 1:
        return "UnsafeViewBackward0", (("MvBackward0", (rows, e2)),)
    out = "UnsafeViewBackward0", (("MmBackward0", (rows, e2)),)
    if not transpose:
        return out
    shape = s1[:-1] + (s2[1],)
    t_shape, t_strides = shape[:-2] + shape[-2:][::-1], _contiguous_strides(shape)
    t_strides = t_strides[:-2] + t_strides[-2:][::-1]
    out = "TransposeBackward0", (out,)
    return out if _is_contiguous(t_shape, t_strides) else ("CloneBackward0", (out,))


def _bmm_of(x, y):
    # each operand expanded to the common batch shape (a vector: one row, or as the second operand one column),
    # reshaped to (batch, n, m), multiplied by bmm, viewed back (unsafe_view)
    (ex, sx, tx, _), (ey, sy, ty, _) = x, y
    batch = np.broadcast_shapes(sx[:-2], sy[:-2])
    count = math.prod(batch)
    n, m = (sx[-2] if len(sx) > 1 else 1), sx[-1]
    left = _expanded_reshape(ex, sx, tx, batch + (n, m), (count, n, m))
    if len(sy) == 1:
        right = "UnsqueezeBackward0", (_expanded_reshape(ey, sy, ty, batch + sy, (count,) + sy),)
        return "UnsafeViewBackward0", (("SqueezeBackward1", (("BmmBackward0", (left, right)),)),)
    right = _expanded_reshape(ey, sy, ty, batch + sy[-2:], (count,) + sy[-2:])
    return "UnsafeViewBackward0", (("BmmBackward0", (left, right)),)


def _expanded_reshape(entry, shape, strides, expanded, new_shape):
    """PyTorch's x.expand(expanded).reshape(new_shape) of an operand: ExpandBackward0, then the reshape's nodes by
    the expanded strides (PyTorch's inferExpandGeometry: a broadcast dimension's stride 0; a new leading one of
    size 1 the next one's size times stride)."""
    out = [0] * len(expanded)
    lead = len(expanded) - len(shape)
    for d in range(len(expanded) - 1, -1, -1):
        k = d - lead
        if k >= 0:
            out[d] = 0 if shape[k] != expanded[d] else strides[k]
        else:
            out[d] = 0 if expanded[d] != 1 else expanded[d + 1] * out[d + 1]
    return reshaped_as_pytorch(("ExpandBackward0", (entry,)), expanded, out, new_shape)


def _reshape(parents, params, node):
    # PyTorch's reshape views a contiguous input (ViewBackward0, as flatten); where the elements are not in order it
    # copies them first (CloneBackward0) and views the copy (UnsafeViewBackward0); a view of an input whose elements
    # are not in row order but allow one (a slice along a later dimension, a transpose) is PyTorch's _reshape_alias
    # (ReshapeAliasBackward0). Which, by the input's strides as PyTorch lays it out (grad_fn_strides: x.T + y is
    # column-major there, row-major in NumPy). x.view records ViewBackward0 whatever the strides (a named twin of this
    # primitive: Value.view).
    source = parents[0] if parents else None
    if source is None or source.data.__class__ is not np.ndarray or node.data.__class__ is not np.ndarray:
        return "ViewBackward0", None
    return reshaped_as_pytorch(0, source.data.shape, pytorch_strides(source), node.data.shape)


def _index_steps(index, shape):
    """PyTorch's nodes of x[index] for an x of `shape` (None: unknown), in order: (name, k) for each item k that
    records one (SelectBackward0, SliceBackward0, UnsqueezeBackward0), and whether the index ends in an
    IndexBackward0 (index arrays, bools). A slice inside a tuple that keeps the whole dimension (start 0 as given,
    step 1, stop at or past the end) records nothing, as PyTorch skips it; a lone slice always records one."""
    from .ops.shape import index_kind

    items = index if index.__class__ is tuple else (index,)
    kinds = [index_kind(item) for item in items]
    # the dimensions of x each item takes (None and bools take none; a mask its own number)
    taken = [1 if kind in ("slice", "select") else np.ndim(item) if kind == "array" and np.asarray(item).dtype == bool
             else 1 if kind == "array" else 0 for item, kind in zip(items, kinds)]
    rest = (len(shape) - sum(taken)) if shape is not None else 0
    steps, advanced, dim = [], False, 0
    for k, (item, kind) in enumerate(zip(items, kinds)):
        if kind == "ellipsis":
            dim += max(rest, 0)
            rest = 0  # (a second Ellipsis is NumPy's error)
            continue
        if kind == "unsqueeze" or kind == "bool":
            steps.append(("UnsqueezeBackward0", k))
            advanced = advanced or kind == "bool"
        elif kind == "select":
            steps.append(("SelectBackward0", k))
        elif kind == "slice":
            size = shape[dim] if shape is not None and dim < len(shape) else None
            stop_at_end = item.stop is None or (size is not None and isinstance(item.stop, numbers.Integral)
                                                and item.stop >= size)
            whole = item.start in (None, 0) and stop_at_end and item.step in (None, 1)
            if not whole or index.__class__ is not tuple:
                steps.append(("SliceBackward0", k))
        else:
            advanced = True
        dim += taken[k]
    return steps, advanced


def _getitem(parents, params, node):
    # PyTorch's x[...] does one node per int (select), slice (slice: not a whole dim's inside a tuple), None and bool
    # (unsqueeze) in order, then one index node for all the index arrays and bools
    steps, advanced = _index_steps(params.get("index"), np.shape(parents[0].data) if parents else None)
    names = [name for name, _ in steps] + (["IndexBackward0"] if advanced else [])
    if not names:
        return "AliasBackward0", None
    layout = None
    for name in names:
        layout = (name, (0,) if layout is None else (layout,))
    return layout


def inner_index(index, shape=None):
    """The index of the Value below the last of PyTorch's nodes of x[index] (`_getitem`'s steps; x of `shape`, where
    known, tells which slices keep a whole dimension): where they end in IndexBackward0, the index with each index
    array a whole dimension (each of a mask's) and each bool a new one (PyTorch's x[0, True] unsqueezes, then
    indexes); else the index without the last step's item (an int or a slice: a whole dimension; None: no new one)."""
    items = list(index) if index.__class__ is tuple else [index]
    steps, advanced = _index_steps(index, shape)
    if advanced:
        from .ops.shape import index_kind

        kinds = [index_kind(item) for item in items]
        return tuple(x for item, kind in zip(items, kinds) for x in (
            [None] if kind == "bool" else
            [slice(None)] * (np.ndim(item) if np.asarray(item).dtype == bool else 1) if kind == "array" else [item]))
    if steps:
        k = steps[-1][1]
        if items[k] is None:
            del items[k]
        else:
            items[k] = slice(None)
    return tuple(items)


def _sort(parents, params, node):
    return ("SortBackward0" if params.get("k") is None else "TopkBackward0"), None  # x.sort(), x.topk(k)


def _round(parents, params, node):  # x.round(), x.round(decimals=d)
    return ("RoundBackward1" if params.get("decimals") else "RoundBackward0"), None


def _lerp(parents, params, node):  # torch.lerp(x, end, 0.3) lists (x, end); with a tensor weight, all three
    return ("LerpBackward0", (0, 1)) if _is_number(parents[2]) else ("LerpBackward1", None)


def _nll_loss(parents, params, node):
    # the labels are an input here, not an entry there; images (N, C, H, W) have a kernel of their own
    return ("NllLoss2DBackward0" if np.ndim(parents[0].data) == 4 else "NllLossBackward0"), (0,)


def _cross_entropy(parents, params, node):
    # one node here (softmax − onehot), two there: nll_loss of log_softmax. Logits of 3 or 5+ dims PyTorch views as
    # (N, C, 1, -1) for its 2-D kernel (and the losses back, for 'none')
    ndim = np.ndim(parents[0].data)
    if ndim <= 2:
        return "NllLossBackward0", (("LogSoftmaxBackward0", (0,)),)
    if ndim == 4:
        return "NllLoss2DBackward0", (("LogSoftmaxBackward0", (0,)),)
    layout = "NllLoss2DBackward0", (("ViewBackward0", (("LogSoftmaxBackward0", (0,)),)),)
    return ("ViewBackward0", (layout,)) if params.get("reduction") == "none" else layout


_CONTEXTS = {
    "**": _pow, "+": _commuted("AddBackward0"), "*": _commuted("MulBackward0"), "-": _sub, "/": _div,
    "sum": _over_dims("SumBackward0", "SumBackward1"), "mean": _over_dims("MeanBackward0", "MeanBackward1"),
    "max": _over_dims("MaxBackward1", "AmaxBackward0"), "min": _over_dims("MinBackward1", "AminBackward0"),
    "clip": _clip, "clamp_tensor": _clamp_tensor, "linear": _linear, "matmul": _matmul, "reshape": _reshape,
    "getitem": _getitem,
    "cross_entropy": _cross_entropy, "nll_loss": _nll_loss,
    "sort": _sort, "round": _round, "lerp": _lerp, "einsum": einsum_layout,
}

# Names of Primitive.named twins that are PyTorch's C++ overloads with a Scalar, which its nodes do not list
_SCALAR_OVERLOADS = {"MulBackward1"}

# A Primitive.named name of nodes PyTorch records several of, each over the next, the last over the inputs:
# "SqueezeBackward1<AdaptiveAvgPool2DBackward0<UnsqueezeBackward0" (its views are no nodes here), the last over the
# node's one input
_BELOW = "<"


def _chain_of(names, entry=0):
    layout = (names[-1], (entry,))  # the last over the node's one input (or the input further down: a Through)
    for name in reversed(names[:-1]):
        layout = (name, (layout,))
    return layout


# The name of the last node of instance norm (normalize, or scale_shift with weight and bias), shown as PyTorch's
# chain: a batch norm of x viewed as (1, N·C, ...), its weight and bias repeated for each sample, viewed back
INSTANCE_NORM = "instance_norm"


def _instance_norm_layout(node):
    if node._op.name == "scale_shift":  # (x̂, weight, bias): the input below x̂'s node
        x, weight, bias = Through((0, 0)), ("RepeatBackward0", (1,)), ("RepeatBackward0", (2,))
    else:
        x, weight, bias = Through((0,)), None, None
    return "ViewBackward0", (("NativeBatchNormBackward0", (("ViewBackward0", (x,)), weight, bias)),)


# Chains of PyTorch's nodes that one relabelled node here stands for (one_node.shown_as under a name chain_layout gave)
_CHAINS = {}


def chain_name(key):
    """The name chain_layout gave the layout of `key`, or None if none yet."""
    name = "chain " + repr(key)
    return name if name in _CHAINS else None


def layout_of_chain(name):
    """The layout chain_layout registered under `name` (a name chain_name or chain_layout gave)."""
    return _CHAINS[name]


def chain_layout(layout, key=None):
    """A name for one_node.shown_as under which its node shows as `layout`, nested (name, entries) whose int entries k
    are the edges of the k-th input given to shown_as (the attention's scores: PyTorch's scaled q and k, expanded,
    reshaped and multiplied by bmm, over the matmul and scaling here). key: what identifies the layout where its
    repr would be long (a recurrent layer's steps), else the repr."""
    key = "chain " + repr(layout if key is None else key)
    _CHAINS[key] = layout
    return key


_FILLED = {}  # (chain's name, input paths) -> the chain with its inputs' edges (Through), made once


def _filled(layout, below, done):
    """layout with each int entry k the edge of input k (at path below[k]); done: the entries filled so far, by id
    (a chain's nodes may be entries of several nodes: each is filled once)."""
    if layout.__class__ is int:
        return None if below[layout] is None else Through(below[layout])
    if layout is None:
        return None
    filled = done.get(id(layout))
    if filled is None:
        filled = done[id(layout)] = (layout[0], tuple(_filled(entry, below, done) for entry in layout[1])) + \
            tuple(layout[2:])
    return filled


# PyTorch's nodes of an assignment into a Value (x[1:] = v, x[idx] = v, x[0].add_(1))
_WRITES = {"CopySlices", "IndexPutBackward0"}

# The normalisations PyTorch computes in one kernel: the node their last primitive here is named after lists
# (input, weight, bias), the input found below the nodes that are this library's steps (nn/norm.py)
_NATIVE_NORMS = {"NativeLayerNormBackward0", "NativeBatchNormBackward0", "NativeGroupNormBackward0"}


# The last node's inputs that are (weight, bias): scale_shift's (x̂, weight, bias), layer_norm's x̂·γ or x̂ + β
_AFFINE_ENTRIES = {"scale_shift": (1, 2), "*": (1, None), "+": (None, 1)}


def _native_norm_entries(node):
    # the last node: scale_shift (x̂, weight, bias), or without them the normalisation itself; below it: group_norm's
    # view back to the input's shape, then normalize (its statistics' own node) or, for batch_norm in evaluation,
    # (x − running mean)·inv_std; then group_norm's view into groups, then the input
    path, at = [], node
    weights = _AFFINE_ENTRIES.get(node._op.name, (None, None))
    if node._op.name in _AFFINE_ENTRIES:
        path.append(0)
        at = at._parents[0] if at._parents else at
    if at._op is not None and at._op.name == "reshape":  # group_norm: x̂ viewed back to the input's shape
        path.append(0)
        at = at._parents[0] if at._parents else at
    if at._op is not None and at._op.name == "*":  # batch_norm in evaluation: (x − mean)·inv_std
        path += [0, 0]
    else:
        path.append(0)
        if node._op.grad_fn_name == "NativeGroupNormBackward0":
            path.append(0)  # the view of the input in groups
    return (Through(path),) + weights


def hook_refusal(node):
    """Why `node.grad_fn.register_hook` cannot give PyTorch's grad_inputs, else None. For the last node of a
    composite PyTorch records as one (one_node.shown_as): PyTorch's node must be that node alone, or a chain whose top
    takes this node's gradient (max_pool1d's SqueezeBackward1, a recurrent layer's h_n's StackBackward0 of its layers:
    grad_fn_hook_inputs.top_of_chain), not another chain of nodes shown over it, whose top's inputs are PyTorch's own
    nodes; where a Value is several of its inputs (addmm(b, a, a)), which of the composite's uses of it is which
    input's must be known (grad_fn_hook_inputs.repeated_inputs). For another node:
    grad_fn_hook_inputs.unlisted_edges."""
    op = node._op
    named, below = getattr(op, "grad_fn_name", None), getattr(op, "grad_fn_input", None)
    if below is None:
        return unlisted_edges(node)
    if named in _CHAINS or _BELOW in named:
        if top_of_chain(node) is not None:  # (a top that takes this node's gradient: max_pool1d's, an RNN's h_n's)
            return None
        return ("this node is the top of a chain that PyTorch records and this library computes as one composite, "
                "whose inputs are PyTorch's own nodes here")
    inputs = (None if path is None else Through(path).value(node) for path in below)
    why = repeated_inputs(node, tuple(x if x is not None and x.requires_grad else None for x in inputs))[1]
    return None if why is not None and declared_top(node) is not None else why  # (declare_apart's: hypot(x, x))
