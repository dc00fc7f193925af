"""PNG decoding with zlib and NumPy (the PNG specification, ISO/IEC 15948 / W3C PNG 2nd edition).

A PNG file is the 8-byte signature, then chunks: a 4-byte big-endian length, a 4-byte type, the data, and a CRC-32 of
type and data. IHDR (first) gives width, height, bit depth, colour type and interlace; PLTE the palette; tRNS the
transparency; the IDAT chunks together one zlib stream; IEND ends the file. The inflated stream holds each scanline
as a filter-type byte (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) then the filtered bytes; Adam7 interlacing stores
seven reduced images one after the other.

Every colour type and bit depth the specification allows is read: gray (1, 2, 4, 8, 16 bits), RGB (8, 16), palette
(1, 2, 4, 8), gray+alpha (8, 16), RGBA (8, 16). A bad CRC in a critical chunk (IHDR, PLTE, IDAT, IEND) is an error,
in an ancillary one the chunk is skipped (libpng's rule). None, Sub and Up rows are undone with NumPy row by row;
Average and Paeth rows, whose bytes each need the one reconstructed before them, by anti-diagonals over all the rows
at once (`_wavefront`), or byte by byte in Python when only a few rows use them.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from .image import Decoded, check_size, fail

__all__ = ["decode_png_file"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# colour type -> (mode, samples per pixel, allowed bit depths)
_COLOR_TYPES = {0: ("L", 1, (1, 2, 4, 8, 16)), 2: ("RGB", 3, (8, 16)), 3: ("P", 1, (1, 2, 4, 8)),
                4: ("LA", 2, (8, 16)), 6: ("RGBA", 4, (8, 16))}
# Adam7's seven passes: (first column, first row, column step, row step)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _chunks(data, name):
    """(type, data) of each chunk, CRCs checked, up to and including IEND."""
    pos = len(SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise fail(name, f"truncated: the file ends at byte {len(data)} inside a chunk header (no IEND)")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if length > 0x7FFFFFFF:
            raise fail(name, f"chunk {kind!r} at byte {pos} declares length {length}, over PNG's 2**31 - 1")
        end = pos + 8 + length
        if end + 4 > len(data):
            raise fail(name, f"truncated: chunk {kind!r} at byte {pos} declares {length} bytes, the file has "
                             f"{max(0, len(data) - pos - 12)} of them")
        body = data[pos + 8:end]
        (crc,) = struct.unpack(">I", data[end:end + 4])
        critical = kind[:1].isupper()
        if zlib.crc32(kind + body) != crc:
            if critical:
                raise fail(name, f"bad CRC in chunk {kind!r} at byte {pos}: the file is damaged")
        else:
            yield kind, body
        if kind == b"IEND":
            return
        pos = end + 4


def _header(body, name):
    if len(body) != 13:
        raise fail(name, f"IHDR has {len(body)} bytes, not 13")
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if color not in _COLOR_TYPES or depth not in _COLOR_TYPES[color][2]:
        raise fail(name, f"colour type {color} with bit depth {depth} is not a valid PNG combination")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise fail(name, f"compression method {compression}, filter method {filtering}, interlace method "
                         f"{interlace}: PNG defines only 0, 0 and 0 or 1")
    check_size(width, height, name)
    return width, height, depth, color, interlace


def _passes(width, height, interlace):
    """(x0, y0, dx, dy, columns, rows) of each non-empty reduced image (one, the whole image, without interlace)."""
    grid = _ADAM7 if interlace else ((0, 0, 1, 1),)
    for x0, y0, dx, dy in grid:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            yield x0, y0, dx, dy, columns, rows


def _inflate(idat, expected, name):
    """The zlib stream's first `expected` bytes, never inflating more (a stream that expands further is cut)."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(idat, expected)
    except zlib.error as err:
        raise fail(name, f"the image data (IDAT) is not a valid zlib stream: {err}") from None
    if len(raw) < expected:
        raise fail(name, f"truncated image data: {len(raw)} bytes inflated, the image needs {expected}")
    return raw


