"""PyTorch's refusals of a loss's operands whose dtypes or shapes its kernel does not take, in PyTorch's words.

NumPy would compute every loss below for integers, bools and shapes that broadcast; PyTorch's kernels refuse some of
these, and a beginner's mistake (integer labels where probabilities belong, a (N, 1) output against (N,) targets)
should fail here as it does there, not give a number that PyTorch would not:

* the kernels for floating point numbers only (nll_loss's, log_softmax's, mse's, smooth L1's, Huber's, the logits'
  log_sigmoid): NotImplementedError('"mse_cpu" not implemented for 'Long''), for integer or bool operands;
* binary_cross_entropy: the target must have the input's dtype ("Found dtype Long but expected Float");
* class labels (cross_entropy, nll_loss): int64 or uint8 only ("expected target dtype to be Long or Byte, ...",
  loss_classification.py's `_labels`);
* kl_div: no integral operands;
* CrossEntropyLoss's and NLLLoss's class weights: the input's dtype ("expected scalar type Float but found Double");
* the elementwise regression losses (mse, L1, smooth L1, Huber) broadcast a target of another shape, with PyTorch's
  warning that this is likely a mistake; the binary cross-entropies refuse it (ValueError).

Targets given as NumPy arrays or lists (which PyTorch never sees) are converted to the input's dtype by the losses,
as before: only Values are checked. Each check is a dtype test or a shape comparison when all is well.
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd_core import DTypeError, ShapeError, Value
from autograd_core.errors import not_broadcastable, scalar_type_name
from autograd_core.ops import data_of


def _is_integral(x):
    return isinstance(x, Value) and x.data.dtype.kind in "biu"


def refuse_integral_kernel(kernel, *xs, hint=""):
    """PyTorch's NotImplementedError('"kernel" not implemented for 'Long'') when the first of xs that is an integer
    or bool Value is one (the loss's kernel computes in floating point only); hint: ours, appended."""
    for x in xs:
        if _is_integral(x):
            raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(x.dtype)}\'{hint}')


def refuse_all_integral_kernel(kernel, input, target):  # noqa: A002
    """As refuse_integral_kernel, only when both operands are integers or bools: PyTorch promotes an integer operand
    against a floating point one (mse_loss(floats, int_targets) works) and refuses integers against integers."""
    if _is_integral(input) and _is_integral(target):
        refuse_integral_kernel(kernel, input, hint=" (convert first: input.float(), target.float())")


def refuse_float_result_into_integer_input(input, target):  # noqa: A002
    """huber_loss's and soft_margin_loss's refusal of an integer input with a floating point target: PyTorch writes
    the result into a tensor of the input's dtype."""
    if _is_integral(input) and isinstance(target, Value) and target.dtype.kind in "fc":
        raise RuntimeError(f"result type {scalar_type_name(target.dtype)} can't be cast to the desired output type "
                           f"{scalar_type_name(input.dtype)} (convert first: input.float())")


def refuse_integral_soft_margin_input(input):  # noqa: A002
    """soft_margin_loss's kernel writes its floating point result into a tensor of the input's dtype."""
    if _is_integral(input):
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{scalar_type_name(input.dtype)} (soft_margin_loss: the input must be floating point)")


def check_binary_cross_entropy_target(input, target):  # noqa: A002
    """binary_cross_entropy's: a target Value of another dtype than the input's (integer labels, float64 against
    float32) is refused, as PyTorch's kernel does."""
    if isinstance(target, Value) and target.data.dtype != input.data.dtype:
        raise RuntimeError(f"Found dtype {scalar_type_name(target.dtype)} but expected "
                           f"{scalar_type_name(input.dtype)} (binary_cross_entropy: convert the target, "
                           f"target.to(input.dtype), e.g. labels.float())")


def check_logits_target(input, target):  # noqa: A002
    """binary_cross_entropy_with_logits': PyTorch's refusals of integer logits (its log_sigmoid kernel) and of
    integer or bool targets (its arithmetic)."""
    refuse_integral_kernel("log_sigmoid_cpu", input, hint=" (binary_cross_entropy_with_logits: the logits must be "
                           "floating point)")
    if not _is_integral(target):
        return
    hint = " (binary_cross_entropy_with_logits: the target must be floating point, e.g. labels.float())"
    if target.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           f"`logical_xor()` operator instead.{hint}")
    raise RuntimeError(f"result type {scalar_type_name(input.dtype)} can't be cast to the desired output type "
                       f"{scalar_type_name(target.dtype)}{hint}")


def refuse_integral_kl_div(input, target):  # noqa: A002
    if _is_integral(input) or _is_integral(target):
        raise RuntimeError("kl_div: Integral inputs not supported.")


def torch_size(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])"


def broadcast_target(input, target, who, stacklevel=3):  # noqa: A002
    """mse, L1, smooth L1 and Huber's target of another shape than the input: PyTorch's warning (this is most often a
    (N, 1) output against (N,) targets, whose loss compares every output with every target), then both broadcast
    to one shape, or PyTorch's error if they do not broadcast."""
    if input.data.shape == target.data.shape:  # (the arrays' shapes: cheaper than the Values' torch.Size)
        return input, target
    warnings.warn(f"Using a target size ({torch_size(target.shape)}) that is different to the input size "
                  f"({torch_size(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                  "Please ensure they have the same size.", UserWarning, stacklevel=stacklevel)
    shape = broadcast_shapes_or_raise(input.shape, target.shape, who)
    return input.expand(*shape), target.expand(*shape)  # as PyTorch's broadcast_tensors


def broadcast_shapes_or_raise(a, b, who):
    """The shape that a and b broadcast to, or PyTorch's RuntimeError naming the first axis (from the right) where
    they do not."""
    a, b = tuple(a), tuple(b)
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ShapeError(f"{not_broadcastable(a, b)} ({who})") from None


def refuse_other_target_size(input, target, logits):  # noqa: A002
    """The binary cross-entropies' ValueError for a target of another shape than the input, in PyTorch's words."""
    if input.data.shape == target.data.shape:
        return
    if logits:
        raise ShapeError(f"Target size ({torch_size(target.shape)}) must be the same as input size "
                         f"({torch_size(input.shape)})")
    raise ShapeError(f"Using a target size ({torch_size(target.shape)}) that is different to the input size "
                     f"({torch_size(input.shape)}) is deprecated. Please ensure they have the same size.")


def refuse_class_weight_of_another_dtype(loss, input, target, who):  # noqa: A002
    """The module's class weights, given as a Value (PyTorch's tensor), against class labels: PyTorch's kernel refuses
    weights of another dtype than the input's (float64 weights from NumPy or scikit-learn, with a float32 model).
    Weights given as a list or an array (which PyTorch does not take) are converted, as before."""
    weight = loss.weight
    if (weight is not None and getattr(loss, "_weight_of_value", False) and isinstance(input, Value)
            and weight.dtype != input.dtype and np.asarray(data_of(target)).dtype.kind != "f"):
        raise DTypeError(f"expected scalar type {scalar_type_name(input.dtype)} but found "
                         f"{scalar_type_name(weight.dtype)} ({who}: the class weights must have the input's dtype: "
                         f"make them with dtype={input.dtype}, or convert the input)")
