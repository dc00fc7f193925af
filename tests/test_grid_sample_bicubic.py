"""Bicubic sampling: F.grid_sample(mode='bicubic') with every padding mode and both align_corners, and
F.interpolate(mode='bicubic') / nn.Upsample: values and gradients (input and grid) against PyTorch in float64, finite
differences without it, and a compiled step replayed on new grids."""

import numpy as np
import pytest
from nn_helpers import against_torch, assert_compiled_training_matches_eager, rand

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

PADDING_MODES = ["zeros", "border", "reflection"]


def _grid(*shape, spread=1.3, seed=1):
    """Sampling points, some outside [−1, 1] so that every padding mode is exercised."""
    return np.random.default_rng(seed).uniform(-spread, spread, size=shape)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("sizes", [((2, 3, 4, 5), (2, 3, 4, 2), 1.3), ((1, 2, 3, 4), (1, 5, 2, 2), 4.0),
                                   ((1, 1, 1, 3), (1, 2, 3, 2), 2.0)], ids=["small", "far-outside", "one-row"])
def test_grid_sample_bicubic_matches_torch(padding_mode, align_corners, sizes):
    torch = pytest.importorskip("torch")
    x_shape, g_shape, spread = sizes
    against_torch(lambda x, g: F.grid_sample(x, g, "bicubic", padding_mode, align_corners),
                  lambda x, g: torch.nn.functional.grid_sample(x, g, "bicubic", padding_mode, align_corners),
                  rand(*x_shape), _grid(*g_shape, spread=spread), rtol=1e-12, atol=1e-13, grad_rtol=1e-10,
                  grad_atol=1e-12)


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_grid_sample_bicubic_finite_differences(padding_mode):
    assert gradcheck(lambda x, g: F.grid_sample(x, g, "bicubic", padding_mode, False),
                     (Value(rand(1, 2, 3, 4)), Value(_grid(1, 2, 3, 2))))


def test_grid_sample_bicubic_reads_pixels_exactly_at_their_centres():
    x = rand(1, 2, 3, 4)
    ys, xs = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 4), indexing="ij")
    grid = np.stack([xs, ys], axis=-1)[None]                          # every pixel centre (align_corners=True)
    out = F.grid_sample(Value(x), grid, "bicubic", "zeros", True)
    np.testing.assert_allclose(out.data, x, rtol=1e-14, atol=1e-15)   # cubic weights 0, 1, 0, 0 there


def test_grid_sample_bicubic_float32_and_errors():
    out = F.grid_sample(Value(rand(1, 1, 3, 3).astype(np.float32)), _grid(1, 2, 2, 2).astype(np.float32),
                        mode="bicubic")
    assert out.dtype == np.float32
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(Value(rand(1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3)), mode="bicubic")


def test_grid_sample_bicubic_compiled_step_replays_on_new_grids():
    def make():
        conv = nn.Conv2d(1, 2, 1, rng=0, dtype=np.float64)
        return conv, ag.optim.SGD(conv.parameters(), lr=0.1)

    def step(conv, optimizer, x, grid):
        optimizer.zero_grad()
        loss = (F.grid_sample(conv(x), grid, mode="bicubic", padding_mode="reflection") ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss

    rng = np.random.default_rng(2)
    batches = [(rng.normal(size=(2, 1, 3, 4)), rng.uniform(-1.5, 1.5, (2, 2, 3, 2))) for _ in range(4)]
    assert_compiled_training_matches_eager(make, step, batches)


# ----------------------------------------------------------------------------------------------------
# interpolate


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("options", [dict(size=(7, 3)), dict(scale_factor=1.7), dict(scale_factor=(0.6, 2.5)),
                                     dict(scale_factor=1.7, recompute_scale_factor=True), dict(size=(1, 1))], ids=str)
def test_interpolate_bicubic_matches_torch(options, align_corners):
    torch = pytest.importorskip("torch")
    against_torch(lambda x: F.interpolate(x, mode="bicubic", align_corners=align_corners, **options),
                  lambda x: torch.nn.functional.interpolate(x, mode="bicubic", align_corners=align_corners, **options),
                  rand(2, 3, 4, 5), rtol=1e-12, atol=1e-13)


def test_interpolate_bicubic_finite_differences_module_and_errors():
    assert gradcheck(lambda x: F.interpolate(x, size=(5, 2), mode="bicubic"), (Value(rand(1, 1, 3, 4)),))
    x = rand(1, 2, 3, 3)
    np.testing.assert_array_equal(F.interpolate(Value(x), size=(3, 3), mode="bicubic").data, x)  # same size: a copy
    up = nn.Upsample(scale_factor=2, mode="bicubic", align_corners=True)
    np.testing.assert_allclose(up(Value(x)).data, F.interpolate(Value(x), scale_factor=2, mode="bicubic",
                                                                align_corners=True).data)
    with pytest.raises(ValueError, match="bicubic"):
        F.interpolate(Value(rand(1, 2, 5)), size=7, mode="bicubic")
    with pytest.raises(ValueError, match="anti-alias"):
        F.interpolate(Value(x), size=(5, 5), mode="nearest", antialias=True)
