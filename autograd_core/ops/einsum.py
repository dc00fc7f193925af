"""einsum (a primitive) and tensordot (an einsum).

The primitive sees explicit equations only ("ij,jk->ik": no ellipsis, every label of one size): the public
`einsum` writes ellipses out as letters and broadcasts size-1 dimensions first (broadcast_to, whose gradient sums
back), so that the rules stay simple. The gradient for operand i is another einsum: the output gradient with the
other operands, contracted to operand i's labels. Two cases need a constant operand more: a label only operand i
has and the output lacks (summed within that operand: its gradient is broadcast along it, by a vector of ones),
and a label operand i repeats (a diagonal, "ii->i": its gradient lands on the diagonal, through an identity
matrix). einsum is linear in each operand, so its tangent is the sum of the einsums with one operand replaced by
its tangent.
"""

from __future__ import annotations

import math
import numbers
import string

import numpy as np

from ..errors import ShapeError, scalar_type_name
from ..grad_fn_chain_tops import ChainTop
from ..grad_fn_einsum import EINSUM_BROADCAST
from ..grad_fn_names import chain_layout
from ..one_node import shown_as
from .elementwise import data_of
from .index import as_value
from .linalg import floats_of_two_widths
from .primitive import primitive
from .shape import broadcast_to

_BROADCAST = chain_layout(("ExpandBackward0", (0,)), key="einsum broadcast")
assert _BROADCAST == EINSUM_BROADCAST


@primitive("einsum")
def _einsum(*xs, equation):
    """np.einsum(equation, *xs) for an explicit equation ("ij,jk->ik")."""
    return np.einsum(equation, *xs, optimize=_worth_a_path(equation, xs))


_einsum.keeps_for_name = lambda params: {"equation": params.get("equation")}  # PyTorch's nodes (grad_fn_einsum.py)


# np.einsum's own loops do not use BLAS: a contraction of (8, 64, 64) batches runs 6x slower than with a contraction
# path (optimize=True, which hands products to tensordot/BLAS), but finding the path costs ~20 us, more than a small
# einsum takes. Above this many multiply-adds (the product of all the labels' sizes), the path is worth it.
_PATH_WORTH = 100_000


def _worth_a_path(equation, xs):
    if len(xs) < 2:
        return False
    sizes = {}
    for labels, x in zip(_parts(equation)[0], xs):
        sizes.update(zip(labels, np.shape(x)))
    return math.prod(sizes.values()) > _PATH_WORTH


def _parts(equation):
    inputs, output = equation.split("->")
    return inputs.split(","), output


def _einsum_vjp(i, g, out, *xs, equation):
    subs, output = _parts(equation)
    mine = subs[i]
    dtype = np.result_type(data_of(g))
    sizes = {a: n for s, x in zip(subs, xs) for a, n in zip(s, np.shape(data_of(x)))}
    unused = iter(sorted(set(string.ascii_letters) - set(equation)))
    operands, labels = [g], [output]
    for j, (s, x) in enumerate(zip(subs, xs)):
        if j != i:
            operands.append(x)
            labels.append(s)
    present = set("".join(labels))
    target = ""
    for a in mine:
        if a in target:                      # a repeated label: a fresh one, tied to the first by an identity
            fresh = next(unused)
            operands.append(np.eye(sizes[a], dtype=dtype))
            labels.append(a + fresh)
            target += fresh
        else:
            if a not in present:             # summed within operand i alone: broadcast the gradient along it
                operands.append(np.ones(sizes[a], dtype=dtype))
                labels.append(a)
                present.add(a)
            target += a
    return _einsum(*operands, equation=",".join(labels) + "->" + target)


def _einsum_jvp(i, t, out, *xs, equation):
    return _einsum(*xs[:i], broadcast_to(t, shape=np.shape(data_of(xs[i]))), *xs[i + 1:], equation=equation)


_einsum.defvjp_argnum(_einsum_vjp, formula="einsum(g, other operands)")
_einsum.defjvp_argnum(_einsum_jvp)


