"""PyTorch's nodes of an einsum of one or two operands, for `grad_fn` (grad_fn_names' layout of the einsum primitive):
one node here, PyTorch's chain there, as its at::einsum records it:

- each operand unsqueezed at its end for each label it lacks (UnsqueezeBackward0 each), then permuted to the label
  order, the output's labels first, then the summed ones in alphabetical order (PermuteBackward0, identity too);
- one operand: the summed labels summed (SumBackward1), or the permutation alone;
- two: their product (MulBackward0) where no label is summed, else sumproduct_pair: each permuted again (batch,
  own, summed labels), reshaped to 3 dimensions (ViewBackward0 where the permuted operand is contiguous,
  ReshapeAliasBackward0 where its strides allow a view, else UnsafeViewBackward0 of a CloneBackward0), multiplied
  (BmmBackward0; the operands swapped where the right one's labels all come first in the output), viewed back
  and permuted (ViewBackward0, PermuteBackward0); the summed labels' dimensions of
  size 1 then dropped by a view (ViewBackward0).

The equations outside these (three operands or more, a label repeated in an operand, a label of size 1, a label
summed within one operand) keep this library's name, EinsumBackward0. Strides are PyTorch's (Value.stride()).
"""

from __future__ import annotations

import math

_OWN = "EinsumBackward0", None


def einsum_layout(parents, params, node):
    """(name, entries) of the einsum primitive's node as PyTorch records it (see the module's docstring)."""
    equation = params.get("equation")
    if equation is None or not 1 <= len(parents) <= 2:
        return _OWN
    inputs, _, output = equation.partition("->")
    subs = inputs.split(",")
    sizes = {}
    for sub, p in zip(subs, parents):
        if len(set(sub)) != len(sub) or (p._op is not None and p._op.name == "broadcast_to"):
            return _OWN  # a diagonal; or a size-1 dimension einsum broadcast (PyTorch's squeezes those)
        sizes.update(zip(sub, p.shape))
    summed = sorted(set("".join(subs)) - set(output))
    if any(n == 1 for n in sizes.values()) or any(sum(a in s for s in subs) < len(subs) for a in summed):
        return _OWN
    order = list(output) + summed  # PyTorch's label order: the output's, then the summed ones alphabetically
    operands = [_aligned(k, sub, p, order, sizes) for k, (sub, p) in enumerate(zip(subs, parents))]
    if len(operands) == 1:
        layout = operands[0][0]
        return ("SumBackward1", (layout,)) if summed else layout
    if not summed:
        return "MulBackward0", (operands[0][0], operands[1][0])
    return "ViewBackward0", (_sumproduct_pair(operands, order, subs, summed, sizes),)


def _aligned(k, sub, parent, order, sizes):
    """Operand k unsqueezed for the labels it lacks and permuted to `order`: (layout, shape, strides)."""
    layout, shape, strides = k, list(parent.shape), list(parent.stride())
    dims = {a: d for d, a in enumerate(sub)}
    for a in order:
        if a not in dims:  # unsqueeze(dim) at the end: stride 1
            layout = "UnsqueezeBackward0", (layout,)
            dims[a] = len(shape)
            shape.append(1)
            strides.append(1)
    permutation = [dims[a] for a in order]
    return ("PermuteBackward0", (layout,)), [shape[d] for d in permutation], [strides[d] for d in permutation]


def _sumproduct_pair(operands, order, subs, summed, sizes):
    (left, lshape, lstrides), (right, rshape, rstrides) = operands
    lro, lo, ro, sum_dims = [], [], [], []
    for d, a in enumerate(order):
        in_left, in_right = a in subs[0], a in subs[1]
        if a in summed:
            sum_dims.append(d)
        elif in_left and in_right:
            lro.append(d)
        elif in_left:
            lo.append(d)
        else:
            ro.append(d)
    if lo and ro and ro[-1] < lo[0]:  # the right operand's labels all first in the output: PyTorch swaps the two
        (left, lshape, lstrides), (right, rshape, rstrides) = operands[1], operands[0]
        lo, ro = ro, lo
    size = lambda dims: math.prod(sizes[order[d]] for d in dims)  # noqa: E731
    lperm, rperm = lro + lo + sum_dims + ro, lro + sum_dims + ro + lo
    left = reshaped_as_pytorch(("PermuteBackward0", (left,)), [lshape[d] for d in lperm],
                               [lstrides[d] for d in lperm], (size(lro), size(lo), size(sum_dims)))
    right = reshaped_as_pytorch(("PermuteBackward0", (right,)), [rshape[d] for d in rperm],
                                [rstrides[d] for d in rperm], (size(lro), size(sum_dims), size(ro)))
    return "PermuteBackward0", (("ViewBackward0", (("BmmBackward0", (left, right)),)),)


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
