"""autograd_core.vision.io and the decoders behind datasets.default_loader: PNG (every colour type and bit depth,
all five filters, Adam7), Netpbm P1-P6 and BMP written here by small encoders of our own (zlib + struct, CRCs
included) and decoded pixel for pixel; PIL's convert("RGB") rules; torchvision.io's read modes; every error path;
the Pillow hand-off tried with a fake PIL module (Pillow is not needed by these tests); and, when Pillow happens to
be installed, the loader checked against it file by file."""

import struct
import sys
import tracemalloc
import types
import zlib

import numpy as np
import pytest
from test_vision_datasets import no_network  # noqa: F401 (autouse: any urlopen fails the test)

import autograd_core as ag
from autograd_core.vision import datasets, io
from autograd_core.vision.io import bmp, image, png

RNG = np.random.default_rng(1)


# -- a small PNG encoder ------------------------------------------------------------------------------------------

def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pack_rows(samples, depth):
    """(rows, columns, channels) ints -> scanline bytes (rows, stride) at `depth` bits, most significant first."""
    rows = samples.shape[0]
    flat = samples.reshape(rows, -1)
    if depth == 16:
        return flat.astype(">u2").view(np.uint8).reshape(rows, -1)
    if depth == 8:
        return flat.astype(np.uint8)
    bits = ((flat[..., None] >> np.arange(depth - 1, -1, -1)) & 1).reshape(rows, -1).astype(np.uint8)
    return np.packbits(bits, axis=1)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_rows(lines, bpp, first_filter):
    """Scanlines filtered with types first_filter, first_filter + 1, ... (mod 5), each prefixed by its type."""
    out, prior = bytearray(), [0] * lines.shape[1]
    for y, line in enumerate(lines.tolist()):
        kind = (first_filter + y) % 5
        out.append(kind)
        for i, x in enumerate(line):
            left = line[i - bpp] if i >= bpp else 0
            corner = prior[i - bpp] if i >= bpp else 0
            predicted = (0, left, prior[i], (left + prior[i]) // 2, paeth(left, prior[i], corner))[kind]
            out.append((x - predicted) % 256)
        prior = line
    return bytes(out)


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def encode_png(samples, color, depth, palette=None, trns=None, interlace=False, first_filter=0, extra=b""):
    """A PNG file of `samples` (H, W, C) with colour type `color` and bit depth `depth`."""
    height, width, channels = samples.shape
    bpp = max(1, channels * depth // 8)
    grid = ADAM7 if interlace else ((0, 0, 1, 1),)
    stream = b""
    for x0, y0, dx, dy in grid:
        reduced = samples[y0::dy, x0::dx]
        if reduced.size:
            stream += filter_rows(pack_rows(reduced, depth), bpp, first_filter)
    data = zlib.compress(stream)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0,
                                                              int(interlace)))
    if palette is not None:
        out += chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    out += extra + chunk(b"IDAT", data[:len(data) // 2]) + chunk(b"IDAT", data[len(data) // 2:])
    return out + chunk(b"IEND", b"")


CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
PNG_CASES = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8), (4, 8),
             (4, 16), (6, 8), (6, 16)]


def random_png(color, depth, shape=(11, 13), interlace=False, first_filter=0):
    top = (1 << depth) - 1
    samples = RNG.integers(0, top + 1, shape + (CHANNELS[color],))
    palette = RNG.integers(0, 256, (min(256, top + 1), 3)) if color == 3 else None
    return samples, encode_png(samples, color, depth, palette, interlace=interlace, first_filter=first_filter), \
        palette


def pil_rgb_expected(samples, color, depth, palette):
    """PIL's convert("RGB") of a PNG, written out independently of the decoder's code."""
    if color == 3:
        return np.asarray(palette, np.uint8)[samples[..., 0]]
    if color in (0, 4):
        gray = samples[..., 0]
        gray = np.minimum(gray, 255) if (color, depth) == (0, 16) else gray >> 8 if depth == 16 else \
            gray * 255 // ((1 << depth) - 1)
        return np.repeat(gray[..., None], 3, axis=2).astype(np.uint8)
    return (samples[..., :3] >> (8 if depth == 16 else 0)).astype(np.uint8)


