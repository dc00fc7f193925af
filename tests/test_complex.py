"""Complex Values (ops/complex.py, ops/fft.py, fft.py): creation, dtypes and promotion, each operation's values and
gradients against PyTorch (complex128 / float64) and finite differences, the gradient convention at the engine's
boundary (hooks, autograd.grad, gradient=), Meta's LLaMA rotary embeddings run unchanged, torch.fft over n/s, dim
and norm, and the refusals of the operations not made ready for complex inputs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from gradient_helpers import central_gradients

import autograd_core as ag
from autograd_core.ops.complex import complex_refusal

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
Z0 = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))
W0 = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))
X0 = RNG.standard_normal((2, 3))


def _numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return np.asarray(t.data if isinstance(t, ag.Value) else t)


def _real_loss(m, out, weights):
    """A real scalar of `out` (complex or real) with fixed weights, written the same way for both libraries."""
    w = m.tensor(weights[: out.numel()].reshape(tuple(out.shape)))
    if out.is_complex():
        return (out * w).real.sum()
    return (out * w.real).sum()


def _both(fn, *inputs):
    """fn run on autograd_core and on PyTorch with leaves made from `inputs` (NumPy arrays; complex ones complex):
    (ours, theirs) as (output, [gradients of a real loss])."""
    weights = RNG.standard_normal(64) + 1j * RNG.standard_normal(64)
    results = []
    for m in (ag, torch):
        leaves = [m.tensor(x, requires_grad=True) for x in inputs]
        out = fn(m, *leaves)
        _real_loss(m, out, weights).backward()
        results.append((out, [leaf.grad for leaf in leaves]))
    return results


OPS = {  # name -> (fn(m, *leaves), inputs)
    "add": (lambda m, z, w: z + w, (Z0, W0)),
    "sub-real": (lambda m, z, x: z - x, (Z0, X0)),
    "mul": (lambda m, z, w: z * w, (Z0, W0)),
    "mul-real": (lambda m, x, z: x * z, (X0, Z0)),
    "div": (lambda m, z, w: z / w, (Z0, W0)),
    "pow-2": (lambda m, z: z ** 2, (Z0,)),
    "pow-half": (lambda m, z: z ** 0.5, (Z0,)),
    "pow-complex": (lambda m, z: z ** (1 + 0.5j), (Z0,)),
    "mul-number": (lambda m, z: 2.5 * z - 1j * z + 3, (Z0,)),
    "neg": (lambda m, z: -z, (Z0,)),
    "exp": (lambda m, z: z.exp(), (Z0,)),
    "log": (lambda m, z: m.log(z), (Z0,)),
    "sqrt": (lambda m, z: m.sqrt(z), (Z0,)),
    "tanh": (lambda m, z: m.tanh(z), (Z0,)),
    "sin-cos": (lambda m, z: m.sin(z) * m.cos(z), (Z0,)),
    "abs": (lambda m, z: z.abs(), (Z0,)),
    "abs-squared": (lambda m, z: z.abs() ** 2, (Z0,)),
    "angle": (lambda m, z: z.angle(), (Z0,)),
    "angle-real": (lambda m, x: m.angle(x), (X0,)),
    "real": (lambda m, z: z.real * 2, (Z0,)),
    "imag": (lambda m, z: z.imag * 2, (Z0,)),
    "torch.real-imag": (lambda m, z: m.real(z) * m.imag(z), (Z0,)),
    "conj": (lambda m, z: z.conj() * z.exp(), (Z0,)),
    "conj_physical": (lambda m, z: m.conj_physical(z) * 2, (Z0,)),
    "resolve_conj": (lambda m, z: m.resolve_conj(z.conj()) + 1, (Z0,)),
    "complex": (lambda m, x, y: m.complex(x, y) ** 2, (X0, X0[::-1].copy())),
    "polar": (lambda m, r, t: m.polar(r, t) ** 2, (np.abs(X0) + 0.5, X0)),
    "view_as_real": (lambda m, z: m.view_as_real(z * z), (Z0,)),
    "view_as_complex": (lambda m, x: m.view_as_complex(x) ** 2, (RNG.standard_normal((3, 2)),)),
    "to-complex": (lambda m, x: x.to(m.complex128) * (1 + 2j), (X0,)),
    "to-real": (lambda m, z: z.to(m.float64) if m is ag else z.real.to(m.float64), (Z0,)),
    "type_as": (lambda m, x, z: x.type_as(z) * z, (X0, Z0)),
    "sum": (lambda m, z: z.sum(1) * z.sum(), (Z0,)),
    "mean": (lambda m, z: z.mean(0) * z.mean(), (Z0,)),
    "reshape-flatten-view": (lambda m, z: z.reshape(3, 2).flatten().view(2, 3) * 2, (Z0,)),
    "permute-transpose": (lambda m, z: z[None].permute(2, 0, 1).transpose(0, 2) * z.t()[:, :, None].sum(), (Z0,)),
    "index": (lambda m, z: z[1, ::2] * z[:, 1], (Z0[:, :2].copy(),)),
    "cat-stack": (lambda m, z, w: m.cat([z, w]) * m.stack([z, w]).sum(0).repeat(2, 1), (Z0, W0)),
    "matmul": (lambda m, z, w: z @ w.T, (Z0, W0)),
    "vdot": (lambda m, z, w: m.vdot(z[0], w[0]), (Z0, W0)),
    "norm": (lambda m, z: z.norm(), (Z0,)),
}


@pytest.mark.parametrize("name", list(OPS))
def test_values_and_gradients_match_pytorch(name):
    fn, inputs = OPS[name]
    (ours, our_grads), (theirs, their_grads) = _both(fn, *inputs)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-10, atol=1e-12)
    for mine, expected in zip(our_grads, their_grads):
        assert mine.dtype == _numpy(expected).dtype  # a real leaf gets a real gradient, a complex leaf a complex one
        np.testing.assert_allclose(np.asarray(mine), _numpy(expected), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["mul", "div", "abs", "angle", "conj", "imag", "polar", "view_as_real", "exp"])
def test_gradients_match_finite_differences(name):
    """z.grad = ∂L/∂Re z + i·∂L/∂Im z for a real loss L (PyTorch's convention), by central differences."""
    fn, inputs = OPS[name]
    weights = RNG.standard_normal(64) + 1j * RNG.standard_normal(64)

    def loss(*arrays):
        return float(_real_loss(ag, fn(ag, *[ag.tensor(a) for a in arrays]), weights).data)

    leaves = [ag.tensor(x, requires_grad=True) for x in inputs]
    _real_loss(ag, fn(ag, *leaves), weights).backward()
    for leaf, expected in zip(leaves, central_gradients(loss, inputs)):
        np.testing.assert_allclose(np.asarray(leaf.grad), expected, rtol=1e-5, atol=1e-7)


def test_gradient_convention_is_pytorchs():
    z = ag.tensor([1 + 2j, 3 - 1j], dtype=ag.complex128, requires_grad=True)
    (z.abs() ** 2).sum().backward()
    np.testing.assert_allclose(z.grad, [2 + 4j, 6 - 2j])  # 2z
    z.grad = None
    (z * z).real.sum().backward()
    np.testing.assert_allclose(z.grad, [2 - 4j, 6 + 2j])  # conj(2z): PyTorch's g·conj(f'(z))


def test_hooks_autograd_grad_and_gradient_argument_see_pytorchs_gradient():
    seen = {}
    for m in (ag, torch):
        z = m.tensor(Z0, requires_grad=True)
        w = z * (2 - 1j)
        w.register_hook(lambda g, m=m: seen.__setitem__(m.__name__, _numpy(g).copy()))
        u = w.exp()
        (g_z,) = m.autograd.grad((u.abs() ** 2).sum(), [z], retain_graph=True)
        seen[m.__name__ + " grad"] = _numpy(g_z)
        z2 = m.tensor(Z0, requires_grad=True)
        (z2 * z2).backward(m.tensor(W0))  # a complex output with its gradient given
        seen[m.__name__ + " backward"] = _numpy(z2.grad)
    for key in ("", " grad", " backward"):
        np.testing.assert_allclose(seen["autograd_core" + key], seen["torch" + key], rtol=1e-10)


def test_hook_may_replace_a_complex_gradient():
    for m in (ag, torch):
        z = m.tensor(Z0, requires_grad=True)
        w = z * 2
        w.register_hook(lambda g: g * 1j)
        (w.abs() ** 2).sum().backward()
        if m is ag:
            ours = np.asarray(z.grad)
    np.testing.assert_allclose(ours, _numpy(z.grad), rtol=1e-10)


def test_complex_output_needs_a_gradient():
    z = ag.tensor(1 + 1j, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for real scalar outputs"):
        (z * 2).backward()


def test_create_graph_through_complex_operations():
    """Second derivatives of a real function of complex numbers, as PyTorch's double backward."""
    results = []
    for m in (ag, torch):
        z = m.tensor(Z0, requires_grad=True)
        (g,) = m.autograd.grad(((z * z).exp().abs() ** 2).sum(), [z], create_graph=True)
        (gg,) = m.autograd.grad((g * m.tensor(W0)).real.sum(), [z])
        results.append((_numpy(g), _numpy(gg)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_forward_mode_matches_pytorch():
    from autograd_core.func import jvp as our_jvp

    def f(m):
        return lambda z: (m.view_as_real(z * z.exp()).sum(-1) * m.angle(z) + z.abs()).sum()

    t0 = W0
    ours = our_jvp(f(ag), (ag.tensor(Z0),), (ag.tensor(t0),))
    theirs = torch.func.jvp(f(torch), (torch.tensor(Z0),), (torch.tensor(t0),))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_numpy(a), _numpy(b), rtol=1e-10)


# ----------------------------------------------------------------------------------------------------
# Creation, dtypes, promotion, printing.


def test_dtype_names_and_creation():
    assert ag.complex64 == ag.cfloat == np.complex64 and ag.complex128 == ag.cdouble == np.complex128
    assert ag.tensor(1 + 2j).dtype == ag.complex64  # a Python complex: the default complex dtype, as PyTorch's
    assert ag.tensor([1 + 2j, 3]).dtype == ag.complex64
    assert ag.tensor(np.array([1 + 2j])).dtype == ag.complex128  # NumPy data keeps its dtype
    assert ag.tensor([1.5, 2], dtype=ag.cdouble).dtype == ag.complex128
    z = ag.tensor([1 + 2j], requires_grad=True)
    assert z.is_complex() and ag.is_complex(z) and not ag.is_complex(ag.tensor([1.0]))
    assert not z.is_conj() and z.is_floating_point() is False
    assert ag.Value(np.array([1j])).dtype == np.complex128


def test_chalf_is_refused_clearly():
    with pytest.raises(TypeError, match="complex32"):
        ag.tensor([1.0]).to(ag.chalf)
    with pytest.raises(TypeError, match="complex32"):
        ag.tensor([1.0], dtype=ag.float16) * 1j


def test_repr_shows_the_complex_numbers():
    assert repr(ag.tensor([1 + 2j, 3 - 1j], dtype=ag.complex128)) == \
        "Value([1.+2.j, 3.-1.j], shape=(2,), dtype=complex128, requires_grad=False)"
    assert "1+2j" in repr(ag.tensor(1 + 2j))


@pytest.mark.parametrize("make", [
    lambda m: m.ones(2) * 1j, lambda m: m.ones(2, dtype=m.float64) * 1j, lambda m: m.ones(2, dtype=m.int64) * 1j,
    lambda m: m.ones(2).to(m.complex64) * 2.0, lambda m: m.ones(2).to(m.complex64) * m.ones(2, dtype=m.float64),
    lambda m: m.ones(2).to(m.complex64) * m.tensor(1.0, dtype=m.float64),
    lambda m: m.ones(2, dtype=m.float64) * m.tensor(1j, dtype=m.complex64),
    lambda m: m.ones(2) * m.tensor(1j, dtype=m.complex128), lambda m: m.ones(2) * m.ones(2).to(m.complex128),
    lambda m: m.ones(2).to(m.complex64) + m.ones(2, dtype=m.int64),
])
def test_promotion_matches_pytorch(make):
    assert str(make(ag).dtype) == str(make(torch).dtype).removeprefix("torch.")


def test_real_views_and_parts():
    z = ag.tensor(Z0)
    np.testing.assert_array_equal(z.real.data, Z0.real)
    np.testing.assert_array_equal(z.imag.data, Z0.imag)
    assert z.real.dtype == ag.float64
    x = ag.tensor([1.0])
    assert x.real is x and x.conj() is x
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        _ = x.imag
    with pytest.raises(RuntimeError, match="view_as_real is only supported for complex tensors"):
        ag.view_as_real(x)
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension of size 2"):
        ag.view_as_complex(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="Expected object of scalar type Double but got scalar type Float"):
        ag.complex(ag.ones(2, dtype=ag.float64), ag.ones(2))


# ----------------------------------------------------------------------------------------------------
# Meta's LLaMA rotary embeddings (llama/model.py), unchanged, with `import autograd_core as torch`.

LLAMA_ROPE = '''
from typing import Tuple


def precompute_freqs_cis(dim: int, end: int, theta: float = 10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device)  # type: ignore
    freqs = torch.outer(t, freqs).float()  # type: ignore
    freqs_cis = torch.polar(torch.ones_like(freqs), freqs)  # complex64
    return freqs_cis


def reshape_for_broadcast(freqs_cis: torch.Tensor, x: torch.Tensor):
    ndim = x.ndim
    assert 0 <= 1 < ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def apply_rotary_emb(
    xq: torch.Tensor,
    xk: torch.Tensor,
    freqs_cis: torch.Tensor,
) -> Tuple[torch.Tensor, torch.Tensor]:
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)
'''


def _llama(module):
    namespace = {"torch": module}
    exec(compile(LLAMA_ROPE, "llama/model.py", "exec"), namespace)
    return namespace


def test_llama_rotary_embeddings_run_unchanged_and_match_pytorch():
    bsz, seqlen, heads, head_dim, start = 2, 5, 3, 8, 2
    xq0, xk0, w0 = (RNG.standard_normal((bsz, seqlen, heads, head_dim)) for _ in range(3))
    results = {}
    for m in (ag, torch):
        llama = _llama(m)
        freqs_cis = llama["precompute_freqs_cis"](head_dim, 16)[start:start + seqlen]
        xq, xk = m.tensor(xq0, requires_grad=True), m.tensor(xk0, requires_grad=True)
        q, k = llama["apply_rotary_emb"](xq, xk, freqs_cis=freqs_cis)
        ((q * m.tensor(w0)).sum() + (q * k).sum()).backward()
        results[m] = [freqs_cis, q, k, xq.grad, xk.grad]
    ours, theirs = results[ag], results[torch]
    assert ours[0].dtype == ag.complex64 and ours[1].dtype == ours[3].dtype == ag.float64
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_numpy(a), _numpy(b), rtol=2e-6, atol=2e-6)  # xq.float(): float32 inside


# ----------------------------------------------------------------------------------------------------
# torch.fft

_FFT_INPUTS = {"complex": Z0.repeat(2, axis=1), "real": RNG.standard_normal((3, 6)),
               "half": RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))}
