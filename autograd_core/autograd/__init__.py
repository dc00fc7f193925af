"""PyTorch's `torch.autograd` names: `Function` (an operation with a hand-written backward), `grad`, `backward`,
`functional` (jacobian, hessian, vjp, jvp, hvp, vhp: functional.py), `forward_ad` (dual tensors: forward_ad.py),
`graph` (Node, saved_tensors_hooks: graph.py), `gradcheck`, `gradgradcheck`, `detect_anomaly`, `set_detect_anomaly`,
the grad modes (`no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`), `Variable` (deprecated in PyTorch:
it makes a tensor), `set_multithreading_enabled` / `is_multithreading_enabled`.

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
context `ctx` is kept as the node's saved parameter. A backward pass with `create_graph=True` (second
derivatives, `grad(grad(f))`) runs `backward` with the saved inputs and output standing for the node's own inputs
and output, so that what it computes from them is differentiated too, as in PyTorch.
"""

from __future__ import annotations

import contextlib
import sys
import warnings

import numpy as np

from ..engine import ShapeError
from .. import engine
from ..engine import apply, enable_grad, no_grad, set_grad_enabled  # noqa: F401  (torch.autograd's names)
from ..grad_array import GradArray
from ..gradcheck import gradcheck as _core_gradcheck, gradgradcheck as _core_gradgradcheck
from ..lazy_imports import lazy_attributes
from ..ops import stack
from ..ops.primitive import PRIMITIVES, Primitive
from ..tensor import inference_mode
from ..value import Value
from . import anomaly_mode, grad_mode, graph  # forward_ad and functional load on first use (__getattr__ below)
from .anomaly_mode import detect_anomaly, set_detect_anomaly

__all__ = ["Function", "FunctionCtx", "Variable", "grad", "backward", "functional", "forward_ad", "profiler", "graph",
           "gradcheck", "gradgradcheck", "detect_anomaly", "set_detect_anomaly", "anomaly_mode", "grad_mode", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "set_multithreading_enabled",
           "is_multithreading_enabled"]


