"""`y.grad_fn` against PyTorch's, round 8 (each case run in both libraries, as rounds 6 and 7): einsum with labels of
size 1 (a contraction over a label of size 1 is a product, a label of size 1 against another size broadcast inside
PyTorch's einsum); nn.RNN, GRU and LSTM bidirectional, with dropout between layers, with proj_size and over packed
sequences (PyTorch's unrolled CPU graphs), relabelled only when grad_fn is first read; pack_padded_sequence."""

import numpy as np
import pytest
from test_grad_fn_names import _library
from test_grad_fn_names6 import _chain_of, _numbered_chain
from test_grad_fn_names7 import _recurrent, _same_graph

_RNG = np.random.default_rng(8)


def _einsum_chains(equation, shapes):
    """The chains of einsum(equation) to its operands (random, of `shapes`), contiguous and transposed:
    [ours, ours transposed, PyTorch's, its transposed], and the gradients of each run."""
    arrays = [_RNG.standard_normal(shape) for shape in shapes]
    chains, grads = [], []
    for library in ("autograd_core", "torch"):
        L = _library(library)[0]
        for transposed in (False, True):
            xs = [L.tensor(a.T.copy() if transposed else a, requires_grad=True) for a in arrays]
            operands = [x.permute(*reversed(range(x.ndim))) if transposed else x for x in xs]
            y = L.einsum(equation, *operands)
            chains.append(_chain_of(y, xs))
            (y * y).sum().backward()
            grads.append([np.asarray(x.grad.tolist()) for x in xs])
    return chains, grads


# (equation, each operand's shape): contractions over a label of size 1, labels of size 1 broadcast against others,
# in one operand's sum, with diagonals, three and four operands, ellipses
_SIZE_1 = [("ij,jk->ik", [(3, 1), (1, 4)]), ("ij,jk->ik", [(1, 2), (2, 4)]), ("ij,jk->ik", [(3, 2), (2, 1)]),
           ("ij,jk->ik", [(3, 1), (4, 4)]), ("ij,jk->ik", [(3, 4), (1, 5)]), ("bij,bjk->bik", [(1, 2, 3), (4, 3, 5)]),
           ("bij,bjk->bik", [(2, 1, 3), (2, 3, 1)]), ("i,i->", [(1,), (1,)]), ("i,i->", [(1,), (4,)]),
           ("ij->j", [(1, 3)]), ("ij->", [(1, 1)]), ("ij,ij->ij", [(1, 3), (2, 1)]), ("ii->i", [(1, 1)]),
           ("ij,jk,kl->il", [(2, 1), (1, 3), (3, 1)]), ("bhqd,bhkd->bhqk", [(1, 2, 1, 4), (1, 2, 3, 4)]),
           ("i,j->ij", [(1,), (3,)]), ("ij,jk", [(2, 1), (1, 1)]), ("ijk,jk->i", [(2, 1, 3), (4, 3)]),
           ("abc,cd,da->b", [(1, 3, 2), (2, 1), (1, 1)]), ("...ij,...jk->...ik", [(1, 2, 3), (4, 3, 5)]),
           ("...ij,...jk", [(2, 1, 2, 3), (3, 3, 1)]), ("bij,bkj->bik", [(3, 1, 2), (1, 4, 2)]),
           ("ij,kj->ik", [(1, 1), (3, 1)]), ("ij,ji->", [(1, 3), (3, 1)]), ("ii,i->i", [(1, 1), (3,)]),
           ("ijk->kji", [(1, 2, 1)]), ("ab,bc,cd,da->", [(1, 2), (2, 1), (1, 3), (3, 1)])]


