"""PyTorch's factories and torch.Tensor, and beside them the rest of what `import autograd_core as torch` needs.

    x = autograd_core.linspace(-1, 1, 100)             # float32, like PyTorch
    w = autograd_core.randn(3, 4, requires_grad=True)
    autograd_core.cat([x, x], dim=0); autograd_core.max(w, dim=1)   # (values, indices)

Factories make float32 Values unless told otherwise (`dtype=`, or `set_default_dtype(float64)`), as PyTorch
and `nn`'s layers do; `tensor(data)` keeps the dtype of NumPy data and makes Python integers int64 and
Python floats the default float dtype. Random numbers come from one NumPy generator, seeded by
`manual_seed` (the same generator `nn.init` draws layer weights from): seeded runs repeat exactly, but
they do not draw PyTorch's numbers. `device=` accepts only the CPU. dtypes are NumPy dtypes
(`autograd_core.float32 is np.dtype('float32')`), so `x.dtype == autograd_core.float32` works.

The rest of `import autograd_core as torch`'s top-level names live beside this module, each part in a file of its
own: dtype names, type names and the defaults (dtypes.py), the generator and `manual_seed` (generator.py), the
functions on tensors (`torch.sum`, `torch.cat`, `torch.add(out=)`, `torch.relu_`: torch_functions.py) and the global
switches (`use_deterministic_algorithms`, ...: switches.py). The names code imports from this module are re-exported
here.
"""

from __future__ import annotations

import builtins
import numbers
import operator
import warnings

import numpy as np

from .errors import ArgumentError
from . import backends  # noqa: F401  (torch.backends: modules, so that `import torch.backends.cudnn` works)
from . import ops
from .modes import inference_mode  # noqa: F401  (torch.inference_mode)
from .tensor_methods import MaxMin, Size, on_cpu  # noqa: F401  (MaxMin: the type of max(x, dim))
from .tensor_attributes import check_memory_format  # memory_format= of the *_like factories: names, no numbers
from .tensor_inputs import refuse_overflow, tensors_read_as_numbers
from .python_numbers import wrapped
from .value import Value
from .dtypes import DEFAULTS, bool_, int64
from .generator import get_rng


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


# Re-exported: the names code imported from this module before they moved to the modules beside it (at the end:
# torch_functions.py imports `tensor` from here).
from .dtypes import (  # noqa: E402, F401  (_DtypeNumPyLacks: the class pickles of torch.bfloat16 name)
    _DtypeNumPyLacks, bfloat16, complex128, complex32, complex64, dtype_of_type_name, float16, float32, float64,
    get_default_device, get_default_dtype, int16, int32, int8, set_default_device, set_default_dtype, type_name, uint8,
)
from .generator import (  # noqa: E402, F401
    Generator, default_generator, manual_seed,
)
from .torch_functions import (  # noqa: E402, F401
    IN_PLACE_FUNCTIONS, absolute, acos, acosh, add, addbmm, addcdiv, addcmul, addmm, addmv, addr, all, allclose,
    amax, amin, aminmax, any, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, argmax, argmin, argsort,
    argwhere, as_strided, as_strided_scatter, asin, asinh, atan, atan2, atanh, atleast_1d, atleast_2d, atleast_3d,
    baddbmm, bernoulli, bincount, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,
    bitwise_xor, block_diag, bmm, broadcast_shapes, broadcast_tensors, broadcast_to, bucketize, can_cast,
    cartesian_prod, cat, cdist, ceil, chain_matmul, chunk, clamp, clamp_max, clamp_min, clone, column_stack,
    combinations, concat, copysign, corrcoef, cosh, count_nonzero, cov, cross, cummax, cummin, cumprod, cumsum,
    cumulative_trapezoid, deg2rad, diag, diag_embed, diagflat, diagonal, diagonal_scatter, diff, digamma, dist, div,
    divide, dot, dsplit, dstack, einsum, eq, equal, erf, erfinv, expm1, finfo, fix, flatten, flip, fliplr, flipud,
    float_power, floor, floor_divide, fmax, fmin, fmod, frac, frexp, gather, gcd, gcd_, ge, get_rng_state, gradient,
    greater, greater_equal, gt, heaviside, histc, histogram, histogramdd, hsplit, hstack, hypot, iinfo, index_add,
    index_copy, index_fill, index_put, index_put_, index_reduce, index_select, initial_seed, inner, is_complex,
    is_floating_point, is_nonzero, is_same_size, is_tensor, isclose, isfinite, isin, isinf, isnan, isneginf,
    isposinf, kron, kthvalue, lcm, lcm_, ldexp, ldexp_, le, lerp, less, less_equal, lgamma, log10, log1p, log2,
    log_softmax, logaddexp, logcumsumexp, logical_and, logical_not, logical_or, logical_xor, logsumexp, lt,
    masked_scatter, masked_select, matmul, max, mean, median, meshgrid, min, mm, mode, moveaxis, movedim, msort,
    mul, multinomial, multiply, mv, nan_to_num, nanmean, nanmedian, nanquantile, nansum, narrow, narrow_copy, ne,
    neg, negative, nextafter, nonzero, norm, normal, not_equal, numel, outer, permute, poisson, polygamma, positive,
    pow, prod, promote_types, put, quantile, rad2deg, randint_like, ravel, reciprocal, remainder, renorm,
    repeat_interleave, reshape, result_type, roll, rot90, round, row_stack, rsqrt, rsub, scatter, scatter_add,
    scatter_reduce, searchsorted, seed, select, select_scatter, set_rng_state, sgn, sign, signbit, sinh,
    slice_scatter, softmax, sort, split, split_with_sizes, square, squeeze, stack, std, std_mean, subtract, sum,
    swapaxes, swapdims, take, take_along_dim, tan, tensor_split, tensordot, tile, topk, trace, transpose, trapezoid,
    trapz, tril, tril_indices, triu, triu_indices, true_divide, trunc, unbind, unflatten, unique,
    unique_consecutive, unravel_index, unsqueeze, vander, var, var_mean, vdot, vsplit, vstack, where, write_out,
    xlogy_,
)
from .switches import (  # noqa: E402, F401
    accelerator, are_deterministic_algorithms_enabled, get_deterministic_debug_mode, get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode, set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from . import dtypes as _dtypes, torch_functions as _functions  # noqa: E402

device, t, sub = _dtypes.device, _functions.t, _functions.sub  # (assigned: parameters here share these names)
