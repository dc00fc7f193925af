"""Dropout: in training, zero each element with probability p and scale the rest by 1/(1 − p).

`inplace=True` (every function and module here) writes the result into the input and returns the input, under
PyTorch's in-place rules (autograd_core.inplace.update_in_place): recorded on a Value in a graph, RuntimeError on a
leaf that requires grad outside no_grad(). Where nothing is dropped (evaluation, p == 0) the input is returned as it
is, with or without inplace.
"""

from __future__ import annotations

import json

import numpy as np

from autograd_core import ShapeError
from autograd_core import Value
from autograd_core.inplace import update_in_place
from autograd_core.ops import data_of, without_gradient
from autograd_core.ops.complex import refuse_complex

from . import init
from .module import Module


def _mask(x, *, p, rng, shape):
    """The scaled keep-mask m / (1 − p), m ~ Bernoulli(1 − p) of `shape`, drawn from generator `rng`, in x's
    float dtype (float64 for other data). Only x's dtype is read: the mask is data, with no gradient."""
    dtype = x.dtype if np.asarray(x).dtype.kind == "f" else np.float64
    keep = rng.random(shape) >= p
    with np.errstate(over="ignore"):
        scale = np.dtype(dtype).type(1.0 / (1.0 - p))
    if np.isfinite(scale):  # keep · 1/(1 − p) made in the dtype itself, the scale rounded to it once: the bits of
        return np.multiply(keep, scale, dtype=dtype)  # the float64 product cast, in one pass instead of two
    return (keep * (1.0 / (1.0 - p))).astype(dtype, copy=False)  # a scale beyond float16's range: inf, and 0 (not NaN)


def _scaled_mask(x, p, rng, shape):
    """The mask for x: a result without gradient (ops.without_gradient), so that while a tracer watches (a compile
    recording) it is a recorded operation, and a compiled step draws a new mask from the same generator at each
    call, as eager mode does, instead of holding the first call's as a constant."""
    if isinstance(x, Value):
        return without_gradient(_mask, x, p=p, rng=rng, shape=shape)
    return _mask(x, p=p, rng=rng, shape=shape)


def dropout(input, p=0.5, training=True, inplace=False, rng=None):
    """input ⊙ m / (1 − p) with m ~ Bernoulli(1 − p) drawn from `rng` (see `nn.init.get_rng`); input itself when
    not training or p == 0. The expected value is input either way. One node: a multiply by a constant.
    PyTorch's arguments in PyTorch's order; inplace=True: written into input, which is returned; rng: ours, by
    keyword."""
    x = input
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p} (dropout: p must be in [0, 1])")
    if not training or p == 0.0:
        return x
    if inplace:
        return update_in_place(x, "dropout(inplace=True)", lambda v: dropout(v, p, training, False, rng))
    xd = data_of(x)
    dtype = xd.dtype if np.asarray(xd).dtype.kind in "fc" else np.float64
    if p == 1.0:
        return x * np.zeros(np.shape(xd), dtype)
    refuse_complex("dropout", xd)  # PyTorch draws no Bernoulli mask for complex data
    return x * _scaled_mask(x, p, init.get_rng(rng), np.shape(xd))


