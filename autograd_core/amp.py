"""Automatic mixed precision under PyTorch's names (`torch.amp`): `autocast` and `GradScaler`.

Training scripts written for GPUs wrap their forward pass in `torch.autocast(...)` and their backward pass and
update in a `GradScaler` (nanoGPT's train.py: `scaler = torch.cuda.amp.GradScaler(enabled=(dtype == 'float16'))`,
then `scaler.scale(loss).backward()`, `scaler.unscale_(optimizer)`, `scaler.step(optimizer)`, `scaler.update()`).
Here they run as written:

- `autocast` is a region in which PyTorch computes chosen operations in float16 or bfloat16. NumPy has no bfloat16,
  and this engine computes every operation in the dtypes of the tensors it is given, so inside an enabled region
  the operations run at their tensors' own precision. Entering one warns once per process, so that nobody takes its
  numbers for mixed-precision ones. As in PyTorch: a context manager and a decorator, disabled with a warning for a
  device that is not here (`device_type="cuda"`).
- `GradScaler` is PyTorch's loss scaling, the same algorithm: `scale(loss)` multiplies by the scale (2¹⁶ to begin);
  `unscale_(optimizer)` divides the gradients by it and notes whether any is inf or NaN; `step(optimizer)` skips
  the step if so; `update()` multiplies the scale by `backoff_factor` after such a step and by `growth_factor` after
  `growth_interval` steps without. A scaler for "cuda" (`torch.cuda.amp.GradScaler`) disables itself with a warning
  on this machine without a GPU, as PyTorch's does on one, and then passes everything through; `device="cpu"` works.
"""

from __future__ import annotations

import functools
import threading
import warnings

import numpy as np

from .dtypes import bfloat16, float16
from .value import Value

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]

_PLACES_HERE = ("cpu",)  # the devices this engine computes on


def is_autocast_available(device_type):
    """Whether `autocast(device_type)` can be enabled: True for "cpu" (where it runs at full precision)."""
    return device_type in _PLACES_HERE


class autocast:  # noqa: N801  (PyTorch's name)
    """A region (or, as a decorator, a function) in which PyTorch would run chosen operations in `dtype`.

    device_type: "cpu", or a device this machine lacks ("cuda", "mps", ...), for which the region is disabled with a
    warning, as PyTorch disables it where CUDA is not available. dtype: float16 or bfloat16 (the default for "cpu",
    as in PyTorch); another dtype disables the region with a warning. enabled=False: the region does nothing.
    cache_enabled: accepted, unused. Operations in an enabled region run in their tensors' own dtypes (NumPy has no
    bfloat16): the first enabled region of the process says so in a UserWarning.
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        stacklevel = 2 if type(self) is autocast else 3  # the caller's line, also through torch.cuda.amp.autocast
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else bfloat16 if device_type == "cpu" else float16
        self._cache_enabled = cache_enabled
        if enabled and device_type not in _PLACES_HERE:
            warnings.warn(f"User provided device_type of '{device_type}', but {device_type.upper()} is not available. "
                          "Disabling", UserWarning, stacklevel=stacklevel)
            enabled = False
        elif enabled and not (self.fast_dtype is bfloat16 or self.fast_dtype == float16):
            warnings.warn(f"In CPU autocast, but the target dtype is not supported ({self.fast_dtype}). Disabling "
                          "autocast.\nCPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.",
                          UserWarning, stacklevel=stacklevel)
            enabled = False
        self._enabled = enabled

    def __enter__(self):
        _REGIONS.stack.append((self.device, self._enabled, self.fast_dtype))
        if self._enabled:
            _say_full_precision_once(self.fast_dtype)

    def __exit__(self, exc_type, exc_value, traceback):
        _REGIONS.stack.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def in_region(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return in_region


class _Regions(threading.local):
    def __init__(self):
        self.stack = []  # (device_type, enabled, dtype) of the autocast regions open in this thread, innermost last


_REGIONS = _Regions()
_DEFAULT_DTYPES = {"cpu": bfloat16}  # PyTorch's default autocast dtype per device: float16 elsewhere


def _innermost(device_type):
    for device, enabled, dtype in reversed(_REGIONS.stack):
        if device == device_type:
            return enabled, dtype
    return None


def is_autocast_enabled(device_type=None):
    """Whether this thread is inside an enabled autocast region for `device_type` (torch.is_autocast_enabled): the
    innermost region opened for that device decides (`autocast("cpu", enabled=False)` inside an enabled one turns it
    off). Without an argument, PyTorch's deprecated meaning: the CUDA regions, never enabled here (no CUDA)."""
    found = _innermost("cuda" if device_type is None else device_type)
    return bool(found and found[0])


