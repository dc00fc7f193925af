"""CIFAR10 and CIFAR100: 32×32 colour images, read from the Python pickles of torchvision's layout.

    root/cifar-10-batches-py/data_batch_1 ... data_batch_5, test_batch, batches.meta      (CIFAR10)
    root/cifar-100-python/train, test, meta                                               (CIFAR100)

Each batch is a pickled dict: "data" a uint8 array (N, 3072), each row an image's red, green then blue planes of
32×32 (row-major), and "labels" (CIFAR10) or "fine_labels" and "coarse_labels" (CIFAR100) lists of N ints; the meta
file's dict holds the class names ("label_names", "fine_label_names"). The files were written by Python 2, so their
strings are read as latin-1 text, as torchvision's `pickle.load(f, encoding="latin1")` reads them.

The pickles are read without running code from them: autograd_core.torch_unpickler's stack machine, with a reader
(`_BatchReader`) that allows only data (dicts, lists, tuples, strings, bytes, numbers) and NumPy arrays of bools,
integers and floats, rebuilt through NumPy's own reconstruct functions after their shape, dtype and byte count are
checked. Any other global a file names (os.system, a class) is refused with pickle.UnpicklingError before anything
is built or called.
"""

from __future__ import annotations

import os
import pickle
import re

import numpy as np

from autograd_core.torch_unpickler import Call, check, codecs_encode, unpickle

from .utils import check_integrity, download_from_mirrors, extract_tar_members
from .vision import VisionDataset, transformed

__all__ = ["CIFAR10", "CIFAR100", "read_cifar_pickle"]

# NumPy dtypes an array in a batch may have: bools, integers and floats, of either byte order (no objects).
_ARRAY_DTYPE = re.compile(r"[<>|=]?(b1|[iu][1248]|f[248])")


def _checked_dtype(dtype):
    check(isinstance(dtype, np.dtype) and _ARRAY_DTYPE.fullmatch(dtype.str) is not None,
          f"an array of dtype {dtype!r}, not bools, integers or floats")
    return dtype


def _shape(shape):
    check(isinstance(shape, tuple) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape),
          f"array shape {shape!r}")
    return shape


def _raw(raw, shape, dtype):
    """The array's bytes (Python 2 wrote them as a str: latin-1), exactly as many as shape and dtype need."""
    if isinstance(raw, str):
        raw = raw.encode("latin-1")
    check(isinstance(raw, (bytes, bytearray)), f"array data of type {type(raw).__name__}")
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    check(len(raw) == expected, f"array of shape {shape} and dtype {dtype} with {len(raw)} bytes of data, not "
                                f"{expected}")
    return bytes(raw)


def _frombuffer(buffer, dtype, shape, order):
    """numpy's numeric._frombuffer, which protocol 5 pickles name: the array of `shape` over buffer's bytes."""
    dtype, shape = _checked_dtype(dtype), _shape(shape)
    check(order in ("C", "F"), f"array order {order!r}")
    return np.frombuffer(_raw(buffer, shape, dtype), dtype=dtype).reshape(shape, order=order)


