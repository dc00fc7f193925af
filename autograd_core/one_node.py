"""Composites that PyTorch records as one node, shown as that node: `shown_as(out, x, name)` relabels the last node
of a composite of x (x.norm(p=1) is sum(abs(x)) here, x.repeat(2, 3) a view, broadcast and view) so that `grad_fn`
shows PyTorch's one node (LinalgVectorNormBackward0, RepeatBackward0) listing x, its input, in `next_functions`
(`shown_as(out, (x, w, b), name)` for a node of several inputs).

Only the name and the listed inputs change (the node's primitive becomes a `Primitive.named` twin, sharing its
forward function and rules): the numbers and gradients are the composite's, bit for bit, and the nodes below the
last one are still recorded (the profiler and pictures show them).
"""

from __future__ import annotations

import weakref

_DEPTH = 12  # the composites relabelled are a few nodes deep (pdist's of p = 3: 10)


def shown_as(out, inputs, grad_fn_name, paths=None):
    """out, its node relabelled `grad_fn_name` over inputs (a Value, or a tuple of them and None: each one of out's
    inputs, or of their inputs ...), as PyTorch's one node of the function that computed out from them. out is
    returned unchanged where it recorded no node (nothing requires grad) or an input is not below it. paths: the
    input_paths found for a graph of the same shape before (a caller's cache), used where each leads to its input."""
    op = out._op
    if op is None:
        return out
    if not paths_hold(out, inputs, paths):
        paths = input_paths(out, inputs)
    if paths is not None:
        key = (op, grad_fn_name, paths)
        twin = _RELABELLED.get(key)
        if twin is None:
            twin = _RELABELLED[key] = op.named(grad_fn_name, input_at=paths)
        out._op = twin
    return out


def paths_hold(out, inputs, paths):
    """Whether `paths` (input_paths of a graph of the same shape, or None) still lead from out to each of `inputs`
    (a path of None: that input is not looked for)."""
    return paths is not None and all(path is None or _follow(out, path) is x for path, x in zip(paths, inputs))


def _follow(node, path):
    for i in path:
        parents = node._parents
        if len(parents) <= i:
            return None
        node = parents[i]
    return node


def relabelled_paths(out):
    """The input paths of out's relabelled node (shown_as's), or None."""
    return getattr(out._op, "grad_fn_input", None) if out._op is not None else None


_FIRST, _SECOND = ((0,),), ((1,),)
_RELABELLED = {}  # (primitive, name, paths) -> its Primitive.named twin: one lookup a call (shown_as is on op paths)


def input_paths(out, inputs):
    """For each input, the path of input positions from out down to it (None for a constant), or None where an input
    is out itself or not below it (out is then left as it is)."""
    if inputs.__class__ is not tuple:  # one input, most often out's first or second (x * x, 1 / x): the short way
        if out._p0 is inputs:
            return _FIRST
        if out._p1 is inputs and inputs is not None:
            return _SECOND
        inputs = (inputs,)
    paths = []
    for x in inputs:
        if x is out:  # no node of its own (a no-op returned its input)
            return None
        recorded = x is not None and hasattr(x, "_op")  # a Value (an array: a constant, listed as None)
        path = _path_to(out, x, _DEPTH, {}) if recorded else None
        if path is None and recorded and x.requires_grad:
            return None  # not below out: left as it is
        paths.append(path)
    return tuple(paths)


def _path_to(node, x, depth, searched):
    """The input positions leading from node down to x (the first path found, inputs in order), or None.
    searched: the nodes below which x was not found, with the depth searched (a node reached again by another path
    is not searched again: the paths of a graph with shared nodes grow exponentially with the depth)."""
    if node._p0 is x:  # the first input (most calls: x itself)
        return (0,)
    if depth == 0 or searched.get(id(node), -1) >= depth:
        return None
    for i, parent in enumerate(node._parents):
        if parent is x:
            return (i,)
        if parent._op is not None:
            below = _path_to(parent, x, depth - 1, searched)
            if below is not None:
                return (i,) + below
    searched[id(node)] = depth
    return None


