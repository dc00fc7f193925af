"""`GradArray`: what `v.grad` gives back, an ndarray that also answers PyTorch's gradient idioms; and
`ParameterArray`, a Parameter's `.data`, which answers the same tensor methods (see its docstring).

    loss.backward()
    w.grad.zero_()                  # PyTorch's way to reset a gradient in place (as w.grad = None does)
    p.grad.data, p.grad.add_(g)     # .data is the array itself; add_/mul_/clamp_ change it in place

A gradient is a NumPy array: arithmetic, indexing and every NumPy function treat it as one. Arithmetic and
elementwise functions of gradients and numbers only (`lr * p.grad`, `g ** 2`, `-g`, `g.abs()`) give GradArrays, as
PyTorch's give tensors (the lectures' `((lr*p.grad).std() / p.data.std()).log10()`); with another array among the
inputs (`p.data - lr * p.grad`, a Value's data) the result is a plain ndarray, and NumPy's reductions give NumPy
scalars, so the class never spreads into parameters or a graph's data. The engine stores plain arrays;
`Value.grad` (a property) turns the stored array into a GradArray view (same memory) the first time it is read.
The gradient of a 0-d Value stays a NumPy scalar, a float like its data (micrograd's code formats and compares it
as one).

Differences from NumPy, on these two classes only: `.data` is the array itself (NumPy's `.data` is a memoryview
of the buffer, which PyTorch code such as `p.data -= lr * p.grad.data` would silently misuse), and the
PyTorch methods below exist. A leaf's gradient is an array of its own (the engine copies where needed), so
changing it in place changes no other Value's gradient.

PyTorch's other tensor methods, the ones NumPy's ndarray does not have, work on a gradient as on a Value that
holds it without a gradient of its own (PyTorch's `p.grad` is such a tensor), and give what that Value's
method gives: `p.grad.view(-1)`, `.pow(2).sum().sqrt()`, `.unsqueeze(0)`, `.float()`, `.numel()`, `.size()`,
`.isnan().any()`, `.masked_fill(m, 0)` return Values (or numbers); the in-place ones (`neg_`, `sqrt_`,
`normal_`, `masked_fill_`, ...) change the gradient and return it. Where NumPy has a method of the same name
it keeps NumPy's meaning (`g.sum()`, `g.max(0)`, `g.repeat(2)` are NumPy's), except where PyTorch's spelling
cannot be NumPy's: `dim=`/`keepdim=` (`g.sum(dim=0)`, `g.max(dim=1)` -> (values, indices)), `g.view(shape)`,
`g.size()`, `g.transpose(0, 1)` (which swaps the two dims, as PyTorch does; NumPy's would leave a matrix as
it is), and `g.norm(dim=...)`. `std()` and `var()` are PyTorch's (unbiased) unless given NumPy's keywords.
"""

from __future__ import annotations

import functools

import numpy as np

from .tensor_methods import CallableSize, _is_dim


def _is_out(array, context):
    """Whether `array` was an input of the ufunc call (so it is the out= array, not a result NumPy made)."""
    return any(a is array for a in context[1])


def _plain(x):
    return np.asarray(x.data) if hasattr(x, "requires_grad") else x  # a Value -> its data, else unchanged


_NUMPY_KEYWORDS = frozenset(("axis", "ddof", "keepdims", "dtype", "out"))


def _value_class():
    from .value import Value  # value.py imports this module

    return Value


def _of_gradients_and_numbers(inputs):
    """Whether a ufunc's inputs are GradArrays and numbers only (no other array)."""
    for x in inputs:
        if isinstance(x, np.ndarray) and x.__class__ is not GradArray:
            return False
    return True


def _as_value(gradient):
    """A Value holding the gradient's memory (not a copy), without a gradient of its own."""
    array = gradient.view(np.ndarray)
    return _value_class()(array, requires_grad=False, dtype=array.dtype)


