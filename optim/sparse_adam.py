"""SparseAdam: Adam that updates only the rows a sparse gradient holds, for embeddings (PyTorch's "lazy Adam")."""

from __future__ import annotations

import math

import numpy as np
from autograd_core.sparse_array import SparseArray

from .adam import next_step
from .optimizer import Optimizer
from .hyperparameter_checks import beta_pair, flag, learning_rate, nonnegative
from .parameter_data import sparse_gradient


class SparseAdam(Optimizer):
    """Adam on the rows of a parameter that this step's sparse gradient holds; the other rows, and their moments, stay
    as they are (PyTorch's SparseAdam, for `nn.Embedding(sparse=True)`: a batch reads a few rows of a large table).

        g ← the gradient coalesced (repeated rows summed), for the rows r it holds:
                                  m[r] ← beta1·m[r] + (1 − beta1)·g[r]
                                  v[r] ← beta2·v[r] + (1 − beta2)·g[r]²
                                  p[r] ← p[r] − lr·√(1 − beta2ᵗ)/(1 − beta1ᵗ) · m[r] / (√v[r] + eps)

    t counts this parameter's steps with a gradient. Every gradient must be sparse (a dense one is PyTorch's
    RuntimeError, raised before the group's parameters change): a row the gradient holds with value 0 still has its
    moments decayed and moves by what is left of them. lr >= 0, betas in [0, 1), eps >= 0; maximize: ascend. No
    weight decay, as in PyTorch. State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v), dense.
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, maximize=flag)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, maximize=maximize)
        complex_params = [[i, j] for i, group in enumerate(self.param_groups) for j, p in enumerate(group["params"])
                          if p.is_complex()]
        sparse_params = [[i, j] for i, group in enumerate(self.param_groups) for j, p in enumerate(group["params"])
                         if p.data.__class__ is SparseArray]
        if sparse_params:  # PyTorch's error and words (a sparse COO parameter: nn.Parameter(sparse))
            raise ValueError(f"Sparse params at indices {sparse_params}: SparseAdam requires dense parameter tensors")
        if complex_params:  # PyTorch's error and words
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not support complex "
                             "parameters")

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_avg_sq"}

    def _refuse_sparse_gradient(self, group, p):
        pass  # sparse gradients are what it takes

    def _refuse_compressed(self, group, p):
        raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")  # PyTorch's

    def _step_group(self, group, changed):
        for p in group["params"]:
            if p.grad is not None and sparse_gradient(p) is None:
                raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        super()._step_group(group, changed)

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps = hp["lr"], hp["betas"], hp["eps"]
        t = next_step(state, p, "exp_avg", "exp_avg_sq")
        g = g.coalesce()                                   # the update is not linear in g: each row once
        rows, values = tuple(g.indices), g.values
        m, v = state["exp_avg"], state["exp_avg_sq"]       # changed in place, on g's rows
        # old + (1 − b)·(new − old), PyTorch's way round, each moment's update kept for the step below
        m_old, v_old = m[rows], v[rows]
        m_update = (values - m_old) * (1 - beta1)
        v_update = (values * values - v_old) * (1 - beta2)
        m[rows] += m_update
        v[rows] += v_update
        step_size = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        p[rows] += -step_size * ((m_update + m_old) / (np.sqrt(v_update + v_old) + eps))
        return p
