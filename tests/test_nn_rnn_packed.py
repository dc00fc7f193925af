"""Packed sequences (nn/utils/rnn.py) and the recurrent layers reading them (nn/rnn.py): pack_padded_sequence,
pad_packed_sequence, pack_sequence, unpack_sequence, unpad_sequence and RNN/LSTM/GRU on a PackedSequence, against
PyTorch in float64 (layouts, outputs, final states, gradients of inputs and parameters) and finite differences."""

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck
from autograd_core.nn.utils.rnn import (
    PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence, unpack_sequence,
    unpad_sequence,
)

F64 = np.float64
LENGTHS = [2, 4, 1]                                    # unsorted, distinct: PyTorch's sort order is ours


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_and_pad_packed_match_torch(batch_first, enforce_sorted):
    torch = torch_or_skip()
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    x = rand(3, 4, 2) if batch_first else rand(4, 3, 2)
    xt, xv = torch.tensor(x, requires_grad=True), Value(x)
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first, enforce_sorted)
    packed = pack_padded_sequence(xv, lengths, batch_first, enforce_sorted)
    assert isinstance(packed, PackedSequence) and isinstance(packed, tuple)
    assert_close_to_torch(packed.data.data, tpacked.data)
    np.testing.assert_array_equal(packed.batch_sizes.data, tpacked.batch_sizes.numpy())
    assert packed.batch_sizes.dtype == np.int64
    for name in ("sorted_indices", "unsorted_indices"):
        ours, theirs = getattr(packed, name), getattr(tpacked, name)
        assert (ours is None) == (theirs is None) == enforce_sorted
        if ours is not None:
            np.testing.assert_array_equal(ours.data, theirs.numpy())
    tpadded, tlengths = torch.nn.utils.rnn.pad_packed_sequence(tpacked, batch_first, -1.0, total_length=5)
    padded, lengths_out = pad_packed_sequence(packed, batch_first, -1.0, total_length=5)
    assert_close_to_torch(padded.data, tpadded)
    np.testing.assert_array_equal(lengths_out.data, tlengths.numpy())
    w = rand(*padded.shape, seed=1)
    (padded * w).sum().backward()
    (tpadded * torch.tensor(w)).sum().backward()
    assert_close_to_torch(xv.grad, xt.grad)                      # the padding of x gets no gradient


def test_pack_sequence_unpack_and_unpad_matchtorch_or_skip():
    torch = torch_or_skip()
    seqs = [rand(n, 3, seed=n) for n in LENGTHS]
    tpacked = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    values = [Value(s) for s in seqs]
    packed = pack_sequence(values, enforce_sorted=False)
    assert_close_to_torch(packed.data.data, tpacked.data)
    back = unpack_sequence(packed)
    assert [b.shape for b in back] == [s.shape for s in seqs]
    for b, s in zip(back, seqs):
        np.testing.assert_array_equal(b.data, s)
    sum(((b * b).sum() for b in back), Value(0.0)).backward()
    for v, s in zip(values, seqs):
        np.testing.assert_allclose(v.grad, 2 * s)
    for batch_first in (False, True):
        padded = pad_sequence([Value(s) for s in seqs], batch_first=batch_first)
        pieces = unpad_sequence(padded, np.array(LENGTHS), batch_first=batch_first)
        tpieces = torch.nn.utils.rnn.unpad_sequence(torch.tensor(padded.data), torch.tensor(LENGTHS), batch_first)
        for p, t in zip(pieces, tpieces):
            assert_close_to_torch(p.data, t)


