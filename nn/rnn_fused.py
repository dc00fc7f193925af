"""One recurrent layer-direction over a whole sequence as one node: the primitive `rnn_sequence`.

The composed path of nn/rnn.py records about a dozen nodes per time step (an LSTM step: linear, add, sigmoid,
four slices, tanh, three products, a sum, tanh), and on small arrays the engine's cost per node is larger than the
arithmetic. Here the forward pass is plain NumPy: the input projections of all T steps in one matmul, then the
recurrence written into one output array. Its vector-Jacobian product is backpropagation through time:

* the forward pass keeps what the backward pass needs in its output: every state h_t (and c_t and the LSTM's gates);
  every factor of the backward recurrence that does not depend on the incoming gradient is computed from them for
  all steps at once (GRU recomputes its gates from the stored states with one matmul);
* the recurrence itself carries only dh (and dc for LSTM) backwards, a few small operations per step;
* the gradients of x and of every weight and bias are then one matmul or sum each over all steps.

Under `create_graph=True` the rules run on Values and record the backward pass, so second derivatives come out of
it: the work over all steps is written with operators and primitives that Values share (concatenate, stack, tanh,
matmul, slices); the loop over time has a second form for arrays that writes into arrays allocated once (and the
LSTM's factors go into recycled arrays), the same products and sums in the same order. tests/test_rnn_fused.py checks
the two forms against each other, and both against the composed path and PyTorch. Forward mode runs the composed
steps under `jvp` (see `_jvp`); nn.RNN/LSTM/GRU themselves take the composed path while a forward-mode trace watches.

Inputs, in order (the flags say which are present): x (T, N, I); h0 (N, P); c0 (N, H) for LSTM; w_ih (G·H, I);
w_hh (G·H, P); b_ih, b_hh (G·H,) when `bias`; w_hr (P, H) for an LSTM with `proj` (else P = H). Keyword
parameters: mode ('RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'), reverse (read the sequence from its last step), bias,
proj. Output: (T, N, P) holding h_t at row t (in the sequence's own time order, for either direction); for LSTM
(T, N, P + 5H): h_t, then c_t, then the gates i, f, g, o of that step (kept for the backward pass, as PyTorch keeps
them for its backward pass; a gradient reaching them is accounted for too). The final state is row T−1 (row 0 when
reverse).
"""

from __future__ import annotations

import threading

import numpy as np

from autograd_core.grad_array import NUMPY_ARRAYS
from autograd_core import recycle
from autograd_core.ops import concatenate, data_of, primitive, sigmoid, stack, tanh

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def unpack(xs, mode, bias, proj):
    """(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) from the primitive's inputs; None for the absent ones."""
    it = iter(xs)
    x, h0 = next(it), next(it)
    c0 = next(it) if mode == "LSTM" else None
    w_ih, w_hh = next(it), next(it)
    b_ih, b_hh = (next(it), next(it)) if bias else (None, None)
    w_hr = next(it) if proj else None
    return x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr


def _sigmoid_scale(hidden, dtype):
    """(scale, shift) over LSTM's four gates i, f, g, o: σ(z) = tanh(z/2)/2 + 1/2 on i, f, o and tanh(z) on g, so
    `tanh(z·scale)·scale + shift` activates all four gates in three passes (stable for any z)."""
    scale = np.full(4 * hidden, 0.5, dtype)
    scale[2 * hidden:3 * hidden] = 1.0
    shift = scale.copy()
    shift[2 * hidden:3 * hidden] = 0.0
    return scale, shift


def _sigmoid(z):
    """σ(z) = tanh(z/2)/2 + 1/2 (the same numbers as LSTM's gates; on arrays and on Values)."""
    return tanh(z * 0.5) * 0.5 + 0.5


# ----------------------------------------------------------------------------------------------------
# Forward: NumPy only.


