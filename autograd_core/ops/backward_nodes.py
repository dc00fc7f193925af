"""Backward rules as operations of their own, for gradients made with create_graph.

The gradient of a piecewise-linear operation (relu, leaky_relu, hardtanh, the shrinks, max pooling) is linear in the
incoming gradient g, with coefficients (a mask, a slope, the positions of maxima) that are piecewise constant in the
input x. On arrays (the first-order path) its rule is plain NumPy and records nothing. When g is a Value (create_graph),
PyTorch records the rule as a node of its own (ThresholdBackwardBackward0, LeakyReluBackwardBackward0,
MaxPool2DWithIndicesBackwardBackward0, ...) with edges to g and to x, whose derivative in x is zeros: a second
derivative is then zeros, where a rule of masks computed from x's data would leave x looking unused (`autograd.grad`
raising), and a mixed term through g (a gradient penalty) goes on. `backward_node` makes that node from the rule's
NumPy function; `vjp_through` is the rule of the forward operation, which takes the node only when g is a Value.
"""

from __future__ import annotations

import sys

from ..value import Value
from .primitive import Primitive


def backward_node(name, rule, adjoint=None, in_inputs=()):
    """The primitive `name`(g, x, *data, **options) = rule(g, x, *data, **options), where `rule` is the NumPy backward
    rule of a piecewise-linear operation of x: linear in g, with coefficients piecewise constant in x and in the
    further inputs `data` (its output, which max pooling keeps). Its derivative in g is `adjoint` applied to the
    incoming gradient (the node itself by default: an elementwise rule is its own adjoint; max pooling's scatter and
    gather are each other's, given as a function called when the rule runs); in x and the data, zeros of their shapes
    (a Value where they are Values, so that they count as used). `in_inputs`: for x and the further inputs in order,
    rules (gg, out, g, x, *data, **options) where the derivative is not zeros: an elementwise rule whose slope is not
    piecewise constant in x (ELU's, hardswish's: gg⊙g⊙f''(x)), or depends on a weight (prelu's), made of operations
    so that they are differentiated again (None: zeros). Forward mode: the tangent of g goes through the rule, those
    of the other inputs through their rules (elementwise: the tangent for gg), or contribute nothing."""
    node = Primitive(name, rule, title=name, module=sys._getframe(1).f_globals.get("__name__", ""))

    def in_g(gg, out, g, *inputs, **options):
        return (node if adjoint is None else adjoint())(gg, *inputs, **options)

    def derivative(argnum, gg, out, g, *inputs, **options):
        if argnum == 0:
            return in_g(gg, out, g, *inputs, **options)
        rule = in_inputs[argnum - 1] if argnum <= len(in_inputs) else None
        if rule is not None:
            return rule(gg, out, g, *inputs, **options)
        return zeros_of(inputs[argnum - 1])

    node.defvjp_argnum(derivative)
    node.formulas = _Formulas(f"{name}(g, x)" if adjoint is None else f"the adjoint of {name}, of g",
                              ["0 (piecewise constant in it)" if rule is None else "g⊙(the slope's derivative in it)"
                               for rule in in_inputs])

    def tangent(argnum, t, out, g, *inputs, **options):
        if argnum == 0:
            return node(t, *inputs, **options)
        rule = in_inputs[argnum - 1] if argnum <= len(in_inputs) else None
        return None if rule is None else rule(t, out, g, *inputs, **options)  # elementwise: t for gg

    node.defjvp_argnum(tangent)
    return node


class _Formulas:
    """A backward node's rules as text, for pictures: the rule itself (or its adjoint) for g, then one per input:
    zeros where the rule is piecewise constant in it (any input past `rest`), else the slope's derivative."""

    __slots__ = ("in_g", "rest")

    def __init__(self, in_g, rest):
        self.in_g, self.rest = in_g, rest

    def __getitem__(self, i):
        if i == 0:
            return self.in_g
        return self.rest[i - 1] if i - 1 < len(self.rest) else "0 (piecewise constant in it)"

    def __len__(self):
        return 1 << 30  # any number of inputs, as Primitive.defvjp_argnum's


def zeros_of(x):
    """Zeros of x's shape and dtype, a Value with an edge to x where x is a Value (so that x counts as used; the
    derivative of those zeros is zeros again), whatever x holds (inf and NaN included)."""
    from .elementwise import where

    return where(False, x, 0)


def vjp_through(node):
    """The VJP rule (g, out, x, **options) of the operation whose backward rule `node` is (see `backward_node`): the
    node itself when g is a Value (create_graph, or tangents that are Values), else its NumPy rule on x's data (one
    class test more than the bare rule on the first-order path)."""
    rule = node.forward

    def vjp(g, out, x, **options):
        if g.__class__ is Value:
            return node(g, x, **options)
        return rule(g, x.data if x.__class__ is Value else x, **options)

    vjp.node = node
    return vjp
