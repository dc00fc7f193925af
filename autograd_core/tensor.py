"""PyTorch's factories, dtype names and functions, so that `import autograd_core as torch` runs PyTorch code.

    x = autograd_core.linspace(-1, 1, 100)             # float32, like PyTorch
    w = autograd_core.randn(3, 4, requires_grad=True)
    autograd_core.cat([x, x], dim=0); autograd_core.max(w, dim=1)   # (values, indices)

Factories make float32 Values unless told otherwise (`dtype=`, or `set_default_dtype(float64)`), as PyTorch
and `nn`'s layers do; `tensor(data)` keeps the dtype of NumPy data and makes Python integers int64 and
Python floats the default float dtype. Random numbers come from one NumPy generator, seeded by
`manual_seed` (the same generator `nn.init` draws layer weights from): seeded runs repeat exactly, but
they do not draw PyTorch's numbers. `device=` accepts only the CPU. dtypes are NumPy dtypes
(`autograd_core.float32 is np.dtype('float32')`), so `x.dtype == autograd_core.float32` works.
"""

from __future__ import annotations

import builtins
import numbers
import operator
import warnings

import numpy as np

from .engine import ShapeError
from .errors import ArgumentError, warn_if_no_degrees_of_freedom
from . import backends  # noqa: F401  (torch.backends: modules, so that `import torch.backends.cudnn` works)
from . import ops
from .ops.reduce import refuse_integral_spread
from .modes import GRAD_ENABLED, inference_mode  # noqa: F401  (torch.inference_mode)
from .tensor_methods import Device, MaxMin, Size, check_matrices, on_cpu, reduce_args  # noqa: F401  (MaxMin: the type of max(x, dim))
from .tensor_attributes import check_memory_format  # memory_format= of the *_like factories: names, no numbers
from .tensor_inputs import refuse_array, refuse_overflow, tensor_sequence, tensors_read_as_numbers
from .value import Value, wrapped

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


class _TensorType(type):
    """The type of `Tensor`: every Value is an instance (`isinstance(x, torch.Tensor)`), Value and its subclasses
    are subclasses, and Tensor has Value's methods (`torch.Tensor.add(x, y)`), as it is a subclass of Value."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Value)

    def __subclasscheck__(cls, sub):
        return isinstance(sub, type) and issubclass(sub, Value)


class Tensor(Value, metaclass=_TensorType):
    """PyTorch's `torch.Tensor`: the node type for isinstance and its methods (it is `Value`), and, called, PyTorch's
    legacy constructor: `Tensor(data)` is `tensor(data, dtype=get_default_dtype())`, float32 by default, and needs no
    gradient (where `Value(data)` keeps float64 and requires one, micrograd's way); `Tensor(*sizes)` and
    `Tensor(x.size())` (a torch.Size; a plain tuple is data) are zeros of that shape (PyTorch leaves the memory
    uninitialised); `Tensor()` is empty. No object of this class is made:
    calls return Values."""

    __slots__ = ()

    def __new__(cls, *args, device=None):
        return _legacy_value("Tensor", DEFAULTS["dtype"], args, device)


class _LegacyTensorType(type):
    """The type of PyTorch's legacy typed constructors (`torch.LongTensor`, `torch.FloatTensor`, ...): a Value of
    that dtype is an instance (`isinstance(torch.tensor([1]), torch.LongTensor)` is True, as in PyTorch)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Value) and obj.data.dtype == cls.dtype


def _legacy_new(cls, *args, device=None):
    return _legacy_value(cls.__name__, cls.dtype, args, device)


def _legacy_value(name, dtype, args, device):
    """What PyTorch's legacy constructors (torch.Tensor, torch.LongTensor, ...) make: a Value of `dtype` without
    gradient from data (a sequence, an array or a Value), or zeros of the sizes given (integers, or one torch.Size:
    `torch.Tensor(x.size())` is a tensor of x's shape, where a plain tuple is data), or an empty one."""
    if device is not None:
        on_cpu(device)
    if len(args) == 1 and isinstance(args[0], Size):  # PyTorch's overload (tuple of ints size) takes a Size only
        return zeros(tuple(args[0]), dtype=dtype)
    if len(args) == 1 and isinstance(args[0], numbers.Number) and not isinstance(args[0], numbers.Integral):
        kind = type(args[0])
        kind = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise TypeError(f"new(): data must be a sequence (got {kind}) ({name}({args[0]!r}): give "
                        f"data as a list, {name}([{args[0]!r}]), or sizes as integers)")
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):  # data: a sequence, an array or a Value
        return tensor(args[0].data if isinstance(args[0], Value) else args[0], dtype=dtype)  # (no copy warning)
    if not builtins.all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in args):
        raise TypeError(f"{name}(): expected data (a sequence or an array) or sizes (integers), got {args!r}")
    return zeros(*args, dtype=dtype) if args else zeros(0, dtype=dtype)


def _legacy_type(name, dtype):
    doc = (f"PyTorch's legacy constructor `torch.{name}`: {name}(data) is tensor(data, dtype={dtype}) (the name-"
           f"generation tutorial's `torch.LongTensor(letter_indexes)`), {name}(*sizes) or {name}(x.size()) a {dtype} "
           "Value of that shape "
           "(zeros, where PyTorch leaves memory uninitialised), no gradient; `x.type(torch." + name + ")` converts.")
    return _LegacyTensorType(name, (), {"dtype": np.dtype(dtype), "__new__": _legacy_new, "__doc__": doc,
                                        "__module__": __name__})


FloatTensor, DoubleTensor, HalfTensor = (_legacy_type(n, d) for n, d in (
    ("FloatTensor", np.float32), ("DoubleTensor", np.float64), ("HalfTensor", np.float16)))
LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (_legacy_type(n, d) for n, d in (
    ("LongTensor", np.int64), ("IntTensor", np.int32), ("ShortTensor", np.int16), ("CharTensor", np.int8),
    ("ByteTensor", np.uint8), ("BoolTensor", np.bool_)))


def _legacy_types():
    """The legacy constructors by name ('LongTensor' -> LongTensor), for `x.type('torch.LongTensor')`."""
    return {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                                    CharTensor, ByteTensor, BoolTensor)}


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


