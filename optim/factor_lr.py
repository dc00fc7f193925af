"""Schedules that multiply the current learning rate by a factor at each step: ConstantLR (a warm-up at a
fraction of the lr), PolynomialLR (a polynomial decay to 0) and MultiplicativeLR (a factor from a function).

Like PyTorch's, each step multiplies the lr the optimizer has now, so these compose with other changes to it
(ChainedScheduler); `step(epoch)` with an epoch uses the closed form from base_lrs instead.
"""

from __future__ import annotations

import numbers

from .lr_scheduler import LRScheduler, _check_positive_int, _PerGroupLambdas, _warn_get_lr_called_within_step
from .hyperparameter_checks import check_number


def _check_nonnegative_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{owner}: {name} must be an integer >= 0, got {value!r}")


class ConstantLR(LRScheduler):
    """lr_epoch = base_lr·factor for epoch < total_iters, then base_lr: the lr is multiplied by `factor` at
    epoch 0 and divided by it at epoch total_iters.

    factor in [0, 1] (default 1/3; 0 stops training until the division, which then fails, as in PyTorch);
    total_iters: an integer >= 0 (default 5).
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        check_number("ConstantLR", "factor", factor)
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        _check_nonnegative_int("ConstantLR", "total_iters", total_iters)
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]      # the warm-up ends

    def _get_closed_form_lr(self):
        factor = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base_lr * factor for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """A polynomial decay to 0 over total_iters epochs, then 0:

        lr_epoch = base_lr·(1 − min(epoch, total_iters)/total_iters)^power

    applied, like PyTorch, as the ratio of consecutive terms to the current lr (so it composes).
    total_iters: a positive integer (default 5); power: a real number (default 1.0, a linear decay).
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        _check_positive_int("PolynomialLR", "total_iters", total_iters)
        check_number("PolynomialLR", "power", power)
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        t, n = self.last_epoch, self.total_iters
        if self._is_initial or t > n:
            return self._current_lrs()
        ratio = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power     # term(t) / term(t − 1)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        n = self.total_iters
        return [base_lr * (1.0 - min(n, self.last_epoch) / n) ** self.power for base_lr in self.base_lrs]


class MultiplicativeLR(_PerGroupLambdas, LRScheduler):
    """lr ← lr·lr_lambda(epoch) at each step after the first (epoch = 1, 2, ...): lr_epoch =
    base_lr·∏ lr_lambda(k) for k = 1..epoch. lr_lambda: one function for all groups or a list of one per group.

    state_dict() saves the attributes of callable objects, but not functions or lambdas (re-create
    those in code, then load).
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self._set_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return self._current_lrs()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._current_lrs())]
