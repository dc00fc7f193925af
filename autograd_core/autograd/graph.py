"""torch.autograd.graph: `Node` (what `grad_fn` is), `saved_tensors_hooks`, `save_on_cpu`,
`disable_saved_tensors_hooks`, `increment_version`, `register_multi_grad_hook` (multi_grad_hook.py).

What a node "saves" here: this engine keeps no separate copies of saved tensors. A recorded node keeps its
inputs and its own output (Values), and its rules read their arrays during the backward pass. So:

* `pack_hook(tensor)` is called, while a `saved_tensors_hooks` block is open, for what the rules of each node recorded
  there (a node that needs a gradient) read, once per input read and once for the output if read: the positions
  the in-place check uses (`rule_reads._read_by_rules`, from the rules' bytecode; only the rules of inputs that
  need a gradient). That is PyTorch's choice for the common operations: nothing for `+`, `-`, sums, reshapes and
  slices, both inputs for `*` and `/`, the output for exp, tanh, sigmoid, sqrt and softmax, the input for sin, log
  and relu... (tests/test_parity_gaps.py compares them op by op). Where our rule reads other things than PyTorch's
  formula, the hook sees what ours reads (relu and abs read the input, PyTorch's relu saves the output; `x ** 2`
  reads the output too; a fused primitive such as nn's linear reads what its own rule reads). Python numbers are
  not packed (they are constants here: the interned leaves of value.py; a float zero, or a number next to an integer
  or complex tensor, is not interned and is packed as a 0-d tensor). A rule this cannot read (not a plain
  function) packs every input and the output, as before;
* `unpack_hook(packed)` is called for each of them when a backward pass reaches that node (each pass), as in PyTorch,
  but the rules still read the node's own arrays: what unpack_hook returns is not used. A pass that frees the graph
  (no retain_graph) lets go of the packed objects at its end, as PyTorch frees saved tensors (the hooks tutorial's
  temporary files are deleted then). Hooks that observe,
  count or check saved tensors work as in PyTorch; hooks meant to free memory (offloading, compressing) do not
  free any here, and `save_on_cpu` has nothing to move (every array is in host memory): it hooks nothing.

The hooks follow the recording through a tracer (tracing.py), so outside a block nothing is looked up: they cost
nothing when unused. A node whose packed object is the node itself (an identity pack_hook) is part of a reference
cycle until its backward pass runs or the garbage collector collects it.
"""

from __future__ import annotations

import abc
import contextvars
import weakref

import numpy as np

from ..grad_fn import AccumulateGrad, GradFn, release_when_freed
from ..version_counter import mark_changed
from ..rule_reads import _read_by_rules
from ..modes import TRACERS
from ..tracing import Tracer
from ..value import _CONSTANTS, Value
from .multi_grad_hook import register_multi_grad_hook

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "increment_version",
           "register_multi_grad_hook"]


class Node(abc.ABC):
    """What `x.grad_fn` is (and what its `next_functions` hold): `isinstance(y.grad_fn, Node)` is True. A node has
    `name()`, `next_functions`, `metadata`, `register_hook(fn(grad_inputs, grad_outputs))` and
    `register_prehook(fn(grad_outputs))` (grad_fn.py)."""

    @abc.abstractmethod
    def name(self) -> str:
        """The node's name, e.g. 'MulBackward0'."""


Node.register(GradFn)
Node.register(AccumulateGrad)

# The innermost open saved_tensors_hooks of this thread (only it applies, as in PyTorch), and the message of an open
# disable_saved_tensors_hooks (None: allowed).
_HOOKS = contextvars.ContextVar("autograd_core.saved_tensors_hooks", default=None)
_DISABLED = contextvars.ContextVar("autograd_core.saved_tensors_hooks_disabled", default=None)


class _Packing(Tracer):
    """Sees every operation of the block; packs what each recorded node keeps and registers its unpacking."""

    runs_operations = True  # the hooks are the user's code: whatever they compute is not seen by this tracer

    def __init__(self, hooks):
        self.hooks = hooks

    def record(self, op, args, params, node):
        if _HOOKS.get() is not self.hooks or not node.requires_grad or node.is_leaf:
            return  # an outer block's tracer, or nothing recorded (no gradient needed, no_grad)
        pack, unpack = self.hooks.pack_hook, self.hooks.unpack_hook
        packed = [pack(v) for v in _saved_by(node)]

        def unpack_saved(grad):
            for p in packed:
                unpack(p)
            if packed:
                release_when_freed(grad_node(), packed.clear)  # freed with the graph, as PyTorch's

        grad_node = weakref.ref(node)
        node.register_hook(unpack_saved)


def _saved_by(node):
    """The Values the rules of `node` read in a backward pass, in PyTorch's sense of saved tensors: the inputs read
    (argument order), then the output if read; Python numbers (constant leaves) left out."""
    parents = node.parents
    reads = _read_by_rules(node, parents)
    saved = [v for i, v in enumerate(parents) if i in reads and not _is_number(v)]
    return saved + [node] if -1 in reads else saved


def _is_number(v):
    """Whether v is the constant leaf a Python number became (value.py interns them by the number and the scalar
    class or dtype of the other operand)."""
    data = v.data
    if not isinstance(data, np.generic) or data.dtype.kind != "f" or v.requires_grad:
        return False
    number = data.item()
    return _CONSTANTS.get((number, data.__class__)) is v or _CONSTANTS.get((number, data.dtype)) is v


class saved_tensors_hooks:
    """`with saved_tensors_hooks(pack_hook, unpack_hook):` calls `pack_hook(tensor)` for what each operation
    recorded in the block keeps for its backward pass, and `unpack_hook(packed)` on each result when a backward
    pass reaches that operation. See the module's docstring for what is hooked here (the unpacked result is not
    used: rules read the nodes' own arrays). Nested blocks: the innermost applies."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        message = _DISABLED.get()
        if message is not None:
            raise RuntimeError(message)
        self._tracer = _Packing(self)
        self._tokens = (_HOOKS.set(self), TRACERS.set(TRACERS.get() + (self._tracer,)))
        return self

    def __exit__(self, *exc):
        hooks_token, _ = self._tokens
        TRACERS.set(tuple(t for t in TRACERS.get() if t is not self._tracer))
        _HOOKS.reset(hooks_token)
        return False


class save_on_cpu(saved_tensors_hooks):
    """PyTorch's context that moves saved tensors to the CPU until the backward pass: every array here already is in
    host memory, so it does nothing (same arguments, accepted and ignored)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(_same, _same)
        self.pin_memory, self.device_type = pin_memory, device_type

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _same(x):
    return x


class disable_saved_tensors_hooks:
    """`with disable_saved_tensors_hooks(error_message):` opening a `saved_tensors_hooks` block inside raises
    RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self._token = _DISABLED.set(self.error_message)
        return self

    def __exit__(self, *exc):
        _DISABLED.reset(self._token)
        return False


def increment_version(tensor):
    """Mark a Value (or each of an iterable of Values) as changed in place, as a write through `.data` would not:
    graphs that saved it before then refuse to run their backward pass (version_counter.py's counters)."""
    tensors = (tensor,) if isinstance(tensor, Value) else tuple(tensor)
    mark_changed(*tensors)
