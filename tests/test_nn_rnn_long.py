"""Recurrent layers over sequences long enough that nn/rnn.py reads the time steps through blocks (`_pieces`: about
√T steps per block, the last block shorter): the pieces and their gradients exactly as plain slices give them, and
RNN/LSTM/GRU (padded and packed) against PyTorch in float64 and finite differences at such lengths."""

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck
from autograd_core.nn.rnn import _pieces
from autograd_core.nn.utils.rnn import pack_padded_sequence

F64 = np.float64


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 17])
def test_pieces_are_the_slices_with_the_same_gradient(n):
    x = Value(rand(n, 2, 3))
    weights = rand(n, 2, 3, seed=1)
    pieces = _pieces(x, range(n + 1), squeeze=True)
    assert len(pieces) == n
    for k, piece in enumerate(pieces):
        np.testing.assert_array_equal(piece.data, x.data[k])
    sum((piece * weights[k]).sum() for k, piece in enumerate(pieces)).backward()
    np.testing.assert_array_equal(x.grad, weights)  # each entry: its weight plus exact zeros


def test_pieces_of_uneven_row_ranges():
    bounds = [0, 4, 7, 10, 12, 14, 15, 16]            # a packed sequence's rows per time step
    x = Value(rand(16, 3))
    weights = rand(16, 3, seed=2)
    pieces = _pieces(x, bounds, squeeze=False)
    for k, piece in enumerate(pieces):
        np.testing.assert_array_equal(piece.data, x.data[bounds[k]:bounds[k + 1]])
    sum((piece * weights[bounds[k]:bounds[k + 1]]).sum() for k, piece in enumerate(pieces)).backward()
    np.testing.assert_array_equal(x.grad, weights)


LAYERS = [("LSTM", {"num_layers": 2, "bidirectional": True}), ("GRU", {"bidirectional": True}),
          ("RNN", {"batch_first": True}), ("LSTM", {"proj_size": 2})]


@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{n}-{k}" for n, k in LAYERS])
def test_long_sequence_matches_torch(name, kwargs):
    torch = torch_or_skip()
    theirs = getattr(torch.nn, name)(4, 3, **kwargs).double()
    ours = getattr(nn, name)(4, 3, dtype=F64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand(2, 11, 4) if kwargs.get("batch_first") else rand(11, 2, 4)  # 11 steps: blocks of 3, 3, 3, 2
    xt, xv = torch.tensor(x, requires_grad=True), Value(x)
    tout, out = theirs(xt)[0], ours(xv)[0]
    assert_close_to_torch(out.data, tout, "output")
    w = rand(*out.shape, seed=3)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    assert_close_to_torch(xv.grad, xt.grad, "input")
    tgrads = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[key].grad, key)


def test_long_packed_sequence_matches_torch():
    torch = torch_or_skip()
    lengths = [9, 4, 7, 1]                            # 9 packed steps with shrinking batches: blocks of 3
    theirs = torch.nn.LSTM(3, 2, bidirectional=True).double()
    ours = nn.LSTM(3, 2, bidirectional=True, dtype=F64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand(9, 4, 3)
    xt, xv = torch.tensor(x, requires_grad=True), Value(x)
    tout, (th, tc) = theirs(torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False))
    out, (h, c) = ours(pack_padded_sequence(xv, lengths, enforce_sorted=False))
    assert_close_to_torch(out.data.data, tout.data, "output")
    assert_close_to_torch(h.data, th, "h_n")
    assert_close_to_torch(c.data, tc, "c_n")
    w = rand(*out.data.shape, seed=4)
    ((out.data * w).sum() + h.sum()).backward()
    ((tout.data * torch.tensor(w)).sum() + th.sum()).backward()
    assert_close_to_torch(xv.grad, xt.grad, "input")
    tgrads = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[key].grad, key)


def test_long_sequence_gradcheck():
    lstm = nn.LSTM(2, 2, dtype=F64, rng=0)
    gru = nn.GRU(2, 2, bidirectional=True, dtype=F64, rng=1)
    assert gradcheck(lambda x: lstm(x)[0], [rand(6, 1, 2)])
    assert gradcheck(lambda x: gru(pack_padded_sequence(x, [6, 4], enforce_sorted=False))[0].data, [rand(6, 2, 2)])
