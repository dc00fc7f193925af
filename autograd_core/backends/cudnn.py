"""`torch.backends.cudnn`: cuDNN's switches, kept and unused (there is no cuDNN here: `is_available()` is False)."""

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
