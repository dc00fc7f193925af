"""`torch.backends.mps`: Apple's Metal backend, which is not here (`is_available()` is False)."""


def is_available():
    """False: there is no MPS device here."""
    return False


def is_built():
    """False: this library is not built with MPS."""
    return False
