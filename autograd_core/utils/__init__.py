"""Utilities under PyTorch's names: `autograd_core.utils.data` (Dataset, TensorDataset, DataLoader)."""

from . import data  # noqa: F401
