"""The ImageNet weights' inference preprocessing (`weights.transforms()`, transforms._presets.ImageClassification)
and class names (`weights.meta["categories"]`), and torchvision's "Using the pre-trained models" example run as
written with autograd_core.vision in place of torchvision, on a made-up checkpoint in torch.hub's cache (nothing is
downloaded).

The preset is checked against an independent computation with Pillow: PIL's bilinear resize (antialiased: its filter
widens with the shrink), PIL's crop, / 255, (x - mean) / std. Where no resize happens the two agree to float32
rounding. Where one does, they may differ by one grey level (1 / 255 / std[c] after normalizing): PIL resamples in
two passes and rounds to 8 bits between them, with fixed-point weights, where functional.resize computes in float
and rounds once (its docstring: close to PIL's pixels, not the same bits; torchvision's own tensor path differs from
PIL's in the same way). With PyTorch installed, the tensor path is also checked against torchvision's tensor formulas
written in torch."""

import functools
import io as _io
import os
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.vision import models
from autograd_core.vision.datasets import utils as dataset_utils
from autograd_core.vision.transforms import InterpolationMode
from autograd_core.vision.transforms._presets import ImageClassification
from PIL import Image  # (the test extra installs Pillow, through matplotlib: missing, this file fails, not skips)

MEAN = np.asarray([0.485, 0.456, 0.406], np.float32)
STD = np.asarray([0.229, 0.224, 0.225], np.float32)
ONE_GREY_LEVEL = (1 / 255 / STD)[:, None, None]  # one step of a uint8 pixel, after normalizing, per channel


def picture(height, width, seed=0):
    """An RGB uint8 H×W×3 array: smooth gradients (a photograph's shading) plus noise (its texture), so that resizing
    without antialiasing, or with the wrong size or offset, changes many pixels by many grey levels."""
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    shading = np.stack([128 + 100 * np.sin(rows / 17 + c) * np.cos(cols / 23 - c) for c in range(3)], axis=-1)
    noise = np.random.default_rng(seed).normal(0, 25, (height, width, 3))
    return np.clip(np.rint(shading + noise), 0, 255).astype(np.uint8)


def pil_reference(image, resize_size=256, crop_size=224):
    """torchvision's preset on a PIL image, computed with Pillow and NumPy: (3, crop, crop) float32."""
    width, height = image.size
    if width <= height:
        new_width, new_height = resize_size, int(resize_size * height / width)
    else:
        new_width, new_height = int(resize_size * width / height), resize_size
    if (new_width, new_height) != (width, height):
        image = image.resize((new_width, new_height), Image.BILINEAR)
    left, top = int(round((new_width - crop_size) / 2)), int(round((new_height - crop_size) / 2))
    image = image.crop((left, top, left + crop_size, top + crop_size))
    x = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
    return (x - MEAN[:, None, None]) / STD[:, None, None]


def assert_within_one_grey_level(ours, reference):
    """Every value within one grey level of the reference, and at most a quarter of a level apart on average (each
    of PIL's roundings moves a pixel by at most one level, and only some pixels: 0.19 on these pictures)."""
    levels = np.abs(ours - reference) / ONE_GREY_LEVEL
    assert levels.max() <= 1 + 1e-4, f"{levels.max():.3f} grey levels apart"
    assert levels.mean() < 0.25, f"{levels.mean():.3f} grey levels apart on average"


@pytest.fixture(scope="module")
def preset():
    return models.ResNet18_Weights.DEFAULT.transforms()


def test_the_preset_on_a_pil_image_is_pils_resize_crop_and_normalize(preset):
    image = Image.fromarray(picture(300, 400))
    out = preset(image)
    assert isinstance(out, ag.Value) and out.shape == (3, 224, 224) and out.dtype == np.float32
    assert_within_one_grey_level(out.numpy(), pil_reference(image))


def test_without_a_resize_the_preset_equals_pils_computation_to_float32_rounding(preset):
    # the shorter side is 256 already: only the crop, the scaling and the normalization remain, which are exact
    image = Image.fromarray(picture(256, 301))
    np.testing.assert_allclose(preset(image).numpy(), pil_reference(image), rtol=0, atol=1e-6)
    tensor = ag.from_numpy(picture(301, 256).transpose(2, 0, 1).copy())
    expected = pil_reference(Image.fromarray(picture(301, 256)))
    np.testing.assert_allclose(preset(tensor).numpy(), expected, rtol=0, atol=1e-6)


