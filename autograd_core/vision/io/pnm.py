"""Netpbm decoding (netpbm's pbm(5), pgm(5), ppm(5)): P1/P4 bitmaps, P2/P5 graymaps, P3/P6 pixmaps.

A header of ASCII tokens separated by whitespace, with `#` comments to the end of a line: the magic number, width,
height and (not for bitmaps) maxval, 1 to 65535. Then the raster: in the plain formats (P1-P3) decimal numbers
separated by whitespace (P1's digits need none); in the raw ones (P4-P6), after exactly one whitespace byte, binary
samples, one byte each when maxval < 256 and two (big-endian) otherwise, and for P4 rows of bits packed 8 to a byte,
1 black. PAM (P7) and PFM (PF, Pf) go to Pillow.
"""

from __future__ import annotations

import re

import numpy as np

from .image import Decoded, NeedsPillow, check_size, fail

__all__ = ["decode_pnm"]

_KINDS = {b"1": ("1", 1), b"2": ("L", 1), b"3": ("RGB", 3), b"4": ("1", 1), b"5": ("L", 1), b"6": ("RGB", 3)}
# whitespace and comments (each to the end of its line, never cut short by backtracking), then one token
_TOKEN = re.compile(rb"(?:\s|#[^\r\n]*(?=[\r\n]|\Z))*([^\s#]+)")
_COMMENT = re.compile(rb"#[^\r\n]*")


def _header(data, name, count):
    """The header's first `count` integers after the magic number, and the offset just past the last one."""
    values, pos = [], 2
    for what in ("width", "height", "maxval")[:count]:
        match = _TOKEN.match(data, pos)
        if match is None:
            raise fail(name, f"truncated Netpbm header: no {what}")
        token, pos = match.group(1), match.end()
        if not token.isdigit():
            raise fail(name, f"Netpbm header: {what} {token[:20]!r} is not a number")
        values.append(int(token))
    return values, pos


def decode_pnm(data, name="<bytes>"):
    """Decode a PBM/PGM/PPM file's bytes into a `Decoded` (mode "1" with 1 = white as PIL's, "L" or "RGB"; samples
    as stored, with the file's maxval). ImageDecodeError naming `name` for a malformed file."""
    magic = data[1:2]
    if data[:1] != b"P" or magic not in _KINDS:
        raise NeedsPillow("PAM/PFM" if data[:1] == b"P" else "unknown")
    mode, channels = _KINDS[magic]
    bitmap = mode == "1"
    (width, height, *rest), pos = _header(data, name, 2 if bitmap else 3)
    maxval = 1 if bitmap else rest[0]
    if not 0 < maxval < 65536:
        raise fail(name, f"maxval {maxval}: Netpbm allows 1 to 65535")
    check_size(width, height, name)
    count = width * height * channels
    dtype = np.uint8 if maxval < 256 else np.uint16
    if magic in b"123":
        samples = _plain(data[pos:], count, magic == b"1", maxval, name)
    elif bitmap:
        samples = _raw_bits(data, pos + 1, width, height, name)
    else:
        samples = _raw(data, pos + 1, count, dtype, name)
    samples = samples.reshape(height, width, channels).astype(dtype)
    if bitmap:
        samples = 1 - samples  # Netpbm's 1 is black; PIL's mode "1" (and Decoded's) 1 is white
    return Decoded(samples, mode, maxval, "PPM")


def _plain(text, count, bitmap, maxval, name):
    """The first `count` samples of a plain raster (comments allowed between them, as Pillow reads them)."""
    text = _COMMENT.sub(b" ", text)
    if bitmap:  # P1: every sample is one digit; whitespace between them is optional
        tokens = np.frombuffer(b"".join(text.split()), np.uint8)[:count]
        if np.any((tokens != ord("0")) & (tokens != ord("1"))):
            raise fail(name, "plain PBM (P1) data holds a character other than 0 and 1")
        samples = tokens - ord("0")
    else:
        tokens = text.split(None, count)[:count]
        if not all(token.isdigit() and len(token) <= 10 for token in tokens):
            raise fail(name, "plain Netpbm data holds a token that is not a decimal number")
        samples = np.array([int(token) for token in tokens], np.int64)
        if samples.size and samples.max() > maxval:
            raise fail(name, f"sample {samples.max()} is larger than the maxval {maxval}")
    if samples.size < count:
        raise fail(name, f"truncated: {samples.size} samples, the header announces {count}")
    return samples


def _raw(data, start, count, dtype, name):
    itemsize = np.dtype(dtype).itemsize
    if len(data) < start + count * itemsize:
        raise fail(name, f"truncated: {max(0, len(data) - start)} bytes of raster, the header announces "
                         f"{count * itemsize}")
    return np.frombuffer(data, ">u2" if itemsize == 2 else np.uint8, count, start)


def _raw_bits(data, start, width, height, name):
    stride = -(-width // 8)  # each row starts on a byte
    if len(data) < start + stride * height:
        raise fail(name, f"truncated: {max(0, len(data) - start)} bytes of raster, the header announces "
                         f"{stride * height}")
    rows = np.frombuffer(data, np.uint8, stride * height, start).reshape(height, stride)
    return np.unpackbits(rows, axis=1)[:, :width]
