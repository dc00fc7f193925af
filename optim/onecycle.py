"""OneCycleLR (Smith and Topin, 2018): warm up to max_lr, then anneal far below the start, per batch."""

from __future__ import annotations

import math

from .lr_scheduler import (
    LRScheduler, _check_positive_int, _momentum_key, _per_group, _set_momentum, _warn_get_lr_called_within_step,
)
from .optimizer import Optimizer
from .hyperparameter_checks import check_number


def _anneal_cos(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start, end, pct):
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch for `total_steps` (or epochs·steps_per_epoch) steps:

        phase 1 (the first pct_start of the steps): lr from max_lr/div_factor up to max_lr,
                                                     momentum from max_momentum down to base_momentum
        phase 2 (the rest):                          lr down to max_lr/(div_factor·final_div_factor),
                                                     momentum back up to max_momentum
        three_phase: up, back down to max_lr/div_factor symmetrically, then the final annealing

    each phase interpolated by a half cosine (anneal_strategy='cos') or linearly ('linear'). With
    cycle_momentum the optimizer's `momentum` (or beta1 of `betas`) follows the inverse cycle.
    Each group records "initial_lr", "max_lr", "min_lr" (and "max_momentum", "base_momentum").
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            _check_positive_int("OneCycleLR", "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            _check_positive_int("OneCycleLR", "epochs", epochs)
            _check_positive_int("OneCycleLR", "steps_per_epoch", steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
        check_number("OneCycleLR", "pct_start", pct_start)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            check_number("OneCycleLR", name, value)
        self.total_steps = total_steps
        self._anneal_func_type = anneal_strategy  # PyTorch's attribute, so the state dict has PyTorch's keys
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * total_steps) - 2, start_lr="max_lr", end_lr="initial_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum"),
                dict(end_step=total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum"),
            ]
        else:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum"),
            ]
        max_lrs = _per_group("OneCycleLR", "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = _momentum_key("OneCycleLR", optimizer) == "betas"
            max_ms = _per_group("OneCycleLR", "max_momentum", optimizer, max_momentum)
            base_ms = _per_group("OneCycleLR", "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, top, low in zip(optimizer.param_groups, max_ms, base_ms):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = top, low
        super().__init__(optimizer, last_epoch)

    @property
    def anneal_strategy(self):
        """'cos' or 'linear', as given."""
        return self._anneal_func_type

    def _from_pytorch(self, state_dict):
        state_dict = super()._from_pytorch(state_dict)
        if "anneal_strategy" in state_dict and "_anneal_func_type" not in state_dict:  # saved by an older version
            state_dict["_anneal_func_type"] = state_dict.pop("anneal_strategy")
        return state_dict

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but total_steps is {self.total_steps}")
        anneal = _anneal_cos if self.anneal_strategy == "cos" else _anneal_linear
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:   # the phase this step is in
                    pct = (step - start) / (end - start)
                    lrs.append(anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct),
                                      self.use_beta1)
                    break
                start = end
        return lrs


__all__ = ["OneCycleLR"]