def _unfilter(raw, rows, stride, bpp, name, start):
    """The scanlines of one reduced image, filters undone: uint8 (rows, stride).

    None, Sub and Up rows are whole-row NumPy operations. Average and Paeth rows are sequential along the row (each
    byte needs the one reconstructed bpp before it): a few rows of them are undone byte by byte in Python
    (`_average_or_paeth`), many as a wavefront over all the rows at once (`_wavefront`), whichever the count of
    their bytes says is cheaper."""
    lines = np.frombuffer(raw, np.uint8, rows * (stride + 1), start).reshape(rows, stride + 1)
    kinds = lines[:, 0]
    if kinds.max(initial=0) > 4:
        y = int(np.argmax(kinds > 4))
        raise fail(name, f"scanline {y} of the image data has filter type {kinds[y]}; PNG defines 0 to 4")
    sequential = int(np.count_nonzero(kinds >= 3)) * stride  # bytes of Average and Paeth rows
    if sequential > WAVEFRONT_COST[0] * _steps(kinds, stride // bpp, bpp) + WAVEFRONT_COST[1] * rows * stride:
        return _wavefront(kinds, lines[:, 1:], bpp)
    out = np.zeros((rows, stride), np.uint8)
    prior = np.zeros(stride, np.uint8)
    for y in range(rows):
        kind, line = lines[y, 0], lines[y, 1:]
        if kind == 0:
            out[y] = line
        elif kind == 1:  # Sub: x + left; bytes bpp apart form independent running sums
            padded = np.zeros(-(-stride // bpp) * bpp, np.uint16)
            padded[:stride] = line
            out[y] = np.cumsum(padded.reshape(-1, bpp), axis=0, dtype=np.uint64).reshape(-1)[:stride] % 256
        elif kind == 2:  # Up: x + above
            out[y] = line + prior
        else:
            out[y] = _average_or_paeth(kind, bytes(line), bytes(prior), bpp)
        prior = out[y]
    return out


def _average_or_paeth(kind, line, prior, bpp):
    """Undo filter 3 (x + floor((left + above) / 2)) or 4 (x + Paeth predictor of left, above, upper left),
    byte by byte: each byte needs the one reconstructed bpp before it."""
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = prior[i]
        if kind == 3:
            out[i] = (out[i] + ((left + up) >> 1)) & 0xFF
            continue
        corner = prior[i - bpp] if i >= bpp else 0
        estimate = left + up - corner
        to_left, to_up, to_corner = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
        if to_left <= to_up and to_left <= to_corner:
            predictor = left
        elif to_up <= to_corner:
            predictor = up
        else:
            predictor = corner
        out[i] = (out[i] + predictor) & 0xFF
    return np.frombuffer(bytes(out), np.uint8)


# -- the wavefront ------------------------------------------------------------------------------------------------
#
# Pixel (y, x) of a filtered image needs only (y, x - 1) left, (y - 1, x) above and (y - 1, x - 1) upper left, so all
# pixels with the same x + y (an anti-diagonal) can be undone at once, step after step: width + rows - 1 steps of
# NumPy operations on up to `rows` pixels each. Every filter's predictor minus the upper-left byte c is a function of
# the two differences da = left - c and db = above - c, each in -255..255: Sub da, Up db, Average
# floor((da + db) / 2) (as floor((a + b) / 2) = c + floor((da + db) / 2)), Paeth the one of da, db, 0 whose
# predictor is nearest a + b - c. So one step is a table look-up at da * 511 + db whatever the rows' filters, and a
# None row joins as a Sub row of its bytes' differences.
#
# Which is cheaper, counted in instructions (callgrind): the Python loop spends ~3,900 per byte; the wavefront ~45,000
# per step (NumPy calls on short arrays) and ~95 per byte of the image (its work array, and each step's elements).
# WAVEFRONT_COST is that in bytes of the loop: the wavefront is taken when the Average and Paeth rows hold more bytes
# than 12 per step plus 1 per 40 bytes of the image (a 224x224 RGB image of Paeth rows: 17x fewer instructions, a
# 28x28 gray one about even), the loop for a few such rows among None, Sub and Up ones.

WAVEFRONT_COST = (12, 1 / 40)
# the work array of one band of rows: (width + band + 1) x (band + 1) pixels of int32; taller images go in bands
_BAND_BYTES = 1 << 24
_DIFFERENCES = 511 * 511
_TABLES = {}


def _table(kinds):
    """The look-up table of predictor - upper left for filter types `kinds` (a tuple of 1-4): one kind's is indexed
    by da * 511 + db (negative indexes wrap), several kinds' are laid end to end, each indexed from its start by
    da * 511 + db + 130560."""
    table = _TABLES.get(kinds)
    if table is None:
        d = np.arange(-255, 256, dtype=np.int32)
        da, db = np.meshgrid(d, d, indexing="ij")
        sections = []
        for kind in kinds:
            if kind == 1:
                g = da
            elif kind == 2:
                g = db
            elif kind == 3:
                g = (da + db) >> 1
            else:  # Paeth: distances of a + b - c to a, b, c are |db|, |da|, |da + db|; ties go to a, then b
                near_a, near_b, near_c = abs(db), abs(da), abs(da + db)
                g = np.where((near_a <= near_b) & (near_a <= near_c), da, np.where(near_b <= near_c, db, 0))
            section = np.empty(_DIFFERENCES, np.int32)
            section[(da * 511 + db).ravel() % _DIFFERENCES] = g.ravel()
            sections.append(section if len(kinds) == 1 else np.roll(section, _DIFFERENCES // 2))
        table = _TABLES[kinds] = np.concatenate(sections)
    return table


def _band_rows(rows, columns, bpp):
    """Rows per band: as many as keep the band's work array under _BAND_BYTES, at least 8."""
    band = rows
    while band > 8 and (columns + band + 1) * (band + 1) * bpp * 4 > _BAND_BYTES:
        band = max(8, (band + 1) // 2)
    return band


def _chains(kinds):
    """Each row's place in its chain: 0 for a None or Sub row (it needs nothing above it) and the first row, else one
    more than the row above's. A row's pixel x is undone at step x + its place."""
    rows = np.arange(len(kinds))
    return rows - np.maximum.accumulate(np.where(kinds <= 1, rows, 0))


def _steps(kinds, columns, bpp):
    """The wavefront's steps (about) for rows of filter types `kinds` of `columns` pixels: per band, the width plus
    the band's longest chain."""
    rows = len(kinds)
    band = _band_rows(rows, columns, bpp)
    longest = min(band, int(_chains(kinds).max(initial=0)) + 1)
    return -(-rows // band) * (columns + longest - 1)


def _wavefront(kinds, lines, bpp):
    """Undo the filters of every row of `lines` (rows, stride) uint8, filter types `kinds` (rows,), 0-4, by
    anti-diagonals (see above); band after band of rows, each band's prior row the last of the one before."""
    rows, stride = lines.shape
    columns = stride // bpp
    lines = lines.reshape(rows, columns, bpp)
    if (kinds == 0).any():  # a None row is the Sub row of its differences
        lines, kinds = lines.copy(), kinds.copy()
        none = kinds == 0
        lines[none, 1:] -= lines[none, :-1].copy()
        kinds[none] = 1
    out = np.empty((rows, columns, bpp), np.uint8)
    band = _band_rows(rows, columns, bpp)
    prior = np.zeros((columns, bpp), np.uint8)
    for top in range(0, rows, band):
        out[top:top + band] = _wavefront_band(kinds[top:top + band], lines[top:top + band], prior)
        prior = out[min(rows, top + band) - 1]
    return out.reshape(rows, stride)


def _wavefront_band(kinds, lines, prior):
    """One band: lines (rows, columns, bpp) uint8 of filter types kinds (1-4), below the reconstructed row `prior`
    (columns, bpp) -> the reconstructed rows (rows, columns, bpp) uint8.

    The work array holds pixel (y, x) at column x + k + 2, slot y + 1, where k is the row's place in its chain
    (`_chains`; slot 0 is the prior row, at k = -1). Columns 0 and 1, and the slots left of each row's start, stay 0:
    the bytes left of x = 0. Step t writes column t + 2 from columns t + 1 (left, above) and t (upper left): above is
    right for a row that needs it (its k is one more than the row above's); a Sub row's table ignores it. The step
    runs over the slots of the rows started and not yet finished, and their neighbours between: a row not started
    yet computes zeros from zeros, one finished bytes no row reads."""
    rows, columns, bpp = lines.shape
    place = _chains(kinds)
    longest = int(place.max()) + 1
    span = (rows + 1) * bpp  # one column of the work array
    work = np.zeros((columns + longest + 1) * span, np.int32)
    item = work.itemsize
    starts = np.flatnonzero(place == 0).tolist() + [rows]
    chains = []  # each chain's pixels in the work array (its rows' k go up by one, as x + k + 2 with y)
    for top, end in zip(starts, starts[1:]):
        chain = np.lib.stride_tricks.as_strided(work[2 * span + (top + 1) * bpp:], (end - top, columns, bpp),
                                                ((span + bpp) * item, span * item, item))
        chain[...] = lines[top:end]  # the filtered bytes, undone in place
        chains.append((top, end, chain))
    np.lib.stride_tricks.as_strided(work[span:], (columns, bpp), (span * item, item))[...] = prior
    # rows to step over: from the first not finished, min{y : k >= t - columns + 1}, to the last started, max{y: k <= t}
    first_at = np.full(longest + 1, rows)
    np.minimum.at(first_at, place, np.arange(rows))
    first_at = np.minimum.accumulate(first_at[::-1])[::-1].tolist()
    last_at = np.full(longest, -1)
    np.maximum.at(last_at, place, np.arange(rows))
    last_at = (np.maximum.accumulate(last_at) + 1).tolist()
    present = tuple(sorted(set(kinds.tolist())))
    table = _table(present)
    offsets = None
    if len(present) > 1:  # each row's section of the table
        sections = {kind: i * _DIFFERENCES + _DIFFERENCES // 2 for i, kind in enumerate(present)}
        offsets = np.repeat(np.array([sections[kind] for kind in kinds.tolist()], np.int32), bpp)
    width, low_byte = np.int32(511), np.int32(255)  # NumPy scalars: cheaper per call than Python ints
    for t in range(columns + longest - 1):
        first, last = first_at[max(0, t - columns + 1)], last_at[min(t, longest - 1)]
        start = (t + 2) * span + bpp
        i, j = start + first * bpp, start + last * bpp
        left = work[i - span:j - span]
        above = work[i - span - bpp:j - span - bpp]
        corner = work[i - 2 * span - bpp:j - 2 * span - bpp]
        index = left - corner  # in-place operators from here on: no new arrays, no keyword arguments
        index *= width
        index += above
        index -= corner
        if offsets is not None:
            index += offsets[first * bpp:last * bpp]
        here = work[i:j]  # the filtered bytes, replaced by the reconstructed ones
        here += corner
        here += table.take(index)
        here &= low_byte
    out = np.empty((rows, columns, bpp), np.uint8)
    for top, end, chain in chains:
        out[top:end] = chain
    return out


def _samples(lines, columns, channels, depth):
    """Unfiltered scanlines (rows, stride) -> samples (rows, columns, channels), uint8 or (16 bits) uint16."""
    rows = lines.shape[0]
    if depth == 16:
        return lines.view(">u2").reshape(rows, columns, channels).astype(np.uint16)
    if depth == 8:
        return lines.reshape(rows, columns, channels)
    bits = np.unpackbits(lines, axis=1)[:, :columns * depth].reshape(rows, columns, depth)
    weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)  # most significant bit first
    return (bits * weights).sum(axis=2, dtype=np.uint8)[..., None]


def decode_png_file(data, name="<bytes>"):
    """Decode a PNG file's bytes into a `Decoded` (samples as stored: a palette image's indices, gray of 1-4 bits
    unscaled with maxval 2**bits - 1). ImageDecodeError naming `name` for anything malformed."""
    if not data.startswith(SIGNATURE):
        raise fail(name, "not a PNG file (no PNG signature)")
    header = palette = alpha = None
    idat = []
    for kind, body in _chunks(data, name):
        if header is None and kind != b"IHDR":
            raise fail(name, f"the first chunk is {kind!r}, not IHDR")
        if kind == b"IHDR":
            if header is not None:
                raise fail(name, "a second IHDR chunk")
            header = _header(body, name)
        elif kind == b"PLTE":
            if len(body) % 3 or not 3 <= len(body) <= 768:
                raise fail(name, f"PLTE of {len(body)} bytes: a palette is 1 to 256 RGB triples")
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            alpha = np.frombuffer(body, np.uint8)
        elif kind == b"IDAT":
            idat.append(body)
    width, height, depth, color, interlace = header
    mode, channels, _ = _COLOR_TYPES[color]
    if mode == "P" and palette is None:
        raise fail(name, "a palette image (colour type 3) without a PLTE chunk")
    if not idat:
        raise fail(name, "no image data (IDAT chunk)")
    passes = list(_passes(width, height, interlace))
    bpp = max(1, channels * depth // 8)  # bytes per complete pixel, the filters' "left" distance
    strides = [-(-columns * channels * depth // 8) for *_, columns, _ in passes]
    expected = sum(rows * (stride + 1) for (*_, rows), stride in zip(passes, strides))
    raw = _inflate(b"".join(idat), expected, name)
    pixels = np.zeros((height, width, channels), np.uint16 if depth == 16 else np.uint8)
    start = 0
    for (x0, y0, dx, dy, columns, rows), stride in zip(passes, strides):
        lines = _unfilter(raw, rows, stride, bpp, name, start)
        pixels[y0::dy, x0::dx] = _samples(lines, columns, channels, depth)
        start += rows * (stride + 1)
    maxval = (1 << depth) - 1
    return Decoded(pixels, mode, maxval, "PNG", palette=palette, alpha=alpha if mode == "P" else None)
