"""MNIST, FashionMNIST and KMNIST: 28×28 grayscale images in 10 classes, read from IDX files in torchvision's layout.

    root/MNIST/raw/train-images-idx3-ubyte   (60000, 28, 28) uint8     t10k-images-idx3-ubyte   (10000, 28, 28)
    root/MNIST/raw/train-labels-idx1-ubyte   (60000,) uint8            t10k-labels-idx1-ubyte   (10000,)

(FashionMNIST/raw/, KMNIST/raw/ alike.) Each file may also be there gzipped only (name + ".gz", as the mirrors
serve it), or xz-compressed (QMNIST's nist files). EMNIST and QMNIST (mnist_variants.py) read their files with the
same reader. A folder torchvision wrote is read as it is, its older layout too (processed/training.pt and test.pt,
torch.save'd (images, labels) tensors, read by autograd_core.load without running code from the file).

An IDX file is a header, then the array in big-endian order: two zero bytes, a type byte (0x08 uint8, 0x09 int8,
0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, and each dimension as a 4-byte
big-endian int. MNIST's images have the magic number 0x00000803 (uint8, 3-D), its labels 0x00000801 (uint8, 1-D).
"""

from __future__ import annotations

import gzip
import lzma
import os
import warnings
import zlib

import numpy as np

import autograd_core as ag

from .utils import download_from_mirrors, gunzip
from .vision import VisionDataset, transformed

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "read_idx_file", "read_images_and_labels"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _damaged(path, why):
    return ValueError(f"{path} is not a valid IDX file: {why}. Delete it and download it again (download=True), or "
                      "copy it again from where it came from")


