"""PyTorch's refusals of a layer's operands whose dtypes differ (CPU), word for word: one check per layer family.

PyTorch computes a layer in one dtype and raises when the input and the layer's parameters disagree (a float64 batch
through a float32 model, a real layer given complex numbers) instead of promoting; NumPy would quietly promote. Each
family words it differently, because each message comes from a different ATen kernel (tests/test_parity_gaps.py and
tests/test_complex_gaps2.py compare every case with PyTorch):

* linear (nn.Linear, F.linear, the recurrent cells' products): addmm's checks with a bias, mm's without;
* convolutions and their transposes: the direct ones check the bias first, the transposed ones the weight first;
  a float32 input with a batch of more than one sample, a bfloat16 input, or a float16 one on a processor with
  float16 instructions, goes to PyTorch's oneDNN (MKLDNN) kernel, whose words say more; an unbatched float32 input
  (or a batch of one) meets the plain kernel's "expected scalar type";
* bilinear: every operand named; prelu: "Type promoting not supported";
* normalisation (layer_norm, group_norm, batch_norm, instance_norm): the parameters may be float32 around a float16
  or bfloat16 input ("mixed dtype"), else they must all have the input's dtype;
* the recurrent layers' input against their weights: a ValueError, for any two dtypes.

Complex operands of two widths (complex64 with complex128) promote, as before. Each check costs a few dtype
comparisons when everything agrees, the case of every training step. (rms_norm does not refuse: PyTorch computes it
in the input's dtype, nn/norm_extra.py.)
"""

from __future__ import annotations

import functools

import numpy as np

from autograd_core.errors import cpp_name, legacy_name, scalar_type_name
from autograd_core.ops import data_of
from autograd_core.ops.linalg import refuse_mixed_addmm
from autograd_core.value import Value

_HALF_PRECISION = frozenset(("float16", "bfloat16"))


def _dtype(x):
    return None if x is None else x.data.dtype if isinstance(x, Value) else np.asarray(data_of(x)).dtype


def _complex_widths_only(*dtypes):
    """Whether the given dtypes (None: absent) are all complex: two complex widths promote, as they always have."""
    return all(d.kind == "c" for d in dtypes if d is not None)


def check_linear(input, weight, bias=None, *, array_takes_weight_dtype=False):  # noqa: A002
    """Raise PyTorch's RuntimeError when linear's input, weight and bias do not share one dtype: with a bias, addmm's
    words (the bias against the weight first, then the input); without, mm's.
    array_takes_weight_dtype: a NumPy input is converted to the weight's dtype by the caller (the recurrent layers'
    states), so only a real/complex mix of it is refused."""
    x, w, b = _dtype(input), _dtype(weight), _dtype(bias)
    if x == w and (b is None or b == w) or _complex_widths_only(x, w, b):
        return
    if array_takes_weight_dtype and not isinstance(input, Value) and (x.kind == "c") == (w.kind == "c"):
        x = w
    if b is None:
        if x != w:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(x)} != {cpp_name(w)}")
        return
    refuse_mixed_addmm(b, x, w)  # PyTorch's linear with a bias is addmm(bias, input, weightᵀ)


def _oneDNN(x, batch):
    """Whether PyTorch's CPU convolution takes its oneDNN (MKLDNN) kernel, whose type check words it differently: a
    bfloat16 input, a float16 one on a processor with half-precision arithmetic, or a float32 one with more than one
    sample."""
    if x == np.float16:
        return _host_computes_float16()
    return x.name in _HALF_PRECISION or x == np.float32 and batch > 1


_FLOAT16_CPU_FLAGS = frozenset(("avx512_fp16", "avx_ne_convert", "amx_fp16"))


