"""`Value`: the one node type, holding a scalar or an n-d array, and the edges that produced it."""

from __future__ import annotations

import itertools
import numbers
import operator
import weakref
from types import MappingProxyType

import numpy as np

from .errors import DTypeError, ShapeError, scalar_type_name
from .grad_array import GradArray, LeafArray
from .hook_handles import RemovableHandle
from .inplace import InplaceMethods
from .lazy_bits import BITS_SET as _LAZY_BITS_SET, carry_to_element as _carry_lazy_bits
from .lazy_bits import refuse_for_numpy as _refuse_lazy_bits
from .modes import SCOPE as _SCOPE
from .scattered_gradient import ScatteredGradient
from .sparse_array import SparseArray, SparseGradients
from .tensor_methods import Size, TensorMethods, callable_size, reduce_args, required_dim

_FLOAT64 = np.dtype(np.float64)
_FLOAT_SCALARS = frozenset({np.float16, np.float32, np.float64, np.longdouble})  # each class is one dtype
_ndarray = np.ndarray
_CONSTANTS = {}  # (number, dtype) -> constant leaf, see Value._constant
_NOT_A_LEAF = ("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
               "subgraph that doesn't require differentiation use var_no_grad = var.detach().")  # PyTorch's words


class _IdentitySet:
    """Objects held weakly and compared by identity. (A WeakSet compares its members with ==, which on
    Values is elementwise.)"""

    def __init__(self):
        self._refs = {}  # id -> weak reference

    def add(self, obj):
        key = id(obj)
        if key not in self._refs:
            refs = self._refs
            self._refs[key] = weakref.ref(obj, lambda ref: refs.pop(key) if refs.get(key) is ref else None)

    def discard(self, obj):
        ref = self._refs.get(id(obj))
        if ref is not None and ref() is obj:
            del self._refs[id(obj)]

    def __contains__(self, obj):
        ref = self._refs.get(id(obj))
        return ref is not None and ref() is obj

    def __len__(self):
        return len(self._refs)


HOOK_HANDLES = weakref.WeakValueDictionary()  # handle id -> a Value's hook handle still referenced (_HookHandle)
HOOKED_LEAVES = _IdentitySet()  # leaves with a gradient hook (see backward_hooks._leaves_to_release)
# Every node gets a creation number: parents are always older than their children, so sorting by it is a
# topological order (the backward pass relies on this).
_next_index = itertools.count().__next__
_LAST_CONSTANT = [(None, None, None)]  # (number, kind, leaf): the latest constant Value._constant handed out
# (kind: the peer's data class for NumPy float scalars, else its dtype); recording.apply_binary looks here first.


def _number_dtype(x, peer_dtype):
    """The dtype of Python number x next to a Value of integer or bool dtype `peer_dtype`, as in PyTorch: the
    peer's, unless x is of a higher category (a float: the default float dtype; an int next to bools: int64)."""
    if isinstance(x, (bool, np.bool_)):
        return peer_dtype
    if isinstance(x, numbers.Integral):
        return peer_dtype if peer_dtype.kind in "iu" else np.dtype(np.int64)
    from .dtypes import DEFAULTS

    return DEFAULTS["dtype"]


# Complex Values. While none exists, nothing below costs the real graphs anything; the first one switches on the
# refusal of complex inputs by the operations not made ready for them, and the backward pass's conjugation of complex
# gradients (ops/complex.py explains both). Every way into a complex Value calls `complex_values_exist` first.
COMPLEX_VALUES_EXIST = [False]


def complex_values_exist():
    """Called wherever complex data becomes a Value: the first call arms ops/complex.py's gate."""
    if not COMPLEX_VALUES_EXIST[0]:
        from .ops.complex import arm_complex_gate

        arm_complex_gate()
        COMPLEX_VALUES_EXIST[0] = True


def _complex_constant(x, peer_dtype):
    """Python number x next to a Value of `peer_dtype`, where either is complex, as PyTorch types it: the peer's dtype
    if complex; a complex number next to floats the complex dtype of their width (float64 -> complex128), next to
    integers or bools the default complex dtype (complex64 while the default float dtype is float32)."""
    if peer_dtype.kind == "c":
        return peer_dtype.type(x)
    complex_values_exist()
    if peer_dtype.kind != "f":
        from .dtypes import DEFAULTS

        peer_dtype = DEFAULTS["dtype"]
    if peer_dtype == np.float16:
        raise TypeError("complex32 (torch.chalf) is not supported: NumPy has no complex32; convert to float32 first")
    return np.result_type(peer_dtype, np.complex64).type(x)


def _scalar_of(x, dtype):
    """Python number x as a NumPy scalar of `dtype`; an integer out of an integer dtype's range wraps around, as
    PyTorch's C cast does (`uint8_tensor + -1` subtracts 1; NumPy 2 raises OverflowError), up to int64's range."""
    try:
        return dtype.type(x)
    except OverflowError:
        if dtype.kind not in "iu":
            raise
        return np.int64(x).astype(dtype)  # two's complement; beyond int64, OverflowError as PyTorch raises


def wrapped(x, dtype):
    """x, or for a Python int and an integer dtype, the Python int that dtype's cast makes of it, as PyTorch's (-1
    into uint8 is 255, where NumPy 2 raises OverflowError): an operand, fill or copy of a number into integers. It
    stays a Python int, so that it does not widen the array it meets."""
    if x.__class__ is int:
        dtype = np.dtype(dtype)
        if dtype.kind in "iu":
            return int(_scalar_of(x, dtype))
    return x


def _to_float_data(data, dtype, requires_grad, what="Value"):
    """Convert user data to a float ndarray (or a NumPy scalar for 0-d), with clear errors."""
    if isinstance(data, Value):
        data = data.data
    try:
        arr = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what}: cannot convert {type(data).__name__} to an array: {err}") from None
    kind = arr.dtype.kind
    if kind == "f":
        pass
    elif kind in "biu":
        if dtype is not None and requires_grad:
            raise DTypeError(
                f"{what}: integer dtype {arr.dtype} cannot carry a gradient; use a float dtype or "
                "requires_grad=False"
            )
        if dtype is None:
            arr = arr.astype(np.float64)
    elif kind == "c":
        complex_values_exist()
    else:
        raise TypeError(f"{what}: data of dtype {arr.dtype} is not numeric")
    return arr[()] if arr.ndim == 0 else arr


