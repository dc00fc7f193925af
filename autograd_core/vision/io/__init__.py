"""torchvision.io's image reading for NumPy: `read_image`, `decode_image`, `decode_png`, `read_file` and
`ImageReadMode`, returning a uint8 Value (C, H, W) as torchvision's return a uint8 tensor.

    from autograd_core.vision.io import read_image, ImageReadMode
    image = read_image("cat.png", mode=ImageReadMode.RGB)      # uint8 Value (3, H, W)

PNG (every colour type and bit depth, interlaced too), Netpbm (PBM/PGM/PPM, plain and raw) and uncompressed BMP are
decoded here with NumPy and zlib (image.py, png.py, pnm.py, bmp.py; datasets.folder's `default_loader` uses the same
decoders); other formats (JPEG, GIF, WebP, ...) are read through Pillow when it is installed, else
PillowRequiredError (a ModuleNotFoundError) says `pip install pillow`. A 16-bit PNG gives a uint16 Value, as
torchvision >= 0.21's. A damaged file raises ImageDecodeError (an OSError) naming it and the problem; an image of
more than `image.MAX_IMAGE_PIXELS` pixels (PIL's limit, 89,478,485) raises DecompressionBombError.
"""

from __future__ import annotations

import enum
import os

import numpy as np

import autograd_core as ag

from . import image as _image
from .image import DecompressionBombError, ImageDecodeError, NeedsPillow, PillowRequiredError

__all__ = ["ImageReadMode", "read_file", "decode_image", "decode_png", "read_image", "ImageDecodeError",
           "DecompressionBombError", "PillowRequiredError"]


class ImageReadMode(enum.Enum):
    """How many channels a decoded image has: UNCHANGED (as the file stores it), GRAY (1), GRAY_ALPHA (2), RGB (3),
    RGB_ALPHA (4). torchvision's values; the names as strings ("RGB", "rgb", and "RGBA" for RGB_ALPHA) work too."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4


# Pillow's mode for each read mode, for the formats Pillow decodes
_PIL_MODES = {"GRAY": "L", "GRAY_ALPHA": "LA", "RGB": "RGB", "RGB_ALPHA": "RGBA"}


def _mode_name(mode):
    if isinstance(mode, ImageReadMode):
        return mode.name
    if isinstance(mode, str):
        name = "RGB_ALPHA" if mode.upper() == "RGBA" else mode.upper()
        if name in ImageReadMode.__members__:
            return name
    raise ValueError(f"mode should be an ImageReadMode (or one of its names: UNCHANGED, GRAY, GRAY_ALPHA, RGB, "
                     f"RGB_ALPHA, RGBA), got {mode!r}")


def read_file(path):
    """The bytes of the file at `path` as a uint8 Value (N,) (torchvision.io.read_file)."""
    return ag.from_numpy(np.frombuffer(_image.read_bytes(path), np.uint8).copy())


def _encoded_bytes(data):
    """bytes from what decode_image takes: a 1-D uint8 Value or array, bytes, bytearray or memoryview."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        array = data.numpy() if isinstance(data, ag.Value) else data
        if not isinstance(array, np.ndarray):
            raise TypeError(f"expected a uint8 Value (N,) of an encoded image, bytes or a path, got {type(data)}")
        if array.dtype != np.uint8:
            raise ValueError(f"Expected a torch.uint8 tensor, got {array.dtype}")
        if array.ndim != 1:
            raise ValueError(f"Expected a 1-dimensional tensor, got shape {array.shape}")
        raw = array.tobytes()
    if not raw:
        raise ValueError("Expected a non empty 1-dimensional tensor")
    return raw


def _decode(raw, mode, name, apply_exif_orientation):
    if apply_exif_orientation:
        raise NotImplementedError("apply_exif_orientation=True: EXIF orientation is not read here; images come out "
                                  "as stored (rotate with transforms if needed)")
    mode = _mode_name(mode)
    try:
        pixels = _image.to_read_mode(_image.decode(raw, name), mode)
    except NeedsPillow as unsupported:
        with _image.pillow_open(raw, name, str(unsupported)) as opened:
            if mode != "UNCHANGED":
                opened = opened.convert(_PIL_MODES[mode])
            elif opened.mode not in ("L", "LA", "RGB", "RGBA"):
                opened = opened.convert("RGBA" if "A" in opened.mode else "RGB")
            pixels = np.array(opened)
        pixels = pixels[..., None] if pixels.ndim == 2 else pixels
    return ag.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode an encoded image into a Value (C, H, W), uint8 (uint16 for a 16-bit PNG).

    input: a 1-D uint8 Value (as torchvision.io.read_file returns), a 1-D uint8 array, bytes, or a path (str or
    os.PathLike, read first, as torchvision's). mode: an ImageReadMode or its name; see `image.to_read_mode` for
    each mode's conversion. ImageDecodeError for a damaged image; ValueError for an input that is not 1-D uint8."""
    if isinstance(input, (str, os.PathLike)):
        return read_image(input, mode, apply_exif_orientation)
    return _decode(_encoded_bytes(input), mode, "<encoded image>", apply_exif_orientation)


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """decode_image for PNG data only: ImageDecodeError when `input` is not a PNG (torchvision's "Content is not
    png!")."""
    raw = _encoded_bytes(input)
    if _image.sniff_format(raw) != "PNG":
        raise ImageDecodeError("<encoded image>: Content is not png! (no PNG signature)")
    return _decode(raw, mode, "<encoded image>", apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """The image file at `path` decoded into a Value (C, H, W), uint8 (uint16 for a 16-bit PNG): read_file then
    decode_image, errors naming the file."""
    return _decode(_image.read_bytes(path), mode, os.fspath(path), apply_exif_orientation)
