"""`torch.nn.utils.stateless`: `functional_call` under its older PyTorch address, with that address's argument name
(`parameters_and_buffers`; `autograd_core.nn.stateless.functional_call` and `autograd_core.func.functional_call` are
torch.func's, whose second argument is `parameter_and_buffer_dicts`)."""

from .. import stateless as _stateless

__all__ = ["functional_call"]


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the parameters and buffers named in `parameters_and_buffers` (a dict from dotted
    names to Values or arrays, or a sequence of such dicts) replaced; see `autograd_core.nn.stateless.functional_call`
    for the details."""
    return _stateless.functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights,
                                      strict=strict)
