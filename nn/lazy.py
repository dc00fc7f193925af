"""Lazy modules (PyTorch's LazyLinear, LazyConv*d, LazyConvTranspose*d, LazyBatchNorm*d, LazyInstanceNorm*d): layers
whose input size (in_features, in_channels, num_features) is read from the first input they see.

    layer = nn.LazyLinear(10)          # weight and bias are nn.UninitializedParameter until the first call
    opt = optim.Adam(model.parameters())   # allowed before the first call, as in PyTorch
    layer(x)                           # in_features = x.shape[-1]; layer is now an nn.Linear

At the first call the layer builds the ordinary layer of the inferred size (its own initialisation, with the `rng` it
was given), fills its uninitialized parameters with that layer's arrays *in place* (so an optimizer made before the
call updates them), takes over its other attributes and becomes it: `type(layer)` is `Linear` from then on, as in
PyTorch. `load_state_dict` into a layer not called yet takes the shapes of the checkpoint's arrays (module_state.py).
"""

from __future__ import annotations

import numpy as np

from autograd_core.jit import effect

from . import init
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .conv3d import Conv3d, ConvTranspose3d
from .instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear
from .module import Parameter, check_device
from .norm import BatchNorm1d, BatchNorm2d, BatchNorm3d

_UNINITIALIZED = ("Can't access the shape of an uninitialized parameter or buffer. Call `forward` to initialize the "
                  "parameters before accessing their attributes.")


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (PyTorch's nn.UninitializedParameter): data is an empty array of the
    given dtype and reading `.shape` raises RuntimeError. `materialize(shape)` gives it uninitialised data of that
    shape and turns it into an ordinary Parameter (the same object: optimizers holding it see the change)."""

    __slots__ = ()
    is_uninitialized = True

    def __init__(self, requires_grad=True, dtype=None):
        Parameter.__init__(self, np.empty(0, init.resolve_dtype(dtype)))

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED)

    def materialize(self, shape, dtype=None):
        """Become a Parameter of `shape` (and `dtype`, default: the one given at construction), uninitialised."""
        self.data = np.empty(tuple(shape), self.data.dtype if dtype is None else init.resolve_dtype(dtype))
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


class UninitializedBuffer(np.ndarray):
    """A buffer whose shape is not known yet (PyTorch's nn.UninitializedBuffer): an empty array until its lazy module
    sees its first input. Buffers here are plain arrays, so `materialize(shape)` returns the new array (the module
    keeps it) rather than changing this one."""

    is_uninitialized = True

    def __new__(cls, requires_grad=False, dtype=None):
        return np.empty(0, init.resolve_dtype(dtype)).view(cls)

    def materialize(self, shape, dtype=None):
        return np.empty(tuple(shape), self.dtype if dtype is None else dtype)

    def __repr__(self):
        return "<UninitializedBuffer>"


def _uninitialized(value):
    return getattr(value, "is_uninitialized", False) is True


# Attributes of the lazy module that the module it becomes must not replace.
_OWN = frozenset({"training", "_module_hooks", "_name", "_non_persistent", "_lazy_args", "_lazy_kwargs"})


class LazyModuleMixin:
    """Shared by the lazy layers: `cls_to_become` is the layer they turn into; `_in_size(input)` reads its first
    argument from the input; `_lazy_args`/`_lazy_kwargs` hold the constructor's other arguments."""

    cls_to_become = None

    def has_uninitialized_params(self):
        """Whether some parameter or buffer of this module still waits for its shape."""
        return any(_uninitialized(value) for value in vars(self).values())

    def initialize_parameters(self, input, *args, **kwargs):
        """Build `cls_to_become` with the size read from `input` and take its parameters (in place), buffers and
        attributes; parameters and buffers already set (by load_state_dict) are kept."""
        built = self.cls_to_become(self._in_size(input), *self._lazy_args, **self._lazy_kwargs)
        for name, value in vars(built).items():
            current = self.__dict__.get(name)
            if name in _OWN:
                continue
            if isinstance(current, UninitializedParameter):
                current.materialize(value.shape, value.dtype)
                current.data[...] = value.data
            elif isinstance(current, Parameter) or (name in self._buffers and current is not None
                                                    and not _uninitialized(current)):
                continue  # already given (a checkpoint)
            else:
                object.__setattr__(self, name, value)

    def forward(self, input, *args, **kwargs):
        """The first call: infer the size, become `cls_to_become`, then run its forward."""
        self._become(input)
        return self.forward(input, *args, **kwargs)

    # An effect: a compiled step whose first recorded call makes the layer keeps it out of the program (the replay
    # calls it again, and it does nothing then), and the parameters' new data is not a hand-written update.
    @effect(idempotent=True)
    def _become(self, input):
        if not isinstance(self, LazyModuleMixin):
            return  # done already (a compiled step's replay)
        self.initialize_parameters(input)
        for name in ("_lazy_args", "_lazy_kwargs"):
            self.__dict__.pop(name, None)
        self.__class__ = self.cls_to_become

    def _lazy_setup(self, args, kwargs, names):
        """Keep the constructor's arguments and make the parameters and buffers in `names` uninitialized."""
        object.__setattr__(self, "_lazy_args", tuple(args))
        object.__setattr__(self, "_lazy_kwargs", dict(kwargs))
        dtype = kwargs.get("dtype")
        for name in names:
            value = getattr(self, name, None)
            if isinstance(value, Parameter):
                setattr(self, name, UninitializedParameter(dtype=dtype))
            elif value is not None and name in self._buffers:
                object.__setattr__(self, name, UninitializedBuffer(dtype=dtype))


# ----------------------------------------------------------------------------------------------------
# Linear


class LazyLinear(LazyModuleMixin, Linear):
    """LazyLinear(out_features, bias=True, device=None, dtype=None, rng=None): a Linear whose in_features is the last
    axis of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None, rng=None):
        check_device(device)
        Linear.__init__(self, 0, out_features, bias, dtype=dtype, rng=0)
        self._lazy_setup((out_features,), dict(bias=bias, rng=rng, dtype=dtype), ("weight", "bias"))

    @staticmethod
    def _in_size(input):
        return np.shape(input)[-1]


# ----------------------------------------------------------------------------------------------------
# Convolutions: in_channels is the channel axis of the first input (batched or not).


class _LazyConv(LazyModuleMixin):
    def _lazy_conv(self, out_channels, kernel_size, kwargs):
        groups = kwargs.get("groups", 1)
        # A placeholder of the right type (in_channels = groups, the smallest valid), built by the layer it becomes.
        self.cls_to_become.__init__(self, groups, out_channels, kernel_size, **dict(kwargs, rng=0))
        self.in_channels = 0
        self._lazy_setup((out_channels, kernel_size), kwargs, ("weight", "bias"))

    def _in_size(self, input):
        shape = np.shape(input)
        return shape[len(shape) - self._nd - 1]


class LazyConv1d(_LazyConv, Conv1d):
    """LazyConv1d(out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', device=None, dtype=None, rng=None): a Conv1d whose in_channels comes from its first input."""

    cls_to_become = Conv1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, rng=None):
        check_device(device)
        self._lazy_conv(out_channels, kernel_size, dict(stride=stride, padding=padding, dilation=dilation,
                                                        groups=groups, bias=bias, padding_mode=padding_mode, rng=rng,
                                                        dtype=dtype))


class LazyConv2d(_LazyConv, Conv2d):
    """LazyConv2d(out_channels, kernel_size, ...): a Conv2d whose in_channels comes from its first input."""

    cls_to_become = Conv2d
    __init__ = LazyConv1d.__init__


class LazyConv3d(_LazyConv, Conv3d):
    """LazyConv3d(out_channels, kernel_size, ...): a Conv3d whose in_channels comes from its first input."""

    cls_to_become = Conv3d
    __init__ = LazyConv1d.__init__


class LazyConvTranspose1d(_LazyConv, ConvTranspose1d):
    """LazyConvTranspose1d(out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
    dilation=1, padding_mode='zeros', device=None, dtype=None, rng=None): a ConvTranspose1d whose in_channels comes
    from its first input."""

    cls_to_become = ConvTranspose1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None, rng=None):
        check_device(device)
        self._lazy_conv(out_channels, kernel_size, dict(stride=stride, padding=padding, output_padding=output_padding,
                                                        groups=groups, bias=bias, dilation=dilation,
                                                        padding_mode=padding_mode, rng=rng, dtype=dtype))


class LazyConvTranspose2d(_LazyConv, ConvTranspose2d):
    """LazyConvTranspose2d(out_channels, kernel_size, ...): a ConvTranspose2d whose in_channels comes from its first
    input."""

    cls_to_become = ConvTranspose2d
    __init__ = LazyConvTranspose1d.__init__


class LazyConvTranspose3d(_LazyConv, ConvTranspose3d):
    """LazyConvTranspose3d(out_channels, kernel_size, ...): a ConvTranspose3d whose in_channels comes from its first
    input."""

    cls_to_become = ConvTranspose3d
    __init__ = LazyConvTranspose1d.__init__


# ----------------------------------------------------------------------------------------------------
# Normalisation: num_features is the channel axis of the first input.


class _LazyNorm(LazyModuleMixin):
    _rank = 2  # the input's rank when batched (BatchNorm: axis 1 always)

    def _lazy_norm(self, kwargs):
        self.cls_to_become.__init__(self, 0, **kwargs)
        self._lazy_setup((), kwargs, ("weight", "bias", "running_mean", "running_var"))

    def _in_size(self, input):
        shape = np.shape(input)
        return shape[0] if len(shape) == self._rank - 1 else shape[1]


class LazyBatchNorm1d(_LazyNorm, BatchNorm1d):
    """LazyBatchNorm1d(eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
    bias=True): a BatchNorm1d
    whose num_features is axis 1 of its first input (weight, bias, running_mean, running_var uninitialized until
    then; num_batches_tracked is 0)."""

    cls_to_become = BatchNorm1d

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        check_device(device)
        self._lazy_norm(dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track_running_stats,
                             dtype=dtype, bias=bias))


