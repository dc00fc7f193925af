"""autograd_core.vision.transforms' augmentations (torchvision v1): RandomResizedCrop, ColorJitter and the adjust_*
functions, RandomRotation/RandomAffine (rotate, affine), GaussianBlur, RandomErasing, RandomApply/Choice/Order,
RandomGrayscale, FiveCrop/TenCrop and the RandomInvert family.

Expected values are worked out by hand on small images (a 90° rotation is np.rot90, a whole-pixel translation a
shift, a half-pixel one the mean of two neighbours), by independent code (colorsys for the hue, np.pad and a loop
for the blur), and, where PyTorch is installed, by torch's own affine_grid/grid_sample and conv2d (torchvision is
not installed; its tensor formulas are written out in the comments). Seeded draws are replayed by hand from
autograd_core's generator in torchvision's order.
"""

import colorsys
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.vision import transforms as T
from autograd_core.vision.transforms import functional as TF

RNG = np.random.default_rng(1)


def _rgb(height=6, width=7):
    return RNG.integers(0, 256, (height, width, 3), dtype=np.uint8)


def _tensor(array):
    """An image array H×W×C as the uint8 tensor image (C, H, W) of the same pixels."""
    return TF.pil_to_tensor(array)


def _uniform_draws(count):
    return [float(ag.empty(1).uniform_(0.0, 1.0).item()) for _ in range(count)]


# -- both kinds of image, dtypes, the caller's array -------------------------------------------------------------

SAME_ON_BOTH_KINDS = {
    "adjust_brightness": lambda img: TF.adjust_brightness(img, 1.7),
    "adjust_contrast": lambda img: TF.adjust_contrast(img, 0.6),
    "adjust_saturation": lambda img: TF.adjust_saturation(img, 1.8),
    "adjust_hue": lambda img: TF.adjust_hue(img, -0.3),
    "adjust_gamma": lambda img: TF.adjust_gamma(img, 0.7, gain=1.1),
    "adjust_sharpness": lambda img: TF.adjust_sharpness(img, 3.0),
    "invert": TF.invert,
    "posterize": lambda img: TF.posterize(img, 3),
    "solarize": lambda img: TF.solarize(img, 100),
    "autocontrast": TF.autocontrast,
    "equalize": TF.equalize,
    "gaussian_blur": lambda img: TF.gaussian_blur(img, [3, 5], [0.8, 1.3]),
    "rotate": lambda img: TF.rotate(img, 33, interpolation="bilinear", fill=[9.0, 99.0, 199.0]),
    "rotate_expand": lambda img: TF.rotate(img, -20, expand=True),
    "affine": lambda img: TF.affine(img, 12, [1, -2], 0.9, [5, -3], interpolation="bilinear", fill=40),
    "resized_crop": lambda img: TF.resized_crop(img, 1, 2, 4, 3, [5, 5]),
}


@pytest.mark.parametrize("name", sorted(SAME_ON_BOTH_KINDS))
def test_an_image_array_gives_the_tensor_formula_in_its_own_layout_and_is_not_modified(name):
    function = SAME_ON_BOTH_KINDS[name]
    rgb = _rgb(12, 13)
    before = rgb.copy()
    out = function(rgb)
    assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    assert np.array_equal(rgb, before) and not np.shares_memory(out, rgb)
    tensor_out = function(_tensor(rgb))
    assert isinstance(tensor_out, ag.Value) and tensor_out.dtype == np.uint8
    np.testing.assert_array_equal(out, tensor_out.numpy().transpose(1, 2, 0))


@pytest.mark.parametrize("name", sorted(SAME_ON_BOTH_KINDS))
def test_a_batch_of_tensor_images_is_each_image_alike(name):
    function = SAME_ON_BOTH_KINDS[name]
    first, second = _rgb(12, 13), _rgb(12, 13)
    batch = ag.from_numpy(np.stack([first.transpose(2, 0, 1), second.transpose(2, 0, 1)]))
    out = function(batch).numpy()
    np.testing.assert_array_equal(out[0], function(_tensor(first)).numpy())
    np.testing.assert_array_equal(out[1], function(_tensor(second)).numpy())


def test_a_gray_image_array_stays_two_dimensional():
    gray = RNG.integers(0, 256, (6, 6), dtype=np.uint8)
    for out in (TF.adjust_brightness(gray, 0.5), TF.rotate(gray, 90), TF.gaussian_blur(gray, 3), TF.invert(gray),
                TF.adjust_saturation(gray, 0.0), TF.adjust_hue(gray, 0.2)):
        assert out.shape == (6, 6) and out.dtype == np.uint8 and not np.shares_memory(out, gray)
    np.testing.assert_array_equal(TF.adjust_hue(gray, 0.2), gray)  # one channel: hue and saturation leave it


def test_float_tensor_images_stay_in_the_graph():
    x = ag.from_numpy(RNG.random((1, 3, 5, 5)).astype(np.float32) * 0.5).requires_grad_()
    TF.adjust_brightness(x, 1.5).sum().backward()
    np.testing.assert_allclose(x.grad, np.full(x.shape, 1.5))  # d(1.5 x)/dx, nothing clamped below 0.75
    x.grad = None
    TF.gaussian_blur(x, 3, 1.0).sum().backward()
    assert x.grad.shape == x.shape and np.isclose(x.grad.sum(), x.size)  # the kernel sums to 1
    x.grad = None
    TF.rotate(x, 90).sum().backward()  # 90° on a square: a permutation, every input pixel read once
    np.testing.assert_array_equal(x.grad, np.ones(x.shape))


# -- colour: brightness, contrast, saturation, hue -----------------------------------------------------------------

