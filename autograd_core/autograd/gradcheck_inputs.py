"""What torch.autograd.gradcheck and gradgradcheck compare, as PyTorch chooses it, reduced to the core checks
(autograd_core.gradcheck: one function of the checked inputs with one Value out).

PyTorch checks the inputs that are Values requiring grad; every other argument (an index tensor, a Value that
requires no grad, a number) is passed to the function as it is, unperturbed. Without any input that requires grad
(this library's older, lenient use: plain arrays), every floating or complex input is checked, as before. A function
returning a tuple of Values (CS231n's `lstm_step_forward` returns (next_h, next_c)) is checked on all its floating
outputs, flattened and joined in order: a mismatch names an element of that joined vector."""

from __future__ import annotations

import re

import numpy as np

from ..gradcheck import GradcheckError
from ..ops.shape import concatenate
from ..value import Value


def _differentiable(x):
    """A Value or array of floating or complex numbers (integers and booleans are indices and masks: constants)."""
    data = x.data if isinstance(x, Value) else x
    return np.asarray(data).dtype.kind in "fc"


def reduced(func, inputs):
    """(function of the checked inputs returning one Value, the checked inputs, their positions among `inputs`)."""
    inputs = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Value) and x.requires_grad]
    if not positions:
        positions = [i for i, x in enumerate(inputs) if _differentiable(x)]

    def of_checked(*checked):
        arguments = list(inputs)
        for i, x in zip(positions, checked, strict=True):
            arguments[i] = x
        return joined(func(*arguments))

    return of_checked, [inputs[i] for i in positions], positions


def joined(out):
    """A function's output as one Value: a Value as it is; a tuple or list, its floating Values flattened and
    concatenated (integer outputs, like argmax's indices, have no derivative to check)."""
    if not isinstance(out, (tuple, list)):
        return out
    parts = [o.reshape(-1) for o in out if isinstance(o, Value) and _differentiable(o)]
    if not parts:
        raise TypeError("gradcheck: the function returned no floating Value to check")
    return parts[0] if len(parts) == 1 else concatenate(parts)


def joined_cotangents(grad_outputs):
    """gradgradcheck's grad_outputs for a tuple of outputs: flattened and joined as the outputs are."""
    if not isinstance(grad_outputs, (tuple, list)):
        return grad_outputs
    return np.concatenate([np.asarray(g.data if isinstance(g, Value) else g).reshape(-1) for g in grad_outputs])


def renumbered(check, positions):
    """Run check(); a GradcheckError's 'input k' (k among the checked inputs) named as the argument it is."""
    try:
        return check()
    except GradcheckError as err:
        message = re.sub(r"\binput (\d+)", lambda m: f"input {positions[int(m[1])]}", str(err))
        raise GradcheckError(message) from None