@pytest.mark.parametrize("interlace", [False, True], ids=["plain", "adam7"])
@pytest.mark.parametrize("color,depth", PNG_CASES, ids=[f"type{c}-{d}bit" for c, d in PNG_CASES])
def test_png_every_colour_type_and_depth_decodes_exactly(tmp_path, color, depth, interlace):
    for first_filter in range(5):  # every row sees every filter across the runs
        samples, data, palette = random_png(color, depth, interlace=interlace, first_filter=first_filter)
        decoded = png.decode_png_file(data, "x.png")
        assert decoded.pixels.dtype == (np.uint16 if depth == 16 else np.uint8)
        np.testing.assert_array_equal(decoded.pixels, samples)
        path = tmp_path / "x.png"
        path.write_bytes(data)
        rgb = image.load_rgb(path)
        assert rgb.dtype == np.uint8 and rgb.shape == (11, 13, 3)
        np.testing.assert_array_equal(rgb, pil_rgb_expected(samples, color, depth, palette))


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (2, 3), (8, 8), (17, 5)])
def test_adam7_small_and_odd_sizes(shape):
    # images narrower or shorter than 8 leave some of Adam7's passes empty (no bytes, not even filter bytes)
    samples, data, _ = random_png(2, 8, shape, interlace=True, first_filter=4)
    np.testing.assert_array_equal(png.decode_png_file(data).pixels, samples)


def test_png_gray_16_bit_is_clipped_but_colour_keeps_its_high_byte(tmp_path):
    # PIL's quirks, checked against Pillow 13: mode I;16 -> RGB clips at 255; RGB;16B keeps the high byte
    gray = np.array([[[0], [255], [256], [65535]]])
    (tmp_path / "g.png").write_bytes(encode_png(gray, 0, 16))
    assert image.load_rgb(tmp_path / "g.png")[0, :, 0].tolist() == [0, 255, 255, 255]
    rgb = np.array([[[0, 255, 256], [65535, 0x1234, 0xFF00]]])
    (tmp_path / "c.png").write_bytes(encode_png(rgb, 2, 16))
    assert image.load_rgb(tmp_path / "c.png").tolist() == [[[0, 0, 1], [255, 0x12, 0xFF]]]


def test_palette_transparency_is_ignored_by_the_loader_and_read_as_alpha_by_io(tmp_path):
    samples = np.array([[[0], [1], [2]]])
    palette = [[10, 20, 30], [40, 50, 60], [70, 80, 90]]
    data = encode_png(samples, 3, 8, palette, trns=[0, 128])
    (tmp_path / "p.png").write_bytes(data)
    assert image.load_rgb(tmp_path / "p.png").tolist() == [palette]
    rgba = io.read_image(tmp_path / "p.png", io.ImageReadMode.RGB_ALPHA)
    assert rgba.shape == (4, 1, 3) and rgba.dtype == np.uint8
    assert rgba.numpy()[:, 0].T.tolist() == [[10, 20, 30, 0], [40, 50, 60, 128], [70, 80, 90, 255]]
    # UNCHANGED gives the indices, as torchvision's libpng call without palette expansion
    assert io.read_image(tmp_path / "p.png").numpy().tolist() == [[[0, 1, 2]]]


def test_a_palette_index_past_the_palette_is_black():
    data = encode_png(np.array([[[0], [5]]]), 3, 8, [[1, 2, 3]])
    assert image.to_pil_rgb(png.decode_png_file(data)).tolist() == [[[1, 2, 3], [0, 0, 0]]]


def test_ancillary_chunks_are_skipped_even_with_a_bad_crc():
    samples = RNG.integers(0, 256, (3, 4, 3))
    text = chunk(b"tEXt", b"Comment\x00hello")
    broken = text[:-4] + struct.pack(">I", zlib.crc32(b"tEXt") ^ 1)
    for extra in (text, broken):
        np.testing.assert_array_equal(png.decode_png_file(encode_png(samples, 2, 8, extra=extra)).pixels, samples)


# -- io: torchvision.io's functions -------------------------------------------------------------------------------

