"""The library's own exception classes that modules loaded before the engine raise too (a module of its own, importing
nothing, so that every module can import it at the top)."""


class ShapeError(ValueError, RuntimeError):
    """Shapes an operation or a layer cannot take (operands that do not broadcast, a reshape to another size, a
    Linear layer given the wrong number of input features, a mask of another shape): a ValueError, as NumPy raises,
    that is also a RuntimeError, as PyTorch raises, so that code written for either catches it. Importable as
    `autograd_core.ShapeError`. Errors about other arguments (a bad `reduction` string, a negative size) stay
    ValueErrors; a dim out of range is an IndexError (NumPy's AxisError, which is both)."""
