"""nn.utils beyond the basics: get_total_norm / clip_grads_with_norm_ / clip_grad_norm, spectral_norm in both APIs,
conv/linear + BatchNorm fusion, skip_init, and the convert_parameters / stateless submodules. Values and gradients
against torch in float64 (the power-iteration vectors copied from torch's modules, whose draws differ from ours),
and against finite differences."""

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.gradcheck import gradcheck

RNG = np.random.default_rng(4)


def _torch():
    return pytest.importorskip("torch")


def _copy_params(ours, theirs):
    """Give our module the torch module's parameters and buffers (same names, same layouts)."""
    for name, t in theirs.state_dict().items():
        target = ours
        *path, last = name.split(".")
        for part in path:
            target = target[int(part)] if part.isdigit() else getattr(target, part)
        array = getattr(target, last)
        (array.data if isinstance(array, ag.Value) else array)[...] = t.detach().numpy()


# -- clipping --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_get_total_norm_value_matches_torch_outside_the_graph(norm_type):
    torch = _torch()
    arrays = [RNG.normal(size=(3, 2)), RNG.normal(size=(4,))]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    total, ttotal = nn.utils.get_total_norm(ours, norm_type), torch.nn.utils.get_total_norm(theirs, norm_type)
    assert total.shape == () and isinstance(total, ag.Value)
    np.testing.assert_allclose(total.data, ttotal.item(), rtol=1e-12)
    assert not total.requires_grad and not ttotal.requires_grad  # computed under no_grad, as PyTorch's


def test_get_total_norm_edges():
    a, b = RNG.normal(size=(2, 2)), RNG.normal(size=3)
    np.testing.assert_allclose(nn.utils.get_total_norm([ag.tensor(a), ag.tensor(b)], 3.0).data,
                               np.sum(np.abs(np.concatenate([a.ravel(), b])) ** 3) ** (1 / 3), rtol=1e-12)
    assert float(nn.utils.get_total_norm([]).data) == 0.0
    np.testing.assert_allclose(nn.utils.get_total_norm(ag.tensor([3.0, 4.0])).data, 5.0)
    np.testing.assert_allclose(nn.utils.get_total_norm([np.array([3.0]), np.array([4.0])]).data, 5.0)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.get_total_norm([ag.tensor([1.0, math.inf])], error_if_nonfinite=True)
    assert math.isinf(float(nn.utils.get_total_norm([ag.tensor([1.0, math.inf])]).data))
    with pytest.raises(TypeError, match="not a Value"):
        nn.utils.get_total_norm([[1.0, 2.0]])


def _with_grads(lib, grads):
    params = [lib.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = lib.tensor(g) if lib is not ag else g.copy()
    return params


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grads_with_norm_matches_torch(max_norm):
    torch = _torch()
    grads = [RNG.normal(size=(2, 3)), RNG.normal(size=(3,))]
    ours, theirs = _with_grads(ag, grads), _with_grads(torch, grads)
    total = nn.utils.get_total_norm([p.grad for p in ours])
    assert nn.utils.clip_grads_with_norm_(ours, max_norm, total) is None
    torch.nn.utils.clip_grads_with_norm_(theirs, max_norm, torch.nn.utils.get_total_norm([p.grad for p in theirs]))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-12)
    clipped = _with_grads(ag, grads)
    nn.utils.clip_grads_with_norm_(clipped, 1.0, 2.0)  # a plain number as the total
    np.testing.assert_allclose(clipped[0].grad, grads[0] * (1.0 / (2.0 + 1e-6)))


def test_clip_grad_norm_is_a_deprecated_alias():
    grads = [RNG.normal(size=(4,))]
    a, b = _with_grads(ag, grads), _with_grads(ag, grads)
    with pytest.warns(FutureWarning, match="deprecated"):
        norm = nn.utils.clip_grad_norm(a, 0.1)
    assert norm == nn.utils.clip_grad_norm_(b, 0.1, foreach=None)
    np.testing.assert_array_equal(a[0].grad, b[0].grad)


