"""Recurrent layers (nn/rnn.py): cells and sequence layers against PyTorch in float64 (weights moved through state
dicts), finite differences, forward mode, compile, a short training run, and PyTorch's error cases."""

import math
import warnings

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.gradcheck import gradcheck, gradgradcheck

F64 = np.float64


def _copy_from_torch(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _assert_same_grads(ours, theirs):
    tgrads = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tgrads)
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)


def _loss(out, weights):
    """Σ out_k ⊙ w_k over the outputs: every element of every output gets its own gradient."""
    return sum((o * w).sum() for o, w in zip(out, weights))


def _flat(out):
    """(output, h) / (output, (h, c)) / h / (h, c) as a flat tuple."""
    if not isinstance(out, tuple):
        return (out,)
    return tuple(x for item in out for x in (item if isinstance(item, tuple) else (item,)))


# ----------------------------------------------------------------------------------------------------
# Cells.

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {}),
         ("GRUCell", {"bias": False}), ("LSTMCell", {"bias": False})]


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("name,kwargs", CELLS, ids=[f"{n}-{k}" for n, k in CELLS])
def test_cell_matches_torch(name, kwargs, batched):
    torch = torch_or_skip()
    theirs = getattr(torch.nn, name)(4, 3, **kwargs).double()
    ours = getattr(nn, name)(4, 3, dtype=F64, **kwargs)
    _copy_from_torch(ours, theirs)
    lead = (2,) if batched else ()
    x = rand(*lead, 4)
    states = [rand(*lead, 3, seed=1 + i) for i in range(2 if name == "LSTMCell" else 1)]
    xt, st = torch.tensor(x, requires_grad=True), [torch.tensor(s, requires_grad=True) for s in states]
    xv, sv = Value(x), [Value(s) for s in states]
    tout = _flat(theirs(xt, tuple(st) if name == "LSTMCell" else st[0]))
    out = _flat(ours(xv, tuple(sv) if name == "LSTMCell" else sv[0]))
    weights = [rand(*o.shape, seed=9 + i) for i, o in enumerate(out)]
    _loss(tout, [torch.tensor(w) for w in weights]).backward()
    _loss(out, weights).backward()
    for o, t in zip(out, tout):
        assert o.shape == tuple(t.shape)
        assert_close_to_torch(o.data, t)
    assert_close_to_torch(xv.grad, xt.grad)
    for s, t in zip(sv, st):
        assert_close_to_torch(s.grad, t.grad)
    _assert_same_grads(ours, theirs)
    # no hx: zeros, as PyTorch
    for o, t in zip(_flat(ours(x)), _flat(theirs(torch.tensor(x)))):
        assert_close_to_torch(o.data, t)


@pytest.mark.parametrize("name,gates", [("RNNCell", 1), ("LSTMCell", 4), ("GRUCell", 3)])
def test_cell_parameters_names_shapes_and_init(name, gates):
    cell = getattr(nn, name)(5, 16, rng=0)
    shapes = {k: p.shape for k, p in cell.named_parameters()}
    assert shapes == {"weight_ih": (gates * 16, 5), "weight_hh": (gates * 16, 16), "bias_ih": (gates * 16,),
                      "bias_hh": (gates * 16,)}
    values = np.concatenate([p.data.ravel() for p in cell.parameters()])
    assert cell.weight_ih.dtype == np.float32
    assert np.abs(values).max() <= 1 / math.sqrt(16)          # U(-1/√H, 1/√H)
    assert np.abs(values).max() > 0.9 / math.sqrt(16) and abs(values.mean()) < 0.03
    assert [k for k, _ in getattr(nn, name)(5, 16, bias=False).named_parameters()] == ["weight_ih", "weight_hh"]