@primitive("rnn_sequence")
def rnn_sequence(*xs, mode, reverse, bias, proj):
    """The states of one layer-direction at every step, (T, N, P) (LSTM: (T, N, P + 5H): h_t, c_t, the gates); see
    the module's docstring for the inputs."""
    _MEMO.entry = None  # a compiled step may hand the next call the same arrays: no gradient of an old call is reused
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = unpack(xs, mode, bias, proj)
    steps, batch = x.shape[0], x.shape[1]
    dtype = np.result_type(x, h0, w_ih, w_hh)
    gi = np.matmul(x.reshape(steps * batch, x.shape[2]), w_ih.T,
                   out=recycle.empty((steps * batch, w_ih.shape[0]), dtype)).reshape(steps, batch, w_ih.shape[0])
    if bias:
        gi += b_ih
        if mode != "GRU":  # GRU keeps b_hn inside r ⊙ (h W_hnᵀ + b_hn)
            gi += b_hh
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    w_hh_t = w_hh.T
    h = h0
    if mode == "LSTM":
        size, out_size = c0.shape[-1], h0.shape[-1]
        out = recycle.empty((steps, batch, out_size + 5 * size), dtype)
        scale, shift = _sigmoid_scale(size, dtype)
        # Halving is exact in binary floating point, so scaling gi and W_hh beforehand gives the very numbers of
        # scaling each step's pre-activation, one pass fewer per step.
        gi *= scale
        w_hh_t = w_hh_t * scale
        pre = np.empty((batch, 4 * size), dtype)
        c = c0
        for t in order:
            np.matmul(h, w_hh_t, out=pre)
            pre += gi[t]                                        # (gi + h W_hhᵀ) ⊙ scale
            h, c_new, acts = out[t, :, :out_size], out[t, :, out_size:out_size + size], out[t, :, out_size + size:]
            np.tanh(pre, out=acts)
            acts *= scale
            acts += shift                                       # i, f, g, o: kept for the backward pass
            i, f, g, o = (acts[:, k * size:(k + 1) * size] for k in range(4))
            np.multiply(f, c, out=c_new)
            c_new += i * g                                      # c' = f ⊙ c + i ⊙ g
            if w_hr is None:
                np.tanh(c_new, out=h)
                h *= o                                          # h' = o ⊙ tanh(c')
            else:
                m = np.tanh(c_new)
                m *= o
                np.matmul(m, w_hr.T, out=h)                     # h' = (o ⊙ tanh(c')) W_hrᵀ
            c = c_new
        return out
    out = recycle.empty((steps, batch, h0.shape[-1]), dtype)
    if mode == "GRU":
        size = h0.shape[-1]
        for t in order:
            gh = h @ w_hh_t
            if bias:
                gh += b_hh
            rz = gi[t, :, :2 * size] + gh[:, :2 * size]
            rz *= 0.5
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5                                           # r, z
            n = rz[:, :size] * gh[:, 2 * size:]
            n += gi[t, :, 2 * size:]
            np.tanh(n, out=n)                                   # n = tanh(gi_n + r ⊙ gh_n)
            h_new = out[t]
            np.subtract(h, n, out=h_new)
            h_new *= rz[:, size:]
            h_new += n                                          # h' = n + z ⊙ (h − n)
            h = h_new
        return out
    for t in order:
        h_new = out[t]
        np.matmul(h, w_hh_t, out=h_new)
        h_new += gi[t]
        if mode == "RNN_TANH":
            np.tanh(h_new, out=h_new)
        else:
            np.maximum(h_new, 0, out=h_new)
        h = h_new
    return out


# ----------------------------------------------------------------------------------------------------
# Backward: backpropagation through time, on arrays or (create_graph) on Values.


def _previous(seq, first, reverse):
    """The state before each step, (T, N, S): `first` before the first step read, then the outputs shifted."""
    first = first.reshape((1,) + tuple(first.shape))
    return concatenate([seq[1:], first] if reverse else [first, seq[:-1]], axis=0)


def _flat(a):
    return a.reshape((a.shape[0] * a.shape[1], a.shape[2]))


def _times(a, w):
    """a (T, N, K) @ w (K, M) as one matrix product of (T·N, K) by w (NumPy's 3-d matmul runs T small ones)."""
    return (_flat(a) @ w).reshape((a.shape[0], a.shape[1], w.shape[1]))


