"""Function transforms in the style of HIPS autograd and JAX: grad, value_and_grad, jacrev, jacobian,
hessian and vjp, on Python functions of Values (forward mode, jvp and jacfwd, is in forward.py).

Arguments may be numbers, arrays or Values, or containers of them (dicts, lists, tuples: trees.py), as in JAX and
torch.func: `grad(loss)(params)` with a dict of arrays returns a dict of gradients. At the top level a transform
returns NumPy data; called on Values, or inside another transform, it returns Values that are themselves
differentiable, so transforms nest: `grad(grad(grad(f)))(0.3)` is the third derivative of f at 0.3.
"""

from __future__ import annotations

import contextlib
import functools
import numbers

import numpy as np

from .errors import ShapeError
from . import engine
from .modes import TRACERS, enable_grad
from .ops.shape import reshape, stack
from .trees import Spread, any_container, arrays_as_tensors, flatten, flatten_as, unflatten
from .value import Value


class _Tracing:
    depth = 0  # how many transforms are running around the current call


@contextlib.contextmanager
def _inside_transform():
    _Tracing.depth += 1
    try:
        with enable_grad():
            yield
    finally:
        _Tracing.depth -= 1


def _argnum_tuple(argnums, nargs, name):
    single = isinstance(argnums, numbers.Integral)
    nums = (argnums,) if single else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{name}: argnums {argnums} is out of range for {nargs} positional arguments")
    return single, tuple(i % nargs for i in nums)


def _prepare(args, argnums, name):
    """(args, inputs, regroup, nested): the arguments with the differentiated ones (and the leaves of differentiated
    containers) made into Values, and the arrays among the others into Values that need no gradient (f gets tensors,
    as torch.func's f does); those differentiated Values, in order; the function putting one result per input back
    into the arguments' structure (`Spread.regroup`); whether the result must stay differentiable."""
    if not args:
        raise TypeError(f"{name}: the function needs at least one positional argument to differentiate")
    single, nums = _argnum_tuple(argnums, len(args), name)
    spread = Spread(args, nums, single)
    args = spread.args
    nested = _Tracing.depth > 0
    inputs = []
    differentiated = set(spread.nums)
    for i, arg in enumerate(args):
        if i not in differentiated:
            args[i] = arrays_as_tensors(arg)
    for i in spread.nums:
        arg = args[i]
        if isinstance(arg, Value) and arg.requires_grad:
            nested = True  # an outer graph reaches this argument: keep our gradients in it
        else:
            fresh = Value(arg.data if isinstance(arg, Value) else arg)
            if isinstance(arg, Value) and TRACERS.get():
                share_tangent(arg, fresh)  # a forward-mode trace follows the argument into this transform
            arg = fresh
        args[i] = arg
        inputs.append(arg)
    return spread.rebuild(args), inputs, spread.regroup, nested


def _call(f, args, kwargs, name, has_aux=False):
    """f(*args, **kwargs) as a Value; with has_aux, (that Value, f's auxiliary data)."""
    with _inside_transform():
        out = f(*args, **keyword_tensors(kwargs))
    if has_aux:
        out, aux = split_aux(out, name)
        return _as_value(out, name), aux
    return _as_value(out, name)


def keyword_tensors(kwargs):
    """A transform's keyword arguments (never differentiated) as f gets them: arrays made Values
    (`arrays_as_tensors`)."""
    return {k: arrays_as_tensors(v) for k, v in kwargs.items()} if kwargs else kwargs


