"""`torch.nn.utils.stateless`: `functional_call` under its older PyTorch address (the same function as
`autograd_core.nn.stateless.functional_call` and `autograd_core.func.functional_call`)."""

from ..stateless import functional_call

__all__ = ["functional_call"]
