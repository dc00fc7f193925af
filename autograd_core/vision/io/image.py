"""What every image decoder here shares: the decoded image (`Decoded`), the errors, the pixel limit, format sniffing,
and the two conversions built on the decoders: PIL's `.convert("RGB")` (`to_pil_rgb`, for datasets' default_loader)
and torchvision.io's read modes (`to_read_mode`).

PNG (png.py), Netpbm P1-P6 (pnm.py) and uncompressed BMP (bmp.py) are decoded here with NumPy and zlib; any other
format (JPEG, GIF, WebP, TIFF, BMP with RLE, ...) goes to Pillow when it can be imported, else PillowRequiredError.

Safety: the width and height in a header are checked against MAX_IMAGE_PIXELS before anything the size of the image
is allocated, and the zlib stream of a PNG is inflated no further than the image's size (a "zip bomb" cannot expand
beyond it). A damaged file raises ImageDecodeError naming the file and what is wrong.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_IMAGE_PIXELS", "ImageDecodeError", "DecompressionBombError", "PillowRequiredError", "Decoded",
           "sniff_format", "decode", "to_pil_rgb", "to_read_mode", "load_rgb"]

# PIL's Image.MAX_IMAGE_PIXELS (1024 * 1024 * 1024 // 4 // 3, "a 3-channel 8-bit image of one gigabyte"). PIL only
# warns above it and refuses above twice it; here an image above it is refused. Set it to None to lift the limit.
MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3


class ImageDecodeError(OSError):
    """A file that is not a valid image of its format (truncated, a bad CRC, an impossible header ...). An OSError,
    as PIL's errors for unreadable images are (UnidentifiedImageError, "image file is truncated")."""


class DecompressionBombError(ImageDecodeError):
    """An image with more pixels than autograd_core.vision.io.image.MAX_IMAGE_PIXELS (89,478,485, PIL's limit;
    None lifts it): PIL's DecompressionBombError, refused before the pixels are allocated."""


class PillowRequiredError(ModuleNotFoundError):
    """An image in a format decoded only by Pillow (JPEG, GIF, WebP, ...) when Pillow cannot be imported: what
    torchvision users see as a missing PIL. `pip install pillow` makes it readable."""


class NeedsPillow(Exception):
    """Raised by a decoder for a valid file in a variant it does not decode (BMP with RLE, 16-bit BMP, PAM ...):
    the caller hands the file to Pillow."""


@dataclass
class Decoded:
    """An image as its file stores it.

    pixels: (H, W, C) uint8 or uint16 samples (C = 1, 2, 3 or 4 for mode "L", "LA", "RGB", "RGBA"; C = 1 of palette
            indices for "P"; 0/1 for mode "1", where 1 is white as PIL's mode "1").
    mode:   "1", "L", "LA", "RGB", "RGBA" or "P".
    maxval: the value of full intensity (255, 65535, 1, or a Netpbm file's maxval); the samples are not rescaled.
    palette: (N, 3) uint8 for "P"; alpha: (N,) uint8 palette alpha (PNG's tRNS) or None.
    fmt:    "PNG", "PPM" (any Netpbm), "BMP".
    """

    pixels: np.ndarray
    mode: str
    maxval: int
    fmt: str
    palette: np.ndarray | None = None
    alpha: np.ndarray | None = None


def fail(name, why):
    """The ImageDecodeError for file `name`: '<name>: <why>'."""
    return ImageDecodeError(f"{name}: {why}")


def check_size(width, height, name):
    """Refuse an empty image or one of more than MAX_IMAGE_PIXELS pixels, before anything its size is allocated."""
    if width <= 0 or height <= 0:
        raise fail(name, f"image size {width}x{height}: width and height must be positive")
    if MAX_IMAGE_PIXELS is not None and width * height > MAX_IMAGE_PIXELS:
        raise DecompressionBombError(
            f"{name}: image size {width}x{height} ({width * height} pixels) exceeds the limit of {MAX_IMAGE_PIXELS} "
            "pixels (autograd_core.vision.io.image.MAX_IMAGE_PIXELS, PIL's decompression-bomb limit): refused as a "
            "possible decompression bomb")


# magic bytes -> format name, for the formats only Pillow reads (used in the error when it is missing)
_OTHER_FORMATS = [(b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"II*\x00", "TIFF"),
                  (b"MM\x00*", "TIFF"), (b"\x00\x00\x01\x00", "ICO"), (b"8BPS", "PSD"), (b"qoif", "QOI")]