def _bptt(g, out, xs, mode, reverse, bias, proj):
    """The backward recurrence: returns a dict of what the per-input rules need (see `_gradient`).

    Everything that does not depend on the incoming gradient is computed for all steps at once; the loop over time
    (`_STEPS_ARRAYS` on NumPy data, `_STEPS_VALUES` under create_graph, the same formulas) carries dh (and dc)."""
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = unpack(xs, mode, bias, proj)
    steps = x.shape[0]
    back = range(steps) if reverse else range(steps - 1, -1, -1)   # the order gradients flow in
    loops = _STEPS_ARRAYS if all(a.__class__ in NUMPY_ARRAYS for a in (g, out, w_hh)) else _STEPS_VALUES
    out_size = h0.shape[-1]
    hs = out[..., :out_size] if mode == "LSTM" else out
    h_prev = _previous(hs, h0, reverse)
    if mode == "LSTM":
        size = c0.shape[-1]
        cs, acts = out[..., out_size:out_size + size], out[..., out_size + size:]
        i, f, cand, o = (acts[..., k * size:(k + 1) * size] for k in range(4))
        c_prev = _previous(cs, c0, reverse)
        tc = tanh(cs)
        to_c = o * ((1 - tc) * (1 + tc))                                # ∂h/∂c through h = o ⊙ tanh(c)
        _, shift = _sigmoid_scale(size, data_of(out).dtype)
        bend = 1 - 2 * shift                                            # 0 on i, f, o; 1 on g
        if loops is _STEPS_ARRAYS:
            slopes, factors = _lstm_factors_arrays(acts, bend, [cand, c_prev, i, tc])
        else:
            slopes = (1 - acts) * (acts + bend)         # σ' = a(1 − a) on i, f, o; tanh' = (1 − a)(1 + a) on g
            factors = concatenate([cand, c_prev, i, tc], axis=-1) * slopes  # ∂c/∂(i, f, g), ∂h/∂o, times those
        g_acts = g[..., out_size + size:]  # the gates' own gradient: zero unless something reads them (create_graph)
        extra = g_acts * slopes if loops is _STEPS_VALUES or g_acts.any() else None
        d_pre, dhs, dh0, dc0 = loops["LSTM"](back, g[..., :out_size], g[..., out_size:out_size + size], to_c,
                                              factors, f, w_hh, w_hr, extra)
        state = {"d_gi": d_pre, "d_gh": d_pre, "dh0": dh0, "dc0": dc0}
        if w_hr is not None:
            state["dw_hr"] = _flat(dhs).T @ _flat(o * tc)
    elif mode == "GRU":
        size = out_size
        gi = _times(x, w_ih.T)
        gh = _times(h_prev, w_hh.T)
        if bias:
            gi = gi + b_ih
            gh = gh + b_hh
        rz = _sigmoid(gi[..., :2 * size] + gh[..., :2 * size])
        r, z = rz[..., :size], rz[..., size:]
        gh_n = gh[..., 2 * size:]
        n = tanh(gi[..., 2 * size:] + r * gh_n)
        to_n = (1 - z) * ((1 - n) * (1 + n))                            # ∂h'/∂(n's pre-activation)
        factors = concatenate([to_n * gh_n * r * (1 - r), (h_prev - n) * z * (1 - z), to_n * r], axis=-1)
        d_gh, dhs, dh0 = loops["GRU"](back, g, factors, z, w_hh)
        d_gi = concatenate([d_gh[..., :2 * size], dhs * to_n], axis=-1)
        state = {"d_gi": d_gi, "d_gh": d_gh, "dh0": dh0}
    else:
        if mode == "RNN_TANH":
            slope = (1 - hs) * (1 + hs)  # tanh' as the tanh primitive's rule writes it (no cancellation)
        else:
            slope = (data_of(hs) > 0).astype(data_of(out).dtype)       # relu's derivative: a constant mask
        d_pre, dh0 = loops["RNN"](back, g, slope, w_hh)
        state = {"d_gi": d_pre, "d_gh": d_pre, "dh0": dh0}
    state["h_prev"] = h_prev
    return state


def _lstm_factors_arrays(acts, bend, parts):
    """`slopes` and `factors` of `_bptt` for arrays, the same operations written into recycled arrays: the backward
    pass of a long sequence would otherwise map fresh pages for each (T, N, 4H) result at every training step (see
    autograd_core/recycle.py), which cost more than the arithmetic."""
    slopes = np.subtract(1, acts, out=recycle.empty(acts.shape, acts.dtype))
    factors = np.add(acts, bend, out=recycle.empty(acts.shape, acts.dtype))
    slopes *= factors
    np.concatenate(parts, axis=-1, out=factors)
    factors *= slopes
    return slopes, factors


# The loops over time. Each takes the order of the steps (`back`: the last step read first), the output gradient
# and the factors of `_bptt`, and returns the pre-activations' gradients of every step (T, N, G·H) and the initial
# states' gradients. The Values' form builds lists and stacks them; the arrays' form writes into arrays allocated
# once and keeps the per-step operands contiguous (the same numbers: the same products and sums in the same order).


