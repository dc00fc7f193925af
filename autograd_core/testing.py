"""torch.testing: `assert_close` (whether two results agree, with PyTorch's tolerances and messages), its deprecated
predecessor `assert_allclose`, and `make_tensor` (random test inputs of a shape and dtype).

    import autograd_core as torch
    torch.testing.assert_close(model(x), expected)            # float32: rtol 1.3e-6, atol 1e-5
    torch.testing.assert_close(x.grad, 2 * x, rtol=0, atol=0)  # exactly

What it compares: Values, NumPy arrays and scalars, Python numbers, and (recursively) sequences and mappings of
them. Two tensor-likes (Values or arrays) must have the same shape and, unless check_dtype=False, the same dtype;
then every element must satisfy |actual - expected| <= atol + rtol * |expected| (NaN equal to NaN only with
equal_nan=True; infinities must match exactly; integers and bools exactly). Without rtol and atol the defaults are
PyTorch's for the less precise of the two dtypes: float16 (1e-3, 1e-5), float32 (1.3e-6, 1e-5), float64 (1e-7,
1e-7), exact for integers and bools. A failure raises AssertionError with PyTorch's message: how many elements
differ, and the greatest absolute and relative differences with their index.
"""

from __future__ import annotations

import collections.abc
import numbers

import numpy as np

