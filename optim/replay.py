"""What a compiled training step replays for an optimizer's `zero_grad()` and a plain SGD `step()`: routines decided
once, when the step is compiled, instead of the methods, which decide again at every call (autograd_core.jit's
`__replay_effect__` protocol: `Optimizer.__replay_effect__` offers these).

torch.compile traces the optimizer's step into its graph; here the step stays Python, but the decisions eager mode takes
at each call (is a gradient sparse? are there step hooks? is this plain SGD? is each gradient a plain array of its
parameter's shape and dtype?) are taken when the routine is made, for the parameter groups as they are then, and the
routine is written out for them as straight-line Python (one line per parameter, no loop, no call per parameter: its
text is the routine's `source`). Each call first checks that what they were taken on still holds: the optimizer's class,
no step hooks (its own or global ones), no sparse gradient or parameter, the parameter groups (the same list, groups,
lists of parameters, parameters, in the same order: `add_param_group`, a list of parameters changed in place,
`load_state_dict`'s new groups are all seen), each group's momentum, weight_decay and maximize (momentum switched on
mid-training, by hand or by a scheduler), each parameter's data (the same array, writable) and gradient (a plain array
of the data's shape and dtype). Where one does not hold, the routine calls the method itself, which decides as eager
mode does: the numbers are eager mode's in every case, bit for bit. The learning rate is read at each call (a scheduler
changes it between calls), as the method reads it.
"""

from __future__ import annotations

import builtins

import numpy as np

from autograd_core.grad_array import ParameterArray
from autograd_core.version_counter import mark_changed
from autograd_core.ops import number_like
from autograd_core.sparse_array import SparseGradients
from autograd_core.value import _GRAD_PROPERTY

from .hooks import _GLOBAL_STEP_POST_HOOKS, _GLOBAL_STEP_PRE_HOOKS
from .parameter_data import _PLAIN_NUMBERS, _python_number


def zero_grad_routine(optimizer, zero_grad):
    """`zero_grad(optimizer)` (set_to_none=True) as a routine: `P3._grad = None` for each parameter, where each keeps
    its gradient in the Value itself (the usual class); else None (the method is called)."""
    names, groups_changed = _layout(optimizer)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if not all(p.__class__.grad is _GRAD_PROPERTY for p in params):
        return None
    names.update(ZERO_GRAD=zero_grad, O=optimizer)
    body = [f"if {groups_changed}:", "    return ZERO_GRAD(O)"] + [f"P{k}._grad = None" for k in range(len(params))]
    return _function("replay_zero_grad", body, names)


def sgd_step_routine(optimizer, step, blocked_from, block_bytes):
    """`step(optimizer)` of plain SGD (momentum, weight decay and maximize off, SGD's own update rule) as a routine:
    `a = N3; a -= R[3] * g3` for each parameter (N3 a plain ndarray view of its data A3, gradient g3, R[3] the rate of
    its group's lr as SGD's step makes it: `number_like`), a parameter of `blocked_from` bytes or more `block_bytes` at
    a time (`_Blocks`, as sgd.subtract_scaled does it), the parameters marked changed at once, the step counted. None
    where the groups are not plain SGD's now, or two parameters' data are views of one array (they may overlap: stepped
    one after the other, by the method)."""
    names, groups_changed = _layout(optimizer)
    groups = optimizer.param_groups
    params = [p for group in groups for p in group["params"]]
    datas = [p.data for p in params]
    if (not params or any(g["momentum"] != 0 or g["weight_decay"] != 0 or g["maximize"] for g in groups)
            or not all(p.__class__.grad is _GRAD_PROPERTY and d.__class__ in (np.ndarray, ParameterArray) and d.ndim
                       for p, d in zip(params, datas))
            or len({id(_memory_of(d)) for d in datas}) != len(datas)):
        return None
    group_of = [k for k, group in enumerate(groups) for _ in group["params"]]
    rates = _Rates(datas, group_of, len(groups))
    names.update(STEP=step, O=optimizer, CLS=optimizer.__class__, OWN=optimizer.__dict__, SPARSE=SparseGradients,
                 PRE=_GLOBAL_STEP_PRE_HOOKS, POST=_GLOBAL_STEP_POST_HOOKS, ND=np.ndarray, RATES=rates,
                 MARK=mark_changed)
    settings = "".join(f" or G{j}['momentum'] != 0 or G{j}['weight_decay'] != 0 or G{j}['maximize']"
                       for j in range(len(groups)))  # (the method's own tests)
    body = [f"if (O.__class__ is not CLS or PRE or POST or OWN['_optimizer_step_pre_hooks'] or "
            f"OWN['_optimizer_step_post_hooks'] or SPARSE.stored or O._compressed_params or O._sparse_params or "
            f"{groups_changed}{settings}):", "    return STEP(O)"]
    checks = []
    for k, data in enumerate(datas):
        names[f"A{k}"], names[f"S{k}"], names[f"T{k}"] = data, data.shape, data.dtype
        names[f"N{k}"] = np.asarray(data)  # the update's: a plain view (parameter_data.py's _SUBCLASSED_DATA)
        body.append(f"g{k} = P{k}._grad")
        checks.append(f"g{k}.__class__ is not ND or g{k}.shape != S{k} or g{k}.dtype is not T{k} or P{k}.data is not "
                      f"A{k} or not A{k}.flags.writeable")
    body += [f"if {' or '.join(checks)}:", "    return STEP(O)",  # (a gradient missing, of another shape or dtype,
             # new data: the method's cases)
             f"if {' or '.join(f'G{j}[{chr(39)}lr{chr(39)}] is not RATES.lrs[{j}]' for j in range(len(groups)))}:",
             f"    RATES.make([{', '.join(f'G{j}[{chr(39)}lr{chr(39)}]' for j in range(len(groups)))}])",
             "R = RATES.each"]
    for k, data in enumerate(datas):
        if data.nbytes < blocked_from:
            body.append(f"a = N{k}; a -= R[{k}] * g{k}")  # (SGD's line, in place)
        else:
            names[f"B{k}"] = _Blocks(np.asarray(data), block_bytes).subtract
            body.append(f"B{k}(R[{k}], g{k})")
    body += [f"MARK({', '.join(f'P{k}' for k in range(len(params)))})", "O._step_count += 1"]
    return _function("replay_step", body, names)