@pytest.mark.parametrize("equation,shapes", _SIZE_1, ids=[f"{e}-{s}" for e, s in _SIZE_1])
def test_einsum_with_labels_of_size_1_is_pytorchs(equation, shapes):
    """Each path of PyTorch's chain to the operand it ends at (the operand as given, not the broadcast made of it),
    for contiguous and transposed operands; the gradients are PyTorch's."""
    pytest.importorskip("torch")
    chains, grads = _einsum_chains(equation, shapes)
    assert chains[:2] == chains[2:]
    for ours, theirs in zip(grads[:2], grads[2:]):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_einsum_of_an_expanded_operand_lists_the_expand():
    """The user's expand is PyTorch's ExpandBackward0 in the chain (only einsum's own broadcast is left out)."""
    pytest.importorskip("torch")
    a, b = _RNG.standard_normal((3, 1)), _RNG.standard_normal((4, 5))
    chains = []
    for library in ("autograd_core", "torch"):
        L = _library(library)[0]
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        chains.append(_chain_of(L.einsum("ij,jk->ik", x.expand(3, 4), y), [x, y]))
    assert chains[0] == chains[1]
    assert "ExpandBackward0" in repr(chains[0])


# ---- this library's side alone

def test_einsum_of_labels_of_size_1_without_pytorch():
    """'ij,jk->ik' over j of size 1 is PyTorch's product of the unsqueezed and permuted operands, viewed; a label of
    size 1 against one of size 2 is summed in its operand first."""
    import autograd_core as ag

    x, y = ag.tensor(_RNG.standard_normal((3, 1)), requires_grad=True), ag.tensor(_RNG.standard_normal((1, 4)),
                                                                                  requires_grad=True)
    operand = "PermuteBackward0", ((0, ("UnsqueezeBackward0", ((0, 0),))),)
    other = "PermuteBackward0", ((0, ("UnsqueezeBackward0", ((0, 1),))),)
    assert _chain_of(ag.einsum("ij,jk->ik", x, y), [x, y]) == \
        ("ViewBackward0", ((0, ("MulBackward0", ((0, operand), (0, other)))),))
    w = ag.tensor(_RNG.standard_normal((3, 2)), requires_grad=True)
    assert _chain_of(ag.einsum("ij,jk->ik", w, y), [w, y]) == \
        ("ViewBackward0", ((0, ("MulBackward0", ((0, ("SumBackward1", ((0, operand),))), (0, other)))),))
    expand = ag.einsum("ij,jk->ik", w, y).grad_fn.next_functions[0][0].next_functions[1][0].next_functions[0][0]
    assert type(expand.next_functions[0][0]).__name__ == "AccumulateGrad"  # y itself, not the broadcast of it


def test_einsum_of_a_label_of_size_0_against_1():
    """A label of size 0 in one operand and 1 in another is 0 (the 1 broadcast, as PyTorch's): it raised."""
    import autograd_core as ag

    z, w = ag.tensor(np.zeros((0, 2)), requires_grad=True), ag.tensor(np.ones((1, 3)), requires_grad=True)
    y = ag.einsum("ij,jk->ik", z, w)
    assert y.shape == (0, 3) and type(y.grad_fn).__name__ == "EinsumBackward0"
    y.sum().backward()
    assert z.grad.shape == (0, 2) and (w.grad == 0).all()
    assert ag.einsum("ij,jk->ik", ag.tensor(np.ones((3, 0))), ag.tensor(np.ones((1, 3)))).shape == (3, 3)


# ---- recurrent layers: PyTorch's unrolled graph shown when grad_fn is first read (one_node.show_later), not made on
# every forward

def test_recurrent_relabel_waits_for_grad_fn():
    """The forward only marks the layer's output and final states: the relabel runs when grad_fn is first read (and
    the marks go with the Values)."""
    import gc

    import autograd_core as ag
    from autograd_core import one_node

    gru = ag.nn.GRU(3, 4, num_layers=2)
    x = ag.tensor(np.ones((3, 2, 3), np.float32), requires_grad=True)
    before = len(one_node._LATER)
    out, h = gru(x)
    assert len(one_node._LATER) == before + 3 and id(out) in one_node._LATER
    assert getattr(out._op, "grad_fn_name", None) is None  # still this library's node
    assert type(out.grad_fn).__name__ == "StackBackward0" and id(out) not in one_node._LATER
    assert type(h.grad_fn).__name__ == "StackBackward0"
    del out, h
    gc.collect()
    assert len(one_node._LATER) == before


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_recurrent_graph_read_late_is_pytorchs(kind):
    """Read after a backward pass and after the module's parameters were replaced: the graph of the forward that
    ran, as PyTorch's."""
    pytest.importorskip("torch")
    graphs = []
    for library in ("autograd_core", "torch"):
        L, _, nn = _library(library)
        L.manual_seed(0)
        layer = getattr(nn, kind)(3, 4, num_layers=2, batch_first=True).double()
        names = {id(p): name for name, p in layer.named_parameters()}
        x = L.tensor(np.random.default_rng(3).standard_normal((2, 3, 3)), requires_grad=True)
        names[id(x)] = "x"
        out, states = layer(x)
        (out.sum() + (states[0] if kind == "LSTM" else states).sum()).backward()
        layer.weight_hh_l1 = nn.Parameter(layer.weight_hh_l1.detach() * 2)
        graphs.append(([out] + list(states if kind == "LSTM" else (states,)), names))
    (ours, our_names), (theirs, their_names) = graphs
    for a, b in zip(ours, theirs):
        assert _same_graph(a.grad_fn, b.grad_fn, our_names, their_names, set())


