"""Reading an image file as ImageFolder does: Pillow (`default_loader` when Pillow is installed) against our NumPy
and zlib decoders (`vision.io.image.load_rgb`, the loader without Pillow), on the same files.

    .venv/bin/python bench/bench_image_decode.py              # PNG, PPM and BMP, 32x32, 224x224, 512x512; PNGs
                                                              # with one filter type on every row: 224x224, and
                                                              # Paeth at 28x28 gray (MNIST's size) and 512x512
    .venv/bin/python bench/bench_image_decode.py --rounds 40  # more rounds

The images are RGB photographs' stand-ins: smooth colour gradients with seeded noise (what a camera's picture
compresses like; pure noise would leave zlib nothing to do), written by Pillow with its default PNG settings, as a
data set downloaded in PNG would mostly be. Both readers run in this process, one thread (OpenBLAS/OMP set to 1;
decoding uses no BLAS), taking turns file by file; each time is the CPU time of the calling thread for one file,
the median over the rounds, and the pixels of the two readers are checked to be equal first.

What our PNG decoder costs depends on the rows' filter types: None, Sub and Up are undone with NumPy on whole rows,
Average and Paeth by anti-diagonals over all the rows, or byte by byte in Python when only a few rows use them
(vision/io/png.py). Pillow's encoder picks a filter per row (on these images mostly Up and Sub; other encoders, and
other pictures, pick Paeth often), so the 224x224 image is also written with each filter type on every row, and
Paeth on every row at 28x28 (gray) and 512x512, by `write_png` below (zlib level 6, as Pillow's default).

`datasets.default_loader` is the Pillow column for PNG and BMP, ours for Netpbm (PPM), where ours is faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import struct
import tempfile
import time
import zlib
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograd_core.vision.io.image import load_rgb  # noqa: E402

SIZES = (32, 224, 512)
FORMATS = ("png", "ppm", "bmp")


def photo_like(size, seed=0):
    """A (size, size, 3) uint8 image: a colour gradient per channel plus N(0, 8) noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    channels = [200 * x + 30, 180 * y + 40, 120 * (x + y) / 2 + 60]
    image = np.stack(channels, axis=-1) + rng.normal(0, 8, (size, size, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


FILTERS = {0: "None", 1: "Sub", 2: "Up", 3: "Average", 4: "Paeth"}


def write_png(path, image, kind):
    """An 8-bit RGB (H, W, 3) or gray (H, W) PNG of image with filter `kind` (0-4) on every scanline."""
    height, width, channels = np.atleast_3d(image).shape
    rows = image.reshape(height, width * channels).astype(np.int16)
    prior = np.vstack([np.zeros((1, width * channels), np.int16), rows[:-1]])  # the row above (0 above the first)
    left = np.hstack([np.zeros((height, channels), np.int16), rows[:, :-channels]])  # one pixel to the left
    corner = np.hstack([np.zeros((height, channels), np.int16), prior[:, :-channels]])
    if kind == 0:
        predicted = np.zeros_like(rows)
    elif kind == 1:
        predicted = left
    elif kind == 2:
        predicted = prior
    elif kind == 3:
        predicted = (left + prior) // 2
    else:  # Paeth: whichever of left, above, upper left is nearest to left + above - upper left
        estimate = left + prior - corner
        far_left, far_up, far_corner = abs(estimate - left), abs(estimate - prior), abs(estimate - corner)
        predicted = np.where((far_left <= far_up) & (far_left <= far_corner), left,
                             np.where(far_up <= far_corner, prior, corner))
    filtered = ((rows - predicted) % 256).astype(np.uint8)
    scanlines = np.hstack([np.full((height, 1), kind, np.uint8), filtered]).tobytes()

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 6))
                + chunk(b"IEND", b""))


def pillow_loader(path):
    """torchvision's pil_loader, as datasets.folder.default_loader runs it when Pillow is installed."""
    from PIL import Image
    with open(path, "rb") as f, Image.open(f) as opened:
        return np.array(opened.convert("RGB"), dtype=np.uint8)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5, help="decodes of one file per timed block")
    args = parser.parse_args(argv)
    from PIL import Image
    readers = {"Pillow": pillow_loader, "ours": load_rgb}
    with tempfile.TemporaryDirectory() as folder:
        files, expected = {}, {}  # (size, label) -> path, and the RGB array both readers must give
        for size in SIZES:
            image = photo_like(size)
            for fmt in FORMATS:
                path = os.path.join(folder, f"{size}.{fmt}")
                Image.fromarray(image).save(path)
                files[size, fmt], expected[size, fmt] = path, image
        filtered = [(224, kind) for kind in FILTERS] + [(28, 4), (512, 4)]
        for size, kind in filtered:
            image = photo_like(size)[..., 0] if size == 28 else photo_like(size)
            key = (size, f"png{', gray' if image.ndim == 2 else ''}, {FILTERS[kind]} rows")
            files[key] = os.path.join(folder, f"{size}-filter{kind}.png")
            write_png(files[key], image, kind)
            expected[key] = np.stack([image] * 3, axis=-1) if image.ndim == 2 else image
        for key, path in files.items():
            for reader in readers.values():
                assert np.array_equal(reader(path), expected[key]), (reader, path)
        times = {(key, name): [] for key in files for name in readers}
        for r in range(args.rounds):
            for key, path in files.items():
                for name in (list(readers) if r % 2 == 0 else list(readers)[::-1]):
                    reader = readers[name]
                    start = time.thread_time()
                    for _ in range(args.repeat):
                        reader(path)
                    times[key, name].append((time.thread_time() - start) / args.repeat)
        print(f"\nOne image file read as a uint8 RGB array, CPU time of one thread, medians of {args.rounds} rounds "
              f"× {args.repeat} reads (`bench/bench_image_decode.py --rounds {args.rounds}`; Pillow "
              f"{Image.__version__}, numpy {np.__version__})\n")
        print("| file | bytes | Pillow (ms) | ours (ms) | ours ÷ Pillow |\n|---|---:|---:|---:|---:|")
        for (size, fmt), path in files.items():
            pillow = statistics.median(times[(size, fmt), "Pillow"]) * 1e3
            ours = statistics.median(times[(size, fmt), "ours"]) * 1e3
            label = fmt.upper() if fmt in FORMATS else fmt.replace("png", "PNG")
            print(f"| {size}×{size} {label} | {os.path.getsize(path):,} | {pillow:.3f} | {ours:.3f} | "
                  f"{ours / pillow:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
