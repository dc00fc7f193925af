"""The backward passes of a compiled step (jit_plan.py): `_PlanBackward`, a base class of `_Plan`, plans each
backward pass by running the engine's algorithm once on the recorded arrays (youngest node first, parents in argument
order, the same un-broadcasting, dtype conversions and accumulation order), writing one line per rule (the commonest
written out inline: jit_inline.py) and the accumulation into each leaf's .grad; and, for an output that a backward
pass after the call differentiates, the backward function of its node in the graph (`_graph_output`)."""

from __future__ import annotations

import heapq
import re
import sys

import numpy as np

from . import backward_edges
from .grad_array import NUMPY_ARRAYS
from .jit_inline import _IN_PLACE, _PYTHON_UNITS, _inline_agrees, _inline_rules, _units
from .jit_plan_sources import _unsupported
from .jit_source import _Out
from .ops.shape import sum_to
from .value import _GRAD_PROPERTY

_SAVED_TOKEN = re.compile(r"\b([vg][0-9]+|A[0-9]+)\b")  # names a backward function may read from the forward
# The program's names (jit_inline._UFUNCS) of NumPy functions that allocate their result when given no `out=`.
_RELU_RULE = "_relu_backward({g}, {out})"  # ReLU's rule as jit_inline writes it (see _route_after_relu)
_ALLOCATING_CALL = re.compile(r"(?:_add|_sub|_mul|_div|_neg|_matmul|_add_reduce)\(")


def _closes_at_end(line, opening):
    """Whether the parenthesis at `opening` closes at the end of `line` (the line is that one call, not `f(a).T`)."""
    depth = 0
    for i in range(opening, len(line)):
        depth += line[i] == "("
        depth -= line[i] == ")"
        if depth == 0:
            return i == len(line) - 1
    return False


