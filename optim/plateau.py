"""ReduceLROnPlateau: divide the learning rate when a watched metric stops improving."""

from __future__ import annotations

import math
import numbers
import warnings

from .lr_scheduler import LRScheduler, _group_values, _set_group_value
from .optimizer import Optimizer
from .hyperparameter_checks import check_number


class ReduceLROnPlateau(LRScheduler):
    """Call `step(metric)` once per epoch (e.g. with the validation loss). After more than `patience`
    epochs without improvement, every group's lr ← max(lr·factor, min_lr) (changes smaller than eps are
    skipped), then `cooldown` epochs pass before bad epochs count again.

    mode: 'min' (a lower metric is better) or 'max'. Improvement means beating the best so far by
    threshold: relatively (threshold_mode='rel': best·(1 ∓ threshold)) or absolutely ('abs': best ∓ threshold).
    factor < 1; min_lr: a number or one per group.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: {type(optimizer).__name__} is not an Optimizer")
        check_number("ReduceLROnPlateau", "factor", factor)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {name} must be an integer >= 0, got {value!r}")
        check_number("ReduceLROnPlateau", "threshold", threshold)
        check_number("ReduceLROnPlateau", "eps", eps)
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"ReduceLROnPlateau: expected {len(optimizer.param_groups)} min_lrs, "
                                 f"got {len(min_lr)}")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            check_number("ReduceLROnPlateau", "min_lr", min_lr)
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * len(optimizer.param_groups)
        self.factor, self.patience, self.cooldown, self.eps = factor, patience, cooldown, eps
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = _group_values(self.optimizer, "lr")
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    def step(self, metrics, epoch=None):
        """Record this epoch's metric (a number, or a 0-d Value) and reduce the lr if it plateaued. epoch: the
        number of this epoch instead of the last one plus 1 (deprecated, with PyTorch's warning)."""
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn("The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
                          "possible. Please use `scheduler.step()` to step the scheduler.", UserWarning, stacklevel=2)
            self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0                          # bad epochs do not count in cooldown
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = _group_values(self.optimizer, "lr")

    def _reduce_lr(self):
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(self.optimizer.param_groups)} "
                                   f"parameter groups but min_lr lists {len(self.min_lrs)}")
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                _set_group_value(group, "lr", new)

    def _from_pytorch(self, state_dict):
        state_dict = super()._from_pytorch(state_dict)
        state_dict.pop("_step_count", None)  # kept by older versions; PyTorch's keeps no step count, nor do we
        return state_dict

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        if self.mode == "min":
            return a < best * (1 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (1 + self.threshold) if self.threshold_mode == "rel" else a > best + self.threshold

    def get_lr(self):
        return self._current_lrs()
