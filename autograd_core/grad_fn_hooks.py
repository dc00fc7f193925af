"""The hooks of a node (`y.grad_fn.register_prehook(fn)`, `y.grad_fn.register_hook(fn)`), run in PyTorch's order and
with its semantics, also on PyTorch's one node of several outputs (svd, std_mean, split, ...) although this library
records one node per output (one_node.outputs_of_one_node):

    s, m = torch.std_mean(x, 1)
    s.grad_fn.register_prehook(lambda grad_outputs: ...)           # (grad of s, grad of m): None for one unused
    s.grad_fn.register_hook(lambda grad_inputs, grad_outputs: ...)  # grad_inputs: (grad of x,)

A prehook gets grad_outputs, one per output (None for an output that got no gradient); a hook gets (grad_inputs,
grad_outputs) once the node's work is done, grad_inputs one per input of PyTorch's node (`next_functions`' order).
Either may return a tuple of the same length that replaces what it got (the same shapes and dtypes, or PyTorch's
errors). With create_graph=True the gradients they get are Values, and what they return stays differentiable.

The order is PyTorch's, whatever the order of registration: each output's own hooks (`t.register_hook`) first, then
its retained gradient (`.grad`, and what autograd.grad returns for it) is taken, then the node's prehooks, the node's
work, and its hooks. A node's hooks live in one `NodeHook` among each output Value's hooks; the backward pass hands it
that Value's whole step (backward_hooks._run_hooks), and it returns the gradient to send on, or a `_TakenOver` when the
retained gradient and the one sent differ (a prehook's replacement) or the node's work was done here (a hook's
replaced grad_inputs, sent to the inputs by `_send_to_inputs`).

A node of several outputs runs once per backward pass, when the pass reaches the first of its outputs that received a
gradient: every output's gradient is complete then, as every consumer of an output is younger than all the outputs.
It reads the other outputs' gradients from the pass (their `_pending`), runs their own hooks (in PyTorch's order: by
each output's first hook; an output without a gradient's with None) and keeps each output's result for the pass's
turn at it (`_GroupHooks.ahead`). grad_inputs is computed by running the rules of the nodes between the outputs and
the node's inputs (`_node_vjp`: the nodes the call recorded, younger than its inputs); where no hook replaces it the
pass itself still does that work, so an observing hook changes no number.

PyTorch's one node that is several nodes here (one_node.shown_as: x.norm(p=1) is sum(abs(x))) keeps its hooks on
the last of them, whose gradient is the one node's output's: a prehook's replacement flows into the chain below, and
the hooks get grad_inputs for the one node's inputs, from the rules of the nodes its call recorded (`_node_vjp`, as
for a node of several outputs: `_step_composite`); a hook's replacement is what those inputs get.

Where PyTorch's node lists nodes of its own that this library's one node does the work of (grad_fn_hook_inputs'
listed edges), grad_inputs are what PyTorch's node sends them, and a replacement goes back through this library's
rules: under a view on top (linear of a 3-D input: ViewBackward0 of AddmmBackward0), the node's gradient in the
shape of the node below the view; over an input's views (x[0, 0]: SelectBackward0 of SelectBackward0; einsum's
permuted operands: the primitive's `inner_view`) or an inner node (cross_entropy's LogSoftmaxBackward0: `inner_node`),
the gradients at their outputs; where PyTorch's node takes an input below this one (layer_norm's x below the
normalisation, x[1:] = v's v), the rules of the nodes between, as for a composite.
The top of a chain that PyTorch records where this library computes one composite (vander's flip, circular
padding's last copy, cond's nan_to_num, einsum's last product, an unsorted pack_padded_sequence's packing of the sorted
batch; hypot(x, x)'s own node, over copies of x) gives that top's grad_inputs from the entries and operation the
composite declares (grad_fn_chain_tops: `_step_chain_top`); a recurrent layer's output, its gradient unstacked. Under
create_graph, group_norm's hooks record PyTorch's formula written with the mean and rstd it saves
(`declare_native_backward`), whose gradients a later pass holds for the node's hooks (`_held_for_node`); a pass that
reaches them and not the node's output runs the node's hooks at the last of them (`_saved_outputs_alone`).

In a pass that computes gradients for some Values alone (autograd.grad's inputs, backward's inputs=), grad_inputs
hold None for each input from which no path leads to one of them, as PyTorch's node computes only what its pass needs
(`_needed_only`; not cat's and stack's, which compute every tensor's).

A node the pass reaches with no gradient (a rule, a prehook or a hook sent it none) runs its hooks with None
(NodeHook.step_of_none), as PyTorch runs every node of its graph: the Value's hooks get None, the prehooks (None, ...),
the hooks (None, ...) for grad_inputs; a node of several outputs none of which got a gradient runs them at its first
output the pass reaches (`_group_of_none`), else at the first that got one, with None for the others. An output with
a hook of its own has its node's step taken even without node hooks (`watch_output`), so that it gets None there.

A double backward may reach such a node's inner nodes (what its rules read, as PyTorch's reads its saved outputs) and
none of its outputs: each inner node carries a NodeHook too, and the youngest reached runs the node's hooks
(`_step_inner`), with grad_inputs from the inner nodes' gradients; grad_outputs are then all None (PyTorch's hold the
gradients of its saved outputs, which this library cannot tell apart from the inner nodes').
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import numpy as np

from .grad_fn_hook_inputs import (
    _WHOLE_LIST, _call_nodes, _edge_vjps, _inner_gradients, _listed_edges, _node_inputs, _node_vjp, _plain,
    OWN, UNSTACKED, _send_to_inputs, _take_inner_gradients, at_listed_edges, inputs_further_down, repeated_inputs,
    top_of_chain,
)
from .grad_fn_chain_tops import ChainTop, declared_top
from .hook_handles import RemovableHandle


class NodeHook:
    """The hooks of the node that made a Value, kept among the Value's hooks (one a Value): the backward pass gives it
    the Value's step (`step`), which runs the Value's own hooks first. `position`: the Value's output number on a node
    of several outputs (`state.group` is then that node's one_node.Outputs, else None)."""

    __slots__ = ("state", "position")

    def __init__(self, state, position=0):
        self.state, self.position = state, position

    def step(self, value, g):
        """Value's gradient g (PyTorch's convention) after all its hooks, as backward_hooks._run_hooks returns it."""
        if self.position.__class__ is _Saved:
            return _held_for_node(self.state, self.position, value, g)
        if self.state.group is not None:
            if self.position is None:
                return _step_inner(self.state, value, g)
            return _step_group(self.state, self.position, value, g)
        return _step_one(self.state, value, g) if value._op is not None else _step_leaf(self.state, value, g)

    def step_of_none(self, value):
        """The node's hooks where the pass reached `value` with no gradient (a rule or a hook sent it none): called
        with None, as PyTorch runs such a node (backward_hooks.run_hooks_of_none)."""
        state = self.state
        if self.position.__class__ is _Saved:
            return
        if state.group is not None:
            if self.position is not None:  # (an inner node without a gradient: nothing, as PyTorch's has none)
                _group_of_none(state, self.position)
        elif value._op is not None:
            _step_one(state, value, None)
        elif _step_leaf(state, value, None) is not _NOT_ACCUMULATING:  # then the leaf's AccumulateGrad's hooks
            from .value_hooks import PostAccumulateHook

            for hook in list(value._hooks.values()):
                if hook.__class__ is PostAccumulateHook:
                    hook.fn(value)
            for fn in list(state.hooks.values()):
                result = fn((), (None,))
                if result is not None:
                    _checked_tuple(fn, result, ())

    def after_accumulate(self, leaf):
        """A leaf's AccumulateGrad hooks, once its .grad is updated (after its post-accumulate-grad hooks):
        fn((), (the gradient accumulated,)), as PyTorch's."""
        g, self.state.accumulated = self.state.accumulated, None
        if g is None:
            return
        for fn in list(self.state.hooks.values()):
            result = fn((), (_shown(g),))
            if result is not None:
                _checked_tuple(fn, result, ())


class _NodeHooks:
    """The hooks of one node: prehooks and hooks by handle id, the handles of the NodeHooks on its outputs, the
    outputs of a node of several (group, else None), and for those the pass in which they last ran and each other
    output's result for the pass's turn at it (ahead: position -> gradient or _TakenOver)."""

    __slots__ = ("prehooks", "hooks", "value_handles", "group", "ran_in", "ahead", "accumulated", "saved")

    def __init__(self, group=None):
        self.prehooks, self.hooks, self.value_handles = OrderedDict(), OrderedDict(), []
        self.group, self.ran_in, self.ahead, self.accumulated = group, None, {}, None
        # PyTorch's saved outputs of the node that its hooks' create_graph pass made (_step_native), and what each
        # received in a later pass: (the Values, the pass, {position: (gradient, what it sends the inputs)}, the node's
        # weak reference, the node's inputs), else None
        self.saved = None


class _NodeHookHandle(RemovableHandle):
    """register_hook's / register_prehook's handle: remove() takes the hook off, and the NodeHooks off the outputs
    when no hook of the node is left."""

    def __init__(self, hooks_dict, state):
        super().__init__(hooks_dict)
        self._state = state

    def remove(self):
        super().remove()
        state = self._state
        if state is not None and not state.prehooks and not state.hooks and not _outputs_watched(state):
            for handle in state.value_handles:
                handle.remove()
            state.value_handles = []
            if state.group is not None and state.group.hooks is state:
                state.group.hooks = None


def register(fn, group, kind):
    """Register fn (kind "prehooks" or "hooks") on the node whose outputs are `group` (one_node.Outputs). A hook is
    refused where a Value is several of the node's inputs (triangular_solve(A, A)): the rules of the nodes its call
    recorded give that Value the sum of its inputs' gradients, not each input's."""
    _check_callable(fn, kind)
    if kind == "hooks":
        inputs = [x for x in _node_inputs(_members(group)) if x is not None]
        if len({id(x) for x in inputs}) < len(inputs):
            raise RuntimeError("register_hook: a Value is several of the inputs of this node of several outputs, and "
                               "the gradient this library's nodes give it is the sum of those inputs' gradients, not "
                               "each one's; use register_prehook, or a hook on an input Value")
    return _add(fn, _group_state(group), kind)


def watch_output(value):
    """After a hook was registered on `value` (Value.register_hook): where value is an output of PyTorch's node of
    several outputs, the node's step is taken in every pass that reaches one of them, so that value's hooks are called
    with None when it gets no gradient (`a, b = x.split(2); b.register_hook(f); a.sum().backward()`: f(None)), as
    PyTorch calls them when it runs the node."""
    from .one_node import output_of

    found = output_of(value)
    if found is not None:
        _group_state(found[0])


def _group_state(group):
    """The hooks of the node whose outputs are `group`, a NodeHook among each output's and inner node's hooks."""
    state = group.hooks
    if state is None:
        state = group.hooks = _NodeHooks(group)
        members = _members(group)
        for position, output in members:
            if output is not None:
                state.value_handles.append(output._add_hook(NodeHook(state, position)))
        outputs = {id(out) for _, out in members}
        for key, inner in _call_nodes(members, _node_inputs(members)).items():
            if key not in outputs:  # (a double backward may reach the node through them alone: _step_inner)
                state.value_handles.append(inner._add_hook(NodeHook(state, None)))
    return state


def register_on_node(fn, node, kind):
    """Register fn (kind "prehooks" or "hooks") on `node`, a node of one output (a Value), or on a leaf's
    AccumulateGrad (`node` the leaf)."""
    _check_callable(fn, kind)
    state = next((h.state for h in (node._hooks or {}).values() if h.__class__ is NodeHook), None)
    if state is None:
        state = _NodeHooks()
        state.value_handles.append(node._add_hook(NodeHook(state)))
    return _add(fn, state, kind)


def _outputs_watched(state):  # (an output of the node of several outputs with hooks of its own: watch_output)
    return state.group is not None and any(o is not None and _first_own_hook(o) >= 0 for _, o in _members(state.group))


def _check_callable(fn, kind):
    if not callable(fn):
        raise TypeError(f"register_{'prehook' if kind == 'prehooks' else 'hook'}: the hook must be callable")


def _add(fn, state, kind):
    hooks = getattr(state, kind)
    handle = _NodeHookHandle(hooks, state)
    hooks[handle.id] = fn
    return handle


def _members(group):
    """(position, output Value or None) for each output of the node: None for one gone, without a gradient, or
    changed in place since (another node then)."""
    from .one_node import output_of

    members = []
    for position, ref in enumerate(group.members):
        output = None if ref is None else ref()
        if output is not None and output_of(output) != (group, position):
            output = None
        members.append((position, output))
    return members


def _hook_name(fn):
    return getattr(fn, "__name__", repr(fn))


def _checked_tuple(fn, result, before):
    """A prehook's or hook's returned tuple, checked against the tuple it got (`before`), in PyTorch's words."""
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(before):
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of values (got {len(result)}, "
                           f"but expected {len(before)})")
    for old, new in zip(before, result):
        if old is None and new is not None:
            raise RuntimeError("can't replace a None gradient with a non-None value")
    return result


def _replacement(fn, replaced, like):
    """A hook's replacement for gradient `like` (an array, a NumPy scalar, or a Value under create_graph), checked
    (PyTorch's errors for another shape or dtype) and in like's kind: a plain array (a Value's numbers), or a Value
    (an array made a constant one) when like is one."""
    from .backward_hooks import check_replacement
    from .grad_array import GradArray
    from .value import Value

    check_replacement(fn, replaced, like)
    if isinstance(like, Value):
        return replaced if isinstance(replaced, Value) else Value(np.asarray(replaced, like.dtype),
                                                                  requires_grad=False)
    if isinstance(replaced, Value):
        replaced = replaced.data
    if replaced.__class__ is GradArray:
        replaced = replaced.view(np.ndarray)
    return np.asarray(replaced, like.dtype)


def _shown(g):
    """A gradient as hooks see it (a GradArray view, as a Value hook's); None as it is."""
    from .grad_array import GradArray

    return g.view(GradArray) if g.__class__ is np.ndarray and g.ndim else g


def _run_prehooks(state, kept):
    """The gradients the node sends on after its prehooks, given its outputs' retained gradients `kept` (None for
    one without): each one kept where no prehook replaced it (the same object), else the replacement."""
    shown = tuple(map(_shown, kept))
    grad_outputs = shown
    for fn in list(state.prehooks.values()):
        result = fn(grad_outputs)
        if result is not None:
            result = _checked_tuple(fn, result, grad_outputs)
            grad_outputs = tuple(None if new is None else _shown(_replacement(fn, new, old))
                                 for new, old in zip(result, grad_outputs))
    return tuple(x if new is seen else None if new is None else _plain(new)
                 for x, seen, new in zip(kept, shown, grad_outputs))


def _run_hooks(state, grad_inputs, grad_outputs):
    """(grad_inputs after the node's hooks, whether one replaced them)."""
    replaced = False
    for fn in list(state.hooks.values()):
        result = fn(grad_inputs, grad_outputs)
        if result is not None:
            result = _checked_tuple(fn, result, grad_inputs)
            grad_inputs = tuple(None if new is None else _shown(_replacement(fn, new, old))
                                for new, old in zip(result, grad_inputs))
            replaced = True
    return grad_inputs, replaced


def _needed_only(inputs, grad_inputs):
    """grad_inputs (one per input of `inputs`, None for one without) with None for each input from which no path leads
    to a Value the pass computes a gradient for (autograd.grad's inputs, backward's inputs=): PyTorch's node computes
    only the gradients its pass needs (should_compute_output), and its hooks get None for the others."""
    this_pass = _this_pass()
    wanted = None if this_pass is None else this_pass.wanted
    if wanted is None:
        return grad_inputs
    if this_pass.leads is None:
        this_pass.leads = {}
    return tuple(None if x is None or not _leads_to(x, wanted, this_pass.leads) else gx
                 for x, gx in zip(inputs, grad_inputs))


class _Entry:
    """An entry of a chain's top computed again from the node's inputs (_step_chain_top), for _needed_only: it leads
    to what the pass wants where one of the inputs below it does."""

    __slots__ = ("value", "inputs")

    def __init__(self, value, inputs):
        self.value, self.inputs = value, inputs


def _leads_to(x, wanted, memo):
    """Whether a path leads from Value x down to one of `wanted`; memo: id -> answer, for the Values of this pass."""
    if x.__class__ is _Entry:  # (its graph is new: walked down to the inputs, which the memo may hold)
        inputs = {id(v) for v in x.inputs if v is not None}
        stack, seen = [x.value], set()
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            if id(v) in inputs or v._op is None:
                if v.requires_grad and _leads_to(v, wanted, memo):
                    return True
                continue
            stack.extend(p for p in v._parents if p.requires_grad)
        return False
    known = memo.get(id(x))
    if known is not None:
        return known
    below, stack = {}, [x]
    while stack:  # (the Values below x not answered yet, then answered parents first)
        v = stack.pop()
        if id(v) in below or id(v) in memo:
            continue
        below[id(v)] = v
        stack.extend(p for p in v._parents if p.requires_grad)
    for v in sorted(below.values(), key=lambda v: v._index):
        memo[id(v)] = v in wanted or any(memo.get(id(p), False) for p in v._parents if p.requires_grad)
    return memo[id(x)]


def _step_one(state, node, g):
    """The step of a node of one output with hooks: its own hooks, then the node's prehooks and hooks."""
    from . import backward_hooks
    from .grad_fn import _FREED_MESSAGE, is_freed

    retained = backward_hooks.run_tensor_hooks(node, g) if g is not None else _own_hooks_of_none(node)
    unused = (None,) * _UNUSED_OUTPUTS.get(getattr(node._op, "grad_fn_name", None), 0)
    held = _held_this_pass(state)  # (its saved outputs' gradients: group_norm's mean's and rstd's)
    if held:
        unused = tuple(held.get(k + 1) for k in range(len(unused)))
    g, *unused = _run_prehooks(state, (retained,) + unused)
    unused = tuple(unused)
    # (a node with saved outputs, NATIVE_BACKWARDS', takes its step for its prehooks alone too: under create_graph it
    # records them, and a later pass sends on what they held)
    if state.hooks or held or unused and NATIVE_BACKWARDS.get(node._op.grad_fn_name) is not None:
        if is_freed(node):  # a second pass without retain_graph: PyTorch's error, before the node's hooks
            raise RuntimeError(_FREED_MESSAGE)
        top = None
        if getattr(node._op, "grad_fn_input", None) is not None:  # the last of several shown as one (one_node.py)
            top = top_of_chain(node)  # (shown as a chain of PyTorch's nodes whose top takes this node's gradient)
            if top is None:
                return _step_composite(state, node, retained, g)
            if top.__class__ is ChainTop:
                return _step_chain_top(state, node, retained, g, top)
            if top == UNSTACKED:
                return _step_unstacked(state, node, retained, g)
            if top != OWN:
                return _step_under_view(state, node, retained, g, top)
        elif getattr(node._op, "chain_top", None) is not None:  # (a primitive PyTorch records as a chain: einsum's)
            declared = declared_top(node)
            if declared is not None:
                return _step_chain_top(state, node, retained, g, declared)
        further_down = None if top is not None else inputs_further_down(node)
        if further_down is not None:  # PyTorch's node takes inputs below this one (layer_norm's x), as a composite's
            native = NATIVE_BACKWARDS.get(node._op.grad_fn_name)
            if native is not None and g is not None and _values(g):  # (create_graph: PyTorch's formula recorded)
                return _step_native(state, node, retained, g, further_down, native)
            return _step_composite(state, node, retained, g, further_down, unused)
        inputs = tuple(p if p.requires_grad else None for p in node._parents)
        # (PyTorch's cat and stack compute every tensor's gradient of their list, also one that needs none)
        whole = node._op.name in _WHOLE_LIST
        grad_inputs = _edge_vjps(node, g, node._parents if whole else inputs)
        if not whole:
            grad_inputs = _needed_only(inputs, grad_inputs)
        edges = None if top is not None else _listed_edges(node, inputs)
        if edges is not None:  # PyTorch's node lists other edges (2 - x, lerp(x, y, 0.5): no Scalar's; linear's Wᵀ;
            # cross_entropy's LogSoftmaxBackward0; x[0, 0]'s inner SelectBackward0; the node under a view on top)
            grad_inputs = at_listed_edges(node, g, edges, grad_inputs, into=True)
        grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                           (_shown(g),))
        if replaced:
            if edges is not None:  # (back to the parents)
                grad_inputs = at_listed_edges(node, g, edges, grad_inputs, into=False, inputs=inputs)
            _send_to_inputs(inputs, grad_inputs)
            return backward_hooks._TakenOver(retained, None)
    return retained if g is retained else backward_hooks._TakenOver(retained, g)


