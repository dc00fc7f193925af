"""Transformer decoder side (nn/transformer.py): TransformerDecoderLayer, TransformerDecoder and Transformer against
PyTorch in float64 with dropout 0 (weights moved through state dicts: outputs, input and parameter gradients),
finite differences, a compiled training step, and the encoder's remaining options."""

import numpy as np
import pytest
from nn_helpers import assert_close_to_torch, rand, torch_or_skip

import autograd_core as ag
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

F64 = np.float64


def _assert_close(ours, theirs, name=""):
    assert_close_to_torch(ours, theirs, name, rtol=1e-9, atol=1e-11)  # stacks of layers: 10x the default tolerance


def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())


def _torch_call(torch, call):
    return {k: torch.tensor(m) if isinstance(m, np.ndarray) else m for k, m in call.items()}


def _compare(torch, ours, theirs, inputs, call):
    """Run both on the same float64 inputs; compare outputs, the inputs' gradients and every parameter's."""
    tensors = [torch.tensor(x, requires_grad=True) for x in inputs]
    values = [Value(x) for x in inputs]
    tout = theirs(*tensors, **_torch_call(torch, call))
    out = ours(*values, **call)
    assert out.shape == tuple(tout.shape)
    _assert_close(out.data, tout, "output")
    w = rand(*out.shape, seed=9)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for i, (value, tensor) in enumerate(zip(values, tensors)):
        _assert_close(value.grad, tensor.grad, f"input {i}")
    tgrads = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tgrads)
    for name, p in ours.named_parameters():
        _assert_close(p.grad, tgrads[name].grad, name)


CAUSAL = np.triu(np.ones((3, 3), bool), 1)
TGT_PAD = np.array([[False, False, True], [False, False, False]])
MEM_PAD = np.array([[False, False, False, True], [False, True, False, False]])
DECODER_CASES = [
    ("post-norm-relu-causal", {}, {"tgt_mask": CAUSAL, "tgt_is_causal": True}),
    ("pre-norm-gelu-batch-first-padding", {"norm_first": True, "activation": "gelu", "batch_first": True},
     {"tgt_key_padding_mask": TGT_PAD, "memory_key_padding_mask": MEM_PAD}),
    ("float-masks-no-bias", {"bias": False}, {"tgt_mask": rand(3, 3, seed=4), "memory_mask": rand(3, 4, seed=5)}),
    ("memory-mask-bool-causal-hint", {"layer_norm_eps": 1e-3},
     {"memory_mask": np.triu(np.ones((3, 4), bool), 1), "memory_is_causal": True}),
    ("unbatched", {}, {"tgt_mask": CAUSAL}),
]


@pytest.mark.parametrize("kwargs,call", [c[1:] for c in DECODER_CASES], ids=[c[0] for c in DECODER_CASES])
def test_transformer_decoder_layer_matches_torch(kwargs, call):
    torch = torch_or_skip()
    theirs = torch.nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, **kwargs).double()
    ours = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, dtype=F64, **kwargs)
    _load(ours, theirs)
    if call is DECODER_CASES[-1][2]:                   # unbatched
        shapes = (3, 4), (4, 4)
    elif kwargs.get("batch_first"):
        shapes = (2, 3, 4), (2, 4, 4)
    else:
        shapes = (3, 2, 4), (4, 2, 4)
    _compare(torch, ours, theirs, [rand(*shapes[0]), rand(*shapes[1], seed=1)], call)


def test_transformer_decoder_layer_callable_activation_matchestorch_or_skip():
    torch = torch_or_skip()
    theirs = torch.nn.TransformerDecoderLayer(4, 1, 5, dropout=0.0, activation=torch.tanh).double()
    ours = nn.TransformerDecoderLayer(4, 1, 5, dropout=0.0, activation=ag.tanh, dtype=F64)
    _load(ours, theirs)
    _compare(torch, ours, theirs, [rand(2, 1, 4), rand(3, 1, 4, seed=1)], {})


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoder_matches_torch(norm_first):
    torch = torch_or_skip()
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, norm_first=norm_first), 2,
        norm=torch.nn.LayerNorm(4)).double()
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, norm_first=norm_first, dtype=F64),
                                 2, norm=nn.LayerNorm(4, dtype=F64))
    _load(ours, theirs)
    _compare(torch, ours, theirs, [rand(3, 2, 4), rand(4, 2, 4, seed=1)],
             {"tgt_mask": CAUSAL, "memory_key_padding_mask": MEM_PAD})