class _VariableMeta(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, Value)  # as in PyTorch, every tensor is a Variable


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated `Variable(tensor, requires_grad=False)`: a new Value sharing tensor's data (and version
    counter), cut from its graph, with the given requires_grad. Only a Value is accepted (TypeError otherwise, as
    PyTorch's); `isinstance(v, Variable)` holds for every Value. `volatile=True` (PyTorch 0.3's no-grad flag, in old
    tutorials' test sets: `Variable(test_x, volatile=True)`) has no effect and warns as PyTorch does."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Value):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out


class _Multithreading:
    enabled = True


class set_multithreading_enabled:
    """PyTorch's switch for running backward passes on device threads; `set_multithreading_enabled(mode)` sets it at
    once, and as a context it restores the previous setting. Here it is only remembered: a backward pass always runs
    in the thread that calls it (the large kernels' own threads: threads.py, `set_num_threads`)."""

    def __init__(self, mode):
        self.prev = _Multithreading.enabled
        _Multithreading.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _Multithreading.enabled = self.prev
        return False


def is_multithreading_enabled():
    """The setting of `set_multithreading_enabled` (True by default)."""
    return _Multithreading.enabled


def _as_list(values):
    """A list or tuple as a list; anything else (a Value, an array) as a list of one."""
    return list(values) if isinstance(values, (list, tuple)) else [values]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """torch.autograd.backward: accumulate the gradients of `tensors` (a Value or a sequence of them) into `.grad`,
    each seeded with its entry of grad_tensors (required for a non-scalar; None for a scalar: 1). PyTorch's
    arguments and order. grad_variables: PyTorch's deprecated name for grad_tensors. inputs (a Value or a sequence):
    accumulate into these Values' `.grad` only (leaves or not), instead of every leaf below."""
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both passed to "
                               "backward(). Please only use 'grad_tensors'.")
        warnings.warn("'grad_variables' is deprecated. Use 'grad_tensors' instead.", FutureWarning, stacklevel=2)
        grad_tensors = grad_variables
    roots = _as_list(tensors)
    seeds = [None] * len(roots) if grad_tensors is None else _as_list(grad_tensors)
    if len(seeds) != len(roots):
        raise RuntimeError(f"backward: got {len(seeds)} grad_tensors for {len(roots)} tensors")
    for k, root in enumerate(roots):
        if not root.requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        seeds = [engine._seed_gradient(root, seed, create_graph) for root, seed in zip(roots, seeds)]
        engine.run_backward(roots, seeds, retain_graph=retain_graph, create_graph=create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    grads = engine.grad(roots, inputs, seeds, retain_graph, create_graph, allow_unused=True)
    for v, g in zip(inputs, grads):
        if g is not None:
            v.grad = g if v.grad is None else v.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients of `outputs` with respect to `inputs` (one per input, its shape), not
    accumulated into `.grad`; see `engine.grad`. PyTorch's arguments and order:

    only_inputs:       deprecated and ignored, as PyTorch's (with its warning when False).
    allow_unused:      None for an input the outputs do not depend on instead of an error (default: False, or
                       materialize_grads).
    is_grads_batched:  each grad_outputs has an extra first (batch) axis; the result has it too: one backward pass
                       per batch entry (a loop here, vectorised in PyTorch), stacked.
    materialize_grads: zeros instead of None for an unused input.

    Returns a tuple, as PyTorch's: per input its gradient (a GradArray, an ndarray with PyTorch's tensor methods; a
    NumPy scalar for a 0-d input; a Value with create_graph=True), or None where allow_unused lets it be.

    Inside a forward AD level (forward_ad.py) the gradients carry tangents, as PyTorch's do (forward over reverse:
    the tangent of the gradient of a loss is a Hessian-vector product): the backward pass is then recorded, so
    that the level's trace follows it, and a gradient with a tangent comes back as a Value without a graph (unless
    create_graph) that `forward_ad.unpack_dual` reads."""
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", UserWarning,
                      stacklevel=2)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    allow_unused = bool(materialize_grads) if allow_unused is None else bool(allow_unused)
    if is_grads_batched:
        grads = _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    else:
        grads = _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        grads = [np.zeros(np.shape(v.data), v.data.dtype) if g is None else g for v, g in zip(_as_list(inputs), grads)]
    # PyTorch's tuple of tensors: an array gradient as a GradArray, as `.grad` reads (g.norm(), g.view(-1), ...)
    return tuple(g.view(GradArray) if g.__class__ is np.ndarray and g.ndim else g for g in grads)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """grad with grad_outputs batched along a first axis: one pass per entry, the results stacked (None stays)."""
    if grad_outputs is None:
        raise RuntimeError("grad: is_grads_batched=True needs grad_outputs")
    seeds = _as_list(grad_outputs)
    sizes = {np.shape(s)[0] for s in seeds if s is not None}
    if len(sizes) != 1:
        raise ShapeError("grad: with is_grads_batched=True every grad_output needs the same first (batch) size")
    (size,) = sizes
    passes = []
    for b in range(size):
        keep = True if b < size - 1 else retain_graph
        passes.append(_grad(outputs, inputs, [None if s is None else s[b] for s in seeds], keep, create_graph,
                            allow_unused))
    result = []
    for per_input in zip(*passes):
        if per_input[0] is None:
            result.append(None)
        elif any(isinstance(g, Value) for g in per_input):
            result.append(stack(list(per_input)))
        else:
            result.append(np.stack(per_input))
    return result


def _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    forward_ad = sys.modules.get(f"{__name__}.forward_ad")  # loaded on first use: no level is open before
    trace = None if forward_ad is None else forward_ad.current_trace()
    if trace is None or create_graph or not trace.tangents:
        return engine.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    grads = engine.grad(outputs, inputs, grad_outputs, bool(retain_graph), True, allow_unused)
    result = []
    for g in grads:
        tangent = trace.tangents.get(g) if isinstance(g, Value) else None
        if tangent is None:
            result.append(g.data if isinstance(g, Value) else g)  # what grad gives outside a level
            continue
        plain = g.detach()
        trace.tangents[plain] = tangent.detach() if isinstance(tangent, Value) else tangent
        result.append(plain)
    return result


def _unsupported_checks(who, **checks):
    """PyTorch's gradcheck switches that ask for a check this library does not make: NotImplementedError when on."""
    asked = [name for name, on in checks.items() if on]
    if asked:
        raise NotImplementedError(f"{who}: {', '.join(asked)} not supported (the derivatives are checked against "
                                  "central differences in float64)")


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """torch.autograd.gradcheck: func's reverse-mode derivatives against central differences in float64 (see
    `autograd_core.gradcheck.gradcheck`); PyTorch's arguments. True, or GradcheckError (False without
    raise_exception). nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode: accepted (a backward pass
    here is deterministic; the full Jacobian is always compared). check_backward_ad=False checks nothing.
    check_batched_grad, check_batched_forward_grad, check_forward_ad, masked: NotImplementedError when set."""
    _unsupported_checks("gradcheck", check_batched_grad=check_batched_grad,
                        check_batched_forward_grad=check_batched_forward_grad, check_forward_ad=check_forward_ad,
                        masked=masked)
    if not check_backward_ad:
        return True
    return _core_gradcheck(func, inputs, eps, atol, rtol, raise_exception)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """torch.autograd.gradgradcheck: func's second derivatives (reverse over reverse) against central differences
    of its first (see `autograd_core.gradcheck.gradgradcheck`); PyTorch's arguments. grad_outputs: the cotangents
    (random ones when None). gen_non_contig_grad_outputs, nondet_tol, check_undefined_grad, check_grad_dtypes,
    fast_mode: accepted. check_rev_over_rev=False checks nothing. check_batched_grad, check_fwd_over_rev, masked:
    NotImplementedError when set."""
    _unsupported_checks("gradgradcheck", check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev,
                        masked=masked)
    if not check_rev_over_rev:
        return True
    return _core_gradgradcheck(func, inputs, grad_outputs, eps, atol, rtol, raise_exception)


