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
        words = "".join(c if c.isalnum() else " " for c in self._node._op.title).split()
        return "".join(w[:1].upper() + w[1:] for w in words) + "Backward0"  # 'max_pool2d' -> MaxPool2dBackward0

    @property
    def next_functions(self):
        return tuple((_edge_function(p), 0) for p in self._node._parents)

    @property
    def metadata(self):
        return {}

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
