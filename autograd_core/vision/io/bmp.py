"""Windows BMP decoding, uncompressed: 24- and 32-bit, and 1-, 4- and 8-bit with a palette.

A 14-byte file header ("BM", file size, two reserved words, the offset of the pixels), then an info header whose
first 4 bytes give its size: 12 (OS/2 BITMAPCOREHEADER: 16-bit width and height, palette entries of 3 bytes) or 40,
52, 56, 108, 124 (BITMAPINFOHEADER and its successors: signed 32-bit width and height, compression, palette size;
palette entries of 4 bytes, blue, green, red, unused). A positive height stores the rows bottom-up, a negative one
top-down; each row is padded to a multiple of 4 bytes; pixels are blue, green, red (, unused or alpha).

32-bit pixels without bit fields are BGRX (the fourth byte ignored, as PIL reads them: mode "RGB"); with
BI_BITFIELDS each channel is the byte its mask selects, and a non-zero alpha mask gives RGBA. Run-length encoded,
16-bit, and JPEG/PNG-in-BMP files go to Pillow.
"""

from __future__ import annotations

import struct

import numpy as np

from .image import Decoded, NeedsPillow, check_size, fail

__all__ = ["decode_bmp"]

_INFO_SIZES = (40, 52, 56, 64, 108, 124)
_RGB, _BITFIELDS, _ALPHABITFIELDS = 0, 3, 6


def _unpack(data, offset, fmt, name, what):
    size = struct.calcsize(fmt)
    if len(data) < offset + size:
        raise fail(name, f"truncated BMP: the file ends inside its {what}")
    return struct.unpack_from(fmt, data, offset)


def _masks(data, header_size, compression, name):
    """The red, green, blue and alpha masks of a BI_BITFIELDS image (alpha 0 when the file has none)."""
    if header_size >= 56:
        return _unpack(data, 14 + 40, "<4I", name, "colour masks")
    if header_size == 52:
        return (*_unpack(data, 14 + 40, "<3I", name, "colour masks"), 0)
    count = 4 if compression == _ALPHABITFIELDS else 3  # masks written after a 40-byte header
    return (*_unpack(data, 14 + 40, f"<{count}I", name, "colour masks"), 0)[:4]


def _byte_of(mask, name):
    """Which byte of a little-endian 32-bit pixel an 8-bit channel mask selects."""
    for index in range(4):
        if mask == 0xFF << (8 * index):
            return index
    raise NeedsPillow(f"BMP with colour mask {mask:#010x}")


def decode_bmp(data, name="<bytes>"):
    """Decode a BMP file's bytes into a `Decoded` (mode "RGB", or "RGBA" for 32-bit bit fields with an alpha mask;
    a palette image comes out as RGB). ImageDecodeError naming `name` for a malformed file, NeedsPillow for a
    compressed or 16-bit one."""
    (offset,) = _unpack(data, 10, "<I", name, "file header")
    (header_size,) = _unpack(data, 14, "<I", name, "info header")
    if header_size == 12:
        width, height, _, bits = _unpack(data, 18, "<HHHH", name, "info header")
        compression, colors, entry = _RGB, 0, 3
    elif header_size in _INFO_SIZES:
        width, height, _, bits, compression, _, _, _, colors = _unpack(data, 18, "<iiHHIIiiI", name, "info header")
        entry = 4
    else:
        raise fail(name, f"BMP info header of {header_size} bytes: not one of 12, {', '.join(map(str, _INFO_SIZES))}")
    top_down = height < 0
    height = abs(height)
    plain = compression == _RGB and bits in (1, 4, 8, 24, 32)
    fields = compression in (_BITFIELDS, _ALPHABITFIELDS) and bits == 32
    if not (plain or fields):
        raise NeedsPillow(f"BMP (compression {compression}, {bits} bits per pixel)")
    check_size(width, height, name)
    if bits <= 8:  # the palette comes before the pixels: a file cut inside it is reported as such
        palette = _palette(data, 14 + header_size, colors or 1 << bits, entry, offset, name)
    stride = (width * bits + 31) // 32 * 4
    if offset + stride * height > len(data):
        raise fail(name, f"truncated BMP: {max(0, len(data) - offset)} bytes of pixels, the header announces "
                         f"{stride * height}")
    rows = np.frombuffer(data, np.uint8, stride * height, offset).reshape(height, stride)
    if not top_down:
        rows = rows[::-1]
    mode = "RGB"
    if bits <= 8:
        indices = np.unpackbits(rows, axis=1).reshape(height, -1, bits)[:, :width] if bits < 8 else rows[:, :width]
        if bits < 8:
            indices = (indices * (1 << np.arange(bits - 1, -1, -1)).astype(np.uint8)).sum(axis=2, dtype=np.uint8)
        pixels = palette[indices]
    elif bits == 24:
        pixels = rows[:, :width * 3].reshape(height, width, 3)[..., ::-1]
    elif compression == _RGB:  # BGRX
        pixels = rows.reshape(height, width, 4)[..., 2::-1]
    else:
        red, green, blue, alpha = _masks(data, header_size, compression, name)
        quads = rows.reshape(height, width, 4)
        channels = [red, green, blue] + ([alpha] if alpha else [])
        pixels = np.stack([quads[..., _byte_of(mask, name)] for mask in channels], axis=2)
        mode = "RGBA" if alpha else "RGB"
    return Decoded(np.ascontiguousarray(pixels), mode, 255, "BMP")


def _palette(data, start, count, entry, pixels_at, name):
    """The palette as (256, 3) uint8 RGB: `count` entries of `entry` bytes (BGR first) from `start`; indices past
    them are black, as PIL pads a palette."""
    if count > 256:
        raise fail(name, f"BMP palette of {count} colours: at most 256")
    if start + count * entry > min(len(data), pixels_at):
        raise fail(name, f"truncated BMP palette: {count} colours announced, the file has room for fewer")
    palette = np.zeros((256, 3), np.uint8)
    palette[:count] = np.frombuffer(data, np.uint8, count * entry, start).reshape(count, entry)[:, 2::-1]
    return palette
