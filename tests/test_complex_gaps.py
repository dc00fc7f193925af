"""The remaining gaps of complex support (stop 53), each against PyTorch 2.13 where it is installed:

1. nn.functional on complex input: every F.* (and a few modules and tensor methods) on a small complex64 input, the
   result or the error (type and words) compared with PyTorch's (`python tests/test_complex_gaps.py [--all]` prints
   the survey: the cases whose outcomes differ, or all); gradients of the ones made complex-ready (silu,
   soft_margin_loss, scatter_reduce's sum/mean/prod) against PyTorch in complex128 and central differences.
2. Real × complex products refused as PyTorch refuses them.
3. Muon and Adafactor refuse complex parameters only when they have a gradient, as PyTorch's.
4. conj()'s lazy-conjugate flag: is_conj(), resolve_conj(), is_neg(), resolve_neg() as PyTorch reports them.
5. The graph explorer on complex graphs.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import autograd_core as ag

def _c(*shape):
    """complex64 numbers of this shape, the same at every call (both libraries see the same data)."""
    rng = np.random.default_rng(53 + sum(shape) * len(shape))
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


Z4, Z3, Z2 = _c(2, 3, 4, 4), _c(2, 3, 6), _c(2, 3)
Z5 = _c(1, 2, 3, 4, 4)
W4, W3 = _c(3, 3, 2, 2), _c(3, 3, 2)
INDEX = np.array([[0, 2], [1, 0]])
LABELS = np.array([0, 2])


def _cases():
    """name -> fn(m, F, t) where t turns a NumPy array into the library's tensor."""
    return {
        "adaptive_avg_pool1d": lambda m, F, t: F.adaptive_avg_pool1d(t(Z3), 2),
        "adaptive_avg_pool2d": lambda m, F, t: F.adaptive_avg_pool2d(t(Z4), 2),
        "adaptive_avg_pool3d": lambda m, F, t: F.adaptive_avg_pool3d(t(Z5), 2),
        "adaptive_max_pool1d": lambda m, F, t: F.adaptive_max_pool1d(t(Z3), 2),
        "adaptive_max_pool2d": lambda m, F, t: F.adaptive_max_pool2d(t(Z4), 2),
        "adaptive_max_pool3d": lambda m, F, t: F.adaptive_max_pool3d(t(Z5), 2),
        "affine_grid": lambda m, F, t: F.affine_grid(t(_c(2, 2, 3)), [2, 1, 3, 3], align_corners=False),
        "alpha_dropout": lambda m, F, t: F.alpha_dropout(t(Z2), 0.5, training=True),
        "alpha_dropout-eval": lambda m, F, t: F.alpha_dropout(t(Z2), 0.5, training=False),
        "avg_pool1d": lambda m, F, t: F.avg_pool1d(t(Z3), 2),
        "avg_pool2d": lambda m, F, t: F.avg_pool2d(t(Z4), 2),
        "avg_pool3d": lambda m, F, t: F.avg_pool3d(t(Z5), 2),
        "batch_norm": lambda m, F, t: F.batch_norm(t(Z3), None, None, training=True),
        "batch_norm-eval": lambda m, F, t: F.batch_norm(t(Z3), t(_c(3)), t(_c(3) + 2), training=False),
        "bilinear": lambda m, F, t: F.bilinear(t(Z2), t(Z2), t(_c(4, 3, 3))),
        "binary_cross_entropy": lambda m, F, t: F.binary_cross_entropy(t(Z2), t(Z2)),
        "binary_cross_entropy_with_logits": lambda m, F, t: F.binary_cross_entropy_with_logits(t(Z2), t(Z2)),
        "celu": lambda m, F, t: F.celu(t(Z2)),
        "channel_shuffle": lambda m, F, t: F.channel_shuffle(t(_c(1, 4, 2, 2)), 2),
        "conv1d": lambda m, F, t: F.conv1d(t(Z3), t(W3)),
        "conv2d": lambda m, F, t: F.conv2d(t(Z4), t(W4)),
        "conv3d": lambda m, F, t: F.conv3d(t(_c(1, 3, 3, 3, 3)), t(_c(2, 3, 2, 2, 2))),
        "conv_tbc": lambda m, F, t: F.conv_tbc(t(_c(5, 2, 3)), t(_c(2, 3, 4)), t(_c(4))),
        "conv_transpose1d": lambda m, F, t: F.conv_transpose1d(t(Z3), t(W3)),
        "conv_transpose2d": lambda m, F, t: F.conv_transpose2d(t(Z4), t(W4)),
        "conv_transpose3d": lambda m, F, t: F.conv_transpose3d(t(_c(1, 3, 3, 3, 3)), t(_c(3, 2, 2, 2, 2))),
        "cosine_embedding_loss": lambda m, F, t: F.cosine_embedding_loss(t(Z2), t(Z2), t(np.array([1.0, -1.0],
                                                                                                  np.float32))),
        "cosine_similarity": lambda m, F, t: F.cosine_similarity(t(Z2), t(Z2)),
        "cross_entropy": lambda m, F, t: F.cross_entropy(t(Z2), t(LABELS)),
        "cross_entropy-probs": lambda m, F, t: F.cross_entropy(t(Z2), t(Z2)),
        "ctc_loss": lambda m, F, t: F.ctc_loss(t(_c(4, 1, 3)), t(np.array([[1, 2]])), [4], [2]),
        "dropout": lambda m, F, t: F.dropout(t(Z2), 0.5, training=True),
        "dropout-eval": lambda m, F, t: F.dropout(t(Z2), 0.5, training=False),
        "dropout1d": lambda m, F, t: F.dropout1d(t(Z3), 0.5),
        "dropout2d": lambda m, F, t: F.dropout2d(t(Z4), 0.5),
        "dropout3d": lambda m, F, t: F.dropout3d(t(Z5), 0.5),
        "elu": lambda m, F, t: F.elu(t(Z2)),
        "embedding": lambda m, F, t: F.embedding(t(INDEX), t(_c(3, 4))),
        "embedding_bag": lambda m, F, t: F.embedding_bag(t(INDEX), t(_c(3, 4))),
        "feature_alpha_dropout": lambda m, F, t: F.feature_alpha_dropout(t(Z4), 0.5, training=True),
        "fold": lambda m, F, t: F.fold(t(_c(1, 4, 4)), (3, 3), (2, 2)),
        "fractional_max_pool2d": lambda m, F, t: F.fractional_max_pool2d(t(Z4), 2, output_size=2),
        "fractional_max_pool3d": lambda m, F, t: F.fractional_max_pool3d(t(_c(1, 2, 5, 5, 5)), 2, output_size=2),
        "gaussian_nll_loss": lambda m, F, t: F.gaussian_nll_loss(t(Z2), t(Z2), t(np.ones((2, 3), np.float32))),
        "gelu": lambda m, F, t: F.gelu(t(Z2)),
        "glu": lambda m, F, t: F.glu(t(_c(2, 4))),
        "grid_sample": lambda m, F, t: F.grid_sample(t(Z4), t(np.zeros((2, 2, 2, 2), np.float32)),
                                                     align_corners=False),
        "group_norm": lambda m, F, t: F.group_norm(t(Z4), 3),
        "gumbel_softmax": lambda m, F, t: F.gumbel_softmax(t(Z2)),
        "hardshrink": lambda m, F, t: F.hardshrink(t(Z2)),
        "hardsigmoid": lambda m, F, t: F.hardsigmoid(t(Z2)),
        "hardswish": lambda m, F, t: F.hardswish(t(Z2)),
        "hardtanh": lambda m, F, t: F.hardtanh(t(Z2)),
        "hinge_embedding_loss": lambda m, F, t: F.hinge_embedding_loss(t(Z2), t(Z2)),
        "huber_loss": lambda m, F, t: F.huber_loss(t(Z2), t(Z2)),
        "instance_norm": lambda m, F, t: F.instance_norm(t(Z3)),
        "interpolate-nearest": lambda m, F, t: F.interpolate(t(Z4), scale_factor=2),
        "interpolate-bilinear": lambda m, F, t: F.interpolate(t(Z4), scale_factor=2, mode="bilinear"),
        "interpolate-linear": lambda m, F, t: F.interpolate(t(Z3), scale_factor=2, mode="linear"),
        "kl_div": lambda m, F, t: F.kl_div(t(Z2), t(Z2), reduction="batchmean"),
        "l1_loss": lambda m, F, t: F.l1_loss(t(Z2), t(Z2)),
        "layer_norm": lambda m, F, t: F.layer_norm(t(Z2), (3,)),
        "leaky_relu": lambda m, F, t: F.leaky_relu(t(Z2)),
        "linear": lambda m, F, t: F.linear(t(Z2), t(_c(4, 3))),
        "local_response_norm": lambda m, F, t: F.local_response_norm(t(Z4), 2),
        "log_softmax": lambda m, F, t: F.log_softmax(t(Z2), dim=1),
        "log_softmax-dim0": lambda m, F, t: F.log_softmax(t(Z2), dim=0),
        "logsigmoid": lambda m, F, t: F.logsigmoid(t(Z2)),
        "lp_pool1d": lambda m, F, t: F.lp_pool1d(t(Z3), 2, 2),
        "lp_pool2d": lambda m, F, t: F.lp_pool2d(t(Z4), 2, 2),
        "margin_ranking_loss": lambda m, F, t: F.margin_ranking_loss(t(Z2), t(Z2), t(Z2)),
        "max_pool1d": lambda m, F, t: F.max_pool1d(t(Z3), 2),
        "max_pool2d": lambda m, F, t: F.max_pool2d(t(Z4), 2),
        "max_pool3d": lambda m, F, t: F.max_pool3d(t(Z5), 2),
        "max_unpool1d": lambda m, F, t: F.max_unpool1d(t(_c(1, 1, 2)), t(np.array([[[0, 3]]])), 2),
        "max_unpool2d": lambda m, F, t: F.max_unpool2d(t(_c(1, 1, 1, 2)), t(np.array([[[[0, 3]]]])), 2),
        "mish": lambda m, F, t: F.mish(t(Z2)),
        "mse_loss": lambda m, F, t: F.mse_loss(t(Z2), t(Z2)),
        "multi_margin_loss": lambda m, F, t: F.multi_margin_loss(t(Z2), t(LABELS)),
        "multilabel_margin_loss": lambda m, F, t: F.multilabel_margin_loss(t(Z2), t(np.array([[0, -1, 1],
                                                                                            [2, -1, 0]]))),
        "multilabel_soft_margin_loss": lambda m, F, t: F.multilabel_soft_margin_loss(t(Z2), t(Z2)),
        "nll_loss": lambda m, F, t: F.nll_loss(t(Z2), t(LABELS)),
        "normalize": lambda m, F, t: F.normalize(t(Z2)),
        "one_hot": lambda m, F, t: F.one_hot(t(Z2)),
        "pad": lambda m, F, t: F.pad(t(Z2), (1, 1)),
        "pairwise_distance": lambda m, F, t: F.pairwise_distance(t(Z2), t(Z2)),
        "pdist": lambda m, F, t: F.pdist(t(Z2)),
        "pixel_shuffle": lambda m, F, t: F.pixel_shuffle(t(_c(1, 4, 2, 2)), 2),
        "pixel_unshuffle": lambda m, F, t: F.pixel_unshuffle(t(Z4), 2),
        "poisson_nll_loss": lambda m, F, t: F.poisson_nll_loss(t(Z2), t(Z2)),
        "prelu": lambda m, F, t: F.prelu(t(Z2), t(_c(1))),
        "relu": lambda m, F, t: F.relu(t(Z2)),
        "relu6": lambda m, F, t: F.relu6(t(Z2)),
        "rms_norm": lambda m, F, t: F.rms_norm(t(Z2), (3,)),
        "rrelu": lambda m, F, t: F.rrelu(t(Z2)),
        "rrelu-train": lambda m, F, t: F.rrelu(t(Z2), training=True),
        "scaled_dot_product_attention": lambda m, F, t: F.scaled_dot_product_attention(t(Z3), t(Z3), t(Z3)),
        "selu": lambda m, F, t: F.selu(t(Z2)),
        "sigmoid": lambda m, F, t: F.sigmoid(t(Z2)),
        "silu": lambda m, F, t: F.silu(t(Z2)),
        "smooth_l1_loss": lambda m, F, t: F.smooth_l1_loss(t(Z2), t(Z2)),
        "soft_margin_loss": lambda m, F, t: F.soft_margin_loss(t(Z2), t(Z2)),
        "softmax": lambda m, F, t: F.softmax(t(Z2), dim=1),
        "softmax-dim0": lambda m, F, t: F.softmax(t(Z2), dim=0),
        "softmin": lambda m, F, t: F.softmin(t(Z2), dim=1),
        "softplus": lambda m, F, t: F.softplus(t(Z2)),
        "softshrink": lambda m, F, t: F.softshrink(t(Z2)),
        "softsign": lambda m, F, t: F.softsign(t(Z2)),
        "tanh": lambda m, F, t: F.tanh(t(Z2)),
        "tanhshrink": lambda m, F, t: F.tanhshrink(t(Z2)),
        "threshold": lambda m, F, t: F.threshold(t(Z2), 0.1, 0.0),
        "triplet_margin_loss": lambda m, F, t: F.triplet_margin_loss(t(Z2), t(Z2), t(Z2)),
        "triplet_margin_with_distance_loss": lambda m, F, t: F.triplet_margin_with_distance_loss(t(Z2), t(Z2),
                                                                                                 t(Z2)),
        "unfold": lambda m, F, t: F.unfold(t(Z4), 2),
        "upsample": lambda m, F, t: F.upsample(t(Z4), scale_factor=2),
        "upsample_bilinear": lambda m, F, t: F.upsample_bilinear(t(Z4), scale_factor=2),
        "upsample_nearest": lambda m, F, t: F.upsample_nearest(t(Z4), scale_factor=2),
        # modules whose functional form is spread over several calls
        "nn.LayerNorm": lambda m, F, t: m.nn.LayerNorm(3)(t(Z2)),
        "nn.Softmax": lambda m, F, t: m.nn.Softmax(dim=1)(t(Z2)),
        "scatter_reduce": lambda m, F, t: t(Z2).scatter_reduce(1, t(np.array([[0, 1, 0], [1, 1, 0]])), t(Z2),
                                                               "sum"),
        "scatter_reduce-amax": lambda m, F, t: t(Z2).scatter_reduce(1, t(np.array([[0, 1, 0], [1, 1, 0]])), t(Z2),
                                                                    "amax"),
        "scatter_reduce-mean": lambda m, F, t: t(Z2).scatter_reduce(1, t(np.array([[0, 1, 0], [1, 1, 0]])), t(Z2),
                                                                    "mean"),
        "index_reduce-exclude": lambda m, F, t: t(Z2).index_reduce(1, t(np.array([0, 2, 0])), t(Z2), "mean",
                                                                   include_self=False),
        "index_reduce-amax": lambda m, F, t: t(Z2).index_reduce(1, t(np.array([0, 2, 0])), t(Z2), "amax"),
        "cummax": lambda m, F, t: m.cummax(t(Z2), 1),
        "cummin": lambda m, F, t: t(Z2).cummin(0),
    }