def test_the_preset_on_a_uint8_tensor_and_a_batch(preset):
    pixels = picture(400, 300, seed=1)
    tensor = ag.from_numpy(pixels.transpose(2, 0, 1).copy())  # what decode_image returns: uint8 (3, H, W)
    out = preset(tensor)
    assert out.shape == (3, 224, 224) and out.dtype == np.float32
    assert_within_one_grey_level(out.numpy(), pil_reference(Image.fromarray(pixels)))
    batch = ag.from_numpy(np.stack([pixels, picture(400, 300, seed=2)]).transpose(0, 3, 1, 2).copy())
    outs = preset(batch)
    assert outs.shape == (2, 3, 224, 224) and outs.dtype == np.float32
    np.testing.assert_array_equal(outs.numpy()[0], out.numpy())  # each image of a batch as it is alone


def test_the_preset_on_tensors_follows_torchvisions_tensor_formulas():
    torch = pytest.importorskip("torch")
    preset = models.ResNet50_Weights.DEFAULT.transforms()  # resize_size 232
    pixels = picture(300, 400, seed=3).transpose(2, 0, 1).copy()

    def torchvision_tensor_path(x):  # torchvision.transforms.functional on a tensor, in torch
        resized = torch.nn.functional.interpolate(x[None].double() if x.dtype == torch.float64 else x[None].float(),
                                                  size=(232, 309), mode="bilinear", align_corners=False,
                                                  antialias=True)[0]
        if x.dtype == torch.uint8:  # resized as floats, rounded back to uint8, then / 255
            resized = resized.round().to(torch.uint8).float() / 255
        top, left = int(round((232 - 224) / 2)), int(round((309 - 224) / 2))
        cropped = resized[:, top:top + 224, left:left + 224].float()
        return ((cropped - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]).numpy()

    ours = preset(ag.from_numpy(pixels)).numpy()
    theirs = torchvision_tensor_path(torch.from_numpy(pixels))
    levels = np.abs(ours - theirs) / ONE_GREY_LEVEL  # float sums rounded to uint8 may land either side of .5
    assert levels.max() <= 1 + 1e-4 and (levels > 0.5).mean() < 0.005
    # A float image is resized as it is. Compared with the formula in float64, not torch's float32 kernel, which is
    # itself up to 2e-5 from its float64 result; ours is within 2e-7 of it before normalizing.
    floats = pixels.astype(np.float32) / 255
    np.testing.assert_allclose(preset(ag.from_numpy(floats)).numpy(),
                               torchvision_tensor_path(torch.from_numpy(floats).double()), rtol=0, atol=5e-6)


def test_the_preset_prints_and_describes_itself_as_torchvisions(preset):
    assert repr(preset) == ("ImageClassification(\n    crop_size=[224]\n    resize_size=[256]\n"
                            "    mean=[0.485, 0.456, 0.406]\n    std=[0.229, 0.224, 0.225]\n"
                            "    interpolation=InterpolationMode.BILINEAR\n)")
    description = preset.describe()
    assert description.startswith("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)``")
    for part in ("``resize_size=[256]`` using ``interpolation=InterpolationMode.BILINEAR``",
                 "central crop of ``crop_size=[224]``", "rescaled to ``[0.0, 1.0]``",
                 "``mean=[0.485, 0.456, 0.406]`` and ``std=[0.229, 0.224, 0.225]``"):
        assert part in description


def every_weights():
    """(name, member) for every weights member of every model here, DEFAULT aliases included."""
    for builder in models.list_models():
        enum = models.get_model_weights(builder)
        for name, member in enum.__members__.items():
            yield f"{enum.__name__}.{name}", member


def test_every_weights_carries_torchvisions_preset():
    # torchvision: V2 weights (ResNet-50/101/152's newer recipe) are evaluated on 232-pixel resizes, V1 on 256
    resized_232 = {"ResNet50_Weights.IMAGENET1K_V2", "ResNet101_Weights.IMAGENET1K_V2",
                   "ResNet152_Weights.IMAGENET1K_V2"}
    seen = 0
    for name, weights in every_weights():
        assert isinstance(weights.transforms, functools.partial) and weights.transforms.func is ImageClassification
        preset = weights.transforms()
        resize_size = 232 if name.replace("DEFAULT", weights.name) in resized_232 else 256
        assert (preset.crop_size, preset.resize_size) == ([224], [resize_size]), name
        assert (preset.mean, preset.std) == ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), name
        assert (preset.interpolation, preset.antialias) == (InterpolationMode.BILINEAR, True), name
        assert preset is not weights.transforms()  # a new preset each call, as torchvision's partial makes
        seen += 1
    assert seen == 2 * 17 + 3  # 17 enums with IMAGENET1K_V1 and DEFAULT, three with IMAGENET1K_V2 too
    assert models.ResNet50_Weights.DEFAULT.transforms().resize_size == [232]


