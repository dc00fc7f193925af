"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

import threading

import numpy as np

from autograd_core.ops import number_like
from autograd_core.sparse_array import SparseArray, SparseGradients, add_to_dense
from autograd_core.sparse_compressed import BACKEND, CompressedArray
from autograd_core.grad_array import ParameterArray
from autograd_core.value import _GRAD_PROPERTY, Value

from .replay import sgd_step_routine
from .optimizer import _STEP, Optimizer
from .hyperparameter_checks import flag, implementation_flags, learning_rate, nonnegative, real
from .parameter_data import (
    _PLAIN_NUMBERS, _SUBCLASSED_DATA, _as_data_of, _python_number, gradient_and_data, sparse_gradient,
)


class SGD(Optimizer):
    """p ← p − lr·d, where d is the gradient, or a velocity built from it (PyTorch's formulation).

        g ← ∇f(p) + weight_decay·p
        b ← g                                   on the first step
        b ← momentum·b + (1 − dampening)·g      afterwards
        d ← g + momentum·b  (Nesterov)   or   d ← b   (momentum)   or   d ← g   (momentum = 0)

    This is Sutskever et al.'s momentum with the learning rate moved outside the velocity, so that
    changing lr mid-training does not rescale the stored velocity.

    lr >= 0, momentum >= 0, dampening (a real number), weight_decay >= 0 (an L2 penalty
    weight_decay/2·‖p‖² folded into the gradient); nesterov needs momentum > 0 and dampening = 0.
    maximize: ascend instead (the gradient's sign flips).
    State per parameter: "momentum_buffer" (b), when momentum != 0.
    """

    hyperparameters = dict(lr=learning_rate, momentum=nonnegative, dampening=real, weight_decay=nonnegative,
                           nesterov=flag, maximize=flag, **implementation_flags("foreach", "differentiable", "fused"))

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                         fused=fused)

    _sparse_params = False  # True once a group holds a sparse COO parameter: only then does step look for one

    def _check_group(self, group):
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )
        if any(_sparse_layout(p) for p in group.get("params", ())):
            self._sparse_params = True

    def _complex_update(self, update):
        return update  # linear in g: complex arithmetic is stepping the real pairs (PyTorch's SGD takes it so)

    def _state_keys(self, group):
        return {"momentum_buffer"} if group["momentum"] != 0 else set()

    def _step_group(self, group, changed):
        """Plain SGD (no momentum, weight decay or maximize, and this class's own `_update`) is p ← p − lr·g for each
        parameter, written out here: the general loop's per-parameter call of `_update` costs more than this update
        does on small parameters. Other settings take the general loop; sparse COO parameters, `_step_sparse`."""
        if (self._sparse_params and any(_sparse_layout(p) for p in group["params"])) or SparseGradients.stored:
            sparse = [p for p in group["params"] if _sparse_layout(p) or sparse_gradient(p) is not None]
            if sparse:
                self._step_sparse(group, sparse, changed)
                taken = set(sparse)
                group = dict(group, params=[p for p in group["params"] if p not in taken])  # dense, below
        if type(self)._update is not SGD._update or group["momentum"] != 0 or group["weight_decay"] != 0 \
                or group["maximize"]:  # (no helper call: a compiled replay pays for each)
            return super()._step_group(group, changed)
        lr, dtype, rate = group["lr"], None, None
        if lr.__class__ not in _PLAIN_NUMBERS:
            lr = _python_number(lr)
        for p in group["params"]:
            # The common case (a plain gradient array of the data's shape and dtype, data an array: what
            # gradient_and_data returns as they are when the data is writable) is read here without a Python call per
            # parameter, and a parameter of at most a block is updated in place on this line: the calls cost more than
            # a small parameter's update (W2's step: BENCHMARKS.md "Stop 62").
            g = p._grad if p.__class__.grad is _GRAD_PROPERTY else _OTHER
            data = p.data
            if g is None:
                continue
            usual = (g.__class__ is _ndarray and g.shape == data.shape and g.dtype is data.dtype and g.ndim
                     and (data.__class__ is _parameter_array or data.__class__ is _ndarray))
            if usual:
                if g.dtype is not dtype:
                    dtype, rate = g.dtype, number_like(lr, g)
                # (a plain view: see _SUBCLASSED_DATA; ndarray.view, ~400 instructions less than np.asarray)
                plain = _view(data, _ndarray) if data.__class__ is _parameter_array else data
                try:  # read-only data refuses before anything is written: instead of reading its flags each step
                    if plain.nbytes < _BLOCKED_FROM:
                        plain -= rate * g  # subtract_scaled's own line for a parameter under _BLOCKED_FROM
                    else:
                        subtract_scaled(plain, rate, g)
                except ValueError:
                    if plain.flags.writeable:
                        raise
                else:
                    changed.append(p)
                    continue
            g, data = gradient_and_data(p, self._name)  # GradArray views, other dtypes, Values, read-only data ...
            if g is None:
                continue
            if g.dtype is not dtype:
                dtype, rate = g.dtype, number_like(lr, g)  # lr * g without NumPy converting lr at every call
            plain = np.asarray(data) if data.__class__ in _SUBCLASSED_DATA else data  # (see _SUBCLASSED_DATA)
            plain = subtract_scaled(plain, rate, g)  # (the rarer parameters: the call costs nothing that matters)
            if data is not p.data or plain.__class__ is not _ndarray:  # a private copy, or a 0-d NumPy scalar's new
                p.data = _as_data_of(plain, p)  # value (n-d data, the usual case's, change in place)
            changed.append(p)

    def __replay_effect__(self, method, args, kwargs):
        """A compiled step's routine for `step()` (autograd_core.jit's protocol): plain SGD's update decided once
        (optim/replay.py), for this class's own step and update rule; zero_grad's, as any optimizer's."""
        cls = type(self)
        if method is _STEP and not args and not kwargs and cls._step_group is SGD._step_group \
                and cls._update is SGD._update:
            return sgd_step_routine(self, method, _BLOCKED_FROM, _BLOCK_BYTES)
        return super().__replay_effect__(method, args, kwargs)

    def _refuse_sparse_gradient(self, group, p):
        """Sparse gradients are taken (`_step_sparse`), as PyTorch's, but with fused, or weight decay on a dense
        parameter (PyTorch's sparse gradient + dense parameter fails)."""
        if group["fused"]:
            raise RuntimeError("`_fused_sgd` does not support sparse gradients")
        if group["weight_decay"] != 0 and not _sparse_layout(p):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")

    def _refuse_compressed(self, group, p):
        pass  # stepped by `_step_sparse`, which checks the gradient's layout

    _refuse_dense_gradient_of_sparse = _refuse_compressed

    def _step_sparse(self, group, params, changed):
        """The update of each parameter of `params` that has a gradient: sparse COO parameters (with sparse
        gradients), compressed ones (CSR, ...: with gradients of their layout), and dense ones with sparse gradients
        (`nn.Embedding(sparse=True)`'s weight), as PyTorch's SGD makes it with sparse tensors: the same formulas on
        sparse arrays, whose sums hold the entries of both terms, and p.add_(d, alpha=-lr) at the end (a COO
        parameter's coalesced here, so that its pattern does not grow step after step; a dense one's changed in place
        on d's entries)."""
        hp = {k: v if v.__class__ in _PLAIN_NUMBERS else _python_number(v) for k, v in group.items() if k != "params"}
        gradients = [(p, _data(p.grad)) for p in params if p.grad is not None]
        for p, g in gradients:  # checked before any parameter changes
            if p.is_sparse and g.__class__ is not SparseArray:  # (a dense gradient: torch.mm's, @'s)
                raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")  # PyTorch's
            if p.data.__class__ is CompressedArray and g.__class__ is not CompressedArray:  # (PyTorch's words)
                raise RuntimeError(f"Sparse {BACKEND[p.data.layout][len('Sparse'):].upper()} tensors do not have "
                                   "is_contiguous")
            self._refuse_sparse_gradient(group, p)
        for p, g in gradients:
            if hp["maximize"]:
                g = g * -1
            if hp["weight_decay"] != 0:
                g = g + hp["weight_decay"] * p.data              # gradient of the L2 penalty
            momentum = hp["momentum"]
            if momentum != 0:
                b = self.state.setdefault(p, {}).get("momentum_buffer")
                b = g if b is None else momentum * b + (1 - hp["dampening"]) * g  # (sparse arrays never change)
                self.state[p]["momentum_buffer"] = b
                g = g + momentum * b if hp["nesterov"] else b
            if p.is_sparse:
                p.data = (p.data + (-hp["lr"]) * g).coalesce()
            elif p.data.__class__ is CompressedArray:
                p.data = p.data + (-hp["lr"]) * g
            else:
                add_to_dense(p.data, g, -hp["lr"])
            changed.append(p)

    def _update(self, p, g, state, hp):
        lr, momentum, dampening = hp["lr"], hp["momentum"], hp["dampening"]
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                   # gradient of the L2 penalty
        if momentum != 0:
            b = state.get("momentum_buffer")
            if b is None:
                b = g.copy()                                 # the velocity starts at the first gradient
            else:
                b = momentum * b + (1 - dampening) * g       # velocity: a running sum of gradients
            state["momentum_buffer"] = b
            g = g + momentum * b if hp["nesterov"] else b    # Nesterov looks one velocity step ahead
        p -= number_like(lr, g) * g  # lr * g, without NumPy converting the Python number at every call
        return p


