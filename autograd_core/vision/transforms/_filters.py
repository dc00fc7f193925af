"""Convolution filters of torchvision.transforms.functional (v1), re-exported there: gaussian_blur, and the
channel-by-channel convolution that it and adjust_sharpness's smoothing share."""

from __future__ import annotations

import numbers

import numpy as np

import autograd_core as ag
from autograd_core.nn import functional as F

from .functional import _as_tensor_image

__all__ = ["gaussian_blur"]


def convolve_channels(x, kernel, padding=(0, 0, 0, 0)):
    """Each channel of the tensor image x (…, C, H, W) convolved with the 2-D kernel (kh, kw ndarray; correlation,
    as conv2d), after reflect padding (left, right, top, bottom): (…, C, H + top + bottom − kh + 1, W + ...). Computed
    in x's dtype if float, else float32, and then rounded and cast back to x's integer dtype, as torchvision's."""
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    leading, (height, width) = tuple(x.shape[:-2]), tuple(x.shape[-2:])
    planes = x.reshape(-1, 1, height, width).to(dtype)  # every channel of every image alike: one depthwise kernel
    if any(padding):
        planes = F.pad(planes, tuple(padding), mode="reflect")
    out = F.conv2d(planes, ag.from_numpy(np.asarray(kernel, dtype)[None, None]))
    out = out.reshape(*leading, *out.shape[-2:])
    return out if x.dtype.kind == "f" else out.round().to(x.dtype)


def _gaussian_kernel1d(size, sigma):
    """size samples of exp(−x² / 2σ²) at x = −(size − 1)/2 … (size − 1)/2, summing to 1."""
    half = (size - 1) * 0.5
    density = np.exp(-0.5 * (np.linspace(-half, half, size) / sigma) ** 2)
    return density / density.sum()


def _kernel_sizes(kernel_size):
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, (numbers.Integral, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, numbers.Integral):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for size in kernel_size:
        if not isinstance(size, numbers.Integral) or size % 2 == 0 or size < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    return [int(size) for size in kernel_size]


def _sigmas(sigma, kernel_size):
    if sigma is None:
        return [size * 0.15 + 0.35 for size in kernel_size]  # torchvision's default for a given kernel
    if isinstance(sigma, bool) or not isinstance(sigma, (numbers.Real, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    sigma = [float(sigma)] * 2 if isinstance(sigma, numbers.Real) else list(sigma)
    if len(sigma) == 1:
        sigma = sigma * 2
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    if any(s <= 0.0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    return [float(s) for s in sigma]


def gaussian_blur(img, kernel_size, sigma=None):
    """The image blurred by a Gaussian: kernel_size (kx, ky) odd positive ints (an int for both; x along the width),
    sigma (σx, σy) positive (one number for both; None: 0.35 + 0.15 · size, torchvision's default). The kernel is the
    outer product of the two normalised 1-D Gaussians; the image is padded by reflection (size // 2 each side, which
    must be less than the image's side) so the output has the input's size. Integer images are blurred in float32
    and rounded back. An image array is blurred the same way (torchvision converts a PIL image to a tensor too)."""
    kernel_size = _kernel_sizes(kernel_size)
    sigma = _sigmas(sigma, kernel_size)
    tensor, as_input_kind = _as_tensor_image(img, "gaussian_blur")
    kernel = np.outer(_gaussian_kernel1d(kernel_size[1], sigma[1]), _gaussian_kernel1d(kernel_size[0], sigma[0]))
    half_x, half_y = kernel_size[0] // 2, kernel_size[1] // 2
    return as_input_kind(convolve_channels(tensor, kernel, (half_x, half_x, half_y, half_y)))