def split_aux(out, name):
    """(output, aux) from what a function given to a transform with has_aux=True returned (a pair, as in JAX)."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{name}: with has_aux=True the function must return a pair (output, aux), got "
                        f"{type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out[0], out[1]


def aux_output(aux, nested):
    """The auxiliary data as a transform hands it back: Values inside it as NumPy data at the top level (like the
    transform's other results), as Values inside another transform; anything else as it is."""
    if isinstance(aux, Value):
        return aux if nested else aux.data
    if isinstance(aux, tuple) and hasattr(aux, "_fields"):  # a namedtuple
        return type(aux)(*(aux_output(a, nested) for a in aux))
    if isinstance(aux, (tuple, list)):
        return type(aux)(aux_output(a, nested) for a in aux)
    if isinstance(aux, dict):
        return {k: aux_output(v, nested) for k, v in aux.items()}
    return aux


def _as_value(out, name):
    if isinstance(out, Value):
        return out
    if isinstance(out, (numbers.Real, np.ndarray, np.generic)) and np.asarray(out).dtype.kind in "biuf":
        # NumPy data: the output does not depend on the differentiated arguments (say f(x, y) = 2x with
        # argnums=1), so its derivatives are zero, as in HIPS autograd and JAX.
        return Value(out, requires_grad=False)
    raise TypeError(f"{name}: the function must return a Value or numeric data, got {type(out).__name__}")


def _zeros_like(v, nested):
    z = np.zeros_like(np.asarray(v.data))
    z = z[()] if z.ndim == 0 else z
    return Value(z, requires_grad=False) if nested else z


def _gradients(outputs, inputs, seeds, nested):
    """d(seeds · outputs)/d(inputs) with zeros for inputs the outputs do not depend on. outputs and seeds: a Value
    and its seed (None for a scalar), or lists of them (the sum of the products)."""
    if isinstance(outputs, list):
        pairs = [(o, seed) for o, seed in zip(outputs, seeds) if o.requires_grad]
        outputs, seeds = [o for o, _ in pairs], [seed for _, seed in pairs]
        if not outputs:
            return [_zeros_like(v, nested) for v in inputs]
    elif not outputs.requires_grad:
        return [_zeros_like(v, nested) for v in inputs]
    grads = engine.grad(outputs, inputs, grad_outputs=seeds, retain_graph=True, create_graph=nested,
                        allow_unused=True)
    result = []
    for v, g in zip(inputs, grads):
        if g is None:
            g = _zeros_like(v, nested)
        elif nested and not isinstance(g, Value):
            g = Value(g, requires_grad=False)
        result.append(g)
    return result


def _output(v, nested):
    return v if nested else v.data


def _outputs(out, name):
    """The outputs of a function given to a Jacobian transform: (a list of Values, the structure f returned them
    in: None for a single output). A tuple, list or dict of outputs (nested too) gives a Jacobian per output in the
    same structure, as in JAX."""
    outs, spec = flatten(out, any_container)
    return [_as_value(o, name) for o in outs], spec


def per_output(jacobians, spec):
    """Jacobians (one per output) in the structure f returned its outputs in; the Jacobian itself for one output."""
    return unflatten(spec, jacobians)


# ----------------------------------------------------------------------------------------------------


def value_and_grad(f, argnums=0, has_aux=False):
    """Return a function computing (f(*args), ∂f/∂args[argnums]) for a scalar-valued f.

    The gradient has the shape of its argument; a tuple of gradients when argnums is a tuple.
    has_aux: f returns a pair (output, aux), and the function returns ((value, aux), gradient), as JAX's does
    (aux: anything, e.g. a dict of metrics; its Values come back as NumPy data at the top level).
    """

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        args, inputs, regroup, nested = _prepare(args, argnums, "grad")
        out, aux = _call(f, args, kwargs, "grad", has_aux=True) if has_aux else (_call(f, args, kwargs, "grad"), None)
        if out.size != 1:
            raise ShapeError(f"grad: the function must return a scalar, got shape {out.shape}; use jacobian")
        grads = regroup(_gradients(out, inputs, None, nested))
        if has_aux:
            return (_output(out, nested), aux_output(aux, nested)), grads
        return _output(out, nested), grads

    return value_and_grad_f


def grad(f, argnums=0, has_aux=False):
    """Return a function computing the gradient of scalar-valued f with respect to args[argnums].

    has_aux: f returns a pair (output, aux), and the function returns (gradient, aux), as JAX's and torch.func's do.
    """

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        if has_aux:
            (_, aux), grads = value_and_grad(f, argnums, has_aux=True)(*args, **kwargs)
            return grads, aux
        return value_and_grad(f, argnums)(*args, **kwargs)[1]

    return grad_f


def jacrev(f, argnums=0, has_aux=False):
    """Return a function computing the Jacobian of f by reverse mode: shape out.shape + arg.shape (one
    backward pass per output element). A tuple of Jacobians when argnums is a tuple; when f returns a tuple (or
    list) of outputs, a tuple of those, one per output (JAX's nesting: jac[output][argument]).
    has_aux: f returns a pair (output, aux), and the function returns (Jacobian, aux)."""
    return _jacobian(f, argnums, "jacrev", choose=False, has_aux=has_aux)


def jacobian(f, argnums=0, has_aux=False):
    """Return a function computing the Jacobian of f: shape out.shape + arg.shape; a tuple of Jacobians
    when argnums is a tuple, and one of those per output when f returns a tuple of outputs. Reverse mode (one
    backward pass per output element) when f has at most as many output elements as differentiated inputs, else
    forward mode (`jacfwd`, one jvp per input element): the outputs' size is known after one evaluation of f,
    which forward mode then does not reuse.
    has_aux: f returns a pair (output, aux), and the function returns (Jacobian, aux)."""
    return _jacobian(f, argnums, "jacobian", choose=True, has_aux=has_aux)


def _jacobian(f, argnums, name, choose, has_aux=False):
    @functools.wraps(f)
    def jacobian_f(*args, **kwargs):
        original = args
        args, inputs, regroup, nested = _prepare(args, argnums, name)
        with _inside_transform():
            out = f(*args, **keyword_tensors(kwargs))
        aux = None
        if has_aux:
            out, aux = split_aux(out, name)
        outs, spec = _outputs(out, name)
        if choose and sum(o.size for o in outs) > sum(v.size for v in inputs):
            return jacfwd(f, argnums, has_aux=has_aux)(*original, **kwargs)
        jacobians = []
        for out in outs:
            rows = [[] for _ in inputs]
            for k in range(out.size):
                seed = np.zeros(out.shape, dtype=out.dtype)
                seed.flat[k] = 1
                for row, g in zip(rows, _gradients(out, inputs, seed, nested)):
                    row.append(g)
            jacs = []
            for v, row in zip(inputs, rows):
                shape = out.shape + v.shape
                if nested:
                    jacs.append(reshape(stack(row), shape=shape) if row else
                                Value(np.zeros(shape), requires_grad=False))
                else:
                    jacs.append(np.reshape(np.stack(row) if row else np.zeros(shape, dtype=v.dtype), shape))
            jacobians.append(regroup(jacs))
        jac = per_output(jacobians, spec)
        return (jac, aux_output(aux, nested)) if has_aux else jac

    return jacobian_f


def hessian(f, argnums=0, has_aux=False):
    """Return a function computing the Hessian of f: shape arg.shape + arg.shape for a scalar-valued f, and
    out.shape + arg.shape + arg.shape for any other (the Hessian of each output element), as JAX's and torch.func's.

    With a tuple of argnums, the blocks as nested tuples, as JAX returns them: h[i][j] = ∂²f/∂args[i]∂args[j], of
    shape out.shape + args[i].shape + args[j].shape.
    Forward over reverse: one jvp of the Jacobian function per input element (`jacfwd(jacrev(f))`), each
    carrying tangents through a forward and a recorded backward pass per output element.
    has_aux: f returns a pair (output, aux), and the function returns (Hessian, aux)."""
    return jacfwd(jacrev(f, argnums, has_aux=has_aux), argnums, has_aux=has_aux)


def vjp(f, *primals, has_aux=False):
    """Reverse mode: (f(*primals), vjp_fn), where vjp_fn(cotangent) returns the tuple of
    cotangent · ∂f/∂primal_i, one per primal, each of that primal's shape (and structure, for a container). The
    cotangent has f's shape; when f returns a container of outputs (a tuple, a dict), a container of cotangents of
    the same structure, and vjp_fn sums their products. has_aux: f returns a pair (output, aux), and vjp returns
    (output, vjp_fn, aux), as JAX's and torch.func's do."""
    args, inputs, regroup, nested = _prepare(primals, tuple(range(len(primals))), "vjp")
    with _inside_transform():
        out = f(*args)
    aux = None
    if has_aux:
        out, aux = split_aux(out, "vjp")
    outs, spec = _outputs(out, "vjp")

    def vjp_fn(cotangent):
        seeds = []
        for o, ct in zip(outs, flatten_as(cotangent, spec, "vjp: the cotangent's structure differs from the output's")):
            ct = ct if isinstance(ct, Value) and nested else np.asarray(
                ct.data if isinstance(ct, Value) else ct, dtype=o.dtype)
            if np.shape(ct) != o.shape:
                raise ShapeError(f"vjp: cotangent of shape {np.shape(ct)} does not match output of shape {o.shape}")
            seeds.append(ct)
        return regroup(_gradients(outs, inputs, seeds, nested))

    value = unflatten(spec, [_output(o, nested) for o in outs])
    return (value, vjp_fn, aux_output(aux, nested)) if has_aux else (value, vjp_fn)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Return a function mapping func over an axis of its arguments (JAX's and torch.func's vmap), by a loop.

    in_dims:  for each positional argument, the axis to map over, or None for an argument every call shares; an int
              or None applies to all arguments; a container argument takes one for all its leaves or a container of
              them in its structure. Keyword arguments are shared.
    out_dims: the axis of the results along which the calls' results are stacked (one per result, or one for all).
    Every mapped array must have the same length n along its axis; the result is func's, with a new axis of length
    n. func is called once per index, on the slices (Values are sliced with indexing, so gradients flow through:
    `vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)` gives per-sample gradients, and vmap nests and composes
    with the other transforms). This is torch.func's semantics but not its speed: n calls of func, no batching rule
    per operation. Random numbers differ between the calls, as with randomness="different"; "same" is not
    supported. chunk_size is accepted and ignored (the loop already takes one sample at a time).
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}")
    if randomness == "same":
        raise NotImplementedError("vmap: randomness='same' is not supported (each call draws its own numbers)")

    @functools.wraps(func)
    def vmapped(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries for {len(args)} positional arguments")
        leaves, axes, specs = [], [], []
        for arg, dim in zip(args, dims):
            arg_leaves, spec = flatten(arg)
            arg_axes = [dim] * len(arg_leaves) if dim is None or isinstance(dim, numbers.Integral) else \
                flatten_as(dim, spec, "vmap: in_dims differs in structure from its argument")
            # func gets tensors (torch's functions refuse arrays): arrays as Values, mapped numbers and lists too
            arg_leaves = [arrays_as_tensors(leaf if axis is None or isinstance(leaf, Value) else np.asarray(leaf))
                          for leaf, axis in zip(arg_leaves, arg_axes)]
            leaves += arg_leaves
            axes += arg_axes
            specs.append((len(arg_leaves), spec))
        sizes, mapped = set(), []
        for leaf, axis in zip(leaves, axes):
            if axis is None:
                mapped.append(None)
                continue
            shape = np.shape(leaf.data if isinstance(leaf, Value) else leaf)
            if not -len(shape) <= axis < len(shape):
                raise ValueError(f"vmap: in_dim {axis} is out of range for an argument of shape {shape}")
            axis %= len(shape)
            sizes.add(shape[axis])
            mapped.append(axis)
        if not sizes:
            raise ValueError("vmap: at least one argument must be mapped (in_dims are all None)")
        if len(sizes) > 1:
            raise ShapeError(f"vmap: the mapped axes have different sizes {sorted(sizes)}; they must all be equal")
        n = sizes.pop()
        if n == 0:
            raise ShapeError("vmap: the mapped axes have size 0")
        results, out_spec = [], None
        kwargs = keyword_tensors(kwargs)
        for i in range(n):
            sliced = [leaf if axis is None else leaf[(slice(None),) * axis + (i,)]
                      for leaf, axis in zip(leaves, mapped)]
            call_args, start = [], 0
            for count, spec in specs:
                call_args.append(unflatten(spec, sliced[start:start + count]))
                start += count
            out_leaves, out_spec = flatten(func(*call_args, **kwargs), any_container)
            results.append(out_leaves)
        outs = [[result[k] for result in results] for k in range(len(results[0]))]
        out_axes = [out_dims] * len(outs) if isinstance(out_dims, numbers.Integral) else \
            flatten_as(out_dims, out_spec, "vmap: out_dims differs in structure from func's results")
        return unflatten(out_spec, [_stacked(column, axis) for column, axis in zip(outs, out_axes)])

    return vmapped


def _stacked(column, axis):
    """The calls' results for one output of vmap, stacked along `axis`: a recorded stack when a Value among them may
    carry a gradient or a tangent; the arrays stacked at once otherwise (torch.func's transforms give Values that
    need neither, one per call)."""
    if not any(isinstance(c, Value) for c in column):
        return np.stack([np.asarray(c) for c in column], axis=axis)
    if TRACERS.get() or any(c.requires_grad for c in column if isinstance(c, Value)):
        return stack(column, axis=axis)
    data = np.stack([np.asarray(c.data if isinstance(c, Value) else c) for c in column], axis=axis)
    return Value(data, requires_grad=False, dtype=data.dtype)


from .forward import jacfwd, jvp, share_tangent  # noqa: E402, F401  (forward.py uses the helpers above; jvp re-exported)
