"""Complex Values through the operations made ready for them at stop 52 (ops/complex.py's COMPLEX_READY and the
compositions built on it): values, gradients of real losses and forward-mode tangents against PyTorch in complex128,
gradients and tangents against central differences where PyTorch's own forward mode is wrong, and the refusals
in PyTorch's words where PyTorch 2.13 refuses complex inputs. tests/test_complex.py holds the convention itself."""

from __future__ import annotations

import numpy as np
import pytest

from gradient_helpers import central_gradients

import autograd_core as ag
from autograd_core.func import jvp as our_jvp

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(52)


def _complex(*shape):
    """Complex numbers away from the real axis (|Im| >= 0.1), where the branch cuts of log, sqrt, acos, ... lie."""
    imag = RNG.uniform(0.1, 1.5, shape) * RNG.choice([-1.0, 1.0], shape)
    return RNG.standard_normal(shape) + 1j * imag


Z, W = _complex(2, 3), _complex(2, 3)
X = RNG.standard_normal((2, 3))
ZS, WS = _complex(3, 3), _complex(3, 3)
ZB, WB = _complex(2, 3, 3), _complex(2, 3, 3)
V, U = _complex(4), _complex(4)
INDEX = np.array([[0, 2, 1], [1, 0, 0]])
MASK = np.array([[True, False, True], [False, True, True]])
ONE_ZERO = np.array([[1, 0, 1], [1, 1, 1]])
X4, W4 = _complex(2, 3, 5, 6), _complex(4, 3, 2, 3)  # images (N, C, H, W) and kernels (O, C, kh, kw)
X3, W3 = _complex(2, 3, 7), _complex(4, 3, 3)

ELEMENTWISE = {
    "sigmoid": lambda m, z: m.sigmoid(z), "sigmoid-method": lambda m, z: z.sigmoid(),
    "sigmoid-far": lambda m, z: m.sigmoid(z * 40), "special.expit": lambda m, z: m.special.expit(z),
    "sinh": lambda m, z: m.sinh(z), "cosh": lambda m, z: m.cosh(z), "tan": lambda m, z: m.tan(z),
    "asin": lambda m, z: m.asin(z), "acos": lambda m, z: m.acos(z), "atan": lambda m, z: m.atan(z),
    "asinh": lambda m, z: m.asinh(z), "acosh": lambda m, z: m.acosh(z), "atanh": lambda m, z: m.atanh(z),
    "arccos": lambda m, z: m.arccos(z),
    "log2": lambda m, z: m.log2(z), "log10": lambda m, z: m.log10(z), "log1p": lambda m, z: m.log1p(z),
    "expm1": lambda m, z: m.expm1(z), "expm1-small": lambda m, z: m.expm1(z * 1e-9),
    "reciprocal": lambda m, z: m.reciprocal(z), "rsqrt": lambda m, z: m.rsqrt(z), "square": lambda m, z: m.square(z),
    "sgn": lambda m, z: m.sgn(z), "sgn-zero": lambda m, z: (z * m.tensor(ONE_ZERO)).sgn(),
    "exp2": lambda m, z: m.exp2(z), "pow-scalar-base": lambda m, z: m.pow(2.0, z), "rpow": lambda m, z: (1 + 1j) ** z,
    "sinc": lambda m, z: m.sinc(z), "F.tanh": lambda m, z: m.nn.functional.tanh(z),
    "F.sigmoid": lambda m, z: m.nn.functional.sigmoid(z), "nn.Sigmoid": lambda m, z: m.nn.Sigmoid()(z),
    "F.softsign": lambda m, z: m.nn.functional.softsign(z), "F.tanhshrink": lambda m, z: m.nn.functional.tanhshrink(z),
}

