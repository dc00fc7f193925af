"""PyTorch's text for a sparse COO tensor's repr: torch/_tensor_str.py's layout and number formatter, rewritten for
NumPy arrays, so that `print(adj)` reads as it does in PyTorch (see SparseTensor.__repr__)."""

from __future__ import annotations

import numpy as np

from .value_printing import _PRINT_DEFAULTS, _PRINT_OPTIONS


def sparse_text(indices, values, shape, default_dtype, grad_fn=None, requires_grad=False):
    """`tensor(indices=tensor(...),\\n values=tensor(...),\\n size=..., nnz=..., ...)` for a sparse COO tensor of
    `shape` storing `values` (nnz, *dense_shape) at `indices` (sparse_dim, nnz); dtype shown unless default_dtype,
    int64 or bool; grad_fn (a name) or requires_grad=True last."""
    indent = len("tensor(")
    suffixes = [f"size={tuple(shape)}", f"nnz={indices.shape[1]}"]
    if values.dtype not in (default_dtype, np.int64, np.bool_):
        suffixes.append(f"dtype=torch.{values.dtype}")
    suffixes.append("layout=torch.sparse_coo")
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = "tensor(indices=tensor(" + _tensor_text(indices, indent + len("indices=tensor(")) + "),\n"
    text += " " * indent + "values=tensor(" + _tensor_text(values, indent + len("values=tensor(")) + ")"
    return _add_suffixes(text, suffixes, indent)


def compressed_text(names, compressed, plain, values, shape, layout, default_dtype, grad_fn=None,
                    requires_grad=False):
    """`tensor(crow_indices=tensor(...),\n col_indices=tensor(...),\n values=tensor(...), size=..., nnz=...)` for a
    tensor of a compressed sparse layout (`names`: its two index arrays' names, `layout`: its torch name); nnz is the
    number of entries per batch. Unlike COO's, the first suffix follows the values on their line when it fits
    (PyTorch forces a new line only for `is_sparse` tensors, and a CSR tensor is not one)."""
    indent = len("tensor(")
    suffixes = [f"size={tuple(shape)}", f"nnz={plain.shape[-1]}"]
    if values.dtype not in (default_dtype, np.int64, np.bool_):
        suffixes.append(f"dtype=torch.{values.dtype}")
    suffixes.append(f"layout=torch.{layout}")
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    parts = []
    for name, array in zip((*names, "values"), (compressed, plain, values)):
        prefix = f"{name}=tensor("
        parts.append(prefix + _tensor_text(array, indent + len(prefix)) + ")")
    return _add_suffixes("tensor(" + (",\n" + " " * indent).join(parts), suffixes, indent, force_newline=False)


_TORCH_PRINT = {"threshold": 1000, "edgeitems": 3, "linewidth": 80}  # PyTorch's defaults


def _print_option(name):
    """An option of set_printoptions where the user changed it; else PyTorch's default (this library's defaults
    keep a dense Value's repr on one short line, which PyTorch's multi-line sparse text is not)."""
    ours = _PRINT_OPTIONS[name]
    return _TORCH_PRINT[name] if name in _TORCH_PRINT and ours == _PRINT_DEFAULTS[name] else ours


def _tensor_text(array, indent):
    """The inside of PyTorch's `tensor(...)` for `array` (its later lines indented by indent + 1): every number in one
    width; more than `threshold` elements summarised to `edgeitems` at each end of each axis."""
    if array.size == 0:
        return f"[], size={array.shape}"
    summarize = array.size > _print_option("threshold")
    text = _number_text(_edges(array) if summarize else array)
    width = max(len(text(x)) for x in (_edges(array) if summarize else array).flat)
    return _nested_text(array, indent, summarize, lambda x: text(x).rjust(width), width)


def _edges(array):
    """The elements a summarised repr shows: `edgeitems` at each end of each axis."""
    edge = _print_option("edgeitems")
    for axis, n in enumerate(array.shape):
        if n > 2 * edge:
            array = np.concatenate([array.take(range(edge), axis), array.take(range(n - edge, n), axis)], axis)
    return array


def _nested_text(array, indent, summarize, write, width):
    edge = _print_option("edgeitems")
    shown = range(len(array))
    cut = summarize and len(array) > 2 * edge
    if cut:
        shown = list(range(edge)) + [None] + list(range(len(array) - edge, len(array)))
    if array.ndim == 1:  # as many numbers on a line as fit in linewidth
        items = [" ..." if i is None else write(array[i]) for i in shown]
        per_line = max(1, (_print_option("linewidth") - indent) // (width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = ["..." if i is None else _nested_text(array[i], indent + 1, summarize, write, width) for i in shown]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _number_text(array):
    """How PyTorch writes each number of `array`: integers as they are; floats `3.` when every finite one is whole,
    else with `precision` decimals, in scientific notation when the nonzero magnitudes span more than 1000, pass 1e8
    or go below 1e-4, unless set_printoptions(sci_mode=...) decides."""
    if array.dtype.kind != "f":
        return str
    precision, sci_mode = _PRINT_OPTIONS["precision"], _PRINT_OPTIONS["sci_mode"]
    finite = array[np.isfinite(array)]
    magnitudes = np.abs(finite[finite != 0]).astype(np.float64)
    whole = bool(np.all(magnitudes == np.ceil(magnitudes)))
    if not magnitudes.size:  # only zeros, nan and inf: PyTorch writes them as whole numbers (`0.`), whatever sci_mode
        sci_mode = False
    elif sci_mode is None:
        big, small = magnitudes.max(), magnitudes.min()
        sci_mode = bool(big / small > 1000 or big > 1e8 or small < 1e-4)
    if sci_mode:
        return lambda x: f"{x:.{precision}e}" if np.isfinite(x) else str(x)
    if whole:
        return lambda x: f"{x:.0f}." if np.isfinite(x) else str(x)
    return lambda x: f"{x:.{precision}f}" if np.isfinite(x) else str(x)


def _add_suffixes(text, suffixes, indent, force_newline=True):
    """text, then each suffix after ", " or on a new line indented by `indent` where the line would pass linewidth;
    the first on a new line when force_newline (a sparse COO tensor's, as PyTorch's _add_suffixes; its line length
    counts two extra)."""
    parts, line_length = [text], len(text) - text.rfind("\n") + 1
    for k, suffix in enumerate(suffixes):
        if (k == 0 and force_newline) or line_length + len(suffix) + 2 > _print_option("linewidth"):
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"