CASES = _cases()


def outcome(m, name):
    """('ok', result array) or (error type name, message) of case `name` in library m."""
    import warnings

    F = m.nn.functional
    fn = CASES[name]
    m.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(m, F, m.tensor)
        except Exception as error:  # noqa: BLE001  (every error is an outcome to compare)
            kind = "RuntimeError" if type(error).__name__ == "NotImplementedError" else type(error).__name__
            return kind, str(error).split("\n")[0]
    if isinstance(out, tuple):
        out = out[0]
    return "ok", np.asarray(out.detach() if hasattr(out, "detach") else out)


# Cases that draw random numbers: compared by shape and dtype only.
RANDOM = {"rrelu-train", "dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout",
          "gumbel_softmax", "fractional_max_pool2d", "fractional_max_pool3d"}


def _close(a, b, random=False):
    """Same dtype and shape, and (unless random) the same numbers to float32 rounding."""
    return a.dtype == b.dtype and a.shape == b.shape and (random or np.allclose(a, b, rtol=1e-4, atol=1e-5))




KNOWN_DIFFERENCES = set()  # (one_hot's words are PyTorch's since stop 54)


@pytest.mark.parametrize("name", [name for name in CASES if name not in KNOWN_DIFFERENCES])
def test_functional_on_complex_input_as_pytorch(name):
    torch = pytest.importorskip("torch")
    theirs, ours = outcome(torch, name), outcome(ag, name)
    assert ours[0] == theirs[0], (ours, theirs)
    if theirs[0] == "ok":
        assert _close(theirs[1], ours[1], random=name in RANDOM)
    else:
        assert ours[1] == theirs[1]