class Dropout(Module):
    """Dropout(p=0.5, inplace=False, rng=None): `dropout` in training mode, identity in evaluation mode.

    rng: a np.random.Generator or int seed (kept: masks differ per call but the sequence of masks is
    reproducible); None (PyTorch's way) draws from the default generator (`torch.manual_seed`).

    With rng=None the module has no state, as in PyTorch: its state dict has no entry, and loading one leaves the
    default generator alone (a script that saves `torch.get_rng_state()` beside the model resumes its masks, as in
    PyTorch). With its own generator, that generator's state is saved with the model as the state-dict entry
    `<name>._extra_state` (PyTorch's key for extra state; JSON text of `bit_generator.state` as uint8), so a training
    run resumed from a checkpoint draws the same masks as one that never stopped; loading it restores the generator.
    A state dict without the entry (PyTorch's) loads and leaves the generator as it is; an entry for a Dropout
    without its own generator (written before it kept none) is ignored.
    """

    def __init__(self, p=0.5, inplace=False, rng=None):
        # inplace: the input is changed and returned (in training mode), as PyTorch's
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p} (Dropout: p must be in "
                             "[0, 1])")
        self.p, self.inplace = float(p), bool(inplace)
        self._rng = None if rng is None else init.get_rng(rng)

    def forward(self, input):
        return dropout(input, self.p, self.training, self.inplace, rng=self._rng)

    def get_extra_state(self):
        if self._rng is None:
            return None  # the default generator is the program's, not the model's (torch.get_rng_state saves it)
        state = self._rng.bit_generator.state
        text = json.dumps(state, default=lambda a: a.tolist() if isinstance(a, np.ndarray) else str(a))
        return np.frombuffer(text.encode("ascii"), np.uint8).copy()

    def set_extra_state(self, state):
        state = np.asarray(state)
        if state.dtype != np.uint8 or state.ndim != 1:
            raise ValueError(f"a Dropout generator state is 1-d uint8 JSON text, not {state.dtype} {state.shape}")
        try:
            saved = json.loads(state.tobytes().decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("the Dropout generator state is not valid JSON text") from None
        generator = init.get_rng(self._rng)
        kind = type(generator.bit_generator)
        if not isinstance(saved, dict) or saved.get("bit_generator") != kind.__name__:
            found = saved.get("bit_generator") if isinstance(saved, dict) else type(saved).__name__
            raise ValueError(f"the saved Dropout generator is {str(found)[:40]!r}, this one is {kind.__name__}")
        kind().state = saved  # a scratch generator checks the state before the real one takes it
        generator.bit_generator.state = saved

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


def _feature_dropout(who, x, p, training, rng, spatial, inplace):
    """Zero whole channels of x (N, C, *spatial) or unbatched (C, *spatial): a mask of shape (N, C, 1, ...) drawn
    per sample and channel, scaled by 1/(1 − p) (Tompson et al., 2015). Identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p} ({who}: p must be in [0, 1])")
    xd = data_of(x)
    shape = np.shape(xd)
    if len(shape) not in (spatial + 1, spatial + 2):
        axes = ("L", "H, W", "D, H, W")[spatial - 1]
        raise ShapeError(f"{who}: input must be (N, C, {axes}) or unbatched (C, {axes}), got shape {shape}")
    if not training or p == 0.0:
        return x
    if inplace:
        return update_in_place(x, f"{who}(inplace=True)",
                               lambda v: _feature_dropout(who, v, p, training, rng, spatial, False))
    dtype = xd.dtype if np.asarray(xd).dtype.kind in "fc" else np.float64
    mask_shape = shape[:-spatial] + (1,) * spatial
    if p == 1.0:
        return x * np.zeros(mask_shape, dtype)
    refuse_complex("dropout", xd)  # PyTorch draws no Bernoulli mask for complex data
    return x * _scaled_mask(x, p, init.get_rng(rng), mask_shape)


def dropout1d(input, p=0.5, training=True, inplace=False, rng=None):
    """Zero whole channels of x (N, C, L) or (C, L), each with probability p, and scale the rest by 1/(1 − p).
    inplace=True: written into input, which is returned."""
    return _feature_dropout("dropout1d", input, p, training, rng, 1, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False, rng=None):
    """Zero whole channels: x (N, C, H, W) (or unbatched (C, H, W)) times a mask of shape (N, C, 1, 1)
    drawn per sample and channel, scaled by 1/(1 − p) (Tompson et al., 2015). Identity when not training.
    inplace=True: written into input, which is returned."""
    return _feature_dropout("dropout2d", input, p, training, rng, 2, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False, rng=None):
    """Zero whole channels of x (N, C, D, H, W) or (C, D, H, W), each with probability p, and scale the rest by
    1/(1 − p). inplace=True: written into input, which is returned."""
    return _feature_dropout("dropout3d", input, p, training, rng, 3, inplace)


class Dropout1d(Dropout):
    """Dropout1d(p=0.5, inplace=False, rng=None): `dropout1d` (whole channels of (N, C, L)) in training mode."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training, self.inplace, rng=self._rng)


class Dropout2d(Dropout):
    """Dropout2d(p=0.5, inplace=False, rng=None): `dropout2d` (whole channels) in training mode, identity in
    evaluation."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace, rng=self._rng)


class Dropout3d(Dropout):
    """Dropout3d(p=0.5, inplace=False, rng=None): `dropout3d` (whole channels of (N, C, D, H, W)) in training
    mode."""

    def forward(self, input):
        return dropout3d(input, self.p, self.training, self.inplace, rng=self._rng)


# SELU's fixed point: −scale·alpha, the value SELU saturates to (Klambauer et al., 2017).
_SELU_SATURATION = 1.7580993408473766


def _alpha_keep_mask(x, *, p, rng, shape):
    """The Bernoulli(1 − p) keep-mask, as 0/1 in x's float dtype (no gradient)."""
    dtype = x.dtype if np.asarray(x).dtype.kind == "f" else np.float64
    return (rng.random(shape) >= p).astype(dtype)


def alpha_dropout(input, p=0.5, training=False, inplace=False, rng=None):
    """Dropout for SELU networks (Klambauer et al., 2017): dropped elements take SELU's saturation value −α′
    (α′ = 1.7581), then an affine map a·(·) + b restores zero mean and unit variance:
    y = a·(x·m + (m − 1)·α′) + a·α′·p with m ~ Bernoulli(1 − p), a = 1/√((α′²p + 1)(1 − p)), as PyTorch.
    Note PyTorch's default training=False for this function. inplace=True: written into input, which is returned."""
    return _alpha_dropout("alpha_dropout", input, p, training, rng, False, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False, rng=None):
    """`alpha_dropout` of whole channels: one mask element per (sample, channel) of input (N, C, *), broadcast over
    the other axes, as PyTorch (which reads axes 0 and 1 as N and C whatever the rank). Note PyTorch's default
    training=False. inplace=True: written into input, which is returned."""
    return _alpha_dropout("feature_alpha_dropout", input, p, training, rng, True, inplace)


def _alpha_dropout(who, input, p, training, rng, feature, inplace):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p} ({who}: p must be in [0, 1])")
    xd = data_of(input)
    if feature and np.ndim(xd) < 2:
        raise ShapeError(f"{who}: input must have at least 2 axes (N, C, ...), got shape {np.shape(xd)}")
    if not training or p == 0.0:
        return input
    if inplace:
        return update_in_place(input, f"{who}(inplace=True)",
                               lambda v: _alpha_dropout(who, v, p, training, rng, feature, False))
    dtype = xd.dtype if np.asarray(xd).dtype.kind in "fc" else np.float64
    if p == 1.0:
        return input * np.zeros((), dtype)
    refuse_complex("dropout", xd)  # PyTorch draws no Bernoulli mask for complex data
    shape = np.shape(xd)
    if feature:
        shape = shape[:2] + (1,) * (len(shape) - 2)
    generator = init.get_rng(rng)
    if isinstance(input, Value):
        keep = without_gradient(_alpha_keep_mask, input, p=p, rng=generator, shape=shape)
    else:
        keep = _alpha_keep_mask(xd, p=p, rng=generator, shape=shape)
    a = 1.0 / np.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
    return input * (keep * a) + ((keep - 1) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p)


class AlphaDropout(Dropout):
    """AlphaDropout(p=0.5, inplace=False, rng=None): `alpha_dropout` in training mode, identity in evaluation."""

    def forward(self, input):
        return alpha_dropout(input, self.p, self.training, self.inplace, rng=self._rng)


class FeatureAlphaDropout(Dropout):
    """FeatureAlphaDropout(p=0.5, inplace=False, rng=None): `feature_alpha_dropout` (whole channels, SELU's
    saturation value) in training mode, identity in evaluation."""

    def forward(self, input):
        return feature_alpha_dropout(input, self.p, self.training, self.inplace, rng=self._rng)