def _step_under_view(state, node, retained, g, shape):
    """The hooks of the last node of a composite that PyTorch records as a view (on top) of one node of its own doing
    the composite's work (max_pool1d's SqueezeBackward1 of MaxPool2DWithIndicesBackward0): grad_inputs are g in that
    node's output `shape` (grad_fn_hook_inputs.top_of_chain); a hook's replacement, in node's shape, is the gradient
    node sends on through the composite's nodes."""
    from . import backward_hooks

    grad_inputs, replaced = _run_hooks(state, (None if g is None else _shown(_plain(g).reshape(shape)),),
                                       (_shown(g),))
    if replaced:
        g = None if grad_inputs[0] is None else _plain(grad_inputs[0]).reshape(np.shape(node.data))
    return retained if g is retained else backward_hooks._TakenOver(retained, g)


def _step_chain_top(state, node, retained, g, declared):
    """The hooks of the last node of a composite that PyTorch records as a chain of its own nodes whose end the
    composite declares (grad_fn_chain_tops.ChainTop): grad_inputs are the gradients of the chain's top node's entries,
    its operation (`declared.top`) differentiated at g; a hook's replacement is sent down PyTorch's nodes below the
    top (`declared.entries` differentiated at it) to the inputs, and the nodes below node then get nothing. Both are
    computed again from the inputs, and differentiated by the rules of the nodes that computes (`_node_vjp`, not a
    backward pass of its own, which would walk the pass's graph below them): Values under create_graph."""
    from . import backward_hooks, engine
    from .grad_fn import _inputs
    from .modes import enable_grad
    from .value import Value

    members, complex_pass = ((0, node),), engine.COMPLEX_VALUES_EXIST[0]
    inputs = _node_inputs(members)  # (None for one that needs no gradient)
    values = g is not None and isinstance(_plain(g), Value)
    with enable_grad():
        entries = tuple(e if e is None or isinstance(e, Value) else Value(e, requires_grad=False)
                        for e in declared.entries(node, *_inputs(node)))
        grad_inputs = (None,) * len(entries)
        if g is not None:
            # every entry but None gets its gradient, as PyTorch's top computes them (cat's of its constant ones too;
            # not CopySlices' of an empty output it lists as None); as Values of the entries under create_graph
            leaves = tuple(None if e is None else e if values and e.requires_grad else Value(e.data, requires_grad=True)
                           for e in entries)
            grad_inputs = _node_vjp(((0, declared.top(node, *leaves)),), (g,), leaves, complex_pass)
            if not declared.every:  # (None for an entry from which no path leads to what the pass wants)
                grad_inputs = _needed_only(tuple(None if e is None else _Entry(e, inputs) for e in entries),
                                           grad_inputs)
    grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                       (_shown(g),))
    if not replaced:
        return retained if g is retained else backward_hooks._TakenOver(retained, g)
    to_inputs = _node_vjp(tuple(enumerate(entries)), grad_inputs, inputs, complex_pass)
    # (a Value several inputs: its whole gradient at each, sent once)
    to_inputs = tuple(None if x is not None and any(y is x for y in inputs[:k]) else gx
                      for k, (x, gx) in enumerate(zip(inputs, to_inputs)))
    _take_inner_gradients(members, inputs)
    _send_to_inputs(inputs, to_inputs)
    return backward_hooks._TakenOver(retained, None)