def get_autocast_dtype(device_type):
    """The dtype the innermost autocast region for `device_type` names (torch.get_autocast_dtype), else PyTorch's
    default for the device: bfloat16 for "cpu", float16 for the others. Operations here still run in their tensors'
    own dtypes (see autocast)."""
    found = _innermost(device_type)
    return found[1] if found else _DEFAULT_DTYPES.get(device_type, float16)


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """A decorator for the `forward` of an autograd.Function (torch.amp.custom_fwd): `forward` records on ctx
    whether an autocast region for `device_type` is open, so that `backward` (decorated with custom_bwd) runs under
    the same autocast state. cast_inputs: a floating dtype; inside an enabled region, forward's floating-point Value
    arguments (also in lists, tuples and dicts) are cast to it and forward runs with autocast disabled; outside one,
    it changes nothing. bfloat16, which NumPy lacks, leaves them in their own dtypes (as autocast regions do here).
    Use as `@custom_fwd(device_type="cpu")` or `@custom_fwd(device_type="cpu", cast_inputs=torch.float32)`."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        enabled = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = enabled and cast_inputs is None  # backward's region: forward's own
        if cast_inputs is None or not enabled:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, cast_inputs), **_cast(kwargs, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """A decorator for the `backward` of an autograd.Function (torch.amp.custom_bwd): backward runs under the
    autocast state its forward (decorated with custom_fwd) ran under. Use as `@custom_bwd(device_type="cpu")`."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd


def _cast(value, dtype):
    """value with its floating-point Values cast to dtype (through lists, tuples and dicts), as custom_fwd casts."""
    if isinstance(value, Value):
        return value.to(dtype) if value.dtype.kind == "f" and dtype is not bfloat16 else value
    if isinstance(value, dict):
        return {k: _cast(v, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, dtype) for v in value)
    return value


_SAID = []


def _say_full_precision_once(dtype):
    if not _SAID:
        _SAID.append(True)
        warnings.warn(f"autocast: this engine computes every operation in the dtypes of its tensors (NumPy has no "
                      f"bfloat16), so the operations in this autocast region run at full precision, not in {dtype}; "
                      "this warning is shown once", UserWarning, stacklevel=3)