class LazyBatchNorm2d(_LazyNorm, BatchNorm2d):
    """LazyBatchNorm2d(eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None)."""

    cls_to_become = BatchNorm2d
    __init__ = LazyBatchNorm1d.__init__


class LazyBatchNorm3d(_LazyNorm, BatchNorm3d):
    """LazyBatchNorm3d(eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None)."""

    cls_to_become = BatchNorm3d
    __init__ = LazyBatchNorm1d.__init__


class LazyInstanceNorm1d(_LazyNorm, InstanceNorm1d):
    """LazyInstanceNorm1d(eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None): an
    InstanceNorm1d whose num_features is the channel axis of its first input ((N, C, L) or (C, L)). Note PyTorch's
    defaults here, affine=True and track_running_stats=True, unlike InstanceNorm1d's."""

    cls_to_become = InstanceNorm1d
    _rank = 3
    __init__ = LazyBatchNorm1d.__init__


class LazyInstanceNorm2d(_LazyNorm, InstanceNorm2d):
    """LazyInstanceNorm2d(eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None)."""

    cls_to_become = InstanceNorm2d
    _rank = 4
    __init__ = LazyBatchNorm1d.__init__


class LazyInstanceNorm3d(_LazyNorm, InstanceNorm3d):
    """LazyInstanceNorm3d(eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None)."""

    cls_to_become = InstanceNorm3d
    _rank = 5
    __init__ = LazyBatchNorm1d.__init__


__all__ = [
    "UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d",
    "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
    "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
]
