"""The primitive operations, each with its derivative. `PRIMITIVES` lists them all by name."""

from .primitive import PRIMITIVES, Primitive, primitive  # noqa: F401
from .elementwise import (  # noqa: F401
    abs, add, clip, cos, data_of, div, exp, leaky_relu, log, maximum, minimum, mul, neg, pow, relu,
    sigmoid, sin, sqrt, sub, tanh, where, number_like,
)
from .reduce import logsumexp, log_softmax, max, mean, min, prod, softmax, std, sum, var  # noqa: F401
from .shape import (  # noqa: F401
    astype, broadcast_to, clone, concatenate, getitem, reshape, scatter_add, stack, sum_to, swapaxes,
    transpose,
)
from .linalg import matmul  # noqa: F401
from .nondifferentiable import nondifferentiable, without_gradient  # noqa: F401
from . import einsum, index, pieces, scan, special, special_functions  # noqa: F401  (PyTorch's gather, split, cumsum,
# sort, einsum, erf, ...)
from . import arith, arrange, norms, products, promotion, sampling, stats  # noqa: F401  (PyTorch's movedim, tensor_split, kron, cdist, ...)
# Every module that registers primitives is imported here, so PRIMITIVES is complete once `ops` is (the linalg
# decompositions' primitives too, although autograd_core.linalg itself loads on first use).
from . import decompositions, eig, lu, special_more  # noqa: F401
from . import bits, scatters, sets  # noqa: F401  (bitwise, scatter_reduce, isin, ...: torch surface gaps)
from . import strided  # noqa: F401  (torch.as_strided, as_strided_scatter)
from . import clamp_bounds  # noqa: F401  (torch.clamp with Value bounds, differentiable in them)
from . import finite_differences  # noqa: F401  (torch.gradient: a composition, no primitives of its own)
from . import fft  # noqa: F401  (the transforms behind torch.fft, fft.py)
from . import complex  # noqa: F401  (real, imag, conj, angle, polar, view_as_real, ...; the gate of the others)
from . import sparse  # noqa: F401  (the sparse COO layout's primitives; autograd_core.sparse is PyTorch's namespace)
from . import sparse_compressed  # noqa: F401  (CSR, CSC, BSR, BSC: conversions to and from COO)