def subtract_scaled(data, rate, g):
    """`data -= rate * g`, returned (data, g: NumPy data of one shape and dtype; rate: a number or 0-d array): the
    same numbers as that line, in place for an array (a NumPy scalar gives a new one). For a parameter of
    `_BLOCKED_FROM` bytes or more the product is made a block of `_BLOCK_BYTES` at a time in a scratch array of this
    thread, instead of in a temporary of the parameter's size, which would double the update's memory and, beyond
    glibc's mmap threshold, be mapped afresh and page-faulted in at every step. Each element is still rate·g rounded
    to g's dtype, then subtracted from data."""
    if (data.nbytes < _BLOCKED_FROM or g.dtype is not data.dtype or not data.flags.c_contiguous
            or not g.flags.c_contiguous or np.may_share_memory(data, g)):
        data -= rate * g  # (memory shared with g: the whole product first, as the line reads)
        return data
    scratch = _scratch(g.dtype)
    flat_data, flat_g = data.reshape(-1), g.reshape(-1)
    size, step = flat_data.shape[0], scratch.shape[0]  # (a parameter's `size` is PyTorch's, a Python property)
    multiply, subtract = np.multiply, np.subtract
    for start in range(0, size, step):
        stop = start + step
        if stop > size:
            stop, scratch = size, scratch[:size - start]
        block = flat_data[start:stop]
        subtract(block, multiply(flat_g[start:stop], rate, scratch), block)
    return data