# -- spectral norm ---------------------------------------------------------------------------------------------


def _with_singular_values(shape, sigmas):
    u = np.linalg.qr(RNG.normal(size=(shape[0], shape[0])))[0]
    v = np.linalg.qr(RNG.normal(size=(shape[1], shape[1])))[0]
    return u[:, :len(sigmas)] @ np.diag(sigmas) @ v[:, :len(sigmas)].T


def _pair(kind):
    torch = _torch()
    torch.manual_seed(0)
    if kind == "linear":
        return nn.Linear(4, 3, dtype=np.float64), torch.nn.Linear(4, 3).double(), (5, 4)
    if kind == "conv":
        return nn.Conv2d(2, 3, 2, dtype=np.float64), torch.nn.Conv2d(2, 3, 2).double(), (1, 2, 4, 4)
    return nn.ConvTranspose2d(2, 3, 2, dtype=np.float64), torch.nn.ConvTranspose2d(2, 3, 2).double(), (1, 2, 3, 3)


@pytest.mark.parametrize("kind", ["linear", "conv", "transpose"])
def test_spectral_norm_hook_api_matches_torch(kind):
    torch = _torch()
    ours, theirs, shape = _pair(kind)
    nn.utils.spectral_norm(ours, n_power_iterations=2)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # bias, weight_orig, weight_u, weight_v
    assert ours.weight_u.shape == tuple(theirs.weight_u.shape)  # dim 1 for ConvTranspose
    _copy_params(ours, theirs)
    x = RNG.normal(size=shape)
    for training in (True, True, False):
        ours.train(training)
        theirs.train(training)
        ours.weight_orig.grad, theirs.weight_orig.grad = None, None
        y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(ours.weight_orig.grad, theirs.weight_orig.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.weight_u, theirs.weight_u.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours.weight_v, theirs.weight_v.numpy(), rtol=1e-10)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.weight, nn.Parameter) and ours._module_hooks is None
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-10)


def test_spectral_norm_converges_to_unit_sigma_and_finite_differences():
    ag.manual_seed(0)  # u, v start from this generator
    layer = nn.Linear(5, 4, dtype=np.float64)
    layer.weight.data[...] = _with_singular_values((4, 5), [3.0, 1.0, 0.5, 0.2])  # σ2/σ1 = 1/3: fast convergence
    nn.utils.spectral_norm(layer, n_power_iterations=30)
    layer(ag.zeros((1, 5), dtype=ag.float64))
    assert abs(np.linalg.svd(layer.weight.data, compute_uv=False)[0] - 1) < 1e-8
    layer.eval()  # no iteration: u, v fixed, a smooth function of weight_orig
    x = RNG.normal(size=(2, 5))

    def f(w):
        object.__setattr__(layer, "weight_orig", w)  # the hook reads weight_orig: w, a Value gradcheck varies
        return layer(ag.tensor(x))

    layer_w = layer.weight_orig.data.copy()
    assert gradcheck(lambda w: (f(w) ** 2).sum(), [layer_w])


def test_spectral_norm_errors():
    layer = nn.utils.spectral_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        nn.utils.spectral_norm(nn.Linear(3, 2), name="kernel")


@pytest.mark.parametrize("kind", ["linear", "conv", "transpose"])
def test_spectral_norm_parametrization_matches_torch(kind):
    torch = _torch()
    ours, theirs, shape = _pair(kind)
    nn.utils.parametrizations.spectral_norm(ours)
    torch.nn.utils.parametrizations.spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours).__name__ == type(theirs).__name__  # ParametrizedLinear
    _copy_params(ours, theirs)
    x = RNG.normal(size=shape)
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        original, toriginal = ours.parametrizations.weight.original, theirs.parametrizations.weight.original
        original.grad, toriginal.grad = None, None
        y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(original.grad, toriginal.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.parametrizations.weight[0]._u,
                                   theirs.parametrizations.weight[0]._u.numpy(), rtol=1e-10)


