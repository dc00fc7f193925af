"""nn.conv: forward against naive loops, gradients against finite differences and PyTorch (float64),
second derivatives, output shapes of transposed convolutions, shape errors, and the layer modules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_core import Value, nn
from autograd_core.engine import grad
from autograd_core.gradcheck import gradcheck, gradgradcheck
from autograd_core.nn.conv import (
    Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, conv1d, conv2d, conv_transpose1d, conv_transpose2d,
)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# ----------------------------------------------------------------------------------------------------
# Naive references: the definitions, one multiply-add at a time.


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """Cross-correlation by explicit loops; padding is ((top, bottom), (left, right))."""
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    (pt, pb), (pl, pr) = padding
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    xp = np.zeros((N, C, H + pt + pb, W + pl + pr))
    xp[:, :, pt:pt + H, pl:pl + W] = x
    Ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    Wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, Ho, Wo))
    for n in range(N):
        for o in range(O):
            first = (o // (O // groups)) * Cg  # first input channel of this output's group
            for i in range(Ho):
                for j in range(Wo):
                    acc = 0.0 if b is None else b[o]
                    for c in range(Cg):
                        for p in range(kh):
                            for q in range(kw):
                                acc += xp[n, first + c, i * sh + p * dh, j * sw + q * dw] * w[o, c, p, q]
                    out[n, o, i, j] = acc
    return out


def naive_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation, groups):
    """Each input pixel scatters weight · value into the (uncropped) output, then padding is cropped."""
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = pair(stride), pair(padding), pair(output_padding), pair(dilation)
    N, Cin, H, W = x.shape
    _, Cog, kh, kw = w.shape
    Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    Wo = (W - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    full = np.zeros((N, Cog * groups, (H - 1) * sh + dh * (kh - 1) + 1 + oph, (W - 1) * sw + dw * (kw - 1) + 1 + opw))
    for n in range(N):
        for ci in range(Cin):
            first = (ci // (Cin // groups)) * Cog  # first output channel of this input's group
            for i in range(H):
                for j in range(W):
                    for co in range(Cog):
                        for p in range(kh):
                            for q in range(kw):
                                row, col = i * sh + p * dh, j * sw + q * dw
                                full[n, first + co, row, col] += x[n, ci, i, j] * w[ci, co, p, q]
    out = full[:, :, ph:ph + Ho, pw:pw + Wo]
    return out if b is None else out + b.reshape(-1, 1, 1)


def same_padding(kernel, dilation):
    """PyTorch's 'same': d(k−1) in total per axis, the odd one at the end."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, pair(dilation)))


# x shape, weight shape, options; covers stride, padding (int, pair, 'same' odd/even, 'valid', wider than
# the kernel), dilation, groups (incl. depthwise), 1×1 kernels, bias or not, and the stride-1 wide path.
CONV2D_CASES = {
    "basic": ((2, 3, 6, 7), (4, 3, 3, 3), dict(), True),
    "stride2-pad1": ((2, 3, 7, 6), (4, 3, 3, 2), dict(stride=2, padding=1), True),
    "pairs": ((1, 2, 7, 8), (3, 2, 2, 3), dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1)), True),
    "same-dilated": ((1, 2, 6, 5), (3, 2, 3, 3), dict(padding="same", dilation=2), True),
    "same-even-kernel": ((1, 2, 5, 6), (2, 2, 2, 4), dict(padding="same"), False),
    "valid": ((1, 2, 5, 5), (2, 2, 3, 3), dict(padding="valid"), True),
    "groups2": ((2, 4, 6, 6), (6, 2, 3, 3), dict(groups=2, padding=1), False),
    "depthwise-stride2": ((1, 3, 7, 7), (3, 1, 3, 3), dict(groups=3, stride=2, padding=1), True),
    "wide-rows": ((2, 2, 6, 14), (3, 2, 3, 3), dict(padding=1), True),
    "1x1-stride2": ((1, 3, 5, 5), (2, 3, 1, 1), dict(stride=2), True),
    "pad-beyond-kernel": ((1, 2, 3, 4), (2, 2, 2, 2), dict(padding=3), True),
}


def conv2d_case(name, rng):
    x_shape, w_shape, options, has_bias = CONV2D_CASES[name]
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if has_bias else None
    return x, w, b, options


def conv2d_padding(options, kernel):
    padding = options.get("padding", 0)
    if padding == "same":
        return same_padding(kernel, options.get("dilation", 1))
    if padding == "valid":
        return ((0, 0), (0, 0))
    return tuple((p, p) for p in pair(padding))


