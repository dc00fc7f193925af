"""ChannelShuffle (ShuffleNet, Zhang et al., 2018): interleave the channels of `groups` groups."""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import ShapeError, Value
from autograd_core.ops import data_of, reshape, swapaxes
from autograd_core.one_node import shown_as

from .module import Module


def channel_shuffle(input, groups):
    """(N, C, *) -> (N, C, *): view the channels as (groups, C/groups), transpose to (C/groups, groups) and
    flatten back, so output channel i·groups + g is input channel g·(C/groups) + i. A reshape, a transpose
    and a reshape: the gradient is the inverse permutation."""
    shape = np.shape(data_of(input))
    if len(shape) < 3:
        raise ShapeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                         f"sizes {list(shape)}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = shape[1]
    if channels % groups:
        raise ShapeError(f"Number of channels must be divisible by groups. Got {channels} channels and "
                         f"{groups} groups.")
    grouped = reshape(input, shape=(shape[0], int(groups), channels // int(groups)) + shape[2:])
    shuffled = reshape(swapaxes(grouped, axis1=1, axis2=2), shape=shape)
    if not isinstance(input, Value) or shuffled.op == "":  # (an array, or nothing recorded: a leaf)
        return shuffled
    return shown_as(shuffled, input, "ChannelShuffleBackward0")  # PyTorch's one node over the input


class ChannelShuffle(Module):
    """ChannelShuffle(groups): `channel_shuffle` as a layer."""

    def __init__(self, groups):
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
