"""PyTorch names that PyTorch code uses, added here: nn.functional's functions under torch.* with ATen's signatures
(nn/torch_functional.py), asarray, scalar_tensor, empty_strided and function forms of methods
(tensor_functions.py), the window functions (windows.py), process switches and typename (torch_globals.py), and
Value's fixed facts and the methods that follow from them (tensor_attributes.py). Values and gradients are compared
with PyTorch's in float64 where torch is importable; the rest runs without it.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import autograd_core as ag

R = np.random.default_rng(20260507)


def r(*shape):
    return R.normal(size=shape)


def _np(x):
    if isinstance(x, ag.Value):
        return np.asarray(x.data)
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


# ----------------------------------------------------------------------------------------------------
# nn.functional under torch.*: each case runs `call(t, *inputs)` with t = torch and t = autograd_core on the same
# float64 arrays; the values and the gradients of sum(output · weights) for every float input must agree.

def _pm1(*shape):
    return np.where(R.random(shape) < 0.5, -1.0, 1.0)


# Targets and other inputs that need no gradient: drawn once, the same for both libraries.
_LOGP = np.log(np.abs(r(2, 5)) + 0.1)
_P = np.abs(r(2, 5)) + 0.1
_T01, _W, _PM6, _PM3, _RATE = R.random((3, 4)), np.abs(r(3, 4)), _pm1(6), _pm1(3), np.abs(r(5)) * 3
# ctc_loss's input: logits through log_softmax (PyTorch's ctc gradient is the one with respect to the logits)
_CTC, _LABELS = r(6, 2, 4), [[1, 2, 2], [3, 1, 0]]

FUNCTIONAL = {
    "conv1d": (lambda t, x, w, b: t.conv1d(x, w, b, 2, 1), [r(2, 3, 8), r(4, 3, 3), r(4)]),
    "conv2d": (lambda t, x, w: t.conv2d(x, w, None, 1, 1, 1, 1), [r(1, 2, 5, 5), r(3, 2, 3, 3)]),
    "conv3d": (lambda t, x, w: t.conv3d(x, w), [r(1, 1, 4, 4, 4), r(2, 1, 2, 2, 2)]),
    "conv_transpose1d": (lambda t, x, w: t.conv_transpose1d(x, w, None, 2), [r(1, 2, 5), r(2, 3, 3)]),
    "conv_transpose2d": (lambda t, x, w, b: t.conv_transpose2d(x, w, b, 2, 1, 1), [r(1, 2, 3, 3), r(2, 1, 3, 3),
                                                                                    r(1)]),
    "conv_transpose3d": (lambda t, x, w: t.conv_transpose3d(x, w), [r(1, 1, 2, 2, 2), r(1, 1, 2, 2, 2)]),
    "max_pool1d": (lambda t, x: t.max_pool1d(x, 3, 2, 1, 1, True), [r(1, 2, 8)]),
    "max_pool1d_default_stride": (lambda t, x: t.max_pool1d(input=x, kernel_size=2), [r(2, 7)]),
    "max_pool2d": (lambda t, x: t.max_pool2d(x, 2), [r(1, 1, 4, 5)]),
    "max_pool3d": (lambda t, x: t.max_pool3d(x, 2, 1), [r(1, 1, 3, 4, 4)]),
    "avg_pool1d": (lambda t, x: t.avg_pool1d(x, 3, 2, 1, False, False), [r(1, 2, 7)]),
    "adaptive_avg_pool1d": (lambda t, x: t.adaptive_avg_pool1d(x, 3), [r(1, 2, 7)]),
    "adaptive_max_pool1d": (lambda t, x: t.adaptive_max_pool1d(x, 3)[0], [r(1, 2, 7)]),
    "layer_norm": (lambda t, x, w, b: t.layer_norm(x, [4], w, b, 1e-5, False), [r(2, 3, 4), r(4), r(4)]),
    "group_norm": (lambda t, x, w, b: t.group_norm(x, 2, w, b), [r(2, 4, 3), r(4), r(4)]),
    "batch_norm": (lambda t, x, w, b: t.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
                   [r(5, 3), r(3), r(3)]),
    "instance_norm": (lambda t, x, w, b: t.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
                      [r(2, 3, 5), r(3), r(3)]),
    "rms_norm": (lambda t, x, w: t.rms_norm(x, [4], w, 1e-6), [r(2, 4), r(4)]),
    "embedding": (lambda t, w: t.embedding(w, t.tensor([[0, 4], [2, 2]]), 2), [r(5, 3)]),
    "embedding_no_padding": (lambda t, w: t.embedding(w, t.tensor([0, 4, 4])), [r(5, 3)]),
    "pixel_shuffle": (lambda t, x: t.pixel_shuffle(x, 2), [r(1, 4, 2, 3)]),
    "pixel_unshuffle": (lambda t, x: t.pixel_unshuffle(x, 2), [r(1, 1, 4, 4)]),
    "channel_shuffle": (lambda t, x: t.channel_shuffle(x, 2), [r(1, 4, 2, 2)]),
    "cosine_similarity": (lambda t, a, b: t.cosine_similarity(a, b, 1, 1e-8), [r(3, 4), r(3, 4)]),
    "pairwise_distance": (lambda t, a, b: t.pairwise_distance(a, b, 3.0, 1e-6, True), [r(3, 4), r(3, 4)]),
    "pdist": (lambda t, x: t.pdist(x, 1.5), [r(4, 3)]),
    "bilinear": (lambda t, a, b, w, c: t.bilinear(a, b, w, c), [r(2, 3), r(2, 4), r(5, 3, 4), r(5)]),
    **{f"kl_div_{n}": (lambda t, x, n=n: t.kl_div(x, t.tensor(_P), n), [_LOGP]) for n in (0, 1, 2)},
    "kl_div_log_target": (lambda t, x: t.kl_div(x, t.tensor(_LOGP), 1, log_target=True), [r(2, 5)]),
    # reduction left out: none, as PyTorch's top-level losses compute (their stubs say mean)
    "kl_div_default": (lambda t, x: t.kl_div(x, t.tensor(_P)), [_LOGP]),
    "bce_with_logits_default": (lambda t, x: t.binary_cross_entropy_with_logits(x, t.tensor(_T01)), [r(3, 4)]),
    "margin_ranking_loss_default": (lambda t, a, b: t.margin_ranking_loss(a, b, t.tensor(_PM6)), [r(6), r(6)]),
    "hinge_embedding_loss_default": (lambda t, x: t.hinge_embedding_loss(x, t.tensor(_PM6)), [r(6)]),
    "cosine_embedding_loss_default": (lambda t, a, b: t.cosine_embedding_loss(a, b, t.tensor(_PM3)),
                                      [r(3, 4), r(3, 4)]),
    "triplet_margin_loss_default": (lambda t, a, p, n: t.triplet_margin_loss(a, p, n), [r(4, 3), r(4, 3), r(4, 3)]),
    "ctc_loss_default": (lambda t, lp: t.ctc_loss(lp.log_softmax(2), t.tensor(_LABELS), [6, 5], [3, 2]), [_CTC]),
    **{f"bce_with_logits_{n}": (lambda t, x, n=n: t.binary_cross_entropy_with_logits(
        x, t.tensor(_T01), t.tensor(_W), t.tensor([1.0, 2.0, 0.5, 3.0], dtype=t.float64), n),
        [r(3, 4)]) for n in (0, 1, 2)},
    **{f"margin_ranking_loss_{n}": (lambda t, a, b, n=n: t.margin_ranking_loss(a, b, t.tensor(_PM6), 0.5, n),
                                    [r(6), r(6)]) for n in (0, 1, 2)},
    "hinge_embedding_loss": (lambda t, x: t.hinge_embedding_loss(x, t.tensor(_PM6), 1.5, 2), [r(6)]),
    "cosine_embedding_loss": (lambda t, a, b: t.cosine_embedding_loss(a, b, t.tensor(_PM3), 0.2, 0),
                              [r(3, 4), r(3, 4)]),
    "triplet_margin_loss": (lambda t, a, p, n: t.triplet_margin_loss(a, p, n, 1.0, 2.0, 1e-6, True, 1),
                            [r(4, 3), r(4, 3), r(4, 3)]),
    "poisson_nll_loss_log": (lambda t, x: t.poisson_nll_loss(x, t.tensor(_RATE), True, True, 1e-8, 1),
                             [r(5)]),
    "poisson_nll_loss": (lambda t, x: t.poisson_nll_loss(x, t.tensor(_RATE), False, False, 1e-8, 0),
                         [np.abs(r(5)) + 0.5]),
    **{f"ctc_loss_{n}": (lambda t, lp, n=n: t.ctc_loss(lp.log_softmax(2), t.tensor(_LABELS), [6, 5], [3, 2], 0, n),
                         [_CTC]) for n in (0, 1, 2)},
}


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_name_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    call, inputs = FUNCTIONAL[name]
    ours = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in inputs]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    out, expected = call(ag, *ours), call(torch, *theirs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(_np(out), _np(expected), rtol=1e-10, atol=1e-12)
    weights = r(*expected.shape)
    (out * ag.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, _np(reference.grad), rtol=1e-9, atol=1e-11)


def test_functional_names_take_pytorchs_arguments():
    # PyTorch's top-level spelling where it differs from F's: the argument order (batch_norm's weight first,
    # embedding's weight first), ATen's integer reduction, train without default.
    x = ag.tensor(r(4, 3))
    mean, var = np.zeros(3), np.ones(3)
    ag.batch_norm(x, None, None, mean, var, True, 0.5, 1e-5, False)
    np.testing.assert_allclose(mean, 0.5 * x.data.mean(0))          # running statistics updated in place
    assert ag.embedding(ag.tensor(r(5, 2)), ag.tensor([4, 1])).shape == (2, 2)
    assert ag.kl_div(ag.zeros(3), ag.ones(3), 0).shape == (3,) and ag.kl_div(ag.zeros(3), ag.ones(3)).shape == (3,)
    assert ag.kl_div(ag.zeros(3), ag.ones(3), 1).shape == ()
    with pytest.raises(TypeError, match="reduction"):
        ag.kl_div(ag.zeros(3), ag.ones(3), "mean")
    with pytest.raises(ValueError, match="reduction"):
        ag.margin_ranking_loss(ag.zeros(3), ag.ones(3), ag.ones(3), 0.0, 3)
    with pytest.raises(TypeError):
        ag.dropout(x, 0.5)  # noqa  (train is required, as in ATen)
    with pytest.raises(TypeError):
        ag.max_pool1d(ag.zeros(1, 1, 4), 2, return_indices=True)
    values, indices = ag.adaptive_max_pool1d(ag.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    assert values.tolist() == [[[3.0, 2.0]]] and indices.tolist() == [[[1, 2]]]


def test_dropout_names():
    x = ag.ones(200, 10, dtype=ag.float64)
    assert ag.dropout(x, 0.5, False) is x and ag.alpha_dropout(x, 0.5, False) is x
    assert ag.feature_alpha_dropout(x, 0.5, False) is x
    y = ag.dropout(x, 0.25, True)
    assert set(np.unique(y.data)) <= {0.0, 1 / 0.75} and 0 < (y.data == 0).mean() < 0.5
    z = ag.alpha_dropout(x, 0.5, True)
    assert z.shape == x.shape and not np.allclose(z.data, 1.0)
    w = ag.ones(200, 10, dtype=ag.float64)
    assert ag.dropout_(w, 0.5, True) is w and (w.data == 0).any()       # in place
    v = ag.ones(4, 3, 5, dtype=ag.float64)
    assert ag.feature_alpha_dropout_(v, 0.5, True) is v and not np.allclose(v.data, 1.0)
    u = ag.ones(50, dtype=ag.float64)
    assert ag.alpha_dropout_(u, 0.5, True) is u and not np.allclose(u.data, 1.0)


def test_core_import_does_not_load_nn_until_a_functional_name_is_used():
    import subprocess
    import sys

    code = ("import sys, autograd_core as t; a = 'autograd_core.nn' in sys.modules; t.hann_window(3); t.asarray([1]);"
            " t.typename(1); b = 'autograd_core.nn' in sys.modules; t.conv1d; print(a, b, 'autograd_core.nn' in "
            "sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False", "True"], done.stderr


# ----------------------------------------------------------------------------------------------------
# asarray, scalar_tensor, empty_strided.


def test_asarray_shares_numpy_memory():
    a = np.arange(3.0)
    x = ag.asarray(a)
    a[0] = 9.0
    assert x.tolist() == [9.0, 1.0, 2.0] and x.dtype == ag.float64 and not x.requires_grad
    copied = ag.asarray(a, copy=True)
    a[1] = 7.0
    assert copied.tolist() == [9.0, 1.0, 2.0]
    converted = ag.asarray(a, dtype=ag.float32)
    assert converted.dtype == ag.float32 and not np.shares_memory(converted.data, a)
    with pytest.raises(ValueError, match="alias"):
        ag.asarray(a, dtype=ag.float32, copy=False)
    strided = ag.asarray(np.arange(6)[::2])
    assert strided.tolist() == [0, 2, 4] and strided.dtype == ag.int64
    buffer = bytearray(b"abcd")
    raw = ag.asarray(buffer, dtype=ag.uint8)
    buffer[0] = 65
    assert raw.tolist() == [65, 98, 99, 100]


def test_asarray_of_data():
    assert ag.asarray([1, 2]).dtype == ag.int64 and ag.asarray([1, 2.5]).dtype == ag.float32
    assert ag.asarray(3).shape == () and ag.asarray(True).dtype == ag.bool_
    assert ag.asarray(np.float64(2.5)).dtype == ag.float64 and ag.asarray(np.float32(1)).dtype == ag.float32
    leaf = ag.asarray(np.ones(2), requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf
    with pytest.raises(ValueError, match="alias"):
        ag.asarray([1, 2], copy=False)
    with pytest.raises((TypeError, RuntimeError)):
        ag.asarray([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="not available"):
        ag.asarray([1.0], device="cuda")


def test_asarray_of_a_value():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    assert ag.asarray(x) is x
    y = x * 2
    assert ag.asarray(y) is y
    detached = ag.asarray(y, requires_grad=False)
    assert not detached.requires_grad and np.shares_memory(detached.data, y.data)
    copy = ag.asarray(x, copy=True)
    assert copy is not x and copy.requires_grad and not np.shares_memory(copy.data, x.data)
    converted = ag.asarray(x, dtype=ag.float32)
    (copy.sum() + converted.sum() * 3).backward()
    assert x.grad.tolist() == [4.0, 4.0]                 # both conversions are differentiable
    with pytest.raises(ValueError, match="alias"):
        ag.asarray(x, dtype=ag.float32, copy=False)
    plain = ag.zeros(2)
    assert ag.asarray(plain, requires_grad=True) is plain and plain.requires_grad  # set in place, as PyTorch's


def test_asarray_matches_pytorch():
    torch = pytest.importorskip("torch")
    for obj in ([1, 2], [1.5, 2], 3, 2.5, True, np.arange(3), np.float32(1.5), np.ones((2, 2), np.int32)):
        ours, theirs = ag.asarray(obj), torch.asarray(obj)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and ours.tolist() == theirs.tolist()


def test_scalar_tensor():
    assert ag.scalar_tensor(3).dtype == ag.float32 and ag.scalar_tensor(3).item() == 3.0
    assert ag.scalar_tensor(True).dtype == ag.float32 and ag.scalar_tensor(2, dtype=ag.int64).dtype == ag.int64
    x = ag.scalar_tensor(2.5, dtype=ag.float64, requires_grad=True)
    assert x.shape == () and x.requires_grad
    with pytest.raises(TypeError):
        ag.scalar_tensor([1.0])
    torch = pytest.importorskip("torch")
    for s in (3, 2.5, True, -1):
        assert ag.scalar_tensor(s).item() == torch.scalar_tensor(s).item()


def test_empty_strided():
    x = ag.empty_strided((2, 3), (1, 2))
    assert x.shape == (2, 3) and x.stride() == (1, 2) and not x.is_contiguous() and x.dtype == ag.float32
    assert ag.empty_strided((2, 3), (3, 1)).is_contiguous()
    assert ag.empty_strided((2, 3), (0, 1)).stride() == (0, 1)
    assert ag.empty_strided([2, 2], [2, 1], dtype=ag.int64).dtype == ag.int64
    assert ag.empty_strided((0, 3), (3, 1)).shape == (0, 3)
    with pytest.raises(RuntimeError, match="dimensionality"):
        ag.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError, match="negative"):
        ag.empty_strided((2, 3), (-1, 1))
    assert ag.zeros(2, dtype=ag.float64).new_empty_strided((3, 2), (1, 3)).stride() == (1, 3)
    torch = pytest.importorskip("torch")
    for size, stride in (((2, 3), (1, 2)), ((2, 3), (4, 1)), ((3, 1, 2), (2, 5, 1))):
        assert ag.empty_strided(size, stride).stride() == torch.empty_strided(size, stride).stride()


# ----------------------------------------------------------------------------------------------------
# Function forms of methods.


def test_fill_and_masked_fill():
    x = ag.tensor(r(2, 3), requires_grad=True)
    v = ag.tensor(1.5, dtype=ag.float64, requires_grad=True)
    y = ag.fill(x, v)
    assert y.shape == (2, 3) and np.all(y.data == 1.5) and y.dtype == ag.float64
    (y * ag.tensor(r(2, 3))).sum().backward()
    assert np.all(x.grad == 0) and v.grad is not None
    assert ag.fill(ag.tensor([1, 2]), 2.7).tolist() == [2, 2]
    assert ag.fill(ag.zeros(2, dtype=ag.float64), ag.tensor(2.0)).dtype == ag.float64
    with pytest.raises(RuntimeError, match="0-dimension"):
        ag.fill(x, ag.ones(2))
    m = ag.masked_fill(ag.zeros(3), ag.tensor([True, False, True]), 1.0)
    assert m.tolist() == [1.0, 0.0, 1.0]
    torch = pytest.importorskip("torch")
    w = r(2, 3)
    tx, tv = torch.tensor(x.data, requires_grad=True), torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (torch.fill(tx, tv) * torch.tensor(w)).sum().backward()
    v.grad = None
    (ag.fill(x, v) * ag.tensor(w)).sum().backward()
    assert np.isclose(v.grad, tv.grad.item())


def test_conjugate_family_and_facts_as_functions():
    x = ag.tensor(r(2, 3), requires_grad=True)
    for f in (ag.real, ag.conj, ag.resolve_conj, ag.resolve_neg):
        assert f(x) is x
    assert not ag.is_conj(x) and not ag.is_neg(x) and not ag.is_inference(x) and ag.get_device(x) == -1
    d = ag.detach(x)
    assert not d.requires_grad and np.shares_memory(d.data, x.data)
    assert ag.is_signed(x) and ag.is_signed(ag.tensor([1])) and not ag.is_signed(ag.tensor([1], dtype=ag.uint8))
    assert not ag.is_signed(ag.tensor([True]))
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "int8", "int64", "uint8", "bool"):
        assert ag.zeros(1, dtype=dtype).is_signed() == torch.zeros(1, dtype=getattr(torch, dtype)).is_signed()


# ----------------------------------------------------------------------------------------------------
# Windows.

WINDOW_NAMES = ("hann_window", "hamming_window", "bartlett_window", "blackman_window", "kaiser_window")


@pytest.mark.parametrize("name", WINDOW_NAMES)
@pytest.mark.parametrize("periodic", [True, False])
def test_window_matches_pytorch(name, periodic):
    torch = pytest.importorskip("torch")
    for n in (0, 1, 2, 5, 8):
        ours = getattr(ag, name)(n, periodic, dtype=ag.float64)
        theirs = getattr(torch, name)(n, periodic, dtype=torch.float64)
        assert ours.shape == (n,)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14)
    default_ours, default_theirs = getattr(ag, name)(6), getattr(torch, name)(6)
    assert default_ours.dtype == ag.float32
    np.testing.assert_allclose(default_ours.data, default_theirs.numpy(), atol=1e-6)  # periodic by default


def test_window_parameters_match_pytorch():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(ag.kaiser_window(7, False, 5.0, dtype=ag.float64).data,
                               torch.kaiser_window(7, False, 5.0, dtype=torch.float64).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ag.hamming_window(7, True, 0.5, 0.4, dtype=ag.float64).data,
                               torch.hamming_window(7, True, 0.5, 0.4, dtype=torch.float64).numpy(), rtol=1e-12)


def test_window_values_and_errors():
    np.testing.assert_allclose(ag.hann_window(4, dtype=ag.float64).data, [0, 0.5, 1, 0.5], atol=1e-15)  # periodic
    np.testing.assert_allclose(ag.hann_window(5, periodic=False, dtype=ag.float64).data, np.hanning(5), atol=1e-15)
    np.testing.assert_allclose(ag.kaiser_window(6, False, 8.0, dtype=ag.float64).data, np.kaiser(6, 8.0), rtol=1e-12)
    assert ag.bartlett_window(1).tolist() == [1.0] and ag.blackman_window(0).shape == (0,)
    assert ag.hann_window(3, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.hann_window(-1)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.hamming_window(3, dtype=ag.int64)
    with pytest.raises(TypeError, match="window_length"):
        ag.blackman_window(2.5)
    with pytest.raises(NotImplementedError, match="layout"):
        ag.hann_window(3, layout="sparse")


# ----------------------------------------------------------------------------------------------------
# Process switches and introspection.


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            ag.set_default_tensor_type(ag.DoubleTensor)
        assert ag.get_default_dtype() == ag.float64 and ag.tensor([1.5]).dtype == ag.float64
        with pytest.warns(UserWarning):
            ag.set_default_tensor_type("torch.FloatTensor")
        assert ag.get_default_dtype() == ag.float32
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(TypeError, match="floating-point"):
                ag.set_default_tensor_type(ag.LongTensor)
            with pytest.raises(TypeError):
                ag.set_default_tensor_type("torch.Nonsense")
            with pytest.raises(RuntimeError, match="CUDA"):
                ag.set_default_tensor_type("torch.cuda.FloatTensor")
            with pytest.raises(TypeError):
                ag.set_default_tensor_type(ag.float64)
    finally:
        ag.set_default_dtype(ag.float32)


def test_anomaly_switches():
    assert not ag.is_anomaly_enabled() and ag.is_anomaly_check_nan_enabled()
    try:
        ag.set_anomaly_enabled(True)
        assert ag.is_anomaly_enabled() and ag.autograd.anomaly_mode.is_anomaly_enabled()
        x = ag.tensor([-1.0], requires_grad=True)
        with pytest.raises(ag.AnomalyError), np.errstate(invalid="ignore"):
            ag.log(x).sqrt()        # log(-1) = nan: anomaly detection is on
        ag.set_anomaly_enabled(True, False)
        assert not ag.is_anomaly_check_nan_enabled()
    finally:
        ag.set_anomaly_enabled(False)
    assert not ag.is_anomaly_enabled() and ag.is_anomaly_check_nan_enabled()
    with ag.autograd.set_detect_anomaly(True, check_nan=False):
        assert not ag.is_anomaly_check_nan_enabled()
    assert ag.is_anomaly_check_nan_enabled()


def test_threads_warnings_denormals():
    assert ag.get_num_interop_threads() >= 1
    try:
        ag.set_num_interop_threads(3)
        assert ag.get_num_interop_threads() == 3
        with pytest.raises(RuntimeError, match="positive"):
            ag.set_num_interop_threads(0)
        with pytest.raises(TypeError):
            ag.set_num_interop_threads(2.5)
    finally:
        from autograd_core import torch_globals

        torch_globals._STATE["interop_threads"] = None
    assert not ag.is_warn_always_enabled()
    ag.set_warn_always(True)
    assert ag.is_warn_always_enabled()
    ag.set_warn_always(False)
    assert not ag.is_warn_always_enabled()
    with pytest.raises(RuntimeError, match="bool"):
        ag.set_warn_always(1)
    assert ag.set_flush_denormal(True) is False and ag.set_flush_denormal(False) is False


def test_typename_and_is_storage():
    from autograd_core import nn

    assert ag.typename(ag.zeros(2)) == "torch.FloatTensor"
    assert ag.typename(ag.zeros(2, dtype=ag.float64)) == "torch.DoubleTensor"
    assert ag.typename(ag.tensor([1])) == "torch.LongTensor" and ag.typename(ag.tensor([True])) == "torch.BoolTensor"
    assert ag.typename(3) == "int" and ag.typename(np.zeros(2)) == "numpy.ndarray"
    assert ag.typename(nn.Linear(2, 2)) == "autograd_core.nn.linear.Linear"
    assert ag.typename(int) == "int"
    x = ag.zeros(3)
    assert ag.is_storage(x.storage()) and ag.is_storage(x.untyped_storage()) and not ag.is_storage(x)
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "int64", "int32", "uint8", "bool", "int16", "int8", "float16"):
        assert ag.typename(ag.zeros(1, dtype=dtype)) == torch.typename(torch.zeros(1, dtype=getattr(torch, dtype)))
    for obj in (3, "s", np.zeros(2), int, [1]):
        assert ag.typename(obj) == torch.typename(obj)


def test_inference_mode_is_reported():
    assert not ag.is_inference_mode_enabled()
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert not ag.ones(2).is_inference()
        with ag.inference_mode(False):
            assert not ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert ag.is_inference_mode_enabled()
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_inference_mode_enabled()

    @ag.inference_mode()
    def inside():
        return ag.is_inference_mode_enabled(), ag.is_grad_enabled()

    assert inside() == (True, False) and inside() == (True, False)
    assert not ag.is_inference_mode_enabled()


# ----------------------------------------------------------------------------------------------------
# Value's facts and the methods that follow from them.


def test_value_facts():
    x = ag.randn(2, 3)
    assert x.is_cpu and not x.is_meta and not x.is_pinned() and not x.is_shared() and x.get_device() == -1
    assert x.layout == ag.strided and x.layout is ag.strided
    assert repr(ag.strided) == "torch.strided" and str(x.layout) == "torch.strided"
    assert pickle.loads(pickle.dumps(ag.strided)) is ag.strided
    for m in (x.conj, x.resolve_conj, x.resolve_neg):
        assert m() is x
    assert x.real is x and not x.is_conj() and not x.is_neg() and not x.is_inference()
    assert x.is_signed() and not ag.tensor([1], dtype=ag.uint8).is_signed()
    torch = pytest.importorskip("torch")
    assert str(torch.zeros(1).layout) == str(x.layout)


BACKEND_FLAGS = ("is_mps", "is_xpu", "is_xla", "is_ipu", "is_maia", "is_mtia", "is_vulkan", "is_mkldnn", "is_quantized",
                 "is_nested")


def test_the_other_backends_flags_and_memory_facts():
    x = ag.randn(2, 3, 4)
    assert not any(getattr(x, flag) for flag in BACKEND_FLAGS)
    assert not x.is_distributed() and x.output_nr == 0 and x.const_data_ptr() == x.data_ptr()
    assert x.dim_order() == (0, 1, 2) and x.permute(2, 0, 1).dim_order() == (1, 2, 0)
    assert x.transpose(0, 1).dim_order() == (1, 0, 2) and ag.tensor(1.0).dim_order() == ()
    with pytest.warns(UserWarning, match="volatile was removed"):
        assert x.volatile is False
    torch = pytest.importorskip("torch")
    t = torch.randn(2, 3, 4)
    assert all(getattr(t, flag) is False for flag in BACKEND_FLAGS)
    for view in (lambda v: v, lambda v: v.permute(2, 0, 1), lambda v: v.transpose(0, 1), lambda v: v[:, 1:, ::2],
                 lambda v: v[:, None]):
        assert view(x).dim_order() == view(t).dim_order()


def test_conjugate_transposes():
    a = r(3, 4)
    x = ag.tensor(a, requires_grad=True)
    assert np.array_equal(x.H.data, a.T)
    w = r(4, 3)
    (x.H * ag.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, w.T)
    b = ag.tensor(r(2, 3, 4), requires_grad=True)
    assert b.mH.shape == (2, 4, 3) and b.adjoint().shape == (2, 4, 3)
    assert np.array_equal(b.mH.data, np.swapaxes(b.data, -1, -2))
    (b.adjoint() * 2).sum().backward()
    assert np.all(b.grad == 2)
    with pytest.raises(RuntimeError, match="mH"):
        _ = b.H
    with pytest.raises(RuntimeError, match="matrices"):
        _ = ag.ones(3).mH
    with pytest.raises(RuntimeError, match="matrices"):
        ag.ones(3).adjoint()
    s = ag.tensor(2.0)
    with pytest.warns(UserWarning, match="deprecated"):
        assert s.H is s
    with pytest.warns(UserWarning, match="deprecated"):
        assert s.adjoint() is s
    torch = pytest.importorskip("torch")
    t = torch.tensor(b.data)
    assert np.array_equal(b.mH.data, t.mH.numpy()) and np.array_equal(b.adjoint().data, t.adjoint().numpy())
    with pytest.raises(RuntimeError):
        _ = t.H


def test_legacy_new():
    x = ag.zeros(2, dtype=ag.float64)
    made = x.new(2, 3)
    assert made.shape == (2, 3) and made.dtype == ag.float64 and not made.requires_grad
    assert x.new(ag.Size([2, 3])).shape == (2, 3)
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new([1, 2]).dtype == ag.float64
    assert x.new((2, 3)).tolist() == [2.0, 3.0]                     # a tuple is data, as in PyTorch
    assert x.new().shape == (0,) and x.new(np.array([1, 2])).dtype == ag.float64
    y = ag.arange(3.0, dtype=ag.float64)
    alias = x.new(y)
    assert np.shares_memory(alias.data, y.data)
    with pytest.raises(TypeError):
        x.new(ag.tensor([1, 2]))
    with pytest.raises(TypeError, match="sequence"):
        x.new(2.5)
    with pytest.raises(TypeError):
        x.new([1, 2], dtype=ag.int64)
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, dtype=torch.float64)
    for args in ((2, 3), ([1, 2],), ((2, 3),), (), (torch.Size([2, 1]),)):
        mine = x.new(*[ag.Size(a) if isinstance(a, torch.Size) else a for a in args])
        assert mine.shape == tuple(t.new(*args).shape)


def test_resize():
    x = ag.arange(6.0)
    assert x.resize_(2, 2) is x and x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert x.resize_((3,)).tolist() == [0.0, 1.0, 2.0]
    y = ag.arange(4.0)
    assert y.resize_as_(ag.zeros(2, 3)).shape == (2, 3) and y.data.ravel()[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="require grad"):
        ag.zeros(2, requires_grad=True).resize_(4)
    with pytest.raises(RuntimeError, match="negative"):
        ag.zeros(2).resize_(-1)
    # a graph that read the old array refuses to backpropagate, as after any in-place change
    w = ag.ones(3, requires_grad=True)
    c = ag.arange(3.0)
    loss = (w * c).sum()
    c.resize_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    torch = pytest.importorskip("torch")
    t = torch.arange(6.0)
    t.resize_as_(torch.zeros(2, 2))
    assert ag.arange(6.0).resize_as_(ag.zeros(2, 2)).tolist() == t.tolist()


def test_names_are_public():
    # every name added here is in __all__, so `from autograd_core import *` and the API reference list it
    added = ("strided", "conv2d", "dropout", "asarray", "fill", "hann_window", "typename", "is_inference_mode_enabled",
             "set_default_tensor_type", "kaiser_window", "ctc_loss", "empty_strided")
    assert set(added) <= set(ag.__all__)
    torch = pytest.importorskip("torch")
    missing = [n for n in ag.__all__ if not hasattr(torch, n) and n not in ("Value", "ShapeError")]
    assert not [n for n in missing if n in added]


# ----------------------------------------------------------------------------------------------------
# isreal, imag, pin_memory, share_memory_, PyTorch's deprecated spellings, frombuffer, the deterministic debug mode


def test_isreal_is_all_true_and_imag_is_refused_as_pytorch():
    x = ag.tensor([1.0, float("nan"), -2.0])
    for result in (x.isreal(), ag.isreal(x)):
        assert result.dtype == np.bool_ and result.tolist() == [True, True, True] and not result.requires_grad
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        _ = x.imag
    with pytest.raises(RuntimeError, match="Cannot access accelerator"):
        x.pin_memory()


def test_sharing_memory_between_processes_is_refused_with_the_reason():
    # A Value sent to another process is a copy: Hogwild training would silently train copies
    with pytest.raises(NotImplementedError, match="share_memory_: parameters cannot be shared.*pickled copy"):
        ag.ones(2).share_memory_()
    with pytest.raises(NotImplementedError, match="Module.share_memory: .*Hogwild"):
        ag.nn.Linear(2, 2).share_memory()


def test_deprecated_spellings_are_the_methods_they_stand_for():
    x, y = ag.tensor([1.0, 2.0, 3.0]), ag.tensor([4.0, 5.0])
    np.testing.assert_array_equal(x.ger(y).data, np.outer(x.data, y.data))
    np.testing.assert_array_equal(ag.ger(x, y).data, np.outer(x.data, y.data))
    assert [p.tolist() for p in x.unsafe_chunk(2)] == [[1.0, 2.0], [3.0]]
    assert [p.tolist() for p in ag.unsafe_split(x, 2)] == [[1.0, 2.0], [3.0]]
    assert [p.tolist() for p in x.unsafe_split_with_sizes([1, 2])] == [[1.0], [2.0, 3.0]]
    A = ag.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=ag.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        L = ag.cholesky(A)
    with pytest.warns(UserWarning, match="deprecated"):
        U = A.cholesky(upper=True)
    np.testing.assert_allclose(L.data, np.linalg.cholesky(A.data))
    np.testing.assert_allclose(U.data, np.linalg.cholesky(A.data).T)
    L.sum().backward()
    assert A.grad is not None and np.all(np.isfinite(A.grad))


def test_deprecated_spellings_match_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[4.0, 2.0, 0.6], [2.0, 3.0, 0.4], [0.6, 0.4, 2.0]])
    ours, theirs = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (ag.cholesky(ours, upper=True) * ag.tensor(a)).sum().backward()
        (torch.cholesky(theirs, upper=True) * torch.tensor(a)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10)


def test_frombuffer_shares_the_buffer():
    buffer = bytearray(np.arange(4, dtype=np.float32).tobytes())
    x = ag.frombuffer(buffer, dtype=ag.float32, count=2, offset=4)
    assert x.tolist() == [1.0, 2.0] and x.dtype == np.float32
    buffer[4:8] = np.float32(9.0).tobytes()
    assert x.tolist() == [9.0, 2.0]  # the same memory, as PyTorch's
    with pytest.raises(ValueError):
        ag.frombuffer(bytearray(6), dtype=ag.float32)


def test_deterministic_debug_mode_is_pytorchs_other_spelling():
    try:
        for mode, level, on, warn_only in (("warn", 1, True, True), (2, 2, True, False), ("default", 0, False, False)):
            ag.set_deterministic_debug_mode(mode)
            assert ag.get_deterministic_debug_mode() == level and ag.are_deterministic_algorithms_enabled() is on
            assert ag.is_deterministic_algorithms_warn_only_enabled() is warn_only
        ag.use_deterministic_algorithms(True, warn_only=True)
        assert ag.get_deterministic_debug_mode() == 1
        with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
            ag.set_deterministic_debug_mode(3)
    finally:
        ag.use_deterministic_algorithms(False)


def test_torch_version_reports_no_cuda():
    # `print(torch.__version__, torch.version.cuda)`, the first lines of many environment reports
    assert ag.version.__version__ == ag.__version__
    assert ag.version.cuda is None and ag.version.hip is None and ag.version.rocm is None and ag.version.debug is False
    torch = pytest.importorskip("torch")
    names = [n for n in dir(torch.version) if not n.startswith("_") and n != "Optional"]
    missing = [n for n in names if not hasattr(ag.version, n)]
    assert not missing


def test_cond_runs_the_branch_taken_with_its_gradient():
    x = ag.ones(2, requires_grad=True)
    y = ag.cond(ag.tensor(True), lambda a: (a * 3).sum(), lambda a: a.sum(), (x,))
    y.backward()
    assert y.item() == 6.0 and x.grad.tolist() == [3.0, 3.0]
    assert ag.cond(0, lambda a: a + 1, lambda a: a - 1, [ag.ones(2)]).tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="Expected pred to be bool or single-element tensor"):
        ag.cond(ag.tensor([True, False]), lambda a: a, lambda a: a, (x,))
    with pytest.raises(RuntimeError, match="operands must be a tuple or a list"):
        ag.cond(True, lambda a: a, lambda a: a, x)


def test_while_loop_carries_its_inputs_until_the_condition_fails():
    i, x = ag.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (ag.tensor(0), ag.ones(2)))
    assert i.item() == 3 and x.tolist() == [8.0, 8.0]
    w = ag.tensor([1.5], requires_grad=True)
    (out,) = ag.while_loop(lambda v: v.sum() < 10, lambda v: v * w, (ag.ones(1),))
    out.sum().backward()
    assert out.item() == 1.5 ** 6 and w.grad.item() == pytest.approx(6 * 1.5 ** 5)
    with pytest.raises(RuntimeError, match="returned 1 values for 2 carried inputs"):
        ag.while_loop(lambda i, x: i < 1, lambda i, x: i + 1, (ag.tensor(0), ag.ones(1)))


def test_while_loop_gradient_matches_finite_differences():
    # (Not compared with PyTorch: its cond and while_loop trace with Dynamo on first use, 5-6 s each.)
    def run(w0):
        w = ag.tensor([w0], dtype=ag.float64, requires_grad=True)

        def body(n, v):
            return n + 1, (v * w).sin()

        n, v = ag.while_loop(lambda n, v: n < 4, body, (ag.tensor(0), ag.tensor([1.0], dtype=ag.float64)))
        return n, v, w

    n, v, w = run(0.7)
    v.sum().backward()
    expected = 1.0
    for _ in range(4):
        expected = np.sin(expected * 0.7)
    assert n.item() == 4 and v.item() == pytest.approx(expected, rel=1e-12)
    h = 1e-6
    numeric = (run(0.7 + h)[1].item() - run(0.7 - h)[1].item()) / (2 * h)
    assert w.grad.item() == pytest.approx(numeric, rel=1e-6)


def test_feature_dropout_zeroes_whole_channels_as_aten():
    ag.manual_seed(0)
    x = ag.ones(4, 5, 6)
    y = ag.feature_dropout(x, 0.5, True)
    kept = y.data[:, :, :1]
    assert np.all(y.data == kept) and set(np.unique(kept)) <= {0.0, 2.0}  # one draw per (sample, channel)
    assert ag.feature_dropout(x, 0.5, False) is x
    flat = ag.feature_dropout(ag.ones(50, 40), 0.5, True)  # 2-D: element by element, as ATen's
    assert not np.all(flat.data == flat.data[:, :1])
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.feature_dropout(ag.ones(4), 0.5, True)
    z = ag.ones(2, 3, 4)
    assert ag.feature_dropout_(z, 0.5, True) is z and np.all(z.data == z.data[:, :, :1])


def test_max_pool1d_with_indices():
    values, indices = ag.max_pool1d_with_indices(ag.tensor([[[0.0, 3.0, 1.0, 5.0, 4.0, 2.0]]]), 2)
    assert values.tolist() == [[[3.0, 5.0, 4.0]]] and indices.tolist() == [[[1, 3, 4]]]
    torch = pytest.importorskip("torch")
    theirs = torch.max_pool1d_with_indices(torch.tensor([[[0.0, 3.0, 1.0, 5.0, 4.0, 2.0]]]), 2)
    assert theirs[0].tolist() == values.tolist() and theirs[1].tolist() == indices.tolist()


@pytest.mark.parametrize("fmt", ["contiguous_format", "preserve_format", None])
@pytest.mark.parametrize("view", ["transposed", "sliced", "plain"])
def test_clone_gives_pytorchs_layout_for_each_memory_format(fmt, view):
    make = {"transposed": lambda v: v.t(), "sliced": lambda v: v[:, ::2], "plain": lambda v: v}[view]
    x = ag.randn(3, 4, requires_grad=True)
    kwargs = {} if fmt is None else {"memory_format": getattr(ag, fmt)}
    copy = make(x).clone(**kwargs)
    assert not np.shares_memory(copy.data, x.data) and np.array_equal(copy.data, make(x).data)
    weights = ag.arange(float(copy.shape[-1]))
    (copy * weights).sum().backward()
    direct = ag.tensor(x.data.copy(), requires_grad=True)
    (make(direct) * weights).sum().backward()  # the clone passes the gradient through unchanged
    assert np.array_equal(x.grad, direct.grad)
    torch = pytest.importorskip("torch")
    t = torch.randn(3, 4)
    tkwargs = {} if fmt is None else {"memory_format": getattr(torch, fmt)}
    assert copy.is_contiguous() == make(t).clone(**tkwargs).is_contiguous()
