"""The library's own exception classes that modules loaded before the engine raise too (a module of its own, importing
nothing, so that every module can import it at the top)."""


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
