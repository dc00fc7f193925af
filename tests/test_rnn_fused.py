"""The fused recurrent path (nn/rnn_fused.py, primitive `rnn_sequence`): one node per layer-direction, the same
numbers and gradients as the composed step-by-step path and as PyTorch (float64 and float32), finite differences,
second derivatives through nn.LSTM (create_graph) against PyTorch, forward mode, compiled steps bit for bit, no_grad,
hooks, dropout between layers, packed input beside padded input, and a picture of the graph."""

import warnings

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.gradcheck import gradcheck, gradgradcheck
from autograd_core.nn import rnn, rnn_fused
from autograd_core.nn.rnn_fused import composed, rnn_sequence

F64 = np.float64
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _inputs(mode, bias, proj, steps=4, batch=3, features=2, hidden=3, out_size=2, seed=0):
    """Random inputs of rnn_sequence in its order (see nn/rnn_fused.py), small weights (no saturation)."""
    size = out_size if proj else hidden
    gates = GATES[mode] * hidden
    xs = [rand(steps, batch, features, seed=seed), rand(batch, size, seed=seed + 1)]
    if mode == "LSTM":
        xs.append(rand(batch, hidden, seed=seed + 2))
    xs += [0.5 * rand(gates, features, seed=seed + 3), 0.5 * rand(gates, size, seed=seed + 4)]
    if bias:
        xs += [0.3 * rand(gates, seed=seed + 5), 0.3 * rand(gates, seed=seed + 6)]
    if proj:
        xs.append(0.5 * rand(out_size, hidden, seed=seed + 7))
    return xs


VARIANTS = [(mode, reverse, bias, proj) for mode in GATES for reverse in (False, True) for bias in (True, False)
            for proj in ((False, True) if mode == "LSTM" else (False,))]


@pytest.mark.parametrize("mode,reverse,bias,proj", VARIANTS)
def test_fused_equals_composed_values_and_gradients(mode, reverse, bias, proj):
    params = dict(mode=mode, reverse=reverse, bias=bias, proj=proj)
    arrays = _inputs(mode, bias, proj)
    fused_in, composed_in = [Value(a) for a in arrays], [Value(a) for a in arrays]
    fused, reference = rnn_sequence(*fused_in, **params), composed(*composed_in, **params)
    assert fused.op == "rnn_sequence" and fused.shape == reference.shape
    np.testing.assert_allclose(fused.data, reference.data, rtol=1e-12, atol=1e-14)
    w = rand(*fused.shape, seed=11)
    (fused * w).sum().backward()
    (reference * w).sum().backward()
    for i, (a, b) in enumerate(zip(fused_in, composed_in)):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-11, atol=1e-13, err_msg=f"input {i}")


@pytest.mark.parametrize("mode,reverse,bias,proj", VARIANTS)
def test_gradients_on_values_equal_gradients_on_arrays(mode, reverse, bias, proj):
    # create_graph=True runs the rule on Values (another loop over time): its first derivatives must be the arrays'
    # (gradgradcheck alone would not see a wrong one: it differentiates the rule it is given consistently).
    params = dict(mode=mode, reverse=reverse, bias=bias, proj=proj)
    inputs = [Value(a) for a in _inputs(mode, bias, proj, seed=3)]
    out = rnn_sequence(*inputs, **params)
    w = rand(*out.shape, seed=12)  # every output gets a gradient, the LSTM's gates too
    on_values = ag.autograd.grad((out * w).sum(), inputs, create_graph=True)
    on_arrays = ag.autograd.grad((out * w).sum(), inputs)
    for i, (a, b) in enumerate(zip(on_values, on_arrays)):
        assert isinstance(a, Value)
        np.testing.assert_allclose(a.data, b, rtol=1e-12, atol=1e-14, err_msg=f"input {i}")


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_fused_gradcheck_and_gradgradcheck(mode):
    params = dict(mode=mode, reverse=mode == "GRU", bias=True, proj=mode == "LSTM")
    arrays = _inputs(mode, True, mode == "LSTM", steps=3, batch=2)
    assert gradcheck(lambda *xs: rnn_sequence(*xs, **params), arrays)
    assert gradgradcheck(lambda *xs: rnn_sequence(*xs, **params), arrays)