class _BatchReader:
    """What a CIFAR pickle may name (torch_unpickler.unpickle's reader): NumPy's array and dtype reconstructors and
    protocol 2's bytes encoder; BUILD only of the arrays and dtypes those made (once each); no persistent ids."""

    def __init__(self, name):
        self.name = name
        self.unbuilt = {}  # id -> an array or dtype made here whose BUILD has not come yet (kept alive here)
        self.globals = {
            ("numpy", "ndarray"): np.ndarray,  # data: _reconstruct's first argument, never called
            ("numpy", "dtype"): Call("numpy.dtype", self._dtype),
            ("_codecs", "encode"): Call("_codecs.encode", codecs_encode),
        }
        for core in ("core", "_core"):  # NumPy 1's module names, and NumPy 2's
            self.globals[(f"numpy.{core}.multiarray", "_reconstruct")] = Call("_reconstruct", self._reconstruct)
            self.globals[(f"numpy.{core}.numeric", "_frombuffer")] = Call("_frombuffer", _frombuffer)

    def _dtype(self, descr, align=False, copy=True):
        """numpy.dtype(descr, align, copy) as a pickle calls it, for plain numeric descr only; always a new dtype
        (whatever `copy` says), since its BUILD sets its byte order in place."""
        check(isinstance(descr, str) and _ARRAY_DTYPE.fullmatch(descr) is not None,
              f"numpy.dtype({descr!r}) is not a plain numeric dtype")
        dtype = np.dtype(descr, align=False, copy=True)
        self.unbuilt[id(dtype)] = dtype
        return dtype

    def _reconstruct(self, subtype, shape, typecode):
        """numpy's multiarray._reconstruct(ndarray, (0,), b"b"): an empty array that its BUILD gives data."""
        check(subtype is np.ndarray, f"_reconstruct of {subtype!r}, not numpy.ndarray")
        _shape(shape)
        array = np.empty(0, dtype=np.uint8)
        self.unbuilt[id(array)] = array
        return array

    def find_global(self, module, name):
        found = self.globals.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f"{self.name} names the global {module}.{name}, which a CIFAR file never does (they hold only "
                "dicts, lists, strings, numbers and NumPy arrays): refused; nothing from the file was run")
        return found

    def build(self, target, state):
        check(self.unbuilt.pop(id(target), None) is target, f"pickle: BUILD of a {type(target).__name__} is not "
                                                             "allowed")
        if isinstance(target, np.ndarray):  # (version, shape, dtype, is_fortran, data), version 1 or absent
            check(isinstance(state, tuple) and len(state) in (4, 5), "malformed NumPy array state")
            shape, dtype, is_fortran, raw = state[-4:]
            check(is_fortran in (True, False, 0, 1), f"array order flag {is_fortran!r}")
            dtype, shape = _checked_dtype(dtype), _shape(shape)
            target.__setstate__((1, shape, dtype, bool(is_fortran), _raw(raw, shape, dtype)))
        else:  # a dtype: (3, byte order, None, None, None, -1, -1, flags[, metadata])
            check(isinstance(state, tuple) and len(state) in (8, 9) and state[0] in (3, 4)
                  and state[1] in ("<", ">", "|", "=") and state[2:5] == (None, None, None)
                  and state[5:7] == (-1, -1) and state[8:] in ((), (None,)),
                  f"dtype state {state!r:.100} is not a plain numeric dtype's")
            target.__setstate__((3, state[1], None, None, None, -1, -1, 0))  # only the byte order is taken

    def persistent_load(self, pid):
        check(False, f"persistent id {pid!r:.100} in a data file")


