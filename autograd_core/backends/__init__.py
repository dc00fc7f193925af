"""PyTorch's `torch.backends`: what a course's set-up code sets or asks about GPUs and their libraries.

    import autograd_core.backends.cudnn as cudnn     # pytorch-cifar, the ImageNet example: import torch.backends.cudnn
    cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True     # nanoGPT
    torch.backends.mps.is_available()                # False

There is no GPU, cuDNN or MPS here: the flags are kept (settable, as in PyTorch) and change nothing; every operation
here is deterministic already. `cudnn`, `cuda` and `mps` are modules, as PyTorch's are, so that `import
torch.backends.cudnn as cudnn` works with the import line changed.
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