def _lstm_steps_values(back, g_h, g_c, to_c, factors, f, w_hh, w_hr, extra):
    """LSTM: dh = g_h + dh', dm = dh W_hr (projection), dc = g_c + dm ⊙ o(1 − tanh²c) + dc',
    d_pre = [dc, dc, dc, dm] ⊙ factors (+ extra: the gates' own gradient ⊙ their slopes), dh' = d_pre W_hh,
    dc' = dc ⊙ f. Also returns the dh of every step."""
    gradients, dhs, dh_next, dc_next = [None] * len(back), [None] * len(back), None, None
    for t in back:
        dh = g_h[t] if dh_next is None else g_h[t] + dh_next
        dm = dh if w_hr is None else dh @ w_hr                          # through the projection h = m W_hrᵀ
        dc = g_c[t] + dm * to_c[t]
        if dc_next is not None:
            dc = dc + dc_next
        gradients[t] = concatenate([dc, dc, dc, dm], axis=-1) * factors[t]
        if extra is not None:
            gradients[t] = gradients[t] + extra[t]
        dhs[t] = dh
        dh_next = gradients[t] @ w_hh
        dc_next = dc * f[t]
    return stack(gradients, axis=0), stack(dhs, axis=0), dh_next, dc_next


def _lstm_steps_arrays(back, g_h, g_c, to_c, factors, f, w_hh, w_hr, extra):
    steps, batch, size = to_c.shape
    d_pre = recycle.empty(factors.shape, factors.dtype)
    dhs = None if w_hr is None else np.empty(g_h.shape, g_h.dtype)  # for W_hr's gradient only
    g_h, f = np.ascontiguousarray(g_h), np.ascontiguousarray(f)
    with_c = set(np.flatnonzero(g_c.reshape(steps, -1).any(axis=1)).tolist())  # often only c_n's step
    spread = np.empty((batch, 4, size), factors.dtype)                 # [dc, dc, dc, dm]
    dh_next = dc_next = None
    for t in back:
        dh = g_h[t] if dh_next is None else np.add(g_h[t], dh_next, out=dh_next)
        if dhs is not None:
            dhs[t] = dh
        dm = dh if w_hr is None else dh @ w_hr
        dc = dm * to_c[t]
        if t in with_c:
            dc = np.add(g_c[t], dc, out=dc)
        if dc_next is not None:
            dc += dc_next
        spread[:, :3] = dc[:, None]
        spread[:, 3] = dm
        np.multiply(spread.reshape(batch, 4 * size), factors[t], out=d_pre[t])
        if extra is not None:
            d_pre[t] += extra[t]
        dh_next = d_pre[t] @ w_hh
        dc_next = np.multiply(dc, f[t], out=dc)
    return d_pre, dhs, dh_next, dc_next


def _gru_steps_values(back, g, factors, z, w_hh):
    """GRU: dh = g + dh', d_gh = [dh, dh, dh] ⊙ factors (the gradient of gh = h W_hhᵀ + b_hh),
    dh' = d_gh W_hh + dh ⊙ z. Also returns the dh of every step."""
    gradients, dhs, dh_next = [None] * len(back), [None] * len(back), None
    for t in back:
        dh = g[t] if dh_next is None else g[t] + dh_next
        gradients[t] = concatenate([dh, dh, dh], axis=-1) * factors[t]
        dhs[t] = dh
        dh_next = gradients[t] @ w_hh + dh * z[t]
    return stack(gradients, axis=0), stack(dhs, axis=0), dh_next


def _gru_steps_arrays(back, g, factors, z, w_hh):
    steps, batch, size = g.shape
    d_gh = np.empty(factors.shape, factors.dtype)
    dhs = np.empty(g.shape, factors.dtype)
    z = np.ascontiguousarray(z)
    spread = np.empty((batch, 3, size), factors.dtype)
    dh_next = None
    for t in back:
        dh = g[t] if dh_next is None else np.add(g[t], dh_next, out=dh_next)
        dhs[t] = dh
        spread[...] = dh[:, None]
        np.multiply(spread.reshape(batch, 3 * size), factors[t], out=d_gh[t])
        dh_next = d_gh[t] @ w_hh
        dh_next += dh * z[t]
    return d_gh, dhs, dh_next


def _rnn_steps_values(back, g, slope, w_hh):
    """RNN: dh = g + dh', d_pre = dh ⊙ act'(pre), dh' = d_pre W_hh."""
    gradients, dh_next = [None] * len(back), None
    for t in back:
        dh = g[t] if dh_next is None else g[t] + dh_next
        gradients[t] = dh * slope[t]
        dh_next = gradients[t] @ w_hh
    return stack(gradients, axis=0), dh_next


