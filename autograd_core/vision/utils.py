"""torchvision.utils' picture helpers: `from autograd_core.vision.utils import make_grid, save_image`.

    save_image(denorm(fake_images), "samples/fake_images-1.png")      # a (B, C, H, W) batch in [0, 1], 8 a row

make_grid tiles a batch into one (3, rows·(H+p)+p, columns·(W+p)+p) picture, as torchvision lays it out; it is
written with differentiable ops (a pad, a reshape, a permute), so a gradient flows back to the batch as it does
through torchvision's copies. save_image writes that picture as 8-bit pixels: with Pillow when it is installed (any
format Pillow knows, told by the file name or `format`), else as PNG by our own encoder.
"""

from __future__ import annotations

import math
import os

import numpy as np

import autograd_core as ag
from autograd_core.nn import functional as F

__all__ = ["make_grid", "save_image"]


def _normalized(batch, value_range, scale_each):
    """Each value v as (clamp(v, low, high) - low) / max(high - low, 1e-5): low and high from `value_range`, else
    the batch's (or with scale_each, each image's) own minimum and maximum."""
    def stretched(images):
        low, high = value_range if value_range is not None else (float(images.min()), float(images.max()))
        return (images.clamp(low, high) - low) / max(high - low, 1e-5)
    if scale_each:
        return ag.stack([stretched(image) for image in batch])
    return stretched(batch)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """A batch of images as one picture, as torchvision.utils.make_grid.

    `tensor`: a Value (B, C, H, W), a list of (C, H, W) images (stacked), one image (C, H, W) or (H, W). One channel
    is repeated into three. The images are laid `nrow` a row (fewer when B < nrow), rows = ceil(B / nrow), each with
    `padding` pixels of `pad_value` before it (above and to the left) and the whole grid closed by `padding` more at
    the bottom and right: a (C, rows·(H+padding)+padding, columns·(W+padding)+padding) Value; a batch of one image
    gives that image (C, H, W) unpadded. `normalize`: values shifted and scaled into [0, 1] by `value_range`
    (low, high) or the batch's own minimum and maximum (`scale_each`: each image's own). Differentiable."""
    if isinstance(tensor, (list, tuple)):
        tensor = ag.stack(list(tensor), dim=0)
    if not isinstance(tensor, ag.Value):
        raise TypeError(f"tensor should be of type torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = ag.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = ag.cat((tensor, tensor, tensor), 1)
    if tensor.dim() != 4:
        raise ValueError(f"make_grid: expected images (B, C, H, W), (C, H, W) or (H, W), got shape "
                         f"{tuple(tensor.shape)}")
    if normalize:
        tensor = _normalized(tensor, value_range, scale_each)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    count, channels, height, width = tensor.shape
    columns = min(nrow, count)
    rows = int(math.ceil(count / columns))
    empty = rows * columns - count  # the last row's empty cells: pad_value throughout
    if empty:
        tensor = ag.cat((tensor, ag.full((empty, channels, height, width), pad_value, dtype=tensor.dtype)), 0)
    cells = F.pad(tensor, (padding, 0, padding, 0), value=pad_value)  # each image after its padding, above and left
    cell_height, cell_width = height + padding, width + padding
    grid = cells.reshape(rows, columns, channels, cell_height, cell_width).permute(2, 0, 3, 1, 4)
    grid = grid.reshape(channels, rows * cell_height, columns * cell_width)
    return F.pad(grid, (0, padding, 0, padding), value=pad_value)  # and the grid closed below and to the right


def save_image(tensor, fp, format=None, **kwargs):
    """Write `tensor` as an image file, as torchvision.utils.save_image: make_grid(tensor, **kwargs) (nrow, padding,
    normalize, value_range, scale_each, pad_value), its values in [0, 1] as pixels floor(255·v + 0.5) clamped to
    0..255. `fp`: a file name or a binary file object; `format` overrides the one the name's suffix tells (needed
    for a file object). Pillow writes it when installed; without Pillow only PNG can be written (ValueError
    otherwise)."""
    grid = make_grid(tensor.detach() if isinstance(tensor, ag.Value) else tensor, **kwargs)
    values = np.asarray(grid.data, dtype=np.float32)
    pixels = np.clip(values * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)  # (H, W, C), as PIL wants it
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels).save(fp, format=format)
        return
    name = fp if isinstance(fp, (str, os.PathLike)) else getattr(fp, "name", "")
    kind = (format or os.path.splitext(str(name))[1].lstrip(".")).lower()
    if kind != "png":
        raise ValueError(f"save_image: without Pillow only PNG files can be written, not {kind or 'this file'!r}")
    from autograd_core.utils.tensorboard_images import png
    data = png(np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels)
    if isinstance(fp, (str, os.PathLike)):
        with open(fp, "wb") as file:
            file.write(data)
    else:
        fp.write(data)
