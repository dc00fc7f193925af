"""More gaps of complex support, each against PyTorch 2.13 where it is installed:

1. The conjugate bit through views: `is_conj()`/`is_neg()` of ~60 operations on a conjugate (views keep the bit,
   copies drop it) compared with PyTorch's answers.
2. numpy(), np.asarray, view_as_real and view(dtype) of a Value with the conjugate or negative bit refuse in
   PyTorch's words; after resolve_conj()/resolve_neg() they work.
3. Every torch function of the op table given complex input: the same outcome as PyTorch's (a result, or an error of
   the same type and words).
4. Real nn.RNN/LSTM/GRU, F.linear and the convolutions given mixed real and complex operands, as PyTorch's.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _complex_data(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


X = _complex_data(2, 3, 4)


def _torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------------------------------
# 1. The conjugate bit through views: (name, fn(lib, c)) where c is x.conj() of the complex (2, 3, 4) X.

VIEWS_AND_COPIES = {
    "view": lambda L, c: c.view(6, 4),
    "view_-1": lambda L, c: c.view(-1),
    "view_as": lambda L, c: c.view_as(L.zeros(24)),
    "reshape": lambda L, c: c.reshape(6, 4),
    "reshape_of_transpose": lambda L, c: c.transpose(0, 1).reshape(-1),  # a copy: no bit
    "transpose": lambda L, c: c.transpose(0, 1),
    "swapaxes": lambda L, c: c.swapaxes(0, 2),
    "t": lambda L, c: c[0].t(),
    "T": lambda L, c: c[0].T,
    "mT": lambda L, c: c.mT,
    "permute": lambda L, c: c.permute(2, 0, 1),
    "movedim": lambda L, c: c.movedim(0, 2),
    "slice": lambda L, c: c[:, 1:],
    "strided_slice": lambda L, c: c[:, ::2],
    "int_index": lambda L, c: c[0],
    "ellipsis": lambda L, c: c[..., 1],
    "none_index": lambda L, c: c[None],
    "advanced_index": lambda L, c: c[[0, 1]],
    "bool_index": lambda L, c: c[c.real > 0],
    "unsqueeze": lambda L, c: c.unsqueeze(0),
    "squeeze": lambda L, c: c.unsqueeze(0).squeeze(0),
    "squeeze_all": lambda L, c: c.squeeze(),
    "expand": lambda L, c: c[:, :1].expand(2, 3, 4),
    "expand_as": lambda L, c: c[:, :1].expand_as(c),
    "broadcast_to": lambda L, c: L.broadcast_to(c, (2, 2, 3, 4)),
    "narrow": lambda L, c: c.narrow(1, 0, 2),
    "select": lambda L, c: c.select(1, 0),
    "diagonal": lambda L, c: c.diagonal(0, 1, 2),
    "as_strided": lambda L, c: c.as_strided((2, 2), (1, 1)),
    "detach": lambda L, c: c.detach(),
    "flatten": lambda L, c: c.flatten(),
    "flatten_of_transpose": lambda L, c: c.transpose(0, 1).flatten(),
    "ravel": lambda L, c: c.ravel(),
    "unflatten": lambda L, c: c.unflatten(2, (2, 2)),
    "unbind": lambda L, c: c.unbind(0)[1],
    "split": lambda L, c: c.split(1, 0)[1],
    "split_sizes": lambda L, c: c.split([1, 2], 1)[1],
    "chunk": lambda L, c: c.chunk(2, 2)[1],
    "tensor_split": lambda L, c: c.tensor_split(2, 0)[0],
    "hsplit": lambda L, c: c.hsplit(3)[1],
    "unfold": lambda L, c: c.unfold(2, 2, 1),
    "atleast_3d": lambda L, c: L.atleast_3d(c[0]),
    "contiguous": lambda L, c: c.contiguous(),
    "contiguous_of_transpose": lambda L, c: c.transpose(0, 1).contiguous(),
    "to_same_dtype": lambda L, c: c.to(L.cdouble),
    "to_other_dtype": lambda L, c: c.to(L.cfloat),
    "to_dtype_keyword": lambda L, c: c.to(dtype=L.complex128),
    "type_as": lambda L, c: c.type_as(c),
    "as_tensor": lambda L, c: L.as_tensor(c),
    "clone": lambda L, c: c.clone(),
    "flip": lambda L, c: c.flip(0),
    "fliplr": lambda L, c: c[0].fliplr(),
    "rot90": lambda L, c: c.rot90(1, (1, 2)),
    "roll": lambda L, c: c.roll(1),
    "index_select": lambda L, c: c.index_select(0, L.tensor([0])),
    "neg": lambda L, c: -c,
    "times_one": lambda L, c: c * 1,
    "cat": lambda L, c: L.cat([c, c]),
    "conj_again": lambda L, c: c.conj(),
    "conj_of_view": lambda L, c: c[0].conj(),
    "resolve_conj": lambda L, c: c.resolve_conj(),
    "resolve_conj_of_view": lambda L, c: c[0].resolve_conj(),
    "conj_physical": lambda L, c: c.conj_physical(),
    "H_of_view": lambda L, c: c[0].H,
    "mH": lambda L, c: c.mH,
    "real": lambda L, c: c.real,
    "imag": lambda L, c: c.imag,
    "imag_of_view": lambda L, c: c.transpose(0, 1).imag,
    "view_of_imag": lambda L, c: c.imag[0].t(),
    "real_of_view": lambda L, c: c[1].real,
    "imag_clone": lambda L, c: c.imag.clone(),
    "imag_resolve_neg": lambda L, c: c.imag.resolve_neg(),
    "neg_of_imag": lambda L, c: -c.imag,
    "transpose_copy": lambda L, c: L.transpose_copy(c, 0, 1),
    "narrow_copy": lambda L, c: L.narrow_copy(c, 0, 0, 1),
}


def _bits(lib, name):
    c = lib.tensor(X).conj()
    out = VIEWS_AND_COPIES[name](lib, c)
    return out.is_conj(), out.is_neg()


@pytest.mark.parametrize("name", sorted(VIEWS_AND_COPIES))
def test_conjugate_bit_of_views_matches_pytorch(name):
    torch = _torch()
    assert _bits(ag, name) == _bits(torch, name)


def test_views_of_a_conjugate_keep_its_numbers():
    c = ag.tensor(X).conj()
    np.testing.assert_array_equal(c.transpose(0, 1)[1, :, ::2].resolve_conj().numpy(),
                                  np.conj(X).transpose(1, 0, 2)[1, :, ::2])
    np.testing.assert_array_equal(c.imag[0].resolve_neg().numpy(), -X.imag[0])


def test_conjugate_bit_of_views_without_pytorch():
    x = ag.tensor(X)
    c = x.conj()
    assert c.is_conj() and c.t().is_conj() if c.ndim == 2 else c.transpose(0, 1).is_conj()
    assert c[0, 1:].is_conj() and c.detach().is_conj() and c.expand(2, 2, 3, 4).is_conj()
    assert not c.clone().is_conj() and not c.flip(0).is_conj() and not c.resolve_conj().is_conj()
    assert not x.conj_physical().is_conj() and not x.is_conj() and not x[0].is_conj()
    assert not c[0].conj().is_conj() and not c.real.is_neg() and c.imag.is_neg() and c[1].imag.is_neg()
    assert not ag.ones(3).conj().is_conj()  # a real Value is its own conjugate


def test_views_of_a_conjugate_that_requires_grad_keep_the_bit_and_the_gradient():
    x = ag.tensor(X, requires_grad=True)
    c = x.conj()
    view = c.transpose(0, 1)[1]
    assert view.is_conj()
    (view.real.sum() + 2 * view.imag.sum()).backward()
    expected = np.zeros_like(X)
    expected[:, 1] = 1 - 2j  # d(Re z̄ + 2 Im z̄) = d(Re z − 2 Im z): PyTorch's gradient 1 − 2i
    np.testing.assert_allclose(x.grad, expected)


def test_neg_view():
    v = ag._neg_view(ag.tensor([1.0, -2.0]))
    assert v.is_neg() and v[1:].is_neg() and not v.resolve_neg().is_neg() and not v.clone().is_neg()
    np.testing.assert_array_equal(v.resolve_neg().numpy(), [-1.0, 2.0])
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x._neg_view().sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, -1.0])


# ----------------------------------------------------------------------------------------------------
# 2. What refuses a Value with a lazy bit.

REFUSALS = {
    "numpy": lambda L, c: c.numpy(),
    "numpy_of_view": lambda L, c: c.transpose(0, 1).numpy(),
    "numpy_of_imag": lambda L, c: c.imag.numpy(),
    "np.asarray": lambda L, c: np.asarray(c[0]),
    "np.asarray_of_imag": lambda L, c: np.asarray(c.imag),
    "view_as_real": lambda L, c: L.view_as_real(c),
    "view_as_real_of_view": lambda L, c: L.view_as_real(c[:, 1]),
    "view_dtype": lambda L, c: c.view(L.float64),
    "view_same_dtype": lambda L, c: c.view(L.cdouble),
    "numpy_force": lambda L, c: c.numpy(force=True),
    "numpy_of_resolved": lambda L, c: c.resolve_conj().numpy(),
    "numpy_of_resolved_imag": lambda L, c: c.imag.resolve_neg().numpy(),
    "view_as_real_of_resolved": lambda L, c: L.view_as_real(c.resolve_conj()),
    "numpy_of_real": lambda L, c: c.real.numpy(),
    "numpy_of_neg_view": lambda L, c: L._neg_view(c.real.clone()).numpy(),
    "tolist": lambda L, c: c.tolist(),
    "item": lambda L, c: c[0, 0, 0].item(),
    "numpy_requires_grad": lambda L, c: L.tensor(X, requires_grad=True).conj().numpy(),
}


def _outcome(lib, name):
    c = lib.tensor(X).conj()
    try:
        out = REFUSALS[name](lib, c)
    except Exception as error:  # noqa: BLE001  (the outcome compared)
        return type(error).__name__, str(error)
    return "ok", np.asarray(out).tolist() if not isinstance(out, list) else out


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_lazy_bit_refusals_match_pytorch(name):
    torch = _torch()
    assert _outcome(ag, name) == _outcome(torch, name)


def test_lazy_bit_refusals_without_pytorch():
    c = ag.tensor(X).conj()
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that has conjugate bit set"):
        c[0].numpy()
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that has negative bit set"):
        np.asarray(c.imag)
    with pytest.raises(RuntimeError, match="view_as_real doesn't work on unresolved conjugated tensors"):
        ag.view_as_real(c.mT)
    with pytest.raises(RuntimeError, match="not supported for conjugate view tensors"):
        c.view(ag.float64)
    np.testing.assert_array_equal(ag.view_as_real(c.resolve_conj()).numpy()[..., 1], -X.imag)


# ----------------------------------------------------------------------------------------------------
# 3. Every torch function on complex input: PyTorch's outcome. Each function of torch, torch.special, torch.linalg
# and torch.fft that this library has is called with a complex (2, 3) tensor in the first argument pattern PyTorch
# accepts (z; z, z; z, 1; z, 0, 1; z, z, z). Where the two outcomes differ for complex input but agree (in kind) for
# real input of the same shape, a complex refusal is not PyTorch's: the test fails. New functions are swept the day
# they are added.

Z_SWEEP = (np.arange(6).reshape(2, 3) * (0.3 + 0.7j) + 0.1).astype(np.complex64)
_NAMESPACES = ("", "special.", "linalg.", "fft.")
_NOT_SWEPT = ("set_", "get_", "use_", "manual_seed", "seed", "save", "load", "compile", "export", "vmap", "cond",
              "while_loop", "from_", "frombuffer")
# Both refuse, PyTorch first for another reason: it checks q's shape before the dtype (quantile), the value's
# dimensions before the mask's dtype (masked_fill), the sparse indices' dimensions before their dtypes, and istft
# the number of frequencies (ours reads n_fft=1 from z: another argument check, not a complex refusal).
CHECKED_IN_ANOTHER_ORDER = {"quantile", "nanquantile", "masked_fill", "sparse_bsc_tensor", "sparse_bsr_tensor",
                            "sparse_csc_tensor", "sparse_csr_tensor", "istft"}
_SWEEP_PATTERNS = (lambda z: (z,), lambda z: (z, z), lambda z: (z, 1), lambda z: (z, 0, 1), lambda z: (z, z, z))


def _attribute(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part, None)
    return module


def _swept_names():
    import inspect

    names = []
    for space in _NAMESPACES:
        module = _attribute(ag, space[:-1]) if space else ag
        for name in sorted(dir(module)):
            fn = getattr(module, name)
            if name.startswith(("_", *_NOT_SWEPT)) or not callable(fn) or inspect.isclass(fn) or \
                    inspect.ismodule(fn):
                continue
            names.append(space + name)
    return names


class _WarningsOfOnce:
    """The calls of a sweep leave PyTorch's warn-once warnings (TORCH_WARN_ONCE: "Casting complex values to real
    discards the imaginary part", ...) unspent, for the tests that expect them later in the process: PyTorch's
    warn-always mode, and Python's warnings ignored, while they run."""

    def __init__(self, lib):
        self.lib = lib if lib is not ag else None

    def __enter__(self):
        import warnings

        self.caught = warnings.catch_warnings()
        self.caught.__enter__()
        warnings.simplefilter("ignore")
        if self.lib is not None:
            self.always = self.lib.is_warn_always_enabled()
            self.lib.set_warn_always(True)

    def __exit__(self, *exc):
        if self.lib is not None:
            self.lib.set_warn_always(self.always)
        self.caught.__exit__(*exc)