def _step_unstacked(state, node, retained, g):
    """The hooks of the last node of a composite that PyTorch records as a stack of its own nodes, one per index of
    the node's first dimension (a recurrent layer's output: StackBackward0 of its steps): grad_inputs are g unstacked
    (grad_fn_hook_inputs.UNSTACKED); a hook's replacement, stacked (zeros for None), is the gradient node sends on."""
    from . import backward_hooks
    from .ops.shape import stack
    from .value import Value

    steps = np.shape(node.data)[0]
    grad_inputs = (None,) * steps if g is None else tuple(_plain(g)[t] for t in range(steps))
    grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                       (_shown(g),))
    if replaced and g is not None:
        parts = [np.zeros_like(np.asarray(node.data[t])) if x is None else _plain(x) for t, x in enumerate(grad_inputs)]
        g = stack(parts) if any(isinstance(x, Value) for x in parts) else np.stack(parts)
    return retained if g is retained else backward_hooks._TakenOver(retained, g)


# PyTorch's nodes of several outputs whose others this library does not record (native_group_norm's mean and rstd,
# which PyTorch's group_norm does not use; its double backward reads them: NATIVE_BACKWARDS): how many, each None in
# the node's hooks' grad_outputs but where a pass sends them gradients (_held_for_node)
_UNUSED_OUTPUTS = {"NativeGroupNormBackward0": 2}


