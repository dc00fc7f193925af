"""autograd_core.vision.transforms: torchvision's v1 transforms on image arrays (H×W or H×W×C NumPy arrays, where
torchvision has PIL images) and tensor images (Values (…, C, H, W)). Semantics from torchvision's documentation;
numbers compared with PyTorch where it is installed (torchvision is not: its tensor path is written out with torch's
own ops), the rest against the formulas."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.vision import transforms as T
from autograd_core.vision.transforms import functional as TF

RNG = np.random.default_rng(0)


def _image(height=5, width=6, channels=3):
    shape = (height, width) if channels is None else (height, width, channels)
    return RNG.integers(0, 256, shape, dtype=np.uint8)


# -- conversions --------------------------------------------------------------------------------------------------

def test_to_tensor_makes_chw_float32_in_0_1_from_uint8():
    rgb, gray = _image(), _image(channels=None)
    x = T.ToTensor()(rgb)
    assert isinstance(x, ag.Value) and x.shape == (3, 5, 6) and x.dtype == np.float32 and not x.requires_grad
    np.testing.assert_array_equal(x.numpy(), rgb.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    g = T.ToTensor()(gray)
    assert g.shape == (1, 5, 6) and g.numpy().max() <= 1.0
    np.testing.assert_array_equal(g.numpy()[0] * 255, gray.astype(np.float32))


def test_to_tensor_keeps_other_dtypes_unscaled_and_refuses_tensors():
    floats = RNG.random((4, 3, 2))  # float64, as torchvision returns it: not rescaled, dtype kept
    x = T.ToTensor()(floats)
    assert x.dtype == np.float64
    np.testing.assert_array_equal(x.numpy(), floats.transpose(2, 0, 1))
    assert T.ToTensor()(np.arange(6, dtype=np.int32).reshape(2, 3)).dtype == np.int32
    with pytest.raises(TypeError, match="tensor already"):
        T.ToTensor()(x)
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))


def test_to_tensor_matches_torch():
    torch = pytest.importorskip("torch")
    rgb = _image(7, 9)
    expected = torch.from_numpy(rgb).permute(2, 0, 1).to(torch.float32).div(255)  # torchvision's to_tensor
    np.testing.assert_array_equal(T.ToTensor()(rgb).numpy(), expected.numpy())


def test_an_object_exposing_its_pixels_reads_as_an_image_array():
    rgb = _image()

    class Picture:  # what a PIL image offers NumPy
        __array_interface__ = rgb.__array_interface__

    np.testing.assert_array_equal(T.ToTensor()(Picture()).numpy(), T.ToTensor()(rgb).numpy())
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(Picture()), rgb[:, ::-1])


def test_pil_to_tensor_keeps_dtype_and_values():
    rgb = _image()
    x = T.PILToTensor()(rgb)
    assert x.dtype == np.uint8 and x.shape == (3, 5, 6)
    np.testing.assert_array_equal(x.numpy(), rgb.transpose(2, 0, 1))


def test_convert_image_dtype_rescales_as_torchvision_documents():
    x = ag.from_numpy(np.array([[[0, 128, 255]]], dtype=np.uint8))
    np.testing.assert_allclose(T.ConvertImageDtype(ag.float32)(x).numpy(), [[[0, 128 / 255, 1]]], rtol=1e-6)
    back = TF.convert_image_dtype(ag.from_numpy(np.array([[[0.0, 0.5, 1.0]]], np.float32)), ag.uint8)
    np.testing.assert_array_equal(back.numpy(), [[[0, 127, 255]]])  # x * (255 + 1 - 0.001), truncated
    wide = TF.convert_image_dtype(x, ag.int16)  # uint8 -> int16: × (32767 + 1) // (255 + 1) = 128
    np.testing.assert_array_equal(wide.numpy(), [[[0, 128 * 128, 255 * 128]]])
    np.testing.assert_array_equal(TF.convert_image_dtype(wide, ag.uint8).numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        TF.convert_image_dtype(ag.from_numpy(np.zeros((1, 1, 1), np.float32)), ag.int32)


# -- Normalize ----------------------------------------------------------------------------------------------------

def test_normalize_is_x_minus_mean_over_std_per_channel():
    x = T.ToTensor()(_image())
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(x)
    expected = (x.numpy() - np.float32(mean).reshape(3, 1, 1)) / np.float32(std).reshape(3, 1, 1)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert out.dtype == np.float32
    one = T.Normalize((0.5,), (0.25,))(x)  # one number for every channel
    np.testing.assert_array_equal(one.numpy(), (x.numpy() - np.float32(0.5)) / np.float32(0.25))


def test_normalize_matches_torch():
    torch = pytest.importorskip("torch")
    x = T.ToTensor()(_image(8, 8))
    mean, std = (0.1307, 0.2, 0.3), (0.3081, 0.5, 0.7)
    expected = torch.from_numpy(x.numpy()).sub(torch.tensor(mean).view(-1, 1, 1)).div(torch.tensor(std).view(-1, 1, 1))
    np.testing.assert_array_equal(T.Normalize(mean, std)(x).numpy(), expected.numpy())


def test_normalize_is_differentiable_and_inplace_writes_into_its_input():
    x = ag.from_numpy(RNG.random((2, 3, 3)).astype(np.float32)).requires_grad_()
    T.Normalize((0.1, 0.2), (0.5, 0.25))(x).sum().backward()
    np.testing.assert_allclose(x.grad[:, 0, 0], [2.0, 4.0])  # d/dx (x - m) / s = 1 / s
    y = ag.from_numpy(np.ones((1, 2, 2), np.float32))
    assert T.Normalize((0.5,), (0.5,), inplace=True)(y) is y and np.all(y.numpy() == 1.0)


def test_normalize_refuses_what_torchvision_refuses():
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0.5,), (0.5,))(T.PILToTensor()(_image()))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(T.ToTensor()(_image()))
    with pytest.raises(TypeError, match="ToTensor"):  # an image array: ToTensor goes first
        T.Normalize((0.5,), (0.5,))(_image())


def test_normalize_refuses_more_channels_than_the_image_as_torchvisions_in_place_subtraction():
    # yunjey's GAN tutorial: MNIST's one channel with three channels' means; torchvision's sub_ raises this message
    gray = T.ToTensor()(_image(28, 28, channels=None))
    for inplace in (False, True):
        with pytest.raises(RuntimeError, match=r"output with shape \[1, 28, 28\] doesn't match the broadcast shape "
                                               r"\[3, 28, 28\]"):
            T.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), inplace=inplace)(gray)
    with pytest.raises(RuntimeError, match="do not match the 3 channel"):
        T.Normalize(mean=(0.5, 0.5), std=(0.5, 0.5))(T.ToTensor()(_image()))
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=r"doesn't match the broadcast shape \[3, 28, 28\]"):
        torch.from_numpy(gray.numpy()).clone().sub_(torch.tensor([0.5, 0.5, 0.5]).view(-1, 1, 1))


# -- reprs, Compose, Lambda, modules ------------------------------------------------------------------------------

def test_reprs_are_torchvisions():
    compose = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    assert repr(compose) == "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"
    assert repr(T.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert repr(T.CenterCrop((3, 4))) == "CenterCrop(size=(3, 4))"
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    assert repr(T.Resize(28)) == "Resize(size=28, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.Grayscale(3)) == "Grayscale(num_output_channels=3)"
    assert repr(T.Lambda(abs)) == "Lambda()"


def test_compose_applies_in_order_and_lambda_checks_its_argument():
    trace = []
    compose = T.Compose([T.Lambda(lambda x: trace.append("a") or x + 1),
                         T.Lambda(lambda x: trace.append("b") or x * 2)])
    assert compose(3) == 8 and trace == ["a", "b"]
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


def test_tensor_transforms_are_modules_and_chain_in_sequential():
    chain = nn.Sequential(T.CenterCrop(2), T.Normalize((0.5,), (0.5,)))
    x = T.ToTensor()(_image(4, 4))
    np.testing.assert_array_equal(chain(x).numpy(), (x.numpy()[:, 1:3, 1:3] - np.float32(0.5)) / np.float32(0.5))


# -- flips and the generator --------------------------------------------------------------------------------------

def test_flips_mirror_width_and_height_of_both_kinds():
    rgb = _image()
    np.testing.assert_array_equal(TF.hflip(rgb), rgb[:, ::-1])
    np.testing.assert_array_equal(TF.vflip(rgb), rgb[::-1])
    x = T.ToTensor()(rgb)
    np.testing.assert_array_equal(TF.hflip(x).numpy(), x.numpy()[..., ::-1])
    np.testing.assert_array_equal(TF.vflip(x).numpy(), x.numpy()[..., ::-1, :])
    assert T.RandomVerticalFlip(p=0.0)(rgb) is rgb
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(rgb), rgb[::-1])


def test_random_flip_draws_once_from_the_default_generator_and_repeats_after_manual_seed():
    flip = T.RandomHorizontalFlip()
    rgb = _image()

    def run():
        ag.manual_seed(7)
        return [np.array_equal(flip(rgb), rgb[:, ::-1]) for _ in range(12)], ag.rand(1).item()

    flips, after = run()
    ag.manual_seed(7)
    draws = [ag.rand(1).item() for _ in range(13)]  # one draw per call, then ours
    assert flips == [d < 0.5 for d in draws[:12]] and after == draws[12]
    assert run() == (flips, after) and 0 < sum(flips) < 12


# -- crops and pads -----------------------------------------------------------------------------------------------

def test_random_crop_draws_top_then_left_with_randint():
    rgb = _image(10, 12)
    ag.manual_seed(3)
    out = T.RandomCrop((4, 5))(rgb)
    ag.manual_seed(3)
    top, left = ag.randint(0, 10 - 4 + 1, size=(1,)).item(), ag.randint(0, 12 - 5 + 1, size=(1,)).item()
    np.testing.assert_array_equal(out, rgb[top:top + 4, left:left + 5])
    x = T.ToTensor()(rgb)
    ag.manual_seed(3)
    np.testing.assert_array_equal(T.RandomCrop((4, 5))(x).numpy(), x.numpy()[:, top:top + 4, left:left + 5])


def test_random_crop_pads_first_and_when_needed():
    gray = _image(3, 3, channels=None)
    ag.manual_seed(0)
    out = T.RandomCrop(7, padding=2, fill=9)(gray)  # 3 + 2 + 2 = 7: the whole padded image
    assert out.shape == (7, 7) and (out[:2] == 9).all() and np.array_equal(out[2:5, 2:5], gray)
    assert T.RandomCrop(5, pad_if_needed=True)(gray).shape == (5, 5)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(5)(gray)


def test_center_crop_offsets_round_half_to_even_and_pad_small_images():
    gray = np.arange(9 * 8, dtype=np.uint8).reshape(9, 8)
    # 9 - 4 = 5 rows to spare: round(2.5) = 2 above; 8 - 5 = 3 columns: round(1.5) = 2 to the left
    np.testing.assert_array_equal(T.CenterCrop((4, 5))(gray), gray[2:6, 2:7])
    np.testing.assert_array_equal(T.CenterCrop((6, 3))(gray), gray[2:8, 2:5])  # 3 rows (2 above), 5 columns (2)
    np.testing.assert_array_equal(T.CenterCrop((4, 5))(ag.from_numpy(gray[None])).numpy()[0], gray[2:6, 2:7])
    big = T.CenterCrop((12, 9))(gray)  # 3 more rows: 1 above, 2 below; 1 more column: 0 left, 1 right
    assert big.shape == (12, 9)
    np.testing.assert_array_equal(big[1:10, 0:8], gray)
    assert big[0].sum() == 0 and big[10:].sum() == 0 and big[:, 8].sum() == 0


@pytest.mark.parametrize("mode, expected", [
    ("constant", [7, 7, 1, 2, 3, 4, 7, 7]),
    ("edge", [1, 1, 1, 2, 3, 4, 4, 4]),
    ("reflect", [3, 2, 1, 2, 3, 4, 3, 2]),
    ("symmetric", [2, 1, 1, 2, 3, 4, 4, 3]),
])
def test_pad_modes_as_torchvision_documents_them(mode, expected):
    row = np.array([[1, 2, 3, 4]], dtype=np.uint8)
    out = T.Pad((2, 0), fill=7, padding_mode=mode)(row)
    np.testing.assert_array_equal(out, [expected])
    value_fill = 7 if mode == "constant" else 0
    padded = TF.pad(ag.from_numpy(row[None]), [2, 0], fill=value_fill, padding_mode=mode)
    np.testing.assert_array_equal(padded.numpy()[0], [expected])


def test_pad_sides_and_per_channel_fill():
    rgb = _image(2, 3)
    out = T.Pad((1, 2, 3, 4), fill=(10, 20, 30))(rgb)  # left, top, right, bottom
    assert out.shape == (2 + 2 + 4, 3 + 1 + 3, 3)
    np.testing.assert_array_equal(out[2:4, 1:4], rgb)
    np.testing.assert_array_equal(out[0, 0], [10, 20, 30])
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="constant, edge, reflect or symmetric"):
        T.Pad(1, padding_mode="wrap")


def test_pad_of_a_tensor_matches_torch_and_keeps_the_graph():
    torch = pytest.importorskip("torch")
    x = ag.from_numpy(RNG.random((2, 3, 4, 5)).astype(np.float32)).requires_grad_()
    for ours, theirs in (("reflect", "reflect"), ("edge", "replicate"), ("constant", "constant")):
        out = TF.pad(x, [1, 2, 3, 2], padding_mode=ours)
        expected = torch.nn.functional.pad(torch.from_numpy(x.detach().numpy()), (1, 3, 2, 2), mode=theirs)
        np.testing.assert_array_equal(out.detach().numpy(), expected.numpy())
    TF.pad(x, 2, padding_mode="symmetric").sum().backward()
    assert x.grad.sum() == pytest.approx((2 + 4 + 2) * (2 + 5 + 2) * 2 * 3)  # each output pixel's 1 lands somewhere


# -- resize and grayscale -----------------------------------------------------------------------------------------

def test_resize_int_sets_the_shorter_side_and_max_size_caps_the_longer():
    assert T.Resize(10)(_image(20, 30)).shape == (10, 15, 3)
    assert T.Resize(10)(_image(31, 20)).shape == (15, 10, 3)  # int(10 * 31 / 20) = 15
    assert T.Resize(10, max_size=12)(_image(20, 30)).shape == (8, 12, 3)  # int(12 * 10 / 15) = 8
    assert T.Resize((4, 7))(T.ToTensor()(_image(20, 30))).shape == (3, 4, 7)
    assert T.Resize([6])(_image(6, 9, channels=None)).shape == (6, 9)
    with pytest.raises(ValueError, match="max_size should only be passed"):
        T.Resize((4, 7), max_size=9)(_image())


def test_resize_of_a_uint8_tensor_matches_torchs_interpolate_rounded():
    torch = pytest.importorskip("torch")
    image = T.PILToTensor()(_image(23, 17))
    for size, mode in (((9, 8), "bilinear"), ((40, 30), "bilinear"), ((9, 8), "bicubic"), ((9, 8), "nearest")):
        out = T.Resize(size, interpolation=mode)(image)
        smooth = mode != "nearest"
        resampled = torch.nn.functional.interpolate(torch.from_numpy(image.numpy()).float()[None], size=size,
                                                    mode=mode, antialias=smooth,
                                                    align_corners=False if smooth else None)[0].numpy()
        expected = np.clip(np.round(resampled) if smooth else resampled, 0, 255).astype(np.uint8)
        assert out.dtype == np.uint8 and out.shape == (3, *size)
        # float32 sums in another order differ by ~1e-4: only a value that close to x.5 may round the other way
        near_a_tie = np.abs(resampled - np.floor(resampled) - 0.5) < 1e-3
        differs = out.numpy() != expected
        assert not (differs & ~near_a_tie).any(), mode
        assert np.abs(out.numpy().astype(int) - expected).max() <= 1, mode


def test_resize_of_an_image_array_returns_one_of_the_same_layout():
    rgb = np.full((20, 20, 3), 200, np.uint8)
    out = T.Resize(5)(rgb)
    assert out.shape == (5, 5, 3) and out.dtype == np.uint8 and (out == 200).all()


def test_grayscale_of_an_image_array_is_pils_luma():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [10, 20, 30]]], dtype=np.uint8)
    gray = T.Grayscale()(rgb)
    expected = [round((r * 299 + g * 587 + b * 114) / 1000) for r, g, b in rgb[0].tolist()]
    assert gray.shape == (1, 5) and gray.tolist() == [expected] == [[76, 150, 29, 255, 18]]
    three = T.Grayscale(3)(rgb)
    assert three.shape == (1, 5, 3) and (three == gray[..., None]).all()


def test_grayscale_of_a_tensor_matches_torchvisions_formula():
    torch = pytest.importorskip("torch")
    for image in (T.PILToTensor()(_image()), T.ToTensor()(_image())):
        r, g, b = torch.from_numpy(image.numpy()).unbind(dim=-3)
        expected = (0.2989 * r + 0.587 * g + 0.114 * b).to(r.dtype).unsqueeze(dim=-3)
        out = T.Grayscale()(image)
        assert out.dtype == image.dtype
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        assert T.Grayscale(3)(image).shape == image.shape
    with pytest.raises(ValueError, match="either 1 or 3"):
        T.Grayscale(2)(_image())


def test_grayscale_keeps_a_one_channel_tensor_one_channel_as_torchvision():
    # torchvision's tensor path expands the luma to the input's shape: (1, H, W) stays (1, H, W) for 3 outputs; an
    # image array (PIL's path) becomes three channels.
    gray_tensor = T.ToTensor()(np.full((4, 5), 7, np.uint8))
    assert tuple(T.Grayscale(3)(gray_tensor).shape) == (1, 4, 5)
    assert T.Grayscale(3)(np.full((4, 5), 7, np.uint8)).shape == (4, 5, 3)


# -- to_pil_image: back to the image array that stands for a PIL image (CS231n's deprocess ends with ToPILImage) ----

def test_to_pil_image_of_a_float_tensor_is_its_uint8_hwc_array():
    x = ag.tensor(RNG.random((3, 4, 5)), dtype=ag.float32)
    out = T.ToPILImage()(x)
    assert isinstance(out, np.ndarray) and out.shape == (4, 5, 3) and out.dtype == np.uint8
    # torchvision's pic.mul(255).byte(): scaled in float32, truncated (not rounded)
    np.testing.assert_array_equal(out, (x.numpy() * np.float32(255)).astype(np.uint8).transpose(1, 2, 0))
    gray = TF.to_pil_image(x[:1])
    assert gray.shape == (4, 5) and gray.dtype == np.uint8  # one channel reads back as PIL's "L": H×W
    assert TF.to_pil_image(x[0]).shape == (4, 5)  # (H, W) is one channel
    rgba = TF.to_pil_image(ag.zeros(4, 2, 2))
    assert rgba.shape == (2, 2, 4)
    floats = TF.to_pil_image(x[:1], mode="F")  # mode F keeps the floats
    assert floats.dtype == np.float32 and np.array_equal(floats, x.numpy()[0])


def test_to_pil_image_takes_image_arrays_and_grad_tensors_and_round_trips_to_tensor():
    rgb = _image()
    assert np.array_equal(T.ToPILImage()(rgb), rgb) and np.array_equal(TF.to_pil_image(rgb[:, :, 0]), rgb[:, :, 0])
    x = T.ToTensor()(rgb).requires_grad_()
    assert np.array_equal(TF.to_pil_image(x), rgb)  # k/255·255 truncates back to k
    assert repr(T.ToPILImage()) == "ToPILImage()" and repr(T.ToPILImage(mode="RGB")) == "ToPILImage(mode=RGB)"


def test_to_pil_image_refuses_what_torchvision_refuses():
    with pytest.raises(TypeError, match=r"pic should be Tensor or ndarray. Got <class 'list'>."):
        TF.to_pil_image([[1, 2]])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        TF.to_pil_image(ag.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 5 channels."):
        TF.to_pil_image(ag.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 6 channels."):
        TF.to_pil_image(np.zeros((2, 2, 6), np.uint8))
    with pytest.raises(ValueError, match=r"Only modes \['RGB', 'YCbCr', 'HSV'\] are supported for 3D inputs"):
        TF.to_pil_image(ag.zeros(3, 2, 2), mode="L")
    with pytest.raises(ValueError, match=r"Incorrect mode \(RGB\) supplied for input type"):
        TF.to_pil_image(ag.zeros(1, 2, 2), mode="RGB")
    with pytest.raises(TypeError, match="Input type float64 is not supported"):
        TF.to_pil_image(np.zeros((2, 2, 3)))


def test_to_pil_image_matches_torchvisions_conversion():
    torch = pytest.importorskip("torch")
    values = RNG.random((3, 6, 7)).astype(np.float32)
    expected = torch.from_numpy(values).mul(255).byte().numpy().transpose(1, 2, 0)  # torchvision's to_pil_image
    np.testing.assert_array_equal(TF.to_pil_image(ag.tensor(values)), expected)
