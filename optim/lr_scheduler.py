"""Learning-rate schedules (PyTorch semantics): StepLR, MultiStepLR, ExponentialLR, LinearLR, CosineAnnealingLR,
CosineAnnealingWarmRestarts, LambdaLR here; beside them ConstantLR, PolynomialLR, MultiplicativeLR (factor_lr.py),
CyclicLR (cyclic.py), OneCycleLR (onecycle.py), ReduceLROnPlateau (plateau.py), and the schedules made of
schedules, SequentialLR and ChainedScheduler (combined.py). SWALR is in swa_utils.py, as in PyTorch.

A scheduler rewrites `group["lr"]` of its optimizer's parameter groups. Call `scheduler.step()` once per
epoch (or iteration), after `optimizer.step()`:

    for epoch in range(n):
        for batch in data:
            optimizer.zero_grad(); loss(batch).backward(); optimizer.step()
        scheduler.step()

`last_epoch` counts the calls (it is 0 after construction, which already applies the schedule's first
value); `get_last_lr()` returns the learning rates it set last, one per group. Each group remembers the
learning rate it started with as `group["initial_lr"]` (the schedule's `base_lrs`).

`step` is an effect (`autograd_core.jit.effect`), in every subclass, including one that writes its own: a
compiled training step that steps its schedule per batch replays the call, instead of keeping the learning
rate it recorded.
"""

from __future__ import annotations

import bisect
import collections
import math
import numbers
import types
import warnings

import numpy as np

from autograd_core import Value, no_grad
from autograd_core.jit import effect, mark_effects

from .optimizer import Optimizer
from .hyperparameter_checks import check_number
from .parameter_data import _python_number


