"""`torch.autograd.function`'s names: `Function`, `FunctionCtx`, `once_differentiable` (defined in the autograd
package; this module is where PyTorch code imports them from: `from torch.autograd.function import
once_differentiable`)."""

from . import Function, FunctionCtx, once_differentiable

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
