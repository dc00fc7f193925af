"""The functional forms of the layers and losses: `nn.functional.linear(x, W, b)`, `relu(x)`, ...

Each function lives next to its module (linear.py, norm.py, loss.py, ...); this file gathers them, as
`torch.nn.functional` does. Convolutions and pooling come from conv.py and pool.py when present.
"""

from __future__ import annotations

import importlib

from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .container import flatten
from .dropout import dropout
from .embedding import embedding
from .linear import linear
from .loss import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss, nll_loss,
)
from .norm import batch_norm, layer_norm, normalize

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "batch_norm",
    "layer_norm", "normalize", "embedding", "flatten",
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "hinge_loss",
]

_OPTIONAL = {
    ".conv": ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"),
    ".pool": ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_avg_pool2d",
              "adaptive_avg_pool2d", "adaptive_avg_pool"),
}


def optional_exports(table, namespace, exported):
    """Copy the names of `table` (module -> names) that exist into `namespace` and the `exported` list.

    A missing file is skipped; an error inside an existing file is raised, not hidden.
    """
    for module_name, names in table.items():
        try:
            module = importlib.import_module(module_name, __package__)
        except ModuleNotFoundError as err:
            if err.name != f"{__package__}.{module_name.lstrip('.')}":
                raise
            continue
        for name in names:
            if hasattr(module, name):
                namespace[name] = getattr(module, name)
                exported.append(name)


optional_exports(_OPTIONAL, globals(), __all__)
