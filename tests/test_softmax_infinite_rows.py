"""softmax, log_softmax and cross_entropy of rows holding ±inf, on the paths the float64 probe of
test_pytorch_probe_special_values.py does not take: float32, rows longer than 32 (the shift by a reduction along the
rows), a class axis that is not the last (images), many classes (the transposed view), class probabilities, weights.

PyTorch shifts each row by its maximum, infinite or not: a row holding +inf is NaN throughout, and so is a row of
−inf only (−inf − −inf), values and gradients; a row holding −inf next to finite numbers is an ordinary row (0 where
the −inf is). Ours the same: checked without PyTorch on these patterns, and against PyTorch where it is installed.
"""

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn  # noqa: F401  (ag.nn.functional, as torch.nn.functional)

I = np.inf


def _rows(shape, axis, seed=0):
    """Normal numbers of `shape` whose first three rows along `axis` (see `_first_rows`) are: one holding +inf, one
    of −inf only, one holding a −inf among finite numbers."""
    x = np.random.default_rng(seed).standard_normal(shape)
    rows = np.moveaxis(x, axis, -1)  # a view: rows[i, 0, ...] is a row along `axis`
    rows[(0,) * (x.ndim - 1)][1] = I
    rows[(1,) + (0,) * (x.ndim - 2)] = -I
    rows[(2,) + (0,) * (x.ndim - 2)][0] = -I
    return x


def _first_rows(a, axis):
    """The three rows of `_rows` in a result (or gradient) `a` of the same shape."""
    rows = np.moveaxis(a, axis, -1)
    return [rows[(i,) + (0,) * (a.ndim - 2)] for i in range(3)]


def _run(lib, fn, x, dtype):
    """(value, gradient of x) of fn(x) in library `lib` (autograd_core or torch), for a random incoming gradient."""
    v = lib.tensor(x, dtype=dtype, requires_grad=True)
    out = fn(v)
    g = np.random.default_rng(1).standard_normal(tuple(out.shape))
    (gx,) = lib.autograd.grad(out, v, grad_outputs=lib.tensor(g, dtype=dtype))
    return np.asarray(out.detach().tolist(), float), np.asarray(gx.tolist(), float)


# (shape, axis): short rows on the last axis, long rows (> 32), an axis that is not the last
SOFTMAX_CASES = [((4, 3), 1), ((4, 40), 1), ((4, 3), 0), ((3, 40, 4), 1)]
SOFTMAX_FNS = {  # name: fn(library, axis) -> the function of a tensor
    "softmax": lambda t, axis: lambda v: t.nn.functional.softmax(v, dim=axis),
    "log_softmax": lambda t, axis: lambda v: t.nn.functional.log_softmax(v, dim=axis),
    "Value.softmax": lambda t, axis: lambda v: v.softmax(axis),
    "LogSoftmax": lambda t, axis: t.nn.LogSoftmax(dim=axis),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_family_rows_with_infinities(dtype):
    torch = None
    try:
        import torch
    except ImportError:  # the numbers below are checked without it
        pass
    for shape, axis in SOFTMAX_CASES:
        x = _rows(shape, axis)
        for name, fn in SOFTMAX_FNS.items():
            value, grad = _run(ag, fn(ag, axis), x, getattr(ag, dtype))
            where = f"{name} of {shape} along {axis}, {dtype}"
            (plus_inf, all_minus_inf, one_minus_inf), grads = _first_rows(value, axis), _first_rows(grad, axis)
            assert np.isnan(plus_inf).all() and np.isnan(all_minus_inf).all(), where
            assert np.isnan(grads[0]).all() and np.isnan(grads[1]).all(), where
            assert not np.isnan(one_minus_inf).any() and np.isfinite(grads[2]).all(), where
            if torch is not None:
                theirs = _run(torch, fn(torch, axis), x, getattr(torch, dtype))
                for part, ours, their in zip(("value", "gradient"), (value, grad), theirs):
                    np.testing.assert_allclose(ours, their, rtol=1e-5, atol=1e-6, equal_nan=True,
                                               err_msg=f"{where}: {part}")


def _cross_entropy_cases(t):
    """(name, logits (N, C, ...), loss of a Value v) with rows holding +inf, all −inf and one −inf."""
    many, images, few = _rows((5, 40), 1), _rows((3, 4, 2, 2), 1), _rows((5, 3), 1)
    labels = t.tensor([3, 0, 1, 2, 0])
    probabilities = t.tensor(np.full((5, 3), 1 / 3))
    return [
        ("many classes", many, lambda v: t.nn.functional.cross_entropy(v, labels, reduction="none")),
        ("images", images, lambda v: t.nn.functional.cross_entropy(v, t.tensor(np.ones((3, 2, 2), int)),
                                                                     reduction="none")),
        ("probabilities", few, lambda v: t.nn.functional.cross_entropy(v, probabilities.to(v.dtype),
                                                                        reduction="none")),
        ("smoothing", few, lambda v: t.nn.functional.cross_entropy(v, labels % 3, label_smoothing=0.2,
                                                                    reduction="sum")),
        ("weight, ignore_index", few, lambda v: t.nn.functional.cross_entropy(
            v, labels % 3, weight=t.tensor([1.0, 2.0, 3.0], dtype=v.dtype), ignore_index=2, reduction="none")),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_rows_with_infinities(dtype):
    torch = None
    try:
        import torch
    except ImportError:
        pass
    for (name, x, loss), theirs in zip(_cross_entropy_cases(ag),
                                       _cross_entropy_cases(torch) if torch is not None else [None] * 5):
        value, grad = _run(ag, loss, x, getattr(ag, dtype))
        # the gradients of a sample holding +inf, of one of −inf only: NaN throughout; one −inf among finite: finite
        plus_inf, all_minus_inf, one_minus_inf = _first_rows(grad, 1)
        assert np.isnan(plus_inf).all() and np.isnan(all_minus_inf).all() and np.isfinite(one_minus_inf).all(), name
        if theirs is not None:
            expected = _run(torch, theirs[2], x, getattr(torch, dtype))
            for part, ours, their in zip(("value", "gradient"), (value, grad), expected):
                np.testing.assert_allclose(ours, their, rtol=1e-5, atol=1e-6, equal_nan=True,
                                           err_msg=f"{name}, {dtype}: {part}")
