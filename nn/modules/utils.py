"""PyTorch's `torch.nn.modules.utils`: the argument helpers custom layers import from there (`from
torch.nn.modules.utils import _pair`): `_single`, `_pair`, `_triple`, `_quadruple` make a tuple of n of a number (an
iterable is kept as a tuple), `_ntuple(n)` makes such a function, `_reverse_repeat_tuple(t, n)` reverses t repeating
each entry n times (F.pad's order from a convolution's padding), `_list_with_default(sizes, defaults)` fills the None
entries of an adaptive pool's output size from the input's."""

from __future__ import annotations

import collections.abc
from itertools import repeat


def _ntuple(n, name="parse"):
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n):
    """(a, b) with n = 2 -> (b, b, a, a): a convolution's per-dimension padding in F.pad's last-dimension-first
    order."""
    return tuple(x for x in reversed(t) for _ in range(n))


def _list_with_default(out_size, defaults):
    """An adaptive pool's output size with its None entries taken from `defaults` (the input's sizes, last ones)."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]
