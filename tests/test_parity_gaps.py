"""Small PyTorch-parity gaps, each checked against PyTorch 2.13 where it is installed:

1. layers refuse parameters of another dtype than the input's (float32 weights, float64 input), in PyTorch's words;
1b. products (@, mm, bmm, addmm, ..., F.bilinear, F.prelu) refuse floats of two widths as PyTorch's do;
2. torch's functions take tensors: a NumPy array is a TypeError, a gradient (GradArray) is a tensor; the function
   transforms hand f tensors for its array arguments;
3. x.type() names PyTorch's tensor types ('torch.FloatTensor') and converts from them;
4. saved_tensors_hooks pack what each operation's backward rule reads, as PyTorch packs what it saves.
"""

import itertools

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import nn
from autograd_core.autograd import graph

# ----------------------------------------------------------------------------------------------------
# 1. Mixed dtypes of input and parameters.

_DTYPES = {"f": "float32", "d": "float64", "h": "float16"}


def _make(m, code, shape):
    return None if code == "-" else m.ones(shape, dtype=getattr(m, _DTYPES[code]))


NORMS = {  # name: f(m, F, x, weight, bias) with x (2, 4, 6) and parameters of C = 4 (6 for layer_norm)
    "layer_norm": (lambda m, F, x, w, b: F.layer_norm(x, (6,), w, b), 6),
    "group_norm": (lambda m, F, x, w, b: F.group_norm(x, 2, w, b), 4),
    "batch_norm": (lambda m, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), 4),
    "batch_norm-eval": (lambda m, F, x, w, b: F.batch_norm(x, m.zeros(4, dtype=x.dtype), m.ones(4, dtype=x.dtype),
                                                           w, b), 4),
    "instance_norm": (lambda m, F, x, w, b: F.instance_norm(x, weight=w, bias=b), 4),
}
LAYERS = {  # name: f(m, F, x_code, w_code, b_code)
    "linear-2d": lambda m, F, xc, wc, bc: F.linear(_make(m, xc, (3, 4)), _make(m, wc, (5, 4)), _make(m, bc, 5)),
    "linear-3d": lambda m, F, xc, wc, bc: F.linear(_make(m, xc, (2, 3, 4)), _make(m, wc, (5, 4)), _make(m, bc, 5)),
    "linear-1d": lambda m, F, xc, wc, bc: F.linear(_make(m, xc, (4,)), _make(m, wc, (5, 4)), _make(m, bc, 5)),
    "conv1d": lambda m, F, xc, wc, bc: F.conv1d(_make(m, xc, (2, 4, 6)), _make(m, wc, (3, 4, 3)), _make(m, bc, 3)),
    "conv2d": lambda m, F, xc, wc, bc: F.conv2d(_make(m, xc, (2, 4, 6, 6)), _make(m, wc, (3, 4, 3, 3)),
                                                _make(m, bc, 3)),
    "conv2d-groups": lambda m, F, xc, wc, bc: F.conv2d(_make(m, xc, (2, 4, 6, 6)), _make(m, wc, (4, 1, 3, 3)),
                                                       _make(m, bc, 4), groups=4),
    "conv3d": lambda m, F, xc, wc, bc: F.conv3d(_make(m, xc, (2, 4, 5, 5, 5)), _make(m, wc, (3, 4, 3, 3, 3)),
                                                _make(m, bc, 3)),
    "conv_transpose1d": lambda m, F, xc, wc, bc: F.conv_transpose1d(_make(m, xc, (2, 4, 6)), _make(m, wc, (4, 3, 3)),
                                                                    _make(m, bc, 3)),
    "conv_transpose2d": lambda m, F, xc, wc, bc: F.conv_transpose2d(_make(m, xc, (2, 4, 5, 5)),
                                                                    _make(m, wc, (4, 3, 3, 3)), _make(m, bc, 3)),
    "conv_transpose3d": lambda m, F, xc, wc, bc: F.conv_transpose3d(_make(m, xc, (2, 4, 4, 4, 4)),
                                                                    _make(m, wc, (4, 3, 3, 3, 3)), _make(m, bc, 3)),
    # unbatched input and a batch of one: PyTorch's plain kernel, not its oneDNN one, checks a float32 input's types
    "conv1d-unbatched": lambda m, F, xc, wc, bc: F.conv1d(_make(m, xc, (4, 6)), _make(m, wc, (3, 4, 3)),
                                                          _make(m, bc, 3)),
    "conv2d-unbatched": lambda m, F, xc, wc, bc: F.conv2d(_make(m, xc, (4, 6, 6)), _make(m, wc, (3, 4, 3, 3)),
                                                          _make(m, bc, 3)),
    "conv2d-one": lambda m, F, xc, wc, bc: F.conv2d(_make(m, xc, (1, 4, 6, 6)), _make(m, wc, (3, 4, 3, 3)),
                                                    _make(m, bc, 3)),
    "conv3d-unbatched": lambda m, F, xc, wc, bc: F.conv3d(_make(m, xc, (4, 5, 5, 5)), _make(m, wc, (3, 4, 3, 3, 3)),
                                                          _make(m, bc, 3)),
    "conv_transpose1d-unbatched": lambda m, F, xc, wc, bc: F.conv_transpose1d(
        _make(m, xc, (4, 6)), _make(m, wc, (4, 3, 3)), _make(m, bc, 3)),
    "conv_transpose2d-one": lambda m, F, xc, wc, bc: F.conv_transpose2d(
        _make(m, xc, (1, 4, 5, 5)), _make(m, wc, (4, 3, 3, 3)), _make(m, bc, 3)),
    "conv_transpose3d-unbatched": lambda m, F, xc, wc, bc: F.conv_transpose3d(
        _make(m, xc, (4, 4, 4, 4)), _make(m, wc, (4, 3, 3, 3, 3)), _make(m, bc, 3)),
    "bilinear": lambda m, F, xc, wc, bc: F.bilinear(_make(m, xc, (3, 4)), _make(m, xc, (3, 2)),
                                                    _make(m, wc, (5, 4, 2)), _make(m, bc, 5)),
    "bilinear-input2": lambda m, F, xc, wc, bc: F.bilinear(_make(m, wc, (3, 4)), _make(m, xc, (3, 2)),
                                                           _make(m, wc, (5, 4, 2)), _make(m, bc, 5)),
    "prelu": lambda m, F, xc, wc, bc: F.prelu(_make(m, xc, (2, 3, 4)), _make(m, wc, 3 if bc == "-" else 1)),
    "rms_norm": lambda m, F, xc, wc, bc: F.rms_norm(_make(m, xc, (2, 3, 4)), (4,), _make(m, wc, 4)),
}


