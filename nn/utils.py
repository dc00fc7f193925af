"""`torch.nn.utils`'s gradient clipping under its PyTorch address: `nn.utils.clip_grad_norm_(model.parameters(),
1.0)`. The implementations live in `autograd_core.optim` (optim/clip.py), where this project documents them."""

from __future__ import annotations


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients so that their joint norm is at most max_norm; returns the norm before clipping
    (see `autograd_core.optim.clip_grad_norm_`)."""
    from autograd_core.optim import clip_grad_norm_ as clip

    return clip(parameters, max_norm, norm_type=norm_type, error_if_nonfinite=error_if_nonfinite)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value] (see `autograd_core.optim.clip_grad_value_`)."""
    from autograd_core.optim import clip_grad_value_ as clip

    return clip(parameters, clip_value)