def _layout(optimizer):
    """The names of an optimizer's parameter groups as they are now (the list GL, groups G0..., their lists of
    parameters L0..., parameters P0... in order) and the test that they have changed since, as Python source."""
    names = {"GL": optimizer.param_groups}
    tests = [f"O.param_groups is not GL or len(GL) != {len(optimizer.param_groups)}"]
    k = 0
    for j, group in enumerate(optimizer.param_groups):
        names[f"G{j}"], names[f"L{j}"] = group, group["params"]
        tests.append(f"GL[{j}] is not G{j} or G{j}['params'] is not L{j} or len(L{j}) != {len(group['params'])}")
        for i, p in enumerate(group["params"]):
            names[f"P{k}"] = p
            tests.append(f"L{j}[{i}] is not P{k}")
            k += 1
    return names, " or ".join(tests)


def _function(name, body, names):
    """The function `name` of no arguments running the lines `body`, its globals `names` (its source: `.source`)."""
    source = f"def {name}():\n" + "".join(f"    {line}\n" for line in body)
    exec(builtins.compile(source, f"<optimizer routine {name}>", "exec"), names)  # our own generated text
    function = names[name]
    function.source = source
    return function


class _Blocks:
    """`data -= rate * g` for a large parameter's data, a block at a time through a scratch block of its own
    (sgd.subtract_scaled's way: no temporary of the parameter's size), with the views of data and scratch made once.
    The same numbers as the line (each element rate·g rounded to the dtype, subtracted)."""

    __slots__ = ("data", "blocks")

    def __init__(self, data, block_bytes):
        self.data = data
        step, flat, size = block_bytes // data.itemsize, data.reshape(-1), data.size
        scratch = np.empty(step, data.dtype)
        self.blocks = [(flat[start:start + step], slice(start, start + step), scratch[:min(step, size - start)])
                       for start in range(0, size, step)]

    def subtract(self, rate, g):
        data = self.data
        if not (data.flags.c_contiguous and g.flags.c_contiguous) or np.may_share_memory(data, g):
            data -= rate * g  # (memory shared with g: the whole product first, as the line reads)
            return
        flat_g, multiply, subtract = g.reshape(-1), np.multiply, np.subtract
        for block, where, scratch in self.blocks:
            subtract(block, multiply(flat_g[where], rate, scratch), block)


class _Rates:
    """The rates of an SGD routine's parameters (`each`) for the learning rates `lrs` of their groups, as SGD's step
    makes them (lr as a 0-d array of the parameter's dtype: `number_like`)."""

    __slots__ = ("lrs", "stale", "each", "datas", "group_of")

    def __init__(self, datas, group_of, groups):
        self.datas, self.group_of = datas, group_of
        self.lrs = self.stale = [_STALE] * groups  # (compared by identity: no learning rate is one of these)

    def make(self, lrs):
        plain = [lr if lr.__class__ in _PLAIN_NUMBERS else _python_number(lr) for lr in lrs]
        self.each = [number_like(plain[self.group_of[k]], d) for k, d in enumerate(self.datas)]
        # Plain numbers are compared by identity at the next call; a Tensor lr may change in place: made again
        self.lrs = lrs if all(lr.__class__ in _PLAIN_NUMBERS for lr in lrs) else self.stale


_STALE = object()


def _memory_of(array):
    """The array that owns `array`'s memory (parameters whose data are views of one array may overlap)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array
