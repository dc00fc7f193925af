"""Layers: forward against naive loops, gradients against finite differences and against PyTorch."""

import numpy as np
import pytest

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import Value
from autograd_core.gradcheck import gradcheck, gradgradcheck

F64 = np.float64


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def naive_linear(x, W, b):
    out = np.zeros((x.shape[0], W.shape[0]))
    for n in range(x.shape[0]):
        for o in range(W.shape[0]):
            out[n, o] = b[o] + sum(x[n, i] * W[o, i] for i in range(W.shape[1]))
    return out


# ----------------------------------------------------------------------------------------------------
# Linear


def test_linear_forward_matches_loops_and_layout():
    lin = nn.Linear(4, 3, rng=0, dtype=F64)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    x = rand(5, 4)
    np.testing.assert_allclose(lin(x).data, naive_linear(x, lin.weight.data, lin.bias.data), rtol=1e-12)


def test_linear_default_init_bounds_and_dtype():
    lin = nn.Linear(100, 50, rng=0)
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    bound = 1 / np.sqrt(100)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    assert np.abs(lin.weight.data).max() > 0.9 * bound  # uniform over the whole range


def test_linear_is_one_node_and_keeps_float32():
    lin = nn.Linear(3, 2, rng=0)
    x = Value(np.ones((4, 3), np.float32), requires_grad=False)
    out = lin(x)
    assert out.op == "linear" and out.parents[1] is lin.weight and out.parents[2] is lin.bias
    assert out.dtype == np.float32
    out.sum().backward()
    assert lin.weight.grad.dtype == np.float32 and lin.weight.grad.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("x_shape", [(3,), (2, 3), (2, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(x_shape, bias):
    W, b = rand(2, 3, seed=1), rand(2, seed=2)
    if bias:
        gradcheck(lambda x, w, c: F.linear(x, w, c), [rand(*x_shape), W, b])
    else:
        gradcheck(lambda x, w: F.linear(x, w), [rand(*x_shape), W])


def test_linear_second_derivative():
    gradgradcheck(lambda x, w, c: F.linear(x, w, c) ** 2, [rand(2, 3), rand(2, 3, seed=1), rand(2, seed=2)])


def test_linear_shape_errors_name_shapes():
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\).*\(2, 3\)"):
        nn.Linear(4, 2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="bias of shape"):
        F.linear(Value(np.ones((2, 3))), Value(np.ones((2, 3))), Value(np.ones(3)))


# ----------------------------------------------------------------------------------------------------
# Neuron / Layer / MLP: the scalar graph and the tensor path give the same numbers and gradients.


def test_mlp_scalar_and_tensor_modes_agree_including_gradients():
    model = nn.MLP(3, [4, 4, 2], rng=0, dtype=F64)
    xs = rand(5, 3)
    tensor_out = model(xs)
    tensor_out.sum().backward()
    tensor_grads = [p.grad.copy() for _, p in model.named_parameters()]  # the arrays (parameters(): scalars)
    model.zero_grad()
    total, scalar_rows = None, []
    for row in xs:
        outs = model([float(v) for v in row])   # micrograd style: a list of Python numbers in
        assert isinstance(outs, list) and len(outs) == 2 and outs[0].ndim == 0
        scalar_rows.append([o.data for o in outs])
        for o in outs:
            total = o if total is None else total + o
    np.testing.assert_allclose(scalar_rows, tensor_out.data, rtol=1e-12, atol=1e-14)
    total.backward()
    for (name, p), g in zip(model.named_parameters(), tensor_grads):
        np.testing.assert_allclose(p.grad, g, rtol=1e-12, atol=1e-14, err_msg=name)


def test_scalar_mode_builds_one_node_per_product():
    layer = nn.Layer(3, 1, activation="tanh", rng=0, dtype=F64)
    out = layer([Value(1.0), Value(2.0), Value(-1.0)])
    assert out.op == "tanh"
    act = out.parents[0]                          # ((b + w0x0) + w1x1) + w2x2, micrograd's order
    assert act.op == "+"
    first = act.parents[0].parents[0]
    assert first.op == "+" and first.parents[0].label == "b[0]" and first.parents[0].is_leaf
    products = [first.parents[1], act.parents[0].parents[1], act.parents[1]]
    assert all(p.op == "*" for p in products)
    assert [p.parents[0].label for p in products] == ["w[0,0]", "w[0,1]", "w[0,2]"]
    assert all(p.parents[0].is_leaf and p.parents[0].is_parameter for p in products)
    assert [s.kind for s in out.scope.path()] == ["Layer", "Neuron"]


def test_mlp_scopes_nest_mlp_layer_neuron():
    model = nn.MLP(2, [3, 1], rng=0)
    out = model([1.0, 2.0])
    assert isinstance(out, Value) and out.ndim == 0
    assert [(s.name, s.kind) for s in out.scope.path()] == [("MLP", "MLP"), ("layers.1", "Layer"),
                                                            ("neurons.0", "Neuron")]


def test_neuron_modes_and_micrograd_keyword():
    n = nn.Neuron(3, nonlin=False, rng=0, dtype=F64)
    assert n.activation == "linear" and n.weight.shape == (3,) and n.bias.shape == ()
    x = [2.0, 3.0, -1.0]
    expected = float(np.dot(n.weight.data, x) + n.bias.data)
    np.testing.assert_allclose(n(x).data, expected, rtol=1e-12)
    np.testing.assert_allclose(n(np.array(x)).data, expected, rtol=1e-12)
    assert nn.Neuron(3, nonlin=True).activation == "relu"
    with pytest.raises(ValueError, match="activation"):
        nn.Neuron(2, activation="swish")
    with pytest.raises(ValueError, match="expected 3 inputs"):
        n([1.0])


def test_mlp_state_dict_matches_linear_names():
    model = nn.MLP(3, [4, 2])
    assert list(model.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert model.layers[1].activation == "linear" and model.layers[0].activation == "relu"


# ----------------------------------------------------------------------------------------------------
# Activations


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
]


@pytest.mark.parametrize("module,reference", ACTIVATIONS, ids=lambda a: type(a).__name__)
def test_activation_modules(module, reference):
    x = rand(3, 4)
    np.testing.assert_allclose(module(Value(x)).data, reference(x), rtol=1e-12)
    gradcheck(lambda v: module(v) * np.arange(12.0).reshape(3, 4), [x])


# ----------------------------------------------------------------------------------------------------
# Normalisation


def naive_batch_norm(x, gamma, beta, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        xc = x[:, c]
        mu = xc.sum() / xc.size
        var = ((xc - mu) ** 2).sum() / xc.size
        out[:, c] = gamma[c] * (xc - mu) / np.sqrt(var + eps) + beta[c]
    del axes
    return out


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)),
                                       (nn.BatchNorm2d, (2, 3, 4, 4))])