def test_brightness_blends_with_black_clamps_and_truncates_uint8():
    row = np.array([[[10, 100, 200]]], dtype=np.uint8)  # (C=1, H=1, W=3)
    np.testing.assert_array_equal(TF.adjust_brightness(ag.from_numpy(row), 1.5).numpy(), [[[15, 150, 255]]])
    # torchvision: (f · x + (1 − f) · 0).clamp(0, 255).to(uint8), in float32: .to truncates
    np.testing.assert_array_equal(TF.adjust_brightness(ag.from_numpy(row), 0.37).numpy(), [[[3, 37, 74]]])  # 3.7
    floats = ag.from_numpy(np.array([[[0.2, 0.5, 0.8]]], np.float32))
    np.testing.assert_allclose(TF.adjust_brightness(floats, 2.0).numpy(), [[[0.4, 1.0, 1.0]]])
    with pytest.raises(ValueError, match="is not non-negative"):
        TF.adjust_brightness(floats, -0.1)


def test_contrast_blends_with_the_mean_of_the_truncated_grayscale():
    gray = ag.from_numpy(np.array([[[0, 100], [200, 50]]], dtype=np.uint8))  # mean 87.5
    # 2x − 87.5: −87.5, 112.5, 312.5, 12.5 -> clamp, truncate
    np.testing.assert_array_equal(TF.adjust_contrast(gray, 2.0).numpy(), [[[0, 112], [255, 12]]])
    # RGB (200, 200, 200): luma 0.2989·200 + 0.587·200 + 0.114·200 = 199.98, truncated to uint8 199 before the
    # mean (torchvision's rgb_to_grayscale of uint8); 2 · 200 − 199 = 201 (the float mean would give 200)
    rgb = np.full((1, 2, 3), 200, np.uint8)
    np.testing.assert_array_equal(TF.adjust_contrast(rgb, 2.0), np.full((1, 2, 3), 201))
    assert TF.adjust_contrast(rgb, 0.0).dtype == np.uint8


def test_saturation_zero_is_the_grayscale_and_one_the_image():
    rgb = _rgb()
    np.testing.assert_array_equal(TF.adjust_saturation(_tensor(rgb), 0.0).numpy(),
                                  TF.rgb_to_grayscale(_tensor(rgb), 3).numpy())
    np.testing.assert_array_equal(TF.adjust_saturation(rgb, 1.0), rgb)
    with pytest.raises(TypeError, match="permitted channel values are \\[1, 3\\], but found 4"):
        TF.adjust_saturation(ag.zeros(4, 2, 2), 0.5)