def test_spectral_norm_parametrization_sigma_and_errors():
    ag.manual_seed(0)
    layer = nn.Linear(6, 4, dtype=np.float64)
    layer.weight.data[...] = _with_singular_values((4, 6), [2.0, 0.5, 0.3, 0.1])
    nn.utils.parametrizations.spectral_norm(layer)
    assert abs(np.linalg.svd(layer.weight.data, compute_uv=False)[0] - 1) < 1e-6  # 15 iterations at the start
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(3, 2), n_power_iterations=-1)


# -- fusion ----------------------------------------------------------------------------------------------------


def _bn_pair(torch, ours_cls, theirs_cls, n):
    ours, theirs = ours_cls(n, dtype=np.float64), theirs_cls(n).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(RNG.uniform(0.5, 2, n)))
        theirs.bias.copy_(torch.tensor(RNG.normal(size=n)))
        theirs.running_mean.copy_(torch.tensor(RNG.normal(size=n)))
        theirs.running_var.copy_(torch.tensor(RNG.uniform(0.5, 2, n)))
    _copy_params(ours, theirs)
    return ours.eval(), theirs.eval()


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_conv_bn_eval_matches_torch_and_the_unfused_pair(bias):
    torch = _torch()
    conv, tconv = nn.Conv2d(2, 3, 2, bias=bias, dtype=np.float64), torch.nn.Conv2d(2, 3, 2, bias=bias).double()
    _copy_params(conv, tconv)
    bn, tbn = _bn_pair(torch, nn.BatchNorm2d, torch.nn.BatchNorm2d, 3)
    fused, tfused = nn.utils.fuse_conv_bn_eval(conv.eval(), bn), torch.nn.utils.fuse_conv_bn_eval(tconv.eval(), tbn)
    assert fused is not conv and isinstance(fused.weight, nn.Parameter) and isinstance(fused.bias, nn.Parameter)
    np.testing.assert_allclose(fused.weight.data, tfused.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(fused.bias.data, tfused.bias.detach().numpy(), rtol=1e-12, atol=1e-14)
    x = ag.tensor(RNG.normal(size=(1, 2, 4, 4)))
    np.testing.assert_allclose(fused(x).data, bn(conv(x)).data, rtol=1e-10, atol=1e-12)
    (fused(x) ** 2).sum().backward()
    tx = torch.tensor(x.data)
    (tfused(tx) ** 2).sum().backward()
    np.testing.assert_allclose(fused.weight.grad, tfused.weight.grad.numpy(), rtol=1e-10)


def test_fuse_weights_transpose_and_linear_match_torch():
    torch = _torch()
    w, rm, rv, g, b = (RNG.normal(size=(2, 3, 2, 2)), RNG.normal(size=3), RNG.uniform(0.5, 2, 3), RNG.normal(size=3),
                       RNG.normal(size=3))
    ours = nn.utils.fuse_conv_bn_weights(ag.tensor(w), None, rm, rv, 1e-5, ag.tensor(g), ag.tensor(b), transpose=True)
    theirs = torch.nn.utils.fuse_conv_bn_weights(*(torch.tensor(a) if a is not None else None
                                                   for a in (w, None, rm, rv)), 1e-5, torch.tensor(g),
                                                 torch.tensor(b), transpose=True)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.data, t.detach().numpy(), rtol=1e-12)
    linear, tlinear = nn.Linear(4, 3, dtype=np.float64), torch.nn.Linear(4, 3).double()
    _copy_params(linear, tlinear)
    bn, tbn = _bn_pair(torch, nn.BatchNorm1d, torch.nn.BatchNorm1d, 3)
    fused, tfused = nn.utils.fuse_linear_bn_eval(linear.eval(), bn), torch.nn.utils.fuse_linear_bn_eval(
        tlinear.eval(), tbn)
    np.testing.assert_allclose(fused.weight.data, tfused.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(fused.bias.data, tfused.bias.detach().numpy(), rtol=1e-12)
    x = ag.tensor(RNG.normal(size=(5, 4)))
    np.testing.assert_allclose(fused(x).data, bn(linear(x)).data, rtol=1e-10, atol=1e-12)


def test_fusion_errors_and_dtypes():
    conv, bn = nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(conv, bn)
    with pytest.raises(AssertionError, match="out_features"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(2).eval())
    with pytest.raises(AssertionError, match="running_mean"):
        nn.utils.fuse_conv_bn_eval(conv.eval(), nn.BatchNorm2d(2, track_running_stats=False).eval())
    fused = nn.utils.fuse_conv_bn_eval(conv.eval(), bn.eval())
    assert fused.weight.dtype == conv.weight.dtype == np.float32 and fused.bias.dtype == np.float32
    np.testing.assert_allclose(fused.weight.data, conv.weight.data / np.sqrt(1 + 1e-5), rtol=1e-6)


# -- skip_init and the submodule aliases -----------------------------------------------------------------------


def test_skip_init_and_submodules():
    layer = nn.utils.skip_init(nn.Linear, 3, 2, device="cpu", dtype=np.float64)
    assert isinstance(layer, nn.Linear) and layer.weight.shape == (2, 3) and layer.weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(dict)
    from autograd_core.nn.stateless import functional_call
    from autograd_core.nn.utils import convert_parameters, stateless

    # the older address keeps its own name for the second argument (parameters_and_buffers), over the same call
    model = nn.Linear(2, 1)
    new = {"weight": ag.tensor([[1.0, 2.0]]), "bias": ag.tensor([0.5])}
    x = ag.tensor([[3.0, 4.0]])
    assert stateless.functional_call(model, parameters_and_buffers=new, args=x).item() == \
        functional_call(model, new, x).item() == 11.5
    assert convert_parameters.parameters_to_vector is nn.utils.parameters_to_vector
    assert convert_parameters.vector_to_parameters is nn.utils.vector_to_parameters
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.utils.clip_grad_value_(ag.tensor([1.0], requires_grad=True), 1.0, foreach=None) is None


# -- orthogonal ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_orthogonal_values_and_gradients_match_torch(orthogonal_map, shape, use_trivialization):
    torch = _torch()
    torch.manual_seed(1)
    ours, theirs = nn.Linear(shape[1], shape[0], dtype=np.float64), torch.nn.Linear(shape[1], shape[0]).double()
    nn.utils.parametrizations.orthogonal(ours, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization)
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map=orthogonal_map,
                                               use_trivialization=use_trivialization)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_params(ours, theirs)
    noise = RNG.normal(scale=0.3, size=shape)
    noise[np.arange(min(shape)), np.arange(min(shape))] = 0  # the diagonal gets no gradient (householder's signs)
    with torch.no_grad():  # a general point: the trained original away from its starting −I
        theirs.parametrizations.weight.original.add_(torch.tensor(noise))
    _copy_params(ours, theirs)
    weight, tweight = ours.weight, theirs.weight
    np.testing.assert_allclose(weight.data, tweight.detach().numpy(), rtol=1e-10, atol=1e-12)
    gram = weight.data.T @ weight.data if shape[0] >= shape[1] else weight.data @ weight.data.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    C = RNG.normal(size=shape)
    (weight * ag.tensor(C)).sum().backward()
    (tweight * torch.tensor(C)).sum().backward()
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad,
                               theirs.parametrizations.weight.original.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_orthogonal_keeps_the_weight_finite_differences_and_errors():
    layer = nn.Linear(3, 3, dtype=np.float64)
    q = np.linalg.qr(RNG.normal(size=(3, 3)))[0]
    layer.weight.data[...] = q
    nn.utils.parametrizations.orthogonal(layer)
    np.testing.assert_allclose(layer.weight.data, q, atol=1e-12)  # an orthogonal weight is kept (trivialization)
    chain = layer.parametrizations.weight
    for orthogonal_map in ("matrix_exp", "cayley", "householder"):
        chain[0].orthogonal_map = orthogonal_map
        assert gradcheck(lambda x: chain[0](x), [RNG.normal(scale=0.3, size=(3, 3)) - np.eye(3)])
    layer.weight = np.linalg.qr(RNG.normal(size=(3, 3)))[0][:, ::-1].copy()  # assignment: right_inverse
    assert abs(abs(np.linalg.det(layer.weight.data)) - 1) < 1e-12
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions"):
        nn.utils.parametrizations.orthogonal(nn.Linear(2, 2), name="bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        nn.utils.parametrizations.orthogonal(nn.Linear(2, 2), orthogonal_map="svd")
    with pytest.raises(ValueError, match="of shape"):
        layer.weight = np.eye(2)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape,use_trivialization", [((3, 3), True), ((3, 3), False), ((4, 2), False),
                                                      ((2, 4), False), ((2, 3, 3), True)])
