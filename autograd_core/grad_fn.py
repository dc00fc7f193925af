"""`GradFn`: PyTorch's `x.grad_fn` view of the operation that recorded a Value (`name()`, `next_functions`).

    y = (x * 2).sum()
    y.grad_fn.name()                                    # 'SumBackward0'
    y.grad_fn.next_functions[0][0].next_functions       # ((<AccumulateGrad ...>, 0), (None, 0))

Names and `next_functions` are PyTorch's where one node here is what PyTorch records (grad_fn_names.py): a table
renames a primitive (concatenate -> CatBackward0), and small functions name a node from what it was called with, as
PyTorch's name depends on it (linear with a bias -> AddmmBackward0, without -> MmBackward0; x[0] -> SelectBackward0,
x[1:] -> SliceBackward0, x[idx] -> IndexBackward0; reshape -> ViewBackward0, or UnsafeViewBackward0 over
CloneBackward0 where it copies; x ** 2 -> PowBackward0 with one entry). Where PyTorch records several nodes for one of
ours, the nodes it has and this library does not are shown too, as GradFns of the same Value (`GradFn(node, path)`):
linear's AddmmBackward0 lists (bias, x, TBackward0 of the weight), as PyTorch's. All of this is computed when
`grad_fn` is read, never while recording. The losses (mse_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
with logits, nll_loss) are one node each, as PyTorch's; cross_entropy's one node shows as PyTorch's two,
NllLossBackward0 (images: NllLoss2DBackward0) over LogSoftmaxBackward0, and its options are nll_loss of log_softmax.

An assignment into a Value (x[1:] = v: inplace_functions.placed's where) shows as PyTorch's CopySlices
(IndexPutBackward0 for index arrays and masks), listing (x's earlier node, v's). Layer, batch and group norm show their
last node (scale_shift, or the normalisation) as PyTorch's one, NativeLayerNormBackward0 ..., listing (input, weight,
bias): the input found below this library's own nodes (a `Through` entry of grad_fn_names.py). Compositions PyTorch
computes in one kernel show as it where their last node is relabelled by one_node.shown_as (x.norm(p=1), repeat,
masked_fill, adaptive max pooling, conv1d, ...): its `next_functions` list the composition's inputs.

The outputs of PyTorch's one node of several outputs (std_mean, svd, split, unbind, ...: one_node.outputs_of_one_node)
share one GradFn, and each GradFn (and AccumulateGrad) is one object while held, as PyTorch's (`y.grad_fn is
y.grad_fn`); next_functions give PyTorch's output numbers (svd's S: 1), and hooks on it have PyTorch's semantics,
all outputs' gradients at once (grad_fn_hooks.py). einsum of one or two operands shows PyTorch's
chain (grad_fn_einsum.py).

What is still this library's own graph (docs/coming-from-pytorch.md lists them): cross_entropy with probabilities,
cosine_similarity, cdist, quantile, einsum with a label of size 1, the bidirectional recurrent layers (and LSTM with
proj_size, dropout between layers, packed sequences: nn/rnn_grad_fn.py shows the others unrolled as PyTorch's);
matmul of a matrix and a batch (or of batches that broadcast) keeps the name made of its title, as other
primitives outside the tables do. (std is one primitive, StdBackward0; x.max(dim), x.min(dim), x.median(dim), cummax
and cummin are one `pick` each, MaxBackward0, ...; topk's sort is TopkBackward0; the 2-norm and constant padding are
one primitive each, LinalgVectorNormBackward0 and ConstantPadNdBackward0.)
"""

from __future__ import annotations

import weakref

from . import grad_fn_hooks
from .grad_fn_names import Through, hook_refusal, layout_at
from .one_node import output_of, shown_node

_FREED_MESSAGE = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                  "have already been freed). Saved intermediate values of the graph are freed when you call "
                  ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
                  "a second time or if you need to access saved tensors after calling backward.")


def is_freed(node):
    """Whether a backward pass without retain_graph has freed the node's saved values (engine.run_backward)."""
    from .backward_undo import _Freed

    return node._params.__class__ is _Freed


def release_when_freed(node, release):
    """Call release() at the end of the backward pass running now if that pass frees the node's saved values, as
    PyTorch frees a node's packed saved tensors with its graph (a weak reference: the node keeps this call alive
    through its hook, and no cycle is made)."""
    from .backward_hooks import queue_callback

    node = weakref.ref(node)

    def release_if_freed():
        alive = node()
        if alive is None or is_freed(alive):
            release()

    queue_callback(release_if_freed)


