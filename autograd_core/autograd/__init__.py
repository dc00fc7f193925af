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
import functools
import sys
import warnings
import weakref

import numpy as np

from ..errors import ShapeError
from .. import engine
from ..backward_seeds import _seed_gradient, conjugate_gradient
from ..modes import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401  (torch.autograd's names)
from ..recording import apply  # noqa: F401
from ..grad_array import GradArray
from ..sparse_array import SparseArray
from ..version_counter import mark_changed
from ..gradcheck import gradcheck as _core_gradcheck, gradgradcheck as _core_gradgradcheck
from . import gradcheck_inputs
from ..lazy_imports import lazy_attributes
from ..ops import concatenate, stack
from ..ops.primitive import PRIMITIVES, Primitive
from ..tensor import inference_mode
from ..value import Value
from . import anomaly_mode, grad_mode, graph  # forward_ad and functional load on first use (__getattr__ below)
from .anomaly_mode import detect_anomaly, set_detect_anomaly

__all__ = ["Function", "FunctionCtx", "once_differentiable", "function", "Variable", "grad", "backward", "functional",
           "forward_ad", "profiler", "graph", "gradcheck", "gradgradcheck", "detect_anomaly", "set_detect_anomaly",
           "anomaly_mode", "grad_mode", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "set_multithreading_enabled", "is_multithreading_enabled"]


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
        seeds = [_seed_gradient(root, seed, create_graph, i) for i, (root, seed) in enumerate(zip(roots, seeds))]
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
    # PyTorch's tuple of tensors: an array gradient as a GradArray, as `.grad` reads (g.norm(), g.view(-1), ...); a
    # sparse one as a sparse tensor (sparse_tensor.py)
    return tuple(g.view(GradArray) if g.__class__ is np.ndarray and g.ndim else _sparse_as_tensor(g) for g in grads)


def _sparse_as_tensor(g):
    """A sparse gradient (data, or a Value with create_graph) as a SparseTensor; any other g unchanged."""
    if g.__class__ is SparseArray or isinstance(g, Value) and g.data.__class__ is SparseArray:
        from ..sparse_tensor import as_sparse_tensor

        return as_sparse_tensor(g)
    return g


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
    """torch.autograd.gradcheck: func's reverse-mode derivatives (check_backward_ad) and forward-mode ones
    (check_forward_ad: the JVP rules, an autograd.Function's `jvp`) against central differences in float64 (see
    `autograd_core.gradcheck.gradcheck`); PyTorch's arguments. As PyTorch's, it checks the inputs that are Values
    requiring grad, passing the others (indices, masks, constants) as they are, and every floating Value of a tuple
    that func returns (when no input requires grad, every floating input is checked; gradcheck_inputs.py). True,
    or GradcheckError (False without raise_exception). nondet_tol, check_undefined_grad, check_grad_dtypes,
    fast_mode: accepted (a backward pass here is deterministic; the full Jacobian is always compared).
    check_batched_grad, check_batched_forward_grad, masked: NotImplementedError when set.

    As in PyTorch, func is evaluated for the central differences on inputs that require grad, with gradients
    recorded, so a func that differentiates inside (a WGAN-GP gradient penalty: torch.autograd.grad(...,
    create_graph=True) of its input) can be checked."""
    _unsupported_checks("gradcheck", check_batched_grad=check_batched_grad,
                        check_batched_forward_grad=check_batched_forward_grad, masked=masked)
    of_checked, checked, positions = gradcheck_inputs.reduced(func, inputs)
    return gradcheck_inputs.renumbered(
        lambda: _core_gradcheck(of_checked, checked, eps, atol, rtol, raise_exception, _differentiable=True,
                                check_forward_ad=check_forward_ad, check_backward_ad=check_backward_ad), positions)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """torch.autograd.gradgradcheck: func's second derivatives (reverse over reverse) against central differences
    of its first (see `autograd_core.gradcheck.gradgradcheck`); PyTorch's arguments, and gradcheck's choice of
    inputs and outputs. grad_outputs: the cotangents (a tuple for a tuple of outputs; random ones when None).
    gen_non_contig_grad_outputs, nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode: accepted.
    check_rev_over_rev=False checks nothing. check_batched_grad, check_fwd_over_rev, masked: NotImplementedError
    when set."""
    _unsupported_checks("gradgradcheck", check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev,
                        masked=masked)
    if not check_rev_over_rev:
        return True
    of_checked, checked, positions = gradcheck_inputs.reduced(func, inputs)
    grad_outputs = gradcheck_inputs.joined_cotangents(grad_outputs)
    return gradcheck_inputs.renumbered(
        lambda: _core_gradgradcheck(of_checked, checked, grad_outputs, eps, atol, rtol, raise_exception), positions)


class FunctionCtx:
    """What `forward` leaves for `backward`: `save_for_backward(*values)` -> `saved_tensors`, any attribute the
    Function sets, and PyTorch's flags: `needs_input_grad` (one bool per argument of `apply`: a Value that requires
    grad while grad mode is on), `mark_non_differentiable(*outputs)` (those outputs need no gradient; backward gets
    zeros for them), `set_materialize_grads(False)` (backward gets None instead of zeros for an output that received
    no gradient) and `mark_dirty(*inputs)` (forward changed these inputs in place: their version counters move on,
    so graphs that saved them refuse to backpropagate, as in PyTorch)."""

    saved_tensors = ()
    needs_input_grad = ()
    materialize_grads = True

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def save_for_forward(self, *tensors):
        """For `jvp` (forward mode), as in PyTorch: also read back as `saved_tensors`."""
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *outputs):
        """The outputs of forward among `outputs` (integer results, indices) carry no gradient: they come out of
        `apply` with requires_grad False, and backward receives zeros for them (None without materialized
        gradients), as in PyTorch."""
        self._autograd_non_differentiable = getattr(self, "_autograd_non_differentiable", ()) + outputs

    def set_materialize_grads(self, value):
        """False: backward receives None, rather than zeros, for an output whose gradient is zero (one not used on
        the way to the loss), as PyTorch's."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *inputs):
        """forward changed these inputs in place (and returns them): their version counters count the change."""
        self._autograd_dirty = getattr(self, "_autograd_dirty", ()) + inputs


def _held(gi, data):
    """Whether anything but Function._vjp refers to backward's result gi (an array, or a Value whose array is `data`):
    then it is the user's (a module's array, a Value kept on ctx), not a fresh result that .grad may take as it is."""
    # Counted: the cache of backward's results, _vjp's gi and data, these two parameters, getrefcount's argument (a
    # Value's array: the Value's slot instead of the cache's)
    if gi is data:
        return sys.getrefcount(data) > 6
    return sys.getrefcount(gi) > 4 or sys.getrefcount(data) > 4


def _detached(data):
    return Value(data, requires_grad=False, dtype=getattr(data, "dtype", None))


def _data(x):
    return x.data if isinstance(x, Value) else x


def _piece(flat, offset, size, shape, dtype):
    """Output `shape` of a Function with several outputs, cut from the flat array (or Value) that packs them."""
    piece = flat[offset:offset + size].reshape(shape)
    return piece if piece.dtype == dtype else piece.astype(dtype) if not isinstance(piece, Value) else piece.to(dtype)


def _output_vjp(g, out, flat, offset, size, shape, dtype):
    """The output's gradient g in its place of the flat packed array (zeros elsewhere); a Value g (create_graph)
    goes through recorded operations."""
    before, after = np.zeros(offset, flat.dtype), np.zeros(flat.size - offset - size, flat.dtype)
    if isinstance(g, Value):
        return concatenate([before, g.reshape(-1).to(flat.dtype), after], axis=0)
    return np.concatenate([before, np.ravel(g).astype(flat.dtype, copy=False), after])


def once_differentiable(backward):
    """Decorator of a Function's `backward` (PyTorch's `torch.autograd.function.once_differentiable`): backward runs
    without recording, on plain gradients, so its own derivative is not taken; a second derivative through it
    (`create_graph=True`, then a backward pass through the result) raises PyTorch's error instead of giving 0."""

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        recording = is_grad_enabled() and any(isinstance(g, Value) and g.requires_grad for g in grad_outputs)
        with no_grad():
            grads = backward(ctx, *grad_outputs)
        if not recording:
            return grads
        single = not isinstance(grads, tuple)
        anchor = next(g for g in grad_outputs if isinstance(g, Value) and g.requires_grad)
        grads = tuple(_DELAYED_ERROR(g, anchor) if isinstance(g, Value) else g for g in ((grads,) if single else grads))
        return grads[0] if single else grads

    return wrapper