# (kind, keyword arguments, input shape, whether h_0 (and c_0) are given): bidirectional layers (PyTorch's
# concatenation of the two directions' stacks, the reverse one's steps from the last), dropout between layers in
# training (PyTorch's product by the mask: MulBackward0 over the layer's output and None), LSTM with proj_size (each
# step's h multiplied by W_hrᵀ: MmBackward0)
_BI = {"bidirectional": True}
_RNNS = [("RNN", _BI, (3, 2, 3), False), ("RNN", {**_BI, "nonlinearity": "relu", "bias": False}, (3, 2, 3), True),
         ("RNN", {**_BI, "num_layers": 2, "batch_first": True}, (2, 3, 3), True), ("RNN", _BI, (3, 3), True),
         ("GRU", _BI, (3, 2, 3), True), ("GRU", {**_BI, "num_layers": 2, "bias": False}, (3, 2, 3), False),
         ("GRU", {**_BI, "batch_first": True}, (2, 3, 3), False), ("LSTM", _BI, (3, 2, 3), False),
         ("LSTM", {**_BI, "num_layers": 3}, (2, 2, 3), True), ("LSTM", {**_BI, "batch_first": True}, (2, 3, 3), True),
         ("LSTM", _BI, (3, 3), True), ("RNN", {"num_layers": 2, "dropout": 0.5}, (3, 2, 3), False),
         ("GRU", {"num_layers": 3, "dropout": 0.3, "batch_first": True}, (2, 3, 3), True),
         ("LSTM", {"num_layers": 2, "dropout": 0.5}, (3, 3), True),
         ("LSTM", {**_BI, "num_layers": 2, "dropout": 0.5}, (3, 2, 3), True),
         ("GRU", {**_BI, "num_layers": 2, "dropout": 1.0}, (3, 2, 3), False),
         ("LSTM", {"proj_size": 2}, (3, 2, 3), False), ("LSTM", {"proj_size": 3, "num_layers": 2}, (3, 3), True),
         ("LSTM", {**_BI, "proj_size": 2, "num_layers": 2, "batch_first": True, "bias": False}, (2, 3, 3), True),
         ("LSTM", {**_BI, "proj_size": 1, "num_layers": 2, "dropout": 0.5}, (3, 2, 3), False)]
_RNN_IDS = [f"{kind}-{'-'.join(f'{k}={v}' for k, v in kwargs.items())}-{len(shape)}d{'-hx' if hx else ''}"
            for kind, kwargs, shape, hx in _RNNS]


@pytest.mark.parametrize("case", _RNNS, ids=_RNN_IDS)
def test_recurrent_layers_bidirectional_and_with_dropout_are_pytorchs(case):
    """The output and the final states, down to the leaves: PyTorch's nodes of every step."""
    pytest.importorskip("torch")
    (ours, our_names, _), (theirs, their_names, _) = _recurrent("autograd_core", case), _recurrent("torch", case)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert _same_graph(a.grad_fn, b.grad_fn, our_names, their_names, set())


@pytest.mark.parametrize("case", _RNNS[4:5] + _RNNS[8:9] + _RNNS[13:15] + _RNNS[17:19],
                         ids=_RNN_IDS[4:5] + _RNN_IDS[8:9] + _RNN_IDS[13:15] + _RNN_IDS[17:19])
