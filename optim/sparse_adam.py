"""SparseAdam: Adam that updates only the rows a gradient touches, for embeddings (PyTorch's "lazy Adam")."""

from __future__ import annotations

import math

import numpy as np

from autograd_core.grad_array import looked_up_rows
from autograd_core.value import stored_grad

from .adam import next_step
from .optimizer import Optimizer, beta_pair, flag, learning_rate, nonnegative


class SparseAdam(Optimizer):
    """Adam on the rows of a parameter that this step's gradient touches; the other rows, and their moments, stay as
    they are (PyTorch's SparseAdam, for `nn.Embedding(sparse=True)`: a batch reads a few rows of a large table).

        for the touched rows r:   m[r] ← beta1·m[r] + (1 − beta1)·g[r]
                                  v[r] ← beta2·v[r] + (1 − beta2)·g[r]²
                                  p[r] ← p[r] − lr·√(1 − beta2ᵗ)/(1 − beta1ᵗ) · m[r] / (√v[r] + eps)

    t counts this parameter's steps with a gradient. Gradients here are dense arrays; the gradient of a table looked
    up with sparse=True (`nn.Embedding(sparse=True)`, `F.embedding`, `F.embedding_bag`) also lists the rows looked
    up (`autograd_core.grad_array.LookedUpGradient`), and those are the touched rows, as in PyTorch's sparse
    gradient: a looked-up row whose gradient is exactly 0 has its moments decayed (and moves by what is left of
    them). A gradient without that list (from any other operation, or a looked-up table also used densely) is
    taken as touching the slices along the first dimension that hold a nonzero number (PyTorch refuses dense
    gradients). lr >= 0, betas in [0, 1), eps >= 0; maximize: ascend. No weight decay, as in PyTorch.
    State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, maximize=flag)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, maximize=maximize)

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_avg_sq"}

    _looked_up = None  # the rows the gradient of the parameter being stepped lists (`_step_group`), or None

    def _step_group(self, group, changed):
        # The base loop hands `_update` plain arrays, without the rows a sparse lookup listed: read them here, and
        # step the parameters one by one through that loop.
        try:
            for p in group["params"]:
                g = stored_grad(p)
                self._looked_up = None if g is None else looked_up_rows(g)
                super()._step_group({**group, "params": [p]}, changed)
        finally:
            self._looked_up = None

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps = hp["lr"], hp["betas"], hp["eps"]
        t = next_step(state, p, "exp_avg", "exp_avg_sq")
        if np.ndim(p) == 0:
            raise ValueError("SparseAdam: a 0-d parameter has no rows to update; use Adam")
        rows = self._looked_up
        if rows is None:  # a dense gradient: the rows that hold a nonzero number
            rows = np.flatnonzero(np.any(g.reshape(g.shape[0], -1) != 0, axis=1))
        if rows.size == 0:
            return p
        m, v = state["exp_avg"], state["exp_avg_sq"]             # changed in place, row by row
        gr = g[rows]
        m[rows] += (gr - m[rows]) * (1 - beta1)
        v[rows] += (gr * gr - v[rows]) * (1 - beta2)
        step_size = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        p[rows] -= step_size * (m[rows] / (np.sqrt(v[rows]) + eps))
        return p
