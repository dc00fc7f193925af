"""The special functions the distributions use: erf, erfinv, lgamma, polygamma and digamma (core primitives:
ops/special_functions.py), and softplus (a primitive here)."""

from __future__ import annotations

import numpy as np

from ..ops.elementwise import sigmoid
from ..ops.index import as_value
from ..ops.primitive import primitive
from ..ops.special_functions import digamma, erf, erfinv, lgamma, polygamma  # noqa: F401


@primitive("distributions_softplus")
def _softplus(x):
    """log(1 + exp(x)) elementwise, without overflow (np.logaddexp(0, x))."""
    return np.logaddexp(np.zeros((), dtype=x.dtype if x.dtype.kind == "f" else np.float64), x)[()]


# d softplus(x)/dx = σ(x), itself differentiable: one smooth rule. (As logaddexp(0, x) = max(0, x) +
# log1p(exp(−|x|)), two kinks cancel at x = 0, and the second derivative there came out 0, not σ'(0) = 1/4.)
_softplus.defvjp(lambda g, out, x: g * sigmoid(x), formulas=("g⊙σ(x)",))
_softplus.defjvp_elementwise()


def softplus(x):
    """log(1 + exp(x)), without overflow, with every derivative (σ(x), σ(x)(1 − σ(x)), ...) smooth at 0."""
    return _softplus(as_value(x))
