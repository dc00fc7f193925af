"""EMNIST and QMNIST: MNIST's extensions, read from IDX files in torchvision's layout with mnist.py's reader.

    root/EMNIST/raw/emnist-<split>-train-images-idx3-ubyte   emnist-<split>-train-labels-idx1-ubyte   (and -test-)
    root/QMNIST/raw/qmnist-train-images-idx3-ubyte  qmnist-train-labels-idx2-int   (qmnist-test-*, xnist-* for nist)

Each file may also be there compressed only (+ ".gz"; QMNIST's nist files + ".xz"), as the servers give them.
EMNIST's images are stored transposed (a letter appears mirrored and turned a quarter); torchvision gives them as
stored, and so do we.
"""

from __future__ import annotations

import os
import string

import numpy as np

import autograd_core as ag

from .mnist import MNIST, _array, read_images_and_labels
from .utils import download_from_mirrors, extract_zip_members, gunzip, unxz, verify_str_arg
from .vision import transformed

__all__ = ["EMNIST", "QMNIST"]


def _existing(path):
    """path, else path.gz or path.xz when only that is there (None when none is)."""
    return next((p for p in (path, path + ".gz", path + ".xz") if os.path.isfile(p)), None)


class EMNIST(MNIST):
    """EMNIST (Cohen et al. 2017), handwritten digits and letters as 28×28 uint8 images, in six splits: "byclass"
    (62 classes: digits, upper then lower case letters), "bymerge" and "balanced" (47: the lower-case letters that
    look like their capitals merged into them), "letters" (labels 1-26, class 0 "N/A"), "digits", "mnist".

    dataset[i] is (a 28×28 uint8 array, as stored: transposed, an int label); `.data`, `.targets`, `.classes` per
    split, the repr (Split: Train/Test) as MNIST's. download=True fetches torchvision's `url` (a zip of every
    split, about 560 MB, md5 `md5`) into root/EMNIST/raw/ and unpacks its gzipped IDX files there."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # the lower-case letters that bymerge and balanced merge into their capitals
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file, self.test_file = f"training_{split}.pt", f"test_{split}.pt"
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self):
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self):
        """raw/emnist-<split>-<train|test>-images-idx3-ubyte."""
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self):
        """raw/emnist-<split>-<train|test>-labels-idx1-ubyte."""
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _check_exists(self):
        return all(_existing(path) for path in (self.images_file, self.labels_file))

    def _found(self, path):
        found = _existing(path)
        if found is None:
            raise RuntimeError(
                f"{type(self).__name__}: {path} (or .gz) not found. Use download=True to download it. Without "
                f"network: download {self.url} (md5 {self.md5}) on a machine that can, put it in {self.raw_folder}/ "
                f"and unpack its gzip/ folder's files there (gzipped or not), or copy there the EMNIST/raw folder "
                "that torchvision made")
        return found

    def _load_data(self):
        return read_images_and_labels(self._found(self.images_file), self._found(self.labels_file))

    def download(self):
        """Fetch the zip into raw_folder (kept there, as torchvision keeps it) unless this split's files are there,
        and unpack every split's gzipped IDX files from its gzip/ folder into raw_folder."""
        if self._check_exists():
            return
        archive = os.path.join(self.raw_folder, "gzip.zip")
        download_from_mirrors([self.url], archive, self.md5, f"Without network: download {self.url} on a machine "
                              f"that can and put it at {archive}")
        names = [f"emnist-{split}-{part}-{kind}" for split in self.splits for part in ("train", "test")
                 for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]
        extract_zip_members(archive, {f"gzip/{name}.gz": os.path.join(self.raw_folder, name) for name in names},
                            gunzip_members=True)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class QMNIST(MNIST):
    """QMNIST (Yadav and Bottou 2019): MNIST's 60000 test images rebuilt from NIST, with richer labels.

    what: "train" (60000), "test" (60000), "test10k" (its first 10000: MNIST's test set), "test50k" (the other
    50000), "nist" (all 402953 NIST digits); None picks "train" or "test" from `train`. Each label is 8 int32
    numbers (class, NIST HSF series, writer id, digit index, NIST class, ...): `.targets` is an int64 Value (N, 8).
    With compat=True (the default) dataset[i]'s label is the class, an int, as MNIST's; with compat=False it is the
    row of 8, an int64 Value. download=True fetches torchvision's resources (gzip, xz for nist) into
    root/QMNIST/raw/ and unpacks them there."""

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist"}
    _github = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"
    resources = {
        "train": [(_github + "qmnist-train-images-idx3-ubyte.gz", "ed72d4157d28c017586c42bc6afe6370"),
                  (_github + "qmnist-train-labels-idx2-int.gz", "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_github + "qmnist-test-images-idx3-ubyte.gz", "1394631089c404de565df7b7aeaf9412"),
                 (_github + "qmnist-test-labels-idx2-int.gz", "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_github + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_github + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }

    def __init__(self, root, what=None, compat=True, train=True, **kwargs):
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets))
        self.compat = compat
        self.data_file = what + ".pt"
        self.training_file = self.test_file = self.data_file
        super().__init__(root, train, **kwargs)

    def _raw_file(self, which):
        url, _ = self.resources[self.subsets[self.what]][which]
        return os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])

    @property
    def images_file(self):
        """raw/qmnist-<train|test>-images-idx3-ubyte (xnist-images-idx3-ubyte for nist)."""
        return self._raw_file(0)

    @property
    def labels_file(self):
        """raw/qmnist-<train|test>-labels-idx2-int (xnist-labels-idx2-int for nist)."""
        return self._raw_file(1)

    def _check_exists(self):
        return all(_existing(path) for path in (self.images_file, self.labels_file))

    def _found(self, which):
        path = self._raw_file(which)
        found = _existing(path)
        if found is None:
            url, md5 = self.resources[self.subsets[self.what]][which]
            raise RuntimeError(
                f"{type(self).__name__}: {path} (or compressed) not found. Use download=True to download it. "
                f"Without network: download {url} (md5 {md5}) on a machine that can and put it in "
                f"{self.raw_folder}/ (compressed or not), or copy there the QMNIST/raw folder that torchvision made")
        return found

    def _load_data(self):
        data, targets = read_images_and_labels(self._found(0), self._found(1), label_dtype=np.int32, label_ndim=2)
        if self.what == "test10k":
            return data[:10000], targets[:10000]
        if self.what == "test50k":
            return data[10000:], targets[10000:]
        return data, targets

    def download(self):
        """Fetch this subset's two files into raw_folder (each checked against its md5) unless they are there, and
        unpack them beside the download."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for url, md5 in self.resources[self.subsets[self.what]]:
            archive = os.path.join(self.raw_folder, os.path.basename(url))
            download_from_mirrors([url], archive, md5, f"Without network: download {url} on a machine that can and "
                                                       f"put it at {archive}")
            (unxz if archive.endswith(".xz") else gunzip)(archive, os.path.splitext(archive)[0])

    def __getitem__(self, index):
        image, target = _array(self.data)[index].copy(), _array(self.targets)[index]
        # compat: the class alone (before target_transform, as torchvision)
        target = int(target[0]) if self.compat else ag.from_numpy(target.copy())
        return transformed(self.transform, self.target_transform, image, target)

    def extra_repr(self):
        return f"Split: {self.what}"
