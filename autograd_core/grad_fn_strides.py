"""The strides PyTorch's tensor would have where this library's Value has NumPy's: what grad_fn's names read where
PyTorch's node depends on a layout (a reshape views or copies, matmul folds or expands, einsum permutes).

The two libraries lay results out alike but in a few places, and this module follows PyTorch's rules there, from the
leaves (whose arrays are as given) up through the graph, only when a name is read; the arrays themselves stay as
NumPy made them (no copy, nothing done while recording):

- an elementwise operation (TensorIterator's: arithmetic, activations, where, clamp, ...) lays its output out in the
  order of its inputs' strides, the first input that tells deciding (x.T + y follows x.T: column-major), where NumPy
  keeps row order as soon as its inputs disagree (`_elementwise_strides`);
- matmul's product is contiguous (NumPy's of broadcast stacks may not be), but a matrix times a stack's, which PyTorch
  transposes back without a copy where it may;
- x[index arrays] is index's TensorIterator over x restrided (`_index_strides`), which NumPy's fancy indexing follows
  only at times;
- some others PyTorch computes into a new contiguous tensor (softmax, cumsum, masked_fill, reductions, cat,
  index_select), where NumPy's may follow a transposed input (`_CONTIGUOUS`); the rest keep NumPy's layout;
- a view (transpose, permute, expand, reshape, squeeze, basic indexing) keeps its input's layout, whichever it is.

Value.stride(), is_contiguous(), contiguous() and view() still read NumPy's layout (the eager path reads no graph).
"""

from __future__ import annotations

import weakref

import numpy as np

from .grad_fn_einsum import _contiguous_strides, _elementwise_strides, _view_strides

# PyTorch's nodes of elementwise operations (TensorIterator's output layout), by grad_fn name
_ELEMENTWISE = {
    "AddBackward0", "AddBackward1", "SubBackward0", "SubBackward1", "RsubBackward0", "RsubBackward1", "MulBackward0",
    "MulBackward1", "DivBackward0", "DivBackward1", "DivBackward2", "PowBackward0", "PowBackward1", "PowBackward2",
    "NegBackward0", "ExpBackward0", "Exp2Backward0", "Expm1Backward0", "LogBackward0", "Log2Backward0",
    "Log10Backward0", "Log1PBackward0", "SqrtBackward0", "RsqrtBackward0", "TanhBackward0", "SigmoidBackward0",
    "SinBackward0", "CosBackward0", "TanBackward0", "SinhBackward0", "CoshBackward0", "AsinBackward0", "AcosBackward0",
    "AtanBackward0", "AsinhBackward0", "AcoshBackward0", "AtanhBackward0", "Atan2Backward0", "ReluBackward0",
    "AbsBackward0", "SignBackward0", "SgnBackward0", "ClampBackward0", "ClampBackward1", "ClampMinBackward0",
    "ClampMinBackward1", "ClampMaxBackward0", "ClampMaxBackward1", "MaximumBackward0", "MinimumBackward0",
    "FmaxBackward0", "FminBackward0", "WhereBackward0", "LeakyReluBackward0", "GeluBackward0", "SiluBackward0",
    "MishBackward0", "SoftplusBackward0", "EluBackward0", "CeluBackward0", "SeluBackward0", "HardtanhBackward0",
    "HardsigmoidBackward0", "HardswishBackward0", "LerpBackward0", "LerpBackward1", "ReciprocalBackward0",
    "SquareBackward0", "ErfBackward0", "ErfcBackward0", "ErfinvBackward0", "FloorBackward0", "CeilBackward0",
    "RoundBackward0", "RoundBackward1", "TruncBackward0", "FracBackward0", "RemainderBackward0", "FmodBackward0",
    "XlogyBackward0", "HypotBackward0", "CopysignBackward0", "ThresholdBackward0", "PreluKernelBackward0",
    "MseLossBackward0", "SmoothL1LossBackward0", "HuberLossBackward0", "SoftShrinkBackward0", "HardshrinkBackward0",
    "AddcmulBackward0", "AddcdivBackward0", "CloneBackward0", "FlipBackward0", "ToCopyBackward0", "SortBackward0",
}