def _sweep_outcome(lib, name, pattern, data):
    with _WarningsOfOnce(lib):
        try:
            _attribute(lib, name)(*_SWEEP_PATTERNS[pattern](lib.tensor(data)))
        except Exception as error:  # noqa: BLE001  (the outcome compared)
            return type(error).__name__, str(error).split("\n")[0]
    return "ok", ""


def _compare_sweep(torch, names, has, outcome, patterns):
    """For each name PyTorch has (`has`) and calls with one of the argument patterns: whether our outcome on complex
    input (the exception's type and first line, or "ok") differs from PyTorch's where their outcomes on the same
    numbers made real agree (then complex input alone makes the difference). Returns (names compared, differences)."""
    compared, differences = 0, []
    for name in names:
        if not has(name):
            continue  # not a PyTorch name
        for pattern in range(len(patterns)):
            theirs = outcome(torch, name, pattern, Z_SWEEP)
            if theirs[0] != "TypeError":
                break
        else:
            continue  # PyTorch takes none of the argument patterns: nothing to compare
        compared += 1
        ours = outcome(ag, name, pattern, Z_SWEEP)
        if ours != theirs:
            real = Z_SWEEP.real.copy()
            if outcome(torch, name, pattern, real)[0] == outcome(ag, name, pattern, real)[0]:
                differences.append((name, ours, theirs))
    return compared, differences