def test_hue_of_red_by_half_a_turn_is_cyan():
    red = np.zeros((1, 1, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_array_equal(TF.adjust_hue(red, 0.5), [[[0, 255, 255]]])
    np.testing.assert_array_equal(TF.adjust_hue(red, -0.5), [[[0, 255, 255]]])
    np.testing.assert_array_equal(TF.adjust_hue(red, 0.0), red)
    with pytest.raises(ValueError, match=r"is not in \[-0.5, 0.5\]"):
        TF.adjust_hue(red, 0.6)


def test_hue_matches_colorsys_on_float_pixels():
    image = RNG.random((3, 4, 5)).astype(np.float32)
    image[:, 0, 0] = 0.5  # a gray pixel: hue and saturation 0
    image[:, 0, 1] = image[:, 0, 2] = (0.9, 0.9, 0.2)  # two channels equal to the maximum
    for factor in (0.27, -0.41):
        out = TF.adjust_hue(ag.from_numpy(image), factor).numpy()
        for i in range(4):
            for j in range(5):
                h, s, v = colorsys.rgb_to_hsv(*image[:, i, j].astype(float))
                expected = colorsys.hsv_to_rgb((h + factor) % 1.0, s, v)
                np.testing.assert_allclose(out[:, i, j], expected, atol=2e-6)


def test_gamma_is_gain_times_the_power_of_the_scaled_image():
    row = np.array([[0, 64, 255]], np.uint8)
    # (64 / 255)^2 = 0.06299, × 255.999 (convert_image_dtype) = 16.13 -> 16; 1 × 255.999 -> 255
    np.testing.assert_array_equal(TF.adjust_gamma(row, 2.0), [[0, 16, 255]])
    floats = ag.from_numpy(np.array([[[0.25, 0.81]]], np.float32))
    np.testing.assert_allclose(TF.adjust_gamma(floats, 0.5, gain=2.0).numpy(), [[[1.0, 1.0]]])  # 2·0.5, 2·0.9 -> 1
    np.testing.assert_allclose(TF.adjust_gamma(floats, 0.5, gain=1.0).numpy(), [[[0.5, 0.9]]], rtol=1e-6)
    with pytest.raises(ValueError, match="non-negative real number"):
        TF.adjust_gamma(row, -1)


# -- colour: sharpness, invert, posterize, solarize, autocontrast, equalize ------------------------------------------

def test_sharpness_blends_with_the_inner_pixels_smoothed_by_the_1_5_1_kernel():
    dot = np.zeros((1, 3, 3), np.uint8)
    dot[0, 1, 1] = 13  # smoothed centre: 5 · 13 / 13 = 5; the border is not smoothed
    np.testing.assert_array_equal(TF.adjust_sharpness(ag.from_numpy(dot), 0.0).numpy()[0],
                                  [[0, 0, 0], [0, 5, 0], [0, 0, 0]])
    np.testing.assert_array_equal(TF.adjust_sharpness(ag.from_numpy(dot), 2.0).numpy()[0],
                                  [[0, 0, 0], [0, 21, 0], [0, 0, 0]])  # 2 · 13 − 5
    flat = np.full((1, 4, 4), 9, np.uint8)  # smoothing a flat image changes nothing, its border included
    np.testing.assert_array_equal(TF.adjust_sharpness(ag.from_numpy(flat), 0.0).numpy(), flat)
    thin = _rgb(2, 5)
    np.testing.assert_array_equal(TF.adjust_sharpness(thin, 0.0), thin)  # 2 rows: nothing inside
    with pytest.raises(ValueError, match="sharpness_factor"):
        TF.adjust_sharpness(thin, -1)


def test_invert_posterize_and_solarize_by_hand():
    values = ag.from_numpy(np.array([[[0, 31, 32, 127, 128, 200, 255]]], np.uint8))
    np.testing.assert_array_equal(TF.invert(values).numpy(), [[[255, 224, 223, 128, 127, 55, 0]]])
    np.testing.assert_allclose(TF.invert(ag.from_numpy(np.array([[[0.25]]], np.float32))).numpy(), [[[0.75]]])
    # 3 bits kept: & 0b11100000
    np.testing.assert_array_equal(TF.posterize(values, 3).numpy(), [[[0, 0, 32, 96, 128, 192, 224]]])
    np.testing.assert_array_equal(TF.posterize(values, 0).numpy(), np.zeros((1, 1, 7)))
    np.testing.assert_array_equal(TF.posterize(values, 8).numpy(), values.numpy())
    np.testing.assert_array_equal(TF.solarize(values, 128).numpy(), [[[0, 31, 32, 127, 127, 55, 0]]])
    with pytest.raises(TypeError, match="Only uint8"):
        TF.posterize(ag.zeros(1, 2, 2), 3)
    with pytest.raises(ValueError, match="between 0 and 8"):
        TF.posterize(values, 9)
    with pytest.raises(TypeError, match="less than bound"):
        TF.solarize(values, 256)
    with pytest.raises(TypeError, match="at least 3 dimensions"):
        TF.invert(ag.zeros(2, 2))


def test_autocontrast_stretches_each_channel_and_leaves_a_flat_one():
    image = np.zeros((2, 1, 1, 3), np.uint8)  # two one-channel images
    image[0, 0, 0] = (50, 100, 150)  # scale 255 / 100: 0, 127.5 -> 127, 255
    image[1, 0, 0] = (7, 7, 7)       # flat
    np.testing.assert_array_equal(TF.autocontrast(ag.from_numpy(image)).numpy(), [[[[0, 127, 255]]], [[[7, 7, 7]]]])
    floats = ag.from_numpy(np.array([[[0.2, 0.4, 0.6]]], np.float32))
    np.testing.assert_allclose(TF.autocontrast(floats).numpy(), [[[0.0, 0.5, 1.0]]], atol=1e-6)


def test_equalize_uses_the_cumulative_histogram_in_steps():
    # 300 pixels each of 10, 20, 30: step = (300 + 300) // 255 = 2; value v maps to (count below v + 1) // 2:
    # 10 -> 0, 20 -> 301 // 2 = 150, 30 -> 601 // 2 = 300, clamped to 255
    levels = np.repeat(np.array([10, 20, 30], np.uint8), 300).reshape(30, 30)
    out = TF.equalize(levels)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.select([levels == 10, levels == 20], [0, 150], 255))
    # 401, 400 and 199 pixels: step (401 + 400) // 255 = 3; 20 -> (401 + 3 // 2) // 3 = 134 (without the half
    # step: 133), 30 -> 802 // 3 -> 255
    levels = np.repeat(np.array([10, 20, 30], np.uint8), [401, 400, 199]).reshape(25, 40)
    np.testing.assert_array_equal(TF.equalize(levels), np.select([levels == 10, levels == 20], [0, 134], 255))
    few = np.array([[0, 0], [128, 255]], np.uint8)  # step 0: unchanged
    np.testing.assert_array_equal(TF.equalize(few), few)
    with pytest.raises(TypeError, match="Only uint8"):
        TF.equalize(ag.zeros(1, 2, 2))


# -- ColorJitter ---------------------------------------------------------------------------------------------------

def test_color_jitter_ranges_reprs_and_validation():
    jitter = T.ColorJitter(brightness=0.4, contrast=(0.5, 1.5), saturation=2, hue=0.1)
    assert jitter.brightness == (0.6, 1.4) and jitter.saturation == (0.0, 3.0) and jitter.hue == (-0.1, 0.1)
    assert repr(T.ColorJitter(brightness=0.5)) == \
        "ColorJitter(brightness=(0.5, 1.5), contrast=None, saturation=None, hue=None)"
    with pytest.raises(ValueError, match="must be non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="contrast values should be between"):
        T.ColorJitter(contrast=(1.5, 0.5))
    with pytest.raises(TypeError, match="single number or a list/tuple"):
        T.ColorJitter(saturation="a lot")


def test_color_jitter_get_params_draws_the_order_then_each_factor():
    ag.manual_seed(5)
    order, b, c, s, h = T.ColorJitter.get_params((0.5, 1.5), None, (2.0, 3.0), (-0.2, 0.2))
    ag.manual_seed(5)
    expected_order = ag.randperm(4).tolist()
    u_b, u_s, u_h = _uniform_draws(3)
    assert order.tolist() == expected_order and c is None
    assert b == pytest.approx(0.5 + u_b, abs=1e-6) and s == pytest.approx(2.0 + u_s, abs=1e-6)
    assert h == pytest.approx(-0.2 + 0.4 * u_h, abs=1e-6)
    ag.manual_seed(0)
    for _ in range(50):
        _, b, _, _, h = T.ColorJitter.get_params((0.5, 1.5), None, None, (-0.2, 0.2))
        assert 0.5 <= b < 1.5 and -0.2 <= h < 0.2


def test_color_jitter_applies_its_factors_in_the_drawn_order_and_repeats():
    rgb = _rgb(8, 8)
    jitter = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2)
    ag.manual_seed(11)
    out = jitter(rgb)
    ag.manual_seed(11)
    order, *factors = T.ColorJitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue)
    expected = rgb
    functions = [TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue]
    for index in order.tolist():
        expected = functions[index](expected, factors[index])
    np.testing.assert_array_equal(out, expected)
    ag.manual_seed(11)
    np.testing.assert_array_equal(jitter(_tensor(rgb)).numpy(), out.transpose(2, 0, 1))
    assert T.ColorJitter()(rgb) is rgb  # nothing to do