# torch.* functions on a complex input: the ones that order numbers (NumPy orders complex numbers lexicographically
# and would answer) and other refusals, in PyTorch's words.
Z_TORCH = (np.arange(6).reshape(2, 3) * (0.3 + 0.7j) + 0.1).astype(np.complex64)
TORCH_CASES = {
    "median": lambda m, z: z.median(), "median-dim": lambda m, z: z.median(0), "nanmedian": lambda m, z: z.nanmedian(),
    "nanmedian-dim": lambda m, z: m.nanmedian(z, 1), "mode": lambda m, z: z.mode(),
    "kthvalue": lambda m, z: z.kthvalue(1),
    "topk": lambda m, z: z.topk(1), "argsort": lambda m, z: z.argsort(), "msort": lambda m, z: m.msort(z),
    "unique": lambda m, z: m.unique(z), "histc": lambda m, z: m.histc(z), "quantile": lambda m, z: m.quantile(z, 0.5),
    "nanquantile": lambda m, z: m.nanquantile(z, 0.5), "amax": lambda m, z: z.amax(), "amin": lambda m, z: z.amin(),
    "aminmax": lambda m, z: m.aminmax(z), "clamp_max": lambda m, z: z.clamp_max(1), "fmax": lambda m, z: m.fmax(z, z),
    "fmin": lambda m, z: m.fmin(z, z), "i0": lambda m, z: m.i0(z), "special.i1": lambda m, z: m.special.i1(z),
    "special.i0e": lambda m, z: m.special.i0e(z), "special.ndtri": lambda m, z: m.special.ndtri(z),
    "digamma": lambda m, z: m.digamma(z), "lgamma": lambda m, z: m.lgamma(z), "erf": lambda m, z: m.erf(z),
    "erfinv": lambda m, z: m.erfinv(z), "special.ndtr": lambda m, z: m.special.ndtr(z),
    "special.zeta": lambda m, z: m.special.zeta(z, z), "polygamma": lambda m, z: m.polygamma(1, z),
    "mvlgamma": lambda m, z: m.mvlgamma(z, 1), "frac": lambda m, z: m.frac(z), "fmod": lambda m, z: m.fmod(z, 2),
    "remainder": lambda m, z: m.remainder(z, 2), "floor_divide": lambda m, z: m.floor_divide(z, 2),
    "heaviside": lambda m, z: m.heaviside(z, z), "logit": lambda m, z: m.logit(z), "hypot": lambda m, z: m.hypot(z, z),
    "copysign": lambda m, z: m.copysign(z, z), "nextafter": lambda m, z: m.nextafter(z, z),
    "cummin": lambda m, z: m.cummin(z, 0), "logcumsumexp": lambda m, z: m.logcumsumexp(z, 0),
    "nansum": lambda m, z: m.nansum(z), "nanmean": lambda m, z: m.nanmean(z),
    "searchsorted": lambda m, z: m.searchsorted(z, z),
    "bucketize": lambda m, z: m.bucketize(z, z[0]), "isin": lambda m, z: m.isin(z, z),
    "signbit": lambda m, z: m.signbit(z),
    "isposinf": lambda m, z: m.isposinf(z), "isneginf": lambda m, z: m.isneginf(z), "round": lambda m, z: m.round(z),
    "xlogy": lambda m, z: m.xlogy(z, z), "logaddexp2": lambda m, z: m.logaddexp2(z, z), "std": lambda m, z: z.std(),
    "renorm": lambda m, z: m.renorm(z, 2, 0, 1), "dist": lambda m, z: m.dist(z, z), "cdist": lambda m, z: m.cdist(z, z),
    "bincount": lambda m, z: m.bincount(z), "gcd": lambda m, z: m.gcd(z, z), "trunc": lambda m, z: m.trunc(z),
    "sinc": lambda m, z: m.sinc(z), "erfc": lambda m, z: m.erfc(z), "special.entr": lambda m, z: m.special.entr(z),
    "special.log_ndtr": lambda m, z: m.special.log_ndtr(z), "expit": lambda m, z: m.special.expit(z),
    "count_nonzero": lambda m, z: m.count_nonzero(z), "allclose": lambda m, z: m.allclose(z, z),
    "isclose": lambda m, z: m.isclose(z, z), "equal": lambda m, z: m.equal(z, z),
    "clamp_min_": lambda m, z: z.clamp_min(0),
    "float_power": lambda m, z: m.float_power(z, 2), "ldexp": lambda m, z: m.ldexp(z, m.tensor([1])),
    "softmax-torch": lambda m, z: m.softmax(z, 0), "log_softmax-torch": lambda m, z: m.log_softmax(z, 1),
    "special.softmax": lambda m, z: m.special.softmax(z, 1), "logdet": lambda m, z: m.logdet(z[:, :2]),
    "diff": lambda m, z: m.diff(z), "histogram": lambda m, z: m.histogram(z), "cummax": lambda m, z: m.cummax(z, 0),
}
TORCH_WORDS_DIFFER = set()  # (every refusal here is in PyTorch's words since stop 54: tests/test_complex_gaps2.py)


