"""The strides PyTorch's tensor would have where this library's Value has NumPy's: what grad_fn's names read where
PyTorch's node depends on a layout (a reshape views or copies, matmul folds or expands, einsum permutes).

The two libraries lay results out alike but in a few places, and this module follows PyTorch's rules there, from the
leaves (whose arrays are as given) up through the graph, only when a name is read; the arrays themselves stay as
NumPy made them (no copy, nothing done while recording):

- an elementwise operation (TensorIterator's: arithmetic, activations, where, clamp, ...) lays its output out in the
  order of its inputs' strides, the first input that tells deciding (x.T + y follows x.T: column-major), where NumPy
  keeps row order as soon as its inputs disagree (`_elementwise_strides`);
- some others PyTorch computes into a new contiguous tensor (softmax, cumsum, masked_fill, reductions, cat, index),
  where NumPy's may follow a transposed input (`_CONTIGUOUS`); the rest are laid out alike (matmul's product);
- a view (transpose, permute, expand, reshape, squeeze, basic indexing) keeps its input's layout, whichever it is.
"""

from __future__ import annotations

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
    "AddcmulBackward0", "AddcdivBackward0", "CloneBackward0", "FlipBackward0", "ToCopyBackward0",
}

# PyTorch's nodes of operations that compute into a new contiguous tensor where NumPy's result may follow a transposed
# input (others keep NumPy's layout: matmul's is contiguous in both, scaled_dot_product_attention's is the query's)
_CONTIGUOUS = {
    "SoftmaxBackward0", "LogSoftmaxBackward0", "NativeLayerNormBackward0", "LogSigmoidBackward0", "RollBackward0",
    "CumsumBackward0", "CumprodBackward0", "MaskedFillBackward0", "TrilBackward0", "TriuBackward0", "CatBackward0",
    "StackBackward0", "ConstantPadNdBackward0", "RepeatBackward0", "IndexBackward0", "SumBackward1", "MeanBackward1",
    "AmaxBackward0", "AminBackward0", "MaxBackward0", "MinBackward0", "LogsumexpBackward0", "VarBackward0",
    "StdBackward0", "ProdBackward1", "LinalgVectorNormBackward0",
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
        below = _inputs_read(v)
        missing = [p for p in below if id(p) not in known]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        known[id(v)] = _strides_of(v, known)
    return known[id(value)]


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
    name = backward_name(v)
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
        operands = [(None, p.data.shape, known[id(p)]) for p in _inputs_read(v)]
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
        if strides == tuple(parent.stride()) or not _params(v):
            return tuple(v.stride())  # the input laid out as in PyTorch: so is NumPy's view of it
        return _view_of(v, parent.data.shape, strides)
    if kind == "contiguous":
        return tuple(_contiguous_strides(shape))
    return tuple(v.stride())


def _array_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def _view_of(v, shape, strides):
    """The strides of v, a view of an input of `shape` laid out with `strides` (PyTorch's)."""
    op, params, out = v._op.name, _params(v), v.data.shape
    if op == "transpose":
        axes = params.get("axes")
        axes = range(len(shape))[::-1] if axes is None else [a % len(shape) for a in axes]
        return tuple(strides[a] for a in axes)
    if op == "swapaxes":
        a, b = params["axis1"] % len(shape), params["axis2"] % len(shape)
        swapped = list(strides)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        return tuple(swapped)
    if op == "broadcast_to":
        lead = len(out) - len(shape)
        return (0,) * lead + tuple(0 if n != m else s for n, m, s in zip(shape, out[lead:], strides))
    if op == "reshape":
        viewed = _view_strides(shape, strides, out)
        return tuple(_contiguous_strides(out) if viewed is None else viewed)
    return _indexed(shape, strides, _basic(params.get("index")))


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
