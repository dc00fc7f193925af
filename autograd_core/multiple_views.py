"""The outputs of PyTorch's functions that return several views of their input (split, chunk, split_with_sizes,
unbind), which PyTorch does not let change in place where the change would be recorded in a graph:

    a, b = (w * 1).split(2)
    a.mul_(2)        # RuntimeError: Output 0 of Split is a view and is being modified inplace. This view is the
                     # output of a function that returns multiple views. ...

PyTorch's autograd cannot rewrite one node that made several views when one of them changes (its CopySlices
replaces the single view's grad_fn), so it refuses, for the outputs and for views taken of them (`a[0]`, `a.view(2)`),
and asks for an out-of-place operation. Inside no_grad(), or where nothing needs a gradient, the change goes through
to the input, as there. The outputs are remembered here by identity when made with grad mode on (made inside
no_grad(), PyTorch gives them its no_grad view rules instead); `tensor_split` and the `unsafe_` spellings make views
without the restriction, as PyTorch's.
"""

from __future__ import annotations

import weakref

from .modes import GRAD_ENABLED

_OUTPUTS = {}  # id(view) -> (weak reference to it, PyTorch's name of the function that made it, its output position)


def mark_multiple_views(views, function):
    """Remember `views` (a tuple of Values, the outputs of one call) as made by `function` (PyTorch's name of its
    backward node without "Backward0": "Split", "SplitWithSizes", "Unbind"); returns views."""
    if not GRAD_ENABLED.get():
        return views
    for position, view in enumerate(views):
        key = id(view)
        _OUTPUTS[key] = (weakref.ref(view, lambda ref, key=key: _forget_key(key, ref)), function, position)
    return views


def _forget_key(key, ref):
    entry = _OUTPUTS.get(key)
    if entry is not None and entry[0] is ref:
        del _OUTPUTS[key]


def unmark_multiple_views(views):
    """Forget `views` (the `unsafe_split`/`unsafe_chunk` spellings: PyTorch's make no such restriction); returns
    views."""
    for view in views:
        entry = _OUTPUTS.get(id(view))
        if entry is not None and entry[0]() is view:
            del _OUTPUTS[id(view)]
    return views


def refuse_change_of_multiple_view(target, name):
    """Raise PyTorch's RuntimeError if `target`, about to be changed in place with the change recorded, is an output
    of a function that returns several views, or a view of one through recorded view operations."""
    if not _OUTPUTS:
        return
    node = target
    while True:
        entry = _OUTPUTS.get(id(node))
        if entry is not None and entry[0]() is node:
            break
        parent = node._p0
        if parent is None or node._op is None or not node._op.views or not _views(node, parent):
            return
        node = parent
    _, function, position = entry
    if node is not target:  # a view of an output: PyTorch names the target's own view function
        function, position = _torch_view_name(target), 0
    rule = ("This view is the output of a function that returns multiple views. Such functions do not allow the "
            "output views to be modified inplace. You should replace the inplace operation by an out-of-place one.")
    if target._p0 is None:  # no node of a graph (its input needed no gradient): PyTorch words it so
        raise RuntimeError(f"{name}: A view was created in no_grad mode and is being modified inplace with grad mode "
                           f"enabled. {rule}")
    raise RuntimeError(f"{name}: Output {position} of {function} is a view and is being modified inplace. {rule}")


def _views(node, parent):
    """Whether node's data is a view of parent's (memory shared, or one element of it: an `x[i]`)."""
    from .version_counter import element_of, viewed_array

    return viewed_array(node, parent) is not None or element_of(node) is not None


def _torch_view_name(view):
    """PyTorch's name of the view function that made `view` (its backward node's, without "Backward0")."""
    op = view._op.name
    if op == "getitem":  # a[0] is PyTorch's select, a[1:] its slice (a[0, 1:] is a select then a slice: "Slice")
        params = view._params
        index = params.get("index") if params.__class__ is dict else None  # (None: freed by a backward pass)
        last = index[-1] if isinstance(index, tuple) and index else index
        return "Slice" if isinstance(last, slice) else "Select"
    return _TORCH_VIEW_NAMES.get(op, op.capitalize())


_TORCH_VIEW_NAMES = {"reshape": "View", "transpose": "Permute", "swapaxes": "Transpose", "broadcast_to": "Expand",
                     "diagonal": "Diagonal", "unfold": "Unfold", "as_strided": "AsStrided"}
