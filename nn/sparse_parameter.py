"""`nn.Parameter` of a sparse tensor (COO, CSR, CSC, BSR, BSC), as PyTorch's: `nn.Parameter(s)` keeps s's layout.

A Parameter is a Value subclass and a sparse tensor is another (sparse_tensor.py, compressed_tensor.py: a Value whose
data is sparse, with sparse methods); a sparse parameter is both, so modules register it (`isinstance(p, Parameter)`),
optimizers step it (SGD: optim/sgd.py) and its methods, `.grad` and repr are the sparse tensor's. `Parameter.__new__`
(nn/module.py) picks the class from the data's layout. The state dict's entry of a sparse parameter is a detached
sparse tensor sharing its data (PyTorch's), and `load_state_dict` copies one in with PyTorch's `copy_` rules
(`load_sparse`).
"""

from __future__ import annotations

import numpy as np

from autograd_core import Value
from autograd_core.compressed_tensor import CompressedTensor
from autograd_core.sparse_array import SparseArray, SparseData
from autograd_core.sparse_compressed import BACKEND
from autograd_core.sparse_tensor import SparseTensor

from .module import Parameter


def _init_sparse(self, data, dtype=None, label=None, *, requires_grad=True):
    # PyTorch's Parameter(s): s's indices and values shared (the sparse data never changes in place), a leaf
    if isinstance(dtype, bool):  # PyTorch's second positional argument
        dtype, requires_grad = None, dtype
    if dtype is not None:
        data = data.to(dtype)
    if data.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")  # PyTorch's
    Value.__init__(self, np.float64(0.0), requires_grad=bool(requires_grad), label=label)  # the engine's slots...
    self.data = data.data  # ...then the sparse data


class SparseParameter(Parameter, SparseTensor):
    """nn.Parameter(sparse COO tensor): a leaf Parameter with a SparseArray as its data."""

    __slots__ = ()
    __init__ = _init_sparse

    def __repr__(self):
        return "Parameter containing:\n" + SparseTensor.__repr__(self)


class CompressedParameter(Parameter, CompressedTensor):
    """nn.Parameter(CSR, CSC, BSR or BSC tensor): a leaf Parameter with a CompressedArray as its data."""

    __slots__ = ()
    __init__ = _init_sparse

    def __repr__(self):
        return "Parameter containing:\n" + CompressedTensor.__repr__(self)


def parameter_class(data):
    """The Parameter class for `data` (the argument of nn.Parameter): a sparse one for a sparse tensor, else None."""
    if isinstance(data, SparseTensor):
        return SparseParameter
    if isinstance(data, CompressedTensor):
        return CompressedParameter
    return None


def _type_name(data):
    # PyTorch's legacy names in its copy_ error: torch.FloatTensor, torch.sparse.FloatTensor
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "complex64": "ComplexFloat",
             "complex128": "ComplexDouble"}
    kind = "torch.sparse." if data.__class__ is SparseArray else "torch."
    return f"{kind}{names.get(np.dtype(data.dtype).name, np.dtype(data.dtype).name)}Tensor"


def _copy_refusal(current, new):
    """PyTorch's copy_ error for copying `new` into a parameter holding `current` (either sparse), or None when it
    copies."""
    current_kind = "coo" if current.__class__ is SparseArray else "dense" if not isinstance(current, SparseData) \
        else "compressed"
    new_kind = "coo" if new.__class__ is SparseArray else "dense" if not isinstance(new, SparseData) else "compressed"
    if "dense" in (current_kind, new_kind) and "compressed" not in (current_kind, new_kind):
        return (f"copy_() between dense and sparse Tensors is not implemented! Found self type = "
                f"{_type_name(current)} and src type = {_type_name(new)}")
    if current_kind == "compressed":
        if new_kind != "compressed" or new.layout is not current.layout:
            source = "Strided" if new_kind == "dense" else BACKEND[new.layout] if new_kind == "compressed" else "Sparse"
            return (f"torch.copy_: copy of sparse compressed tensors having different layouts is not supported. self "
                    f"layout is {BACKEND[current.layout]} and src layout is {source}")
        if new.nnz != current.nnz:
            return ("torch.copy_: only sparse compressed tensors with the same number of specified elements are "
                    "supported.")
        return None
    if new_kind == "compressed":
        return "copy_sparse_compressed_ expected sparse compressed tensor layout but got Sparse"
    return None


def load_sparse(module_name, key, current, value):
    """The data to store in a parameter holding `current` (sparse, or dense with a sparse checkpoint `value`) from the
    state dict's `value` (a sparse tensor, or data), as PyTorch's `param.copy_(value)`: the checkpoint's indices and
    values in the parameter's dtype. Raises PyTorch's RuntimeError where its copy_ refuses (a layout change, a
    compressed tensor of another nnz) or the shapes differ; nothing is changed then."""
    new = value.data if isinstance(value, Value) else value
    if not isinstance(new, SparseData):
        new = np.asarray(new)
    shape_here, shape_there = tuple(np.shape(current)), tuple(new.shape)
    if shape_here != shape_there:
        raise RuntimeError(f"Error(s) in loading state_dict for {module_name}:\n\tsize mismatch for {key}: copying a "
                           f"param with shape torch.Size({list(shape_there)}) from checkpoint, the shape in current "
                           f"model is torch.Size({list(shape_here)}).")
    refusal = _copy_refusal(current, new)
    if refusal is not None:
        size = f"torch.Size({list(shape_here)})"
        raise RuntimeError(f"Error(s) in loading state_dict for {module_name}:\n\tWhile copying the parameter named "
                           f"\"{key}\", whose dimensions in the model are {size} and whose dimensions in the "
                           f"checkpoint are {size}, an exception occurred : ('{refusal}',).")
    return new if new.dtype == current.dtype else new.astype(current.dtype)
