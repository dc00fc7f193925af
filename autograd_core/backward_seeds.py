"""The gradient a backward pass starts from at each root (`_seed_gradient`): 1 for a scalar output, else the caller's
`gradient=` checked against the root's shape and copied in its dtype (never the caller's own array or Value), carried
as its conjugate for complex data (`conjugate_gradient`, ops/complex.py).
"""

from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .modes import enable_grad
from .sparse_array import SparseArray
from .value import Value


_SCALAR_ONES = {t: t(1) for t in (np.float16, np.float32, np.float64, np.longdouble)}


def _seed_gradient(root, gradient, create_graph, index=0):
    if gradient is None:
        if root.data.size != 1:
            raise ShapeError(
                f"grad can be implicitly created only for scalar outputs (backward: output of shape {root.shape} is "
                f"not a scalar; pass `gradient=` with the output's shape (e.g. np.ones({root.shape})) or reduce it "
                "first (e.g. .sum()))"
            )
        data = root.data
        seed = _SCALAR_ONES.get(data.__class__)  # a loss is a NumPy scalar: its 1, made once per type (immutable)
        if seed is None:
            seed = data.dtype.type(1) if data.ndim == 0 else np.ones_like(data)
    else:
        seed = gradient.data if isinstance(gradient, Value) and not create_graph else gradient
        seed_shape = np.shape(seed)
        if seed_shape != root.shape:
            raise ShapeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of torch.Size({list(seed_shape)}) and "
                f"output[{index}] has a shape of torch.Size({list(root.shape)}). (backward: gradient of shape "
                f"{seed_shape} does not match output of shape {root.shape})"
            )
        if seed.__class__ is SparseArray:  # a sparse gradient (PyTorch's `y.backward(s.to_sparse())`): it stays sparse
            seed = seed.astype(root.dtype)  # (new values: .grad must not alias the caller's)
        elif not isinstance(seed, Value):
            # A copy (it becomes .grad, which must not alias the caller's array) in the output's dtype, as PyTorch
            # converts it: the pass takes every gradient it hands on to have its node's dtype (defelementwise).
            seed = np.array(seed, dtype=root.dtype)
            if seed.ndim == 0:
                seed = seed[()]
    if root.data.dtype.kind == "c":
        if gradient is None:
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {root.dtype}")
        seed = conjugate_gradient(seed)  # PyTorch's gradient in, its conjugate carried by the pass (ops/complex.py)
    if create_graph:
        if not isinstance(seed, Value):
            seed = Value(seed, requires_grad=False)
        elif seed is gradient:  # the caller's Value: a clone (recorded), as PyTorch's AccumulateGrad clones under
            with enable_grad():  # create_graph, so that .grad (of a leaf root, or one it passes through) is not it
                seed = seed.clone()
    return seed


def conjugate_gradient(g):
    from .ops.complex import conjugate_gradient

    return conjugate_gradient(g)