def test_recurrent_relabelling_changes_no_number(case, monkeypatch):
    """The same call without the relabel: the same values and gradients, bit for bit, another name."""
    import autograd_core as ag
    import autograd_core.nn.rnn as rnn

    def numbers():
        outputs, _, leaves = _recurrent("autograd_core", case)
        loss = sum((y * np.cos(np.arange(y.numel())).reshape(y.shape)).sum() for y in outputs)
        return [y.data for y in outputs] + list(ag.autograd.grad(loss, leaves)), _numbered_chain(outputs[0].grad_fn, 4)

    relabelled, name = numbers()
    monkeypatch.setattr(rnn, "show_as_pytorchs", lambda module, x, hx, outputs, states, batched: states)
    plain, plain_name = numbers()
    assert name != plain_name and "RnnSequenceBackward0" in repr(plain_name) and "RnnSequence" not in repr(name)
    assert len(plain) == len(relabelled)
    for a, b in zip(relabelled, plain):
        assert a.dtype == b.dtype and np.array_equal(a, b)


# ---- recurrent layers over a PackedSequence: PyTorch's PackedLayer and ReversedPackedLayer (nn/rnn_grad_fn_packed.py)

def _packed(library, case):
    """(output data, final states), the name of each leaf by identity, and the leaves, for `case`: (kind, keyword
    arguments, lengths, enforce_sorted, whether h_0 (and c_0) are given)."""
    kind, kwargs, lengths, enforce_sorted, given = case
    L, _, nn = _library(library)
    L.manual_seed(0)
    layer = getattr(nn, kind)(3, 4, **kwargs).double()
    x = L.tensor(np.random.default_rng(1).standard_normal((max(lengths), len(lengths), 3)), requires_grad=True)
    names = {id(p): name for name, p in layer.named_parameters()}
    names[id(x)] = "x"
    hx = None
    if given:
        first = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        hx = [L.tensor(np.random.default_rng(2).standard_normal((first, len(lengths), 4)), requires_grad=True)
              for _ in range(2 if kind == "LSTM" else 1)]
        names.update({id(h): f"hx{k}" for k, h in enumerate(hx)})
        hx = tuple(hx) if kind == "LSTM" else hx[0]
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    output, states = layer(packed, hx)
    leaves = [x] + list(layer.parameters()) + ([] if hx is None else list(hx) if kind == "LSTM" else [hx])
    return [output.data] + list(states if kind == "LSTM" else (states,)), names, leaves


_PACKED = [("GRU", {}, [3, 2], True, False), ("GRU", {}, [1, 3, 2], False, True),
           ("RNN", {"bias": False}, [3, 3], True, True),
           ("RNN", {"nonlinearity": "relu", "bidirectional": True}, [2, 3], False, False),
           ("LSTM", {}, [3, 1], True, True), ("LSTM", {"num_layers": 2, "dropout": 0.5}, [2, 3], False, True),
           ("GRU", {"num_layers": 2, "bidirectional": True, "dropout": 0.3}, [3, 2, 2], True, True),
           ("LSTM", {"bidirectional": True, "proj_size": 2, "num_layers": 2}, [2, 3], False, False),
           ("LSTM", {"num_layers": 3, "bidirectional": True}, [4, 2, 1], True, True)]
_PACKED_IDS = [f"{kind}-{'-'.join(f'{k}={v}' for k, v in kwargs.items())}-{lengths}{'-sorted' if s else ''}"
               f"{'-hx' if hx else ''}" for kind, kwargs, lengths, s, hx in _PACKED]


@pytest.mark.parametrize("case", _PACKED, ids=_PACKED_IDS)
def test_recurrent_layers_over_packed_sequences_are_pytorchs(case):
    """The output's data and the final states, down to the leaves (through PackPaddedSequenceBackward0 and the
    sorting's IndexSelectBackward0): PyTorch's nodes of every step."""
    pytest.importorskip("torch")
    (ours, our_names, _), (theirs, their_names, _) = _packed("autograd_core", case), _packed("torch", case)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert _same_graph(a.grad_fn, b.grad_fn, our_names, their_names, set())


