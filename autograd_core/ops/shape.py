"""Operations that move data without changing it: broadcasting, reshaping, indexing, joining.

Their derivatives move the gradient back: `sum_to` undoes `broadcast_to`, `scatter_add` undoes
indexing, slicing undoes `concatenate`.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..errors import ShapeError, dim_out_of_range, index_error_in_pytorchs_words
from ..scattered_gradient import ScatteredGradient, is_basic_index
from ..value import Value
from .primitive import primitive


def _normalize_axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(dim_out_of_range(axis, ndim))  # IndexError, as PyTorch's, and ValueError
    return axis % ndim


# ----------------------------------------------------------------------------------------------------
# Broadcasting and its inverse: the engine un-broadcasts every gradient with `sum_to`.


@primitive("sum_to")
def sum_to(x, shape):
    """Sum `x` over the axes broadcasting would add or stretch to reach it from `shape`."""
    lead = x.ndim - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, x.shape[lead:])):
        raise ShapeError(f"cannot sum shape {x.shape} to shape {tuple(shape)}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    out = x.sum(axis=axes, keepdims=True) if axes else x
    out = out.reshape(shape)
    return out[()] if out.ndim == 0 else out


@primitive("broadcast_to")
def broadcast_to(x, shape):
    """NumPy's broadcast_to (a read-only view)."""
    return np.broadcast_to(x, shape)


sum_to.defvjp(lambda g, out, x, shape: broadcast_to(g, shape=x.shape), formulas=("broadcast g",))
broadcast_to.defvjp(lambda g, out, x, shape: sum_to(g, shape=x.shape), formulas=("sum g over broadcast axes",))
# Every operation of this file is linear in its data: its JVP is the operation applied to the tangent.
sum_to.defjvp_linear()
broadcast_to.defjvp_linear()
# These return views of their input's array (NumPy's basic indexing too): see `Primitive.views`.
broadcast_to.views = True


# ----------------------------------------------------------------------------------------------------
# Reshaping.


@primitive("reshape")
def reshape(x, shape):
    """x with a new shape of the same size; one dimension may be -1."""
    try:
        return np.reshape(x, shape)
    except ValueError:  # NumPy's message drops the -1 ("into shape (7)"): PyTorch's names the shape asked for
        asked = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
        if sum(1 for n in asked if n == -1) > 1:
            raise ShapeError(f"only one dimension can be inferred (reshape: shape {asked}: only one dimension can be "
                             "inferred (-1))") from None
        sizes = ", ".join(str(int(n)) for n in asked)
        raise ShapeError(f"shape '[{sizes}]' is invalid for input of size {np.size(x)} (reshape: shape {asked} is "
                         f"invalid for input of size {np.size(x)} (shape {np.shape(x)}))") from None


reshape.defvjp(lambda g, out, x, shape: g.reshape(x.shape), formulas=("reshape g back",))
reshape.defjvp_linear()
reshape.views = True


@primitive("transpose")
def transpose(x, axes=None):
    """Permute the axes (reverse them when axes is None), as ndarray.transpose."""
    return np.transpose(x, axes)


def _transpose_vjp(g, out, x, axes=None):
    if axes is None:
        return g.transpose()
    inverse = tuple(int(i) for i in np.argsort([a % x.ndim for a in axes]))
    return g.transpose(inverse)


transpose.defvjp(_transpose_vjp, formulas=("gᵀ",))
transpose.defjvp_linear()
transpose.views = True


@primitive("swapaxes")
def swapaxes(x, axis1, axis2):
    """Interchange two axes."""
    return np.swapaxes(x, axis1, axis2)


swapaxes.defvjp(lambda g, out, x, axis1, axis2: g.swapaxes(axis1, axis2), formulas=("swap g back",))
swapaxes.defjvp_linear()
swapaxes.views = True


