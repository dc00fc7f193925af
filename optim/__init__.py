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

# lr_scheduler stays eager: it re-exports plateau.py, cyclic.py, ... which import it back, so it has to be
# imported before any of them.
from autograd_core.lazy_imports import lazy_attributes

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW
from .sparse_adam import SparseAdam
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
from .nadam import NAdam, RAdam
from .rprop import Rprop
from .asgd import ASGD

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "Adamax",
    "lr_scheduler", "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
    "clip_grad_norm_",
    "NAdam", "RAdam", "Adadelta", "Rprop", "LBFGS", "clip_grad_value_",
    "MultiStepLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "CosineAnnealingWarmRestarts",
    "ASGD", "ConstantLR", "PolynomialLR", "MultiplicativeLR", "CyclicLR", "ChainedScheduler", "swa_utils",
    "Adafactor", "Muon", "SparseAdam",
]


# Loaded on first use (PEP 562), under the same names: the rarely used LBFGS, Adafactor and Muon, and swa_utils,
# which builds on autograd_core.nn (AveragedModel is a Module), so that importing optim does not import nn.
_SUBMODULES = ("swa_utils", "lbfgs", "adafactor", "muon")
_LAZY = {"LBFGS": "lbfgs", "Adafactor": "adafactor", "Muon": "muon"}  # public name -> its module


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _SUBMODULES, _LAZY)
