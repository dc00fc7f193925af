"""PyTorch's `torch.cuda.amp`: the deprecated names of `torch.amp`'s autocast and GradScaler fixed to "cuda", which is
not here: each warns as PyTorch's (a FutureWarning naming the new spelling), then autocast is disabled and an
enabled GradScaler disables itself, each with PyTorch's UserWarning. custom_fwd/custom_bwd as torch.amp's for
"cuda"."""

from ..amp import _CudaAutocast as autocast, _CudaGradScaler as GradScaler, _cuda_custom_bwd as custom_bwd, \
    _cuda_custom_fwd as custom_fwd

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]
