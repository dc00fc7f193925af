"""PyTorch's text of a dense tensor, `tensor([...], dtype=..., requires_grad=True)`, for the reprs that print as
PyTorch's do (nn.Parameter's "Parameter containing:"). The layout and the number formats are sparse_format.py's
(torch/_tensor_str.py rewritten for NumPy arrays); complex numbers are written as PyTorch writes them, the real and
the imaginary parts each in the format of all the real or all the imaginary parts (`1.2214+0.8501j`)."""

from __future__ import annotations

import numpy as np

from .sparse_format import _add_suffixes, _edges, _nested_text, _number_text, _print_option, _tensor_text

_INDENT = len("tensor(")


def tensor_text(array, default_dtype, requires_grad=False):
    """`tensor(...)` for an ndarray (or NumPy scalar) as PyTorch prints a tensor of it: its dtype named unless it is
    `default_dtype` (the default float dtype), the matching default complex dtype, int64 or bool; then
    `requires_grad=True` when asked."""
    array = np.asarray(array)
    default_complex = np.dtype(np.complex64 if np.dtype(default_dtype) == np.float32 else np.complex128)
    suffixes = []
    if array.dtype not in (np.dtype(default_dtype), default_complex, np.int64, np.bool_):
        suffixes.append(f"dtype=torch.{array.dtype}")
    if requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes("tensor(" + _numbers_text(array), suffixes, _INDENT, force_newline=False)


def _numbers_text(array):
    if array.size == 0:
        return "[]" if array.shape == (0,) else f"[], size={array.shape}"
    if array.dtype.kind != "c":
        if array.ndim == 0:
            return _number_text(array.reshape(1))(array[()])
        return _tensor_text(array, _INDENT)
    summarize = array.size > _print_option("threshold")
    shown = _edges(array) if summarize else array
    real_text, imag_text = _number_text(shown.real), _number_text(shown.imag)
    real_width = max(len(real_text(x)) for x in shown.real.flat)
    imag_width = max(len(imag_text(x)) for x in shown.imag.flat)

    def write(z):
        real = real_text(z.real).rjust(real_width)
        imag = (imag_text(z.imag).rjust(imag_width) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag

    if array.ndim == 0:
        return write(array[()])
    return _nested_text(array, _INDENT, summarize, write, real_width + imag_width + 1)