# -- rotate and affine ---------------------------------------------------------------------------------------------

def test_rotate_by_90_is_rot90_on_both_kinds_and_expand_swaps_the_sides():
    square = np.arange(16, dtype=np.uint8).reshape(4, 4)
    np.testing.assert_array_equal(TF.rotate(square, 90), np.rot90(square))     # counter-clockwise
    np.testing.assert_array_equal(TF.rotate(square, -90), np.rot90(square, -1))
    batch = ag.from_numpy(RNG.random((2, 3, 5, 5)).astype(np.float32))
    np.testing.assert_array_equal(TF.rotate(batch, 90).numpy(), np.rot90(batch.numpy(), axes=(-2, -1)))
    wide = np.arange(24, dtype=np.uint8).reshape(4, 6)
    np.testing.assert_array_equal(TF.rotate(wide, 90, expand=True), np.rot90(wide))
    assert TF.rotate(wide, 45, expand=True).shape == (8, 8)  # (4 + 6) / √2 = 7.07 -> 8 both ways


def test_rotate_about_a_given_center_and_its_fill():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    # 180° about the centre of pixel (0, 0): only that pixel lands inside
    np.testing.assert_array_equal(TF.rotate(image, 180, center=[0.5, 0.5]), [[1, 0, 0], [0, 0, 0], [0, 0, 0]])
    rgb = np.full((5, 5, 3), 50, np.uint8)
    out = TF.rotate(rgb, 45, fill=[1, 2, 3])
    np.testing.assert_array_equal(out[0, 0], [1, 2, 3])   # the corner reads outside
    np.testing.assert_array_equal(out[2, 2], [50, 50, 50])
    with pytest.raises(ValueError, match="cannot broadcast to match the number of channels"):
        TF.rotate(rgb, 45, fill=[1, 2])
    with pytest.raises(ValueError, match="unsupported with Tensor input"):
        TF.rotate(rgb, 45, interpolation="bicubic")
    with pytest.raises(TypeError, match="angle should be int or float"):
        TF.rotate(rgb, "45")
    with pytest.raises(TypeError, match="center should be a sequence"):
        TF.rotate(rgb, 45, center=2)


def test_affine_angle_turns_clockwise_and_a_whole_pixel_translation_shifts():
    square = np.arange(16, dtype=np.uint8).reshape(4, 4)
    np.testing.assert_array_equal(TF.affine(square, 90, [0, 0], 1.0, 0), np.rot90(square, -1))
    shifted = np.zeros_like(square)
    shifted[1:, 2:] = square[:-1, :-2]  # 2 right, 1 down
    np.testing.assert_array_equal(TF.affine(square, 0, [2, 1], 1.0, 0.0), shifted)
    filled = TF.affine(square, 0, [2, 1], 1.0, 0.0, fill=7)
    np.testing.assert_array_equal(filled, np.where(np.pad(np.ones((3, 2), bool), ((1, 0), (2, 0))), shifted, 7))
    with pytest.raises(ValueError, match="scale should be positive"):
        TF.affine(square, 0, [0, 0], 0.0, 0)
    with pytest.raises(ValueError, match="translate should be a sequence of length 2"):
        TF.affine(square, 0, [0], 1.0, 0)
    with pytest.raises(ValueError, match="Shear should be a sequence containing two values"):
        TF.affine(square, 0, [0, 0], 1.0, [1, 2, 3])


def test_bilinear_half_pixel_translation_averages_and_fill_blends_by_coverage():
    row = np.array([[3, 5, 8]], np.uint8)
    # each output reads half a pixel to its left: (0 + 3)/2 = 1.5, (3 + 5)/2 = 4, (5 + 8)/2 = 6.5, rounded half to
    # even (torch.round): 2, 4, 6
    np.testing.assert_array_equal(TF.affine(row, 0, [0.5, 0], 1.0, 0, interpolation="bilinear"), [[2, 4, 6]])
    floats = np.array([[4.0, 8.0, 16.0]])
    # fill=0 still blends: the first pixel samples 0.5 · 4 = 2 with half its ones-channel inside: 2 · 0.5 + 0.5 · 0
    np.testing.assert_array_equal(TF.affine(floats, 0, [0.5, 0], 1.0, 0, interpolation="bilinear", fill=0),
                                  [[1.0, 6.0, 12.0]])
    np.testing.assert_array_equal(TF.affine(floats, 0, [0.5, 0], 1.0, 0, interpolation="bilinear", fill=10),
                                  [[6.0, 6.0, 12.0]])  # 2 · 0.5 + 0.5 · 10


def test_inverse_affine_matrix_undoes_the_forward_map():
    from autograd_core.vision.transforms._geometry import _inverse_affine_matrix
    center, angle, translate, scale, shear = (3.0, -2.0), 30.0, (1.5, -4.0), 1.7, (10.0, -5.0)
    inverse = np.vstack([np.reshape(_inverse_affine_matrix(center, angle, translate, scale, shear), (2, 3)),
                         [0, 0, 1]])
    # the forward map, composed from the parts torchvision documents: T · C · R · S · SHy · SHx · C⁻¹ with
    # SHx(s) = [[1, −tan s], [0, 1]] and SHy(s) = [[1, 0], [−tan s, 1]]
    rad, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    rotate = np.array([[math.cos(rad), -math.sin(rad), 0], [math.sin(rad), math.cos(rad), 0], [0, 0, 1]])
    shear_x = np.array([[1, -math.tan(sx), 0], [0, 1, 0], [0, 0, 1]])
    shear_y = np.array([[1, 0, 0], [-math.tan(sy), 1, 0], [0, 0, 1]])
    c, t = np.eye(3), np.eye(3)
    c[:2, 2], t[:2, 2] = center, translate
    forward = t @ c @ rotate @ np.diag([scale, scale, 1]) @ shear_y @ shear_x @ np.linalg.inv(c)
    np.testing.assert_allclose(inverse @ forward, np.eye(3), atol=1e-12)


