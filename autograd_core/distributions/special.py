"""The special functions the distributions use: erf, erfinv, lgamma, polygamma and digamma (core primitives:
ops/special_functions.py), and softplus."""

from __future__ import annotations

from ..ops.special import logaddexp
from ..ops.special_functions import digamma, erf, erfinv, lgamma, polygamma  # noqa: F401


def softplus(x):
    """log(1 + exp(x)), without overflow: logaddexp(0, x), whose derivative is sigmoid(x)."""
    return logaddexp(0.0, x)
