"""Cross-entropy and negative log-likelihood over C classes, with PyTorch's options.

    input:  (N, C), (C,) or (N, C, d1, ..., dk) (the classes on axis 1, e.g. per pixel)
    target: class indices of shape (N,), () or (N, d1, ..., dk); for cross_entropy also class
            probabilities of the input's shape.
    weight: (C,) a weight per class;  ignore_index: a label whose samples count for nothing;
    label_smoothing ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C.

With class indices, sample n (of M = N·d1·…·dk) contributes

    ℓₙ = wₙ·(−(1 − ε)·log pₙ[yₙ]) + ε/C·Σ_c w_c·(−log pₙ[c]),    wₙ = w[yₙ]·[yₙ ≠ ignore_index]

('none' returns ℓ with the target's shape; 'sum' adds; 'mean' divides the sum by Σₙ wₙ, PyTorch's
weighted mean). With probabilities: ℓₙ = −Σ_c w_c·tₙ[c]·log pₙ[c], and 'mean' divides by M.

The plain case (no weight, no ignored label, no smoothing; classes on axis 1 of any shape) is one primitive with
the textbook gradient softmax − onehot, shown as PyTorch's NllLossBackward0 (images: NllLoss2DBackward0) over
LogSoftmaxBackward0. The options are PyTorch's composition: nll_loss (one primitive, loss_nll.py) of log_softmax
over the class axis of the input itself, and for label smoothing PyTorch's (1 − ε)·nll + ε/C·smooth, whose arrays
derived from the labels are results without gradient (recorded, so a compiled step derives them from each call's
labels).
"""

from __future__ import annotations

import numpy as np

from autograd_core import ArgumentError, DTypeError, ShapeError
from autograd_core import Value
from autograd_core.errors import scalar_type_name
from autograd_core.jit import replay_requires
from autograd_core.modes import GRAD_ENABLED
from autograd_core.ops.complex import complex_dtype_among, refuse_complex_kernel, register_complex_refusal
from autograd_core.recording import apply, apply_binary
from autograd_core.ops import data_of, mul, primitive, softmax, without_gradient

from .activation import log_softmax
from .loss import _REDUCTIONS, _as_value, _check_reduction, _legacy_reduction, _reduce, refuse_weight_needing_grad
from .loss_checks import refuse_integral_kernel
from .loss_nll import nll_of


# cross_entropy's fast path: PyTorch's log_softmax refuses complex logits (over the last axis for (N, C))
register_complex_refusal("cross_entropy", NotImplementedError,
                         '"log_softmax_lastdim_kernel_impl" not implemented for \'{torch}\'')


@primitive("cross_entropy")
def _cross_entropy(logits, labels, reduction):
    # ℓₙ = −log softmax(zₙ)[yₙ] = logsumexp(zₙ) − zₙ[yₙ], after shifting each row by its maximum. Logits (N, C), or
    # (N, C, d1, ...) with labels flattened to (M,) = (N·d1·…,): the losses come out in the labels' order, viewed as
    # (N, d1, ...) for 'none'.
    shifted, at_label = _shifted(logits, labels)
    exp = np.exp(shifted)
    sums = np.add.reduce(exp, axis=0)
    losses = np.log(sums) - shifted.ravel(order="K")[at_label]
    total = None if reduction == "none" else np.add.reduce(losses)
    if total is None:
        out = losses if logits.ndim == 2 else losses.reshape(_samples(logits.shape))
    else:
        out = total / len(labels) if reduction == "mean" else total
    if _grad_enabled():
        # The rule below needs exp and its sums again: keep them for the rule of this very result (`out`, a new object),
        # as PyTorch keeps its softmax for the backward pass. One result at a time; the rule takes them or recomputes.
        _SAVED[0] = (out, exp, sums, at_label)
    return out


_SAVED = [None]  # (output, exp of the shifted logits, their sums, flat index of each label) of the latest forward
_grad_enabled = GRAD_ENABLED.get  # is_grad_enabled() without its call


def _samples(shape):
    """(N, C, d1, ...) -> (N, d1, ...): the shape of one loss per sample."""
    return shape[:1] + shape[2:]