@primitive("astype")
def astype(x, dtype):
    """x converted to a floating or complex dtype (complex to real keeps the real part, as PyTorch's); the gradient is
    converted back."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        from ..python_numbers import complex_values_exist

        complex_values_exist()
    elif x.dtype.kind == "c":
        x = np.real(x)
    return np.asarray(x).astype(dtype)[()]


astype.defvjp(lambda g, out, x, dtype: g, formulas=("g",))
astype.defjvp_linear()


@primitive("clone")
def clone(x):
    """A copy of x (PyTorch's clone): the same numbers in a new array; the gradient passes unchanged."""
    return np.array(x, copy=True)[()]


clone.defvjp(lambda g, out, x: g, formulas=("g",))
clone.defjvp_linear()


# ----------------------------------------------------------------------------------------------------
# Indexing: the gradient scatters back; repeated integer indices accumulate.


BYTE_MASK_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def byte_mask(item, stacklevel):
    """A uint8 index array read as PyTorch reads a byte tensor used as an index: the boolean mask of its nonzero
    elements (from before PyTorch had bool tensors), with PyTorch's deprecation warning when it has dimensions (a 0-d
    one is a 0-d mask, silently, as there). Other arrays come back as they are. `stacklevel` as warnings.warn's, seen
    from the caller."""
    if item.dtype != np.uint8:
        return item
    if item.ndim:
        warnings.warn(BYTE_MASK_WARNING, UserWarning, stacklevel=stacklevel + 1)
    return item != 0


def _plain_index(index, stacklevel=2, x=None):
    """Make an index NumPy-ready: lists become arrays, Values give their data, uint8 arrays become boolean masks
    (`byte_mask`; stacklevel as warnings.warn's, seen from the caller). A NumPy bool item (np.True_) is PyTorch's
    IndexError (`numpy_bool_refusal`; x: the Value or array indexed), where NumPy would take it as a Python bool."""
    if not isinstance(index, tuple):
        if index.__class__ is np.bool_:
            raise numpy_bool_refusal((index,), x)
        return _plain_index_item(index, stacklevel + 1)
    items = []
    for item in index:  # a loop, not a comprehension: the warning's stacklevel counts frames
        if item.__class__ is np.bool_:
            raise numpy_bool_refusal(index, x)
        items.append(_plain_index_item(item, stacklevel + 1))
    return tuple(items)


def numpy_bool_refusal(index, x):
    """PyTorch's IndexError for x[index] (x a Value or an array; None: unknown) where the index (a tuple) holds a
    NumPy bool: PyTorch's indexing takes a Python bool (a new dimension, indexed) but counts a NumPy bool as an item
    taking a dimension and refuses it once reached. So: too many indices, counting it so; else an earlier item's own
    error (an int out of range); else the refusal of its type."""
    if x is not None:
        shape = np.shape(x.data if isinstance(x, Value) else x)
        taken = 0
        for item in index:
            if item is None or item is Ellipsis or item.__class__ is bool:
                continue
            data = np.asarray(item.data if isinstance(item, Value) else item)
            taken += data.ndim if data.dtype == bool and item.__class__ is not np.bool_ else 1  # (a mask: its dims)
        if taken > len(shape):
            return IndexError(f"too many indices for tensor of dimension {len(shape)}")
        first = next(k for k, item in enumerate(index) if item.__class__ is np.bool_)
        try:  # the items before it, on an array of x's shape that holds no memory
            np.broadcast_to(np.empty(()), shape)[_plain_index(tuple(index[:first]))]
        except IndexError as err:
            return index_error_in_pytorchs_words(err, tuple(shape), index)
    return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                      "indices (got numpy.bool) (x[np.True_]: PyTorch's indexing takes a Python bool, True, or a bool "
                      "tensor, not a NumPy bool: bool(b) is the Python bool)")


def _plain_index_item(item, stacklevel):
    if isinstance(item, Value):
        item = item.data
        if item.dtype == np.uint8:
            item = np.asarray(item)  # a 0-d byte Value's NumPy scalar: a 0-d mask, as in PyTorch, not a position
    if isinstance(item, list):
        item = np.asarray(item)  # a list of NumPy uint8 numbers is a byte mask too, as in PyTorch
    if isinstance(item, np.ndarray):
        if item.dtype.kind not in "biu":
            raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (getitem: index arrays "
                             f"must be integer or boolean, not {item.dtype})")
        item = byte_mask(item, stacklevel + 1)
    return item


def _has_integer_array(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in items)


@primitive("getitem")
def _getitem(x, index):
    return x[index]


def _index_structure(params):
    """What x[index]'s grad_fn name reads of its index (SliceBackward0, SelectBackward0, IndexBackward0 ...), kept after
    a backward pass frees the rest: the index with each array in it replaced by one small array (not kept alive)."""
    index = params.get("index")
    if index.__class__ is tuple:
        return {"index": tuple(_a_small_one(item) for item in index)}
    return {"index": _a_small_one(index)}


def _a_small_one(item):
    """An index array as one of its dimensions and kind (a mask's dimensions, a 0-d bool: how many dimensions of x it
    takes), each of size 1; another item as it is."""
    if not isinstance(item, np.ndarray):
        return item
    if item.dtype == bool:
        return _SMALL_MASKS[item.ndim] if item.ndim < len(_SMALL_MASKS) else np.zeros((1,) * item.ndim, bool)
    return item if item.ndim == 0 else _AN_INDEX_ARRAY


_AN_INDEX_ARRAY = np.zeros(1, np.intp)
_SMALL_MASKS = [np.zeros((1,) * n, bool) for n in range(4)]
_getitem.keeps_for_name = _index_structure