class _PlanBackward:
    """The backward passes of a plan (see the module's docstring); `_Plan` supplies the state they read and write."""

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
            if gname in self.asides:  # a weight's gradient set aside: taken at the weight's turn, as the engine does
                self.lines.append(f"{gname} = _taken({gname})")
            self.node_grads[key] = (gname, key in passed_through)
            entry = self.op_node.get(key)
            if entry is None or (self.graph_leaves is not None and key in self.graph_outputs and node is not roots[0]):
                # (another output the call returns, `logits` below `loss`: an input of this one's node, as in the
                # eager graph, so that its own node's rule takes it on and its .grad is the eager one)
                self._leaf_gradient(node, gname, key in passed_through, g)
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
                base = gp.base if isinstance(gp, np.ndarray) else None  # (a sparse gradient has none)
                while fresh and base is not None:  # a view, fresh only if what it views is held by it alone: a
                    # slice of g (concatenate's rule) writes into g, which a returned Value's .grad may be
                    fresh = sys.getrefcount(base) == sys.getrefcount(probe) + 1  # (+1: `base` itself)
                    base = base.base if isinstance(base, np.ndarray) else None
                t = self.temp()
                inline = None
                if not params:
                    inline = _inline_rules().get(rule)
                    if inline is None and op.inline is not None and (  # declared by the primitive, for arrays
                            op.inline_when is None or op.inline_when(g, node.data, *xs_data)):
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
                    pooled = self.after_relu.get(gname)
                    if pooled is not None and inline == _RELU_RULE and pooled[3] == out_name:
                        self.after_relu_pairs.append((pooled, len(self.lines) - 1, t))
                elif self._sets_aside(op, i, parent, args, g, gp, pending):
                    self.lines.append(f"{t} = _aside({self.constant(('aside', op.name, i, g.shape, gp.shape))}, "
                                      f"{self.ns.bind('R', rule)}, {', '.join([gname, out_name] + x_exprs)}"
                                      f"{self._kwargs(params)})")
                    self.asides.add(t)
                    self.aside_reads.add(gname)
                else:
                    self.lines.append(f"{t} = {self.ns.bind('R', rule)}({', '.join([gname, out_name] + x_exprs)}"
                                      f"{self._kwargs(params)})")
                    if i == 0 and op.vjp_after_relu is not None and len(x_exprs) == 1:  # (see _route_after_relu)
                        self.after_relu[t] = (len(self.lines) - 1, gname, out_name, x_exprs[0], op, params)
                pdata = parent.data
                if gp.shape != pdata.shape:
                    gp = sum_to(gp, shape=pdata.shape)
                    self.lines.append(f"{t} = {self.ns.bind('F', sum_to.forward)}({t}, {self.constant(pdata.shape)})")
                    fresh = True
                if gp.dtype is not pdata.dtype and gp.dtype != pdata.dtype:
                    if gp.dtype.kind == "c" and pdata.dtype.kind != "c":  # the real part, as backward_edges._fit takes
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
                    if pname in self.asides:  # (a second gradient for a weight whose first was set aside)
                        self.lines.append(f"{pname} = _taken({pname})")
                        self.asides.discard(pname)
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

    def _sets_aside(self, op, i, parent, args, g, gp, pending):
        """Whether input i's rule is replayed set aside on a pool thread (`_aside`), as the engine sets it aside
        (backward_edges._gradient_aside): a primitive's aside rule for a parameter's first gradient, of a node whose
        first input is a node of this program that needs a gradient (the pass goes on below it meanwhile), with g
        large, and the result needing no fitting (the leaf's turn takes it as it is)."""
        flags = op.aside_vjps
        return (flags is not None and flags[i] and self._is_leaf(parent) and parent.creation_index < self.start
                and id(parent) not in pending and not parent._hooks and args[0].requires_grad
                and id(args[0]) in self.op_node and g.__class__ is np.ndarray and g.size >= backward_edges.ASIDE_FROM
                and gp.__class__ is np.ndarray and gp.shape == parent.data.shape and gp.dtype == parent.data.dtype
                and self.graph_leaves is None)

    def _is_leaf(self, v):
        return id(v) not in self.op_node and v.is_leaf

    def _allocated(self, gname, g):
        """Whether `gname` is certainly an array of the program's own at every replay, so that `_own` would hand it
        on as it is: its last line is one call of an allocating NumPy function (a ufunc, matmul or a reduction, with
        no `out=`), which gives a new writable array with no base (or a NumPy scalar), and the recorded gradient `g`
        was such. (The plan's `fresh` set is not enough: a primitive's inline template may be a view, `{g}.T`.)"""
        if g.__class__ is np.ndarray and (g.base is not None or not g.flags.writeable):
            return False
        prefix = f"{gname} = "
        for line in reversed(self.lines):
            if line.startswith(prefix):
                call = _ALLOCATING_CALL.match(line, len(prefix))
                return call is not None and "out=" not in line and _closes_at_end(line, call.end() - 1)
        return False

    def _leaf_gradient(self, leaf, gname, passed, g=None):
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
                own = gname if not passed and g is not None and self._allocated(gname, g) else \
                    f"_own({gname}, {passed})"  # (a call less per parameter where it would return gname itself)
                self.lines.append(f"{owner}._grad = {own} if {owner}._grad is None else _sum_into({owner}._grad, "
                                  f"{gname})")
            else:  # a subclass that keeps its gradient elsewhere (element.py's views): through its property
                self.lines.append(f"_acc({owner}, {gname}, {passed})")
        else:  # a leaf made inside the call: its gradient is only seen if the function returns it
            name = f"L{len(self.internal_leaves)}"
            self.internal_leaves[id(leaf)] = name
            self.lines.append(f"{name} = _own({gname}, {passed})")

    def _graph_output(self, root):
        """Write the line that makes output `root` a node of the graph at replay: its inputs are the Values its
        recorded graph starts from (parameters, arguments, earlier graphs' nodes), its rule the backward pass from
        it, planned as `_backward` plans one inside a call (the engine's algorithm, run once on the recorded arrays)
        and compiled as a function of the seed and the forward's results it reads. Returns the line's name, or None
        if no Value from outside the call leads to it (only leaves the call made itself: nothing to hand a gradient)."""
        forward_lines, self.lines = self.lines, []
        # Reshaped views of live arrays that this function writes for itself are its own: forgotten after it.
        views = {key for key in self.exprs if key.__class__ is tuple}
        kept = self.node_grads, self.graph_nodes, self.fresh, self.in_place, self.after_relu, self.after_relu_pairs
        self.node_grads, self.graph_nodes, self.fresh, self.in_place, self.graph_leaves = {}, [], set(), [], {}
        self.after_relu, self.after_relu_pairs = {}, []
        try:
            data = root.data
            probe = np.ones_like(data) if isinstance(data, np.ndarray) else data.dtype.type(1)
            try:
                self._backward([root], [np.asarray(probe)], seed_name="S")
            except (ArithmeticError, LookupError, RuntimeError, TypeError, ValueError) as err:
                # A rule that fails on the recorded arrays (a parameter's data replaced by one of another shape):
                # eager mode's backward pass after the call will fail too, and raise then, not in this call.
                raise _unsupported(f"the backward pass from its output fails on the recorded call "
                                   f"({type(err).__name__}: {err}), as eager mode's will after the call") from None
            self._route_after_relu()
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
            self.node_grads, self.graph_nodes, self.fresh, self.in_place, self.after_relu, self.after_relu_pairs = kept
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

    def _route_after_relu(self):
        """Rewrite a pooling's rule `t = R(g, out, x)` followed by ReLU's `u = _relu_backward(t, x)` (x being ReLU's
        output) as one call, `u = R2(g, out, x)` with R2 the pooling's `vjp_after_relu`, where nothing else reads t:
        the routed gradient passes through ReLU at the pooled size, as in the engine's pass (scattered_gradient.py),
        with the bits of the two rules. Runs once the outputs are known (they may read t), before _update_in_place
        (which would have ReLU's rule write into t)."""
        for (index, gname, out_name, x_expr, op, params), relu_index, u in self.after_relu_pairs:
            t = self.lines[index].partition(" = ")[0]
            pattern = re.compile(rf"\b{t}\b")
            if t in self.aside_reads or t in self.asides or any(
                    pattern.search(line) for k, line in enumerate(self.lines) if k not in (index, relu_index)):
                continue
            self.lines[index] = "pass"
            self.lines[relu_index] = (f"{u} = {self.ns.bind('R', op.vjp_after_relu)}({gname}, {out_name}, {x_expr}"
                                      f"{self._kwargs(params)})")
            self.in_place = [entry for entry in self.in_place if entry[0] != relu_index]

    def _update_in_place(self):
        """Rewrite ReLU's rule `t = _relu_backward(g, y)` to write into g where nothing after it reads g: g is
        then an array this program allocated (`fresh`) and only ever reads here. The same numbers, one array
        less per ReLU layer to allocate and fill. Runs once the outputs are known (they may read g)."""
        for index, gname, line in self.in_place:
            pattern = re.compile(rf"\b{gname}\b")
            if gname not in self.aside_reads and not any(pattern.search(later) for later in self.lines[index + 1:]):
                self.lines[index] = line