def _cross_entropy_vjp(g, out, logits, labels, reduction):
    # dℓₙ/dzₙ = softmax(zₙ) − onehot(yₙ); the reduction scales it by g/N, g or gₙ.
    if isinstance(logits, Value):            # create_graph: stay differentiable
        onehot = _onehot(logits.shape, labels, logits.dtype)
        return _per_sample(g, labels, reduction) * (softmax(logits, axis=1) - onehot)
    saved = _SAVED[0]
    if saved is not None and saved[0] is out:  # the forward that made `out` kept its exp: the same numbers
        _SAVED[0] = None                       # (ours to change in place; a second backward recomputes)
        _, p, sums, at_label = saved
    else:
        shifted, at_label = _shifted(logits, labels)
        p = np.exp(shifted, out=shifted)     # shifted is ours: reuse it
        sums = np.add.reduce(p, axis=0)
    g = g / len(labels) if reduction == "mean" else np.ravel(g)  # per sample (or one for all)
    p *= g / sums                            # g·softmax
    p.ravel(order="K")[at_label] -= g        # − g·onehot (p is ours and contiguous: ravel is a view)
    if logits.ndim > 2:                      # (C, M) back to (N, C, d1, ...)
        return np.moveaxis(p.reshape(logits.shape[1:2] + _samples(logits.shape)), 0, 1)
    return np.ascontiguousarray(p.T)         # (p.T itself where it already is: p F-contiguous, its classes > 32)


def _to_log_probabilities(g, out, logits, labels, reduction):
    """dL/d log_softmax(z), what PyTorch's NllLossBackward0 sends its LogSoftmaxBackward0 (for node hooks: the
    primitive's `inner_node`): −g·onehot(y), g scaled by the reduction as in the rule above; +0 off the labels. Logits
    of 3 or 5+ dims PyTorch's 2-D kernel takes viewed as (N, C, 1, -1): its node sends that view its gradient so."""
    onehot = _onehot(np.shape(logits), labels, logits.dtype)
    g = _per_sample(g, labels, reduction)
    if isinstance(g, Value):  # create_graph: stay differentiable
        return _as_pytorchs_kernel_takes(-g * onehot)
    onehot = np.multiply(onehot, np.negative(g), out=onehot) + 0.0  # (+ 0.0: +0 where 0·(−g) is −0, as PyTorch's)
    return _as_pytorchs_kernel_takes(onehot)


def _as_pytorchs_kernel_takes(r):
    """A gradient of the logits' shape (N, C, d1, ...) as PyTorch's nll_loss kernels take it: (N, C, 1, -1) for 3 or
    5+ dims (its 2-D kernel's), else as it is."""
    return r if r.ndim in (1, 2, 4) else r.reshape(r.shape[:2] + (1, -1))


def _from_log_probabilities(r, out, logits, labels, reduction):
    """log_softmax's rule over the classes (axis 1): r − softmax(z)·Σ_c r, a node hook's replacement r of
    `_to_log_probabilities`'s gradient (in its shape) sent on to the logits."""
    r = r.reshape(logits.shape)
    if isinstance(r, Value) or isinstance(logits, Value):  # create_graph: stay differentiable
        return r - softmax(logits, axis=1) * r.sum(axis=1, keepdims=True)
    return r - softmax.forward(logits, axis=1) * r.sum(axis=1, keepdims=True)


def _per_sample(g, labels, reduction):
    """The loss's gradient g as each sample's factor, broadcasting over the classes (axis 1): g/N for the mean, g for
    the sum, gₙ (N, 1, d1, ...) for 'none'."""
    if reduction == "none":
        return g.reshape(g.shape[:1] + (1,) + g.shape[1:])
    return g / len(labels) if reduction == "mean" else g


def _onehot(shape, labels, dtype):
    """1 at each sample's label, on the class axis 1 of `shape` (labels flattened to the samples' order)."""
    onehot = np.zeros(shape[:1] + shape[2:] + shape[1:2], dtype=dtype)  # classes last, then moved to axis 1
    onehot.reshape(-1, shape[1])[np.arange(len(labels)), labels] = 1
    return np.moveaxis(onehot, -1, 1)