def torch_outcome(m, name):
    """('ok', '') or (error type, first line of its message) of TORCH_CASES[name] in library m."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            TORCH_CASES[name](m, m.tensor(Z_TORCH))
        except Exception as error:  # noqa: BLE001  (every error is an outcome to compare)
            kind = "RuntimeError" if type(error).__name__ == "NotImplementedError" else type(error).__name__
            return kind, str(error).split("\n")[0]
    return "ok", ""


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_torch_functions_on_complex_input_as_pytorch(name):
    torch = pytest.importorskip("torch")
    theirs, ours = torch_outcome(torch, name), torch_outcome(ag, name)
    assert ours[0] == theirs[0], (ours, theirs)
    if name not in TORCH_WORDS_DIFFER:
        assert ours[1] == theirs[1]


def test_functions_that_order_numbers_refuse_complex_ones_without_pytorch():
    for name in ("nanmedian", "mode", "argsort", "unique", "fmax", "fmin", "hypot", "searchsorted", "bucketize",
                 "isin"):
        assert torch_outcome(ag, name)[0] == "RuntimeError", name


# PyTorch's words, checked without PyTorch (the survey above checks them all against it).
REFUSALS = {
    "layer_norm": '"LayerNormKernelImpl" not implemented for \'ComplexFloat\'',
    "nn.LayerNorm": "mixed dtype (CPU): all inputs must share same datatype.",
    "group_norm": '"GroupNormKernelImpl" not implemented for \'ComplexFloat\'',
    "batch_norm": '"batch_norm" not implemented for \'ComplexFloat\'',
    "softmax": '"softmax_lastdim_kernel_impl" not implemented for \'ComplexFloat\'',
    "softmax-dim0": '"softmax_kernel_impl" not implemented for \'ComplexFloat\'',
    "log_softmax": '"log_softmax_lastdim_kernel_impl" not implemented for \'ComplexFloat\'',
    "log_softmax-dim0": '"log_softmax_kernel_impl" not implemented for \'ComplexFloat\'',
    "cross_entropy": '"log_softmax_lastdim_kernel_impl" not implemented for \'ComplexFloat\'',
    "scatter_reduce-amax": '"scatter_gather_tensor_cpu_reduce_amax" not implemented for \'ComplexFloat\'',
    "cummax": '"cummax_cpu" not implemented for \'ComplexFloat\'',
    "interpolate-bilinear": '"upsample_bilinear2d_channels_last" not implemented for \'ComplexFloat\'',
    "dropout2d": '"bernoulli_scalar_cpu_" not implemented for \'ComplexFloat\'',
    "kl_div": "kl_div: Complex inputs not supported.",
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_in_pytorchs_words_without_pytorch(name):
    assert outcome(ag, name) == ("RuntimeError", REFUSALS[name])


def test_layer_norm_refuses_complex_input_before_numpy_warns():
    z = ag.tensor(Z2)
    for norm in (lambda: ag.nn.LayerNorm(3)(z), lambda: ag.nn.LayerNorm(3, dtype=ag.cfloat)(z),
                 lambda: ag.nn.functional.layer_norm(z, (3,)), lambda: ag.nn.GroupNorm(1, 3)(z[None]),
                 lambda: ag.nn.functional.group_norm(z[None], 1)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(RuntimeError):
                norm()
    with pytest.raises(NotImplementedError, match="LayerNormKernelImpl"):
        ag.nn.LayerNorm(3, dtype=ag.cfloat)(z)


def test_pooling_into_one_bin_keeps_complex64():
    """PyTorch averages complex numbers into a single bin (the mean): complex64 stays complex64."""
    out = ag.nn.functional.adaptive_avg_pool2d(ag.tensor(Z4), 1)
    assert out.dtype == np.complex64
    np.testing.assert_allclose(out.data[..., 0, 0], Z4.mean(axis=(2, 3)), rtol=1e-6)
    assert ag.nn.functional.interpolate(ag.tensor(Z4), size=1, mode="area").dtype == np.complex64


# Operations PyTorch computes on complex data but has no complex gradient for: values as PyTorch's (complex128), and a
# gradient through them is PyTorch's RuntimeError (as for embedding and bilinear).
def _c128(*shape):
    return _c(*shape).astype(np.complex128)


SCATTER_INDEX = np.array([[0, 1, 0], [1, 1, 0]])
FORWARD_ONLY = {
    "silu": (lambda m, z: m.nn.functional.silu(z), (_c128(2, 3),)),
    "nn.SiLU": (lambda m, z: m.nn.SiLU()(z * 3), (_c128(2, 3),)),
    "soft_margin_loss": (lambda m, z, y: m.nn.functional.soft_margin_loss(z, y), (_c128(2, 3), _c128(3, 2).T.copy())),
    "soft_margin_loss-real-target": (lambda m, z: m.nn.functional.soft_margin_loss(
        z, m.tensor(np.array([[1.0, -1, 1], [-1, 1, 1]]))), (_c128(2, 3),)),
    **{f"scatter_reduce-{how}-{include}": (
        lambda m, z, s, how=how, include=include: z.scatter_reduce(1, m.tensor(SCATTER_INDEX), s, how,
                                                                   include_self=include),
        (_c128(2, 3), _c128(3, 2).T.copy())) for how in ("sum", "mean", "prod") for include in (True, False)},
    "index_reduce-prod": (lambda m, z, s: z.index_reduce(1, m.tensor([0, 2, 0]), s, "prod"),
                          (_c128(2, 3), _c128(3, 2).T.copy())),
    "index_reduce-mean": (lambda m, z, s: z.index_reduce(1, m.tensor([0, 2, 0]), s, "mean"),
                          (_c128(2, 3), _c128(3, 2).T.copy())),
}


def _array(t):
    return np.asarray(t.data if isinstance(t, ag.Value) else t.detach().resolve_conj().numpy())


def _outcome_with_gradient(m, fn, inputs):
    """The error PyTorch's (or our) forward raises when the first input asks for a gradient."""
    leaves = [m.tensor(x, requires_grad=i == 0) for i, x in enumerate(inputs)]
    with pytest.raises(RuntimeError) as error:
        fn(m, *leaves)
    return str(error.value)


