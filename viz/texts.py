"""How pictures write numbers, shapes and user text: a number to 4 significant digits (-0 as 0, complex numbers as
Python writes them), an array as its values or min / mean / max, and names cut and escaped for Graphviz's labels.
The explorer and the backward walkthrough write them the same way."""

from __future__ import annotations

import math

import numpy as np

from .graph import complex_summary, summary_stats

MAX_LABEL_CHARS = 80    # names, module scopes, edge formulas: longer text is cut with "…"


def range_text(arrays):
    """'lo to hi' over all of `arrays`, NaN if any holds one; reduced one array at a time (a folded model's
    parameters, joined into one float64 copy, cost as much memory again as the model)."""
    if any(np.asarray(a).dtype.kind == "c" for a in arrays):  # complex numbers have no order: their sizes' range
        arrays = [np.abs(a) for a in arrays]
        return "|·| " + range_text(arrays)
    ranges = [summary_stats(a) for a in arrays if np.size(a)]
    if not ranges:
        return "empty"
    lo, hi = np.min([r[0] for r in ranges]), np.max([r[2] for r in ranges])  # np.min, not min: NaN wins
    return f"{number_text(lo, 3)} to {number_text(hi, 3)}"


def number_text(x, digits=4):
    if isinstance(x, (complex, np.complexfloating)):
        return complex_text(x, digits)
    return f"{float(x) + 0.0:.{digits}g}"  # + 0.0 turns -0.0 into 0.0: "grad -0" reads like a bug


def complex_text(z, digits=4):
    """A complex number as Python writes one, each part to `digits` significant digits: '1+2j', '0.5-1.25j', '3j',
    '-2+0j' (the imaginary part always shown, so that a complex number never reads as a real one)."""
    re, im = float(z.real) + 0.0, float(z.imag) + 0.0
    imag = f"{im:.{digits}g}j"
    if re == 0 and not math.copysign(1, re) < 0:
        return imag
    return f"{re:.{digits}g}{'' if imag[0] == '-' else '+'}{imag}"


def value_text(x):
    return number_text(np.asarray(x).reshape(-1)[0])


def shape_text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


_SCALAR_TYPES = (np.float64, np.float32, np.float16, float)


def value_summary(x, stats=None):
    """A number for a size-1 value, the values of a tiny array, else min / mean / max (looked up in
    `stats` from `summary_table` when it is there)."""
    if x.__class__ in _SCALAR_TYPES:  # the common case in scalar graphs, worth a fast path
        return number_text(x)
    if stats is not None and id(x) in stats and x.size > 4:
        lo, mean, hi = stats[id(x)]  # Python floats; + 0.0 turns -0.0 into 0.0 as number_text does
        mean = shown_mean(mean, lo, hi, x)
        return f"min {lo + 0.0:.3g} mean {mean + 0.0:.3g} max {hi + 0.0:.3g}"
    arr = np.asarray(x)
    if arr.size == 1:
        return number_text(arr.reshape(-1)[0])
    if arr.size == 0:
        return "empty"
    if arr.dtype.kind == "c" and arr.size > 2:  # (two complex numbers fit in a cell: more are summarised)
        mean, largest = complex_summary(arr)
        return f"mean {complex_text(mean, 3)} max |·| {number_text(largest, 3)}"
    if arr.size <= 4:
        if arr.ndim == 2 and arr.shape[0] > 1 and arr.shape[1] > 1:  # a 2 x 2 matrix: rows, as NumPy prints it
            return "[" + " ".join("[" + " ".join(number_text(v, 3) for v in row) + "]" for row in arr) + "]"
        return "[" + " ".join(number_text(v, 3) for v in arr.reshape(-1)) + "]"
    lo, mean, hi = summary_stats(arr)
    return f"min {number_text(lo, 3)} mean {number_text(shown_mean(mean, lo, hi, arr), 3)} max {number_text(hi, 3)}"


def shown_mean(mean, lo, hi, arr):
    """The mean as a picture shows it: 0 when it is below the rounding error of the numbers it averages, e.g. the
    gradient of logits under cross_entropy, which sums to 0 in exact arithmetic and to -4.8e-10 in float32:
    '-4.83e-10' reads as a value, and it is noise.

    The bound is min(size, 64) · eps · max |x|. Each number's rounding error is a few eps of its size, so the mean's
    is a few eps · max |x| whatever the size; means that are 0 in exact arithmetic (the gradients of cross_entropy,
    softmax and batch norm with respect to their inputs, x − x.mean()) came out below 0.1 eps · max |x| on arrays of
    up to a million numbers. A bound growing with the size (as it did) showed a conv layer's real mean of -0.00115
    over 16,384 numbers as 0."""
    dtype = arr.dtype
    if dtype.kind not in "fc" or not (math.isfinite(lo) and math.isfinite(hi)):
        return mean
    eps = _EPS.get(dtype)
    if eps is None:  # np.finfo costs 2 µs a call: a page of 40,000 small arrays asks 40,000 times
        eps = _EPS[dtype] = float(np.finfo(dtype).eps)
    return 0.0 if abs(mean) <= min(arr.size, 64) * eps * max(-lo, hi) else mean


_EPS = {}


def html_text(text, limit=MAX_LABEL_CHARS):
    """User text for an HTML-like label: cut, control characters replaced, markup characters escaped."""
    text = printable(text, limit)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def dot_string(text, limit=MAX_LABEL_CHARS):
    """User text for a double-quoted DOT string: cut to `limit`, control characters replaced, and
    backslashes escaped too (they start Graphviz's own escapes such as \\N or \\G)."""
    return printable(text, limit).replace("\\", "\\\\").replace('"', '\\"')


def printable(text, limit):
    """`text` as one printable line of at most `limit` characters: newlines, NUL and other control
    characters, and lone surrogates (undecodable bytes in argv) become U+FFFD, which Graphviz draws."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if not text.isprintable():
        text = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return text