def test_cell_default_hidden_state_is_zero_and_unbatched_is_a_batch_of_one():
    cell = nn.LSTMCell(3, 2, dtype=F64, rng=1)
    x = rand(4, 3)
    h, c = cell(x)
    h0, c0 = cell(x, (np.zeros((4, 2)), np.zeros((4, 2))))
    np.testing.assert_array_equal(h.data, h0.data)
    np.testing.assert_array_equal(c.data, c0.data)
    h1, c1 = cell(x[1])
    assert h1.shape == c1.shape == (2,)
    np.testing.assert_allclose(h1.data, h.data[1], rtol=1e-14)
    gru = nn.GRUCell(3, 2, dtype=F64, rng=2)
    assert gru(x[0], np.ones(2)).shape == (2,)
    np.testing.assert_allclose(gru(x[0], np.ones(2)).data, gru(x[:1], np.ones((1, 2))).data[0], rtol=1e-14)


def test_cell_gradcheck():
    for cell in (nn.RNNCell(2, 3, dtype=F64, rng=0), nn.GRUCell(2, 3, dtype=F64, rng=1)):
        names = [n for n, _ in cell.named_parameters()]
        values = [p.data for p in cell.parameters()]
        def f(x, h, *w, cell=cell, names=names):
            return cell_with(cell, names, w)(x, h)
        assert gradcheck(f, [rand(2, 2), rand(2, 3, seed=1), *values])
    lstm = nn.LSTMCell(2, 3, dtype=F64, rng=2)
    names = [n for n, _ in lstm.named_parameters()]
    values = [p.data for p in lstm.parameters()]

    def f(x, h, c, *w):
        h, c = cell_with(lstm, names, w)(x, (h, c))
        return h * c + h
    assert gradcheck(f, [rand(2, 2), rand(2, 3, seed=1), rand(2, 3, seed=2), *values])
    small = nn.LSTMCell(2, 2, dtype=F64, rng=3)                # second derivatives (create_graph) too
    assert gradgradcheck(lambda x, h, c: small(x, (h, c))[0] * small(x, (h, c))[1],
                         [rand(1, 2), rand(1, 2, seed=1), rand(1, 2, seed=2)])


def cell_with(module, names, weights):
    """module with its parameters replaced by `weights` (Values of gradcheck's), for differentiating by them."""
    for name, w in zip(names, weights):
        object.__setattr__(module, name, w)
    return module


# ----------------------------------------------------------------------------------------------------
# Sequence layers.

