"""Utilities under PyTorch's names: `autograd_core.utils.data` (Dataset, IterableDataset, TensorDataset, Subset,
ConcatDataset, ChainDataset, StackDataset, random_split, the samplers, default_collate/default_convert,
get_worker_info, DataLoader)."""

from . import data  # noqa: F401
