"""Stochastic weight averaging (Izmailov et al., 2018) and exponential moving averages of a model's weights,
as torch.optim.swa_utils:

    swa_model = optim.swa_utils.AveragedModel(model)           # or multi_avg_fn=get_ema_multi_avg_fn(0.999)
    swa_scheduler = optim.swa_utils.SWALR(opt, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    optim.swa_utils.update_bn(loader, swa_model)               # BatchNorm statistics for the averaged weights
    predictions = swa_model(x)

The averaging works on NumPy arrays (the parameters' and buffers' data), outside any graph.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value, nn, no_grad
from autograd_core.tensor_methods import on_cpu

from .lr_scheduler import LRScheduler, _per_group, _warn_get_lr_called_within_step

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def _lerp_(start, end, weight):
    """start ← start + weight·(end − start), in place, rounded as torch.lerp (from the nearer end)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def _check_decay(decay):
    if isinstance(decay, bool) or not isinstance(decay, numbers.Real):
        raise TypeError(f"decay must be a real number, got {type(decay).__name__} {decay!r}")
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """An exponential moving average for `AveragedModel(multi_avg_fn=...)`: W_ema ← decay·W_ema + (1 − decay)·W,
    in place on the lists of arrays it is given. decay in [0, 1]."""
    _check_decay(decay)

    def ema_update(ema_arrays, current_arrays, num_averaged):
        for ema, current in zip(ema_arrays, current_arrays):
            if ema.dtype.kind in "fc":
                _lerp_(ema, current, 1 - decay)
            else:  # an integer buffer: the float average, truncated back
                ema[...] = ema * decay + current * (1 - decay)

    return ema_update