def _outcome(fn):
    """('ok', dtype name) or (error class name, message)."""
    try:
        return "ok", str(fn().dtype).replace("torch.", "")
    except (RuntimeError, TypeError, ValueError) as err:
        return type(err).__name__, str(err)


NORM_CASES = [(name, combo) for name in NORMS for combo in itertools.product("fdh", "fd-", "fd-")]
LAYER_CASES = [(name, combo) for name in LAYERS for combo in itertools.product("fdh", "fd", "fd-")]


@pytest.mark.parametrize("name, combo", NORM_CASES, ids=[f"{n}-{''.join(c)}" for n, c in NORM_CASES])
def test_normalisation_dtypes_as_pytorch(name, combo):
    torch = pytest.importorskip("torch")
    fn, channels = NORMS[name]
    xc, wc, bc = combo

    def run(m, functional):
        x = m.ones((2, 4, 6), dtype=getattr(m, _DTYPES[xc])) * m.arange(6, dtype=getattr(m, _DTYPES[xc]))
        return _outcome(lambda: fn(m, functional, x, _make(m, wc, channels), _make(m, bc, channels)))

    ours, theirs = run(ag, F), run(torch, torch.nn.functional)
    if theirs[0] == "ok" and xc == "h" and {wc, bc} - {"-", "h"}:
        assert ours[0] == "ok"  # float32 parameters around a float16 input: computed (ours in float32, see the docs)
        return
    assert ours == theirs


@pytest.mark.parametrize("name, combo", LAYER_CASES, ids=[f"{n}-{''.join(c)}" for n, c in LAYER_CASES])
def test_linear_and_convolution_dtypes_as_pytorch(name, combo):
    torch = pytest.importorskip("torch")
    assert _outcome(lambda: LAYERS[name](ag, F, *combo)) == _outcome(lambda: LAYERS[name](torch, torch.nn.functional,
                                                                                          *combo))


def _product_operands(m, shapes, codes):
    return [m.ones(shape, dtype=getattr(m, _DTYPES[code])) for shape, code in zip(shapes, codes)]


