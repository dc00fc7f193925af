"""F.affine_grid and F.grid_sample (4-D and 5-D; bilinear/trilinear and nearest; zeros, border and reflection padding;
both align_corners): against torch in float64 (outputs, the input's, the grid's and theta's gradients), finite
differences, forward mode and a compiled spatial-transformer training step."""

import itertools

import numpy as np
import pytest
from nn_helpers import assert_compiled_training_matches_eager, rand

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

F64 = np.float64


def compare(ours, theirs, arrays, seed=4):
    """ours(*Values) and theirs(*tensors) of the same arrays: the outputs and every array's gradient."""
    torch = pytest.importorskip("torch")
    vs = [Value(a.copy()) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*vs), theirs(*ts)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-13)
    w = rand(*y.shape, seed=seed)
    (y * w).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for v, t in zip(vs, ts):
        grad = np.zeros_like(v.data) if v.grad is None else v.grad  # nearest: the grid is not in the graph
        np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("nd,align", list(itertools.product((2, 3), (False, True))), ids=str)
def test_affine_grid_matches_torch(nd, align):
    torch = pytest.importorskip("torch")
    size = (2, 3, 4, 5) if nd == 2 else (2, 3, 3, 4, 2)
    compare(lambda t: F.affine_grid(t, size, align), lambda t: torch.nn.functional.affine_grid(t, size, align),
            [rand(2, nd, nd + 1)])


def sample_points(nd, seed=1):
    grid = np.random.default_rng(seed).uniform(-1.3, 1.3, size=(2, 3, 4, 2) if nd == 2 else (2, 2, 3, 2, 3))
    grid[0, 0, 0] = 0.0   # the centre, and points on pixel centres and on the border
    grid[0, 0, 1] = 1.0
    grid[1, 1, 1] = -1.0
    return grid


GRID_CASES = list(itertools.product((2, 3), ("bilinear", "nearest"), ("zeros", "border", "reflection"),
                                    (False, True)))


@pytest.mark.parametrize("nd,mode,padding_mode,align", GRID_CASES, ids=str)
def test_grid_sample_matches_torch(nd, mode, padding_mode, align):
    torch = pytest.importorskip("torch")
    x = rand(2, 3, 4, 5) if nd == 2 else rand(2, 2, 3, 4, 3)
    compare(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align),
            lambda x, g: torch.nn.functional.grid_sample(x, g, mode, padding_mode, align), [x, sample_points(nd)])


def test_spatial_transformer_matches_torch_through_theta():
    torch = pytest.importorskip("torch")
    x = rand(2, 2, 5, 6)

    def ours(x, theta):
        return F.grid_sample(x, F.affine_grid(theta, (2, 2, 4, 3), False), padding_mode="reflection")

    def theirs(x, theta):
        grid = torch.nn.functional.affine_grid(theta, (2, 2, 4, 3), False)
        return torch.nn.functional.grid_sample(x, grid, padding_mode="reflection", align_corners=False)

    compare(ours, theirs, [x, np.array([[[1.1, 0.2, 0.1], [-0.3, 0.9, 0.05]], [[0.8, -0.1, -0.2], [0.4, 1.2, 0.3]]])])


def test_grid_sample_finite_differences_and_forward_mode():
    x, grid = rand(1, 2, 3, 4), np.random.default_rng(3).uniform(-0.9, 0.9, size=(1, 2, 3, 2))
    for padding_mode in ("zeros", "border", "reflection"):
        def fn(x, g, padding_mode=padding_mode):
            return F.grid_sample(x, g, padding_mode=padding_mode, align_corners=True)

        gradcheck(fn, [x, grid])
        jac = [ag.jacfwd(lambda g: fn(Value(x), g))(Value(grid)), ag.jacrev(lambda g: fn(Value(x), g))(Value(grid))]
        np.testing.assert_allclose(jac[0], jac[1], rtol=1e-12, atol=1e-13)
    volume, points = rand(1, 1, 2, 3, 2), np.random.default_rng(4).uniform(-0.9, 0.9, size=(1, 1, 2, 2, 3))
    gradcheck(lambda x, g: F.grid_sample(x, g), [volume, points])
    gradcheck(lambda t: F.affine_grid(t, (1, 1, 2, 3, 2)), [rand(1, 3, 4)])


def test_grid_sample_in_a_compiled_training_step():
    def make():
        rng = np.random.default_rng(0)
        locate = nn.Linear(12, 6, rng=rng, dtype=F64)
        head = nn.Linear(2 * 3 * 3, 2, rng=rng, dtype=F64)
        return locate, head, ag.optim.SGD(list(locate.parameters()) + list(head.parameters()), lr=0.1)

    def step(locate, head, opt, x, y):
        opt.zero_grad()
        theta = locate(x.reshape((x.shape[0], -1))).reshape((x.shape[0], 2, 3))
        sampled = F.grid_sample(x, F.affine_grid(theta, (x.shape[0], 2, 3, 3), False))
        loss = F.cross_entropy(head(sampled.reshape((x.shape[0], -1))), y)
        loss.backward()
        opt.step()
        return loss

    rng = np.random.default_rng(1)
    batches = [(Value(rng.normal(size=(3, 2, 2, 3)), requires_grad=False), ag.tensor(rng.integers(0, 2, 3)))
               for _ in range(4)]
    assert_compiled_training_matches_eager(make, step, batches)


def test_grid_sample_and_affine_grid_errors():
    x = Value(rand(1, 1, 3, 3))
    with pytest.raises(ValueError, match="mode"):
        F.grid_sample(x, np.zeros((1, 2, 2, 2)), mode="area")
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(x, np.zeros((1, 2, 2, 2)), padding_mode="circular")
    with pytest.raises(ValueError, match="grid"):
        F.grid_sample(x, np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(Value(rand(1, 3, 4)), (1, 1, 3, 3))
    with pytest.raises(NotImplementedError, match="4D and 5D"):
        F.affine_grid(Value(rand(1, 2, 3)), (1, 1, 3))