@functools.cache
def _host_computes_float16():
    """Whether this processor has the instructions oneDNN needs for float16 (AVX512-FP16, or AVX-NE-CONVERT, or
    AMX-FP16, as Linux names them in /proc/cpuinfo): without them PyTorch sends a float16 convolution to its plain
    kernel (`torch.ops.mkldnn._is_mkldnn_fp16_supported()`). Elsewhere (no /proc/cpuinfo) assumed absent. Read on
    an error path only."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return not _FLOAT16_CPU_FLAGS.isdisjoint(line.split(":", 1)[1].split())
    except OSError:
        pass
    return False


def _refuse_weight(x, w, batch):
    if x.kind == "c":
        raise RuntimeError(f"Input type ({legacy_name(x)}) and weight type ({legacy_name(w)}) should be the same")
    if _oneDNN(x, batch):
        raise RuntimeError(f"Input type ({legacy_name(x)}) and weight type ({legacy_name(w)}) should be the same "
                           "or input should be a MKLDNN tensor and weight is a dense tensor")
    raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(w)}")


def check_convolution(input, weight, bias=None, transposed=False, nd=2):  # noqa: A002
    """Raise PyTorch's RuntimeError when a convolution's input, weight and bias do not share one dtype. input: as the
    caller was given it, batched (N, C, *spatial) or not (C, *spatial); nd: the number of spatial axes. A transposed
    convolution in 1-D or 2-D takes a real bias of another float width (its kernel adds it in the input's dtype, as
    PyTorch's does)."""
    x, w = _dtype(input), _dtype(weight)
    b = x if bias is None else _dtype(bias)
    if x == w and b == x or _complex_widths_only(x, w, b):
        return
    shape = np.shape(data_of(input))
    batch = shape[0] if len(shape) == nd + 2 else 1
    if not transposed and b != x:
        raise RuntimeError(f"Input type ({cpp_name(x)}) and bias type ({cpp_name(b)}) should be the same")
    if w != x:
        _refuse_weight(x, w, batch)
    # a transposed convolution's bias of another dtype
    if x.kind == "c":
        raise RuntimeError(f"Input type ({legacy_name(x)}) and bias type ({legacy_name(b)}) should be the same")
    if _oneDNN(x, batch):
        raise RuntimeError(f"Input type ({legacy_name(x)}) and bias type ({legacy_name(b)}) should be the same or "
                           "input should be a MKLDNN tensor and bias is a dense tensor")
    if nd == 3:
        raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(b)}")
    if b.kind == "c":
        raise RuntimeError(f"result type {scalar_type_name(b)} can't be cast to the desired output type "
                           f"{scalar_type_name(x)}")


def check_bilinear(input1, input2, weight, bias=None):
    """F.bilinear's operands: PyTorch's RuntimeError, naming each operand's dtype, unless all share one."""
    dtypes = [_dtype(v) for v in (input1, input2, weight, bias)]
    first = dtypes[0]
    if all(d is None or d == first for d in dtypes) or _complex_widths_only(*dtypes):
        return
    names = ", ".join(f"{name}: {cpp_name(d)}" for name, d in zip(("input1", "input2", "weight", "bias"), dtypes)
                      if d is not None)
    raise RuntimeError(f"All tensors must have the same dtype, got {names}")


def check_prelu(input, weight):  # noqa: A002
    """F.prelu's input and slope: PyTorch's RuntimeError unless their dtypes agree (no promotion)."""
    x, w = _dtype(input), _dtype(weight)
    if x != w and x.kind == "f" and w.kind == "f":
        raise RuntimeError(f"prelu: Type promoting not supported. Got {scalar_type_name(x)} and {scalar_type_name(w)}")


def check_norm_parameters(input, *parameters):  # noqa: A002
    """Raise PyTorch's RuntimeError unless the normalisation's parameters (weight, bias, then any running statistics;
    None for those not given) suit the input's dtype: all of the input's dtype, or all float32 around a float16 or
    bfloat16 input. Whether the parameters are "mixed" is decided by the first one given, as ATen does."""
    dtype = _dtype(input)
    for p in parameters:  # the common case first: each parameter's dtype the input's (one comparison each)
        if p is not None and _dtype(p) != dtype:
            break
    else:
        return
    given = [_dtype(p) for p in parameters if p is not None]
    if given[0] != dtype:  # mixed: ATen's check_mixed_data_type
        if any(d != np.float32 for d in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if dtype.name not in _HALF_PRECISION:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    other = next(d for d in given if d != dtype)
    raise RuntimeError(f"expected scalar type {scalar_type_name(dtype)} but found {scalar_type_name(other)}")


def check_recurrent_input(input, weight):  # noqa: A002
    """nn.RNN/LSTM/GRU's check of the input against the parameters: PyTorch's ValueError where their dtypes differ
    (float widths, or real and complex numbers)."""
    x, w = _dtype(input), _dtype(weight)
    if x != w:
        raise ValueError(f"RNN input dtype (torch.{x.name}) does not match weight dtype (torch.{w.name}). Convert "
                         f"input: input.to(torch.{w.name}), or convert model: model.to(torch.{x.name})")