def test_batch_norm_train_forward_and_running_stats(cls, shape):
    bn = cls(3, momentum=0.2, dtype=F64)
    bn.weight.data = rand(3, seed=3)
    bn.bias.data = rand(3, seed=4)
    x = rand(*shape) * 2 + 1
    np.testing.assert_allclose(bn(x).data, naive_batch_norm(x, bn.weight.data, bn.bias.data, 1e-5), rtol=1e-10)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(bn.running_mean, 0.8 * 0 + 0.2 * x.mean(axes), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.8 * 1 + 0.2 * x.var(axes, ddof=1), rtol=1e-12)
    assert bn.num_batches_tracked == 1
    bn.eval()
    y = bn(x).data
    expected = (x - bn.running_mean.reshape((1, 3) + (1,) * (x.ndim - 2))) / np.sqrt(
        bn.running_var.reshape((1, 3) + (1,) * (x.ndim - 2)) + 1e-5)
    expected = expected * bn.weight.data.reshape((1, 3) + (1,) * (x.ndim - 2)) + bn.bias.data.reshape(
        (1, 3) + (1,) * (x.ndim - 2))
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert bn.num_batches_tracked == 1  # evaluation does not count


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
def test_batch_norm_gradcheck_train_and_eval(shape):
    rm, rv = np.zeros(3), np.ones(3)
    gradcheck(lambda x, w, b: F.batch_norm(x, rm.copy(), rv.copy(), w, b, training=True) * rand(*shape, seed=9),
              [rand(*shape), rand(3, seed=1), rand(3, seed=2)])
    gradcheck(lambda x, w, b: F.batch_norm(x, rm + 0.5, rv * 2, w, b, training=False) * rand(*shape, seed=9),
              [rand(*shape), rand(3, seed=1), rand(3, seed=2)])


def test_standardize_second_derivative():
    gradgradcheck(lambda x: nn.norm.standardize(x, (0,))[0] * rand(4, 2, seed=5), [rand(4, 2)])


