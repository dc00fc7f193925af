"""The library's own exception classes that modules loaded before the engine raise too, and `describe`, how their
messages name a Value (a module of its own, importing nothing, so that every module can import it at the top)."""


class ShapeError(ValueError, RuntimeError):
    """Shapes an operation or a layer cannot take (operands that do not broadcast, a reshape to another size, a
    Linear layer given the wrong number of input features, a mask of another shape): a ValueError, as NumPy raises,
    that is also a RuntimeError, as PyTorch raises, so that code written for either catches it. Importable as
    `autograd_core.ShapeError`. Errors about other arguments are `ArgumentError`s where PyTorch raises a
    RuntimeError, else ValueErrors (a bad `reduction` string); a dim out of range is an IndexError (NumPy's
    AxisError, which is both)."""


class ArgumentError(ValueError, RuntimeError):
    """An argument value an operation refuses where PyTorch raises a RuntimeError (clamp without bounds, a pad of odd
    length, randint's low ≥ high, a negative size): a ValueError, as NumPy raises, and a RuntimeError, as PyTorch
    raises. Importable as `autograd_core.ArgumentError`."""


class DTypeError(TypeError, RuntimeError):
    """A dtype an operation cannot take where PyTorch raises a RuntimeError (float class labels, a gradient on
    integers): a TypeError, as Python and NumPy raise, and a RuntimeError, as PyTorch raises. Importable as
    `autograd_core.DTypeError`."""


class NotAValueField:
    """A name another library's node has and a Value has not (micrograd's `_prev`, `_backward`): reading it raises
    the AttributeError Python would, with where to look instead, so that code ported from there says what to change.
    A non-data descriptor (no __set__): an attribute of that name set on a Value itself still reads back."""

    def __init__(self, hint):
        self.hint = hint

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        raise AttributeError(f"'{type(obj).__name__}' object has no attribute {self.name!r} ({self.hint})",
                             name=self.name, obj=obj)


def describe(value):
    """How error messages name a Value: its label, what made it and its shape, and its layout when sparse
    ("'w1', a leaf, of shape (3,)", "matmul of shape (4, 2)"). The label stands apart from the op ("'x1*w1 + x2*w2',
    made by +"): run together, "'x1*w1 + x2*w2' + of shape ()" read as one formula. Reads only public attributes,
    so optimizers and layers name parameters the way the engine names nodes."""
    if value.label:
        named = f"'{value.label}', {f'made by {value.op}' if value.op else 'a leaf'}, of shape {value.shape}"
    else:
        named = f"{value.op or 'leaf'} of shape {value.shape}"
    return named + " (sparse COO)" if value.is_sparse else named


_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                      "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                      "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def scalar_type_name(dtype):
    """PyTorch's name for a dtype in its messages ("Float" for float32, "Long" for int64, ...); any other dtype by
    NumPy's name. `dtype`: a NumPy dtype, or anything whose str() is a NumPy dtype's name."""
    return _SCALAR_TYPE_NAMES.get(str(dtype), str(dtype))


# dtype name -> (C++'s type name, the legacy tensor type's name), as PyTorch's kernels name the type in their messages
# (its ScalarType names, "Float" and so on, are scalar_type_name's). The complex legacy names are those its
# convolutions print (tests/test_complex_gaps2.py).
_KERNEL_NAMES = {
    "float32": ("float", "torch.FloatTensor"),
    "float64": ("double", "torch.DoubleTensor"),
    "float16": ("c10::Half", "torch.HalfTensor"),
    "bfloat16": ("c10::BFloat16", "torch.BFloat16Tensor"),
    "complex64": ("c10::complex<float>", "CPUComplexFloatType"),
    "complex128": ("c10::complex<double>", "CPUComplexDoubleType"),
    "int64": ("long int", "torch.LongTensor"),
    "int32": ("int", "torch.IntTensor"),
    "int16": ("short int", "torch.ShortTensor"),
    "int8": ("signed char", "torch.CharTensor"),
    "uint8": ("unsigned char", "torch.ByteTensor"),
    "bool": ("bool", "torch.BoolTensor"),
}


