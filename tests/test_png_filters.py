"""PNG's five filters undone by vision.io.png: the NumPy wavefront for Average and Paeth rows (`png._wavefront`) and
the byte-by-byte loop it replaces for many rows, both against a reference written here from the PNG specification
(section 9: filter types 0-4 and the Paeth predictor), on random filtered data with a random filter type per row,
every colour type and bit depth, Adam7, bands of rows; against Pillow when it is installed; bad filter types and
truncated data named."""

import struct
import zlib

import numpy as np
import pytest
from test_vision_io import ADAM7, CHANNELS, PNG_CASES, chunk, pack_rows

from autograd_core.vision import io
from autograd_core.vision.io import image, png

RNG = np.random.default_rng(76)
BPPS = (1, 2, 3, 4, 6, 8)  # bytes per pixel: gray/palette, gray+alpha 8 or gray 16, RGB, RGBA/GA 16, RGB 16, RGBA 16


# -- the specification, byte by byte ------------------------------------------------------------------------------

def paeth_predictor(a, b, c):
    """PNG 9.4: the one of a (left), b (above), c (upper left) nearest p = a + b - c; ties in the order a, b, c."""
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def predict(kind, a, b, c):
    return (0, a, b, (a + b) // 2, paeth_predictor(a, b, c))[kind]


def unfilter_reference(kinds, filtered, bpp):
    """Recon(x) = Filt(x) + predictor(Recon(a), Recon(b), Recon(c)) mod 256, row after row, byte after byte."""
    out, prior = [], [0] * len(filtered[0]) if filtered else []
    for kind, line in zip(kinds, filtered):
        row = []
        for i, x in enumerate(line):
            a = row[i - bpp] if i >= bpp else 0
            c = prior[i - bpp] if i >= bpp else 0
            row.append((x + predict(kind, a, prior[i], c)) % 256)
        out.append(row)
        prior = row
    return np.array(out, np.uint8).reshape(len(kinds), -1)


def filter_reference(lines, bpp, kinds):
    """The scanlines (rows, stride) filtered with kinds[y] on row y, each prefixed by its type (the encoder's side)."""
    out, prior = bytearray(), [0] * lines.shape[1]
    for kind, line in zip(kinds, lines.tolist()):
        out.append(kind)
        out += bytes((x - predict(kind, line[i - bpp] if i >= bpp else 0, prior[i],
                                  prior[i - bpp] if i >= bpp else 0)) % 256 for i, x in enumerate(line))
        prior = line
    return bytes(out)


def encode_random_filters(samples, color, depth, palette=None, interlace=False, choices=(0, 1, 2, 3, 4)):
    """A PNG of samples (H, W, C) whose every scanline has a filter type drawn at random from `choices`."""
    height, width, channels = samples.shape
    bpp = max(1, channels * depth // 8)
    stream = b""
    for x0, y0, dx, dy in (ADAM7 if interlace else ((0, 0, 1, 1),)):
        reduced = samples[y0::dy, x0::dx]
        if reduced.size:
            lines = pack_rows(reduced, depth)
            stream += filter_reference(lines, bpp, RNG.choice(choices, len(lines)).tolist())
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0,
                                                              int(interlace)))
    if palette is not None:
        out += chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    return out + chunk(b"IDAT", zlib.compress(stream)) + chunk(b"IEND", b"")


@pytest.fixture(params=["wavefront", "loop", "chosen"])
def path(request, monkeypatch):
    """Each test runs with the wavefront forced, the byte loop forced, and the decoder's own choice."""
    if request.param == "wavefront":
        monkeypatch.setattr(png, "WAVEFRONT_COST", (-1, 0))
    elif request.param == "loop":
        monkeypatch.setattr(png, "WAVEFRONT_COST", (float("inf"), 0))
    return request.param


def unfilter(kinds, filtered, bpp):
    """png._unfilter of a stream made of the filter types and filtered bytes."""
    rows, stride = filtered.shape
    raw = np.hstack([np.asarray(kinds, np.uint8)[:, None], filtered]).tobytes()
    return png._unfilter(raw, rows, stride, bpp, "x.png", 0)


# -- round trips --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("choices", [(0, 1, 2, 3, 4), (3,), (4,), (3, 4), (2, 4), (0, 3), (1, 4)],
                         ids=["all", "average", "paeth", "average+paeth", "up+paeth", "none+average", "sub+paeth"])
def test_random_filtered_bytes_unfilter_as_the_specification_says(path, choices):
    # any bytes are valid filtered data: each draw is an image no encoder would write, corners included
    for _ in range(40):
        rows, columns, bpp = int(RNG.integers(1, 12)), int(RNG.integers(1, 12)), int(RNG.choice(BPPS))
        kinds = RNG.choice(choices, rows).tolist()
        filtered = RNG.integers(0, 256, (rows, columns * bpp), dtype=np.uint8)
        np.testing.assert_array_equal(unfilter(kinds, filtered, bpp), unfilter_reference(kinds, filtered.tolist(),
                                                                                         bpp), err_msg=str(kinds))