@pytest.mark.parametrize("name", list(FORWARD_ONLY))
def test_forward_only_operations_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fn, inputs = FORWARD_ONLY[name]
    ours, theirs = fn(ag, *map(ag.tensor, inputs)), fn(torch, *map(torch.tensor, inputs))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=1e-10, atol=1e-12)
    assert _outcome_with_gradient(ag, fn, inputs) == _outcome_with_gradient(torch, fn, inputs)


@pytest.mark.parametrize("name", list(FORWARD_ONLY))
def test_forward_only_operations_refuse_a_gradient_without_pytorch(name):
    fn, inputs = FORWARD_ONLY[name]
    kernel = name.split("-")[0].removeprefix("nn.").replace("SiLU", "silu")
    assert _outcome_with_gradient(ag, fn, inputs) == (f"{kernel} does not support automatic differentiation for "
                                                      "outputs with complex dtype.")
    with ag.no_grad():
        fn(ag, *[ag.tensor(x, requires_grad=True) for x in inputs])  # no gradient asked: computed


RECURRENT = {
    "RNN": dict(num_layers=2, bidirectional=True), "LSTM": dict(num_layers=2, bidirectional=True),
    "GRU": dict(num_layers=2, bidirectional=True), "LSTM-proj": dict(proj_size=1), "GRU-batch_first":
        dict(batch_first=True), "RNNCell": {}, "LSTMCell": {}, "GRUCell": {},
}


