"""More of PyTorch's products: kron, cross, inner, mv, addmv, addr, baddbmm, addbmm, chain_matmul, vdot, and the
distances dist (of two tensors) and cdist (pairwise, between rows).

All are compositions of matmul, *, sums, reshapes and indexing, with PyTorch's shape checks, so gradients, forward
mode, higher derivatives and compile come from those primitives. The add* family computes
beta · input + alpha · product; with beta = 0 input is not read (a NaN in it does not propagate), as in PyTorch.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ShapeError, cpp_name, scalar_type_name
from ..grad_fn_chain_tops import declare_apart
from ..one_node import shown_as
from ..value import Value
from .arith import _same, exact_with_gradient_of
from .elementwise import abs, sqrt, where
from .nondifferentiable import without_gradient
from .index import as_value, check_dim
from .linalg import bmm, dot, floats_of_two_widths, matmul, outer, refuse_mixed_addmm
from .shape import getitem, reshape


def kron(input, other):
    """The Kronecker product: for inputs of shapes (a0, a1, ...) and (b0, b1, ...) (the one with fewer dimensions
    padded with leading 1s), shape (a0·b0, a1·b1, ...) with out[i·b + k] = input[i] · other[k] in each dimension."""
    a, b = as_value(input), as_value(other)
    ndim = max(a.ndim, b.ndim)
    sa, sb = (1,) * (ndim - a.ndim) + a.shape, (1,) * (ndim - b.ndim) + b.shape
    # (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0, b0, a1, b1, ...), then merged pairwise.
    spread_a = reshape(a, shape=tuple(v for n in sa for v in (n, 1)))
    spread_b = reshape(b, shape=tuple(v for n in sb for v in (1, n)))
    return reshape(spread_a * spread_b, shape=tuple(n * m for n, m in zip(sa, sb)))


def cross(input, other, dim=None):
    """The cross product of 3-vectors along `dim` (inputs broadcast against each other), as torch.cross. Without
    dim, the first dimension of length 3 is used (PyTorch's deprecated default; linalg.cross uses -1)."""
    a, b = as_value(input), as_value(other)
    if a.ndim != b.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions, got {a.ndim} and {b.ndim}")
    shape = np.broadcast_shapes(a.shape, b.shape)
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ShapeError(f"no dimension of size 3 in input (shapes {list(a.shape)} and {list(b.shape)})")
    dim = check_dim(dim, len(shape))
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and "
                         f"{b.shape[dim]}")
    lead = (slice(None),) * dim

    def turned(x, order):  # x's components along dim in the order given
        return getitem(x, lead + (np.array(order),))

    # (a × b)_i = a_{i+1} b_{i+2} − a_{i+2} b_{i+1}, indices modulo 3; shown as PyTorch's one node over a and b
    out = turned(a, [1, 2, 0]) * turned(b, [2, 0, 1]) - turned(a, [2, 0, 1]) * turned(b, [1, 2, 0])
    out = shown_as(out, (a, b), "LinalgCrossBackward0")
    # (a Value as both: its uses, which are which input's, for node hooks)
    return out if a is not b else declare_apart(out, lambda x, y: cross(x, y, dim))


def inner(input, other):
    """Σ over the last dimension of input[..., k] · other[..., k]: shape input.shape[:-1] + other.shape[:-1]; a 0-d
    input multiplies."""
    a, b = as_value(input), as_value(other)
    if floats_of_two_widths(input, other):
        raise RuntimeError("both inputs should have same dtype")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"inner() the last dimension must match on both input tensors but got shapes "
                         f"{list(a.shape)} and {list(b.shape)}")
    left = reshape(a, shape=(-1, a.shape[-1]))
    right = reshape(b, shape=(-1, b.shape[-1]))
    return reshape(matmul(left, right.T), shape=a.shape[:-1] + b.shape[:-1])