def manual_seed(seed):
    """Seed the generator that `randn`, `rand`, `randint`, shuffling DataLoaders, dropout and nn's layer
    initialisation draw from, and return it: `default_generator`, as PyTorch's returns torch.default_generator. It is
    the same object before and after, and so is the NumPy generator it draws from, reseeded: code holding either (a
    compiled step replaying a dropout) draws the new sequence.

    seed: as PyTorch takes it, anything int() takes ("42", 1.9 -> 1), a 64-bit integer: a negative one is its two's
    complement (-1 -> 2**64 - 1, initial_seed() says so), beyond 64 bits PyTorch's ValueError."""
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError(f"Overflow when unpacking long long (manual_seed: a seed has 64 bits, got {seed})")
    return default_generator.manual_seed(seed % 2 ** 64)


def _reseeded(rng, seed):
    """rng (a NumPy Generator) reseeded in place to draw what `np.random.default_rng(seed)` draws; a new generator
    if rng's bit generator is of another kind."""
    fresh = np.random.default_rng(seed)
    if type(rng.bit_generator) is not type(fresh.bit_generator):
        return fresh
    rng.bit_generator.state = fresh.bit_generator.state
    return rng


def get_rng(rng=None):
    """`rng` as a NumPy Generator: None -> the default generator, an int -> a new seeded one, a Generator
    (NumPy's or ours) -> itself."""
    if rng is None:
        return DEFAULTS["rng"]
    if isinstance(rng, Generator):
        return rng.rng
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or a np.random.Generator, not {type(rng).__name__}")


class Generator:
    """PyTorch's `torch.Generator` (for `DataLoader(generator=...)`, `randn(generator=...)`): a NumPy generator
    (`rng`) and the seed it was last seeded with. `default_generator` is the one that draws when none is given."""

    def __init__(self, device="cpu"):
        on_cpu(device)
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self._numbers = {"rng": np.random.default_rng(seed), "seed": seed}

    @property
    def rng(self):
        """The NumPy Generator this one draws from: the same object after manual_seed."""
        return self._numbers["rng"]

    @property
    def device(self):
        """The CPU: there are no others here."""
        return Device("cpu")

    def manual_seed(self, seed):
        """Reseed (in place: the same NumPy generator, as a compiled step may hold it); returns the generator."""
        self._numbers["rng"] = _reseeded(self._numbers["rng"], seed)
        self._numbers["seed"] = seed
        return self

    def initial_seed(self):
        """The seed this generator was made with or last seeded with."""
        return self._numbers["seed"]

    def seed(self):
        """Seed with a non-deterministic number, and return it."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))
        return self.initial_seed()

    def get_state(self):
        """The generator's state, as a uint8 Value (see set_rng_state)."""
        return ops.sampling.state_of(self.rng)

    def set_state(self, new_state):
        """Restore a state get_state returned; returns the generator."""
        ops.sampling.restore_state(self.rng, new_state)
        return self


def _default_generator():
    """PyTorch's `torch.default_generator`: a Generator whose numbers are DEFAULTS' (its "rng" and "seed"), so that
    torch.manual_seed, torch.initial_seed, get_rng_state and nn.init, which read DEFAULTS, and this object are one
    generator under every name."""
    generator = Generator.__new__(Generator)
    generator._numbers = DEFAULTS
    return generator


default_generator = _default_generator()


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


def _resolve(dtype):
    return DEFAULTS["dtype"] if dtype is None else np.dtype(dtype)


def _floating(dtype, name):
    """dtype, which must be a float: rand, randn and their _like forms of integers raise as PyTorch's (NumPy's cast
    would silently give zeros)."""
    if dtype.kind != "f":
        raise NotImplementedError(f"{name}(): not implemented for dtype {dtype} (a floating dtype is needed)")
    return dtype


def _draws(draw, shape, dtype, name):
    """draw(shape) (a NumPy generator's standard_normal or random) in float `dtype`; for a complex dtype, PyTorch's
    complex draws: real and imaginary parts drawn independently, the normal ones scaled by √½ so that E|z|² = 1."""
    if dtype.kind == "c":
        parts = draw(tuple(shape) + (2,))
        if draw.__name__ == "standard_normal":
            parts *= np.sqrt(0.5)
        return (parts[..., 0] + 1j * parts[..., 1]).astype(dtype)
    return draw(shape).astype(_floating(dtype, name))


def _random(draw, requires_grad, device_, **how):
    """A sample draw(**how) as _make makes a Value, drawn through ops.sampling.sample: a compiled step draws anew at
    each replay. The dtype is checked first, so that a refused one raises before anything is drawn."""
    if device_ is not None:
        on_cpu(device_)
    if "name" in how and how["dtype"].kind != "c":  # (rand and randn: complex numbers are drawn as two parts)
        _floating(how["dtype"], how["name"])
    if requires_grad and how["dtype"].kind not in "fc":
        raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients (not "
                           f"{how['dtype']})")
    return ops.sampling.sample(draw, requires_grad=requires_grad, **how)


def _normal_draws(*, shape, dtype, name, generator):
    return _draws(get_rng(generator).standard_normal, shape, dtype, name)


def _uniform_draws(*, shape, dtype, name, generator):
    return _draws(get_rng(generator).random, shape, dtype, name)


def _make(data, requires_grad, device_):
    if device_ is not None:
        on_cpu(device_)
    data = np.asarray(data)
    if requires_grad and data.dtype.kind not in "fc":
        raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients (not "
                           f"{data.dtype})")
    return Value(data[()] if data.ndim == 0 else data, requires_grad=bool(requires_grad), dtype=data.dtype)


def _shape(size, keyword=None, name=None):
    """The shape from a factory's sizes: ints (`zeros(2, 3)`), one sequence (`zeros((2, 3))`), or PyTorch's
    keyword (`zeros(size=(2, 3))`, passed as `keyword`; `name` is the factory's, for the error of giving both)."""
    if keyword is not None:
        if size:
            raise TypeError(f"{name}(): give the sizes either as arguments or as size=, not both")
        size = (keyword,)
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = size[0]
    try:
        shape = tuple(map(operator.index, size))  # ints (NumPy's, 0-d integer Values): not floats, which int() cuts
    except TypeError:
        raise TypeError(_not_sizes(size, name)) from None
    if builtins.any(n < 0 for n in shape):  # (`any` here is torch.any)
        ours = f"({name or 'factory'}(): negative dimensions are not allowed, got size {shape})"
        if name == "zeros":  # PyTorch's zeros checks the sizes in words of its own
            raise ArgumentError(f"zeros: Dimension size must be non-negative. {ours}")
        negative = next(n for n in shape if n < 0)
        raise ArgumentError(f"Trying to create tensor with negative dimension {negative}: {list(shape)} {ours}")
    return shape