@pytest.mark.parametrize("name", CONV2D_CASES)
def test_conv2d_forward_matches_naive_loops(name):
    x, w, b, options = conv2d_case(name, np.random.default_rng(0))
    expected = naive_conv2d(x, w, b, options.get("stride", 1), conv2d_padding(options, w.shape[2:]),
                            options.get("dilation", 1), options.get("groups", 1))
    got = conv2d(Value(x), Value(w), None if b is None else Value(b), **options)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)
    if options.get("padding") == "same":
        assert got.shape[2:] == x.shape[2:]


@pytest.mark.parametrize("name", ["basic", "stride2-pad1", "pairs", "same-even-kernel", "groups2", "pad-beyond-kernel"])
def test_conv2d_gradients_match_finite_differences(name):
    x, w, b, options = conv2d_case(name, np.random.default_rng(1))
    if b is None:
        assert gradcheck(lambda x, w: conv2d(x, w, **options), [x, w])
    else:
        assert gradcheck(lambda x, w, b: conv2d(x, w, b, **options), [x, w, b])


# ----------------------------------------------------------------------------------------------------
# Transposed convolution.


# x shape, weight shape (in, out/groups, kh, kw), options.
CONV_T2D_CASES = {
    "basic": ((2, 3, 4, 5), (3, 2, 3, 3), dict(), True),
    "stride2-pad1-outpad1": ((1, 2, 4, 3), (2, 3, 3, 3), dict(stride=2, padding=1, output_padding=1), True),
    "pairs": ((1, 2, 3, 4), (2, 2, 2, 3), dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2)), True),
    "outpad-below-dilation": ((1, 2, 3, 3), (2, 2, 2, 2), dict(stride=2, dilation=3, output_padding=2), True),
    "groups2": ((2, 4, 3, 3), (4, 3, 3, 2), dict(groups=2, stride=2), False),
    "stride1-dilated-padded": ((1, 2, 5, 6), (2, 2, 3, 3), dict(padding=2, dilation=2), True),
    "pad-beyond-kernel": ((1, 1, 6, 6), (1, 2, 2, 2), dict(padding=2), True),
    # stride 1 with more than twice as many inputs as outputs per group: the scatter form, on wide rows
    "wide-scatter": ((1, 6, 3, 12), (6, 2, 3, 3), dict(padding=1), True),
    "wide-scatter-dilated-outpad": ((1, 6, 3, 20), (6, 2, 2, 3), dict(padding=(0, 1), dilation=2, output_padding=1),
                                    False),
}


def conv_t2d_case(name, rng):
    x_shape, w_shape, options, has_bias = CONV_T2D_CASES[name]
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1] * options.get("groups", 1)) if has_bias else None
    return x, w, b, options


def transposed_size(n, k, stride=1, padding=0, output_padding=0, dilation=1):
    return (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1


@pytest.mark.parametrize("name", CONV_T2D_CASES)
def test_conv_transpose2d_forward_matches_naive_loops(name):
    x, w, b, options = conv_t2d_case(name, np.random.default_rng(2))
    expected = naive_conv_transpose2d(x, w, b, options.get("stride", 1), options.get("padding", 0),
                                      options.get("output_padding", 0), options.get("dilation", 1),
                                      options.get("groups", 1))
    got = conv_transpose2d(Value(x), Value(w), None if b is None else Value(b), **options)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["basic", "stride2-pad1-outpad1", "outpad-below-dilation", "groups2", "wide-scatter"])
def test_conv_transpose2d_gradients_match_finite_differences(name):
    x, w, b, options = conv_t2d_case(name, np.random.default_rng(3))
    if b is None:
        assert gradcheck(lambda x, w: conv_transpose2d(x, w, **options), [x, w])
    else:
        assert gradcheck(lambda x, w, b: conv_transpose2d(x, w, b, **options), [x, w, b])


@pytest.mark.parametrize("n, k, stride, padding, output_padding, dilation", [
    (5, 3, 1, 0, 0, 1), (5, 3, 2, 1, 1, 1), (4, 4, 3, 2, 2, 1), (3, 2, 2, 0, 2, 3), (7, 1, 2, 0, 1, 1),
])
def test_conv_transpose2d_output_shape(n, k, stride, padding, output_padding, dilation):
    x = np.zeros((2, 3, n, n + 1))
    w = np.zeros((3, 5, k, k))
    y = conv_transpose2d(x, w, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    assert y.shape == (2, 5, transposed_size(n, k, stride, padding, output_padding, dilation),
                       transposed_size(n + 1, k, stride, padding, output_padding, dilation))


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(z, W), x> = <z, conv_transpose2d(x, W)> for matching geometry.
    rng = np.random.default_rng(4)
    z, w = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 2))
    y = conv2d(z, w, stride=2, padding=1, dilation=2)
    x = rng.standard_normal(y.shape)
    back = conv_transpose2d(x, w, stride=2, padding=1, dilation=2, output_padding=(0, 1))
    assert back.shape == z.shape
    np.testing.assert_allclose(np.sum(y * x), np.sum(z * back), rtol=1e-12)


