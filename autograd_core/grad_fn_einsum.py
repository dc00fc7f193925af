"""PyTorch's nodes of an einsum, for `grad_fn` (grad_fn_names' layout of the einsum primitive): one node here,
PyTorch's chain there, as its at::einsum records it:

- each operand's repeated labels taken as diagonals (DiagonalBackward0, then a movedim: PermuteBackward0), the
  operand unsqueezed at its end for each label it lacks (UnsqueezeBackward0 each), then permuted to the label order,
  the output's labels first, then the summed ones in alphabetical order (PermuteBackward0, identity too);
- one operand: the summed labels summed (SumBackward1), or the permutation alone;
- several: contracted left to right, each result the left operand of the next contraction. Before each, a label
  found in one of the two alone and in no later operand is summed there (SumBackward1, keeping its dimension); then
  sumproduct_pair: their product (MulBackward0) where no label is summed now, else each permuted again (batch, own,
  summed labels), reshaped to 3 dimensions (ViewBackward0 where the permuted operand is contiguous,
  ReshapeAliasBackward0 where its strides allow a view, else UnsafeViewBackward0 of a CloneBackward0), multiplied
  (BmmBackward0; the operands swapped where the right one's labels all come first), viewed back and permuted
  (ViewBackward0, PermuteBackward0); the summed labels' dimensions of size 1 then dropped by a view (ViewBackward0).

A label of size 1 in an operand counts as absent from it (it is not contracted there, only broadcast), as in
PyTorch's dim_counts; the operands einsum broadcast here (a broadcast_to node marked EINSUM_BROADCAST below the
einsum's node) are listed as they were given, since PyTorch broadcasts inside. Strides are PyTorch's (Value.stride();
a product's as its TensorIterator lays it out), as they decide between a view and a copy. An empty operand (PyTorch's
fast path of zeros) keeps this library's name, EinsumBackward0.
"""

from __future__ import annotations

import math

_OWN = "EinsumBackward0", None

# The name (a chain's: one_node.shown_as) of the broadcast_to node einsum records where an operand's label of size 1
# meets the same label of another size: an ExpandBackward0 over the operand if read by itself; below an einsum, the
# operand is listed instead (PyTorch broadcasts inside its einsum).
EINSUM_BROADCAST = "chain 'einsum broadcast'"


def einsum_layout(parents, params, node):
    """(name, entries) of the einsum primitive's node as PyTorch records it (see the module's docstring)."""
    equation = params.get("equation")
    if equation is None or not parents:
        return _OWN
    from .grad_fn_names import Through  # (grad_fn_names imports this module)

    inputs, _, output = equation.partition("->")
    subs = inputs.split(",")
    operands = []
    for k, (sub, p) in enumerate(zip(subs, parents)):
        entry = k
        if p._op is not None and getattr(p._op, "grad_fn_name", None) == EINSUM_BROADCAST:
            entry, p = Through((k, 0)), p._parents[0]  # the operand itself: PyTorch's einsum broadcasts inside
        if 0 in p.shape:
            return _OWN  # an empty operand: PyTorch's fast path of zeros
        operands.append((entry, sub, p))
    order = list(output) + sorted(set("".join(subs)) - set(output))  # the output's labels, then the summed ones
    operands = [_aligned(entry, sub, p, order) for entry, sub, p in operands]
    # the operands in which each label has a size other than 1 (PyTorch's dim_counts: a label of size 1 is broadcast)
    counts = [sum(op[1][d] != 1 for op in operands) for d in range(len(order))]
    out_dims = len(output)
    while len(operands) > 1:  # PyTorch contracts the operands left to right, each result on the left of the next
        a, b = operands[0], operands[1]
        sum_dims, a_sums, b_sums = [], [], []
        for d in range(out_dims, len(order)):
            in_a, in_b = a[1][d] != 1, b[1][d] != 1
            if in_a and in_b:
                counts[d] -= 1
                if counts[d] == 1:
                    sum_dims.append(d)
                    counts[d] = 0
            elif counts[d] == 1 and (in_a or in_b):  # in one of the two alone, and in no later operand
                (a_sums if in_a else b_sums).append(d)
                counts[d] = 0
        a, b = _summed(a, a_sums), _summed(b, b_sums)
        operands[:2] = [_sumproduct_pair(a, b, sum_dims)]
    layout, shape, _ = operands[0]
    if len(order) > out_dims:  # the summed labels: a view dropping their dimensions (of size 1), or one operand's sum
        return ("ViewBackward0", (layout,)) if len(subs) > 1 else ("SumBackward1", (layout,))
    return layout


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return strides[::-1]


def _elementwise_strides(shape, operands):
    """The strides of PyTorch's result of an elementwise operation of `operands` ((layout, shape, strides) each) of
    the broadcast `shape`: its TensorIterator orders the dimensions by the inputs' strides (a broadcast one, stride
    0, tells nothing; equal strides: the smaller size first) and lays the result out densely in that order."""
    strides = [[0 if m == 1 and n != 1 else st for m, st, n in zip(op[1], op[2], shape)] for op in operands]

    def should_swap(d0, d1):  # 1: d0 goes after d1; -1: before; 0: no input tells
        for st in strides:
            if st[d0] == 0 or st[d1] == 0:
                continue
            if st[d0] != st[d1]:
                return -1 if st[d0] < st[d1] else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(len(shape)))[::-1]  # the fastest dimension first
    for i in range(1, len(perm)):  # PyTorch's insertion sort, which stops at the first dimension that says "before"
        d1 = i
        for d0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[d0], perm[d1])
            if comparison > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif comparison < 0:
                break
    out, step = [0] * len(shape), 1
    for d in perm:
        out[d] = step
        step *= shape[d]
    return out