class FunctionCtx:
    """What `forward` leaves for `backward`: `save_for_backward(*values)` -> `saved_tensors`, and any
    attribute the Function sets."""

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def save_for_forward(self, *tensors):
        """For `jvp` (forward mode), as in PyTorch: also read back as `saved_tensors`."""
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
        """Define in a subclass: the outputs from the inputs; ctx.save_for_backward keeps what backward needs."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Define in a subclass: one gradient per forward input (None where none), from one per output."""
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode, optional (PyTorch's name): the output's tangent for the inputs' tangents `grad_inputs`
        (one per input, zeros for an input without one). Without it, forward mode through the Function raises."""
        raise NotImplementedError

    @classmethod
    def _primitive(cls):
        prim = cls.__dict__.get("_autograd_primitive")
        if prim is None:
            def forward(*xs, ctx):
                inputs = [_detached(x) for x in xs]
                with no_grad():
                    out = cls.forward(ctx, *inputs)
                ctx._autograd_stand_ins = (inputs, out)  # for a backward that records its graph (`_vjp`)
                return _data(out)

            prim = Primitive(f"{cls.__name__}@{id(cls):x}", forward, title=cls.__name__, module=cls.__module__)
            # A user's Function is not one of the library's primitives: keep it out of their registry.
            PRIMITIVES.pop(prim.name, None)
            prim.name = cls.__name__
            prim.defvjp_argnum(cls._vjp, formula=f"{cls.__name__}.backward")
            if cls.jvp is not Function.jvp:  # forward mode (jvp, jacfwd, hessian) through this Function
                prim.defjvp_argnum(cls._jvp)
            cls._autograd_primitive = prim
        return prim

    @classmethod
    def _vjp(cls, argnum, g, out, *xs, ctx):
        cached = getattr(ctx, "_autograd_cache", None)
        if cached is None or cached[0] is not g:  # backward runs once per node, not once per input
            if isinstance(g, Value):  # create_graph: the rule runs on the node's Values, and records
                grads = cls._recorded_backward(ctx, g, out, xs)
            else:
                grads = cls.backward(ctx, _detached(g))
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(xs):
                raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients for {len(xs)} inputs")
            cached = ctx._autograd_cache = (g, grads)
        gi = cached[1][argnum]
        if gi is None or isinstance(g, Value):
            return gi
        return _data(gi)

    @classmethod
    def _jvp(cls, argnum, t, out, *xs, ctx):
        """Input `argnum`'s share of the output's tangent: `jvp` with t there and zeros for the other inputs (the
        forward pass adds the shares; jvp is linear in the tangents)."""
        symbolic = isinstance(t, Value)
        tangents = [t if i == argnum else np.zeros_like(_data(x)) for i, x in enumerate(xs)]
        if not symbolic:
            return _data(cls.jvp(ctx, *[_detached(tangent) for tangent in tangents]))
        with cls._standing_in(ctx, out, xs):  # nested transforms see what jvp computes from the inputs
            return cls.jvp(ctx, *tangents)

    @classmethod
    def _recorded_backward(cls, ctx, g, out, xs):
        """backward(ctx, g) with the saved inputs and output standing for the node's inputs `xs` and output `out` (the
        Values forward saw were detached copies): what it computes from them joins the graph being recorded, so a
        second derivative sees that the first depends on them (d/dx of 3x²·g is 6x·g, not 0)."""
        with cls._standing_in(ctx, out, xs):
            return cls.backward(ctx, g)

    @staticmethod
    @contextlib.contextmanager
    def _standing_in(ctx, out, xs):
        """ctx.saved_tensors with forward's detached inputs and output swapped for the node's own Values."""
        inputs, output = ctx._autograd_stand_ins
        swap = {id(stand_in): real for stand_in, real in zip(inputs, xs)}
        if isinstance(output, Value):
            swap[id(output)] = out
        saved = ctx.saved_tensors
        ctx.saved_tensors = tuple(swap.get(id(t), t) for t in saved)
        try:
            yield
        finally:
            ctx.saved_tensors = saved

    @classmethod
    def apply(cls, *args):
        """Run forward and record one node whose gradient rule is this class's backward."""
        if not any(isinstance(a, Value) for a in args):
            args = tuple(_detached(a) for a in args)
        return apply(cls._primitive(), args, {"ctx": FunctionCtx()})


# forward_ad (dual numbers) and functional (jacobian, hessian, ...) build on the function transforms (functional.py,
# forward.py), which a Function or autograd.grad does not need; profiler, the old profiler (autograd_core.profiler's
# results). Each loads on first use (PEP 562), as `autograd_core.autograd.forward_ad` or `from autograd_core.autograd
# import functional` all the same.
_SUBMODULES = ("forward_ad", "functional", "profiler")


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _SUBMODULES)
