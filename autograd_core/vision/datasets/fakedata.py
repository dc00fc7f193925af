"""FakeData: random images and labels made on demand, as torchvision.datasets.FakeData (for trying a pipeline
without files)."""

from __future__ import annotations

import numpy as np

from .vision import VisionDataset, transformed

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random samples: dataset[i] is (a uint8 array (H, W, C) of image_size (C, H, W), an int label in
    0..num_classes-1), where torchvision gives a PIL image and a 0-d tensor label.

    Each sample is drawn from its own generator seeded with index + random_offset, so dataset[i] is the same every
    time and in every process (torchvision seeds torch's generator the same way; the pixels here differ from its,
    the determinism is the same). The image is standard normal noise turned into bytes as torchvision's
    ToPILImage does (v * 255 truncated, wrapping as uint8); one channel gives an H×W array (PIL's mode "L").
    IndexError for an index outside -size..size-1."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        index %= len(self)  # a negative index counts from the end, as a list's
        rng = np.random.default_rng(index + self.random_offset)
        noise = rng.standard_normal(self.image_size, dtype=np.float32)
        target = int(rng.integers(0, self.num_classes))
        # ToPILImage of a float tensor: mul(255).byte() (truncation, then wrap-around to uint8)
        image = (noise * 255).astype(np.int64).astype(np.uint8)
        image = np.ascontiguousarray(np.moveaxis(image, 0, -1)) if image.ndim == 3 else image
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]  # one channel: mode "L", H×W
        return transformed(self.transform, self.target_transform, image, target)

    def __len__(self):
        return self.size