CASES = {name: (fn, (Z,)) for name, fn in ELEMENTWISE.items()}
CASES.update({  # name -> (fn(m, *leaves), inputs)
    # binary elementwise
    "pow-z-w": (lambda m, z, w: z ** w, (Z, W)), "torch.pow": (lambda m, z, w: m.pow(z, w), (Z, W)),
    "float_power": (lambda m, z, w: m.float_power(z, w), (Z, W)),
    "true_divide": (lambda m, z, w: m.true_divide(z, w), (Z, W)), "div": (lambda m, z, x: m.div(z, x), (Z, X)),
    "lerp": (lambda m, z, w: m.lerp(z, w, 0.3), (Z, W)), "logaddexp": (lambda m, z, w: m.logaddexp(z, w), (Z, W)),
    "logaddexp-tie": (lambda m, z, w: m.logaddexp(z, z.real + 1j * w.imag), (Z, W)),
    "logaddexp-far": (lambda m, z, w: m.logaddexp(z * 300, w * 300), (Z, W)),
    "addcmul": (lambda m, z, w: m.addcmul(z, z, w, value=0.5), (Z, W)),
    "addcdiv": (lambda m, z, w: m.addcdiv(z, z, w, value=0.5), (Z, W)),
    # reductions and scans
    "prod": (lambda m, z: z.prod(), (Z,)), "prod-dim": (lambda m, z: z.prod(1), (Z,)),
    "prod-keepdim": (lambda m, z: z.prod(0, keepdim=True), (Z,)),
    "prod-a-zero": (lambda m, z: (z * m.tensor(ONE_ZERO)).prod(1), (Z,)),
    "prod-two-zeros": (lambda m, z: (z * m.tensor([[1, 0, 0], [1, 1, 1]])).prod(), (Z,)),
    "cumsum": (lambda m, z: z.cumsum(1), (Z,)), "torch.cumsum": (lambda m, z: m.cumsum(z, dim=0), (Z,)),
    "cumprod": (lambda m, z: z.cumprod(1), (Z,)), "cumprod-zero": (lambda m, z: (z * m.tensor(ONE_ZERO)).cumprod(1),
                                                                   (Z,)),
    "var": (lambda m, z: z.var(), (Z,)), "var-dim": (lambda m, z: z.var(1), (Z,)),
    "var-keepdim-correction0": (lambda m, z: z.var(0, keepdim=True, correction=0), (Z,)),
    "var-dims": (lambda m, z: m.var(z, dim=(0, 1)), (Z,)), "var-one": (lambda m, z: m.var(z[:, :1], dim=1), (Z,)),
    "std": (lambda m, z: z.std(), (Z,)), "std-dim-correction0": (lambda m, z: m.std(z, dim=1, correction=0), (Z,)),
    "var_mean": (lambda m, z: m.var_mean(z, 1)[0] + m.var_mean(z, 1)[1], (Z,)),
    "std_mean": (lambda m, z: m.std_mean(z, 1)[0] * m.std_mean(z, 1)[1], (Z,)),
    "mean-keepdim": (lambda m, z: z.mean(1, keepdim=True), (Z,)), "sum-dims": (lambda m, z: z.sum((0, 1), True), (Z,)),
    "logsumexp": (lambda m, z: m.logsumexp(z, 0), (Z,)), "logsumexp-all": (lambda m, z: m.logsumexp(z, (0, 1)), (Z,)),
    "logsumexp-large": (lambda m, z: m.logsumexp(z * 500, 1, keepdim=True), (Z,)),
    "logcumsumexp": (lambda m, z: m.logcumsumexp(z, 1), (Z,)), "logcumsumexp-0": (lambda m, z: m.logcumsumexp(z, 0),
                                                                                  (Z,)),
    "vector_norm": (lambda m, z: m.linalg.vector_norm(z), (Z,)),
    "vector_norm-1-dim": (lambda m, z: m.linalg.vector_norm(z, 1, dim=1), (Z,)),
    "vector_norm-3": (lambda m, z: m.linalg.vector_norm(z, 3), (Z,)),
    "vector_norm-inf": (lambda m, z: m.linalg.vector_norm(z, float("inf"), dim=0), (Z,)),
    "vector_norm-half-keepdim": (lambda m, z: m.linalg.vector_norm(z, 0.5, dim=0, keepdim=True), (Z,)),
    "norm-p1": (lambda m, z: z.norm(p=1), (Z,)), "norm-dim": (lambda m, z: z.norm(dim=1), (Z,)),
    "norm-fro": (lambda m, z: m.norm(z, "fro"), (Z,)), "linalg.norm": (lambda m, v: m.linalg.norm(v, 3), (V,)),
    "cov": (lambda m, z: m.cov(z), (Z,)), "corrcoef": (lambda m, z: m.corrcoef(z), (Z,)),
    "trapezoid": (lambda m, z: m.trapezoid(z), (Z,)), "diff": (lambda m, z: m.diff(z), (Z,)),
    # products
    "mm": (lambda m, z, w: m.mm(z, w), (ZS, WS)), "bmm": (lambda m, z, w: m.bmm(z, w), (ZB, WB)),
    "dot": (lambda m, v, u: m.dot(v, u), (V, U)), "vdot": (lambda m, v, u: m.vdot(v, u), (V, U)),
    "inner": (lambda m, z, w: m.inner(z, w), (Z, W)), "outer": (lambda m, v, u: m.outer(v, u), (V, U)),
    "mv": (lambda m, z, v: m.mv(z, v), (ZS, V[:3].copy())),
    "einsum": (lambda m, z, w: m.einsum("ij,kj->ik", z, w), (Z, W)),
    "einsum-trace": (lambda m, z: m.einsum("ii->", z), (ZS,)),
    "einsum-three": (lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), (ZS, WS, ZS)),
    "tensordot": (lambda m, z, w: m.tensordot(z, w, dims=([1], [1])), (Z, W)),
    "tensordot-2": (lambda m, a, b: m.tensordot(a, b, 2), (ZS, WS)),
    "kron": (lambda m, z, w: m.kron(z, w), (Z, W)), "trace": (lambda m, z: m.trace(z), (ZS,)),
    "addmm": (lambda m, z, a, b: m.addmm(z, a, b, beta=0.5, alpha=2), (ZS, WS, ZS)),
    "baddbmm": (lambda m, z, a, b: m.baddbmm(z, a, b), (ZB, WB, ZB)),
    "addmv": (lambda m, z, a, v: m.addmv(v, a, z[0]), (ZS, WS, V[:3].copy())),
    "addr": (lambda m, z, v, u: m.addr(z, v, u), (ZS, V[:3].copy(), U[:3].copy())),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), (Z, W)),
    "matrix_power": (lambda m, z: m.linalg.matrix_power(z, 3), (ZS,)),
    "mH": (lambda m, z: z.mH @ z, (Z,)), "H": (lambda m, z: z.H * 2, (Z,)),
    "adjoint": (lambda m, z: m.adjoint(z), (Z,)),
    # shape and indexing
    "flip": (lambda m, z: m.flip(z, (0, 1)), (Z,)), "roll": (lambda m, z: m.roll(z, 1, 1), (Z,)),
    "repeat": (lambda m, z: z.repeat(2, 1), (Z,)), "tile": (lambda m, z: m.tile(z, (2,)), (Z,)),
    "expand": (lambda m, z: z[:1].expand(3, 3), (Z,)),
    "squeeze-unsqueeze": (lambda m, z: z.unsqueeze(0).squeeze(0).unsqueeze(-1), (Z,)),
    "split": (lambda m, z: m.cat(z.split(1, dim=1)[::-1], 1), (Z,)), "chunk": (lambda m, z: z.chunk(2, 1)[0], (Z,)),
    "gather": (lambda m, z: m.gather(z, 1, m.tensor(INDEX)), (Z,)),
    "scatter": (lambda m, z, w: z.scatter(1, m.tensor(INDEX[:, :2]), w[:, :2]), (Z, W)),
    "scatter_add": (lambda m, z, w: z.scatter_add(1, m.tensor(INDEX), w), (Z, W)),
    "index_select": (lambda m, z: m.index_select(z, 1, m.tensor([2, 0, 2])), (Z,)),
    "index_add": (lambda m, z, w: z.index_add(1, m.tensor([0, 2, 0]), w), (Z, W)),
    "masked_fill": (lambda m, z: z.masked_fill(m.tensor(MASK), 1 + 2j), (Z,)),
    "masked_select": (lambda m, z: m.masked_select(z, m.tensor(MASK)), (Z,)),
    "masked_scatter": (lambda m, z, w: z.masked_scatter(m.tensor(MASK), w), (Z, W)),
    "take_along_dim": (lambda m, z: m.take_along_dim(z, m.tensor(INDEX), 1), (Z,)),
    "take": (lambda m, z: m.take(z, m.tensor([0, 4, 4])), (Z,)),
    "tril": (lambda m, z: m.tril(z), (ZS,)), "triu": (lambda m, z: m.triu(z, 1), (ZS,)),
    "diag": (lambda m, z: m.diag(z), (ZS,)), "diag-vector": (lambda m, v: m.diag(v), (V,)),
    "diagonal": (lambda m, z: m.diagonal(z, 1), (ZS,)), "diagonal-3d": (lambda m, z: m.diagonal(z, 0, 1, 2), (ZB,)),
    "diag_embed": (lambda m, z: m.diag_embed(z, 1), (Z,)),
    "diagonal_scatter": (lambda m, z, w: m.diagonal_scatter(z, w[0], 0), (ZS, WS)),
    "pad": (lambda m, z: m.nn.functional.pad(z, (1, 0, 0, 1), value=2.0), (Z,)),
    "pad-reflect": (lambda m, z: m.nn.functional.pad(z[None], (1, 1), mode="reflect"), (Z,)),
    "pad-circular": (lambda m, z: m.nn.functional.pad(z[None], (1, 1), mode="circular"), (Z,)),
    "narrow": (lambda m, z: z.narrow(1, 1, 2), (Z,)), "unfold": (lambda m, z: z.unfold(1, 2, 1), (Z,)),
    "unfold-rows": (lambda m, z: z.unfold(0, 2, 1), (ZS,)),
    "contiguous": (lambda m, z: z.t().contiguous(), (Z,)),
    "as_strided": (lambda m, z: m.as_strided(z, (2, 2), (1, 2)), (Z,)),
    "cat-real-complex": (lambda m, z, x: m.cat([z, x]), (Z, X)), "cat-complex-real": (lambda m, x, z: m.cat([x, z], 1),
                                                                                       (X, Z)),
    "stack-real-complex": (lambda m, z, x: m.stack([z, x]), (Z, X)),
    "movedim-rot90": (lambda m, z: m.rot90(m.movedim(z, 0, 1)), (Z,)),
    "index-advanced": (lambda m, z: z[m.tensor([1, 0, 1]), m.tensor([2, 2, 0])], (Z,)),
    "index_fill": (lambda m, z: z.index_fill(1, m.tensor([0, 2]), 1 - 1j), (Z,)),
    # nn.functional
    "F.linear": (lambda m, x, w: m.nn.functional.linear(x, w), (Z, W)),
    "F.linear-bias": (lambda m, x, w, b: m.nn.functional.linear(x, w, b), (Z, W, V[:2].copy())),
    "F.linear-3d": (lambda m, x, w: m.nn.functional.linear(x, w), (ZB, WB[0])),
    "F.dropout-eval": (lambda m, z: m.nn.functional.dropout(z, 0.5, training=False), (Z,)),
    "F.normalize": (lambda m, z: m.nn.functional.normalize(z), (Z,)),
    "F.normalize-p1": (lambda m, z: m.nn.functional.normalize(z, p=1.0, dim=0), (Z,)),
    "F.pairwise_distance": (lambda m, z, w: m.nn.functional.pairwise_distance(z, w), (Z, W)),
    "F.l1_loss": (lambda m, z, w: m.nn.functional.l1_loss(z, w), (Z, W)),
    "F.conv2d": (lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, stride=(1, 2), padding=1),
                 (X4, W4, W4[:, 0, 0, 0])),
    "F.conv2d-groups-dilation": (lambda m, x, w: m.nn.functional.conv2d(x[:, :2], w[:2, :1], groups=2, dilation=(2, 1)),
                                 (X4, W4)),
    "F.conv2d-real-input": (lambda m, x, w: m.nn.functional.conv2d(x.real.to(w.dtype), w), (X4, W4)),
    "F.conv1d-same": (lambda m, x, w: m.nn.functional.conv1d(x, w, padding="same"), (X3, W3)),
    "F.conv3d": (lambda m, x, w: m.nn.functional.conv3d(x[:, :, None].expand(2, 3, 2, 5, 6), w[:, :, None]), (X4, W4)),
    "F.conv_transpose2d": (lambda m, x, w: m.nn.functional.conv_transpose2d(x, w.transpose(0, 1)[:3], stride=2),
                           (X4, W4)),
    "F.conv_transpose1d": (lambda m, x, w: m.nn.functional.conv_transpose1d(x, w.transpose(0, 1)[:3], stride=2,
                                                                             output_padding=1), (X3, W3)),
    "F.adaptive_avg_pool2d": (lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 1), (X4,)),
    "F.pixel_shuffle": (lambda m, x: m.nn.functional.pixel_shuffle(x[:, :1].expand(2, 4, 5, 6), 2), (X4,)),
    "F.unfold": (lambda m, x: m.nn.functional.unfold(x, 2), (X4,)),
})

