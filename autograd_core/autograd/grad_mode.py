"""torch.autograd.grad_mode: the grad-mode switches (modes.py), per thread as in PyTorch."""

from ..modes import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ..tensor import inference_mode

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]