def test_torch_functions_on_complex_input_as_pytorch():
    # One test over every name (rather than one per name): names PyTorch lacks, or calls with none of the patterns,
    # are not comparisons, and a test per name would skip them.
    torch = _torch()
    names = [n for n in _swept_names() if n not in CHECKED_IN_ANOTHER_ORDER]
    compared, differences = _compare_sweep(torch, names, lambda name: callable(_attribute(torch, name)),
                                           _sweep_outcome, _SWEEP_PATTERNS)
    assert compared > 500 and not differences, differences


# Tensor methods likewise: z.name(*args) with the argument patterns (); (z,); (1,); (0, 1); (z, z).
_METHOD_PATTERNS = (lambda z: (), lambda z: (z,), lambda z: (1,), lambda z: (0, 1), lambda z: (z, z))
_METHODS_NOT_SWEPT = ("set_", "register", "share_memory", "pin_memory", "cuda", "backward", "storage", "untyped",
                      "data_ptr", "numpy", "tolist", "item", "apply_", "map_", "requires_grad_", "retain_grad", "to_",
                      "new_", "resize", "_")


def _swept_methods():
    return [name for name in sorted(dir(ag.Tensor)) if not name.startswith(_METHODS_NOT_SWEPT)
            and callable(getattr(ag.Tensor, name, None))]