LAYERS = [
    ("RNN", {"num_layers": 2, "bidirectional": True}),
    ("RNN", {"nonlinearity": "relu", "batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"batch_first": True, "bias": False}),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False}),
]


def _states(name, kwargs, batch):
    """Random h_0 (and c_0) of PyTorch's shapes; batch None: unbatched."""
    count = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    lead = (count,) if batch is None else (count, batch)
    h = rand(*lead, kwargs.get("proj_size") or 3, seed=5)
    return [h, rand(*lead, 3, seed=6)] if name == "LSTM" else [h]


def _run_both(torch, name, kwargs, x, states):
    theirs = getattr(torch.nn, name)(4, 3, **kwargs).double()
    ours = getattr(nn, name)(4, 3, dtype=F64, **kwargs)
    _copy_from_torch(ours, theirs)
    xt, st = torch.tensor(x, requires_grad=True), [torch.tensor(s, requires_grad=True) for s in states]
    xv, sv = Value(x), [Value(s) for s in states]
    tout = _flat(theirs(xt, tuple(st) if name == "LSTM" else st[0]))
    out = _flat(ours(xv, tuple(sv) if name == "LSTM" else sv[0]))
    weights = [rand(*o.shape, seed=9 + i) for i, o in enumerate(out)]
    _loss(tout, [torch.tensor(w) for w in weights]).backward()
    _loss(out, weights).backward()
    for i, (o, t) in enumerate(zip(out, tout)):
        assert o.shape == tuple(t.shape), i
        assert_close_to_torch(o.data, t, f"output {i}")
    assert_close_to_torch(xv.grad, xt.grad, "input")
    for s, t in zip(sv, st):
        assert_close_to_torch(s.grad, t.grad, "hx")
    _assert_same_grads(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{n}-{k}" for n, k in LAYERS])
def test_sequence_layer_matches_torch(name, kwargs):
    torch = torch_or_skip()
    x = rand(2, 3, 4) if kwargs.get("batch_first") else rand(3, 2, 4)  # length 3, batch 2
    ours, theirs = _run_both(torch, name, kwargs, x, _states(name, kwargs, batch=2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # without hx: zeros, as PyTorch
    for o, t in zip(_flat(ours(x)), _flat(theirs(torch.tensor(x)))):
        assert_close_to_torch(o.data, t)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_sequence_layer_unbatched_matches_torch(name):
    torch = torch_or_skip()
    kwargs = {"num_layers": 2, "bidirectional": True}
    _run_both(torch, name, kwargs, rand(3, 4), _states(name, kwargs, batch=None))


def test_sequence_gradcheck_through_weights_and_states():
    lstm = nn.LSTM(2, 2, bidirectional=True, dtype=F64, rng=0)
    names = [n for n, _ in lstm.named_parameters()]
    values = [p.data for p in lstm.parameters()]

    def f(x, h, c, *w):
        out, (h_n, c_n) = cell_with(lstm, names, w)(x, (h, c))
        return out.sum(axis=-1) + (h_n * c_n).sum()
    assert gradcheck(f, [rand(2, 1, 2), rand(2, 1, 2, seed=1), rand(2, 1, 2, seed=2), *values])
    gru = nn.GRU(2, 2, num_layers=2, batch_first=True, dtype=F64, rng=1)
    assert gradcheck(lambda x, h: gru(x, h)[0], [rand(1, 3, 2), rand(2, 1, 2, seed=3)])


def test_forward_mode_and_compile_agree_with_reverse_mode():
    gru = nn.GRU(3, 2, num_layers=2, dtype=F64, rng=0)
    x, t = rand(4, 2, 3), rand(4, 2, 3, seed=1)
    _, tangent = ag.jvp(lambda x: gru(x)[0].sum(), (x,), (t,))
    xv = Value(x)
    gru(xv)[0].sum().backward()
    np.testing.assert_allclose(tangent, (xv.grad * t).sum(), rtol=1e-12)

    def step(model, opt, x):
        opt.zero_grad()
        out, (h, c) = model(x)
        loss = (out * out).mean() + c.sum()
        loss.backward()
        opt.step()
        return loss

    eager, compiled = nn.LSTM(3, 2, dtype=F64, rng=3), nn.LSTM(3, 2, dtype=F64, rng=3)
    opt_e, opt_c = optim.SGD(eager.parameters(), lr=0.1), optim.SGD(compiled.parameters(), lr=0.1)
    fast = ag.compile(lambda x: step(compiled, opt_c, x))
    for i in range(4):
        xi = rand(5, 2, 3, seed=i)
        assert float(step(eager, opt_e, xi).data) == float(fast(xi).data)
    assert fast.stats["replayed"] >= 1
    for p, q in zip(eager.parameters(), compiled.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_dropout_between_layers_in_training_only():
    plain = nn.LSTM(3, 4, num_layers=2, dtype=F64, rng=0)
    dropped = nn.LSTM(3, 4, num_layers=2, dropout=1.0, dtype=F64, rng=0)
    x = Value(rand(5, 2, 3))
    dropped.eval()
    np.testing.assert_array_equal(dropped(x)[0].data, plain(x)[0].data)   # eval: no dropout
    dropped.train()
    out, (h_n, c_n) = dropped(x)
    (out.sum() + h_n[1].sum()).backward()
    assert not np.array_equal(out.data, plain(x)[0].data)
    np.testing.assert_array_equal(x.grad, 0)          # p = 1: the second layer sees zeros only
    assert np.abs(dropped.weight_ih_l1.grad).sum() == 0 and np.abs(dropped.weight_hh_l1.grad).sum() > 0
    # the last layer's output is not dropped: half the elements would be zero with p = 0.5 there
    half = nn.GRU(3, 4, num_layers=2, dropout=0.5, dtype=F64)
    assert np.count_nonzero(half(x)[0].data == 0) == 0
    # without rng=, the masks come from nn.init's generator at each call: manual_seed repeats them
    ag.manual_seed(3)
    first = half(x)[0].data
    ag.manual_seed(3)
    np.testing.assert_array_equal(half(x)[0].data, first)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.RNN(3, 4, dropout=0.5)


def test_lstm_training_loss_goes_down():
    # Remember the first element of a sequence: the label is the sign of x_0, read after 5 steps.
    ag.manual_seed(0)
    lstm, head = nn.LSTM(1, 8, batch_first=True, rng=0), nn.Linear(8, 2, rng=1)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=0.05)
    x = rand(32, 5, 1).astype(np.float32)
    y = (x[:, 0, 0] > 0).astype(np.int64)
    losses = []
    for _ in range(25):
        opt.zero_grad()
        _, (h_n, _) = lstm(x)
        loss = nn.functional.cross_entropy(head(h_n[-1]), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0], losses


# ----------------------------------------------------------------------------------------------------
# Names, printing and errors.


def test_parameter_names_and_shapes_follow_pytorch():
    lstm = nn.LSTM(5, 4, num_layers=2, bidirectional=True, proj_size=3)
    shapes = {k: p.shape for k, p in lstm.named_parameters()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert shapes["weight_ih_l1_reverse"] == (16, 6) and shapes["weight_hh_l1"] == (16, 3)
    assert shapes["weight_hr_l1_reverse"] == (3, 4) and len(shapes) == 20
    assert [len(group) for group in lstm.all_weights] == [5] * 4
    assert repr(nn.GRU(5, 4, num_layers=2, batch_first=True)).startswith(
        "GRU(5, 4, num_layers=2, batch_first=True)")
    assert repr(nn.RNNCell(2, 3, nonlinearity="relu")).startswith("RNNCell(2, 3, nonlinearity=relu)")


def test_wrong_input_and_hidden_sizes_raise_pytorch_errors():
    gru = nn.GRU(4, 3, num_layers=2)
    with pytest.raises(RuntimeError, match=r"input_size\. Expected 4, got 5"):
        gru(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        gru(np.zeros((2, 2, 3, 4)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 3, 3\), got \[2, 2, 3\]"):
        gru(np.zeros((2, 3, 4)), np.zeros((2, 2, 3)))
    with pytest.raises(RuntimeError, match="unbatched 2-D input, hx should also be 2-D but got 3-D"):
        gru(np.zeros((2, 4)), np.zeros((2, 1, 3)))
    lstm = nn.LSTM(4, 3)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 3, 3\), got \[1, 2, 3\]"):
        lstm(np.zeros((2, 3, 4)), (np.zeros((1, 3, 3)), np.zeros((1, 2, 3))))
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        lstm(np.zeros((2, 3, 4)), np.zeros((1, 3, 3)))
    cell = nn.LSTMCell(4, 3)
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 4"):
        cell(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        cell(np.zeros((2, 2, 4)))
    with pytest.raises(RuntimeError, match="batch size 2 doesn't match hidden0 batch size 3"):
        cell(np.zeros((2, 4)), (np.zeros((3, 3)), np.zeros((3, 3))))
    with pytest.raises(RuntimeError, match="hidden1 has inconsistent hidden_size: got 2, expected 3"):
        cell(np.zeros((2, 4)), (np.zeros((2, 3)), np.zeros((2, 2))))
    with pytest.raises(RuntimeError, match="hx should also be 1-D"):
        nn.GRUCell(4, 3)(np.zeros(4), np.zeros((1, 3)))


def test_bad_constructor_arguments_raise():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sig'"):
        nn.RNN(4, 3, nonlinearity="sig")
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNNCell(4, 3, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(4, 3, dropout=2)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(4, 0)
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        nn.RNN(4, 3, num_layers=0)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(4, 3, proj_size=3)
    with pytest.raises(TypeError, match="hidden_size should be of type int"):
        nn.LSTMCell(4, 3.0)
    with pytest.raises(RuntimeError):
        nn.LSTM(4, 3, device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(4, 3, num_layers=2, dropout=0.5)   # no warning with more than one layer