def _not_sizes(size, name):
    """PyTorch's TypeError for sizes that are not ints (`torch.randn(n / 2, 3)`), with our hint."""
    name = name or "factory"
    hint = " (sizes must be ints: n / 2 is a float, write n // 2 or int(...))"
    if not isinstance(size, (list, tuple)):
        return f"{name}(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}{hint}"
    for i, n in enumerate(size):
        try:
            operator.index(n)
        except TypeError:
            kind = "Tensor" if isinstance(n, Value) else type(n).__name__
            return (f"{name}(): argument 'size' (position 1) must be tuple of ints, but found element of type "
                    f"{kind} at pos {i}{hint}")
    return f"{name}(): argument 'size' (position 1) must be tuple of ints{hint}"


# ----------------------------------------------------------------------------------------------------
# Factories.


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Value holding a copy of `data` (a number, nested lists, an array or a Value).

    dtype: by default NumPy data keeps its dtype, Python floats take the default float dtype (float32),
    Python ints become int64 and bools bool, as in PyTorch. In nested lists each element brings its own dtype (a
    NumPy number, array or Value its own) and they promote as PyTorch's promote_types does: `[np.float64(1.5), 2.0]`
    is float64, `[np.float16(1), 2]` float16. A tensor inside the lists is one number, as in PyTorch (`[loss1,
    loss2]` is a vector; a tensor of more than one element there is PyTorch's ValueError: use stack or cat), and
    `tensor(a_tensor)` copies it with PyTorch's warning (detach().clone() is the idiom).
    """
    if isinstance(data, Value):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = data.data
    try:
        arr = np.array(data, copy=True)
    except ValueError:
        read = tensors_read_as_numbers(data, None) if isinstance(data, (list, tuple)) else None
        if read is not None:
            return tensor(read, dtype, device, requires_grad)
        problem = _ragged(data)
        if problem is None:
            raise
        if problem.startswith("expected sequence"):  # PyTorch's words first
            raise ValueError(f"{problem} (tensor: nested lists must be rectangular, each row of one length)") from None
        raise ValueError(f"tensor: {problem}") from None
    if isinstance(data, (list, tuple)) and arr.ndim > 1:
        read = tensors_read_as_numbers(data, arr)  # Values in the lists are numbers, as in PyTorch
        if read is not None:
            return tensor(read, dtype, device, requires_grad)
    from_python = not isinstance(data, (np.ndarray, np.generic))  # numbers, lists: PyTorch checks they fit
    if from_python and (dtype is None or np.dtype(dtype).kind in "iub") and (
            arr.dtype == np.uint64 or arr.dtype.kind == "f" and isinstance(data, (list, tuple))
            and _sequence_dtype(data).kind in "iu"):  # Python ints that NumPy read as uint64, or as floats: >= 2**63
        raise ValueError("Overflow when unpacking long long (tensor: a Python int past int64's range, "
                         f"{arr.max():.0f}; PyTorch's integers are at most int64)")
    if dtype is not None:
        if from_python:
            refuse_overflow(arr, dtype)
        arr = arr.astype(dtype)
    elif isinstance(data, (list, tuple)) and arr.dtype.kind in "fc":
        # NumPy reads a Python float as float64 and promotes a float with an int to a wider float (float16 and int16
        # give float32); PyTorch gives its default dtype and keeps the float's width. Integer lists agree.
        arr = arr.astype(_sequence_dtype(data), copy=False)
    elif not isinstance(data, (np.ndarray, np.generic)) and arr.dtype == np.float64:
        arr = arr.astype(DEFAULTS["dtype"])  # a Python float: the default dtype (float32)
    elif not isinstance(data, (np.ndarray, np.generic)) and arr.dtype == np.complex128:
        arr = arr.astype(ops.promotion._complex_of(DEFAULTS["dtype"]))  # a Python complex: complex64 by default
    if arr.dtype.kind not in "fbiuc":
        words = f"tensor: cannot make a Value of dtype {arr.dtype}"
        if isinstance(data, str):  # PyTorch's words for a string
            words = f"new(): invalid data type 'str' ({words})"
        raise TypeError(words)
    if COPY_WATCHERS:  # a compile recording: a copy of an argument's array is made again at each replay
        COPY_WATCHERS[0](data, arr)
    return _make(arr, requires_grad, device)


COPY_WATCHERS = []  # while a call is compiled (jit.py), the recorder told of each copy tensor() makes of an array


_PYTHON_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64)}  # float: the default dtype, read when used


def _sequence_dtype(data):
    """PyTorch's dtype for nested lists: each element's own (a Python float the default dtype, an int int64, a bool
    bool; a NumPy number, array or Value its dtype), promoted together by `promote_types`."""
    dtypes, pending = set(), [data]
    while pending:
        items = pending.pop()
        for kind in set(map(type, items)):  # a type at a time: a list of a million floats is one look-up
            if kind is float:
                dtypes.add(np.dtype(DEFAULTS["dtype"]))
            elif kind is complex:
                dtypes.add(ops.promotion._complex_of(DEFAULTS["dtype"]))
            elif kind in _PYTHON_DTYPES:
                dtypes.add(_PYTHON_DTYPES[kind])
            elif issubclass(kind, np.generic):
                dtypes.add(np.dtype(kind))
            else:  # nested lists, arrays, Values (and subclasses of Python's numbers: their values decide)
                for x in items:
                    if type(x) is not kind:
                        continue
                    if isinstance(x, (list, tuple)):
                        pending.append(x)
                    elif isinstance(x, (np.ndarray, Value)):
                        dtypes.add(np.dtype(x.dtype))
                    else:
                        dtypes.add(np.array(x).dtype if not isinstance(x, float) else np.dtype(DEFAULTS["dtype"]))
    result = np.dtype(DEFAULTS["dtype"])
    if dtypes:
        result = dtypes.pop()
        for dtype in dtypes:
            result = ops.promotion.promote_types(result, dtype)
    return result


def _ragged(data):
    """Where nested lists are not rectangular, in PyTorch's words ('expected sequence of length 2 at dim 1
    (got 1)'), or None. Only called once NumPy has refused the data."""
    level, dim = [data], 0
    while level:
        sequences = [x for x in level if isinstance(x, (list, tuple))]
        if not sequences:
            return None
        if len(sequences) != len(level):
            return f"numbers and sequences are mixed at dim {dim}"
        length = len(sequences[0])
        for x in sequences:
            if len(x) != length:
                return f"expected sequence of length {length} at dim {dim} (got {len(x)})"
        level, dim = [y for x in sequences for y in x], dim + 1
    return None


def as_tensor(data, dtype=None, device=None):
    """`data` as a Value without copying when it already is one of the right dtype (or an ndarray)."""
    if isinstance(data, Value) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == np.dtype(dtype)):
        return from_numpy(data)
    return tensor(data.data if isinstance(data, Value) else data, dtype=dtype, device=device)  # (no copy warning)