class Value(TensorMethods, InplaceMethods):
    """A node of a computation graph: data (a scalar or an n-d array), its gradient, and its parents.

    Value(data, requires_grad=True, label=None, dtype=None)

    data:  a Python number, a nested list or an ndarray. Integer and boolean data become float64
           unless `dtype` says otherwise; float32 stays float32. Scalars are stored as NumPy scalars.
    grad:  None until a backward pass reaches this node, then an array of `data`'s shape that keeps
           accumulating over later backward passes (reset it with `v.grad = None`).
    label: a name for pictures and error messages.

    Operators and methods follow NumPy (broadcasting, `axis`/`keepdims`); every result is a Value
    that records the operation (`.op`) and its inputs (`.parents`). PyTorch's names work too (`dim=`,
    `keepdim=`, `unsqueeze`, `view`, `x.size()`, in-place `add_`, ...: see tensor_methods.py, inplace.py).
    `==`, `!=`, `<`, `<=`, `>`, `>=` compare data elementwise and give a boolean Value (no gradient), as in
    PyTorch; Values still hash by identity, so they can be dict keys and set members. A Value takes
    attributes of its own, as a PyTorch tensor does (fast.ai's `x.g = ...`, an optimizer's `p.grad_avg`).
    """

    # The parents live in two slots (`_p0`, `_p1`; see the `_parents` property) rather than in a tuple of their
    # own: one object less per node for the cyclic garbage collector to count and scan (`_new_node`). "__dict__":
    # users' own attributes, as on a PyTorch tensor; the dict is made at the first one. `label` lives there too
    # (the class's None until a node is named): one slot fewer keeps a node in the same 160-byte size class of
    # Python's allocator as without "__dict__" (BENCHMARKS.md "Stop 34").
    __slots__ = ("data", "_grad", "_requires_grad", "_op", "_p0", "_p1", "_params", "_hooks",
                 "_scope", "_origin", "_index", "_pending", "_version", "__weakref__", "__dict__")
    label = None  # a name for pictures and error messages, set on the nodes that have one
    __array_priority__ = 1000  # ndarray <op> Value defers to Value

    def __init_subclass__(cls, **kwargs):
        # The engine reads a node's slots straight from the object (node._index orders the backward pass): a class
        # attribute of the same name in a subclass (a method `_index`, say) would shadow the slot and silently break
        # the graph, so it is refused where it is written. `data` may be redefined as a property with a setter
        # (nn.Parameter's is), which reads and writes the slot itself.
        super().__init_subclass__(**kwargs)
        for name in _ENGINE_SLOTS.intersection(vars(cls)):
            if name == "data" and hasattr(vars(cls)[name], "__set__"):
                continue
            raise TypeError(
                f"{cls.__qualname__} defines {name!r}, a name the engine keeps in every Value's slots"
                + (" (as a property with a setter, `data` may be redefined)" if name == "data" else "")
                + f"; rename it in {cls.__qualname__}")

    def __init__(self, data, requires_grad=True, label=None, dtype=None):
        if requires_grad.__class__ is not bool and not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(
                f"Value(data, requires_grad=...): requires_grad must be True or False, not {requires_grad!r}"
                + (f"; for PyTorch's legacy torch.Tensor({data!r}, {requires_grad!r}, ...) (an uninitialised "
                   f"tensor of that shape) write autograd_core.empty(...) or zeros(...)"
                   if isinstance(data, numbers.Integral) and isinstance(requires_grad, numbers.Integral) else ""))
        self.data = _to_float_data(data, dtype, requires_grad)
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"Value: dtype {self.data.dtype} cannot carry a gradient")
        self._grad = None
        self._requires_grad = bool(requires_grad)
        if label is not None:
            self.label = label
        self._op = None
        self._p0 = self._p1 = None
        self._params = None
        self._hooks = None
        self._scope = None
        self._origin = None
        self._index = _next_index()
        self._pending = None
        self._version = None  # in-place changes, see inplace.py

    def __reduce_ex__(self, protocol):
        # pickle, copy.copy and copy.deepcopy. A leaf (data, a Parameter) is rebuilt from its slots (__setstate__
        # below). A computed Value goes as PyTorch pickles a tensor: a leaf copy of its data, requires_grad kept,
        # without the graph that made it (its primitives and rules are code, not data; a DataLoader's worker
        # processes send `x[i]` back this way).
        if self._op is None:
            return object.__reduce_ex__(self, protocol)
        return _leaf_copy, (self.__class__, self.data, self._requires_grad, vars(self) or None)

    def __setstate__(self, state):
        # copy.copy, copy.deepcopy and pickle rebuild a Value from its slots. The copy is another node: it takes a
        # creation number of its own (the backward pass orders nodes by it, and two nodes sharing one would tie,
        # `deepcopy(p)` twice in one graph) and a version counter of its own (in-place changes to it are its own).
        attributes, slots = state  # users' own attributes (x.g = ...), or None
        if attributes:
            vars(self).update(attributes)
        for name, value in slots.items():
            # "requires_grad": a Value pickled when that was the slot's name
            object.__setattr__(self, "_requires_grad" if name == "requires_grad" else name, value)
        self._index = _next_index()
        self._version = None
        if isinstance(self._grad, _ndarray):  # copy.copy shares the slots' arrays: a .grad must be the copy's own (a
            self._grad = self._grad.copy()  # later backward pass adds into it in place, engine._add_later)

    @classmethod
    def _constant(cls, x, peer=None):
        """Wrap a non-Value operand as a constant leaf whose dtype does not upcast `peer` (a Value).

        The leaf remembers the module scope open when it was made (a BatchNorm's running statistics, a mask), so a
        picture draws it inside that module's box; the leaves shared by every use of a Python number have none."""
        cls_x = type(x)
        if cls_x is _ndarray and x.dtype.kind == "f" and x.ndim:  # a batch of data: taken as it is
            return _new_node(cls, x, False, None, (), None, _SCOPE.get())
        if (cls_x is float and x) or cls_x is int:
            # Python numbers recur (x + 1, 2 * y): share one immutable leaf per value and dtype. Not for
            # float zeros: -0.0 == 0.0 would find the other's leaf, and the sign matters (1 / -0.0).
            # A float scalar's class (np.float64) names its dtype and is cheaper to read than its .dtype.
            if peer is None:
                kind = _FLOAT64
            else:
                kind = peer.data.__class__
                if kind not in _FLOAT_SCALARS:
                    kind = peer.data.dtype
            last = _LAST_CONSTANT[0]  # `x = x + 1` in a loop meets the very same number object each time
            if x is last[0] and kind is last[1]:
                return last[2]
            key = (x, kind)
            hit = _CONSTANTS.get(key)
            if hit is None:
                dtype = np.dtype(kind)
                if dtype.kind == "c":  # next to a complex Value: a number of its dtype (not interned: 1 == 1+0j)
                    return _new_node(cls, dtype.type(x), False, None, (), None, None)
                if dtype.kind != "f":  # next to integers or bools: PyTorch's promotion; not cached (1 == 1.0 == True)
                    return _new_node(cls, _scalar_of(x, _number_dtype(x, dtype)), False, None, (), None, None)
                if len(_CONSTANTS) > 4096:
                    _CONSTANTS.clear()
                hit = _CONSTANTS[key] = _new_node(cls, np.dtype(kind).type(x), False, None, (), None, None)
            _LAST_CONSTANT[0] = (x, kind, hit)
            return hit
        dtype = peer.data.dtype if peer is not None else _FLOAT64
        if isinstance(x, numbers.Number) and not isinstance(x, np.generic):
            if isinstance(x, complex) or dtype.kind == "c":
                data = _complex_constant(x, dtype)
            else:
                data = dtype.type(x) if dtype.kind == "f" else _scalar_of(x, _number_dtype(x, dtype))
        else:
            if isinstance(x, tuple) and _holds_values(x):
                raise TypeError(_RESULT_TUPLE_OPERAND.format(type(x).__name__))
            arr = np.asarray(x)
            if arr.dtype.kind in "biu":
                arr = arr.astype(dtype)
            elif arr.dtype.kind == "c":
                complex_values_exist()
            elif arr.dtype.kind != "f":
                raise TypeError(f"cannot use an operand of dtype {arr.dtype} ({type(x).__name__})")
            elif dtype.kind not in "fc" and isinstance(x, np.floating):  # a NumPy float is a Python float to PyTorch
                arr = arr.astype(_number_dtype(1.0, dtype))  # the default float dtype next to integers, not float64
            data = arr[()] if arr.ndim == 0 else arr
        return _new_node(cls, data, False, None, (), None, _SCOPE.get())

    # ------------------------------------------------------------------------------------------------
    # What users read.

    @property
    def shape(self):
        """The sizes of the axes: a Size, PyTorch's torch.Size, a tuple of ints (() for a scalar) with `numel()`."""
        return Size(self.data.shape)

    @property
    def ndim(self):
        """The number of axes, len(shape) (0 for a scalar)."""
        return self.data.ndim

    @property
    def dtype(self):
        """The NumPy dtype of the data (autograd_core.float32 is numpy's float32 dtype)."""
        return self.data.dtype

    @property
    def size(self):
        """The number of elements (NumPy's `x.size`), also callable as PyTorch's `x.size()` -> shape and
        `x.size(dim)` -> one dimension's length."""
        return callable_size(self.data)

    @property
    def grad(self):
        """The gradient accumulated by backward passes: None; a `GradArray` (an ndarray of data's shape that
        also has PyTorch's `zero_()`, `add_()`, `.data`; see grad_array.py); a NumPy scalar for a 0-d Value;
        or a Value after `backward(create_graph=True)`; a sparse COO tensor (`is_sparse`, no gradient of its own)
        where PyTorch's is sparse (`nn.Embedding(sparse=True)`'s weight). Assign None to reset it.

        An assigned gradient must have data's dtype and shape, else a RuntimeError (PyTorch's words): a Value is kept
        as it is, and so is a NumPy array or scalar (the NumPy habit). A list becomes an array of data's dtype; a
        number fills data's shape (micrograd's `p.grad = 0`); a complex one for a real Value is refused. Anything else
        is a TypeError."""
        g = self._grad
        if g.__class__ is _ndarray:
            g = self._grad = g.view(GradArray)  # once: later reads (and the engine's next accumulation) see it
        elif g.__class__ is SparseArray:  # a sparse gradient (nn.Embedding(sparse=True)'s): a sparse tensor, once
            g = self._grad = _sparse_gradient(g)
        elif g.__class__ is ScatteredGradient:  # kept routed by the pass (a ReLU before max pooling): made dense, once
            g = self._grad = g.dense().view(GradArray)
        return g

    @grad.setter
    def grad(self, g):
        if g is not None:
            g = _as_grad_of(self, g)
        self._grad = g


    @property
    def op(self):
        """Name of the operation that made this Value ('' for a leaf)."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self):
        """The input Values of the operation that made this one, in argument order."""
        return self._parents

    @property
    def _parents(self):
        # _p0 is the first parent (None for a leaf); _p1 the second one, or all of them (a tuple) for 3 or more (or for
        # 2, where the backward pass must take its general way: recording.keep_parents_whole).
        p1 = self._p1
        if p1 is None:
            p0 = self._p0
            return () if p0 is None else (p0,)
        if p1.__class__ is tuple:
            return p1
        return (self._p0, p1)

    @_parents.setter
    def _parents(self, parents):
        self._p0, self._p1 = _parent_slots(parents)

    @property
    def is_leaf(self):
        """True for a Value that no recorded operation made: made by the user, or without recording (in
        no_grad(), or from inputs that need no gradient), as PyTorch counts leaves."""
        return self._p0 is None

    @property
    def retains_grad(self):
        """True for a non-leaf Value that keeps its `.grad` after backward: here every recorded Value that
        requires a gradient does (micrograd's way; in PyTorch, those that called `retain_grad()`)."""
        return self.requires_grad and self._p0 is not None

    # ------------------------------------------------------------------------------------------------
    # Inspection: read-only views of how this node was made, for nn, viz and users' own tools.

    is_parameter = False  # nn.Parameter says True: a trainable leaf that a Module owns

    @property
    def primitive(self):
        """The `Primitive` that made this Value (its `name`, `title`, `vjps` and edge `formulas`); None for a leaf."""
        return self._op

    @property
    def saved_params(self):
        """The keyword parameters the primitive was called with (e.g. {'axis': 0}), as a read-only mapping; None when it
        took none, when a backward pass without `retain_graph` has freed them, or for a Value made outside a graph (one
        element `x[0]` of such a Value keeps where it came from there: version_counter.element_of)."""
        params = self._params
        if params is None or not isinstance(params, dict) or self._p0 is None:
            return None
        return MappingProxyType(params)

    @property
    def scope(self):
        """The innermost `Scope` (e.g. one call of an nn.Module) that was open when this Value was made, or None."""
        return self._scope

    @property
    def creation_index(self):
        """A number that grows with every Value made: parents always have smaller numbers than children."""
        return self._index

    def item(self):
        """The single element of a size-1 Value as a Python number (ValueError for any other size)."""
        if self.data.size != 1:
            raise ShapeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar (item: only a "
                             f"Value of size 1 converts to a Python number, not shape {self.shape})")
        return self.data.item()

    def __float__(self):
        if self.data.size != 1:
            raise ShapeError(_not_one_element("float", self.shape))
        return float(self.data.item())

    def __int__(self):
        if self.data.size != 1:
            raise ShapeError(_not_one_element("int", self.shape))
        return int(self.data.item())

    def __bool__(self):
        if self.data.size != 1:  # PyTorch's words first
            count = "no values" if self.data.size == 0 else "more than one value"
            raise ShapeError(f"Boolean value of Tensor with {count} is ambiguous (the truth value of a Value of shape "
                             f"{self.shape} is ambiguous: reduce it first, e.g. (x > 0).any() or .all())")
        return bool(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a 0-d Value has no length; x.item() is its number)")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d Value")
        return (self[i] for i in range(len(self.data)))

    def __array__(self, dtype=None, copy=None):
        if _LAZY_BITS_SET[0]:
            _refuse_lazy_bits(self)
        arr = np.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """The DLPack protocol (`torch.from_dlpack(x)`, `np.from_dlpack(x)`): a capsule sharing this Value's memory,
        as NumPy exports it. A Value that requires grad raises BufferError, as PyTorch's (export `x.detach()`)."""
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return np.asarray(self.data).__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self):
        """(1, 0): DLPack's CPU, where every Value's memory is."""
        return (1, 0)

    def numpy(self, *, force=False):
        """The data as an ndarray sharing its memory (a 0-d array for scalars). As PyTorch's, a Value that requires
        grad raises RuntimeError (read `x.detach().numpy()`, or `x.data`); force=True reads the data of any Value
        (PyTorch's: detached and on the CPU, as the data here always is). A Value with the conjugate or negative bit
        (`is_conj()`, `is_neg()`) raises PyTorch's RuntimeError too (read `x.resolve_conj().numpy()`)."""
        if not force:
            if self.requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                   "instead.")
            if _LAZY_BITS_SET[0]:
                _refuse_lazy_bits(self)
        return np.asarray(self.data)

    def __repr__(self):
        parts = []
        if self.data.ndim == 0:
            parts.append(_number_text(self.data.item()))
            if self.grad is not None and not isinstance(self.grad, Value):
                parts.append(f"grad={_number_text(np.asarray(self.grad).item())}")
        else:
            body = np.array2string(np.asarray(self.data), separator=", ", **_array_print_options()).replace("\n", "")
            parts.append(f"{body}, shape={self.shape}")
        if self.data.dtype != np.float64:
            parts.append(f"dtype={self.data.dtype}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        elif not self.requires_grad:
            parts.append("requires_grad=False")
        return f"Value({', '.join(parts)})"

    def __format__(self, spec):
        """f"{loss:.4f}": a format spec formats the number of a one-element Value, as PyTorch's tensors do. An empty
        spec gives a 0-d Value's number as Python prints it (PyTorch's f'{nll/n}' prints 2.3826..., not the repr),
        and the repr of any other Value."""
        if not spec:
            return format(self.data.item(), "") if self.data.ndim == 0 else repr(self)
        if self.data.size != 1:
            raise TypeError(f"format spec {spec!r} needs a one-element Value, not one of shape {self.shape} "
                            "(format v.data, or one element of it)")
        return format(self.data.item(), spec)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """What Jupyter shows: the display set with `set_display` (`autograd_core.viz` sets the picture of the
        Value's graph when it is imported), else the repr as plain text."""
        show = _DISPLAY[0]
        if show is None:
            return {"text/plain": repr(self)}
        return show(self, include, exclude)

    # ------------------------------------------------------------------------------------------------
    # Gradients.

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(v) into `v.grad` for every Value `v` below this one that requires it.

        gradient:     required when self is not a scalar: d(loss)/d(self), of self's shape.
        retain_graph: keep the graph for another backward pass (default: same as create_graph).
        create_graph: gradients become Values with a graph of their own (for higher derivatives).
        inputs:       a Value or a sequence of them: accumulate into these `.grad`s only (leaves or not),
                      as PyTorch's; the other Values' `.grad` stay as they were.
        """
        if inputs is None:
            _backward(self, gradient, retain_graph, create_graph)
        else:
            from .autograd import backward  # the sub-package loads on first use (import time)

            backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def zero_grad(self):
        """Reset .grad to None (as PyTorch's set_to_none=True), so the next backward starts afresh."""
        self.grad = None

    def detach(self):
        """A new leaf sharing this data (and its version counter, see version_counter.py), cut from the graph
        (requires_grad=False)."""
        node = _new_node(Value, self.data, False, None, (), None, None)
        node._version = self._shared_versions()
        if not isinstance(node.data, np.ndarray):  # a 0-d one's scalar: no memory to read a bit off or to share
            if _LAZY_BITS_SET[0]:
                _carry_lazy_bits(node, self)  # so it is given self's bits (lazy_bits.py)
            if isinstance(node.data, np.generic):  # and listed with self, which in-place changes keep in step
                from .version_counter import join_0d_family

                join_0d_family(node, self)
        return node

    def _set_requires_grad(self, requires_grad):
        # getattr: ElementView and unpickling set this flag before the node's other slots
        op, p0 = getattr(self, "_op", None), getattr(self, "_p0", None)
        if not requires_grad and p0 is not None:
            raise RuntimeError(_NOT_A_LEAF + " (requires_grad: you can only change requires_grad flags of leaf "
                               "Values; use .detach() for a Value that needs no gradient)")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point and complex dtype can require gradients "
                               f"(requires_grad: not {self.data.dtype})")
        if requires_grad and op is not None and p0 is None:
            # Computed without recording (`torch.randn(3, 4) * 0.1`, then `p.requires_grad = True`, as PyTorch code
            # initialises weights): it becomes a plain leaf, or the backward pass would look for its inputs.
            self._op = None
        data = getattr(self, "data", None)
        if requires_grad and p0 is None and data.__class__ is np.ndarray and data.ndim:
            # A leaf the user marks for gradients is used as a parameter is: its `.data` gets the tensor methods
            # (the energy-based models' Langevin step `x.data.add_(-step * x.grad.data)`), as a view of the same
            # memory whose operations give plain arrays (LeafArray); other Values' data stay plain arrays.
            self.data = data.view(LeafArray)
        self._requires_grad = bool(requires_grad)

    # A property only so that a write can turn such a Value into a leaf; reads go straight to the slot (in C).
    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad, doc=(
        "Whether gradients flow into this Value. Setting it on a leaf (`p.requires_grad = True`) is "
        "requires_grad_(); a non-leaf cannot stop requiring a gradient (RuntimeError, as in PyTorch)."))

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place on a leaf; returns self."""
        if self._parents and not requires_grad:
            raise RuntimeError(
                _NOT_A_LEAF + " (requires_grad_: only a leaf can stop requiring a gradient; use .detach() instead)"
            )
        if requires_grad and self.data.dtype.kind not in "fc":
            raise DTypeError(f"only Tensors of floating point dtype can require gradients (requires_grad_: only "
                             f"floating-point Values can require gradients, not {self.data.dtype})")
        if requires_grad and self._op is not None and not self._parents:
            self._op = None  # made without recording: it becomes a plain leaf, as in PyTorch
        self.requires_grad = bool(requires_grad)
        return self

    @property
    def _backward_hooks(self):
        """PyTorch's private `tensor._backward_hooks`, which torch.utils.hooks.warn_if_has_hooks reads: handle id ->
        gradient hook (register_hook's; not the post-accumulate ones, nor those of its grad_fn), or None when there is
        none. A copy."""
        from .grad_fn_hooks import NodeHook

        hooks = {key: hook for key, hook in (self._hooks or {}).items()
                 if not isinstance(hook, (PostAccumulateHook, NodeHook))}
        return hooks or None

    def register_hook(self, hook):
        """Call hook(grad) whenever the backward pass computes this Value's gradient.

        The gradient is the whole of this pass's (not yet added to `.grad`). On a leaf the hook runs as
        soon as that gradient is complete, while the pass goes on below (as in PyTorch; data-parallel
        training starts sending gradients from there).

        If hook returns something other than None, it replaces the gradient (same shape). Returns a
        handle whose `.remove()` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient (register_hook: this "
                               "Value does not require a gradient)")
        handle = self._add_hook(hook)
        if self._op is not None:  # an output of PyTorch's node of several outputs: hook(None) when it gets none
            from .grad_fn_hooks import watch_output

            watch_output(self)
        return handle

    def _add_hook(self, hook):
        """Keep `hook` among this Value's hooks; returns the handle that removes it."""
        if self._hooks is None:
            self._hooks = {}
        handle = _HookHandle(self)
        self._hooks[handle.id] = hook
        if self._op is None:
            HOOKED_LEAVES.add(self)  # the backward pass runs its hooks as soon as its gradient is complete
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) after a backward pass has added this leaf's gradient to its `.grad` (PyTorch's hook for
        updating a parameter as soon as its gradient is complete, e.g. an optimizer step inside backward).

        Leaves only; hook's return value is ignored; `autograd_core.grad(...)`, which leaves `.grad` alone, does not
        call it. Returns a handle whose `.remove()` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient "
                               "(register_post_accumulate_grad_hook: this Value does not require a gradient)")
        if self._op is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks cannot be "
                               "registered on non-leaf Values (their gradient is not accumulated)")
        return self._add_hook(PostAccumulateHook(hook))

    # ------------------------------------------------------------------------------------------------
    # Arithmetic: operators delegate to the primitives in `ops`.

    def __add__(self, other):
        return _apply_binary(_ops.add, self, other)

    def __radd__(self, other):
        return _apply_binary(_ops.add, other, self)

    def __sub__(self, other):
        if other.__class__ is bool:  # NumPy computes x - True; PyTorch refuses it (and computes x - np.True_)
            _ops.arith.refuse_bool_subtraction(None, self, other)
        return _apply_binary(_ops.sub, self, other)

    def __rsub__(self, other):
        if other.__class__ is bool:
            _ops.arith.refuse_bool_subtraction(None, other, self)
        return _apply_binary(_ops.sub, other, self)

    def __mul__(self, other):
        return _apply_binary(_ops.mul, self, other)

    def __rmul__(self, other):
        return _apply_binary(_ops.mul, other, self)

    def __truediv__(self, other):
        if not self._requires_grad and self.data.dtype.kind in "biu":  # integers divide into the default float dtype
            return _ops.arith.div(self, other)
        return _apply_binary(_ops.div, self, other)

    def __rtruediv__(self, other):
        if not self._requires_grad and self.data.dtype.kind in "biu":
            return _ops.arith.div(other, self)
        return _apply_binary(_ops.div, other, self)

    def __pow__(self, other):
        return _apply_binary(_ops.pow, self, other)

    def __rpow__(self, other):
        return _apply_binary(_ops.pow, other, self)

    def __matmul__(self, other):
        return _apply_binary(_ops.matmul, self, other)

    def __rmatmul__(self, other):
        return _apply_binary(_ops.matmul, other, self)

    def __neg__(self):
        return _apply_unary(_ops.neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    # Comparisons give boolean Values (requires_grad=False), as PyTorch's do: they are not differentiable
    # (ops/nondifferentiable.py: under a compile recording they are recorded operations all the same).
    def __lt__(self, other):
        return _ops.without_gradient(operator.lt, self, other)

    def __le__(self, other):
        return _ops.without_gradient(operator.le, self, other)

    def __gt__(self, other):
        return _ops.without_gradient(operator.gt, self, other)

    def __ge__(self, other):
        return _ops.without_gradient(operator.ge, self, other)

    def __eq__(self, other):
        if other is None or isinstance(other, _NOT_COMPARED):
            if not isinstance(other, tuple) or _holds_values(other):
                return False  # as PyTorch: `x == None` is False, and so is `labels == torch.max(out, 1)`
        return _ops.without_gradient(operator.eq, self, other)

    def __ne__(self, other):
        if other is None or isinstance(other, _NOT_COMPARED):
            if not isinstance(other, tuple) or _holds_values(other):
                return True
        return _ops.without_gradient(operator.ne, self, other)

    __hash__ = object.__hash__  # identity: Values stay usable as dict keys and set members


    def __array_function__(self, func, types, args, kwargs):
        """Let NumPy's functions (np.where, np.concatenate, np.sum, np.clip, ...) build graph nodes; others run on
        the data, and refuse to drop a gradient silently (numpy_functions.py)."""
        return _numpy_functions.array_function(func, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Let NumPy ufuncs (np.exp(v), ndarray + v, np.maximum(v, w)) build graph nodes."""
        out = kwargs.get("out")
        if method == "__call__" and out is not None and not any(isinstance(o, Value) for o in out):
            # `p.data += -lr * p.grad` with a Value lr (makemore's `lr = lrs[i]`): numbers written into a plain array,
            # as PyTorch's `p.data` is a tensor outside the graph
            return ufunc(*[_data(x) for x in inputs], **kwargs)
        fn = _UFUNCS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
        if fn is None:
            if ufunc.__name__ in _COMPARISONS and method == "__call__":
                return ufunc(*[_data(x) for x in inputs], **kwargs)
            return NotImplemented
        return fn(*inputs)

    # ------------------------------------------------------------------------------------------------
    # Elementwise functions.

    def exp(self):
        """e**x elementwise (same shape)."""
        return _apply_unary(_ops.exp, self)

    def log(self):
        """Natural logarithm elementwise (same shape); -inf at 0, nan below."""
        return _apply_unary(_ops.log, self)

    def sqrt(self):
        """Square root elementwise (same shape); nan below 0."""
        return _apply_unary(_ops.sqrt, self)

    def tanh(self):
        """Hyperbolic tangent elementwise (same shape); derivative 1 - tanh(x)**2."""
        return _apply_unary(_ops.tanh, self)

    def sigmoid(self):
        """Logistic sigmoid 1 / (1 + exp(-x)) elementwise (same shape)."""
        return _apply_unary(_ops.sigmoid, self)

    def relu(self):
        """max(x, 0) elementwise (same shape); the gradient at 0 is 0."""
        return _apply_unary(_ops.relu, self)

    def leaky_relu(self, negative_slope=0.01):
        """x where x > 0, else negative_slope * x, elementwise (same shape)."""
        return _ops.leaky_relu(self, negative_slope=negative_slope)

    def abs(self):
        """|x| elementwise (same shape); the gradient at 0 is 0 (sign(0))."""
        return _ops.abs(self)

    def sin(self):
        """Sine elementwise (same shape), in radians."""
        return _apply_unary(_ops.sin, self)

    def cos(self):
        """Cosine elementwise (same shape), in radians."""
        return _apply_unary(_ops.cos, self)

    def clip(self, min=None, max=None):
        """Limit to [min, max] elementwise (either may be None); gradient 1 inside, 0 outside. Value bounds get the
        gradient where they are chosen (PyTorch's tensor bounds: see autograd_core.ops.clip)."""
        return _ops.clip(self, min, max)

    # Reductions (NumPy semantics).

    # Reductions: NumPy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim` (either spelling).
    # `var`, `max` and `min` with PyTorch's arguments are in tensor_reductions.py.

    # dtype= (PyTorch's): the input is converted to it first, as torch.sum(x, dtype=torch.float64) does.

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        """Sum over all elements, or over axis/dim (int or tuple), keeping reduced axes as size 1 with keepdim=True."""
        x = self if dtype is None else self.to(dtype)
        args = reduce_args(axis, keepdims, dim, keepdim)  # over dims: PyTorch's SumBackward1, whatever backward frees
        total = (_ops.sum if args["axis"] is None else _sum_over_dims)(x, **args)
        if dtype is None and total.data.dtype == np.uint64 and x.data.dtype != np.uint64:
            return total.to(np.int64)  # NumPy sums uint8 into uint64, PyTorch into int64
        return total if dtype is None or total.dtype == dtype else total.to(dtype)  # NumPy sums int8 into int64

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        """Mean over all elements, or over axis/dim (int or tuple), keeping reduced axes as size 1 with keepdim=True."""
        if dtype is None and self.data.dtype.kind not in "fc":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
                f"Got: {scalar_type_name(self.data.dtype)} (convert first: x.float().mean(), or pass dtype=)")
        x = self if dtype is None else self.to(dtype)
        args = reduce_args(axis, keepdims, dim, keepdim)  # over dims: MeanBackward1, as Value.sum's
        return (_ops.mean if args["axis"] is None else _mean_over_dims)(x, **args)

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """log(sum(exp(x))) over axis/dim (all elements by default), computed stably (max subtracted first);
        integers and bools in the default float dtype, as PyTorch's."""
        if self.data.dtype.kind not in "fc":
            from .dtypes import DEFAULTS

            return self.to(DEFAULTS["dtype"]).logsumexp(axis, keepdims, dim=dim, keepdim=keepdim)
        return _ops.logsumexp(self, **reduce_args(axis, keepdims, dim, keepdim))

    def softmax(self, axis=None, *, dim=None, dtype=None):
        """exp(x) / sum(exp(x)) along dim (or axis; required, as PyTorch's Tensor.softmax); same shape, each slice
        sums to 1. (F.softmax alone picks a dim when none is given, with PyTorch's deprecation warning.)"""
        x = self if dtype is None else self.to(dtype)
        return _ops.softmax(x, axis=required_dim("softmax", axis, dim))

    def log_softmax(self, axis=None, *, dim=None, dtype=None):
        """x - logsumexp(x) along dim (or axis; required, as PyTorch's Tensor.log_softmax), computed stably; same
        shape."""
        x = self if dtype is None else self.to(dtype)
        return _ops.log_softmax(x, axis=required_dim("log_softmax", axis, dim))

    # Shapes.

    def reshape(self, *shape, **keyword):
        """x with a new shape of the same size (one entry may be -1): x.reshape(2, 3), x.reshape((2, 3)) or
        x.reshape(shape=(2, 3))."""
        if keyword:
            if shape or set(keyword) != {"shape"}:
                raise TypeError(f"reshape() takes the shape by position or as shape=, got {sorted(keyword)}")
            shape = (keyword["shape"],)
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = shape[0]
        return _ops.reshape(self, shape=tuple(shape))

    def transpose(self, *axes, dim0=None, dim1=None):
        """Two dims: PyTorch's transpose(dim0, dim1), which swaps them (also by keyword). Otherwise NumPy's: the
        axes in the order given (reversed when none are given)."""
        if dim0 is not None or dim1 is not None:
            axes = axes + tuple(d for d in (dim0, dim1) if d is not None)
            if len(axes) != 2:
                raise TypeError("transpose() takes two dims, dim0 and dim1")
        if len(axes) == 2 and all(isinstance(a, numbers.Integral) for a in axes):
            return _ops.swapaxes(self, axis1=int(axes[0]), axis2=int(axes[1]))
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = axes[0]
        elif len(axes) == 1 and self.data.ndim != 1:  # x.transpose(0): a PyTorch user forgot dim1 (NumPy refuses too)
            raise TypeError('transpose() missing 1 required positional arguments: "dim1" (transpose: give two dims to '
                            'swap, or every dim in its new order)')
        return _ops.transpose(self, axes=tuple(axes) if axes else None)

    @property
    def T(self):
        """All axes reversed (the matrix transpose for 2-D). On other than 2 dimensions PyTorch's UserWarning, once a
        process as PyTorch gives it (it deprecates .T there: x.mT transposes batches of matrices)."""
        if self.data.ndim != 2:
            from .tensor_attributes import warn_transpose_once

            warn_transpose_once(self.data.ndim)
        return _ops.transpose(self, axes=None)

    def flatten(self, start_dim=0, end_dim=-1):
        """The axes start_dim..end_dim (all by default) merged into one, as PyTorch's flatten (a dim out of range
        raises IndexError, start_dim after end_dim RuntimeError)."""
        shape = self.data.shape
        start, end = _ops.index.check_dim(start_dim, len(shape)), _ops.index.check_dim(end_dim, len(shape))
        if start > end:
            raise RuntimeError(f"flatten() has invalid args: start_dim cannot come after end_dim (flatten: start_dim "
                               f"{start_dim}, end_dim {end_dim})")
        if not shape:
            return _ops.reshape(self, shape=(1,))
        merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
        return _ops.reshape(self, shape=shape[:start] + (merged,) + shape[end + 1:])

    def swapaxes(self, axis1, axis2):
        """Exchange axes axis1 and axis2 (torch.swapaxes; the same as transpose(axis1, axis2))."""
        return _ops.swapaxes(self, axis1=axis1, axis2=axis2)

    def astype(self, dtype):
        """A copy converted to dtype (NumPy's name; PyTorch's is .to(dtype)); differentiable between floats."""
        return _ops.astype(self, dtype=np.dtype(dtype))


def _leaf_copy(cls, data, requires_grad, attributes=None):
    """A computed Value as unpickled: a leaf of class `cls` holding `data`, with the original's own attributes (its
    label among them; see Value.__reduce_ex__)."""
    value = _new_node(cls, data, requires_grad, None, (), None, None)
    if attributes:
        vars(value).update(attributes)
    return value


_DISPLAY = [None]  # the function set by `set_display`, or None for plain text

# How a Value's repr prints an array (`set_printoptions` changes it): short, on one line, as micrograd's reprs are
_PRINT_DEFAULTS = {"precision": 4, "threshold": 8, "edgeitems": 2, "linewidth": 75, "sci_mode": None}
_PRINT_OPTIONS = dict(_PRINT_DEFAULTS)
_PRINT_PROFILES = {"default": {}, "short": {"precision": 2}, "full": {"threshold": 2 ** 63 - 1}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """PyTorch's torch.set_printoptions, for how a Value's repr shows its array (the numbers of a 0-d Value keep 6
    significant digits). Options left as None keep their setting, except sci_mode, which PyTorch also sets each call.

    precision: digits after the decimal point (default 4). threshold: more elements than this are summarised with
    "..." (default 8: the repr is one short line). edgeitems: elements shown at each end of a summarised dimension
    (default 2). linewidth: characters per row before NumPy wraps it (the repr joins the rows into one line).
    profile: "default" (the settings above), "short" (precision 2) or "full" (every element), applied first.
    sci_mode: True for scientific notation, False for fixed point, None to let NumPy choose (default).
    Changes this library's reprs only, not NumPy's own print options.
    """
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PRINT_PROFILES)}, got {profile!r}")
        _PRINT_OPTIONS.update(_PRINT_DEFAULTS, **_PRINT_PROFILES[profile])
    for name, number in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                         ("linewidth", linewidth)):
        if number is None:
            continue
        if isinstance(number, float) and number == float("inf") and name == "threshold":
            number = _PRINT_PROFILES["full"]["threshold"]  # PyTorch's threshold=float('inf'): every element
        if isinstance(number, bool) or not isinstance(number, numbers.Integral) or number < 0:
            raise ValueError(f"set_printoptions: {name} must be a nonnegative integer, got {number!r}")
        _PRINT_OPTIONS[name] = int(number)
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise ValueError(f"set_printoptions: sci_mode must be True, False or None, got {sci_mode!r}")
    _PRINT_OPTIONS["sci_mode"] = sci_mode