# ----------------------------------------------------------------------------------------------------
# 1-D.


def naive_conv1d(x, w, b, stride, padding, dilation, groups):
    return naive_conv2d(x[:, :, None, :], w[:, :, None, :], b, (1, stride), ((0, 0), padding), (1, dilation),
                        groups)[:, :, 0, :]


@pytest.mark.parametrize("options, has_bias", [
    (dict(), True), (dict(stride=2, padding=1, dilation=2), True), (dict(padding="same", groups=2), False),
])
def test_conv1d_forward_and_gradients(options, has_bias):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 4 // options.get("groups", 1), 3))
    b = rng.standard_normal(6) if has_bias else None
    padding = options.get("padding", 0)
    pads = same_padding((3,), options.get("dilation", 1))[0] if padding == "same" else (padding, padding)
    expected = naive_conv1d(x, w, b, options.get("stride", 1), pads, options.get("dilation", 1),
                            options.get("groups", 1))
    np.testing.assert_allclose(conv1d(x, w, b, **options), expected, rtol=1e-12, atol=1e-12)
    if b is None:
        assert gradcheck(lambda x, w: conv1d(x, w, **options), [x, w])
    else:
        assert gradcheck(lambda x, w, b: conv1d(x, w, b, **options), [x, w, b])


@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1, output_padding=1, groups=2)])
def test_conv_transpose1d_forward_and_gradients(options):
    rng = np.random.default_rng(6)
    groups = options.get("groups", 1)
    x, w, b = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3)), rng.standard_normal(3 * groups)
    s, p, op = options.get("stride", 1), options.get("padding", 0), options.get("output_padding", 0)
    expected = naive_conv_transpose2d(x[:, :, None, :], w[:, :, None, :], b, (1, s), (0, p), (0, op), 1,
                                      options.get("groups", 1))[:, :, 0, :]
    got = conv_transpose1d(x, w, b, **options)
    assert got.shape == (2, 3 * options.get("groups", 1), transposed_size(5, 3, s, p, op))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, w, b: conv_transpose1d(x, w, b, **options), [x, w, b])


# ----------------------------------------------------------------------------------------------------
# Second derivatives: the rules are convolutions again, so gradients of gradients work.


@pytest.mark.parametrize("fn, x_shape, w_shape, options", [
    (conv2d, (1, 2, 5, 4), (2, 1, 3, 2), dict(stride=2, padding=1, groups=2)),
    (conv2d, (1, 2, 4, 5), (2, 2, 2, 3), dict(padding="same", dilation=(1, 2))),
    (conv_transpose2d, (1, 2, 3, 3), (2, 2, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    (conv1d, (1, 2, 6), (3, 2, 3), dict(stride=2, padding=1)),
])
def test_double_backward_matches_finite_differences(fn, x_shape, w_shape, options):
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    assert gradgradcheck(lambda x, w: fn(x, w, **options), [x, w])


# ----------------------------------------------------------------------------------------------------
# Against PyTorch in float64.


def _torch_grads(torch, fn, arrays, options, upstream):
    tensors = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors, **options)
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), [None if t is None else t.grad.numpy() for t in tensors]


def _our_grads(fn, arrays, options, upstream):
    values = [None if a is None else Value(a) for a in arrays]
    out = fn(*values, **options)
    out.backward(upstream)
    return out.data, [None if v is None else v.grad for v in values]