# What a node's inputs are called among PyTorch's saved tensors (`grad_fn._saved_self`, `_saved_other`; the output
# is `_saved_result`). The hooks registered on one of them (`grad_fn._raw_saved_self.register_hooks(pack, unpack)`)
# live in the node's own attribute dict under _RAW_HOOKS, {name: (packed, unpack_hook)}, and go with the node.
_SAVED_INPUTS = {"self": 0, "other": 1}
_RAW_HOOKS = "_raw_saved_tensor_hooks"


class GradFn:
    """The operation that recorded a Value, as PyTorch's `grad_fn` shows it: `name()` ("MulBackward0"),
    `next_functions` (one `(fn, 0)` per input: the input's GradFn, an `AccumulateGrad` for a leaf that
    requires grad, None for a constant), `metadata` ({}), and `primitive` (the shared Primitive). Two GradFns
    of the same Value are equal."""

    __slots__ = ("_node", "_path", "_op", "_at", "__weakref__")

    def __new__(cls, node, path=()):
        # One GradFn a node while it is held, as PyTorch's (`y.grad_fn is y.grad_fn`; the outputs of PyTorch's one
        # node of several outputs share theirs: `U.grad_fn is S.grad_fn` after svd), an instance of a class named as
        # the node (`type(y.grad_fn).__name__ == 'MulBackward0'`, PyTorch's), one class per name
        if cls is not GradFn:
            return object.__new__(cls)
        if not path:
            node = shown_node(node)  # (triangular_solve's copy of A: the solution's node, listing b and A)
        key = _key(node, path)
        shown = _SHOWN.get(key)
        if (shown is not None and shown._op is shown._node._op and shown._at == shown._node._index
                and _key(shown._node, path) == key):
            return shown  # (not if its node has since changed in place: another node then, as PyTorch's)
        name = layout_at(node, path)[0]
        named = _CLASSES.get(name)
        if named is None:
            named = _CLASSES[name] = type(name, (GradFn,), {"__slots__": (), "__module__": __name__})
        fn = object.__new__(named)
        # path: () for the node recorded here; else the positions, in next_functions, that lead from it to a node
        # PyTorch records and this library does not (TBackward0 under linear's AddmmBackward0: (2,))
        fn._node, fn._path, fn._op, fn._at = node, path, node._op, node._index
        _SHOWN[key] = fn
        return fn

    def _now(self):
        """The Value whose node this GradFn is: its own, or after an in-place change recorded over it since, the old
        version's that inplace_graph keeps (PyTorch's grad_fn fetched before a change stays the old node: its hooks,
        name and next_functions are that node's)."""
        node = self._node
        if node._index != self._at:
            from .inplace_graph import _frozen_as_of

            old = _frozen_as_of(node, self._at)
            if old is not None:
                self._node, self._op, self._at = old, old._op, old._index
                _SHOWN[_key(old, self._path)] = self
                return old
        return node

    @property
    def primitive(self):
        return self._node._op

    def name(self):
        name = layout_at(self._now(), self._path)[0]
        return _QUALIFIED.get(name, name)

    @property
    def next_functions(self):
        node, path = self._now(), self._path
        entries = layout_at(node, path)[1]
        parents = node._parents
        if entries is None:
            return tuple((_edge_function(p), _output_nr(p)) for p in parents)
        return tuple((_entry_function(node, path + (j,), e), _entry_output_nr(node, e)) for j, e in enumerate(entries))

    @property
    def metadata(self):
        return {}

    def register_prehook(self, fn):
        """Call fn(grad_outputs) (a 1-tuple: this node's gradient) when a backward pass reaches the node, before its
        rules run; a tuple returned replaces the gradient. Returns a handle with `.remove()` (a Value hook).
        On PyTorch's one node of several outputs (svd, std_mean, split, ...), grad_outputs has one gradient per
        output, None for one that got none (grad_fn_hooks.py)."""
        shared = self._shared()
        if shared is not None:
            return grad_fn_hooks.register(fn, shared, "prehooks")
        return grad_fn_hooks.register_on_node(fn, self._recorded(), "prehooks")

    def _recorded(self):
        """The node, where this GradFn is the node recorded here (not one PyTorch has and this library does not)."""
        if self._path:
            raise RuntimeError(f"{self.name()}: this node is PyTorch's, shown in next_functions where one node here "
                               "does its work; hooks go on the node above it")
        return self._now()

    def _shared(self):
        """The outputs (one_node.Outputs) of PyTorch's one node of several outputs that this GradFn is, else None."""
        shared = None if self._path else output_of(self._node)
        return None if shared is None else shared[0]

    def register_hook(self, fn):
        """Call fn(grad_inputs, grad_outputs) when a backward pass reaches the node: grad_inputs has one gradient per
        input of the recorded operation, in its order (None for an input that needs none: `next_functions`' order
        too, except where PyTorch lists other nodes, as linear's bias, input, TBackward0), grad_outputs is (this
        node's gradient,). Returning None observes; returning a tuple of as many gradients (None to send an input
        nothing) replaces grad_inputs, as PyTorch's: the inputs get the replacements instead of what the node's rules
        give. Returns a handle. On PyTorch's one node of several outputs (svd, std_mean, split, ...) grad_outputs has
        one gradient per output (None for one that got none) (grad_fn_hooks.py). On PyTorch's one node that is several
        here (x.norm(p=1): sum of abs; one_node.shown_as), grad_inputs are the gradients of that node's inputs;
        where they could not be PyTorch's (grad_fn_names.hook_refusal), RuntimeError says why."""
        shared = self._shared()
        if shared is not None:
            return grad_fn_hooks.register(fn, shared, "hooks")
        refusal = None if self._path else hook_refusal(self._now())
        if refusal is not None:  # (where grad_inputs could not be PyTorch's)
            raise RuntimeError(f"{self.name()}.register_hook: {refusal}; use register_prehook, or a hook on an input "
                               "Value")
        return grad_fn_hooks.register_on_node(fn, self._recorded(), "hooks")

    def __getattr__(self, name):
        """PyTorch's saved tensors of the node: `_saved_self` and `_saved_other` are its first and second inputs
        (the Values themselves), `_saved_result` its output (a new Value sharing its data and gradient path, as
        PyTorch unpacks a saved output); `_raw_saved_<name>` is the `SavedTensor` on which `register_hooks(pack,
        unpack)` is called. This engine keeps every input and the output of a node, so each node answers them all
        (PyTorch's only those its derivative formula saves); other names raise AttributeError."""
        raw = name.startswith("_raw_saved_")
        which = name[len("_raw_saved_"):] if raw else name[len("_saved_"):] if name.startswith("_saved_") else None
        parents = _inputs(self._node) if which is not None and not self._path else ()
        if which == "result" or (which in _SAVED_INPUTS and _SAVED_INPUTS[which] < len(parents)):
            if is_freed(self._node):
                raise RuntimeError(_FREED_MESSAGE)
            saved = SavedTensor(self._node, which)
            return saved if raw else saved.unpack()
        raise AttributeError(f"'{self.name()}' object has no attribute '{name}'")

    def __eq__(self, other):
        return isinstance(other, GradFn) and (other is self or _key(other._node, other._path) == _key(self._node,
                                                                                                    self._path))

    def __hash__(self):
        return hash(_key(self._node, self._path))

    def __repr__(self):
        return f"<{self.name()} object at {id(self._node) + len(self._path):#x}>"


