"""PyTorch's `torch.backends`: what a course's set-up code sets or asks about GPUs and their libraries.

    import autograd_core.backends.cudnn as cudnn     # pytorch-cifar, the ImageNet example: import torch.backends.cudnn
    cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True     # nanoGPT
    torch.backends.mps.is_available()                # False

There is no GPU, cuDNN or MPS here: the flags are kept (settable, as in PyTorch) and change nothing; every operation
here is deterministic already. The CPU's backends answer for this library: `cpu.get_cpu_capability()` names NumPy's
vector instructions, `mkl.is_available()` says whether NumPy's BLAS is MKL, and oneDNN (`mkldnn`), OpenMP, NNPACK,
opt_einsum and quantized engines are not here. `cudnn`, `cuda`, `mps` and the others are modules, as PyTorch's are,
so that `import torch.backends.cudnn as cudnn` works with the import line changed.
"""

from . import cuda, cudnn, mps
from ..lazy_imports import lazy_attributes

# The switches few scripts touch load on first use (`torch.backends.mkldnn`, `import torch.backends.opt_einsum`).
_LATER = ("cpu", "mha", "mkl", "mkldnn", "nnpack", "openmp", "opt_einsum", "quantized")
__all__ = ["cuda", "cudnn", "mps", *_LATER]
__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LATER)
