"""`GradFn`: PyTorch's `x.grad_fn` view of the operation that recorded a Value (`name()`, `next_functions`).

    y = (x * 2).sum()
    y.grad_fn.name()                                    # 'SumBackward0'
    y.grad_fn.next_functions[0][0].next_functions       # ((<AccumulateGrad ...>, 0), (None, 0))

The names come from this library's primitives, so they describe its graph, which is not always PyTorch's
(`MSELoss` records mean(mul(sub)) here, one MseLossBackward0 there).
"""

from __future__ import annotations


class GradFn:
    """The operation that recorded a Value, as PyTorch's `grad_fn` shows it: `name()` ("MulBackward0"),
    `next_functions` (one `(fn, 0)` per input: the input's GradFn, an `AccumulateGrad` for a leaf that
    requires grad, None for a constant), `metadata` ({}), and `primitive` (the shared Primitive). Two GradFns
    of the same Value are equal."""

    __slots__ = ("_node",)

    def __init__(self, node):
        self._node = node

    @property
    def primitive(self):
        return self._node._op

    def name(self):
        if getattr(self._node._op, "custom_function", False):  # an autograd.Function: PyTorch's "<Name>Backward"
            return self._node._op.title + "Backward"
        words = "".join(c if c.isalnum() else " " for c in self._node._op.title).split()
        return "".join(w[:1].upper() + w[1:] for w in words) + "Backward0"  # 'max_pool2d' -> MaxPool2dBackward0

    @property
    def next_functions(self):
        return tuple((_edge_function(p), 0) for p in self._node._parents)

    @property
    def metadata(self):
        return {}

    def register_prehook(self, fn):
        """Call fn(grad_outputs) (a 1-tuple: this node's gradient) when a backward pass reaches the node, before its
        rules run; a tuple returned replaces the gradient. Returns a handle with `.remove()` (a Value hook)."""
        def prehook(g):
            replaced = fn((g,))
            return None if replaced is None else replaced[0]

        return self._node.register_hook(prehook)

    def register_hook(self, fn):
        """Call fn(grad_inputs, grad_outputs) when a backward pass reaches the node: grad_inputs has one gradient per
        entry of `next_functions` (None for an input that needs none), grad_outputs is (this node's gradient,). The
        hook observes: returning new grad_inputs (which PyTorch allows) raises here. Returns a handle."""
        from .engine import edge_vjp

        def hook(g):
            node = self._node
            grad_inputs = tuple(edge_vjp(node, i, g) if p.requires_grad else None for i, p in enumerate(node._parents))
            if fn(grad_inputs, (g,)) is not None:
                raise RuntimeError(f"{self.name()}.register_hook: replacing grad_inputs is not supported here; use "
                                   "register_prehook to replace the node's gradient, or a hook on an input Value")

        return self._node.register_hook(hook)

    def __eq__(self, other):
        return isinstance(other, GradFn) and other._node is self._node

    def __hash__(self):
        return id(self._node)

    def __repr__(self):
        return f"<{self.name()} object at {id(self._node):#x}>"


class AccumulateGrad:
    """`next_functions`' entry for a leaf that requires grad: `variable` is the leaf."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    next_functions = ()

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self.variable):#x}>"


def _edge_function(parent):
    if not parent.requires_grad:
        return None
    return GradFn(parent) if parent._parents else AccumulateGrad(parent)