def _step_composite(state, node, retained, g, inputs=None, unused=()):
    """The hooks of PyTorch's one node that is several here, node the last of them (one_node.shown_as; or PyTorch's
    node that takes `inputs` further down: inputs_further_down), once its prehooks made its gradient g: grad_inputs
    are the gradients of the one node's inputs (`next_functions`' order), from the rules of the nodes its call
    recorded (`_node_vjp`, as for a node of several outputs); a hook's replacement is what the inputs get, and the
    nodes below node then get nothing from it. unused: None for each output PyTorch's node has and this one has not
    (`_UNUSED_OUTPUTS`), in grad_outputs."""
    from . import backward_hooks, engine

    members, composite = ((0, node),), inputs is None
    inputs = _node_inputs(members) if composite else inputs
    uses = repeated_inputs(node, inputs)[0]  # (a Value several of the inputs: each its own use's gradient)
    # what the saved outputs that received gradients in this pass send the inputs (group_norm's mean and rstd:
    # _step_native), held until now
    held = _held_sent(state, unused) if state.saved is not None and any(x is not None for x in unused) else None
    # (PyTorch's native norms' double backward sends their inputs the gradients of what their rules read around the
    # node, not through it: there the inner nodes' own gradients go on past the hooks)
    grad_inputs = _node_vjp(members, (g,), inputs, engine.COMPLEX_VALUES_EXIST[0], uses, inner=composite)
    if held is not None:
        grad_inputs = _added(grad_inputs, held)
    grad_inputs = _needed_only(inputs, grad_inputs)
    grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                       (_shown(g),) + tuple(map(_shown, unused)))
    if replaced:
        if composite:
            _take_inner_gradients(members, inputs)
        _send_to_inputs(inputs, grad_inputs)
        return backward_hooks._TakenOver(retained, None)
    if held is not None:  # (the held gradients go on to the inputs as their rules send them)
        _send_to_inputs(inputs, held)
    return retained if g is retained else backward_hooks._TakenOver(retained, g)