def _aligned(k, sub, parent, order):
    """Operand k as PyTorch's einsum aligns it: a diagonal for each label repeated in it (DiagonalBackward0, and a
    movedim: PermuteBackward0), unsqueezed for the labels it lacks, permuted to `order`: (layout, shape, strides)."""
    from .grad_fn_strides import pytorch_strides  # (it imports this module)

    layout, shape, strides = k, list(parent.shape), list(pytorch_strides(parent))  # (k: the operand's entry)
    dims, dim = {}, 0
    for a in sub:
        if a not in dims:
            dims[a] = dim
            dim += 1
            continue
        first = dims[a]  # op.diagonal(0, first, dim).movedim(-1, first)
        n, stride = shape[first], strides[first] + strides[dim]
        del shape[dim], strides[dim]
        shape[first], strides[first] = n, stride
        layout = "PermuteBackward0", (("DiagonalBackward0", (layout,)),)
    for a in order:
        if a not in dims:  # unsqueeze(dim) at the end: stride 1
            layout = "UnsqueezeBackward0", (layout,)
            dims[a] = len(shape)
            shape.append(1)
            strides.append(1)
    permutation = [dims[a] for a in order]
    return ("PermuteBackward0", (layout,)), [shape[d] for d in permutation], [strides[d] for d in permutation]


def _summed(operand, dims):
    """operand.sum(dims, keepdim=True) (a label in this operand alone, summed before the product)."""
    if not dims:
        return operand
    shape = [1 if d in dims else n for d, n in enumerate(operand[1])]
    return ("SumBackward1", (operand[0],)), shape, _contiguous_strides(shape)


def _sumproduct_pair(left, right, sum_dims):
    """PyTorch's sumproduct_pair(left, right, sum_dims, keepdim=True) of two aligned operands: their product where
    nothing is summed, else each permuted (batch, own, summed dimensions), reshaped to 3 dimensions, bmm, viewed
    back and permuted: (layout, shape, strides)."""
    if not sum_dims:
        shape = [max(m, n) for m, n in zip(left[1], right[1])]
        return ("MulBackward0", (left[0], right[0])), shape, _elementwise_strides(shape, (left, right))
    lro, lo, ro = [], [], []
    for d, (m, n) in enumerate(zip(left[1], right[1])):
        if d in sum_dims:
            continue
        if m != 1 and n != 1:
            lro.append(d)
        elif m != 1:
            lo.append(d)
        else:
            ro.append(d)
    if lo and ro and ro[-1] < lo[0]:  # the right operand's dimensions all first in the output: PyTorch swaps the two
        left, right, lo, ro = right, left, ro, lo
    (llayout, lshape, lstrides), (rlayout, rshape, rstrides) = left, right

    def size(shape, dims):
        return math.prod(shape[d] for d in dims)

    lperm, rperm = lro + lo + sum_dims + ro, lro + sum_dims + ro + lo
    sizes = (size(lshape, lro), size(lshape, lo), size(lshape, sum_dims), size(rshape, ro))
    left = reshaped_as_pytorch(("PermuteBackward0", (llayout,)), [lshape[d] for d in lperm],
                               [lstrides[d] for d in lperm], sizes[:3])
    right = reshaped_as_pytorch(("PermuteBackward0", (rlayout,)), [rshape[d] for d in rperm],
                                [rstrides[d] for d in rperm], (sizes[0], sizes[2], sizes[3]))
    out_order = lro + lo + sum_dims + ro
    out_shape = [lshape[d] for d in lro + lo] + [1] * len(sum_dims) + [rshape[d] for d in ro]
    out_strides = _contiguous_strides(out_shape)
    where = {d: i for i, d in enumerate(out_order)}
    n = len(out_order)
    shape = [out_shape[where[d]] for d in range(n)]
    strides = [out_strides[where[d]] for d in range(n)]
    return ("PermuteBackward0", (("ViewBackward0", (("BmmBackward0", (left, right)),)),)), shape, strides


def reshaped_as_pytorch(layout, shape, strides, new_shape):
    """The layout of PyTorch's reshape of a tensor of this shape and strides (PyTorch's, Value.stride()) whose node
    is `layout`: a view of a contiguous one, an alias where its strides allow a view, else a view of its contiguous
    copy."""
    if _is_contiguous(shape, strides):
        return "ViewBackward0", (layout,)
    if _view_strides(shape, strides, new_shape) is not None:
        return "ReshapeAliasBackward0", (layout,)
    return "UnsafeViewBackward0", (("CloneBackward0", (layout,)),)


def batched_as_pytorch(layout, shape, strides, batch):
    """The layout of PyTorch's matmul's reshape to (batch, n, m) of a stack of matrices of this shape and strides
    expanded to the batch shape `batch` (the node `layout`): broadcast dimensions have the stride 0 there."""
    shape, strides = tuple(shape), tuple(strides)
    lead = len(batch) - (len(shape) - 2)
    expanded = [0] * lead + [0 if n == 1 and b != 1 else s for n, b, s in zip(shape[:-2], batch[lead:], strides)]
    new_shape = (math.prod(batch),) + shape[-2:]
    return reshaped_as_pytorch(layout, tuple(batch) + shape[-2:], expanded + list(strides[-2:]), new_shape)


def _is_contiguous(shape, strides):
    """PyTorch's is_contiguous: dimensions of size 1 do not count, and an empty tensor is contiguous."""
    if 0 in shape:
        return True
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def _view_strides(shape, strides, new_shape):
    """The strides of a view of new_shape (PyTorch's computeStride), or None where the elements allow none."""
    if math.prod(shape) == 0:
        return [1] * len(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base = strides[-1] if strides else 1
    tensor_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base, tensor_numel, view_numel = strides[d - 1], 1, 1
    return new_strides if view_d == -1 else None