class LRScheduler:
    """Base class. A schedule implements `get_lr()`: the learning rates for epoch `self.last_epoch`.

    last_epoch: -1 to start a schedule; the index of the last finished epoch to resume one (then every
                group needs an "initial_lr", as saved in an optimizer state dict).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        mark_effects(cls, step=False)  # a schedule's own step changes the rates outside the graph too

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or last_epoch < -1:
            raise ValueError(f"{type(self).__name__}: last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        self._get_lr_called_within_step = False  # True while step() calls get_lr() (see its warning)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _copied(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which resuming "
                        f"with last_epoch={last_epoch} needs; load the optimizer's state dict first"
                    )
        if "base_lrs" not in vars(self):  # CyclicLR sets its own (the bottom of its cycle) before this
            self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The first step applies the schedule at last_epoch + 1 without advancing it any further."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates of epoch `self.last_epoch`, one per parameter group."""
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates this scheduler set most recently, one per parameter group."""
        return self._last_lr

    @effect()  # a compiled training step replays it as a call, after the optimizer's step
    def step(self, epoch=None):
        """Advance one epoch and set each group's learning rate.

        epoch: jump to this epoch instead (deprecated in PyTorch); schedules with a closed form use it.
        """
        self._count_step()
        self._update_lr(epoch)

    def _count_step(self):
        if self._step_count == 1 and getattr(self.optimizer, "_step_count", None) == 0:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them in the opposite order, "
                "`optimizer.step()` before `lr_scheduler.step()`, or the first value of the learning rate schedule "
                "is skipped.",
                UserWarning,
                stacklevel=3,
            )
        self._step_count += 1

    def _update_lr(self, epoch=None, warn=True):
        if epoch is None:
            self.last_epoch += 1
            values = self._get_lr_within_step()
        else:
            if warn:  # not when SequentialLR restarts a part at its epoch 0 (nor does PyTorch's)
                warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=4)
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self._get_lr_within_step()
        for group, lr in zip(self.optimizer.param_groups, values):
            _set_group_value(group, "lr", lr)
        self._last_lr = _group_values(self.optimizer, "lr")

    def _get_lr_within_step(self):
        self._get_lr_called_within_step = True
        try:
            return self.get_lr()
        finally:
            self._get_lr_called_within_step = False

    def state_dict(self):
        """Every attribute except the optimizer (save the optimizer's own state dict beside it)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a `state_dict()` of the same kind of scheduler. Checked before anything changes: the
        same names as this scheduler's own state, each value of the same kind (a number, a list of one
        entry per parameter group, ...); otherwise a ValueError naming the scheduler and the entry. A state dict
        saved by PyTorch's scheduler of the same kind loads too (`_from_pytorch`)."""
        self.__dict__.update(self._check_state_dict(state_dict))

    def _from_pytorch(self, state_dict):
        """`state_dict` with what differs in PyTorch's translated (by subclasses); and `_get_lr_called_within_step`
        (False between steps) where one of them has it and the other not, as a state dict of an older version."""
        if "_get_lr_called_within_step" in vars(self):
            state_dict.setdefault("_get_lr_called_within_step", False)
        else:
            state_dict.pop("_get_lr_called_within_step", None)
        return state_dict

    def _check_state_dict(self, state_dict):
        """The state dict to load (PyTorch's translated), checked against this scheduler's own."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise ValueError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        state_dict = self._from_pytorch(dict(state_dict))
        mine = self.state_dict()
        missing, unexpected = sorted(mine.keys() - state_dict.keys()), sorted(state_dict.keys() - mine.keys())
        if missing or unexpected:
            raise ValueError(f"{who}: the state dict does not match this scheduler (missing {missing}, "
                             f"unexpected {unexpected}); was it saved by another scheduler?")
        for key, current in mine.items():
            _check_like(who, key, state_dict[key], current)
        return state_dict

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]


def _warn_get_lr_called_within_step(scheduler):
    """PyTorch's warning when get_lr() is called other than by step(): it computes the next step's rates from the
    current ones, which is not what the schedule set last (get_last_lr())."""
    if not getattr(scheduler, "_get_lr_called_within_step", True):
        warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                      UserWarning, stacklevel=3)


def _copied(value):
    """A Value (PyTorch's Tensor lr) copied, anything else as it is."""
    return value.detach().clone() if isinstance(value, Value) else value


def _set_group_value(group, key, value):
    """group[key] ← value. A Value there (PyTorch's Tensor lr) is filled in place, as PyTorch does, so that the
    optimizer (and whoever else holds it) sees the new rate."""
    current = group.get(key)
    if isinstance(current, Value):
        with no_grad():
            current.fill_(_python_number(value))
    else:
        group[key] = value


def _group_values(optimizer, key):
    """Each group's `key` entry, a Value copied (so that a later step does not change a get_last_lr() list)."""
    return [_copied(group[key]) for group in optimizer.param_groups]


def _check_like(who, key, saved, current):
    """`saved` is the same kind of value as `current` (the scheduler's own)."""
    def fail(expected):
        raise ValueError(f"{who}: entry {key!r} is {type(saved).__name__} {saved!r:.60}, expected {expected}")
    if isinstance(current, bool):
        if not isinstance(saved, (bool, np.bool_)):
            fail("True or False")
    elif isinstance(current, numbers.Real) or current is None and key in _NUMBER_OR_NONE:
        if saved is None and key in _NUMBER_OR_NONE:
            return
        if isinstance(saved, bool) or not isinstance(saved, numbers.Real):
            fail("a number")
    elif isinstance(current, str):
        if not isinstance(saved, str):
            fail("a string")
    elif isinstance(current, (list, tuple)):
        if not isinstance(saved, (list, tuple)) or len(saved) != len(current):
            fail(f"a list of {len(current)} entries")
        for i, (s, c) in enumerate(zip(saved, current)):
            _check_like(who, f"{key}[{i}]", s, c)
    elif isinstance(current, dict):
        if not isinstance(saved, dict):
            fail("a dict")


_NUMBER_OR_NONE = ("default_min_lr",)

# PyTorch's UserWarning for step(epoch) (its schedules with a closed form use it; ReduceLROnPlateau words it too).
_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
                      "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch "
                      "is different from None, the closed form is used instead of the new chainable form, where "
                      "available.")


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def _check_positive_period(owner, name, value):
    """A period in epochs: a real number > 0. PyTorch takes a float one (the text classification tutorial's
    StepLR(optimizer, 1.0, gamma=0.1)) and the schedule's formulas hold for it; 0 would divide by zero later."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{owner}: {name} must be a positive number, got {value!r}")


def _per_group(owner, name, optimizer, value):
    """One number per parameter group, from a number or a list of them (PyTorch's max_lr=[...])."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{owner}: expected {len(optimizer.param_groups)} values of {name} "
                             f"(one per group), got {len(value)}")
        values = list(value)
    else:
        values = [value] * len(optimizer.param_groups)
    for v in values:
        check_number(owner, name, v)
    return values


