"""Adagrad (Duchi, Hazan and Singer, 2011): per-coordinate steps shrinking with the summed squared gradients."""

from __future__ import annotations

import numpy as np

from autograd_core.sparse_array import SparseArray
from autograd_core.sparse_compressed import CompressedArray

from .optimizer import Optimizer
from .hyperparameter_checks import flag, implementation_flags, learning_rate, nonnegative


class Adagrad(Optimizer):
    """p ← p − lr_t·g / (√s + eps), with s the sum of all squared gradients so far (PyTorch's formulation).

        g   ← ∇f(p) + weight_decay·p
        lr_t = lr / (1 + (t − 1)·lr_decay)           at step t = 1, 2, ...
        s   ← s + g²                                  (s starts at initial_accumulator_value)

    lr, lr_decay, weight_decay, initial_accumulator_value, eps: all >= 0. A sparse gradient
    (`nn.Embedding(sparse=True)`'s) updates only the rows it holds, as PyTorch's (with weight_decay: RuntimeError).
    State per parameter: "step" (t), "sum" (s).
    """

    hyperparameters = dict(lr=learning_rate, lr_decay=nonnegative, eps=nonnegative, weight_decay=nonnegative,
                           initial_accumulator_value=nonnegative, **implementation_flags("foreach"), maximize=flag,
                           **implementation_flags("differentiable", "fused"))

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                         differentiable=differentiable, fused=fused)
        if any(p.data.__class__ is SparseArray for group in self.param_groups for p in group["params"]):
            raise RuntimeError("memory format option is only supported by strided tensors")  # PyTorch's (full_like)
        # Every parameter given here has its state from the start, as PyTorch's (a state dict saved before a step, or
        # after steps that skipped a parameter without a gradient, lists them all); add_param_group's start empty
        for group in self.param_groups:
            for p in group["params"]:
                if p.data.__class__ is CompressedArray:
                    self._refuse_compressed(group, p)  # (PyTorch's full_like of it fails here, at construction)
                self.state[p].update(step=0, sum=_initial_sum(p.data, group["initial_accumulator_value"]))

    def _state_keys(self, group):
        return {"step", "sum"}

    def _refuse_compressed(self, group, p):
        raise RuntimeError("unsupported memory format Preserve")  # PyTorch's (its state's zeros_like fails)

    def _refuse_sparse_gradient(self, group, p):
        """Sparse gradients are taken (see `_update_sparse`), as PyTorch's, but with weight decay or fused."""
        if group["fused"]:
            raise RuntimeError("`fused` does not support sparse grad or complex param")
        if group["weight_decay"] != 0:
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")

    def _update(self, p, g, state, hp):
        if not state:
            state["step"] = 0
            state["sum"] = _initial_sum(p, hp["initial_accumulator_value"])
        state["step"] = t = state["step"] + 1
        if g.__class__ is SparseArray:
            return _update_sparse(p, g, state["sum"], hp["lr"] / (1 + (t - 1) * hp["lr_decay"]), hp["eps"])
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                   # gradient of the L2 penalty
        lr_t = hp["lr"] / (1 + (t - 1) * hp["lr_decay"])     # decayed learning rate
        s = state["sum"]
        s += g * g                                           # sum of squared gradients, in place as PyTorch's
        std = np.sqrt(s)
        std += hp["eps"]
        d = g * lr_t
        d /= std
        p -= d
        return p


def _initial_sum(p, value):
    """The sum s before the first step: value everywhere (value + value·i for a complex parameter, as PyTorch's; the
    update rule sees a complex parameter's real pairs, where that is value in each part), a plain array."""
    dtype = np.result_type(p)
    return np.full(np.shape(p), complex(value, value) if dtype.kind == "c" else value, dtype=dtype)


def _update_sparse(p, g, s, lr_t, eps):
    """PyTorch's Adagrad step for a sparse gradient g: on its coalesced entries only (the update is not linear in g, so
    repeated rows are summed first), s ← s + g², p ← p − lr_t·g / (√s + eps) there."""
    g = g.coalesce()
    rows, values = tuple(g.indices), g.values
    s[rows] += values * values                               # sum of squared gradients, on the rows g holds
    std = np.sqrt(s[rows])
    std += eps
    p[rows] += (values / std) * -lr_t
    return p