@pytest.mark.parametrize("shape", [(1, 1), (1, 40), (40, 1), (3, 70), (70, 3), (33, 29)])
def test_long_thin_and_odd_shapes(path, shape):
    rows, columns = shape
    for bpp in (1, 3):
        kinds = RNG.choice(5, rows).tolist()
        filtered = RNG.integers(0, 256, (rows, columns * bpp), dtype=np.uint8)
        np.testing.assert_array_equal(unfilter(kinds, filtered, bpp), unfilter_reference(kinds, filtered.tolist(),
                                                                                         bpp))


def test_bands_of_rows_carry_the_last_row_over(monkeypatch):
    # a tall image is undone in bands; each band's prior row is the previous band's last: force bands of 8 rows
    monkeypatch.setattr(png, "_BAND_BYTES", 1)
    for rows in (8, 9, 17, 30):
        kinds = RNG.choice(5, rows).tolist()
        filtered = RNG.integers(0, 256, (rows, 15), dtype=np.uint8)
        assert png._band_rows(rows, 5, 3) == min(rows, 8)
        expected = unfilter_reference(kinds, filtered.tolist(), 3)
        np.testing.assert_array_equal(png._wavefront(np.array(kinds, np.uint8), filtered, 3), expected)


@pytest.mark.parametrize("interlace", [False, True], ids=["plain", "adam7"])
@pytest.mark.parametrize("color,depth", PNG_CASES, ids=[f"type{c}-{d}bit" for c, d in PNG_CASES])
def test_every_colour_type_and_depth_with_random_filters_per_row(path, color, depth, interlace):
    top = (1 << depth) - 1
    for shape in ((13, 11), (2, 37), (24, 24)):
        # smooth rows and noise: Paeth's three choices, and ties between them, all occur
        samples = RNG.integers(0, top + 1, shape + (CHANNELS[color],))
        samples[::2] = np.minimum(np.arange(shape[1])[None, :, None] * (top // 16 + 1), top)
        palette = RNG.integers(0, 256, (top + 1, 3)) if color == 3 else None
        data = encode_random_filters(samples, color, depth, palette, interlace)
        np.testing.assert_array_equal(png.decode_png_file(data, "x.png").pixels, samples)


def test_the_decoder_takes_the_wavefront_for_many_rows_and_the_loop_for_few(monkeypatch):
    taken = []
    wavefront = png._wavefront
    monkeypatch.setattr(png, "_wavefront", lambda *args: taken.append(args[1].shape) or wavefront(*args))
    image_ = RNG.integers(0, 256, (64, 64, 3))
    png.decode_png_file(encode_random_filters(image_, 2, 8, choices=(4,)))
    assert taken == [(64, 192)]
    lines = pack_rows(image_, 8)
    one_paeth = filter_reference(lines, 3, [2] * 40 + [4] + [1] * 23)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(one_paeth)) + chunk(b"IEND", b""))
    np.testing.assert_array_equal(png.decode_png_file(data).pixels, image_)
    assert taken == [(64, 192)]  # one Paeth row among Up and Sub rows: the byte loop


# -- Pillow -------------------------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Palette images with Transparency")
@pytest.mark.parametrize("interlace", [False, True], ids=["plain", "adam7"])
def test_same_pixels_as_pillow(tmp_path, interlace):
    pil_image = pytest.importorskip("PIL.Image")
    for color, depth in PNG_CASES:
        top = (1 << depth) - 1
        samples = RNG.integers(0, top + 1, (21, 19, CHANNELS[color]))
        palette = RNG.integers(0, 256, (top + 1, 3)) if color == 3 else None
        path = tmp_path / f"{color}-{depth}.png"
        path.write_bytes(encode_random_filters(samples, color, depth, palette, interlace, choices=(3, 4, 4, 0, 1)))
        with pil_image.open(path) as opened:
            for mode in ("RGB", "RGBA") if color in (4, 6) else ("RGB",):
                ours = image.load_rgb(path) if mode == "RGB" else io.read_image(path, io.ImageReadMode.RGB_ALPHA)
                ours = ours if mode == "RGB" else ours.numpy().transpose(1, 2, 0)
                if depth == 16 and mode == "RGBA":
                    ours = (ours >> 8).astype(np.uint8)
                np.testing.assert_array_equal(ours, np.asarray(opened.convert(mode)), err_msg=f"{path.name} {mode}")


# -- bad input ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row", [0, 5, 11])
def test_an_unknown_filter_type_in_any_row_is_named(path, row):
    kinds = [4] * 12
    kinds[row] = 5 + row
    filtered = RNG.integers(0, 256, (12, 30), dtype=np.uint8)
    with pytest.raises(io.ImageDecodeError, match=rf"x\.png: scanline {row} of the image data has filter type "
                                                  rf"{5 + row}; PNG defines 0 to 4"):
        unfilter(kinds, filtered, 3)


def test_truncated_paeth_data_is_named(path):
    samples = RNG.integers(0, 256, (16, 16, 3))
    data = encode_random_filters(samples, 2, 8, choices=(4,))
    stream = zlib.decompress(data[41:-16])  # the one IDAT chunk's data
    cut = data[:33] + chunk(b"IDAT", zlib.compress(stream[:-40])) + chunk(b"IEND", b"")
    with pytest.raises(io.ImageDecodeError, match=rf"x\.png: truncated image data: {len(stream) - 40} bytes "
                                                  rf"inflated, the image needs {len(stream)}"):
        png.decode_png_file(cut, "x.png")