def _aligned_labels(i, xs, equation):
    """(operand i's labels, its labels as PyTorch's einsum aligns it: each once, in `order`, the output's labels then
    the summed ones, alphabetically (grad_fn_einsum._aligned); `order`; each of its labels' size, from xs[i])."""
    subs, output = _parts(equation)
    order = output + "".join(sorted(set("".join(subs)) - set(output)))
    mine = subs[i]
    return mine, "".join(a for a in order if a in mine), order, dict(zip(mine, np.shape(data_of(xs[i]))))


def _aligned_view(gx, i, out, *xs, equation):
    """Operand i's gradient gx as PyTorch's einsum aligns operand i before its product or sum: its diagonals for a
    repeated label, permuted to the aligned order, with a dimension of size 1 for each label it lacks. What PyTorch's
    node over those views (MulBackward0 of the operands, SumBackward1 of one) sends them (node hooks: `inner_view`)."""
    mine, aligned, order, sizes = _aligned_labels(i, xs, equation)
    return _einsum(gx, equation=f"{mine}->{aligned}").reshape(tuple(sizes.get(a, 1) for a in order))


def _aligned_unview(r, i, out, *xs, equation):
    """A node hook's replacement r of `_aligned_view`'s gradient, sent on to operand i: the adjoint of that view."""
    mine, aligned, _, sizes = _aligned_labels(i, xs, equation)
    return _einsum_vjp(0, r.reshape(tuple(sizes[a] for a in aligned)), None, xs[i], equation=f"{mine}->{aligned}")


# node hooks: einsum("ij,k->ijk") is PyTorch's MulBackward0 of each operand unsqueezed and permuted, einsum("ij->j")
# its SumBackward1 of a permutation (grad_fn_einsum.py)
_einsum.inner_view = (("PermuteBackward0", "UnsqueezeBackward0", "DiagonalBackward0"), _aligned_view, _aligned_unview)


def _products_top(node):
    """Node hooks on an einsum of three operands or more that sums no label ("i,j,k->ijk"): PyTorch's chain of
    products, left to right, of the operands aligned (grad_fn_einsum.py), whose top MulBackward0 takes the product of
    all but the last operand and the last one aligned; a ChainTop of those two entries (grad_fn_chain_tops), else
    None (a label summed, two operands: their views are the node's own edges)."""
    equation = node._params.get("equation") if isinstance(node._params, dict) else None
    if equation is None or len(node._parents) < 3:
        return None
    subs, output = _parts(equation)
    if set("".join(subs)) - set(output):
        return None

    def entries(out, *xs):
        xs = [_as_given(x) for x in xs]
        aligned = [_aligned_view(x, i, out, *xs, equation=equation) for i, x in enumerate(xs)]
        left = aligned[0]
        for x in aligned[1:-1]:
            left = left * x
        return left, aligned[-1]

    return ChainTop(entries, lambda out, left, right: left * right)


_einsum.chain_top = _products_top