def _inputs(node):
    """The node's inputs as PyTorch's node has them: its parents, or for the last node of several that PyTorch
    records as one (one_node.py), the inputs of that one node (None for one it lists as None)."""
    below = getattr(node._op, "grad_fn_input", None)
    if below is None:
        return node._parents
    return tuple(None if path is None else Through(path).value(node) for path in below)


_CLASSES = {}  # GradFn's subclass of each name
# The GradFns and AccumulateGrads alive, by _key: each holds its node, so a key's id is not reused while it is here
_SHOWN = weakref.WeakValueDictionary()


def _key(node, path):
    """What identifies a GradFn: its node, or the outputs of PyTorch's one node it is one of, and the path below."""
    shared = output_of(node)
    return (id(node) if shared is None else id(shared[0])), path


def _output_nr(value):
    """Which output of PyTorch's node Value `value` is (next_functions' second item for it): 0 but for the outputs
    of PyTorch's one node of several (one_node.outputs_of_one_node)."""
    shared = output_of(value)
    return 0 if shared is None else shared[1]


def _entry_output_nr(node, entry):
    if entry.__class__ is int:
        return _output_nr(node._parents[entry])
    if entry.__class__ is Through:
        below = entry.value(node)
        return 0 if below is None else _output_nr(below)
    return entry[2] if entry is not None and len(entry) > 2 else 0  # (name, entries, output_nr): not output 0