def cpp_name(dtype):
    """The C++ name PyTorch's kernels give a NumPy dtype in their messages ("float", "c10::complex<float>")."""
    names = _KERNEL_NAMES.get(str(dtype))
    return names[0] if names else str(dtype)


def legacy_name(dtype):
    """The legacy tensor type's name PyTorch's convolutions give a NumPy dtype ("torch.FloatTensor")."""
    names = _KERNEL_NAMES.get(str(dtype))
    return names[1] if names else str(dtype)


def not_broadcastable(a_shape, b_shape):
    """PyTorch's words for two shapes that do not broadcast, naming the first dimension from the right (numbered as
    the result's) where neither size is 1: 'The size of tensor a (3) must match the size of tensor b (2) at
    non-singleton dimension 1'. None if they do broadcast."""
    ndim = max(len(a_shape), len(b_shape))
    for d in range(ndim - 1, -1, -1):
        i, j = d - (ndim - len(a_shape)), d - (ndim - len(b_shape))
        m = a_shape[i] if i >= 0 else 1
        n = b_shape[j] if j >= 0 else 1
        if m != n and m != 1 and n != 1:
            return f"The size of tensor a ({m}) must match the size of tensor b ({n}) at non-singleton dimension {d}"
    return None


def not_broadcastable_into(out_shape, shape):
    """PyTorch's words where an array of `shape` cannot be written into a result of `out_shape` that keeps its shape
    (a bias, weight or target a kernel broadcasts into its output): not_broadcastable's for sizes that do not
    broadcast, or 'output with shape [2] doesn't match the broadcast shape [3, 2]' for one that would grow it. None if
    it fits."""
    out_shape, shape = tuple(out_shape), tuple(shape)
    words = not_broadcastable(out_shape, shape)
    if words is not None:
        return words
    ndim = max(len(out_shape), len(shape))
    padded_out, padded = (1,) * (ndim - len(out_shape)) + out_shape, (1,) * (ndim - len(shape)) + shape
    grown = tuple(n if m == 1 else m for m, n in zip(padded_out, padded))
    if grown != out_shape:
        return f"output with shape {list(out_shape)} doesn't match the broadcast shape {list(grown)}"
    return None


def dim_out_of_range(dim, ndim):
    """PyTorch's IndexError words for a dim outside [-ndim, ndim) (a 0-d tensor counts as 1-D, as there)."""
    ndim = max(ndim, 1)
    return f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"


def axis_error_in_pytorchs_words(err, title=""):
    """NumPy's AxisError `err` ('axis 2 is out of bounds for array of dimension 2') as an AxisError (an IndexError,
    as PyTorch's, and a ValueError) in PyTorch's words, after `title: ` when given; `err` itself when it does not
    name its axis."""
    import numpy as np

    if getattr(err, "axis", None) is None or getattr(err, "ndim", None) is None:
        return np.exceptions.AxisError(f"{title}: {err}") if title else err
    words = dim_out_of_range(err.axis, err.ndim)
    return np.exceptions.AxisError(f"{title}: {words}" if title else words)