def _assert_same_as_torch(torch, ours, theirs, arrays, options):
    rng = np.random.default_rng(8)
    out_shape = ours(*arrays, **options).shape
    upstream = rng.standard_normal(out_shape)
    our_out, our_grads = _our_grads(ours, arrays, options, upstream)
    their_out, their_grads = _torch_grads(torch, theirs, arrays, options, upstream)
    np.testing.assert_allclose(our_out, their_out, rtol=0, atol=1e-10)
    for mine, theirs_ in zip(our_grads, their_grads):
        if mine is not None:
            np.testing.assert_allclose(mine, theirs_, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", CONV2D_CASES)
def test_conv2d_matches_torch(name):
    torch = pytest.importorskip("torch")
    x, w, b, options = conv2d_case(name, np.random.default_rng(9))
    _assert_same_as_torch(torch, conv2d, torch.nn.functional.conv2d, [x, w, b], options)


@pytest.mark.parametrize("name", CONV_T2D_CASES)
def test_conv_transpose2d_matches_torch(name):
    torch = pytest.importorskip("torch")
    x, w, b, options = conv_t2d_case(name, np.random.default_rng(10))
    _assert_same_as_torch(torch, conv_transpose2d, torch.nn.functional.conv_transpose2d, [x, w, b], options)


def test_conv1d_and_conv_transpose1d_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((2, 4, 11)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    options = dict(stride=2, padding=2, dilation=2, groups=2)
    _assert_same_as_torch(torch, conv1d, torch.nn.functional.conv1d, [x, w, b], options)
    wt = rng.standard_normal((4, 3, 3))
    options = dict(stride=3, padding=1, output_padding=2, groups=2)
    _assert_same_as_torch(torch, conv_transpose1d, torch.nn.functional.conv_transpose1d, [x, wt, b], options)


def test_second_derivative_matches_torch():
    # d/dW of |∂L/∂x|² with L = <conv2d(tanh x, W), G>: exercises the rules of the rules.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x0, w0 = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 3))
    options = dict(stride=2, padding=1)
    G = rng.standard_normal(conv2d(x0, w0, **options).shape)

    x, w = Value(x0), Value(w0)
    (gx,) = grad((conv2d(x.tanh(), w, **options) * G).sum(), [x], create_graph=True)
    (gx * gx).sum().backward()

    xt, wt = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    (gxt,) = torch.autograd.grad((torch.nn.functional.conv2d(xt.tanh(), wt, **options) * torch.tensor(G)).sum(),
                                 [xt], create_graph=True)
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------------------------------
# Graph nodes, dtypes.


def test_nodes_name_their_vjp_formulas():
    x, w, b = Value(np.ones((1, 1, 3, 3))), Value(np.ones((1, 1, 2, 2))), Value(np.ones(1))
    y = conv2d(x, w, b)
    assert y.op == "conv2d" and y.parents == (x, w, b)
    assert y.primitive.formulas[:2] == ("conv_transpose2d(g, W)", "conv2d_weight(x, g)")
    assert conv_transpose2d(x, w).op == "conv_transpose2d"


def test_float32_stays_float32():
    rng = np.random.default_rng(13)
    x = Value(rng.standard_normal((2, 3, 8, 16)).astype(np.float32))
    w = Value(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    b = Value(np.zeros(4, np.float32))
    y = conv2d(x, w, b, padding=1)
    z = conv_transpose2d(y, w, stride=1, padding=1)
    (z * z).sum().backward()
    for v in (y, z, x.grad, w.grad, b.grad):
        assert np.asarray(v.data if isinstance(v, Value) else v).dtype == np.float32


# ----------------------------------------------------------------------------------------------------
# Errors name the shapes.


@pytest.mark.parametrize("call, words", [
    (lambda: conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 2, 3, 3))),
     ["(1, 3, 5, 5)", "3 channels", "(4, 2, 3, 3)", "groups=1", "in_channels", "= 2"]),
    (lambda: conv2d(np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2), ["out_channels=3", "groups=2"]),
    (lambda: conv2d(np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(4)), ["bias", "(4,)", "out_channels=3"]),
    (lambda: conv2d(np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), stride=2, padding="same"), ["same", "stride"]),
    (lambda: conv2d(np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), padding="full"), ["'full'"]),
    (lambda: conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))), ["(1, 1, 2, 2)", "kernel (3, 3)"]),
    (lambda: conv2d(np.zeros((5, 5)), np.zeros((1, 2, 3, 3))), ["4-D", "3-D (unbatched)", "(5, 5)"]),
    (lambda: conv2d(np.zeros((1, 2, 5, 5)), np.zeros((1, 2, 3, 3)), stride=0), ["stride", ">= 1"]),
    (lambda: conv1d(np.zeros((1, 2, 5, 5)), np.zeros((1, 2, 3))), ["3-D", "(N, C, L)"]),
    (lambda: conv_transpose2d(np.zeros((1, 3, 4, 4)), np.zeros((2, 2, 3, 3))),
     ["(1, 3, 4, 4)", "in_channels", "weight.shape[0] = 2"]),
    (lambda: conv_transpose2d(np.zeros((1, 2, 4, 4)), np.zeros((2, 2, 3, 3)), stride=2, output_padding=2),
     ["output_padding", "stride", "dilation"]),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    for word in words:
        assert word in str(info.value)


