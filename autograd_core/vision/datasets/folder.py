"""DatasetFolder and ImageFolder: samples in one sub-folder per class, as torchvision.datasets.folder's.

    root/dog/xxx.png            ImageFolder(root)[i] == (default_loader(path), class index)
    root/dog/nested/xxy.png     (sub-folders of a class folder are walked too, symbolic links followed)
    root/cat/123.ppm

The classes are the sub-folders of root, sorted (index 0 for the first); each class folder is walked in sorted
order, and a file is a sample when its name ends with one of `extensions` (case-insensitive) or `is_valid_file(path)`
says so, never both. `default_loader` reads an image file as a uint8 array (H, W, 3) where torchvision's gives a PIL
image converted to RGB, the same pixels: Netpbm files are decoded here (vision.io), other formats by Pillow, and
without Pillow PNG and uncompressed BMP here too.
"""

from __future__ import annotations

import os

import numpy as np

from ..io.image import decode, load_rgb, to_pil_rgb
from .vision import VisionDataset, transformed

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS", "default_loader", "has_file_allowed_extension",
           "is_image_file", "find_classes", "make_dataset"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename, extensions):
    """Whether filename ends with one of `extensions` (a str or a tuple of them, lowercase), ignoring case."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename):
    """Whether filename has one of IMG_EXTENSIONS."""
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


# The formats whose files default_loader decodes here even when Pillow is installed, by their first bytes: Netpbm
# P1-P6, the same pixels (PIL's rules: vision.io.image.to_pil_rgb) for a third to a half of Pillow's work (a 224x224
# PPM in 0.3x its CPU time, bench/bench_image_decode.py; P1-P5, 8- and 16-bit, 0.46-0.58x its instructions). PNG and
# BMP stay with Pillow, faster at 224x224 (BMP: ours 2x its instructions); PAM and PFM (P7, PF) are Pillow's anyway.
_DECODED_HERE = tuple(b"P%d" % kind for kind in range(1, 7))


def default_loader(path):
    """The image file at `path` as a uint8 array (H, W, 3), RGB: torchvision's pil_loader,
    `Image.open(f).convert("RGB")`, pixel for pixel. With Pillow installed, Pillow decodes it as in torchvision,
    except a Netpbm file (PBM, PGM, PPM: P1-P6), which vision.io decodes with a third to a half of Pillow's work;
    Pillow is faster on a PNG (on a 224×224 RGB PNG 1.8× faster than the NumPy decoders on rows filtered Up and Sub:
    bench/bench_image_decode.py) and a BMP. Without Pillow, vision.io's decoders give the same pixels for PNG,
    Netpbm and uncompressed BMP (`vision.io.image.load_rgb`, PIL's conversion rules), raising ImageDecodeError (an
    OSError) naming the file for a damaged image and PillowRequiredError for another format."""
    try:
        from PIL import Image
    except ImportError:
        return load_rgb(path)
    with open(path, "rb") as f:
        head = f.read(3)  # the magic number and the whitespace after it
        if head[:2] in _DECODED_HERE and head[2:].isspace():
            return to_pil_rgb(decode(head + f.read(), os.fspath(path)))
        f.seek(0)
        with Image.open(f) as opened:
            return np.array(opened.convert("RGB"), dtype=np.uint8)


def find_classes(directory):
    """(classes, class_to_idx): the sorted names of directory's sub-folders (links to folders count) and name ->
    index. FileNotFoundError when there is none."""
    with os.scandir(directory) as entries:
        classes = sorted(entry.name for entry in entries if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None, allow_empty=False):
    """[(path, class index)] of every valid file under directory/<class>/ for each class of class_to_idx (found by
    find_classes when None), classes in sorted order, each folder walked sorted and following symbolic links.

    Exactly one of `extensions` and `is_valid_file(path)` decides which files are valid (ValueError otherwise); a
    class folder that is missing is skipped, one without a valid file is a FileNotFoundError unless allow_empty."""
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        def is_valid_file(path):
            return has_file_allowed_extension(path, extensions)

    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        class_dir = os.path.join(directory, target_class)
        if not os.path.isdir(class_dir):
            continue
        for folder, _, names in sorted(os.walk(class_dir, followlinks=True)):
            for name in sorted(names):
                path = os.path.join(folder, name)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[target_class]))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            listed = extensions if isinstance(extensions, str) else ", ".join(extensions)
            message += f"Supported extensions are: {listed}"
        raise FileNotFoundError(message)
    return instances


class DatasetFolder(VisionDataset):
    """Samples in root/<class>/...: dataset[i] is (transform(loader(path)), target_transform(class index)).

    loader: path -> sample. extensions (tuple of lowercase suffixes) or is_valid_file (path -> bool), exactly one.
    `.classes` (sorted folder names), `.class_to_idx`, `.samples` [(path, class index)], `.targets` [class index]
    and `.extensions`, as torchvision's. Subclasses may override `find_classes` (a method here) and `make_dataset`
    (a staticmethod). FileNotFoundError for a root without class folders or a class without a valid file (unless
    allow_empty=True)."""

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx=class_to_idx, extensions=extensions,
                                    is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [target for _, target in samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        """The module's make_dataset, but class_to_idx is required (ValueError for None), so that an overridden
        find_classes is the one that decides the classes."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions=extensions, is_valid_file=is_valid_file,
                            allow_empty=allow_empty)

    def find_classes(self, directory):
        """(classes, class_to_idx) of directory: the module's find_classes."""
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        return transformed(self.transform, self.target_transform, self.loader(path), target)

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images in root/<class>/...: a DatasetFolder whose loader is `default_loader` (uint8 arrays (H, W, 3)) and whose
    files are those with IMG_EXTENSIONS (or those is_valid_file accepts). `.imgs` is `.samples`."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
