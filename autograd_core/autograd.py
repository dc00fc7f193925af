"""PyTorch's `torch.autograd` names: `Function` (an operation with a hand-written backward), `grad`, `backward`.

    class Cube(autograd_core.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    y = Cube.apply(v)

A Function becomes a `Primitive` (one per class): `forward` runs without recording on Values that share the
inputs' data, and `backward(ctx, g)` gives one gradient per input (None for an input that needs none). The
context `ctx` is kept as the node's saved parameter. As in PyTorch without `once_differentiable` care,
differentiating a backward pass again goes through the Values `backward` computes, but not through the
saved inputs (they are detached), so second derivatives of a Function are not supported.
"""

from __future__ import annotations

from .engine import apply, backward, grad, no_grad  # noqa: F401  (grad, backward: torch.autograd's names)
from .ops.primitive import PRIMITIVES, Primitive
from .value import Value

__all__ = ["Function", "FunctionCtx", "grad", "backward"]


class FunctionCtx:
    """What `forward` leaves for `backward`: `save_for_backward(*values)` -> `saved_tensors`, and any
    attribute the Function sets."""

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    saved_tensors = ()


def _detached(data):
    return Value(data, requires_grad=False, dtype=getattr(data, "dtype", None))


def _data(x):
    return x.data if isinstance(x, Value) else x


class Function:
    """Subclass with static `forward(ctx, *inputs)` and `backward(ctx, *grad_outputs)`; call `apply(*inputs)`."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def _primitive(cls):
        prim = cls.__dict__.get("_autograd_primitive")
        if prim is None:
            def forward(*xs, ctx):
                with no_grad():
                    out = cls.forward(ctx, *[_detached(x) for x in xs])
                return _data(out)

            prim = Primitive(f"{cls.__name__}@{id(cls):x}", forward, title=cls.__name__, module=cls.__module__)
            # A user's Function is not one of the library's primitives: keep it out of their registry.
            PRIMITIVES.pop(prim.name, None)
            prim.name = cls.__name__
            prim.defvjp_argnum(cls._vjp, formula=f"{cls.__name__}.backward")
            cls._autograd_primitive = prim
        return prim

    @classmethod
    def _vjp(cls, argnum, g, out, *xs, ctx):
        cached = getattr(ctx, "_autograd_cache", None)
        if cached is None or cached[0] is not g:  # backward runs once per node, not once per input
            grads = cls.backward(ctx, g if isinstance(g, Value) else _detached(g))
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(xs):
                raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients for {len(xs)} inputs")
            cached = ctx._autograd_cache = (g, grads)
        gi = cached[1][argnum]
        if gi is None or isinstance(g, Value):
            return gi
        return _data(gi)

    @classmethod
    def apply(cls, *args):
        """Run forward and record one node whose gradient rule is this class's backward."""
        if not any(isinstance(a, Value) for a in args):
            args = tuple(_detached(a) for a in args)
        return apply(cls._primitive(), args, {"ctx": FunctionCtx()})