@primitive("scatter_add")
def scatter_add(g, index, shape):
    """zeros(shape) with g added at `index`: the adjoint of x[index]."""
    out = np.zeros(shape, dtype=np.result_type(g))
    if _has_integer_array(index):
        np.add.at(out, index, g)  # repeated indices must accumulate
    else:
        out[index] = g  # basic and boolean indices never repeat an element
    return out


_getitem.defvjp(lambda g, out, x, index: scatter_add(g, index=index, shape=x.shape), formulas=("scatter g",))
scatter_add.defvjp(lambda g, out, x, index, shape: _getitem(g, index=index), formulas=("g[index]",))
_getitem.defjvp_linear()
_getitem.views = True


def _inner_step(gx, i, out, x, index):
    """x[index]'s node hooks' view of x's gradient gx (the primitive's `inner_view`): at the Value below PyTorch's last
    node, x[inner] (grad_fn_names.inner_index: x[0] of x[0, 0]), a view of x whose gradient is x's at those elements."""
    from ..grad_fn_names import inner_index

    return _getitem(gx, index=inner_index(index, x.shape))


def _from_inner_step(r, i, out, x, index):
    """A node hook's replacement r of `_inner_step`'s gradient, sent on to x: r placed at x[inner]."""
    from ..grad_fn_names import inner_index

    return scatter_add(r, index=inner_index(index, x.shape), shape=x.shape)


# node hooks: x[0, 0] is PyTorch's SelectBackward0 over SelectBackward0 (x[1:, idx] an IndexBackward0 over a slice)
_getitem.inner_view = (("SelectBackward0", "SliceBackward0", "UnsqueezeBackward0"), _inner_step, _from_inner_step)


def _getitem_lazy_vjp(g, out, x, index):
    """The backward pass's form of the rule above: a basic slice's gradient stays (g, index) until the input's
    gradients are all in, so many slices of one input add into one array (see scattered_gradient.py)."""
    if x.ndim and is_basic_index(index):
        return ScatteredGradient(g, index, x.shape)
    return scatter_add(g, index=index, shape=x.shape)


_getitem.lazy_vjp = _getitem_lazy_vjp
scatter_add.defjvp_linear()


def getitem(x, index):
    """x[index] for ints, slices, None, Ellipsis, and integer or boolean arrays (NumPy semantics, but PyTorch's where
    an int stands apart from the index arrays: x[0, :, idx] keeps the indexed dimension in place); a uint8 array (or
    Value) is a boolean mask of its nonzero elements, as PyTorch's deprecated byte masks (with its warning)."""
    index = _plain_index(index, stacklevel=3, x=x)  # the warning points past Value.__getitem__
    steps = _pytorchs_steps(index)
    try:
        if steps is not None:  # (an int apart from the index arrays: PyTorch selects first, then indexes)
            return _getitem(_getitem(x, index=steps[0]), index=steps[1])
        return _getitem(x, index=index)
    except IndexError as err:  # NumPy's words: PyTorch's first
        raise index_error_in_pytorchs_words(err, np.shape(x.data if isinstance(x, Value) else x), index) from None


def index_kind(item):
    """What PyTorch's x[...] does with one item of an index (made NumPy-ready: `_plain_index`): 'unsqueeze' (None),
    'ellipsis', 'slice', 'select' (an int, a 0-d integer array), 'bool' (a bool or 0-d boolean array: a new dimension
    of 1, unsqueezed, then indexed by a tensor there), 'array' (an index array). grad_fn_names reads its nodes so."""
    if item is None:
        return "unsqueeze"
    if item is Ellipsis:
        return "ellipsis"
    if item.__class__ is slice:
        return "slice"
    if isinstance(item, (bool, np.bool_)) or (isinstance(item, np.ndarray) and item.ndim == 0
                                               and item.dtype == bool):
        return "bool"
    if isinstance(item, (numbers.Integral, np.integer)) or (isinstance(item, np.ndarray) and item.ndim == 0):
        return "select"
    return "array"


_ARRAY_OR_BOOL = (np.ndarray, bool, np.bool_)


