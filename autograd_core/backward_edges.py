"""What a node of a backward pass sends down each edge: the edge's rule called on the node's gradient (`_to_parents`,
the general way; chain_rule.py writes the commonest nodes' steps out), the result fitted to its input's shape and dtype
(`_fit`, `_unbroadcast`), the rule run again on g made dense where it refuses a sparse one (`_on_dense_or_raise`), or a
layer weight's gradient computed on a pool thread while the pass goes on (`_gradient_aside`, from ASIDE_FROM elements).
`pass_gradient`: the rule that is g itself, which the pass does not call.
"""

from __future__ import annotations

import numpy as np

from .errors import describe
from .scattered_gradient import ScatteredGradient
from .threads import run_aside
from .sparse_array import SparseArray, SparseLayoutError
from .backward_order import _UNREACHED
from .backward_undo import _Freed


def pass_gradient(g, out, x, y):
    """The rule of an input that the output follows one for one (both inputs of x + y, the first of x - y): g.
    The backward pass's short way hands g on without calling it (a Python call per edge of every sum node)."""
    return g


def _to_parents(node, g, create_graph, anomaly, passed_through, release=None, released=None):
    """Send output gradient `g` of `node` down each edge whose parent needs a gradient: call the edge's rule,
    fit the result to the parent's shape and dtype (`_fit`), and add it to what the parent has received (its
    `_pending`). A leaf with a hook whose last gradient this was goes to `released`, to be taken next.
    The general case; `_chain_rule` does the same for the commonest nodes itself, faster."""
    op = node._op
    params = node._params
    if params is not None and params.__class__ is _Freed:
        from .grad_fn import _FREED_MESSAGE  # PyTorch's words, shared with grad_fn's saved tensors

        raise RuntimeError(
            f"{_FREED_MESSAGE} (backward: trying to go through the graph a second time at '{op.title}' "
            f"(node {describe(node)}); its saved values were freed by the first backward. "
            "Pass retain_graph=True to the first backward() if you need to call it twice.)"
        )
    p1 = node._p1  # the parents, read from their slots (Value._parents builds the same tuple)
    if p1 is None:
        parents = (node._p0,)
    elif p1.__class__ is tuple:
        parents = p1
    else:
        parents = (node._p0, p1)
    if create_graph:  # the rules then run on Values and record the backward pass itself
        out, xs = node, parents
    elif p1 is None:
        out, xs = node.data, (parents[0].data,)
    elif p1.__class__ is tuple:
        out, xs = node.data, [p.data for p in parents]
    else:
        out, xs = node.data, (parents[0].data, p1.data)
    arity = len(xs) if params is None else 0  # rules of 1 or 2 inputs are called without unpacking
    vjps = op.vjps
    lazy_vjp = None if create_graph else op.lazy_vjp
    for i in range(len(parents)):
        parent = parents[i]
        if not parent._requires_grad:
            continue
        try:
            if lazy_vjp is not None:  # a slice's gradient, scattered when the parent's are all in (scattered_gradient)
                gp = lazy_vjp(g, out, xs[0], **params)
            elif arity == 2:
                gp = vjps[1 if i else 0](g, out, xs[0], xs[1])
            elif arity == 1:
                gp = vjps[0](g, out, xs[0])
            elif params is None:
                gp = vjps[i](g, out, *xs)
            else:
                gp = vjps[i](g, out, *xs, **params)
        except SparseLayoutError as refusal:
            gp = _on_dense_or_raise(refusal, vjps[i], g, (out, *xs), params)
        if gp is None:
            continue
        pdata = parent.data if create_graph else xs[i]
        if (gp.__class__ is not pdata.__class__ or gp.__class__ is _ndarray) and (  # not two NumPy scalars of one type
                gp.shape != pdata.shape or (gp.dtype is not pdata.dtype and gp.dtype != pdata.dtype)):
            gp = _fit(gp, pdata, op, i)
        if anomaly:
            from .anomaly import check_backward

            if gp.__class__ is ScatteredGradient:
                gp = gp.dense()
            check_backward(node, i, gp)
        if gp is g and parent._op is None:
            passed_through.add(parent)
        prev = parent._pending
        parent._pending = gp if prev is _UNREACHED else prev + gp
        if release is not None and parent in release:
            release[parent] -= 1
            if not release[parent]:  # its last contribution: take it next, ahead of its creation order
                released.append(parent)