def test_read_image_modes_follow_torchvision(tmp_path):
    rgba = np.array([[[255, 0, 0, 10], [0, 255, 0, 20]], [[0, 0, 255, 30], [90, 90, 90, 40]]])
    (tmp_path / "a.png").write_bytes(encode_png(rgba, 6, 8))
    read = {mode: io.read_image(tmp_path / "a.png", mode).numpy() for mode in io.ImageReadMode}
    assert all(v.dtype == np.uint8 for v in read.values())
    np.testing.assert_array_equal(read[io.ImageReadMode.UNCHANGED], rgba.transpose(2, 0, 1))
    np.testing.assert_array_equal(read[io.ImageReadMode.RGB], rgba[..., :3].transpose(2, 0, 1))
    # libpng's rgb_to_gray weights (0.2989, 0.587) in 15-bit fixed point: 9794, 19234, 3740; gray pixels kept
    assert read[io.ImageReadMode.GRAY].tolist() == [[[9794 * 255 >> 15, 19234 * 255 >> 15],
                                                     [3740 * 255 >> 15, 90]]]
    assert read[io.ImageReadMode.GRAY_ALPHA][1].tolist() == [[10, 20], [30, 40]]
    gray = np.array([[[7], [200]]])
    (tmp_path / "g.png").write_bytes(encode_png(gray, 0, 8))
    assert io.read_image(tmp_path / "g.png", "RGB").numpy()[:, 0].T.tolist() == [[7] * 3, [200] * 3]
    assert io.read_image(tmp_path / "g.png", "rgba").numpy()[:, 0].T.tolist() == [[7, 7, 7, 255],
                                                                                  [200, 200, 200, 255]]
    assert io.read_image(tmp_path / "g.png", io.ImageReadMode.GRAY_ALPHA).numpy()[1].tolist() == [[255, 255]]


@pytest.mark.parametrize("depth", [8, 16])
def test_gray_mode_uses_libpngs_fixed_point_weights(depth):
    # png_do_rgb_to_gray without gamma, read from libpng 1.6: (9794 r + 19234 g + 3740 b) >> 15, truncated at 8 bits
    # with gray pixels kept, rounded (+ 2**14) at 16 bits
    rgb = RNG.integers(0, 1 << depth, (20, 30, 3))
    rgb[0, :3] = rgb[0, :3, :1]  # a few gray pixels
    weighted = 9794 * rgb[..., 0] + 19234 * rgb[..., 1] + 3740 * rgb[..., 2]
    expected = (weighted + 16384) >> 15 if depth == 16 else np.where(
        (rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2]), rgb[..., 0], weighted >> 15)
    np.testing.assert_array_equal(io.decode_image(encode_png(rgb, 2, depth), "GRAY").numpy()[0], expected)


def test_decode_image_takes_read_file_bytes_arrays_and_paths(tmp_path):
    samples, data, _ = random_png(2, 8, (4, 5))
    (tmp_path / "x.png").write_bytes(data)
    encoded = io.read_file(tmp_path / "x.png")
    assert isinstance(encoded, ag.Value) and encoded.dtype == np.uint8 and encoded.shape == (len(data),)
    for source in (encoded, encoded.numpy(), data, bytearray(data), str(tmp_path / "x.png"), tmp_path / "x.png"):
        out = io.decode_image(source)
        assert isinstance(out, ag.Value) and out.shape == (3, 4, 5)
        np.testing.assert_array_equal(out.numpy(), samples.transpose(2, 0, 1))
    np.testing.assert_array_equal(io.decode_png(encoded).numpy(), samples.transpose(2, 0, 1))


def test_a_16_bit_png_reads_as_uint16(tmp_path):
    samples = np.array([[[0, 1, 65535], [300, 40000, 2]]])
    out = io.decode_image(encode_png(samples, 2, 16))
    assert out.dtype == np.uint16 and out.numpy().tolist() == samples.transpose(2, 0, 1).tolist()
    assert io.decode_image(encode_png(samples, 2, 16), "RGBA").numpy()[3].tolist() == [[65535, 65535]]


def test_io_is_an_attribute_of_vision_as_torchvision_io_is():
    import autograd_core.vision as vision
    assert vision.io is io and "io" in dir(vision) and vision.io.read_image is io.read_image


def test_decode_image_refuses_what_torchvision_refuses():
    with pytest.raises(ValueError, match="uint8"):
        io.decode_image(np.zeros(4, np.int64))
    with pytest.raises(ValueError, match="1-dimensional"):
        io.decode_image(ag.from_numpy(np.zeros((2, 2), np.uint8)))
    with pytest.raises(ValueError, match="non empty"):
        io.decode_image(b"")
    with pytest.raises(TypeError):
        io.decode_image(3.5)
    with pytest.raises(ValueError, match="mode should be an ImageReadMode"):
        io.decode_image(random_png(0, 8)[1], mode="CMYK")
    with pytest.raises(io.ImageDecodeError, match="Content is not png"):
        io.decode_png(b"P5 1 1 255\n\x00")
    with pytest.raises(NotImplementedError, match="EXIF"):
        io.decode_image(random_png(0, 8)[1], apply_exif_orientation=True)


