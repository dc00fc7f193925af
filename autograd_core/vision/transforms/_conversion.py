"""to_pil_image: a tensor image (or an image array) as the image array that stands for torchvision's PIL image.

torchvision's `to_pil_image` turns a tensor (C, H, W) into a PIL image: a float tensor is scaled by 255 and truncated
to uint8 (`pic.mul(255).byte()`), the channels move last, and the PIL mode follows from the channel count and dtype.
Here an image array is what a PIL image is elsewhere in this package, so the result is that H×W×C array (H×W for one
channel, as PIL's "L" image reads back): `np.asarray(to_pil_image(x))` is the same array in both libraries. The mode
is checked as torchvision checks it (the same errors), and then only names the layout the array already has.
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value

_MODES_BY_CHANNELS = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
_INPUT_NAMES = {2: "2D", 3: "3D", 4: "4D"}  # torchvision's words for 2-, 3- and 4-channel inputs
_SINGLE_CHANNEL_MODES = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                         np.dtype(np.float32): "F"}


def _hwc_pixels(pic, mode):
    """pic as an H×W×C ndarray: a tensor (C, H, W) or (H, W) moved channels-last, a float one scaled to uint8 first
    (mode "F" keeps the floats); an ndarray H×W or H×W×C as it is."""
    if isinstance(pic, Value):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        chw = pic.detach().numpy()
        chw = chw[None] if chw.ndim == 2 else chw
        if chw.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {chw.shape[-3]} channels.")
        if chw.dtype.kind in "fc" and mode != "F":
            # torchvision's pic.mul(255).byte(): scaled in the tensor's own dtype, truncated towards zero
            chw = (chw * np.asarray(255, chw.dtype)).astype(np.uint8)
        return np.transpose(chw, (1, 2, 0))
    if not isinstance(pic, np.ndarray) and hasattr(pic, "__array_interface__"):
        pic = np.asarray(pic)  # a PIL image already: its pixels
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    hwc = pic[:, :, None] if pic.ndim == 2 else pic
    if hwc.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {hwc.shape[-1]} channels.")
    return hwc


def to_pil_image(pic, mode=None):
    """A tensor image (C, H, W) or (H, W), or an image array H×W or H×W×C, as an image array: uint8 H×W×C (H×W for one
    channel), what a PIL image is in this package. A float tensor becomes `(x * 255)` truncated to uint8, as
    torchvision's (values are expected in [0, 1]); mode "F" keeps a float32 single channel. `mode` is checked against
    the channels and dtype as torchvision checks it; None picks torchvision's default ("L", "LA", "RGB", "RGBA")."""
    hwc = _hwc_pixels(pic, mode)
    channels = hwc.shape[2]
    if channels == 1:
        expected_mode = _SINGLE_CHANNEL_MODES.get(hwc.dtype)
        if mode is not None and mode != expected_mode:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected_mode}")
        mode, pixels = expected_mode, hwc[:, :, 0]
    else:
        permitted = _MODES_BY_CHANNELS[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {_INPUT_NAMES[channels]} inputs")
        if mode is None and hwc.dtype == np.uint8:
            mode = permitted[0]
        pixels = hwc
    if mode is None:
        raise TypeError(f"Input type {hwc.dtype} is not supported")
    return np.ascontiguousarray(pixels)
