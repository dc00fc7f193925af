"""Layers against PyTorch: the same weights moved through state dicts (both ways), float64, 1e-10."""

import numpy as np
import pytest

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import Value

torch = pytest.importorskip("torch")
F64 = np.float64


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)




def _torch_state(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def test_against_torch_sequential_with_batchnorm_layernorm():
    tnn = torch.nn
    torch.manual_seed(0)
    tmodel = tnn.Sequential(tnn.Linear(5, 8), tnn.BatchNorm1d(8), tnn.LeakyReLU(0.1), tnn.Linear(8, 6),
                            tnn.LayerNorm(6), tnn.Tanh(), tnn.Linear(6, 3)).double()
    ours = nn.Sequential(nn.Linear(5, 8, dtype=F64), nn.BatchNorm1d(8, dtype=F64), nn.LeakyReLU(0.1),
                         nn.Linear(8, 6, dtype=F64), nn.LayerNorm(6, dtype=F64), nn.Tanh(),
                         nn.Linear(6, 3, dtype=F64))
    ours.load_state_dict(_torch_state(tmodel))
    x = rand(7, 5)
    labels = np.array([0, 2, 1, 1, 0, 2, 2])
    for step in range(2):  # two training steps: running statistics evolve the same way
        xt = torch.tensor(x + step, requires_grad=True)
        tloss = tnn.functional.cross_entropy(tmodel(xt), torch.tensor(labels))
        tloss.backward()
        xv = Value(x + step)
        loss = F.cross_entropy(ours(xv), labels)
        loss.backward()
        np.testing.assert_allclose(loss.data, tloss.item(), rtol=1e-10)
        np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    tgrads = {k: p.grad.numpy() for k, p in tmodel.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tgrads[name], rtol=1e-10, atol=1e-12, err_msg=name)
    for name, array in _torch_state(tmodel).items():
        np.testing.assert_allclose(ours.state_dict()[name], array, rtol=1e-12, err_msg=name)
    tmodel.eval(), ours.eval()
    np.testing.assert_allclose(ours(x).data, tmodel(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    # and back: our state dict loads into torch as is
    fresh = tnn.Sequential(tnn.Linear(5, 8), tnn.BatchNorm1d(8), tnn.LeakyReLU(0.1), tnn.Linear(8, 6),
                           tnn.LayerNorm(6), tnn.Tanh(), tnn.Linear(6, 3)).double().eval()
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(fresh(torch.tensor(x)).detach().numpy(), ours(x).data, rtol=1e-12)


def test_against_torch_batchnorm2d_embedding_and_mlp():
    tnn = torch.nn
    torch.manual_seed(1)
    tbn = tnn.BatchNorm2d(3).double()
    bn = nn.BatchNorm2d(3, dtype=F64)
    bn.load_state_dict(_torch_state(tbn))
    x = rand(2, 3, 4, 5)
    xt = torch.tensor(x, requires_grad=True)
    w = rand(2, 3, 4, 5, seed=3)
    (tbn(xt) * torch.tensor(w)).sum().backward()
    xv = Value(x)
    (bn(xv) * w).sum().backward()
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.weight.grad, tbn.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-12)
    temb = tnn.Embedding(6, 4).double()
    emb = nn.Embedding(6, 4, dtype=F64)
    emb.load_state_dict(_torch_state(temb))
    ids = np.array([1, 5, 1])
    np.testing.assert_array_equal(emb(ids).data, temb(torch.tensor(ids)).detach().numpy())
    # an MLP's state dict is that of a torch module holding a list of Linear layers, same names
    tmlp = tnn.Module()
    tmlp.layers = tnn.ModuleList([tnn.Linear(3, 4), tnn.Linear(4, 2)]).double()
    mlp = nn.MLP(3, [4, 2], dtype=F64)
    mlp.load_state_dict(_torch_state(tmlp))
    xs = rand(2, 3)
    expected = tmlp.layers[1](torch.relu(tmlp.layers[0](torch.tensor(xs))))
    np.testing.assert_allclose(mlp(xs).data, expected.detach().numpy(), rtol=1e-12)
    tmlp.load_state_dict({k: torch.from_numpy(v) for k, v in mlp.state_dict().items()})