def _recurrent_run(m, name, parameters, x0, weights):
    """Output and gradients (input's, then each parameter's) of layer `name` (complex128) on x0, for the real loss
    Re Σ out·weights; `parameters` (ours, by name) sets PyTorch's."""
    kind = name.split("-")[0]
    layer = getattr(m.nn, kind)(3, 2, dtype=m.complex128, **RECURRENT[name])
    if parameters is not None:
        with m.no_grad():
            for key, p in layer.named_parameters():
                p.copy_(m.tensor(np.asarray(parameters[key].data)))
    x = m.tensor(x0[0] if kind.endswith("Cell") else x0, requires_grad=True)
    out = layer(x)
    out = out[0] if isinstance(out, tuple) else out
    (out * m.tensor(weights[: out.numel()].reshape(tuple(out.shape)))).real.sum().backward()
    return layer, out, [x.grad] + [p.grad for _, p in layer.named_parameters()]


@pytest.mark.parametrize("name", list(RECURRENT))
def test_recurrent_layers_on_complex_numbers_as_pytorch(name):
    """PyTorch's RNN, LSTM, GRU (and cells) run on complex numbers, differentiably; ours too (the composed steps:
    the fused kernel is real), with PyTorch's values and gradients in complex128."""
    torch = pytest.importorskip("torch")
    x0 = _c128(4, 2, 3)
    weights = _c128(64)
    layer, ours, our_grads = _recurrent_run(ag, name, None, x0, weights)
    _, theirs, their_grads = _recurrent_run(torch, name, dict(layer.named_parameters()), x0, weights)
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=1e-9, atol=1e-12)
    for mine, expected in zip(our_grads, their_grads):
        np.testing.assert_allclose(_array(mine), _array(expected), rtol=1e-7, atol=1e-10)


def test_silu_without_pytorch():
    z = _c128(2, 3)
    np.testing.assert_allclose(ag.nn.functional.silu(ag.tensor(z)).data, z / (1 + np.exp(-z)), rtol=1e-12)


def main(show_all):
    """Print the survey: each case whose outcomes differ (or every case), PyTorch's and ours."""
    import torch

    import autograd_core as ag

    for name in CASES:
        theirs, ours = outcome(torch, name), outcome(ag, name)
        same = theirs[0] == ours[0] and (theirs[0] != "ok" and theirs[1] == ours[1] or theirs[0] == "ok" and _close(
            theirs[1], ours[1], random=name in RANDOM))
        if show_all or not same:
            mark = "  " if same else "!="
            show = (lambda o: f"ok {o[1].dtype}{list(o[1].shape)}" if o[0] == "ok" else f"{o[0]}: {o[1][:110]}")
            print(f"{mark} {name:34} torch: {show(theirs)}\n{'':37} ours:  {show(ours)}")


if __name__ == "__main__":
    main("--all" in sys.argv)


# ----------------------------------------------------------------------------------------------------
# 2. Real × complex products. PyTorch refuses them ("expected m1 and m2 to have the same dtype, but got: float !=
# c10::complex<float>", and its other words per op), as it refuses float32 × float64; this library promotes both
# (tests/test_type_promotion.py's MORE_LENIENT_THAN_PYTORCH; its own compositions multiply complex data by real
# constant matrices: pooling, interpolation). Every product promotes alike, to PyTorch's numbers for the real operand
# cast first, and the real operand's gradient is real.
def _real(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape)


PRODUCTS = {
    "@": (lambda m, x, z: x @ z, (_real(2, 3), _c128(3, 2))),
    "complex @ real": (lambda m, z, x: z @ x, (_c128(2, 3), _real(3, 2))),
    "mm": (lambda m, x, z: m.mm(x, z), (_real(2, 3), _c128(3, 2))),
    "matmul-batched": (lambda m, x, z: m.matmul(x, z), (_real(2, 2, 3), _c128(2, 3, 2))),
    "bmm": (lambda m, x, z: m.bmm(x, z), (_real(2, 2, 3), _c128(2, 3, 2))),
    "einsum": (lambda m, x, z: m.einsum("ij,jk->ik", x, z), (_real(2, 3), _c128(3, 2))),
    "dot": (lambda m, x, z: m.dot(x, z), (_real(3), _c128(3))),
    "mv": (lambda m, x, z: m.mv(x, z), (_real(2, 3), _c128(3))),
    # (F.linear, the convolutions and the recurrent layers refuse a real/complex mix as PyTorch does since stop 54:
    # tests/test_complex_gaps2.py part 4)
    "tensordot": (lambda m, x, z: m.tensordot(x, z, 1), (_real(2, 3), _c128(3, 2))),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_real_complex_products_promote_to_pytorchs_numbers_of_the_cast_operands(name):
    torch = pytest.importorskip("torch")
    fn, inputs = PRODUCTS[name]
    with pytest.raises(RuntimeError):  # PyTorch: the operands must share a dtype
        fn(torch, *map(torch.tensor, inputs))
    leaves = [ag.tensor(x, requires_grad=True) for x in inputs]
    out = fn(ag, *leaves)
    (out * out).real.sum().backward()
    cast = [torch.tensor(x.astype(np.complex128), requires_grad=True) for x in inputs]
    theirs = fn(torch, *cast)
    (theirs * theirs).real.sum().backward()
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out.data, theirs.detach().numpy(), rtol=1e-12)
    for leaf, expected, x in zip(leaves, cast, inputs):
        assert np.asarray(leaf.grad).dtype == x.dtype  # the real operand's gradient is real: Re of the cast one's
        np.testing.assert_allclose(leaf.grad, expected.grad.numpy() if np.iscomplexobj(x) else
                                   expected.grad.real.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------------------------------
# 3. Muon and Adafactor refuse a complex parameter at the step, and only one that has a gradient (PyTorch's check runs
# over the parameters with gradients), before any parameter of its group changes; other groups step first.
def _optimizer_run(m, name, complex_gets_grad, groups):
    x = m.tensor(_real(3, 3), requires_grad=True)
    y = m.tensor(_real(3, 3) * 2, requires_grad=True)
    z = m.tensor(_c128(3, 3), requires_grad=True)
    params = [{"params": [x]}, {"params": [y, z]}] if groups else [x, y, z]
    opt = getattr(m.optim, name)(params, lr=0.1)
    for p in (x, y):
        p.grad = m.tensor(np.ones((3, 3)))
    if complex_gets_grad:
        z.grad = m.tensor(np.ones((3, 3)) * (1 + 1j))
    try:
        opt.step()
        error = None
    except RuntimeError as e:
        error = str(e)
    return error, [np.array(p.detach().numpy() if not isinstance(p, ag.Value) else p.data) for p in (x, y, z)]


@pytest.mark.parametrize("name", ["Muon", "Adafactor"])
@pytest.mark.parametrize("complex_gets_grad", [False, True])
@pytest.mark.parametrize("groups", [False, True])
def test_muon_and_adafactor_refuse_only_complex_parameters_with_gradients(name, complex_gets_grad, groups):
    error, (x, y, z) = _optimizer_run(ag, name, complex_gets_grad, groups)
    assert error == (f"{name} does not support complex parameters" if complex_gets_grad else None)
    np.testing.assert_array_equal(z, _c128(3, 3))
    assert (x != _real(3, 3)).any() == (groups or not complex_gets_grad)  # the first group steps before the refusal
    assert (y != _real(3, 3) * 2).any() == (not complex_gets_grad)
    torch = pytest.importorskip("torch")
    their_error, theirs = _optimizer_run(torch, name, complex_gets_grad, groups)
    assert error == their_error
    for mine, expected in zip((x, y, z), theirs):  # (PyTorch's Muon orthogonalises in bfloat16)
        np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-3 if name == "Muon" else 0)