FFT_CASES = []
for _norm in (None, "backward", "ortho", "forward"):
    for _n in (None, 4, 9):
        FFT_CASES += [("fft", "complex", dict(n=_n, norm=_norm)), ("fft", "real", dict(n=_n, dim=0, norm=_norm)),
                      ("ifft", "complex", dict(n=_n, norm=_norm)), ("rfft", "real", dict(n=_n, norm=_norm)),
                      ("irfft", "half", dict(n=_n, norm=_norm)), ("hfft", "half", dict(n=_n, dim=0, norm=_norm)),
                      ("ihfft", "real", dict(n=_n, norm=_norm))]
    for _s in (None, (2, 5), (4, 3)):
        for _name, _input in (("fft2", "complex"), ("ifft2", "complex"), ("rfft2", "real"), ("irfft2", "half"),
                              ("fftn", "real"), ("ifftn", "complex"), ("rfftn", "real"), ("irfftn", "half"),
                              ("hfft2", "half"), ("ihfft2", "real"), ("hfftn", "half"), ("ihfftn", "real")):
            FFT_CASES.append((_name, _input, dict(s=_s, norm=_norm)))
    FFT_CASES += [("fftn", "complex", dict(dim=(0,), norm=_norm)), ("irfftn", "half", dict(s=(5,), dim=(0,))),
                  ("rfftn", "real", dict(s=(4, 4), dim=(1, 0), norm=_norm)),
                  ("hfftn", "half", dict(s=(5,), dim=(0,), norm=_norm)),
                  ("ihfftn", "real", dict(dim=(1, 0), norm=_norm))]
