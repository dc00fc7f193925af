"""PyTorch's global switches that change nothing here, kept so that scripts setting and reading them run:
`use_deterministic_algorithms` and its kin (every operation here is deterministic), `set_float32_matmul_precision`
(NumPy's float32 products are always full precision), and `accelerator` (there is none).

Apart from tensor.py (the factories) and torch_functions.py (the functions on tensors): these are settings, not
operations.
"""

from __future__ import annotations


class accelerator:  # noqa: N801  (PyTorch 2's torch.accelerator namespace)
    """No accelerator here: `accelerator.is_available()` is False."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def current_accelerator():
        return None


_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """PyTorch's switch to deterministic algorithms. Every operation here is deterministic (NumPy on the CPU; the
    threaded convolutions split the batch, never a sum), so the setting is only kept for
    `are_deterministic_algorithms_enabled()`."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {type(mode).__name__}")
    _DETERMINISTIC.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled():
    """What `use_deterministic_algorithms` last set (False at first, as in PyTorch)."""
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """The warn_only flag `use_deterministic_algorithms` last set (False at first)."""
    return _DETERMINISTIC["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """PyTorch's other spelling of the switch: 0 or "default" (off), 1 or "warn" (on, warn only), 2 or "error" (on).
    Every operation here is deterministic, so this is only kept, as `use_deterministic_algorithms` keeps it."""
    modes = {"default": 0, "warn": 1, "error": 2}
    level = modes.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if isinstance(level, bool) or level not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, 0, 1, 2, but "
                           f"got {debug_mode!r}")
    _DETERMINISTIC.update(mode=level > 0, warn_only=level == 1)


def get_deterministic_debug_mode():
    """0 (off), 1 (warn only) or 2 (on), from what `use_deterministic_algorithms` or
    `set_deterministic_debug_mode` last set."""
    if not _DETERMINISTIC["mode"]:
        return 0
    return 1 if _DETERMINISTIC["warn_only"] else 2


_MATMUL_PRECISION = ["highest"]


def set_float32_matmul_precision(precision):
    """PyTorch's permission to multiply float32 matrices in lower internal precision ("high": TF32 on GPUs,
    "medium": bfloat16), which GPT-2 training scripts set. NumPy's float32 products are always full precision here,
    so the setting is only kept for `get_float32_matmul_precision()`. precision: "highest", "high" or "medium"."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: precision must be 'highest', 'high' or 'medium', "
                           f"got {precision!r}")
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision():
    """What `set_float32_matmul_precision` last set ("highest" at first, as in PyTorch)."""
    return _MATMUL_PRECISION[0]
