"""`torch.nn.attention.sdpa_kernel`: which kernels scaled_dot_product_attention may use inside a `with` block.

    from torch.nn.attention import SDPBackend, sdpa_kernel
    with sdpa_kernel(SDPBackend.MATH):
        out = F.scaled_dot_product_attention(q, k, v)

The switches are torch.backends.cuda's (`math_sdp_enabled()`, ...). Here, as in PyTorch on the CPU, MATH and
FLASH_ATTENTION run (both the same composition here); a block that allows neither (EFFICIENT_ATTENTION,
CUDNN_ATTENTION, OVERRIDEABLE, ERROR or nothing) makes scaled_dot_product_attention raise PyTorch's RuntimeError.
"""

from __future__ import annotations

import contextlib

from autograd_core.backends import cuda as _switches
from autograd_core.backends.cuda import SDPBackend

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False  # PyTorch's switch for warnings about why a fused kernel was not used: none here

_SETTERS = {SDPBackend.CUDNN_ATTENTION: (_switches.enable_cudnn_sdp, _switches.cudnn_sdp_enabled),
            SDPBackend.FLASH_ATTENTION: (_switches.enable_flash_sdp, _switches.flash_sdp_enabled),
            SDPBackend.EFFICIENT_ATTENTION: (_switches.enable_mem_efficient_sdp, _switches.mem_efficient_sdp_enabled),
            SDPBackend.MATH: (_switches.enable_math_sdp, _switches.math_sdp_enabled)}


def _enabled_backends():
    return [backend for backend, (_, enabled) in _SETTERS.items() if enabled()]


def _enable_only(backends):
    for backend, (enable, _) in _SETTERS.items():
        enable(backend in backends)


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Allow only `backends` (an SDPBackend or a list of them) for scaled_dot_product_attention inside the block;
    the previous switches come back on leaving it. Yields {} (PyTorch's). set_priority (the order of a list as
    the kernels' priority) is accepted: the one kernel that runs here has no rival. AssertionError (PyTorch's) for
    anything but an SDPBackend or a list."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
                             f"{type(backends).__name__}")
    backends = [backends] if isinstance(backends, SDPBackend) else list(dict.fromkeys(backends))
    previous = _enabled_backends()
    try:
        _enable_only(backends)
        yield {}
    finally:
        _enable_only(previous)
