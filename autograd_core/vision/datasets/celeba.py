"""CelebA: the Large-scale CelebFaces Attributes data set, as torchvision.datasets.CelebA reads it from root/celeba/.

    root/celeba/img_align_celeba/000001.jpg ...     the aligned 218×178 faces
    root/celeba/list_eval_partition.txt             "000001.jpg 0": 0 train, 1 valid, 2 test
    root/celeba/list_attr_celeba.txt                a count, the 40 attribute names, then a row of ±1 per image
    root/celeba/identity_CelebA.txt                 "000001.jpg 2880"
    root/celeba/list_bbox_celeba.txt                a count, a header, then x_1 y_1 width height per image
    root/celeba/list_landmarks_align_celeba.txt     a count, a header, then 10 landmark coordinates per image

dataset[i] is (image, target): the image a uint8 array (218, 178, 3) where torchvision gives a PIL image (so
`transforms.ToTensor()` makes the same tensor), the target as torchvision's: for target_type "attr" the 40 attributes
as an int64 Value of 0/1 (the file's -1 read as 0), "identity" a 0-d int64 Value, "bbox" (4,), "landmarks" (10,),
a tuple for a list of target types, None for an empty list. The text files are checked against torchvision's md5
sums, as torchvision checks them. The files live on Google Drive, which is not downloaded from here: download=True
says where to put them.
"""

from __future__ import annotations

import csv
import os
from collections import namedtuple

import numpy as np

import autograd_core as ag

from .folder import default_loader
from .utils import check_integrity, verify_str_arg
from .vision import VisionDataset

__all__ = ["CelebA"]

CSV = namedtuple("CSV", ["header", "index", "data"])

_TARGET_TYPES = ("attr", "identity", "bbox", "landmarks")


class CelebA(VisionDataset):
    """torchvision.datasets.CelebA(root, split="train", target_type="attr", transform=None, target_transform=None,
    download=False): the images of one split ("train", "valid", "test" or "all") of root/celeba/ and the targets
    target_type names ("attr", "identity", "bbox", "landmarks", or a list of them). Attributes: filename (the image
    names), attr (N, 40), identity (N, 1), bbox (N, 4), landmarks_align (N, 10) as int64 Values, attr_names.
    RuntimeError when a file is missing or its md5 is not torchvision's ("Dataset not found or corrupted")."""

    base_folder = "celeba"
    # (Google Drive file id, md5, file name): torchvision's
    file_list = [
        ("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "00d2c5bc6d35e252742224ab0c1e8fcb", "img_align_celeba.zip"),
        ("0B7EVK8r0v71pblRyaVFSWGxPY0U", "75e246fa4810816ffd6ee81facbd244c", "list_attr_celeba.txt"),
        ("1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS", "32bd1bd63d3c78cd57e08160ec5ed1e2", "identity_CelebA.txt"),
        ("0B7EVK8r0v71pbThiMVRxWXZ4dU0", "00566efa6fedff7a56946cd1c10f1c16", "list_bbox_celeba.txt"),
        ("0B7EVK8r0v71pd0FJY3Blby1HUTQ", "cc24ecafdb5b50baae59b03474781f8c", "list_landmarks_align_celeba.txt"),
        ("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "d32c9cbf5e040fd4025c592c306e6668", "list_eval_partition.txt"),
    ]

    def __init__(self, root, split="train", target_type="attr", transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = split
        self.target_type = list(target_type) if isinstance(target_type, list) else [target_type]
        if not self.target_type and self.target_transform is not None:
            raise RuntimeError("target_transform is specified but target_type is empty")
        for kind in self.target_type:  # torchvision finds out in __getitem__, with the same error
            if kind not in _TARGET_TYPES:
                raise ValueError(f'Target type "{kind}" is not recognized.')
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        split_code = {"train": 0, "valid": 1, "test": 2, "all": None}[
            verify_str_arg(split.lower(), "split", ("train", "valid", "test", "all"))]
        splits = self._load_csv("list_eval_partition.txt")
        identity = self._load_csv("identity_CelebA.txt")
        bbox = self._load_csv("list_bbox_celeba.txt", header=1)
        landmarks_align = self._load_csv("list_landmarks_align_celeba.txt", header=1)
        attr = self._load_csv("list_attr_celeba.txt", header=1)
        rows = (np.arange(len(splits.index)) if split_code is None
                else np.flatnonzero(splits.data[:, 0] == split_code))
        self.filename = [splits.index[i] for i in rows]
        self.identity = ag.from_numpy(identity.data[rows])
        self.bbox = ag.from_numpy(bbox.data[rows])
        self.landmarks_align = ag.from_numpy(landmarks_align.data[rows])
        self.attr = ag.from_numpy((attr.data[rows] + 1) // 2)  # the file's -1/1 as 0/1
        self.attr_names = attr.header

    def _load_csv(self, filename, header=None):
        """The file's rows after `header` (the row of column names, if any): CSV(column names, first column, the
        other columns as an int64 array (N, columns))."""
        with open(os.path.join(self.root, self.base_folder, filename)) as csv_file:
            rows = list(csv.reader(csv_file, delimiter=" ", skipinitialspace=True))
        headers, rows = (rows[header], rows[header + 1:]) if header is not None else ([], rows)
        values = np.array([[int(v) for v in row[1:]] for row in rows], dtype=np.int64).reshape(len(rows), -1)
        return CSV(headers, [row[0] for row in rows], values)

    def _check_integrity(self):
        for _, md5, filename in self.file_list:
            if os.path.splitext(filename)[1] in (".zip", ".7z"):  # the archive may be gone once unpacked
                continue
            if not check_integrity(os.path.join(self.root, self.base_folder, filename), md5):
                return False
        return os.path.isdir(os.path.join(self.root, self.base_folder, "img_align_celeba"))

    def download(self):
        """Nothing when the files are there with their md5s; otherwise RuntimeError naming the files to fetch from
        Google Drive by hand (torchvision downloads them with gdown, which is not used here)."""
        if self._check_integrity():
            return
        names = ", ".join(name for _, _, name in self.file_list)
        raise RuntimeError(f"CelebA: the files are on Google Drive, which is not downloaded from here; fetch {names} "
                           "(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html) and unpack img_align_celeba.zip in "
                           f"{os.path.join(self.root, self.base_folder)}")

    def __getitem__(self, index):
        image = default_loader(os.path.join(self.root, self.base_folder, "img_align_celeba", self.filename[index]))
        target = []
        for kind in self.target_type:
            if kind == "attr":
                target.append(self.attr[index, :])
            elif kind == "identity":
                target.append(self.identity[index, 0])
            elif kind == "bbox":
                target.append(self.bbox[index, :])
            else:
                target.append(self.landmarks_align[index, :])
        if self.transform is not None:
            image = self.transform(image)
        if not target:
            return image, None
        target = tuple(target) if len(target) > 1 else target[0]
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return len(self.attr)

    def extra_repr(self):
        return f"Target type: {self.target_type}\nSplit: {self.split}"