def _torch_rotation(image, angle, mode):
    """rotate's expectation from torch alone: on a square image torchvision's grid is affine_grid's (align_corners
    False) with theta = the inverse rotation [[cos, −sin], [sin, cos]]."""
    torch = pytest.importorskip("torch")
    a = math.radians(angle)
    theta = torch.tensor([[[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]]], dtype=torch.float32)
    x = torch.from_numpy(image).float()
    theta = theta.expand(x.shape[0], 2, 3)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    return torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False).numpy()


def test_rotate_matches_torchs_affine_grid_and_grid_sample():
    floats = RNG.random((2, 3, 9, 9)).astype(np.float32)
    expected = _torch_rotation(floats, 30.0, "bilinear")
    np.testing.assert_allclose(TF.rotate(ag.from_numpy(floats), 30.0, "bilinear").numpy(), expected, atol=2e-6)
    integers = RNG.integers(0, 256, (1, 1, 9, 9), dtype=np.uint8)
    expected = _torch_rotation(integers, -37.0, "nearest").astype(np.uint8)
    np.testing.assert_array_equal(TF.rotate(ag.from_numpy(integers), -37.0).numpy(), expected)


def test_random_rotation_draws_its_angle_uniformly_and_repeats():
    rotation = T.RandomRotation((10, 50), interpolation="bilinear", fill=(1, 2, 3))
    rgb = _rgb(9, 9)
    ag.manual_seed(2)
    out = rotation(rgb)
    ag.manual_seed(2)
    angle = T.RandomRotation.get_params([10.0, 50.0])
    assert 10 <= angle < 50
    np.testing.assert_array_equal(out, TF.rotate(rgb, angle, "bilinear", fill=[1, 2, 3]))
    ag.manual_seed(2)
    assert angle == pytest.approx(10 + 40 * _uniform_draws(1)[0], abs=1e-5)
    assert repr(T.RandomRotation(30)) == \
        "RandomRotation(degrees=[-30.0, 30.0], interpolation=nearest, expand=False, fill=0)"
    assert repr(T.RandomRotation((0, 90), expand=True, center=(1, 2))) == \
        "RandomRotation(degrees=[0.0, 90.0], interpolation=nearest, expand=True, center=(1, 2), fill=0)"
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match="degrees should be a sequence of length 2"):
        T.RandomRotation((1, 2, 3))
    with pytest.raises(TypeError, match="Fill should be either a sequence or a number"):
        T.RandomRotation(5, fill="white")


def test_random_affine_get_params_order_and_ranges():
    ag.manual_seed(9)
    angle, (tx, ty), scale, (shear_x, shear_y) = T.RandomAffine.get_params(
        [-10.0, 10.0], (0.2, 0.5), (0.8, 1.2), [-5.0, 5.0, 0.0, 20.0], [40, 20])
    ag.manual_seed(9)
    u = _uniform_draws(6)
    assert angle == pytest.approx(-10 + 20 * u[0], abs=1e-5)
    assert tx == int(round(-8 + 16 * u[1])) and ty == int(round(-10 + 20 * u[2]))  # 0.2 · 40, 0.5 · 20
    assert scale == pytest.approx(0.8 + 0.4 * u[3], abs=1e-6)
    assert shear_x == pytest.approx(-5 + 10 * u[4], abs=1e-5) and shear_y == pytest.approx(20 * u[5], abs=1e-5)
    assert T.RandomAffine.get_params([0.0, 0.0], None, None, None, [5, 5]) == (0.0, (0, 0), 1.0, (0.0, 0.0))
    ag.manual_seed(10)
    shifts = [T.RandomAffine.get_params([0.0, 0.0], (0.5, 0.5), None, None, [10, 10])[1] for _ in range(10)]
    ag.manual_seed(10)
    draws = _uniform_draws(30)  # per call: the angle, tx, ty
    assert shifts == [(round(-5 + 10 * draws[3 * k + 1]), round(-5 + 10 * draws[3 * k + 2])) for k in range(10)]


def test_random_affine_forward_repr_and_validation():
    affine = T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=8, fill=3)
    rgb = _rgb(10, 12)
    ag.manual_seed(4)
    out = affine(rgb)
    ag.manual_seed(4)
    params = T.RandomAffine.get_params(affine.degrees, affine.translate, affine.scale, affine.shear, [12, 10])
    np.testing.assert_array_equal(out, TF.affine(rgb, *params, fill=[3.0] * 3))
    assert affine.shear == [-8.0, 8.0]
    assert repr(T.RandomAffine(0)) == "RandomAffine(degrees=[0.0, 0.0])"
    assert repr(affine) == ("RandomAffine(degrees=[-15.0, 15.0], translate=(0.1, 0.1), scale=(0.9, 1.1), "
                            "shear=[-8.0, 8.0], fill=3)")
    assert repr(T.RandomAffine(5, interpolation="bilinear")) == \
        "RandomAffine(degrees=[-5.0, 5.0], interpolation=bilinear)"
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 2))
    with pytest.raises(ValueError, match="scale values should be positive"):
        T.RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match="shear should be a sequence of length 2 or 4"):
        T.RandomAffine(0, shear=(1, 2, 3))


# -- GaussianBlur --------------------------------------------------------------------------------------------------

def _gauss(size, sigma):
    weights = np.array([math.exp(-0.5 * ((i - (size - 1) / 2) / sigma) ** 2) for i in range(size)])
    return weights / weights.sum()