PRODUCTS = {  # name: (f(m, *operands), operand shapes); each operand float32, float64 or float16
    "@-2d-2d": (lambda m, a, b: a @ b, [(2, 3), (3, 4)]),
    "@-1d-2d": (lambda m, a, b: a @ b, [(3,), (3, 4)]),
    "@-2d-1d": (lambda m, a, b: a @ b, [(2, 3), (3,)]),
    "@-1d-1d": (lambda m, a, b: a @ b, [(3,), (3,)]),
    "@-3d-2d": (lambda m, a, b: a @ b, [(2, 2, 3), (3, 4)]),
    "@-3d-2d-strided": (lambda m, a, b: a.transpose(0, 1) @ b, [(2, 2, 3), (3, 4)]),
    "@-3d-1d": (lambda m, a, b: a @ b, [(2, 2, 3), (3,)]),
    "@-1d-3d": (lambda m, a, b: a @ b, [(3,), (2, 3, 4)]),
    "@-2d-3d": (lambda m, a, b: a @ b, [(2, 3), (2, 3, 4)]),
    "@-4d-4d": (lambda m, a, b: a @ b, [(2, 2, 2, 3), (2, 2, 3, 4)]),
    "@-grads": (lambda m, a, b: a.requires_grad_() @ b.requires_grad_(), [(2, 3), (3, 4)]),
    "@-grad-b": (lambda m, a, b: a @ b.requires_grad_(), [(2, 3), (3, 4)]),
    "mm": (lambda m, a, b: m.mm(a, b), [(2, 3), (3, 4)]),
    "matmul": (lambda m, a, b: m.matmul(a, b), [(2, 3), (3,)]),
    "mv": (lambda m, a, b: m.mv(a, b), [(2, 3), (3,)]),
    "dot": (lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [(3,), (3,)]),
    "bmm": (lambda m, a, b: m.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    "addmm": (lambda m, x, a, b: m.addmm(x, a, b), [(2, 4), (2, 3), (3, 4)]),
    "addmm-0d": (lambda m, x, a, b: m.addmm(x, a, b), [(), (2, 3), (3, 4)]),
    "addmv": (lambda m, x, a, b: m.addmv(x, a, b), [(2,), (2, 3), (3,)]),
    "baddbmm": (lambda m, x, a, b: m.baddbmm(x, a, b), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    "addbmm": (lambda m, x, a, b: m.addbmm(x, a, b), [(2, 4), (2, 2, 3), (2, 3, 4)]),
    "einsum": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    "tensordot": (lambda m, a, b: m.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    "inner": (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    "multi_dot": (lambda m, a, b: m.linalg.multi_dot([a, b]), [(2, 3), (3, 4)]),
    "linear-function": (lambda m, a, b: m.nn.functional.linear(a, b), [(2, 3), (4, 3)]),
}
PRODUCT_CASES = [(name, codes) for name, (_, shapes) in PRODUCTS.items()
                 for codes in itertools.product("fdh", repeat=len(shapes))]


@pytest.mark.parametrize("name, codes", PRODUCT_CASES, ids=[f"{n}-{''.join(c)}" for n, c in PRODUCT_CASES])
def test_products_of_two_float_widths_as_pytorch(name, codes):
    """float32 @ float64 (and float16 with either) is PyTorch's RuntimeError in the words of the kernel it picks;
    one width computes in it."""
    torch = pytest.importorskip("torch")
    fn, shapes = PRODUCTS[name]
    ours = _outcome(lambda: fn(ag, *_product_operands(ag, shapes, codes)))
    theirs = _outcome(lambda: fn(torch, *_product_operands(torch, shapes, codes)))
    if theirs[0] == "RuntimeError" and "not implemented for 'Half'" in theirs[1]:
        assert ours[0] == "ok"  # float16 products PyTorch's CPU lacks (addmv, dot): NumPy computes them
        return
    assert ours == theirs


def test_products_refuse_two_float_widths_without_pytorch():
    """Our words, checked without PyTorch; the traced paths (forward mode, a compile recording) refuse too."""
    f, d = ag.ones(2, 3), ag.ones(3, 4, dtype=ag.float64)
    for call, words in [
            (lambda: f @ d, "expected m1 and m2 to have the same dtype, but got: float != double"),
            (lambda: ag.ones(3, dtype=ag.float16) @ ag.ones(3), "dot : expected both vectors to have same dtype, "
                                                                "but found Half and Float"),
            (lambda: ag.ones(2, 3) @ ag.ones(3, dtype=ag.float64), "addmv input tensors must have the same dtype, "
                                                                   "but got Double, Float, and Double"),
            (lambda: ag.ones(2, 2, 3) @ ag.ones(2, 3, 4, dtype=ag.float64), "expected scalar type Float but found "
                                                                             "Double"),
            (lambda: ag.addmm(ag.ones(2, 4, dtype=ag.float64), f, f @ ag.ones(3, 4)),
             "self and mat2 must have the same dtype, but got Double and Float"),
            (lambda: ag.func.jvp(lambda x: x @ d, (f,), (f,)), "but got: float != double"),
            (lambda: ag.compile(lambda x: x @ d)(f), "but got: float != double"),
            (lambda: F.prelu(f, ag.ones(1, dtype=ag.float64)), "prelu: Type promoting not supported. Got Float and "
                                                               "Double"),
            (lambda: F.bilinear(f, f, ag.ones(2, 3, 3, dtype=ag.float64)),
             "All tensors must have the same dtype, got input1: float, input2: float, weight: double")]:
        with pytest.raises(RuntimeError) as err:
            call()
        assert str(err.value).endswith(words)


def test_products_keep_promoting_numbers_arrays_and_integers():
    """Not mixes in PyTorch's sense: Python numbers and 0-d tensors with a tensor, and (ours) NumPy operands; an
    complex matrix still promotes here (PyTorch refuses it: docs/coming-from-pytorch.md); an integer one is refused
    as in PyTorch (tests/test_beginner_mistakes3.py)."""
    f = ag.ones(2, 2)
    assert (f @ np.ones((2, 2))).dtype == ag.float64  # as PyTorch's t @ ndarray
    assert (f * ag.tensor(2.0, dtype=ag.float64)).dtype == ag.float32 and (f @ f * 2.0).dtype == ag.float32
    assert (ag.ones(2, 2, dtype=ag.int64) @ np.ones((2, 2), np.float32)).dtype == ag.float32  # an array: promoted
    w = ag.ones(2, 2, dtype=ag.float64, requires_grad=True)
    (w @ w.double()).sum().backward()  # one width: as before, gradients included
    np.testing.assert_array_equal(w.grad, np.full((2, 2), 4.0))


def test_rms_norm_keeps_the_inputs_dtype_and_gradients():
    """PyTorch's rms_norm computes in the input's dtype whatever the weight's (no refusal); the gradient of a float64
    weight stays float64."""
    x = ag.tensor(np.arange(8.0).reshape(2, 4), dtype=ag.float32, requires_grad=True)
    w = ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64, requires_grad=True)
    y = F.rms_norm(x, (4,), w)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    torch = pytest.importorskip("torch")
    tx = torch.tensor(np.arange(8.0).reshape(2, 4), dtype=torch.float32, requires_grad=True)
    tw = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.rms_norm(tx, (4,), tw).sum().backward()
    np.testing.assert_allclose(y.data, F.rms_norm(ag.tensor(tx.detach().numpy()), (4,), ag.tensor(
        tw.detach().numpy())).data, rtol=1e-6)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-5)


def test_modules_refuse_a_float64_batch_and_agree_in_one_dtype():
    x64 = ag.ones((2, 4, 6, 6), dtype=ag.float64)
    for layer, message in [(nn.LayerNorm(6), "all inputs must share same datatype"),
                           (nn.GroupNorm(2, 4), "all inputs must share same datatype"),
                           (nn.BatchNorm2d(4), "all inputs must share same datatype"),
                           (nn.BatchNorm2d(4).eval(), "all inputs must share same datatype"),  # statistics too
                           (nn.InstanceNorm2d(4, affine=True), "all inputs must share same datatype"),
                           (nn.Linear(6, 3), "mat1 and mat2 must have the same dtype, but got Double and Float"),
                           (nn.Linear(6, 3, bias=False), "but got: double != float"),
                           (nn.Conv2d(4, 3, 3), r"Input type \(double\) and bias type \(float\)")]:
        with pytest.raises(RuntimeError, match=message):
            layer(x64)
        assert layer(x64.float()).dtype == ag.float32  # the same layer in its own dtype
        layer.double()
        assert layer(x64).dtype == ag.float64


def test_layers_of_one_dtype_keep_their_gradients():
    """The check adds no node and changes no number: float64 layers against PyTorch's, gradients included."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6))
    w, b = rng.standard_normal(6), rng.standard_normal(6)
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    F.layer_norm(ours, (6,), ag.tensor(w), ag.tensor(b)).pow(2).sum().backward()
    torch.nn.functional.layer_norm(theirs, (6,), torch.tensor(w), torch.tensor(b)).pow(2).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------------------------
# 2. Functions take tensors; gradients are tensors.


def _grads():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    return ag.autograd.grad((x * x * y).sum(), [x, y])


def test_stack_and_cat_of_autograd_grad_results_are_tensors():
    gx, gy = _grads()
    for joined, expected in [(ag.stack([gx, gy]), np.stack([gx, gy])), (ag.cat([gx, gy]), np.concatenate([gx, gy])),
                             (ag.stack((gx, gy), dim=1), np.stack([gx, gy], axis=1))]:
        assert isinstance(joined, ag.Tensor) and not joined.requires_grad
        np.testing.assert_array_equal(joined.data, expected)
    assert isinstance(ag.sin(gx), ag.Tensor) and isinstance(ag.maximum(gx, gy), ag.Tensor)
    np.testing.assert_allclose(ag.sin(gx).data, np.sin(np.asarray(gx)))


def test_grad_of_a_0d_value_is_a_tensor_to_torch_functions():
    s = ag.tensor(2.0, requires_grad=True)
    (s * s).backward()
    assert isinstance(ag.stack([s.grad, s.grad]), ag.Tensor) and isinstance(ag.exp(s.grad), ag.Tensor)


# A NumPy array is refused as PyTorch refuses it; the function transforms hand f Values for its arrays (below).
ARRAY_CALLS = {  # name: (call on a NumPy array a and a tensor t, as in PyTorch)
    "sin": lambda m, a, t: m.sin(a),
    "exp": lambda m, a, t: m.exp(a),
    "sin-keyword": lambda m, a, t: m.sin(input=a),
    "maximum-other": lambda m, a, t: m.maximum(t, a),
    "maximum-input": lambda m, a, t: m.maximum(a, t),
    "add-other": lambda m, a, t: m.add(t, a),
    "add-input": lambda m, a, t: m.add(a, t),
    "add-number": lambda m, a, t: m.add(a, 1),
    "sub-alpha": lambda m, a, t: m.sub(t, a, alpha=2),
    "mul": lambda m, a, t: m.mul(t, a),
    "div": lambda m, a, t: m.div(a, t),
    "matmul": lambda m, a, t: m.matmul(t, a),
    "mm-mat2": lambda m, a, t: m.mm(t.reshape(1, 2), a.reshape(2, 1)),
    "neg": lambda m, a, t: m.neg(a),
    "square": lambda m, a, t: m.square(a),
    "relu": lambda m, a, t: m.relu(a),
    "sin-numpy-scalar-array": lambda m, a, t: m.sin(np.array(1.0)),
    "tanh-list": lambda m, a, t: m.tanh([1.0, 2.0]),
    "sin-float": lambda m, a, t: m.sin(2.0),
    "cat": lambda m, a, t: m.cat([a, a]),
    "cat-second": lambda m, a, t: m.cat([t, a]),
    "stack": lambda m, a, t: m.stack([t, a]),
}


@pytest.mark.parametrize("call", list(ARRAY_CALLS.values()), ids=list(ARRAY_CALLS))
def test_torch_functions_refuse_numpy_arrays_in_pytorchs_words(call):
    with pytest.raises(TypeError) as ours:
        call(ag, np.ones(2), ag.ones(2))
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as theirs:
        call(torch, np.ones(2), torch.ones(2))
    assert str(ours.value) == str(theirs.value)


def _is_tensor_without_grad(v):
    return isinstance(v, ag.Value) and not v.requires_grad


TRANSFORM_CALLS = {  # name: call a transform of f(x, c, scale=...) on arrays; f checks what it is given
    "grad": lambda f, x, c: ag.grad(f)(x, c, scale=c),
    "grad-argnums-1": lambda f, x, c: ag.grad(lambda c_, x_, scale: f(x_, c_, scale=scale), argnums=1)(c, x, c),
    "value_and_grad": lambda f, x, c: ag.value_and_grad(f)(x, c, scale=c),
    "jacrev": lambda f, x, c: ag.jacrev(f)(x, c, scale=c),
    "jacobian": lambda f, x, c: ag.jacobian(f)(x, c, scale=c),
    "jacfwd": lambda f, x, c: ag.jacfwd(f)(x, c, scale=c),
    "hessian": lambda f, x, c: ag.hessian(f)(x, c, scale=c),
    "vjp": lambda f, x, c: ag.vjp(lambda x_: f(x_, c_tensor(c), scale=c_tensor(c)), x)[0],
    "jvp": lambda f, x, c: ag.jvp(lambda x_: f(x_, c_tensor(c), scale=c_tensor(c)), (x,), (x,)),
    "vmap": lambda f, x, c: ag.vmap(f, in_dims=(0, None))(np.stack([x, x]), c, scale=c),
    "vmap-mapped-constant": lambda f, x, c: ag.vmap(lambda x_, c_: f(x_, c_, scale=c_))(np.stack([x, x]),
                                                                                         np.stack([c, c])),
    "func.grad": lambda f, x, c: ag.func.grad(f)(x, c, scale=c),
    "func.jacrev": lambda f, x, c: ag.func.jacrev(f)(x, c, scale=c),
    "func.grad_and_value": lambda f, x, c: ag.func.grad_and_value(f)(x, c, scale=c),
    "grad-container": lambda f, x, c: ag.grad(lambda p, cs: f(p["x"], cs[0], scale=cs[1]))({"x": x}, [c, c]),
}


def c_tensor(c):
    return ag.from_numpy(c)


@pytest.mark.parametrize("call", list(TRANSFORM_CALLS.values()), ids=list(TRANSFORM_CALLS))
def test_transforms_hand_f_tensors_for_array_arguments(call):
    """torch.func hands f tensors; ours makes the arrays among f's arguments Values (no gradient, the array's
    memory and dtype), so f may call torch's functions, which refuse arrays, on any of them."""
    seen = []

    def f(x, c, scale):
        seen.append((x, c, scale))
        return (ag.sin(x) * ag.exp(c) * ag.add(scale, 1)).sum()

    x, c = np.array([0.5, -1.0]), np.array([0.25, 2.0], dtype=np.float64)
    call(f, x, c)
    for x_seen, c_seen, scale_seen in seen:
        assert isinstance(x_seen, ag.Value) and _is_tensor_without_grad(c_seen)
        assert _is_tensor_without_grad(scale_seen) and c_seen.dtype == np.float64


def test_transform_arguments_keep_their_dtype_memory_and_other_types():
    seen = {}

    def f(x, idx, n, mask, name):
        seen.update(idx=idx, n=n, mask=mask, name=name)
        return (x[idx] * n).sum() + x[mask].sum()

    idx, mask = np.array([0, 2]), np.array([True, False, True])
    g = ag.grad(f)(np.ones(3), idx, 3, mask, "label")
    np.testing.assert_array_equal(g, [4.0, 0.0, 4.0])
    assert seen["idx"].dtype == np.int64 and seen["mask"].dtype == np.bool_
    assert np.shares_memory(seen["idx"].data, idx)  # from_numpy, no copy
    assert seen["n"] == 3 and seen["name"] == "label"  # numbers and strings as given, as torch.func passes them


def test_reductions_take_a_values_data_as_pytorchs_idiom_does():
    """`.data` is an ndarray here (a tensor in PyTorch): the reductions and shape functions (torch.max, sum, mean,
    softmax, reshape, ...) take it, so PyTorch's tutorials' `_, predicted = torch.max(outputs.data, 1)` runs. The
    elementwise functions and add/sub/mul/div/matmul/mm refuse it, as they refuse any NumPy array."""
    outputs = ag.tensor([[0.1, 0.9], [0.8, 0.2]], requires_grad=True) * 1.0
    _, predicted = ag.max(outputs.data, 1)
    assert predicted.tolist() == [1, 0] and float(ag.sum(outputs.data)) == pytest.approx(2.0)
    with pytest.raises(TypeError, match=r"^sigmoid\(\): argument 'input' \(position 1\) must be Tensor"):
        ag.sigmoid(outputs.data)


def test_tensor_functions_stay_the_primitives():
    """The checked names keep the primitive's attributes (rules, name) and record the same node."""
    from autograd_core.ops import sin as primitive_sin

    assert ag.sin.vjps is primitive_sin.vjps and ag.sin.name == "sin" and repr(ag.sin) == "<primitive sin>"
    x = ag.tensor([0.5], requires_grad=True)
    assert ag.sin(x).primitive is primitive_sin
    np.testing.assert_array_equal(primitive_sin(np.ones(2)), np.sin(np.ones(2)))  # the library's array path stays


# ----------------------------------------------------------------------------------------------------
# 3. x.type()

TYPE_DTYPES = ["float32", "float64", "float16", "complex64", "complex128", "int64", "int32", "int16", "int8", "uint8",
               "bool"]


@pytest.mark.parametrize("dtype", TYPE_DTYPES)
def test_type_names_pytorchs_tensor_type(dtype):
    ours = ag.zeros(2, dtype=getattr(ag, dtype))
    expected = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "int64": "torch.LongTensor",
                "complex64": "torch.ComplexFloatTensor", "bool": "torch.BoolTensor"}.get(dtype)
    if expected:
        assert ours.type() == expected
    assert ours.type() == ag.typename(ours)
    assert ours.type(ours.type()).dtype == ours.dtype  # the name converts back
    torch = pytest.importorskip("torch")
    assert ours.type() == torch.zeros(2, dtype=getattr(torch, dtype)).type()


