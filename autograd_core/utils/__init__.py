"""Utilities under PyTorch's names: `autograd_core.utils.data` (Dataset, IterableDataset, TensorDataset, Subset,
ConcatDataset, ChainDataset, StackDataset, random_split, the samplers, default_collate/default_convert,
get_worker_info, DataLoader), `autograd_core.utils.checkpoint` (checkpoint, checkpoint_sequential) and
`autograd_core.utils.tensorboard` (SummaryWriter: scalars and text to TensorBoard's event files) and
`autograd_core.utils.dlpack` (from_dlpack, to_dlpack: memory shared with other array libraries) and
`autograd_core.utils.benchmark` (Timer, Measurement)."""

from . import data  # noqa: F401
from ..lazy_imports import lazy_attributes

# torch.utils.checkpoint (activation checkpointing) and torch.utils.tensorboard load on first use
__getattr__, __dir__ = lazy_attributes(__name__, globals(),
                                       ("checkpoint", "tensorboard", "dlpack", "hooks", "benchmark"))