def _rnn_steps_arrays(back, g, slope, w_hh):
    d_pre = np.empty(slope.shape, slope.dtype)
    dh_next = None
    for t in back:
        dh = g[t] if dh_next is None else np.add(g[t], dh_next, out=dh_next)
        np.multiply(dh, slope[t], out=d_pre[t])
        dh_next = d_pre[t] @ w_hh
    return d_pre, dh_next


_STEPS_VALUES = {"LSTM": _lstm_steps_values, "GRU": _gru_steps_values, "RNN": _rnn_steps_values}
_STEPS_ARRAYS = {"LSTM": _lstm_steps_arrays, "GRU": _gru_steps_arrays, "RNN": _rnn_steps_arrays}


class _Memo(threading.local):
    # (g, out, the dict of _bptt): one backward recurrence serves the rules of all inputs of a node. Dropped after the
    # last input's rule, or by the next forward pass (when the last input needs no gradient).
    entry = None


_MEMO = _Memo()
_NAMES = ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr")


def _gradient(argnum, g, out, *xs, mode, reverse, bias, proj):
    """The gradient of input `argnum`: the backward recurrence runs once per node and output gradient (the engine
    calls one rule per input with the same g and out), then each input's gradient is one matmul or sum."""
    entry = _MEMO.entry
    if entry is None or entry[0] is not g or entry[1] is not out:
        entry = _MEMO.entry = (g, out, _bptt(g, out, xs, mode, reverse, bias, proj))
    state = entry[2]
    if argnum == len(xs) - 1:  # the engine asks for the inputs in order: let go of the graph's arrays after the last
        _MEMO.entry = None
    present = [name for name in _NAMES if (name != "c0" or mode == "LSTM") and (name not in ("b_ih", "b_hh") or bias)
               and (name != "w_hr" or proj)]                          # the inputs in order, as `unpack` reads them
    name = present[argnum]
    x, w_ih = xs[0], xs[present.index("w_ih")]
    if name == "x":
        return _times(state["d_gi"], w_ih)
    if name in ("h0", "c0", "w_hr"):
        return state[{"h0": "dh0", "c0": "dc0", "w_hr": "dw_hr"}[name]]
    if name == "w_ih":
        return _flat(state["d_gi"]).T @ _flat(x)
    if name == "w_hh":
        return _flat(state["d_gh"]).T @ _flat(state["h_prev"])
    return state["d_gi" if name == "b_ih" else "d_gh"].sum(axis=(0, 1))


def composed(*xs, mode, reverse, bias, proj):
    """`rnn_sequence` composed from the step functions of nn/rnn.py (a dozen nodes per step): the reference the
    fused path is tested against, and what forward mode differentiates."""
    from .rnn import _STEPS, _affine  # nn/rnn.py imports this module

    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = unpack(xs, mode, bias, proj)
    gi = _affine(x, w_ih, b_ih)
    state = (h0,) if c0 is None else (h0, c0)
    outputs = [None] * x.shape[0]
    for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
        if mode == "LSTM":  # _lstm_step's formulas, keeping the gates too
            size = c0.shape[-1]
            pre = gi[t] + _affine(state[0], w_hh, b_hh)
            acts = concatenate([sigmoid(pre[..., :2 * size]), tanh(pre[..., 2 * size:3 * size]),
                                sigmoid(pre[..., 3 * size:])], axis=-1)
            c = acts[..., size:2 * size] * state[1] + acts[..., :size] * acts[..., 2 * size:3 * size]
            h = acts[..., 3 * size:] * tanh(c)
            state = (h if w_hr is None else _affine(h, w_hr, None), c)
            outputs[t] = concatenate([*state, acts], axis=-1)
        else:
            state = _STEPS[mode](gi[t], state, w_hh, b_hh, w_hr)
            outputs[t] = state[0]
    return stack(outputs, axis=0)


def _jvp(argnum, t, out, *xs, **params):
    """Forward mode: input `argnum`'s share of the output's tangent, by `jvp` through the composed steps."""
    from autograd_core.forward import jvp

    def along(v):
        return composed(*xs[:argnum], v, *xs[argnum + 1:], **params)

    return jvp(along, (xs[argnum],), (t,))[1]


rnn_sequence.defvjp_argnum(_gradient, formula="BPTT")
rnn_sequence.defjvp_argnum(_jvp)
