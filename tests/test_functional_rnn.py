"""torch.rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell and torch.rnn_tanh, rnn_relu, lstm, gru
(nn/functional_rnn.py): values and gradients (of every input, hx and weight) against PyTorch's in float64, both
overloads of the layer functions (padded and packed), finite differences, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck

R = np.random.default_rng(20261205)
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _arrays(mode, I, H, N, bias):
    g = GATES[mode] * H
    arrays = [R.normal(size=(N, I)), R.normal(size=(N, H)), R.normal(size=(g, I)) * 0.5, R.normal(size=(g, H)) * 0.5]
    if mode == "lstm":
        arrays.insert(2, R.normal(size=(N, H)))
    return arrays + ([R.normal(size=(g,)), R.normal(size=(g,))] if bias else [])


def _call_cell(lib, mode, tensors):
    if mode == "lstm":
        x, h, c, *rest = tensors
        return list(lib.lstm_cell(x, (h, c), *rest))
    return [getattr(lib, f"{mode}_cell")(*tensors)]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mode", sorted(GATES))
def test_cell_matches_pytorch(mode, bias):
    torch = pytest.importorskip("torch")
    arrays = _arrays(mode, 3, 4, 2, bias)
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_ours, out_theirs = _call_cell(ag, mode, ours), _call_cell(torch, mode, theirs)
    weights = [R.normal(size=tuple(t.shape)) for t in out_theirs]
    for o, t in zip(out_ours, out_theirs):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-12, atol=1e-14)
    sum(ag.sum(o * w) for o, w in zip(out_ours, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(out_theirs, weights)).backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", sorted(GATES))
def test_cell_gradients_match_finite_differences_and_unbatched(mode):
    arrays = _arrays(mode, 3, 2, 2, True)
    values = [ag.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *v: sum(ag.sum(o * o) for o in _call_cell(ag, mode, v)), values)
    batched = _call_cell(ag, mode, [ag.tensor(a) for a in arrays])
    batched_count = 3 if mode == "lstm" else 2  # input, h (and c): the rest are weights
    one = _call_cell(ag, mode, [ag.tensor(a[0] if i < batched_count else a) for i, a in enumerate(arrays)])
    for b, o in zip(batched, one):
        assert o.shape == b.shape[1:] and np.allclose(o.data, b.data[0])


LAYERS = {  # name -> (mode, num_layers, bias, bidirectional, batch_first, proj_size)
    "rnn_tanh": ("rnn_tanh", 2, True, True, False, 0), "rnn_relu": ("rnn_relu", 1, False, False, True, 0),
    "gru": ("gru", 2, True, False, True, 0), "gru_bi": ("gru", 1, False, True, False, 0),
    "lstm": ("lstm", 2, True, True, False, 0), "lstm_proj": ("lstm", 2, False, True, True, 2),
}


def _torch_module(torch, mode, layers, bias, bidirectional, batch_first, proj):
    kw = dict(num_layers=layers, bias=bias, bidirectional=bidirectional, batch_first=batch_first)
    if mode == "lstm":
        return torch.nn.LSTM(3, 4, proj_size=proj, **kw).double()
    if mode == "gru":
        return torch.nn.GRU(3, 4, **kw).double()
    return torch.nn.RNN(3, 4, nonlinearity=mode[4:], **kw).double()


def _compare(torch, name, ours_inputs, theirs_inputs, call):
    out_ours, out_theirs = call(ag, ours_inputs), call(torch, theirs_inputs)
    assert len(out_ours) == len(out_theirs)
    weights = [R.normal(size=tuple(t.shape)) for t in out_theirs]
    for o, t in zip(out_ours, out_theirs):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    sum(ag.sum(o * w) for o, w in zip(out_ours, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(out_theirs, weights)).backward()
    for o, t in zip(ours_inputs, theirs_inputs):
        if o.requires_grad:
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    mode, layers, bias, bidirectional, batch_first, proj = LAYERS[name]
    module = _torch_module(torch, mode, layers, bias, bidirectional, batch_first, proj)
    D, L, N = 2 if bidirectional else 1, 5, 3
    params = [p.detach().numpy() for p in module._flat_weights]
    x = R.normal(size=(N, L, 3) if batch_first else (L, N, 3))
    states = [R.normal(size=(D * layers, N, proj or 4))] + ([R.normal(size=(D * layers, N, 4))] if mode == "lstm"
                                                             else [])
    arrays = [x, *states, *params]

    def call(lib, t):
        hx = tuple(t[1:3]) if mode == "lstm" else t[1]
        rest = t[3:] if mode == "lstm" else t[2:]
        return list(getattr(lib, mode)(t[0], hx, list(rest), bias, layers, 0.0, False, bidirectional, batch_first))

    _compare(torch, name, [ag.tensor(a, requires_grad=True) for a in arrays],
             [torch.tensor(a, requires_grad=True) for a in arrays], call)
    # the same numbers as the module's forward
    expected = module(torch.tensor(x), tuple(torch.tensor(s) for s in states) if mode == "lstm"
                      else torch.tensor(states[0]))[0]
    hx = tuple(ag.tensor(s) for s in states) if mode == "lstm" else ag.tensor(states[0])
    got = getattr(ag, mode)(ag.tensor(x), hx, [ag.tensor(p) for p in params], bias, layers, 0.0, False,
                            bidirectional, batch_first)[0]
    np.testing.assert_allclose(got.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", sorted(GATES))
def test_packed_overload_matches_pytorch(mode):
    torch = pytest.importorskip("torch")
    module = _torch_module(torch, mode, 2, True, True, False, 0)
    lengths = [5, 3, 2]
    padded = torch.tensor(R.normal(size=(5, 3, 3)))
    packed = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths)
    params = [p.detach().numpy() for p in module._flat_weights]
    states = [R.normal(size=(4, 3, 4)) for _ in range(2 if mode == "lstm" else 1)]
    arrays = [packed.data.numpy(), *states, *params]

    def call(lib, t):
        hx = tuple(t[1:3]) if mode == "lstm" else t[1]
        rest = t[3:] if mode == "lstm" else t[2:]
        batch_sizes = packed.batch_sizes if lib is torch else ag.tensor(packed.batch_sizes.numpy())
        return list(getattr(lib, mode)(t[0], batch_sizes, hx, list(rest), True, 2, 0.0, False, True))

    _compare(torch, mode, [ag.tensor(a, requires_grad=True) for a in arrays],
             [torch.tensor(a, requires_grad=True) for a in arrays], call)


def test_layer_gradients_match_finite_differences():
    x, h = ag.tensor(R.normal(size=(3, 2, 2)), requires_grad=True), ag.tensor(R.normal(size=(2, 2, 2)))
    c = ag.tensor(R.normal(size=(2, 2, 2)), requires_grad=True)
    params = [ag.tensor(R.normal(size=s) * 0.5, requires_grad=True) for s in [(8, 2), (8, 2), (8,), (8,)] * 2]
    assert gradcheck(lambda x, c, *p: ag.sum(ag.lstm(x, (h, c), list(p), True, 1, 0.0, False, True, False)[0] ** 2),
                     (x, c, *params))


def test_layer_dropout_only_in_training():
    x, h = ag.tensor(R.normal(size=(4, 2, 3))), ag.zeros(2, 2, 5, dtype=ag.float64)
    params = [ag.tensor(R.normal(size=s)) for s in [(15, 3), (15, 5), (15, 5), (15, 5)]]
    eval_ = ag.gru(x, h, params, False, 2, 0.9, False, False, False)[0]
    again = ag.gru(x, h, params, False, 2, 0.0, True, False, False)[0]
    assert np.allclose(eval_.data, again.data)  # train=False: no dropout; dropout 0: none either
    ag.manual_seed(0)
    trained = ag.gru(x, h, params, False, 2, 0.9, True, False, False)[0]
    assert not np.allclose(trained.data, eval_.data)


@pytest.mark.parametrize("call, error, match", [
    (lambda: ag.rnn_tanh_cell(ag.randn(3, 3), ag.randn(3, 5), ag.randn(5, 4), ag.randn(5, 5)), ag.ShapeError,
     "input has inconsistent input_size: got 3 expected 4"),
    (lambda: ag.rnn_tanh_cell(ag.randn(3, 4), ag.randn(3, 4), ag.randn(5, 4), ag.randn(5, 5)), ag.ShapeError,
     "hidden0 has inconsistent hidden_size: got 4, expected 5"),
    (lambda: ag.rnn_tanh_cell(ag.randn(3, 4), ag.randn(2, 5), ag.randn(5, 4), ag.randn(5, 5)), ag.ShapeError,
     "Input batch size 3 doesn't match hidden0 batch size 2"),
    (lambda: ag.gru_cell(ag.randn(3, 4), ag.randn(3, 5), ag.randn(14, 4), ag.randn(15, 5)), ag.ShapeError,
     "weight_ih first dim must be 3 \\* hidden_size = 15, but got 14"),
    (lambda: ag.lstm_cell(ag.randn(3, 4), ag.randn(3, 5), ag.randn(20, 4), ag.randn(20, 5)), TypeError,
     "must be tuple of Tensors"),
    (lambda: ag.lstm_cell(ag.randn(3, 4), (ag.randn(3, 5),), ag.randn(20, 4), ag.randn(20, 5)), RuntimeError,
     "lstm_cell expects two hidden states"),
    (lambda: ag.gru(ag.randn(5, 2, 4), ag.zeros(1, 2, 5), [ag.randn(15, 4), ag.randn(15, 5)], True, 1, 0.0, False,
                    False, False), RuntimeError, "incorrect number of RNN parameters"),
    (lambda: ag.gru(ag.randn(5, 2, 4), ag.zeros(2, 2, 5), [ag.randn(15, 4), ag.randn(15, 5)], False, 1, 0.0, False,
                    False, False), ag.ShapeError, "Expected hidden\\[0\\] size"),
    (lambda: ag.gru(ag.randn(5, 4), ag.zeros(1, 5), [ag.randn(15, 4), ag.randn(15, 5)], False, 1, 0.0, False,
                    False, False), ag.ShapeError, "input must be 3-D"),
    (lambda: ag.lstm(ag.randn(5, 2, 4), (ag.zeros(1, 2, 5),), [ag.randn(20, 4), ag.randn(20, 5)], False, 1, 0.0,
                     False, False, False), RuntimeError, "lstm expects two hidden states"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
