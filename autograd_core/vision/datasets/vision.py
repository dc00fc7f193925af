"""VisionDataset and StandardTransform, the base of the data sets, as torchvision.datasets.vision's.

A data set keeps its root folder, its transform (applied to each image) and target_transform (to each label), and
prints as torchvision's:

    Dataset MNIST
        Number of datapoints: 60000
        Root location: data
        Split: Train
        StandardTransform
    Transform: ToTensor()
"""

from __future__ import annotations

import os

from autograd_core.utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


def transformed(transform, target_transform, image, target):
    """(transform(image), target_transform(target)), either left as is where its transform is None: what a data
    set's __getitem__ returns, with the transforms it holds at that moment (a user may replace `dataset.transform`)."""
    if transform is not None:
        image = transform(image)
    if target_transform is not None:
        target = target_transform(target)
    return image, target


class StandardTransform:
    """(image, target) -> (transform(image), target_transform(target)); either may be None (left as is)."""

    def __init__(self, transform=None, target_transform=None):
        self.transform, self.target_transform = transform, target_transform

    def __call__(self, image, target):
        return transformed(self.transform, self.target_transform, image, target)

    @staticmethod
    def _indented(transform, head):
        lines = repr(transform).splitlines()
        return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]

    def __repr__(self):
        body = [type(self).__name__]
        if self.transform is not None:
            body += self._indented(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._indented(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base class of the image data sets: root (a str has ~ expanded), and either `transforms` (a callable of
    (image, target)) or `transform` / `target_transform` (wrapped in a StandardTransform as `self.transforms`).
    Subclasses define __getitem__ and __len__, and may add lines to the repr with extra_repr()."""

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        separate = transform is not None or target_transform is not None
        if transforms is not None and separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform, self.target_transform = transform, target_transform
        self.transforms = StandardTransform(transform, target_transform) if separate else transforms

    def extra_repr(self):
        """Lines a subclass adds to the repr (e.g. "Split: Train")."""
        return ""

    def __repr__(self):
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body.append(repr(self.transforms))
        return "\n".join([f"Dataset {type(self).__name__}", *(" " * self._repr_indent + line for line in body)])
