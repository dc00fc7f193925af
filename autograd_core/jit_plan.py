"""The code generator of compiled steps (jit.py): from one recording to the source of a replay function.

A `_Plan` walks the recording in order and writes one line per operation, the backward pass as the
engine would run it on the recorded graph, the guards and the effects. The backward pass is planned by
running the engine's algorithm on the recorded arrays once (a dry run): which rules give None, which
results need summing back to their input's shape or a dtype conversion, which gradients pass through
unchanged. Two plans are the same program when their sources and constants are equal (`check_same_as`).
"""

from __future__ import annotations

import heapq
import operator

import numpy as np

from .ops.shape import sum_to
from .value import _CONSTANTS, Value

# Forward functions that are NumPy ufuncs (or the operators that call them): they can write into a buffer.
_BUFFERED = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
             operator.truediv: np.divide, operator.neg: np.negative, np.exp: np.exp, np.log: np.log,
             np.sqrt: np.sqrt, np.tanh: np.tanh, np.sin: np.sin, np.cos: np.cos}


class _Names:
    """The namespace of the generated function: objects it refers to by name."""

    def __init__(self):
        self.objects = {}
        self.by_id = {}

    def bind(self, prefix, obj, reuse=True):
        key = (prefix, id(obj))
        if reuse and key in self.by_id:
            return self.by_id[key]
        name = f"{prefix}{len(self.objects)}"
        self.objects[name] = obj
        if reuse:
            self.by_id[key] = name
        return name


def _unsupported(reason):
    from .jit import _Unsupported

    return _Unsupported(reason)