def read_idx_file(path):
    """The array stored in an IDX file (gzipped, xz-compressed or not: told by its first bytes), in native byte
    order. ValueError naming the file for a wrong magic number, a truncated file or trailing bytes."""
    with open(path, "rb") as f:
        raw = f.read()
    for magic, name, decompress in ((b"\x1f\x8b", "gzip", gzip.decompress), (b"\xfd7zXZ\x00", "xz", lzma.decompress)):
        if raw.startswith(magic):
            try:
                raw = decompress(raw)
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as err:
                raise _damaged(path, f"its {name} stream is damaged ({err})") from None
    if len(raw) < 4:
        raise _damaged(path, f"{len(raw)} bytes, shorter than the 4-byte magic number")
    zeros, type_code, ndim = raw[:2], raw[2], raw[3]
    if zeros != b"\x00\x00" or type_code not in _IDX_TYPES or ndim == 0:
        raise _damaged(path, f"wrong magic number 0x{raw[:4].hex()} (expected 0x0000TTNN: type TT in "
                             f"{sorted(f'{t:02x}' for t in _IDX_TYPES)}, NN dimensions)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise _damaged(path, f"truncated in its header ({len(raw)} bytes, the header alone has {header})")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        what = "truncated" if len(raw) - header < expected else "longer than its header says"
        raise _damaged(path, f"{what}: the header announces shape {shape} ({expected} bytes of data), the file has "
                             f"{len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_images_and_labels(images_path, labels_path, label_dtype=np.uint8, label_ndim=1):
    """(uint8 Value (N, H, W), int64 Value of labels) from an images file (magic 0x00000803) and a labels file
    holding `label_dtype` in `label_ndim` dimensions (MNIST's uint8 (N,), QMNIST's int32 (N, 8)). ValueError naming
    the file for another type or shape, or when the counts differ."""
    images, labels = read_idx_file(images_path), read_idx_file(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise _damaged(images_path, f"images are uint8 (N, H, W) (magic number 0x00000803), this file holds "
                                    f"{images.dtype} {images.shape}")
    if labels.dtype != label_dtype or labels.ndim != label_ndim:
        raise _damaged(labels_path, f"labels are {np.dtype(label_dtype)} in {label_ndim} dimension(s), this file holds "
                                    f"{labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    return ag.from_numpy(images), ag.from_numpy(labels.astype(np.int64))


def _array(x):
    return x.numpy() if isinstance(x, ag.Value) else np.asarray(x)


class MNIST(VisionDataset):
    """MNIST's handwritten digits from root/MNIST/raw/: dataset[i] is (a 28×28 uint8 array, an int label in 0..9),
    60000 samples (train=True) or 10000.

    The image is a NumPy array where torchvision gives a PIL image of mode "L" (a copy), and `transform` /
    `target_transform`, if given, are applied to it and to the label. `.data` is a uint8 Value (N, 28, 28),
    `.targets` an int64 Value (N,), `.classes` the class names, `.class_to_idx` name -> index. The files are read
    from root/<ClassName>/raw/ (see the module docstring); download=True first fetches what is missing from
    `mirrors` (checked against `resources`' md5s) and unpacks it there."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        legacy = os.path.join(self.processed_folder, self.training_file if train else self.test_file)
        if os.path.isfile(legacy):  # torchvision's older layout, which it prefers when present
            self.data, self.targets = self._load_legacy(legacy)
            return
        if download:
            self.download()
        self.data, self.targets = self._load_data()

    # torchvision's names from before `data` and `targets` (2018), still read by many tutorials
    # (`train_data.train_data.size()`, `test_data.test_labels[:2000]`): the same Values, with torchvision's warning.
    @property
    def train_data(self):
        """`data` under its old name (UserWarning "train_data has been renamed data"), whichever the split."""
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self):
        """`data` under its old name (UserWarning "test_data has been renamed data"), whichever the split."""
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def train_labels(self):
        """`targets` under its old name (UserWarning "train_labels has been renamed targets")."""
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self):
        """`targets` under its old name (UserWarning "test_labels has been renamed targets")."""
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def raw_folder(self):
        """root/<ClassName>/raw: the IDX files."""
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def processed_folder(self):
        """root/<ClassName>/processed: older torchvision's training.pt and test.pt."""
        return os.path.join(self.root, type(self).__name__, "processed")

    @property
    def class_to_idx(self):
        """Class name -> index."""
        return {name: i for i, name in enumerate(self.classes)}

    def _by_hand(self, filename, md5):
        return (f"Without network: download {self.mirrors[0]}{filename} (md5 {md5}) on a machine that can, and put "
                f"it in {self.raw_folder}/ (gzipped or not), or copy there the {type(self).__name__}/raw folder that "
                "torchvision made: it is read as it is")

    def _file(self, stem):
        """raw/stem, else raw/stem.gz; RuntimeError saying how to get it when neither is there."""
        for path in (os.path.join(self.raw_folder, stem), os.path.join(self.raw_folder, stem + ".gz")):
            if os.path.isfile(path):
                return path
        md5 = dict(self.resources)[stem + ".gz"]
        raise RuntimeError(f"{type(self).__name__}: {os.path.join(self.raw_folder, stem)} (or .gz) not found. Use "
                           f"download=True to download it. {self._by_hand(stem + '.gz', md5)}.")

    def _check_exists(self):
        return all(os.path.isfile(os.path.join(self.raw_folder, name[:-3]))
                   or os.path.isfile(os.path.join(self.raw_folder, name)) for name, _ in self.resources)

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        return read_images_and_labels(self._file(f"{prefix}-images-idx3-ubyte"),
                                      self._file(f"{prefix}-labels-idx1-ubyte"))

    def _load_legacy(self, path):
        data, targets = ag.load(path)
        return ag.as_tensor(data), ag.as_tensor(targets).long()

    def download(self):
        """Fetch each file not yet in raw_folder (a .gz there with the right md5 is kept) from the first mirror that
        serves it, then unpack it beside its .gz, as torchvision does. RuntimeError naming the URLs and how to place
        the files by hand when no mirror answers."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            unpacked = os.path.join(self.raw_folder, filename[:-3])
            if os.path.isfile(unpacked):
                continue
            archive = os.path.join(self.raw_folder, filename)
            download_from_mirrors([mirror + filename for mirror in self.mirrors], archive, md5,
                                  self._by_hand(filename, md5))
            gunzip(archive, unpacked)

    def __getitem__(self, index):
        # from the arrays (not Values: no node per sample); .data and .targets may have been replaced by a subset
        image, target = _array(self.data)[index].copy(), int(_array(self.targets)[index])
        return transformed(self.transform, self.target_transform, image, target)

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28×28 grayscale photos of 10 kinds of clothing, read and downloaded as MNIST
    (root/FashionMNIST/raw/)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28×28 images of 10 cursive Japanese (hiragana) characters, read and downloaded as MNIST
    (root/KMNIST/raw/)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
