"""Schedules made of schedules: SequentialLR (one after another) and ChainedScheduler (all at once)."""

from __future__ import annotations

import bisect

from .lr_scheduler import LRScheduler, _group_values, _set_group_value
from .optimizer import Optimizer


def _check_parts(owner, schedulers, optimizer):
    """The schedulers as a non-empty list, each an epoch schedule of `optimizer` (the first one's when None)."""
    schedulers = list(schedulers)
    if not schedulers:
        raise ValueError(f"{owner}: expected at least one scheduler")
    for i, scheduler in enumerate(schedulers):
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"{owner}: scheduler {i} is a {type(scheduler).__name__}, not a learning-rate scheduler")
    optimizer = schedulers[0].optimizer if optimizer is None else optimizer
    for i, scheduler in enumerate(schedulers):
        if type(scheduler).__name__ == "ReduceLROnPlateau":
            raise ValueError(f"{owner}: scheduler {i} is a ReduceLROnPlateau, which needs a metric at each step "
                             "and cannot be combined")
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{owner}: scheduler {i} ({type(scheduler).__name__}) drives another optimizer")
    return schedulers, optimizer


def _undo_initial_steps(scheduler):
    """Take back the first step a scheduler took when it was made (its last_epoch), in every scheduler
    inside a combined one."""
    if hasattr(scheduler, "_schedulers"):
        for part in scheduler._schedulers:
            _undo_initial_steps(part)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1


class _Combined(LRScheduler):
    """State dicts of combined schedules: their own attributes, and each part's state dict under "_schedulers"."""

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state_dict = self._check_state_dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler._check_state_dict(saved)
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)


class SequentialLR(_Combined):
    """Run `schedulers[0]` until epoch milestones[0], then schedulers[1] (restarted at its epoch 0) until
    milestones[1], and so on. All schedulers must drive `optimizer`; len(milestones) = len(schedulers) − 1.

    A ChainedScheduler may be the first part (its own parts are rewound with it); later parts restart with
    their closed form at their epoch 0, which a chain has not (NotImplementedError there, as in PyTorch).
    state_dict() holds each scheduler's state dict under "_schedulers".
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"SequentialLR: {type(optimizer).__name__} is not an Optimizer")
        schedulers, _ = _check_parts("SequentialLR", schedulers, optimizer)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} milestones, "
                             f"got {len(milestones)}")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:                 # undo what constructing the schedulers did
            _set_group_value(group, "lr", group["initial_lr"])
        _undo_initial_steps(self)
        index = bisect.bisect_right(milestones, 0)
        schedulers[index]._initial_step()
        self._last_lr = schedulers[index].get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0, warn=False)              # the next schedule starts from its epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Combined):
    """Step every scheduler in `schedulers` at each step(), in order, so that their effects compound: e.g.
    ConstantLR(factor=0.1, total_iters=20) chained with ExponentialLR(gamma=0.9) gives
    lr_epoch = base_lr·0.1·0.9^epoch for epochs < 20, then base_lr·0.9^epoch.

    Each part takes its own first step when it is made (as alone), so the chain adds no step of its own at
    construction. optimizer: the optimizer they all drive (default: the first scheduler's); a part driving
    another optimizer, or a ReduceLROnPlateau (it needs a metric), is a ValueError. get_last_lr(): every
    group's lr after the last part stepped. state_dict() holds each part's state dict under "_schedulers".
    """

    def __init__(self, schedulers, optimizer=None):
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f"ChainedScheduler: {type(optimizer).__name__} is not an Optimizer")
        self._schedulers, self.optimizer = _check_parts("ChainedScheduler", schedulers, optimizer)
        self._last_lr = _group_values(self.optimizer, "lr")

    def step(self):
        """Step each scheduler once, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_values(self.optimizer, "lr")

    def get_lr(self):
        raise NotImplementedError("ChainedScheduler has no learning rate of its own (its parts set it), so it "
                                  "cannot restart at epoch 0: put it first in a SequentialLR")