def test_orthogonal_registration_starts_where_torch_does(orthogonal_map, shape, use_trivialization):
    """No copying of the originals: the same weight registered in both libraries reads the same matrix (square with
    trivialization: the QR orthogonalisation; without: each map's starting point)."""
    torch = _torch()
    weight = RNG.normal(size=shape)

    class Holder(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(weight.copy())

    class THolder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.tensor(weight))

    ours = nn.utils.parametrizations.orthogonal(Holder(), orthogonal_map=orthogonal_map,
                                                use_trivialization=use_trivialization)
    theirs = torch.nn.utils.parametrizations.orthogonal(THolder(), orthogonal_map=orthogonal_map,
                                                        use_trivialization=use_trivialization)
    np.testing.assert_allclose(ours.parametrizations.weight.original.data,
                               theirs.parametrizations.weight.original.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-9, atol=1e-11)



def test_a_module_lists_children_are_attributes_by_name_and_functional_call_walks_through_them():
    """PyTorch's Module.__getattr__ finds a ModuleList's children by name (getattr(layers, "1")), which state_dict's
    and functional_call's dotted names ("layers.1.1.weight") rely on."""
    from autograd_core.nn.stateless import functional_call

    def build(nn_):
        class Holder(nn_.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn_.ModuleList([nn_.Linear(2, 2, bias=False),
                                              nn_.Sequential(nn_.ReLU(), nn_.Linear(2, 1, bias=False))])

            def forward(self, x):
                return self.layers[1](self.layers[0](x))
        return Holder()

    model = build(nn)
    layers = model.layers
    assert getattr(layers, "1") is layers[1] and hasattr(layers, "0") and not hasattr(layers, "2")
    with pytest.raises(AttributeError, match="'ModuleList' object has no attribute '2'"):
        getattr(layers, "2")
    with ag.no_grad():
        layers[0].weight.copy_(ag.eye(2))
    w = ag.tensor([[2.0, -1.0]], requires_grad=True)
    out = functional_call(model, {"layers.1.1.weight": w}, (ag.tensor([[1.0, 3.0]]),))
    assert out.item() == -1.0 and layers[1][1].weight is not w  # the module's own weight is back after the call
    out.backward()
    assert w.grad.tolist() == [[1.0, 3.0]]
    torch = _torch()
    theirs = build(torch.nn)
    assert getattr(theirs.layers, "1") is theirs.layers[1] and not hasattr(theirs.layers, "2")
    with torch.no_grad():
        theirs.layers[0].weight.copy_(torch.eye(2))
    tw = torch.tensor([[2.0, -1.0]], requires_grad=True)
    theirs_out = torch.func.functional_call(theirs, {"layers.1.1.weight": tw}, (torch.tensor([[1.0, 3.0]]),))
    assert theirs_out.item() == -1.0
