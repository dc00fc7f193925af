"""Function transforms over containers of arguments and results (dicts, lists, tuples, namedtuples: trees.py),
torch.func's names (autograd_core.func) and functional_call (nn/stateless.py).

Each container result is checked against the same transform taken leaf by leaf (plain arguments, argnums tuples),
whose numbers the op-table tests check; the torch.func comparisons skip without PyTorch.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn
from autograd_core.func import functional_call, grad_and_value
from autograd_core.nn.functional import cross_entropy, mse_loss

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3))
PARAMS = {"w": RNG.standard_normal(3), "b": np.array(0.3)}


def loss(p, x):
    return (ag.tanh(x @ p["w"] + p["b"]) ** 2).sum()


def _data(v):
    return v.data if isinstance(v, Value) else v


def eager_loss(p, x):
    """loss called as PyTorch code would be, on tensors (torch's functions refuse NumPy arrays)."""
    return loss({k: ag.from_numpy(v) for k, v in p.items()}, ag.from_numpy(x))


def loss_flat(w, b, x):
    return loss({"w": w, "b": b}, x)


def test_grad_of_a_dict_is_a_dict_of_the_leaves_gradients():
    g = ag.grad(loss)(PARAMS, X)
    gw, gb = ag.grad(loss_flat, argnums=(0, 1))(PARAMS["w"], PARAMS["b"], X)
    assert list(g) == ["w", "b"]
    np.testing.assert_allclose(g["w"], gw)
    np.testing.assert_allclose(g["b"], gb)
    value, g2 = ag.value_and_grad(loss)(PARAMS, X)
    np.testing.assert_allclose(value, _data(eager_loss(PARAMS, X)))
    np.testing.assert_allclose(g2["w"], gw)
    # several arguments, some containers, some not
    (gp, gx) = ag.grad(loss, argnums=(0, 1))(PARAMS, X)
    np.testing.assert_allclose(gx, ag.grad(loss_flat, argnums=2)(PARAMS["w"], PARAMS["b"], X))
    np.testing.assert_allclose(gp["b"], gb)


def test_lists_tuples_namedtuples_and_nesting_keep_their_structure():
    Pair = collections.namedtuple("Pair", "w b")
    w, b = PARAMS["w"], PARAMS["b"]
    gw, gb = ag.grad(loss_flat, argnums=(0, 1))(w, b, X)
    for make in (lambda: [w, b], lambda: (w, b), lambda: Pair(w, b)):
        tree = make()
        g = ag.grad(lambda p: loss_flat(p[0], p[1], X))(tree)
        assert type(g) is type(tree)
        np.testing.assert_allclose(g[0], gw)
        np.testing.assert_allclose(g[1], gb)
    nested = {"layer": [{"w": w}], "extra": (b,)}
    g = ag.grad(lambda p: loss_flat(p["layer"][0]["w"], p["extra"][0], X))(nested)
    np.testing.assert_allclose(g["layer"][0]["w"], gw)
    np.testing.assert_allclose(g["extra"][0], gb)
    # Values as leaves, and numbers inside a container
    g = ag.grad(lambda p: p["a"] * p["k"] ** 2)({"a": Value(2.0), "k": 3.0})
    assert g == {"a": 9.0, "k": 12.0}


def test_a_list_of_numbers_is_still_one_array():
    """NumPy's reading of a list (one array) is kept: only lists holding arrays, Values or dicts are containers."""
    g = ag.grad(lambda v: (v * v).sum())([1.0, 2.0])
    assert isinstance(g, np.ndarray) and g.tolist() == [2.0, 4.0]
    assert ag.grad(lambda v: (v * v).sum())([[1.0], [3.0]]).tolist() == [[2.0], [6.0]]


def test_jacobians_of_dict_inputs_and_outputs_nest_output_then_input():
    def f(p):
        return {"y": p["w"] * 2.0 + p["b"], "z": (p["w"] ** 2).sum()}

    for transform in (ag.jacrev, ag.jacfwd, ag.jacobian):
        jac = transform(f)(PARAMS)
        assert list(jac) == ["y", "z"] and list(jac["y"]) == ["w", "b"]
        np.testing.assert_allclose(jac["y"]["w"], 2.0 * np.eye(3))
        np.testing.assert_allclose(jac["y"]["b"], np.ones(3))
        np.testing.assert_allclose(jac["z"]["w"], 2.0 * PARAMS["w"])
        assert jac["z"]["b"].shape == ()


def test_hessian_of_a_dict_is_a_dict_of_dicts_of_the_blocks():
    h = ag.hessian(loss)(PARAMS, X)
    blocks = ag.hessian(loss_flat, argnums=(0, 1))(PARAMS["w"], PARAMS["b"], X)
    for i, a in enumerate(("w", "b")):
        for j, b in enumerate(("w", "b")):
            np.testing.assert_allclose(h[a][b], blocks[i][j], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h["w"]["b"], h["b"]["w"])  # symmetric


def test_jvp_and_vjp_take_containers():
    tangent = {"w": RNG.standard_normal(3), "b": np.array(0.7)}
    value, jt = ag.jvp(lambda p: {"loss": loss(p, X)}, (PARAMS,), (tangent,))
    g = ag.grad(loss)(PARAMS, X)
    np.testing.assert_allclose(jt["loss"], g["w"] @ tangent["w"] + g["b"] * tangent["b"])
    np.testing.assert_allclose(value["loss"], _data(eager_loss(PARAMS, X)))
    out, vjp_fn = ag.vjp(lambda p, x: loss(p, x), PARAMS, X)
    gp, gx = vjp_fn(np.array(2.0))
    np.testing.assert_allclose(gp["w"], 2.0 * g["w"])
    assert gx.shape == X.shape
    with pytest.raises(ValueError, match="tangent's structure differs from its primal's: expected a dict with keys"):
        ag.jvp(lambda p: loss(p, X), (PARAMS,), ({"w": tangent["w"]},))


def test_vjp_of_several_outputs_sums_their_products_and_hands_back_aux():
    def f(p):
        return {"y": p["w"] * 2.0 + p["b"], "z": (p["w"] ** 2).sum()}, "aux"

    value, vjp_fn, aux = ag.vjp(f, PARAMS, has_aux=True)
    assert aux == "aux" and list(value) == ["y", "z"]
    np.testing.assert_allclose(value["z"], (PARAMS["w"] ** 2).sum())
    cy, cz = RNG.standard_normal(3), 0.5
    (g,) = vjp_fn({"y": cy, "z": cz})
    np.testing.assert_allclose(g["w"], 2.0 * cy + cz * 2.0 * PARAMS["w"])
    np.testing.assert_allclose(g["b"], cy.sum())
    out, vjp_fn = ag.vjp(lambda a, b: (a * b, a.sum()), np.ones(2), np.full(2, 3.0))
    ga, gb = vjp_fn((np.array([1.0, 2.0]), 10.0))
    np.testing.assert_allclose(ga, [13.0, 16.0])
    np.testing.assert_allclose(gb, [1.0, 2.0])
    vjp_fn_dict = ag.vjp(lambda p: f(p)[0], PARAMS)[1]
    with pytest.raises(ValueError, match="cotangent's structure differs from the output's: expected a dict"):
        vjp_fn_dict({"y": cy})
    with pytest.raises(ValueError, match=r"cotangent of shape \(2,\) does not match output of shape \(3,\)"):
        vjp_fn_dict({"y": np.ones(2), "z": 1.0})


def test_grad_and_value_is_torch_funcs_order():
    g, value = grad_and_value(loss)(PARAMS, X)
    np.testing.assert_allclose(value, _data(eager_loss(PARAMS, X)))
    np.testing.assert_allclose(g["w"], ag.grad(loss)(PARAMS, X)["w"])
    g, (value, aux) = grad_and_value(lambda p: (loss(p, X), "aux"), has_aux=True)(PARAMS)
    assert aux == "aux"


# ----------------------------------------------------------------------------------------------------
# functional_call


def _mlp_case():
    model = nn.MLP(3, [5, 2], rng=0)
    x = RNG.standard_normal((6, 3))
    y = np.array([0, 1, 1, 0, 1, 0])
    return model, x, y


def test_functional_call_gradients_equal_backward_into_parameters():
    model, x, y = _mlp_case()
    params = {name: p.data.copy() for name, p in model.named_parameters()}
    grads = ag.func.grad(lambda p: cross_entropy(functional_call(model, p, (x,)), y))(params)
    cross_entropy(model(x), y).backward()
    assert list(grads) == [name for name, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad, rtol=1e-12)
    # other values than the module's own: the call uses them, and the module keeps its own
    shifted = {name: value + 0.1 for name, value in params.items()}
    out = functional_call(model, shifted, x)
    model2, _, _ = _mlp_case()
    for (name, p) in model2.named_parameters():
        p.data = shifted[name]
    np.testing.assert_allclose(out.data, model2(x).data)
    for name, p in model.named_parameters():
        assert isinstance(p, nn.Parameter)
        np.testing.assert_array_equal(p.data, params[name])


def test_functional_call_puts_the_parameters_back_when_the_call_raises_and_checks_names_first():
    model, x, _ = _mlp_case()
    before = [(name, p) for name, p in model.named_parameters()]
    params = {name: p.data for name, p in before}
    with pytest.raises(ValueError):
        functional_call(model, params, (np.ones((2, 4)),))  # wrong input width: raised inside the forward
    assert [(name, p) for name, p in model.named_parameters()] == before
    with pytest.raises(ValueError, match="'layers.0.wieght' names nothing in the module"):
        functional_call(model, {"layers.0.bias": np.zeros(5), "layers.0.wieght": np.zeros((5, 3))}, (x,))
    assert [(name, p) for name, p in model.named_parameters()] == before
    with pytest.raises(RuntimeError, match=r"missing keys \['layers.1.bias'"):
        functional_call(model, {k: v for k, v in params.items() if k != "layers.1.bias"}, (x,), strict=True)
    with pytest.raises(ValueError, match="appear in more than one"):
        functional_call(model, ({"layers.0.bias": np.zeros(5)}, {"layers.0.bias": np.zeros(5)}), (x,))


def test_functional_call_buffers_and_tied_weights():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4))
    model.eval()
    x = RNG.standard_normal((5, 3)).astype(np.float32)  # the model's dtype
    mean = np.full(4, 0.5, np.float32)
    out = functional_call(model, {"1.running_mean": mean}, (x,))
    h = model[0](x).data
    bn = model[1]
    expected = (h - mean) / np.sqrt(bn.running_var + bn.eps) * bn.weight.data + bn.bias.data
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)  # the layer is float32: an ulp is 6e-8 to 1.2e-7
    assert np.all(model[1].running_mean == 0)

    shared = nn.Linear(3, 3, rng=1)
    tied = nn.Sequential(shared, nn.Tanh(), shared)
    new_weight = np.eye(3)
    out = functional_call(tied, {"0.weight": new_weight, "0.bias": np.zeros(3)}, (x,))
    np.testing.assert_allclose(out.data, np.tanh(x))  # both uses of the tied layer took the new weight


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func's own use of torch.jit
def test_functional_call_and_grad_match_torch_func():
    torch = pytest.importorskip("torch")
    model, x, y = _mlp_case()
    params = {name: p.data.copy() for name, p in model.named_parameters()}
    hess = ag.hessian(lambda p: cross_entropy(functional_call(model, p, (x,)), y))(params)
    grads = ag.func.grad(lambda p: cross_entropy(functional_call(model, p, (x,)), y))(params)

    layers = [torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2)]
    tmodel = torch.nn.Sequential(*layers).double()
    tparams = {"0.weight": params["layers.0.weight"], "0.bias": params["layers.0.bias"],
               "2.weight": params["layers.1.weight"], "2.bias": params["layers.1.bias"]}
    tparams = {k: torch.tensor(v) for k, v in tparams.items()}

    def tloss(p):
        return torch.nn.functional.cross_entropy(torch.func.functional_call(tmodel, p, (torch.tensor(x),)),
                                                 torch.tensor(y))

    tgrads = torch.func.grad(tloss)(tparams)
    thess = torch.func.hessian(tloss)(tparams)
    ours_to_torch = dict(zip(params, tparams))
    for ours, theirs in ours_to_torch.items():
        np.testing.assert_allclose(grads[ours], tgrads[theirs].numpy(), rtol=1e-10, atol=1e-12)
        for ours2, theirs2 in ours_to_torch.items():
            np.testing.assert_allclose(hess[ours][ours2], thess[theirs][theirs2].numpy(), rtol=1e-8, atol=1e-10)