def _shifted(logits, labels):
    """(z − max), classes on axis 0, as an array of our own; and the flat index of each zₙ[yₙ] in it.
    A row whose maximum is infinite (or nan) is shifted by it too, as PyTorch's log_softmax: a row holding +inf, or
    all −inf, has a loss and gradients of nan throughout (inf − inf), as PyTorch's
    (tests/test_pytorch_probe_special_values.py); a row holding −inf next to finite logits is shifted by a finite
    maximum (its loss is inf where the label's logit is −inf).

    The maximum of each row is one reduction down axis 0 of the classes-first layout: with a few classes
    (10 digits), reducing along short rows is NumPy's slowest case (~10× a transposed copy and a reduction
    across them). With many classes the rows are long and z.T, a view, is already fast. Logits of more dims
    (per pixel) are copied classes first, (C, M), in the labels' order.
    """
    classes = logits.shape[1]
    if logits.ndim > 2:
        by_class = np.moveaxis(logits, 1, 0).reshape(classes, -1)
        copied = False
    else:
        copied = classes <= 32
        by_class = np.ascontiguousarray(logits.T) if copied else logits.T
    n = by_class.shape[1]
    m = np.maximum.reduce(by_class, axis=0)
    shifted = by_class - m                   # in by_class's memory order: C-contiguous (C, n) or F-contiguous
    cached = _ROWS[0]
    rows = cached[1] if cached[0] == n else _rows_of(n)
    if labels.dtype is not _INTP:
        labels = labels.astype(np.intp)      # uint8 labels (MNIST's) times n would wrap around
    # (the copy made above is C-contiguous (C, n): its flags need no reading)
    at_label = labels * n + rows if copied or shifted.flags.c_contiguous else rows * classes + labels
    return shifted, at_label


_INTP = np.dtype(np.intp)
_ROWS = [(0, np.arange(0))]  # (n, np.arange(n)) of the latest batch (a training loop's batches have one size), one
# tuple read at once (another thread may replace it meanwhile)


def _rows_of(n):
    """np.arange(n), read-only (shared between calls), kept in _ROWS for the next call."""
    rows = np.arange(n)
    rows.flags.writeable = False
    _ROWS[0] = (n, rows)
    return rows


_cross_entropy.defvjp(_cross_entropy_vjp, formulas=("g⊙(softmax(z) − onehot(y)), ÷N for the mean",))
# node hooks: PyTorch's LogSoftmaxBackward0 (under a ViewBackward0 for logits of 3 or 5+ dims) over the logits
_cross_entropy.inner_node = (("LogSoftmaxBackward0", "ViewBackward0"), _to_log_probabilities, _from_log_probabilities)


def _cross_entropy_jvp(t, out, logits, labels, reduction):
    # dℓₙ = Σ_c (softmax(zₙ) − onehot(yₙ))_c · dzₙ_c, then reduced like the losses.
    per_sample = ((softmax(logits, axis=1) - _onehot(logits.shape, labels, logits.dtype)) * t).sum(axis=1)
    if reduction == "none":
        return per_sample
    total = per_sample.sum()
    return total / len(labels) if reduction == "mean" else total


_cross_entropy.defjvp(_cross_entropy_jvp)


# ----------------------------------------------------------------------------------------------------
# Arguments.


def _classes_and_samples(shape, who):
    """The number of classes C of an input of `shape` (its axis 1, or 0 for one sample), and the shape of one loss
    per sample: (N, C, d...) -> (N, d...)."""
    if len(shape) == 0:
        raise ShapeError(f"{who}: input must have a class axis: (C,), (N, C) or (N, C, d1, ...), got a scalar")
    if len(shape) == 1:
        return shape[0], ()
    return shape[1], (shape[0],) + shape[2:]


