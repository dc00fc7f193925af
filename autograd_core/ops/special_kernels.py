"""NumPy kernels of the special functions (forward values only, float64 in and out, any shape); the primitives
that pair them with their derivatives are in special_functions.py."""

from __future__ import annotations

import math

import numpy as np

lgamma_kernel = np.vectorize(math.lgamma, otypes=[np.float64])