def _delayed_error_rule(g, out, result, anchor):
    raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


# result, anchor -> result: a node standing between a @once_differentiable backward's result and the gradient it was
# computed from (the anchor, which requires grad), whose rule raises when a second backward pass reaches it.
_DELAYED_ERROR = Primitive("once_differentiable_result", lambda result, anchor: result, title="DelayedError")
PRIMITIVES.pop(_DELAYED_ERROR.name, None)  # not one of the library's operations (none of its probes)
_DELAYED_ERROR.defvjp(None, _delayed_error_rule)


class Function:
    """Subclass with static `forward(ctx, *inputs)` and `backward(ctx, *grad_outputs)`; call `apply(*inputs)`.

    As in PyTorch: arguments of `apply` that are not Values (numbers, flags, modules) reach forward as they are and
    get None as their gradient; forward may return several outputs (a tuple), and backward then gets one gradient
    per output (zeros for one that was not used, or None after `ctx.set_materialize_grads(False)`); forward may
    instead be written without ctx, `forward(*inputs)`, with a `setup_context(ctx, inputs, output)` (PyTorch 2's
    style); backward's gradients may be larger than their inputs where they sum to them (broadcasting), and raise
    PyTorch's "returned an invalid gradient" otherwise. `grad_fn.name()` of the result is `<Name>Backward`."""

    @staticmethod
    def forward(ctx, *args):
        """Define in a subclass: the outputs from the inputs; ctx.save_for_backward keeps what backward needs."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Define in a subclass whose forward takes no ctx (`forward(*inputs)`): save what backward needs from the
        inputs (a tuple of apply's arguments) and the output (forward's result), as PyTorch 2 calls it."""
        raise NotImplementedError("setup_context is not defined: forward takes ctx as its first argument")

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
            prim = Primitive(f"{cls.__name__}@{id(cls):x}", cls._forward, title=cls.__name__, module=cls.__module__)
            # A user's Function is not one of the library's primitives: keep it out of their registry.
            PRIMITIVES.pop(prim.name, None)
            prim.name = cls.__name__
            prim.custom_function = True  # grad_fn.name() is PyTorch's "<Name>Backward", without the 0
            prim.defvjp_argnum(cls._vjp, formula=f"{cls.__name__}.backward")
            prim.defcomplex()  # the user's forward takes what it is given; _vjp conjugates at backward's boundary
            if cls.jvp is not Function.jvp:  # forward mode (jvp, jacfwd, hessian) through this Function
                prim.defjvp_argnum(cls._jvp)
            # Each of several outputs is cut from the packed output by a node of its own, named after the Function
            # too (`grad_fn.name()` of every output is "<Name>Backward", as in PyTorch).
            output = Primitive(f"{cls.__name__}@{id(cls):x}.output", _piece, title=cls.__name__, module=cls.__module__)
            PRIMITIVES.pop(output.name, None)
            output.name, output.custom_function = f"{cls.__name__}.output", True
            output.defvjp(_output_vjp, formulas=("the output's gradient in its place of the packed output",))
            output.defjvp_linear()
            output.defcomplex()
            cls._autograd_primitive, cls._autograd_output = prim, output
        return prim

    @classmethod
    def _forward(cls, *xs, ctx):
        """The node's forward: the user's forward on detached Values sharing the data of the Value arguments `xs`
        (the other arguments of apply, kept in ctx, in their places). Several outputs are packed into one flat
        array, the node's output, which `apply` cuts into the outputs again (see `_pack`)."""
        inputs = list(ctx._autograd_arguments)
        for position, x in zip(ctx._autograd_positions, xs):
            inputs[position] = _detached(x)
        with no_grad():
            if cls.setup_context is not Function.setup_context:  # PyTorch 2's style: forward(*inputs)
                out = cls.forward(*inputs)
                cls.setup_context(ctx, tuple(inputs), out)
            else:
                out = cls.forward(ctx, *inputs)
        ctx._autograd_stand_ins = (inputs, out)  # for a backward that records its graph (`_vjp`)
        for dirty in getattr(ctx, "_autograd_dirty", ()):  # changed in place: the real inputs' counters count it
            real = [ctx._autograd_values[i] for i, stand_in in enumerate(inputs) if stand_in is dirty]
            mark_changed(*[v for v in real if isinstance(v, Value)])
        if isinstance(out, (tuple, list)):
            return cls._pack(ctx, out)
        ctx._autograd_layout = None
        return _data(out)

    @staticmethod
    def _pack(ctx, outs):
        """forward's several outputs as one flat array (the node's output): each floating-point Value output that
        is not marked non-differentiable, raveled, in order, in their common dtype. ctx keeps where each lies
        (`_autograd_layout`: output index -> offset, size, shape, dtype)."""
        skip = {id(o) for o in getattr(ctx, "_autograd_non_differentiable", ())}
        layout, pieces, offset = {}, [], 0
        for i, o in enumerate(outs):
            if isinstance(o, Value) and o.data.dtype.kind == "f" and id(o) not in skip:
                layout[i] = (offset, o.data.size, o.shape, o.data.dtype)
                pieces.append(np.ravel(o.data))
                offset += o.data.size
        ctx._autograd_layout = layout
        dtype = np.result_type(*pieces) if pieces else np.float32
        return np.concatenate(pieces).astype(dtype, copy=False) if pieces else np.zeros(0, dtype)

    @classmethod
    def _grad_outputs(cls, ctx, g):
        """backward's arguments from the node's gradient g: g itself for one output; for several, each output's
        piece of the flat g (zeros for an output without a gradient, or None without materialized gradients)."""
        layout, (_, outs) = ctx._autograd_layout, ctx._autograd_stand_ins
        if layout is None:
            return (g if isinstance(g, Value) else _detached(g),)
        grads = []
        for i, o in enumerate(outs):
            if i in layout:
                piece = _piece(g, *layout[i])
                if not ctx.materialize_grads and not np.any(_data(piece)):
                    piece = None
                grads.append(piece if piece is None or isinstance(piece, Value) else _detached(piece))
            elif isinstance(o, Value) and ctx.materialize_grads:
                grads.append(_detached(np.zeros_like(o.data)))
            else:
                grads.append(None)
        return tuple(grads)

    @classmethod
    def _vjp(cls, argnum, g, out, *xs, ctx):
        cached = getattr(ctx, "_autograd_cache", None)
        if cached is None or cached[0] is not g:  # backward runs once per node, not once per input
            # A complex gradient: the pass carries the conjugate of PyTorch's (ops/complex.py), and backward is written
            # in PyTorch's terms, so it gets and gives PyTorch's.
            conjugated = g.dtype.kind == "c"
            grad_outputs = cls._grad_outputs(ctx, conjugate_gradient(g) if conjugated else g)
            if isinstance(g, Value):  # create_graph: the rule runs on the node's Values, and records
                with cls._standing_in(ctx, out, xs):
                    grads = cls.backward(ctx, *grad_outputs)
            else:
                grads = cls.backward(ctx, *grad_outputs)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if conjugated or any(np.iscomplexobj(_data(gi)) for gi in grads if gi is not None):
                grads = tuple(gi if gi is None or not np.iscomplexobj(_data(gi)) else conjugate_gradient(gi)
                              for gi in grads)
            n = len(ctx._autograd_arguments)
            if len(grads) < n or any(extra is not None for extra in grads[n:]):
                raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients for {n} inputs")
            cached = ctx._autograd_cache = (g, grads)
        gi = cached[1][ctx._autograd_positions[argnum]]
        if gi is not None and np.shape(gi) != np.shape(xs[argnum]):
            cls._check_gradient_shape(gi, xs[argnum], ctx._autograd_positions[argnum])
        if gi is None:
            return gi
        if isinstance(g, Value):  # (create_graph: a Value that the user holds goes on as a recorded clone of it)
            return gi.clone() if isinstance(gi, Value) and sys.getrefcount(gi) > 3 else gi
        data = _data(gi)
        if data.__class__ is np.ndarray and data is not g and (data is out or any(data is x for x in xs) or sum(
                other is not None and _data(other) is data for other in cached[1]) > 1 or _held(gi, data)):
            # backward gave an input's (or the output's) array, one array for two inputs, or one that something else
            # holds (a module's array, a Value kept on ctx): a leaf's .grad must be an array of its own (a later pass
            # adds into it in place), as PyTorch's AccumulateGrad clones a gradient that something else holds
            data = data.copy()
        return data

    @classmethod
    def _check_gradient_shape(cls, gi, x, position):
        """A gradient of another shape than its input is summed to it (the engine does) only if the input broadcasts
        to it, as PyTorch's validate_outputs allows; anything else is PyTorch's error, not a silent broadcast."""
        shape, expected = tuple(np.shape(gi)), tuple(np.shape(x))
        try:
            fits = np.broadcast_shapes(shape, expected) == shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"Function {cls.__name__}Backward returned an invalid gradient at index {position} - "
                               f"got {list(shape)} but expected shape compatible with {list(expected)}")

    @classmethod
    def _jvp(cls, argnum, t, out, *xs, ctx):
        """Input `argnum`'s share of the output's tangent: `jvp` with t there and zeros for the other inputs (the
        forward pass adds the shares; jvp is linear in the tangents). Several outputs' tangents are packed as the
        outputs are."""
        symbolic = isinstance(t, Value)
        tangents = list(ctx._autograd_arguments)
        for i, (position, x) in enumerate(zip(ctx._autograd_positions, xs)):
            tangents[position] = t if i == argnum else np.zeros_like(_data(x))
        if not symbolic:
            tangent = cls.jvp(ctx, *[_detached(tangent) if isinstance(tangent, np.ndarray) else tangent
                                     for tangent in tangents])
        else:
            with cls._standing_in(ctx, out, xs):  # nested transforms see what jvp computes from the inputs
                tangent = cls.jvp(ctx, *tangents)
        if ctx._autograd_layout is not None:
            pieces = [tangent[i].reshape(-1) if symbolic else np.ravel(_data(tangent[i]))
                      for i in sorted(ctx._autograd_layout)]
            return concatenate(pieces, axis=0) if symbolic else np.concatenate(pieces)
        return tangent if symbolic else _data(tangent)

    @classmethod
    @contextlib.contextmanager
    def _standing_in(cls, ctx, out, xs):
        """ctx.saved_tensors with forward's detached inputs and outputs swapped for the node's own Values (the Values
        forward saw were detached copies): what backward computes from them joins the graph being recorded, so a
        second derivative sees that the first depends on them (d/dx of 3x²·g is 6x·g, not 0)."""
        inputs, output = ctx._autograd_stand_ins
        swap = {id(inputs[position]): real for position, real in zip(ctx._autograd_positions, xs)}
        if isinstance(output, Value):
            swap[id(output)] = out
        elif ctx._autograd_layout is not None:  # several outputs: the Values apply returned, while they live
            for i, real in ctx._autograd_outputs.items():
                real = real()
                if real is None and isinstance(out, Value):
                    # an output the caller dropped (the double-backward tutorial's `Sinh.apply(x)[0]` keeps only the
                    # first, and backward reads the others' saved Values): cut anew from the node, as PyTorch's saved
                    # output keeps its grad_fn, so the second derivative still flows through it
                    real = apply(cls._autograd_output, [out],
                                 dict(zip(("offset", "size", "shape", "dtype"), ctx._autograd_layout[i])))
                if real is not None:
                    swap[id(output[i])] = real
        saved = ctx.saved_tensors
        ctx.saved_tensors = tuple(swap.get(id(t), t) for t in saved)
        try:
            yield
        finally:
            ctx.saved_tensors = saved

    @classmethod
    def apply(cls, *args):
        """Run forward and record one node whose gradient rule is this class's backward. Returns forward's result:
        one Value, or a tuple of them (and of its non-Value outputs) when forward returns several."""
        if not any(isinstance(a, Value) for a in args):  # arrays alone are the inputs, as Values without gradients
            args = tuple(_detached(a) if isinstance(a, np.ndarray) else a for a in args)
        ctx = FunctionCtx()
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Value))
        recording = is_grad_enabled()
        ctx.needs_input_grad = tuple(isinstance(a, Value) and a.requires_grad and recording for a in args)
        ctx._autograd_positions = positions
        ctx._autograd_arguments = tuple(None if isinstance(a, Value) else a for a in args)
        ctx._autograd_values = args  # for mark_dirty, during forward only
        try:
            node = apply(cls._primitive(), [args[i] for i in positions], {"ctx": ctx})
        finally:
            del ctx._autograd_values
        layout, (_, outs) = ctx._autograd_layout, ctx._autograd_stand_ins
        if layout is None:
            if any(o is outs for o in getattr(ctx, "_autograd_non_differentiable", ())):
                return node.detach()
            return node
        output = cls._autograd_output
        results = tuple(apply(output, [node], dict(zip(("offset", "size", "shape", "dtype"), layout[i])))
                        if i in layout else o for i, o in enumerate(outs))
        ctx._autograd_outputs = {i: weakref.ref(results[i]) for i in layout}  # for _standing_in (no cycle)
        return results if isinstance(outs, tuple) else list(results)


# forward_ad (dual numbers) and functional (jacobian, hessian, ...) build on the function transforms (functional.py,
# forward.py), which a Function or autograd.grad does not need; profiler, the old profiler (autograd_core.profiler's
# results). Each loads on first use (PEP 562), as `autograd_core.autograd.forward_ad` or `from autograd_core.autograd
# import functional` all the same.
_SUBMODULES = ("forward_ad", "functional", "profiler", "function")


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _SUBMODULES)
