"""PyTorch's process-wide switches and introspection helpers that scripts call at start-up or in checks:
`set_default_tensor_type`, the anomaly switches (`is_anomaly_enabled`, `set_anomaly_enabled`,
`is_anomaly_check_nan_enabled`), `get_num_interop_threads`/`set_num_interop_threads`, `set_warn_always`/
`is_warn_always_enabled`, `set_flush_denormal`, `typename` and `is_storage`.

The package loads this module on first use of one of its names.
"""

from __future__ import annotations

import numbers
import warnings

from .modes import ANOMALY
from .modes import is_inference_mode_enabled  # noqa: F401  (torch.is_inference_mode_enabled)
from .value import Value

_STATE = {"warn_always": False, "interop_threads": None}


def set_default_tensor_type(t):
    """PyTorch's deprecated way to set the default float dtype: `set_default_tensor_type(torch.DoubleTensor)` or
    `set_default_tensor_type('torch.DoubleTensor')` is set_default_dtype(float64) (FloatTensor float32,
    HalfTensor float16), with PyTorch's deprecation warning. Integer types raise TypeError, as in PyTorch; CUDA
    types ('torch.cuda.FloatTensor') raise RuntimeError (there is no GPU here)."""
    from .tensor import _legacy_types
    from .dtypes import set_default_dtype

    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        module, _, name = t.rpartition(".")
        if module == "torch.cuda":
            raise RuntimeError(f"set_default_tensor_type: {t} is a CUDA type; autograd_core runs on the CPU with "
                               "NumPy (use set_default_dtype)")
        if module != "torch" or name not in _legacy_types():
            raise TypeError(f"set_default_tensor_type: invalid type {t!r} (expected a name such as "
                            "'torch.DoubleTensor')")
        t = _legacy_types()[name]
    dtype = getattr(t, "dtype", None) if isinstance(t, type) and t.__name__ in _legacy_types() else None
    if dtype is None or dtype.kind != "f":
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    set_default_dtype(dtype)


# ----------------------------------------------------------------------------------------------------
# Anomaly detection (anomaly.py): PyTorch's switches under their top-level names.


def is_anomaly_enabled():
    """True while anomaly detection is on (detect_anomaly(), set_anomaly_enabled(True))."""
    return ANOMALY.enabled


def set_anomaly_enabled(enabled, check_nan=True):
    """Switch anomaly detection on or off for the whole process (PyTorch's torch.set_anomaly_enabled): every
    forward result and gradient is checked for NaN/Inf. check_nan is kept for is_anomaly_check_nan_enabled();
    here the NaN/Inf check is all anomaly detection does, so it checks either way."""
    ANOMALY.enabled, ANOMALY.check_nan = bool(enabled), bool(check_nan)


def is_anomaly_check_nan_enabled():
    """The check_nan flag of the last set_anomaly_enabled (True by default, as PyTorch's)."""
    return ANOMALY.check_nan


# ----------------------------------------------------------------------------------------------------
# Threads, warnings, denormals.


def _positive_int(n, who):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{who} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{who} expects a positive integer")
    return int(n)


def get_num_interop_threads():
    """The number of threads PyTorch would use for inter-op parallelism (running independent operations at once).
    Operations here run one after another in the calling thread, so the number changes nothing; it is the
    set_num_interop_threads value, by default get_num_threads()'s."""
    if _STATE["interop_threads"] is None:
        from .threads import get_num_threads

        return get_num_threads()
    return _STATE["interop_threads"]


def set_num_interop_threads(num):
    """Keep `num` (a positive int) as get_num_interop_threads()'s answer; nothing runs between operations here, so
    unlike PyTorch's it may be set again at any time."""
    _STATE["interop_threads"] = _positive_int(num, "set_num_interop_threads")


def set_warn_always(b):
    """Keep PyTorch's warn-always flag (b must be a bool): PyTorch then repeats warnings it gives once per process.
    Python's warnings filters decide that here (warnings.simplefilter('always')); the flag is reported by
    is_warn_always_enabled()."""
    if not isinstance(b, bool):
        raise RuntimeError(f"set_warn_always expects a bool, but got {type(b).__name__}")
    _STATE["warn_always"] = b


def is_warn_always_enabled():
    """The flag set_warn_always set (False by default)."""
    return _STATE["warn_always"]


def set_flush_denormal(mode):
    """False: NumPy offers no switch to flush denormal floats to zero, and PyTorch returns False where the CPU
    cannot do it, leaving arithmetic unchanged."""
    return False


# ----------------------------------------------------------------------------------------------------
# Introspection.


def typename(obj):
    """A readable name of obj's type, as PyTorch's: 'torch.FloatTensor' (and its siblings by dtype) for a Value,
    else the dotted module and qualified name of obj (or of its class, for an instance), without 'builtins.'."""
    if isinstance(obj, Value):
        from .dtypes import _TYPE_NAMES

        return f"torch.{_TYPE_NAMES.get(obj.data.dtype, 'Tensor')}"
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module, qualname = obj.__class__.__module__ or "", obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def is_storage(obj):
    """True if obj is a storage (what x.storage() and x.untyped_storage() return)."""
    from .storage import TypedStorage, UntypedStorage

    return isinstance(obj, (TypedStorage, UntypedStorage))