# PyTorch's name of a node whose double backward reads outputs of its own that this library's node does not have
# (native_group_norm's mean and rstd) -> rule(node, g, *inputs): PyTorch's first derivative written with them, from
# Values under create_graph: ((one gradient per input, None for one without), (the saved outputs, as Values))
NATIVE_BACKWARDS = {}


def declare_native_backward(name, rule):
    """Declare `rule` for the node hooks of PyTorch's node `name` (NATIVE_BACKWARDS): under create_graph its hooks'
    grad_inputs are the rule's, which the pass then records, so that a later pass sends the saved outputs it read
    their gradients through the node, as PyTorch's (`_step_native`)."""
    NATIVE_BACKWARDS[name] = rule


class _Saved(int):
    """A NodeHook's position on a saved output of its node (1, 2: group_norm's mean and rstd, made by _step_native):
    its gradient is held for the node's step (`_held_for_node`)."""


def _values(g):
    from .value import Value

    return isinstance(_plain(g), Value)


def _step_native(state, node, retained, g, inputs, rule):
    """Under create_graph, the hooks of PyTorch's node whose double backward reads saved outputs of its own
    (NATIVE_BACKWARDS): grad_inputs are the declared rule's, PyTorch's formula from the inputs and those outputs, which
    the node then sends its inputs itself, replaced or not (the same numbers as its rules'), so that the next pass
    reaches the saved outputs, whose gradients go through the node's hooks (_held_for_node)."""
    from . import backward_hooks
    from .modes import enable_grad

    with enable_grad():
        grad_inputs, saved = rule(node, _plain(g), *_native_inputs(node))
    grad_inputs = _needed_only(inputs, tuple(None if x is None else gx for x, gx in zip(inputs, grad_inputs)))
    for k, v in enumerate(saved):
        position = _Saved(k + 1)
        state.value_handles.append(v._add_hook(NodeHook(state, position)))
    state.saved = (saved, None, {}, weakref.ref(node), inputs)
    grad_inputs, _ = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                (_shown(g),) + (None,) * len(saved))
    _send_to_inputs(inputs, grad_inputs)
    return backward_hooks._TakenOver(retained, None)