# PyTorch's nodes of operations that compute into a new contiguous tensor where NumPy's result may follow a transposed
# input (others keep NumPy's layout: matmul's is contiguous in both, scaled_dot_product_attention's is the query's)
_CONTIGUOUS = {
    "SoftmaxBackward0", "LogSoftmaxBackward0", "NativeLayerNormBackward0", "LogSigmoidBackward0", "RollBackward0",
    "CumsumBackward0", "CumprodBackward0", "MaskedFillBackward0", "TrilBackward0", "TriuBackward0", "CatBackward0",
    "StackBackward0", "ConstantPadNdBackward0", "RepeatBackward0", "SumBackward1", "MeanBackward1",
    "AmaxBackward0", "AminBackward0", "MaxBackward0", "MinBackward0", "LogsumexpBackward0", "VarBackward0",
    "StdBackward0", "ProdBackward1", "LinalgVectorNormBackward0", "CummaxBackward0", "CumminBackward0",
    "LogcumsumexpBackward0", "TopkBackward0", "KthvalueBackward0", "IndexSelectBackward0", "GatherBackward0",
}

# the primitives whose output views their first input, and how the strides follow (by primitive name)
_VIEWS = {"transpose", "swapaxes", "broadcast_to", "reshape", "getitem"}


def pytorch_strides(value):
    """PyTorch's strides (in elements) of the tensor Value `value` stands for (see the module's docstring)."""
    known = {}
    stack = [value]
    while stack:  # (a loop, not recursion: chains of elementwise operations may be long)
        v = stack[-1]
        if id(v) in known:
            stack.pop()
            continue
        cached = _CACHE.get(id(v))
        if cached is not None and cached[0]() is v and cached[1] == v._index:
            known[id(v)] = cached[2]
            stack.pop()
            continue
        below = _inputs_read(v)
        missing = [p for p in below if id(p) not in known]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        known[id(v)] = strides = _strides_of(v, known)
        if v._op is not None:
            key = id(v)
            _CACHE[key] = (weakref.ref(v, lambda _, key=key: _CACHE.pop(key, None)), v._index, strides)
    return known[id(value)]


# Each recorded Value's strides once found, while it lives and is not changed in place (its _index: the version of
# its node), so that reading the names of a long chain, each reshape's over the one below, walks it once:
# id -> (a weak reference to the Value, its _index, its strides)
_CACHE = {}


def _inputs_read(v):
    """The inputs whose layout decides v's: an elementwise node's or a view's, else none."""
    op = v._op
    if op is None or not v._parents or v.data.__class__ is not np.ndarray:
        return ()
    kind = _kind(v)
    if kind == "view":
        return v._parents[:1]
    if kind == "elementwise":
        return tuple(p for p in v._parents if p.data.__class__ is np.ndarray)
    if kind == "index":
        return v._parents[:1]
    return ()


def _params(v):
    """v's keyword parameters; after a backward pass without retain_graph, what Primitive.keeps_for_name kept (a
    view whose parameters are gone then keeps NumPy's layout)."""
    params = v._params
    return params if isinstance(params, dict) else getattr(params, "named_by", None) or {}