def test_transformer_matchestorch_or_skip():
    torch = torch_or_skip()
    kwargs = dict(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6, dropout=0.0,
                  batch_first=True)
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(**kwargs).double()
    ours = nn.Transformer(dtype=F64, **kwargs)
    _load(ours, theirs)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=F64)
    call = {"tgt_mask": tgt_mask.data, "src_key_padding_mask": MEM_PAD, "memory_key_padding_mask": MEM_PAD,
            "tgt_is_causal": True}
    _compare(torch, ours, theirs, [rand(2, 4, 4), rand(2, 3, 4, seed=1)], call)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_structure_init_mask_and_errors():
    model = nn.Transformer(8, 2, 1, 1, 16, rng=0)
    # every matrix drawn anew from xavier_uniform (the linear layers' default init is narrower)
    linear1 = model.encoder.layers[0].linear1.weight.data
    assert np.abs(linear1).max() > 1 / np.sqrt(8) and np.abs(linear1).max() <= np.sqrt(6 / (8 + 16))
    assert not model.decoder.layers[0].multihead_attn.in_proj_bias.data.any()
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == np.float32 and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, np.triu(np.full((4, 4), -np.inf), 1))
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(np.zeros((3, 2, 8)), np.zeros((3, 1, 8)))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(np.zeros((3, 2, 8)), np.zeros((3, 2, 4)))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerDecoderLayer(4, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        nn.TransformerDecoderLayer(4, 2, 6)(np.zeros((3, 1, 4)), np.zeros((2, 1, 4)), tgt_is_causal=True)
    with pytest.raises(TypeError, match="decoder_layer must be a Module"):
        nn.TransformerDecoder("layer", 2)
    torch = torch_or_skip()
    tmodel = torch.nn.Transformer(8, 2, 1, 1, 16)
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in tmodel.named_parameters()]
    np.testing.assert_array_equal(mask.data, torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_transformer_custom_encoder_and_decoder():
    encoder = nn.Identity()
    decoder_layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, dtype=F64, rng=0)
    model = nn.Transformer(4, 2, custom_encoder=nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 1, 3), 0),
                           custom_decoder=decoder_layer, dtype=F64)
    assert model.decoder is decoder_layer and len(model.encoder.layers) == 0
    src, tgt = rand(5, 1, 4), rand(2, 1, 4, seed=1)
    np.testing.assert_allclose(model(src, tgt).data, decoder_layer(tgt, src).data, rtol=1e-12)
    assert encoder(src) is src


def test_transformer_decoder_layer_gradcheck():
    layer = nn.TransformerDecoderLayer(4, 2, 5, dropout=0.0, dtype=F64, rng=0)
    assert gradcheck(lambda t, m: layer(t, m, tgt_mask=CAUSAL[:2, :2],
                                        memory_key_padding_mask=np.array([[False, True, False]])),
                     [rand(2, 1, 4), rand(3, 1, 4, seed=1)])


def test_transformer_decoder_layer_dropout_in_training_only():
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.5, dtype=F64, rng=0)
    plain = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, dtype=F64, rng=0)
    t, m = rand(3, 2, 4), rand(4, 2, 4, seed=1)
    layer.eval()
    np.testing.assert_array_equal(layer(t, m).data, plain(t, m).data)
    layer.train()
    assert not np.allclose(layer(t, m).data, plain(t, m).data)
    # p = 1 zeroes the three residual branches: what is left is the three norms
    layer.dropout1.p = layer.dropout2.p = layer.dropout3.p = 1.0
    np.testing.assert_allclose(layer(t, m).data, layer.norm3(layer.norm2(layer.norm1(t))).data, rtol=1e-12)


def test_transformer_decoder_layer_training_step_compiles_with_dropout():
    def make():
        ag.manual_seed(0)
        layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.1, dtype=F64)
        return layer, ag.optim.SGD(layer.parameters(), lr=0.1)

    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=F64)

    def step(layer, opt, t, m):
        layer.train()
        opt.zero_grad()
        loss = (layer(t, m, tgt_mask=mask, tgt_is_causal=True) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    (eager_layer, eager_opt), (layer, opt) = make(), make()
    fast = ag.compile(lambda t, m: step(layer, opt, t, m))
    data = [(rand(5, 3, 8, seed=i), rand(4, 3, 8, seed=10 + i)) for i in range(4)]
    ag.manual_seed(7)
    eager = [float(step(eager_layer, eager_opt, t, m).data) for t, m in data]
    ag.manual_seed(7)                                   # the same dropout masks, drawn anew at each replay
    assert [float(fast(t, m).data) for t, m in data] == eager
    assert fast.stats["replayed"] >= 1 and eager[-1] < eager[0]


# ----------------------------------------------------------------------------------------------------
# The encoder's remaining options.


def test_transformer_encoder_pre_norm_gelu_and_nested_tensor_arguments_matchtorch_or_skip():
    torch = torch_or_skip()
    layer_kwargs = dict(dropout=0.0, norm_first=True, activation="gelu")
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8, **layer_kwargs), 2,
                                         enable_nested_tensor=False, mask_check=False).double()
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dtype=F64, **layer_kwargs), 2,
                                 enable_nested_tensor=True, mask_check=False)
    _load(ours, theirs)
    _compare(torch, ours, theirs, [rand(3, 2, 4)], {"src_key_padding_mask": MEM_PAD[:, 1:]})