# ----------------------------------------------------------------------------------------------------
# 4. The conjugate and negative bits: is_conj()/is_neg() as PyTorch reports them after conj(), H, mH, adjoint(),
# imag, resolve_conj(), resolve_neg(), conj_physical(), clone and arithmetic.
Z_BITS = np.array([[1 + 2j, 3 - 1j], [0.5j, -2 + 0j]])
BITS = {
    "conj": lambda m, z: z.conj(), "torch.conj": lambda m, z: m.conj(z), "conj-conj": lambda m, z: z.conj().conj(),
    "resolve_conj": lambda m, z: z.conj().resolve_conj(), "torch.resolve_conj": lambda m, z: m.resolve_conj(z.conj()),
    "resolve_conj-plain": lambda m, z: z.resolve_conj(), "conj_physical": lambda m, z: z.conj_physical(),
    "conj-conj_physical": lambda m, z: z.conj().conj_physical(), "torch.conj_physical": lambda m, z: m.conj_physical(z),
    "clone": lambda m, z: z.conj().clone(), "add": lambda m, z: z.conj() + 1, "mul": lambda m, z: z.conj() * z,
    "neg": lambda m, z: -z.conj(), "sum": lambda m, z: z.conj().sum(), "abs": lambda m, z: z.conj().abs(),
    "H": lambda m, z: z.H, "mH": lambda m, z: z.mH, "adjoint": lambda m, z: z.adjoint(),
    "torch.adjoint": lambda m, z: m.adjoint(z), "conj-mH": lambda m, z: z.conj().mH,
    "imag-of-conj": lambda m, z: z.conj().imag, "torch.imag-of-conj": lambda m, z: m.imag(z.conj()),
    "real-of-conj": lambda m, z: z.conj().real, "imag": lambda m, z: z.imag,
    "resolve_neg": lambda m, z: z.conj().imag.resolve_neg(), "torch.resolve_neg": lambda m, z: m.resolve_neg(
        z.conj().imag), "imag-of-conj-conj": lambda m, z: z.conj().conj().imag,
    "neg-of-imag": lambda m, z: -z.conj().imag, "plain": lambda m, z: z, "real-conj": lambda m, z: z.real.conj(),
    "to-other-dtype": lambda m, z: z.conj().to(m.complex64),
}


def _bits(m, name, requires_grad=False):
    out = BITS[name](m, m.tensor(Z_BITS, requires_grad=requires_grad))
    return out.is_conj(), out.is_neg(), m.is_conj(out), m.is_neg(out)


@pytest.mark.parametrize("name", list(BITS))
def test_conjugate_and_negative_bits_as_pytorch(name):
    torch = pytest.importorskip("torch")
    assert _bits(ag, name) == _bits(torch, name)
    assert _bits(ag, name, requires_grad=True) == _bits(torch, name, requires_grad=True)


def test_conjugate_bit_without_pytorch():
    z = ag.tensor(Z_BITS, requires_grad=True)
    c = z.conj()
    assert c.is_conj() and not c.conj().is_conj() and not (c + 0).is_conj() and not z.is_conj()
    assert c.imag.is_neg() and not c.imag.resolve_neg().is_neg() and not z.imag.is_neg()
    resolved = c.resolve_conj()
    assert not resolved.is_conj() and resolved is not c and c.is_conj()  # a copy; c keeps its bit
    np.testing.assert_array_equal(resolved.data, np.conj(Z_BITS))
    np.testing.assert_array_equal(c.imag.resolve_neg().data, -Z_BITS.imag)
    x = ag.tensor([1.0, 2.0])
    assert x.conj() is x and not x.conj().is_conj() and x.resolve_conj() is x
    (resolved.real.sum() + c.imag.resolve_neg().sum()).backward()  # resolve_* are differentiable (copies)
    np.testing.assert_array_equal(z.grad, np.full(Z_BITS.shape, 1 - 1j))  # L = Σ Re z − Σ Im z


# ----------------------------------------------------------------------------------------------------
# 5. The graph explorer on complex graphs: numbers as viz.draw writes them ('1+2j'), PyTorch's grads, f′(z) on the
# holomorphic edges, the backward replay and the chain rule in complex arithmetic (grad · conj(f′)).
def _holomorphic_graph():
    z = ag.tensor(1 + 2j, dtype=ag.complex128, requires_grad=True)
    z.label = "z"
    w = ag.tensor(0.5 - 1j, dtype=ag.complex128, requires_grad=True)
    w.label = "w"
    h = z * w + z.exp()
    h.label = "h"
    out = h * h
    out.label = "out"
    out.backward(ag.tensor(1 + 0j, dtype=ag.complex128), retain_graph=True)
    return z, w, h, out


