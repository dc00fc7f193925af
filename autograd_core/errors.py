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