def sniff_format(data):
    """The format of an image file from its first bytes: "PNG", "PPM" (Netpbm P1-P7, PF), "BMP", or a format only
    Pillow reads ("JPEG", "GIF", "WEBP", "TIFF", ...), or "unknown"."""
    head = bytes(data[:16])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"BM"):
        return "BMP"
    if len(head) >= 3 and head[0:1] == b"P" and head[1:2] in b"1234567Ff" and head[2:3].isspace():
        return "PPM"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "AVIF"
    if head[4:8] == b"ftyp":
        return "HEIF"
    return next((name for magic, name in _OTHER_FORMATS if head.startswith(magic)), "unknown")


def decode(data, name="<bytes>"):
    """Decode a PNG, Netpbm or BMP file's bytes into a `Decoded`. NeedsPillow for any other format or an unsupported
    variant; ImageDecodeError (naming `name`) for a damaged file."""
    from . import bmp, png, pnm  # the format modules import this one

    fmt = sniff_format(data)
    decoder = {"PNG": png.decode_png_file, "PPM": pnm.decode_pnm, "BMP": bmp.decode_bmp}.get(fmt)
    if decoder is None:
        raise NeedsPillow(fmt)
    return decoder(bytes(data), name)


def _scaled(samples, maxval, top):
    """Samples in 0..maxval rescaled to 0..top as PIL's Netpbm decoder does: min(top, round(v / maxval * top)),
    Python's round (half to even) on the same double arithmetic."""
    if maxval == top:
        return samples
    scaled = np.round(samples.astype(np.float64) / maxval * top)
    return np.minimum(scaled, top).astype(np.uint16 if top > 255 else np.uint8)