@pytest.mark.parametrize("case", _PACKED[5:8], ids=_PACKED_IDS[5:8])
def test_packed_relabelling_changes_no_number(case, monkeypatch):
    import autograd_core as ag
    import autograd_core.nn.rnn as rnn

    def numbers():
        outputs, _, leaves = _packed("autograd_core", case)
        loss = sum((y * np.cos(np.arange(y.numel())).reshape(y.shape)).sum() for y in outputs)
        return [y.data for y in outputs] + list(ag.autograd.grad(loss, leaves)), _numbered_chain(outputs[0].grad_fn, 4)

    relabelled, name = numbers()
    monkeypatch.setattr(rnn, "show_packed_as_pytorchs", lambda *args: None)
    plain, plain_name = numbers()
    assert name != plain_name and len(plain) == len(relabelled)
    for a, b in zip(relabelled, plain):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_packed_marks_go_with_the_values():
    import gc

    import autograd_core as ag
    from autograd_core import one_node

    gru = ag.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ag.tensor(np.ones((3, 2, 3), np.float32), requires_grad=True)
    before = len(one_node._LATER)
    out, h = gru(ag.nn.utils.rnn.pack_padded_sequence(x, [3, 2]))
    assert len(one_node._LATER) == before + 3
    del out, h
    gc.collect()
    assert len(one_node._LATER) == before


def test_packed_long_sequence_without_pytorch():
    """40 steps, two layers both ways: the final states' chains reach the initial states through every step (found
    in one walk, not by shown_as's few-nodes-deep search); the output is the concatenation of the steps."""
    import autograd_core as ag

    lstm = ag.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = ag.tensor(np.ones((40, 3, 3), np.float32), requires_grad=True)
    hx = tuple(ag.tensor(np.ones((4, 3, 4), np.float32), requires_grad=True) for _ in range(2))
    out, (h, c) = lstm(ag.nn.utils.rnn.pack_padded_sequence(x, [40, 37, 2]), hx)
    assert type(out.data.grad_fn).__name__ == "CatBackward0" and len(out.data.grad_fn.next_functions) == 2
    assert len(out.data.grad_fn.next_functions[0][0].next_functions) == 40
    o = out.data.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]  # step 0's output gate
    assert [type(o).__name__, type(o.next_functions[0][0]).__name__] == ["SigmoidBackward0", "UnsafeSplitBackward0"]
    assert [type(s.grad_fn).__name__ for s in (h, c)] == ["StackBackward0", "StackBackward0"]
    step = h.grad_fn.next_functions[0][0]  # layer 0 forward: the pieces kept as the batch shrank, then the last h
    assert type(step).__name__ == "CatBackward0" and len(step.next_functions) == 3


@pytest.mark.parametrize("enforce_sorted,batch_first", [(True, False), (False, False), (False, True)])
def test_pack_padded_sequence_is_pytorchs(enforce_sorted, batch_first):
    """PackPaddedSequenceBackward0, over the IndexSelectBackward0 that sorts the batch (one gather here)."""
    import autograd_core as ag

    chains = []
    for library in ("autograd_core", "torch"):
        if library == "torch":
            pytest.importorskip("torch")
        L, _, nn = _library(library)
        x = L.tensor(np.ones((3, 2, 3)), requires_grad=True)
        lengths = [3, 2] if enforce_sorted else [2, 3]
        packed = nn.utils.rnn.pack_padded_sequence(x.transpose(0, 1) if batch_first else x, lengths,
                                                   batch_first=batch_first, enforce_sorted=enforce_sorted)
        chains.append(_chain_of(packed.data, [x]))
        if library == "autograd_core":
            expected = ("IndexSelectBackward0", ((0, 0),)) if not batch_first else \
                ("IndexSelectBackward0", ((0, ("TransposeBackward0", ((0, 0),))),))
            assert chains[0] == ("PackPaddedSequenceBackward0", ((0, 0 if enforce_sorted else expected),))
            assert isinstance(packed.data, ag.Value)
    if len(chains) == 2:
        assert chains[0] == chains[1]