class _Plan:
    def __init__(self, rec, result):
        self.ns = _Names()
        self.constants = []          # names of baked constants (compared between two recordings)
        self.lines = []
        self.exprs = {}              # id(Value) -> expression of its data
        self.arrays = {}             # id(ndarray) -> expression (arrays that are live at replay)
        self.op_node = {}            # id(node) -> (op, args, params, node)
        self.buffers = set()
        self.guards_start = []
        self.after = {}              # op line's name -> guard checks to run right after it
        self.changed_before = {}     # op line's name -> whether a non-idempotent effect ran before it
        self.internal_leaves = {}    # id(leaf) -> name of its gradient
        self.node_grads = {}         # id(node) -> (name of its gradient, whether it must be copied)
        self.start = rec.start
        # Python numbers become shared constant leaves (value.py); whether this call or an earlier one made
        # them first must not change the program.
        self.shared_constants = {id(c) for c in _CONSTANTS.values()}
        self._keep = [rec, result]   # ids stay valid while the plan lives
        self.args = []
        for k, leaf in enumerate(rec.flat_args):
            name = f"A{k}"
            self.args.append(name)
            if isinstance(leaf, Value):
                self.exprs[id(leaf)] = f"{name}.data"
                self.arrays[id(leaf.data)] = f"{name}.data"
            else:
                self.arrays[id(leaf)] = name
        changed = False  # a non-idempotent effect (or a backward pass) has run
        for entry in rec.entries:
            kind = entry[0]
            if kind == "op":
                self._op(*entry[1:])
                self.changed_before[self.lines[-1].split(" = ", 1)[0]] = changed
            elif kind == "read":
                self._read(entry[1], entry[2], entry[3], changed)
            elif kind == "backward":
                self._backward(entry[1], entry[2])
                changed = True
            else:
                _, method, obj, idempotent = entry
                self.lines.append(f"{self.ns.bind('X', method)}({self.ns.bind('O', obj)})")
                changed = changed or not idempotent
        self.result = self._output(result)

    # -- sources ---------------------------------------------------------------------------------------

    def value(self, v):
        expr = self.exprs.get(id(v))
        if expr is not None:
            return expr
        if v.creation_index < self.start and id(v) not in self.shared_constants:  # a parameter: read live
            name = self.ns.bind("E", v)
            expr = f"{name}.data"
            self.guards_start.append(
                f"if {name}.data.shape != {v.shape!r} or {name}.data.dtype != {self.ns.bind('D', v.dtype)} "
                f"or {name}.requires_grad is not {v.requires_grad}: raise GuardFailed")
        elif id(v.data) in self.arrays:          # wraps an argument's or an intermediate's array
            expr = self.arrays[id(v.data)]
        else:                                   # made inside the call from other data: a constant
            expr = self.constant(v.data)
        self.exprs[id(v)] = expr
        return expr

    def constant(self, obj):
        name = self.ns.bind("C", obj, reuse=False)
        self.constants.append(name)
        return name

    def param(self, value):
        if isinstance(value, np.ndarray):
            live = self.arrays.get(id(value))
            return live if live is not None else self.constant(value)
        if value is None or isinstance(value, (bool, int, float, str)):
            return repr(value) if not isinstance(value, float) or np.isfinite(value) else self.constant(value)
        return self.constant(value)

    def _kwargs(self, params):
        if not params:
            return ""
        return "".join(f", {k}={self.param(v)}" for k, v in params.items())

    # -- forward ---------------------------------------------------------------------------------------

    def _op(self, op, args, params, node):
        xs = [self.value(a) for a in args]
        name = f"v{len(self.op_node)}"
        self.op_node[id(node)] = (op, args, params, node, name)
        data = node.data
        ufunc = _BUFFERED.get(op.forward)
        if ufunc is not None and params is None and data.__class__ is np.ndarray and data.ndim > 0:
            buf = self.ns.bind("B", np.empty_like(data), reuse=False)
            self.buffers.add(name)
            self.lines.append(f"{name} = {self.ns.bind('U', ufunc)}({', '.join(xs)}, out={buf})")
        else:
            self.lines.append(f"{name} = {self.ns.bind('F', op.forward)}({', '.join(xs)}{self._kwargs(params)})")
        self.exprs[id(node)] = name
        self.arrays[id(data)] = name

    def _read(self, value, kind, result, changed):
        expr = self.value(value)
        read = {"item": f"{expr}.item()", "__float__": f"float({expr})", "__int__": f"int({expr})",
                "__bool__": f"bool({expr})"}[kind]
        check = f"if {read} != {self.constant(result)}: raise GuardFailed"
        if id(value) in self.op_node:
            if self.changed_before[expr]:
                raise _unsupported(f"a value computed after an effect (optimizer step or backward) is read "
                                   f"with {kind}")
            self.after.setdefault(expr, []).append(check)
        elif value.creation_index < self.start:
            if changed:
                raise _unsupported(f"a parameter is read with {kind} after an effect (optimizer step or backward)")
            self.guards_start.append(check)

    # -- backward: the engine's algorithm on the recorded graph -----------------------------------------

    def _backward(self, roots, seeds):
        self.lines.append("#backward")
        heap, pending, passed_through = [], {}, set()
        for root, seed in zip(roots, seeds):
            seed = seed[()] if seed.ndim == 0 else seed
            name = f"g{len(self.lines)}"
            self.lines.append(f"{name} = {self.constant(seed)}")
            passed_through.add(id(root))  # a constant: never hand it out as .grad without copying
            pending[id(root)] = (name, seed, root)
            heapq.heappush(heap, (-root.creation_index, id(root)))
        while heap:
            _, key = heapq.heappop(heap)
            gname, g, node = pending.pop(key)
            self.node_grads[key] = (gname, key in passed_through)
            entry = self.op_node.get(key)
            if entry is None:
                self._leaf_gradient(node, gname, key in passed_through)
                continue
            op, args, params, _, out_name = entry
            if node._hooks:
                raise _unsupported("a gradient hook (register_hook) in the graph")
            xs_data = [a.data for a in args]
            x_exprs = [self.value(a) for a in args]
            for i, parent in enumerate(args):
                if not parent.requires_grad:
                    continue
                rule = op.vjps[i]
                gp = rule(g, node.data, *xs_data, **(params or {}))
                if gp is None:
                    continue
                call = f"{self.ns.bind('R', rule)}({gname}, {out_name}, {', '.join(x_exprs)}{self._kwargs(params)})"
                if gp is g and self._is_leaf(parent):
                    passed_through.add(id(parent))
                pdata = parent.data
                if gp.shape != pdata.shape:
                    gp = sum_to(gp, shape=pdata.shape)
                    call = f"{self.ns.bind('F', sum_to.forward)}({call}, {pdata.shape!r})"
                if gp.dtype is not pdata.dtype and gp.dtype != pdata.dtype:
                    gp = gp.astype(pdata.dtype)
                    call = f"({call}).astype({self.ns.bind('D', pdata.dtype)})"
                if id(parent) in pending:
                    pname, prev, _ = pending[id(parent)]
                    pending[id(parent)] = (pname, prev + gp, parent)
                    self.lines.append(f"{pname} = {pname} + {call}")
                else:
                    if parent.creation_index < self.start and not self._is_leaf(parent):
                        raise _unsupported("the backward pass reaches a graph recorded before the call")
                    pname = f"g{len(self.lines)}"
                    pending[id(parent)] = (pname, gp, parent)
                    self.lines.append(f"{pname} = {call}")
                    heapq.heappush(heap, (-parent.creation_index, id(parent)))

    def _is_leaf(self, v):
        return id(v) not in self.op_node and v.is_leaf

    def _leaf_gradient(self, leaf, gname, passed):
        if leaf.creation_index < self.start:
            self.lines.append(f"_acc({self.value_owner(leaf)}, {gname}, {passed})")
        else:  # a leaf made inside the call: its gradient is only seen if the function returns it
            name = f"L{len(self.internal_leaves)}"
            self.internal_leaves[id(leaf)] = name
            self.lines.append(f"{name} = _own({gname}, {passed})")

    def value_owner(self, v):
        self.value(v)
        return self.ns.bind("E", v)

    # -- outputs ---------------------------------------------------------------------------------------

    def _output(self, obj):
        if isinstance(obj, Value):
            data = self._array_out(obj.data, self.value(obj))
            leaf = self.internal_leaves.get(id(obj))
            if leaf:
                return f"_leaf({data}, {leaf})"
            if id(obj) in self.node_grads and obj.creation_index >= self.start:
                return f"_leaf({data}, _own(%s, %s))" % self.node_grads[id(obj)]
            return f"_leaf({data}, None)"
        if isinstance(obj, (np.ndarray, np.generic)):
            expr = self.arrays.get(id(obj))
            if expr is not None:
                return self._array_out(obj, expr)
            grads = self._grad_exprs()
            if id(obj) in grads:
                return grads[id(obj)]
            return f"{self.constant(obj)}.copy()" if isinstance(obj, np.ndarray) else self.constant(obj)
        if isinstance(obj, tuple):
            return "(" + "".join(self._output(o) + ", " for o in obj) + ")"
        if isinstance(obj, list):
            return "[" + ", ".join(self._output(o) for o in obj) + "]"
        if isinstance(obj, dict):
            return "{" + ", ".join(f"{self.constant(k)}: {self._output(v)}" for k, v in obj.items()) + "}"
        return "None" if obj is None else self.constant(obj)

    def _array_out(self, arr, expr):
        if expr in self.buffers:
            return f"{expr}.copy()"
        return expr

    def _grad_exprs(self):
        """id(.grad array) -> expression, for leaves whose gradient the function may return."""
        out = {}
        for name, obj in self.ns.objects.items():
            if name.startswith("E") and isinstance(obj, Value) and obj.grad is not None:
                out[id(obj.grad)] = f"{name}.grad"
        for v in self._leaves_with_grad():
            out[id(v.grad)] = self.internal_leaves[id(v)]
        return out

    def _leaves_with_grad(self):
        seen = []
        for entry in self._keep[0].entries:
            if entry[0] == "op":
                for a in entry[2]:
                    if id(a) in self.internal_leaves and a.grad is not None:
                        seen.append(a)
        return seen

    # -- the program -----------------------------------------------------------------------------------

    def source(self):
        body = list(self.guards_start)
        for line in self.lines:
            if line == "#backward":
                continue
            body.append(line)
            if self.after and line[0] == "v":
                body.extend(self.after.get(line.split(" = ", 1)[0], ()))
        body.append(f"return {self.result}")
        return f"def replay({', '.join(self.args)}):\n" + "\n".join("    " + line for line in body) + "\n"

    def check_same_as(self, other):
        """Raise unless `other` (the previous call's plan) is the same program with the same constants."""
        if self.source() != other.source():
            raise _unsupported("two calls with the same argument shapes ran different operations (Python "
                               "control flow that depends on data not read through a guarded method, or on "
                               "something other than the arguments)")
        for name in self.constants:
            a, b = self.ns.objects[name], other.ns.objects[name]
            if not _same(a, b):
                raise _unsupported(f"a constant differs between two calls (e.g. a random mask or statistics "
                                   f"computed with NumPy from the data): {_describe(a)} vs {_describe(b)}")
        for name, obj in self.ns.objects.items():
            if name[0] in "EOXFRU" and other.ns.objects.get(name) is not obj:
                raise _unsupported("two calls used different parameters or objects")

    def build(self):
        from .jit import _GuardFailed

        namespace = dict(self.ns.objects, GuardFailed=_GuardFailed, _acc=_accumulate, _own=_own, _leaf=_leaf)
        source = self.source()
        code = compile(source, "<autograd_core.compile>", "exec")
        exec(code, namespace)  # our own generated source, built from the recording (no user text)
        self._keep = None
        return _Program(namespace["replay"], source)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b) or (a != a and b != b)
    except (TypeError, ValueError):
        return a is b


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}"
    return repr(x)[:40]


def _accumulate(leaf, g, passed):
    """What the engine does at a leaf: its .grad becomes g (an array of its own) or old + g."""
    old = leaf.grad
    if old is None:
        if g.__class__ is np.ndarray and (passed or not g.flags.writeable or g.base is not None):
            g = g.copy()
        leaf.grad = g
    else:
        leaf.grad = old + g


def _own(g, passed):
    if g.__class__ is np.ndarray and (passed or not g.flags.writeable or g.base is not None):
        return g.copy()
    return g


def _leaf(data, grad):
    v = Value.__new__(Value)
    v.__init__(data, requires_grad=False)
    if grad is not None:
        v.grad = grad
    return v


class _Program:
    __slots__ = ("replay", "source")

    def __init__(self, replay, source):
        self.replay, self.source = replay, source

    def run(self, leaves):
        return self.replay(*leaves)