def _array_print_options():
    """np.array2string's keyword arguments for the current print options."""
    options = _PRINT_OPTIONS
    kwargs = {"precision": options["precision"], "threshold": options["threshold"],
              "edgeitems": options["edgeitems"], "max_line_width": options["linewidth"]}
    if options["sci_mode"] is True:
        digits = options["precision"]
        kwargs["formatter"] = {"float_kind": lambda x: f"{x:.{digits}e}"}
    elif options["sci_mode"] is False:
        kwargs["suppress_small"] = True  # fixed point for every number
    return kwargs


def stored_grad(value):
    """`value.grad` as a plain ndarray (or a NumPy scalar for a 0-d Value, a Value after
    `backward(create_graph=True)`, or None), for library code that computes with gradients, such as the
    optimizers: the `.grad` property wraps an array in a `GradArray` view on its first read, and a GradArray's
    arithmetic goes through Python; this reads the array without making either view. Read-only use: the
    array is the `.grad` itself, not a copy."""
    if value.__class__.grad is _GRAD_PROPERTY:
        g = value._grad
        if g.__class__ is ScatteredGradient:
            g = value.grad
    else:  # a subclass that keeps its gradient elsewhere (element.py's views into a matrix)
        g = value.grad
    return g.view(_ndarray) if g.__class__ is GradArray else g


