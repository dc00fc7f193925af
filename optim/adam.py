"""Adam and its relatives: AdamW (decoupled weight decay) and Adamax (infinity norm)."""

from __future__ import annotations

import numpy as np

from autograd_core import Value

from .optimizer import Optimizer, beta_pair, flag, implementation_flags, learning_rate, nonnegative


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): steps of size ~lr along the bias-corrected ratio m̂ / √v̂.

        g ← ∇f(p) + weight_decay·p                   (AdamW instead shrinks p: p ← p·(1 − lr·weight_decay))
        m ← beta1·m + (1 − beta1)·g                   (m, v start at 0; t = 1, 2, ...)
        v ← beta2·v + (1 − beta2)·g²
        amsgrad: v_max ← max(v_max, v) and v_max replaces v below (Reddi et al., 2018)
        p ← p − lr·m̂ / (√v̂ + eps),   m̂ = m / (1 − beta1ᵗ),   v̂ = v / (1 − beta2ᵗ)

    lr >= 0, betas = (beta1, beta2) in [0, 1), eps >= 0, weight_decay >= 0; decoupled_weight_decay=True is AdamW's
    decay (a hyper-parameter of each group, as in PyTorch).
    State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (amsgrad only).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, weight_decay=nonnegative, amsgrad=flag,
                           maximize=flag, **implementation_flags("foreach", "capturable", "differentiable", "fused"),
                           decoupled_weight_decay=flag)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=decoupled_weight_decay)

    def _check_group(self, group):
        if isinstance(group["lr"], Value) and group["foreach"] and not group["capturable"]:
            raise ValueError(f"{self._name}: lr as a Tensor is not supported for capturable=False and foreach=True")

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_avg_sq"} | ({"max_exp_avg_sq"} if group["amsgrad"] else set())

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps, weight_decay = hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if hp["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] = t = state["step"] + 1
        if weight_decay != 0:
            if hp["decoupled_weight_decay"]:
                p *= 1 - lr * weight_decay                   # AdamW: decay the weights themselves
            else:
                g = g + weight_decay * p                     # Adam: gradient of the L2 penalty
        m = beta1 * state["exp_avg"] + (1 - beta1) * g       # first moment
        v = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g    # second moment
        state["exp_avg"], state["exp_avg_sq"] = m, v
        if hp["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v)       # largest second moment so far
            state["max_exp_avg_sq"] = v
        m_hat = m / (1 - beta1**t)                           # bias corrections: m, v started at 0
        v_hat = v / (1 - beta2**t)
        p -= lr * m_hat / (np.sqrt(v_hat) + eps)
        return p


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay.

    The weights shrink by the factor (1 − lr·weight_decay) before the Adam step, instead of
    weight_decay·p entering the gradient (where Adam's normalisation would rescale it). Default
    weight_decay = 1e-2; everything else as `Adam`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2015, section 7.1): Adam with the infinity norm in place of √v.

        g ← ∇f(p) + weight_decay·p
        m ← beta1·m + (1 − beta1)·g                   (m, u start at 0; t = 1, 2, ...)
        u ← max(beta2·u, |g| + eps)                   (PyTorch adds eps here, so u > 0 from step 1)
        p ← p − lr / (1 − beta1ᵗ) · m / u

    lr >= 0, betas = (beta1, beta2) in [0, 1), eps >= 0, weight_decay >= 0.
    State per parameter: "step" (t), "exp_avg" (m), "exp_inf" (u).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, weight_decay=nonnegative,
                           **implementation_flags("foreach"), maximize=flag,
                           **implementation_flags("differentiable", "capturable"))

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                         maximize=maximize, differentiable=differentiable, capturable=capturable)

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_inf"}

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps = hp["lr"], hp["betas"], hp["eps"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_inf"] = np.zeros_like(p)
        state["step"] = t = state["step"] + 1
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                        # gradient of the L2 penalty
        m = beta1 * state["exp_avg"] + (1 - beta1) * g            # first moment
        u = np.maximum(beta2 * state["exp_inf"], np.abs(g) + eps)  # exponentially weighted infinity norm
        state["exp_avg"], state["exp_inf"] = m, u
        p -= lr / (1 - beta1**t) * m / u                          # only m needs a bias correction
        return p
