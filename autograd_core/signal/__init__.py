"""torch.signal: signal processing. Its one namespace, `windows` (autograd_core.signal.windows), loads on first use."""

from ..lazy_imports import lazy_attributes

__all__ = ["windows"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), ("windows",))
