"""FractionalMaxPool2d/3d and F.fractional_max_pool2d/3d(_with_indices): against PyTorch with the same
`_random_samples` (values, indices, gradients exactly; float32 too, whose window starts round in float32), and
without PyTorch: the window sequence written out, gradients by finite differences, unbatched input, MaxUnpool,
errors, fresh windows at each call (eager and compiled)."""

import numpy as np
import pytest
from nn_helpers import against_torch, rand, torch_or_skip

import autograd_core as ag
import autograd_core.nn as nn
import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck


def _samples(n, c, nd, seed=3, dtype=np.float64):
    return np.random.default_rng(seed).random((n, c, nd)).astype(dtype)


# (input shape, kernel_size, output_size): 2-d and 3-d, square and not, output 1, outputs up to the bound.
CASES_2D = [((2, 3, 9, 7), 2, (4, 5)), ((2, 3, 9, 7), (3, 2), (7, 6)), ((1, 2, 10, 10), 3, 1),
            ((2, 1, 5, 11), (1, 4), (5, 3))]
CASES_3D = [((2, 2, 6, 7, 5), 2, (3, 4, 2)), ((1, 3, 8, 5, 6), (3, 1, 2), (5, 4, 4))]


@pytest.mark.parametrize("shape,kernel,size", CASES_2D + CASES_3D)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch_with_the_same_samples(shape, kernel, size, dtype):
    torch = torch_or_skip()
    nd = len(shape) - 2
    x = rand(*shape).astype(dtype)
    u = _samples(shape[0], shape[1], nd, dtype=dtype)
    ours = getattr(F, f"fractional_max_pool{nd}d_with_indices")
    theirs = getattr(torch.nn.functional, f"fractional_max_pool{nd}d_with_indices")
    y, i = ours(Value(x), kernel, size, _random_samples=u)
    ty, ti = theirs(torch.tensor(x), kernel, size, _random_samples=torch.tensor(u))
    np.testing.assert_array_equal(i.data, ti.numpy())
    np.testing.assert_array_equal(y.data, ty.numpy())
    assert y.dtype == np.dtype(dtype) and i.dtype == np.int64


@pytest.mark.parametrize("shape,kernel,size", CASES_2D + CASES_3D)
def test_gradients_match_torch(shape, kernel, size):
    torch = torch_or_skip()
    nd = len(shape) - 2
    u = _samples(shape[0], shape[1], nd)
    ours = nn.FractionalMaxPool2d if nd == 2 else nn.FractionalMaxPool3d
    theirs = torch.nn.FractionalMaxPool2d if nd == 2 else torch.nn.FractionalMaxPool3d
    # Ties make a shared maximum: rounding the input to halves puts several windows' maxima on one element.
    x = np.round(rand(*shape) * 2) / 2
    against_torch(ours(kernel, size, return_indices=True, _random_samples=u),
                  theirs(kernel, size, return_indices=True, _random_samples=torch.tensor(u)), x, rtol=0, atol=0,
                  grad_rtol=0, grad_atol=0)


@pytest.mark.parametrize("nd", [2, 3])
def test_unbatched_and_output_ratio_match_torch(nd):
    torch = torch_or_skip()
    shape = (3, 9, 8) if nd == 2 else (2, 7, 6, 8)
    u = _samples(1, shape[0], nd)
    ratio = (0.5,) * nd
    ours = getattr(nn, f"FractionalMaxPool{nd}d")(2, output_ratio=ratio, _random_samples=u)
    theirs = getattr(torch.nn, f"FractionalMaxPool{nd}d")(2, output_ratio=ratio, _random_samples=torch.tensor(u))
    out = against_torch(ours, theirs, rand(*shape))
    assert out.shape == (shape[0],) + tuple(int(n * 0.5) for n in shape[1:])


# Two NaNs in one window: PyTorch keeps the last (`v > max || isnan(v)`); an all −inf window gives its first element.
NAN_ROW = np.array([[[[np.nan, 1.0, np.nan, 3.0, np.nan, -np.inf, -np.inf, -np.inf]]]])


def test_nan_and_minus_infinity_match_torch():
    torch = torch_or_skip()
    x = NAN_ROW
    u = np.array([[[0.0, 0.0]]])
    y, i = F.fractional_max_pool2d(Value(x), (1, 3), (1, 3), return_indices=True, _random_samples=u)
    ty, ti = torch.nn.functional.fractional_max_pool2d(torch.tensor(x), (1, 3), (1, 3), return_indices=True,
                                                       _random_samples=torch.tensor(u))
    np.testing.assert_array_equal(i.data, ti.numpy())
    np.testing.assert_array_equal(y.data, ty.numpy())


