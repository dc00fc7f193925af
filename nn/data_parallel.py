"""`DataParallel`: PyTorch's single-process, multi-GPU wrapper, as PyTorch runs it on a machine without GPUs.

    model = Net()
    if device == 'cuda':                   # the usual guard (pytorch-cifar, the ImageNet example)
        model = nn.DataParallel(model)
    model = nn.DataParallel(model)         # without the guard: the model itself runs, nothing is split

PyTorch's DataParallel splits each batch over the visible GPUs; with none (always the case here) it keeps no
devices and its forward calls the wrapped module, which is what this one does. The model is the child `module`,
so `state_dict()` names its entries `module.<name>`, as PyTorch's does (`model.module.state_dict()` gives the
plain names). For training over several processes, see `nn.parallel.DistributedDataParallel`.
"""

from __future__ import annotations

from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wrap `module` as PyTorch's DataParallel without GPUs: calling the wrapper calls the module.

    DataParallel(module, device_ids=None, output_device=None, dim=0)

    device_ids, output_device, dim: accepted and unused (there is no device to split a batch over, as for PyTorch's
    DataParallel on a machine without GPUs: `device_ids` is then []). `wrapper.module` is the model.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module, got {type(module).__name__}")
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        """module(*inputs, **kwargs): the whole batch, on the CPU."""
        return self.module(*inputs, **kwargs)
