"""The code generator of compiled steps (jit.py): from one recording to the source of a replay function.

A `_Plan` walks the recording in order and writes one line per operation, the backward pass as the
engine would run it on the recorded graph, the guards and the effects. The backward pass is planned by
running the engine's algorithm on the recorded arrays once (a dry run): which rules give None, which
results need summing back to their input's shape or a dtype conversion, which gradients pass through
unchanged. Two plans are the same program when their sources and constants are equal (`check_same_as`).
The program's source is assembled and compiled by jit_source.py, runs with the helpers of jit_runtime.py, and writes
the commonest rules out inline from the templates of jit_inline.py.
"""

from __future__ import annotations

import heapq
import numbers
import operator
import re
import sys

import numpy as np

from .grad_array import NUMPY_ARRAYS
from .jit_grad_guards import plan_guard, restored_owners
from .jit_inline import _IN_PLACE, _PYTHON_UNITS, _inline_agrees, _inline_rules, _units  # rules written out inline
from .jit_numpy import numpy_expr, plan_owner, plan_set_data, plan_ufunc
from .jit_runtime import _RUNTIME, _DrawingProgram, _Program, _RestoringProgram  # what a program calls, and runs it
from .jit_source import _Out, _Rebuilt, _compiled_function, _function_source  # the program as Python source
from .ops.shape import sum_to
from .value import _CONSTANTS, _GRAD_PROPERTY, Value

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
    def __init__(self, rec, result, graph_wanted=False):
        """graph_wanted: outputs that a backward pass after the call may differentiate become nodes of the graph."""
        self.graph_wanted = graph_wanted
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
        self.graph_nodes = []        # the op nodes the backward passes went through (their .grad a user may read)
        self.fresh = set()           # names of gradient arrays that the program itself allocated
        self.in_place = []           # (line index, gradient name, rewritten line): see _update_in_place
        self.temps = 0
        self.settings_checked = set()  # names of the parameter groups whose optimizer the program checks first
        self.effect_results = set()  # ids of the Values that effects returned (known only after the effect)
        self.first_draw = None       # the first line that draws random numbers (a generator's state changes there)
        self.generators = []         # what the draws draw from: `generator=` specs (None: the default) and generators
        self.start = rec.start
        self.writes_into = rec.writes_into
        self.view_grads = rec.view_grads
        # Python numbers a result may hold as they are: arguments (guarded by value) and values read with .item(),
        # float(), int(), bool() (guarded at each replay).
        self.read_numbers = [e[3] for e in rec.entries if e[0] == "read"]
        self.known_numbers = list(rec.arg_numbers) + self.read_numbers
        self.returned_reads = set()  # names of constants that are values read with .item() and returned
        # Python numbers become shared constant leaves (value.py); whether this call or an earlier one made
        # them first must not change the program.
        self.shared_constants = {id(c) for c in _CONSTANTS.values()}
        self._keep = [rec, result]   # ids stay valid while the plan lives
        # id(node) -> the array whose contents a node holding a Value's contents before an in-place change had,
        # when no operation made that Value (jit_inplace.rebind: tensor(xb) changed in place)
        self.former = {id(e[1]): e[2] for e in rec.entries if e[0] == "contents"}
        self.args = []
        self.arg_values = {}         # id(Value argument) -> its name (a graph output's parent, at replay that call's)
        for k, leaf in enumerate(rec.flat_args):
            name = f"A{k}"
            self.args.append(name)
            if isinstance(leaf, Value):
                self.exprs[id(leaf)] = f"{name}.data"
                self.arrays[id(leaf.data)] = f"{name}.data"
                self.arg_values[id(leaf)] = name
            else:
                self.arrays[id(leaf)] = name
        # A module's outputs that a backward pass after the call will differentiate (`loss = F.cross_entropy(model(x),
        # y); loss.backward()`): each is replayed as one node of the graph, whose rule is the recorded backward pass
        # from it (see _graph_output). Its forward then allocates its results, as eager mode does, instead of
        # writing into the program's buffers: a second call before the first's backward must not overwrite what that
        # backward reads.
        returned = _values_in(result)
        self.returned = {id(v) for v in returned}
        self.graph_outputs = {}      # id(output Value) -> its output line's name, once written
        if graph_wanted and not any(e[0] == "backward" for e in rec.entries):
            self.graph_outputs = {id(v): None for v in returned
                                  if v._requires_grad and v._op is not None and v.creation_index >= self.start}
        self.graph_leaves = None     # while a graph output's backward is planned: id(input) -> (input, gradient name)
        self.backward_programs = []  # (name, body, result template) of each graph output's backward function
        changed = False  # a non-idempotent effect (or a backward pass) has run
        unrestorable = None  # what has changed that a failing gradient guard could not put back (jit_grad_guards)
        self.gradient_guards = False  # whether a gradient compared in Python is checked (after a backward pass)
        for entry in rec.entries:
            kind = entry[0]
            if kind == "op":
                self._op(*entry[1:])
                name = self.lines[-1].split(" = ", 1)[0]
                self.changed_before[name] = changed
                if entry[1].name == "getitem" and self._masked_by_data(entry[3]):
                    self._check_shape(name, entry[4].data, changed)
            elif kind == "read":
                self._read(entry[1], entry[2], entry[3], changed)
            elif kind == "require":
                # After an effect it is checked before the program changes anything, if it needs only the arguments.
                exprs = [self._start_expr(a) if changed else self.param(a) for a in entry[2]]
                if None in exprs:
                    raise _unsupported("a replay condition (jit.replay_requires) on data computed by the "
                                       "call comes after an effect or a backward pass")
                (self.guards_start if changed else self.lines).append(
                    f"if not {self.ns.bind('F', entry[1])}({', '.join(exprs)}): raise GuardFailed()")
            elif kind == "grad":
                _, value, new = entry
                owner = plan_owner(self, value)
                source = "None" if new is None else self._grad_source(new)
                self.lines.append(f"_set_grad({owner}, {source})")
            elif kind == "convert":
                self._convert(entry[1], entry[2])
            elif kind == "contents":
                continue
            elif kind == "numpy":  # NumPy on a parameter's gradient or data (a hand-written update: jit_numpy)
                plan_ufunc(self, *entry[1:])
                changed = changed or entry[3] is not None
            elif kind == "numpy guard":  # a gradient compared in Python (jit_grad_guards)
                plan_guard(self, *entry[1:], unrestorable, numpy_expr)
            elif kind == "set data":
                plan_set_data(self, entry[1], entry[2])
                changed = True
            elif kind == "former":  # a parameter's contents before a change in place (jit_inplace._stored)
                self.exprs[id(entry[1])] = self.value(entry[2])
            elif kind == "store":
                if self.graph_outputs:  # its node would be made after the change: eager's graph saw it before
                    raise _unsupported("a parameter or buffer changed in place inside the function (inside no_grad(), "
                                       "or through Value(h) of a result h), which returns outputs that a backward "
                                       "pass after the call differentiates: eager mode's graph was made before the "
                                       "change, a replay's node would be made after it; change it after backward(), "
                                       "or in an optimizer's step")
                target = entry[1]
                if target.creation_index < self.start:
                    self.lines.append(f"_store({self.value_owner(target)}, {self.value(entry[2])})")
                else:  # Value(h) of a result h (jit_inplace._shares_a_result): written into the array computed for h
                    array = self.value(target)
                    if not re.fullmatch(r"v[0-9]+", array):
                        raise _unsupported("an in-place change of a Value that shares its memory with data the "
                                           "program does not compute (a constant, an argument's array)")
                    self.lines.append(f"_copyto({array}, {self.value(entry[2])})")
                changed = True
                unrestorable = unrestorable or "a change in place of a parameter or buffer"
            elif kind == "detach":  # `d = v.detach()`: v's data, no gradient (d.requires_grad is False)
                self.exprs[id(entry[2])] = self.value(entry[1])
            elif kind == "backward":
                self._backward(entry[1], entry[2])
                changed = True
            elif kind == "setting":
                self._setting(*entry[1:], rec.entries)
                unrestorable = unrestorable or "a write to an optimizer's parameter group"
            else:
                _, method, obj, idempotent, args, kwargs, returned_value = entry
                passed = "".join([f", {self._passed(a)}" for a in args] +
                                 [f", {k}={self._passed(a)}" for k, a in kwargs.items()])
                call = f"{self.ns.bind('X', method)}({self.ns.bind('O', obj)}{passed})"
                if isinstance(returned_value, Value):  # clip_grad_norm_'s norm: the replay's own, read live
                    t = self.temp()
                    call = f"{t} = {call}"
                    self.exprs[id(returned_value)] = f"{t}.data"
                    self.effect_results.add(id(returned_value))
                    self._keep.append(returned_value)
                self.lines.append(call)
                changed = changed or not idempotent
                if not idempotent:
                    unrestorable = unrestorable or f"{type(obj).__name__}.{method.__name__}"
        self.outputs = []
        for v in sorted(returned, key=lambda v: v.creation_index):  # an output's inputs come first
            if id(v) in self.graph_outputs and self.graph_outputs[id(v)] is None:
                name = self._graph_output(v)
                if name is None:  # computed from Values made inside the call only: a leaf, as any function result
                    del self.graph_outputs[id(v)]
                else:
                    self.graph_outputs[id(v)] = name
        self.result = self._output(result)
        self._update_in_place()

    # -- sources ---------------------------------------------------------------------------------------

    def value(self, v):
        expr = self.exprs.get(id(v))
        if expr is not None:
            return expr
        if v.creation_index < self.start and id(v) not in self.shared_constants:  # a parameter: read live
            name = self.ns.bind("E", v)
            expr = f"{name}.data"
            # Its shape, dtype and requires_grad as recorded, and no hook registered since (the replay would
            # not call it; where the program's outputs are nodes of the graph, the engine's backward pass calls
            # the hooks). Written out rather than a call: one per parameter, before every replay.
            hooks = "" if self.graph_outputs else f" or {name}._hooks"
            self.guards_start.append(
                f"if {name}.data.shape != {self.constant(v.shape)} or {name}.data.dtype != {self.constant(v.dtype)}"
                f" or {name}.requires_grad is not {self.constant(v.requires_grad)}{hooks}: raise GuardFailed()")
        elif id(v.data) in self.arrays:          # wraps an argument's or an intermediate's array
            expr = self.arrays[id(v.data)]
        elif id(self.former.get(id(v))) in self.arrays:  # the former contents of a Value made from a live array
            expr = self.arrays[id(self.former[id(v)])]
        elif isinstance(v.data, np.ndarray) and self._reshaped_live(v.data) is not None:
            expr = self._reshaped_live(v.data)
        else:                                   # made inside the call from other data: a constant
            expr = self.constant(v.data)
        self.exprs[id(v)] = expr
        return expr

    def _convert(self, source, result):
        """Value(argument, dtype=...) copied a live array into another dtype: convert the new one likewise."""
        if id(result) in self.arrays:
            return  # made by a recorded operation, or noted already (jit_arrays: tensor() of a NumPy conversion)
        live = self.arrays.get(id(source))
        if live is None:
            live = self._reshaped_live(source)
        if live is None:
            return  # converted from a constant: the result is a constant too
        t = self.temp()
        scalar = "[()]" if isinstance(result, np.generic) else ""  # Value stores 0-d data as a NumPy scalar
        self.lines.append(f"{t} = _astype({live}, {self.constant(result.dtype)}){scalar}")
        self.arrays[id(result)] = t
        self._keep.append(result)

    def _live_base(self, arr):
        """The live array (an argument's, an intermediate's) that `arr` is a reshaped view of, or None."""
        base = arr.base
        while base is not None and id(base) not in self.arrays:
            base = base.base if isinstance(base, np.ndarray) else None
        if (base is None or base.size != arr.size or base.dtype != arr.dtype or not arr.flags.c_contiguous
                or not base.flags.c_contiguous):
            return None
        return base

    def _start_expr(self, a):
        """An expression for `a` (as `param` would give) that a replay can evaluate before anything else: an
        argument's array or a reshape of one, or a constant; None for data the program computes."""
        if not isinstance(a, np.ndarray):
            return self.constant(a)
        live = self.arrays.get(id(a))
        base = None if live is not None else self._live_base(a)
        if live is None and base is None:
            return self.constant(a)  # made by the call from other data: baked, as param() does
        root = live if base is None else self.arrays[id(base)]
        if root.split(".")[0] not in self.args:  # "A1", "A0.data": an argument's own array
            return None
        return root if base is None or base.shape == a.shape else f"_reshape({root}, {self.constant(a.shape)})"

    def _reshaped_live(self, arr):
        """An expression for `arr` when it is a reshaped view of a live array (labels.reshape(-1) of an
        argument, say): the same reshape of the new array at replay. None otherwise."""
        base = self._live_base(arr)
        if base is None:
            return None
        if arr.shape == base.shape:  # a view of the whole array as it is (labels.reshape(-1) of 1-D labels)
            return self.arrays[id(base)]
        cached = self.exprs.get(("view", id(arr)))
        if cached is None:
            cached = self.temp()
            self.lines.append(f"{cached} = _reshape({self.arrays[id(base)]}, {self.constant(arr.shape)})")
            self.exprs[("view", id(arr))] = cached
            self._keep.append(arr)
        return cached

    def constant(self, obj):
        name = self.ns.bind("C", obj, reuse=False)
        self.constants.append(name)
        return name

    def param(self, value):
        if isinstance(value, np.ndarray):
            live = self.arrays.get(id(value))
            if live is None:
                live = self._reshaped_live(value)
            return live if live is not None else self.constant(value)
        if isinstance(value, np.generic) and id(value) in self.arrays:  # a 0-d result the call computed (an argmax)
            return self.arrays[id(value)]
        if value.__class__ is tuple and any(isinstance(v, np.ndarray) for v in value):
            # An index (rows, labels): each array in it live where it can be, the rest constants.
            return "(" + "".join(f"{self.param(v)}, " for v in value) + ")"
        return self.constant(value)

    def _passed(self, a):
        """An effect's argument: arrays and Values computed by the call live, anything else a constant."""
        return self.value(a) if isinstance(a, Value) else self.param(a)

    def _kwargs(self, params):
        if not params:
            return ""
        return "".join(f", {k}={self.param(v)}" for k, v in params.items())

    def _grad_source(self, new):
        live = self.arrays.get(id(new))
        if live is not None:
            t = self.temp()
            self.lines.append(f"{t} = _copy({live})")
            return t
        if not isinstance(new, np.ndarray):  # a number (micrograd's `p.grad = 0.0`): the setter makes the array
            return self.constant(new)
        t = self.temp()
        self.lines.append(f"{t} = _copy({self.constant(new)})")  # a copy each call: users may change .grad in place
        return t

    # -- forward ---------------------------------------------------------------------------------------

    def _op(self, op, args, params, node):
        xs = [self.value(a) for a in args]
        name = f"v{len(self.op_node)}"
        self.op_node[id(node)] = (op, args, params, node, name)
        data = node.data
        ufunc = _BUFFERED.get(op.forward)
        into = op.forward_into
        if self.graph_outputs:  # results a later backward reads: allocated per call (see __init__)
            ufunc = into = None
        if ufunc is not None and params is None and data.__class__ is np.ndarray and data.ndim > 0:
            buf = self.ns.bind("B", np.empty_like(data), reuse=False)
            self.buffers.add(name)
            self.lines.append(f"{name} = {self.ns.bind('U', ufunc)}({', '.join(xs)}, {buf})")  # out, by position
        elif into is not None and data.__class__ is np.ndarray and data.ndim > 0 and self.writes_into.get(id(node)):
            buf = self.ns.bind("B", np.empty_like(data), reuse=False)
            self.buffers.add(name)
            self.lines.append(f"{name} = {self.ns.bind('F', into)}({', '.join(xs)}, out={buf}{self._kwargs(params)})")
        else:  # (a random draw has no inputs, only keywords: sampling.sample)
            passed = f"{', '.join(xs)}{self._kwargs(params)}".removeprefix(", ")
            self.lines.append(f"{name} = {self.ns.bind('F', op.forward)}({passed})")
        self.exprs[id(node)] = name
        self.arrays[id(data)] = name
        if params:
            self._note_draws(name, params)

    def _note_draws(self, name, params):
        """Note the generators an operation draws from (sampling.sample's `generator`, Dropout's and RReLU's `rng`)."""
        drawn = [params["generator"]] if "generator" in params else []
        drawn += [p for p in params.values() if isinstance(p, np.random.Generator)]
        for generator in drawn:
            if self.first_draw is None:
                self.first_draw = name
            if not any(generator is known for known in self.generators):
                self.generators.append(generator)

    def _guard_after_draw(self):
        """Whether a guard of the body can fail after a line that draws random numbers: a replay must then put the
        generators back as they were before it raises, for the eager call that follows to draw what it would have."""
        if self.first_draw is None:
            return False
        body = self.body()
        start = next(k for k, line in enumerate(body) if line.startswith(f"{self.first_draw} = "))
        return any(line.startswith("_read_") or line.endswith("raise GuardFailed()") for line in body[start:])

    def _setting(self, group, key, value, entries):
        """`group[key] = value` on an optimizer's parameter group, written by the function itself (a learning rate
        set by hand): replayed as the same write, into a group the program first checks its optimizer still has
        (load_state_dict makes new ones). The optimizer is the one among the effects' objects that has the group."""
        name = self.ns.bind("O", group)
        if name not in self.settings_checked:
            owners = [e[2] for e in entries if e[0] == "effect" and
                      any(g is group for g in getattr(e[2], "param_groups", ()))]
            if not owners:
                raise _unsupported(f"the function writes {key!r} of a parameter group of an optimizer it does not "
                                   "step: a replay could not check that the optimizer still has that group")
            groups = f"{self.ns.bind('O', owners[0])}.param_groups"
            self.guards_start.append(f"if not any(g is {name} for g in {groups}): raise GuardFailed()")
            self.settings_checked.add(name)
        self.lines.append(f"{name}[{self.constant(key)}] = {self._passed(value)}")

    def _masked_by_data(self, params):
        """Whether an indexing operation's parameters hold a boolean mask that the program computes or is given
        (`t > 0` in `pred[t > 0]`): the shape of its result then depends on the data (a where's does not)."""
        def live_mask(p):
            return (p.__class__ is np.ndarray and p.dtype == np.bool_
                    and (id(p) in self.arrays or self._reshaped_live(p) is not None))

        return params is not None and any(
            live_mask(p) or (p.__class__ is tuple and any(live_mask(q) for q in p)) for p in params.values())

    def _check_shape(self, name, data, changed):
        """Check the shape of an operation's result where it depends on the data (a mask's count): the lines after
        it (buffers, the backward pass) were planned for the recorded one. Checked at once, as a read is."""
        if changed:
            raise _unsupported("an operation selects with a boolean mask computed from the data after an effect "
                               "(optimizer step or backward): the shape of its result cannot be checked in time")
        self.after.setdefault(name, []).append(f"if {name}.shape != {self.constant(np.shape(data))}: "
                                               "raise GuardFailed()")

    def _read(self, value, kind, result, changed):
        expr = self.value(value)
        check = f"_read_{kind.strip('_')}({expr}, {self.constant(result)})"
        if id(value) in self.op_node:
            if self.changed_before[expr]:
                raise _unsupported(f"a value computed after an effect (optimizer step or backward) is read "
                                   f"with {kind}")
            self.after.setdefault(expr, []).append(check)
        elif id(value) in self.effect_results:
            raise _unsupported(f"a Value that an effect returned (clip_grad_norm_'s norm) is read with {kind}: a "
                               "replay learns it only after the effect has changed state, too late to check it")
        elif value.creation_index < self.start:
            if changed:
                raise _unsupported(f"a parameter is read with {kind} after an effect (optimizer step or backward)")
            self.guards_start.append(check)

    # -- backward: the engine's algorithm on the recorded graph -----------------------------------------

    def _backward(self, roots, seeds, seed_name=None):
        """seed_name: the name the seed has in the program (a graph output's backward function takes it as an
        argument); by default each seed is a constant of the program."""
        self.lines.append("#backward")
        heap, pending, passed_through = [], {}, set()
        for root, seed in zip(roots, seeds):
            seed = seed[()] if seed.ndim == 0 else seed
            if seed_name is not None:
                name = seed_name
            else:
                name = self.temp()
                self.lines.append(f"{name} = {self.constant(seed)}")
            passed_through.add(id(root))  # a constant: never hand it out as .grad without copying
            pending[id(root)] = (name, seed, root)
            heapq.heappush(heap, (-root.creation_index, id(root)))
        while heap:
            _, key = heapq.heappop(heap)
            gname, g, node = pending.pop(key)
            self.node_grads[key] = (gname, key in passed_through)
            entry = self.op_node.get(key)
            if entry is None or (self.graph_leaves is not None and key in self.graph_outputs and node is not roots[0]):
                # (another output the call returns, `logits` below `loss`: an input of this one's node, as in the
                # eager graph, so that its own node's rule takes it on and its .grad is the eager one)
                self._leaf_gradient(node, gname, key in passed_through)
                continue
            self.graph_nodes.append(node)
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
                probe = np.empty(0)  # referred to by this frame only, as gp is if the rule made it
                fresh = sys.getrefcount(gp) == sys.getrefcount(probe)
                t = self.temp()
                inline = None
                if not params:
                    inline = _inline_rules().get(rule)
                    if inline is None and op.inline is not None:  # declared by the primitive, for arrays
                        inline = (None, op.inline[i])
                if inline is not None:
                    arrays = all(a.__class__ in NUMPY_ARRAYS for a in (g, node.data, *xs_data))
                    inline, units = inline[arrays], _units(node.data, xs_data) if arrays else _PYTHON_UNITS
                    if isinstance(inline, dict):  # a template by the data's dtype, as the rule chooses (tanh's)
                        inline = inline.get(node.data.dtype, inline[None])
                    if inline is not None and not _inline_agrees(inline, units, gp, g, node.data, xs_data):
                        inline = None  # the rule was changed since the template was written: call it
                if inline is not None:  # the rule's own expression, without the call
                    fill = dict(g=gname, out=out_name, x=x_exprs,
                                **{k: u if isinstance(u, str) else self.constant(u)
                                   for k, u in units.items() if f"{{{k}}}" in inline})
                    self.lines.append(f"{t} = " + inline.format(**fill))
                    fresh = inline != "{g}"  # NumPy arithmetic makes a new array; "{g}" hands g itself on
                    in_place = _IN_PLACE.get(inline)
                    writable = gname in self.fresh and g.__class__ is np.ndarray and g.ndim and gp.dtype == g.dtype
                    if in_place and writable:
                        self.in_place.append((len(self.lines) - 1, gname, f"{t} = " + in_place.format(**fill)))
                else:
                    self.lines.append(f"{t} = {self.ns.bind('R', rule)}({', '.join([gname, out_name] + x_exprs)}"
                                      f"{self._kwargs(params)})")
                pdata = parent.data
                if gp.shape != pdata.shape:
                    gp = sum_to(gp, shape=pdata.shape)
                    self.lines.append(f"{t} = {self.ns.bind('F', sum_to.forward)}({t}, {self.constant(pdata.shape)})")
                    fresh = True
                if gp.dtype is not pdata.dtype and gp.dtype != pdata.dtype:
                    if gp.dtype.kind == "c" and pdata.dtype.kind != "c":  # the real part, as engine._fit takes
                        gp = gp.real
                        self.lines.append(f"{t} = {t}.real")
                    gp = gp.astype(pdata.dtype)
                    self.lines.append(f"{t} = _astype({t}, {self.constant(pdata.dtype)})")
                    fresh = True
                if fresh and gp.__class__ is np.ndarray:
                    self.fresh.add(t)
                if gp is g and (self._is_leaf(parent) or (self.graph_leaves is not None
                                                           and parent.creation_index < self.start)):
                    # (after fitting, as the engine checks; a graph output's input may be a leaf in one call and
                    # not in the next: its gradient is made its own either way, so the program is the same)
                    passed_through.add(id(parent))
                if id(parent) in pending:
                    pname, prev, _ = pending[id(parent)]
                    pending[id(parent)] = (pname, prev + gp, parent)
                    both = prev.__class__ is np.ndarray and gp.__class__ is np.ndarray
                    self.lines.append(f"{pname} = _add({pname}, {t})" if both else f"{pname} = {pname} + {t}")
                    self.fresh.add(pname)  # a new array (unless a NumPy scalar: then it is never written to)
                else:
                    if parent.creation_index < self.start and not self._is_leaf(parent) and \
                            self.graph_leaves is None:  # (a graph output's node hands it its gradient, as eager mode)
                        raise _unsupported("the backward pass reaches a graph recorded before the call")
                    pending[id(parent)] = (t, gp, parent)
                    heapq.heappush(heap, (-parent.creation_index, id(parent)))

    def temp(self):
        self.temps += 1
        return f"g{self.temps}"

    def _is_leaf(self, v):
        return id(v) not in self.op_node and v.is_leaf

    def _leaf_gradient(self, leaf, gname, passed):
        if leaf.data.dtype.kind == "c":  # .grad is PyTorch's gradient, the conjugate of the one the pass carries
            t = self.temp()
            self.lines.append(f"{t} = _conj({gname})")
            gname, passed = t, False
        if self.graph_leaves is not None:  # an input of a graph output's node: its gradient is the rule's result
            if leaf.creation_index >= self.start and id(leaf) not in self.graph_outputs:
                # A leaf made inside the call (`Value(x)` of an array argument requires a gradient): its gradient
                # is seen by no one unless the call returns it, and then a replay would not write it.
                if id(leaf) in self.returned:
                    raise _unsupported("the call returns a Value it made that requires a gradient (a leaf made with "
                                       "requires_grad=True) beside an output computed from it: a backward pass "
                                       "after a replay would not give that leaf its .grad")
                return
            t = self.temp()  # the engine makes a leaf's .grad of it: an array of its own, as _own gives
            self.lines.append(f"{t} = _own({gname}, {passed})")
            gname = t
            self.graph_leaves[id(leaf)] = (leaf, gname)
            return
        if leaf._hooks:
            raise _unsupported("a gradient hook (register_hook) on a parameter")
        if leaf.creation_index < self.start:
            owner = self.value_owner(leaf)
            if type(leaf).grad is _GRAD_PROPERTY:  # _accumulate written out, on the slot behind the property
                self.lines.append(f"{owner}._grad = _own({gname}, {passed}) if {owner}._grad is None "
                                  f"else {owner}._grad + {gname}")
            else:  # a subclass that keeps its gradient elsewhere (element.py's views): through its property
                self.lines.append(f"_acc({owner}, {gname}, {passed})")
        else:  # a leaf made inside the call: its gradient is only seen if the function returns it
            name = f"L{len(self.internal_leaves)}"
            self.internal_leaves[id(leaf)] = name
            self.lines.append(f"{name} = _own({gname}, {passed})")

    def value_owner(self, v):
        self.value(v)
        return self.ns.bind("E", v)

    # -- outputs ---------------------------------------------------------------------------------------

    def _output(self, obj):
        """A template of the result: the same nesting, with the names of output lines at the leaves."""
        if isinstance(obj, tuple):
            items = tuple(self._output(o) for o in obj)
            if type(obj) is tuple:
                return items
            # a namedtuple (`Out(logits, loss)`), or another tuple class: made again of the replay's items
            how = "._make" if hasattr(type(obj), "_fields") else ""
            return _Rebuilt((self.ns.bind("O", type(obj)) + how, items))
        if isinstance(obj, list):
            return [self._output(o) for o in obj]
        if isinstance(obj, dict):
            items = {k: self._output(v) for k, v in obj.items()}
            return items if type(obj) is dict else _Rebuilt((self.ns.bind("O", type(obj)), items))
        if isinstance(obj, Value) and id(obj) in self.graph_outputs:  # its node, made first (see __init__)
            return _Out(self.graph_outputs[id(obj)])
        if isinstance(obj, Value) and obj.creation_index < self.start and id(obj) not in self.shared_constants:
            # a Value that existed before the call, returned as it is (nn.Identity's input, a parameter): the very
            # object, as eager mode returns it, with its graph and .grad (a copy of its data would cut the graph)
            return _Out(self._input_name(obj))
        name = f"r{len(self.outputs)}"
        self.outputs.append(name)
        if isinstance(obj, Value):
            data = self._fresh(self.value(obj))
            grad = "None"
            if id(obj) in self.internal_leaves:
                grad = self.internal_leaves[id(obj)]
            elif id(obj) in self.node_grads and obj.creation_index >= self.start:
                grad = self.temp()
                self.lines.append(f"{grad} = _own(%s, %s)" % self.node_grads[id(obj)])
                if obj.data.dtype.kind == "c":  # PyTorch's gradient: the conjugate of the one the plan carries
                    self.lines.append(f"{grad} = _conj({grad})")
            self.lines.append(f"{name} = _leaf({data}, {grad})")
        elif isinstance(obj, (np.ndarray, np.generic)):
            expr = self.arrays.get(id(obj)) or self._grad_exprs().get(id(obj))
            if expr is None:  # computed with NumPy, out of sight (an accuracy from .data): a constant would repeat it
                raise _unsupported(f"the result holds {_describe(obj)} that no recorded operation computed (NumPy on "
                                   "a Value's .data?); compute it with Value operations (e.g. (logits.argmax(1) == y)"
                                   ".float().mean()), or outside the compiled function")
            self.lines.append(f"{name} = {self._fresh(expr)}")
        else:
            if isinstance(obj, numbers.Number) and not any(obj is known for known in self.known_numbers):
                raise _unsupported(f"the result holds the Python number {obj!r}, which no guarded read (.item(), "
                                   "float()) or argument gave: a replay would return it unchanged; return a Value "
                                   "(the loss, not loss.item()) or compute it outside the compiled function")
            constant = self.constant(obj)
            if any(obj is read for read in self.read_numbers):
                self.returned_reads.add(constant)
            self.lines.append(f"{name} = {constant}")
        return _Out(name)

    def _graph_output(self, root):
        """Write the line that makes output `root` a node of the graph at replay: its inputs are the Values its
        recorded graph starts from (parameters, arguments, earlier graphs' nodes), its rule the backward pass from
        it, planned as `_backward` plans one inside a call (the engine's algorithm, run once on the recorded arrays)
        and compiled as a function of the seed and the forward's results it reads. Returns the line's name, or None
        if no Value from outside the call leads to it (only leaves the call made itself: nothing to hand a gradient)."""
        forward_lines, self.lines = self.lines, []
        # Reshaped views of live arrays that this function writes for itself are its own: forgotten after it.
        views = {key for key in self.exprs if key.__class__ is tuple}
        kept = self.node_grads, self.graph_nodes, self.fresh, self.in_place
        self.node_grads, self.graph_nodes, self.fresh, self.in_place, self.graph_leaves = {}, [], set(), [], {}
        try:
            data = root.data
            probe = np.ones_like(data) if isinstance(data, np.ndarray) else data.dtype.type(1)
            self._backward([root], [np.asarray(probe)], seed_name="S")
            self._update_in_place()
            # in creation order (a picture lists a layer's weight before its bias, the first layer first)
            leaves = sorted(self.graph_leaves.values(), key=lambda item: item[0].creation_index)
            if not leaves:
                return None
            if all(np.ndim(leaf.data) == 0 for leaf, _ in leaves):
                # micrograd's scalar Values (nn.MLP on lists): a node with one input per weight costs the backward
                # pass more than the graph it replaces (W1 through nn.MLP, compiled so: 1.7× eager's time)
                raise _unsupported("the output needs a gradient from a backward pass after the call, and its "
                                   "inputs are scalar Values, whose graph replays no faster than eager mode; compile "
                                   "the whole training step (forward, loss.backward(), optimizer step) to replay it")
            defined = set(self.args) | {line.partition(" = ")[0] for line in forward_lines if " = " in line}
            used = []
            for line in self.lines:
                for token in _SAVED_TOKEN.findall(line):
                    if token in defined and token not in used:
                        used.append(token)
            body = [f"{name} = T[{i}]" for i, name in enumerate(used)] + [
                line for line in self.lines if line != "#backward"]
            result = tuple(_Out(gname) for _, gname in leaves)
        finally:
            self.lines = forward_lines
            self.node_grads, self.graph_nodes, self.fresh, self.in_place = kept
            self.graph_leaves = None
            for key in [key for key in self.exprs if key.__class__ is tuple and key not in views]:
                del self.exprs[key]
        backward = f"W{len(self.backward_programs)}"
        self.backward_programs.append((backward, body, result))
        parents = "".join(f"{self._input_name(leaf)}, " for leaf, _ in leaves)
        saved = "".join(f"{name}, " for name in used)
        name = f"r{len(self.outputs)}"
        self.outputs.append(name)
        self.lines.append(f"{name} = _graph({self.value(root)}, ({parents}), {backward}, ({saved}))")
        return name

    def _input_name(self, v):
        """The name at replay of an input of a graph output's node: another output's node, an argument, or a Value
        that existed before the call (a parameter)."""
        return self.graph_outputs.get(id(v)) or self.arg_values.get(id(v)) or self.value_owner(v)

    def _fresh(self, expr):
        """A buffer's contents are overwritten by the next call: what leaves the program is a copy."""
        if expr in self.buffers:
            t = self.temp()
            self.lines.append(f"{t} = _copy({expr})")
            return t
        return expr

    def _grad_exprs(self):
        """id(.grad array) -> expression, for gradients the function may return."""
        out = {}
        for name, obj in self.ns.objects.items():
            if name.startswith("E") and isinstance(obj, Value) and obj.grad is not None:
                gname = self.temp()
                out[id(obj.grad)] = gname
                self.lines.append(f"{gname} = _grad_of({name})")
        for view, result in self.view_grads:  # an ElementView's .grad is a new scalar at each read: matched as read
            if id(result) not in out:
                out[id(result)] = gname = self.temp()
                self.lines.append(f"{gname} = _grad_of({self.ns.bind('E', view)})")
        for node in self.graph_nodes:  # an intermediate node's .grad (a user may return h.grad)
            g = node.grad
            if g is not None and id(g) not in out and node.data.dtype.kind == "c":
                out[id(g)] = self.temp()  # PyTorch's gradient: the conjugate of the one the plan carries
                self.lines.append(f"{out[id(g)]} = _conj({self.node_grads[id(node)][0]})")
                continue
            if g is not None and id(g) not in out:
                gname, passed = self.node_grads[id(node)]
                if passed:  # the seed itself, a constant of the program: hand out a copy
                    out[id(g)] = self.temp()
                    self.lines.append(f"{out[id(g)]} = _copy({gname})")
                else:
                    out[id(g)] = gname
        for entry in self._keep[0].entries:
            if entry[0] == "op":
                for a in entry[2]:
                    if id(a) in self.internal_leaves and a.grad is not None:
                        out[id(a.grad)] = self.internal_leaves[id(a)]
        return out

    def _update_in_place(self):
        """Rewrite ReLU's rule `t = _relu_backward(g, x)` to write into g where nothing after it reads g: g is
        then an array this program allocated (`fresh`) and only ever reads here. The same numbers, one array
        less per ReLU layer to allocate and fill. Runs once the outputs are known (they may read g)."""
        for index, gname, line in self.in_place:
            pattern = re.compile(rf"\b{gname}\b")
            if not any(pattern.search(later) for later in self.lines[index + 1:]):
                self.lines[index] = line

    # -- the program -----------------------------------------------------------------------------------

    def body(self):
        body = list(self.guards_start)
        for line in self.lines:
            if line == "#backward":
                continue
            body.append(line)
            if self.after and line[0] == "v":
                body.extend(self.after.get(line.split(" = ", 1)[0], ()))
        return body

    def source(self):
        """The replay as one Python function (what `build` compiles for programs of up to _ONE_FUNCTION lines)."""
        return "".join(_function_source(name, ["S", "T"], body, result)
                       for name, body, result in self.backward_programs) + _function_source(
            "replay", self.args, self.body(), self.result)

    def check_same_as(self, other):
        """Raise unless `other` (the previous call's plan) is the same program with the same constants."""
        if (self.body() != other.body() or self.result != other.result
                or self.backward_programs != other.backward_programs):
            raise _unsupported("two calls with the same argument shapes ran different operations (Python "
                               "control flow that depends on data not read through a guarded method, or on "
                               "something other than the arguments)")
        for name in sorted(self.constants, key=lambda n: n not in self.returned_reads):  # the likelier cause first
            a, b = self.ns.objects[name], other.ns.objects[name]
            if _same_constant(a, b):
                continue
            if name in self.returned_reads:
                raise _unsupported(f"the function returns a value read with .item() or float() ({_describe(a)} vs "
                                   f"{_describe(b)}), which differs at every call; such reads are guarded (they may "
                                   "steer Python code), so no call replays: return the Value itself (return loss) and "
                                   "call .item() outside")
            raise _unsupported(f"a constant differs between two calls (e.g. a random mask or statistics "
                               f"computed with NumPy from the data): {_describe(a)} vs {_describe(b)}")
        for name, obj in self.ns.objects.items():
            if name[0] in "EOXFRU" and other.ns.objects.get(name) is not obj:
                raise _unsupported("two calls used different parameters or objects")

    def build(self):
        from .jit import _GuardFailed

        # __name__: the module NumPy's floating-point warnings name, which autograd_core/__init__.py silences
        namespace = dict(self.ns.objects, **_RUNTIME, GuardFailed=_GuardFailed, __name__="autograd_core.compiled")
        self._keep = None
        sources = []
        for name, body, result in self.backward_programs:  # each graph output's rule, named in the forward
            namespace[name], source = _compiled_function(name, body, ["S", "T"], result, dict(namespace))
            sources.append(source)
        replay, source = _compiled_function("replay", self.body(), self.args, self.result, namespace)
        if self.gradient_guards:
            return _RestoringProgram(replay, "".join(sources) + source, self.generators, restored_owners(self))
        if self._guard_after_draw():
            return _DrawingProgram(replay, "".join(sources) + source, self.generators)
        return _Program(replay, "".join(sources) + source)


_SAVED_TOKEN = re.compile(r"\b([vg][0-9]+|A[0-9]+)\b")  # names a backward function may read from the forward


def _values_in(obj):
    """The Values in a result (nested tuples, lists and dicts), in order."""
    if isinstance(obj, Value):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [v for item in obj for v in _values_in(item)]
    if isinstance(obj, dict):
        return [v for item in obj.values() for v in _values_in(item)]
    return []


def _writes_the_same(into, data, args, params):
    """Whether a primitive's forward_into, run on the inputs (Values) of a node just recorded, writes its
    result `data` bit for bit (a dtype or layout it does not handle the same way: no)."""
    if data.__class__ is not np.ndarray or not data.ndim:
        return False
    out = np.empty_like(data)
    try:
        written = into(*[a.data if isinstance(a, Value) else a for a in args], out=out, **(params or {}))
    except Exception:  # noqa: BLE001 (a forward_into that cannot take these inputs: allocate as eager mode)
        return False
    return written is out and out.tobytes() == data.tobytes()


def _same_constant(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same_constant(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b) or (a != a and b != b)
    except (TypeError, ValueError):
        return a is b


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}"
    return repr(x)[:40]
