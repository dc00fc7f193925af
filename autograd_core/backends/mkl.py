"""`torch.backends.mkl`: whether Intel's MKL does the linear algebra (NumPy's BLAS does it here)."""

__all__ = ["is_available", "verbose", "VERBOSE_OFF", "VERBOSE_ON"]

VERBOSE_OFF = 0
VERBOSE_ON = 1


def is_available():
    """Whether NumPy, which does this library's matrix products and decompositions, is linked against MKL (False with
    the OpenBLAS of NumPy's wheels)."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001  (NumPy 1.x has no dict mode; assume its wheels' OpenBLAS)
        return False
    return "mkl" in str(blas).lower()


class verbose:  # noqa: N801  (PyTorch's name)
    """`with torch.backends.mkl.verbose(level):` MKL's logging; does nothing here."""

    def __init__(self, enable):
        self.enable = enable

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