# -- Netpbm -------------------------------------------------------------------------------------------------------

def test_netpbm_plain_and_raw_follow_pil(tmp_path):
    cases = {  # file -> PIL 13's convert("RGB"), red channel (or the whole RGB for pixmaps)
        b"P1\n# a comment\n3 1\n0 1 0\n": [255, 0, 255],
        b"P1 4 1 0101": [255, 0, 255, 0],  # plain PBM digits need no spaces
        b"P4 10 1\n" + bytes([0b10100000, 0b01000000]): [0, 255, 0] + [255] * 6 + [0],
        b"P2 3 1 100\n0 50 100\n": [0, 128, 255],  # round(v / 100 * 255), half to even
        b"P2 3 1 1000\n0 500 1000\n": [0, 255, 255],  # maxval > 255: PIL's mode I, then clipped at 255
        b"P5 3 1 100\n" + bytes([0, 50, 100]): [0, 128, 255],
        b"P5 3 1 255\n" + bytes([0, 7, 255]): [0, 7, 255],
        b"P5 5 1 65535\n" + np.array([0, 255, 256, 1000, 65535], ">u2").tobytes(): [0, 255, 255, 255, 255],
        b"P5 3 1 510\n" + np.array([1, 3, 5], ">u2").tobytes(): [128, 255, 255],  # 65535/510 = 128.5 -> 128
        b"P3 2 1 1000\n0 255 256 500 1000 999\n": [[0, 65, 65], [128, 255, 255]],
        b"P6 2 1 1000\n" + np.array([0, 255, 256, 500, 1000, 999], ">u2").tobytes(): [[0, 65, 65], [128, 255, 255]],
        b"P6 2 1 65535\n" + np.array([0, 255, 256, 500, 65535, 32768], ">u2").tobytes(): [[0, 1, 1], [2, 255, 128]],
        b"P6 1 1 255\n\x01\x02\x03": [[1, 2, 3]],
        b"P6 1 1 200\n\xff\x64\x00": [[255, 128, 0]],  # raw samples over maxval are clamped after scaling
    }
    for data, expected in cases.items():
        path = tmp_path / "x.ppm"
        path.write_bytes(data)
        rgb = image.load_rgb(path)
        got = rgb[0].tolist() if isinstance(expected[0], list) else rgb[0, :, 0].tolist()
        assert got == expected, data[:20]
        if not isinstance(expected[0], list):
            assert (rgb == rgb[..., :1]).all()


def test_netpbm_read_by_io_keeps_gray_and_rescales_odd_maxvals():
    assert io.decode_image(b"P5 2 1 255\n\x05\x06").numpy().tolist() == [[[5, 6]]]
    assert io.decode_image(b"P2 2 1 100\n0 100\n").numpy().tolist() == [[[0, 255]]]
    out = io.decode_image(b"P2 2 1 1000\n0 500\n")
    assert out.dtype == np.uint16 and out.numpy().tolist() == [[[0, 32768]]]
    assert io.decode_image(b"P1 2 1 1 0").numpy().tolist() == [[[0, 255]]]
    assert io.decode_image(b"P6 1 1 255\n\x01\x02\x03", "GRAY").shape == (1, 1, 1)


# -- BMP ----------------------------------------------------------------------------------------------------------