def index_error_in_pytorchs_words(err, shape, index):
    """NumPy's IndexError `err` for x[index] (x of `shape`) as an IndexError in PyTorch's words (which say it all):
    an index out of range ("index 5 is out of bounds for dimension 0 with size 3"), too many indices, an index into a
    0-d tensor (old tutorials' `loss.data[0]`), a boolean mask of another shape given as the whole index. `err`
    itself when none of these."""
    import re

    words = str(err)
    found = re.fullmatch(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", words)
    if found:
        index_, axis, size = found.groups()
        return IndexError(f"index {index_} is out of bounds for dimension {axis} with size {size}")
    if len(shape) == 0 and (words == "invalid index to scalar variable." or words.startswith("too many indices")):
        return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                          "C++ to convert a 0-dim tensor to a number (a 0-d Value has no elements to index: x.item() "
                          "is its number)")
    if words.startswith("too many indices for array"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    mask_shape = getattr(index, "shape", None)
    is_mask = getattr(getattr(index, "dtype", None), "kind", None) == "b"  # (a whole index; one in a tuple: NumPy's)
    if words.startswith("boolean index did not match") and is_mask and mask_shape:
        at = next((i for i, (m, n) in enumerate(zip(mask_shape, shape)) if m != n), len(shape))
        return IndexError(f"The shape of the mask {list(mask_shape)} at index {at} does not match the shape of the "
                          f"indexed tensor {list(shape)} at index {at}")
    return err


def expand_refusal(sizes, shape, dtype):
    """PyTorch's words for a tensor of `shape` and `dtype` that cannot be expanded to `sizes` (expand(), and the value
    of x[index] = value, which PyTorch expands to the shape of x[index])."""
    sizes, shape = list(sizes), list(shape)
    lead = len(sizes) - len(shape)
    if lead < 0:
        return (f"expand({legacy_name(dtype)}{{{shape}}}, size={sizes}): the number of sizes provided ({len(sizes)}) "
                f"must be greater or equal to the number of dimensions in the tensor ({len(shape)})")
    for i, n in reversed(list(enumerate(sizes))):  # PyTorch names the last dim that does not fit
        existing = shape[i - lead] if i >= lead else None
        if existing is not None and n not in (-1, existing) and existing != 1:
            return (f"The expanded size of the tensor ({n}) must match the existing size ({existing}) at non-singleton "
                    f"dimension {i}.  Target sizes: {sizes}.  Tensor sizes: {shape}")
    return None


def _shape_in(words):
    return [int(n) for n in words.replace(",", " ").split()]


def write_refusal(words, dtype):
    """PyTorch's words for NumPy's refusal `words` of an in-place change that does not broadcast (x[i] = value, where
    value has `dtype`; x.add_(y)), or None for other refusals."""
    import re

    found = re.search(r"could not broadcast input array from shape \(([\d, ]*)\) into shape \(([\d, ]*)\)", words)
    if found:
        return expand_refusal(_shape_in(found[2]), _shape_in(found[1]), dtype)
    found = re.search(r"value array of shape \(([\d, ]*)\) could not be broadcast to indexing result of shape "
                      r"\(([\d, ]*)\)", words)
    if found:
        return (f"shape mismatch: value tensor of shape {_shape_in(found[1])} cannot be broadcast to indexing result "
                f"of shape {_shape_in(found[2])}")
    found = re.search(r"output operand with shape \(([\d, ]*)\) doesn't match the broadcast shape \(([\d, ]*)\)",
                      words)
    if found:
        return f"output with shape {_shape_in(found[1])} doesn't match the broadcast shape {_shape_in(found[2])}"
    return None


def is_library_frame(frame):
    """Whether a stack frame runs this library's code: its module is `autograd_core` or one inside it (nn, optim,
    viz, ... are installed as autograd_core.nn and so on)."""
    module = frame.f_globals.get("__name__", "")
    return module == "autograd_core" or module.startswith("autograd_core.")


def warn_at_the_callers_line(message, category=UserWarning):
    """warnings.warn(message, category) attributed to the first frame outside the library (autograd_core, nn, optim,
    viz): the user's line, however many of the library's calls lead to the warning (torch.std(x) and x.std())."""
    import sys
    import warnings

    level, frame = 2, sys._getframe(1)
    while frame is not None and is_library_frame(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def warn_if_no_degrees_of_freedom(name, shape, axis, correction):
    """PyTorch's UserWarning for a var or std whose `correction` is not below the count of elements it combines (the
    std of one sample: nan, or inf), which NumPy's result alone would not say."""
    if correction <= 0:
        return
    from .ops.reduce import _count

    try:  # a 0-d tensor's dim 0 is its one element (PyTorch's); a dim out of range is the reduction's own error
        count = 1 if len(shape) == 0 else _count(shape, axis)
    except (IndexError, ValueError):
        return
    if count - correction <= 0:
        warn_at_the_callers_line(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                                 "reduction factor (input numel divided by output numel).")