def from_numpy(ndarray):
    """A Value sharing `ndarray`'s memory (changes to one show in the other), requires_grad=False."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(ndarray).__name__}")
    return Value(ndarray[()] if ndarray.ndim == 0 else ndarray, requires_grad=False, dtype=ndarray.dtype)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """A Value of shape `size` (ints, one tuple, or size=) filled with 0, in the default float dtype unless dtype=."""
    return _make(np.zeros(_shape(sizes, size, "zeros"), _resolve(dtype)), requires_grad, device)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """A Value of shape `size` (ints, one tuple, or size=) filled with 1, in the default float dtype unless dtype=."""
    return _make(np.ones(_shape(sizes, size, "ones"), _resolve(dtype)), requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Like zeros (the contents of PyTorch's `empty` are arbitrary; here they are zeros)."""
    return _make(np.zeros(_shape(sizes, size, "empty"), _resolve(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A Value of shape `size` filled with fill_value; dtype follows it (bool, int64, else the default float)."""
    if isinstance(fill_value, (str, bytes)):
        raise TypeError(f"full(): fill_value must be a number, not {type(fill_value).__name__}")
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = bool_
    elif dtype is None and isinstance(fill_value, numbers.Integral):
        dtype = int64
    elif dtype is None and isinstance(fill_value, numbers.Complex) and not isinstance(fill_value, numbers.Real):
        dtype = ops.promotion.result_dtype(fill_value)  # the default complex dtype
    dtype = _resolve(dtype)
    if isinstance(fill_value, numbers.Real) and not isinstance(fill_value, (bool, np.generic)):
        refuse_overflow(np.asarray(fill_value), dtype, fill=True)  # 300 into uint8: PyTorch refuses, a cast wraps
    return _make(np.full(_shape((size,), name="full"), wrapped(fill_value, dtype), dtype), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The (n, m) identity matrix (m defaults to n): ones on the diagonal, zeros elsewhere."""
    if n < 0 or (m is not None and m < 0):
        which, size = ("n", n) if n < 0 else ("m", m)  # PyTorch's words name the first negative one
        raise ArgumentError(f"{which} must be greater or equal to 0, got {size} (eye(): n and m must be at least 0, "
                            f"got n={n}, m={m})")
    return _make(np.eye(n, m, dtype=_resolve(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """[start, end) in steps of `step`: int64 when all three are integers (Python or 0-d Values), else the default
    float dtype. A zero step, or a step that leads away from end, raises RuntimeError as in PyTorch."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, (Value, np.ndarray, np.generic)) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign (start={start}, "
                           f"end={end}, step={step})")
    if dtype is None:
        integral = builtins.all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if integral else DEFAULTS["dtype"]
    return _make(np.arange(start, end, step).astype(dtype), requires_grad, device)


# torch.range: named as Python's builtin, which this module's own code would have to spell `builtins.range`.
def range(start, end, step=1, dtype=None, device=None, requires_grad=False):  # noqa: A001  (torch.range)
    """[start, end] with its end included, in steps of `step`: floor((end - start) / step) + 1 numbers start + i*step
    (computed in float64), of the default float dtype unless `dtype` is given, integers too (torch.range(0, 10) is
    0., 1., ..., 10.). Deprecated in PyTorch and kept for the programs that still call it: it warns as PyTorch's does
    (arange, which stops before end, is the function to use). A zero step, or one leading away from end, raises
    RuntimeError."""
    import warnings

    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    start, end, step = (v.item() if isinstance(v, (Value, np.ndarray, np.generic)) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"range: upper bound and lower bound inconsistent with step sign (start={start}, "
                           f"end={end}, step={step})")
    count = int(np.floor((end - start) / step)) + 1
    values = start + np.arange(count, dtype=np.float64) * step
    return _make(values.astype(_resolve(dtype)), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced numbers from start to end, both included."""
    return _make(np.linspace(start, end, int(steps)).astype(_resolve(dtype)), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """`steps` numbers from base**start to base**end, evenly spaced in the exponent (both ends included)."""
    exponents = np.linspace(start, end, int(steps))
    return _make(np.power(float(base), exponents).astype(_resolve(dtype)), requires_grad, device)


def randn(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal numbers of shape `size` (drawn in float64, then cast; for a complex dtype, PyTorch's complex
    normal numbers: real and imaginary parts independent, each of variance 1/2)."""
    return _random(_normal_draws, requires_grad, device, shape=_shape(sizes, size, "randn"), dtype=_resolve(dtype),
                   name="randn", generator=generator)


def rand(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform numbers in [0, 1) of shape `size` (for a complex dtype, real and imaginary parts each uniform)."""
    return _random(_uniform_draws, requires_grad, device, shape=_shape(sizes, size, "rand"), dtype=_resolve(dtype),
                   name="rand", generator=generator)


def randint(low, high=None, size=None, dtype=None, device=None, generator=None):
    """Integers in [low, high) (or [0, low) when high is omitted) of shape `size`, int64 by default."""
    if size is None:
        if high is None or isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not "
                            f"{type(high).__name__} (randint(high, size) takes the size as a tuple: "
                            f"randint({low!r}, ({high!r},)))")
    elif high is None:
        low, high = 0, low
    if not low < high:
        raise ArgumentError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high} (randint())")
    return _random(ops.sampling.integers, False, device, low=low, high=high, shape=tuple(size),
                   dtype=np.dtype(dtype or int64), generator=generator)


def randperm(n, dtype=None, device=None, generator=None):
    """A random permutation of 0 .. n-1, shape (n,), int64 by default."""
    if int(n) < 0:  # NumPy's permutation(-1) is empty: PyTorch's error
        raise ArgumentError(f"Trying to create tensor with negative dimension {int(n)}: [{int(n)}] (randperm(n) "
                            "needs n >= 0)")
    return _random(_permutation, False, device, n=int(n), dtype=np.dtype(dtype or int64), generator=generator)


def _permutation(*, n, dtype, generator):
    return get_rng(generator).permutation(n).astype(dtype)


def _like(x, dtype):
    x = x.data if isinstance(x, Value) else np.asarray(x)
    return np.shape(x), (np.asarray(x).dtype if dtype is None else np.dtype(dtype))


def zeros_like(input, dtype=None, device=None, requires_grad=False, *, memory_format=None):
    """Zeros of input's shape and dtype (unless dtype=); a new leaf, not connected to input's graph."""
    check_memory_format(memory_format, "zeros_like")
    shape, dtype = _like(input, dtype)
    return _make(np.zeros(shape, dtype), requires_grad, device)


def ones_like(input, dtype=None, device=None, requires_grad=False, *, memory_format=None):
    """Ones of input's shape and dtype (unless dtype=); a new leaf, not connected to input's graph."""
    check_memory_format(memory_format, "ones_like")
    shape, dtype = _like(input, dtype)
    return _make(np.ones(shape, dtype), requires_grad, device)


def empty_like(input, dtype=None, device=None, requires_grad=False, *, memory_format=None):
    """Like zeros_like (the contents of PyTorch's `empty_like` are arbitrary; here they are zeros)."""
    check_memory_format(memory_format, "empty_like")
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, *, memory_format=None):
    """fill_value in input's shape and dtype (unless dtype=); a new leaf, not connected to input's graph."""
    check_memory_format(memory_format, "full_like")
    shape, dtype = _like(input, dtype)
    return _make(np.full(shape, wrapped(fill_value, dtype), dtype), requires_grad, device)


def randn_like(input, dtype=None, device=None, requires_grad=False, *, generator=None, memory_format=None):
    """Standard normal numbers of input's shape and dtype (unless dtype=)."""
    check_memory_format(memory_format, "randn_like")
    shape, dtype = _like(input, dtype)
    return _random(_normal_draws, requires_grad, device, shape=shape, dtype=dtype, name="randn_like",
                   generator=generator)


def rand_like(input, dtype=None, device=None, requires_grad=False, *, generator=None, memory_format=None):
    """Uniform numbers in [0, 1) of input's shape and dtype (unless dtype=)."""
    check_memory_format(memory_format, "rand_like")
    shape, dtype = _like(input, dtype)
    return _random(_uniform_draws, requires_grad, device, shape=shape, dtype=dtype, name="rand_like",
                   generator=generator)


def is_tensor(obj):
    """True if obj is a Value (this library's torch.Tensor)."""
    return isinstance(obj, Value)


def numel(input):
    """The number of elements of input (the product of its shape; 1 for a scalar), as an int."""
    return int(np.size(_value(input).data))


# ----------------------------------------------------------------------------------------------------
# Functions under PyTorch's names and arguments (`torch.sum(x, dim=1)`, `torch.max(x, 1)`, `torch.cat`):
# each calls the Value method of the same name, so both spellings accept the same arguments.


def _value(x):
    return x if isinstance(x, Value) else Value(np.asarray(x), requires_grad=False, dtype=np.asarray(x).dtype)


def _method(name, doc):
    # A NumPy array is taken as a tensor here (not refused as the elementwise functions refuse it): a Value's `.data`
    # is an array, and PyTorch's idiom `_, predicted = torch.max(outputs.data, 1)` must keep working.
    def fn(input, *args, **kwargs):
        return getattr(_value(input), name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


sum = _method("sum", "Sum over `dim`/`axis` (all elements by default); `keepdim`/`keepdims`.")
mean = _method("mean", "Mean over `dim`/`axis`.")
var = _method("var", "Variance over `dim`/`axis`: unbiased unless NumPy's spelling (axis, ddof) is used.")
std = _method("std", "Standard deviation over `dim`/`axis`: unbiased unless NumPy's spelling is used.")
max = _method("max", "Largest element; max(x, dim) gives (values, indices); max(x, y) the elementwise maximum.")
min = _method("min", "Smallest element; min(x, dim) gives (values, indices); min(x, y) the elementwise minimum.")
prod = _method("prod", "Product over `dim`/`axis` (all elements by default).")
argmax = _method("argmax", "Index of the largest element (of the flattened input when dim is None).")
argmin = _method("argmin", "Index of the smallest element (of the flattened input when dim is None).")
logsumexp = _method("logsumexp", "log Σ exp(x) over `dim`/`axis`, computed stably.")
softmax = _method("softmax", "exp(x) / Σ exp(x) along `dim` (or `axis`; required, as in PyTorch).")
log_softmax = _method("log_softmax", "log of softmax along `dim` (or `axis`; required, as in PyTorch).")
norm = _method("norm", "The p-norm (default 'fro': sqrt Σx²) over all elements or along `dim`.")
clamp = _method("clamp", "Limit to [min, max] (either may be None).")
unsqueeze = _method("unsqueeze", "A new axis of length 1 at `dim`.")
squeeze = _method("squeeze", "Remove axes of length 1 (only `dim` if given).")
permute = _method("permute", "The axes in the order given.")
flatten = _method("flatten", "Merge axes start_dim..end_dim into one.")
pow = _method("pow", "input ** exponent.")
clone = _method("clone", "A copy that stays in the graph.")
reshape = _method("reshape", "input with a new shape of the same size (one entry may be -1).")


# Indexing along a dimension, running sums, sorting (ops/index.py, ops/scan.py: compositions and primitives with
# PyTorch's arguments; each is also a Value method).
gather, scatter, scatter_add, index_select, take, masked_select, narrow = (
    ops.index.gather, ops.index.scatter, ops.index.scatter_add, ops.index.index_select, ops.index.take,
    ops.index.masked_select, ops.index.narrow)
index_add, index_copy, index_fill = ops.index.index_add, ops.index.index_copy, ops.index.index_fill
flip, roll, tril, triu, diagonal, diag, trace = (
    ops.index.flip, ops.index.roll, ops.index.tril, ops.index.triu, ops.index.diagonal, ops.index.diag,
    ops.index.trace)
cumsum, cumprod, sort, argsort, topk = ops.scan.cumsum, ops.scan.cumprod, ops.scan.sort, ops.scan.argsort, ops.scan.topk


# More elementwise functions, comparisons and products (ops/special.py, ops/linalg.py); each is also a Value method.
_s, _l = ops.special, ops.linalg
eq, ne, gt, ge, lt, le, isnan, isinf, isfinite, isclose = (
    _s.eq, _s.ne, _s.gt, _s.ge, _s.lt, _s.le, _s.isnan, _s.isinf, _s.isfinite, _s.isclose)
log1p, expm1, log2, log10, tan, asin, acos, atan, sinh, cosh, atan2 = (
    _s.log1p, _s.expm1, _s.log2, _s.log10, _s.tan, _s.asin, _s.acos, _s.atan, _s.sinh, _s.cosh, _s.atan2)
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
asinh, acosh, atanh = _s.asinh, _s.acosh, _s.atanh
arcsinh, arccosh, arctanh = asinh, acosh, atanh
reciprocal, rsqrt, lerp, addcmul, addcdiv, logaddexp, hypot = (
    _s.reciprocal, _s.rsqrt, _s.lerp, _s.addcmul, _s.addcdiv, _s.logaddexp, _s.hypot)
sign, round, floor, ceil, trunc, frac = _s.sign, _s.round, _s.floor, _s.ceil, _s.trunc, _s.frac  # noqa: A001
outer, dot, bmm, addmm = _l.outer, _l.dot, _l.bmm, _l.addmm
einsum, tensordot = ops.einsum.einsum, ops.einsum.tensordot
_p = ops.pieces
split, chunk, unbind, hstack, vstack, tile, repeat_interleave = (
    _p.split, _p.chunk, _p.unbind, _p.hstack, _p.vstack, _p.tile, _p.repeat_interleave)
amax = _method("amax", "The largest elements over `dim` (all by default); ties share the gradient equally.")
amin = _method("amin", "The smallest elements over `dim` (all by default); ties share the gradient equally.")
all = _method("all", "Whether all elements (along `dim`) are nonzero: a boolean Value.")  # noqa: A001
any = _method("any", "Whether any element (along `dim`) is nonzero: a boolean Value.")  # noqa: A001
t = _method("t", "The transpose of a matrix (0-d and 1-D Values unchanged).")
broadcast_to = _method("broadcast_to", "input broadcast to `size`; the gradient sums back over the broadcast axes.")
median, cummax, cummin = ops.scan.median, ops.scan.cummax, ops.scan.cummin
erf, erfinv, lgamma, digamma = (ops.special_functions.erf, ops.special_functions.erfinv, ops.special_functions.lgamma,
                                ops.special_functions.digamma)


def polygamma(n, input):
    """ψ⁽ⁿ⁾(input), the n-th derivative of digamma (torch.polygamma's order of arguments: n first), for input > 0."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative or non-integer n, got {n!r}")
    return ops.special_functions.polygamma(_value(input), n=int(n))
diff = ops.pieces.diff
as_strided, as_strided_scatter = ops.strided.as_strided, ops.strided.as_strided_scatter
# Rearranging and cutting up (ops/arrange.py) and more products (ops/products.py); most are also Value methods.
_a = ops.arrange
movedim, moveaxis, swapdims, swapaxes, atleast_1d, atleast_2d, atleast_3d, meshgrid = (
    _a.movedim, _a.moveaxis, _a.swapdims, _a.swapaxes, _a.atleast_1d, _a.atleast_2d, _a.atleast_3d, _a.meshgrid)
broadcast_tensors, broadcast_shapes, column_stack, dstack, row_stack, tensor_split = (
    _a.broadcast_tensors, _a.broadcast_shapes, _a.column_stack, _a.dstack, _a.row_stack, _a.tensor_split)
hsplit, vsplit, dsplit, split_with_sizes, unflatten, rot90, fliplr, flipud, select = (
    _a.hsplit, _a.vsplit, _a.dsplit, _a.split_with_sizes, _a.unflatten, _a.rot90, _a.fliplr, _a.flipud, _a.select)
take_along_dim, ravel, block_diag, cartesian_prod, combinations, diag_embed, diagflat = (
    _a.take_along_dim, _a.ravel, _a.block_diag, _a.cartesian_prod, _a.combinations, _a.diag_embed, _a.diagflat)
tril_indices, triu_indices, unravel_index = _a.tril_indices, _a.triu_indices, _a.unravel_index
_pr = ops.products
kron, cross, inner, mv, addmv, addr, baddbmm, addbmm, chain_matmul, vdot, cdist, dist = (
    _pr.kron, _pr.cross, _pr.inner, _pr.mv, _pr.addmv, _pr.addr, _pr.baddbmm, _pr.addbmm, _pr.chain_matmul,
    _pr.vdot, _pr.cdist, _pr.dist)
# More elementwise functions (ops/arith.py), reductions and statistics (ops/stats.py), type promotion
# (ops/promotion.py); most are also Value methods.
_ar = ops.arith
fmax, fmin, fmod, remainder, floor_divide, copysign, heaviside, float_power, deg2rad, rad2deg = (
    _ar.fmax, _ar.fmin, _ar.fmod, _ar.remainder, _ar.floor_divide, _ar.copysign, _ar.heaviside, _ar.float_power,
    _ar.deg2rad, _ar.rad2deg)
logical_and, logical_or, logical_xor, logical_not, signbit, isposinf, isneginf, nan_to_num = (
    _ar.logical_and, _ar.logical_or, _ar.logical_xor, _ar.logical_not, _ar.signbit, _ar.isposinf, _ar.isneginf,
    _ar.nan_to_num)
clamp_min, clamp_max, positive, negative, absolute, fix, rsub = (
    _ar.clamp_min, _ar.clamp_max, _ar.positive, _ar.negative, _ar.absolute, _ar.fix, _ar.rsub)
greater, greater_equal, less, less_equal, not_equal = (
    _ar.greater, _ar.greater_equal, _ar.less, _ar.less_equal, _ar.not_equal)
is_floating_point, is_complex, is_nonzero, is_same_size = (
    _ar.is_floating_point, _ar.is_complex, _ar.is_nonzero, _ar.is_same_size)
_st = ops.stats
nansum, nanmean, logcumsumexp, kthvalue, mode, quantile, nanquantile, nanmedian, aminmax = (
    _st.nansum, _st.nanmean, _st.logcumsumexp, _st.kthvalue, _st.mode, _st.quantile, _st.nanquantile, _st.nanmedian,
    _st.aminmax)
searchsorted, bucketize, histc, cov, corrcoef, trapezoid, trapz, cumulative_trapezoid, renorm = (
    _st.searchsorted, _st.bucketize, _st.histc, _st.cov, _st.corrcoef, _st.trapezoid, _st.trapz,
    _st.cumulative_trapezoid, _st.renorm)
histogram = _st.histogram
gradient = ops.finite_differences.gradient  # torch.gradient: derivatives of samples by finite differences
# Random sampling and the default generator's state (ops/sampling.py).
_sa = ops.sampling
normal, bernoulli, multinomial, poisson, randint_like = (
    _sa.normal, _sa.bernoulli, _sa.multinomial, _sa.poisson, _sa.randint_like)
get_rng_state, set_rng_state, initial_seed, seed = _sa.get_rng_state, _sa.set_rng_state, _sa.initial_seed, _sa.seed
result_type, promote_types, can_cast, finfo, iinfo = (
    ops.promotion.result_type, ops.promotion.promote_types, ops.promotion.can_cast, ops.promotion.finfo,
    ops.promotion.iinfo)
nonzero, argwhere, unique, bincount, count_nonzero = (
    _s.nonzero, _s.argwhere, _s.unique, _s.bincount, _s.count_nonzero)
# Numbers by their bits and parts, writing into copies, membership and runs (ops/bits.py, ops/scatters.py,
# ops/sets.py); most are also Value methods (tensor_methods_more.py).
_bi, _sc, _se = ops.bits, ops.scatters, ops.sets
sgn, bitwise_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_left_shift, bitwise_right_shift, gcd, lcm = (
    _bi.sgn, _bi.bitwise_not, _bi.bitwise_and, _bi.bitwise_or, _bi.bitwise_xor, _bi.bitwise_left_shift,
    _bi.bitwise_right_shift, _bi.gcd, _bi.lcm)
frexp, ldexp, nextafter = _bi.frexp, _bi.ldexp, _bi.nextafter
scatter_reduce, index_reduce, select_scatter, slice_scatter, diagonal_scatter, masked_scatter, put, index_put = (
    _sc.scatter_reduce, _sc.index_reduce, _sc.select_scatter, _sc.slice_scatter, _sc.diagonal_scatter,
    _sc.masked_scatter, _sc.put, _sc.index_put)
narrow_copy = _sc.narrow_copy
isin, unique_consecutive, msort, vander, histogramdd = _se.isin, _se.unique_consecutive, _se.msort, _se.vander, \
    _se.histogramdd


def where(condition, input=None, other=None):
    """torch.where(condition, input, other): input where condition is True, else other (differentiable in both);
    a condition Value must be bool (another dtype is PyTorch's RuntimeError; uint8 warns, as there). torch.where(
    condition) alone: nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(): give condition, input and other, or condition alone")
    ops.elementwise.check_condition(condition)
    if isinstance(input, numbers.Number) and isinstance(other, numbers.Number):
        input = tensor(input)  # two Python numbers: PyTorch's dtype (a float gives the default dtype, not float64)
    return ops.where(condition, input, other)


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """(std, mean) over dim (all elements by default), as torch.std_mean: std with `correction` (1 by default:
    unbiased; unbiased=False means 0). std_mean(x, False), PyTorch's (input, unbiased) overload, works too."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    x = _value(input)
    refuse_integral_spread(x, "std_mean")
    args = reduce_args(None, False, dim, keepdim)
    warn_if_no_degrees_of_freedom("std_mean", x.shape, args["axis"], _correction(correction, unbiased))
    # two nodes named as PyTorch's one (StdMeanBackward0)
    return ops.reduce.std_mean(x, ddof=_correction(correction, unbiased), **args)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """(var, mean) over dim (all elements by default), as torch.var_mean (see std_mean)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    x = _value(input)
    refuse_integral_spread(x, "var_mean")
    args = reduce_args(None, False, dim, keepdim)
    warn_if_no_degrees_of_freedom("var_mean", x.shape, args["axis"], _correction(correction, unbiased))
    # two nodes named as PyTorch's one (VarMeanBackward0)
    return ops.reduce.var_mean(x, ddof=_correction(correction, unbiased), **args)


def _correction(correction, unbiased):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def transpose(input, *dims, axes=None, dim0=None, dim1=None):
    """transpose(x, d0, d1) or transpose(x, dim0=d0, dim1=d1) swaps two axes (PyTorch); transpose(x, axes) or
    transpose(x) permutes them (NumPy)."""
    if axes is not None:
        dims = (axes,)
    return _value(input).transpose(*[d for d in dims if d is not None], dim0=dim0, dim1=dim1)


def write_out(name, out, result):
    """PyTorch's out=: `result` written into the Value `out` (which changes in place, under the in-place rules), and
    `out` returned. Refused when the result requires grad (PyTorch's error) or has another shape."""
    if result.requires_grad and GRAD_ENABLED.get():
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad (as in PyTorch)")
    if out.shape != result.shape:
        raise ShapeError(f"{name}(): out= has shape {out.shape}, the result has shape {result.shape}")
    return out.copy_(result.data)


def _with_out(name, compute, doc):
    """A function of PyTorch's that takes `out=`: the result is written into the Value `out` (which then
    changes in place, under the in-place rules) and `out` is returned, as in PyTorch."""

    def fn(input, other, *, out=None, **kwargs):
        result = compute(_value(refuse_array(input, name)), refuse_array(other, name, "other", 2), **kwargs)
        return result if out is None else write_out(name, out, result)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


add = _with_out("add", ops.arith.add_scaled, "input + alpha·other (broadcasting); out=. alpha must suit the result's "
                "dtype, as in PyTorch: not a float for an integer or bool result, a bool only for a bool result.")
sub = _with_out("sub", lambda x, y, alpha=1: ops.arith.subtract(x, y, alpha=alpha),
                "input − alpha·other (broadcasting); out=. A bool operand raises, as in PyTorch (use ^ or ~); alpha "
                "as in add.")
subtract = sub
mul = _with_out("mul", lambda x, y: x * y, "input · other, elementwise (broadcasting); out=.")
multiply = mul
div = _with_out("div", lambda x, y, rounding_mode=None: ops.arith.div(x, y, rounding_mode=rounding_mode),
                "input / other, elementwise: true division, or rounding_mode 'trunc' or 'floor'; out=.")
divide = true_divide = div
matmul = _with_out("matmul", lambda x, y: x @ y, "The matrix product (NumPy's matmul rules); out=.")
_mm = _with_out("mm", lambda x, y: x @ y, "The product of two matrices; out=.")


def mm(input, mat2, *, out=None):
    """The product of two matrices, input (n, m) @ mat2 (m, p) -> (n, p); out=. Anything but two matrices raises
    PyTorch's RuntimeError (matmul is the one that broadcasts and takes vectors)."""
    check_matrices(_value(refuse_array(input, "mm")), _value(refuse_array(mat2, "mm", "mat2", 2)))
    return _mm(input, mat2, out=out)


def neg(input):
    """-input, elementwise (same shape)."""
    return -_value(refuse_array(input, "neg"))


def square(input):
    """input * input, elementwise (same shape; bools give int64, as PyTorch's)."""
    return _value(refuse_array(input, "square")).square()


def cat(tensors, dim=0, *, axis=None):
    """Join Values along an existing axis (`dim` or NumPy's `axis`). As in PyTorch, an empty 1-D Value (shape (0,))
    among Values of other shapes is left out (it still takes part in the result's dtype), so the accumulating idiom
    `preds = torch.tensor([])`, then `preds = torch.cat([preds, batch_preds])` over (N, C) batches, runs."""
    tensors = tensor_sequence(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [t.shape for t in tensors]
    if (0,) in shapes and builtins.any(shape != (0,) for shape in shapes):
        kept = [t for t, shape in zip(tensors, shapes) if shape != (0,)]
        dtype = ops.promotion.result_dtype(*tensors)
        out = ops.concatenate(kept, axis=dim if axis is None else axis)
        return out if out.dtype == dtype else out.to(dtype)
    return ops.concatenate(tensors, axis=dim if axis is None else axis)


concat = cat


def stack(tensors, dim=0, *, axis=None):
    """Join Values of the same shape along a new axis (`dim` or NumPy's `axis`)."""
    tensors = tensor_sequence(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    return ops.stack(tensors, axis=dim if axis is None else axis)


allclose, equal = ops.arith.allclose, ops.arith.equal


class accelerator:  # noqa: N801  (PyTorch 2's torch.accelerator namespace)
    """No accelerator here: `accelerator.is_available()` is False."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def current_accelerator():
        return None


_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """PyTorch's switch to deterministic algorithms. Every operation here is deterministic (NumPy on the CPU; the
    threaded convolutions split the batch, never a sum), so the setting is only kept for
    `are_deterministic_algorithms_enabled()`."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {type(mode).__name__}")
    _DETERMINISTIC.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled():
    """What `use_deterministic_algorithms` last set (False at first, as in PyTorch)."""
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """The warn_only flag `use_deterministic_algorithms` last set (False at first)."""
    return _DETERMINISTIC["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """PyTorch's other spelling of the switch: 0 or "default" (off), 1 or "warn" (on, warn only), 2 or "error" (on).
    Every operation here is deterministic, so this is only kept, as `use_deterministic_algorithms` keeps it."""
    modes = {"default": 0, "warn": 1, "error": 2}
    level = modes.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if isinstance(level, bool) or level not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, 0, 1, 2, but "
                           f"got {debug_mode!r}")
    _DETERMINISTIC.update(mode=level > 0, warn_only=level == 1)


def get_deterministic_debug_mode():
    """0 (off), 1 (warn only) or 2 (on), from what `use_deterministic_algorithms` or
    `set_deterministic_debug_mode` last set."""
    if not _DETERMINISTIC["mode"]:
        return 0
    return 1 if _DETERMINISTIC["warn_only"] else 2


_MATMUL_PRECISION = ["highest"]


def set_float32_matmul_precision(precision):
    """PyTorch's permission to multiply float32 matrices in lower internal precision ("high": TF32 on GPUs,
    "medium": bfloat16), which GPT-2 training scripts set. NumPy's float32 products are always full precision here,
    so the setting is only kept for `get_float32_matmul_precision()`. precision: "highest", "high" or "medium"."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: precision must be 'highest', 'high' or 'medium', "
                           f"got {precision!r}")
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision():
    """What `set_float32_matmul_precision` last set ("highest" at first, as in PyTorch)."""
    return _MATMUL_PRECISION[0]


# torch.relu_(x), torch.floor_(x), ...: PyTorch's functions that change their first argument in place (the Value
# method of the same name; the in-place rules of inplace.py apply).
_IN_PLACE = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
    "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp_", "exp2_", "expm1_", "fill_", "fix_",
    "floor_", "frac_", "i0_", "logit_", "sinc_",
    "log10_", "log1p_", "log2_", "log_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_",
    "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "zero_",
)


def _in_place_function(name):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Value):
            raise TypeError(f"{name}(): argument 'input' must be a Value, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"input.{name}(...): changes input in place and returns it."
    return fn


IN_PLACE_FUNCTIONS = {name: _in_place_function(name) for name in _IN_PLACE}  # autograd_core.relu_, ...
# and those with operands (torch.gcd_(x, y), torch.index_put_(x, indices, values)): x's in-place method
gcd_, lcm_, ldexp_, index_put_, xlogy_ = (_in_place_function(name)
                                           for name in ("gcd_", "lcm_", "ldexp_", "index_put_", "xlogy_"))