from .ops import data_of
from .value import Value

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# (rtol, atol) by dtype, as torch.testing's defaults; other dtypes (integers, bools) compare exactly
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
               np.dtype(np.complex128): (1e-7, 1e-7)}


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless `actual` and `expected` are close (PyTorch's torch.testing.assert_close).

    actual, expected: Values, ndarrays, NumPy scalars or Python numbers, or sequences / mappings of them (compared
        item by item; the failure names the item). Tensor-likes must have the same shape, and the same dtype unless
        check_dtype=False (then both are compared in their common dtype). Python numbers must be of the same type
        (int, float, bool, complex) under check_dtype.
    rtol, atol: both or neither. Neither: PyTorch's defaults for the dtypes (see the module's docstring); the
        larger of the two dtypes' tolerances applies.
    equal_nan: NaN in the same places counts as equal.
    msg: a string that replaces the message, or a function that takes the message and returns the one to raise.
    allow_subclasses, check_device, check_layout, check_stride: accepted for PyTorch's signature; there is one
        device (the CPU) and one layout here, so they change nothing.
    """
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    failure = _compare(actual, expected, rtol, atol, equal_nan, check_dtype, path=())
    if failure is None:
        return
    exception, message = failure
    if callable(msg):
        message = msg(message)
    elif msg is not None:
        message = msg
    raise exception(message)


# assert_allclose's own defaults (PyTorch's before assert_close), by the less precise of the two dtypes
_ALLCLOSE_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
                        np.dtype(np.float64): (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """torch.testing.assert_allclose (deprecated since PyTorch 1.12, with its FutureWarning): assert_close with NaNs
    equal by default, dtypes free to differ (expected is converted to actual's dtype when it is not a tensor), and
    looser default tolerances: float16 (1e-3, 1e-3), float32 (1e-4, 1e-5), float64 (1e-5, 1e-8), exact otherwise."""
    import warnings

    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
                  "Please use `torch.testing.assert_close()` instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    actual = np.asarray(data_of(actual))
    expected = np.asarray(data_of(expected)) if _is_tensor_like(expected) else np.asarray(expected, actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_TOLERANCES.get(x.dtype, (0.0, 0.0)) for x in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """torch.testing.make_tensor: a Value of `shape` (ints, or one sequence) and `dtype` with numbers drawn uniformly
    from [low, high) by the global generator. Defaults: floats [-9, 9), signed integers [-9, 10), unsigned [0, 10),
    bools {False, True}; low and high are clamped to the dtype's finite range (integers' bounds rounded up).
    requires_grad: floats only. noncontiguous: a strided view (every other element of a last axis twice as long; not
    for fewer than two elements). exclude_zero: zeros become 1 (integers, bools) or the dtype's smallest normal number.
    memory_format: a copy in that layout (not with noncontiguous). device: the CPU."""
    import math
    import warnings

    from .tensor import empty, randint
    from .tensor_methods import on_cpu

    on_cpu(device)
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    kind = np.dtype(dtype).kind
    if kind not in "biuf":
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor(). To request "
                        "support, file an issue at: https://github.com/pytorch/pytorch/issues")
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous} and memory_format={memory_format}")
    if requires_grad and kind in "biu":
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got "
                         f"dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # twice as long in the last axis: the view below takes every other element
        shape = (*shape[:-1], 2 * shape[-1])
    if kind == "f":
        finfo = np.finfo(dtype)
        lowest, highest, default = float(finfo.min), float(finfo.max), (-9, 9)
    else:
        info = np.iinfo(dtype) if kind != "b" else None
        lowest, highest = (0, 2) if kind == "b" else (int(info.min), int(info.max) + (np.dtype(dtype) != np.int64))
        default = (0, 2) if kind == "b" else (-9, 10)
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and kind == "f":
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated "
                      "since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.", FutureWarning,
                      stacklevel=2)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), but {dtype} only "
                         f"supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if kind == "f":
        result = empty(shape, dtype=dtype)
        if high - low >= highest:  # the width itself would overflow: draw in halves and double
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        result = randint(math.ceil(low), math.ceil(high), shape, dtype=dtype)
    if noncontiguous:
        result = result[..., 1::2]  # from the second element, to catch offset mistakes too
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if kind in "biu" else float(np.finfo(dtype).tiny)
    if kind == "f":
        result.requires_grad = requires_grad
    return result


def _compare(actual, expected, rtol, atol, equal_nan, check_dtype, path):
    """None if they are close, else (exception class, message)."""
    if _is_tensor_like(actual) or _is_tensor_like(expected):
        if not (_is_tensor_like(actual) and _is_tensor_like(expected)):
            return _with_path(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} "
                                         f"and {type(expected)}.", path)
        return _compare_arrays(np.asarray(data_of(actual)), np.asarray(data_of(expected)), rtol, atol, equal_nan,
                               check_dtype, path, kind="Tensor-likes")
    if isinstance(actual, numbers.Number) and isinstance(expected, numbers.Number):
        if check_dtype and _number_type(actual) is not _number_type(expected):
            return _with_path(AssertionError, f"The (d)types do not match: {_number_type(actual)} != "
                                              f"{_number_type(expected)}.", path)
        return _compare_arrays(np.asarray(actual), np.asarray(expected), rtol, atol, equal_nan, False, path,
                               kind="Scalars")
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual) != set(expected):
            return _with_path(AssertionError, f"The keys of the mappings do not match:\nMissing keys in the actual "
                                              f"mapping: {sorted(set(expected) - set(actual), key=repr)}\n"
                                              f"Additional keys in the actual mapping: "
                                              f"{sorted(set(actual) - set(expected), key=repr)}", path)
        for key in expected:
            failure = _compare(actual[key], expected[key], rtol, atol, equal_nan, check_dtype, (*path, key))
            if failure is not None:
                return failure
        return None
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            return _with_path(AssertionError, f"The length of the sequences mismatch: {len(actual)} != "
                                              f"{len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            failure = _compare(a, e, rtol, atol, equal_nan, check_dtype, (*path, i))
            if failure is not None:
                return failure
        return None
    return _with_path(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                                 f"{type(expected)}.", path)


def _compare_arrays(actual, expected, rtol, atol, equal_nan, check_dtype, path, kind):
    if actual.shape != expected.shape:
        return _with_path(AssertionError, f"The values for attribute 'shape' do not match: {actual.shape} != "
                                          f"{expected.shape}.", path)
    if check_dtype and actual.dtype != expected.dtype:
        return _with_path(AssertionError, f"The values for attribute 'dtype' do not match: {actual.dtype} != "
                                          f"{expected.dtype}.", path)
    if rtol is None:
        rtol, atol = (max(t) for t in zip(_TOLERANCES.get(actual.dtype, (0.0, 0.0)),
                                         _TOLERANCES.get(expected.dtype, (0.0, 0.0))))
    common = np.result_type(actual, expected)
    if common.kind in "bu":
        common = np.dtype(np.int64)  # True - False has no meaning for bools, nor 1 - 2 for unsigned integers
    a, e = actual.astype(common), expected.astype(common)
    close = _close(a, e, rtol, atol, equal_nan)
    if close.all():
        return None
    exact = rtol == 0 and atol == 0
    kind = "Scalars" if a.ndim == 0 else kind
    return _with_path(AssertionError, _mismatch_message(a, e, close, rtol, atol, kind, exact), path)


def _close(a, e, rtol, atol, equal_nan):
    """Elementwise: |a - e| <= atol + rtol * |e|, infinities equal only to themselves, NaN as equal_nan says."""
    if a.dtype.kind not in "fc":
        return a == e
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(a - e) <= atol + rtol * np.abs(e)
    close |= a == e  # equal infinities (inf - inf is NaN)
    if equal_nan:
        close |= np.isnan(a) & np.isnan(e)
    return close


def _mismatch_message(a, e, close, rtol, atol, kind, exact):
    equal_or_close = "equal" if exact else "close"
    if a.ndim == 0:  # in Python numbers, as PyTorch reports scalars
        actual, expected = a.item(), e.item()
        abs_diff = abs(actual - expected)
        rel_diff = abs_diff / abs(expected) if expected else float("inf")
        lines = [f"{kind} are not {equal_or_close}!", "", f"Expected {expected} but got {actual}.",
                 f"Absolute difference: {abs_diff}" + ("" if exact else f" (up to {atol} allowed)"),
                 f"Relative difference: {rel_diff}" + ("" if exact else f" (up to {rtol} allowed)")]
        return "\n".join(lines)
    mismatched = int(close.size - np.count_nonzero(close))
    abs_diff, rel_diff = _differences(a, e)
    abs_at, rel_at = (_greatest_mismatch(d, close) for d in (abs_diff, rel_diff))
    lines = [f"{kind} are not {equal_or_close}!", "",
             f"Mismatched elements: {mismatched} / {close.size} ({100 * mismatched / close.size:.1f}%)",
             f"Greatest absolute difference: {abs_diff[abs_at].item()} at index {tuple(map(int, abs_at))}"
             + ("" if exact else f" (up to {atol} allowed)"),
             f"Greatest relative difference: {rel_diff[rel_at].item()} at index {tuple(map(int, rel_at))}"
             + ("" if exact else f" (up to {rtol} allowed)")]
    return "\n".join(lines)


def _differences(a, e):
    """|a - e| in their dtype (as PyTorch reports it: an integer for integers) and |a - e| / |e| (inf where e is 0
    and a is not; float32 for integers, PyTorch's default dtype); NaN where either is NaN."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(a - e)
        rel_diff = np.true_divide(abs_diff, np.abs(e), dtype=None if a.dtype.kind in "fc" else np.float32)
    return abs_diff, rel_diff


def _greatest_mismatch(differences, close):
    """The index of the greatest difference among the elements that are not close (NaN counting as greatest)."""
    ranked = np.where(close, -np.inf, differences.real.astype(np.float64))
    ranked[np.isnan(ranked)] = np.inf
    return np.unravel_index(int(np.argmax(ranked)), differences.shape)


def _with_path(exception, message, path):
    if path:
        message += f"\n\nThe failure occurred for item {''.join(f'[{p!r}]' for p in path)}"
    return exception, message


def _is_tensor_like(x):
    return isinstance(x, (Value, np.ndarray, np.generic))


def _number_type(x):
    for kind in (bool, int, float, complex):
        if isinstance(x, kind):
            return kind
    return type(x)


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes))
