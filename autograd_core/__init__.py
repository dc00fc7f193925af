"""autograd-core: reverse-mode automatic differentiation on NumPy, one `Value` node for scalars and arrays.

    from autograd_core import Value
    x = Value(2.0); y = (x * x).tanh(); y.backward(); x.grad
"""

from .value import Value  # first: the engine and the operations build on it
from .engine import enable_grad, is_grad_enabled, name_scope, no_grad, set_grad_enabled
from .ops import (
    abs, clip, concatenate, cos, exp, leaky_relu, log, log_softmax, logsumexp, matmul, max, maximum,
    mean, min, minimum, relu, sigmoid, sin, softmax, sqrt, stack, sum, tanh, var, where,
)
from .ops.shape import reshape, transpose
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .functional import jacfwd, jacrev
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .anomaly import AnomalyError, detect_anomaly
from .jit import CompileWarning, compile  # noqa: A004  (autograd_core.compile, like torch.compile)

__version__ = "0.1.0"

__all__ = [
    "Value", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "name_scope",
    "abs", "clip", "concatenate", "cos", "exp", "leaky_relu", "log", "log_softmax", "logsumexp",
    "matmul", "max", "maximum", "mean", "min", "minimum", "relu", "sigmoid", "sin", "softmax", "sqrt",
    "stack", "sum", "tanh", "var", "where", "reshape", "transpose",
    "grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp",
    "jacfwd", "jacrev", "compile", "CompileWarning",
    "gradcheck", "gradgradcheck", "GradcheckError", "detect_anomaly", "AnomalyError",
]

# `import autograd_core as torch; torch.nn.Linear(...)` works as in PyTorch, yet importing the core loads
# none of nn, optim or viz (the engine never depends on them): each is imported on first attribute access.
_SUBPACKAGES = ("nn", "optim", "viz")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES))