def _modules(name, kwargs, dtype):
    return getattr(nn, name)(4, 3, dtype=dtype, rng=0, **kwargs)


LAYERS = [("LSTM", {"num_layers": 2, "bidirectional": True}), ("LSTM", {"proj_size": 2, "batch_first": True}),
          ("GRU", {"bidirectional": True}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
          ("RNN", {"bias": False, "bidirectional": True})]


def _nodes(out, op):
    seen, stack, found = set(), [out], []
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            found += [v] if v.op == op else []
            stack.extend(v.parents)
    return found


@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{n}-{k}" for n, k in LAYERS])
def test_module_fused_and_composed_paths_agree(name, kwargs, monkeypatch):
    x = rand(3, 5, 4) if kwargs.get("batch_first") else rand(5, 3, 4)
    results = []
    for fused in (True, False):
        monkeypatch.setattr(rnn, "FUSED", fused)
        module, xv = _modules(name, kwargs, F64), Value(x)
        out, state = module(xv)
        states = state if isinstance(state, tuple) else (state,)
        loss = (out * rand(*out.shape, seed=3)).sum() + sum((s * rand(*s.shape, seed=4 + i)).sum()
                                                            for i, s in enumerate(states))
        loss.backward()
        count = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        assert len(_nodes(loss, "rnn_sequence")) == (count if fused else 0)  # one node per layer-direction
        results.append([out.data, *[s.data for s in states], xv.grad, *[p.grad for p in module.parameters()]])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float64, 1e-10, 1e-12), (np.float32, 2e-5, 2e-6)],
                         ids=["float64", "float32"])
@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{n}-{k}" for n, k in LAYERS])
def test_module_matches_torch(name, kwargs, dtype, rtol, atol):
    torch = torch_or_skip()
    theirs = getattr(torch.nn, name)(4, 3, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    ours = getattr(nn, name)(4, 3, dtype=dtype, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = (rand(3, 5, 4) if kwargs.get("batch_first") else rand(5, 3, 4)).astype(dtype)
    count = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h0 = rand(count, 3, kwargs.get("proj_size") or 3, seed=1).astype(dtype)
    hx = [h0, rand(count, 3, 3, seed=2).astype(dtype)] if name == "LSTM" else [h0]
    xv, hv = Value(x), [Value(h) for h in hx]
    xt, ht = torch.tensor(x, requires_grad=True), [torch.tensor(h, requires_grad=True) for h in hx]
    out, state = ours(xv, tuple(hv) if name == "LSTM" else hv[0])
    tout, tstate = theirs(xt, tuple(ht) if name == "LSTM" else ht[0])
    states, tstates = (state, tstate) if name == "LSTM" else ((state,), (tstate,))
    assert len(_nodes(out, "rnn_sequence")) >= 1
    ws = [rand(*o.shape, seed=5 + i).astype(dtype) for i, o in enumerate((out, *states))]
    sum((o * w).sum() for o, w in zip((out, *states), ws)).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip((tout, *tstates), ws)).backward()
    for o, t in zip((out, *states), (tout, *tstates)):
        assert_close_to_torch(o.data, t, rtol=rtol, atol=atol)
    assert_close_to_torch(xv.grad, xt.grad, "input", rtol=rtol, atol=atol)
    for h, t in zip(hv, ht):
        assert_close_to_torch(h.grad, t.grad, "hx", rtol=rtol, atol=atol)
    tgrads = dict(theirs.named_parameters())
    for pname, p in ours.named_parameters():
        assert p.grad.dtype == dtype
        assert_close_to_torch(p.grad, tgrads[pname].grad, pname, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,kwargs", [("LSTM", {"num_layers": 2, "bidirectional": True}),
                                         ("LSTM", {"proj_size": 2}), ("GRU", {"bidirectional": True}),
                                         ("RNN", {"num_layers": 2})])