def _method_outcome(lib, name, pattern, data):
    with _WarningsOfOnce(lib):
        try:
            getattr(lib.tensor(data), name)(*_METHOD_PATTERNS[pattern](lib.tensor(data)))
        except Exception as error:  # noqa: BLE001  (the outcome compared)
            return type(error).__name__, str(error).split("\n")[0]
    return "ok", ""


def test_tensor_methods_on_complex_input_as_pytorch():
    torch = _torch()
    names = [n for n in _swept_methods() if n.rstrip("_") not in CHECKED_IN_ANOTHER_ORDER]
    compared, differences = _compare_sweep(torch, names, lambda name: callable(getattr(torch.Tensor, name, None)),
                                           _method_outcome, _METHOD_PATTERNS)
    assert compared > 400 and not differences, differences



def test_complex_refusals_without_pytorch():
    z = ag.tensor(Z_SWEEP)
    refusals = [
        (lambda: z.clone().relu_(), NotImplementedError, "clamp is not supported for complex types"),
        (lambda: z.clone().abs_(), RuntimeError, "In-place abs is not supported for complex tensors."),
        (lambda: ag.special.bessel_j0(z), NotImplementedError, "\"bessel_j0_cpu\" not implemented for 'ComplexFloat'"),
        (lambda: ag.special.airy_ai(z), NotImplementedError, "\"airy_ai_cpu\" not implemented for 'ComplexFloat'"),
        (lambda: ag.unique_consecutive(z), NotImplementedError, "\"unique\" not implemented for 'ComplexFloat'"),
        (lambda: z.amax(), NotImplementedError, "\"max_values_cpu\" not implemented for 'ComplexFloat'"),
        (lambda: ag.polygamma(1, z), NotImplementedError, "\"trigamma\" not implemented for 'ComplexFloat'"),
        (lambda: ag.deg2rad(z), RuntimeError, "deg2rad is not supported for complex tensors."),
        (lambda: ag.poisson(z), NotImplementedError, "\"poisson_cpu\" not implemented for 'ComplexFloat'"),
        (lambda: z.clone().exponential_(), RuntimeError, "Exponential distribution is a continuous probability "
                                                          "distribution. dtype must be a floating point but you "
                                                          "specified ComplexFloat"),
        (lambda: ag.fft.rfftn(z), RuntimeError, "rfftn expects a real-valued input tensor, but got ComplexFloat"),
        (lambda: ag.take(z, z), RuntimeError, "take(): Expected a long tensor for index, but got ComplexFloat"),
    ]
    for fn, kind, message in refusals:
        with pytest.raises(kind) as caught:
            fn()
        assert str(caught.value) == message and type(caught.value) is kind