def test_type_converts_from_dtypes_types_and_names():
    x = ag.ones(2, requires_grad=True)
    for target in (ag.float64, ag.DoubleTensor, "torch.DoubleTensor"):
        y = x.type(target)
        assert y.dtype == ag.float64 and y.requires_grad and y.type() == "torch.DoubleTensor"
    assert x.type(ag.float32) is x
    assert x.type("torch.LongTensor").dtype == ag.int64 and x.type("torch.Tensor").dtype == ag.float32
    assert x.type("torch.ComplexDoubleTensor").dtype == ag.complex128
    assert x.to_sparse().type() == "torch.sparse.FloatTensor"


@pytest.mark.parametrize("name", ["float64", "torch.float64", "DoubleTensor", "torch.FloatStorage"])
def test_type_refuses_other_strings_as_pytorch(name):
    with pytest.raises(ValueError, match=f"^invalid type: '{name}'$"):
        ag.ones(2).type(name)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=f"^invalid type: '{name}'$"):
        torch.ones(2).type(name)


# ----------------------------------------------------------------------------------------------------
# 4. saved_tensors_hooks: what each operation packs.

PACKED_OPS = {  # name: f(m, x, y), x and y (4,) float64 leaves that require grad
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y,
    "neg": lambda m, x, y: -x,
    "exp": lambda m, x, y: m.exp(x),
    "relu": lambda m, x, y: m.relu(x - 1),  # the result (stop 65 and before: the input, x - 1)
    "log": lambda m, x, y: m.log(x),
    "sin": lambda m, x, y: m.sin(x),
    "cos": lambda m, x, y: m.cos(x),
    "tanh": lambda m, x, y: m.tanh(x),
    "sigmoid": lambda m, x, y: m.sigmoid(x),
    "sqrt": lambda m, x, y: m.sqrt(x),
    "x ** 2": lambda m, x, y: x ** 2,
    "x ** y": lambda m, x, y: x ** y,
    "matmul": lambda m, x, y: x.reshape(2, 2) @ y.reshape(2, 2),
    "sum": lambda m, x, y: x.sum(),
    "reshape": lambda m, x, y: x.reshape(2, 2),
    "transpose": lambda m, x, y: x.reshape(2, 2).t(),
    "x * 2.0": lambda m, x, y: x * 2.0,
    "x + 2.0": lambda m, x, y: x + 2.0,
    "maximum": lambda m, x, y: m.maximum(x, y),
    "softmax": lambda m, x, y: m.softmax(x, 0),
    "log_softmax": lambda m, x, y: m.log_softmax(x, 0),
    "slice": lambda m, x, y: x[1:3],
    "clamp": lambda m, x, y: x.clamp(0.6, 1.8),
    "max": lambda m, x, y: x.max(),
    "mul, y without grad": lambda m, x, y: x * y.detach(),
    "mean": lambda m, x, y: x.mean(),
    "mean over a dim": lambda m, x, y: x.reshape(2, 2).mean(1),
    "mean keepdim": lambda m, x, y: x.reshape(2, 2).mean(0, keepdim=True),
}
# Where our rule reads other numbers than PyTorch's formula saves (docs/coming-from-pytorch.md): ours -> PyTorch's.
PACKED_DIFFERENTLY = {
    "div": (lambda m, x, y: x / y, ["out", "y"], ["x", "y"]),         # ours: g/y and -g·out/y
    "abs": (lambda m, x, y: m.abs(x - 1), ["out", "x-1"], ["x-1"]),
    "cat": (lambda m, x, y: m.cat([x, y]), ["out", "x", "y"], []),    # a variadic rule: everything
}