def encode_bmp(rgb, bits=24, top_down=False, palette=None, indices=None, masks=None, core=False):
    """A BMP file: 24/32-bit from rgb (H, W, 3|4), or 1/4/8-bit from indices (H, W) and palette (N, 3)."""
    height, width = (indices if indices is not None else rgb).shape[:2]
    stride = (width * bits + 31) // 32 * 4
    if bits <= 8:
        lines = pack_rows(np.asarray(indices)[..., None], bits)
    elif bits == 24:
        lines = rgb[..., ::-1].reshape(height, -1).astype(np.uint8)
    elif masks is None:
        lines = np.concatenate([rgb[..., 2::-1], np.full((height, width, 1), 77)], 2).reshape(height, -1)
    else:  # masks ordered R, G, B, A -> the byte each one selects
        quad = np.zeros((height, width, 4), np.uint8)
        for channel, mask in enumerate(masks):
            if mask:
                quad[..., mask.bit_length() // 8 - 1] = rgb[..., channel]
        lines = quad.reshape(height, -1)
    lines = np.pad(np.asarray(lines, np.uint8), ((0, 0), (0, stride - lines.shape[1])))
    pixels = (lines if top_down else lines[::-1]).tobytes()
    if core:
        header = struct.pack("<IHHHH", 12, width, height, 1, bits)
        table = b"" if palette is None else np.asarray(palette, np.uint8)[:, ::-1].tobytes()
    else:
        compression = 3 if masks is not None else 0
        header = struct.pack("<IiiHHIIiiII", 108 if masks else 40, width, -height if top_down else height, 1, bits,
                             compression, len(pixels), 2835, 2835, 0 if palette is None else len(palette), 0)
        if masks:
            header += struct.pack("<4I", *masks) + bytes(108 - 56)
        table = b"" if palette is None else np.concatenate(
            [np.asarray(palette, np.uint8)[:, ::-1], np.zeros((len(palette), 1), np.uint8)], 1).tobytes()
    offset = 14 + len(header) + len(table)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + table + pixels


@pytest.mark.parametrize("top_down", [False, True], ids=["bottom-up", "top-down"])
@pytest.mark.parametrize("bits", [24, 32])
def test_bmp_true_colour(tmp_path, bits, top_down):
    rgb = RNG.integers(0, 256, (5, 7, 3))
    (tmp_path / "x.bmp").write_bytes(encode_bmp(rgb, bits, top_down))
    np.testing.assert_array_equal(image.load_rgb(tmp_path / "x.bmp"), rgb)
    assert io.read_image(tmp_path / "x.bmp").shape == (3, 5, 7)  # BGRX: the fourth byte is not alpha


@pytest.mark.parametrize("bits", [1, 4, 8])
@pytest.mark.parametrize("core", [False, True], ids=["info", "core"])
def test_bmp_palette(tmp_path, bits, core):
    palette = RNG.integers(0, 256, (1 << bits, 3))
    indices = RNG.integers(0, 1 << bits, (6, 9))
    (tmp_path / "x.bmp").write_bytes(encode_bmp(None, bits, palette=palette, indices=indices, core=core))
    np.testing.assert_array_equal(image.load_rgb(tmp_path / "x.bmp"), palette[indices])


def test_bmp_bitfields_with_alpha():
    rgba = RNG.integers(0, 256, (3, 4, 4))
    data = encode_bmp(rgba, 32, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000))
    np.testing.assert_array_equal(io.decode_image(data).numpy(), rgba.transpose(2, 0, 1))
    np.testing.assert_array_equal(image.to_pil_rgb(bmp.decode_bmp(data)), rgba[..., :3])
    swapped = encode_bmp(rgba, 32, masks=(0xFF, 0xFF00, 0xFF0000, 0))  # RGBX order, no alpha
    np.testing.assert_array_equal(io.decode_image(swapped).numpy(), rgba[..., :3].transpose(2, 0, 1))


# -- errors -------------------------------------------------------------------------------------------------------

def _png_parts():
    return random_png(2, 8, (4, 4))[1]