def get_swa_multi_avg_fn():
    """The equal-weight average for `AveragedModel(multi_avg_fn=...)`: W_swa ← W_swa + (W − W_swa)/(n + 1),
    in place, n = the number of models averaged so far."""

    def swa_update(averaged_arrays, current_arrays, num_averaged):
        for averaged, current in zip(averaged_arrays, current_arrays):
            if averaged.dtype.kind in "fc":
                _lerp_(averaged, current, 1 / (num_averaged + 1))
            else:
                averaged[...] = averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An exponential moving average for `AveragedModel(avg_fn=...)`: returns decay·W_ema + (1 − decay)·W."""
    _check_decay(decay)

    def ema_update(ema, current, num_averaged):
        return decay * ema + (1 - decay) * current

    return ema_update


def get_swa_avg_fn():
    """The equal-weight average for `AveragedModel(avg_fn=...)`: returns W_swa + (W − W_swa)/(n + 1)."""

    def swa_update(averaged, current, num_averaged):
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


class AveragedModel(nn.Module):
    """A copy of `model` (copy.deepcopy) whose parameters are a running average of the model's, for SWA or an
    EMA of the weights. Calling it runs the copy: `swa_model(x)` is `swa_model.module(x)`.

    update_parameters(model): the first call copies the model's parameters; each later one averages them in,
    with avg_fn(averaged, current, num_averaged) -> new averaged array (one parameter at a time), or
    multi_avg_fn(averaged_list, current_list, num_averaged), which updates the arrays of averaged_list in
    place; by default the equal-weight average W_swa + (W − W_swa)/(n + 1). Give at most one of them.
    The arrays are NumPy data (writable copies for the averaged ones); num_averaged is an int.
    use_buffers=True averages the buffers too (BatchNorm's running statistics); otherwise the buffers are
    copied from the model at each update.

    Buffer `n_averaged` (0-d int64, in the state dict beside "module.*") counts the models averaged.
    avg_fn and multi_avg_fn are not saved in the state dict. device: None or 'cpu' (the only device).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        if not isinstance(model, nn.Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"AveragedModel: {name} must be a function, got {type(fn).__name__}")
        super().__init__()
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module.to(device)  # 'cpu' (the only device); anything else raises there
        self.register_buffer("n_averaged", np.array(0, dtype=np.int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, bool(use_buffers)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, module):
        """The parameters (and, with use_buffers, the buffers) averaged, in a fixed order."""
        if self.use_buffers:
            return list(itertools.chain(module.parameters(), module.buffers()))
        return list(module.parameters())

    def update_parameters(self, model):
        """Average `model`'s parameters (and buffers, with use_buffers) into this model's; count it."""
        mine, theirs = self._averaged(self.module), self._averaged(model)
        if len(mine) != len(theirs):
            raise ValueError(f"AveragedModel.update_parameters: the model has {len(theirs)} parameters"
                             f"{' and buffers' if self.use_buffers else ''}, the averaged copy {len(mine)}")
        averaged = [np.array(_data(p), copy=True) for p in mine]     # writable, also for 0-d parameters
        current = [np.asarray(_data(p)) for p in theirs]
        for i, (a, c) in enumerate(zip(averaged, current)):
            if a.shape != c.shape:
                raise ShapeError(f"AveragedModel.update_parameters: entry {i} has shape {c.shape} in the model, "
                                 f"{a.shape} in the averaged copy")
        n = int(self.n_averaged)
        if n == 0:
            averaged = [c.astype(a.dtype, copy=True) for a, c in zip(averaged, current)]
        elif self.avg_fn is not None:
            averaged = [np.asarray(_data(self.avg_fn(a, c, n)), dtype=a.dtype) for a, c in zip(averaged, current)]
        else:
            (self.multi_avg_fn or _swa_per_array)(averaged, current, n)
        for target, new in zip(mine, averaged):
            _store(target, new)
        if not self.use_buffers:  # keep the buffers in step with the model's
            for target, new in zip(list(self.module.buffers()), list(model.buffers())):
                _store(target, np.asarray(new))
        self.n_averaged[...] = n + 1


def _swa_per_array(averaged_arrays, current_arrays, num_averaged):
    # PyTorch's default on the CPU: get_swa_avg_fn one array at a time (not the lerp of get_swa_multi_avg_fn).
    average = get_swa_avg_fn()
    for averaged, current in zip(averaged_arrays, current_arrays):
        averaged[...] = average(averaged, current, num_averaged)


def _data(x):
    return x.data if isinstance(x, Value) else x


def _store(target, new):
    """Write array `new` into a parameter (in place, as PyTorch's copy_: its version counter notes it) or a
    buffer (an ndarray, in place)."""
    if isinstance(target, Value):
        with no_grad():
            target.copy_(new)
    else:
        target[...] = new


_BATCH_NORMS = tuple(getattr(nn, name) for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")
                     if hasattr(nn, name))


def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of every BatchNorm layer of `model` with one pass over `loader`
    (each batch an array/Value, or a list/tuple whose first entry is the input), as a cumulative average over
    the batches: the statistics that fit averaged weights. The layers' momentum and the model's training mode
    are restored afterwards. A model without BatchNorm layers is left alone. device: None or 'cpu'."""
    if device is not None:
        on_cpu(device)  # raises for a device other than the CPU
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BATCH_NORMS):
            if module.running_mean is not None:   # reset_running_stats
                module.running_mean[...] = 0
                module.running_var[...] = 1
                module.num_batches_tracked[...] = 0
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None                     # a cumulative average over the pass
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to swa_lr over anneal_epochs steps, then hold it there:

        lr_t = swa_lr·α(t) + lr_0·(1 − α(t)),   α(t) = a(min(1, t/anneal_epochs))

    with a(s) = (1 − cos(π·s))/2 (anneal_strategy='cos') or s ('linear'); computed as PyTorch does, from the
    lr the group has now, so that it continues from whatever schedule ran before. swa_lr: a number or one per
    group (kept as group["swa_lr"]); anneal_epochs: an integer >= 0 (0: swa_lr at once).
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        swa_lrs = _per_group("SWALR", "swa_lr", optimizer, swa_lr)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy!r}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, numbers.Integral) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be equal or greater than 0, got {anneal_epochs!r}")
        for group, value in zip(optimizer.param_groups, swa_lrs):
            group["swa_lr"] = value
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, s):
        return s if self._anneal_strategy == "linear" else (1 - math.cos(math.pi * s)) / 2

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        # Recover where the annealing started from the current lr and the previous step's weight alpha.
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self._anneal(max(0, min(1, step / max(1, self.anneal_epochs))))
        lrs = []
        for group in self.optimizer.param_groups:
            lr, swa_lr = group["lr"], group["swa_lr"]
            start = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            lrs.append(swa_lr * alpha + start * (1 - alpha))
        return lrs