_GRAD_PROPERTY = Value.grad


def set_display(show):
    """Make Jupyter (IPython's rich display) show every Value as `show(value, include, exclude)`, a dict
    {mimetype: data}; None restores plain text (the repr). Returns the previous function.

    The core imports no picture code: `autograd_core.viz` calls this when it is imported, so after
    `from autograd_core import viz` a Value displays as the picture of its graph.
    """
    previous, _DISPLAY[0] = _DISPLAY[0], show
    return previous


def _parent_slots(parents):
    n = len(parents)
    if n > 2:
        return parents[0], tuple(parents)
    if n == 2:
        return parents[0], parents[1]
    return (parents[0] if n else None), None


def _number_text(number):
    """A scalar for a repr, to 6 significant digits; a float keeps a decimal point (2.0, not 2: the number is not an
    integer), as Python's float repr and micrograd's Value(data=2.0) show it."""
    if isinstance(number, bool):
        return str(number)
    text = f"{number:.6g}"
    if isinstance(number, float) and text.lstrip("-").isdigit():
        text += ".0"
    return text


def _new_node(cls, data, requires_grad, op, parents, params, scope):
    """A node without validation (the engine's constructor): data is already a NumPy array or scalar."""
    v = _object_new(cls)
    v.data = data
    v._grad = None
    v._requires_grad = requires_grad
    v._op = op
    n = len(parents)  # `_parent_slots`, inline: this runs once per node
    if n == 2:
        v._p0, v._p1 = parents
    elif n == 1:
        v._p0, v._p1 = parents[0], None
    elif n == 0:
        v._p0 = v._p1 = None
    else:
        v._p0, v._p1 = parents[0], tuple(parents)
    v._params = params
    v._hooks = None
    v._scope = scope
    v._origin = None
    v._index = _next_index()
    v._pending = None
    v._version = None
    return v