_ndarray = np.ndarray


def _on_dense_or_raise(refusal, rule, g, args, params=None):
    """The result of an edge's rule that refused gradient g, where g is sparse: the rule run again on g made dense
    (a dense operation's rule that is not g times something, or g divided by something: matmul's, indexing's, a
    reduction's). PyTorch's backward fails there ("Could not run 'aten::...' with arguments from the 'SparseCPU'
    backend"); here the gradient densifies at that edge and goes on dense. A refusal of anything else (a rule
    meeting sparse data of its own) is raised again."""
    if g.__class__ is not SparseArray:
        raise refusal
    return rule(g.to_dense(), *args) if params is None else rule(g.to_dense(), *args, **params)


def _fit(gp, pdata, op, i):
    """Un-broadcast a rule's result to its input's shape and cast it to the input's dtype."""
    if gp.__class__ is ScatteredGradient:
        gp = gp.dense()
    elif gp.__class__ is SparseArray and gp.shape != pdata.shape:  # a sparse gradient of a broadcast operand
        try:
            gp = gp.sum_to(pdata.shape)
        except (ValueError, IndexError):
            raise RuntimeError(f"backward: the rule of '{op.name}' for input {i} returned shape {gp.shape}, which "
                               f"does not reduce to the input's shape {pdata.shape}") from None
    if gp.shape != pdata.shape:
        gp = _unbroadcast(gp, pdata.shape, op, i)
    if gp.dtype != pdata.dtype:
        if gp.dtype.kind == "c" and pdata.dtype.kind != "c":
            gp = gp.real  # a real input that became complex: its gradient is the real part (ops/complex.py)
        elif pdata.dtype.kind == "c" and gp.dtype.kind != "c":
            # A complex input whose rule gave a real gradient r (complex -> real astype): the pass carries the
            # conjugate of PyTorch's gradient, here conj(r + 0j) = r - 0j, so that .grad reads r + 0j as PyTorch's
            # (the sign of the zero imaginary part shows in np.signbit, 1 / grad.imag, angle()).
            from .ops.complex import conj

            return conj(gp.astype(pdata.dtype))
        gp = gp.astype(pdata.dtype)
    return gp


def _unbroadcast(g, shape, op, i):
    """Sum a gradient over the axes that broadcasting added or stretched, so it has `shape` again."""
    from .ops.shape import sum_to

    try:
        return sum_to(g, shape=shape)
    except ValueError:
        raise RuntimeError(
            f"backward: the rule of '{op.name}' for input {i} returned shape {g.shape}, which does not "
            f"reduce to the input's shape {shape}"
        ) from None


def _gradient_aside(rule, g, out, xs, params, op, i):
    """Input i's gradient by `rule` (one of a primitive's `aside_vjps`: a layer's weight's), computed on a pool thread
    while the pass goes on (threads.run_aside), or here where that has been the faster way at these sizes, and fitted
    to the input as the pass fits results: an `Aside` for the leaf's `_pending`, whose result the pass takes when it
    reaches the leaf. None where it is not worth a thread (g under ASIDE_FROM elements, or not a dense array) or one
    thread is allowed: the pass then calls the rule itself. The same bits either way (the same call on the same
    arrays, added up in the same order)."""
    if g.__class__ is not np.ndarray or g.size < ASIDE_FROM:
        return None
    x = xs[i]

    def gradient():
        gp = rule(g, out, *xs) if params is None else rule(g, out, *xs, **params)
        if gp is not None and (gp.__class__ is not x.__class__ or gp.__class__ is np.ndarray) and (
                gp.shape != x.shape or (gp.dtype is not x.dtype and gp.dtype != x.dtype)):
            gp = _fit(gp, x, op, i)
        return gp

    return run_aside(gradient, ("aside", op.name, i, g.shape, x.shape))


# Elements of g from which a weight's gradient may be set aside: handing it over costs ~20-100 µs; W3's second
# convolution (g of 200,704 elements) spends ~0.75 ms in it.
ASIDE_FROM = 100_000