def _real_loss_graph():
    z = ag.tensor(np.array([1 + 2j, -0.5 + 0.25j, 3j]), requires_grad=True)
    z.label = "z"
    c = ag.tensor(0.5 - 1j, dtype=ag.complex128, requires_grad=True)
    c.label = "c"
    loss = (z * c).abs().sum()
    loss.label = "loss"
    loss.backward(retain_graph=True)
    return z, c, loss


def test_explorer_data_writes_complex_numbers_as_python_does():
    from autograd_core import viz
    from autograd_core.viz.explore import encode_array, explorer_data

    assert encode_array(np.complex128(1 + 2j)) == "1+2j" and encode_array(np.complex128(-0.5j)) == "-0.5j"
    assert encode_array(np.array([1 + 1j, 3 - 1j])) == {"v": ["1+1j", "3-1j"], "c": ["2+0j", float(np.sqrt(10))]}
    assert set(encode_array(np.full((8, 8), 1j))) == {"c"}  # no order: no min, max, histogram or heatmap
    z, w, h, out = _holomorphic_graph()
    graph = viz.trace(out)
    data = explorer_data(graph, [n.id for n in reversed(graph.nodes)])
    k = data["ids"].index(graph.node_of("z").id)
    assert complex(data["data"][k]) == 1 + 2j and complex(data["grad"][k]) == complex(z.grad)
    assert all(isinstance(d, str) and d.endswith("j") for d in data["deriv"])  # f′(z) on every holomorphic edge


@pytest.fixture(scope="module")
def browser():
    from test_viz_explore import browser as make_browser

    yield from make_browser.__wrapped__()


def _open(browser, root, name):
    from test_viz_explore import console_errors, open_page

    from autograd_core import viz

    open_page(browser, viz.explore(root), name)
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_explorer_replays_a_holomorphic_graph_in_the_browser(browser):
    from test_viz_explore import click_node, console_errors

    from autograd_core import viz

    z, w, h, out = _holomorphic_graph()
    graph = viz.trace(out)
    _open(browser, out, "complex-holomorphic")
    browser.execute_script("explorer.select(arguments[0])", graph.node_of("z").id)
    details = browser.find_element("id", "details").text
    assert "1+2j" in details and "complex128" in details
    browser.find_element("id", "step-last").click()
    for leaf in (z, w, h):  # the replay's complex arithmetic gives PyTorch's grads
        mine = browser.execute_script("return explorer.gradOf(arguments[0])", graph.node_of(leaf.label).id)
        assert complex(mine) == pytest.approx(complex(leaf.grad), rel=1e-12), leaf.label
    click_node(browser, graph.node_of("z").id)
    chain = browser.execute_script("return explorer.chain()")
    assert chain["count"] == 4 and complex(chain["total"]).conjugate() == pytest.approx(complex(z.grad), rel=1e-12)
    text = browser.find_element("id", "chain-text").text
    assert "conj(sum)" in text and "✓ equal" in text, text
    assert console_errors(browser) == []


@pytest.mark.needs("chromium", "chromedriver")
def test_explorer_of_a_real_loss_of_complex_tensors_in_the_browser(browser):
    from test_viz_explore import click_node, console_errors

    from autograd_core import viz

    z, c, loss = _real_loss_graph()
    graph = viz.trace(loss)
    _open(browser, loss, "complex-real-loss")
    for k in range(browser.execute_script("return explorer.nodeCount")):
        browser.execute_script("explorer.select(arguments[0])", k)
    browser.execute_script("explorer.select(arguments[0])", graph.node_of("z").id)
    details = browser.find_element("id", "details").text
    assert "1+2j" in details and "max |·|" in details
    browser.find_element("id", "step-last").click()
    mine = browser.execute_script("return explorer.gradOf(arguments[0])", graph.node_of("c").id)
    assert complex(mine) == pytest.approx(complex(c.grad), rel=1e-12)
    click_node(browser, graph.node_of("c").id)
    assert "Tensor edges carry rules" in browser.find_element("id", "chain-text").text
    # a scalar path through abs: no single local derivative, said so (not 'freed by backward()')
    z, w, h, out = _holomorphic_graph()
    scalar_loss = h.abs()
    scalar_loss.backward(retain_graph=True)
    graph = viz.trace(scalar_loss)
    _open(browser, scalar_loss, "complex-abs")
    click_node(browser, graph.node_of("w").id)
    text = browser.find_element("id", "chain-text").text
    assert "not holomorphic" in text and "freed" not in text, text
    browser.find_element("id", "step-last").click()
    mine = browser.execute_script("return explorer.gradOf(arguments[0])", graph.node_of("w").id)
    assert complex(mine) == pytest.approx(complex(w.grad), rel=1e-12)
    assert console_errors(browser) == []


def test_conv_tbc_on_complex_numbers_as_pytorch():
    """F.conv_tbc (torch.conv_tbc's composition, now in nn.functional too): complex values as PyTorch's, and a
    gradient through them refused in its words (it has no complex backward)."""
    torch = pytest.importorskip("torch")
    inputs = (_c128(5, 2, 3), _c128(2, 3, 4), _c128(4))
    results, errors = [], []
    for m in (ag, torch):
        results.append(m.nn.functional.conv_tbc(*map(m.tensor, inputs), 1))
        with pytest.raises(RuntimeError) as error:
            m.nn.functional.conv_tbc(m.tensor(inputs[0], requires_grad=True), *map(m.tensor, inputs[1:]), 1)
        errors.append(str(error.value))
    np.testing.assert_allclose(_array(results[0]), _array(results[1]), rtol=1e-10, atol=1e-12)
    assert errors[0] == errors[1] == ("conv_tbc does not support automatic differentiation for outputs with complex "
                                      "dtype.")