def test_functional_call_inside_a_training_step_by_hand():
    """The torch.func idiom for a functional training step: gradients as a dict, an update on the dict."""
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 1, rng=1))
    x = RNG.standard_normal((32, 2))
    target = (x[:, :1] * x[:, 1:])
    params = {name: p.data.copy() for name, p in model.named_parameters()}
    step = ag.func.grad_and_value(lambda p: mse_loss(functional_call(model, p, x), target))
    first = None
    for _ in range(200):
        grads, value = step(params)
        params = {k: params[k] - 0.1 * grads[k] for k in params}
        first = value if first is None else first
    assert value < 0.5 * first


# ----------------------------------------------------------------------------------------------------
# vmap (a loop with torch.func's semantics)


def test_vmap_of_grad_gives_per_sample_gradients():
    x, y = RNG.standard_normal((5, 3)), RNG.standard_normal(5)

    def sample_loss(p, xi, yi):
        return (xi @ p["w"] + p["b"] - yi) ** 2

    per_sample = ag.vmap(ag.grad(sample_loss), in_dims=(None, 0, 0))(PARAMS, x, y)
    assert per_sample["w"].shape == (5, 3) and per_sample["b"].shape == (5,)
    for i in range(5):
        g = ag.grad(sample_loss)(PARAMS, x[i], y[i])
        np.testing.assert_allclose(per_sample["w"][i], g["w"])
        np.testing.assert_allclose(per_sample["b"][i], g["b"])
    total = ag.grad(lambda p: sum(sample_loss(p, x[i], y[i]) for i in range(5)))(PARAMS)
    np.testing.assert_allclose(per_sample["w"].sum(axis=0), total["w"])