# PyTorch 2.13's forward mode is wrong for these (its tangents disagree with central differences, which ours match:
# test_tangents_match_finite_differences): x ** w for real x and complex w keeps only the real part of x's tangent,
# and logcumsumexp's complex tangent misses its prefix weights.
TORCH_JVP_WRONG = {
    "pow-real-base": (lambda m, x, w: x.abs() ** w, (X, W)),
    "logcumsumexp-large": (lambda m, z: m.logcumsumexp(z * 300, 1), (Z,)),
}
CASES.update(TORCH_JVP_WRONG)


def _numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().resolve_neg().numpy()
    return np.asarray(t.data if isinstance(t, ag.Value) else t)


def _real_loss(m, out, weights):
    w = m.tensor(weights[: out.numel()].reshape(tuple(out.shape)))
    return (out * w).real.sum() if out.is_complex() else (out * w.real).sum()


def _run(m, fn, inputs, weights):
    leaves = [m.tensor(x, requires_grad=True) for x in inputs]
    out = fn(m, *leaves)
    _real_loss(m, out, weights).backward()
    return out, [leaf.grad for leaf in leaves]


def _tangents(inputs):
    return [RNG.standard_normal(x.shape) + (1j * RNG.standard_normal(x.shape) if np.iscomplexobj(x) else 0)
            for x in inputs]


