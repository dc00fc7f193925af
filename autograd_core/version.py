"""PyTorch's `torch.version`, which environment reports print: this package's version, and no CUDA or ROCm build.

    print(torch.__version__, torch.version.cuda)   # 0.1.0 None
"""

from __future__ import annotations

from . import __version__  # noqa: F401  (torch.version.__version__)

cuda = None  # no CUDA toolkit this was built for (PyTorch's CPU builds say None too)
hip = rocm = None  # nor ROCm
xpu = None
debug = False  # not a debug build
git_version = "unknown"  # a source checkout's commit is not recorded in the package