def test_vmap_axes_nesting_gradients_and_errors():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(ag.vmap(lambda m: m.sum(axis=0), in_dims=1)(a), a.sum(axis=0))  # slices (2, 4)
    np.testing.assert_allclose(ag.vmap(ag.vmap(lambda v: v * 2.0))(a), 2.0 * a)
    first, second = ag.vmap(lambda v: (v, v.sum()), out_dims=(1, 0))(a[0])
    np.testing.assert_allclose(first, a[0].T)
    np.testing.assert_allclose(second, a[0].sum(axis=1))
    x = Value(a[0], requires_grad=True)  # slices of a Value are indexing: gradients reach it
    (ag.vmap(lambda r: (r ** 2).sum())(x)).sum().backward()
    np.testing.assert_allclose(x.grad, 2.0 * a[0])
    with pytest.raises(ValueError, match=r"different sizes \[3, 4\]"):
        ag.vmap(lambda u, v: u.sum() + v.sum())(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="in_dims are all None"):
        ag.vmap(lambda u: u, in_dims=None)(np.ones(3))
    with pytest.raises(ValueError, match="in_dim 2 is out of range"):
        ag.vmap(lambda u: u, in_dims=2)(np.ones((3, 2)))


def test_vmap_matches_torch_func():
    torch = pytest.importorskip("torch")
    x, y = RNG.standard_normal((6, 3)), RNG.standard_normal(6)

    def ours(p, xi, yi):
        return ag.tanh(xi @ p["w"] + p["b"] - yi) ** 2

    def theirs(p, xi, yi):
        return torch.tanh(xi @ p["w"] + p["b"] - yi) ** 2

    got = ag.func.vmap(ag.func.grad(ours), in_dims=(None, 0, 0))(PARAMS, x, y)
    tp = {k: torch.tensor(v) for k, v in PARAMS.items()}
    want = torch.func.vmap(torch.func.grad(theirs), in_dims=(None, 0, 0))(tp, torch.tensor(x), torch.tensor(y))
    for k in PARAMS:
        np.testing.assert_allclose(got[k], want[k].numpy(), rtol=1e-12, atol=1e-14)
