"""`nn.utils.convert_conv2d_weight_memory_format` and `convert_conv3d_weight_memory_format`: PyTorch's way to put the
weights of a model's convolutions in channels-last memory before training in that layout.

A Value's memory order changes no numbers here (NumPy computes every layout alike), so the conversion checks its
arguments as PyTorch does and leaves the weights as they are; the calls of PyTorch code run unchanged.
"""

from __future__ import annotations

from autograd_core.tensor_attributes import channels_last, channels_last_3d, check_memory_format

from ..conv import Conv2d, ConvTranspose2d
from ..conv3d import Conv3d, ConvTranspose3d

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, kinds, rank):
    check_memory_format(memory_format, "clone")
    if memory_format is None:
        raise TypeError("clone(): argument 'memory_format' must be torch.memory_format, not NoneType")
    # the format of the other rank: PyTorch's clone of the weight refuses it
    wrong, needs = (channels_last_3d, "rank 5 tensor to use channels_last_3d") if rank == 4 else (
        channels_last, "rank 4 tensor to use channels_last")
    if memory_format is wrong and any(isinstance(m, kinds) for m in module.modules()):
        raise RuntimeError(f"required {needs} format")
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Put the weight of every Conv2d and ConvTranspose2d in `module` (itself included) in `memory_format`
    (torch.channels_last, torch.contiguous_format, ...): nothing to move here (see the module's docstring).
    channels_last_3d, a 5-D format, raises RuntimeError for a module that has one. Returns module."""
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d), 4)


def convert_conv3d_weight_memory_format(module, memory_format):
    """Put the weight of every Conv3d and ConvTranspose3d in `module` (itself included) in `memory_format`
    (torch.channels_last_3d, torch.contiguous_format, ...): nothing to move here. channels_last, a 4-D format,
    raises RuntimeError for a module that has one. Returns module."""
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d), 5)