_object_new = object.__new__
_ENGINE_SLOTS = frozenset(Value.__slots__) - {"__weakref__", "__dict__"}  # see Value.__init_subclass__


# A tuple of Values (max(x, 1)'s (values, indices), sort's, topk's) is not an operand: NumPy would stack it into one
# array, so `(torch.max(out, 1) == labels).sum()` counted matches against both halves, a silently wrong accuracy.
# PyTorch compares a tensor with a tuple as unequal and refuses it in arithmetic.
_NOT_COMPARED = (str, bytes, tuple)
_RESULT_TUPLE_OPERAND = ("unsupported operand type(s): 'Tensor' and '{}', a tuple of tensors (a (values, indices) "
                         "pair such as max(x, dim)'s: take its .values or .indices, or unpack it: "
                         "values, indices = x.max(1))")


def _holds_values(items):
    return any(isinstance(item, Value) for item in items)


def _data(x):
    return x.data if isinstance(x, Value) else x


class PostAccumulateHook:
    """A hook that `register_post_accumulate_grad_hook` keeps among a leaf's hooks: the backward pass calls
    fn(leaf) after adding to `.grad`, not with the gradient before it (engine.`_run_hooks` passes it by)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


class _HookHandle(RemovableHandle):
    """What `register_hook` returns: a RemovableHandle whose remove() also forgets a leaf left without hooks."""

    def __init__(self, value):
        self.id = self._take_id()
        self._value = weakref.ref(value)  # weak, as PyTorch's: a handle keeps no Value alive
        self.extra_dict_ref = ()
        HOOK_HANDLES[self.id] = self  # (found again when an in-place change moves its hook: backward_hooks.py)

    def hooks_dict_ref(self):
        """The Value's hooks dict, or None (PyTorch's attribute: a weak reference to it). Looked up each time: the
        Value's dict is replaced when its hooks are released."""
        value = self._value()
        return None if value is None else value._hooks

    def remove(self):
        value = self._value()
        if value is not None and value._hooks:
            value._hooks.pop(self.id, None)
            if not value._hooks:
                HOOKED_LEAVES.discard(value)