def _native_inputs(node):
    """The inputs of PyTorch's node (NATIVE_BACKWARDS') as its rule takes them (None for one it lists as None)."""
    from .grad_fn_names import Through, layout

    return tuple(None if e is None else e.value(node) if e.__class__ is Through else node._parents[e]
                 for e in layout(node)[1])


def _saved_again(node):
    """The node's saved outputs computed again from its inputs by its NATIVE_BACKWARDS rule, a graph of their own (the
    pass may have freed the nodes below the ones it made: a prehook's replacement of their gradients goes through
    these to the inputs)."""
    from .modes import enable_grad

    with enable_grad():
        return NATIVE_BACKWARDS[node._op.grad_fn_name](node, np.zeros_like(node.data), *_native_inputs(node))[1]


def _this_pass():
    from . import backward_hooks

    passes = backward_hooks._PASSES.stack
    return passes[-1] if passes else None


def _held_for_node(state, position, value, g):
    """A saved output's step (NodeHook at a _Saved position): its gradient held for its node's step in this pass,
    where its node is below the pass's roots, else sent on as it is."""
    from . import backward_hooks, engine

    g = backward_hooks.run_tensor_hooks(value, g)
    saved = state.saved
    if saved is None or not any(v is value for v in saved[0]) or not (state.hooks or state.prehooks):
        return g
    node = saved[3]()
    if node is None:
        return g
    this_pass = _this_pass()
    if saved[1] is not this_pass:
        saved = state.saved = saved[:1] + (this_pass, {}) + saved[3:]
    # what the gradient sends the node's inputs, now, while the nodes below this output are as the pass found them
    # (they come before its node in the pass, which frees them)
    sent = _node_vjp(((0, value),), (g,), saved[4], engine.COMPLEX_VALUES_EXIST[0], inner=False)
    saved[2][int(position)] = (g, sent)  # (a saved output is reached once a pass)
    if node._pending is None and all(v._pending is None for v in saved[0]):
        # its node is not below this pass's roots, which reached it through its saved outputs alone, all of them
        # visited now (the last, the oldest: the others' consumers are younger): PyTorch runs the node for them
        _saved_outputs_alone(state, node)
    return backward_hooks._TakenOver(g, None)