def to_pil_rgb(image):
    """PIL's `Image.open(f).convert("RGB")` of a decoded image: a uint8 array (H, W, 3).

    PIL's rules, read from Pillow 13 and checked against it: alpha is dropped (never composited) and a palette's
    transparency (tRNS) is ignored; a palette index past the palette is black; gray samples of 1, 2 or 4 bits are
    scaled to 0..255 (v * 255 / (2**bits - 1)). Samples of 16 bits: PNG RGB, RGBA and gray+alpha keep the high byte
    (v >> 8), but 16-bit PNG gray (mode "I;16") is *clipped*, min(v, 255), so it comes out mostly white. Netpbm
    scales v of maxval m as PIL does: colour to round(v / m * 255); gray with m > 255 to round(v / m * 65535) (PIL's
    mode "I"), then clipped at 255 as PNG gray; PBM's 1 is black."""
    pixels, mode = image.pixels, image.mode
    if mode == "P":
        palette = np.zeros((256, 3), np.uint8)  # PIL pads a short palette with black
        palette[:len(image.palette)] = image.palette[:256]
        return palette[pixels[..., 0]]
    if mode == "1":
        return _gray_to_rgb((pixels[..., 0] * 255).astype(np.uint8))
    if image.fmt == "PPM":
        wide_gray = mode == "L" and image.maxval > 255
        pixels = _scaled(pixels, image.maxval, 65535 if wide_gray else 255)
        if wide_gray:
            pixels = np.minimum(pixels, 255)
    elif pixels.dtype == np.uint16:
        pixels = np.minimum(pixels, 255) if mode == "L" else pixels >> 8
    elif mode in ("L", "LA") and image.maxval < 255:  # 1, 2 or 4 bits: exact integer scaling
        pixels = pixels * (255 // image.maxval)
    pixels = pixels.astype(np.uint8)
    if mode in ("L", "LA"):
        return _gray_to_rgb(pixels[..., 0])
    return np.ascontiguousarray(pixels[..., :3])


def _gray_to_rgb(gray):
    """(H, W) uint8 -> (H, W, 3), the gray value in each channel: three strided copies, a quarter of np.repeat's
    instructions along the last axis."""
    rgb = np.empty(gray.shape + (3,), np.uint8)
    for channel in range(3):
        rgb[..., channel] = gray
    return rgb


# torchvision.io's rgb_to_gray (libpng's png_set_rgb_to_gray(png, 1, 0.2989, 0.587)): libpng's fixed-point weights
# out of 2**15, floor(w * 32768), blue taking the rest.
_GRAY_WEIGHTS = (9794, 19234, 32768 - 9794 - 19234)


def _rgb_to_gray(rgb):
    """libpng's png_do_rgb_to_gray without gamma: 8 bits truncate (a gray pixel, r == g == b, is kept as is),
    16 bits round (adding 2**14 before the shift, libpng >= 1.5.5)."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    rounding = 1 << 14 if rgb.dtype == np.uint16 else 0
    gray = (_GRAY_WEIGHTS[0] * r + _GRAY_WEIGHTS[1] * g + _GRAY_WEIGHTS[2] * b + rounding) >> 15
    gray = np.where((r == g) & (g == b), r, gray)
    return gray.astype(rgb.dtype)[..., None]


def to_read_mode(image, mode):
    """torchvision.io's decode of `image` for read mode `mode` ("UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB",
    "RGB_ALPHA"): an array (H, W, C), uint8, or uint16 for 16-bit files (torchvision >= 0.21 returns uint16 there).

    UNCHANGED keeps the file's channels; a PNG palette image gives its indices (1 channel), as libpng does without
    expansion in torchvision. The other modes expand a palette (its tRNS becomes alpha), add an opaque alpha,
    drop alpha, repeat gray to RGB, or turn RGB into gray with libpng's weights (0.2989, 0.587, 0.1141 in 15-bit
    fixed point: 9794, 19234, 3740; `_rgb_to_gray`). Low bit depths are scaled to 8 bits; a Netpbm maxval other
    than 255 and 65535 is rescaled to 255 (or 65535 when above 255); PBM gives 0 and 255."""
    pixels, kind = image.pixels, image.mode
    if kind == "1":
        pixels, kind = (pixels * 255).astype(np.uint8), "L"
    elif image.fmt == "PPM" and image.maxval not in (255, 65535):
        pixels = _scaled(pixels, image.maxval, 65535 if image.maxval > 255 else 255)
    elif kind in ("L", "LA") and image.maxval < 255:
        pixels = (pixels * (255 // image.maxval)).astype(np.uint8)
    if mode == "UNCHANGED":
        return pixels
    top = np.iinfo(pixels.dtype).max
    if kind == "P":
        palette = np.zeros((256, 4), np.uint8)
        palette[:, 3] = 255
        palette[:len(image.palette), :3] = image.palette[:256]
        if image.alpha is not None:
            palette[:len(image.alpha), 3] = image.alpha[:256]
        pixels, kind = palette[pixels[..., 0]], ("RGBA" if image.alpha is not None else "RGB")
        pixels = pixels if kind == "RGBA" else pixels[..., :3]
    color, alpha = pixels[..., :3 if kind in ("RGB", "RGBA") else 1], None
    if kind in ("LA", "RGBA"):
        alpha = pixels[..., -1:]
    if mode in ("GRAY", "GRAY_ALPHA") and color.shape[-1] == 3:
        color = _rgb_to_gray(color)
    elif mode in ("RGB", "RGB_ALPHA") and color.shape[-1] == 1:
        color = np.repeat(color, 3, axis=2)
    if mode in ("GRAY", "RGB"):
        return np.ascontiguousarray(color)
    if alpha is None:
        alpha = np.full(color.shape[:2] + (1,), top, color.dtype)
    return np.concatenate([color, alpha], axis=2)


def _pillow(data, name, fmt):
    """PIL.Image, or PillowRequiredError naming the file and its format."""
    try:
        from PIL import Image
    except ImportError:
        what = f"a {fmt} image" if fmt != "unknown" else "not a PNG, Netpbm or BMP image (format not recognised)"
        raise PillowRequiredError(
            f"{name} is {what}: autograd_core decodes PNG, Netpbm (PBM/PGM/PPM) and uncompressed BMP itself, and reads "
            "other formats with Pillow, which is not installed: pip install pillow", name="PIL") from None
    return Image


def pillow_open(data, name, fmt):
    """The file's bytes opened by Pillow (PillowRequiredError when Pillow is missing)."""
    return _pillow(data, name, fmt).open(io.BytesIO(bytes(data)))


def read_bytes(path):
    """The bytes of the file at `path`."""
    with open(path, "rb") as f:
        return f.read()


def load_rgb(path):
    """The image file at `path` as a uint8 array (H, W, 3): PIL's `Image.open(path).convert("RGB")` (`to_pil_rgb`),
    decoded here for PNG, Netpbm and uncompressed BMP, by Pillow for any other format."""
    name = os.fspath(path)
    data = read_bytes(path)
    try:
        return to_pil_rgb(decode(data, name))
    except NeedsPillow as unsupported:
        with pillow_open(data, name, str(unsupported)) as opened:
            return np.array(opened.convert("RGB"), dtype=np.uint8)
