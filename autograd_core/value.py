"""`Value`: the one node type, holding a scalar or an n-d array, and the edges that produced it."""

from __future__ import annotations

import itertools
import numbers
import operator
from types import MappingProxyType

import numpy as np

from .errors import DTypeError, NotAValueField
from .grad_array import GradArray, LeafArray
from .inplace import InplaceMethods
from .lazy_bits import BITS_SET as _LAZY_BITS_SET, carry_to_element as _carry_lazy_bits
from .modes import SCOPE as _SCOPE
from .python_numbers import _complex_constant, _number_dtype, _scalar_of, complex_values_exist
from .scattered_gradient import ScatteredGradient
from .sparse_array import SparseArray
from .tensor_methods import Size, TensorMethods, callable_size

_FLOAT64 = np.dtype(np.float64)
_FLOAT_SCALARS = frozenset({np.float16, np.float32, np.float64, np.longdouble})  # each class is one dtype
_ndarray = np.ndarray
_CONSTANTS = {}  # (number, dtype) -> constant leaf, see Value._constant
_NOT_A_LEAF = ("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
               "subgraph that doesn't require differentiation use var_no_grad = var.detach().")  # PyTorch's words


# Every node gets a creation number: parents are always older than their children, so sorting by it is a
# topological order (the backward pass relies on this).
_next_index = itertools.count().__next__
_LAST_CONSTANT = [(None, None, None)]  # (number, kind, leaf): the latest constant Value._constant handed out
# (kind: the peer's data class for NumPy float scalars, else its dtype); recording.apply_binary looks here first.


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


# While a call is compiled (jit.py), the recorder told of each NumPy scalar an operation takes as a constant operand
# (copied into a new one): one a traced gradient gave (`p -= lr * p.grad` of a 0-d parameter) is computed at replay.
CONSTANT_WATCHERS = []


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
    # micrograd's private fields, which its draw_dot and the lecture's node-by-node backward pass read: a node here
    # keeps its inputs in argument order and its derivative in its primitive, so these say what to read instead
    _prev = NotAValueField("micrograd's set of a node's inputs: read v.parents, a tuple in argument order, and v.op; "
                           "autograd_core.viz.draw(v) is micrograd's draw_dot")
    _backward = NotAValueField("micrograd's per-node backward step: call loss.backward() once for the whole graph; "
                               "autograd_core.viz.backward_steps(loss) draws it node by node")
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
                raise TypeError(f"unsupported operand type {type(x).__name__!r} (NumPy reads it as dtype {arr.dtype}): "
                                "an operand of a Value is a number, an array or (nested) list of numbers, or a Value")
            elif dtype.kind not in "fc" and isinstance(x, np.floating):  # a NumPy float is a Python float to PyTorch
                arr = arr.astype(_number_dtype(1.0, dtype))  # the default float dtype next to integers, not float64
            data = arr[()] if arr.ndim == 0 else arr
            if CONSTANT_WATCHERS and isinstance(x, np.generic):  # a compile recording: see CONSTANT_WATCHERS
                CONSTANT_WATCHERS[0](x, data)
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

    # ------------------------------------------------------------------------------------------------
    # Arithmetic: operators delegate to the primitives in `ops`.

    # x + y, x * y, x ** y and x @ y are `recording.binary`'s functions of their primitives themselves, and -x
    # `recording.unary`'s (set below the class: one Python frame less per operation); the other operators call them
    # with their operands in order.

    def __radd__(self, other):
        return _add(other, self)

    def __sub__(self, other):
        if other.__class__ is bool:  # NumPy computes x - True; PyTorch refuses it (and computes x - np.True_)
            _ops.arith.refuse_bool_subtraction(None, self, other)
        return _sub(self, other)

    def __rsub__(self, other):
        if other.__class__ is bool:
            _ops.arith.refuse_bool_subtraction(None, other, self)
        return _sub(other, self)

    def __rmul__(self, other):
        return _mul(other, self)

    def __truediv__(self, other):
        if not self._requires_grad and self.data.dtype.kind in "biu":  # integers divide into the default float dtype
            return _ops.arith.div(self, other)
        return _div(self, other)

    def __rtruediv__(self, other):
        if not self._requires_grad and self.data.dtype.kind in "biu":
            return _ops.arith.div(other, self)
        return _div(other, self)

    def __rpow__(self, other):
        return _pow(other, self)

    def __rmatmul__(self, other):
        return _matmul(other, self)

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


def _leaf_copy(cls, data, requires_grad, attributes=None):
    """A computed Value as unpickled: a leaf of class `cls` holding `data`, with the original's own attributes (its
    label among them; see Value.__reduce_ex__)."""
    value = _new_node(cls, data, requires_grad, None, (), None, None)
    if attributes:
        vars(value).update(attributes)
    return value


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


def _parent_slots(parents):
    n = len(parents)
    if n > 2:
        return parents[0], tuple(parents)
    if n == 2:
        return parents[0], parents[1]
    return (parents[0] if n else None), None


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


# The rest of Value: what needs it defined. Its hook, printing, conversion and NumPy-named methods are written in
# modules of their own and copied onto it as each loads (method_families.py).
from . import value_hooks, value_printing  # noqa: E402,F401
from .grad_assignment import _as_grad_of, _sparse_gradient  # noqa: E402
from . import ops as _ops  # noqa: E402  (ops needs Value defined)
from .recording import binary as _binary, unary as _unary  # noqa: E402
_add, _sub, _mul, _div, _pow, _matmul = map(_binary, (_ops.add, _ops.sub, _ops.mul, _ops.div, _ops.pow, _ops.matmul))
Value.__add__, Value.__mul__, Value.__pow__, Value.__matmul__ = _add, _mul, _pow, _matmul
Value.__neg__ = _unary(_ops.neg)
for _name in ("__add__", "__mul__", "__pow__", "__matmul__", "__neg__"):  # named as Value's (pickle finds them)
    _method = Value.__dict__[_name]
    _method.__name__, _method.__qualname__, _method.__module__ = _name, f"Value.{_name}", __name__
del _name, _method
from .engine import backward as _backward  # noqa: E402
from . import value_conversions, value_methods  # noqa: E402,F401
from .value_hooks import PostAccumulateHook  # noqa: E402,F401  (a pickled Value holding one names it here)
from .value_printing import set_display  # noqa: E402,F401  (where docs/architecture.md named it before)