def _labels(target, sample_shape, classes, ignore_index, who, input_shape, labels_of_value):
    """Integer labels flattened to (M,), each in [0, C) or equal to ignore_index, and whether all are in
    [0, C) (then none is ignored unless ignore_index is a class number). labels_of_value: whether the caller was
    given a Value (whose dtype must be int64 or uint8, as PyTorch's)."""
    labels = np.asarray(data_of(target))
    if len(input_shape) >= 2 and (labels.ndim == 0 or labels.shape[0] != input_shape[0]):  # PyTorch's first check
        raise ShapeError(f"Expected input batch_size ({input_shape[0]}) to match target batch_size "
                         f"({labels.shape[0] if labels.ndim else 0}). ({who}: input of shape {input_shape} needs "
                         f"integer labels of shape {sample_shape}, got {labels.shape})")
    if len(input_shape) == 1 and labels.ndim == 1:  # one sample's logits and a list of one label: PyTorch takes it
        if labels.shape[0] != 1:
            raise ShapeError(f"For 1D input, 1D target must have size 1, but got target size: {labels.shape[0]} "
                             f"({who}: input of shape {input_shape} needs integer labels of shape (), got "
                             f"{labels.shape}: one sample's scores take one label)")
        labels = labels.reshape(())
    if len(input_shape) <= 2 and labels.ndim > 1:
        raise ShapeError(f"0D or 1D target tensor expected, multi-target not supported ({who}: input of shape "
                         f"{input_shape} needs integer labels of shape {sample_shape}, got {labels.shape})")
    # int64 or uint8 labels, as PyTorch's kernels take; NumPy labels (which PyTorch never sees) of any integer type
    if labels.dtype.kind not in "iu" or labels_of_value and labels.dtype not in (np.int64, np.uint8):
        hint = ("convert with .long()" if labels.dtype.kind in "iub" else
                "convert with .long(), or pass probabilities with the input's shape instead")
        raise DTypeError(f"expected target dtype to be Long or Byte, but got {scalar_type_name(labels.dtype)} "
                         f"({who}: class labels must be integers, got dtype {labels.dtype} of shape {labels.shape} "
                         f"(for input of shape {input_shape}); {hint})")
    if labels.shape != sample_shape:
        if len(input_shape) >= 3 and labels.ndim == len(sample_shape):
            raise ShapeError(f"Expected target size {list(sample_shape)}, got {list(labels.shape)} ({who}: input of "
                             f"shape {input_shape} needs integer labels of shape {sample_shape})")
        raise ShapeError(f"{who}: input of shape {input_shape} needs integer labels of shape {sample_shape}, "
                         f"got {labels.shape}")
    labels = labels.reshape(-1)
    if _in_range(labels, classes):
        return labels, True  # the common case
    real = labels[labels != ignore_index]
    if real.size and (real.min() < 0 or real.max() >= classes):
        first = real[(real < 0) | (real >= classes)][0]  # PyTorch's kernel names the first
        raise IndexError(f"Target {first} is out of bounds. ({who}: labels must be in [0, {classes}) (or "
                         f"ignore_index={ignore_index}), got min {real.min()}, max {real.max()})")
    return labels, False  # some label is outside [0, C): it is ignore_index


def _class_weight(weight, classes, dtype, who, kernel=None):
    """The class weights (C,) as an array of `dtype`, or None. kernel: PyTorch's name of the kernel that takes them
    without differentiating them ('nll_loss_forward'), which refuses a weight that requires grad; None where they
    stay in the graph (probability targets)."""
    if weight is None:
        return None
    if kernel is not None:
        refuse_weight_needing_grad(weight, kernel)
        if isinstance(weight, Value) and weight.dtype != dtype:  # PyTorch's kernel: no promotion
            raise DTypeError(f"expected scalar type {scalar_type_name(dtype)} but found "
                             f"{scalar_type_name(weight.dtype)} ({who}: the class weights must have the input's dtype, "
                             f"weight.to(input.dtype))")
    w = np.asarray(data_of(weight), dtype=dtype)
    if w.shape != (classes,):
        raise ShapeError(f"weight tensor should be defined either for all {classes} classes or no classes but got "
                         f"weight tensor of shape: {list(w.shape)} ({who}: one weight per class)")
    return w


def _check_smoothing(label_smoothing, who):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing} ({who})")


# ----------------------------------------------------------------------------------------------------
# The losses.


def _nll(logp, labels, w, ignore_index, reduction, sample_shape, smoothing=0.0):
    """The loss from log-probabilities logp (classes on axis 1, or 0 for one sample) and labels (M,), per the
    module docstring: nll_loss's one node, and with label smoothing PyTorch's sum of two terms,
    (1 − ε)·nll + ε/C·smooth, where smooth is −Σ_c w_c·log p[c] per sample (0 where ignored), reduced."""
    labels = labels.reshape(sample_shape)
    nll = nll_of(logp, labels, w, ignore_index, reduction)
    if not smoothing:
        return nll
    # The arrays derived from the labels are results without gradient (ops.without_gradient): eagerly computed
    # on the data, and recorded operations under a compile recording, so that a replay derives them from its own
    # labels (constants would replay only the labels they were recorded with).
    class_axis = 0 if logp.ndim == 1 else 1
    C = logp.shape[class_axis]
    y = Value(labels, requires_grad=False, dtype=labels.dtype)
    valid = without_gradient(_sample_weights, y, ignore_index=ignore_index, w=None, dtype=logp.dtype)
    weighted = logp if w is None else logp * w.reshape((C,) + (1,) * (logp.ndim - class_axis - 1))
    smooth = -weighted.sum(axis=class_axis) * valid
    if reduction == "mean":
        # PyTorch's: by the weights of the samples not ignored (their count without class weights)
        # (every sample ignored: 1, so that the gradient is 0, as PyTorch's; the nll term makes the loss nan)
        total = without_gradient(_sample_weights, y, ignore_index=ignore_index, w=w, dtype=logp.dtype).sum()
        smooth = smooth.sum() / without_gradient(_one_if_zero, total)
    elif reduction == "sum":
        smooth = smooth.sum()
    return _scaled(nll, 1 - smoothing) + _scaled(smooth, smoothing / C)