def mv(input, vec):
    """The product of a matrix (n, m) and a vector (m,): a vector (n,)."""
    a, v = as_value(input), as_value(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ShapeError(f"vector + matrix @ vector expected, got {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec "
                         f"({v.shape[0]})")
    if a.layout.name != "strided":  # a sparse matrix (COO, CSR, ...) computes its own product, dense
        return a @ v
    return matmul(a, v)


def _scaled_sum(input, product, beta, alpha, factors, grad_fn_name):
    """beta · input + alpha · product; input is not read when beta is 0 (its shape must still broadcast). Shown as
    PyTorch's one node `grad_fn_name` over input and the product's two factors (input listed None when beta is 0:
    it is not below the result)."""
    x = as_value(input)
    if alpha != 1:
        product = product * alpha
    try:
        np.broadcast_to(np.empty(x.shape, dtype=np.bool_), product.shape)
    except ValueError:
        raise ShapeError(f"the input of shape {list(x.shape)} does not broadcast to the product's shape "
                         f"{list(product.shape)}") from None
    if beta == 0:
        return shown_as(product, (None, *factors), grad_fn_name)
    return shown_as(product + (x if beta == 1 else x * beta), (x, *factors), grad_fn_name)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta · input + alpha · (mat @ vec), for mat (n, m) and vec (m,); input broadcasts to (n,)."""
    if floats_of_two_widths(input, mat, vec):
        raise RuntimeError("addmv input tensors must have the same dtype, but got " + ", ".join(
            scalar_type_name(as_value(t).dtype) for t in (input, mat)) + f", and {scalar_type_name(vec.dtype)}")
    return _scaled_sum(input, mv(mat, vec), beta, alpha, (mat, vec), "AddmvBackward0")


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta · input + alpha · outer(vec1, vec2), for vectors of lengths n and m; input broadcasts to (n, m)."""
    a, b = as_value(vec1), as_value(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"addr: Expected 1-D argument vec1, but got {a.ndim}-D" if a.ndim != 1 else
                         f"addr: Expected 1-D argument vec2, but got {b.ndim}-D")
    return _scaled_sum(input, outer(a, b), beta, alpha, (a, b), "AddrBackward0")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta · input + alpha · bmm(batch1, batch2), for (b, n, k) and (b, k, m); input broadcasts to (b, n, m)."""
    if floats_of_two_widths(input, batch1) or floats_of_two_widths(input, batch2) and not floats_of_two_widths(
            batch1, batch2):  # (batch1 against batch2 is bmm's check, in its words)
        named = (("input ", input), ("batch1: ", batch1), ("batch2: ", batch2))
        raise RuntimeError("Input dtypes must be the same, got: " + ", ".join(
            f"{name}{cpp_name(as_value(t).dtype)}" for name, t in named))
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, (batch1, batch2), "BaddbmmBackward0")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta · input + alpha · Σ_b batch1[b] @ batch2[b], for (b, n, k) and (b, k, m); input broadcasts to (n, m)."""
    a, b = as_value(batch1), as_value(batch2)
    if a.ndim != 3 or b.ndim != 3:
        raise ShapeError(f"batch1 must be a 3D tensor, batch2 must be a 3D tensor (got {a.ndim}D and {b.ndim}D)")
    if floats_of_two_widths(input, batch1, batch2):
        refuse_mixed_addmm(as_value(input).dtype, a.dtype, b.dtype)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ShapeError(f"addbmm: expected shapes (b, n, k) and (b, k, m), got {list(a.shape)} and "
                         f"{list(b.shape)}")
    # Σ_b A[b] @ B[b] is one matrix product: the batch joins the inner dimension, (n, b·k) @ (b·k, m).
    left = reshape(a.transpose(1, 0, 2), shape=(a.shape[1], -1))
    right = reshape(b, shape=(-1, b.shape[2]))
    return _scaled_sum(input, matmul(left, right), beta, alpha, (a, b), "AddbmmBackward0")


def chain_matmul(*matrices):
    """The product of the 2-D inputs from left to right (PyTorch's deprecated torch.chain_matmul: linalg.multi_dot
    for matrices); one matrix is returned as it is."""
    values = [as_value(m) for m in matrices]
    if not values:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(values):
        if m.ndim != 2:
            raise ShapeError(f"chain_matmul(): Tensor {i} must have 2 dimensions, got {m.ndim}")
    out = values[0]
    for m in values[1:]:
        out = matmul(out, m)
    return out


def vdot(input, other):
    """Σ conj(input[i]) · other[i] of two vectors (dot for real ones)."""
    a, b = as_value(input), as_value(other)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return dot(a.conj(), b)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between each row of x1 (..., P, M) and each row of x2 (..., R, M): shape (..., P, R),
    batch dimensions broadcast. p >= 0: 0 counts the differing coordinates, inf takes the largest difference.

    Gradients as PyTorch's: zero where two rows coincide (the norm's kink at 0, where 0/0 would give NaN). For
    p = inf, each coordinate tied for the largest difference gets the whole gradient, as PyTorch's."""
    a, b = as_value(x1), as_value(x2)
    if a.ndim < 2 or b.ndim < 2:
        raise ShapeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    for name, x in (("X1", a), ("X2", b)):
        if x.dtype.kind == "c":  # PyTorch's words: its kernel takes real numbers only
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {scalar_type_name(x.dtype)}")
    if not isinstance(p, numbers.Real) or p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    out = shown_as(_cdist(a, b, p), (a, b), "CdistBackward0")  # PyTorch's one node over x1 and x2
    return out if a is not b else declare_apart(out, lambda x, y: cdist(x, y, p))  # (x's uses, for node hooks)


