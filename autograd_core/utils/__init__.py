"""Utilities under PyTorch's names: `autograd_core.utils.data` (Dataset, TensorDataset, Subset, random_split,
DataLoader)."""

from . import data  # noqa: F401