def test_double_backward_matches_torch(name, kwargs):
    # A gradient penalty: ‖∂L/∂x‖² differentiated again, with respect to the weights and x.
    torch = torch_or_skip()
    theirs = getattr(torch.nn, name)(3, 4, **kwargs).double()
    ours = getattr(nn, name)(3, 4, dtype=F64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand(4, 2, 3)
    xv, xt = Value(x), torch.tensor(x, requires_grad=True)
    out, state = ours(xv)
    tout, tstate = theirs(xt)
    assert _nodes(out, "rnn_sequence")
    loss = (out * out).sum() + sum((s * s * s).sum() for s in (state if name == "LSTM" else (state,)))
    tloss = (tout * tout).sum() + sum((s * s * s).sum() for s in (tstate if name == "LSTM" else (tstate,)))
    (gx,) = ag.autograd.grad(loss, [xv], create_graph=True)
    (tgx,) = torch.autograd.grad(tloss, [xt], create_graph=True)
    assert_close_to_torch(gx.data, tgx, "first gradient")
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    assert_close_to_torch(xv.grad, xt.grad, "second derivative by x")
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close_to_torch(p.grad, tgrads[name].grad, name)


def test_forward_mode_through_lstm():
    # nn.LSTM takes the composed path under jvp; jacfwd and jvp agree with reverse mode.
    lstm = nn.LSTM(2, 3, bidirectional=True, dtype=F64, rng=0)
    x, t = rand(3, 2, 2), rand(3, 2, 2, seed=1)
    _, tangent = ag.func.jvp(lambda x: lstm(x)[0].sum(), (x,), (t,))
    xv = Value(x)
    lstm(xv)[0].sum().backward()
    np.testing.assert_allclose(tangent, (xv.grad * t).sum(), rtol=1e-12)
    jac = ag.func.jacfwd(lambda x: lstm(x)[1][1])(x)                 # c_n by x: (2, 2, 3) × (3, 2, 2)
    rows = []
    for k in range(12):
        xv = Value(x)
        lstm(xv)[1][1].reshape((12,))[k].backward()
        rows.append(xv.grad)
    np.testing.assert_allclose(np.asarray(jac).reshape(12, -1), np.stack(rows).reshape(12, -1), rtol=1e-10,
                               atol=1e-13)


def test_compiled_training_step_with_lstm_gives_the_eager_bits():
    def step(model, head, opt, x, y):
        opt.zero_grad()
        out, (h, c) = model(x)
        loss = ((head(out[-1]) - y) ** 2).mean() + 0.1 * (c * c).mean()
        loss.backward()
        opt.step()
        return loss

    def make():
        model = nn.LSTM(3, 4, num_layers=2, bidirectional=True, rng=0)   # float32, as users train
        head = nn.Linear(8, 1, rng=1)
        return model, head, optim.Adam([*model.parameters(), *head.parameters()], lr=0.01)

    eager, compiled = make(), make()
    fast = ag.compile(lambda x, y: step(*compiled, x, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the step must replay, not fall back to eager mode
        for i in range(5):
            x, y = rand(6, 2, 3, seed=i).astype(np.float32), rand(2, 1, seed=10 + i).astype(np.float32)
            assert fast(x, y).data.tobytes() == step(*eager, x, y).data.tobytes()
    assert fast.stats["replayed"] >= 2
    for p, q in zip([*eager[0].parameters(), *eager[1].parameters()],
                    [*compiled[0].parameters(), *compiled[1].parameters()]):
        assert p.data.tobytes() == q.data.tobytes()


def test_no_grad_records_nothing_and_gives_the_same_numbers():
    gru = nn.GRU(4, 3, num_layers=2, dtype=F64, rng=0)
    x = rand(5, 2, 4)
    with ag.no_grad():
        out, h = gru(Value(x))
    assert out.is_leaf and not out.requires_grad and not out.parents
    np.testing.assert_array_equal(out.data, gru(Value(x))[0].data)


def test_hooks_on_the_module_and_on_its_output():
    lstm = nn.LSTM(4, 3, rng=0, dtype=F64)
    seen = []
    lstm.register_forward_hook(lambda module, args, output: seen.append(output[0].shape))
    x = Value(rand(5, 2, 4))
    out, _ = lstm(x)
    out.register_hook(lambda g: g * 2)
    out.sum().backward()
    doubled = x.grad.copy()
    x.grad = None
    lstm(x)[0].sum().backward()
    assert seen == [(5, 2, 3), (5, 2, 3)]
    np.testing.assert_allclose(doubled, 2 * x.grad, rtol=1e-14)


def test_two_backward_passes_and_two_directions_do_not_share_gradients():
    # The backward recurrence runs once per node and output gradient: a second pass with another gradient (and the
    # two directions' nodes, one after the other) must each get their own.
    lstm = nn.LSTM(2, 3, bidirectional=True, dtype=F64, rng=0)
    x = Value(rand(4, 2, 2))
    out, _ = lstm(x)
    (out * 1.0).sum().backward(retain_graph=True)
    first = x.grad.copy()
    x.grad = None
    (out * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, 3 * first, rtol=1e-13)
    forward_only = nn.LSTM(2, 3, dtype=F64, rng=0)
    for name, p in forward_only.named_parameters():
        p.data[...] = getattr(lstm, name).data
    xf = Value(x.data)
    forward_only(xf)[0].sum().backward()
    assert not np.allclose(xf.grad, first)   # the reverse direction adds its own share


def test_the_backward_recurrence_is_let_go_of_after_the_pass():
    # Its arrays (the size of the graph's) serve the rules of one node; the last rule drops them.
    lstm = nn.LSTM(3, 4, num_layers=2, rng=0)
    out, _ = lstm(Value(rand(5, 2, 3).astype(np.float32)))
    out.sum().backward()
    assert rnn_fused._MEMO.entry is None


def test_dropout_between_layers_matches_the_composed_path(monkeypatch):
    x = rand(5, 2, 3)
    results = []
    for fused in (True, False):
        monkeypatch.setattr(rnn, "FUSED", fused)
        lstm = nn.LSTM(3, 4, num_layers=3, dropout=0.5, dtype=F64, rng=7)
        xv = Value(x)
        out, _ = lstm(xv)
        out.sum().backward()
        results.append((out.data, xv.grad, lstm.weight_hh_l1.grad))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_packed_input_takes_the_composed_path_and_agrees_with_padded():
    from autograd_core.nn.utils.rnn import pack_padded_sequence
    lstm = nn.LSTM(3, 4, bidirectional=True, dtype=F64, rng=0)
    x = rand(5, 2, 3)
    padded, packed_in = Value(x), Value(x)
    out, (h, c) = lstm(padded)
    pout, (ph, pc) = lstm(pack_padded_sequence(packed_in, [5, 5]))
    assert not _nodes(pout.data, "rnn_sequence") and _nodes(out, "rnn_sequence")
    np.testing.assert_allclose(pout.data.data, out.data.reshape(10, 8), rtol=1e-12)  # equal lengths: time-major
    np.testing.assert_allclose(pc.data, c.data, rtol=1e-12)
    (out.sum() + c.sum()).backward()
    (pout.data.sum() + pc.sum()).backward()
    np.testing.assert_allclose(packed_in.grad, padded.grad, rtol=1e-11)


def test_the_picture_shows_one_node_per_layer_direction():
    from autograd_core import viz
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, rng=0)
    out, _ = lstm(Value(rand(4, 1, 2).astype(np.float32)))
    graph = viz.trace(out.sum())
    assert [node.op for node in graph.nodes].count("rnn_sequence") == 4
    fused = {node.id for node in graph.nodes if node.op == "rnn_sequence"}
    # x, h0, c0 and the four weights of its layer-direction go into each node; the rule's name is on the edges
    assert all(sum(e.dst == i for e in graph.edges) == 7 for i in fused)
    assert {e.formula for e in graph.edges if e.dst in fused} == {"BPTT"}
    assert "rnn_sequence" in viz.draw(out.sum()).source