def test_module_reprs_state_dicts_and_errors_match_torch():
    torch = torch_or_skip()
    u = _samples(1, 2, 2)
    for build in (lambda nn, s: nn.FractionalMaxPool2d(2, output_size=3),
                  lambda nn, s: nn.FractionalMaxPool2d((2, 3), output_ratio=0.5, return_indices=True),
                  lambda nn, s: nn.FractionalMaxPool2d(2, 3, _random_samples=s),
                  lambda nn, s: nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 0.25))):
        ours, theirs = build(nn, u), build(torch.nn, torch.tensor(u))
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
    for bad in (lambda nn: nn.FractionalMaxPool2d(2), lambda nn: nn.FractionalMaxPool2d(2, 3, 0.5),
                lambda nn: nn.FractionalMaxPool2d(2, output_ratio=1.0), lambda nn: nn.FractionalMaxPool3d(0, 2)):
        with pytest.raises(ValueError):
            bad(torch.nn)
        with pytest.raises(ValueError):
            bad(nn)


# ------------------------------------------------------------------------------------------------------------------
# Without PyTorch.


def _starts(u, n, m, k):
    """The window starts along one axis, written out from the formula in float64."""
    alpha = (n - k) / (m - 1)
    return [int((i + u) * alpha) - int(u * alpha) for i in range(m - 1)] + [n - k]


def test_windows_follow_the_formula():
    x = rand(1, 1, 11, 9)
    uh, uw = 0.3, 0.8
    y, i = F.fractional_max_pool2d(Value(x), 2, (5, 4), return_indices=True, _random_samples=np.array([[[uw, uh]]]))
    for a, h in enumerate(_starts(uh, 11, 5, 2)):
        for b, w in enumerate(_starts(uw, 9, 4, 2)):
            window = x[0, 0, h:h + 2, w:w + 2]
            assert y.data[0, 0, a, b] == window.max()
            dh, dw = np.unravel_index(window.argmax(), window.shape)
            assert i.data[0, 0, a, b] == (h + dh) * 9 + (w + dw)


def test_windows_follow_the_formula_3d():
    x = rand(1, 1, 7, 6, 8)
    u = (0.6, 0.1, 0.45)  # PyTorch's 3-d samples are (T, H, W)
    y = F.fractional_max_pool3d(x, (2, 3, 2), (4, 3, 5), _random_samples=np.array([[u]]))
    starts = [_starts(u[d], n, m, k) for d, (n, m, k) in enumerate(zip((7, 6, 8), (4, 3, 5), (2, 3, 2)))]
    for a, t in enumerate(starts[0]):
        for b, h in enumerate(starts[1]):
            for c, w in enumerate(starts[2]):
                assert y[0, 0, a, b, c] == x[0, 0, t:t + 2, h:h + 3, w:w + 2].max()


def test_nan_is_the_last_one_and_minus_infinity_the_first():
    # u = 0, α = 2.5: windows [0, 3), [2, 5), [5, 8)
    y, i = F.fractional_max_pool2d(NAN_ROW, (1, 3), (1, 3), return_indices=True, _random_samples=np.zeros((1, 1, 2)))
    np.testing.assert_array_equal(i[0, 0, 0], [2, 4, 5])
    assert np.isnan(y[0, 0, 0, :2]).all() and y[0, 0, 0, 2] == -np.inf


def test_window_starts_round_in_the_input_dtype():
    """n = 6, m = 4, u = 0.8: the second start is ⌊1.8·(5/3)⌋ − ⌊0.8·(5/3)⌋ = 3 − 1 = 2 in float64, but 1.8·(5/3)
    rounds just below 3 in float32 (PyTorch's float32 arithmetic, checked against it: [0, 1, 3, 5])."""
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    for dtype, columns in (("float64", [0, 2, 3, 5]), ("float32", [0, 1, 3, 5])):
        u = np.full((1, 1, 2), 0.8, dtype)
        _, i = F.fractional_max_pool2d(x.astype(dtype), 1, 4, return_indices=True, _random_samples=u)
        np.testing.assert_array_equal(i[0, 0, 0], columns, err_msg=dtype)


@pytest.mark.parametrize("nd", [2, 3])
def test_gradcheck(nd):
    shape = (2, 2, 7, 6) if nd == 2 else (1, 2, 5, 6, 5)
    u = _samples(shape[0], shape[1], nd)
    gradcheck(lambda v: F.fractional_max_pool2d(v, 2, (3, 4), _random_samples=u) if nd == 2 else
              F.fractional_max_pool3d(v, 2, (2, 3, 2), _random_samples=u), [rand(*shape)])


def test_shared_maximum_gets_both_gradients():
    x = np.zeros((1, 1, 1, 4))
    x[0, 0, 0, 1] = 5.0  # inside the windows [0, 2) and [1, 3) (u = 0, α = 1)
    v = Value(x)
    y = F.fractional_max_pool2d(v, (1, 2), (1, 3), _random_samples=np.zeros((1, 1, 2)))
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [[[[5.0, 5.0, 0.0]]]])
    np.testing.assert_array_equal(v.grad, [[[[0.0, 2.0, 1.0, 0.0]]]])  # the last window [2, 4): its first 0