def _with_ihdr(width, height, depth=8, color=2, compression=0, interlace=0):
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, compression, 0, interlace))
    return b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _bad_filter():
    rows = b"".join(bytes([7]) + bytes(12) for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG_ERRORS = {
    "bad CRC in chunk b'IHDR'": lambda d: d[:29] + bytes([d[29] ^ 1]) + d[30:],
    "truncated: chunk b'IDAT'": lambda d: d[:60],
    "truncated: the file ends": lambda d: d[:-12],
    "first chunk is b'IDAT'": lambda d: d[:8] + d[33:],
    "not a valid zlib stream": lambda d: d[:33] + chunk(b"IDAT", b"garbage") + chunk(b"IEND", b""),
    "truncated image data": lambda d: d[:33] + chunk(b"IDAT", zlib.compress(b"\0" * 20)) + chunk(b"IEND", b""),
    "no image data": lambda d: d[:33] + chunk(b"IEND", b""),
    "filter type 7": lambda d: _bad_filter(),
    "colour type 2 with bit depth 4": lambda d: _with_ihdr(4, 4, depth=4),
    "compression method 1": lambda d: _with_ihdr(4, 4, compression=1),
    "width and height must be positive": lambda d: _with_ihdr(0, 4),
    "without a PLTE chunk": lambda d: _with_ihdr(4, 4, color=3),
    "IHDR has 12 bytes": lambda d: d[:8] + chunk(b"IHDR", d[16:28]) + d[33:],
    "PLTE of 4 bytes": lambda d: d[:33] + chunk(b"PLTE", b"\0" * 4) + d[33:],
}


@pytest.mark.parametrize("message", PNG_ERRORS)
def test_png_damage_is_named(tmp_path, message):
    path = tmp_path / "bad.png"
    path.write_bytes(PNG_ERRORS[message](_png_parts()))
    with pytest.raises(io.ImageDecodeError, match=r"bad\.png: .*" + message.replace("(", r"\(").replace(")", r"\)")) \
            as err:
        image.load_rgb(path)
    assert isinstance(err.value, OSError)


def test_png_decode_raises_for_a_bad_signature_directly():
    with pytest.raises(io.ImageDecodeError, match="no PNG signature"):
        png.decode_png_file(b"GIF89a....", "x.png")


def test_huge_dimensions_are_refused_before_any_allocation(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    path.write_bytes(_with_ihdr(100_000, 100_000))
    with pytest.raises(io.DecompressionBombError, match=r"bomb\.png: image size 100000x100000 .* 89478485"):
        image.load_rgb(path)
    monkeypatch.setattr(image, "MAX_IMAGE_PIXELS", 15)  # the limit is read at each decode
    for data in (_png_parts(), b"P5 4 4 255\n" + bytes(16), encode_bmp(np.zeros((4, 4, 3), int))):
        with pytest.raises(io.DecompressionBombError, match="16 pixels"):
            io.decode_image(data)
    monkeypatch.setattr(image, "MAX_IMAGE_PIXELS", None)
    assert io.decode_image(_png_parts()).shape == (3, 4, 4)


def test_a_zlib_bomb_inflates_no_further_than_the_image(tmp_path):
    rows = b"".join(b"\0" + bytes(range(12)) for _ in range(4))
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows + bytes(200 << 20), 9)) + chunk(b"IEND", b""))
    assert len(bomb) < 1 << 20  # 200 MB of zeros compress to about 200 kB
    tracemalloc.start()
    try:
        pixels = png.decode_png_file(bomb).pixels
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"inflating used {peak} bytes"
    assert pixels[0, 1].tolist() == [3, 4, 5]


NETPBM_ERRORS = {
    b"P5 3 1 255\n\x00": "truncated: 1 bytes of raster, the header announces 3",
    b"P4 9 2\n\x00\x00": "truncated: 2 bytes of raster, the header announces 4",
    b"P2 2 1 9\n1\n": "truncated: 1 samples, the header announces 2",
    b"P2 2 1 9\n1 x\n": "not a decimal number",
    b"P2 2 1 9\n1 10\n": "sample 10 is larger than the maxval 9",
    b"P1 2 1\n0 2\n": "other than 0 and 1",
    b"P5 2 1 0\n\x00\x00": "maxval 0",
    b"P6 2 1 70000\n": "maxval 70000",
    b"P5 2 # no height\n": "no height",
    b"P5 2 x 255\n": "height b'x' is not a number",
}


@pytest.mark.parametrize("data", NETPBM_ERRORS, ids=[m[:20] for m in NETPBM_ERRORS.values()])
def test_netpbm_damage_is_named(tmp_path, data):
    path = tmp_path / "bad.pgm"
    path.write_bytes(data)
    with pytest.raises(io.ImageDecodeError, match=r"bad\.pgm: .*" + NETPBM_ERRORS[data]):
        image.load_rgb(path)


def test_bmp_damage_is_named(tmp_path):
    good = encode_bmp(RNG.integers(0, 256, (4, 4, 3)))
    cases = {good[:-5]: "truncated BMP: 43 bytes of pixels, the header announces 48",
             good[:20]: "truncated BMP: the file ends inside its info header",
             good[:14] + struct.pack("<I", 99) + good[18:]: "BMP info header of 99 bytes",
             encode_bmp(None, 8, palette=RNG.integers(0, 256, (4, 3)), indices=np.zeros((2, 2), int))[:60]:
                 "truncated BMP palette"}
    for data, message in cases.items():
        (tmp_path / "bad.bmp").write_bytes(data)
        with pytest.raises(io.ImageDecodeError, match=r"bad\.bmp: " + message):
            image.load_rgb(tmp_path / "bad.bmp")


