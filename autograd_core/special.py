"""torch.special: PyTorch's special functions under their torch.special names.

    import autograd_core as torch
    torch.special.gammainc(a, x)          # the regularized lower incomplete gamma function P(a, x)

Every function is the core's own (ops/special_functions.py, ops/special.py, ops/reduce.py), differentiable where
PyTorch's is, elementwise with broadcasting unless its docstring says otherwise.
"""

from __future__ import annotations

from .ops.special import expm1, log1p, round  # noqa: F401, A004
from .ops.special_functions import digamma, erf, erfinv, igamma as gammainc, igammac as gammaincc  # noqa: F401
from .ops.special_functions import lgamma as gammaln  # noqa: F401
from .tensor import log_softmax as _log_softmax
from .tensor import logsumexp as _logsumexp
from .tensor import polygamma  # noqa: F401
from .tensor import softmax as _softmax

psi = digamma


def softmax(input, dim, *, dtype=None):
    """exp(input) / Σ exp(input) along `dim` (torch.special.softmax: dim is required)."""
    return _softmax(input if dtype is None else _as_dtype(input, dtype), dim)


def log_softmax(input, dim, *, dtype=None):
    """log softmax(input) along `dim`, computed without underflow (torch.special.log_softmax)."""
    return _log_softmax(input if dtype is None else _as_dtype(input, dtype), dim)


def logsumexp(input, dim, keepdim=False):
    """log Σ exp(input) over `dim` (an int or a tuple of ints), without overflow (torch.special.logsumexp)."""
    return _logsumexp(input, dim, keepdim)


def _as_dtype(x, dtype):
    from .value import Value

    return (x if isinstance(x, Value) else Value(x)).to(dtype)


__all__ = ["digamma", "erf", "erfinv", "expm1", "gammainc", "gammaincc", "gammaln", "log1p", "log_softmax",
           "logsumexp", "polygamma", "psi", "round", "softmax"]
