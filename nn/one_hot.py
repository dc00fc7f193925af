"""`one_hot`: integer class labels as one-hot rows (PyTorch's `F.one_hot`)."""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.ops import data_of, without_gradient


def _one_hot_np(labels, num_classes):
    """labels (...) of integers -> (..., num_classes) int64; num_classes = -1 means max(labels) + 1."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")  # PyTorch's words
    if num_classes == -1:
        if not labels.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor. (one_hot: pass num_classes)")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise RuntimeError(f"Class values must be non-negative. (one_hot: got {labels.min()})")
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"Class values must be smaller than num_classes. (one_hot: class values must be smaller "
                           f"than num_classes={num_classes}, got {labels.max()})")
    out = np.zeros(labels.shape + (num_classes,), np.int64)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out


def one_hot(tensor, num_classes=-1):
    """(...) integer labels -> (...,  num_classes) int64, 1 at each label's position and 0 elsewhere.

    num_classes=-1 takes max(labels) + 1. Labels must be in [0, num_classes) (RuntimeError otherwise, as PyTorch).
    The result is a Value without gradient; on a Value, a compiled step recomputes it from each call's labels.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or (num_classes < 1 and num_classes != -1):
        raise RuntimeError(f"one_hot: num_classes must be a positive int or -1, got {num_classes!r}")
    if isinstance(tensor, Value):
        return without_gradient(_one_hot_np, tensor, num_classes=int(num_classes))
    return Value(_one_hot_np(data_of(tensor), int(num_classes)), requires_grad=False, dtype=np.int64)