def _blur_by_hand(plane, kx, ky, sx, sy):
    """Reflect-pad by half the kernel and correlate, in float64, one pixel at a time."""
    padded = np.pad(plane, ((ky // 2, ky // 2), (kx // 2, kx // 2)), mode="reflect")
    kernel = np.outer(_gauss(ky, sy), _gauss(kx, sx))
    return np.array([[(padded[i:i + ky, j:j + kx] * kernel).sum() for j in range(plane.shape[1])]
                     for i in range(plane.shape[0])])


def test_gaussian_blur_of_a_dot_is_the_kernel_and_edges_reflect():
    dot = np.zeros((1, 5, 5), np.float32)
    dot[0, 2, 2] = 1.0
    out = TF.gaussian_blur(ag.from_numpy(dot), 3, 0.8).numpy()[0]
    kernel = np.outer(_gauss(3, 0.8), _gauss(3, 0.8))
    np.testing.assert_allclose(out[1:4, 1:4], kernel, rtol=1e-6)
    assert out[0].sum() == 0
    image = RNG.random((2, 6, 7)).astype(np.float32)
    out = TF.gaussian_blur(ag.from_numpy(image), [5, 3], [1.2, 0.6]).numpy()  # kx = 5 along the width
    for c in range(2):
        np.testing.assert_allclose(out[c], _blur_by_hand(image[c].astype(float), 5, 3, 1.2, 0.6), rtol=1e-5)
    only_rows = TF.gaussian_blur(ag.from_numpy(image), [3, 1], 1.0).numpy()  # ky = 1: rows do not mix
    np.testing.assert_allclose(only_rows[0, 0], _blur_by_hand(image[0, :1].astype(float), 3, 1, 1.0, 1.0)[0],
                               rtol=1e-5)


def test_gaussian_blur_rounds_integers_and_defaults_sigma():
    gray = RNG.integers(0, 256, (7, 7), dtype=np.uint8)
    sigma = 5 * 0.15 + 0.35  # torchvision's default for a kernel of 5
    np.testing.assert_array_equal(TF.gaussian_blur(gray, 5),
                                  np.round(_blur_by_hand(gray.astype(float), 5, 5, sigma, sigma)).astype(np.uint8))
    with pytest.raises(ValueError, match="odd and positive"):
        TF.gaussian_blur(gray, 4)
    with pytest.raises(ValueError, match="sigma should have positive values"):
        TF.gaussian_blur(gray, 3, -1.0)


def test_gaussian_blur_matches_torchs_conv2d_with_reflect_padding():
    torch = pytest.importorskip("torch")
    image = RNG.random((2, 3, 8, 9)).astype(np.float32)
    kernel = torch.from_numpy(np.outer(_gauss(5, 1.1), _gauss(3, 0.7)).astype(np.float32))
    padded = torch.nn.functional.pad(torch.from_numpy(image), (1, 1, 2, 2), mode="reflect")
    expected = torch.nn.functional.conv2d(padded, kernel.expand(3, 1, 5, 3), groups=3).numpy()
    np.testing.assert_allclose(TF.gaussian_blur(ag.from_numpy(image), [3, 5], [0.7, 1.1]).numpy(), expected,
                               atol=1e-6)


def test_gaussian_blur_class_draws_sigma_and_checks_arguments():
    blur = T.GaussianBlur(3, sigma=(0.5, 1.5))
    rgb = _rgb()
    ag.manual_seed(6)
    out = blur(rgb)
    ag.manual_seed(6)
    sigma = T.GaussianBlur.get_params(0.5, 1.5)
    assert 0.5 <= sigma < 1.5
    np.testing.assert_array_equal(out, TF.gaussian_blur(rgb, [3, 3], [sigma, sigma]))
    assert repr(blur) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.5, 1.5))"
    assert T.GaussianBlur(5, 2.0).sigma == (2.0, 2.0)
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="positive and of the form"):
        T.GaussianBlur(3, (2.0, 1.0))
    with pytest.raises(ValueError, match="must be positive"):
        T.GaussianBlur(3, 0)


# -- RandomResizedCrop, FiveCrop, TenCrop --------------------------------------------------------------------------

def test_random_resized_crop_get_params_draws_area_ratio_then_top_left():
    image = np.zeros((8, 8), np.uint8)
    ag.manual_seed(3)
    params = T.RandomResizedCrop.get_params(image, (0.25, 0.25), (1.0, 1.0))  # a 4 × 4 window
    ag.manual_seed(3)
    _uniform_draws(2)  # the area and the ratio: both fixed here
    top, left = int(ag.randint(0, 5, size=(1,)).item()), int(ag.randint(0, 5, size=(1,)).item())
    assert params == (top, left, 4, 4)
    assert T.RandomResizedCrop.get_params(image, (1.0, 1.0), (1.0, 1.0)) == (0, 0, 8, 8)


def test_random_resized_crop_draws_its_ratio_log_uniformly():
    image = np.zeros((100, 100), np.uint8)
    ag.manual_seed(17)
    top, left, height, width = T.RandomResizedCrop.get_params(image, (0.5, 0.5), (0.5, 2.0))
    ag.manual_seed(17)
    _, u = _uniform_draws(2)
    ratio = math.exp(math.log(0.5) + u * (math.log(2.0) - math.log(0.5)))  # width / height
    assert (width, height) == (round(math.sqrt(5000 * ratio)), round(math.sqrt(5000 / ratio)))
    assert (top, left) == (int(ag.randint(0, 101 - height, size=(1,)).item()),
                           int(ag.randint(0, 101 - width, size=(1,)).item()))


def test_random_resized_crop_falls_back_to_a_central_crop_of_the_nearest_ratio():
    tall, wide = np.zeros((10, 2), np.uint8), np.zeros((2, 10), np.uint8)
    # area 20 at ratio 1: 4 × 4 never fits 2 pixels; fallback: width / height 0.2 < 1: full width, height 2
    assert T.RandomResizedCrop.get_params(tall, (1.0, 1.0), (1.0, 1.0)) == (4, 0, 2, 2)
    assert T.RandomResizedCrop.get_params(wide, (1.0, 1.0), (1.0, 1.0)) == (0, 4, 2, 2)
    # twice the area never fits; the image's own ratio 0.2 is allowed: the whole image
    assert T.RandomResizedCrop.get_params(tall, (2.0, 2.0), (0.1, 0.3)) == (0, 0, 10, 2)