def _kind(v):
    from .grad_fn_names import backward_name

    if v._op.name in _VIEWS and (v._op.name != "getitem" or _basic(_params(v).get("index", ())) is not None):
        name = getattr(v._op, "grad_fn_name", None)
        if name is None or name not in _ELEMENTWISE and name not in _CONTIGUOUS:
            return "view"
    if v._op.name == "contiguous":  # x.contiguous()'s CloneBackward0: row order, where clone() keeps x's
        return "contiguous"
    name = backward_name(v)
    if v._op.name == "matmul" and getattr(v._op, "grad_fn_name", None) is None:  # (not attention's relabelled one)
        # PyTorch's product is contiguous (where NumPy's of broadcast stacks may not be), but a matrix times a stack's
        return "transposed" if name == "TransposeBackward0" else "contiguous"  # is transposed back
    if name == "IndexBackward0" and v._op.name == "getitem" and isinstance(v._params, dict):
        return "index"  # (after a backward pass has freed the index arrays: NumPy's layout)
    return "elementwise" if name in _ELEMENTWISE else "contiguous" if name in _CONTIGUOUS else "other"


def _strides_of(v, known):
    data = v.data
    if data.__class__ is not np.ndarray:
        return ()
    if v._op is None or not v._parents:
        return tuple(v.stride())
    shape = data.shape
    kind = _kind(v)
    if kind == "elementwise":
        # (a negative stride is NumPy's x[::-1], under flip's copy: PyTorch flips x itself, laid out as it is)
        operands = [(None, p.data.shape, tuple(map(abs, known[id(p)]))) for p in _inputs_read(v)]
        if v._op.name == "where":  # PyTorch's where(condition, x, y) reads the condition first
            condition = _params(v).get("condition")
            if isinstance(condition, np.ndarray):
                operands.insert(0, (None, condition.shape, _array_strides(condition)))
        operands = [(e, (1,) * (len(shape) - len(s)) + tuple(s), (0,) * (len(shape) - len(st)) + tuple(st))
                    for e, s, st in operands]
        return tuple(_elementwise_strides(shape, operands)) if operands else tuple(_contiguous_strides(shape))
    if kind == "view":
        parent = v._parents[0]
        strides = known[id(parent)]
        if strides == tuple(parent.stride()):
            return tuple(v.stride())  # the input laid out as in PyTorch: so is NumPy's view of it
        return _view_of(v, parent, strides)
    if kind == "contiguous":
        return tuple(_contiguous_strides(shape))
    if kind == "transposed":  # (..., n, m) laid out as a contiguous (..., m, n), its last two dimensions swapped
        strides = _contiguous_strides(shape[:-2] + shape[-2:][::-1])
        return tuple(strides[:-2]) + (strides[-1], strides[-2])
    if kind == "index":
        parent = v._parents[0]
        found = _index_strides(parent.data.shape, known[id(parent)], v._params["index"], shape)
        return tuple(v.stride()) if found is None else found
    return tuple(v.stride())


def _array_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def _view_of(v, parent, strides):
    """The strides of v, a view of `parent` laid out with `strides` (PyTorch's). Read from the shapes (and the index
    that getitem keeps), so that the names stay after a backward pass frees the parameters."""
    op, out, shape = v._op.name, v.data.shape, parent.data.shape
    if op in ("transpose", "swapaxes"):
        axes = _permutation(parent, v)
        return tuple(v.stride()) if axes is None else tuple(strides[a] for a in axes)
    if op == "broadcast_to":
        lead = len(out) - len(shape)
        return (0,) * lead + tuple(0 if n != m else s for n, m, s in zip(shape, out[lead:], strides))
    if op == "reshape":
        viewed = _view_strides(shape, strides, out)
        return tuple(_contiguous_strides(out) if viewed is None else viewed)
    return _indexed(shape, strides, _basic(_params(v).get("index", ())))


def _permutation(parent, v):
    """The input dimension each dimension of v (a permutation of parent's) is, matched by NumPy's sizes and strides;
    None where a dimension of size > 1 has no single match."""
    below = list(zip(parent.data.shape, parent.data.strides))
    used, axes = set(), []
    for n, s in zip(v.data.shape, v.data.strides):
        found = [d for d, pair in enumerate(below) if pair == (n, s) and d not in used]
        if not found or (len(found) > 1 and n > 1):
            return None
        used.add(found[0])
        axes.append(found[0])
    return axes