_QUALIFIED = {"CopySlices": "torch::autograd::CopySlices"}  # name() of PyTorch's C++ nodes (their class: CopySlices)


def _entry_function(node, path, entry):
    """next_functions' function of one entry of a layout: None, an input's edge, or a GradFn of a node PyTorch has
    (None when no input below it requires grad, as PyTorch records no node then)."""
    if entry is None:
        return None
    if entry.__class__ is int:
        return _edge_function(node._parents[entry])
    if entry.__class__ is Through:
        below = entry.value(node)
        return None if below is None else _edge_function(below)
    return GradFn(node, path) if _any_requires_grad(node, entry) else None


def _any_requires_grad(node, entry):
    if entry is None:
        return False
    if entry.__class__ is int:
        return node._parents[entry].requires_grad
    if entry.__class__ is Through:
        below = entry.value(node)
        return below is not None and below.requires_grad
    return any(_any_requires_grad(node, e) for e in entry[1])


class SavedTensor:
    """One saved tensor of a node (`grad_fn._raw_saved_self`): `register_hooks(pack_hook, unpack_hook)` packs it now
    and unpacks it on each read of `grad_fn._saved_<name>` and when a backward pass reaches the node, as PyTorch's
    does (the node's rule still reads its own arrays: see autograd/graph.py)."""

    __slots__ = ("_node", "_name")

    def __init__(self, node, name):
        self._node, self._name = node, name

    def _tensor(self):
        node = self._node
        if self._name == "result":
            from .ops.shape import reshape  # the output, aliased: a new Value whose gradient flows to the node

            return reshape(node, shape=node.shape)
        return _inputs(node)[_SAVED_INPUTS[self._name]]

    def unpack(self):
        hooked = vars(self._node).get(_RAW_HOOKS, {}).get(self._name)
        if hooked is None:
            return self._tensor()
        packed, unpack_hook = hooked
        return unpack_hook(packed)

    def register_hooks(self, pack_hook, unpack_hook):
        """Pack the saved tensor with pack_hook now; unpack_hook(packed) gives it back when it is read."""
        if not (callable(pack_hook) and callable(unpack_hook)):
            raise TypeError("register_hooks: pack_hook and unpack_hook must be callable")
        hooks = vars(self._node).setdefault(_RAW_HOOKS, {})
        if self._name in hooks:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. Hint: "
                               "only one pair of hooks is allowed at a time.")
        packed = pack_hook(self._tensor())
        hooks[self._name] = (packed, unpack_hook)
        if self._node.requires_grad:
            name, node = self._name, weakref.ref(self._node)

            def unpack_in_backward(grad):  # an observer: the gradient goes on unchanged
                hooked = vars(node()).get(_RAW_HOOKS, {})
                if name in hooked:
                    hooked[name][1](hooked[name][0])
                    release_when_freed(node(), lambda: hooked.pop(name, None))

            self._node.register_hook(unpack_in_backward)


class AccumulateGrad:
    """`next_functions`' entry for a leaf that requires grad: `variable` is the leaf."""

    __slots__ = ("variable", "__weakref__")

    def __new__(cls, variable):
        # one a leaf while it is held, as PyTorch's (the entries of two nodes over one leaf are one object)
        key = ("leaf", id(variable))
        shown = _SHOWN.get(key)
        if shown is None:
            shown = _SHOWN[key] = object.__new__(cls)
            shown.variable = variable
        return shown

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def register_prehook(self, fn):
        """Call fn((grad,)) when a backward pass is about to add the leaf's gradient to its .grad (after the leaf's
        own hooks); a tuple returned replaces what is added ((None,): nothing). Not in autograd.grad's passes, which
        add to no .grad (PyTorch's run no AccumulateGrad). Returns a handle."""
        return grad_fn_hooks.register_on_node(fn, self.variable, "prehooks")

    def register_hook(self, fn):
        """Call fn((), (grad,)) once a backward pass has added the leaf's gradient to its .grad (after its
        post-accumulate-grad hooks), as PyTorch's AccumulateGrad, which has no inputs. Returns a handle."""
        return grad_fn_hooks.register_on_node(fn, self.variable, "hooks")

    @property
    def metadata(self):
        return {}

    next_functions = ()

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self.variable):#x}>"


def _edge_function(parent):
    if not parent.requires_grad:
        return None
    return GradFn(parent) if parent._parents else AccumulateGrad(parent)