def test_unbatched_equals_batched_and_max_unpool_takes_the_indices():
    x, u = rand(3, 8, 8), _samples(1, 3, 2)
    pool = nn.FractionalMaxPool2d(3, output_size=4, return_indices=True, _random_samples=u)
    y, i = pool(Value(x))
    yb, ib = pool(Value(x[None]))
    np.testing.assert_array_equal(y.data, yb.data[0])
    np.testing.assert_array_equal(i.data, ib.data[0])
    back = F.max_unpool2d(yb, ib, 3, output_size=(8, 8))
    flat = back.data.reshape(3, 64)
    np.testing.assert_array_equal(flat[np.arange(3)[:, None], ib.data.reshape(3, -1)], yb.data.reshape(3, -1))
    assert sum(len(np.unique(row)) for row in ib.data.reshape(3, -1)) == np.count_nonzero(back.data)


def test_arrays_in_arrays_out():
    x, u = rand(2, 2, 6, 6), _samples(2, 2, 2)
    y, i = F.fractional_max_pool2d(x, 2, 3, return_indices=True, _random_samples=u)
    assert isinstance(y, np.ndarray) and isinstance(i, np.ndarray)
    np.testing.assert_array_equal(y, F.fractional_max_pool2d(Value(x), 2, 3, _random_samples=u).data)


def test_samples_are_drawn_at_each_call_from_the_default_generator():
    x = Value(rand(1, 4, 16, 16))
    ag.manual_seed(5)
    first = F.fractional_max_pool2d_with_indices(x, 2, 7)[1].data
    second = F.fractional_max_pool2d_with_indices(x, 2, 7)[1].data
    ag.manual_seed(5)
    again = F.fractional_max_pool2d_with_indices(x, 2, 7)[1].data
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, again)
    seeded = F.fractional_max_pool2d_with_indices(x, 2, 7, rng=1)[1].data
    np.testing.assert_array_equal(seeded, F.fractional_max_pool2d_with_indices(x, 2, 7, rng=1)[1].data)


def test_compiled_step_draws_new_windows_and_reads_new_data():
    u = _samples(2, 3, 2)
    fixed = ag.compile(lambda v: F.fractional_max_pool2d(v, 2, (4, 5), _random_samples=u))
    for seed in range(3):
        x = Value(rand(2, 3, 8, 9, seed=seed))
        np.testing.assert_array_equal(fixed(x).data, F.fractional_max_pool2d(x, 2, (4, 5), _random_samples=u).data)
    drawn = ag.compile(lambda v: F.fractional_max_pool2d_with_indices(v, 2, (4, 5))[1])
    x = Value(rand(2, 3, 8, 9))
    assert len({drawn(x).data.tobytes() for _ in range(4)}) > 1
    assert drawn.stats["replayed"] >= 1


def test_errors():
    x = Value(rand(2, 3, 8, 8))
    u = _samples(2, 3, 2)
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(ValueError, match="too large"):
        F.fractional_max_pool2d(x, 5, 5)
    with pytest.raises(ValueError, match="too large"):  # 3-d: PyTorch's strict bound o + k − 1 < n
        F.fractional_max_pool3d(rand(1, 1, 5, 5, 5), 2, (4, 2, 2))
    with pytest.raises(ValueError, match="kernel_size"):
        F.fractional_max_pool2d(x, 0, 3)
    with pytest.raises(TypeError, match="kernel_size"):
        F.fractional_max_pool2d(x, (2, 2, 2), 3)
    with pytest.raises(ValueError, match="output_size"):
        F.fractional_max_pool2d(x, 2, -1)
    with pytest.raises(ValueError, match="output_ratio"):
        F.fractional_max_pool3d(rand(1, 1, 4, 4, 4), 2, output_ratio=(0.5, 0.5))
    with pytest.raises(ag.ShapeError, match="4-D"):
        F.fractional_max_pool2d(rand(1, 2, 3, 8, 8), 2, 3)
    with pytest.raises(ag.ShapeError, match="non-empty"):
        F.fractional_max_pool2d(rand(2, 0, 8, 8), 2, 3)
    with pytest.raises(ag.ShapeError, match="_random_samples"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=u[:1])
    with pytest.raises(ag.ShapeError, match="_random_samples"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=u[..., :1])
    with pytest.raises(ag.DTypeError, match="dtype"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=u.astype(np.float32))
    with pytest.raises(ValueError, match="finite"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=np.where(u > 0.5, np.nan, u))
    with pytest.raises(ag.DTypeError, match="floating"):
        F.fractional_max_pool2d(np.ones((1, 1, 4, 4), np.int64), 2, 3)
    assert x.grad is None  # nothing recorded by the failed calls


def test_output_size_wins_over_ratio_and_zero_sizes_are_empty():
    x, u = rand(2, 3, 8, 8), _samples(2, 3, 2)
    both = F.fractional_max_pool2d(x, 2, 3, 0.5, _random_samples=u)  # PyTorch's functional: output_size wins
    assert both.shape == (2, 3, 3, 3)
    assert F.fractional_max_pool2d(x, 2, (0, 3), _random_samples=u).shape == (2, 3, 0, 3)
    assert F.fractional_max_pool2d(x[:0], 2, 3).shape == (0, 3, 3, 3)