_COMPARISONS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isfinite",
                "isnan", "isinf", "sign"}

_GRAD_TYPE_NAMES = {"complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
                    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                    "uint8": "unsigned char", "bool": "bool"}  # how PyTorch's message names an assigned grad's dtype


def _as_grad_of(value, g):
    """`g` as the `.grad` of `value`, or PyTorch's error: a gradient of another dtype or shape would be promoted or
    broadcast by the next backward pass's accumulation (or fail inside it, half done), and one that is not numbers
    fails at the optimizer's step. Numbers and lists, which have no dtype of their own, take data's (a complex one
    for a real Value is refused: its imaginary part would be dropped)."""
    data = value.data
    shape = np.shape(data)
    if isinstance(g, Value):
        if g is value:
            raise RuntimeError("can't assign Variable as its own grad")
        if g.dtype != data.dtype:
            raise RuntimeError(_grad_dtype_message(g.dtype, data.dtype))
        if g.shape != shape:
            raise RuntimeError(_grad_size_message(g.shape, shape))
        if g.data.__class__ is SparseArray:
            SparseGradients.stored = True
        return g
    if isinstance(g, (list, tuple)) or isinstance(g, numbers.Number) and not isinstance(g, np.generic):
        given = np.asarray(g)
        if given.dtype.kind == "c" and data.dtype.kind != "c":
            raise RuntimeError(_grad_dtype_message(given.dtype, data.dtype))
        if isinstance(g, numbers.Number):  # micrograd's p.grad = 0
            return data.dtype.type(g) if not shape else np.full(shape, g, data.dtype)
        g = given if given.dtype.kind not in "biufc" else given.astype(data.dtype, copy=False)
    if not isinstance(g, (np.ndarray, np.generic)) or g.dtype.kind not in "biufc":
        if g.__class__ is SparseArray:
            return _sparse_grad_of(value, g)
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(g).__name__}")
    if g.dtype != data.dtype:
        raise RuntimeError(_grad_dtype_message(g.dtype, data.dtype))
    if g.shape != shape:
        raise RuntimeError(_grad_size_message(g.shape, shape))
    return g


