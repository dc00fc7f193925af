"""PyTorch's `torch.cpu.amp`: the deprecated names of `torch.amp.autocast("cpu", ...)` and `torch.amp.GradScaler(
"cpu", ...)`, each warning as PyTorch's (a FutureWarning naming the new spelling)."""

from ..amp import _CpuAutocast as autocast, _CpuGradScaler as GradScaler

__all__ = ["autocast", "GradScaler"]
