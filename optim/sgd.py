"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from autograd_core.ops import number_like

from .optimizer import (
    _PLAIN_NUMBERS, Optimizer, _as_data_of, _python_number, flag, gradient_and_data, implementation_flags,
    learning_rate, nonnegative, real,
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

    def _check_group(self, group):
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _state_keys(self, group):
        return {"momentum_buffer"} if group["momentum"] != 0 else set()

    def _step_group(self, group, changed):
        """Plain SGD (no momentum, weight decay or maximize, and this class's own `_update`) is p ← p − lr·g for each
        parameter, written out here: the general loop's per-parameter call of `_update` costs more than this update
        does on small parameters. Other settings take the general loop."""
        if type(self)._update is not SGD._update or not _plain(group):
            return super()._step_group(group, changed)
        owner = self._name
        lr, dtype, rate = group["lr"], None, None
        if lr.__class__ not in _PLAIN_NUMBERS:
            lr = _python_number(lr)
        for p in group["params"]:
            g, data = gradient_and_data(p, owner)
            if g is None:
                continue
            if g.dtype is not dtype:
                dtype, rate = g.dtype, number_like(lr, g)  # lr * g without NumPy converting lr at every call
            data -= rate * g
            if data is not p.data:
                p.data = _as_data_of(data, p)
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


def _plain(group):
    return group["momentum"] == 0 and group["weight_decay"] == 0 and not group["maximize"]
