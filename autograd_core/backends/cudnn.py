"""`torch.backends.cudnn`: cuDNN's switches, kept and unused (there is no cuDNN here: `is_available()` is False)."""

import contextlib
import sys

enabled = True
deterministic = False
benchmark = False
allow_tf32 = True


def is_available():
    """False: there is no cuDNN here."""
    return False


def version():
    """None, as PyTorch's without cuDNN."""
    return None
benchmark_limit = 10


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """torch.backends.cudnn.flags: set the switches above for the block and restore them after it, as PyTorch's
    (the NTK tutorial's `with torch.backends.cudnn.flags(allow_tf32=False):`). fp32_precision and depthwise_kernel
    are accepted; nothing here reads any of them."""
    module = sys.modules[__name__]
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    before = {name: getattr(module, name) for name in names}
    for name, value in zip(names, (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)):
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(module, name, value)
