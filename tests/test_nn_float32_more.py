"""The new losses, activations and layers keep float32 float32 (values and gradients): no silent upcast
from float64 constants (class weights, interpolation matrices, padding blocks, masks)."""

import numpy as np
import pytest

import autograd_core.nn.functional as F
from autograd_core import Value, nn

R = np.random.default_rng(0)
X = R.normal(size=(4, 3, 5, 5)).astype(np.float32)
Z = R.normal(size=(4, 3)).astype(np.float32)
T = R.normal(size=(4, 3)).astype(np.float32)
Y = np.array([0, 1, 2, 1])

CASES = {
    "cross_entropy-options": lambda x, z, t: F.cross_entropy(z, Y, weight=np.array([1.0, 2.0, 3.0]),
                                                             label_smoothing=0.1, ignore_index=1),
    "cross_entropy-nd": lambda x, z, t: F.cross_entropy(x, np.zeros((4, 5, 5), int)),
    "cross_entropy-probabilities": lambda x, z, t: F.cross_entropy(z, np.full((4, 3), 1 / 3)),
    "nll_loss-weight": lambda x, z, t: F.nll_loss(z, Y, weight=np.ones(3)),
    "bce_with_logits-pos_weight": lambda x, z, t: F.binary_cross_entropy_with_logits(
        z, np.ones((4, 3)), pos_weight=np.ones(3), weight=np.ones(3)),
    "l1": lambda x, z, t: F.l1_loss(z, t), "smooth_l1": lambda x, z, t: F.smooth_l1_loss(z, t, beta=0.5),
    "huber": lambda x, z, t: F.huber_loss(z, t), "kl_div": lambda x, z, t: F.kl_div(z, t, log_target=True),
    "gelu": lambda x, z, t: F.gelu(x).sum(), "gelu-tanh": lambda x, z, t: F.gelu(x, "tanh").sum(),
    "silu": lambda x, z, t: F.silu(x).sum(), "elu": lambda x, z, t: F.elu(x).sum(),
    "softplus": lambda x, z, t: F.softplus(x, 2.0, 1.0).sum(),
    "group_norm": lambda x, z, t: nn.GroupNorm(3, 3)(x).sum(),
    "bilinear": lambda x, z, t: F.interpolate(x, scale_factor=2, mode="bilinear").sum(),
    "nearest": lambda x, z, t: F.interpolate(x, size=(7, 3)).sum(),
    "pad-reflect": lambda x, z, t: F.pad(x, (1, 1, 2, 0), mode="reflect").sum(),
    "pad-constant": lambda x, z, t: F.pad(x, (1, 1, 2, 0)).sum(),
    "max_pool-dilation-ceil": lambda x, z, t: F.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True).sum(),
    "avg_pool-ceil": lambda x, z, t: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False).sum(),
    "conv-circular": lambda x, z, t: nn.Conv2d(3, 2, 3, padding=1, padding_mode="circular")(x).sum(),
    "dropout2d": lambda x, z, t: nn.Dropout2d()(x).sum(),
}


@pytest.mark.parametrize("name", CASES)
def test_float32_stays_float32(name):
    x, z, t = Value(X), Value(Z), Value(T)
    out = CASES[name](x, z, t)
    out.backward()
    assert out.dtype == np.float32
    grads = [v.grad for v in (x, z, t) if v.grad is not None]
    assert grads and all(g.dtype == np.float32 for g in grads)
