"""The checks of an optimizer's hyper-parameters, for an algorithm's `hyperparameters` table (optimizer.py): each is
check(owner, name, value) and raises an error naming the value (PyTorch's words where PyTorch refuses it), under a
short name the tables use (`nonnegative`, `flag`, `beta_pair`, ...); and PyTorch's implementation flags (foreach,
fused, capturable, differentiable), which each algorithm takes as PyTorch's does (`implementation_flags`)."""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core.value import Value


def check_number(owner, name, value):
    """A real number (bool excluded), else a TypeError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__} {value!r}")


def check_nonnegative(owner, name, value):
    """A real number >= 0 (NaN fails), else a ValueError naming it."""
    check_number(owner, name, value)
    if not value >= 0:
        raise ValueError(f"{_invalid(name, value)} ({owner}: invalid {name}={value!r}, must be >= 0)")


def _invalid(name, value):
    """PyTorch's words for a hyper-parameter out of range ("Invalid learning rate: -1", "Invalid momentum value:
    -1")."""
    return {"lr": "Invalid learning rate", "eps": "Invalid epsilon value"}.get(name, f"Invalid {name} value") + \
        f": {value}"


def check_flag(owner, name, value):
    """True or False (NumPy bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {type(value).__name__} {value!r}")


def check_unit_interval(owner, name, value):
    """A real number in [0, 1]."""
    check_number(owner, name, value)
    if not 0 <= value <= 1:
        raise ValueError(f"{_invalid(name, value)} ({owner}: invalid {name}={value!r}, must be in [0, 1])")


def check_betas(owner, name, betas):
    """A pair (beta1, beta2) with each 0 <= beta < 1."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{owner}: {name} must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        check_number(owner, f"{name}[{i}]", beta)
        if not 0 <= beta < 1:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} ({owner}: invalid {name}[{i}]={beta!r}, "
                             "must be in [0, 1))")


def check_learning_rate(owner, name, value):
    """A real number >= 0, or a one-element Value holding one (PyTorch's Tensor lr; a step reads its number)."""
    if isinstance(value, Value):
        if value.data.size != 1:
            raise ValueError(f"{owner}: Tensor {name} must be 1-element, got shape {tuple(value.shape)}")
        value = value.item()
    check_nonnegative(owner, name, value)


def check_optional_flag(owner, name, value):
    """None, True or False."""
    if value is not None:
        check_flag(owner, name, value)


def check_not_differentiable(owner, name, value):
    """False: differentiable=True (a step that autograd follows, for meta-learning) is a NotImplementedError."""
    check_flag(owner, name, value)
    if value:
        raise NotImplementedError(f"{owner}: {name}=True is not supported (steps update NumPy arrays in place, "
                                  "outside any graph)")


# The short names the algorithms' `hyperparameters` tables use.
real, nonnegative, flag, unit_interval, beta_pair, learning_rate, optional_flag = (
    check_number, check_nonnegative, check_flag, check_unit_interval, check_betas, check_learning_rate,
    check_optional_flag)

# PyTorch's choices of implementation: foreach and fused (None, True or False: the loop over parameters, one fused
# kernel) and capturable (CUDA graphs) change nothing here, where there is one NumPy implementation and no device.
# Each algorithm takes those PyTorch's takes, and keeps them in its parameter groups as PyTorch does (so that its
# state dicts have PyTorch's keys). foreach=True with fused=True is PyTorch's RuntimeError (`_check_hyperparameters`).
_IMPLEMENTATION_FLAGS = dict(foreach=optional_flag, fused=optional_flag, capturable=flag,
                             differentiable=check_not_differentiable)


def implementation_flags(*names):
    """The checks of the named implementation flags, for an algorithm's `hyperparameters` table."""
    return {name: _IMPLEMENTATION_FLAGS[name] for name in names}
