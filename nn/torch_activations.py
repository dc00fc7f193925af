"""torch.rrelu and torch.rrelu_ (PyTorch's top-level functions, whose last argument is a `generator`, where
nn.functional's rrelu takes `inplace`): `autograd_core.rrelu` loads them from here on first use, as the core does not
import nn."""

from __future__ import annotations

from .activation_more import rrelu as _rrelu
from .activation_more import rrelu_ as _rrelu_


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """nn.functional.rrelu(input, lower, upper, training) with its slopes drawn from `generator` (see rrelu's rng)."""
    return _rrelu(input, lower, upper, training, rng=generator)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """rrelu in place: input changed and returned (slopes drawn from `generator`)."""
    return _rrelu_(input, lower, upper, training, rng=generator)
