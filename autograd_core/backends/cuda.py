"""`torch.backends.cuda`: CUDA's switches, kept and unused (there is no CUDA here: `is_built()` is False), and the
switches of scaled_dot_product_attention's kernels (which `torch.nn.attention.sdpa_kernel` sets)."""

import enum


class matmul:  # noqa: N801  (PyTorch's torch.backends.cuda.matmul: `matmul.allow_tf32 = True`)
    """The matrix-product switches (nanoGPT's `torch.backends.cuda.matmul.allow_tf32 = True`): kept, unused."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


def is_built():
    """False: this library is not built with CUDA."""
    return False


# Scaled dot-product attention's kernels (`torch.nn.attention.sdpa_kernel` switches them). The CPU has two here, as in
# PyTorch: MATH (the formula, nn.attention's composition) and FLASH_ATTENTION (PyTorch's fused CPU kernel, which
# computes the same formula: it runs the same composition here). The memory-efficient and cuDNN kernels are CUDA's:
# enabled alone, they leave scaled_dot_product_attention no kernel, as in PyTorch on the CPU.
class SDPBackend(enum.Enum):
    """The kernels of scaled_dot_product_attention (torch.nn.attention.SDPBackend)."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self):
        return self.value


_SDP_ENABLED = {SDPBackend.CUDNN_ATTENTION: True, SDPBackend.FLASH_ATTENTION: True,
                SDPBackend.EFFICIENT_ATTENTION: True, SDPBackend.MATH: True}
_ON_THE_CPU = (SDPBackend.MATH, SDPBackend.FLASH_ATTENTION)


def _switch(backend, enabled):
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool, got {type(enabled).__name__}")
    _SDP_ENABLED[backend] = enabled


def enable_math_sdp(enabled):
    """Allow (True) or forbid scaled_dot_product_attention's math kernel."""
    _switch(SDPBackend.MATH, enabled)


def enable_flash_sdp(enabled):
    """Allow (True) or forbid the flash-attention kernel (on the CPU: the same computation as math)."""
    _switch(SDPBackend.FLASH_ATTENTION, enabled)


def enable_mem_efficient_sdp(enabled):
    """Allow (True) or forbid the memory-efficient kernel (CUDA's: never used here)."""
    _switch(SDPBackend.EFFICIENT_ATTENTION, enabled)


def enable_cudnn_sdp(enabled):
    """Allow (True) or forbid the cuDNN kernel (never used here)."""
    _switch(SDPBackend.CUDNN_ATTENTION, enabled)


def math_sdp_enabled():
    """Whether the math kernel is allowed (True unless switched off)."""
    return _SDP_ENABLED[SDPBackend.MATH]


def flash_sdp_enabled():
    """Whether the flash-attention kernel is allowed (True unless switched off)."""
    return _SDP_ENABLED[SDPBackend.FLASH_ATTENTION]


def mem_efficient_sdp_enabled():
    """Whether the memory-efficient kernel is allowed (True unless switched off)."""
    return _SDP_ENABLED[SDPBackend.EFFICIENT_ATTENTION]


def cudnn_sdp_enabled():
    """Whether the cuDNN kernel is allowed (True unless switched off)."""
    return _SDP_ENABLED[SDPBackend.CUDNN_ATTENTION]


def check_sdp_kernel_available():
    """RuntimeError (PyTorch's) unless a kernel that runs on the CPU, math or flash attention, is allowed: what
    scaled_dot_product_attention asks before computing."""
    if not any(_SDP_ENABLED[backend] for backend in _ON_THE_CPU):
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")