def _basic(index):
    """The items of a basic index (ints, slices, None, Ellipsis: a view in both libraries), else None."""
    items = index if index.__class__ is tuple else (index,)
    for item in items:
        if not (item is None or item is Ellipsis or item.__class__ is slice
                or (isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)))):
            return None
    return items


def _indexed(shape, strides, items):
    """The strides of x[items] (a basic index) for x of `shape` and `strides`."""
    taken = sum(1 for item in items if item is not None and item is not Ellipsis)
    out, d = [], 0
    for item in items:
        if item is Ellipsis:
            out.extend(strides[d:d + len(shape) - taken])
            d += len(shape) - taken
        elif item is None:
            out.append(1)  # (a dimension of size 1: its stride tells nothing)
        elif item.__class__ is slice:
            out.append(strides[d] * item.indices(shape[d])[2])
            d += 1
        else:
            d += 1
    return tuple(out) + tuple(strides[d:])


def _index_strides(shape, strides, index, out_shape):
    """The strides of PyTorch's x[index] (x of `shape` and `strides`) where it ends in IndexBackward0: the basic items
    first (views), then index's TensorIterator over the view restrided (stride 0 along the indexed dimensions, which
    go first where they are not next to each other) and the index arrays (stride 0 along the others). None where the
    index is not one this follows."""
    from .grad_fn_names import inner_index
    from .ops.shape import index_kind

    items = index if index.__class__ is tuple else (index,)
    inner = inner_index(index, shape)
    if any(item is Ellipsis for item in inner) and sum(item is Ellipsis for item in items) != 1:
        return None
    view_strides = _indexed(shape, strides, _basic(inner) or ())
    view_shape = np.broadcast_to(np.empty((), np.uint8), shape)[inner].shape  # (an array holding no memory)
    # the index arrays, one per dimension of the view they index (a mask: one per dimension it covers)
    arrays, dims, d = [], [], 0
    for item in items:
        kind = index_kind(item)
        if kind == "ellipsis":  # the view's dimensions no other item of `inner` makes (ints make none)
            d += len(view_shape) - sum(1 for it in inner if it is None or it.__class__ is slice)
            continue
        if kind == "select":
            continue
        if kind == "unsqueeze" or kind == "slice":
            d += 1
            continue
        if kind == "bool":
            arrays.append(np.zeros(1 if item else 0, np.intp))
            dims.append(d)
            d += 1
            continue
        a = np.asarray(item)
        if a.dtype == bool:
            for k, picks in enumerate(np.nonzero(a)):
                arrays.append(picks)
                dims.append(d + k)
            d += a.ndim
        else:
            arrays.append(a)
            dims.append(d)
            d += 1
    if not arrays or len(view_shape) != len(view_strides):
        return None
    try:
        picked = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        return None
    order = list(range(len(view_shape)))
    if dims != list(range(dims[0], dims[0] + len(dims))):  # apart: PyTorch moves the indexed dimensions to the front
        order = dims + [k for k in order if k not in dims]
        dims = list(range(len(dims)))
    view_shape = [view_shape[k] for k in order]
    view_strides = [view_strides[k] for k in order]
    first, after = dims[0], dims[-1] + 1
    shape_out = tuple(view_shape[:first]) + picked + tuple(view_shape[after:])
    if shape_out != tuple(out_shape):
        return None
    lead = (0,) * first
    tail = (0,) * (len(view_shape) - after)
    source = tuple(view_strides[:first]) + (0,) * len(picked) + tuple(view_strides[after:])
    operands = [(None, shape_out, source)]
    for a in arrays:
        a_strides = np.broadcast_to(a, picked).strides
        operands.append((None, shape_out, lead + tuple(s // max(a.itemsize, 1) for s in a_strides) + tail))
    return tuple(_elementwise_strides(shape_out, operands))