def test_batch_norm_options_and_errors():
    bn = nn.BatchNorm1d(2, momentum=None, affine=False, dtype=F64)
    assert bn.weight is None and list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    x1, x2 = rand(4, 2), rand(4, 2, seed=1)
    bn(x1)
    bn(x2)
    np.testing.assert_allclose(bn.running_mean, (x1.mean(0) + x2.mean(0)) / 2, rtol=1e-12)  # cumulative
    free = nn.BatchNorm1d(2, track_running_stats=False, dtype=F64).eval()
    assert free.running_mean is None and list(free.state_dict()) == ["weight", "bias"]
    np.testing.assert_allclose(free(x1).data, naive_batch_norm(x1, np.ones(2), np.zeros(2), 1e-5), rtol=1e-10)
    with pytest.raises(ValueError, match=r"2 channels on axis 1, got shape \(4, 3\)"):
        nn.BatchNorm1d(2)(np.ones((4, 3)))
    with pytest.raises(ValueError, match="4-D"):
        nn.BatchNorm2d(2)(np.ones((4, 2)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(np.ones((1, 2)))


def test_layer_norm_forward_and_gradcheck():
    ln = nn.LayerNorm((3, 4), dtype=F64)
    ln.weight.data = rand(3, 4, seed=1)
    ln.bias.data = rand(3, 4, seed=2)
    x = rand(2, 3, 4)
    expected = np.empty_like(x)
    for n in range(2):
        mu = x[n].mean()
        var = ((x[n] - mu) ** 2).mean()
        expected[n] = (x[n] - mu) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data
    np.testing.assert_allclose(ln(x).data, expected, rtol=1e-12)
    np.testing.assert_allclose(ln.eval()(x).data, expected, rtol=1e-12)
    gradcheck(lambda v, w, b: F.layer_norm(v, 4, w, b) * rand(2, 4, seed=7),
              [rand(2, 4), rand(4, seed=1), rand(4, seed=2)])
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    with pytest.raises(ValueError, match=r"does not end in normalized_shape \(4,\)"):
        nn.LayerNorm(4)(np.ones((2, 3)))


# ----------------------------------------------------------------------------------------------------
# Dropout


def test_dropout_train_eval_and_scaling():
    x = np.ones((200, 50))
    drop = nn.Dropout(0.3, rng=0)
    y = drop(Value(x)).data
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    drop.eval()
    v = Value(x)
    assert drop(v) is v
    assert nn.Dropout(0.0)(v) is v
    assert np.all(nn.Dropout(1.0)(v).data == 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


def test_dropout_gradient_is_the_mask():
    v = Value(np.ones((4, 5)))
    y = F.dropout(v, 0.5, rng=3)
    y.sum().backward()
    np.testing.assert_array_equal(v.grad, y.data)


def test_dropout_takes_pytorchs_arguments_in_pytorchs_order():
    """F.dropout(input, p, training, inplace): a fourth positional argument is `inplace` (accepted, computed out of
    place), as in PyTorch; our `rng` is a keyword."""
    from autograd_core import manual_seed

    v = Value(np.ones(200))
    manual_seed(0)
    y = F.dropout(input=v, p=0.5, training=True, inplace=False)
    manual_seed(0)
    np.testing.assert_array_equal(F.dropout(v, 0.5, True, False).data, y.data)
    assert set(np.unique(y.data)) == {0.0, 2.0}
    assert F.dropout(v, 0.5, False, True) is v
    np.testing.assert_array_equal(F.dropout(v, 0.5, True, False, rng=3).data, F.dropout(v, 0.5, rng=3).data)


def test_dropout_reproducible_bit_for_bit():
    a = [nn.Dropout(0.5, rng=7)(Value(np.ones(20))).data for _ in range(1)]
    drop1, drop2 = nn.Dropout(0.5, rng=7), nn.Dropout(0.5, rng=7)
    seq1 = [drop1(Value(np.ones(20))).data for _ in range(3)]
    seq2 = [drop2(Value(np.ones(20))).data for _ in range(3)]
    for m1, m2 in zip(seq1, seq2):
        np.testing.assert_array_equal(m1, m2)
    assert not np.array_equal(seq1[0], seq1[1])  # a new mask each call
    np.testing.assert_array_equal(a[0], seq1[0])


# ----------------------------------------------------------------------------------------------------
# Containers, Flatten, Embedding


def test_sequential_names_indexing_and_forward():
    seq = nn.Sequential(nn.Linear(3, 4, rng=0, dtype=F64), nn.Tanh(), nn.Linear(4, 2, rng=1, dtype=F64))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(seq) == 3 and isinstance(seq[1], nn.Tanh) and isinstance(seq[-1], nn.Linear)
    assert len(seq[:2]) == 2
    x = rand(2, 3)
    np.testing.assert_allclose(seq(x).data, seq[2](seq[1](seq[0](x))).data)
    seq.append(nn.ReLU())
    assert len(seq) == 4 and seq[3]._name == "3"
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    named = nn.Sequential({"fc": nn.Linear(2, 2), "act": nn.ReLU()})
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]


def test_residual_adds_input():
    block = nn.Linear(3, 3, rng=0, dtype=F64)
    res = nn.Residual(block)
    x = rand(2, 3)
    np.testing.assert_allclose(res(Value(x)).data, x + block(x).data)
    assert list(res.state_dict()) == ["block.weight", "block.bias"]
    with pytest.raises(ValueError, match=r"maps shape \(2, 3\) to \(2, 4\)"):
        nn.Residual(nn.Linear(3, 4, dtype=F64))(Value(x))


def test_flatten():
    x = Value(rand(2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, -1))
    with pytest.raises(ValueError, match="start_dim"):
        nn.Flatten(3, 1)(x)


def test_embedding_lookup_and_repeated_ids_accumulate():
    emb = nn.Embedding(5, 3, rng=0, dtype=F64)
    ids = np.array([[0, 2, 2], [4, 0, 2]])
    out = emb(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[ids])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [2, 0, 3, 0, 1])
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.5]))
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        emb(np.array([5]))