# -- other formats: Pillow's job ----------------------------------------------------------------------------------

JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)
RLE_BMP = b"BM" + struct.pack("<IHHI", 100, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 8, 1, 0, 0, 0, 0, 0)


@pytest.fixture
def no_pillow(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # `import PIL` now raises ImportError, installed or not


@pytest.fixture
def fake_pillow(monkeypatch):
    """A stand-in PIL whose Image.open(f) records the bytes and whose convert(mode) returns a fixed picture."""
    opened = []

    class FakeImage:
        def __init__(self, data, mode="P"):
            self.data, self.mode = data, mode

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def convert(self, mode):
            opened.append(("convert", mode))
            bands = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
            return FakeImage(self.data, mode)._pixels(bands)

        def _pixels(self, bands):
            return np.full((2, 3, bands), 9, np.uint8) if bands > 1 else np.full((2, 3), 9, np.uint8)

        def __array__(self, dtype=None, copy=None):
            return np.full((2, 3, 3), 5, np.uint8)

    pil, pil_image = types.ModuleType("PIL"), types.ModuleType("PIL.Image")

    def fake_open(f):
        opened.append(("open", f.read()[:4]))
        return FakeImage(None)

    pil_image.open = fake_open
    pil.Image = pil_image
    monkeypatch.setitem(sys.modules, "PIL", pil)
    monkeypatch.setitem(sys.modules, "PIL.Image", pil_image)
    return opened


@pytest.mark.parametrize("data,fmt", [(JPEG_START, "JPEG"), (b"GIF89a" + bytes(20), "GIF"),
                                      (b"RIFF\0\0\0\0WEBPVP8 ", "WEBP"), (RLE_BMP, "BMP \\(compression 1"),
                                      (b"P7\nWIDTH 1\n", "PAM/PFM"), (b"hello world", "not a PNG, Netpbm or BMP")])
def test_other_formats_without_pillow_say_pip_install_pillow(tmp_path, no_pillow, data, fmt):
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    for read in (datasets.default_loader, io.read_image):
        with pytest.raises(io.PillowRequiredError, match=rf"photo\.jpg is .*{fmt}.*pip install pillow") as err:
            read(path)
        assert isinstance(err.value, ModuleNotFoundError) and err.value.name == "PIL"


def test_other_formats_go_to_pillow_when_it_is_there(tmp_path, fake_pillow):
    path = tmp_path / "photo.jpg"
    path.write_bytes(JPEG_START)
    rgb = datasets.default_loader(path)
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 3, 3) and (rgb == 9).all()
    assert fake_pillow == [("open", JPEG_START[:4]), ("convert", "RGB")]
    assert io.read_image(path, io.ImageReadMode.GRAY).shape == (1, 2, 3)
    assert fake_pillow[-1] == ("convert", "L")
    assert (io.read_image(path).numpy() == 9).all()  # a "P" image, UNCHANGED: converted to RGB
    # vision.io decodes a PNG itself; the loader hands every file to Pillow when it is there, as torchvision's
    del fake_pillow[:]
    path.write_bytes(_png_parts())
    io.read_image(path)
    assert fake_pillow == []
    assert (datasets.default_loader(path) == 9).all()
    assert fake_pillow == [("open", _png_parts()[:4]), ("convert", "RGB")]
    # but a Netpbm file (P1-P6) it decodes itself, Pillow or not; PAM (P7) is Pillow's
    del fake_pillow[:]
    path.write_bytes(b"P6 1 2 255\n\x01\x02\x03\x04\x05\x06")
    assert datasets.default_loader(path).tolist() == [[[1, 2, 3]], [[4, 5, 6]]] and fake_pillow == []
    path.write_bytes(b"P7\nWIDTH 1\n")
    assert (datasets.default_loader(path) == 9).all() and fake_pillow[0] == ("open", b"P7\nW")


def test_without_pillow_the_loader_decodes_png_netpbm_and_bmp_itself(tmp_path, no_pillow):
    samples, data, palette = random_png(2, 8, (5, 7), first_filter=4)
    (tmp_path / "x.png").write_bytes(data)
    np.testing.assert_array_equal(datasets.default_loader(tmp_path / "x.png"), samples)
    (tmp_path / "x.pgm").write_bytes(b"P2 2 1 255\n0 255\n")
    assert datasets.default_loader(tmp_path / "x.pgm").tolist() == [[[0, 0, 0], [255, 255, 255]]]
    (tmp_path / "bad.png").write_bytes(data[:40])
    with pytest.raises(io.ImageDecodeError, match=r"bad\.png: "):
        datasets.default_loader(tmp_path / "bad.png")