def _saved_outputs_alone(state, node):
    """The hooks of a node whose saved outputs alone received gradients in this pass (held: _held_for_node), as
    PyTorch runs its node then: the prehooks get (None, their gradients ...), the hooks grad_inputs what those send
    the inputs; what they send (or a hook's replacement) goes to the inputs."""
    held = _held_this_pass(state)
    inputs = state.saved[4]
    _, *unused = _run_prehooks(state, (None,) + tuple(held.get(k + 1) for k in range(len(state.saved[0]))))
    unused = tuple(unused)
    sent = _held_sent(state, unused) or (None,) * len(inputs)
    if state.hooks:
        grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, _needed_only(inputs, sent))),
                                           (None,) + tuple(map(_shown, unused)))
        if replaced:
            sent = grad_inputs
    _send_to_inputs(inputs, sent)


def _held_this_pass(state):
    """{position: gradient} of the node's saved outputs held in this pass (_held_for_node), else {}."""
    saved = state.saved
    if saved is None or saved[1] is not _this_pass() or saved[1] is None:
        return {}
    return {k: g for k, (g, _) in saved[2].items()}


def _held_sent(state, unused):
    """What the saved outputs' gradients held in this pass send the node's inputs (one each, None for none): for those
    whose gradient `unused` still holds (a prehook may have replaced it: then its rules' again)."""
    from . import engine

    saved, total, again = state.saved, None, None
    for k, x in enumerate(unused):
        if x is None or k + 1 not in saved[2]:
            continue
        g, sent = saved[2][k + 1]
        if x is not g:  # (a prehook's replacement: through the saved outputs made again)
            again = again or _saved_again(saved[3]())
            sent = _node_vjp(((0, again[k]),), (x,), saved[4], engine.COMPLEX_VALUES_EXIST[0], inner=False)
        total = sent if total is None else _added(total, sent)
    return total


def _added(gradients, more):
    """Two tuples of gradients (None for none) added position by position."""
    return tuple(a if b is None else b if a is None else a + b for a, b in zip(gradients, more))


def _step_leaf(state, leaf, g):
    """A leaf's step with hooks on its AccumulateGrad: its own hooks, then in a pass that adds to .grad (not
    autograd.grad's, which PyTorch's AccumulateGrad does not run) the prehooks, whose replacement is what .grad gets
    (None: nothing); the hooks run once it is added (NodeHook.after_accumulate)."""
    from . import backward_hooks

    g = backward_hooks.run_tensor_hooks(leaf, g) if g is not None else _own_hooks_of_none(leaf)
    if not backward_hooks.accumulating_pass():
        return _NOT_ACCUMULATING if g is None else g
    (new,) = _run_prehooks(state, (g,))
    state.accumulated = new
    return backward_hooks._TakenOver(g, None) if new is None else new


_NOT_ACCUMULATING = object()  # _step_leaf's answer for no gradient in a pass that adds to no .grad (autograd.grad's)


def _first_own_hook(value):
    """The id of the first of the Value's own hooks (register_hook's), for PyTorch's order of the outputs' hooks."""
    from .value_hooks import PostAccumulateHook

    return min((key for key, h in (value._hooks or {}).items() if h.__class__ not in (NodeHook, PostAccumulateHook)),
               default=-1)


def _own_hooks_of_none(value):
    """A Value's own hooks called with None, as PyTorch's for an output of the node that got no gradient; returns
    None (the gradient they leave)."""
    from .value_hooks import PostAccumulateHook

    for hook in list((value._hooks or {}).values()):
        if hook.__class__ not in (NodeHook, PostAccumulateHook) and hook(None) is not None:
            raise RuntimeError("can't replace a None gradient with a non-None value")


