"""What a compiled training step replays for an optimizer's `zero_grad()` and a plain SGD `step()`: routines decided
once, when the step is compiled, instead of the methods, which decide again at every call (autograd_core.jit's
`__replay_effect__` protocol: `Optimizer.__replay_effect__` offers these).

torch.compile traces the optimizer's step into its graph; here the step stays Python, but the decisions eager mode
takes at each call (is a gradient sparse? are there step hooks? is this plain SGD? is each gradient a plain array of its
parameter's shape and dtype?) are taken when the routine is made, for the parameter groups as they are then. Each
replay checks, a few C-level comparisons per call rather than Python per parameter, that what they were taken on still
holds: the parameters of each group (membership, order, the arrays they hold), the class of the optimizer, no step
hooks (the optimizer's own or global ones), no sparse gradient or parameter, each group's momentum, weight_decay and
maximize (momentum switched on mid-training, by hand or by a scheduler), and the class, shape and dtype of each
gradient. Where one does not hold, the routine calls the method itself, which decides as eager mode does: the numbers
are eager mode's in every case, bit for bit. The learning rate is read at each call (a scheduler changes it between
calls), as the method reads it.
"""

from __future__ import annotations

import collections
import functools
import itertools
import operator

import numpy as np

from autograd_core.grad_array import ParameterArray
from autograd_core.inplace import mark_changed
from autograd_core.ops import number_like
from autograd_core.sparse_array import SparseGradients
from autograd_core.value import _GRAD_PROPERTY

from .hooks import _GLOBAL_STEP_POST_HOOKS, _GLOBAL_STEP_PRE_HOOKS
from .optimizer import _PLAIN_NUMBERS, _python_number

_is, _params_of, _lr_of = operator.is_, operator.itemgetter("params"), operator.itemgetter("lr")
_grad_of, _data_of = operator.attrgetter("_grad"), operator.attrgetter("data")
_kind, _writeable = operator.attrgetter("__class__", "shape", "dtype"), operator.attrgetter("flags.writeable")
_chain, _ndarray, _subtract, _multiply = itertools.chain.from_iterable, np.ndarray, np.subtract, np.multiply
_run = functools.partial(collections.deque, maxlen=0)  # consumes an iterator (of calls made for what they do), in C
# The settings for which SGD's update is p ← p − lr·g (each compared with ==, as SGD's step tests them)
_SGD_SETTINGS, _PLAIN_SGD = operator.itemgetter("momentum", "weight_decay", "maximize"), (0, 0, False)


def _layout(optimizer):
    """(parameters, their ids, the sizes of the groups) of `optimizer` now. A routine checks at each call that
    `[*map(id, _chain(map(_params_of, groups)))] == ids and [*map(len, map(_params_of, groups))] == sizes`: the same
    Values in the same order in groups of the same sizes (`add_param_group`, a list of parameters changed in place,
    `load_state_dict`'s new groups are all seen). (The Values are kept alive by the routine: their ids stay theirs.)"""
    lists = [group["params"] for group in optimizer.param_groups]
    params = tuple(itertools.chain.from_iterable(lists))
    return params, [id(p) for p in params], [len(params) for params in lists]


def zero_grad_routine(optimizer, zero_grad):
    """`zero_grad(optimizer)` (set_to_none=True) as a routine: every parameter's gradient set to None, where each
    parameter keeps its gradient in the Value itself (the usual class); else None (the method is called)."""
    params, ids, sizes = _layout(optimizer)
    if not all(p.__class__.grad is _GRAD_PROPERTY for p in params):
        return None
    names, nones = ("_grad",) * len(params), (None,) * len(params)

    def replay_zero_grad():
        groups = optimizer.param_groups
        if [*map(id, _chain(map(_params_of, groups)))] == ids and [*map(len, map(_params_of, groups))] == sizes:
            _run(map(setattr, params, names, nones))  # p._grad = None for each, as zero_grad does (in C)
        else:
            zero_grad(optimizer)

    return replay_zero_grad