def _pytorchs_steps(index):
    """(basic, advanced): PyTorch's x[index] as x[basic][advanced] where NumPy's one x[index] differs from it, else
    None. PyTorch takes an int as a select (a basic step), NumPy as an index array broadcast with the others; the two
    agree unless the ints and the index arrays (bools too) are apart (x[0, :, idx], x[0, :, True]), where NumPy puts
    the indexed dimensions first and PyTorch keeps them in place. basic: the ints, slices, None and Ellipsis, a bool
    as None, a whole dimension for each index array; advanced: the index arrays (a bool: [0] for True, [] for False)
    over the dimensions left."""
    if index.__class__ is not tuple:
        return None
    for item in index:  # (the usual index holds no array nor bool: one pass of plain type checks, ~0.2 µs; the
        if isinstance(item, _ARRAY_OR_BOOL):  # tests below, numbers.Integral's among them, cost ~2 µs a call)
            break
    else:
        return None
    kinds = [index_kind(item) for item in index]
    ints = [k for k, kind in enumerate(kinds) if kind == "select"]
    arrays = [k for k, kind in enumerate(kinds) if kind in ("array", "bool")]
    if not ints or not arrays:
        return None
    together = sorted(ints + arrays)
    if together[-1] - together[0] + 1 == len(together):  # next to each other: NumPy's result is PyTorch's
        return None
    basic, advanced = [], []
    for item, kind in zip(index, kinds):
        if kind == "select":
            basic.append(item)
        elif kind == "bool":
            basic.append(None)
            advanced.append(np.zeros(1 if item else 0, np.intp))
        elif kind == "array":
            whole = item.ndim if item.dtype == bool else 1
            basic.extend([slice(None)] * whole)
            advanced.append(item)
        else:
            basic.append(item)
            advanced.append(Ellipsis if item is Ellipsis else slice(None))
    return tuple(basic), tuple(advanced)


# ----------------------------------------------------------------------------------------------------
# Joining.


@primitive("concatenate")
def _concatenate(*xs, axis=0):
    try:
        return np.concatenate(xs, axis=axis)
    except ValueError:
        refuse_unjoinable(xs, axis)
        raise


def refuse_unjoinable(xs, axis):
    """torch.cat's errors, in its words and order, for arrays that np.concatenate refused (a 0-d one, a dim out of
    range, another number of dimensions, another size outside the joined dimension), with our hint."""
    for i, x in enumerate(xs):
        if np.ndim(x) == 0:
            raise ShapeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated (make it 1-D first: "
                             f"x.reshape(1), or use torch.stack to join 0-d tensors)")
    ndim = np.ndim(xs[0])
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(dim_out_of_range(axis, ndim))
    first = np.shape(xs[0])
    for x in xs[1:]:
        if np.ndim(x) != ndim:
            raise ShapeError(f"Tensors must have same number of dimensions: got {ndim} and {np.ndim(x)}")
    axis %= ndim
    for i, x in enumerate(xs[1:], 1):
        for d in range(ndim):
            if d != axis and np.shape(x)[d] != first[d]:
                raise ShapeError(f"Sizes of tensors must match except in dimension {axis}. Expected size {first[d]} "
                                 f"but got size {np.shape(x)[d]} for tensor number {i} in the list. (cat joins "
                                 f"along dim {axis}: all other dimensions must agree, here "
                                 f"{list(first)} and {list(np.shape(x))})")


def _concatenate_vjp(argnum, g, out, *xs, axis=0):
    axis = _normalize_axis(axis, len(xs[0].shape))
    start = sum(x.shape[axis] for x in xs[:argnum])
    window = (slice(None),) * axis + (slice(start, start + xs[argnum].shape[axis]),)
    return _getitem(g, index=window)


_concatenate.defvjp_argnum(_concatenate_vjp, formula="g[slice]")
_concatenate.defjvp_linear()
_concatenate.promotes = True


@primitive("stack")
def _stack(*xs, axis=0):
    return np.stack(xs, axis=axis)


def _stack_vjp(argnum, g, out, *xs, axis=0):
    axis = _normalize_axis(axis, len(xs[0].shape) + 1)
    return _getitem(g, index=(slice(None),) * axis + (argnum,))


_stack.defvjp_argnum(_stack_vjp, formula="g[i]")
_stack.defjvp_linear()
_stack.promotes = True


def _as_sequence(values, name):
    if isinstance(values, (Value, np.ndarray)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name}: expected a sequence of Values or arrays, got {type(values).__name__}")
    if len(values) == 0:
        raise ValueError(f"{name}: need at least one array")
    return tuple(values)


def concatenate(tensors, axis=0, *, dim=None):
    """Join Values (or arrays) along an existing axis, as np.concatenate (and torch.concatenate: `dim`)."""
    if dim is not None:
        axis = dim
    if not isinstance(axis, numbers.Integral):
        raise TypeError("concatenate: axis must be an integer")
    return _concatenate(*_as_sequence(tensors, "concatenate"), axis=int(axis))


def stack(values, axis=0):
    """Join Values (or arrays) along a new axis, as np.stack."""
    if not isinstance(axis, numbers.Integral):
        raise TypeError("stack: axis must be an integer")
    values = _as_sequence(values, "stack")
    shapes = [np.shape(v.data if isinstance(v, Value) else v) for v in values]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ShapeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 and "
                             f"{list(shape)} at entry {i}")
    ndim = len(shapes[0]) + 1
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(dim_out_of_range(axis, ndim))
    return _stack(*values, axis=int(axis))
