"""Node hooks on the top of a chain of nodes that PyTorch records where this library computes one composite (vander's
FlipBackward0, circular padding's last CopySlices, cond's NanToNumBackward0, svd's ConjBackward0 of V): PyTorch's
top lists nodes of its own, whose gradients this library's composite never computes. The composite declares, beside
its math, how PyTorch's chain ends (`declare_top`): the values of the top node's entries as functions of the
composite's inputs, and the top node's own operation on them. A hook on the composite's node then gets the top's
grad_inputs, that operation differentiated at the node's gradient; a replacement goes down PyTorch's chain below the
top, the entries differentiated at it, to the inputs (grad_fn_hooks._step_chain_top). Both are computed again with
this library's ops when the hooks run, and only then: a pass without hooks on such a node pays nothing."""

from __future__ import annotations

import weakref


class ChainTop:
    """How PyTorch's chain `name` ends (declare_top's arguments)."""

    __slots__ = ("entries", "top", "every")

    def __init__(self, entries, top, every=False):
        self.entries, self.top, self.every = entries, top, every


_TOPS = {}  # chain name (grad_fn_names.chain_layout's, or a "<" chain of names) -> its ChainTop


def declare_top(name, entries, top, every=False):
    """Declare the end of PyTorch's chain `name` (a name the composite's last node is shown as: chain_layout's, or
    PyTorch's names joined by "<"), and return name. entries(out, *inputs): the values of the top node's entries (one
    per entry of its next_functions, a constant where PyTorch lists None) computed from the composite's inputs
    (PyTorch's node's inputs, as Values; out: the composite's output, for its shape) by PyTorch's nodes below the top;
    top(out, *entries): the output computed from them by the top node's own operation. every: the top computes
    every entry's gradient, also one that its pass does not need (PyTorch's cat), else None for those."""
    _TOPS[name] = ChainTop(entries, top, every)
    return name


def declared_top(node):
    """The ChainTop declared for the name node's last node is shown as, else the one node's primitive gives for it
    (its `chain_top(node)`: einsum's chain of products), else the one declared for this node (`declare_top_of`),
    else None."""
    op = node._op
    declared = _TOPS.get(getattr(op, "grad_fn_name", None))
    if declared is None and getattr(op, "chain_top", None) is not None:
        declared = op.chain_top(node)
    if declared is None and _APART:
        found = _APART.get(id(node))
        if found is not None and found[0]() is node:
            declared = found[1]
    return declared


_APART = {}  # id(output) -> (a weak reference to it, its ChainTop): declare_top_of's


def declare_top_of(out, entries, top, every=False):
    """Declare the end of PyTorch's chain for out alone, the last node of a composite shown as it (declare_top's
    entries and top, for a call whose chain a name cannot tell: pack_padded_sequence's sort of the batch), and
    return out. The mark lasts while out lives."""
    if out._op is not None:
        key = id(out)
        _APART[key] = (weakref.ref(out, lambda ref, key=key: _forget(key, ref)), ChainTop(entries, top, every))
    return out


def declare_apart(out, function):
    """Declare that out, the last node of a composite shown as PyTorch's one node, was computed as function(*inputs)
    from PyTorch's node's inputs of which one Value is several (hypot(x, x), cdist(x, x), linalg.cross(x, x)), and
    return out. Its composite uses that Value at more places than the node has inputs, so which use is which input's
    is not known (grad_fn_hook_inputs.repeated_inputs); its node hooks then compute the function again (only then),
    from a copy of each input, the copies' gradients the grad_inputs: the top of a chain of copies (a ChainTop of
    this one node), whose replacement the copies send to the inputs. Declared only for such a call."""
    return declare_top_of(out, lambda out, *inputs: tuple(None if x is None else x.clone() for x in inputs),
                          lambda out, *copies: function(*copies))


def _forget(key, ref):
    """Drop _APART[key] when its output is freed, unless the id was reused since."""
    entry = _APART.get(key)
    if entry is not None and entry[0] is ref:
        del _APART[key]
