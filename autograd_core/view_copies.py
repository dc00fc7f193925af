"""PyTorch's `*_copy` functions: `torch.diagonal_copy(x)`, `torch.t_copy(x)`, `torch.split_copy(x, 2)`, ...: the view
op of the same name, then a copy that owns its memory, so that writing into the result never changes `input` (and
the other way round). The copy stays in the graph: the gradient flows back to `input` through the view's rule.

One table below (name -> the view it copies) rather than seventeen functions written out; each entry's parameters
are PyTorch's, and every function takes `out=` as well. The package loads this module on first use of one of them.
"""

from __future__ import annotations

import inspect

from .torch_functions import _value, write_out


# name -> (the view, as a function of PyTorch's parameters; what it is, for the docstring)
_VIEWS = {
    "alias_copy": (lambda input: input, "input itself"),
    "as_strided_copy": (lambda input, size, stride, storage_offset=None: input.as_strided(size, stride, storage_offset),
                        "input.as_strided(size, stride, storage_offset)"),
    "detach_copy": (lambda input: input.detach(), "input.detach() (no gradient flows back)"),
    "diagonal_copy": (lambda input, offset=0, dim1=0, dim2=1: input.diagonal(offset, dim1, dim2),
                      "input.diagonal(offset, dim1, dim2)"),
    "expand_copy": (lambda input, size, *, implicit=False: input.expand(size, implicit=implicit),
                    "input.expand(size)"),
    "permute_copy": (lambda input, dims: input.permute(dims), "input.permute(dims)"),
    "select_copy": (lambda input, dim, index: input.select(dim, index), "input.select(dim, index)"),
    "slice_copy": (lambda input, dim=0, start=None, end=None, step=1: _slice(input, dim, start, end, step),
                   "input[..., start:end:step, ...] along dim (step > 0)"),
    "split_copy": (lambda input, split_size, dim=0: input.split(split_size, dim),
                   "input.split(split_size, dim), a tuple"),
    "split_with_sizes_copy": (lambda input, split_sizes, dim=0: input.split_with_sizes(split_sizes, dim),
                              "input.split_with_sizes(split_sizes, dim), a tuple"),
    "squeeze_copy": (lambda input, dim=None: input.squeeze(dim), "input.squeeze(dim) (every size-1 axis if None)"),
    "t_copy": (lambda input: input.t(), "input.t()"),
    "transpose_copy": (lambda input, dim0, dim1: input.transpose(dim0, dim1), "input.transpose(dim0, dim1)"),
    "unbind_copy": (lambda input, dim=0: input.unbind(dim), "input.unbind(dim), a tuple"),
    "unfold_copy": (lambda input, dimension, size, step: input.unfold(dimension, size, step),
                    "input.unfold(dimension, size, step)"),
    "unsqueeze_copy": (lambda input, dim: input.unsqueeze(dim), "input.unsqueeze(dim)"),
    "view_copy": (lambda input, size: input.view(size), "input.view(size), or input.view(dtype) (its bits)"),
}


def _slice(input, dim, start, end, step):
    """input[start:end:step] along `dim`, PyTorch's aten::slice: start/end None mean the ends, out-of-range ones
    are clamped, and step must be positive."""
    if step <= 0:
        raise ValueError(f"slice step must be positive, got {step}")
    dim = dim + input.ndim if dim < 0 else dim
    if not 0 <= dim < max(input.ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.ndim}, {input.ndim - 1}], "
                         f"but got {dim})")
    return input[(slice(None),) * dim + (slice(start, end, step),)]


def _owned(result):
    """A copy of a view's result (a Value, or a tuple of them) that owns its memory."""
    if isinstance(result, (tuple, list)):
        return tuple(_owned(r) for r in result)
    return result.clone()


def _write(name, out, result):
    """PyTorch's out=: the result written into `out` (a Value, or a sequence of them for a tuple result)."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise RuntimeError(f"{name}(): out= must be a list of {len(result)} tensors")
        return [_write(name, o, r) for o, r in zip(out, result)]
    return write_out(name, out, result)


def _copy_function(name, view, what):
    """torch.<name>(input, ..., out=None): `view`'s result copied into memory of its own."""

    def fn(input, *args, out=None, **kwargs):
        result = _owned(view(_value(input), *args, **kwargs))
        return result if out is None else _write(name, out, result)

    params = list(inspect.signature(view).parameters.values())
    params.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    fn.__signature__ = inspect.Signature(params)
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = (f"{what}, as a copy that owns its memory (same shape and dtype as the view; writing into it "
                  f"leaves input unchanged). Differentiable as the view is. out=: written into that Value instead.")
    return fn


globals().update({name: _copy_function(name, view, what) for name, (view, what) in _VIEWS.items()})
__all__ = list(_VIEWS)