# ----------------------------------------------------------------------------------------------------
# Modules.


def test_conv2d_module_parameters_and_init():
    layer = Conv2d(4, 6, (3, 5), stride=2, padding=1, groups=2, rng=0)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.shape == (6, 2, 3, 5) and layer.bias.shape == (6,)
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(2 * 3 * 5)  # fan_in = in/groups · kh · kw
    assert bound * 0.9 < np.abs(layer.weight.data).max() <= bound  # 180 draws from U(-bound, bound)
    assert np.abs(layer.bias.data).max() <= bound
    again = Conv2d(4, 6, (3, 5), stride=2, padding=1, groups=2, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(layer.weight.data, again.weight.data)
    assert not np.array_equal(layer.weight.data, Conv2d(4, 6, (3, 5), groups=2, rng=1).weight.data)
    assert Conv2d(4, 6, 3, bias=False).bias is None
    assert "kernel_size=(3, 5)" in repr(layer) and "groups=2" in repr(layer)


def test_conv_transpose2d_module_layout_and_init():
    layer = ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, rng=0)
    assert layer.weight.shape == (4, 3, 3, 3) and layer.bias.shape == (6,)
    assert np.abs(layer.weight.data).max() <= 1 / math.sqrt(3 * 9)
    y = layer(np.zeros((2, 4, 5, 5), np.float32))
    assert y.shape == (2, 6, 10, 10) and y.dtype == np.float32


def test_1d_modules_shapes():
    x = np.ones((2, 4, 10), np.float32)
    conv = Conv1d(4, 6, 3, padding="same", rng=0)
    assert conv.weight.shape == (6, 4, 3) and conv(x).shape == (2, 6, 10)
    up = ConvTranspose1d(4, 2, 4, stride=2, padding=1, rng=0)
    assert up.weight.shape == (4, 2, 4) and up(x).shape == (2, 2, 20)


def test_module_errors():
    with pytest.raises(ValueError, match="divisible by groups=2"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="same"):
        Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="in_channels"):
        Conv2d(0, 4, 3)


def test_modules_match_torch_modules_with_the_same_weights():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    pairs = [
        (Conv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2, rng=0, dtype=np.float64),
         torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2).double(), (2, 4, 7, 7)),
        (Conv2d(4, 2, (2, 3), padding="same", dilation=(2, 1), rng=0, dtype=np.float64),
         torch.nn.Conv2d(4, 2, (2, 3), padding="same", dilation=(2, 1)).double(), (1, 4, 6, 5)),
        (ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, rng=0, dtype=np.float64),
         torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2).double(), (2, 4, 3, 4)),
        (Conv1d(4, 6, 3, stride=2, rng=0, dtype=np.float64), torch.nn.Conv1d(4, 6, 3, stride=2).double(), (2, 4, 9)),
        (ConvTranspose1d(4, 6, 3, stride=2, rng=0, dtype=np.float64),
         torch.nn.ConvTranspose1d(4, 6, 3, stride=2).double(), (2, 4, 5)),
    ]
    for ours, theirs, x_shape in pairs:
        theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
        x = rng.standard_normal(x_shape)
        y, yt = ours(Value(x, requires_grad=False)), theirs(torch.tensor(x))
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=0, atol=1e-10)
        g = rng.standard_normal(y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("layer, shape", [
    (lambda: nn.Conv1d(2, 3, 3, padding=1, padding_mode="reflect", dtype=np.float64), (2, 7)),
    (lambda: nn.Conv2d(2, 3, 3, stride=2, dtype=np.float64), (2, 6, 5)),
    (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2, dtype=np.float64), (2, 4)),
    (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=np.float64), (2, 4, 3)),
])
def test_one_unbatched_sample_is_the_batch_of_one_without_its_axis(layer, shape):
    """PyTorch's convolutions take (C, *spatial) as one sample: the same numbers and gradients as (1, C, *spatial)."""
    conv = layer()
    x = np.random.default_rng(0).normal(size=shape)
    single, batch = Value(x), Value(x[None])
    y = conv(single)
    assert y.shape == conv(batch).shape[1:]
    np.testing.assert_allclose(y.data, conv(batch).data[0], rtol=1e-6)
    y.sum().backward()
    conv(batch).sum().backward()
    np.testing.assert_allclose(single.grad, batch.grad[0], rtol=1e-6)
    if conv.__class__.__name__.startswith("ConvTranspose"):
        sizes = conv(batch).shape[2:]
        assert conv(single, output_size=sizes).shape[1:] == sizes