def sgd_step_routine(optimizer, step, block_bytes):
    """`step(optimizer)` of plain SGD (momentum, weight decay and maximize off, SGD's own update rule) as a routine:
    p.data -= lr·g for every parameter, in place (a parameter of more than `block_bytes` a block at a time, through a
    scratch block of the routine's own, as sgd.subtract_scaled does it), the parameters marked changed, the step
    counted. It runs the method instead where a parameter lacks a plain gradient of its shape and dtype, or anything
    else the method would decide otherwise (module docstring). None where the groups are not plain SGD's now, or two
    parameters' data are views of one array (they may overlap: stepped one after the other, by the method)."""
    params, ids, sizes = _layout(optimizer)
    datas = [p.data for p in params]
    if (not params or any(_SGD_SETTINGS(group) != _PLAIN_SGD for group in optimizer.param_groups)
            or not all(p.__class__.grad is _GRAD_PROPERTY and d.__class__ in (_ndarray, ParameterArray) and d.ndim
                       for p, d in zip(params, datas))
            or len({id(_memory_of(d)) for d in datas}) != len(datas)):
        return None
    cls, own = optimizer.__class__, optimizer.__dict__
    data_ids, kinds = [id(d) for d in datas], [(_ndarray, d.shape, d.dtype) for d in datas]
    plain = [_PLAIN_SGD] * len(sizes)
    small = [k for k, d in enumerate(datas) if d.nbytes <= block_bytes]  # updated by one ufunc call each, in C
    large = [_Blocks(datas[k], k, block_bytes) for k in range(len(datas)) if k not in small]
    small_datas, take_small = [datas[k] for k in small], _taker(small)
    rates = _Rates(datas, [k for k, size in enumerate(sizes) for _ in range(size)], small, len(sizes))

    def replay_step():
        groups = optimizer.param_groups
        if (optimizer.__class__ is not cls or _GLOBAL_STEP_PRE_HOOKS or _GLOBAL_STEP_POST_HOOKS
                or own["_optimizer_step_pre_hooks"] or own["_optimizer_step_post_hooks"] or SparseGradients.stored
                or optimizer._compressed_params or optimizer._sparse_params
                or [*map(id, _chain(map(_params_of, groups)))] != ids or [*map(len, map(_params_of, groups))] != sizes
                or [*map(_SGD_SETTINGS, groups)] != plain):
            return step(optimizer)
        grads = [*map(_grad_of, params)]
        try:
            kind = [*map(_kind, grads)]  # (AttributeError: a gradient is None)
        except AttributeError:
            return step(optimizer)
        if kind != kinds or [*map(id, map(_data_of, params))] != data_ids or not all(map(_writeable, datas)):
            return step(optimizer)  # (a gradient of another class, shape or dtype, new data: the method's cases)
        lrs = [*map(_lr_of, groups)]
        if not all(map(_is, lrs, rates.lrs)):
            rates.make(lrs)
        _run(map(_subtract, small_datas, map(_multiply, rates.small, take_small(grads)), small_datas))  # -= rate*g
        for blocks in large:
            blocks.subtract(rates.each[blocks.k], grads[blocks.k])
        mark_changed(*params)
        optimizer._step_count += 1

    return replay_step


class _Blocks:
    """`data -= rate * g` for the data of parameter k (more than a block), a block at a time through a scratch block of
    its own (sgd.subtract_scaled's way, for the W2 MLP's 784×256 weight: the product stays in the cache), with the
    views of data and scratch made once."""

    __slots__ = ("data", "k", "blocks", "slices", "scratches")

    def __init__(self, data, k, block_bytes):
        self.data, self.k = data, k
        step, flat, size = block_bytes // data.itemsize, data.reshape(-1), data.size
        scratch = np.empty(step, data.dtype)
        self.slices = [slice(start, min(start + step, size)) for start in range(0, size, step)]
        self.blocks = [flat[s] for s in self.slices]
        self.scratches = [scratch[:s.stop - s.start] for s in self.slices]

    def subtract(self, rate, g):
        data = self.data
        if not (data.flags.c_contiguous and g.flags.c_contiguous) or np.may_share_memory(data, g):
            data -= rate * g  # (memory shared with g: the whole product first, as the line reads)
            return
        blocks = self.blocks
        _run(map(_subtract, blocks, map(_multiply, map(g.reshape(-1).__getitem__, self.slices),
                                         itertools.repeat(rate), self.scratches), blocks))


class _Rates:
    """The rates of an SGD routine's parameters for the learning rates `lrs` of their groups: `each` parameter's
    and the `small` ones', as SGD's step makes them (lr as a 0-d array of the parameter's dtype: `number_like`)."""

    __slots__ = ("lrs", "stale", "each", "small", "datas", "group_of", "small_indices")

    def __init__(self, datas, group_of, small, groups):
        self.datas, self.group_of, self.small_indices = datas, group_of, small
        self.lrs = self.stale = [_STALE] * groups  # (compared by identity: no learning rate is one of these)

    def make(self, lrs):
        plain = [lr if lr.__class__ in _PLAIN_NUMBERS else _python_number(lr) for lr in lrs]
        self.each = [number_like(plain[self.group_of[k]], d) for k, d in enumerate(self.datas)]
        self.small = [self.each[k] for k in self.small_indices]
        # Plain numbers are compared by identity at the next call; a Tensor lr may change in place: made again
        self.lrs = lrs if all(lr.__class__ in _PLAIN_NUMBERS for lr in lrs) else self.stale


_STALE = object()


def _memory_of(array):
    """The array that owns `array`'s memory (parameters whose data are views of one array may overlap)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _taker(indices):
    """A function of a list giving its items at `indices` (a tuple: C-level for several)."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)
    if indices:
        return lambda items, k=indices[0]: (items[k],)
    return lambda items: ()
