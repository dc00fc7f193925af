"""PyTorch's `torch.nn.modules.container`: the same classes, for code that imports them from there."""

from .. import Container, Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