def test_complex_random_numbers_as_pytorchs():
    ag.manual_seed(0)
    z = ag.randn(40000, dtype=ag.complex128)
    assert z.dtype == np.complex128
    np.testing.assert_allclose([z.real.std().item(), z.imag.std().item()], [0.5 ** 0.5] * 2, rtol=0.03)
    v = ag.zeros(40000, dtype=ag.complex64).normal_(mean=1.0, std=2.0)  # PyTorch's: the mean in both parts
    np.testing.assert_allclose([v.real.mean().item(), v.imag.mean().item(), v.real.std().item()], [1, 1, 2 ** 0.5],
                               rtol=0.05, atol=0.05)
    u = ag.zeros(40000, dtype=ag.complex64).uniform_()
    assert u.real.min().item() >= 0 and u.imag.max().item() < 1 and abs(u.imag.mean().item() - 0.5) < 0.02
    n = ag.normal(ag.zeros(40000, dtype=ag.complex64) + 1j, 2.0)
    np.testing.assert_allclose([n.real.std().item(), n.imag.std().item(), n.imag.mean().item()],
                               [2 ** 0.5, 2 ** 0.5, 1.0], rtol=0.05, atol=0.05)
    assert ag.rand_like(z[:3]).dtype == np.complex128 and ag.randn_like(u[:3]).dtype == np.complex64
    with pytest.raises(RuntimeError, match="normal expects standard deviation to be non-complex"):
        ag.normal(ag.zeros(2), ag.ones(2, dtype=ag.complex64))


# ----------------------------------------------------------------------------------------------------
# 4. Real and complex operands mixed in one layer: refused in PyTorch's words (nn/mixed_dtypes.py). The products
# (@, mm, einsum, ...) still promote: a choice (tests/test_complex_gaps.py part 2).

_C, _R = np.complex64, np.float32


def _ones(lib, shape, dtype):
    return lib.tensor(np.ones(shape, dtype=dtype))