def _scaled(v, number):
    """v · number as PyTorch's C++ computes it (mul(Tensor, Scalar): MulBackward1, the tensor its only entry)."""
    return apply_binary(mul.named("MulBackward1"), v, number)


def _one_if_zero(total):
    return np.where(total == 0, 1, total).astype(total.dtype)


def _safe_labels(labels, ignore_index):
    """The labels with ignore_index replaced by class 0 (whose entry is then weighted 0)."""
    return np.where(labels != ignore_index, labels, 0)


def _sample_weights(labels, ignore_index, w, dtype):
    """Each sample's weight: w[label] (1 without class weights w), 0 where the label is ignore_index."""
    valid = labels != ignore_index
    return (np.ones(np.shape(labels), dtype) if w is None else w[_safe_labels(labels, ignore_index)]) * valid


def _refuse_complex_cross_entropy(input, target):
    """PyTorch's refusals of complex logits (its log_softmax kernel's, over the class axis) or class probabilities."""
    dtype = complex_dtype_among(target)
    if dtype is not None:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{scalar_type_name(dtype)}")
    refuse_complex_kernel(f"log_softmax_{'lastdim_' if input.ndim <= 2 else ''}kernel_impl", input)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of logits against classes (or class probabilities); see the module docstring.

    input (N, C), (C,) or (N, C, d1, ...); target: labels (N,), () or (N, d1, ...), or probabilities of
    the input's shape. weight (C,), ignore_index, reduction 'mean' | 'sum' | 'none', label_smoothing.
    size_average, reduce: deprecated, at PyTorch's positions (they override reduction when given).
    """
    if size_average is not None or reduce is not None:  # (PyTorch's deprecated arguments: rarely given)
        reduction = _legacy_reduction(size_average, reduce, reduction)
    if (weight is None and not label_smoothing and input.__class__ is Value and target.__class__ is np.ndarray
            and reduction in _REDUCTIONS):
        # The common call, cross_entropy(logits (N, C), labels (N,)), recognised after a few tests: the checks below
        # cost more than the loss itself on a small batch. Anything else (or a label that is not a class, which the
        # general way then checks again to say what is wrong) takes the general way.
        shape = input.data.shape
        if len(shape) == 2 and target.shape == shape[:1] and target.dtype.kind in "iu" and input.data.dtype.kind == "f":
            loss = _plain_cross_entropy(input, target, shape[1], ignore_index, reduction)
            if loss is not None:
                return loss
    who = "cross_entropy"
    _check_reduction(reduction, who)
    _check_smoothing(label_smoothing, who)
    input = _as_value(input, who)
    shape = tuple(input.shape)
    target_data = np.asarray(data_of(target))
    _refuse_complex_cross_entropy(input, target_data)
    refuse_integral_kernel(f"log_softmax_{'lastdim_' if input.ndim <= 2 else ''}kernel_impl", input,
                           hint=" (cross_entropy: the input must be floating point logits)")
    if target_data.shape == shape and len(shape) >= 1:
        if target_data.dtype.kind != "f":  # one-hot rows of integers
            raise DTypeError(f"Expected floating point type for target with class probabilities, got "
                             f"{scalar_type_name(target_data.dtype)} (cross_entropy: a target of the input's shape "
                             "holds probabilities: use target.float(), or pass class labels of shape "
                             f"{_classes_and_samples(shape, who)[1]})")
        if ignore_index != -100:  # PyTorch's RuntimeError: no sample is a label that could be ignored
            raise ValueError(f"ignore_index is not supported for floating point target (cross_entropy: a target of "
                             f"the input's shape holds class probabilities, got ignore_index={ignore_index})")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    C, sample_shape = _classes_and_samples(shape, who)
    labels, in_range = _labels(target_data, sample_shape, C, ignore_index, who, shape, isinstance(target, Value))
    w = _class_weight(weight, C, input.dtype, who, _nll_kernel(shape))
    if w is None and not label_smoothing and len(shape) >= 2:
        loss = _plain_cross_entropy(input, labels, C, ignore_index, reduction, in_range)
        if loss is not None:
            return loss
        replay_requires(_not_all_classes, labels, C, ignore_index)
    # PyTorch's: nll_loss of log_softmax over the class axis of the input itself (images: NllLoss2DBackward0)
    logp = log_softmax(input, dim=0 if len(shape) == 1 else 1)
    return _nll(logp, labels, w, ignore_index, reduction, sample_shape, label_smoothing)


def _plain_cross_entropy(z, labels, classes, ignore_index, reduction, in_range=None):
    """The loss of logits z (M, C) as one node, reduction included, if every label is a class; else None.

    Which of the two paths the labels allow: a compiled step replays the one it recorded only for labels that take
    the same path in eager mode (the two give the same loss, but not bit for bit)."""
    if not _all_classes(labels, classes, ignore_index, in_range):
        return None
    replay_requires(_all_classes, labels, classes, ignore_index)
    # _cross_entropy(z, labels=labels, reduction=reduction) without the primitive's dispatch (z is a Value)
    return apply(_cross_entropy, (z,), {"labels": labels, "reduction": reduction})


def _not_all_classes(labels, classes, ignore_index):
    """Whether some label is ignore_index (cross_entropy's general path)."""
    return not _all_classes(labels, classes, ignore_index)


def _all_classes(labels, classes, ignore_index, in_range=None):
    """Whether every label is a class in [0, classes) and none is ignore_index (the fast path's condition).
    in_range: whether all are in [0, classes), when already known (`_labels` finds it)."""
    if in_range is None:
        in_range = _in_range(labels, classes)
    return in_range and (not (0 <= ignore_index < classes) or not (labels == ignore_index).any())


def _in_range(labels, classes):
    """Whether every integer label is in [0, classes), with one reduction: read as unsigned integers of the same
    size, negative labels are larger than any class number (a compiled step checks this at every replay)."""
    if not labels.size:
        return True
    unsigned = labels if labels.dtype.kind == "u" else labels.view(_UNSIGNED[labels.itemsize])
    return bool(np.maximum.reduce(unsigned) < classes)


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing):
    who = "cross_entropy"
    shape = tuple(input.shape)
    class_axis = 0 if len(shape) == 1 else 1
    C = shape[class_axis]
    t = _as_value(target, who, like=input)
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / C
    logp = log_softmax(input, dim=class_axis)
    w = _class_weight(weight, C, input.dtype, who)
    if w is not None:  # a Value's gradient followed, as PyTorch's (here weights are a factor of the targets)
        w = weight.to(input.dtype) if isinstance(weight, Value) else w
        t = t * w.reshape((C,) + (1,) * (len(shape) - class_axis - 1))
    losses = -(logp * t).sum(axis=class_axis)
    if reduction == "mean":
        return losses.sum() / max(1, int(np.prod(losses.shape)))            # per sample, whatever the weights
    return _reduce(losses, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood: −w[yₙ]·input[n, yₙ] per sample, reduced (a weighted mean by default).

    input: log-probabilities (N, C), (C,) or (N, C, d1, ...); target: labels (N,), () or (N, d1, ...).
    size_average, reduce: deprecated, at PyTorch's positions.
    """
    who = "nll_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    input = _as_value(input, who)
    shape = tuple(input.shape)
    kernel = "nll_loss_out_frame" if len(shape) <= 2 else "nll_loss2d_forward_out_frame"
    refuse_complex_kernel(kernel, input)
    refuse_integral_kernel(kernel, input, hint=" (nll_loss: the input must be floating point log-probabilities, "
                           "e.g. log_softmax's)")
    C, sample_shape = _classes_and_samples(shape, who)
    labels, _ = _labels(target, sample_shape, C, ignore_index, who, shape, isinstance(target, Value))
    return _nll(input, labels, _class_weight(weight, C, input.dtype, who, _nll_kernel(shape)), ignore_index,
                reduction, sample_shape)


def _nll_kernel(shape):
    """PyTorch's kernel for class-index targets and an input of `shape` (its name in errors)."""
    return "nll_loss_forward" if len(shape) <= 2 else "nll_loss2d_forward"