def _packed(m, fn):
    """What pack_hook received, each named for the leaf or the result it is (by its numbers), sorted; and the
    number of unpack calls after a backward pass."""
    x = m.tensor([0.5, 1.25, 1.5, 2.0], dtype=m.float64, requires_grad=True)
    y = m.tensor([1.5, 0.75, 2.5, 1.125], dtype=m.float64, requires_grad=True)
    packed, unpacked = [], []
    with m.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: unpacked.append(t) or t):
        out = fn(m, x, y)
    names = {"x": x, "y": y, "out": out, "x-1": x - 1}  # x - 1: relu's and abs's input (made after: not packed)

    def numbers(t):
        return np.asarray(t.data if isinstance(t, ag.Tensor) else t.detach().numpy())

    def name(t):
        for label, v in names.items():
            if numbers(t).ravel().tolist() == numbers(v).ravel().tolist():
                return label
        return "other"

    out.sum().backward()
    return sorted(name(t) for t in packed), len(unpacked)


@pytest.mark.parametrize("name", list(PACKED_OPS))
def test_saved_tensors_hooks_pack_what_pytorch_saves(name):
    ours, ours_unpacked = _packed(ag, PACKED_OPS[name])
    assert ours_unpacked == len(ours)  # each packed one is unpacked once by the backward pass
    torch = pytest.importorskip("torch")
    theirs, _ = _packed(torch, PACKED_OPS[name])
    assert ours == theirs