def _close(ours, theirs, rtol=1e-9):
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=rtol, atol=1e-11)


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_pytorch(name):
    fn, inputs = CASES[name]
    weights = RNG.standard_normal(4096) + 1j * RNG.standard_normal(4096)
    ours, our_grads = _run(ag, fn, inputs, weights)
    theirs, their_grads = _run(torch, fn, inputs, weights)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    _close(ours, theirs)
    for mine, expected in zip(our_grads, their_grads):
        assert np.asarray(mine).dtype == _numpy(expected).dtype  # a real leaf's gradient is real
        _close(mine, expected)


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")  # no tangent loses an imaginary part silently
@pytest.mark.parametrize("name", [name for name in CASES if name not in TORCH_JVP_WRONG])
def test_tangents_match_pytorch(name):
    fn, inputs = CASES[name]
    tangents = _tangents(inputs)
    ours = our_jvp(lambda *a: fn(ag, *a), tuple(map(ag.tensor, inputs)), tuple(map(ag.tensor, tangents)))[1]
    theirs = torch.func.jvp(lambda *a: fn(torch, *a), tuple(map(torch.tensor, inputs)),
                            tuple(map(torch.tensor, tangents)))[1]
    _close(ours, theirs)


@pytest.mark.parametrize("name", list(TORCH_JVP_WRONG) + ["acosh", "logaddexp", "var", "sgn", "cov", "F.normalize"])
def test_tangents_match_finite_differences(name):
    fn, inputs = CASES[name]
    tangents = _tangents(inputs)
    ours = our_jvp(lambda *a: fn(ag, *a), tuple(map(ag.tensor, inputs)), tuple(map(ag.tensor, tangents)))[1]

    def at(step):
        return _numpy(fn(ag, *[ag.tensor(x + step * t) for x, t in zip(inputs, tangents)]))

    eps = 1e-6
    np.testing.assert_allclose(_numpy(ours), (at(eps) - at(-eps)) / (2 * eps), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(ELEMENTWISE) + ["var", "prod-a-zero", "cumprod", "logsumexp", "logcumsumexp",
                                                      "logaddexp", "F.normalize", "corrcoef", "pow-z-w"])
