"""`torch.backends.openmp`: whether kernels run on OpenMP threads."""

__all__ = ["is_available"]


def is_available():
    """False: this library's threaded kernels use Python threads (autograd_core.threads), not OpenMP."""
    return False
