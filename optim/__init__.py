"""Optimizers, learning-rate schedules and gradient clipping for `autograd_core.Value` parameters.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for epoch in range(100):
        opt.zero_grad()
        loss = model_loss()
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        sched.step()
"""

if __name__ != "autograd_core.optim":  # the repository's optim/ folder is installed as autograd_core.optim
    raise ImportError("optim/ is the package autograd_core.optim: write `from autograd_core import optim` "
                      "(after `pip install -e .` in a checkout)")

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW
from .clip import clip_grad_norm_
from .clip import clip_grad_value_
from .lr_scheduler import CosineAnnealingLR, ExponentialLR, LambdaLR, LRScheduler, StepLR
from .lr_scheduler import (
    ChainedScheduler, ConstantLR, CosineAnnealingWarmRestarts, CyclicLR, LinearLR, MultiplicativeLR, MultiStepLR,
    OneCycleLR, PolynomialLR, ReduceLROnPlateau, SequentialLR,
)
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from .adadelta import Adadelta
from .lbfgs import LBFGS
from .nadam import NAdam, RAdam
from .rprop import Rprop
from .asgd import ASGD
from .adafactor import Adafactor
from .muon import Muon

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "Adamax",
    "lr_scheduler", "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
    "clip_grad_norm_",
    "NAdam", "RAdam", "Adadelta", "Rprop", "LBFGS", "clip_grad_value_",
    "MultiStepLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "CosineAnnealingWarmRestarts",
    "ASGD", "ConstantLR", "PolynomialLR", "MultiplicativeLR", "CyclicLR", "ChainedScheduler", "swa_utils",
    "Adafactor", "Muon",
]


def __getattr__(name):
    # swa_utils builds on autograd_core.nn (AveragedModel is a Module): imported on first use, so that importing
    # optim does not import nn.
    if name == "swa_utils":
        import importlib

        return importlib.import_module(f"{__name__}.swa_utils")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
