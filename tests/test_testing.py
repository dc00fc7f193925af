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