FFT_CASES += [("fftshift", "complex", {}), ("ifftshift", "real", dict(dim=1)), ("fftshift", "real", dict(dim=(0, 1)))]


@pytest.mark.parametrize("name, which, kwargs", FFT_CASES, ids=[f"{n}-{w}-{k}" for n, w, k in FFT_CASES])
def test_fft_matches_pytorch(name, which, kwargs):
    (ours, our_grads), (theirs, their_grads) = _both(
        lambda m, x: getattr(m.fft, name)(x, **kwargs), _FFT_INPUTS[which])
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(our_grads[0]), _numpy(their_grads[0]), rtol=1e-9, atol=1e-12)


def test_fft_of_float32_is_complex64_and_integers_use_the_default_dtype():
    assert ag.fft.fft(ag.ones(4)).dtype == ag.complex64
    assert ag.fft.rfft(ag.arange(4)).dtype == ag.complex64 and torch.fft.rfft(torch.arange(4)).dtype == torch.complex64


def test_fftfreq():
    for n, d in ((5, 1.0), (8, 0.25)):
        np.testing.assert_allclose(ag.fft.fftfreq(n, d).data, torch.fft.fftfreq(n, d).numpy())
        np.testing.assert_allclose(ag.fft.rfftfreq(n, d).data, torch.fft.rfftfreq(n, d).numpy())
        assert ag.fft.fftfreq(n, d, dtype=ag.float64).dtype == ag.float64