def test_gradients_match_finite_differences(name):
    """z.grad = ∂L/∂Re z + i·∂L/∂Im z of L = Σ|f(z)|², by central differences: every quadrant of the plane, both
    sides of each branch cut (acosh's derivative once had the wrong sign where Re z < 0)."""
    fn, inputs = CASES[name]

    def loss(*arrays):
        return float((fn(ag, *[ag.tensor(a) for a in arrays]).abs() ** 2).sum().data)

    leaves = [ag.tensor(x, requires_grad=True) for x in inputs]
    (fn(ag, *leaves).abs() ** 2).sum().backward()
    for leaf, expected in zip(leaves, central_gradients(loss, inputs)):  # every input here is complex
        np.testing.assert_allclose(np.asarray(leaf.grad), expected, rtol=1e-5, atol=1e-6)


def test_second_derivatives_match_pytorch():
    """create_graph through the rules made ready here (sigmoid, var, prod, cumprod, logsumexp, einsum)."""
    results = []
    for m in (ag, torch):
        z = m.tensor(Z, requires_grad=True)
        f = (m.sigmoid(z).prod(1).abs() ** 2).sum() + z.var() + m.logsumexp(m.einsum("ij,kj->ik", z, z), 1).real.sum()
        (g,) = m.autograd.grad(f + z.cumprod(1).imag.sum(), [z], create_graph=True)
        (gg,) = m.autograd.grad((g * m.tensor(W)).real.sum(), [z])
        results.append((_numpy(g), _numpy(gg)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_sigmoid_stays_finite_far_left():
    """PyTorch's complex sigmoid, 1/(1 + e^(−z)), is NaN where Re z < −710; ours takes the stable branch there."""
    out = ag.sigmoid(ag.tensor([-800 + 1j, 800 - 1j], dtype=ag.complex128)).data
    np.testing.assert_allclose(out, [0, 1], atol=1e-300)


def test_nan_to_num_replaces_parts_without_a_gradient():
    z0 = np.array([complex("nan+1j"), complex("inf-infj"), 1 + 2j, complex("1+nanj")])
    for kwargs in ({}, dict(nan=2.0, posinf=3.0, neginf=-4.0)):
        np.testing.assert_array_equal(ag.nan_to_num(ag.tensor(z0), **kwargs).data,
                                      torch.nan_to_num(torch.tensor(z0), **kwargs).numpy())
    with pytest.raises(RuntimeError, match="nan_to_num does not support automatic differentiation for outputs with "
                                           "complex dtype"):
        ag.nan_to_num(ag.tensor(z0, requires_grad=True))


def test_mixed_real_complex_products_promote():
    """PyTorch refuses real @ complex ("expected m1 and m2 to have the same dtype"); this library promotes, as it does
    float32 @ float64 (docs/coming-from-pytorch.md), and the real operand's gradient is real."""
    x = ag.tensor(X, requires_grad=True)
    w = ag.tensor(W, requires_grad=True)
    out = x @ w.T
    assert out.dtype == ag.complex128
    (out * out).real.sum().backward()
    assert x.grad.dtype == np.float64 and w.grad.dtype == np.complex128
    tx, tw = torch.tensor(X, dtype=torch.complex128, requires_grad=True), torch.tensor(W, requires_grad=True)
    t_out = tx @ tw.T
    (t_out * t_out).real.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.real.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-10)


REFUSED = {  # PyTorch 2.13 refuses these for complex inputs; so do we, in its words
    "sign": lambda m, z: m.sign(z), "clamp_min": lambda m, z: z.clamp_min(0),
    "hardtanh": lambda m, z: m.nn.functional.hardtanh(z), "relu6": lambda m, z: m.nn.functional.relu6(z),
    "leaky_relu": lambda m, z: m.nn.functional.leaky_relu(z), "gelu": lambda m, z: m.nn.functional.gelu(z),
    "softplus": lambda m, z: m.nn.functional.softplus(z), "elu": lambda m, z: m.nn.functional.elu(z),
    "mish": lambda m, z: m.nn.functional.mish(z), "hardswish": lambda m, z: m.nn.functional.hardswish(z),
    "glu": lambda m, z: m.nn.functional.glu(z, 0),
    "dropout": lambda m, z: m.nn.functional.dropout(z, 0.5), "Dropout": lambda m, z: m.nn.Dropout(0.3)(z),
    "mse_loss": lambda m, z: m.nn.functional.mse_loss(z, z),
    "mse_loss-real-input": lambda m, z: m.nn.functional.mse_loss(z.real, z),
    "smooth_l1_loss": lambda m, z: m.nn.functional.smooth_l1_loss(z, z),
    "huber_loss": lambda m, z: m.nn.functional.huber_loss(z, z),
    "cosine_similarity": lambda m, z: m.nn.functional.cosine_similarity(z, z),
    "cosine_similarity-real-first": lambda m, z: m.nn.functional.cosine_similarity(z.real, z),
    "cdist-x1": lambda m, z: m.cdist(z, z.real), "cdist-x2": lambda m, z: m.cdist(z.real, z),
    "nansum": lambda m, z: m.nansum(z), "nanmean": lambda m, z: m.nanmean(z),
    "erf": lambda m, z: m.erf(z), "erfinv": lambda m, z: m.erfinv(z), "lgamma": lambda m, z: m.lgamma(z),
    "xlogy": lambda m, z: m.xlogy(z, z), "round": lambda m, z: m.round(z), "logit": lambda m, z: m.logit(z),
    "logaddexp2": lambda m, z: m.logaddexp2(z, z), "special.entr": lambda m, z: m.special.entr(z),
    "max_pool2d": lambda m, z: m.nn.functional.max_pool2d(z[None], 2),
    "max_pool1d": lambda m, z: m.nn.functional.max_pool1d(z, 2),
    "max_pool3d": lambda m, z: m.nn.functional.max_pool3d(z[None, None], (1, 2, 2)),
    "avg_pool2d": lambda m, z: m.nn.functional.avg_pool2d(z[None], 2),
    "avg_pool1d": lambda m, z: m.nn.functional.avg_pool1d(z, 2),
    "avg_pool3d": lambda m, z: m.nn.functional.avg_pool3d(z[None, None], (1, 2, 2)),
    "adaptive_max_pool2d": lambda m, z: m.nn.functional.adaptive_max_pool2d(z[None], 1),
    "adaptive_max_pool1d": lambda m, z: m.nn.functional.adaptive_max_pool1d(z, 1),
    "MaxPool2d": lambda m, z: m.nn.MaxPool2d(2)(z[None]),
}


@pytest.mark.parametrize("name", list(REFUSED))
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_refusals_in_pytorchs_words(name, dtype):
    fn = REFUSED[name]
    with pytest.raises(RuntimeError) as theirs:
        fn(torch, torch.tensor(Z, dtype=getattr(torch, dtype)))
    with pytest.raises(RuntimeError) as ours:
        fn(ag, ag.tensor(Z, dtype=getattr(ag, dtype)))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


def test_numpy_float_next_to_a_complex_value_keeps_its_precision():
    """np.float64(0.4) times a complex128 Value was rounded to float32 first (the default float dtype, meant for
    NumPy floats next to integers): var's second derivatives were off by 1e-8."""
    z = ag.tensor(Z)
    np.testing.assert_array_equal((z * np.float64(0.4)).data, Z * 0.4)
    assert (ag.ones(2, dtype=ag.int64) * np.float64(0.4)).dtype == ag.float32  # PyTorch's: a Python float