def test_every_imagenet_weights_shares_torchvisions_1000_categories():
    categories = models.ResNet50_Weights.DEFAULT.meta["categories"]
    assert len(categories) == len(set(categories)) == 1000
    assert (categories[0], categories[1], categories[207], categories[999]) == (
        "tench", "goldfish", "golden retriever", "toilet tissue")
    assert (categories[134], categories[517], categories[638], categories[639]) == (
        "crane bird", "crane", "maillot", "maillot tank suit")  # torchvision's renames of WordNet's duplicates
    for name, weights in every_weights():
        assert weights.meta["categories"] is categories, name  # one list, not a copy per model
        assert weights.meta["num_classes"] == len(categories), name


def test_the_weights_carry_torchvisions_other_meta():
    min_sizes = {"ResNet": (1, 1), "VGG": (32, 32), "AlexNet": (63, 63), "GoogLeNet": (15, 15),
                 "SqueezeNet1_0": (21, 21), "SqueezeNet1_1": (17, 17)}
    for name, weights in every_weights():
        family = name.split("_")[0].rstrip("0123456789")
        assert weights.meta["min_size"] == min_sizes[name[:13] if family == "SqueezeNet" else family], name
        assert weights.meta["recipe"].startswith("https://github.com/pytorch/vision/"), name
        assert weights.meta["_docs"].strip(), name
    assert models.ResNet18_Weights.DEFAULT.meta["recipe"] == (
        "https://github.com/pytorch/vision/tree/main/references/classification#resnet")
    assert models.ResNet101_Weights.DEFAULT.meta["recipe"] == "https://github.com/pytorch/vision/issues/3995#new-recipe"
    assert models.VGG16_Weights.DEFAULT.meta["recipe"] == (
        "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg")
    assert models.ResNet50_Weights.IMAGENET1K_V2.meta["_docs"].split() == (
        "These weights improve upon the results of the original paper by using TorchVision's `new training recipe "
        "<https://pytorch.org/blog/how-to-train-state-of-the-art-models-using-torchvision-latest-primitives/>`_.")\
        .split()


# torchvision's documentation, "Using the pre-trained models" (models.rst), as written; only the image's path is ours
CANONICAL_EXAMPLE = """\
from torchvision.io import decode_image
from torchvision.models import resnet50, ResNet50_Weights

img = decode_image(IMAGE_PATH)

# Step 1: Initialize model with the best available weights
weights = ResNet50_Weights.DEFAULT
model = resnet50(weights=weights)
model.eval()

# Step 2: Initialize the inference transforms
preprocess = weights.transforms()

# Step 3: Apply inference preprocessing transforms
batch = preprocess(img).unsqueeze(0)

# Step 4: Use the model and print the predicted category
prediction = model(batch).squeeze(0).softmax(0)
class_id = prediction.argmax().item()
score = prediction[class_id].item()
category_name = weights.meta["categories"][class_id]
print(f"{category_name}: {100 * score:.1f}%")
"""


@pytest.fixture(scope="module")
def torch_home(tmp_path_factory):
    """A torch.hub cache holding a made-up ResNet-50 checkpoint where ResNet50_Weights.DEFAULT's download would put
    it: random weights, except a classifier that ignores the features and says "golden retriever" (class 207) with
    probability 1/2: logit ln 999 for it, 0 for the 999 others, so softmax gives 999 / (999 + 999)."""
    folder = tmp_path_factory.mktemp("torch_home")
    state = {name: np.array(value) for name, value in models.resnet50().state_dict().items()}
    state["fc.weight"] = np.zeros_like(state["fc.weight"])
    state["fc.bias"] = np.zeros_like(state["fc.bias"])
    state["fc.bias"][207] = np.log(999)
    checkpoints = os.path.join(folder, "hub", "checkpoints")
    os.makedirs(checkpoints)
    ag.save(state, os.path.join(checkpoints, os.path.basename(models.ResNet50_Weights.DEFAULT.url)))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["decode_image", "PIL.Image.open"])
def test_torchvisions_canonical_inference_example_runs_unchanged(reader, torch_home, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    monkeypatch.setattr(dataset_utils, "download_url", lambda *a, **k: pytest.fail("downloaded a checkpoint"))
    path = tmp_path / "dog.jpg"
    Image.fromarray(picture(360, 480)).save(path)  # a JPEG, as the documentation's image: read through Pillow
    program = CANONICAL_EXAMPLE.replace("torchvision", "autograd_core.vision")
    if reader == "PIL.Image.open":  # the documentation's other way to read the image
        program = program.replace("from autograd_core.vision.io import decode_image", "from PIL import Image")
        program = program.replace("decode_image(IMAGE_PATH)", "Image.open(IMAGE_PATH)")
    printed = _io.StringIO()
    with redirect_stdout(printed):
        exec(compile(program, "canonical_example.py", "exec"), {"IMAGE_PATH": str(path)})
    assert re.fullmatch(r".+: \d+\.\d%\n", printed.getvalue())
    assert printed.getvalue() == "golden retriever: 50.0%\n"