# -- the same pixels as Pillow, when Pillow is installed ----------------------------------------------------------

def random_netpbm(magic, maxval, shape):
    """A Netpbm file of random samples: header tokens separated by assorted whitespace and comments, plain rasters
    with a comment now and then, 8- or 16-bit raw samples by maxval."""
    height, width = shape
    separators = [b" ", b"\n", b"\t", b"\r\n", b" # a comment\n", b"\n# two\n# comments\n"]
    tokens = [str(n).encode() for n in (width, height) + (() if magic in b"14" else (maxval,))]
    data = b"P" + magic + b"".join(separators[RNG.integers(len(separators))] + token for token in tokens) + b"\n"
    samples = RNG.integers(0, maxval + 1, (height, width * (3 if magic in b"36" else 1)))
    if magic == b"4":
        return data + np.packbits(samples.astype(np.uint8), axis=1).tobytes()
    if magic in b"123":
        return data + b"".join(str(v).encode() + (b" # c\n" if RNG.random() < 0.1 else b" ") for v in samples.ravel())
    return data + samples.astype(">u2" if maxval > 255 else np.uint8).tobytes()


def test_the_loader_decodes_netpbm_itself_with_pillows_pixels(tmp_path, monkeypatch):
    pil_image = pytest.importorskip("PIL.Image")
    opened = []
    real_open = pil_image.open
    monkeypatch.setattr(pil_image, "open", lambda f, *args: opened.append(f) or real_open(f, *args))
    for magic in b"123456":
        for maxval in ((1,) if magic in b"14" else (1, 7, 100, 255, 256, 1000, 4095, 65535)):
            path = tmp_path / f"P{magic - 48}-{maxval}.pnm"
            path.write_bytes(random_netpbm(bytes([magic]), maxval, (int(RNG.integers(1, 7)), int(RNG.integers(1, 9)))))
            del opened[:]
            ours = datasets.default_loader(path)
            assert opened == [], path.name  # decoded here, not by Pillow
            with real_open(path) as image_:
                np.testing.assert_array_equal(ours, np.asarray(image_.convert("RGB")), err_msg=path.name)


@pytest.mark.filterwarnings("ignore:Palette images with Transparency")  # Pillow's advice when it opens the tRNS file
def test_the_loader_matches_pillow_file_by_file(tmp_path):
    pil_image = pytest.importorskip("PIL.Image")
    files = {f"png{c}-{d}-{i}.png": random_png(c, d, (9, 10), interlace=bool(i), first_filter=c)[1]
             for c, d in PNG_CASES for i in (0, 1)}
    files["palette-trns.png"] = encode_png(np.array([[[0], [1], [3]]]), 3, 8, [[1, 2, 3], [4, 5, 6]], trns=[9])
    files.update({f"pnm{i}.pnm": data for i, data in enumerate(
        [b"P1 3 2 010 110", b"P2 3 1 300\n0 150 300\n", b"P3 1 2 7\n1 2 3 4 5 6\n",
         b"P4 9 1\n\xa5\x80", b"P5 2 1 40000\n" + np.array([1, 39999], ">u2").tobytes(),
         b"P6 1 1 300\n" + np.array([1, 150, 299], ">u2").tobytes()])})
    files["24.bmp"] = encode_bmp(RNG.integers(0, 256, (3, 5, 3)))
    files["32.bmp"] = encode_bmp(RNG.integers(0, 256, (3, 5, 3)), 32, top_down=True)
    for bits, core in ((1, False), (4, False), (8, False), (8, True)):
        files[f"{bits}-{core}.bmp"] = encode_bmp(None, bits, palette=RNG.integers(0, 256, (1 << bits, 3)),
                                                 indices=RNG.integers(0, 1 << bits, (3, 11)), core=core)
    files["fields.bmp"] = encode_bmp(RNG.integers(0, 256, (3, 5, 4)), 32, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF << 24))
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pil_image.open(path) as opened:
            expected = np.asarray(opened.convert("RGB"))
        np.testing.assert_array_equal(image.load_rgb(path), expected, err_msg=name)
