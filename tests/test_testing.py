"""autograd_core.testing.assert_close: PyTorch's tolerances, checks and messages (torch.testing.assert_close)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_core as ag

NAN, INF = float("nan"), float("inf")

# (name, inputs for a library T, keyword arguments): each runs with ours and, where installed, with PyTorch, and
# both must pass, or fail with the same exception and message (class names, torch.Size and torch.dtype aside).
CASES = [
    ("equal", lambda T: (T.ones(3), T.ones(3)), {}),
    ("float32 far", lambda T: (T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.5, 3.0])), {}),
    ("float32 within", lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0 + 2e-6])), {}),
    ("float64 within", lambda T: (T.tensor([1.0], dtype=T.float64), T.tensor([1.0 + 5e-8], dtype=T.float64)), {}),
    ("float64 far", lambda T: (T.tensor([1.0], dtype=T.float64), T.tensor([1.0 + 5e-7], dtype=T.float64)), {}),
    ("float16", lambda T: (T.tensor([1.0], dtype=T.float16), T.tensor([1.0009765625], dtype=T.float16)), {}),
    ("2-d", lambda T: (T.tensor([[1.0, 2.0], [3.0, 4.0]]), T.tensor([[1.0, 2.0], [3.1, 4.0]])), {}),
    ("0-d", lambda T: (T.tensor(1.0), T.tensor(1.5)), {}),
    ("shape", lambda T: (T.ones(2), T.ones(3)), {}),
    ("dtype", lambda T: (T.ones(2, dtype=T.float32), T.ones(2, dtype=T.float64)), {}),
    ("dtype unchecked", lambda T: (T.ones(2, dtype=T.float32), T.ones(2, dtype=T.float64)), dict(check_dtype=False)),
    ("integers", lambda T: (T.tensor([1, 2]), T.tensor([1, 3])), {}),
    ("bools", lambda T: (T.tensor([True, False]), T.tensor([True, True])), {}),
    ("numbers", lambda T: (1.0, 1.5), {}),
    ("int and float", lambda T: (1, 1.0), {}),
    ("nan", lambda T: (T.tensor([NAN, 1.0]), T.tensor([NAN, 2.0])), {}),
    ("nan equal", lambda T: (T.tensor([NAN]), T.tensor([NAN])), dict(equal_nan=True)),
    ("infinities", lambda T: (T.tensor([INF, -INF]), T.tensor([INF, -INF])), {}),
    ("infinity against a number", lambda T: (T.tensor([INF]), T.tensor([1e38])), {}),
    ("zero expected", lambda T: (T.tensor([1e-6, 1.0]), T.tensor([0.0, 0.0])), {}),
    ("exactly", lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0001])), dict(rtol=0, atol=0)),
    ("own tolerances", lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0001])), dict(rtol=1e-3, atol=0)),
    ("rtol alone", lambda T: (T.ones(2), T.ones(2)), dict(rtol=1e-3)),
    ("message", lambda T: (T.ones(1), T.zeros(1)), dict(msg="custom")),
    ("message function", lambda T: (T.ones(1), T.zeros(1)), dict(msg=lambda m: "prefix: " + m[:10])),
    ("list", lambda T: ([T.ones(2), T.zeros(2)], [T.ones(2), T.ones(2)]), {}),
    ("list length", lambda T: ([T.ones(2)], [T.ones(2), T.ones(2)]), {}),
    ("mapping keys", lambda T: ({"a": T.ones(2)}, {"a": T.ones(2), "b": T.ones(1)}), {}),
    ("nested", lambda T: ({"a": [T.ones(1), T.ones(2)]}, {"a": [T.ones(1), T.zeros(2)]}), {}),
    ("tensor and list", lambda T: (T.ones(1), [1.0]), {}),
]


def outcome(T, make, kwargs):
    actual, expected = make(T)
    try:
        T.testing.assert_close(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001  (the outcome is what is compared)
        return type(e).__name__, str(e)
    return "passed", ""


def _as_ours(text):
    """PyTorch's message in this library's words: its classes, shapes and dtypes are ours here."""
    text = re.sub(r"torch\.Size\(\[(\d+)\]\)", r"(\1,)", text)
    text = re.sub(r"torch\.(float|int)(\d+)", r"\1\2", text)
    return text.replace("torch.Tensor", "autograd_core.value.Value")


@pytest.mark.parametrize("name, make, kwargs", CASES, ids=[c[0] for c in CASES])
def test_assert_close_agrees_with_pytorch(name, make, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = outcome(ag, make, kwargs), outcome(torch, make, kwargs)
    assert ours == (theirs[0], _as_ours(theirs[1]))


def test_the_messages_without_pytorch():
    # The same cases' messages written out, so that they are checked where PyTorch is not installed.
    assert outcome(ag, CASES[1][1], {}) == ("AssertionError", (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)"))
    assert outcome(ag, dict(CASES_BY_NAME)["0-d"], {}) == ("AssertionError", (
        "Scalars are not close!\n\nExpected 1.5 but got 1.0.\nAbsolute difference: 0.5 (up to 1e-05 allowed)\n"
        "Relative difference: 0.3333333333333333 (up to 1.3e-06 allowed)"))
    assert outcome(ag, dict(CASES_BY_NAME)["integers"], {}) == ("AssertionError", (
        "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\n"
        "Greatest absolute difference: 1 at index (1,)\n"
        "Greatest relative difference: 0.3333333432674408 at index (1,)"))
    assert outcome(ag, dict(CASES_BY_NAME)["dtype"], {}) == (
        "AssertionError", "The values for attribute 'dtype' do not match: float32 != float64.")
    assert outcome(ag, dict(CASES_BY_NAME)["nested"], {})[1].endswith("The failure occurred for item ['a'][1]")
    assert outcome(ag, dict(CASES_BY_NAME)["rtol alone"], dict(rtol=1e-3)) == (
        "ValueError", "Both 'rtol' and 'atol' must be either specified or omitted, but got no atol.")
    for name in ("equal", "float32 within", "float64 within", "dtype unchecked", "nan equal", "infinities"):
        make, kwargs = next((m, k) for n, m, k in CASES if n == name)
        assert outcome(ag, make, kwargs) == ("passed", ""), name


CASES_BY_NAME = [(name, make) for name, make, _ in CASES]


def test_numpy_arrays_and_gradients_compare_as_tensors():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    (x * x).sum().backward()
    ag.testing.assert_close(x.grad, 2 * x.detach())
    ag.testing.assert_close(x.grad, np.array([2.0, 4.0]))
    with pytest.raises(AssertionError, match="Greatest absolute difference: 1.0 at index"):
        ag.testing.assert_close(x.grad, np.array([2.0, 5.0]))


# ----------------------------------------------------------------------------------------------------
# assert_allclose (deprecated in PyTorch) and make_tensor


ALLCLOSE_CASES = [
    ("float32 within its old tolerance", lambda T: (T.tensor([1.0]), T.tensor([1.00005])), {}),
    ("float32 beyond it", lambda T: (T.tensor([1.0]), T.tensor([1.001])), {}),
    ("float64 within", lambda T: (T.tensor([1.0], dtype=T.float64), T.tensor([1.000005], dtype=T.float64)), {}),
    ("NaNs equal by default", lambda T: (T.tensor([NAN, 1.0]), T.tensor([NAN, 1.0])), {}),
    ("NaNs apart", lambda T: (T.tensor([NAN, 1.0]), T.tensor([NAN, 1.0])), dict(equal_nan=False)),
    ("a list expected, in actual's dtype", lambda T: (T.tensor([1.0, 2.0]), [1.0, 2.0]), {}),
    ("dtypes may differ", lambda T: (T.ones(2, dtype=T.float32), T.ones(2, dtype=T.float64)), {}),
    ("own tolerances", lambda T: (T.tensor([1.0]), T.tensor([1.5])), dict(rtol=0.0, atol=0.6)),
    ("a message", lambda T: (T.tensor([1.0]), T.tensor([2.0])), dict(msg="custom words")),
]


@pytest.mark.parametrize("name", [c[0] for c in ALLCLOSE_CASES])
def test_assert_allclose_passes_and_fails_as_pytorchs(name):
    make, kwargs = next((c[1], c[2]) for c in ALLCLOSE_CASES if c[0] == name)
    outcomes = []
    libraries = [ag]
    try:
        import torch

        libraries.append(torch)
    except ImportError:
        pass
    for T in libraries:
        with pytest.warns(FutureWarning, match="assert_allclose\\(\\)` is deprecated since 1.12"):
            try:
                T.testing.assert_allclose(*make(T), **kwargs)
                outcomes.append(None)
            except AssertionError as error:
                outcomes.append(str(error).replace("torch.", ""))
    assert len(set(outcomes)) == 1, outcomes
    expected_to_fail = name in ("float32 beyond it", "NaNs apart", "a message")
    assert (outcomes[0] is not None) == expected_to_fail
    if name == "a message":
        assert outcomes[0] == "custom words"


@pytest.mark.parametrize("dtype, interval", [("float32", (-9, 9)), ("float64", (-9, 9)), ("float16", (-9, 9)),
                                             ("int64", (-9, 9)), ("int8", (-9, 9)), ("uint8", (0, 9)),
                                             ("bool", (0, 1))])
def test_make_tensor_draws_from_pytorchs_default_intervals(dtype, interval):
    x = ag.testing.make_tensor(40, 50, dtype=getattr(ag, dtype), device="cpu")
    assert x.shape == (40, 50) and x.dtype == np.dtype(dtype) and not x.requires_grad
    data = x.data.astype(np.float64)
    low, high = interval
    assert data.min() >= low and data.max() <= high
    assert data.min() < low + 1 and data.max() > high - 1  # 2,000 draws reach both ends of the interval
    if np.dtype(dtype).kind == "f":
        assert len(np.unique(data)) > 1000


def test_make_tensor_options():
    T = ag.testing.make_tensor
    assert T((2, 3), dtype=ag.float32, device="cpu").shape == (2, 3)  # one sequence as the shape
    x = T(3, 4, dtype=ag.float64, device="cpu", low=2.0, high=3.0, requires_grad=True)
    assert x.requires_grad and x.is_leaf and 2.0 <= x.data.min() and x.data.max() < 3.0
    y = T(3, 4, dtype=ag.float32, device="cpu", noncontiguous=True, requires_grad=True)
    assert y.shape == (3, 4) and not y.is_contiguous() and y.is_leaf
    (y * 2).sum().backward()
    np.testing.assert_array_equal(y.grad, np.full((3, 4), 2.0))
    assert T(1, dtype=ag.float32, device="cpu", noncontiguous=True).is_contiguous()  # one element: left as it is
    z = T(200, dtype=ag.int64, device="cpu", low=-1, high=2, exclude_zero=True)
    assert set(np.unique(z.data)) <= {-1, 1} and 1 in z.data
    w = T(200, dtype=ag.float32, device="cpu", low=0, high=1e-30, exclude_zero=True)
    assert (w.data != 0).all()
    huge = T(100, dtype=ag.float64, device="cpu", low=-1e308, high=1e308)  # clamped, drawn in halves
    assert np.isfinite(huge.data).all() and np.abs(huge.data).max() > 1e306
    assert T(4, 4, dtype=ag.int32, device="cpu", low=-10**12, high=10**12).dtype == np.int32  # clamped to int32


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(dtype="int64", requires_grad=True), ValueError, "not supported for boolean and integral dtypes"),
    (dict(dtype="float32", low=3, high=1), ValueError, r"`low` must be less than `high`, but got 3 >= 1"),
    (dict(dtype="float32", low=NAN), ValueError, "cannot be NaN"),
    (dict(dtype="uint8", low=-20, high=-10), ValueError, r"is \[-20, -10\), but uint8 only supports \[0, 256\)"),
    (dict(dtype="float32", noncontiguous=True, memory_format="channels_last"), ValueError, "mutually exclusive"),
    (dict(dtype="float32", device="cuda"), RuntimeError, "cuda"),
])
def test_make_tensor_refuses_what_pytorchs_refuses(kwargs, error, words):
    kwargs = dict(kwargs)
    kwargs["dtype"] = getattr(ag, kwargs["dtype"])
    if kwargs.get("memory_format") == "channels_last":
        kwargs["memory_format"] = ag.channels_last
    kwargs.setdefault("device", "cpu")
    with pytest.raises(error, match=words):
        ag.testing.make_tensor(2, 3, 4, 5, **kwargs)


def test_make_tensor_low_equal_to_high_warns_for_floats():
    with pytest.warns(FutureWarning, match="Passing `low==high`"):
        x = ag.testing.make_tensor(3, dtype=ag.float32, device="cpu", low=1.0, high=1.0)
    np.testing.assert_array_equal(x.data, np.ones(3, dtype=np.float32))
