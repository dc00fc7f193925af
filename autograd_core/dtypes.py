"""PyTorch's dtype names (`float32`, ..., `bfloat16`, which NumPy lacks), the type names of `x.type()`
('torch.FloatTensor'), and the defaults new tensors take: DEFAULTS (the default float dtype, and the default
generator's NumPy generator and seed, shared with generator.py and nn.init), set_default_dtype, set_default_device.

Apart from tensor.py (the factories) because nearly every module reads DEFAULTS, many of them lazily inside
functions: this module imports nothing of the factories, so reading the defaults loads no more than it needs.
"""

from __future__ import annotations

import numpy as np

from .tensor_methods import Device, on_cpu

# dtype names (PyTorch's): NumPy dtypes.
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)


class _DtypeNumPyLacks:
    """A PyTorch dtype NumPy has no type for (bfloat16): a name that scripts can put in a dict and compare with
    (`x.dtype == torch.bfloat16` is False for every tensor here), and a TypeError saying why wherever it would make
    an array: NumPy reads `.dtype` of any object it is given as a dtype."""

    def __init__(self, name, instead, floating=True):
        self.name, self._instead, self._floating = name, instead, floating

    @property
    def dtype(self):
        raise TypeError(f"{self.name}: NumPy has no {self.name} type, so no tensor can hold one here; use "
                        f"{self._instead} instead")

    @property
    def is_floating_point(self):
        return self._floating

    @property
    def is_complex(self):
        return not self._floating

    def __repr__(self):
        return f"torch.{self.name}"


bfloat16 = _DtypeNumPyLacks("bfloat16", "float32 (which holds every bfloat16 number exactly) or float16")
complex32 = _DtypeNumPyLacks("complex32", "complex64", floating=False)
DTYPE_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
                 "short": int16, "bool": bool_, "cfloat": complex64, "cdouble": complex128}

# The default generator and float dtype, shared with nn.init (layers' weights draw from the same generator).
DEFAULTS = {"rng": np.random.default_rng(0), "dtype": float32, "seed": 0}

device = Device

# PyTorch's names of a tensor's type by dtype (x.type(), torch.typename(x)); the complex and unsigned ones have no
# constructor, but x.type('torch.ComplexFloatTensor') converts, as in PyTorch.
_TYPE_NAMES = {np.dtype(d): name for d, name in (
    (np.float32, "FloatTensor"), (np.float64, "DoubleTensor"), (np.float16, "HalfTensor"),
    (np.complex64, "ComplexFloatTensor"), (np.complex128, "ComplexDoubleTensor"), (np.int64, "LongTensor"),
    (np.int32, "IntTensor"), (np.int16, "ShortTensor"), (np.int8, "CharTensor"), (np.uint8, "ByteTensor"),
    (np.bool_, "BoolTensor"), (np.uint16, "UInt16Tensor"), (np.uint32, "UInt32Tensor"),
    (np.uint64, "UInt64Tensor"))}
_DTYPES_BY_TYPE_NAME = {name: d for d, name in _TYPE_NAMES.items()}


def type_name(dtype):
    """PyTorch's name of the type of a tensor of `dtype` without 'torch.': 'FloatTensor', 'ComplexDoubleTensor', ..."""
    return _TYPE_NAMES[np.dtype(dtype)]


def dtype_of_type_name(name):
    """The dtype a type name stands for in x.type(name): 'torch.FloatTensor' (and its siblings), 'torch.Tensor' (the
    default dtype); ValueError with PyTorch's words for any other string ('float64', 'torch.float64')."""
    if name == "torch.Tensor":
        return np.dtype(DEFAULTS["dtype"])
    if name.startswith("torch.cuda."):
        raise RuntimeError(f"x.type({name!r}): there is no GPU here (CUDA types are not supported)")
    dtype = _DTYPES_BY_TYPE_NAME.get(name[len("torch."):]) if name.startswith("torch.") else None
    if dtype is None:
        raise ValueError(f"invalid type: {name!r}")
    return dtype

def set_default_dtype(d):
    """The float dtype of new factories' and layers' Values (float32 unless changed) becomes d."""
    dtype = np.dtype(d)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: {dtype} is not a float dtype")
    DEFAULTS["dtype"] = dtype


def get_default_dtype():
    """The float dtype that factories and Python floats use when no dtype is given (float32 by default)."""
    return DEFAULTS["dtype"]


def set_default_device(device):
    """PyTorch's default device of new tensors. Only the CPU exists here: "cpu", `device("cpu")` and None (PyTorch's
    reset) are accepted and change nothing (the NLP-from-scratch tutorial's `torch.set_default_device(device)` after
    choosing the CPU); any other device raises RuntimeError."""
    if device is not None:
        on_cpu(device)


def get_default_device():
    """The device new tensors are made on: always the CPU here."""
    return Device("cpu")
