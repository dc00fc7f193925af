"""What a module sets on everything below it: training or evaluation mode (`train`, `eval`), gradients
(`requires_grad_`, `zero_grad`), and the device and dtype of its parameters and buffers (`to`, `double`, `float`,
`half`, `cpu`, `cuda`, ...), as PyTorch's.

Apart from module.py, which holds `Module`'s registration, walking and printing, because these are switches over the
parameters, buffers and modules that walking finds. `Module`'s methods for them are written in a class body here,
word for word as they were in its body, and copied onto it (module.py imports this module at its end).
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd_core.sparse_array import SparseData
from autograd_core.tensor_methods import on_cpu
from autograd_core.python_numbers import complex_values_exist
from autograd_core.jit import effect
from autograd_core.method_families import attach_methods

from .module import Module, _with_tensor_methods


_COMPLEX_MODULES_WARNING = (
    "Complex modules are a new feature under active development whose design may change, and some modules might not "
    "work as expected when using complex tensors as parameters or buffers. Please file an issue at "
    "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml if a complex module does not work as "
    "expected.")  # PyTorch's words, from Module.to(complex dtype)


def _cast_array(array, dtype, warn=True):
    """array as `dtype`; complex to real keeps the real parts, with PyTorch's warning (warn=False: without it). A sparse
    parameter's data (SparseData) or gradient converts its values."""
    if isinstance(array, SparseData):
        return array if array.dtype == dtype else array.astype(dtype)
    if getattr(array, "is_sparse", False):  # a sparse gradient (nn.Embedding(sparse=True)'s)
        return array.to(dtype)
    array = np.asarray(array)
    if array.dtype.kind == "c" and dtype.kind != "c":
        if warn:
            warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
        array = array.real
    return np.asarray(array, dtype=dtype)


class _Modes:
    # ------------------------------------------------------------------------------------------------
    # Modes and gradients.

    # An effect: a compiled step that starts with model.train() (or model.eval()) calls it again at each replay, and
    # does not guard the `training` flags it sets before the modules run.
    @effect(idempotent=True, updates=lambda self: [(module, "training") for module in self.modules()])
    def train(self, mode=True):
        """Training mode for this module and everything below it (Dropout drops, BatchNorm uses batch
        statistics). Returns self. mode must be a bool (ValueError otherwise, as PyTorch)."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: same as `train(False)`. Returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` on every parameter of this module and those below it; returns self.

        `model.backbone.requires_grad_(False)` freezes a part of a model for fine-tuning, as in PyTorch: its
        parameters get no gradient, and an optimizer given only the trainable ones leaves them alone.
        """
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    @effect(idempotent=True)  # autograd_core.compile replays it as a call
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient to None (the next backward pass starts from zero); set_to_none=False
        fills the gradients there are with zeros instead, as PyTorch's."""
        for param in self.parameters():
            grad = param.grad
            if set_to_none or grad is None:
                param.grad = None
            elif getattr(grad, "is_sparse", False):
                grad.zero_()  # PyTorch's sparse zero_, in place: no entries left
            else:
                param.grad = np.zeros_like(np.asarray(getattr(grad, "data", grad)))

    def share_memory(self):
        """Refused with NotImplementedError, as a parameter's `share_memory_()` is: a module sent to another process is
        a pickled copy, so Hogwild training (processes updating one shared model) would train copies."""
        from autograd_core.tensor_attributes import SHARED_MEMORY_REFUSED

        raise NotImplementedError(f"Module.share_memory: {SHARED_MEMORY_REFUSED}")

    def cpu(self):
        """The module itself: its parameters and buffers are in the CPU's memory (PyTorch's `model.cpu()`)."""
        return self

    def cuda(self, device=None):
        """PyTorch's move to a GPU: there is none here, so this raises, as `model.to("cuda")` does."""
        return self.to("cuda" if device is None else device if isinstance(device, str) else f"cuda:{device}")

    def to_empty(self, *, device, recurse=True):
        """PyTorch's `model.to_empty(device=...)`: parameters and buffers moved to `device` without their values
        (PyTorch's hold whatever memory held after it, to be filled by `load_state_dict` or `param.copy_`). The CPU
        is the only device (others raise RuntimeError) and every tensor is there already, so they stay as they are,
        the same objects. Returns self."""
        if device is not None:
            on_cpu(device)
        return self

    def to(self, *args, **kwargs):
        """PyTorch's `model.to(device)` / `model.to(dtype)`: 'cpu' is the only device (others raise); a float or
        complex dtype converts every parameter's data (the same Parameter objects) and every floating-point or
        complex buffer (BatchNorm's running statistics; integer ones such as num_batches_tracked stay). As PyTorch's:
        a complex dtype warns that complex modules are new, and a real one given complex parameters drops their
        imaginary parts, with a warning. Returns self."""
        from autograd_core import device as _device

        dtype = kwargs.get("dtype")
        for arg in (*args, kwargs.get("device")):
            if isinstance(arg, (str, _device)):
                on_cpu(arg)
            elif arg is not None:
                dtype = arg
        if dtype is not None and np.dtype(dtype).kind not in "fc":
            # PyTorch's check: integer parameters would take no gradient steps (and truncate the weights)
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={np.dtype(dtype)}")
        if dtype is not None:
            if np.dtype(dtype).kind == "c":
                warnings.warn(_COMPLEX_MODULES_WARNING, UserWarning, stacklevel=2)
            self._cast(np.dtype(dtype), "fc")
        return self

    def _cast(self, dtype, kinds):
        """Every parameter and buffer whose dtype kind is among `kinds` ('f' floating, 'c' complex) to `dtype`."""
        if dtype.kind == "c":
            complex_values_exist()
        for param in self.parameters():
            if param.data.dtype.kind in kinds:
                grad = param.grad
                param.data = _cast_array(param.data, dtype)
                if grad is not None and grad.dtype != dtype:
                    # As PyTorch's Module._apply: the gradient is converted with its parameter (the same numbers in
                    # the new dtype; an accumulated gradient survives `model.double()`), warning once per parameter
                    param.grad = _cast_array(grad, dtype, warn=False)
        for module in self.modules():
            for name in module._buffers:
                buffer = getattr(module, name)
                if buffer is not None and np.asarray(buffer).dtype.kind in kinds:
                    object.__setattr__(module, name, _with_tensor_methods(_cast_array(buffer, dtype)))

    def double(self):
        """Every floating-point parameter and buffer to float64 (complex ones stay, as PyTorch's). Returns self."""
        self._cast(np.dtype(np.float64), "f")
        return self

    def float(self):  # (a method: inside the class body below this line, `float` is this function)
        """Every floating-point parameter and buffer to float32 (complex ones stay, as PyTorch's). Returns self."""
        self._cast(np.dtype(np.float32), "f")
        return self

    def half(self):
        """Every floating-point parameter and buffer to float16 (complex ones stay, as PyTorch's). Returns self."""
        self._cast(np.dtype(np.float16), "f")
        return self

    def bfloat16(self):
        """PyTorch's `to(torch.bfloat16)`: a TypeError saying why (NumPy has no bfloat16) and what to use instead;
        the module is unchanged."""
        import autograd_core

        return self.to(autograd_core.bfloat16)

    def type(self, dst_type):
        """Every parameter and floating-point buffer to dst_type (a float dtype): `to(dst_type)`, as PyTorch's
        Module.type. Returns self."""
        return self.to(dst_type)


attach_methods(_Modes, Module)