def read_cifar_pickle(path):
    """The object in a CIFAR pickle (a dict), read with `_BatchReader`'s allowance: data and numeric NumPy arrays
    only. pickle.UnpicklingError naming the file for anything else or a damaged pickle."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return unpickle(data, _BatchReader(os.fspath(path)))
    except pickle.UnpicklingError as err:
        message = str(err).removeprefix("load: ")
        raise pickle.UnpicklingError(message if os.fspath(path) in message else f"{path}: {message}") from None


def _damaged(path, why):
    return ValueError(f"{path} is not a CIFAR batch as torchvision's archive holds: {why}. Delete it and download "
                      "again (download=True)")


class CIFAR10(VisionDataset):
    """CIFAR-10 from root/cifar-10-batches-py/: dataset[i] is (a 32×32×3 uint8 array (H, W, RGB), an int label in
    0..9), 50000 samples (train=True) or 10000.

    The image is a NumPy array where torchvision gives a PIL image (a copy), and `transform` / `target_transform`,
    if given, are applied to it and to the label. `.data` is the uint8 array (N, 32, 32, 3), `.targets` a list of
    N ints, `.classes` the class names (from the meta file), `.class_to_idx` name -> index. download=True fetches
    `url` (md5 `tgz_md5`) unless every batch is there with its md5, and unpacks the batches into root/base_folder."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        images, self.targets = [], []
        for name, _ in self.train_list if train else self.test_list:
            batch_images, batch_targets = self._read_batch(self._file(name))
            images.append(batch_images)
            self.targets += batch_targets
        # each row is the red, green and blue 32×32 planes: (N, 3, 32, 32) -> (N, 32, 32, 3), as an image array is
        self.data = np.ascontiguousarray(np.vstack(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self._load_meta()

    def _file(self, name):
        path = os.path.join(self.root, self.base_folder, name)
        if not os.path.isfile(path):
            raise RuntimeError(
                f"{type(self).__name__}: {path} not found. Use download=True to download it. Without network: download "
                f"{self.url} (md5 {self.tgz_md5}) on a machine that can, and unpack it in {self.root} (it holds the "
                f"folder {self.base_folder}/), or copy there the {self.base_folder} folder torchvision made")
        return path

    @staticmethod
    def _read_batch(path):
        entry = read_cifar_pickle(path)
        if not isinstance(entry, dict) or "data" not in entry:
            raise _damaged(path, "no 'data' in it")
        images = entry["data"]
        if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 2 or \
                images.shape[1] != 3 * 32 * 32:
            raise _damaged(path, f"'data' should be a uint8 array (N, 3072), got "
                                 f"{getattr(images, 'dtype', type(images).__name__)} {np.shape(images)}")
        labels = entry.get("labels", entry.get("fine_labels"))
        if labels is None:
            raise _damaged(path, "no 'labels' (CIFAR10) nor 'fine_labels' (CIFAR100) in it")
        labels = np.asarray(labels)
        if labels.shape != (len(images),) or labels.dtype.kind not in "iu":
            raise _damaged(path, f"{len(images)} images but labels of shape {labels.shape} and dtype {labels.dtype}")
        return images, [int(label) for label in labels]

    def _load_meta(self):
        path = self._file(self.meta["filename"])
        entry = read_cifar_pickle(path)
        classes = entry.get(self.meta["key"]) if isinstance(entry, dict) else None
        if not isinstance(classes, list) or not all(isinstance(name, str) for name in classes):
            raise _damaged(path, f"no list of class names under {self.meta['key']!r}")
        self.classes = classes
        self.class_to_idx = {name: i for i, name in enumerate(classes)}

    def _check_integrity(self):
        return all(check_integrity(os.path.join(self.root, self.base_folder, name), md5)
                   for name, md5 in self.train_list + self.test_list)

    def download(self):
        """Fetch and unpack the archive unless every batch is already there with its md5 ("Files already
        downloaded and verified"). The archive goes to root/filename, checked against tgz_md5; only the batches and
        the meta file are taken out of it. RuntimeError naming the URL and how to place the files by hand when it
        cannot be fetched."""
        if self._check_integrity():
            print("Files already downloaded and verified")
            return
        archive = os.path.join(self.root, self.filename)
        download_from_mirrors([self.url], archive, self.tgz_md5,
                              f"Without network: download {self.url} on a machine that can and put it at {archive} "
                              f"(or unpack it in {self.root}, which then holds {self.base_folder}/)")
        names = [name for name, _ in self.train_list + self.test_list] + [self.meta["filename"]]
        extract_tar_members(archive, {f"{self.base_folder}/{name}": os.path.join(self.root, self.base_folder, name)
                                      for name in names})

    def __getitem__(self, index):
        image, target = self.data[index].copy(), self.targets[index]
        return transformed(self.transform, self.target_transform, image, target)

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 from root/cifar-100-python/: (a 32×32×3 uint8 array, an int label in 0..99), read and downloaded
    as CIFAR10. The labels are the 100 "fine" classes; the 20 superclasses are not used, as in torchvision."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
