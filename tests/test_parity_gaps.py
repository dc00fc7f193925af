"""Small PyTorch-parity gaps, each checked against PyTorch 2.13 where it is installed:

1. layers refuse parameters of another dtype than the input's (float32 weights, float64 input), in PyTorch's words;
2. torch's functions take tensors: a NumPy array is a TypeError, a gradient (GradArray) is a tensor;
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
}


def _outcome(fn):
    """('ok', dtype name) or (error class name, message)."""
    try:
        return "ok", str(fn().dtype).replace("torch.", "")
    except (RuntimeError, TypeError, ValueError) as err:
        return type(err).__name__, str(err)


NORM_CASES = [(name, combo) for name in NORMS for combo in itertools.product("fdh", "fd-", "fd-")]
LAYER_CASES = [(name, combo) for name in LAYERS for combo in itertools.product("fd", "fd", "fd-")]


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


# Not yet refused: a NumPy array given to an elementwise function computes (the function transforms hand f its
# non-differentiated arguments as arrays: tests/test_functional.py, test_functional_trees.py, test_forward.py, ...).
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
    "sum": lambda m, a, t: m.sum(a),
    "mean": lambda m, a, t: m.mean(a),
    "max": lambda m, a, t: m.max(a),
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
}
# Where our rule reads other numbers than PyTorch's formula saves (docs/coming-from-pytorch.md): ours -> PyTorch's.
PACKED_DIFFERENTLY = {
    "div": (lambda m, x, y: x / y, ["out", "y"], ["x", "y"]),         # ours: g/y and -g·out/y
    "relu": (lambda m, x, y: m.relu(x - 1), ["x-1"], ["out"]),        # ours: the input's sign; PyTorch: result > 0
    "abs": (lambda m, x, y: m.abs(x - 1), ["out", "x-1"], ["x-1"]),
    "mean": (lambda m, x, y: x.mean(), ["x"], []),                    # ours reads x's size through a helper
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