# ---- a relabel deferred until grad_fn is read: for layers that would relabel several nodes on every forward
# (nn/rnn_grad_fn.py), at a cost paid whether or not anyone ever looks

_LATER = {}  # id(out) -> (weak reference to out, its primitive when marked, realize, argument)


def show_later(out, realize, argument):
    """Call realize(out, argument) (which relabels out: shown_as) when out's grad_fn is first read (grad_fn_names'
    layout calls show_now), instead of now. The mark lasts while out lives and keeps its node (an in-place change
    that records another node over it ends it); argument is held until then."""
    key = id(out)
    _LATER[key] = (weakref.ref(out, lambda ref, key=key: _forget_later(key, ref)), out._op, realize, argument)


def _forget_later(key, ref):
    entry = _LATER.get(key)
    if entry is not None and entry[0] is ref:
        del _LATER[key]


def show_now(node):
    """Run the relabel show_later deferred for Value node, if any (once)."""
    entry = _LATER.pop(id(node), None)
    if entry is not None and entry[0]() is node and node._op is entry[1]:
        entry[2](node, entry[3])


# ---- PyTorch's one node of several outputs (std_mean, svd, unbind ...): several nodes here, one GradFn there

class Outputs:
    """The outputs of one call that PyTorch records as one node of several outputs: `a.grad_fn is b.grad_fn` there,
    and each output is its output number `output_nr` (next_functions' second item for it). `members`: a weak
    reference to each output by position (None for one without a gradient); `hooks`: the node's hooks
    (grad_fn_hooks.py), None until one is registered; `shown_by`: the position of the output whose node is shown as
    the node's GradFn for every output (`shown_node`), None for each output's own (they list the same inputs)."""

    __slots__ = ("members", "hooks", "shown_by", "__weakref__")

    def __init__(self, size, shown_by=None):
        self.members, self.hooks, self.shown_by = [None] * size, None, shown_by


_OUTPUT_OF = {}  # id(output) -> (weak reference to it, its node's primitive when marked, its Outputs, its position)


def outputs_of_one_node(outputs, shown_by=None):
    """Mark outputs (Values, or None / Values without a gradient: PyTorch's outputs without one, as slogdet's sign)
    as the outputs, in order, of PyTorch's one node (each is already shown as it:
    shown_as); returns outputs. The mark lasts while the output lives and keeps its node (an in-place change that
    records another node over it ends it). shown_by: the position of the output whose node shows the GradFn of all
    (where another output's node cannot list all of PyTorch's node's inputs: triangular_solve's copy of A)."""
    group = None
    for position, out in enumerate(outputs):
        op = getattr(out, "_op", None)
        if op is None or not out.requires_grad:  # no node recorded: output 0 of none, as PyTorch's
            continue
        group = group or Outputs(len(outputs), shown_by)
        key = id(out)
        ref = group.members[position] = weakref.ref(out, lambda ref, key=key: _forget(_OUTPUT_OF, key, ref))
        _OUTPUT_OF[key] = (ref, op, group, position)
    return outputs


def _forget(table, key, ref):
    """Drop table[key] (an id-keyed table of weak references) when its Value is freed, unless the id was reused."""
    entry = table.get(key)
    if entry is not None and entry[0] is ref:
        del table[key]


def shown_node(node):
    """The Value whose node shows node's GradFn: node, or for an output of a node of several outputs shown by one
    of them (Outputs.shown_by), that output while it lives and keeps its node."""
    found = output_of(node)  # (None once node changed in place: another node then)
    if found is None or found[0].shown_by is None:
        return node
    group = found[0]
    ref = group.members[group.shown_by]
    shown = None if ref is None else ref()
    return shown if shown is not None and output_of(shown) == (group, group.shown_by) else node


def output_of(value):
    """(Outputs, position) of a Value marked by outputs_of_one_node (its node unchanged since), else None."""
    entry = _OUTPUT_OF.get(id(value))
    if entry is None or entry[0]() is not value or value._op is not entry[1]:
        return None
    return entry[2], entry[3]
