"""Forward mode: one forward pass that carries a tangent beside every value (dual numbers).

`jvp(f, primals, tangents)` runs f once. Each operation, as it runs, also computes its output's tangent
from its inputs' tangents with the primitive's JVP rules (`Primitive.defjvp`, next to the VJP rules in
ops/ and nn/), so J·t costs a small constant times f (measured in bench/bench_forward.py), whatever the
number of outputs. `jacfwd` builds a Jacobian from one jvp per input element, `jacobian` picks forward or
reverse mode by shape, `hessian` is forward over reverse.

How the tangents travel: a `JVPTrace` is a tracer (tracing.py) holding a dict from Value to tangent; the
engine shows it every operation (in this thread). Two ways to compute a tangent:

* numeric: at the top level, the rules run on NumPy data (like a backward pass without create_graph). Here the
  trace runs an operator or elementwise function of float data of one dtype itself (`apply_directly`), skipping
  the tracer machinery's general path: jvp of f: R → R¹⁰⁰⁰ went from 3.1× to 2.5× the cost of f (bench_forward.py);
* symbolic: when an outer transform is running (grad of jvp, jvp of jvp) or the primals or tangents are
  Values that require a gradient, the rules run on Values, so the tangents are differentiable and an
  outer forward trace sees the operations that compute them (forward over forward). A trace computes its
  tangents with only the traces outside it switched on: no trace ever sees its own work.

Reverse mode inside forward mode (jvp of grad, as `hessian` does) needs nothing more: a gradient taken
inside a transform records its backward pass as operations on Values (create_graph), and the trace
carries tangents through those operations like any others.

In-place changes (`y += x`, `y.exp_()`, `y[i] = v` on Values that need no gradient, as a jvp's are) are no
operations: inplace.py tells the traces (`follow_in_place`), and the Value takes the tangent of the same change
computed out of place. A change made through a view (`y[1:].add_(v)`, `y.reshape(...).mul_(2)`) reaches the Values
that share its memory: the trace notes which Values are views of which array, and matches elements by address.

The trace keeps the Values it has seen (and their tangents) until the jvp call returns.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import ShapeError
from .float_errors import restore, silence
from .modes import GRAD_ENABLED, SCOPE, TRACERS
from .ops.index import strided_positions
from .ops.primitive import LINEAR
from .ops.shape import broadcast_to, reshape, stack
from .tracing import Tracer
from .trees import Spread, any_container, arrays_as_tensors, flatten, flatten_as, is_container, unflatten
from .inplace_functions import placed
from .version_counter import viewed_array
from .value import Value, _new_node

_constant, _current_scope = Value._constant, SCOPE.get


class JVPTrace(Tracer):
    """The tangents of one jvp call: {Value: tangent}, NumPy data (numeric) or Values (symbolic)."""

    __slots__ = ("tangents", "symbolic", "runs_operations", "applies_directly", "sharing")

    def __init__(self, symbolic):
        self.tangents = {}
        self.symbolic = symbolic
        self.runs_operations = symbolic  # numeric rules run NumPy only
        self.applies_directly = not symbolic
        self.sharing = {}  # id(array) -> {id(Value): Value}: Values seen whose arrays are views of that one (or it)

    def apply_directly(self, op, args):
        """An operator or elementwise function of float data of one dtype that needs no gradient (most of a numeric
        jvp's operations), run for this trace alone: the node and its tangent that traced_apply's general path gives,
        without its work for other cases (a Value made for each constant operand, a search for dtypes to promote, the
        tracers switched off and on). None, for any other operation, leaves it to that path."""
        rules = op.jvps
        if op.views or rules.__class__ is not tuple and (rules is not LINEAR or len(args) != 1):
            return None
        if len(args) == 2:  # of one dtype: nothing to promote
            a, b = args
            xa, xb = _direct_operand(a, b), _direct_operand(b, a)
            if xa is None or xb is None or xa.dtype is not xb.dtype or xa.dtype.kind != "f":
                return None
            try:
                out = op.forward(xa, xb)
            except ValueError:  # operands that do not broadcast: the general path raises the error that says so
                return None
            node = _new_node(Value, out, False, op, (), None, _current_scope())
            get = self.tangents.get
            total = _operator_tangent(rules, get(a) if a.__class__ is Value else None,
                                      get(b) if b.__class__ is Value else None, out, xa, xb)
        elif len(args) == 1:
            (x,) = args
            if x.__class__ is not Value or x._requires_grad:
                return None
            data = x.data
            if data.dtype.kind != "f":
                return None
            try:
                out = op.forward(data)
            except ValueError:
                return None
            node = _new_node(Value, out, False, op, (), None, _current_scope())
            t = self.tangents.get(x)
            if t is None:
                total = None
            elif rules is LINEAR:  # neg, conj: the operation itself carries the tangent
                total = op.forward(t)
            else:
                total = None if rules[0] is None else rules[0](t, out, data)
        else:
            return None
        if total is not None:
            self._keep(node, total)
        return node

    def record(self, op, args, params, node):
        if op.views:  # x[1:], reshape: an in-place change of one changes the other (see `follow_in_place`)
            self._note_view(args[0], node)
        get = self.tangents.get
        if params is None and len(args) == 2 and not self.symbolic and op.jvps.__class__ is tuple:
            a, b = args  # an operator (+ - * / ...): the common case, written out
            ta, tb = get(a), get(b)
            if ta is None and tb is None:
                return
            total = _operator_tangent(op.jvps, ta, tb, node.data, a.data, b.data)
            if total is None:
                return
            self._keep(node, total)
            return
        if params is None and len(args) == 1 and not self.symbolic and op.jvps.__class__ is tuple:
            t = get(args[0])  # an elementwise function (sin, exp, tanh ...): written out too
            rule = op.jvps[0]
            if t is None or rule is None:
                return
            out = node.data
            total = rule(t, out, args[0].data)
            if total is None:
                return
            self._keep(node, total)
            return
        ts = [get(a) for a in args]  # the engine made every argument a Value (tracing.py)
        for t in ts:
            if t is not None:
                break
        else:
            return  # no input carries a tangent in this trace: neither does the output
        jvps = op.jvps
        if jvps is None:
            raise NotImplementedError(f"forward mode: primitive {op.name!r} has no JVP rule (Primitive.defjvp; for an "
                                      "autograd.Function, a static method jvp(ctx, *tangents), as in PyTorch)")
        if self.symbolic:
            out, xs = node, args
        else:
            out, xs = node.data, [a.data for a in args]
        if jvps is LINEAR:
            full = [np.zeros_like(np.asarray(x.data if isinstance(x, Value) else x)) if t is None else t
                    for t, x in zip(ts, xs)]
            if params is None:
                total = op(*full) if self.symbolic else op.forward(*full)
            else:
                total = op(*full, **params) if self.symbolic else op.forward(*full, **params)
        else:
            total = None
            for i, t in enumerate(ts):
                if t is None:
                    continue
                rule = jvps[i]
                if rule is None:
                    continue
                part = rule(t, out, *xs) if params is None else rule(t, out, *xs, **params)
                if part is not None:
                    total = part if total is None else total + part
            if total is None:
                return
        self._keep(node, total)

    def _note_view(self, base, view):
        owner = viewed_array(view, base)
        if owner is not None:
            group = self.sharing.setdefault(id(owner), {})
            group[id(base)], group[id(view)] = base, view

    def follow_shared(self, changed):
        """After an in-place change of `changed`, whose tangent is already its new one: every Value seen that shares
        memory with it (its views, the Value it is a view of) takes, element by element where they overlap (found by
        address), changed's new tangent, as PyTorch's forward mode carries a view's change to its base."""
        data = changed.data
        if not isinstance(data, np.ndarray):  # (a marked leaf's array is a LeafArray, itself a view of a plain one)
            return
        for owner in (data, data.base):  # changed's own array, if its views are noted there; else its base
            group = None if owner is None else self.sharing.get(id(owner))
            if group and id(changed) in group:
                break
        else:
            return
        start = owner.__array_interface__["data"][0]
        mine = _memory_positions(data, start)
        tangent = self.tangents.get(changed)
        for other in list(group.values()):
            if other is changed or not isinstance(other.data, np.ndarray) or not np.shares_memory(other.data, data):
                continue
            theirs = _memory_positions(other.data, start)
            where_mine = np.full(max(int(mine.max()), int(theirs.max())) + 1, -1, dtype=np.intp)
            where_mine[mine.reshape(-1)] = np.arange(mine.size)
            source = where_mine[theirs]  # for each element of other: its element of `changed`, or -1
            self._overwrite(other, source, tangent)

    def _overwrite(self, value, source, tangent):
        """value's tangent, with each element whose `source` is k >= 0 replaced by tangent's flat element k."""
        old = self.tangents.get(value)
        if old is None and tangent is None:
            return
        if self.symbolic:
            zeros = Value(np.zeros_like(value.data), requires_grad=False)
            self._keep(value, placed(zeros if tangent is None else tangent, source, zeros if old is None else old))
            return
        new = np.zeros_like(value.data) if old is None else np.array(old, copy=True)
        written = source >= 0
        new[written] = 0 if tangent is None else np.asarray(tangent).reshape(-1)[source[written]]
        self._keep(value, new)

    def _keep(self, node, total):
        """Store `total` as node's tangent, conformed to its output's shape and dtype where they differ."""
        data = node.data
        if self.symbolic or total.__class__ is not data.__class__ or total.shape != data.shape \
                or total.dtype != data.dtype:
            total = self._conform(total, node)
        self.tangents[node] = total

    def _conform(self, t, node):
        """Broadcast a tangent to the output's shape and convert it to the output's dtype."""
        data = node.data
        if self.symbolic:
            if not isinstance(t, Value):
                t = Value(t, requires_grad=False)
            if t.shape != data.shape:
                t = broadcast_to(t, shape=data.shape)
            if t.dtype != data.dtype:
                t = t.astype(data.dtype)
            return t
        if not hasattr(t, "dtype"):
            t = np.asarray(t)
        if t.shape != data.shape:
            t = np.broadcast_to(t, data.shape)
        if t.dtype != data.dtype:
            t = t.astype(data.dtype)
        return t


def _operator_tangent(rules, ta, tb, out, xa, xb):
    """The tangent of an operator's result `out` of NumPy operands xa and xb whose tangents are ta and tb (None: none),
    by its JVP rules (a pair); None when no rule gives a part."""
    total = None if ta is None or rules[0] is None else rules[0](ta, out, xa, xb)
    if tb is not None and rules[1] is not None:
        part = rules[1](tb, out, xa, xb)
        total = part if total is None else total + part
    return total


def _direct_operand(x, peer):
    """For JVPTrace.apply_directly: the data operand x stands for (a Python float as the constant the engine would
    make of it beside `peer`), or None if x is not one that path takes (it needs a gradient, or another kind)."""
    cls = x.__class__
    if cls is Value:
        return None if x._requires_grad else x.data
    if cls is np.ndarray and x.ndim:  # data in an operation, as the engine's constant leaf would hold it
        return x
    if (cls is float or cls is int) and peer.__class__ is Value:
        return _constant(x, peer).data  # of peer's dtype if a float, shared per number (as the engine's)
    return None


def follow_in_place(value, result_of):
    """For an in-place change of `value` (inplace.py's `_write`, before it changes anything): the function that, once
    the change is made, gives `value` in each running jvp the tangent of the new contents, or None if no jvp runs.

    result_of(value) computes the new contents out of place with operations, which the jvps (and outer transforms)
    see like any others, from the contents before the change; None means they are a constant (zero_, uniform_), whose
    tangent is zero. PyTorch's forward mode carries tangents through in-place operations too."""
    traces = [tracer for tracer in TRACERS.get() if isinstance(tracer, JVPTrace)]
    if not traces:
        return None
    result = None if result_of is None else result_of(value)

    def follow():
        for trace in traces:
            tangent = None if result is None else trace.tangents.get(result)
            if tangent is None:
                trace.tangents.pop(value, None)
            else:  # in value's dtype: `y += x` keeps y's, where `y + x` may be wider
                trace.tangents[value] = tangent if tangent.dtype == value.dtype else trace._conform(tangent, value)
            if trace.sharing:
                trace.follow_shared(value)  # `y[1:].add_(v)` changes y too

    return follow


def _same_output(first, out):
    """`first` if f gave the same output on this call as on the first one; jacfwd calls f once per column, so an f
    that draws random numbers (dropout in training mode) would mix columns of different functions silently."""
    for a, b in zip(flatten(first, any_container)[0], flatten(out, any_container)[0]):
        a, b = (a.data if isinstance(a, Value) else a), (b.data if isinstance(b, Value) else b)
        if not np.array_equal(a, b, equal_nan=True):
            raise RuntimeError(
                "jacfwd: f gave different outputs on the calls that compute the Jacobian's columns (random numbers? "
                "dropout in training mode?): the columns would belong to different functions. Make f deterministic "
                "(model.eval(), a fixed mask), or use jacrev, which evaluates f once")
    return first


def _memory_positions(array, start):
    """For each element of `array` (a view into memory that begins at address `start`), its position there in
    elements: the same shape as `array`."""
    size = array.itemsize
    return strided_positions((array.__array_interface__["data"][0] - start) // size, array.shape,
                             [stride // size for stride in array.strides])


def share_tangent(old, new):
    """`new` stands for `old` from now on (a transform re-wrapped an argument): give it old's tangents."""
    for tracer in TRACERS.get():
        if isinstance(tracer, JVPTrace) and old in tracer.tangents:
            tracer.tangents[new] = tracer.tangents[old]


def _as_primal(p, name):
    if isinstance(p, Value):
        return p
    if p.__class__ is float:  # the common scalar primal: what Value(p, requires_grad=False) makes, minus its checks
        return _new_node(Value, np.float64(p), False, None, (), None, None)
    return Value(p, requires_grad=False)


def _as_tangent(t, primal, symbolic, name):
    data = t.data if isinstance(t, Value) else t
    shape = () if data.__class__ in (float, int) else getattr(data, "shape", None)  # np.shape costs more
    if shape != primal.shape and np.shape(data) != primal.shape:
        raise ShapeError(f"{name}: tangent of shape {np.shape(data)} does not match primal of shape {primal.shape}")
    if symbolic:
        if isinstance(t, Value):
            return t if t.dtype == primal.dtype else t.astype(primal.dtype)
        return Value(np.asarray(data, dtype=primal.dtype), requires_grad=False)
    arr = np.array(data, dtype=primal.dtype)
    return arr[()] if arr.ndim == 0 else arr


def _finish(t, like, symbolic):
    """The tangent of an output `like` (zeros when nothing reached it), ready to hand to the caller."""
    if t is None:
        z = np.zeros_like(np.asarray(like.data))
        return Value(z, requires_grad=False) if symbolic else z[()] if z.ndim == 0 else z
    if symbolic:
        return t
    if isinstance(t, np.ndarray) and (not t.flags.writeable or t.base is not None):
        t = t.copy()  # a broadcast view or an alias of an input's tangent: the caller gets its own array
    return t


def jvp(f, primals, tangents, has_aux=False):
    """Forward mode: (f(*primals), J·tangents), the value and the directional derivative of f.

    primals:  a tuple of arguments (numbers, arrays or Values, or containers of them: dicts, lists, tuples, see
              trees.py); tangents: a tuple of the same length, each of its primal's structure and shapes. f returns
              a Value (or numeric data), or a container of them; the value and the tangent come back in it.
    has_aux:  f returns a pair (output, aux), and jvp returns (value, tangent, aux), as JAX's and torch.func's do.
    Returns NumPy data at the top level and Values inside another transform (so jvp nests with grad,
    jacobian and itself). One pass of f, with each operation's JVP rule run beside it.
    Values that f closes over (a model's parameters) are constants here, whether or not they require a gradient: at
    the top level the results are NumPy data, with no graph to call backward() on (torch.func.jvp's results keep
    one). To differentiate a jvp with respect to parameters, take it inside grad:
    `grad(lambda w: jvp(lambda x: f(x, w), (x,), (t,))[1].sum())(w0)`.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    spread = None
    flat_primals, flat_tangents = primals, tangents
    if any(map(is_container, primals)):  # containers of primals: spread into their leaves, the tangents alike
        spread = Spread(primals, range(len(primals)), single=False)
        flat_primals, flat_tangents = spread.args, []
        for p, t in zip(primals, tangents):
            flat_tangents.extend(flatten_as(t, flatten(p)[1], "jvp: a tangent's structure differs from its primal's"))
    _Tracing = functional._Tracing
    symbolic = _Tracing.depth > 0
    for v in (*flat_primals, *flat_tangents):
        if isinstance(v, Value) and v.requires_grad:
            symbolic = True
    trace = JVPTrace(symbolic)
    args = []
    for p, t in zip(flat_primals, flat_tangents):
        v = _as_primal(p, "jvp")
        trace.tangents[v] = _as_tangent(t, v, symbolic, "jvp")
        args.append(v)
    _Tracing.depth += 1  # inside f, gradients record their backward pass (so this trace can follow it)
    grad_token, tracers_token = GRAD_ENABLED.set(True), TRACERS.set(TRACERS.get() + (trace,))
    # NumPy's float warnings quiet for all of f (float_errors.py): once here, where each traced operation would
    # otherwise set and reset NumPy's error state (~0.6 µs an operation, 14% of a jvp of a dozen operations).
    quiet_token = silence()
    try:
        out = f(*(args if spread is None else spread.rebuild(args)))
    finally:
        restore(quiet_token)
        TRACERS.reset(tracers_token)
        GRAD_ENABLED.reset(grad_token)
        _Tracing.depth -= 1
    if has_aux:
        out, aux = functional.split_aux(out, "jvp")
    if out.__class__ is Value:  # one output (the common case)
        value, tangent = (out if symbolic else out.data), _finish(trace.tangents.get(out), out, symbolic)
    else:
        outs, spec = flatten(out, any_container)
        outs = [_as_output(o) for o in outs]
        value = unflatten(spec, [o if symbolic else o.data for o in outs])
        tangent = unflatten(spec, [_finish(trace.tangents.get(o), o, symbolic) for o in outs])
    return (value, tangent, functional.aux_output(aux, symbolic)) if has_aux else (value, tangent)


def _as_output(out):
    if isinstance(out, Value):
        return out
    if isinstance(out, (numbers.Real, np.ndarray, np.generic)) and np.asarray(out).dtype.kind in "biuf":
        return Value(out, requires_grad=False)  # does not depend on the primals: tangent zero
    raise TypeError(f"jvp: the function must return a Value or numeric data, got {type(out).__name__}")


def jacfwd(f, argnums=0, has_aux=False):
    """Return a function computing the Jacobian of f by forward mode: one jvp per element of the
    differentiated argument(s). Shape out.shape + arg.shape; a tuple of Jacobians when argnums is a tuple; when f
    returns a tuple (or list) of outputs, a tuple of those, one per output (JAX's nesting: jac[output][argument]).
    Cheaper than reverse mode (`jacrev`) when f has fewer inputs than outputs. f is called once per column: if its
    output differs between the calls (random numbers, dropout in training mode), jacfwd raises rather than mix them.
    has_aux: f returns a pair (output, aux), and the function returns (Jacobian, aux) (aux of the last evaluation)."""
    def jacfwd_f(*args, **kwargs):
        if not args:
            raise TypeError("jacfwd: the function needs at least one positional argument to differentiate")
        single, nums = functional._argnum_tuple(argnums, len(args), "jacfwd")
        spread = Spread(args, nums, single)  # containers among the differentiated arguments spread into leaves
        flat = spread.args
        nested = functional._Tracing.depth > 0 or any(
            isinstance(flat[i], Value) and flat[i].requires_grad for i in spread.nums)
        if not spread.nums:  # only empty containers to differentiate: evaluate once for the outputs' structure
            out = f(*map(arrays_as_tensors, args), **functional.keyword_tensors(kwargs))
            if has_aux:
                out, aux = functional.split_aux(out, "jacfwd")
            outs, spec = functional._outputs(out, "jacfwd")
            jac = functional.per_output([spread.regroup([]) for _ in outs], spec)
            return (jac, functional.aux_output(aux, nested)) if has_aux else jac
        jacs, spec = [], None  # jacs[i][m]: differentiated leaf i, output m
        # every argument as a Value (or a container of them), the differentiated ones also while another one's
        # columns are computed: f sees tensors, as it does in PyTorch (torch's functions refuse arrays)
        flat = [_as_primal(a, "jacfwd") if j in spread.nums else arrays_as_tensors(a) for j, a in enumerate(flat)]
        kwargs = functional.keyword_tensors(kwargs)
        for i in spread.nums:
            x = _as_primal(flat[i], "jacfwd")

            def f_i(xi, i=i):
                return f(*spread.rebuild(flat[:i] + [xi] + flat[i + 1:]), **kwargs)

            basis = np.zeros(x.size, dtype=x.dtype)
            columns, out = [], None
            first = None
            for k in range(x.size):
                basis[k] = 1
                if has_aux:
                    out, col, aux = jvp(f_i, (x,), (basis.reshape(x.shape).copy(),), has_aux=True)
                else:
                    out, col = jvp(f_i, (x,), (basis.reshape(x.shape).copy(),))
                basis[k] = 0
                columns.append(col)
                first = out if first is None else _same_output(first, out)
            if out is None:  # an empty argument: evaluate once for the output's shape
                out = f_i(x)
                if has_aux:
                    out, aux = functional.split_aux(out, "jacfwd")
                    aux = functional.aux_output(aux, nested)
            outs, spec = functional._outputs(out, "jacfwd")
            columns = [flatten(col, any_container)[0] for col in columns]  # each column: one tangent per output
            by_output = []
            for m, out_m in enumerate(outs):
                shape = out_m.shape + x.shape
                cols = [col[m] for col in columns]
                if nested:
                    jac = reshape(stack(cols, axis=-1), shape=shape) if cols else \
                        Value(np.zeros(shape, dtype=x.dtype), requires_grad=False)
                else:
                    jac = np.stack(cols, axis=-1).reshape(shape) if cols else np.zeros(shape, dtype=x.dtype)
                by_output.append(jac)
            jacs.append(by_output)
        jac = functional.per_output([spread.regroup([by_leaf[m] for by_leaf in jacs]) for m in range(len(jacs[0]))],
                                    spec)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


# Last: functional.py imports jvp and jacfwd from here at its end, so either module can be imported first
# (autograd_core.functional loads on first use, and `import autograd_core.forward` may come before it).
from . import functional  # noqa: E402