def _as_given(x):
    """An einsum's input x as its operand was given, where einsum broadcast it (a label of size 1 against another
    size: PyTorch's views are of the operand, broadcast inside): x's first element along each broadcast dimension, a
    view of x (so that what it gets, x's broadcast rule sums back to the operand)."""
    if getattr(x._op, "grad_fn_name", None) != EINSUM_BROADCAST:
        return x
    given = np.shape(x._parents[0].data)
    return x[tuple(slice(0, 1) if m == 1 and n != 1 else slice(None) for m, n in zip(given, x.shape))]


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: "ij,jk->ik" is a matrix product, "ii->" a trace, "bij->bji" a batched
    transpose; without "->" the output is the labels that appear once, in alphabetical order. "..." stands for the
    dimensions not labelled (broadcast between operands, and kept first in an implicit output). Labels of size 1
    broadcast against the same label of another size. operands: Values or arrays, or one list of them."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [as_value(x) for x in operands]
    if floats_of_two_widths(*operands):  # PyTorch's einsum computes in the first operand's dtype: bmm's words
        first = xs[0].dtype
        other = next(x.dtype for x in xs if x.dtype != first)
        raise RuntimeError(f"expected scalar type {scalar_type_name(first)} but found {scalar_type_name(other)}")
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subs = inputs.split(",")
    if len(subs) != len(xs):
        raise RuntimeError(f"einsum(): the equation has {len(subs)} operands but {len(xs)} were given")
    letters = set(equation) - set(".,->")
    if not letters <= set(string.ascii_letters):
        raise RuntimeError(f"einsum(): invalid subscript given in the equation {equation!r}: only letters and '...'")
    # Ellipses become letters: the longest one takes `ellipsis` letters, shorter ones its last letters.
    spans = []
    for k, (s, x) in enumerate(zip(subs, xs)):
        if s.count("...") > 1 or s.replace("...", "").count(".") or (s.count("...") == 0 and len(s) != x.ndim) \
                or len(s.replace("...", "")) > x.ndim:
            raise ShapeError(f"einsum(): the subscripts {s!r} of operand {k} do not match its {x.ndim} dimensions")
        spans.append(x.ndim - len(s.replace("...", "")) if "..." in s else 0)
    free = sorted(set(string.ascii_letters) - letters)
    ellipsis = "".join(free[:max(spans, default=0)])
    subs = [s.replace("...", ellipsis[len(ellipsis) - n:]) for s, n in zip(subs, spans)]
    if arrow:
        output = output.replace("...", ellipsis)
        if len(set(output)) != len(output) or not set(output) <= set("".join(subs)):
            raise RuntimeError(f"einsum(): output subscripts {output!r} must be distinct labels of the inputs")
    else:
        counts = "".join(subs)
        output = ellipsis + "".join(sorted(a for a in letters if counts.count(a) == 1))
    # Each label's size: equal, or 1 broadcast to the others'.
    sizes = {}
    for s, x in zip(subs, xs):
        for a, n in zip(s, x.shape):
            known = sizes.get(a, 1)
            if known not in (1, n) and n != 1:
                raise ShapeError(f"einsum(): operands do not broadcast: label {a!r} has sizes {sizes[a]} and {n}")
            if a not in sizes or known == 1:  # (a size 0 too: a label of size 1 broadcasts to it, as PyTorch's)
                sizes[a] = n
    for k, (s, x) in enumerate(zip(subs, xs)):
        full = tuple(sizes[a] for a in s)
        if x.shape != full:  # (marked, so that grad_fn lists the operand itself, as PyTorch's, which broadcasts inside)
            xs[k] = shown_as(broadcast_to(x, shape=full), x, _BROADCAST)
    return _einsum(*xs, equation=",".join(subs) + "->" + output)


def tensordot(a, b, dims=2):
    """Contract the last `dims` dimensions of a with the first `dims` of b (an int), or a's dims[0] with b's dims[1]
    (two lists of the same length), as torch.tensordot: the result has a's other dimensions, then b's."""
    x, y = as_value(a), as_value(b)
    if floats_of_two_widths(a, b):
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, numbers.Integral):
        if not 0 <= dims <= min(x.ndim, y.ndim):
            raise RuntimeError(f"tensordot expects dims >= 0 and at most the operands' dimensions, got {dims}")
        dims_a, dims_b = list(range(x.ndim - dims, x.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError(f"tensordot: both dimension lists should have the same length, got {dims_a}, {dims_b}")
    dims_a, dims_b = [d % max(x.ndim, 1) for d in dims_a], [d % max(y.ndim, 1) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if x.shape[da] != y.shape[db]:
            raise ShapeError(f"tensordot: contracted dimensions need to match, but first has size {x.shape[da]} in "
                             f"dim {da} and second has size {y.shape[db]} in dim {db}")
    letters = iter(string.ascii_letters)
    sub_a = [next(letters) for _ in range(x.ndim)]
    sub_b = [next(letters) for _ in range(y.ndim)]
    for da, db in zip(dims_a, dims_b):
        sub_b[db] = sub_a[da]
    kept = [a for d, a in enumerate(sub_a) if d not in dims_a] + [a for d, a in enumerate(sub_b) if d not in dims_b]
    return _einsum(x, y, equation="".join(sub_a) + "," + "".join(sub_b) + "->" + "".join(kept))