def _cdist(a, b, p):
    diff = a.unsqueeze(-2) - b.unsqueeze(-3)  # (..., P, R, M)
    if p == 0:  # the count of differing coordinates, with PyTorch's zero gradient (not none: zeros)
        if diff.dtype.kind != "f":
            return (diff != 0).sum(axis=-1)
        return where(diff == 0, diff * 0.0, np.ones((), diff.dtype)).sum(axis=-1)
    if p == float("inf"):
        if not diff.shape[-1]:
            return diff.sum(axis=-1)
        size = abs(diff)
        largest = size.max(axis=-1)
        # PyTorch's gradient: sign(diff) at every coordinate that ties for the largest difference (not shared):
        # the gradient of the sum of those coordinates' sizes, with the value of their maximum.
        tied = size == largest.unsqueeze(-1)
        return exact_with_gradient_of(without_gradient(_same, largest), where(tied, size, 0.0).sum(axis=-1))
    if p == 1:
        return abs(diff).sum(axis=-1)
    if p < 1:  # |d|^p has an infinite derivative at d = 0: raise 1 there instead, and count 0 (PyTorch's gradient 0)
        size = abs(diff)
        nonzero = size > 0
        powered = where(nonzero, where(nonzero, size, 1.0) ** p, 0.0)
    else:
        powered = diff * diff if p == 2 else abs(diff) ** p
    total = powered.sum(axis=-1)
    # The norm's derivative is 0/0 where the rows coincide: take the root of a safe 1 there, then put 0 back, so
    # that both the value and the gradient (0, as PyTorch's) are right.
    zero = total == 0  # a Value: a compiled step computes it again from each call's data
    safe = where(zero, np.ones((), total.dtype), total)
    root = sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return where(zero, np.zeros((), total.dtype), root)


def dist(input, other, p=2):
    """The p-norm of input − other (broadcast together) over all elements, a 0-d Value (torch.dist): p = 2 (the
    Euclidean distance), 1, inf (the largest |difference|), -inf (the smallest), 0 (how many elements differ; no
    gradient), any other real p (Σ |difference|^p)^(1/p). linalg.vector_norm of the difference, so the gradients
    are PyTorch's: 0 where input and other coincide (the norm's kink), ties for inf sharing the gradient."""
    from ..linalg import vector_norm  # linalg.py builds on ops/: imported on use

    difference = as_value(input) - other
    if difference.dtype.kind not in "fc":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{difference.dtype} instead.")
    other_listed = other if isinstance(other, Value) and other.requires_grad else None
    listed = (input if isinstance(input, Value) and input.requires_grad else None, other_listed)
    out = shown_as(vector_norm(difference, p), listed, "DistBackward0")  # PyTorch's one node over input and other
    return out if input is not other else declare_apart(out, lambda x, y: dist(x, y, p))  # (x's uses, for hooks)