# Value's names that are about a node of a graph, which a gradient array is not: not answered through a Value.
_NOT_A_GRADIENTS = frozenset((
    "backward", "register_hook", "register_post_accumulate_grad_hook", "retain_grad", "retains_grad", "zero_grad",
    "scope", "op", "parents", "primitive", "saved_params", "creation_index", "label", "is_parameter"))
_TORCH_KEYWORDS = frozenset(("dim", "keepdim"))


def _is_shape(args, kwargs):
    """Whether view's arguments are PyTorch's (sizes: view(2, -1), view((2, -1)), view(size=...)), not NumPy's
    (a dtype or an ndarray class)."""
    if "size" in kwargs:
        return True
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return bool(args) and all(_is_dim(a) for a in args)


def _numpy_unless_torch_keywords(name):
    """The ndarray method `name`, or, called with PyTorch's dim=/keepdim=, the Value method (a Value, or for
    max/min (values, indices)). np.sum(g) and the like call the method with NumPy's keywords: NumPy's."""
    numpy_method = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        if _TORCH_KEYWORDS.intersection(kwargs):
            return getattr(_as_value(self), name)(*args, **kwargs)
        return numpy_method(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"NumPy's `{name}`; with PyTorch's dim=/keepdim=, `Value.{name}` of the gradient (a Value).")
    return method


class _TensorMethods:
    """What GradArray and ParameterArray add to an ndarray: PyTorch's in-place methods (`zero_`, `fill_`, `copy_`,
    `add_`, ... and, through a Value holding the array's memory, every other `*_` method such as `normal_`), the
    other tensor methods that ndarray lacks (answered by that Value), and NumPy's repr."""

    def __repr__(self):  # NumPy's repr: a gradient or a parameter's data prints as the array it is
        return repr(self.view(np.ndarray))

    @property
    def data(self):
        """The array itself (PyTorch's `p.grad.data`, `state_dict()[name].data`), not NumPy's memoryview."""
        return self

    @property
    def size(self):
        """The number of elements (NumPy's `a.size`, an int), also callable as PyTorch's `a.size()` -> the shape
        and `a.size(dim)` -> one dimension's length (the PyTorch tutorial's `model.state_dict()[name].size()`)."""
        return CallableSize(np.ndarray.size.__get__(self), self.shape)

    def numpy(self):
        """The array as a plain ndarray (sharing memory)."""
        return self.view(np.ndarray)

    def detach(self):
        return self

    def clone(self, *, memory_format=None):
        """A copy of the same class (PyTorch's `p.grad.clone()` or `p.data.clone()`, then `.detach()`, `.cpu()`,
        ...). memory_format: PyTorch's, accepted (the copy is in C order)."""
        if memory_format is not None:
            from .tensor_attributes import check_memory_format

            check_memory_format(memory_format, "clone")
        return np.array(self, copy=True, subok=True)

    def cpu(self):
        """The array itself (it is in the CPU's memory), as PyTorch's `.cpu()` of a CPU tensor."""
        return self

    def detach_(self):
        return self

    def __getattr__(self, name):
        # Reached only for names that neither ndarray nor this class has: PyTorch's other tensor methods.
        Value = _value_class()
        if name.startswith("_") or name in _NOT_A_GRADIENTS or not hasattr(Value, name):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        if not callable(getattr(Value, name)):  # a property: is_leaf, grad_fn, requires_grad, is_cuda, ...
            return getattr(_as_value(self), name)
        if name.endswith("_"):
            return functools.partial(self._in_place_through_value, name)
        return getattr(_as_value(self), name)

    def _in_place_through_value(self, name, *args, **kwargs):
        """a.<name>_(...) as Value's in-place method on a Value holding a's memory; returns a."""
        value = _as_value(self)
        result = getattr(value, name)(*args, **kwargs)
        if np.shape(value.data) != self.shape:  # unsqueeze_, t_, ...: an ndarray keeps its shape
            raise RuntimeError(f"{name}(): a {type(self).__name__} cannot change its shape in place; use the method "
                               f"without the underscore ({name[:-1]}), which returns a new Value")
        if not np.shares_memory(value.data, self):  # the method gave the Value a new array: its numbers are g's
            np.copyto(self, value.data, casting="same_kind")
        return self if result is value else result

    def tolist(self):
        return self.view(np.ndarray).tolist()

    def view(self, *args, **kwargs):
        """PyTorch's view(*sizes) (a Value sharing the array's memory) when given sizes, which NumPy's view never
        takes: `p.grad.view(-1)`, a buffer's `self.freqs_cos[:T].view(1, T, 1, D)`; NumPy's view(dtype or type)
        otherwise."""
        if _is_shape(args, kwargs):
            return _as_value(self).view(*args, **kwargs)
        return np.ndarray.view(self, *args, **kwargs)

    def zero_(self):
        """Set every element to 0, in place; returns self."""
        self[...] = 0
        return self

    def fill_(self, value):
        self[...] = _plain(value)
        return self

    def copy_(self, src):
        np.copyto(self, _plain(src), casting="unsafe")
        return self

    def add_(self, other, alpha=1):
        """self += alpha * other, in place; returns self. alpha as PyTorch checks it: a float alpha needs a float
        array, a bool alpha a bool one (RuntimeError otherwise)."""
        other = _plain(other)
        if alpha.__class__ is not int or alpha != 1:
            other = _arith().times_alpha("add_", self.dtype, other, alpha)
        np.add(self, other, out=self, casting="same_kind")
        return self

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place; returns self. alpha as in add_; a bool array or operand raises, as
        PyTorch's subtraction does."""
        other = _plain(other)
        _arith().refuse_bool_subtraction("sub_", self, other)
        if alpha.__class__ is not int or alpha != 1:
            other = _arith().times_alpha("sub_", self.dtype, other, alpha)
        np.subtract(self, other, out=self, casting="same_kind")
        return self

    def mul_(self, other):
        np.multiply(self, _plain(other), out=self, casting="same_kind")
        return self

    def div_(self, other):
        np.true_divide(self, _plain(other), out=self, casting="same_kind")
        return self

    def clamp_(self, min=None, max=None):
        np.clip(self, min, max, out=self)
        return self