def test_packing_errors_name_the_problem():
    x = np.zeros((4, 3, 2))
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(x, [2, 0, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 2"):
        pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match="exceeds the input's 4 time steps"):
        pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(RuntimeError, match="should be a 1D int64 tensor"):
        pack_padded_sequence(x, [[3, 2, 1]])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        pad_packed_sequence(pack_padded_sequence(x, [3, 2, 1]), total_length=2)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        pad_packed_sequence(x)


# ----------------------------------------------------------------------------------------------------
# Recurrent layers on packed input.

RNN_CASES = [
    ("rnn-tanh", "RNN", {}),
    ("rnn-relu-2-layers", "RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("lstm-bidirectional", "LSTM", {"bidirectional": True}),
    ("lstm-proj-2-layers-bidirectional", "LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("gru-bidirectional-batch-first", "GRU", {"bidirectional": True, "batch_first": True}),
]


@pytest.mark.parametrize("kind,kwargs", [c[1:] for c in RNN_CASES], ids=[c[0] for c in RNN_CASES])
@pytest.mark.parametrize("with_hx", [False, True])
def test_rnn_on_packed_sequence_matches_torch(kind, kwargs, with_hx):
    torch = torch_or_skip()
    theirs = getattr(torch.nn, kind)(3, 4, **kwargs).double()
    ours = getattr(nn, kind)(3, 4, dtype=F64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    batch_first = kwargs.get("batch_first", False)
    x = rand(3, 4, 3) if batch_first else rand(4, 3, 3)
    xt, xv = torch.tensor(x, requires_grad=True), Value(x)
    states = 2 * kwargs.get("num_layers", 1) if kwargs.get("bidirectional") else kwargs.get("num_layers", 1)
    hx_arrays = [rand(states, 3, kwargs.get("proj_size") or 4, seed=2)]
    if kind == "LSTM":
        hx_arrays.append(rand(states, 3, 4, seed=3))
    hx_t = [torch.tensor(h, requires_grad=True) for h in hx_arrays]
    hx_v = [Value(h) for h in hx_arrays]

    def hx(parts):
        if not with_hx:
            return None
        return tuple(parts) if kind == "LSTM" else parts[0]
    tout, tfinal = theirs(torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(LENGTHS), batch_first, False),
                          hx(hx_t))
    out, final = ours(pack_padded_sequence(xv, LENGTHS, batch_first, False), hx(hx_v))
    assert isinstance(out, PackedSequence)
    assert_close_to_torch(out.data.data, tout.data, "output")
    np.testing.assert_array_equal(out.batch_sizes.data, tout.batch_sizes.numpy())
    np.testing.assert_array_equal(out.unsorted_indices.data, tout.unsorted_indices.numpy())
    finals, tfinals = (final, tfinal) if kind == "LSTM" else ((final,), (tfinal,))
    for i, (f, tf) in enumerate(zip(finals, tfinals)):
        assert_close_to_torch(f.data, tf, f"final state {i}")
    loss = (out.data * rand(*out.data.shape, seed=4)).sum()
    tloss = (tout.data * torch.tensor(rand(*out.data.shape, seed=4))).sum()
    for i, (f, tf) in enumerate(zip(finals, tfinals)):
        w = rand(*f.shape, seed=5 + i)
        loss, tloss = loss + (f * w).sum(), tloss + (tf * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    assert_close_to_torch(xv.grad, xt.grad, "input")
    if with_hx:
        for i, (h, ht) in enumerate(zip(hx_v, hx_t)):
            assert_close_to_torch(h.grad, ht.grad, f"hx {i}")
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)


def test_rnn_packed_equals_each_sequence_alone_and_gradcheck():
    gru = nn.GRU(2, 3, bidirectional=True, dtype=F64, rng=0)
    seqs = [rand(n, 2, seed=n) for n in LENGTHS]
    out, h_n = gru(pack_sequence(seqs, enforce_sorted=False))
    for i, (seq, piece) in enumerate(zip(seqs, unpack_sequence(out))):
        alone, h_alone = gru(seq)                     # unbatched: one sequence, no padding
        np.testing.assert_allclose(piece.data, alone.data, rtol=1e-12)
        np.testing.assert_allclose(h_n.data[:, i], h_alone.data, rtol=1e-12)
    lstm = nn.LSTM(2, 2, dtype=F64, rng=1)
    assert gradcheck(lambda x: lstm(pack_padded_sequence(x, [1, 3], enforce_sorted=False))[0].data,
                     [rand(3, 2, 2)])


def test_rnn_base_classes():
    assert all(isinstance(m, nn.RNNBase) for m in (nn.RNN(2, 3), nn.LSTM(2, 3), nn.GRU(2, 3)))
    assert all(isinstance(m, nn.RNNCellBase) for m in (nn.RNNCell(2, 3), nn.LSTMCell(2, 3), nn.GRUCell(2, 3)))
    base = nn.RNNBase("LSTM", 2, 3, num_layers=2)
    assert [n for n, _ in base.named_parameters()][:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                                           "bias_hh_l0"]
    assert base.weight_ih_l0.shape == (12, 2) and base.mode == "LSTM"
    assert nn.RNN(2, 3, nonlinearity="relu").mode == "RNN_RELU"
    with pytest.raises(ValueError, match="Unrecognized RNN mode: LSTMX"):
        nn.RNNBase("LSTMX", 2, 3)