# What a GradScaler has done to one optimizer since its last update(): PyTorch's OptState.
_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """PyTorch's dynamic loss scaling: gradients of a loss multiplied by `scale`, divided again before the step, and
    the step skipped when one of them overflowed (inf or NaN), with the scale then reduced.

        scaler = GradScaler("cpu")
        scaler.scale(loss).backward()     # the loss times the scale (a Value); its gradients are scaled
        scaler.unscale_(optimizer)        # optional: divide them now, e.g. to clip them
        scaler.step(optimizer)            # unscales if not done yet; skips the step if any gradient is inf or NaN
        scaler.update()                   # the next scale: × backoff_factor after an overflow, × growth_factor
                                          # after growth_interval steps without one

    device: "cpu", or "cuda" (PyTorch's default), which this machine does not have: the scaler then warns and is
    disabled. A disabled scaler (`enabled=False`) passes everything through: `scale(loss)` is the loss itself and
    `step(optimizer)` is `optimizer.step()`. init_scale: the first scale; growth_factor > 1 and backoff_factor < 1
    multiply it; growth_interval: steps without an overflow before it grows.
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        if enabled and device not in _PLACES_HERE:
            warnings.warn(f"torch.{device}.amp.GradScaler is enabled, but {device.upper()} is not available.  "
                          "Disabling.", UserWarning, stacklevel=2 if type(self) is GradScaler else 3)
            enabled = False
        self._enabled = enabled
        if enabled:
            if not growth_factor > 1.0:
                raise ValueError(f"GradScaler: the growth factor must be > 1.0, got {growth_factor!r}")
            if not backoff_factor < 1.0:
                raise ValueError(f"GradScaler: the backoff factor must be < 1.0, got {backoff_factor!r}")
            _check_interval(growth_interval)
        self._init_scale = init_scale
        self._scale = None  # set by the first scale() call, as in PyTorch
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._states = {}  # id(optimizer) -> [stage, found an inf or NaN]

    def is_enabled(self):
        """Whether the scaler scales (False when made with enabled=False, or for a device that is not here)."""
        return self._enabled

    def scale(self, outputs):
        """outputs (a Value, or a list or tuple of them, nested) times the scale; outputs themselves if disabled."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = float(self._init_scale)
        return _scaled(outputs, self._scale)

    def unscale_(self, optimizer):
        """Divide the gradients of optimizer's parameters by the scale, in place, and note whether any is inf or
        NaN. Once per optimizer between two update() calls, and before step()."""
        if not self._enabled:
            return
        if self._scale is None:
            raise RuntimeError("unscale_: the scale is not set yet: call scaler.scale(loss) earlier in the iteration")
        _not_replayable("GradScaler.unscale_")
        state = self._state(optimizer)
        if state[0] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state[0] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        state[1] = _unscale_gradients(optimizer, 1.0 / self._scale)
        state[0] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(*args, **kwargs) after unscaling its gradients (unless unscale_ already did), unless one of
        them is inf or NaN: then the step is skipped and None returned."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        _not_replayable("GradScaler.step")
        state = self._state(optimizer)
        if state[0] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state[0] is _READY:
            self.unscale_(optimizer)
        result = None if state[1] else optimizer.step(*args, **kwargs)
        state[0] = _STEPPED
        return result

    def update(self, new_scale=None):
        """The scale for the next iteration: new_scale (a number, or a one-element tensor) if given; else the scale
        × backoff_factor if a gradient overflowed since the last update, × growth_factor after growth_interval
        updates in a row without one."""
        if not self._enabled:
            return
        if self._scale is None:
            raise RuntimeError("update: the scale is not set yet: call scaler.scale(loss) earlier in the iteration")
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        elif any(found for _, found in self._states.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._states = {}

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale if self._scale is None else self._scale)

    def get_growth_factor(self):
        """What the scale is multiplied by after growth_interval steps without an overflow."""
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        """Set the growth factor (see get_growth_factor)."""
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        """What the scale is multiplied by after a step with an inf or NaN gradient."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        """Set the backoff factor (see get_backoff_factor)."""
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        """How many steps in a row without an overflow make the scale grow."""
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        """Set the growth interval (a positive integer; see get_growth_interval)."""
        self._growth_interval = _check_interval(new_interval)

    def state_dict(self):
        """The scale and its settings (PyTorch's keys); {} when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        """Take the scale and settings of `state_dict` (from state_dict()); a disabled scaler ignores it, an enabled
        one refuses an empty one (a disabled scaler's)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._scale = None if self._scale is None else self._init_scale
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = _check_interval(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])

    def _state(self, optimizer):
        return self._states.setdefault(id(optimizer), [_READY, False])


def _not_replayable(what):
    from .jit import not_replayable  # the compiler loads on first use

    # A compiled step would replay neither the division of the gradients (NumPy, in place) nor the decision to skip
    # a step (Python, on their values): a function that uses an enabled scaler runs eagerly.
    not_replayable(f"{what} changes the gradients in place and decides in Python whether the step runs")


def _check_interval(interval):
    if not isinstance(interval, (int, np.integer)) or isinstance(interval, bool) or interval <= 0:
        raise ValueError(f"GradScaler: growth_interval must be a positive integer, got {interval!r}")
    return int(interval)


def _scaled(outputs, scale):
    if isinstance(outputs, Value):
        return outputs * scale
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(_scaled(o, scale) for o in outputs)
    raise TypeError(f"GradScaler.scale: outputs must be a tensor or a list or tuple of tensors, not "
                    f"{type(outputs).__name__}")


def _unscale_gradients(optimizer, inverse):
    """Multiply every gradient of optimizer's parameters by `inverse` in place; whether any is inf or NaN."""
    found = False
    for group in optimizer.param_groups:
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if isinstance(g, Value):  # a gradient recorded with create_graph=True
                g = g.data
            if np.asarray(g).dtype == np.float16:
                raise ValueError("Attempting to unscale FP16 gradients.")
            if isinstance(g, np.ndarray) and g.ndim:
                np.multiply(g, inverse, out=g, casting="same_kind")
            else:
                g = p.grad = g * inverse  # a 0-d parameter's gradient: a NumPy scalar, set anew
            found = found or not np.isfinite(g).all()
    return found


# torch.cuda.amp and torch.cpu.amp (cuda/amp.py, cpu/amp.py): PyTorch's deprecated names, each fixed to its device
# and warning as PyTorch's, pointed at the caller's line.
def _deprecated(old, new):
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}` instead.", FutureWarning, stacklevel=3)


class _CudaGradScaler(GradScaler):
    """torch.cuda.amp.GradScaler: a GradScaler for "cuda", which is not here: enabled, it warns and disables itself."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        _deprecated("torch.cuda.amp.GradScaler", "torch.amp.GradScaler('cuda', args...)")
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class _CpuGradScaler(GradScaler):
    """torch.cpu.amp.GradScaler: GradScaler("cpu", ...)."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        _deprecated("torch.cpu.amp.GradScaler", "torch.amp.GradScaler('cpu', args...)")
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class _CudaAutocast(autocast):
    """torch.cuda.amp.autocast: autocast("cuda", ...), disabled with a warning here (no GPU)."""

    def __init__(self, enabled=True, dtype=float16, cache_enabled=True):
        _deprecated("torch.cuda.amp.autocast", "torch.amp.autocast('cuda', args...)")
        super().__init__("cuda", dtype, enabled, cache_enabled)


class _CpuAutocast(autocast):
    """torch.cpu.amp.autocast: autocast("cpu", ...)."""

    def __init__(self, enabled=True, dtype=bfloat16, cache_enabled=True):
        _deprecated("torch.cpu.amp.autocast", "torch.amp.autocast('cpu', args...)")
        super().__init__("cpu", dtype, enabled, cache_enabled)


def _cuda_custom_fwd(fwd=None, *, cast_inputs=None):
    """torch.cuda.amp.custom_fwd: custom_fwd(device_type="cuda"), with PyTorch's FutureWarning."""
    _deprecated("torch.cuda.amp.custom_fwd", "torch.amp.custom_fwd(args..., device_type='cuda')")
    return custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def _cuda_custom_bwd(bwd):
    """torch.cuda.amp.custom_bwd: custom_bwd(device_type="cuda"), with PyTorch's FutureWarning."""
    _deprecated("torch.cuda.amp.custom_bwd", "torch.amp.custom_bwd(args..., device_type='cuda')")
    return custom_bwd(bwd, device_type="cuda")