class GradArray(_TensorMethods, np.ndarray):
    """A gradient: an ndarray with PyTorch's in-place methods (`zero_`, `add_`, ...) and `.data`."""

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # A GradArray given as out= comes back as itself, as NumPy returns `out` (g += 1 keeps g).
        if array is self or (context is not None and _is_out(array, context)):
            return array
        if context is not None and _of_gradients_and_numbers(context[1]):
            # A gradient scaled, shifted or mapped elementwise (`lr * p.grad`, `g ** 2`, `-g`) is one still, with
            # PyTorch's methods: the lectures' `((lr*p.grad).std() / p.data.std()).log10()`. With another array
            # among the inputs (p.data - lr * p.grad, a Value's data) the result is a plain array, so the class
            # never spreads into parameters or the graph; NumPy's reductions (context None) give NumPy scalars.
            return array.view(GradArray)
        array = array.view(np.ndarray)
        return array[()] if return_scalar else array

    def squeeze(self, *args, **kwargs):
        """NumPy's squeeze, a GradArray view as reshape's is (NumPy's own hands a subclass's squeeze back through
        __array_wrap__, which would make it a plain array without `.cpu()`: the receptive-field plots'
        `img.grad.abs().squeeze().cpu().numpy()`); with PyTorch's dim=, Value.squeeze (a Value)."""
        if "dim" in kwargs:
            return _as_value(self).squeeze(*args, **kwargs)
        return np.ndarray.squeeze(self, *args, **kwargs).view(GradArray)

    def requires_grad_(self, requires_grad=True):
        """requires_grad_(False) is the gradient itself; a gradient array does not record operations, so True is
        refused (take `Value(p.grad, requires_grad=True)` for a Value that does)."""
        if requires_grad:
            raise TypeError("a gradient array does not record operations: requires_grad_(True) cannot apply to it; "
                            "make a Value of it (Value(p.grad, requires_grad=True)) to differentiate through it")
        return self

    def transpose(self, *axes):
        """Two dims: PyTorch's transpose(dim0, dim1), which swaps them (a Value). Otherwise NumPy's: the axes in
        the order given (reversed when none are given)."""
        if len(axes) == 2 and all(_is_dim(a) for a in axes):
            return _as_value(self).transpose(*axes)
        return np.ndarray.transpose(self, *axes)

    def abs(self):
        """|g| elementwise, a GradArray (PyTorch's `p.grad.abs()`)."""
        return np.abs(self)

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm of all elements (2 by default), as a NumPy scalar; with dim= (or keepdim=True), PyTorch's
        `Value.norm` of the gradient along it (a Value)."""
        if dim is not None or keepdim:
            return _as_value(self).norm(p, dim=dim, keepdim=keepdim)
        a = self.view(np.ndarray)
        if p in (2, "fro"):
            return np.sqrt(np.sum(a * a))
        if p == float("inf"):
            return np.max(np.abs(a))
        return np.sum(np.abs(a) ** p) ** (1.0 / p)


# NumPy's reductions and scans, PyTorch's when called with dim=/keepdim=
for _name in ("sum", "mean", "prod", "max", "min", "cumsum", "cumprod", "argmax", "argmin", "all", "any"):
    setattr(GradArray, _name, _numpy_unless_torch_keywords(_name))
del _name


def _arith():
    from .ops import arith  # (ops imports this module)

    return arith



class ParameterArray(_TensorMethods, np.ndarray):
    """A Parameter's data (`p.data`, n-d): an ndarray that also has PyTorch's tensor methods, so that
    `m.weight.data.normal_(0, 0.01)`, `m.bias.data.fill_(0)`, `target.data.copy_(tau * p.data + ...)` and
    `p.data.abs()` work as in PyTorch. Every NumPy method and attribute keeps NumPy's meaning (`size` is NumPy's
    int, also callable as PyTorch's `size()`; `transpose`, `view(dtype)`), but for `.data`, the array itself as on
    a gradient, and `std()`/`var()`, PyTorch's (unbiased) as on a gradient unless given NumPy's keywords;
    reductions give NumPy scalars, as on a plain array. `view` with sizes, which
    NumPy's never takes, is PyTorch's, as a gradient's (a module's buffer is a ParameterArray too: llama2.c's
    `self.freqs_cos[:seqlen]`, then `.view(shape)`; and so is each value of a module's `state_dict()`: nn's
    StateArray, a ParameterArray sharing the parameter's memory).

    Why it costs the engine almost nothing: NumPy's C code makes the results of operations, and no Python runs
    for them. With a plain array among an operation's inputs (x @ W.T, g @ W) the result is a plain array (the
    priority below), so the class stays on parameters; only operations on parameters alone (W.T, W * 2) give
    ParameterArrays, which are ndarrays to every rule."""

    __array_priority__ = -1.0  # below a plain array's 0.0 (which then decides), above Python numbers' -1e6
    __array_wrap__ = np.ndarray.__array_wrap__  # NumPy's own, in C: no Python call per operation


class LeafArray(ParameterArray):
    """The data of a leaf the user marks for gradients (`x.requires_grad = True`, `x.requires_grad_()`): a
    ParameterArray, so that `x.data` has the tensor methods PyTorch code calls on it as on a parameter's (the
    energy-based models' Langevin step `inp_imgs.data.add_(-step_size * inp_imgs.grad.data)`, then
    `inp_imgs.data.clamp_(min=-1.0, max=1.0)`), but whose operations give plain arrays.

    Why not a ParameterArray: a graph whose leaves are all marked so (makemore's `for p in parameters:
    p.requires_grad = True`) would carry that class through every node, and every operation would pay NumPy's
    handling of a subclass operand. Here the first operation on such leaves alone returns a plain array (one Python
    call: the wrap below) and the rest of the graph is plain; with a plain array among the inputs NumPy's C code
    decides, as for a parameter (the priority, still below a plain array's, is above ParameterArray's, so that a
    leaf and a parameter together give a plain array too). Views (`x.T`, `x[i]`, reshapes) stay LeafArrays: they
    are the same memory."""

    __array_priority__ = -0.5

    def __array_wrap__(self, array, context=None, return_scalar=False):
        if array is self or (context is not None and _is_out(array, context)):  # in place (x.data.add_(...))
            return array
        array = array.view(np.ndarray)
        return array[()] if return_scalar else array


def _numpy_scalar_reduction(name):
    """The ndarray method `name` computed on the plain array (so that a reduction gives a NumPy scalar, not a 0-d
    ParameterArray), or, with PyTorch's dim=/keepdim=, `Value.<name>` of the array (a Value)."""
    numpy_method = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        if _TORCH_KEYWORDS.intersection(kwargs):
            return getattr(_as_value(self), name)(*args, **kwargs)
        return numpy_method(self.view(np.ndarray), *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"NumPy's `{name}` (a NumPy scalar for a full reduction); with dim=/keepdim=, `Value.{name}`."
    return method


for _name in ("sum", "mean", "prod", "max", "min", "argmax", "argmin", "all", "any", "item"):
    setattr(ParameterArray, _name, _numpy_scalar_reduction(_name))
del _name


def _pytorch_spread(name, finish):
    """The `std` or `var` method of GradArray and ParameterArray: PyTorch's (unbiased: correction=1; dim, keepdim,
    correction, unbiased), as `Value.<name>` of the array, unless called with NumPy's keywords (axis, ddof, keepdims,
    dtype, out, as np.std passes them): then NumPy's (ddof=0). `finish(result, kwargs)` turns the Value into the
    class's kind of answer (its docstring says which). The lectures' `layer.out.grad.std()` and
    `((lr*p.grad).std() / p.data.std()).log10()` give PyTorch's numbers."""

    def method(self, *args, **kwargs):
        if _NUMPY_KEYWORDS.intersection(kwargs):
            return getattr(np.ndarray, name)(self.view(np.ndarray), *args, **kwargs)
        return finish(getattr(_as_value(self), name)(*args, **kwargs), kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"PyTorch's {'standard deviation' if name == 'std' else 'variance'} (unbiased: correction=1; "
                      f"dim, keepdim, correction, unbiased), as `Value.{name}`, unless called with NumPy's keywords "
                      f"(axis, ddof, keepdims, dtype, out): then NumPy's (ddof=0). {' '.join(finish.__doc__.split())}")
    return method


def _gradient_statistic(result, kwargs):
    """Over all elements a 0-d GradArray (PyTorch's 0-d tensor, with its methods: `g.std().log10()`,
    `float(g.std())`, `%e` formats); along dims a plain array."""
    data = result.data
    return np.asarray(data).view(GradArray) if np.ndim(data) == 0 else data


def _parameter_statistic(result, kwargs):
    """A NumPy scalar over all elements (an array along dims); with dim=/keepdim= a Value, as the other reductions
    of a parameter's data."""
    return result if _TORCH_KEYWORDS.intersection(kwargs) else result.data


GradArray.std, GradArray.var = _pytorch_spread("std", _gradient_statistic), _pytorch_spread("var", _gradient_statistic)
ParameterArray.std, ParameterArray.var = (_pytorch_spread("std", _parameter_statistic),
                                          _pytorch_spread("var", _parameter_statistic))


# The classes of NumPy data that rules' fast paths take as plain arrays (a parameter's data is a ParameterArray).
NUMPY_ARRAYS = frozenset((np.ndarray, ParameterArray))
