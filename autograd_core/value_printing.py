"""How a Value prints: PyTorch's set_printoptions for its repr, the repr itself, f-string formats, and what Jupyter
shows (set_display, which autograd_core.viz sets to the picture of the graph). Value's printing methods are written
here and copied onto Value (method_families.py)."""

from __future__ import annotations

import numbers

import numpy as np

from .method_families import attach_methods
from .value import Value

_DISPLAY = [None]  # the function set by `set_display`, or None for plain text

# How a Value's repr prints an array (`set_printoptions` changes it): short, on one line, as micrograd's reprs are
_PRINT_DEFAULTS = {"precision": 4, "threshold": 8, "edgeitems": 2, "linewidth": 75, "sci_mode": None}
_PRINT_OPTIONS = dict(_PRINT_DEFAULTS)
_PRINT_PROFILES = {"default": {}, "short": {"precision": 2}, "full": {"threshold": 2 ** 63 - 1}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """PyTorch's torch.set_printoptions, for how a Value's repr shows its array (the numbers of a 0-d Value keep 6
    significant digits). Options left as None keep their setting, except sci_mode, which PyTorch also sets each call.

    precision: digits after the decimal point (default 4). threshold: more elements than this are summarised with
    "..." (default 8: the repr is one short line). edgeitems: elements shown at each end of a summarised dimension
    (default 2). linewidth: characters per row before NumPy wraps it (the repr joins the rows into one line).
    profile: "default" (the settings above), "short" (precision 2) or "full" (every element), applied first.
    sci_mode: True for scientific notation, False for fixed point, None to let NumPy choose (default).
    Changes this library's reprs only, not NumPy's own print options.
    """
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PRINT_PROFILES)}, got {profile!r}")
        _PRINT_OPTIONS.update(_PRINT_DEFAULTS, **_PRINT_PROFILES[profile])
    for name, number in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                         ("linewidth", linewidth)):
        if number is None:
            continue
        if isinstance(number, float) and number == float("inf") and name == "threshold":
            number = _PRINT_PROFILES["full"]["threshold"]  # PyTorch's threshold=float('inf'): every element
        if isinstance(number, bool) or not isinstance(number, numbers.Integral) or number < 0:
            raise ValueError(f"set_printoptions: {name} must be a nonnegative integer, got {number!r}")
        _PRINT_OPTIONS[name] = int(number)
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise ValueError(f"set_printoptions: sci_mode must be True, False or None, got {sci_mode!r}")
    _PRINT_OPTIONS["sci_mode"] = sci_mode


def _array_print_options():
    """np.array2string's keyword arguments for the current print options."""
    options = _PRINT_OPTIONS
    kwargs = {"precision": options["precision"], "threshold": options["threshold"],
              "edgeitems": options["edgeitems"], "max_line_width": options["linewidth"]}
    if options["sci_mode"] is True:
        digits = options["precision"]
        kwargs["formatter"] = {"float_kind": lambda x: f"{x:.{digits}e}"}
    elif options["sci_mode"] is False:
        kwargs["suppress_small"] = True  # fixed point for every number
    return kwargs


def set_display(show):
    """Make Jupyter (IPython's rich display) show every Value as `show(value, include, exclude)`, a dict
    {mimetype: data}; None restores plain text (the repr). Returns the previous function.

    The core imports no picture code: `autograd_core.viz` calls this when it is imported, so after
    `from autograd_core import viz` a Value displays as the picture of its graph.
    """
    previous, _DISPLAY[0] = _DISPLAY[0], show
    return previous


def _number_text(number):
    """A scalar for a repr, to 6 significant digits; a float keeps a decimal point (2.0, not 2: the number is not an
    integer), as Python's float repr and micrograd's Value(data=2.0) show it."""
    if isinstance(number, bool):
        return str(number)
    text = f"{number:.6g}"
    if isinstance(number, float) and text.lstrip("-").isdigit():
        text += ".0"
    return text


class _Printing:
    """Value's printing methods, written apart (copied onto Value below)."""

    def __repr__(self):
        parts = []
        if self.data.ndim == 0:
            parts.append(_number_text(self.data.item()))
            if self.grad is not None and not isinstance(self.grad, Value):
                parts.append(f"grad={_number_text(np.asarray(self.grad).item())}")
        else:
            body = np.array2string(np.asarray(self.data), separator=", ", **_array_print_options()).replace("\n", "")
            parts.append(f"{body}, shape={self.shape}")
        if self.data.dtype != np.float64:
            parts.append(f"dtype={self.data.dtype}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        elif not self.requires_grad:
            parts.append("requires_grad=False")
        return f"Value({', '.join(parts)})"

    def __format__(self, spec):
        """f"{loss:.4f}": a format spec formats the number of a one-element Value, as PyTorch's tensors do. An empty
        spec gives a 0-d Value's number as Python prints it (PyTorch's f'{nll/n}' prints 2.3826..., not the repr),
        and the repr of any other Value."""
        if not spec:
            return format(self.data.item(), "") if self.data.ndim == 0 else repr(self)
        if self.data.size != 1:
            raise TypeError(f"format spec {spec!r} needs a one-element Value, not one of shape {self.shape} "
                            "(format v.data, or one element of it)")
        return format(self.data.item(), spec)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """What Jupyter shows: the display set with `set_display` (`autograd_core.viz` sets the picture of the
        Value's graph when it is imported), else the repr as plain text."""
        show = _DISPLAY[0]
        if show is None:
            return {"text/plain": repr(self)}
        return show(self, include, exclude)


attach_methods(_Printing, Value)
