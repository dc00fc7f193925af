"""Node hooks on the top of a chain of nodes that PyTorch records where this library computes one composite (vander's
FlipBackward0, circular padding's last CopySlices, cond's NanToNumBackward0, svd's ConjBackward0 of V): PyTorch's
top lists nodes of its own, whose gradients this library's composite never computes. The composite declares, beside
its math, how PyTorch's chain ends (`declare_top`): the values of the top node's entries as functions of the
composite's inputs, and the top node's own operation on them. A hook on the composite's node then gets the top's
grad_inputs, that operation differentiated at the node's gradient; a replacement goes down PyTorch's chain below the
top, the entries differentiated at it, to the inputs (grad_fn_hooks._step_chain_top). Both are computed again with
this library's ops when the hooks run, and only then: a pass without hooks on such a node pays nothing."""

from __future__ import annotations


class ChainTop:
    """How PyTorch's chain `name` ends (declare_top's arguments)."""

    __slots__ = ("entries", "top")

    def __init__(self, entries, top):
        self.entries, self.top = entries, top


_TOPS = {}  # chain name (grad_fn_names.chain_layout's, or a "<" chain of names) -> its ChainTop


def declare_top(name, entries, top):
    """Declare the end of PyTorch's chain `name` (a name the composite's last node is shown as: chain_layout's, or
    PyTorch's names joined by "<"), and return name. entries(out, *inputs): the values of the top node's entries (one
    per entry of its next_functions, a constant where PyTorch lists None) computed from the composite's inputs
    (PyTorch's node's inputs, as Values; out: the composite's output, for its shape) by PyTorch's nodes below the top;
    top(out, *entries): the output computed from them by the top node's own operation."""
    _TOPS[name] = ChainTop(entries, top)
    return name


def declared_top(node):
    """The ChainTop declared for the name node's last node is shown as, else None."""
    return _TOPS.get(getattr(node._op, "grad_fn_name", None))
