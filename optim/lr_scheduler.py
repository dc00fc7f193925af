"""Learning-rate schedules: StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR (PyTorch semantics).

A scheduler rewrites `group["lr"]` of its optimizer's parameter groups. Call `scheduler.step()` once per
epoch (or iteration), after `optimizer.step()`:

    for epoch in range(n):
        for batch in data:
            optimizer.zero_grad(); loss(batch).backward(); optimizer.step()
        scheduler.step()

`last_epoch` counts the calls (it is 0 after construction, which already applies the schedule's first
value); `get_last_lr()` returns the learning rates it set last, one per group. Each group remembers the
learning rate it started with as `group["initial_lr"]` (the schedule's `base_lrs`).
"""

from __future__ import annotations

import math
import numbers
import types
import warnings

from .optimizer import Optimizer, check_number


class LRScheduler:
    """Base class. A schedule implements `get_lr()`: the learning rates for epoch `self.last_epoch`.

    last_epoch: -1 to start a schedule; the index of the last finished epoch to resume one (then every
                group needs an "initial_lr", as saved in an optimizer state dict).
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or last_epoch < -1:
            raise ValueError(f"{type(self).__name__}: last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which resuming "
                        f"with last_epoch={last_epoch} needs; load the optimizer's state dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        # The first step applies the schedule at last_epoch + 1 without advancing it any further.
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self):
        """The learning rates of epoch `self.last_epoch`, one per parameter group."""
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates this scheduler set most recently, one per parameter group."""
        return self._last_lr

    def step(self):
        """Advance one epoch and set each group's learning rate."""
        if self._step_count == 1 and getattr(self.optimizer, "_step_count", None) == 0:
            warnings.warn(
                "lr_scheduler.step() was called before optimizer.step(); call optimizer.step() first, "
                "or the first value of the schedule is skipped",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute except the optimizer (save the optimizer's own state dict beside it)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


class StepLR(LRScheduler):
    """lr ← lr·gamma every `step_size` epochs: lr_epoch = base_lr·gamma^⌊epoch / step_size⌋.

    Applied multiplicatively to the current lr, so it composes with other changes to the lr.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_positive_int("StepLR", "step_size", step_size)
        check_number("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """lr ← lr·gamma every epoch: lr_epoch = base_lr·gamma^epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        check_number("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov and Hutter, SGDR, without restarts) from base_lr down to eta_min:

        lr_epoch = eta_min + (base_lr − eta_min)·(1 + cos(π·epoch / T_max)) / 2

    Like PyTorch, each step applies the ratio of consecutive terms to the current lr,

        lr ← eta_min + (lr − eta_min)·(1 + cos(π·epoch / T_max)) / (1 + cos(π·(epoch − 1) / T_max)),

    which equals the formula above when nothing else changes the lr, and composes with what does.
    Past T_max the cosine goes on: the lr rises back to base_lr over the next T_max epochs.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        check_number("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if (t - 1 - T) % (2 * T) == 0:
            # Leaving the minimum, where the ratio would be 0/0: add the first rise step instead.
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base_lr in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [eta_min + (lr - eta_min) * ratio for lr in self._current_lrs()]


class LambdaLR(LRScheduler):
    """lr_epoch = base_lr·lr_lambda(epoch), with one function for all groups or a list of one per group.

    state_dict() saves the attributes of callable objects, but not functions or lambdas (re-create
    those in code, then load).
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        n_groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else None
        if isinstance(lr_lambda, (list, tuple)):
            if n_groups is not None and len(lr_lambda) != n_groups:
                raise ValueError(f"LambdaLR: expected {n_groups} lr_lambdas (one per group), "
                                 f"got {len(lr_lambda)}")
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * (n_groups or 0)
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda {i} is a {type(fn).__name__}, not a function")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__") else dict(fn.__dict__)
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)
