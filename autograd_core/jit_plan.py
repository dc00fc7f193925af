"""The code generator of compiled steps (jit.py): from one recording to the source of a replay function.

A `_Plan` walks the recording in order and writes one line per operation, the backward pass as the
engine would run it on the recorded graph (jit_plan_backward.py), the guards and the effects. The backward pass
is planned by running the engine's algorithm on the recorded arrays once (a dry run): which rules give None, which
results need summing back to their input's shape or a dtype conversion, which gradients pass through
unchanged. Two plans are the same program when their sources and constants are equal (`check_same_as`).
The program's source is assembled and compiled by jit_source.py, runs with the helpers of jit_runtime.py, and writes
the commonest rules out inline from the templates of jit_inline.py.
"""

from __future__ import annotations

import numbers
import operator
import re

import numpy as np

from .jit_effects import replay_routine
from .jit_grad_guards import plan_guard, restored_owners
from .jit_numpy import numpy_expr, plan_owner, plan_set_data, plan_ufunc
from .jit_plan_backward import _PlanBackward  # the backward passes
from .jit_plan_sources import _Names, _PlanSources, _unsupported  # where the data comes from (and the plan's error)
from .jit_runtime import _RUNTIME, _DrawingProgram, _Program, _RestoringProgram  # what a program calls, and runs it
from .jit_source import _Out, _Rebuilt, _compiled_function, _function_source  # the program as Python source
from .value import _CONSTANTS, Value

# Forward functions that are NumPy ufuncs (or the operators that call them): they can write into a buffer.
_BUFFERED = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
             operator.truediv: np.divide, operator.neg: np.negative, np.exp: np.exp, np.log: np.log,
             np.sqrt: np.sqrt, np.tanh: np.tanh, np.sin: np.sin, np.cos: np.cos}


class _Plan(_PlanSources, _PlanBackward):
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
        self.after_relu = {}         # name of a rule line with a vjp_after_relu -> its call's parts: _route_after_relu
        self.after_relu_pairs = []   # (that entry, line index of ReLU's rule reading it, its name)
        self.buffer_of = {}          # name of an op line writing into a buffer -> the buffer's name
        self.reusable = []           # (line index, name, first input, line with {} for its buffer): _reuse_buffers
        self.asides, self.aside_reads = set(), set()  # gradients set aside, and the gradients their rules read
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
                value, new, assigned = entry[1], entry[2], entry[3] if len(entry) > 3 else None
                owner = plan_owner(self, value)
                source = "None" if new is None else self._grad_source(new, assigned)
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
                routine = None if returned_value is not None else replay_routine(method, obj, args, kwargs)
                if routine is not None:  # what obj decided once (jit_effects.py); each recording's own, so that
                    call = f"{self.ns.bind('P', routine)}()"  # `P` names are not compared by identity (check_same_as)
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
        self._route_after_relu()
        self._update_in_place()
        self._reuse_buffers()

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
            line = f"{name} = {self.ns.bind('U', ufunc)}({', '.join(xs)}, {{}})"  # out, by position
            self._write_into(name, buf, line, xs, data, elementwise=True)
        elif into is not None and data.__class__ is np.ndarray and data.ndim > 0 and self.writes_into.get(id(node)):
            buf = self.ns.bind("B", np.empty_like(data), reuse=False)
            self.buffers.add(name)
            line = f"{name} = {self.ns.bind('F', into)}({', '.join(xs)}, out={{}}{self._kwargs(params)})"
            self._write_into(name, buf, line, xs, data, elementwise=op.elementwise)
        else:  # (a random draw has no inputs, only keywords: sampling.sample)
            passed = f"{', '.join(xs)}{self._kwargs(params)}".removeprefix(", ")
            self.lines.append(f"{name} = {self.ns.bind('F', op.forward)}({passed})")
        self.exprs[id(node)] = name
        self.arrays[id(data)] = name
        if params:
            self._note_draws(name, params)

    def _write_into(self, name, buf, line, xs, data, elementwise):
        """Append the op line `line` (`{}` where its output buffer goes) writing into buffer `buf`; note it for
        `_reuse_buffers` where it acts elementwise on a first input held in a buffer of the same shape and dtype."""
        self.buffer_of[name] = buf
        self.lines.append(line.format(buf))
        first = xs[0] if xs else None
        if elementwise and first in self.buffer_of:
            held = self.ns.objects[self.buffer_of[first]]
            # the same layout too: a reduction sums in memory order, so a result written in its input's Fortran
            # layout (x[:, idx] * w) where eager mode's was C (... - y) would sum to other bits
            if held.shape == data.shape and held.dtype == data.dtype and held.strides == data.strides:
                self.reusable.append((len(self.lines) - 1, name, first, line))

    def _reuse_buffers(self):
        """Write an elementwise operation (ReLU, a buffered ufunc) into its first input's buffer where that input is
        read by this line alone (no later line, no view of it, no guard, no output): the same numbers, each element
        read before it is written, and one buffer fewer to fill and keep in the caches. A compiled W2 step whose ReLUs
        write into their linear layers' outputs (nothing reads those afterwards: ReLU's rule reads its output) took
        0.5-0.9% less time over runs of consecutive steps, 2.5-3.7% alternating with other work (BENCHMARKS.md "Stop
        66"). Runs once every line is known (outputs and rules read names)."""
        if not self.reusable:
            return
        texts = self.lines + [guard for guards in self.after.values() for guard in guards]
        for index, name, first, line in self.reusable:
            pattern = re.compile(rf"\b{first}\b")
            uses = sum(1 for text in texts if pattern.search(text))
            if uses != 2:  # its own line (`first = ...`) and this one
                continue
            unused = self.buffer_of[name]
            self.buffer_of[name] = self.buffer_of[first]  # (a later line reusing this one's buffer finds it there)
            self.lines[index] = texts[index] = line.format(self.buffer_of[name])
            del self.ns.objects[unused]

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