def test_fft_errors():
    with pytest.raises(RuntimeError, match="rfft expects a real input tensor, but got ComplexDouble"):
        ag.fft.rfft(ag.tensor(Z0))
    with pytest.raises(ValueError, match="Invalid normalization mode"):
        ag.fft.fft(ag.tensor(Z0), norm="sideways")
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.fft.fft(ag.tensor(Z0), dim=2)


# ----------------------------------------------------------------------------------------------------
# Refusals: every operation not made ready for complex inputs says so, in PyTorch's words where PyTorch refuses too.

REFUSED_AS_PYTORCH = {
    "relu": lambda m, z: m.relu(z), "clamp": lambda m, z: z.clamp(0, 1), "lt": lambda m, z: z < z,
    "gt-number": lambda m, z: z > 0, "max": lambda m, z: z.max(), "maximum": lambda m, z: m.maximum(z, z),
    "floor": lambda m, z: m.floor(z), "argmax": lambda m, z: z.argmax(), "sort": lambda m, z: m.sort(z),
    "atan2": lambda m, z: m.atan2(z, z),
}


@pytest.mark.parametrize("name", list(REFUSED_AS_PYTORCH))
def test_refusals_in_pytorchs_words(name):
    fn = REFUSED_AS_PYTORCH[name]
    with pytest.raises(RuntimeError) as theirs:
        fn(torch, torch.tensor(Z0))
    with pytest.raises(RuntimeError) as ours:
        fn(ag, ag.tensor(Z0))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


