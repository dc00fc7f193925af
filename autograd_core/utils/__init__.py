"""Utilities under PyTorch's names: `autograd_core.utils.data` (Dataset, IterableDataset, TensorDataset, Subset,
ConcatDataset, ChainDataset, StackDataset, random_split, the samplers, default_collate/default_convert,
get_worker_info, DataLoader) and `autograd_core.utils.checkpoint` (checkpoint, checkpoint_sequential)."""

from . import data  # noqa: F401
from ..lazy_imports import lazy_attributes

# torch.utils.checkpoint (activation checkpointing) loads on first use: `autograd_core.utils.checkpoint.checkpoint`
__getattr__, __dir__ = lazy_attributes(__name__, globals(), ("checkpoint",))
