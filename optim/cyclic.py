"""CyclicLR (Smith, 2017, "Cyclical Learning Rates for Training Neural Networks"): the lr goes back and forth
between base_lr and max_lr, stepped once per batch."""

from __future__ import annotations

import math
import types

from .lr_scheduler import (
    LRScheduler, _momentum_key, _per_group, _set_group_value, _set_momentum, _warn_get_lr_called_within_step,
)
from .optimizer import Optimizer
from .hyperparameter_checks import check_flag, check_number

_MODES = ("triangular", "triangular2", "exp_range")


class CyclicLR(LRScheduler):
    """A triangle wave between base_lr and max_lr: step_size_up steps up, step_size_down (default: the same)
    steps down, and again. At step t (last_epoch), with L = step_size_up + step_size_down:

        cycle = ⌊1 + t/L⌋,   x = 1 + t/L − cycle                  (the position in this cycle, in [0, 1))
        h = x/r  if x <= r  else  (x − 1)/(r − 1),   r = step_size_up/L   (0 → 1 → 0 along the cycle)
        lr = base_lr + (max_lr − base_lr)·h·scale_fn(cycle or t)

    mode: 'triangular' (scale 1), 'triangular2' (the height halves each cycle: 1/2^(cycle − 1)) or
    'exp_range' (gamma^t, evaluated per step); a scale_fn(x) in [0, 1] replaces the mode, evaluated on the
    cycle number (scale_mode='cycle') or on t ('iterations').
    cycle_momentum: the optimizer's momentum (or beta1 of its betas) goes the other way, from max_momentum
    at base_lr to base_momentum at max_lr: momentum = max_momentum − (max_momentum − base_momentum)·h·scale.
    Construction sets the lr to base_lr and the momentum to max_momentum (each group records "max_momentum"
    and "base_momentum"). base_lr, max_lr, base_momentum, max_momentum: a number or one per group.

    state_dict() saves the attributes of a callable object given as scale_fn, not a function or a lambda
    (re-create those in code, then load).
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"CyclicLR: {type(optimizer).__name__} is not an Optimizer")
        base_lrs = _per_group("CyclicLR", "base_lr", optimizer, base_lr)
        self.max_lrs = _per_group("CyclicLR", "max_lr", optimizer, max_lr)
        check_number("CyclicLR", "step_size_up", step_size_up)
        if not step_size_up > 0:
            raise ValueError(f"CyclicLR: step_size_up must be > 0, got {step_size_up!r}")
        if step_size_down is not None:
            check_number("CyclicLR", "step_size_down", step_size_down)
            if not step_size_down >= 0:
                raise ValueError(f"CyclicLR: step_size_down must be >= 0, got {step_size_down!r}")
        if scale_fn is None and mode not in _MODES:
            raise ValueError(f"CyclicLR: mode must be one of {', '.join(map(repr, _MODES))} (or give a scale_fn), "
                             f"got {mode!r}")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"CyclicLR: scale_fn must be a function, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        check_number("CyclicLR", "gamma", gamma)
        check_flag("CyclicLR", "cycle_momentum", cycle_momentum)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        # The built-in modes decide where their scale is evaluated: per cycle, or per step for exp_range.
        self.scale_mode = scale_mode if scale_fn is not None else "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = _momentum_key("CyclicLR", optimizer) == "betas"
            self.base_momentums = _per_group("CyclicLR", "base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("CyclicLR", "max_momentum", optimizer, max_momentum)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                _set_group_value(group, "lr", lr)
            if self.cycle_momentum:
                for group, top, low in zip(optimizer.param_groups, self.max_momentums, self.base_momentums):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = top, low
        self.base_lrs = base_lrs  # the cycle's lower end, not the groups' "initial_lr" (LRScheduler keeps it)
        super().__init__(optimizer, last_epoch)

    def scale_fn(self, x):
        """The amplitude's scale at x (the cycle number or the step, as scale_mode says)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        height = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [base_lr + (max_lr - base_lr) * height * scale for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:                                 # momentum goes down while the lr goes up
            for group, low, top in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, top - (top - low) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_scale_fn_custom")}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) or not hasattr(
            fn, "__dict__") else dict(fn.__dict__)
        return state

    def load_state_dict(self, state_dict):
        state = self._check_state_dict(state_dict)
        attributes = state.pop("_scale_fn_custom")
        self.__dict__.update(state)
        if attributes is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(attributes)