def _momentum_key(owner, optimizer):
    """Which group entry a momentum-cycling schedule writes: "betas" (its first entry, Adam's beta1) or
    "momentum" (SGD, RMSprop); a ValueError when the optimizer has neither."""
    if "betas" in optimizer.defaults:
        return "betas"
    if "momentum" in optimizer.defaults:
        return "momentum"
    raise ValueError(f"{owner}: cycle_momentum needs an optimizer with momentum or betas, "
                     f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)")


def _set_momentum(group, value, use_beta1):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class _LRScheduler(LRScheduler):
    """PyTorch's old name for LRScheduler, kept (as PyTorch keeps it) for schedulers written as its subclasses.
    A subclass rather than another name, as in PyTorch: the built-in schedulers are not instances of it."""


class StepLR(LRScheduler):
    """lr ← lr·gamma every `step_size` epochs: lr_epoch = base_lr·gamma^⌊epoch / step_size⌋.

    Applied multiplicatively to the current lr, so it composes with other changes to the lr.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_positive_period("StepLR", "step_size", step_size)
        check_number("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr ← lr·gamma every epoch: lr_epoch = base_lr·gamma^epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        check_number("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov and Hutter, SGDR, without restarts) from base_lr down to eta_min:

        lr_epoch = eta_min + (base_lr − eta_min)·(1 + cos(π·epoch / T_max)) / 2

    Like PyTorch, each step applies the ratio of consecutive terms to the current lr,

        lr ← eta_min + (lr − eta_min)·(1 + cos(π·epoch / T_max)) / (1 + cos(π·(epoch − 1) / T_max)),

    which equals the formula above when nothing else changes the lr, and composes with what does.
    Past T_max the cosine goes on: the lr rises back to base_lr over the next T_max epochs.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_positive_period("CosineAnnealingLR", "T_max", T_max)
        check_number("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if (t - 1 - T) % (2 * T) == 0:
            # Leaving the minimum, where the ratio would be 0/0: add the first rise step instead.
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base_lr in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [eta_min + (lr - eta_min) * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class _PerGroupLambdas:
    """What LambdaLR and MultiplicativeLR share: `lr_lambda`, one function for every group or a list of one
    per group (kept as `self.lr_lambdas`), and a state dict that saves the attributes of callable objects
    but not functions or lambdas (re-create those in code, then load)."""

    def _set_lambdas(self, optimizer, lr_lambda):
        owner = type(self).__name__
        n_groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else None
        if isinstance(lr_lambda, (list, tuple)):
            if n_groups is not None and len(lr_lambda) != n_groups:
                raise ValueError(f"{owner}: expected {n_groups} lr_lambdas (one per group), got {len(lr_lambda)}")
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * (n_groups or 0)
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(f"{owner}: lr_lambda {i} is a {type(fn).__name__}, not a function")
        self.lr_lambdas = lambdas

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__") else dict(fn.__dict__)
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict):
        state = self._check_state_dict(state_dict)
        saved = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)


class LambdaLR(_PerGroupLambdas, LRScheduler):
    """lr_epoch = base_lr·lr_lambda(epoch), with one function for all groups or a list of one per group.

    state_dict() saves the attributes of callable objects, but not functions or lambdas (re-create
    those in code, then load).
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self._set_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiStepLR(LRScheduler):
    """lr ← lr·gamma at each epoch listed in `milestones` (a milestone listed twice multiplies twice):
    lr_epoch = base_lr·gamma^(number of milestones <= epoch)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral):
                raise TypeError(f"MultiStepLR: milestones must be integers, got {m!r}")
        check_number("MultiStepLR", "gamma", gamma)
        self.milestones = collections.Counter(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect.bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """A linear ramp of the factor from start_factor to end_factor over total_iters epochs, then constant:

        lr_epoch = base_lr·(start_factor + (end_factor − start_factor)·min(epoch, total_iters)/total_iters)

    applied, like PyTorch, as the ratio of consecutive factors to the current lr (so it composes).
    0 < start_factor <= 1, 0 <= end_factor <= 1.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        check_number("LinearLR", "start_factor", start_factor)
        check_number("LinearLR", "end_factor", end_factor)
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        _check_positive_period("LinearLR", "total_iters", total_iters)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        t, a, b, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return [lr * a for lr in self._current_lrs()]
        if self._is_initial or t > n:
            return self._current_lrs()
        ratio = 1 + (b - a) / (n * a + (t - 1) * (b - a))     # factor(t) / factor(t − 1)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        a, b, n = self.start_factor, self.end_factor, self.total_iters
        return [base_lr * (a + (b - a) * min(n, self.last_epoch) / n) for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov and Hutter, 2017): cosine annealing from base_lr to eta_min over T_i epochs, then a
    restart at base_lr with T_i ← T_i·T_mult (T_0 first):

        lr = eta_min + (base_lr − eta_min)·(1 + cos(π·T_cur / T_i)) / 2,   T_cur = epochs since the restart

    step(epoch) accepts a fractional epoch (e.g. epoch + batch / batches_per_epoch) to anneal per batch.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        _check_positive_int("CosineAnnealingWarmRestarts", "T_0", T_0)
        _check_positive_int("CosineAnnealingWarmRestarts", "T_mult", T_mult)
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real):  # PyTorch's ValueError
            raise ValueError(f"CosineAnnealingWarmRestarts: expected float or int eta_min, got {eta_min!r}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or go to `epoch` (a number >= 0, fractional to anneal per batch), and set each
        group's learning rate. Unlike the other schedules it neither counts its calls (`_step_count` stays 0, as in
        PyTorch) nor warns when called before `optimizer.step()` or with an epoch."""
        # No _count_step(): PyTorch's override of step() skips the base class's count, so its state dict holds
        # _step_count 0 for ever (and it never warns about the call order); ours keeps the same numbers.
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:                       # restart
                # `%`, not `- T_i`: resuming with last_epoch puts T_cur = last_epoch + 1, several cycles past T_i
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            check_number("CosineAnnealingWarmRestarts.step", "epoch", epoch)
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch!r}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:                                        # which cycle: T_0·(T_mult^n − 1)/(T_mult − 1) <= epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self._get_lr_within_step()):
            _set_group_value(group, "lr", lr)
        self._last_lr = _group_values(self.optimizer, "lr")

    def _from_pytorch(self, state_dict):
        state_dict = super()._from_pytorch(state_dict)
        if "_step_count" in state_dict:  # older versions counted the calls; PyTorch's (and ours now) stays 0
            state_dict["_step_count"] = 0
        return state_dict


from .onecycle import OneCycleLR  # noqa: E402, F401  (they build on LRScheduler above)
from .plateau import ReduceLROnPlateau  # noqa: E402, F401
from .factor_lr import ConstantLR, MultiplicativeLR, PolynomialLR  # noqa: E402, F401
from .cyclic import CyclicLR  # noqa: E402, F401
from .combined import ChainedScheduler, SequentialLR  # noqa: E402, F401

# PyTorch defines every scheduler in torch.optim.lr_scheduler, and code tells them apart by it: d2l's training
# loop steps a built-in one when `scheduler.__module__ == lr_scheduler.__name__` and calls its own otherwise. So the
# schedulers kept in the files beside this one say they are from here too (pickle finds them here as well).
for _scheduler in (OneCycleLR, ReduceLROnPlateau, ConstantLR, MultiplicativeLR, PolynomialLR, CyclicLR,
                   ChainedScheduler, SequentialLR):
    _scheduler.__module__ = __name__
del _scheduler