def _step_group(state, position, value, g):
    """The step of output `position` of a node of several outputs: the whole node's the first time in a pass, else
    what that first time kept for it."""
    from . import backward_hooks, backward_order, backward_seeds, engine

    passes = backward_hooks._PASSES.stack
    this_pass = passes[-1] if passes else None
    if this_pass is not None and state.ran_in is this_pass:
        kept = state.ahead.pop(position, None)
        return backward_hooks.run_tensor_hooks(value, g) if kept is None else kept  # (None: not reached the first time)
    state.ran_in, state.ahead = this_pass, {}
    members = _members(state.group)
    complex_pass = engine.COMPLEX_VALUES_EXIST[0]
    conj = backward_seeds.conjugate_gradient

    def pending(output):  # an output's gradient so far in this pass, as PyTorch's (None: none)
        p = output._pending
        if p is None or p is backward_order._UNREACHED:
            return None
        if p.__class__ is engine.ScatteredGradient:
            p = p.dense()
        return conj(p) if complex_pass and p.dtype.kind == "c" else p

    # each output's own hooks, in PyTorch's order (by each output's first hook), then its retained gradient
    received = [None if out is None else g if q == position else pending(out) for q, out in members]
    retained = list(received)
    for q, out in sorted((m for m in members if m[1] is not None), key=lambda m: _first_own_hook(m[1])):
        if received[q] is None:
            _own_hooks_of_none(out)
        else:
            retained[q] = backward_hooks.run_tensor_hooks(out, received[q])
    grad_outputs = _run_prehooks(state, retained)
    take_over = grad_outputs[position] is None
    grad_inputs = None
    if state.hooks:
        inputs = _node_inputs(members)
        grad_inputs = _needed_only(inputs, _node_vjp(members, grad_outputs, inputs, complex_pass))
        grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                           tuple(map(_shown, grad_outputs)))
        take_over = take_over or replaced
    if take_over:  # the node's work done here: grad_inputs to the inputs, the outputs send nothing
        if grad_inputs is None:  # (no hook: the other outputs' grad_inputs, this one's dropped)
            grad_inputs = _node_vjp(members, tuple(None if q == position else grad_outputs[q] for q, _ in members),
                                    _node_inputs(members), complex_pass)
        _take_inner_gradients(members, _node_inputs(members))
        _send_to_inputs(_node_inputs(members), grad_inputs)
    # what the pass does at each output: its retained gradient, and the one it sends on
    results = []
    for (q, out), kept, new in zip(members, retained, grad_outputs):
        new = None if take_over else new
        results.append(kept if new is kept else backward_hooks._TakenOver(kept, new))
        if q != position and out is not None and kept is not None and out._pending is not None:
            state.ahead[q] = results[q]
            out._pending = conj(kept) if complex_pass and kept.dtype.kind == "c" else kept  # (visited: not None)
    return results[position]


def _group_of_none(state, position):
    """Output `position` of a node of several outputs reached with no gradient: where no output got one, the node's
    hooks run now with None for each (the outputs' own hooks, by each one's first, then the prehooks and hooks), as
    PyTorch runs its node; where another did, that output's step runs them, with None for this one (_step_group)."""
    from . import backward_hooks, backward_order

    passes = backward_hooks._PASSES.stack
    this_pass = passes[-1] if passes else None
    if this_pass is None or state.ran_in is this_pass:
        state.ahead.pop(position, None)
        return
    members = _members(state.group)
    if any(out is not None and out._pending is not None and out._pending is not backward_order._UNREACHED
           for _, out in members):
        return  # (complete now: every consumer of an output is younger than all the outputs)
    inputs = _node_inputs(members)
    if _inner_gradients(members, _call_nodes(members, inputs)):
        return  # (a double backward's: the youngest inner node runs the hooks, _step_inner)
    state.ran_in, state.ahead = this_pass, {}
    for _, out in sorted((m for m in members if m[1] is not None), key=lambda m: _first_own_hook(m[1])):
        _own_hooks_of_none(out)
    grad_outputs = _run_prehooks(state, (None,) * len(members))
    if state.hooks:
        _run_hooks(state, (None,) * len(inputs), grad_outputs)


def _step_inner(state, node, g):
    """The step of an inner node of the call of a node of several outputs (one of `_call_nodes` but its outputs)
    that the pass reaches before any of the node's outputs: a double backward's graph reads it (as PyTorch's reads
    the node's saved outputs), and no output got a gradient. The node's hooks run then, as PyTorch runs its node:
    grad_outputs all None, grad_inputs from the inner nodes' own gradients (this one's `g`)."""
    from . import backward_hooks, backward_seeds, engine

    g = backward_hooks.run_tensor_hooks(node, g)
    passes = backward_hooks._PASSES.stack
    this_pass = passes[-1] if passes else None
    if this_pass is None or state.ran_in is this_pass:
        return g  # (the node's hooks have run in this pass: at an output, or a younger inner node)
    state.ran_in, state.ahead = this_pass, {}
    members = _members(state.group)
    grad_outputs = _run_prehooks(state, (None,) * len(members))  # (None stays None)
    if not state.hooks:
        return g
    inputs, complex_pass = _node_inputs(members), engine.COMPLEX_VALUES_EXIST[0]
    conj = backward_seeds.conjugate_gradient
    node._pending = conj(g) if complex_pass and g.dtype.kind == "c" else g  # (the pass's way)
    try:
        grad_inputs = _needed_only(inputs, _node_vjp(members, grad_outputs, inputs, complex_pass))
        grad_inputs, replaced = _run_hooks(state, tuple(map(_shown, grad_inputs)),
                                           grad_outputs)
        if replaced:
            _take_inner_gradients(members, inputs)
            _send_to_inputs(inputs, grad_inputs)
    finally:
        node._pending = None  # (the pass took it before the hooks)
    return backward_hooks._TakenOver(g, None) if replaced else g