def _sparse_grad_of(value, g):
    """Sparse data g (what the backward pass accumulates for a sparse gradient) as the `.grad` of `value`: of its
    dtype (else PyTorch's error) and shape, with values of its own layout (PyTorch's accumulation clones a gradient
    whose values are a strided view, so that they are contiguous)."""
    if g.dtype != value.data.dtype:
        raise RuntimeError(_grad_dtype_message(g.dtype, value.data.dtype))
    if g.shape != tuple(np.shape(value.data)):
        raise RuntimeError(_grad_size_message(g.shape, np.shape(value.data)))
    if not g.values.flags.c_contiguous:
        g = g.with_values(np.ascontiguousarray(g.values))
    SparseGradients.stored = True
    return g


def _sparse_gradient(g):
    """Sparse data g as a gradient users read: a sparse tensor that needs no gradient (sparse_tensor.py)."""
    from .sparse_tensor import SparseGradient

    return _new_node(SparseGradient, g, False, None, (), None, None)


def _grad_dtype_message(got, wanted):
    """PyTorch's words for a gradient of dtype `got` assigned to a tensor of dtype `wanted` (without its advice on
    the tensor's grad_dtype attribute, which Values do not have: their gradient has their dtype)."""
    return (f"attempting to assign a gradient with dtype '{_GRAD_TYPE_NAMES.get(got.name, got.name)}' to a tensor "
            f"with grad_dtype '{scalar_type_name(wanted)}'. The gradient must match the tensor's grad_dtype "
            "(defaults to the tensor's dtype).")