def test_operations_not_ready_refuse_by_name():
    # every torch function now refuses in PyTorch's words (tests/test_complex_gaps2.py); a primitive without them
    # (the sparse kernels, a primitive added later) is named in ours
    error = complex_refusal("sparse_add", np.dtype(np.complex64))
    assert isinstance(error, NotImplementedError)
    assert str(error).startswith("sparse_add: complex inputs are not supported here (got complex64)")


def test_the_gate_costs_nothing_until_the_first_complex_value():
    """Before any complex Value exists no primitive's forward is wrapped (the real hot paths are untouched);
    afterwards every primitive not marked complex-ready refuses, primitives defined later included, until
    defcomplex."""
    script = textwrap.dedent("""
        import numpy as np
        import autograd_core as ag
        from autograd_core.ops import PRIMITIVES, primitive
        from autograd_core.ops.complex import gated
        assert not any(gated(p) for p in PRIMITIVES.values())
        ag.tensor([1.0]).relu()
        z = ag.tensor([1j])
        assert all(gated(p) != p.complex_ready for p in PRIMITIVES.values())
        assert not gated(PRIMITIVES["*"]) and gated(PRIMITIVES["relu"])
        late = primitive("late_square")(lambda x: x * x)
        try:
            late(z)
        except NotImplementedError as err:
            assert "late_square" in str(err) or "lambda" in str(err)
        else:
            raise AssertionError("a primitive defined after the first complex Value took complex input")
        late.defcomplex()
        assert late(z).data[0] == -1
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


STFT_CASES = [dict(n_fft=16), dict(n_fft=16, hop_length=5, center=False), dict(n_fft=16, win_length=12, window=True),
              dict(n_fft=15, hop_length=3, normalized=True, onesided=False), dict(n_fft=8, pad_mode="constant"),
              dict(n_fft=8, pad_mode="circular", win_length=6), dict(n_fft=8, pad_mode="replicate", window=True),
              dict(n_fft=16, hop_length=4, win_length=12, window=True, center=False, align_to_window=True)]


@pytest.mark.filterwarnings("ignore:A window was not provided")
@pytest.mark.parametrize("kwargs", STFT_CASES, ids=[str(k) for k in STFT_CASES])
def test_stft_matches_pytorch(kwargs):
    x0 = RNG.standard_normal((2, 40))
    window0 = RNG.uniform(0.5, 1.0, kwargs.get("win_length", kwargs["n_fft"]))
    weights = None
    results = []
    for m in (ag, torch):
        x, window = m.tensor(x0, requires_grad=True), m.tensor(window0, requires_grad=True)
        options = {**kwargs, "window": window if kwargs.get("window") else None}
        out = m.stft(x, return_complex=True, **options)
        if weights is None:
            weights = RNG.standard_normal(tuple(out.shape)) + 1j * RNG.standard_normal(tuple(out.shape))
        (out * m.tensor(weights)).real.sum().backward()
        results.append((out, x.grad, window.grad))
    (ours, our_x, our_w), (theirs, their_x, their_w) = results
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(our_x), _numpy(their_x), rtol=1e-9, atol=1e-12)
    if kwargs.get("window"):
        np.testing.assert_allclose(np.asarray(our_w), _numpy(their_w), rtol=1e-9, atol=1e-12)


def test_stft_needs_return_complex_and_warns_without_a_window():
    x = ag.tensor(RNG.standard_normal(32))
    with pytest.raises(RuntimeError, match="stft requires the return_complex parameter"):
        ag.stft(x, 8)
    with pytest.warns(UserWarning, match="A window was not provided"):
        assert x.stft(8, return_complex=True).shape == (5, 17)


ISTFT_CASES = [(dict(n_fft=16), 9, 11), (dict(n_fft=16, hop_length=4, length=37), 9, 11),
               (dict(n_fft=16, win_length=12), 9, 9), (dict(n_fft=16, length=50), 9, 11),
               (dict(n_fft=8, hop_length=2, normalized=True, onesided=False), 8, 7),
               (dict(n_fft=8, hop_length=2, onesided=False, return_complex=True), 8, 7)]


@pytest.mark.filterwarnings("ignore:The length of signal is shorter")
@pytest.mark.parametrize("kwargs, freq, frames", ISTFT_CASES, ids=[str(c[0]) for c in ISTFT_CASES])
def test_istft_matches_pytorch(kwargs, freq, frames):
    z0 = RNG.standard_normal((2, freq, frames)) + 1j * RNG.standard_normal((2, freq, frames))
    window0 = np.hanning(kwargs.get("win_length", kwargs["n_fft"]) + 2)[1:-1]
    weights, results = None, []
    for m in (ag, torch):
        z, window = m.tensor(z0, requires_grad=True), m.tensor(window0, requires_grad=True)
        out = m.istft(z, window=window, **kwargs)
        if weights is None:
            weights = RNG.standard_normal(tuple(out.shape)) + 1j * RNG.standard_normal(tuple(out.shape))
        _real_loss(m, out, weights.reshape(-1)).backward()
        results.append((out, z.grad, window.grad))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-9, atol=1e-12)


def test_istft_inverts_stft():
    x = ag.tensor(RNG.standard_normal((2, 50)))
    window = ag.hann_window(16, dtype=ag.float64)
    back = ag.stft(x, 16, window=window, return_complex=True).istft(16, window=window, length=50)
    np.testing.assert_allclose(back.data, x.data, atol=1e-12)
    with pytest.raises(RuntimeError, match="window overlap add"):
        ag.istft(ag.ones(9, 9).to(ag.cdouble), 16, win_length=12, window=ag.ones(12), center=False)


def test_custom_function_backward_is_written_in_pytorchs_convention():
    """A Function's backward gets PyTorch's gradient and gives PyTorch's (here g·conj(c) for z ↦ c·z)."""
    c = 0.5 - 2j
    grads = []
    for m in (ag, torch):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, z):
                return z * c

            @staticmethod
            def backward(ctx, g):
                return g * np.conj(c)

        z = m.tensor(Z0, requires_grad=True)
        (Scale.apply(z) ** 2).real.sum().backward()  # a complex gradient at the output (its conjugate differs)
        grads.append(_numpy(z.grad))
    np.testing.assert_allclose(*grads, rtol=1e-10)