MIXED_LAYERS = {
    "RNN": lambda L, z, r: L.nn.RNN(4, 5)(z(2, 3, 4)),
    "LSTM": lambda L, z, r: L.nn.LSTM(4, 5)(z(2, 3, 4)),
    "GRU-batch_first": lambda L, z, r: L.nn.GRU(4, 5, batch_first=True)(z(2, 3, 4)),
    "RNN-unbatched": lambda L, z, r: L.nn.RNN(4, 5)(z(3, 4)),
    "LSTM-complex-model": lambda L, z, r: L.nn.LSTM(4, 5, dtype=L.cfloat)(r(2, 3, 4)),
    "RNN-complex-h0": lambda L, z, r: L.nn.RNN(4, 5)(r(2, 3, 4), z(1, 3, 5)),
    "RNNCell": lambda L, z, r: L.nn.RNNCell(4, 5)(z(3, 4)),
    "LSTMCell": lambda L, z, r: L.nn.LSTMCell(4, 5)(z(3, 4)),
    "GRUCell-complex-model": lambda L, z, r: L.nn.GRUCell(4, 5, dtype=L.cfloat)(r(3, 4)),
    "Linear": lambda L, z, r: L.nn.Linear(4, 5)(z(2, 4)),
    "Linear-no-bias": lambda L, z, r: L.nn.Linear(4, 5, bias=False)(z(2, 4)),
    "Conv1d": lambda L, z, r: L.nn.Conv1d(2, 2, 2)(z(2, 2, 5)),
    "Conv2d-complex-model": lambda L, z, r: L.nn.Conv2d(2, 2, 2, dtype=L.cfloat)(r(2, 2, 5, 5)),
    "Bilinear": lambda L, z, r: L.nn.Bilinear(3, 3, 2)(z(2, 3), z(2, 3)),
}
for _name, _nd in (("conv1d", 1), ("conv2d", 2), ("conv3d", 3), ("conv_transpose1d", 1), ("conv_transpose2d", 2),
                   ("conv_transpose3d", 3)):
    for _x, _w, _b in ((_C, _R, None), (_R, _C, None), (_C, _R, _R), (_R, _C, _R), (_C, _C, _R), (_R, _R, _C),
                       (_R, _C, _C), (_C, _R, _C)):
        for _batch in (1, 2):
            MIXED_LAYERS[f"F.{_name}-{np.dtype(_x).kind}{np.dtype(_w).kind}{_b and np.dtype(_b).kind}-N{_batch}"] = (
                lambda L, z, r, name=_name, nd=_nd, x=_x, w=_w, b=_b, n=_batch: getattr(L.nn.functional, name)(
                    _ones(L, (n, 2) + (5,) * nd, x), _ones(L, (2, 2) + (2,) * nd, w),
                    None if b is None else _ones(L, (2,), b)))
for _x, _w, _b in ((_C, _R, None), (_R, _C, None), (_C, _R, _R), (_R, _C, _R), (_C, _C, _R), (_R, _R, _C),
                   (_R, _C, _C), (_C, _R, _C)):
    for _shape in ((4,), (3, 4), (2, 3, 4)):
        MIXED_LAYERS[f"F.linear-{np.dtype(_x).kind}{np.dtype(_w).kind}{_b and np.dtype(_b).kind}-{len(_shape)}d"] = (
            lambda L, z, r, x=_x, w=_w, b=_b, shape=_shape: L.nn.functional.linear(
                _ones(L, shape, x), _ones(L, (5, 4), w), None if b is None else _ones(L, (5,), b)))


def _layer_outcome(lib, name):
    lib.manual_seed(0)
    z = lambda *shape: _ones(lib, shape, _C)  # noqa: E731
    r = lambda *shape: _ones(lib, shape, _R)  # noqa: E731
    try:
        MIXED_LAYERS[name](lib, z, r)
    except Exception as error:  # noqa: BLE001  (the outcome compared)
        return type(error).__name__, str(error)
    return "ok", ""


@pytest.mark.parametrize("name", sorted(MIXED_LAYERS))
def test_real_and_complex_operands_of_a_layer_as_pytorch(name):
    torch = _torch()
    assert _layer_outcome(ag, name) == _layer_outcome(torch, name)


def test_real_and_complex_operands_of_a_layer_refused_without_pytorch():
    assert _layer_outcome(ag, "RNN") == ("ValueError", "RNN input dtype (torch.complex64) does not match weight dtype "
                                         "(torch.float32). Convert input: input.to(torch.float32), or convert model: "
                                         "model.to(torch.complex64)")
    assert _layer_outcome(ag, "Linear") == ("RuntimeError", "mat1 and mat2 must have the same dtype, but got "
                                            "ComplexFloat and Float")
    assert _layer_outcome(ag, "F.conv2d-cfNone-N2") == ("RuntimeError", "Input type (CPUComplexFloatType) and weight "
                                                     "type (torch.FloatTensor) should be the same")
    # one dtype throughout still computes: a complex model on complex input, a real one on real input
    assert ag.nn.LSTM(4, 5, dtype=ag.cfloat)(_ones(ag, (2, 3, 4), _C))[0].dtype == np.complex64
    assert ag.nn.Conv1d(2, 2, 2)(_ones(ag, (2, 2, 5), _R)).dtype == np.float32