def test_random_resized_crop_windows_stay_in_their_ranges():
    image = np.zeros((40, 50), np.uint8)
    ag.manual_seed(0)
    for _ in range(100):
        top, left, height, width = T.RandomResizedCrop.get_params(image, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= top and top + height <= 40 and 0 <= left and left + width <= 50
        assert 0.08 * 2000 * 0.8 <= height * width <= 2000  # rounding each side moves the area a little
        assert 3 / 4 * 0.8 <= width / height <= 4 / 3 * 1.25


def test_random_resized_crop_is_resized_crop_of_its_window_and_repeats():
    rgb = _rgb(20, 24)
    crop = T.RandomResizedCrop((6, 8), interpolation="nearest")
    ag.manual_seed(8)
    out = crop(rgb)
    ag.manual_seed(8)
    top, left, height, width = T.RandomResizedCrop.get_params(rgb, crop.scale, crop.ratio)
    expected = TF.resize(rgb[top:top + height, left:left + width], [6, 8], interpolation="nearest")
    assert out.shape == (6, 8, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, expected)
    ag.manual_seed(8)
    np.testing.assert_array_equal(crop(_tensor(rgb)).numpy(), expected.transpose(2, 0, 1))
    assert repr(T.RandomResizedCrop(224)) == ("RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), "
                                              "ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)")
    with pytest.raises(TypeError, match="Scale should be a sequence"):
        T.RandomResizedCrop(4, scale=0.5)
    with pytest.warns(UserWarning, match="of kind \\(min, max\\)"):
        T.RandomResizedCrop(4, ratio=(2.0, 1.0))


def test_five_and_ten_crop_by_hand():
    image = np.arange(5 * 6, dtype=np.uint8).reshape(5, 6)
    corners_and_centre = TF.five_crop(image, (2, 3))
    expected = [image[:2, :3], image[:2, 3:], image[3:, :3], image[3:, 3:], image[2:4, 2:5]]  # centre: round(1.5)
    for out, want in zip(corners_and_centre, expected):
        np.testing.assert_array_equal(out, want)
    ten = T.TenCrop((2, 3))(image)
    assert len(ten) == 10
    for out, want in zip(ten[5:], TF.five_crop(image[:, ::-1], (2, 3))):
        np.testing.assert_array_equal(out, want)
    for out, want in zip(T.TenCrop(2, vertical_flip=True)(image)[5:], TF.five_crop(image[::-1], 2)):
        np.testing.assert_array_equal(out, want)
    batch = ag.from_numpy(np.stack([image, image + 1])[:, None])  # (2, 1, 5, 6)
    np.testing.assert_array_equal(T.FiveCrop((2, 3))(batch)[3].numpy()[:, 0], [image[3:, 3:], image[3:, 3:] + 1])
    assert repr(T.FiveCrop(3)) == "FiveCrop(size=(3, 3))"
    assert repr(T.TenCrop(3)) == "TenCrop(size=(3, 3), vertical_flip=False)"
    with pytest.raises(ValueError, match="bigger than input size"):
        TF.five_crop(image, 6)
    with pytest.raises(ValueError, match="only two dimensions"):
        TF.five_crop(image, (1, 2, 3))


# -- RandomErasing -------------------------------------------------------------------------------------------------

def test_random_erasing_sets_its_window_to_value_and_leaves_the_input():
    x = ag.from_numpy(RNG.random((3, 8, 8)).astype(np.float32))
    before = x.numpy().copy()
    erasing = T.RandomErasing(p=1.0, scale=(0.25, 0.25), ratio=(1.0, 1.0), value=(1, 2, 3))
    ag.manual_seed(12)
    out = erasing(x)
    ag.manual_seed(12)
    ag.rand(1)                 # the p draw
    _uniform_draws(2)          # area and ratio: a 4 × 4 window
    top, left = int(ag.randint(0, 5, size=(1,)).item()), int(ag.randint(0, 5, size=(1,)).item())
    expected = before.copy()
    expected[:, top:top + 4, left:left + 4] = np.array([1, 2, 3], np.float32)[:, None, None]
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(x.numpy(), before)
    assert T.RandomErasing(p=1.0, value=5, inplace=True)(x) is x and (x.numpy() != before).any()


def test_random_erasing_ratio_is_height_over_width():
    x = ag.zeros(1, 10, 10)
    out = T.RandomErasing(p=1.0, scale=(0.16, 0.16), ratio=(4.0, 4.0), value=1)(x).numpy()[0]
    rows, cols = np.nonzero(out)  # area 16 at ratio 4: 8 rows, 2 columns
    assert out.sum() == 16 and np.ptp(rows) == 7 and np.ptp(cols) == 1


def test_random_erasing_random_value_draws_normals_before_the_corner():
    x = ag.zeros(2, 6, 6)
    ag.manual_seed(13)
    out = T.RandomErasing(p=1.0, scale=(1 / 9, 1 / 9), ratio=(1.0, 1.0), value="random")(x)  # 2 × 2
    ag.manual_seed(13)
    ag.rand(1)
    _uniform_draws(2)
    normals = ag.empty((2, 2, 2), dtype=ag.float32).normal_().numpy()
    top, left = int(ag.randint(0, 5, size=(1,)).item()), int(ag.randint(0, 5, size=(1,)).item())
    np.testing.assert_array_equal(out.numpy()[:, top:top + 2, left:left + 2], normals)
    assert np.count_nonzero(out.numpy()) == 8


def test_random_erasing_gives_up_after_ten_draws_and_checks_its_arguments():
    x = ag.from_numpy(RNG.random((1, 4, 4)).astype(np.float32))
    ag.manual_seed(1)
    out = T.RandomErasing(p=1.0, scale=(1.0, 1.0), ratio=(1.0, 1.0))(x)  # the whole image never fits strictly
    after = ag.rand(1).item()
    ag.manual_seed(1)
    _uniform_draws(1 + 20)
    assert np.array_equal(out.numpy(), x.numpy()) and after == ag.rand(1).item()
    assert T.RandomErasing(p=0.0)(x) is x
    assert repr(T.RandomErasing()) == \
        "RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False)"
    with pytest.raises(TypeError, match="tensor image"):
        T.RandomErasing(p=1.0)(_rgb())
    with pytest.raises(ValueError, match="single value or 1"):
        T.RandomErasing(p=1.0, value=(1, 2))(x)
    with pytest.raises(ValueError, match="should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="between 0 and 1"):
        T.RandomErasing(p=1.5)
    with pytest.raises(ValueError, match="Scale should be between 0 and 1"):
        T.RandomErasing(scale=(0.1, 2.0))
    with pytest.raises(TypeError, match="Tensor Image"):
        TF.erase(_rgb(), 0, 0, 1, 1, 0)


def test_erase_casts_the_value_into_a_uint8_image():
    x = ag.from_numpy(np.full((1, 3, 3), 9, np.uint8))
    out = TF.erase(x, 1, 0, 2, 2, np.full((1, 1, 1), 4.0, np.float32))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.numpy()[0], [[9, 9, 9], [4, 4, 9], [4, 4, 9]])


# -- RandomApply, RandomChoice, RandomOrder, RandomGrayscale -------------------------------------------------------

def _tracer(trace, name):
    return T.Lambda(lambda x: trace.append(name) or x)


def test_random_apply_applies_all_when_the_draw_is_at_most_p():
    trace = []
    apply = T.RandomApply([_tracer(trace, "a"), _tracer(trace, "b")], p=0.3)
    ag.manual_seed(21)
    applied = []
    for _ in range(20):
        before = len(trace)
        apply(0)
        applied.append(len(trace) > before)
    ag.manual_seed(21)
    assert applied == [r <= 0.3 for r in _uniform_draws(20)] and 0 < sum(applied) < 20
    assert trace == ["a", "b"] * sum(applied)
    assert repr(T.RandomApply([T.RandomInvert()], p=0.2)) == "RandomApply(\n    p=0.2\n    RandomInvert(p=0.5)\n)"


def test_random_choice_follows_the_weights_and_repeats():
    trace = []
    choice = T.RandomChoice([_tracer(trace, "a"), _tracer(trace, "b"), _tracer(trace, "c")], p=[0.0, 1.0, 0.0])
    for _ in range(5):
        choice(0)
    assert trace == ["b"] * 5
    trace.clear()
    uniform = T.RandomChoice([_tracer(trace, "a"), _tracer(trace, "b"), _tracer(trace, "c")])
    ag.manual_seed(22)
    for _ in range(12):
        uniform(0)
    ag.manual_seed(22)
    assert trace == ["abc"[int(r * 3)] for r in _uniform_draws(12)]
    assert repr(T.RandomChoice([T.RandomInvert()])) == "RandomChoice(\n    RandomInvert(p=0.5)\n)(p=None)"
    with pytest.raises(TypeError, match="p should be a sequence"):
        T.RandomChoice([T.RandomInvert()], p=0.5)
    with pytest.raises(TypeError, match="transforms should be a sequence"):
        T.RandomChoice(T.RandomInvert())


def test_random_order_applies_every_transform_in_a_drawn_permutation():
    trace = []
    order = T.RandomOrder([_tracer(trace, name) for name in "abcd"])
    ag.manual_seed(23)
    order(0)
    ag.manual_seed(23)
    assert trace == ["abcd"[i] for i in ag.randperm(4).tolist()]
    assert repr(T.RandomOrder([T.RandomInvert()])) == "RandomOrder(\n    RandomInvert(p=0.5)\n)"


def test_random_grayscale_keeps_the_channel_count():
    rgb = _rgb()
    np.testing.assert_array_equal(T.RandomGrayscale(p=1.0)(rgb), T.Grayscale(3)(rgb))
    gray = rgb[..., 0].copy()
    assert T.RandomGrayscale(p=1.0)(gray).shape == gray.shape
    assert T.RandomGrayscale(p=1.0)(_tensor(rgb)).shape == (3, 6, 7)
    assert T.RandomGrayscale(p=0.0)(rgb) is rgb
    assert repr(T.RandomGrayscale()) == "RandomGrayscale(p=0.1)"


# -- the RandomInvert family -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("transform, function, text", [
    (T.RandomInvert(p=0.4), TF.invert, "RandomInvert(p=0.4)"),
    (T.RandomPosterize(2, p=0.4), lambda img: TF.posterize(img, 2), "RandomPosterize(bits=2,p=0.4)"),
    (T.RandomSolarize(128, p=0.4), lambda img: TF.solarize(img, 128), "RandomSolarize(threshold=128,p=0.4)"),
    (T.RandomAdjustSharpness(2.5, p=0.4), lambda img: TF.adjust_sharpness(img, 2.5),
     "RandomAdjustSharpness(sharpness_factor=2.5,p=0.4)"),
    (T.RandomAutocontrast(p=0.4), TF.autocontrast, "RandomAutocontrast(p=0.4)"),
    (T.RandomEqualize(p=0.4), TF.equalize, "RandomEqualize(p=0.4)"),
])
def test_random_colour_transforms_apply_with_probability_p(transform, function, text):
    rgb = _rgb(5, 5)
    ag.manual_seed(31)
    outputs = [transform(rgb) for _ in range(16)]
    ag.manual_seed(31)
    for out, r in zip(outputs, _uniform_draws(16)):
        if r < 0.4:
            np.testing.assert_array_equal(out, function(rgb))
        else:
            assert out is rgb
    assert repr(transform) == text