def test_compiled_steps_give_pytorchs_gradients_of_complex_values():
    z = ag.tensor(Z0, requires_grad=True)

    def step(w):
        z.grad = None
        h = z * w
        (h * h).real.sum().backward()
        return h, h.grad

    compiled = ag.compile(step)
    for k in range(4):
        w = ag.tensor(W0 * (1 + k))
        h, h_grad = compiled(w)
        np.testing.assert_allclose(z.grad, np.conj(2 * (Z0 * W0 * (1 + k)) * W0 * (1 + k)), rtol=1e-12)
        np.testing.assert_allclose(h_grad, np.conj(2 * Z0 * W0 * (1 + k)), rtol=1e-12)
    assert compiled.stats["replayed"] == 2, compiled.stats


def test_a_compiled_step_takes_the_real_part_of_a_real_inputs_complex_gradient():
    """The compiled plan fits a complex gradient to a real input as backward_edges._fit does (its real part), so no
    ComplexWarning: the same numbers as eager mode."""
    x = ag.tensor(np.array([[2.0, 1.0], [0.5, 3.0]]), requires_grad=True)

    def step():
        x.grad = None
        (x * (1 + 2j)).abs().sum().backward()
        return x.grad

    eager = step().data.copy()
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            np.testing.assert_array_equal(np.asarray(compiled().data), eager)
