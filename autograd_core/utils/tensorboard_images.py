"""Pictures as TensorBoard shows them, encoded without an imaging package: an image array of any layout as (height,
width, channels) uint8 pixels, a batch tiled into one picture, PNG files (`png`) and animated GIFs (`gif`, for
`add_video`)."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def as_hwc(array, dataformats, what):
    """An image array laid out as `dataformats` (letters N, C, H, W) as (height, width, 3 or 4 channels): one
    channel repeated three times, a batch tiled (`tiled`)."""
    layout = str(dataformats).upper()
    if sorted(layout) not in (sorted("NCHW"), sorted("CHW"), sorted("HWC"), sorted("HW")) or \
            array.ndim != len(layout):
        raise ValueError(f"SummaryWriter.{what}: an image of shape {array.shape} does not match dataformats "
                         f"{dataformats!r} (one of the orders of NCHW, CHW, HW)")
    if "N" in layout:
        return tiled(array.transpose([layout.index(c) for c in "NCHW"])).transpose(1, 2, 0)
    if "C" not in layout:
        return np.repeat(array.transpose([layout.index(c) for c in "HW"])[:, :, None], 3, axis=2)
    hwc = array.transpose([layout.index(c) for c in "HWC"])
    if hwc.shape[2] == 1:
        hwc = np.repeat(hwc, 3, axis=2)
    if hwc.shape[2] not in (3, 4):
        raise ValueError(f"SummaryWriter.{what}: an image needs 1, 3 or 4 channels, got {hwc.shape[2]}")
    return hwc


def to_pixels(image):
    """Image values as uint8 pixels, as PyTorch converts them: uint8 as they are, other dtypes taken as 0..1 (scaled by
    255), clipped to 0..255."""
    scale = 1 if image.dtype == np.uint8 else 255  # PyTorch's rule: the dtype tells the range
    return (image.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)



def tiled(nchw, per_row=8):
    """A batch (N, 1 or 3, H, W) as one (3, rows·H, min(N, 8)·W) picture, image i at row i // 8, column i % 8."""
    if nchw.shape[1] == 1:
        nchw = np.repeat(nchw, 3, axis=1)
    if nchw.shape[1] != 3:
        raise ValueError(f"SummaryWriter.add_images: images need 1 or 3 channels, got {nchw.shape[1]}")
    n, _, height, width = nchw.shape
    columns = min(n, per_row)
    rows = -(-n // columns)
    canvas = np.zeros((3, rows * height, columns * width), dtype=nchw.dtype)
    for i, image in enumerate(nchw):
        row, column = divmod(i, columns)
        canvas[:, row * height:(row + 1) * height, column * width:(column + 1) * width] = image
    return canvas


def png(pixels):
    """A PNG file of `pixels`, a (height, width, 3 or 4) uint8 array (RGB or RGBA, 8 bits a channel)."""
    height, width, channels = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * channels)], axis=1)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)  # RGB or RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes()))
            + chunk(b"IEND", b""))  # (each row after its filter byte, 0: none)


def video_frames(video):
    """A video (N, T, C, H, W) as PyTorch lays it out for TensorBoard: (T, rows·H, columns·W, 3) uint8 frames, the N
    clips side by side in a grid (N padded with black clips to a power of 2; rows 2**((bit_length(N) - 1) // 2)),
    values scaled as images' (`to_pixels`), one channel repeated three times (a fourth, alpha, dropped)."""
    if video.ndim != 5:
        raise ValueError(f"SummaryWriter.add_video: expected a video of shape (N, T, C, H, W), got {video.shape}")
    n, t, c, h, w = video.shape
    if c not in (1, 3, 4):
        raise ValueError(f"SummaryWriter.add_video: frames need 1, 3 or 4 channels, got {c}")
    if video.size == 0:
        raise ValueError(f"SummaryWriter.add_video: the video is empty (shape {video.shape})")
    frames = to_pixels(video)
    padded = 1 << (n - 1).bit_length()
    frames = np.concatenate([frames, np.zeros((padded - n, t, c, h, w), np.uint8)])
    rows = 2 ** ((n.bit_length() - 1) // 2)
    grid = frames.reshape(rows, padded // rows, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    grid = grid.reshape(t, rows * h, padded // rows * w, c)
    return np.repeat(grid, 3, axis=3) if c == 1 else grid[..., :3]


def _lzw(indices, code_size):
    """GIF's variable-length LZW codes of `indices` (palette entries below 2**code_size), packed LSB first."""
    clear, end = 1 << code_size, (1 << code_size) + 1
    out, buffer, filled = bytearray(), 0, 0
    width, next_code, table = code_size + 1, end + 1, {}

    def emit(code):
        nonlocal buffer, filled
        buffer |= code << filled
        filled += width
        while filled >= 8:
            out.append(buffer & 0xFF)
            buffer >>= 8
            filled -= 8

    emit(clear)
    prefix = int(indices[0])
    for index in indices[1:].tolist():
        key = prefix << 8 | index
        code = table.get(key)
        if code is not None:
            prefix = code
            continue
        emit(prefix)
        if next_code < 4096:
            table[key] = next_code
            next_code += 1
            if next_code > 1 << width:  # (the decoder, one entry behind, widens when it reaches 2**width)
                width += 1
        else:  # the table is full: start a new one
            emit(clear)
            width, next_code, table = code_size + 1, end + 1, {}
        prefix = index
    emit(prefix)
    emit(end)
    if filled:
        out.append(buffer & 0xFF)
    return bytes(out)


def gif(frames, fps):
    """An animated GIF, looping, of `frames` ((T, H, W, 3) uint8), each shown 1/fps seconds (in hundredths). The
    palette holds the frames' own colours when there are 256 or fewer, else a 6×7×6 colour cube (each channel
    rounded to its nearest level)."""
    t, height, width, _ = frames.shape
    colours, indices = np.unique(frames.reshape(-1, 3), axis=0, return_inverse=True)
    if len(colours) > 256:
        levels = np.array([6, 7, 6])
        steps = np.rint(frames.reshape(-1, 3) / 255.0 * (levels - 1)).astype(np.int64)
        indices = (steps[:, 0] * levels[1] + steps[:, 1]) * levels[2] + steps[:, 2]
        cube = np.stack(np.meshgrid(*(np.arange(n) for n in levels), indexing="ij"), axis=-1).reshape(-1, 3)
        colours = np.rint(cube / (levels - 1) * 255).astype(np.uint8)
    bits = max(2, (len(colours) - 1).bit_length())
    palette = np.zeros((1 << bits, 3), np.uint8)
    palette[:len(colours)] = colours
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80 | (bits - 1) << 4 | (bits - 1), 0, 0))
    out += palette.tobytes() + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # the global palette; loop forever
    delay = max(1, round(100 / fps))
    for frame in indices.reshape(t, -1):
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", delay) + b"\x00\x00"  # graphic control: the frame's delay
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + bytes([bits])
        data = _lzw(frame, bits)
        for at in range(0, len(data), 255):  # in sub-blocks of at most 255 bytes
            out += bytes([len(data[at:at + 255])]) + data[at:at + 255]
        out += b"\x00"
    return bytes(out + b"\x3b")


def figure_pixels(figure, close):
    """A matplotlib figure drawn into an (height, width, 3) uint8 array (matplotlib's Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height()
    pixels = np.asarray(canvas.buffer_rgba()).reshape(height, width, 4)[:, :, :3].copy()
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return pixels