@pytest.mark.parametrize("name", list(PACKED_DIFFERENTLY))
def test_saved_tensors_hooks_pack_what_our_rules_read_where_they_differ(name):
    fn, ours_expected, theirs_expected = PACKED_DIFFERENTLY[name]
    assert _packed(ag, fn)[0] == ours_expected
    torch = pytest.importorskip("torch")
    assert _packed(torch, fn)[0] == theirs_expected  # the documented difference still is one


def test_saved_tensors_hooks_cost_nothing_outside_a_block():
    from autograd_core.modes import TRACERS

    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        assert len(TRACERS.get()) == 1
    assert TRACERS.get() == ()


def test_a_parameters_data_counts_as_a_tensor():
    # PyTorch's p.data is a tensor: torch.cat/stack of parameters' data (flattening a model's weights) and torch
    # functions of it give tensors, as gradients do.
    model = ag.nn.Linear(3, 2)
    flat = ag.cat([p.data.reshape(-1) for p in model.parameters()])
    assert isinstance(flat, ag.Value) and flat.shape == (8,)
    assert isinstance(ag.stack([model.weight.data, model.weight.data]), ag.Value)
    assert isinstance(ag.sin(model.weight.data), ag.Value)


@pytest.mark.parametrize("layer", ["RNN", "LSTM", "GRU"])
def test_a_recurrent_layer_refuses_an_input_of_another_float_width_in_pytorchs_words(layer):
    model = getattr(ag.nn, layer)(3, 4)
    with pytest.raises(ValueError, match=r"^RNN input dtype \(torch\.float64\) does not match weight dtype "
                                         r"\(torch\.float32\)\. Convert input: input\.to\(torch\.float32\), or "
                                         r"convert model: model\.to\(torch\.float64\)$"):
        model(ag.randn(5, 2, 3, dtype=ag.float64))
    if layer != "LSTM":  # (PyTorch's LSTM meets its MKLDNN path's "unsupported data type" first; ours refuses too)
        with pytest.raises(RuntimeError, match="^mat1 and mat2 must have the same dtype, but got Double and Float$"):
            model(ag.randn(5, 2, 3), ag.zeros(1, 2, 4, dtype=ag.float64))


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_a_recurrent_cell_refuses_an_input_of_another_float_width_in_pytorchs_words(cell):
    with pytest.raises(RuntimeError, match="^mat1 and mat2 must have the same dtype, but got Double and Float$"):
        getattr(ag.nn, cell)(3, 4)(ag.randn(2, 3, dtype=ag.float64))


def test_float16_convolution_kernel_chosen_as_pytorch_on_this_host():
    """A float16 convolution's words depend on the processor (oneDNN's kernel where it has float16 instructions):
    our reading of /proc/cpuinfo agrees with PyTorch's own answer on this host."""
    torch = pytest.importorskip("torch")
    from autograd_core.nn import dtype_checks
    assert dtype_checks._host_computes_float16() == torch.ops.mkldnn._is_mkldnn_fp16_supported()