def _grad_size_message(got, wanted):
    return (f"attempting to assign a gradient of size '{list(got)}' to a tensor of size '{list(wanted)}'. Please "
            "ensure that the gradient and the tensor are the same size")


from . import ops as _ops  # noqa: E402  (ops needs Value defined)
from .ops.reduce import mean_over_dims as _mean_over_dims, sum_over_dims as _sum_over_dims  # noqa: E402
from . import numpy_functions as _numpy_functions  # noqa: E402
from .recording import apply_binary as _apply_binary, apply_unary as _apply_unary  # noqa: E402
from .engine import backward as _backward  # noqa: E402

_UFUNCS = {
    "add": _ops.add, "subtract": _ops.sub, "multiply": _ops.mul, "divide": _ops.div,
    "true_divide": _ops.div, "power": _ops.pow, "negative": _ops.neg, "positive": lambda x: x,
    "exp": _ops.exp, "log": _ops.log, "sqrt": _ops.sqrt, "tanh": _ops.tanh, "sin": _ops.sin,
    "cos": _ops.cos, "absolute": _ops.abs, "maximum": _ops.maximum, "minimum": _ops.minimum,
    "matmul": _ops.matmul, "square": lambda x: _ops.mul(x, x),
}


def _not_one_element(function, shape):
    """PyTorch's ValueError words for float() or int() of a Value of more than one element, then ours."""
    return (f"only one element tensors can be converted to Python scalars ({function}() of a Value of shape {shape}: "
            f"take one element, x[i], or reduce it first, x.sum())")