_BLOCK_BYTES = 256 << 10  # the scratch block (64K float32 elements), with the blocks of data and g, fits in L2
# A parameter under _BLOCKED_FROM takes the one line: each block costs a turn of a Python loop (a few µs), and on an
# AMD EPYC (Zen 4: 1 MiB L2, 32 MiB L3) the whole product was the faster up to ~16 MiB, where the two met
# (`bench/bench_sgd_update.py`: 784×256 float32 77 against 116 µs; 4 MiB 0.41 against 0.51 ms; 16 MiB 2.20 against
# 2.15; 64 MiB 16.8 against 10.3, the temporary's page faults). Stop 61 blocked from 256 KiB for the cache misses it
# saved on an Intel Xeon (2 MiB L2), where the eager W2 step timed the same either way (BENCHMARKS.md "Stop 70").
_BLOCKED_FROM = 16 << 20
_SCRATCH = threading.local()  # per thread (two optimizers may step at once): {dtype: scratch array}


def _scratch(dtype):
    blocks = getattr(_SCRATCH, "blocks", None)
    if blocks is None:
        blocks = _SCRATCH.blocks = {}
    scratch = blocks.get(dtype)
    if scratch is None:
        scratch = blocks[dtype] = np.empty(_BLOCK_BYTES // dtype.itemsize, dtype)
    return scratch


_ndarray, _parameter_array, _view = np.ndarray, ParameterArray, np.ndarray.view
_OTHER = object()  # the gradient of a Value class that keeps it elsewhere (element.py's): read by gradient_and_data


def _sparse_layout(p):
    """Whether parameter p is sparse: COO, or compressed (CSR, CSC, BSR, BSC)."""
    return p.is_sparse or p.data.__class__ is CompressedArray


def _data(g):
    return g.data if isinstance(g, Value) else g  # (a sparse gradient reads as a sparse tensor: its SparseArray)

